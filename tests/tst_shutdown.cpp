// No process outlives companiond or the desktop app: both run as real processes, start shell
// commands that try to escape (setsid, orphans of exited shells, SIGTERM ignored, a double
// fork), and are ended by SIGTERM, SIGINT or SIGHUP. Checked in /proc. Also what a SIGKILL of
// the agent leaves: its direct children die with it, their own children may not.
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <memory>
#include <optional>

namespace {

struct ProcEntry
{
    qint64 pid = 0;
    qint64 parent = 0;
    char state = '?';
    QByteArray commandLine;
};

std::optional<ProcEntry> readProc(qint64 pid)
{
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly)) {
        return std::nullopt;
    }
    const QByteArray line = stat.readAll();
    const qsizetype close = line.lastIndexOf(')');
    if (close < 0) {
        return std::nullopt;
    }
    const QList<QByteArray> fields = line.mid(close + 2).split(' ');
    if (fields.size() < 2) {
        return std::nullopt;
    }
    ProcEntry entry;
    entry.pid = pid;
    entry.state = fields.at(0).at(0);
    entry.parent = fields.at(1).toLongLong();
    QFile cmdline(QStringLiteral("/proc/%1/cmdline").arg(pid));
    if (cmdline.open(QIODevice::ReadOnly)) {
        entry.commandLine = cmdline.readAll().replace('\0', ' ').trimmed();
    }
    return entry;
}

QList<ProcEntry> allProcesses()
{
    QList<ProcEntry> result;
    for (const QString &name : QDir(QStringLiteral("/proc")).entryList(QDir::Dirs)) {
        bool numeric = false;
        const qint64 pid = name.toLongLong(&numeric);
        if (numeric) {
            if (auto entry = readProc(pid); entry && entry->state != 'Z') {
                result.append(*entry);
            }
        }
    }
    return result;
}

// Living processes whose command line holds `tag`, the marker of one test run: the sleeps,
// and the shells that started them.
QList<ProcEntry> tagged(const QByteArray &tag)
{
    QList<ProcEntry> result;
    for (const ProcEntry &entry : allProcesses()) {
        if (entry.commandLine.contains(tag)) {
            result.append(entry);
        }
    }
    return result;
}

// Only the sleeps.
QList<ProcEntry> sleeps(const QByteArray &tag)
{
    QList<ProcEntry> result;
    for (const ProcEntry &entry : tagged(tag)) {
        if (entry.commandLine.startsWith("sleep ")) {
            result.append(entry);
        }
    }
    return result;
}

bool isDescendantOf(qint64 pid, qint64 ancestor)
{
    for (int depth = 0; depth < 64 && pid > 1; ++depth) {
        const auto entry = readProc(pid);
        if (!entry) {
            return false;
        }
        if (entry->parent == ancestor) {
            return true;
        }
        pid = entry->parent;
    }
    return false;
}

// Every sleep gets a duration of its own: "sleep 9000.<run><n>" finds it again in /proc.
struct Tags
{
    QByteArray run = QByteArray::number(QRandomGenerator::global()->bounded(100000, 999999));
    QByteArray sleep(int n) const { return "9000." + run + QByteArray::number(n); }
    QString sleepCommand(int n) const
    {
        return QStringLiteral("sleep ") + QString::fromLatin1(sleep(n));
    }
};

// The commands that try to outlive their agent, and how many sleeps they leave.
QStringList escapingCommands(const Tags &tags)
{
    return {
            // A child that left the group and the session, beside a running shell.
            QStringLiteral("setsid %1 & %2").arg(tags.sleepCommand(1), tags.sleepCommand(2)),
            // The child of a shell that exits at once: an orphan the agent forgets.
            QStringLiteral("%1 & exit 0").arg(tags.sleepCommand(3)),
            // SIGTERM ignored by the shell and so by its child: only KILL ends them.
            QStringLiteral("trap '' TERM; %1 & wait").arg(tags.sleepCommand(4)),
            // A daemon's double fork into a session of its own.
            QStringLiteral("(setsid sh -c '%1 & exit 0' &); exit 0").arg(tags.sleepCommand(5)),
    };
}
constexpr int EscapingSleeps = 5;

void killTagged(const QByteArray &tag)
{
    for (const ProcEntry &entry : tagged(tag)) {
        ::kill(pid_t(entry.pid), SIGKILL);
    }
}

} // namespace

