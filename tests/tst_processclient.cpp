// ProcessClient, ProcessWatch and ProcessOutputStream against a real Agent on loopback: the
// async jobs emit started() then exactly one of finished() or failed(); the WebSocket clients
// reconnect with their backoff on the injected ManualClock and resume without gaps or
// duplicates. Connection drops are made deterministic with a small TCP proxy the test cuts.
#include "agent/agent.h"
#include "common/clock.h"
#include "helpers/processtesthelpers.h"
#include "http/apicall.h"
#include "process/managedprocess.h"
#include "process/processclient.h"
#include "process/processmanager.h"
#include "process/processoutputstream.h"
#include "process/processwatch.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QPointer>
#include <QRegularExpression>
#include <QSet>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>

#include <memory>
#include <vector>

using namespace std::chrono_literals;

namespace {

using namespace ProcessTest;

enum class Mode { Foreground, Background };

ProcessClient::StartRequest startRequest(const QString &command, Mode mode = Mode::Foreground,
                                         const QString &workDir = {},
                                         const QList<std::pair<QString, QString>> &environment = {})
{
    ProcessClient::StartRequest request;
    request.command = command;
    request.workDir = workDir;
    request.environment = environment;
    request.background = mode == Mode::Background;
    return request;
}

// Live (not zombie) processes whose process group is one of `groups`.
QList<qint64> liveMembers(const QSet<qint64> &groups)
{
    QList<qint64> result;
    QDirIterator it(QStringLiteral("/proc"), QDir::Dirs | QDir::NoDotAndDotDot);
    while (it.hasNext()) {
        it.next();
        bool numeric = false;
        const qint64 pid = it.fileName().toLongLong(&numeric);
        QFile stat(it.filePath() + QStringLiteral("/stat"));
        if (!numeric || !stat.open(QIODevice::ReadOnly)) {
            continue;
        }
        const QByteArray line = stat.readAll();
        const QList<QByteArray> fields = line.mid(line.lastIndexOf(')') + 2).split(' ');
        if (fields.size() > 2 && !fields.at(0).startsWith('Z') && !fields.at(0).startsWith('X') &&
            groups.contains(fields.at(2).toLongLong())) {
            result.append(pid);
        }
    }
    return result;
}

// A TCP relay between the clients and the agent that the test can cut, so a connection drop
// happens exactly when the test says, and can be refused while the relay is not listening.
class TcpProxy : public QObject
{
public:
    explicit TcpProxy(quint16 targetPort)
        : m_target(targetPort)
    {
        connect(&m_server, &QTcpServer::newConnection, this, &TcpProxy::accept);
    }

    bool listen(quint16 port = 0) { return m_server.listen(QHostAddress::LocalHost, port); }
    void stopListening() { m_server.close(); }
    quint16 port() const { return m_port ? m_port : m_server.serverPort(); }
    void rememberPort() { m_port = m_server.serverPort(); }
    QUrl url() const
    {
        QUrl url;
        url.setScheme(QStringLiteral("http"));
        url.setHost(QStringLiteral("127.0.0.1"));
        url.setPort(port());
        return url;
    }
    int accepted() const { return m_accepted; }

    // Drops every relayed connection at once, both sides, without a goodbye.
    void cutAll()
    {
        for (const auto &[client, upstream] : std::exchange(m_pairs, {})) {
            if (client) {
                client->disconnect(this);
                client->abort();
                client->deleteLater();
            }
            if (upstream) {
                upstream->disconnect(this);
                upstream->abort();
                upstream->deleteLater();
            }
        }
    }

private:
    void accept()
    {
        while (QTcpSocket *client = m_server.nextPendingConnection()) {
            ++m_accepted;
            client->setParent(this);
            auto *upstream = new QTcpSocket(this);
            connect(client, &QTcpSocket::readyRead, this,
                    [client, upstream] { upstream->write(client->readAll()); });
            connect(upstream, &QTcpSocket::readyRead, this,
                    [client, upstream] { client->write(upstream->readAll()); });
            connect(client, &QTcpSocket::disconnected, this,
                    [upstream] { upstream->disconnectFromHost(); });
            connect(upstream, &QTcpSocket::disconnected, this,
                    [client] { client->disconnectFromHost(); });
            upstream->connectToHost(QHostAddress::LocalHost, m_target);
            m_pairs.push_back({client, upstream});
        }
    }

