// workspace-companion: the desktop app. Everything here is wiring; the logic lives in ui/ and
// core/.
#include "agent/agent.h"
#include "common/buildinfo.h"
#include "common/translationloader.h"
#include "common/unixsignalwatcher.h"
#include "connectagentdialog.h"
#include "context/contextclient.h"
#include "context/contextmanager.h"
#include "contextview.h"
#include "controlplane/controlplane.h"
#include "http/apiclient.h"
#include "http/tokenfile.h"
#include "mainwindow.h"
#include "prebuilds/reinitclient.h"
#include "process/childreaper.h"
#include "process/processclient.h"
#include "process/processmanager.h"
#include "processesview.h"
#include "store/records.h"
#include "theme.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QEventLoop>
#include <QFileInfo>
#include <QIcon>
#include <QJsonObject>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTimer>
#include <QWindow>

#include <csignal>
#include <cstdio>
#include <pwd.h>
#include <unistd.h>

namespace {

// --lang must be known before the translated option descriptions are built.
QString preParseLanguage(const QStringList &arguments)
{
    QCommandLineParser pre;
    const QCommandLineOption lang(QStringLiteral("lang"), QString(), QStringLiteral("code"));
    pre.addOption(lang);
    pre.setOptionsAfterPositionalArgumentsMode(QCommandLineParser::ParseAsOptions);
    (void)pre.parse(arguments); // unknown options are reported by the real parser below
    return pre.value(lang);
}

// Saves a screenshot once the window is on screen and painted, then optionally quits.
void scheduleScreenshot(MainWindow *window, const QString &path, bool quitAfter)
{
    auto *poll = new QTimer(window);
    poll->setInterval(50);
    QObject::connect(poll, &QTimer::timeout, window, [=] {
        if (!window->windowHandle() || !window->windowHandle()->isExposed()) {
            return;
        }
        poll->deleteLater();
        // One more pass through the event loop lets pending layouts and paints settle.
        QTimer::singleShot(600, window, [=] {
            QString error;
            if (window->saveScreenshot(path, &error)) {
                std::printf("%s\n", qPrintable(QObject::tr("Screenshot written to %1").arg(path)));
            } else {
                std::fprintf(
                        stderr, "%s\n",
                        qPrintable(QObject::tr("Cannot write screenshot %1: %2").arg(path, error)));
            }
            std::fflush(stdout);
            if (quitAfter) {
                QCoreApplication::exit(error.isEmpty() ? 0 : 1);
            }
        });
    });
    poll->start();
}

// The command line, built the same for the display-free first look and for the app.
struct CommandLine
{
    QCommandLineParser parser;
    QCommandLineOption langOption {
            QStringLiteral("lang"),
            QCoreApplication::translate("main", "User interface language, for example de or en."),
            QCoreApplication::translate("main", "code")};
    QCommandLineOption themeOption {
            QStringLiteral("theme"),
            QCoreApplication::translate("main", "Colour scheme: system, light or dark."),
            QCoreApplication::translate("main", "scheme")};
    QCommandLineOption screenshotOption {
            QStringLiteral("screenshot"),
            QCoreApplication::translate("main", "Write a PNG of the main window once it is shown."),
            QCoreApplication::translate("main", "file")};
    QCommandLineOption quitOption {
            QStringLiteral("quit-after-screenshot"),
            QCoreApplication::translate("main", "Quit once the screenshot is written.")};
    QCommandLineOption pageOption {
            QStringLiteral("page"),
            QCoreApplication::translate(
                    "main", "View to open: context, processes, runners or reinit-events."),
            QCoreApplication::translate("main", "view")};
    QCommandLineOption agentOption {
            QStringLiteral("agent"),
            QCoreApplication::translate("main",
                                        "Also open the agent at URL (with --token-file), and show "
                                        "it."),
            QStringLiteral("URL")};
    QCommandLineOption tokenFileOption {
            QStringLiteral("token-file"),
            QCoreApplication::translate("main", "The token of the --agent, read from FILE."),
            QStringLiteral("FILE")};
    QCommandLineOption runOption {
            QStringLiteral("run"),
            QCoreApplication::translate(
                    "main", "Start COMMAND in this machine's agent and show it (repeatable)."),
            QCoreApplication::translate("main", "command")};

