#pragma once

#include "chat/chatruntimeoptions.h"
#include "chat/chatstate.h"
#include "chat/runner.h"
#include "chat/runnermanager.h"
#include "common/clock.h"
#include "pubsub/pubsub.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QObject>

#include <memory>

class ApiRequest;
class ApiServer;
class ChatStore;
class ChatTasks;
class ChatWorker;
class Database;
class HttpResponder;
class ModelProvider;

// The control plane's chat runtime, as served: the chat store, the tasks and one ChatWorker,
// the /api/v2/chats and /api/v2/chat-runners routes, and the chat and runner messages of the
// events channel. Every replica publishes its own runners (on change, batched, and again every
// heartbeat) and keeps the other replicas' last word on theirs, so that each one lists them
// all; an entry not republished within three heartbeats is dropped (its replica is gone).
class ChatService : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        QString workerId; // empty: a new one
        ChatRuntimeOptions runtime;
    };

    // The publish batch of runner changes: a flood of hints moves a runner many times a frame.
    static constexpr std::chrono::milliseconds PublishDelay {200};
    // A pubsub message must stay under PostgreSQL's NOTIFY limit (8000 bytes, less headroom).
    static constexpr int MaxDetailLength = RunnerEvent::MaxDetailLength;
    // How long shutdown waits for its last message to reach the pubsub.
    static constexpr std::chrono::milliseconds StopPublishTimeout {1000};

    ChatService(Database &database, PubSub *pubsub, Clock *clock, Options options,
                QObject *parent = nullptr);
    ~ChatService() override;

    void addRoutes(ApiServer *server);
    // Starts the worker (the database is open and the pubsub listens).
    bool start(QString *error = nullptr);
    // Releases every lease so another replica takes over at once; shutdownFinished() follows
    // (also when never started).
    void shutdown();

    QString workerId() const;
    ChatStore *store() const { return m_store; }
    ChatTasks *tasks() const { return m_tasks; }
    ChatWorker *worker() const { return m_worker; }
    void setModelProvider(ModelProvider *provider);

    // Every replica's runners, this one's first (RunnerManager::RunnerInfo::toJson, and
    // "events" when asked).
    QJsonArray runners(const QString &chatId = {}, bool withEvents = false) const;
    // A message of the events channel, as the control plane decoded it: the other replicas'
    // runners. (A lost message needs nothing: they republish every heartbeat.)
    void handleEvent(const QJsonObject &event);

Q_SIGNALS:
    void shutdownFinished();

private:
    struct Remote
    {
        QJsonObject info;
        QJsonArray events;
        qint64 receivedAt = 0;
    };

    void schedulePublish();
    void publishRunners(bool all);
    void publishRunner(const RunnerManager::RunnerInfo &runner, bool always);
    void scheduleRepublish();
    void publish(const QJsonObject &event, std::function<void()> done = {});
    void expireRemotes();

    // Route handlers.
    void createChat(const ApiRequest &request, HttpResponder &responder);
    void chatAction(const ApiRequest &request, HttpResponder &responder, bool archive);
    void runnersRoute(const ApiRequest &request, HttpResponder &responder) const;

    PubSub *m_pubsub;
    Clock *m_clock;
    Options m_options;
    ChatStore *m_store;
    ChatTasks *m_tasks;
    ChatWorker *m_worker;
    std::unique_ptr<Clock::Timer> m_publishTimer;
    std::unique_ptr<Clock::Timer> m_republishTimer;
    std::unique_ptr<Clock::Timer> m_stopTimer;
    QHash<RunnerKey, QJsonObject> m_published; // what the others last heard of ours
    QHash<RunnerKey, Remote> m_remotes;
    bool m_started = false;
    bool m_stopping = false;
};
