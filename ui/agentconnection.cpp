#include "agentconnection.h"

#include "context/contextclient.h"
#include "http/apicall.h"
#include "process/processclient.h"

#include <algorithm>

using namespace std::chrono_literals;

AgentConnection::AgentConnection(Options options, ProcessClient *processes, ContextClient *context,
                                 QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_clock(m_options.clock ? m_options.clock : Clock::system())
{
    if (!processes) {
        m_ownedProcesses = std::make_unique<ProcessClient>(m_options.url, m_options.token);
        processes = m_ownedProcesses.get();
    }
    if (!context) {
        m_ownedContext = std::make_unique<ContextClient>(processes->api());
        context = m_ownedContext.get();
    }
    m_processes = processes;
    m_context = context;
}

AgentConnection::~AgentConnection()
{
    // The context client uses the process client's API: it goes first.
    m_ownedContext.reset();
    m_ownedProcesses.reset();
}

int AgentConnection::secondsToRetry() const
{
    if (m_state == State::Connected || m_state == State::Connecting || m_retryAtMSecs == 0) {
        return 0;
    }
    return int(std::max<qint64>(0, (m_retryAtMSecs - m_clock->nowMSecs() + 999) / 1000));
}

QString AgentConnection::stateText() const
{
    switch (m_state) {
    case State::Connecting:
        return tr("Connecting…");
    case State::Connected:
        return tr("Connected");
    case State::Reconnecting:
        return tr("Reconnecting in %1 s").arg(secondsToRetry());
    case State::AuthFailed:
        return tr("Token refused");
    case State::Unreachable:
        return tr("Unreachable, retrying in %1 s").arg(secondsToRetry());
    }
    return {};
}

void AgentConnection::check()
{
    if (m_inFlight) {
        return;
    }
    m_next.reset();
    m_tick.reset();
    m_inFlight = true;
    const quint64 probe = ++m_probe;
    ApiCall *call = m_processes->listProcesses();
    connect(call, &ApiCall::finished, this, [this, probe] {
        if (probe != m_probe || !m_inFlight) {
            return;
        }
        m_inFlight = false;
        m_timeout.reset();
        m_failures = 0;
        setState(State::Connected, QString());
        schedule(HealthyInterval);
    });
    connect(call, &ApiCall::failed, this, [this, probe](const ApiError &failure) {
        if (probe != m_probe || !m_inFlight) {
            return;
        }
        failed(failure.status,
               failure.status > 0 ? tr("HTTP %1: %2").arg(failure.status).arg(failure.toString())
                                  : failure.toString());
    });
    // A host that drops packets never answers: that is a failure too, not "still connected".
    m_timeout = m_clock->callAfter(ProbeTimeout, this, [this, probe] {
        if (probe == m_probe && m_inFlight) {
            failed(0, tr("no answer within %1 s").arg(ProbeTimeout.count() / 1000));
        }
    });
}

void AgentConnection::setToken(const QByteArray &token)
{
    m_options.token = token;
    m_processes->api()->setToken(token);
    m_inFlight = false; // a probe with the old token does not count
    check();
}

void AgentConnection::failed(int status, const QString &error)
{
    m_inFlight = false;
    m_timeout.reset();
    ++m_failures;
    const auto backoff = std::min<std::chrono::milliseconds>(
            MaxBackoff, std::chrono::milliseconds(1000LL << std::min(m_failures - 1, 5)));
    if (status == 401 || status == 403) {
        // A new token is needed; asking often would not help.
        setState(State::AuthFailed, error);
        schedule(MaxBackoff);
        return;
    }
    // Once it had answered, a few failures are a reconnect; otherwise it is unreachable.
    const bool wasUp = m_state == State::Connected || m_state == State::Reconnecting;
    setState(wasUp && m_failures <= 3 ? State::Reconnecting : State::Unreachable, error);
    schedule(backoff);
}

void AgentConnection::setState(State state, const QString &error)
{
    const bool changed = state != m_state || error != m_lastError;
    m_state = state;
    m_lastError = error;
    if (changed) {
        Q_EMIT stateChanged();
    }
}

void AgentConnection::schedule(std::chrono::milliseconds delay)
{
    m_retryAtMSecs = m_clock->nowMSecs() + delay.count();
    m_next = m_clock->callAfter(delay, this, [this] { check(); });
    if (m_state != State::Connected) {
        Q_EMIT stateChanged(); // the countdown starts
        m_tick = m_clock->callAfter(1s, this, [this] { tick(); });
    }
}

void AgentConnection::tick()
{
    Q_EMIT stateChanged();
    if (secondsToRetry() > 0) {
        m_tick = m_clock->callAfter(1s, this, [this] { tick(); });
    }
}
