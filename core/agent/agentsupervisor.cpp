#include "agentsupervisor.h"

#include "http/apiclient.h"
#include "http/apiserver.h"

#include <QDateTime>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcSupervisor, "companion.agent")

namespace {
constexpr qsizetype MaxQueuedOutcomes = 100;
constexpr std::chrono::milliseconds RetryInterval {2'000};
} // namespace

AgentSupervisor::AgentSupervisor(Agent::Options options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_clock(m_options.clock ? m_options.clock : Clock::system())
{
    if (m_options.controlPlane.isValid() && !m_options.controlPlaneToken.isEmpty()) {
        m_api = new ApiClient(m_options.controlPlane, m_options.controlPlaneToken, this);
        m_loop = new ReinitLoop(m_options.controlPlane, m_options.controlPlaneToken,
                                m_options.clock, this);
        connect(m_loop, &ReinitLoop::eventReceived, this, &AgentSupervisor::onEvent);
        connect(m_loop, &ReinitLoop::stoppedForGood, this,
                [this](const QString &message) { Q_EMIT reinitStopped(message); });
        connect(m_loop, &ReinitLoop::attemptFailed, this,
                [this](int status, const QString &error, std::chrono::milliseconds retry) {
                    // Only transport failures: the server logs what it refused itself.
                    if (status == 0) {
                        logOutcome(QStringLiteral("transport_error"), {}, error, retry.count());
                    }
                    Q_EMIT reinitAttemptFailed(status, error, retry);
                });
    }
}

AgentSupervisor::~AgentSupervisor() = default;

bool AgentSupervisor::start(QString *error)
{
    if (!startAgent(error)) {
        return false;
    }
    if (m_loop) {
        m_loop->start(); // once per process, across reinitializations (cli/agent.go)
    }
    return true;
}

bool AgentSupervisor::startAgent(QString *error)
{
    m_agent = std::make_unique<Agent>(m_options);
    connect(m_agent.get(), &Agent::stopped, this, [this] {
        if (m_restarting) {
            m_restarting = false;
            // Later, not inside the old agent's own signal.
            QMetaObject::invokeMethod(
                    this,
                    [this] {
                        const ReinitEvent event = *std::exchange(m_pending, std::nullopt);
                        QString error;
                        if (!startAgent(&error)) {
                            qCCritical(lcSupervisor).noquote()
                                    << "The agent did not restart:" << error;
                            if (m_loop) {
                                m_loop->stop();
                            }
                            Q_EMIT stopped();
                            return;
                        }
                        logOutcome(QStringLiteral("reinitialized"), event, {}, 0);
                        Q_EMIT reinitialized(event);
                    },
                    Qt::QueuedConnection);
            return;
        }
        Q_EMIT stopped();
    });
    if (!m_agent->start(error)) {
        m_agent.reset();
        return false;
    }
    ++m_generation;
    Q_EMIT agentStarted(m_agent.get());
    report();
    return true;
}

void AgentSupervisor::stop()
{
    m_stopping = true;
    if (m_loop) {
        m_loop->stop();
    }
    m_reportRetry.reset();
    if (m_agent && !m_restarting) {
        m_agent->stop();
    } else if (!m_agent) {
        Q_EMIT stopped();
    }
}

void AgentSupervisor::onEvent(const ReinitEvent &event)
{
    qCInfo(lcSupervisor).noquote() << "agent received instruction to reinitialize"
                                   << "workspace_id" << event.workspaceId << "reason"
                                   << event.reason << "owner_id" << event.ownerId;
    // Upstream dedupes within one process by owner: the durable check may seed the same
    // claim again on a reconnect.
    if (!event.ownerId.isEmpty() && event.ownerId == m_lastOwnerId) {
        qCInfo(lcSupervisor) << "ignoring a reinit event for the current owner";
        logOutcome(QStringLiteral("ignored_duplicate"), event,
                   QStringLiteral("already reinitialized for this owner"), 0);
        Q_EMIT duplicateIgnored(event);
        return;
    }
    if (m_stopping || m_restarting || !m_agent) {
        return;
    }
    m_lastOwnerId = event.ownerId;
    qCInfo(lcSupervisor) << "agent reinitializing";
    // The next wait goes out once the control plane has heard that this claim was acted on.
    m_loop->hold();
    m_restarting = true;
    m_pending = event;
    Q_EMIT reinitializing(event);
    m_agent->stop(); // as a shutdown: TERM, grace, KILL
}

void AgentSupervisor::report()
{
    if (!m_api || !m_agent) {
        return;
    }
    m_reportRetry.reset();
    ApiCall *call = m_api->post(
            QStringLiteral("/api/v2/workspaceagents/me/report"),
            QJsonObject {{QStringLiteral("api_url"), m_agent->url().toString()},
                         {QStringLiteral("api_token"), QString::fromLatin1(m_agent->token())}});
    connect(call, &ApiCall::finished, this, [this](const QJsonValue &body) {
        Q_EMIT reported(body.toObject());
        flushOutcomes();
    });
    connect(call, &ApiCall::failed, this, [this](const ApiError &error) {
        if (error.status == 401 || error.status == 403) {
            qCWarning(lcSupervisor).noquote()
                    << "The control plane refused the agent token:" << error.message;
        }
        if (!m_stopping) {
            m_reportRetry = m_clock->callAfter(RetryInterval, this, [this] { report(); });
        }
    });
}

void AgentSupervisor::logOutcome(const QString &kind, const ReinitEvent &event,
                                 const QString &detail, qint64 retryMs)
{
    if (!m_api) {
        return;
    }
    QJsonObject outcome {{QStringLiteral("kind"), kind},
                         {QStringLiteral("at"), QDateTime::currentMSecsSinceEpoch()},
                         {QStringLiteral("reason"), event.reason},
                         {QStringLiteral("new_owner_id"), event.ownerId},
                         {QStringLiteral("detail"), detail},
                         {QStringLiteral("retry_ms"), retryMs}};
    // A run of transport errors while the server is down is one entry, the latest.
    if (kind == QLatin1String("transport_error") && !m_outcomes.empty() &&
        m_outcomes.back().value(QStringLiteral("kind")).toString() == kind) {
        m_outcomes.back() = outcome;
    } else {
        m_outcomes.push_back(outcome);
        if (qsizetype(m_outcomes.size()) > MaxQueuedOutcomes) {
            m_outcomes.pop_front();
        }
    }
    flushOutcomes();
}

void AgentSupervisor::releaseLoopIfAcknowledged()
{
    if (!m_loop || m_restarting) {
        return;
    }
    for (const QJsonObject &outcome : m_outcomes) {
        if (outcome.value(QStringLiteral("kind")).toString() == QLatin1String("reinitialized")) {
            return;
        }
    }
    m_loop->release();
}

void AgentSupervisor::flushOutcomes()
{
    if (m_outcomeInFlight || m_outcomes.empty() || !m_api) {
        return;
    }
    m_outcomeInFlight = true;
    ApiCall *call = m_api->post(QStringLiteral("/api/v2/workspaceagents/me/reinit-events"),
                                m_outcomes.front());
    connect(call, &ApiCall::finished, this, [this] {
        m_outcomeInFlight = false;
        if (!m_outcomes.empty()) {
            m_outcomes.pop_front();
        }
        releaseLoopIfAcknowledged();
        flushOutcomes();
    });
    connect(call, &ApiCall::failed, this, [this](const ApiError &error) {
        m_outcomeInFlight = false;
        // Unreachable: waiting again (with backoff) is how the agent learns it is back.
        if (m_loop) {
            m_loop->release();
        }
        if (error.status >= 400 && error.status < 500 && error.status != 408 &&
            error.status != 429) {
            m_outcomes.pop_front(); // refused for good: do not resend it forever
        }
        if (!m_outcomeRetry && !m_stopping) {
            m_outcomeRetry = m_clock->callAfter(RetryInterval, this, [this] {
                m_outcomeRetry.reset();
                flushOutcomes();
            });
        }
    });
}
