// LazyDial (chatd's dialWithLazyValidation) on a ManualClock with scripted dial and validate
// functions: upstream's dialvalidation tests, the dial timeout, early deletion; and httpDial
// against a real ApiServer over loopback.
#include "chat/lazydialer.h"
#include "common/clock.h"
#include "http/apiserver.h"
#include "http/jsonresponse.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTest>

#include <memory>
#include <vector>

using namespace std::chrono_literals;

namespace {

const QString boundAgent = QStringLiteral("agent-old");
const QString newAgent = QStringLiteral("agent-new");
const QString workspace = QStringLiteral("workspace-1");
const QByteArray token = QByteArrayLiteral("agent-s3cret-token");

// A connection whose release() counts into `releases`.
DialedAgent connectionTo(const QString &agentId, std::shared_ptr<int> releases)
{
    DialedAgent connection;
    connection.agentId = agentId;
    connection.apiUrl = QUrl(QStringLiteral("http://127.0.0.1:1"));
    connection.release = [releases] { ++*releases; };
    return connection;
}

// A scripted DialFunc: records each call and leaves it pending unless `answer` says otherwise.
class FakeDialer
{
public:
    struct Call
    {
        QString agentId;
        LazyDialer::DialDone done;
        bool cancelled = false;
        std::shared_ptr<int> releases = std::make_shared<int>(0);

        bool isPending() const { return bool(done); }
        void succeed() { std::exchange(done, {})(connectionTo(agentId, releases), QString()); }
        void fail(const QString &error) { std::exchange(done, {})(std::nullopt, error); }
    };

    // Called for each new call, right away; may answer it.
    std::function<void(Call &call, int index)> answer;

    LazyDialer::DialFunc function()
    {
        return [this](const QString &agentId, LazyDialer::DialDone done) {
            auto call = std::make_shared<Call>();
            call->agentId = agentId;
            call->done = std::move(done);
            m_calls.push_back(call);
            if (answer) {
                answer(*call, int(m_calls.size()) - 1);
            }
            return std::function<void()>([call] { call->cancelled = true; });
        };
    }

    int count() const { return int(m_calls.size()); }
    Call &call(int index) { return *m_calls.at(size_t(index)); }

private:
    std::vector<std::shared_ptr<Call>> m_calls;
};

// A scripted ValidateFunc: answers `result` at once, or holds the answer when `hold` is set.
class FakeValidator
{
public:
    ValidateResult result;
    bool hold = false;
    std::function<void()> beforeAnswer;
    int calls = 0;
    std::function<void(const ValidateResult &)> pending;

    LazyDialer::ValidateFunc function()
    {
        return [this](const QString &workspaceId,
                      std::function<void(const ValidateResult &)> done) {
            QCOMPARE(workspaceId, workspace);
            ++calls;
            if (hold) {
                pending = std::move(done);
                return;
            }
            if (beforeAnswer) {
                beforeAnswer();
            }
            done(result);
        };
    }
    void answerPending() { std::exchange(pending, {})(result); }

    static ValidateResult agent(const QString &id) { return {ValidateResult::Kind::Agent, id, {}}; }
    static ValidateResult noAgent() { return {ValidateResult::Kind::NoAgent, {}, {}}; }
    static ValidateResult error(const QString &text)
    {
        return {ValidateResult::Kind::Error, {}, text};
    }
};

DialResult resultOf(const QSignalSpy &spy)
{
    return spy.isEmpty() ? DialResult() : qvariant_cast<DialResult>(spy.first().first());
}

} // namespace

