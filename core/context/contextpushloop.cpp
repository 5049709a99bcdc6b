#include "contextpushloop.h"

#include "contextmanager.h"

#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcContext)

ContextPushLoop::ContextPushLoop(ContextManager *manager, ContextPusher *pusher, Options options,
                                 QObject *parent)
    : QObject(parent)
    , m_manager(manager)
    , m_pusher(pusher)
    , m_options(options)
    , m_clock(options.clock ? options.clock : Clock::system())
    , m_backoff(options.initialBackoff)
{
    m_status.state = State::Idle;
}

ContextPushLoop::~ContextPushLoop()
{
    if (m_pusher) {
        m_pusher->cancel();
    }
}

// Errors and stop reasons are API data (GET /api/v0/context/push), in English like upstream's.
void ContextPushLoop::start()
{
    if (m_started) {
        return;
    }
    m_started = true;
    if (!m_pusher) {
        stop(QStringLiteral("No pusher is configured."));
        return;
    }
    connect(m_manager, &ContextManager::snapshotChanged, this, &ContextPushLoop::onSnapshotChanged);
    connect(m_manager, &ContextManager::closed, this,
            [this] { stop(QStringLiteral("The context manager closed.")); });
    if (m_manager->isClosed()) {
        stop(QStringLiteral("The context manager closed."));
        return;
    }
    // The version-0 placeholder is never pushed: wait for the first resolve.
    if (m_manager->snapshot().version > 0) {
        pushLatest();
    }
}

void ContextPushLoop::onSnapshotChanged()
{
    switch (m_status.state) {
    case State::Idle:
        pushLatest();
        break;
    case State::Pushing:
    case State::BackingOff:
        m_pending = true; // pushed after the current request succeeds
        break;
    case State::Stopped:
    case State::Disabled:
        break;
    }
}

void ContextPushLoop::pushLatest()
{
    m_pending = false;
    m_request = ContextPushRequest {m_manager->snapshot(), m_initial};
    m_status.attempts = 0;
    m_backoff = m_options.initialBackoff;
    send();
}

void ContextPushLoop::send()
{
    ++m_status.attempts;
    m_status.nextRetryAtMSecs = 0;
    setState(State::Pushing);
    Q_EMIT pushAttempted(m_request.snapshot.version, m_request.initial, m_status.attempts);
    m_pusher->push(m_request, [this](const ContextPushResult &result) { onResult(result); });
}

void ContextPushLoop::onResult(const ContextPushResult &result)
{
    if (m_status.state == State::Stopped) {
        return;
    }
    switch (result.outcome) {
    case ContextPushResult::Outcome::Accepted:
    case ContextPushResult::Outcome::Rejected:
        if (result.outcome == ContextPushResult::Outcome::Rejected) {
            qCDebug(lcContext) << "Push rejected, awaiting next change";
        }
        m_initial = false;
        m_status.lastPushedVersion = m_request.snapshot.version;
        m_status.lastAccepted = result.outcome == ContextPushResult::Outcome::Accepted;
        m_status.lastError.clear();
        m_status.attempts = 0;
        if (m_pending || m_manager->snapshot().version > m_status.lastPushedVersion) {
            pushLatest();
        } else {
            setState(State::Idle);
        }
        return;
    case ContextPushResult::Outcome::Unimplemented:
        qCWarning(lcContext).noquote()
                << "Context push unimplemented by the peer; stopping:" << result.error;
        m_status.lastError = result.error;
        stop(QStringLiteral("The control plane does not implement context pushes."));
        return;
    case ContextPushResult::Outcome::Failed:
        break;
    }
    m_status.lastError = result.error;
    const std::chrono::milliseconds delay = m_backoff;
    m_backoff = std::min(m_backoff * 2, m_options.maxBackoff);
    m_status.nextRetryAtMSecs = m_clock->nowMSecs() + delay.count();
    qCDebug(lcContext) << "Push failed:" << result.error << "- retrying in" << delay.count()
                       << "ms";
    // The same request again: a change meanwhile is pushed after the retry succeeds.
    m_retryTimer = m_clock->callAfter(delay, this, [this] {
        m_retryTimer.reset();
        send();
    });
    setState(State::BackingOff);
}

void ContextPushLoop::retryNow()
{
    if (m_status.state != State::BackingOff) {
        return;
    }
    m_retryTimer.reset();
    send();
}

void ContextPushLoop::stop(const QString &reason)
{
    if (m_status.state == State::Stopped) {
        return;
    }
    m_retryTimer.reset();
    if (m_pusher) {
        m_pusher->cancel();
    }
    m_status.stopReason = reason;
    m_status.nextRetryAtMSecs = 0;
    setState(State::Stopped);
}

void ContextPushLoop::setState(State state)
{
    m_status.state = state;
    Q_EMIT statusChanged(m_status);
}