    QTcpServer m_server;
    quint16 m_target;
    quint16 m_port = 0;
    int m_accepted = 0;
    std::vector<std::pair<QPointer<QTcpSocket>, QPointer<QTcpSocket>>> m_pairs;
};

// What one ApiCall did, in order.
struct CallRecord
{
    QStringList events;
    QJsonValue body;
    int status = -1;
    ApiError error;
    bool done() const
    {
        return events.contains(QLatin1String("finished")) ||
                events.contains(QLatin1String("failed"));
    }
};

} // namespace

class TestProcessClient : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(QFile::exists(QStringLiteral(PROCESS_TEST_APP)));
    }

    void init()
    {
        QTest::failOnWarning(QRegularExpression(QStringLiteral("Destroyed while process")));
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        m_clock = std::make_unique<ManualClock>();
        QVERIFY(startAgent(0));
        m_client = std::make_unique<ProcessClient>(m_agent->url(), m_agent->token());
        m_client->setClock(m_clock.get());
    }

    void cleanup()
    {
        m_client.reset();
        m_agent.reset();
        QTRY_VERIFY_WITH_TIMEOUT(liveMembers(m_groups).isEmpty(), 10000);
        m_groups.clear();
        m_clock.reset();
        m_dir.reset();
    }

    // --- Jobs ----------------------------------------------------------------------------

    void startListOutputSignal()
    {
        CallRecord start = run(m_client->startProcess(
                startRequest(app(QStringLiteral("hang")), Mode::Background)));
        QCOMPARE(start.events,
                 (QStringList {QStringLiteral("started"), QStringLiteral("finished")}));
        QCOMPARE(start.status, 200);
        const QString id = start.body.toObject().value(QStringLiteral("id")).toString();
        QVERIFY(!QUuid::fromString(id).isNull());
        QCOMPARE(start.body.toObject().value(QStringLiteral("started")).toBool(), true);
        QTRY_VERIFY(m_agent->processManager()->process(id)->headTail().bytes() == "ready\n");

        const CallRecord list = run(m_client->listProcesses());
        QCOMPARE(list.events,
                 (QStringList {QStringLiteral("started"), QStringLiteral("finished")}));
        const QJsonArray processes =
                list.body.toObject().value(QStringLiteral("processes")).toArray();
        QCOMPARE(processes.size(), 1);
        const QJsonObject info = processes.at(0).toObject();
        QCOMPARE(info.value(QStringLiteral("id")).toString(), id);
        QCOMPARE(info.value(QStringLiteral("background")).toBool(), true);
        QCOMPARE(info.value(QStringLiteral("running")).toBool(), true);
        QCOMPARE(info.value(QStringLiteral("workdir")).toString(), m_dir->path());
        QCOMPARE(ProcessInfo::fromJson(info)->id, id);

        const CallRecord snapshot = run(m_client->processOutput(id));
        QCOMPARE(snapshot.body.toObject(),
                 (QJsonObject {{QStringLiteral("output"), QStringLiteral("ready\n")},
                               {QStringLiteral("running"), true}}));

        // A blocking wait, released by the signal sent while it waits.
        ApiCall *wait = m_client->processOutput(id, true);
        CallRecord waited;
        record(wait, &waited);
        QTRY_COMPARE(waited.events, QStringList {QStringLiteral("started")});
        QTRY_COMPARE(m_clock->pendingTimers(), 1); // the wait's 5 min cap
        const CallRecord signal = run(m_client->signalProcess(id, QStringLiteral("kill")));
        QCOMPARE(signal.status, 200);
        QCOMPARE(signal.body.toObject().value(QStringLiteral("message")).toString(),
                 QStringLiteral("Signal \"kill\" sent to process \"%1\".").arg(id));
        QTRY_VERIFY(waited.done());
        QCOMPARE(waited.events,
                 (QStringList {QStringLiteral("started"), QStringLiteral("finished")}));
        QCOMPARE(waited.body.toObject().value(QStringLiteral("running")).toBool(true), false);
        QCOMPARE(waited.body.toObject().value(QStringLiteral("exit_code")).toInt(), -1);
    }

    void outputWaitsForExit()
    {
        const CallRecord start =
                run(m_client->startProcess(startRequest(app(QStringLiteral("exit 42")))));
        const QString id = start.body.toObject().value(QStringLiteral("id")).toString();
        const CallRecord out = run(m_client->processOutput(id, true));
        QCOMPARE(out.status, 200);
        QCOMPARE(out.body.toObject().value(QStringLiteral("exit_code")).toInt(), 42);
        QCOMPARE(out.body.toObject().value(QStringLiteral("running")).toBool(true), false);
    }

    void startWithWorkDirAndEnvironment()
    {
        QTemporaryDir dir;
        const CallRecord start = run(m_client->startProcess(startRequest(
                QStringLiteral("pwd > where; echo \"$GREETING\""), Mode::Foreground, dir.path(),
                {{QStringLiteral("GREETING"), QStringLiteral("hello there")}})));
        QCOMPARE(start.status, 200);
        const QString id = start.body.toObject().value(QStringLiteral("id")).toString();
        const CallRecord out = run(m_client->processOutput(id, true));
        QCOMPARE(out.body.toObject().value(QStringLiteral("output")).toString(),
                 QStringLiteral("hello there\n"));
        QVERIFY(QFile::exists(dir.filePath(QStringLiteral("where"))));
    }

    void chatIdTravelsWithRequests()
    {
        const QString chat = QUuid::createUuid().toString(QUuid::WithoutBraces);
        m_client->setChatId(chat);
        QCOMPARE(m_client->chatId(), chat);
        const CallRecord start =
                run(m_client->startProcess(startRequest(app(QStringLiteral("env CODER_CHAT_ID")))));
        const QString id = start.body.toObject().value(QStringLiteral("id")).toString();
        QCOMPARE(run(m_client->processOutput(id, true))
                         .body.toObject()
                         .value(QStringLiteral("output"))
                         .toString(),
                 chat + QLatin1Char('\n'));

        ProcessClient other(m_agent->url(), m_agent->token());
        other.setChatId(QUuid::createUuid().toString(QUuid::WithoutBraces));
        const CallRecord hidden = run(other.processOutput(id));
        QCOMPARE(hidden.events,
                 (QStringList {QStringLiteral("started"), QStringLiteral("failed")}));
        QCOMPARE(hidden.error.status, 404);
        QCOMPARE(run(other.listProcesses())
                         .body.toObject()
                         .value(QStringLiteral("processes"))
                         .toArray()
                         .size(),
                 0);
        QCOMPARE(run(m_client->listProcesses())
                         .body.toObject()
                         .value(QStringLiteral("processes"))
                         .toArray()
                         .size(),
                 1);
    }

    void failures_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("message");
        QTest::addColumn<bool>("hasDetail");
        QTest::newRow("unknown process")
                << QStringLiteral("output-missing") << 404
                << QStringLiteral("Process \"missing\" not found.") << false;
        QTest::newRow("signal unknown process")
                << QStringLiteral("signal-missing") << 404
                << QStringLiteral("Process \"missing\" not found.") << false;
        QTest::newRow("empty command") << QStringLiteral("empty-command") << 400
                                       << QStringLiteral("Command is required.") << false;
        QTest::newRow("unsupported signal")
                << QStringLiteral("signal-hup") << 400
                << QStringLiteral("Unsupported signal \"hup\". Use \"kill\" or \"terminate\".")
                << false;
        QTest::newRow("empty signal") << QStringLiteral("signal-empty") << 400
                                      << QStringLiteral("Signal is required.") << false;
        QTest::newRow("not running") << QStringLiteral("signal-exited") << 409
                                     << QStringLiteral("Process \"ID\" is not running.") << false;
        QTest::newRow("missing workdir") << QStringLiteral("bad-workdir") << 500
                                         << QStringLiteral("Failed to start process.") << true;
        QTest::newRow("wrong token")
                << QStringLiteral("wrong-token") << 401 << QStringLiteral("Unauthorized.") << true;
        QTest::newRow("unreachable") << QStringLiteral("unreachable") << 0
                                     << QStringLiteral("Cannot reach the server.") << true;
    }

    void failures()
    {
        QFETCH(QString, kind);
        QFETCH(int, status);
        QFETCH(QString, message);
        QFETCH(bool, hasDetail);
        std::unique_ptr<ProcessClient> client;
        ApiCall *call = nullptr;
        QString exitedId;
        if (kind == QLatin1String("signal-exited")) {
            const CallRecord start =
                    run(m_client->startProcess(startRequest(QStringLiteral("true"))));
            exitedId = start.body.toObject().value(QStringLiteral("id")).toString();
            QVERIFY(!run(m_client->processOutput(exitedId, true))
                             .body.toObject()
                             .value(QStringLiteral("running"))
                             .toBool(true));
            message.replace(QLatin1String("ID"), exitedId);
        }
        if (kind == QLatin1String("output-missing")) {
            call = m_client->processOutput(QStringLiteral("missing"), true);
        } else if (kind == QLatin1String("signal-missing")) {
            call = m_client->signalProcess(QStringLiteral("missing"), QStringLiteral("kill"));
        } else if (kind == QLatin1String("empty-command")) {
            call = m_client->startProcess({});
        } else if (kind == QLatin1String("signal-hup")) {
            call = m_client->signalProcess(QStringLiteral("missing"), QStringLiteral("hup"));
        } else if (kind == QLatin1String("signal-empty")) {
            call = m_client->signalProcess(QStringLiteral("missing"), QString());
        } else if (kind == QLatin1String("signal-exited")) {
            call = m_client->signalProcess(exitedId, QStringLiteral("terminate"));
        } else if (kind == QLatin1String("bad-workdir")) {
            call = m_client->startProcess(startRequest(QStringLiteral("true"), Mode::Foreground,
                                                       QStringLiteral("/nonexistent/dir")));
        } else if (kind == QLatin1String("wrong-token")) {
            client = std::make_unique<ProcessClient>(m_agent->url(), "wrong");
            call = client->listProcesses();
        } else if (kind == QLatin1String("unreachable")) {
            quint16 port = 0;
            {
                QTcpServer probe;
                QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
                port = probe.serverPort();
            }
            QUrl url(QStringLiteral("http://127.0.0.1"));
            url.setPort(port);
            client = std::make_unique<ProcessClient>(url, "token");
            call = client->listProcesses();
        }
        QVERIFY(call);
        QPointer<ApiCall> guard(call);
        const CallRecord r = run(call);
        QCOMPARE(r.events, (QStringList {QStringLiteral("started"), QStringLiteral("failed")}));
        QCOMPARE(r.error.status, status);
        QCOMPARE(r.error.message, message);
        QCOMPARE(!r.error.detail.isEmpty(), hasDetail);
        QVERIFY(r.error.toString().startsWith(message));
        // The job deletes itself.
        QTRY_VERIFY(guard.isNull());
    }

    void abortedCallFails()
    {
        const CallRecord start =
                run(m_client->startProcess(startRequest(app(QStringLiteral("hang")))));
        const QString id = start.body.toObject().value(QStringLiteral("id")).toString();
        ApiCall *wait = m_client->processOutput(id, true);
        CallRecord record;
        this->record(wait, &record);
        QTRY_COMPARE(m_clock->pendingTimers(), 1);
        wait->abort();
        QTRY_VERIFY(record.done());
        QCOMPARE(record.events,
                 (QStringList {QStringLiteral("started"), QStringLiteral("failed")}));
        QCOMPARE(record.error.status, 0);
        QCOMPARE(run(m_client->signalProcess(id, QStringLiteral("kill"))).status, 200);
    }

    // --- ProcessWatch --------------------------------------------------------------------

    void watchSnapshotAndChanges()
    {
        const CallRecord first =
                run(m_client->startProcess(startRequest(QStringLiteral("echo one"))));
        const QString firstId = first.body.toObject().value(QStringLiteral("id")).toString();
        QTRY_VERIFY(!m_agent->processManager()->process(firstId)->isRunning());

        ProcessWatch *watch = m_client->watch(m_client.get());
        QSignalSpy snapshots(watch, &ProcessWatch::snapshotReceived);
        QSignalSpy changes(watch, &ProcessWatch::processChanged);
        QSignalSpy removed(watch, &ProcessWatch::processRemoved);
        QSignalSpy connected(watch, &ProcessWatch::connectedChanged);
        QVERIFY(snapshots.wait());
        QVERIFY(watch->isConnected());
        QCOMPARE(connected.size(), 1);
        QCOMPARE(connected.first().first().toBool(), true);
        auto list = snapshots.first().first().value<QList<ProcessInfo>>();
        QCOMPARE(list.size(), 1);
        QCOMPARE(list.first().id, firstId);
        QCOMPARE(list.first().exitCode.value_or(-99), 0);
        QCOMPARE(list.first().pid, m_agent->processManager()->process(firstId)->processGroup());

        const QString go = m_dir->filePath(QStringLiteral("go"));
        const CallRecord second = run(m_client->startProcess(
                startRequest(gated(go, QStringLiteral("exit 5")), Mode::Background)));
        const QString id = second.body.toObject().value(QStringLiteral("id")).toString();
        QTRY_COMPARE(changes.size(), 1);
        ProcessInfo info = changes.at(0).first().value<ProcessInfo>();
        QCOMPARE(info.id, id);
        QVERIFY(info.running);
        QVERIFY(info.background);
        QVERIFY(!info.exitCode);
        touch(go);
        QTRY_COMPARE(changes.size(), 2);
        info = changes.at(1).first().value<ProcessInfo>();
        QCOMPARE(info.id, id);
        QVERIFY(!info.running);
        QCOMPARE(info.exitCode.value_or(-99), 5);
        QVERIFY(info.exitedAtMSecs);

        m_clock->advance(ProcessManager::ReapAge + 1s);
        QCOMPARE(run(m_client->listProcesses())
                         .body.toObject()
                         .value(QStringLiteral("processes"))
                         .toArray()
                         .size(),
                 0);
        QTRY_COMPARE(removed.size(), 2);
        QCOMPARE(snapshots.size(), 1);
        watch->close();
        QTRY_VERIFY(!watch->isConnected());
        QCOMPARE(m_clock->pendingTimers(), 0);
    }

    void watchReconnectsAfterServerRestart()
    {
        ProcessWatch *watch = m_client->watch(m_client.get());
        QSignalSpy snapshots(watch, &ProcessWatch::snapshotReceived);
        QSignalSpy connected(watch, &ProcessWatch::connectedChanged);
        QVERIFY(snapshots.wait());
        const CallRecord start =
                run(m_client->startProcess(startRequest(QStringLiteral("echo before restart"))));
        QCOMPARE(start.status, 200);

        // The agent goes away: the watch notices and schedules a retry on the manual clock.
        const quint16 port = m_agent->url().port();
        m_agent.reset();
        QTRY_VERIFY(!watch->isConnected());
        QTRY_COMPARE(m_clock->pendingTimers(), 1);
        QCOMPARE(m_clock->msecsToNextTimer(), qint64(250));

        // Retries while it is gone back off: 250 ms, then 500 ms, then 1 s.
        m_clock->advance(250ms);
        QTRY_COMPARE(m_clock->pendingTimers(), 1);
        QCOMPARE(m_clock->msecsToNextTimer(), qint64(500));
        m_clock->advance(500ms);
        QTRY_COMPARE(m_clock->pendingTimers(), 1);
        QCOMPARE(m_clock->msecsToNextTimer(), qint64(1000));
        QVERIFY(!watch->isConnected());
        QCOMPARE(snapshots.size(), 1);

        // A new agent on the same port: the next retry connects and a fresh snapshot arrives.
        QVERIFY(startAgent(port));
        m_clock->advance(999ms);
        QCOMPARE(snapshots.size(), 1);
        m_clock->advance(1ms);
        QVERIFY(snapshots.wait());
        QVERIFY(watch->isConnected());
        QCOMPARE(snapshots.last().first().value<QList<ProcessInfo>>().size(), 0);
        QCOMPARE(connected.last().first().toBool(), true);
        QCOMPARE(m_clock->pendingTimers(), 0);
    }

    // --- ProcessOutputStream -------------------------------------------------------------

    void streamDeliversEverythingOnce()
    {
        constexpr qint64 total = 1024 * 1024 + 7;
        const CallRecord start = run(
                m_client->startProcess(startRequest(app(QStringLiteral("flood %1").arg(total)))));
        const QString id = start.body.toObject().value(QStringLiteral("id")).toString();
        ProcessOutputStream *stream = m_client->openStream(id);
        QCOMPARE(stream->processId(), id);
        Collector collector(stream);
        QSignalSpy exited(stream, &ProcessOutputStream::exited);
        QVERIFY(exited.wait(30000));
        QVERIFY(collector.received == floodBytes(total));
        QVERIFY(collector.contiguous);
        QCOMPARE(collector.dropped, 0);
        QCOMPARE(exited.first().at(0).toInt(), 0);
        QCOMPARE(exited.first().at(1).toLongLong(), total);
        QVERIFY(stream->hasExited());
        // The server closed normally after the exit frame: no reconnect is scheduled.
        QTRY_VERIFY(!stream->isConnected());
        QCOMPARE(m_clock->pendingTimers(), 1); // the agent's reap timer of the exited process
        QCOMPARE(stream->reconnects(), 0);
    }

    void streamFromOffset()
    {
        const CallRecord start =
                run(m_client->startProcess(startRequest(QStringLiteral("printf 'abcdefghij'"))));
        const QString id = start.body.toObject().value(QStringLiteral("id")).toString();
        QCOMPARE(run(m_client->processOutput(id, true)).status, 200);
        ProcessOutputStream *stream = m_client->openStream(id, 4);
        Collector collector(stream);
        QSignalSpy exited(stream, &ProcessOutputStream::exited);
        QVERIFY(exited.wait());
        QCOMPARE(collector.received, QByteArray("efghij"));
        QCOMPARE(collector.offsets, QList<qint64> {4});
        QCOMPARE(stream->offset(), 10);
    }

    void streamUnknownProcessFailsWithoutRetry()
    {
        ProcessOutputStream *stream = m_client->openStream(QStringLiteral("missing"));
        QSignalSpy errors(stream, &ProcessOutputStream::errorOccurred);
        QVERIFY(errors.wait());
        QCOMPARE(errors.first().first().toString(),
                 QStringLiteral("Process \"missing\" not found."));
        QTRY_VERIFY(!stream->isConnected());
        QCOMPARE(m_clock->pendingTimers(), 0);
        QCOMPARE(stream->reconnects(), 0);
    }

    void streamReconnectsAfterDropAndResumes()
    {
        TcpProxy proxy(m_agent->url().port());
        QVERIFY(proxy.listen());
        proxy.rememberPort();
        ProcessClient client(proxy.url(), m_agent->token());
        client.setClock(m_clock.get());

        constexpr qint64 firstPart = 300 * 1000;
        constexpr qint64 secondPart = 700 * 1000;
        const QString go = m_dir->filePath(QStringLiteral("go"));
        const CallRecord start = run(m_client->startProcess(
                startRequest(app(QStringLiteral("flood %1").arg(firstPart)) + QStringLiteral("; ") +
                             gated(go, app(QStringLiteral("flood %1").arg(secondPart))))));
        const QString id = start.body.toObject().value(QStringLiteral("id")).toString();
        QVERIFY(!id.isEmpty());

        ProcessOutputStream *stream = client.openStream(id);
        Collector collector(stream);
        QSignalSpy exited(stream, &ProcessOutputStream::exited);
        QSignalSpy connected(stream, &ProcessOutputStream::connectedChanged);
        // Everything before the gate has arrived; the process is still running.
        QTRY_COMPARE(collector.received.size(), firstPart);
        QVERIFY(m_agent->processManager()->process(id)->isRunning());

        // The network drops the connection.
        proxy.cutAll();
        QTRY_VERIFY(!stream->isConnected());
        QCOMPARE(connected.last().first().toBool(), false);
        QTRY_COMPARE(m_clock->pendingTimers(), 1);
        QCOMPARE(m_clock->msecsToNextTimer(), qint64(250));
        QCOMPARE(stream->reconnects(), 0);
        QVERIFY(!stream->hasExited());

        // Meanwhile the process writes the rest and exits.
        touch(go);
        QTRY_VERIFY_WITH_TIMEOUT(!m_agent->processManager()->process(id)->isRunning(), 10000);

        m_clock->advance(249ms);
        QCOMPARE(stream->reconnects(), 0);
        m_clock->advance(1ms);
        QCOMPARE(stream->reconnects(), 1);
        QVERIFY(exited.wait(30000));
        QCOMPARE(proxy.accepted(), 2);
        QCOMPARE(collector.received.size(), firstPart + secondPart);
        QVERIFY(collector.received == floodBytes(firstPart) + floodBytes(secondPart));
        QVERIFY(collector.contiguous);
        QCOMPARE(collector.dropped, 0);
        QCOMPARE(stream->offset(), firstPart + secondPart);
        QCOMPARE(exited.first().at(1).toLongLong(), firstPart + secondPart);
    }

    void streamRetriesWhileUnreachable()
    {
        TcpProxy proxy(m_agent->url().port());
        QVERIFY(proxy.listen());
        proxy.rememberPort();
        ProcessClient client(proxy.url(), m_agent->token());
        client.setClock(m_clock.get());
        const QString go = m_dir->filePath(QStringLiteral("go"));
        const CallRecord start = run(m_client->startProcess(startRequest(
                QStringLiteral("echo early; ") + gated(go, QStringLiteral("echo late; exit 3")))));
        const QString id = start.body.toObject().value(QStringLiteral("id")).toString();
        ProcessOutputStream *stream = client.openStream(id);
        Collector collector(stream);
        QSignalSpy exited(stream, &ProcessOutputStream::exited);
        QTRY_COMPARE(collector.received, QByteArray("early\n"));

        proxy.stopListening();
        proxy.cutAll();
        QTRY_COMPARE(m_clock->pendingTimers(), 1);
        QCOMPARE(m_clock->msecsToNextTimer(), qint64(250));
        m_clock->advance(250ms);
        QTRY_COMPARE(m_clock->pendingTimers(), 1);
        QCOMPARE(m_clock->msecsToNextTimer(), qint64(500));
        m_clock->advance(500ms);
        QTRY_COMPARE(m_clock->pendingTimers(), 1);
        QCOMPARE(m_clock->msecsToNextTimer(), qint64(1000));
        m_clock->advance(1000ms);
        QTRY_COMPARE(m_clock->pendingTimers(), 1);
        QCOMPARE(m_clock->msecsToNextTimer(), qint64(2000));
        QCOMPARE(stream->reconnects(), 3);

        touch(go);
        QVERIFY(proxy.listen(proxy.port()));
        m_clock->advance(2000ms);
        QVERIFY(exited.wait());
        QCOMPARE(exited.first().at(0).toInt(), 3);
        QCOMPARE(collector.received, QByteArray("early\nlate\n"));
        QVERIFY(collector.contiguous);
        QCOMPARE(stream->reconnects(), 4);
    }

    void streamCloseStopsReconnecting()
    {
        const CallRecord start =
                run(m_client->startProcess(startRequest(app(QStringLiteral("hang")))));
        const QString id = start.body.toObject().value(QStringLiteral("id")).toString();
        ProcessOutputStream *stream = m_client->openStream(id);
        Collector collector(stream);
        QTRY_COMPARE(collector.received, QByteArray("ready\n"));
        stream->close();
        QTRY_VERIFY(!stream->isConnected());
        QCOMPARE(m_clock->pendingTimers(), 0);
        QCOMPARE(run(m_client->signalProcess(id, QStringLiteral("kill"))).status, 200);
    }

