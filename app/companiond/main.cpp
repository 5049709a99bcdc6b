// companiond: the headless daemon. Each subcommand is a thin front end over companion_core.
#include "commands.h"

#include "agent/agent.h"
#include "agent/agentsupervisor.h"
#include "common/buildinfo.h"
#include "common/translationloader.h"
#include "common/unixsignalwatcher.h"
#include "http/apiserver.h"
#include "http/tokenfile.h"
#include "process/childreaper.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

#include <csignal>
#include <cstdio>

void printLine(FILE *stream, const QString &text)
{
    std::fprintf(stream, "%s\n", qPrintable(text));
    std::fflush(stream);
}

namespace {

// The translation context of this file's strings ("companiond"), visible to lupdate.
class Text
{
    Q_DECLARE_TR_FUNCTIONS(companiond)
};

} // namespace

bool parseListen(const QString &value, QHostAddress *address, quint16 *port)
{
    const qsizetype colon = value.lastIndexOf(QLatin1Char(':'));
    if (colon <= 0) {
        return false;
    }
    QString host = value.left(colon);
    if (host.startsWith(QLatin1Char('[')) && host.endsWith(QLatin1Char(']'))) {
        host = host.mid(1, host.size() - 2);
    }
    bool ok = false;
    const uint p = value.mid(colon + 1).toUInt(&ok);
    if (!ok || p > 65535 || !address->setAddress(host)) {
        return false;
    }
    *port = quint16(p);
    return true;
}

HttpLimitOptions::HttpLimitOptions(QCommandLineParser *parser)
    : m_headerTimeout(QStringLiteral("header-timeout"),
                      Text::tr("Seconds a client has to send a request's headers (default 10)."),
                      Text::tr("seconds"))
    , m_bodyTimeout(QStringLiteral("body-timeout"),
                    Text::tr("Seconds a request body may stall before the connection is closed "
                             "(default 30)."),
                    Text::tr("seconds"))
    , m_idleTimeout(QStringLiteral("idle-timeout"),
                    Text::tr("Seconds an idle keep-alive connection stays open (default 60)."),
                    Text::tr("seconds"))
    , m_maxConnections(QStringLiteral("max-connections"),
                       Text::tr("Open connections in all, WebSockets included (default 1024); "
                                "more get 503."),
                       Text::tr("count"))
    , m_maxConnectionsPerPeer(QStringLiteral("max-connections-per-address"),
                              Text::tr("Open connections from one client address (default 64); "
                                       "more get 503."),
                              Text::tr("count"))
{
    parser->addOptions({m_headerTimeout, m_bodyTimeout, m_idleTimeout, m_maxConnections,
                        m_maxConnectionsPerPeer});
}

bool HttpLimitOptions::apply(const QCommandLineParser &parser, ApiServer::Limits *limits) const
{
    // Positive whole numbers, each within its own bound.
    const auto positive = [&](const QCommandLineOption &option, int maximum, int *value) {
        if (!parser.isSet(option)) {
            return true;
        }
        bool ok = false;
        const int parsed = parser.value(option).toInt(&ok);
        if (!ok || parsed < 1 || parsed > maximum) {
            printLine(stderr,
                      Text::tr("Invalid --%1 value %2: expected a whole number from 1 to %3.")
                              .arg(option.names().constFirst(), parser.value(option))
                              .arg(maximum));
            return false;
        }
        *value = parsed;
        return true;
    };
    HttpConnection::Limits &connection = limits->connection;
    int seconds[3] = {int(connection.headerTimeout.count() / 1000),
                      int(connection.bodyStallTimeout.count() / 1000),
                      int(connection.idleTimeout.count() / 1000)};
    if (!positive(m_headerTimeout, 3600, &seconds[0]) ||
        !positive(m_bodyTimeout, 3600, &seconds[1]) ||
        !positive(m_idleTimeout, 86400, &seconds[2]) ||
        !positive(m_maxConnections, 65536, &limits->maxConnections) ||
        !positive(m_maxConnectionsPerPeer, 65536, &limits->maxConnectionsPerPeer)) {
        return false;
    }
    connection.headerTimeout = std::chrono::seconds(seconds[0]);
    connection.bodyStallTimeout = std::chrono::seconds(seconds[1]);
    connection.idleTimeout = std::chrono::seconds(seconds[2]);
    return true;
}