class TestLazyDialer : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init()
    {
        m_clock = std::make_unique<ManualClock>();
        m_dialer = std::make_unique<FakeDialer>();
        m_validator = std::make_unique<FakeValidator>();
    }

    void cleanup()
    {
        m_spy.reset();
        m_dial.reset();
        m_validator.reset();
        m_dialer.reset();
        m_clock.reset();
    }

    void constantsAreUpstreams()
    {
        QCOMPARE(LazyDialer::ValidationDelay.count(), 5000);
        QCOMPARE(LazyDialer::DialTimeout.count(), 30000);
        QCOMPARE(LazyDialer::noAgentMessage(),
                 QStringLiteral("workspace has no running agent: the workspace is likely "
                                "stopped. Use the start_workspace tool to start it"));
    }

    // The dial succeeds before the delay: no validation, the caller owns the connection.
    void fastDial()
    {
        m_dialer->answer = [](FakeDialer::Call &call, int) { call.succeed(); };
        QSignalSpy &spy = start(1min);
        QCOMPARE(spy.count(), 1);
        DialResult result = resultOf(spy);
        QVERIFY(result.ok);
        QVERIFY(!result.switched);
        QCOMPARE(result.connection.agentId, boundAgent);
        QCOMPARE(m_validator->calls, 0);
        QCOMPARE(m_dialer->count(), 1);
        QCOMPARE(m_clock->pendingTimers(), 0);
        QCOMPARE(*m_dialer->call(0).releases, 0);
        result.connection.release();
        QCOMPARE(*m_dialer->call(0).releases, 1);
        m_clock->advance(2min);
        QCOMPARE(spy.count(), 1);
        QCOMPARE(m_validator->calls, 0);
    }

    // The delay passes, validation confirms the binding: the original dial is awaited.
    void slowDialSameAgent()
    {
        m_validator->result = FakeValidator::agent(boundAgent);
        QSignalSpy &spy = start(0ms);
        m_clock->advance(0ms);
        QCOMPARE(m_validator->calls, 1);
        QCOMPARE(spy.count(), 0);
        m_dialer->call(0).succeed();
        QCOMPARE(spy.count(), 1);
        const DialResult result = resultOf(spy);
        QVERIFY(result.ok);
        QVERIFY(!result.switched);
        QCOMPARE(result.connection.agentId, boundAgent);
        QCOMPARE(m_dialer->count(), 1);
        QVERIFY(!m_dialer->call(0).cancelled);
        QCOMPARE(*m_dialer->call(0).releases, 0);
    }

    // The workspace has no agent (stopped): fail at once, cancelling the hanging dial.
    void slowDialNoCurrentAgent()
    {
        m_validator->result = FakeValidator::noAgent();
        QSignalSpy &spy = start(0ms);
        m_clock->advance(0ms);
        QCOMPARE(spy.count(), 1);
        const DialResult result = resultOf(spy);
        QVERIFY(!result.ok);
        QVERIFY(result.noAgent);
        QCOMPARE(result.error, LazyDialer::noAgentMessage());
        QCOMPARE(m_dialer->count(), 1);
        QCOMPARE(m_validator->calls, 1);
        QVERIFY(m_dialer->call(0).cancelled);
        QCOMPARE(m_clock->pendingTimers(), 0);
    }

    // A stale binding: switch to the new agent; the stale dial's late success is released once.
    void slowDialStaleAgentLateSuccessReleasesStaleConn()
    {
        m_validator->result = FakeValidator::agent(newAgent);
        m_dialer->answer = [](FakeDialer::Call &call, int index) {
            if (index == 1) {
                call.succeed();
            }
        };
        QSignalSpy &spy = start(0ms);
        m_clock->advance(0ms);
        QCOMPARE(spy.count(), 1);
        const DialResult result = resultOf(spy);
        QVERIFY(result.ok);
        QVERIFY(result.switched);
        QCOMPARE(result.connection.agentId, newAgent);
        QCOMPARE(m_dialer->count(), 2);
        QCOMPARE(m_dialer->call(1).agentId, newAgent);
        QVERIFY(m_dialer->call(0).cancelled);

        // The stale dial ignored its cancellation and succeeds late.
        m_dialer->call(0).succeed();
        QCOMPARE(*m_dialer->call(0).releases, 1);
        QCOMPARE(*m_dialer->call(1).releases, 0); // the caller's
        QCOMPARE(spy.count(), 1);
    }

    // A stale dial that fails after its cancellation has nothing to release.
    void slowDialStaleAgentCanceledFailureDoesNotReleaseStaleConn()
    {
        m_validator->result = FakeValidator::agent(newAgent);
        m_dialer->answer = [](FakeDialer::Call &call, int index) {
            if (index == 1) {
                call.succeed();
            }
        };
        QSignalSpy &spy = start(0ms);
        m_clock->advance(0ms);
        QCOMPARE(spy.count(), 1);
        QVERIFY(resultOf(spy).switched);
        m_dialer->call(0).fail(QStringLiteral("context canceled"));
        QCOMPARE(*m_dialer->call(0).releases, 0);
        QCOMPARE(*m_dialer->call(1).releases, 0);
        QCOMPARE(spy.count(), 1);
    }

    // The switch returns while the stale dial is still blocked.
    void slowDialStaleAgentSwitchDoesNotBlock()
    {
        m_validator->result = FakeValidator::agent(newAgent);
        m_dialer->answer = [](FakeDialer::Call &call, int index) {
            if (index == 1) {
                call.succeed();
            }
        };
        QSignalSpy &spy = start(0ms);
        m_clock->advance(0ms);
        QCOMPARE(spy.count(), 1);
        QVERIFY(resultOf(spy).ok);
        QVERIFY(m_dialer->call(0).isPending());
        QVERIFY(m_dialer->call(0).cancelled);
    }

    // The original succeeds while validation runs and validation then finds another agent: the
    // success is stale (upstream's drainer releases it) and the new agent is dialled.
    void slowDialSuccessDuringValidationOfStaleAgentIsReleased()
    {
        m_validator->hold = true;
        m_validator->result = FakeValidator::agent(newAgent);
        m_dialer->answer = [](FakeDialer::Call &call, int index) {
            if (index == 1) {
                call.succeed();
            }
        };
        QSignalSpy &spy = start(0ms);
        m_clock->advance(0ms);
        m_dialer->call(0).succeed();
        QCOMPARE(spy.count(), 0);
        m_validator->answerPending();
        QCOMPARE(spy.count(), 1);
        QVERIFY(resultOf(spy).switched);
        QCOMPARE(*m_dialer->call(0).releases, 1);
    }

    // The dial fails before the delay and validation finds another agent: switch.
    void fastFailure()
    {
        m_validator->result = FakeValidator::agent(newAgent);
        m_dialer->answer = [](FakeDialer::Call &call, int index) {
            if (index == 0) {
                call.fail(QStringLiteral("agent unreachable"));
            } else {
                call.succeed();
            }
        };
        QSignalSpy &spy = start(1min);
        QCOMPARE(spy.count(), 1);
        const DialResult result = resultOf(spy);
        QVERIFY(result.ok);
        QVERIFY(result.switched);
        QCOMPARE(result.connection.agentId, newAgent);
        QCOMPARE(m_dialer->count(), 2);
        QCOMPARE(m_dialer->call(1).agentId, newAgent);
        QCOMPARE(m_validator->calls, 1);
        QCOMPARE(m_clock->pendingTimers(), 0);
    }

    // Fast failure, validation confirms the binding: the same agent is dialled once more.
    void fastFailureSameAgent()
    {
        m_validator->result = FakeValidator::agent(boundAgent);
        m_dialer->answer = [](FakeDialer::Call &call, int index) {
            if (index == 0) {
                call.fail(QStringLiteral("agent unreachable"));
            } else {
                call.succeed();
            }
        };
        QSignalSpy &spy = start(1min);
        QCOMPARE(spy.count(), 1);
        const DialResult result = resultOf(spy);
        QVERIFY(result.ok);
        QVERIFY(!result.switched);
        QCOMPARE(result.connection.agentId, boundAgent);
        QCOMPARE(m_dialer->count(), 2);
        QCOMPARE(m_dialer->call(1).agentId, boundAgent);
        QCOMPARE(m_validator->calls, 1);
    }

    void fastFailureSameAgentRetryFails()
    {
        m_validator->result = FakeValidator::agent(boundAgent);
        m_dialer->answer = [](FakeDialer::Call &call, int index) {
            call.fail(index == 0 ? QStringLiteral("agent unreachable")
                                 : QStringLiteral("retry failed"));
        };
        QSignalSpy &spy = start(1min);
        QCOMPARE(spy.count(), 1);
        const DialResult result = resultOf(spy);
        QVERIFY(!result.ok);
        QVERIFY(!result.noAgent);
        QCOMPARE(result.error, QStringLiteral("dial with lazy validation: retry failed"));
        QCOMPARE(m_dialer->count(), 2);
        QCOMPARE(m_validator->calls, 1);
    }

    // Fast failure on a stopped workspace: the no-agent error, unwrapped, and no retry.
    void fastFailureNoAgent()
    {
        m_validator->result = FakeValidator::noAgent();
        m_dialer->answer = [](FakeDialer::Call &call, int) {
            call.fail(QStringLiteral("agent unreachable"));
        };
        QSignalSpy &spy = start(1min);
        QCOMPARE(spy.count(), 1);
        QVERIFY(resultOf(spy).noAgent);
        QCOMPARE(resultOf(spy).error, LazyDialer::noAgentMessage());
        QCOMPARE(m_dialer->count(), 1);
    }

    // Fast failure whose validation fails: the validation error, wrapped.
    void fastFailureValidationError()
    {
        m_validator->result = FakeValidator::error(QStringLiteral("database is down"));
        m_dialer->answer = [](FakeDialer::Call &call, int) {
            call.fail(QStringLiteral("agent unreachable"));
        };
        QSignalSpy &spy = start(1min);
        QCOMPARE(spy.count(), 1);
        QCOMPARE(resultOf(spy).error,
                 QStringLiteral("dial with lazy validation: database is down"));
        QCOMPARE(m_dialer->count(), 1);
    }

    // A failed validation cannot prove the binding stale: fall back to the original dial.
    void validationError()
    {
        m_validator->result = FakeValidator::error(QStringLiteral("database is down"));
        QSignalSpy &spy = start(0ms);
        m_clock->advance(0ms);
        QCOMPARE(m_validator->calls, 1);
        QCOMPARE(spy.count(), 0);
        QVERIFY(!m_dialer->call(0).cancelled);
        m_dialer->call(0).succeed();
        QCOMPARE(spy.count(), 1);
        const DialResult result = resultOf(spy);
        QVERIFY(result.ok);
        QVERIFY(!result.switched);
        QCOMPARE(result.connection.agentId, boundAgent);
        QCOMPARE(m_dialer->count(), 1);
    }

    // The original dial fails after validation confirmed the binding: its error, wrapped.
    void slowDialSameAgentThenFailure()
    {
        m_validator->result = FakeValidator::agent(boundAgent);
        QSignalSpy &spy = start(0ms);
        m_clock->advance(0ms);
        m_dialer->call(0).fail(QStringLiteral("boom"));
        QCOMPARE(spy.count(), 1);
        QCOMPARE(resultOf(spy).error, QStringLiteral("dial with lazy validation: boom"));
        QCOMPARE(m_dialer->count(), 1);
    }

    // Validation cancels the dial (the caller's context): "context canceled".
    void contextCanceled()
    {
        m_validator->result = FakeValidator::error(QStringLiteral("context canceled"));
        m_validator->beforeAnswer = [this] { m_dial->cancel(); };
        QSignalSpy &spy = start(0ms);
        m_clock->advance(0ms);
        QCOMPARE(spy.count(), 1);
        const DialResult result = resultOf(spy);
        QVERIFY(!result.ok);
        QCOMPARE(result.error, QStringLiteral("context canceled"));
        QCOMPARE(result.error, LazyDialer::canceledMessage());
        QVERIFY(m_validator->calls <= 1);
        QCOMPARE(m_dialer->count(), 1);
        QVERIFY(m_dialer->call(0).cancelled);
        // Too late: nothing more is emitted, and a late success is released.
        m_dial->cancel();
        m_dialer->call(0).succeed();
        QCOMPARE(spy.count(), 1);
        QCOMPARE(*m_dialer->call(0).releases, 1);
    }

    void cancelBeforeStart()
    {
        m_dial = makeDial(1min);
        QSignalSpy spy(m_dial.get(), &LazyDial::finished);
        m_dial->cancel();
        QCOMPARE(spy.count(), 1);
        QCOMPARE(resultOf(spy).error, LazyDialer::canceledMessage());
        m_dial->start();
        QCOMPARE(m_dialer->count(), 0);
        QCOMPARE(spy.count(), 1);
    }

    // The 30 s dial timeout ends a dial the validation could not resolve.
    void dialTimeout()
    {
        m_validator->result = FakeValidator::agent(boundAgent);
        m_dial = makeDial(LazyDialer::ValidationDelay);
        QSignalSpy spy(m_dial.get(), &LazyDial::finished);
        m_dial->start();
        m_clock->advance(LazyDialer::ValidationDelay);
        QCOMPARE(m_validator->calls, 1);
        m_clock->advance(LazyDialer::DialTimeout - LazyDialer::ValidationDelay - 1ms);
        QCOMPARE(spy.count(), 0);
        QVERIFY(!m_dialer->call(0).cancelled);
        m_clock->advance(1ms);
        QCOMPARE(spy.count(), 1);
        const DialResult result = resultOf(spy);
        QVERIFY(!result.ok);
        QVERIFY(result.timedOut);
        QCOMPARE(result.error, LazyDialer::dialTimeoutMessage());
        QVERIFY(m_dialer->call(0).cancelled);
        QCOMPARE(m_clock->pendingTimers(), 0);
        m_dialer->call(0).succeed();
        QCOMPARE(*m_dialer->call(0).releases, 1);
        QCOMPARE(spy.count(), 1);
    }

    // The timeout also bounds the dial of a switched-to agent.
    void dialTimeoutDuringSwitch()
    {
        m_validator->result = FakeValidator::agent(newAgent);
        m_dial = makeDial(LazyDialer::ValidationDelay);
        QSignalSpy spy(m_dial.get(), &LazyDial::finished);
        m_dial->start();
        m_clock->advance(LazyDialer::ValidationDelay);
        QCOMPARE(m_dialer->count(), 2);
        m_clock->advance(LazyDialer::DialTimeout);
        QCOMPARE(spy.count(), 1);
        QVERIFY(resultOf(spy).timedOut);
        QVERIFY(m_dialer->call(0).cancelled);
        QVERIFY(m_dialer->call(1).cancelled);
        m_dialer->call(0).succeed();
        m_dialer->call(1).succeed();
        QCOMPARE(*m_dialer->call(0).releases, 1);
        QCOMPARE(*m_dialer->call(1).releases, 1);
    }

    // A timeout while validation runs prefers an original success that is already waiting.
    void dialTimeoutPrefersReadyOriginal()
    {
        m_validator->hold = true;
        m_validator->result = FakeValidator::agent(newAgent);
        m_dial = makeDial(LazyDialer::ValidationDelay);
        QSignalSpy spy(m_dial.get(), &LazyDial::finished);
        m_dial->start();
        m_clock->advance(LazyDialer::ValidationDelay);
        m_dialer->call(0).succeed();
        m_clock->advance(LazyDialer::DialTimeout);
        QCOMPARE(spy.count(), 1);
        QVERIFY(resultOf(spy).ok);
        QCOMPARE(resultOf(spy).connection.agentId, boundAgent);
        QCOMPARE(*m_dialer->call(0).releases, 0);
        m_validator->answerPending(); // too late: ignored
        QCOMPARE(m_dialer->count(), 1);
        QCOMPARE(spy.count(), 1);
    }

    // Deleting a LazyDial mid-dial emits nothing, cancels the dial, and releases a late success.
    void deleteMidDial()
    {
        m_validator->result = FakeValidator::agent(boundAgent);
        m_dial = makeDial(0ms);
        int emitted = 0;
        connect(m_dial.get(), &LazyDial::finished, this, [&emitted] { ++emitted; });
        m_dial->start();
        m_clock->advance(0ms);
        QCOMPARE(m_validator->calls, 1);
        m_dial.reset();
        QVERIFY(m_dialer->call(0).cancelled);
        QCOMPARE(m_clock->pendingTimers(), 0);
        m_clock->advance(LazyDialer::DialTimeout);
        m_dialer->call(0).succeed();
        QCOMPARE(*m_dialer->call(0).releases, 1);
        QCOMPARE(emitted, 0);
    }

    // A validation answering after the object died is ignored.
    void deleteDuringValidation()
    {
        m_validator->hold = true;
        m_validator->result = FakeValidator::agent(newAgent);
        m_dial = makeDial(0ms);
        m_dial->start();
        m_clock->advance(0ms);
        m_dialer->call(0).succeed(); // held while validation runs
        m_dial.reset();
        QCOMPARE(*m_dialer->call(0).releases, 1);
        m_validator->answerPending();
        QCOMPARE(m_dialer->count(), 1);
    }

    // The receiver may delete the dial from its finished() slot.
    void deleteInsideFinished()
    {
        m_dialer->answer = [](FakeDialer::Call &call, int) { call.succeed(); };
        auto *dial = new LazyDial(boundAgent, workspace, m_dialer->function(),
                                  m_validator->function(), m_clock.get(), {1min, 30s});
        QPointer<LazyDial> guard(dial);
        connect(dial, &LazyDial::finished, this, [dial](const DialResult &result) {
            result.connection.release();
            delete dial;
        });
        dial->start();
        QVERIFY(!guard);
        QCOMPARE(*m_dialer->call(0).releases, 1);
    }

    // --- httpDial, over loopback ---

    void httpDialSucceeds()
    {
        HttpFixture http;
        QVERIFY(http.listen());
        std::optional<DialedAgent> connection;
        QString error;
        int calls = 0;
        httpDial(&http.network, http.endpoint(token),
                 [&](std::optional<DialedAgent> c, const QString &e) {
                     ++calls;
                     connection = std::move(c);
                     error = e;
                 });
        QTRY_COMPARE(calls, 1);
        QVERIFY2(connection, qPrintable(error));
        QVERIFY(error.isEmpty());
        QCOMPARE(connection->agentId, boundAgent);
        QCOMPARE(connection->token, token);
        QVERIFY(connection->release);
        connection->release();
        QCOMPARE(http.requests, 1);
    }

    void httpDialWrongTokenFails()
    {
        HttpFixture http;
        QVERIFY(http.listen());
        std::optional<DialedAgent> connection;
        QString error;
        int calls = 0;
        httpDial(&http.network, http.endpoint(token + "x"),
                 [&](std::optional<DialedAgent> c, const QString &e) {
                     ++calls;
                     connection = std::move(c);
                     error = e;
                 });
        QTRY_COMPARE(calls, 1);
        QVERIFY(!connection);
        QVERIFY2(error.contains(QStringLiteral("401")), qPrintable(error));
        QCOMPARE(http.requests, 0);
    }

    void httpDialNonObjectFails()
    {
        HttpFixture http;
        QVERIFY(http.listen());
        DialedAgent endpoint = http.endpoint(token);
        endpoint.apiUrl.setPath(QStringLiteral("/array/"));
        QString error;
        int calls = 0;
        httpDial(&http.network, endpoint, [&](std::optional<DialedAgent> c, const QString &e) {
            ++calls;
            QVERIFY(!c);
            error = e;
        });
        QTRY_COMPARE(calls, 1);
        QVERIFY2(error.contains(QStringLiteral("JSON object")), qPrintable(error));
    }

    // An agent cannot make the control plane read an unbounded reply, nor log it whole.
    void httpDialHugeReplyFails()
    {
        HttpFixture http;
        QVERIFY(http.listen());
        DialedAgent endpoint = http.endpoint(token);
        endpoint.apiUrl.setPath(QStringLiteral("/huge/"));
        QString error;
        int calls = 0;
        httpDial(&http.network, endpoint, [&](std::optional<DialedAgent> c, const QString &e) {
            ++calls;
            QVERIFY(!c);
            error = e;
        });
        QTRY_COMPARE(calls, 1);
        QVERIFY2(error.contains(QStringLiteral("more than")), qPrintable(error.left(200)));
        QVERIFY(error.size() < 1000);
    }

    void httpDialConnectionRefusedFails()
    {
        quint16 closedPort = 0;
        {
            QTcpServer probe;
            QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
            closedPort = probe.serverPort();
        }
        QNetworkAccessManager network;
        DialedAgent endpoint;
        endpoint.agentId = boundAgent;
        endpoint.apiUrl = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(closedPort));
        endpoint.token = token;
        QString error;
        int calls = 0;
        httpDial(&network, endpoint, [&](std::optional<DialedAgent> c, const QString &e) {
            ++calls;
            QVERIFY(!c);
            error = e;
        });
        QTRY_COMPARE(calls, 1);
        QVERIFY2(error.contains(QStringLiteral("cannot reach")), qPrintable(error));
    }

    // Cancelled at once, and cancelled while the agent sits on the request: done once, with
    // "context canceled", and everything the request held (the callback) is freed.
    void httpDialCancel_data()
    {
        QTest::addColumn<bool>("waitForServer");
        QTest::newRow("before the request is sent") << false;
        QTest::newRow("while the agent holds the request") << true;
    }

    void httpDialCancel()
    {
        QFETCH(bool, waitForServer);
        HttpFixture http;
        http.holdAnswers = true;
        QVERIFY(http.listen());
        auto sentinel = std::make_shared<int>(0);
        std::weak_ptr<int> watch = sentinel;
        int calls = 0;
        QString error;
        std::function<void()> cancel = httpDial(
                &http.network, http.endpoint(token),
                [&calls, &error, sentinel](std::optional<DialedAgent> c, const QString &e) {
                    ++calls;
                    QVERIFY(!c);
                    error = e;
                });
        sentinel.reset();
        if (waitForServer) {
            QTRY_COMPARE(http.requests, 1);
        }
        cancel();
        QVERIFY(calls <= 1);
        QTRY_VERIFY(watch.expired());
        // Ours is called, once: the abort finishes the reply.
        QCOMPARE(calls, 1);
        QCOMPARE(error, LazyDialer::canceledMessage());
        cancel(); // again, after the reply is gone: harmless
        http.held.clear();
    }

    // The whole chain: LazyDial over httpDial against a live agent.
    void lazyDialOverHttp()
    {
        HttpFixture http;
        QVERIFY(http.listen());
        const DialedAgent endpoint = http.endpoint(token);
        QNetworkAccessManager *network = &http.network;
        auto dial = [network, endpoint](const QString &agentId, LazyDialer::DialDone done) {
            DialedAgent target = endpoint;
            target.agentId = agentId;
            return httpDial(network, target, std::move(done));
        };
        m_dial = std::make_unique<LazyDial>(boundAgent, workspace, dial, m_validator->function(),
                                            m_clock.get());
        QSignalSpy spy(m_dial.get(), &LazyDial::finished);
        m_dial->start();
        QTRY_COMPARE(spy.count(), 1);
        const DialResult result = resultOf(spy);
        QVERIFY2(result.ok, qPrintable(result.error));
        QCOMPARE(result.connection.agentId, boundAgent);
        QCOMPARE(m_validator->calls, 0);
        result.connection.release();
    }

