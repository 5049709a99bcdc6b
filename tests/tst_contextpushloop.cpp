// ContextPushLoop as the seed's RunPush (push.go and its review notes CRF-17, CRF-25, CRF-26):
// first against a fake pusher whose answers the test gives, on a ManualClock, so every backoff
// is checked to the millisecond; then with the real HttpContextPusher against a local control
// plane (an ApiServer on loopback) whose answers the test programs, down to the request body:
// payloads only for valid instruction files and skills, never a byte of an MCP config.
#include "common/clock.h"
#include "context/contextmanager.h"
#include "context/contextpushloop.h"
#include "context/httpcontextpusher.h"
#include "http/apiserver.h"

#include "http/httpresponder.h"
#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace std::chrono_literals;
using Outcome = ContextPushResult::Outcome;
using State = ContextPushLoop::State;

namespace {

constexpr int Timeout = 10000;
const QByteArray pushToken = QByteArrayLiteral("agent-push-token");
const QByteArray mcpSecret = QByteArrayLiteral("s3cr3t-MCP-token-42");

// An .mcp.json whose server environment holds `secret`. (Built, not a raw string literal:
// moc loses track of a class after a raw string split over two lines.)
QByteArray mcpConfig(const QByteArray &secret)
{
    const QJsonObject env {{QStringLiteral("TOKEN"), QString::fromLatin1(secret)}};
    const QJsonObject server {{QStringLiteral("command"), QStringLiteral("db-mcp")},
                              {QStringLiteral("env"), env}};
    const QJsonObject servers {{QStringLiteral("db"), server}};
    return QJsonDocument(QJsonObject {{QStringLiteral("mcpServers"), servers}})
            .toJson(QJsonDocument::Compact);
}

// Records every push and answers only when the test says so.
class FakePusher : public ContextPusher
{
public:
    using Done = std::function<void(const ContextPushResult &)>;

    void push(const ContextPushRequest &request, Done done) override
    {
        m_requests.append(request);
        m_pending.append(std::move(done));
    }

    void cancel() override
    {
        ++m_cancels;
        m_pending.clear();
    }

    // Answers the oldest push in flight; false if there is none.
    [[nodiscard]] bool answer(Outcome outcome, const QString &error = QString())
    {
        if (m_pending.isEmpty()) {
            return false;
        }
        const Done done = m_pending.takeFirst();
        done(ContextPushResult {outcome, error});
        return true;
    }

    const QList<ContextPushRequest> &requests() const { return m_requests; }
    const ContextPushRequest &last() const { return m_requests.constLast(); }
    qsizetype inFlight() const { return m_pending.size(); }
    int cancels() const { return m_cancels; }

private:
    QList<ContextPushRequest> m_requests;
    QList<Done> m_pending;
    int m_cancels = 0;
};

// A control plane with the context-state route, answering from a script the test writes.
class ControlPlane
{
public:
    struct Answer
    {
        int status = 200;
        QByteArray body = R"({"accepted":true})";
    };

    ControlPlane()
        : m_server(pushToken)
    {
        m_server.addRoute(
                Http::Method::Post, QStringLiteral("/api/v2/workspaceagents/me/context-state"),
                [this](const ApiRequest &request, HttpResponder &responder) {
                    m_received.append(request);
                    const Answer answer = m_script.isEmpty() ? Answer() : m_script.takeFirst();
                    QHttpHeaders headers;
                    headers.append(QHttpHeaders::WellKnownHeader::ContentType, "application/json");
                    responder.write(answer.body, headers, Http::Status(answer.status));
                });
        QString error;
        if (!m_server.listen(QHostAddress::LocalHost, 0, &error)) {
            qFatal("cannot listen: %s", qPrintable(error));
        }
    }

    QUrl url() const { return m_server.baseUrl(); }
    void script(const QList<Answer> &answers) { m_script = answers; }
    const QList<ApiRequest> &received() const { return m_received; }
    QJsonObject body(qsizetype i) const
    {
        return QJsonDocument::fromJson(m_received.at(i).body()).object();
    }

private:
    ApiServer m_server;
    QList<Answer> m_script;
    QList<ApiRequest> m_received;
};

} // namespace

