#pragma once

// The `postgres` CTest fixture's server (tests/helpers/postgres.sh), for the tests that
// require it: its URL, and a database of their own on it. The test defines
// COMPANION_POSTGRES_DIR.

#include <QDebug>
#include <QFile>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QString>
#include <QUrl>
#include <QUuid>

namespace PostgresTest {

inline QString url()
{
    QFile file(QStringLiteral(COMPANION_POSTGRES_DIR) + QStringLiteral("/url"));
    if (!file.open(QIODevice::ReadOnly)) {
        return {};
    }
    return QString::fromUtf8(file.readAll()).trimmed();
}

// A database of its own for one test, on the fixture's server: its URL, or empty.
inline QString freshDatabase()
{
    const QString base = url();
    if (base.isEmpty()) {
        return {};
    }
    const QUrl server(base);
    const QString name = QStringLiteral("t_") + QUuid::createUuid().toString(QUuid::Id128).left(16);
    {
        QSqlDatabase admin = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), name);
        admin.setHostName(server.host());
        admin.setPort(server.port());
        admin.setUserName(server.userName());
        admin.setDatabaseName(QStringLiteral("postgres"));
        if (!admin.open()) {
            qWarning() << admin.lastError().text();
            return {};
        }
        QSqlQuery(admin).exec(QStringLiteral("CREATE DATABASE ") + name);
        admin.close();
    }
    QSqlDatabase::removeDatabase(name);
    QUrl db = server;
    db.setPath(QLatin1Char('/') + name);
    return db.toString();
}

} // namespace PostgresTest
