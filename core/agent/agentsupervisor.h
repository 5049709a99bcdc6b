#pragma once

#include "agent.h"

#include "prebuilds/reinitclient.h"

#include <QJsonObject>
#include <QObject>

#include <deque>
#include <memory>

class ApiClient;

// Runs an Agent for a workspace of a control plane, as upstream's `coder agent` loop does:
// reports the agent, waits for reinit events once per process (ReinitLoop), and on a claim by
// a new owner ends the agent as a shutdown would and starts a fresh one (new context manager:
// versions restart with Initial=true), which reports itself again. An event for the owner it
// reinitialized for last is ignored; a 409 ends waiting for good; an ended stream is never an
// event. What happened goes to the control plane's reinit log.
class AgentSupervisor : public QObject
{
    Q_OBJECT
public:
    // `options.controlPlane` and `options.controlPlaneToken` (the agent token) are required
    // for reinit; without them this just runs the agent.
    explicit AgentSupervisor(Agent::Options options, QObject *parent = nullptr);
    ~AgentSupervisor() override;

    [[nodiscard]] bool start(QString *error);
    // Ends the agent's processes; emits stopped() when done.
    void stop();

    Agent *agent() const { return m_agent.get(); }
    int generation() const { return m_generation; }
    QString lastOwnerId() const { return m_lastOwnerId; }
    bool isWaitingForReinit() const { return m_loop && !m_loop->isStopped(); }

Q_SIGNALS:
    void agentStarted(Agent *agent);
    void reinitializing(const ReinitEvent &event);
    void reinitialized(const ReinitEvent &event);
    void duplicateIgnored(const ReinitEvent &event);
    void reinitStopped(const QString &message);
    void reinitAttemptFailed(int status, const QString &error, std::chrono::milliseconds retry);
    void reported(const QJsonObject &workspace);
    void stopped();

private:
    bool startAgent(QString *error);
    void onEvent(const ReinitEvent &event);
    void report();
    void logOutcome(const QString &kind, const ReinitEvent &event, const QString &detail,
                    qint64 retryMs);
    void flushOutcomes();
    void releaseLoopIfAcknowledged();

    Agent::Options m_options;
    Clock *m_clock;
    std::unique_ptr<Agent> m_agent;
    ReinitLoop *m_loop = nullptr;
    ApiClient *m_api = nullptr;
    QString m_lastOwnerId;
    int m_generation = 0;
    bool m_stopping = false;
    bool m_restarting = false;
    std::optional<ReinitEvent> m_pending;
    std::unique_ptr<Clock::Timer> m_reportRetry;
    std::unique_ptr<Clock::Timer> m_outcomeRetry;
    std::deque<QJsonObject> m_outcomes; // not yet logged by the control plane (bounded)
    bool m_outcomeInFlight = false;
};
