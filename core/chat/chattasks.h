#pragma once

#include "chatstore.h"
#include "chattask.h"
#include "lazydialer.h"

#include <QObject>
#include <QPointer>

class Clock;
class ModelProvider;
class QNetworkAccessManager;

// The tasks' side effects (tasks.go), each fenced on the runner's lease and the (history,
// status) it was started for, so a stale task changes nothing:
// - generation first dials the chat's agent through LazyDial (a rebuilt workspace's new agent
//   is found and bound; no agent ends the chat in error with upstream's text; any other
//   failure retries), then asks the ModelProvider for the next message (none configured: the
//   chat ends in error, "no model provider configured");
// - interrupt ends the turn: waiting;
// - requires_action_timeout cancels the pending action at its deadline, at once without one;
// - abandon releases the lease.
// A fence that fails is an expected exit; a database failure is retryable.
class ChatTasks : public QObject, public TaskStarter
{
    Q_OBJECT
public:
    static inline const QString NoProviderMessage = QStringLiteral("no model provider configured");
    // Upstream's texts for a requires_action that ends without an answer.
    static inline const QString DeadlineMissingMessage =
            QStringLiteral("Tool execution canceled because the action deadline was missing");
    static inline const QString TimedOutMessage = QStringLiteral("Tool execution timed out");

    ChatTasks(ChatStore *store, Clock *clock, QObject *parent = nullptr);

    void setModelProvider(ModelProvider *provider) { m_provider = provider; }
    ModelProvider *modelProvider() const { return m_provider; }
    // How an agent is dialled: by default httpDial to the API URL and token the agent
    // reported. Tests put their own in.
    void setDial(LazyDialer::DialFunc dial) { m_dial = std::move(dial); }
    void setDialOptions(const LazyDialer::Options &options) { m_dialOptions = options; }

    std::function<void()> start(const TaskInput &input, Done done) override;

private:
    struct Run;
    void generation(const std::shared_ptr<Run> &run);
    void dialed(const std::shared_ptr<Run> &run, const ChatRecord &chat, const DialResult &result);
    void generate(const std::shared_ptr<Run> &run, const ChatRecord &chat);
    std::function<void()> httpDialAgent(const QString &agentId, LazyDialer::DialDone done);
    void interrupt(const std::shared_ptr<Run> &run);
    void requiresActionTimeout(const std::shared_ptr<Run> &run);
    void abandon(const std::shared_ptr<Run> &run);
    void finish(const std::shared_ptr<Run> &run, ChatStatus next, const QString &lastError,
                const QString &note = {}, const QString &noteRole = QStringLiteral("tool"));

    ChatStore *m_store;
    Clock *m_clock;
    ModelProvider *m_provider = nullptr;
    QNetworkAccessManager *m_network;
    LazyDialer::DialFunc m_dial;
    LazyDialer::Options m_dialOptions;
};