private:
    // An agent's HTTP API with the process list route (and one answering a JSON array).
    struct HttpFixture
    {
        QNetworkAccessManager network;
        ApiServer server {token};
        int requests = 0;
        bool holdAnswers = false;
        std::vector<HttpResponder> held;

        HttpFixture()
        {
            server.addRoute(Http::Method::Get, QStringLiteral("/api/v0/processes/list"),
                            [this](const ApiRequest &, HttpResponder &responder) {
                                ++requests;
                                if (holdAnswers) {
                                    held.push_back(std::move(responder));
                                    return;
                                }
                                JsonResponse::write(
                                        responder, JsonResponse::Status::Ok,
                                        QJsonObject {{QStringLiteral("processes"), QJsonArray()}});
                            });
            // A hostile agent: an error reply far beyond the dial's cap.
            server.addRoute(Http::Method::Get, QStringLiteral("/huge/api/v0/processes/list"),
                            [](const ApiRequest &, HttpResponder &responder) {
                                JsonResponse::message(
                                        responder, JsonResponse::Status::InternalServerError,
                                        QString(int(MaxDialReplyBytes) + 1024, QLatin1Char('x')));
                            });
            server.addRoute(Http::Method::Get, QStringLiteral("/array/api/v0/processes/list"),
                            [](const ApiRequest &, HttpResponder &responder) {
                                JsonResponse::write(responder, JsonResponse::Status::Ok,
                                                    QJsonArray());
                            });
        }
        bool listen()
        {
            QString error;
            if (!server.listen(QHostAddress::LocalHost, 0, &error)) {
                qWarning("listen: %s", qPrintable(error));
                return false;
            }
            return true;
        }
        DialedAgent endpoint(const QByteArray &withToken) const
        {
            DialedAgent endpoint;
            endpoint.agentId = boundAgent;
            endpoint.apiUrl = server.baseUrl();
            endpoint.token = withToken;
            return endpoint;
        }
    };

    std::unique_ptr<LazyDial> makeDial(std::chrono::milliseconds validationDelay)
    {
        LazyDial::Options options;
        options.validationDelay = validationDelay;
        return std::make_unique<LazyDial>(boundAgent, workspace, m_dialer->function(),
                                          m_validator->function(), m_clock.get(), options);
    }

    // A dial with its spy, started.
    QSignalSpy &start(std::chrono::milliseconds validationDelay)
    {
        m_dial = makeDial(validationDelay);
        m_spy = std::make_unique<QSignalSpy>(m_dial.get(), &LazyDial::finished);
        m_dial->start();
        return *m_spy;
    }

    std::unique_ptr<ManualClock> m_clock;
    std::unique_ptr<FakeDialer> m_dialer;
    std::unique_ptr<FakeValidator> m_validator;
    std::unique_ptr<LazyDial> m_dial;
    std::unique_ptr<QSignalSpy> m_spy;
};

QTEST_GUILESS_MAIN(TestLazyDialer)
#include "tst_lazydialer.moc"