class TestShutdown : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void companiondEndsEveryDescendant_data()
    {
        QTest::addColumn<int>("signalNumber");
        QTest::newRow("SIGTERM") << SIGTERM;
        QTest::newRow("SIGINT") << SIGINT;
        QTest::newRow("SIGHUP") << SIGHUP;
    }

    void companiondEndsEveryDescendant()
    {
        QFETCH(int, signalNumber);
        const Tags tags;
        QProcess agent;
        const auto cleanup = qScopeGuard([&] {
            agent.kill();
            agent.waitForFinished();
            killTagged(tags.run);
        });
        QVERIFY(startAgent(agent));
        for (const QString &command : escapingCommands(tags)) {
            QVERIFY(startThroughApi(command));
        }
        QTRY_COMPARE(sleeps(tags.run).size(), EscapingSleeps);
        for (const ProcEntry &entry : tagged(tags.run)) {
            // Every escapee is still ours: the agent is their subreaper.
            QVERIFY2(isDescendantOf(entry.pid, agent.processId()), entry.commandLine.constData());
        }
        QCOMPARE(::kill(pid_t(agent.processId()), signalNumber), 0);
        QVERIFY(agent.waitForFinished(20000));
        QCOMPARE(agent.exitStatus(), QProcess::NormalExit);
        QCOMPARE(agent.exitCode(), 0);
        const QList<ProcEntry> left = tagged(tags.run);
        killTagged(tags.run);
        QVERIFY2(left.isEmpty(), left.isEmpty() ? "" : left.first().commandLine.constData());
    }

    void desktopAppEndsEveryDescendant_data() { companiondEndsEveryDescendant_data(); }

    void desktopAppEndsEveryDescendant()
    {
        QFETCH(int, signalNumber);
        const Tags tags;
        QStringList arguments {m_dir.path()};
        for (const QString &command : escapingCommands(tags)) {
            arguments << QStringLiteral("--run") << command;
        }
        QProcess app;
        const auto cleanup = qScopeGuard([&] {
            app.kill();
            app.waitForFinished();
            killTagged(tags.run);
        });
        app.setProcessEnvironment(environment());
        app.start(QStringLiteral(DESKTOP_APP_PATH), arguments);
        QVERIFY(app.waitForStarted());
        QTRY_COMPARE_WITH_TIMEOUT(sleeps(tags.run).size(), EscapingSleeps, 20000);
        for (const ProcEntry &entry : sleeps(tags.run)) {
            QVERIFY2(isDescendantOf(entry.pid, app.processId()), entry.commandLine.constData());
        }
        QCOMPARE(::kill(pid_t(app.processId()), signalNumber), 0);
        QVERIFY(app.waitForFinished(20000));
        QCOMPARE(app.exitStatus(), QProcess::NormalExit);
        QCOMPARE(app.exitCode(), 0);
        const QList<ProcEntry> left = tagged(tags.run);
        killTagged(tags.run);
        QVERIFY2(left.isEmpty(), left.isEmpty() ? "" : left.first().commandLine.constData());
    }

    void sigkillTakesTheDirectChildren()
    {
        const Tags tags;
        QProcess agent;
        const auto cleanup = qScopeGuard([&] {
            agent.kill();
            agent.waitForFinished();
            killTagged(tags.run);
        });
        QVERIFY(startAgent(agent));
        // A direct child (the shell execs the sleep), and a grandchild under a waiting shell.
        QVERIFY(startThroughApi(QStringLiteral("exec ") + tags.sleepCommand(1)));
        QVERIFY(startThroughApi(tags.sleepCommand(2) + QStringLiteral(" & wait")));
        QTRY_COMPARE(sleeps(tags.run).size(), 2);
        QCOMPARE(::kill(pid_t(agent.processId()), SIGKILL), 0);
        QVERIFY(agent.waitForFinished(5000));
        // The death signal ends the agent's own children: the exec'd sleep and the shell...
        QTRY_VERIFY(tagged(tags.sleep(1)).isEmpty());
        QTRY_COMPARE(tagged(tags.run).size(), 1);
        // ...but not the shell's child, which init inherits: what the README says survives.
        const QList<ProcEntry> left = tagged(tags.run);
        killTagged(tags.run);
        QVERIFY(left.first().commandLine.startsWith(
                QByteArray(QByteArray("sleep ") + tags.sleep(2))));
    }

private:
    QProcessEnvironment environment() const
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        env.insert(QStringLiteral("HOME"), m_dir.path());
        env.insert(QStringLiteral("XDG_DATA_HOME"), m_dir.filePath(QStringLiteral("data")));
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), m_dir.filePath(QStringLiteral("config")));
        return env;
    }

    bool startAgent(QProcess &agent)
    {
        agent.setProcessEnvironment(environment());
        agent.setProcessChannelMode(QProcess::SeparateChannels);
        const QString tokenFile = m_dir.filePath(QStringLiteral("agent-token"));
        agent.start(QStringLiteral(COMPANIOND_PATH),
                    {QStringLiteral("agent"), QStringLiteral("--listen"),
                     QStringLiteral("127.0.0.1:0"), QStringLiteral("--token-file"), tokenFile,
                     QStringLiteral("--workdir"), m_dir.path(),
                     QStringLiteral("--no-builtin-roots")});
        if (!agent.waitForStarted()) {
            return false;
        }
        static const QRegularExpression listening(
                QStringLiteral("Agent listening on (http://\\S+)"));
        QByteArray out;
        for (int i = 0; i < 100 && !listening.match(QString::fromUtf8(out)).hasMatch(); ++i) {
            agent.waitForReadyRead(100);
            out += agent.readAllStandardOutput();
        }
        const QRegularExpressionMatch match = listening.match(QString::fromUtf8(out));
        if (!match.hasMatch()) {
            qWarning() << "companiond did not start:" << out << agent.readAllStandardError();
            return false;
        }
        m_url = QUrl(match.captured(1));
        QFile token(tokenFile);
        if (!token.open(QIODevice::ReadOnly)) {
            return false;
        }
        m_token = token.readAll().trimmed();
        return true;
    }

    bool startThroughApi(const QString &command)
    {
        QNetworkRequest request(m_url.resolved(QUrl(QStringLiteral("/api/v0/processes/start"))));
        request.setRawHeader("Coder-Session-Token", m_token);
        request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
        const QByteArray body =
                QJsonDocument(QJsonObject {{QStringLiteral("command"), command}}).toJson();
        std::unique_ptr<QNetworkReply> reply(m_network.post(request, body));
        QSignalSpy finished(reply.get(), &QNetworkReply::finished);
        if (!finished.wait(10000)) {
            return false;
        }
        return reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() == 200;
    }

    QTemporaryDir m_dir;
    QNetworkAccessManager m_network;
    QUrl m_url;
    QByteArray m_token;
};

QTEST_GUILESS_MAIN(TestShutdown)
#include "tst_shutdown.moc"