    CommandLine()
    {
        parser.setApplicationDescription(QCoreApplication::translate(
                "main", "Desktop app for AI-assisted development workspaces."));
        parser.addHelpOption();
        parser.addVersionOption();
        parser.addOptions({langOption, themeOption, pageOption, runOption, agentOption,
                           tokenFileOption, screenshotOption, quitOption});
        parser.addPositionalArgument(
                QStringLiteral("folder"),
                QCoreApplication::translate("main",
                                            "Working directory of this machine's agent (default: "
                                            "the current directory)."),
                QStringLiteral("[folder]"));
    }
};

// The owner of "This machine": the login name where it is a valid user name.
QString localOwnerName()
{
    // The account's name, not $USER (unset under sudo -i, cron, some containers).
    const passwd *account = ::getpwuid(::getuid());
    QString name =
            (account ? QString::fromLocal8Bit(account->pw_name) : qEnvironmentVariable("USER"))
                    .toLower();
    name.replace(QRegularExpression(QStringLiteral("[^a-z0-9-]")), QStringLiteral("-"));
    name = name.left(32);
    while (name.startsWith(QLatin1Char('-')) || name.endsWith(QLatin1Char('-'))) {
        name = name.startsWith(QLatin1Char('-')) ? name.mid(1) : name.chopped(1);
    }
    return Records::isValidName(name) ? name : QStringLiteral("me");
}

// The control plane in this app: SQLite in the app's data folder, in-memory pubsub, loopback,
// an operator token in a 0600 file; "This machine" registered as a regular workspace whose
// agent token is kept in another 0600 file. Waits (with the event loop running, before the
// window is shown) until it listens: SQLite opens in milliseconds.
struct EmbeddedControlPlane
{
    std::unique_ptr<ControlPlane> plane;
    QString operatorTokenFile;
    QByteArray operatorToken;
    QByteArray agentToken;
    QString error;

    static constexpr auto WorkspaceName = "this-machine";

    bool start()
    {
        const QString dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
        QDir().mkpath(dir);
        operatorTokenFile = QDir(dir).filePath(QStringLiteral("operator-token"));
        const std::optional<QByteArray> token = TokenFile::loadOrCreate(operatorTokenFile, &error);
        const std::optional<QByteArray> agent = token
                ? TokenFile::loadOrCreate(
                          QDir(dir).filePath(QStringLiteral("this-machine-agent-token")), &error)
                : std::nullopt;
        if (!agent) {
            return false;
        }
        operatorToken = *token;
        agentToken = *agent;
        ControlPlane::Options options;
        options.database.engine = DatabaseLocation::Engine::Sqlite;
        options.database.sqlitePath = QDir(dir).filePath(QStringLiteral("control-plane.db"));
        options.operatorToken = operatorToken;
        plane = std::make_unique<ControlPlane>(options);
        QEventLoop wait;
        bool ok = false;
        QObject::connect(plane.get(), &ControlPlane::started, &wait, [&] {
            plane->registerWorkspace(QString::fromLatin1(WorkspaceName), localOwnerName(),
                                     agentToken, [&](const WorkspaceRecord &, const QString &why) {
                                         ok = why.isEmpty();
                                         error = why;
                                         wait.quit();
                                     });
        });
        QObject::connect(plane.get(), &ControlPlane::failed, &wait, [&](const QString &why) {
            error = why;
            wait.quit();
        });
        QTimer::singleShot(15'000, &wait, [&] {
            error = QCoreApplication::translate("main",
                                                "The control plane did not start within 15 s.");
            wait.quit();
        });
        plane->start();
        wait.exec();
        if (!ok) {
            plane.reset();
        }
        return ok;
    }
};

void setApplicationNames()
{
    QCoreApplication::setApplicationName(QStringLiteral("workspace-companion"));
    QCoreApplication::setOrganizationName(QStringLiteral("workspace-companion"));
    QCoreApplication::setApplicationVersion(BuildInfo::applicationVersion());
}

} // namespace

