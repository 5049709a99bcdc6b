#include "commands.h"

#include "common/unixsignalwatcher.h"
#include "controlplane/controlplane.h"
#include "http/tokenfile.h"

#include <QCommandLineParser>
#include <QDir>
#include <QRegularExpression>
#include <QSaveFile>
#include <QStandardPaths>
#include <QUuid>

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

// A duration as 500ms, 9s, 2m or 1h; a bare number is seconds, as for the HTTP timeouts.
std::optional<std::chrono::milliseconds> parseDuration(const QString &text)
{
    static const QRegularExpression pattern(QStringLiteral("^(\\d{1,9})(ms|s|m|h)?$"));
    const QRegularExpressionMatch match = pattern.match(text.trimmed());
    if (!match.hasMatch()) {
        return std::nullopt;
    }
    const qint64 value = match.captured(1).toLongLong();
    const QString unit = match.captured(2);
    const qint64 scale = unit == QLatin1String("ms") ? 1
            : unit == QLatin1String("m")             ? 60'000
            : unit == QLatin1String("h")             ? 3'600'000
                                                     : 1000;
    const qint64 ms = value * scale;
    if (ms < 1 || ms > 24 * 3'600'000LL) {
        return std::nullopt;
    }
    return std::chrono::milliseconds(ms);
}

// The chat runtime's worker id, intervals and auto-archive.
class ChatRuntimeArguments
{
public:
    explicit ChatRuntimeArguments(QCommandLineParser *parser)
        : m_workerId(QStringLiteral("worker-id"),
                     Text::tr("This replica's chat worker id (default: a new one at each start)."),
                     Text::tr("uuid"))
        , m_heartbeat(QStringLiteral("heartbeat-interval"),
                      Text::tr("How often chat leases are renewed (default 9s)."),
                      Text::tr("duration"))
        , m_staleAfter(QStringLiteral("stale-after"),
                       Text::tr("How old a lease's heartbeat is before another worker may take "
                                "the chat over; stale heartbeats are also cleaned up this often "
                                "(default 30s)."),
                       Text::tr("duration"))
        , m_sync(QStringLiteral("sync-interval"),
                 Text::tr("How often runners re-read their chats from the database (default "
                          "15s)."),
                 Text::tr("duration"))
        , m_acquire(QStringLiteral("acquire-interval"),
                    Text::tr("How often the worker looks for chats to run (default 30s)."),
                    Text::tr("duration"))
        , m_archiveDays(QStringLiteral("auto-archive-days"),
                        Text::tr("Archive chats inactive for this many days (default 90; 0: "
                                 "never)."),
                        Text::tr("days"))
    {
        parser->addOptions(
                {m_workerId, m_heartbeat, m_staleAfter, m_sync, m_acquire, m_archiveDays});
    }

    // False, after printing why, for a value that does not parse or does not fit.
    bool apply(const QCommandLineParser &parser, ChatService::Options *options) const
    {
        if (parser.isSet(m_workerId)) {
            const QUuid id = QUuid::fromString(parser.value(m_workerId));
            if (id.isNull()) {
                printLine(stderr,
                          Text::tr("Invalid --worker-id value %1: expected a UUID.")
                                  .arg(parser.value(m_workerId)));
                return false;
            }
            options->workerId = id.toString(QUuid::WithoutBraces);
        }
        ChatRuntimeOptions &runtime = options->runtime;
        const auto duration = [&](const QCommandLineOption &option,
                                  std::chrono::milliseconds *value) {
            if (!parser.isSet(option)) {
                return true;
            }
            const std::optional<std::chrono::milliseconds> parsed =
                    parseDuration(parser.value(option));
            if (!parsed) {
                printLine(stderr,
                          Text::tr("Invalid --%1 value %2: expected a duration from 1ms to 24h, "
                                   "such as 500ms, 9s or 2m.")
                                  .arg(option.names().constFirst(), parser.value(option)));
                return false;
            }
            *value = *parsed;
            return true;
        };
        if (!duration(m_heartbeat, &runtime.heartbeatInterval) ||
            !duration(m_staleAfter, &runtime.staleAfter) ||
            !duration(m_sync, &runtime.syncInterval) ||
            !duration(m_acquire, &runtime.acquisitionInterval)) {
            return false;
        }
        if (parser.isSet(m_staleAfter)) {
            runtime.heartbeatCleanupInterval = runtime.staleAfter; // as upstream's 30 s and 30 s
        }
        if (runtime.staleAfter <= runtime.heartbeatInterval) {
            printLine(stderr,
                      Text::tr("--stale-after (%1 ms) must be longer than --heartbeat-interval "
                               "(%2 ms), or every lease goes stale between its renewals.")
                              .arg(runtime.staleAfter.count())
                              .arg(runtime.heartbeatInterval.count()));
            return false;
        }
        if (parser.isSet(m_archiveDays)) {
            bool ok = false;
            const int days = parser.value(m_archiveDays).toInt(&ok);
            if (!ok || days < 0 || days > 36500) {
                printLine(stderr,
                          Text::tr("Invalid --auto-archive-days value %1: expected a whole "
                                   "number from 0 to 36500.")
                                  .arg(parser.value(m_archiveDays)));
                return false;
            }
            runtime.autoArchiveDays = days;
        }
        return true;
    }

private:
    QCommandLineOption m_workerId;
    QCommandLineOption m_heartbeat;
    QCommandLineOption m_staleAfter;
    QCommandLineOption m_sync;
    QCommandLineOption m_acquire;
    QCommandLineOption m_archiveDays;
};
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
    const ChatRuntimeArguments chatArguments(&parser);
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
    if (!httpLimitOptions.apply(parser, &options.httpLimits) ||
        !chatArguments.apply(parser, &options.chat)) {
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
        printLine(stdout, Text::tr("Chat worker: %1").arg(plane.chatService()->workerId()));
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
    // The chat leases go first, so that another replica takes the chats over at once; the
    // worker gives up waiting for the database after its shutdown timeout. A second signal
    // stops at once.
    QObject::connect(plane.chatService(), &ChatService::shutdownFinished, &app,
                     [] { QCoreApplication::quit(); });
    bool stopping = false;
    QObject::connect(&watcher, &UnixSignalWatcher::unixSignal, &app,
                     [&plane, &stopping](int number) {
                         printLine(stdout, Text::tr("Signal %1: stopping").arg(number));
                         if (std::exchange(stopping, true)) {
                             QCoreApplication::quit();
                             return;
                         }
                         plane.chatService()->shutdown();
                     });
    plane.start();
    const int code = QCoreApplication::exec();
    return status ? status : code;
}
