// The command lines of both executables, run as real processes.
#include "common/buildinfo.h"

#include <QFile>
#include <QHostAddress>
#include <QProcess>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

namespace {

struct Run
{
    int exitCode = -1;
    QString out;
    QString err;
};

// `withoutDisplay`: the xcb platform and no display, as on a server or over plain ssh.
Run run(const QString &program, const QStringList &arguments, bool withoutDisplay = false,
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment())
{
    QProcess process;
    env.insert(QStringLiteral("QT_QPA_PLATFORM"),
               withoutDisplay ? QStringLiteral("xcb") : QStringLiteral("offscreen"));
    if (withoutDisplay) {
        env.remove(QStringLiteral("DISPLAY"));
        env.remove(QStringLiteral("WAYLAND_DISPLAY"));
    }
    process.setProcessEnvironment(env);
    process.start(program, arguments);
    if (!process.waitForFinished(30000)) {
        process.kill();
        process.waitForFinished();
        return {};
    }
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
            QString::fromUtf8(process.readAllStandardOutput()),
            QString::fromUtf8(process.readAllStandardError())};
}

} // namespace

class TestCli : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void versions_data()
    {
        QTest::addColumn<QString>("program");
        QTest::newRow("companiond") << QStringLiteral(COMPANIOND_PATH);
        QTest::newRow("desktop") << QStringLiteral(DESKTOP_APP_PATH);
    }

    void versions()
    {
        QFETCH(QString, program);
        const Run r = run(program, {QStringLiteral("--version")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains(BuildInfo::applicationVersion()), qPrintable(r.out));
    }

    void help_data() { versions_data(); }

    void help()
    {
        QFETCH(QString, program);
        const Run r = run(program, {QStringLiteral("--help")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains(QLatin1String("--version")), qPrintable(r.out));
        QVERIFY(r.out.contains(QLatin1String("--help")));
    }

    void desktopHelpListsOptions()
    {
        const Run r = run(QStringLiteral(DESKTOP_APP_PATH), {QStringLiteral("--help")});
        for (const char *option : {"--lang", "--theme", "--screenshot"}) {
            QVERIFY2(r.out.contains(QLatin1String(option)), option);
        }
    }

    void desktopAnswersWithoutADisplay()
    {
        // Help, version and a wrong option need no display; only the app itself does.
        Run r = run(QStringLiteral(DESKTOP_APP_PATH), {QStringLiteral("--help")}, true);
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains(QLatin1String("--screenshot")), qPrintable(r.out + r.err));
        r = run(QStringLiteral(DESKTOP_APP_PATH), {QStringLiteral("--version")}, true);
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.contains(BuildInfo::applicationVersion()));
        r = run(QStringLiteral(DESKTOP_APP_PATH), {QStringLiteral("--no-such-option")}, true);
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(QLatin1String("no-such-option")), qPrintable(r.err));
        r = run(QStringLiteral(DESKTOP_APP_PATH),
                {QStringLiteral("--lang"), QStringLiteral("de"), QStringLiteral("--help")}, true);
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains(QLatin1String("Farbschema")), qPrintable(r.out));
    }

    void desktopAgentOptionsAreJudgedFirst()
    {
        QTemporaryDir dir;
        Run r = run(QStringLiteral(DESKTOP_APP_PATH),
                    {QStringLiteral("--agent"), QStringLiteral("http://127.0.0.1:9")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(QLatin1String("--agent needs --token-file")), qPrintable(r.err));
        r = run(QStringLiteral(DESKTOP_APP_PATH),
                {QStringLiteral("--agent"), QStringLiteral("http://127.0.0.1:9"),
                 QStringLiteral("--token-file"), dir.filePath(QStringLiteral("missing"))});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(QLatin1String("missing")), qPrintable(r.err));
        QFile token(dir.filePath(QStringLiteral("token")));
        QVERIFY(token.open(QIODevice::WriteOnly));
        token.write(QByteArray(40, 'a'));
        token.close();
        QVERIFY(token.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner));
        r = run(QStringLiteral(DESKTOP_APP_PATH),
                {QStringLiteral("--agent"), QStringLiteral("ftp://x"),
                 QStringLiteral("--token-file"), token.fileName()});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(QLatin1String("http://")), qPrintable(r.err));
        // A good pair opens the window (here: it quits after its screenshot).
        r = run(QStringLiteral(DESKTOP_APP_PATH),
                {QStringLiteral("--agent"), QStringLiteral("http://127.0.0.1:9"),
                 QStringLiteral("--token-file"), token.fileName(), QStringLiteral("--screenshot"),
                 dir.filePath(QStringLiteral("shot.png")),
                 QStringLiteral("--quit-after-screenshot"), dir.path()});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(QFile::exists(dir.filePath(QStringLiteral("shot.png"))));
    }

    void germanHelp()
    {
        const Run r =
                run(QStringLiteral(DESKTOP_APP_PATH),
                    {QStringLiteral("--lang"), QStringLiteral("de"), QStringLiteral("--help")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains(QLatin1String("Farbschema")), qPrintable(r.out));
    }

    void companiondVersionNamesQt()
    {
        const Run r = run(QStringLiteral(COMPANIOND_PATH), {QStringLiteral("--version")});
        QVERIFY(r.out.contains(QStringLiteral("Qt ") + BuildInfo::qtRuntimeVersion()));
    }

    void unknownCommandFails()
    {
        const Run r = run(QStringLiteral(COMPANIOND_PATH), {QStringLiteral("frobnicate")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.err.contains(QLatin1String("frobnicate")));
    }

    void wildcardListenStatesTheBoundAddress()
    {
        QTemporaryDir dir;
        QProcess agent;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("HOME"), dir.path());
        agent.setProcessEnvironment(env);
        agent.start(QStringLiteral(COMPANIOND_PATH),
                    {QStringLiteral("agent"), QStringLiteral("--listen"),
                     QStringLiteral("0.0.0.0:0"), QStringLiteral("--token-file"),
                     dir.filePath(QStringLiteral("token")), QStringLiteral("--workdir"), dir.path(),
                     QStringLiteral("--no-builtin-roots")});
        QVERIFY(agent.waitForStarted());
        QByteArray out;
        QTRY_VERIFY((out += agent.readAllStandardOutput()).contains("Agent listening on"));
        agent.terminate();
        QVERIFY(agent.waitForFinished(10000));
        const QByteArray err = agent.readAllStandardError();
        // The address it really bound, not the loopback URL local clients use.
        QVERIFY2(out.contains("Agent listening on 0.0.0.0 port "), out.constData());
        QVERIFY2(out.contains("locally at http://127.0.0.1:"), out.constData());
        QVERIFY2(err.contains("Warning: listening on 0.0.0.0 port "), err.constData());
    }

    void httpLimitOptionsApply_data()
    {
        QTest::addColumn<QString>("command");
        QTest::addColumn<QString>("listening");
        QTest::newRow("agent") << QStringLiteral("agent") << QStringLiteral("Agent listening on");
        QTest::newRow("server") << QStringLiteral("server")
                                << QStringLiteral("Control plane listening on");
    }

    void httpLimitOptionsApply()
    {
        QFETCH(QString, command);
        QFETCH(QString, listening);
        QTemporaryDir dir;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("HOME"), dir.path());
        env.insert(QStringLiteral("XDG_DATA_HOME"), dir.filePath(QStringLiteral("data")));
        QStringList arguments {command, QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                               QStringLiteral("--token-file"),
                               dir.filePath(QStringLiteral("token"))};
        if (command == QLatin1String("agent")) {
            arguments << QStringLiteral("--workdir") << dir.path()
                      << QStringLiteral("--no-builtin-roots");
        } else {
            arguments << QStringLiteral("--database")
                      << QStringLiteral("sqlite:") + dir.filePath(QStringLiteral("cp.db"));
        }
        // Out of range: refused before anything listens.
        const Run refused = run(
                QStringLiteral(COMPANIOND_PATH),
                arguments + QStringList {QStringLiteral("--max-connections"), QStringLiteral("0")},
                false, env);
        QVERIFY2(refused.exitCode == 2, qPrintable(refused.err));
        QVERIFY2(refused.err.contains(QLatin1String("--max-connections")), qPrintable(refused.err));

        QProcess child;
        child.setProcessEnvironment(env);
        child.start(QStringLiteral(COMPANIOND_PATH),
                    arguments +
                            QStringList {QStringLiteral("--max-connections-per-address"),
                                         QStringLiteral("1"), QStringLiteral("--header-timeout"),
                                         QStringLiteral("30"), QStringLiteral("--body-timeout"),
                                         QStringLiteral("30"), QStringLiteral("--idle-timeout"),
                                         QStringLiteral("30"), QStringLiteral("--max-connections"),
                                         QStringLiteral("10")});
        QVERIFY(child.waitForStarted());
        QByteArray out;
        QTRY_VERIFY_WITH_TIMEOUT(
                (out += child.readAllStandardOutput()).contains(listening.toUtf8()), 10000);
        const QRegularExpressionMatch port =
                QRegularExpression(QStringLiteral("127\\.0\\.0\\.1:(\\d+)"))
                        .match(QString::fromUtf8(out));
        QVERIFY2(port.hasMatch(), out.constData());
        // One connection per address: the first is held open, the second is refused.
        QTcpSocket first;
        first.connectToHost(QHostAddress::LocalHost, quint16(port.captured(1).toUInt()));
        QVERIFY(first.waitForConnected(5000));
        QTcpSocket second;
        second.connectToHost(QHostAddress::LocalHost, quint16(port.captured(1).toUInt()));
        QVERIFY(second.waitForConnected(5000));
        QByteArray answer;
        QTRY_VERIFY((answer += second.readAll()).contains("\r\n\r\n"));
        QVERIFY2(answer.startsWith("HTTP/1.1 503"), answer.constData());
        child.terminate();
        QVERIFY(child.waitForFinished(10000));
        QVERIFY2(!child.readAllStandardError().contains("option not defined"), "options unknown");
    }

    void badTokenFilesAreRefused_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("message");
        QTest::newRow("symlink") << QStringLiteral("symlink") << QStringLiteral("symbolic link");
        QTest::newRow("short token") << QStringLiteral("short") << QStringLiteral("openssl rand");
    }

    void badTokenFilesAreRefused()
    {
        QFETCH(QString, kind);
        QFETCH(QString, message);
        QTemporaryDir dir;
        const QString tokenFile = dir.filePath(QStringLiteral("token"));
        const QString target = dir.filePath(QStringLiteral("target"));
        {
            QFile file(kind == QLatin1String("short") ? tokenFile : target);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write(kind == QLatin1String("short") ? "short\n"
                                                      : "a-token-long-enough-0123456789abcdef\n");
            file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
        }
        if (kind == QLatin1String("symlink")) {
            QVERIFY(QFile::link(target, tokenFile));
        }
        const Run r = run(QStringLiteral(COMPANIOND_PATH),
                          {QStringLiteral("agent"), QStringLiteral("--token-file"), tokenFile,
                           QStringLiteral("--workdir"), dir.path(),
                           QStringLiteral("--no-builtin-roots")});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(message), qPrintable(r.err));
    }

    void unknownThemeFails()
    {
        const Run r = run(QStringLiteral(DESKTOP_APP_PATH),
                          {QStringLiteral("--theme"), QStringLiteral("sepia")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.err.contains(QLatin1String("sepia")));
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
