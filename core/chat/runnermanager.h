#pragma once

#include "chatruntimeoptions.h"
#include "chatstate.h"
#include "runner.h"

#include "common/clock.h"

#include <QHash>
#include <QJsonObject>
#include <QObject>

#include <exception>
#include <memory>

class ChatStore;
class PubSub;
class TaskStarter;

// A cancellation travelling as an exception (a loop's work cut short by shutdown): never
// worth a log line, also when wrapped (std::throw_with_nested).
class OperationCanceled : public std::exception
{
public:
    const char *what() const noexcept override { return "context canceled"; }
};

// The runners of one worker (runner_manager.go), on the event loop: spawns one runner per
// (chat, runner id) and rejects duplicates, routes state hints without ever blocking, cleans
// runners up on request, and runs the database sync (15 s), heartbeat (9 s) and stale
// heartbeat cleanup (30 s) loops on the injectable clock. Shutdown cancels every runner and
// releases its lease's heartbeat, publishing chat:ownership so another worker takes over.
class RunnerManager : public QObject
{
    Q_OBJECT
public:
    struct SpawnRequest
    {
        QString chatId;
        QString workerId;
        QString runnerId;
        bool takenOver = false; // acquired from a stale lease
    };

    // What the API and the Runners view show of a runner.
    struct RunnerInfo
    {
        RunnerKey key;
        QString workerId;
        bool takenOver = false;
        bool cleaning = false;
        std::optional<ChatState> state;
        QString task; // the active task's kind, or empty
        qint64 taskRetryingSince = 0;
        qint64 heartbeatAgeMs = -1;
        int queueDepth = 0;
        qint64 droppedHints = 0;
        QJsonObject toJson() const;
    };

    RunnerManager(ChatStore *store, PubSub *pubsub, TaskStarter *starter, Clock *clock,
                  const ChatRuntimeOptions &options, QObject *parent = nullptr);
    ~RunnerManager() override;

    // Starts the loops.
    void start();
    // False, with `error`, once closed or for a key already running or in cleanup.
    bool spawn(const SpawnRequest &request, QString *error = nullptr);
    // Queues `state` for every runner of its chat; a full queue drops it (counted).
    void routeStateHint(const ChatState &state);
    // Cleans the runner up on the next turn of the event loop; unknown keys are ignored.
    void requestCleanup(const RunnerKey &key);
    // Closes the manager: no more spawns; every runner cancelled; leases' heartbeats deleted
    // and chat:ownership published, within the shutdown timeout. shutdownFinished() follows.
    void shutdown();

    bool isClosed() const { return m_closed; }
    // No runner, none in cleanup.
    bool isIdle() const { return m_runners.isEmpty() && m_cleaning.isEmpty(); }
    bool isCleaning(const RunnerKey &key) const { return m_cleaning.contains(key); }
    Runner *runner(const RunnerKey &key) const { return m_runners.value(key); }
    QList<RunnerKey> keys() const { return m_runners.keys(); }
    QList<RunnerInfo> runnerInfos() const;
    std::optional<RunnerInfo> runnerInfo(const RunnerKey &key) const;
    const ChatRuntimeOptions &options() const { return m_options; }

    // shouldLogRunnerManagerLoopError: nothing to log for no error, during shutdown, or for a
    // cancellation however deeply wrapped; anything else (a deadline joined with a real error
    // included) is logged.
    static bool shouldLogLoopError(bool stopping, const std::exception *error);

    // One pass of each loop (the timers call these).
    void syncOnce();
    void heartbeatOnce();
    void heartbeatCleanupOnce();

Q_SIGNALS:
    void runnerSpawned(const RunnerKey &key);
    void runnerRemoved(const RunnerKey &key);
    void runnerEvent(const RunnerKey &key, const RunnerEvent &event);
    // A runner's state, queue or task changed (batched by the listeners).
    void runnersChanged();
    void cleanupRequested(const RunnerKey &key);
    void idle();
    void shutdownFinished();

private:
    void handleCleanupRequest(const RunnerKey &key);
    void handleCleanupDone(const RunnerKey &key);
    void releaseOwnershipHints(const QList<RunnerKey> &keys);
    void finishShutdown();
    void logLoopError(const char *what, const std::exception *error) const;
    void scheduleLoop(std::unique_ptr<Clock::Timer> *timer, std::chrono::milliseconds interval,
                      void (RunnerManager::*pass)());

    ChatStore *m_store;
    PubSub *m_pubsub;
    TaskStarter *m_starter;
    Clock *m_clock;
    ChatRuntimeOptions m_options;
    QHash<RunnerKey, Runner *> m_runners;
    QHash<QString, QList<RunnerKey>> m_runnersByChat;
    QHash<RunnerKey, Runner *> m_cleaning;
    QHash<RunnerKey, qint64> m_heartbeatAt;
    std::unique_ptr<Clock::Timer> m_syncTimer;
    std::unique_ptr<Clock::Timer> m_heartbeatTimer;
    std::unique_ptr<Clock::Timer> m_cleanupTimer;
    std::unique_ptr<Clock::Timer> m_shutdownTimer;
    bool m_syncBusy = false;
    int m_heartbeatBusy = 0; // renewals in flight
    bool m_cleanupBusy = false;
    bool m_closed = false;
    bool m_shutdownFinished = false;
};