class TestContextPushLoop : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_work;
    std::unique_ptr<ManualClock> m_clock;
    std::unique_ptr<ContextManager> m_manager;
    std::unique_ptr<FakePusher> m_pusher;
    std::unique_ptr<ControlPlane> m_controlPlane;
    std::unique_ptr<HttpContextPusher> m_httpPusher;
    std::unique_ptr<ContextPushLoop> m_loop;
    int m_edits = 0;

    static void write(const QString &file, const QByteArray &content)
    {
        QDir().mkpath(QFileInfo(file).absolutePath());
        QFile out(file);
        if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate) ||
            out.write(content) != content.size()) {
            qFatal("cannot write %s", qPrintable(file));
        }
    }

    void createManager(qint64 maxResourceBytes = 0)
    {
        ContextManager::Options o;
        o.homeDirectory = m_dir->path() + QStringLiteral("/home");
        o.includeBuiltinRoots = false;
        o.watch = false;
        o.clock = m_clock.get();
        o.workingDirectory = [work = m_work] { return work; };
        o.resolver.maxResourceBytes = maxResourceBytes;
        m_manager = std::make_unique<ContextManager>(o);
    }

    [[nodiscard]] bool startManager()
    {
        m_manager->start();
        return QTest::qWaitFor([this] { return m_manager->snapshot().version == 1; }, Timeout);
    }

    ContextPushLoop *createLoop(ContextPusher *pusher)
    {
        ContextPushLoop::Options o;
        o.clock = m_clock.get();
        m_loop = std::make_unique<ContextPushLoop>(m_manager.get(), pusher, o);
        return m_loop.get();
    }

    // Edits AGENTS.md and waits for the resolve that publishes it: a new version and hash.
    [[nodiscard]] bool change()
    {
        write(m_work + QStringLiteral("/AGENTS.md"),
              "# Rules, edit " + QByteArray::number(++m_edits) + '\n');
        const quint64 next = m_manager->snapshot().version + 1;
        m_manager->resync();
        return QTest::qWaitFor(
                [&] { return m_manager->snapshot().version == next && !m_manager->isResolving(); },
                Timeout);
    }

    // Everything except the loop's own output: a fresh request must equal an earlier one.
    static bool sameRequest(const ContextPushRequest &a, const ContextPushRequest &b)
    {
        return a.initial == b.initial && a.snapshot == b.snapshot;
    }

