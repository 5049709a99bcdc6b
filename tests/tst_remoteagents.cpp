// Remote agents in the app, against a real `companiond agent` on loopback with its own token:
// connect through the dialog (Test connection first), see its processes, keep it across a
// restart (token in a private file: tests run without a keychain), copy its token, remove it;
// a wrong token shown in place; the connection states and their backoff on a manual clock.
#include "agent/agent.h"
#include "agentconnection.h"
#include "common/clock.h"
#include "common/translationloader.h"
#include "connectagentdialog.h"
#include "contextview.h"
#include "mainwindow.h"
#include "process/processclient.h"
#include "process/processlistmodel.h"
#include "processesview.h"
#include "theme.h"
#include "tokenstore.h"

#include "http/apicall.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QDir>
#include <QFile>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QProcess>
#include <QPushButton>
#include <QRegularExpression>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

using namespace std::chrono_literals;

class TestRemoteAgents : public QObject
{
    Q_OBJECT
private:
    QString startProcessThere(const QString &command)
    {
        ProcessClient direct(m_url, m_token);
        ProcessClient::StartRequest request;
        request.command = command;
        QString id;
        ApiCall *call = direct.startProcess(request);
        QSignalSpy done(call, &ApiCall::finished);
        connect(call, &ApiCall::finished, this, [&id](const QJsonValue &body) {
            id = body.toObject().value(QStringLiteral("id")).toString();
        });
        if (!done.wait(10000)) {
            return {};
        }
        return id;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(m_dir.isValid());
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope,
                           m_dir.filePath(QStringLiteral("settings")));
        QVERIFY(TranslationLoader::install(qApp, QLocale(QLocale::English)));
        QVERIFY(!TokenStore::keychainAvailable()); // WORKSPACE_COMPANION_NO_KEYCHAIN=1