namespace {

int runAgent(QCoreApplication &app, const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(Text::tr(
            "Runs a workspace agent: the process and context APIs over HTTP. Every request needs "
            "the agent token."));
    parser.addHelpOption();
    const QCommandLineOption listen(
            QStringLiteral("listen"),
            Text::tr("Address and port to listen on (default 127.0.0.1:0, a free port "
                     "on loopback). Listening beyond loopback exposes the agent to the "
                     "network: do it only behind a firewall or tunnel."),
            Text::tr("host:port"), QStringLiteral("127.0.0.1:0"));
    const QCommandLineOption workdir(
            QStringLiteral("workdir"),
            Text::tr("Working directory for processes started without one (default: "
                     "the current directory)."),
            Text::tr("dir"));
    const QCommandLineOption tokenFile(
            QStringLiteral("token-file"),
            Text::tr("File holding the agent token; created with a new random token "
                     "and mode 0600 when missing (default: %1).")
                    .arg(Agent::defaultTokenFile()),
            Text::tr("file"));
    const QCommandLineOption captureCap(
            QStringLiteral("capture-cap"),
            Text::tr("Bytes of full output kept per process (default 67108864, 64 "
                     "MiB). The oldest bytes are dropped beyond it."),
            Text::tr("bytes"));
    const QCommandLineOption captureBudget(
            QStringLiteral("capture-budget"),
            Text::tr("Bytes of full output kept for all processes together (default "
                     "1073741824, 1 GiB). Beyond it the captures of the oldest exited processes "
                     "are released first; AI clients' head and tail views are kept."),
            Text::tr("bytes"));
    const QCommandLineOption source(
            QStringLiteral("source"),
            Text::tr("Extra folder to scan for context resources (repeatable). Trusted: "
                     "not limited to the allowed roots."),
            Text::tr("dir"));
    const QCommandLineOption controlPlane(
            QStringLiteral("control-plane"),
            Text::tr("Control plane of this agent's workspace, for example "
                     "http://127.0.0.1:7080: the agent reports to it, pushes context snapshots "
                     "and is reinitialized when its prebuilt workspace is claimed."),
            Text::tr("url"));
    const QCommandLineOption controlPlaneToken(
            QStringList {QStringLiteral("agent-token-file"),
                         QStringLiteral("control-plane-token-file")},
            Text::tr("File holding this workspace's agent token for the control plane (from "
                     "`companiond ctl workspaces create`; default: the agent token file)."),
            Text::tr("file"));
    const QCommandLineOption noBuiltins(
            QStringLiteral("no-builtin-roots"),
            Text::tr("Do not scan ~/.coder, ~/.coder/skills and ~/.claude/plugins/cache."));
    parser.addOptions({listen, workdir, tokenFile, captureCap, captureBudget, source, controlPlane,
                       controlPlaneToken, noBuiltins});
    const HttpLimitOptions httpLimitOptions(&parser);
    parser.process(arguments);

    Agent::Options options;
    if (!parseListen(parser.value(listen), &options.address, &options.port)) {
        printLine(stderr,
                  Text::tr("Invalid --listen value %1: expected host:port, for example "
                           "127.0.0.1:4000.")
                          .arg(parser.value(listen)));
        return 2;
    }
    options.workingDirectory =
            QFileInfo(parser.isSet(workdir) ? parser.value(workdir) : QDir::currentPath())
                    .absoluteFilePath();
    if (!QFileInfo(options.workingDirectory).isDir()) {
        printLine(stderr,
                  Text::tr("Working directory %1 does not exist.").arg(options.workingDirectory));
        return 2;
    }
    options.tokenFile = parser.value(tokenFile);
    if (parser.isSet(captureCap)) {
        bool ok = false;
        options.captureCapBytes = parser.value(captureCap).toLongLong(&ok);
        if (!ok || options.captureCapBytes < 4096) {
            printLine(stderr,
                      Text::tr("Invalid --capture-cap value %1: expected a byte count of at least "
                               "4096.")
                              .arg(parser.value(captureCap)));
            return 2;
        }
    }
    if (parser.isSet(captureBudget)) {
        bool ok = false;
        options.captureBudgetBytes = parser.value(captureBudget).toLongLong(&ok);
        if (!ok || options.captureBudgetBytes < options.captureCapBytes) {
            printLine(stderr,
                      Text::tr("Invalid --capture-budget value %1: expected a byte count of at "
                               "least the capture cap (%2).")
                              .arg(parser.value(captureBudget))
                              .arg(options.captureCapBytes));
            return 2;
        }
    }
    if (!httpLimitOptions.apply(parser, &options.httpLimits)) {
        return 2;
    }
    for (const QString &dir : parser.values(source)) {
        options.contextSources.append(QFileInfo(dir).absoluteFilePath());
    }
    options.contextBuiltinRoots = !parser.isSet(noBuiltins);
    if (parser.isSet(controlPlane)) {
        options.controlPlane = QUrl(parser.value(controlPlane), QUrl::StrictMode);
        if (!options.controlPlane.isValid() ||
            !options.controlPlane.scheme().startsWith(QLatin1String("http"))) {
            printLine(stderr,
                      Text::tr("Invalid --control-plane value %1: expected an http(s) URL.")
                              .arg(parser.value(controlPlane)));
            return 2;
        }
    }

    QString error;
    if (parser.isSet(controlPlaneToken)) {
        const std::optional<QByteArray> token =
                TokenFile::read(parser.value(controlPlaneToken), &error);
        if (!token) {
            printLine(stderr, error);
            return 2;
        }
        options.controlPlaneToken = *token;
    }
    // Before the agent, so it outlives it: whatever the agent's processes leave behind
    // (setsid children, orphans of forgotten processes) is ended when companiond ends.
    ChildReaper reaper;
    AgentSupervisor supervisor(options);
    QObject::connect(&supervisor, &AgentSupervisor::reinitializing, &app,
                     [](const ReinitEvent &event) {
                         printLine(stdout,
                                   Text::tr("Workspace claimed by %1: reinitializing the agent")
                                           .arg(event.ownerId));
                     });
    QObject::connect(&supervisor, &AgentSupervisor::reinitialized, &app, [&supervisor] {
        printLine(stdout,
                  Text::tr("Agent reinitialized; listening on %1")
                          .arg(supervisor.agent()->url().toString()));
    });
    QObject::connect(&supervisor, &AgentSupervisor::duplicateIgnored, &app, [] {
        printLine(stdout, Text::tr("Reinit event for the current owner ignored"));
    });
    QObject::connect(&supervisor, &AgentSupervisor::reinitStopped, &app,
                     [](const QString &message) {
                         printLine(stdout, Text::tr("Reinit does not apply: %1").arg(message));
                     });
    if (!supervisor.start(&error)) {
        printLine(stderr, error);
        return 1;
    }
    Agent &agent = *supervisor.agent();
    const QHostAddress bound = agent.server()->address();
    if (!bound.isLoopback()) {
        printLine(stderr,
                  Text::tr("Warning: listening on %1 port %2, beyond loopback: every machine "
                           "that can reach it may try the token.")
                          .arg(bound.toString())
                          .arg(agent.server()->port()));
    }
    const bool wildcard = bound == QHostAddress::Any || bound == QHostAddress::AnyIPv4 ||
            bound == QHostAddress::AnyIPv6;
    if (wildcard) {
        printLine(stdout,
                  Text::tr("Agent listening on %1 port %2 (every address of this machine); "
                           "locally at %3")
                          .arg(bound.toString())
                          .arg(agent.server()->port())
                          .arg(agent.url().toString()));
    } else {
        printLine(stdout, Text::tr("Agent listening on %1").arg(agent.url().toString()));
    }
    printLine(stdout, Text::tr("Token file: %1").arg(agent.tokenFile()));
    printLine(stdout, Text::tr("Working directory: %1").arg(agent.workingDirectory()));
    if (options.controlPlane.isValid()) {
        printLine(stdout, Text::tr("Control plane: %1").arg(options.controlPlane.toString()));
    }

    UnixSignalWatcher watcher({SIGINT, SIGTERM, SIGHUP});
    QObject::connect(
            &watcher, &UnixSignalWatcher::unixSignal, &supervisor, [&supervisor](int number) {
                printLine(stdout, Text::tr("Signal %1: ending processes and stopping").arg(number));
                supervisor.stop();
            });
    QObject::connect(&supervisor, &AgentSupervisor::stopped, &app,
                     [] { QCoreApplication::quit(); });
    return QCoreApplication::exec();
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("companiond"));
    QCoreApplication::setOrganizationName(QStringLiteral("workspace-companion"));
    QCoreApplication::setApplicationVersion(BuildInfo::applicationVersion());
    TranslationLoader::install(
            &app, TranslationLoader::chooseLocale({}, QLocale::system().uiLanguages()));

