#pragma once

#include <QCoreApplication>
#include <QHostAddress>
#include <QStringList>

#include <cstdio>

// companiond's subcommands, each a thin front end over companion_core.
int runServer(QCoreApplication &app, const QStringList &arguments);
int runCtl(QCoreApplication &app, const QStringList &arguments);

void printLine(FILE *stream, const QString &text);
// Parses HOST:PORT (IPv6 as [::1]:PORT). Port 0 picks a free port.
bool parseListen(const QString &value, QHostAddress *address, quint16 *port);
// Where `companiond server` writes its URL, so that `companiond ctl` finds it.
QString defaultServerUrlFile();
QString defaultOperatorTokenFile();