        // The remote workspace's agent: its own process, home and token.
        const QString home = m_dir.filePath(QStringLiteral("remote-home"));
        QVERIFY(QDir().mkpath(home));
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("HOME"), home);
        m_agent.setProcessEnvironment(env);
        m_agent.start(QStringLiteral(COMPANIOND_PATH),
                      {QStringLiteral("agent"), QStringLiteral("--listen"),
                       QStringLiteral("127.0.0.1:0"), QStringLiteral("--token-file"),
                       home + QStringLiteral("/token"), QStringLiteral("--workdir"), home,
                       QStringLiteral("--no-builtin-roots")});
        QVERIFY(m_agent.waitForStarted());
        QByteArray out;
        QTRY_VERIFY_WITH_TIMEOUT((out += m_agent.readAllStandardOutput()).contains("Token file:"),
                                 10000);
        const QRegularExpressionMatch url =
                QRegularExpression(QStringLiteral("(http://127\\.0\\.0\\.1:\\d+)"))
                        .match(QString::fromUtf8(out));
        QVERIFY2(url.hasMatch(), out.constData());
        m_url = QUrl(url.captured(1));
        QFile token(home + QStringLiteral("/token"));
        QVERIFY(token.open(QIODevice::ReadOnly));
        m_token = token.readAll().trimmed();
        QVERIFY(m_token.size() >= 32);
    }

    void init()
    {
        QSettings().clear();
        QDir(TokenStore::fallbackPath(QStringLiteral("x")).section(QLatin1Char('/'), 0, -2))
                .removeRecursively();
    }

    void cleanupTestCase()
    {
        m_agent.terminate();
        QVERIFY(m_agent.waitForFinished(10000));
    }

    void connectShowsTheRemoteProcessesAndSurvivesARestart()
    {
        const QString id = startProcessThere(QStringLiteral("sleep 30"));
        QVERIFY(!id.isEmpty());
        Theme theme;
        {
            MainWindow window(&theme);
            window.show();
            QVERIFY(QTest::qWaitForWindowExposed(&window));
            ConnectAgentDialog *dialog = window.showConnectDialog();
            QTRY_VERIFY(dialog->isVisible());
            QVERIFY(dialog->findChild<QLabel *>(QStringLiteral("tokenStorageNote"))
                            ->text()
                            .startsWith(QLatin1String("No keychain service is running")));
            auto *connectButton = dialog->findChild<QPushButton *>(QStringLiteral("connectButton"));
            QVERIFY(!connectButton->isEnabled());
            QTest::keyClicks(dialog->findChild<QLineEdit *>(QStringLiteral("agentUrlEdit")),
                             m_url.toString());
            QTest::keyClicks(dialog->findChild<QLineEdit *>(QStringLiteral("agentTokenEdit")),
                             QString::fromUtf8(m_token));
            QTest::keyClicks(dialog->findChild<QLineEdit *>(QStringLiteral("agentNameEdit")),
                             QStringLiteral("build box"));
            QVERIFY(connectButton->isEnabled());
            QTest::mouseClick(
                    dialog->findChild<QPushButton *>(QStringLiteral("testConnectionButton")),
                    Qt::LeftButton);
            auto *result = dialog->findChild<QLabel *>(QStringLiteral("testResult"));
            QTRY_VERIFY2(result->text().startsWith(QLatin1String("Connected: the agent answered")),
                         qPrintable(result->text()));
            QTest::mouseClick(connectButton, Qt::LeftButton);

            QTRY_COMPARE(window.agents().size(), 1);
            AgentConnection *agent = window.currentAgent();
            QVERIFY(agent);
            QCOMPARE(agent->name(), QStringLiteral("build box"));
            QTRY_COMPARE(agent->state(), AgentConnection::State::Connected);
            QTRY_VERIFY(window.processesView()->model()->processById(id).has_value());
            QCOMPARE(window.workspaceList()->currentItem()->text(),
                     QStringLiteral("build box\nConnected"));

            // Kept in a private file, and it says so.
            QTRY_VERIFY(!window.lastTokenStorage().isEmpty());
            const QString file = TokenStore::fallbackPath(agent->id());
            QCOMPARE(window.lastTokenStorage(), file);
            struct stat info;
            QVERIFY(::stat(QFile::encodeName(file).constData(), &info) == 0);
            QCOMPARE(info.st_mode & 0777, mode_t(0600));

            window.findChild<QAction *>(QStringLiteral("copyAgentTokenAction"))->trigger();
            QCOMPARE(QApplication::clipboard()->text().toUtf8(), m_token);
            window.findChild<QAction *>(QStringLiteral("copyAgentUrlAction"))->trigger();
            QCOMPARE(QApplication::clipboard()->text(), m_url.toString());
        }

        // A restart lists it again, with its token, and shows its processes.
        MainWindow again(&theme);
        again.show();
        QTRY_COMPARE(again.agents().size(), 1);
        AgentConnection *agent = again.agents().first();
        QCOMPARE(agent->name(), QStringLiteral("build box"));
        QTRY_COMPARE(agent->state(), AgentConnection::State::Connected);
        again.selectAgent(agent);
        QTRY_VERIFY(again.processesView()->model()->processById(id).has_value());

        // Remove forgets it, its token included.
        const QString file = TokenStore::fallbackPath(agent->id());
        again.findChild<QAction *>(QStringLiteral("removeAgentAction"))->trigger();
        QVERIFY(again.agents().isEmpty());
        QVERIFY(!QFile::exists(file));
        QVERIFY(QSettings().value(QStringLiteral("agents/remote")).toList().isEmpty());
        QCOMPARE(again.processesView()->model()->rowCount(), 0);

        ProcessClient direct(m_url, m_token);
        QSignalSpy signalled(direct.signalProcess(id, QStringLiteral("kill")), &ApiCall::finished);
        QVERIFY(signalled.wait(10000));
    }

    void wrongTokenIsShownInPlace()
    {
        Theme theme;
        MainWindow window(&theme);
        window.show();
        AgentConnection *agent =
                window.connectAgent(QStringLiteral("bad"), m_url, QByteArray(40, 'x'), false);
        QTRY_COMPARE(agent->state(), AgentConnection::State::AuthFailed);
        QVERIFY(agent->lastError().contains(QLatin1String("401")));
        QCOMPARE(window.workspaceList()->currentItem()->text(),
                 QStringLiteral("bad\nToken refused"));
        QVERIFY2(window.processesView()->errorText().contains(QLatin1String("refused the token")),
                 qPrintable(window.processesView()->errorText()));
        QVERIFY(window.contextView()->errorText().contains(QLatin1String("refused the token")));
        QVERIFY(QSettings().value(QStringLiteral("agents/remote")).toList().isEmpty());

        ConnectAgentDialog dialog;
        dialog.setFields(QString(), m_url, QByteArray(40, 'x'));
        dialog.testConnection();
        QTRY_VERIFY(dialog.findChild<QLabel *>(QStringLiteral("testResult"))
                            ->text()
                            .startsWith(QLatin1String("The agent refused this token")));
        QCOMPARE(dialog.name(), QStringLiteral("127.0.0.1:%1").arg(m_url.port()));
        QCOMPARE(ConnectAgentDialog::validationError(QUrl(QStringLiteral("ftp://x")), "t"),
                 QStringLiteral("Enter the agent's http:// or https:// URL."));
        QCOMPARE(ConnectAgentDialog::validationError(m_url, QByteArray()),
                 QStringLiteral("Enter the agent's token."));
    }

    void statesCountDownAndBackOff()
    {
        // Never answered: unreachable, retried after 1, 2, 4 s on the manual clock.
        QTcpServer closed;
        QVERIFY(closed.listen(QHostAddress::LocalHost));
        const QUrl nowhere(QStringLiteral("http://127.0.0.1:%1").arg(closed.serverPort()));
        closed.close();
        ManualClock clock;
        AgentConnection::Options options;
        options.id = QStringLiteral("a");
        options.name = QStringLiteral("gone");
        options.url = nowhere;
        options.token = QByteArray(40, 'x');
        options.clock = &clock;
        AgentConnection gone(options);
        gone.check();
        QTRY_COMPARE(gone.state(), AgentConnection::State::Unreachable);
        QCOMPARE(gone.stateText(), QStringLiteral("Unreachable, retrying in 1 s"));
        for (const qint64 expected : {1000, 2000, 4000}) {
            QTRY_COMPARE(clock.msecsToNextTimer() > 0, true);
            QCOMPARE(gone.secondsToRetry(), int(expected / 1000));
            clock.advance(std::chrono::milliseconds(expected));
            QTRY_VERIFY(gone.secondsToRetry() > int(expected / 1000) || expected == 4000);
        }

        // Accepts the connection and never answers: a failure after ProbeTimeout, not
        // "connected" until TCP gives up.
        QTcpServer silent;
        QVERIFY(silent.listen(QHostAddress::LocalHost));
        options.url = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(silent.serverPort()));
        AgentConnection mute(options);
        mute.check();
        QTRY_VERIFY(silent.hasPendingConnections() ||
                    mute.state() != AgentConnection::State::Connecting);
        QCOMPARE(mute.state(), AgentConnection::State::Connecting);
        clock.advance(AgentConnection::ProbeTimeout);
        QCOMPARE(mute.state(), AgentConnection::State::Unreachable);
        QVERIFY2(mute.lastError().contains(QLatin1String("no answer within 10 s")),
                 qPrintable(mute.lastError()));

        // Answered, then went away: reconnecting with a countdown.
        QTemporaryDir dir;
        Agent::Options agentOptions;
        agentOptions.workingDirectory = dir.path();
        agentOptions.tokenFile = dir.filePath(QStringLiteral("token"));
        auto local = std::make_unique<Agent>(agentOptions);
        QString error;
        QVERIFY2(local->start(&error), qPrintable(error));
        options.url = local->url();
        options.token = local->token();
        AgentConnection flaky(options);
        QSignalSpy changed(&flaky, &AgentConnection::stateChanged);
        flaky.check();
        QTRY_COMPARE(flaky.state(), AgentConnection::State::Connected);
        local.reset();
        clock.advance(AgentConnection::HealthyInterval);
        QTRY_COMPARE(flaky.state(), AgentConnection::State::Reconnecting);
        QCOMPARE(flaky.stateText(), QStringLiteral("Reconnecting in 1 s"));
        const qsizetype before = changed.size();
        clock.advance(500ms);
        clock.advance(500ms); // the countdown ticks, then the retry fails again
        QTRY_VERIFY(changed.size() > before);
    }

private:
    QTemporaryDir m_dir;
    QProcess m_agent;
    QUrl m_url;
    QByteArray m_token;
};

QTEST_MAIN(TestRemoteAgents)
#include "tst_remoteagents.moc"
