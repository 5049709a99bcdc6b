#pragma once

#include "common/clock.h"

#include <QByteArray>
#include <QMetaType>
#include <QObject>
#include <QString>
#include <QUrl>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>

class QNetworkAccessManager;

// What a successful dial holds. release() drops it (call exactly once; may be empty).
struct DialedAgent
{
    QString agentId;
    QUrl apiUrl;
    QByteArray token; // sent as Coder-Session-Token
    std::function<void()> release;
};

// What the workspace's latest build says about its agent (chatd's latestWorkspaceAgentID).
struct ValidateResult
{
    enum class Kind { Agent, NoAgent, Error };
    Kind kind = Kind::Error;
    QString agentId; // Kind::Agent: the workspace's current agent
    QString error; // Kind::Error
};

namespace LazyDialer {

// Starts a dial of `agentId`; calls `done` exactly once (success: connection, error empty;
// failure: nullopt + error), possibly AFTER the returned canceller was called (a dial that
// ignores cancellation), possibly before dial returns. Returns a canceller, which may be empty.
using DialDone = std::function<void(std::optional<DialedAgent>, const QString &error)>;
using DialFunc = std::function<std::function<void()>(const QString &agentId, DialDone done)>;
// Looks up the workspace's current agent; calls `done` once, now or later.
using ValidateFunc = std::function<void(const QString &workspaceId,
                                        std::function<void(const ValidateResult &)> done)>;

// chatd's workspaceDialValidationDelay: how long a dial runs before the binding is checked.
inline constexpr std::chrono::milliseconds ValidationDelay {5000};
// chatd's defaultDialTimeout, "matches the timeout used by ~8 other server-side AgentConn
// callers".
inline constexpr std::chrono::milliseconds DialTimeout {30000};

// chatd's errChatHasNoWorkspaceAgent, word for word: the model reads it and can start the
// workspace.
QString noAgentMessage();
// chatd's errChatDialTimeout (its newest wording), reported when DialTimeout passes.
QString dialTimeoutMessage();
// Go's context.Canceled, reported after LazyDial::cancel().
QString canceledMessage();

// LazyDial::Options. Outside the class: a nested struct with member initializers cannot be a
// default argument of its own class's constructor.
struct Options
{
    std::chrono::milliseconds validationDelay = ValidationDelay;
    std::chrono::milliseconds dialTimeout = DialTimeout;
};

} // namespace LazyDialer

// The outcome of one LazyDial.
struct DialResult
{
    bool ok = false;
    DialedAgent connection; // ok: the connection the caller now owns (and must release)
    bool switched = false; // the validated agent differs from the bound one
    bool noAgent = false; // failed because the workspace has no agent
    bool timedOut = false; // failed because the dial timeout passed
    // !ok: "dial with lazy validation: …"; noAgentMessage(), dialTimeoutMessage() and
    // canceledMessage() unwrapped.
    QString error;
};
Q_DECLARE_METATYPE(DialResult)

// One dial of a chat's bound workspace agent that consults the workspace only when the dial is
// slow or fails fast (chatd's dialWithLazyValidation), so a rebuilt workspace's new agent is
// found without a lookup on the happy path. Emits finished() exactly once.
//
// The bound agent is dialled at once. When that dial fails before the validation delay, or is
// still running when the delay passes, the workspace's current agent is looked up: a different
// agent is dialled instead (switched), no agent fails at once, and the same agent (or a failed
// lookup) keeps waiting for the dial, except that a fast failure retries the same agent once.
// The dial timeout ends everything. A dial left behind is cancelled, and should it succeed
// anyway its connection is released, exactly once; deleting the object early does the same
// and emits nothing.
class LazyDial : public QObject
{
    Q_OBJECT
public:
    using Options = LazyDialer::Options;

    // `clock` (not owned; null: the system clock) drives the validation delay and the timeout.
    LazyDial(QString agentId, QString workspaceId, LazyDialer::DialFunc dial,
             LazyDialer::ValidateFunc validate, Clock *clock, Options options = {},
             QObject *parent = nullptr);
    ~LazyDial() override;

    // Starts the dial; does nothing after the first call or after cancel(). finished() may be
    // emitted before start() returns, when the dial function answers at once.
    void start();
    // finished(!ok, canceledMessage()) unless already finished.
    void cancel();
    bool isFinished() const { return m_phase == Phase::Finished; }

Q_SIGNALS:
    // Emitted once; the receiver may delete this object from its slot.
    void finished(const DialResult &result);

private:
    struct Attempt;
    enum class Phase {
        Idle,
        Dialing, // the bound agent, before the validation delay
        Validating, // looking up the workspace's agent
        Waiting, // the lookup could not prove the binding stale: waiting for the first dial
        Redialing, // dialling the validated agent (or the same one again, after a fast failure)
        Finished,
    };

    void dialAttempt(std::shared_ptr<Attempt> attempt);
    void onAttemptDone(const std::shared_ptr<Attempt> &attempt,
                       std::optional<DialedAgent> connection, const QString &error);
    void onValidationDue();
    void validate();
    void onValidated(const ValidateResult &result);
    void redial(const QString &agentId, bool switched);
    // Ends the dial on the timeout or cancel(), preferring a successful first dial that was
    // already waiting for the lookup (Go's preferReadyOriginalDial).
    void stop(const QString &error, bool timedOut);
    void succeed(DialedAgent connection, bool switched);
    void fail(const QString &error, bool noAgent = false, bool timedOut = false);
    void finish(DialResult result);
    static void abandon(const std::shared_ptr<Attempt> &attempt);

    QString m_agentId;
    QString m_workspaceId;
    LazyDialer::DialFunc m_dial;
    LazyDialer::ValidateFunc m_validate;
    Clock *m_clock;
    Options m_options;
    Phase m_phase = Phase::Idle;
    bool m_fastFailure = false; // the lookup follows a failed first dial
    bool m_switched = false; // the redial targets another agent
    std::shared_ptr<Attempt> m_original;
    std::shared_ptr<Attempt> m_redial;
    std::unique_ptr<Clock::Timer> m_validationTimer;
    std::unique_ptr<Clock::Timer> m_timeoutTimer;
};

// The real dial: an authenticated GET <apiUrl>/api/v0/processes/list (header
// Coder-Session-Token) that must answer 200 with a JSON object; anything else fails with a
// readable message (the status, or the network error). A reply beyond MaxDialReplyBytes is
// aborted and fails. The connection is `endpoint` with a
// release that does nothing (the request leaves nothing open; `endpoint.release` is not used).
// The canceller aborts the request, which then fails with canceledMessage(). Uses `network`
// (not owned), which must outlive the request.
// The process list of an agent at its cap of 1000 processes fits with room to spare.
inline constexpr qint64 MaxDialReplyBytes = 4 * 1024 * 1024;
std::function<void()> httpDial(QNetworkAccessManager *network, const DialedAgent &endpoint,
                               LazyDialer::DialDone done);
