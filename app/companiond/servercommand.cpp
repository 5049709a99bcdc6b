#include "commands.h"

#include "common/unixsignalwatcher.h"
#include "controlplane/controlplane.h"
#include "http/tokenfile.h"

#include <QCommandLineParser>
#include <QDir>
#include <QSaveFile>
#include <QStandardPaths>

#include <csignal>

namespace {
class Text
{
    Q_DECLARE_TR_FUNCTIONS(companiond)
};

QString dataDir()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
}
} // namespace

QString defaultServerUrlFile()
{
    return QDir(dataDir()).filePath(QStringLiteral("control-plane-url"));
}

QString defaultOperatorTokenFile()
{
    return QDir(dataDir()).filePath(QStringLiteral("operator-token"));
}

int runServer(QCoreApplication &app, const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(Text::tr(
            "Runs a control plane: workspaces, builds and agents, prebuild claims and the agent "
            "reinit stream. Operator requests need the operator token; agents use their own."));
    parser.addHelpOption();
    const QCommandLineOption listen(QStringLiteral("listen"),
                                    Text::tr("Address and port to listen on (default "
                                             "127.0.0.1:0, a free port on loopback)."),
                                    Text::tr("host:port"), QStringLiteral("127.0.0.1:0"));
    const QCommandLineOption database(
            QStringLiteral("database"),
            Text::tr("sqlite:PATH or postgres://user:password@host:port/db (default: SQLite "
                     "in %1). Replicas share one PostgreSQL database.")
                    .arg(QDir(dataDir()).filePath(QStringLiteral("control-plane.db"))),
            Text::tr("url"));
    const QCommandLineOption tokenFile(
            QStringLiteral("token-file"),
            Text::tr("File holding the operator token; created 0600 with a new token when "
                     "missing (default: %1).")
                    .arg(defaultOperatorTokenFile()),
            Text::tr("file"));
    const QCommandLineOption provisioner(
            QStringLiteral("provisioner"),
            Text::tr("echo: every build's job succeeds at once (default); external: jobs wait "
                     "for POST /api/v2/workspacebuilds/ID/complete."),
            Text::tr("kind"), QStringLiteral("echo"));
    parser.addOptions({listen, database, tokenFile, provisioner});
    const HttpLimitOptions httpLimitOptions(&parser);
    parser.process(arguments);

    ControlPlane::Options options;
    if (!parseListen(parser.value(listen), &options.address, &options.port)) {
        printLine(stderr,
                  Text::tr("Invalid --listen value %1: expected host:port, for example "
                           "127.0.0.1:7080.")
                          .arg(parser.value(listen)));
        return 2;
    }
    const QString provisionerKind = parser.value(provisioner);
    if (provisionerKind != QLatin1String("echo") && provisionerKind != QLatin1String("external")) {
        printLine(
                stderr,
                Text::tr("Invalid --provisioner value %1: echo or external.").arg(provisionerKind));
        return 2;
    }
    options.echoProvisioner = provisionerKind == QLatin1String("echo");
    if (!httpLimitOptions.apply(parser, &options.httpLimits)) {
        return 2;
    }
    QString error;
    QDir().mkpath(dataDir());
    const QString databaseText = parser.isSet(database) ? parser.value(database)
                                                        : QStringLiteral("sqlite:") +
                    QDir(dataDir()).filePath(QStringLiteral("control-plane.db"));
    const std::optional<DatabaseLocation> location = DatabaseLocation::parse(databaseText, &error);
    if (!location) {
        printLine(stderr, error);
        return 2;
    }
    options.database = *location;
    const QString tokenPath =
            parser.isSet(tokenFile) ? parser.value(tokenFile) : defaultOperatorTokenFile();
    const std::optional<QByteArray> token = TokenFile::loadOrCreate(tokenPath, &error);
    if (!token) {
        printLine(stderr, error);
        return 1;
    }
    options.operatorToken = *token;

    ControlPlane plane(options);
    int status = 0;
    QObject::connect(&plane, &ControlPlane::failed, &app, [&status](const QString &why) {
        printLine(stderr, why);
        status = 1;
        QCoreApplication::quit();
    });
    QObject::connect(&plane, &ControlPlane::started, &app, [&] {
        if (!plane.server()->address().isLoopback()) {
            printLine(stderr,
                      Text::tr("Warning: listening beyond loopback, on %1 port %2.")
                              .arg(plane.server()->address().toString())
                              .arg(plane.server()->port()));
        }
        printLine(stdout, Text::tr("Control plane listening on %1").arg(plane.url().toString()));
        printLine(stdout, Text::tr("Operator token file: %1").arg(tokenPath));
        printLine(stdout, Text::tr("Database: %1").arg(options.database.display()));
        // For `companiond ctl` without --url; only with the default token file, so that a
        // second server with its own token does not take over the default.
        if (!parser.isSet(tokenFile)) {
            QSaveFile file(defaultServerUrlFile());
            if (file.open(QIODevice::WriteOnly)) {
                file.write(plane.url().toString().toUtf8() + '\n');
                file.commit();
            }
        }
    });
    UnixSignalWatcher watcher({SIGINT, SIGTERM, SIGHUP});
    QObject::connect(&watcher, &UnixSignalWatcher::unixSignal, &app, [](int number) {
        printLine(stdout, Text::tr("Signal %1: stopping").arg(number));
        QCoreApplication::quit();
    });
    plane.start();
    const int code = QCoreApplication::exec();
    return status ? status : code;
}