private Q_SLOTS:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        m_work = QFileInfo(m_dir->path()).canonicalFilePath() + QStringLiteral("/work");
        write(m_work + QStringLiteral("/AGENTS.md"), "# Rules\n");
        m_clock = std::make_unique<ManualClock>();
        m_pusher = std::make_unique<FakePusher>();
        m_edits = 0;
    }

    void cleanup()
    {
        m_loop.reset(); // before its pusher and manager
        m_httpPusher.reset();
        m_controlPlane.reset();
        m_pusher.reset();
        m_manager.reset();
        m_clock.reset();
        m_dir.reset();
    }

    // --- With a fake pusher -------------------------------------------------------------------

    void firstPushIsInitial()
    {
        createManager();
        QVERIFY(startManager());
        ContextPushLoop *loop = createLoop(m_pusher.get());
        QCOMPARE(loop->state(), State::Idle);
        QSignalSpy attempts(loop, &ContextPushLoop::pushAttempted);
        loop->start();
        QCOMPARE(m_pusher->requests().size(), 1);
        QCOMPARE(m_pusher->last().snapshot.version, 1u);
        QVERIFY(m_pusher->last().initial);
        QCOMPARE(m_pusher->last().snapshot, m_manager->snapshot());
        QCOMPARE(loop->state(), State::Pushing);
        QCOMPARE(attempts.size(), 1);
        QCOMPARE(attempts.at(0).at(0).toULongLong(), 1u);
        QCOMPARE(attempts.at(0).at(1).toBool(), true);
        QCOMPARE(attempts.at(0).at(2).toInt(), 1);

        QVERIFY(m_pusher->answer(Outcome::Accepted));
        QCOMPARE(loop->state(), State::Idle);
        QCOMPARE(loop->status().lastPushedVersion, 1u);
        QVERIFY(loop->status().lastAccepted);
        QVERIFY(loop->status().lastError.isEmpty());
        QCOMPARE(m_clock->pendingTimers(), 0);
        QCOMPARE(m_pusher->requests().size(), 1);
        loop->start(); // again: nothing
        QCOMPARE(m_pusher->requests().size(), 1);
    }

    void subsequentPushOnChange()
    {
        // CRF-25: version and aggregate hash advance, not just the count.
        createManager();
        QVERIFY(startManager());
        ContextPushLoop *loop = createLoop(m_pusher.get());
        loop->start();
        QVERIFY(m_pusher->answer(Outcome::Accepted));
        const ContextPushRequest first = m_pusher->last();

        QVERIFY(change());
        QCOMPARE(m_pusher->requests().size(), 2);
        const ContextPushRequest second = m_pusher->last();
        QVERIFY(!second.initial);
        QCOMPARE(second.snapshot.version, 2u);
        QVERIFY(second.snapshot.version > first.snapshot.version);
        QVERIFY(second.snapshot.aggregateHash != first.snapshot.aggregateHash);
        QCOMPARE(second.snapshot.aggregateHash, m_manager->snapshot().aggregateHash);
        QVERIFY(m_pusher->answer(Outcome::Accepted));

        QVERIFY(change());
        QCOMPARE(m_pusher->requests().size(), 3);
        QVERIFY(!m_pusher->last().initial);
        QCOMPARE(m_pusher->last().snapshot.version, 3u);
        QVERIFY(m_pusher->answer(Outcome::Accepted));
        QCOMPARE(loop->status().lastPushedVersion, 3u);
        QCOMPARE(loop->state(), State::Idle);
    }

    void stopsOnUnimplemented()
    {
        createManager();
        QVERIFY(startManager());
        ContextPushLoop *loop = createLoop(m_pusher.get());
        QSignalSpy status(loop, &ContextPushLoop::statusChanged);
        loop->start();
        QTest::ignoreMessage(QtWarningMsg,
                             QRegularExpression(QStringLiteral(
                                     "unimplemented by the peer; stopping: HTTP 501$")));
        QVERIFY(m_pusher->answer(Outcome::Unimplemented, QStringLiteral("HTTP 501")));
        QCOMPARE(loop->state(), State::Stopped);
        QCOMPARE(loop->status().lastError, QStringLiteral("HTTP 501"));
        QVERIFY(!loop->status().stopReason.isEmpty());
        QCOMPARE(status.constLast().at(0).value<ContextPushStatus>().state, State::Stopped);
        QCOMPARE(m_clock->pendingTimers(), 0);

        QVERIFY(change());
        loop->retryNow();
        m_clock->advance(60s);
        QCOMPARE(m_pusher->requests().size(), 1);
        QCOMPARE(loop->state(), State::Stopped);
    }

    void retriesTransientErrorWithBackoff()
    {
        createManager();
        QVERIFY(startManager());
        ContextPushLoop *loop = createLoop(m_pusher.get());
        loop->start();
        const ContextPushRequest first = m_pusher->last();
        // 250 ms doubling to the 30 s cap (DefaultPushInitialBackoff, DefaultPushMaxBackoff).
        const QList<qint64> delays {250, 500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000};
        for (qsizetype i = 0; i < delays.size(); ++i) {
            const qint64 delay = delays.at(i);
            QVERIFY(m_pusher->answer(Outcome::Failed, QStringLiteral("connection refused")));
            QCOMPARE(loop->state(), State::BackingOff);
            QCOMPARE(loop->status().lastError, QStringLiteral("connection refused"));
            QCOMPARE(m_clock->msecsToNextTimer(), delay);
            QCOMPARE(loop->status().nextRetryAtMSecs, m_clock->nowMSecs() + delay);
            QCOMPARE(loop->status().attempts, int(i + 1));

            m_clock->advance(std::chrono::milliseconds(delay - 1));
            QCOMPARE(m_pusher->requests().size(), i + 1); // not yet
            QCOMPARE(loop->state(), State::BackingOff);
            m_clock->advance(1ms);
            QCOMPARE(m_pusher->requests().size(), i + 2);
            QCOMPARE(loop->state(), State::Pushing);
            QVERIFY(sameRequest(m_pusher->last(), first)); // the same request, initial included
        }
        QVERIFY(m_pusher->answer(Outcome::Accepted));
        QCOMPARE(loop->state(), State::Idle);
        QCOMPARE(loop->status().attempts, 0);
        QVERIFY(loop->status().lastError.isEmpty());
        QCOMPARE(loop->status().nextRetryAtMSecs, 0);
        QCOMPARE(m_clock->pendingTimers(), 0);

        // A later failure starts the backoff from the beginning again.
        QVERIFY(change());
        QVERIFY(m_pusher->answer(Outcome::Failed, QStringLiteral("again")));
        QCOMPARE(m_clock->msecsToNextTimer(), 250);
    }

    void retrySendsSameRequestThenLatest()
    {
        createManager();
        QVERIFY(startManager());
        ContextPushLoop *loop = createLoop(m_pusher.get());
        loop->start();
        const ContextPushRequest first = m_pusher->last();
        QVERIFY(m_pusher->answer(Outcome::Failed, QStringLiteral("boom")));
        QCOMPARE(loop->state(), State::BackingOff);

        QVERIFY(change()); // version 2 while backing off: not pushed yet
        QCOMPARE(m_pusher->requests().size(), 1);
        QCOMPARE(loop->state(), State::BackingOff);
        m_clock->advance(250ms);
        QCOMPARE(m_pusher->requests().size(), 2);
        QVERIFY(sameRequest(m_pusher->last(), first)); // still version 1, initial
        QCOMPARE(m_pusher->last().snapshot.version, 1u);

        QVERIFY(m_pusher->answer(Outcome::Accepted)); // then the newer snapshot goes out
        QCOMPARE(m_pusher->requests().size(), 3);
        QCOMPARE(m_pusher->last().snapshot.version, 2u);
        QVERIFY(!m_pusher->last().initial);
        QCOMPARE(loop->status().lastPushedVersion, 1u);
        QVERIFY(m_pusher->answer(Outcome::Accepted));
        QCOMPARE(loop->status().lastPushedVersion, 2u);
        QCOMPARE(loop->state(), State::Idle);
        QCOMPARE(m_pusher->requests().size(), 3);
    }

    void changeWhilePushingIsPushedAfter()
    {
        createManager();
        QVERIFY(startManager());
        ContextPushLoop *loop = createLoop(m_pusher.get());
        loop->start();
        QVERIFY(change());
        QVERIFY(change()); // two versions while the first push is in flight: one push of the latest
        QCOMPARE(m_pusher->requests().size(), 1);
        QVERIFY(m_pusher->answer(Outcome::Accepted));
        QCOMPARE(m_pusher->requests().size(), 2);
        QCOMPARE(m_pusher->last().snapshot.version, 3u);
        QVERIFY(!m_pusher->last().initial);
        QVERIFY(m_pusher->answer(Outcome::Accepted));
        QCOMPARE(loop->state(), State::Idle);
    }

    void rejectedResponseProceeds()
    {
        // CRF-26: accepted=false is not an error: no retry, wait for the next change.
        createManager();
        QVERIFY(startManager());
        ContextPushLoop *loop = createLoop(m_pusher.get());
        loop->start();
        QVERIFY(m_pusher->answer(Outcome::Rejected));
        QCOMPARE(loop->state(), State::Idle);
        QCOMPARE(m_clock->pendingTimers(), 0);
        QVERIFY(!loop->status().lastAccepted);
        QCOMPARE(loop->status().lastPushedVersion, 1u);
        m_clock->advance(60s);
        QCOMPARE(m_pusher->requests().size(), 1);

        QVERIFY(change());
        QCOMPARE(m_pusher->requests().size(), 2);
        QCOMPARE(m_pusher->last().snapshot.version, 2u);
        QVERIFY(!m_pusher->last().initial); // the rejected push counted as done
        QVERIFY(m_pusher->answer(Outcome::Accepted));
        QVERIFY(loop->status().lastAccepted);
    }

    void failedFirstPushKeepsInitial()
    {
        createManager();
        QVERIFY(startManager());
        ContextPushLoop *loop = createLoop(m_pusher.get());
        loop->start();
        QVERIFY(m_pusher->answer(Outcome::Failed, QStringLiteral("down")));
        m_clock->advance(250ms);
        QVERIFY(m_pusher->last().initial);
        QVERIFY(m_pusher->answer(Outcome::Failed, QStringLiteral("down")));
        m_clock->advance(500ms);
        QCOMPARE(m_pusher->requests().size(), 3);
        QVERIFY(m_pusher->last().initial);
        QVERIFY(m_pusher->answer(Outcome::Accepted));
        QVERIFY(change());
        QVERIFY(!m_pusher->last().initial);
    }

    void closesOnManagerClose_data()
    {
        QTest::addColumn<State>("state");
        QTest::newRow("while pushing") << State::Pushing;
        QTest::newRow("while backing off") << State::BackingOff;
        QTest::newRow("while idle") << State::Idle;
    }

    void closesOnManagerClose()
    {
        // CRF-17: the loop ends when the manager closes.
        QFETCH(State, state);
        createManager();
        QVERIFY(startManager());
        ContextPushLoop *loop = createLoop(m_pusher.get());
        loop->start();
        if (state == State::BackingOff) {
            QVERIFY(m_pusher->answer(Outcome::Failed, QStringLiteral("down")));
        } else if (state == State::Idle) {
            QVERIFY(m_pusher->answer(Outcome::Accepted));
        }
        QCOMPARE(loop->state(), state);
        const int cancels = m_pusher->cancels();

        m_manager->close();
        QCOMPARE(loop->state(), State::Stopped);
        QVERIFY(!loop->status().stopReason.isEmpty());
        QCOMPARE(m_pusher->cancels(), cancels + 1);
        QCOMPARE(m_pusher->inFlight(), 0);
        QCOMPARE(m_clock->pendingTimers(), 0);
        const qsizetype pushed = m_pusher->requests().size();
        m_clock->advance(60s);
        loop->retryNow();
        QCOMPARE(m_pusher->requests().size(), pushed);
    }

    void startOnClosedManagerStops()
    {
        createManager();
        QVERIFY(startManager());
        m_manager->close();
        ContextPushLoop *loop = createLoop(m_pusher.get());
        loop->start();
        QCOMPARE(loop->state(), State::Stopped);
        QVERIFY(m_pusher->requests().isEmpty());
    }

    void retryNowDuringBackoff()
    {
        createManager();
        QVERIFY(startManager());
        ContextPushLoop *loop = createLoop(m_pusher.get());
        loop->start();
        loop->retryNow(); // pushing: nothing to hurry
        QCOMPARE(m_pusher->requests().size(), 1);
        QVERIFY(m_pusher->answer(Outcome::Failed, QStringLiteral("down")));
        QCOMPARE(m_clock->msecsToNextTimer(), 250);

        loop->retryNow();
        QCOMPARE(m_pusher->requests().size(), 2);
        QVERIFY(sameRequest(m_pusher->last(), m_pusher->requests().constFirst()));
        QCOMPARE(loop->state(), State::Pushing);
        QCOMPARE(m_clock->pendingTimers(), 0); // the scheduled retry is gone
        QCOMPARE(loop->status().attempts, 2);
        QVERIFY(m_pusher->answer(Outcome::Failed, QStringLiteral("down")));
        QCOMPARE(m_clock->msecsToNextTimer(), 500); // the backoff goes on doubling
        QVERIFY(m_pusher->answer(Outcome::Accepted) == false); // nothing in flight
        loop->retryNow();
        QVERIFY(m_pusher->answer(Outcome::Accepted));
        QCOMPARE(loop->state(), State::Idle);
        loop->retryNow(); // idle: nothing
        QCOMPARE(m_pusher->requests().size(), 3);
    }

    void placeholderNeverPushed()
    {
        createManager();
        ContextPushLoop *loop = createLoop(m_pusher.get());
        loop->start(); // before the first resolve: the manager has only version 0
        QVERIFY(m_pusher->requests().isEmpty());
        QCOMPARE(loop->state(), State::Idle);
        QVERIFY(startManager());
        QCOMPARE(m_pusher->requests().size(), 1);
        QCOMPARE(m_pusher->last().snapshot.version, 1u);
        QVERIFY(m_pusher->last().initial);
        for (const ContextPushRequest &request : m_pusher->requests()) {
            QVERIFY(request.snapshot.version > 0);
        }
    }

    // --- With the HTTP pusher against a local control plane -----------------------------------

    void httpEndpoint()
    {
        const HttpContextPusher plain(QUrl(QStringLiteral("http://127.0.0.1:1")), pushToken);
        QCOMPARE(
                plain.endpoint(),
                QUrl(QStringLiteral("http://127.0.0.1:1/api/v2/workspaceagents/me/context-state")));
        const HttpContextPusher prefixed(QUrl(QStringLiteral("https://coder.example/base/")),
                                         pushToken);
        QCOMPARE(prefixed.endpoint(),
                 QUrl(QStringLiteral(
                         "https://coder.example/base/api/v2/workspaceagents/me/context-state")));
    }

    void httpBacksOffOnServerErrors()
    {
        m_controlPlane = std::make_unique<ControlPlane>();
        const ControlPlane::Answer error {500, R"({"message":"database is down"})"};
        m_controlPlane->script({error, error, error, {}});
        createManager();
        QVERIFY(startManager());
        m_httpPusher = std::make_unique<HttpContextPusher>(m_controlPlane->url(), pushToken);
        ContextPushLoop *loop = createLoop(m_httpPusher.get());
        QSignalSpy attempts(loop, &ContextPushLoop::pushAttempted);
        loop->start();

        for (const qint64 delay : {250, 500, 1000}) {
            QTRY_VERIFY_WITH_TIMEOUT(loop->state() == State::BackingOff, Timeout);
            QCOMPARE(loop->status().lastError, QStringLiteral("HTTP 500: database is down"));
            QCOMPARE(m_clock->msecsToNextTimer(), delay);
            const qsizetype attempted = attempts.size();
            m_clock->advance(std::chrono::milliseconds(delay - 1));
            QCOMPARE(attempts.size(), attempted);
            m_clock->advance(1ms);
            QCOMPARE(attempts.size(), attempted + 1);
        }
        QTRY_VERIFY_WITH_TIMEOUT(loop->state() == State::Idle, Timeout);
        QVERIFY(loop->status().lastAccepted);
        QCOMPARE(loop->status().lastPushedVersion, 1u);
        QCOMPARE(m_controlPlane->received().size(), 4);
        for (const ApiRequest &request : m_controlPlane->received()) {
            QCOMPARE(request.body(),
                     m_controlPlane->received().constFirst().body()); // same request
        }
        QCOMPARE(m_controlPlane->body(3).value(QStringLiteral("initial")).toBool(), true);
    }

    void httpUnimplementedStops_data()
    {
        QTest::addColumn<int>("status");
        QTest::newRow("404") << 404;
        QTest::newRow("405") << 405;
        QTest::newRow("501") << 501;
    }

    void httpUnimplementedStops()
    {
        QFETCH(int, status);
        m_controlPlane = std::make_unique<ControlPlane>();
        m_controlPlane->script({{status, R"({"message":"nope"})"}});
        createManager();
        QVERIFY(startManager());
        m_httpPusher = std::make_unique<HttpContextPusher>(m_controlPlane->url(), pushToken);
        ContextPushLoop *loop = createLoop(m_httpPusher.get());
        QTest::ignoreMessage(
                QtWarningMsg,
                QRegularExpression(
                        QStringLiteral("unimplemented by the peer; stopping: .*\\(HTTP %1\\)")
                                .arg(status)));
        loop->start();
        QTRY_VERIFY_WITH_TIMEOUT(loop->state() == State::Stopped, Timeout);
        QVERIFY(loop->status().lastError.contains(QStringLiteral("HTTP %1").arg(status)));
        QCOMPARE(m_clock->pendingTimers(), 0);
        QVERIFY(change());
        QCOMPARE(loop->state(), State::Stopped);
        QCOMPARE(m_controlPlane->received().size(), 1);
    }

    void httpRejectedDoesNotRetry()
    {
        m_controlPlane = std::make_unique<ControlPlane>();
        m_controlPlane->script({{200, R"({"accepted":false})"}});
        createManager();
        QVERIFY(startManager());
        m_httpPusher = std::make_unique<HttpContextPusher>(m_controlPlane->url(), pushToken);
        ContextPushLoop *loop = createLoop(m_httpPusher.get());
        loop->start();
        QTRY_VERIFY_WITH_TIMEOUT(
                loop->state() == State::Idle && loop->status().lastPushedVersion == 1, Timeout);
        QVERIFY(!loop->status().lastAccepted);
        QCOMPARE(m_clock->pendingTimers(), 0);
        QCOMPARE(m_controlPlane->received().size(), 1);

        QVERIFY(change());
        QTRY_VERIFY_WITH_TIMEOUT(
                loop->state() == State::Idle && loop->status().lastPushedVersion == 2, Timeout);
        QVERIFY(loop->status().lastAccepted);
        QCOMPARE(m_controlPlane->received().size(), 2);
        QCOMPARE(m_controlPlane->body(1).value(QStringLiteral("initial")).toBool(), false);
        QCOMPARE(m_controlPlane->body(1).value(QStringLiteral("version")).toInteger(), 2);
    }

    void httpMalformedAnswerRetries_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::newRow("not JSON") << QByteArray("{accepted: true");
        QTest::newRow("no accepted") << QByteArray("{}");
        QTest::newRow("accepted not a bool") << QByteArray(R"({"accepted":"yes"})");
        QTest::newRow("empty") << QByteArray();
    }

    void httpMalformedAnswerRetries()
    {
        QFETCH(QByteArray, body);
        m_controlPlane = std::make_unique<ControlPlane>();
        m_controlPlane->script({{200, body}, {}});
        createManager();
        QVERIFY(startManager());
        m_httpPusher = std::make_unique<HttpContextPusher>(m_controlPlane->url(), pushToken);
        ContextPushLoop *loop = createLoop(m_httpPusher.get());
        loop->start();
        QTRY_VERIFY_WITH_TIMEOUT(loop->state() == State::BackingOff, Timeout);
        QCOMPARE(m_clock->msecsToNextTimer(), 250);
        QVERIFY(!loop->status().lastError.isEmpty());
        m_clock->advance(250ms);
        QTRY_VERIFY_WITH_TIMEOUT(loop->state() == State::Idle, Timeout);
        QVERIFY(loop->status().lastAccepted);
        QCOMPARE(m_controlPlane->received().size(), 2);
    }

    void httpRequestBody()
    {
        const QByteArray agents = "# Project rules\nBe kind.\n";
        write(m_work + QStringLiteral("/AGENTS.md"), agents);
        const QByteArray skill = "---\nname: good-skill\ndescription: Does good\n---\nSteps.\n";
        write(m_work + QStringLiteral("/skills/good-skill/SKILL.md"), skill);
        write(m_work + QStringLiteral("/skills/bad-skill/SKILL.md"),
              "---\nname: other-name\ndescription: Mismatch\n---\n");
        write(m_work + QStringLiteral("/CLAUDE.md"), QByteArray(300, 'x')); // over the cap below
        const QByteArray mcp = mcpConfig(mcpSecret);
        write(m_work + QStringLiteral("/.mcp.json"), mcp);

        m_controlPlane = std::make_unique<ControlPlane>();
        createManager(200);
        QVERIFY(startManager());
        m_httpPusher = std::make_unique<HttpContextPusher>(m_controlPlane->url(), pushToken);
        ContextPushLoop *loop = createLoop(m_httpPusher.get());
        loop->start();
        QTRY_VERIFY_WITH_TIMEOUT(
                loop->state() == State::Idle && loop->status().lastPushedVersion == 1, Timeout);
        QCOMPARE(m_controlPlane->received().size(), 1);
        const ApiRequest &request = m_controlPlane->received().constFirst();
        QCOMPARE(request.header("Coder-Session-Token"), pushToken);
        QVERIFY(request.header("Content-Type").startsWith("application/json"));

        const ContextSnapshot snapshot = m_manager->snapshot();
        const QJsonObject body = m_controlPlane->body(0);
        QCOMPARE(body.value(QStringLiteral("version")).toInteger(), 1);
        QCOMPARE(body.value(QStringLiteral("schema_version")).toInteger(), 1);
        QCOMPARE(body.value(QStringLiteral("initial")).toBool(), true);
        QVERIFY(body.value(QStringLiteral("initial")).isBool());
        const QString hash = body.value(QStringLiteral("aggregate_hash")).toString();
        QCOMPARE(hash.size(), 64);
        QCOMPARE(hash, QString::fromLatin1(snapshot.aggregateHash.toHex()));
        QVERIFY(!body.contains(QStringLiteral("snapshot_error")));

        const QJsonArray resources = body.value(QStringLiteral("resources")).toArray();
        QCOMPARE(resources.size(), 5);
        QHash<QString, QJsonObject> byKindAndSource;
        for (const QJsonValue &value : resources) {
            const QJsonObject r = value.toObject();
            byKindAndSource.insert(r.value(QStringLiteral("kind")).toString() + QLatin1Char(' ') +
                                           r.value(QStringLiteral("source")).toString(),
                                   r);
            const bool ok = r.value(QStringLiteral("status")).toString() == QLatin1String("ok");
            const QString kind = r.value(QStringLiteral("kind")).toString();
            const bool shipsPayload = ok &&
                    (kind == QLatin1String("instruction_file") || kind == QLatin1String("skill"));
            QVERIFY2(r.contains(QStringLiteral("payload")) == shipsPayload,
                     qPrintable(r.value(QStringLiteral("id")).toString()));
        }
        const auto payload = [&](const QString &key) {
            return QByteArray::fromBase64(byKindAndSource.value(key)
                                                  .value(QStringLiteral("payload"))
                                                  .toString()
                                                  .toLatin1());
        };
        QCOMPARE(payload(QStringLiteral("instruction_file ") + m_work +
                         QStringLiteral("/AGENTS.md")),
                 agents);
        QCOMPARE(payload(QStringLiteral("skill ") + m_work + QStringLiteral("/skills/good-skill")),
                 skill);
        const QJsonObject bad = byKindAndSource.value(QStringLiteral("skill ") + m_work +
                                                      QStringLiteral("/skills/bad-skill"));
        QCOMPARE(bad.value(QStringLiteral("status")).toString(), QStringLiteral("invalid"));
        const QJsonObject oversize = byKindAndSource.value(QStringLiteral("instruction_file ") +
                                                           m_work + QStringLiteral("/CLAUDE.md"));
        QCOMPARE(oversize.value(QStringLiteral("status")).toString(), QStringLiteral("oversize"));
        QCOMPARE(oversize.value(QStringLiteral("size_bytes")).toInteger(), 300);

        // The MCP config: hash and size only.
        const QJsonObject config = byKindAndSource.value(QStringLiteral("mcp_config ") + m_work +
                                                         QStringLiteral("/.mcp.json"));
        QCOMPARE(config.value(QStringLiteral("status")).toString(), QStringLiteral("ok"));
        QCOMPARE(config.value(QStringLiteral("size_bytes")).toInteger(), mcp.size());
        QCOMPARE(config.value(QStringLiteral("content_hash")).toString(),
                 QString::fromLatin1(
                         QCryptographicHash::hash(mcp, QCryptographicHash::Sha256).toHex()));

        // Not a byte of the secret in any request, in any encoding, after a change and a retry.
        m_controlPlane->script({{503, {}}, {}});
        QVERIFY(change());
        QTRY_VERIFY_WITH_TIMEOUT(loop->state() == State::BackingOff, Timeout);
        m_clock->advance(250ms);
        QTRY_VERIFY_WITH_TIMEOUT(
                loop->state() == State::Idle && loop->status().lastPushedVersion == 2, Timeout);
        QCOMPARE(m_controlPlane->received().size(), 3);
        for (const ApiRequest &sent : m_controlPlane->received()) {
            QVERIFY(!sent.body().contains(mcpSecret));
            QVERIFY(!sent.body().contains(mcpSecret.toBase64()));
            QVERIFY(!sent.body().contains(mcp.toBase64()));
            QVERIFY(!sent.body().contains(mcp.first(24).toBase64()));
            QCOMPARE(sent.header("Coder-Session-Token"), pushToken);
        }
    }

    void httpWrongTokenIsRetried()
    {
        // A 401 is no "unimplemented": the loop keeps trying.
        m_controlPlane = std::make_unique<ControlPlane>();
        createManager();
        QVERIFY(startManager());
        m_httpPusher = std::make_unique<HttpContextPusher>(m_controlPlane->url(), "wrong-token");
        ContextPushLoop *loop = createLoop(m_httpPusher.get());
        loop->start();
        QTRY_VERIFY_WITH_TIMEOUT(loop->state() == State::BackingOff, Timeout);
        QVERIFY(loop->status().lastError.startsWith(QStringLiteral("HTTP 401")));
        QVERIFY(m_controlPlane->received().isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestContextPushLoop)
#include "tst_contextpushloop.moc"