    QCommandLineParser parser;
    parser.setApplicationDescription(
            Text::tr("Headless Workspace Companion: runs a workspace agent or a control plane."));
    parser.addHelpOption();
    const QCommandLineOption versionOption({QStringLiteral("v"), QStringLiteral("version")},
                                           Text::tr("Displays version information."));
    parser.addOption(versionOption);
    parser.addPositionalArgument(
            QStringLiteral("command"),
            Text::tr("agent: run a workspace agent (companiond agent --help); server: run a "
                     "control plane (companiond server --help); ctl: drive a control plane "
                     "(companiond ctl --help)."),
            QStringLiteral("<command> [options]"));
    // Options after the command belong to the command.
    parser.setOptionsAfterPositionalArgumentsMode(QCommandLineParser::ParseAsPositionalArguments);
    parser.process(app);

    if (parser.isSet(versionOption)) {
        printLine(stdout, BuildInfo::versionReport());
        return 0;
    }
    const QStringList positional = parser.positionalArguments();
    if (positional.isEmpty()) {
        parser.showHelp(0);
    }
    const QString command = positional.first();
    QStringList rest = positional;
    rest[0] = QCoreApplication::applicationFilePath() + QLatin1Char(' ') + command;
    if (command == QLatin1String("agent")) {
        return runAgent(app, rest);
    }
    if (command == QLatin1String("server")) {
        return runServer(app, rest);
    }
    if (command == QLatin1String("ctl")) {
        return runCtl(app, rest);
    }
    printLine(stderr, Text::tr("Unknown command: %1. Run companiond --help.").arg(command));
    return 2;
}