private:
    // Gathers a stream's data and checks it arrives in order, without gap or overlap.
    struct Collector
    {
        explicit Collector(ProcessOutputStream *stream)
        {
            // The connections end with the collector, whatever the stream does later.
            QObject *context = &m_context;
            QObject::connect(stream, &ProcessOutputStream::dataReceived, context,
                             [this](qint64 offset, const QByteArray &data) {
                                 contiguous = contiguous && offset == received.size();
                                 offsets.append(offset);
                                 received += data;
                             });
            QObject::connect(stream, &ProcessOutputStream::dropped, context,
                             [this](qint64, qint64, const QString &) { ++dropped; });
        }
        QByteArray received;
        QList<qint64> offsets;
        bool contiguous = true;
        int dropped = 0;

    private:
        QObject m_context;
    };

    bool startAgent(quint16 port)
    {
        Agent::Options options;
        options.port = port;
        options.workingDirectory = m_dir->path();
        options.tokenFile = m_dir->filePath(QStringLiteral("agent-token"));
        options.clock = m_clock.get();
        m_agent = std::make_unique<Agent>(options);
        QString error;
        if (!m_agent->start(&error)) {
            qWarning("agent start failed: %s", qPrintable(error));
            return false;
        }
        connect(m_agent->processManager(), &ProcessManager::processStarted, this,
                [this](ManagedProcess *process) { m_groups.insert(process->processGroup()); });
        return true;
    }

    void record(ApiCall *call, CallRecord *record)
    {
        connect(call, &ApiCall::started, this,
                [record] { record->events.append(QStringLiteral("started")); });
        connect(call, &ApiCall::finished, this, [record](const QJsonValue &body, int status) {
            record->events.append(QStringLiteral("finished"));
            record->body = body;
            record->status = status;
        });
        connect(call, &ApiCall::failed, this, [record](const ApiError &error) {
            record->events.append(QStringLiteral("failed"));
            record->error = error;
        });
    }

    // Runs a job to its end in the event loop.
    CallRecord run(ApiCall *call)
    {
        CallRecord result;
        record(call, &result);
        if (!QTest::qWaitFor([&] { return result.done(); }, 30000)) {
            qWarning("call did not finish");
        }
        // Exactly one end: nothing more arrives.
        QCoreApplication::processEvents();
        return result;
    }

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<ManualClock> m_clock;
    std::unique_ptr<Agent> m_agent;
    std::unique_ptr<ProcessClient> m_client;
    QSet<qint64> m_groups;
};

QTEST_GUILESS_MAIN(TestProcessClient)
#include "tst_processclient.moc"