int main(int argc, char *argv[])
{
    {
        // --help, --version and a bad command line are answered without a display: a
        // QApplication would abort in the platform plugin first.
        QCoreApplication plain(argc, argv);
        setApplicationNames();
        TranslationLoader::install(
                &plain,
                TranslationLoader::chooseLocale(preParseLanguage(plain.arguments()),
                                                QLocale::system().uiLanguages()));
        CommandLine line;
        if (!line.parser.parse(plain.arguments()) || line.parser.isSet(QStringLiteral("help")) ||
            line.parser.isSet(QStringLiteral("help-all")) ||
            line.parser.isSet(QStringLiteral("version"))) {
            line.parser.process(plain); // prints, and exits with its status
            return 1;
        }
    }

    QApplication app(argc, argv);
    setApplicationNames();
    QApplication::setApplicationDisplayName(QStringLiteral("Workspace Companion"));
    QApplication::setDesktopFileName(QStringLiteral("workspace-companion"));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/workspace-companion.svg")));

    TranslationLoader::install(&app,
                               TranslationLoader::chooseLocale(preParseLanguage(app.arguments()),
                                                               QLocale::system().uiLanguages()));

    CommandLine line;
    QCommandLineParser &parser = line.parser;
    const QCommandLineOption &themeOption = line.themeOption;
    const QCommandLineOption &screenshotOption = line.screenshotOption;
    const QCommandLineOption &quitOption = line.quitOption;
    const QCommandLineOption &pageOption = line.pageOption;
    const QCommandLineOption &runOption = line.runOption;
    parser.process(app);
    // A remote agent to open: judged before anything starts.
    QUrl remoteUrl;
    QByteArray remoteToken;
    if (parser.isSet(line.agentOption) || parser.isSet(line.tokenFileOption)) {
        remoteUrl = QUrl::fromUserInput(parser.value(line.agentOption));
        QString error;
        const std::optional<QByteArray> token = parser.isSet(line.tokenFileOption)
                ? TokenFile::read(parser.value(line.tokenFileOption), &error)
                : std::nullopt;
        if (!parser.isSet(line.tokenFileOption)) {
            error = QCoreApplication::translate("main", "--agent needs --token-file");
        } else if (!parser.isSet(line.agentOption)) {
            error = QCoreApplication::translate("main", "--token-file needs --agent");
        } else if (token) {
            error = ConnectAgentDialog::validationError(remoteUrl, *token);
        }
        if (!error.isEmpty() || !token) {
            std::fprintf(stderr, "%s\n", qPrintable(error));
            return 2;
        }
        remoteToken = *token;
    }

    const QStringList positional = parser.positionalArguments();
    const QString workDir =
            QFileInfo(positional.isEmpty() ? QDir::currentPath() : positional.first())
                    .absoluteFilePath();
    if (!QFileInfo(workDir).isDir()) {
        std::fprintf(
                stderr, "%s\n",
                qPrintable(QCoreApplication::translate("main", "Not a folder: %1").arg(workDir)));
        return 2;
    }

    // Declared before the agent and the window, so destroyed after them: it ends whatever the
    // agent's processes left behind (setsid children, orphans) when the app ends.
    ChildReaper reaper;
    // SIGTERM, SIGINT and SIGHUP end the app as closing its window does, processes included.
    UnixSignalWatcher signalWatcher({SIGINT, SIGTERM, SIGHUP});
    QObject::connect(&signalWatcher, &UnixSignalWatcher::unixSignal, &app, [](int number) {
        std::printf("%s\n",
                    qPrintable(QCoreApplication::translate(
                                       "main", "Signal %1: ending processes and quitting")
                                       .arg(number)));
        std::fflush(stdout);
        // exit(), not quit(): quit() asks the windows, and the quit guard would keep it open.
        QCoreApplication::exit(0);
    });

    Theme theme;
    Theme::Scheme scheme = Theme::storedScheme();
    if (parser.isSet(themeOption)) {
        const auto chosen = Theme::schemeFromName(parser.value(themeOption));
        if (!chosen) {
            std::fprintf(stderr, "%s\n",
                         qPrintable(QCoreApplication::translate("main", "Unknown colour scheme: %1")
                                            .arg(parser.value(themeOption))));
            return 2;
        }
        scheme = *chosen;
    }
    theme.setScheme(scheme);

    MainWindow window(&theme);
    if (parser.isSet(pageOption)) {
        const QStringList pages = {QStringLiteral("context"), QStringLiteral("processes"),
                                   QStringLiteral("runners"), QStringLiteral("reinit-events")};
        const qsizetype page = pages.indexOf(parser.value(pageOption));
        if (page < 0) {
            std::fprintf(stderr, "%s\n",
                         qPrintable(QCoreApplication::translate(
                                            "main", "Unknown view: %1 (expected one of %2)")
                                            .arg(parser.value(pageOption),
                                                 pages.join(QStringLiteral(", ")))));
            return 2;
        }
        window.setCurrentPage(MainWindow::Page(page));
    }

    EmbeddedControlPlane embedded;
    if (embedded.start()) {
        std::printf("%s\n%s\n",
                    qPrintable(QCoreApplication::translate("main", "Control plane: %1")
                                       .arg(embedded.plane->url().toString())),
                    qPrintable(QCoreApplication::translate("main", "Operator token file: %1")
                                       .arg(embedded.operatorTokenFile)));
        std::fflush(stdout);
    } else {
        std::fprintf(stderr, "%s\n",
                     qPrintable(QCoreApplication::translate(
                                        "main", "The control plane in this app did not start: %1")
                                        .arg(embedded.error)));
    }

    // This machine's agent, in process; the UI talks to it over loopback like to any other.
    Agent::Options agentOptions;
    agentOptions.workingDirectory = workDir;
    if (embedded.plane) {
        // It pushes its context to the control plane in this app.
        agentOptions.controlPlane = embedded.plane->url();
        agentOptions.controlPlaneToken = embedded.agentToken;
    }
    Agent agent(agentOptions);
    QString agentError;
    std::unique_ptr<ProcessClient> localClient;
    std::unique_ptr<ContextClient> localContext; // on localClient's connection: dies first
    if (agent.start(&agentError)) {
        std::printf("%s\n%s\n%s\n",
                    qPrintable(QCoreApplication::translate("main", "This machine's agent: %1")
                                       .arg(agent.url().toString())),
                    qPrintable(QCoreApplication::translate("main", "Agent token file: %1")
                                       .arg(agent.tokenFile())),
                    qPrintable(QCoreApplication::translate("main", "Agent working directory: %1")
                                       .arg(workDir)));
        std::fflush(stdout);
        localClient = std::make_unique<ProcessClient>(agent.url(), agent.token());
        window.setLocalAgent(localClient.get(), agent.tokenFile());
        window.setLocalRunningCount([&agent] { return agent.processManager()->runningCount(); });
        localContext = std::make_unique<ContextClient>(localClient->api());
        // The roots every resolve scans besides the user's: shown for information.
        const QString contextWorkDir = agent.contextManager()->workingDirectory();
        QStringList builtinRoots;
        for (const ScanRoot &root : agent.contextManager()->scanRoots()) {
            if (root.userSource.isEmpty() && root.path != contextWorkDir) {
                builtinRoots.append(root.path);
            }
        }
        window.setLocalContext(localContext.get(), builtinRoots, contextWorkDir);
        for (const QString &command : parser.values(runOption)) {
            ProcessClient::StartRequest request;
            request.command = command;
            window.processesView()->startProcess(request);
        }
    } else {
        std::fprintf(stderr, "%s\n", qPrintable(agentError));
        window.setLocalAgentError(agentError);
    }
    // This machine is a regular workspace: it reports itself, and its reinit loop gets one 409
    // and stops (the Reinit events view shows that reinit does not apply here).
    std::unique_ptr<ApiClient> planeApi;
    std::unique_ptr<ReinitLoop> reinitLoop;
    if (embedded.plane) {
        window.setLocalWorkspace(QString::fromLatin1(EmbeddedControlPlane::WorkspaceName));
        window.addControlPlane(QCoreApplication::translate("main", "This machine's control plane"),
                               embedded.plane->url(), embedded.operatorToken, true, false);
        if (localClient) {
            planeApi = std::make_unique<ApiClient>(embedded.plane->url(), embedded.agentToken);
            planeApi->post(QStringLiteral("/api/v2/workspaceagents/me/report"),
                           QJsonObject {{QStringLiteral("api_url"), agent.url().toString()},
                                        {QStringLiteral("api_token"),
                                         QString::fromLatin1(agent.token())}});
            reinitLoop = std::make_unique<ReinitLoop>(embedded.plane->url(), embedded.agentToken,
                                                      nullptr);
            reinitLoop->start();
        }
    }
    if (!remoteUrl.isEmpty()) {
        // Shown for this run; File > Connect to Agent… keeps one across restarts.
        window.connectAgent(ConnectAgentDialog::defaultName(remoteUrl), remoteUrl, remoteToken,
                            false);
    }
    window.show();
    if (parser.isSet(screenshotOption)) {
        scheduleScreenshot(&window, parser.value(screenshotOption), parser.isSet(quitOption));
    }
    const int status = QApplication::exec();
    window.saveSettings(); // a signal ends the app without a close event
    window.hide(); // ending processes may take the grace period: no frozen window meanwhile
    // Detach the view from the client before both go; the agent's destructor ends processes.
    window.processesView()->setClient(nullptr, false);
    window.contextView()->setClient(nullptr, false);
    return status;
}
