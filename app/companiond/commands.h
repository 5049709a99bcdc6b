#pragma once

#include "http/apiserver.h"

#include <QCommandLineOption>
#include <QCommandLineParser>
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

// The HTTP limits `agent` and `server` both take (timeouts, connection caps).
class HttpLimitOptions
{
public:
    explicit HttpLimitOptions(QCommandLineParser *parser);
    // False, after printing why, for a value out of range.
    bool apply(const QCommandLineParser &parser, ApiServer::Limits *limits) const;

private:
    QCommandLineOption m_headerTimeout;
    QCommandLineOption m_bodyTimeout;
    QCommandLineOption m_idleTimeout;
    QCommandLineOption m_maxConnections;
    QCommandLineOption m_maxConnectionsPerPeer;
};
