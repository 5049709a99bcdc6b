#pragma once

#include "chatruntimeoptions.h"
#include "chatstate.h"
#include "chattask.h"

#include "common/clock.h"
#include "pubsub/pubsub.h"

#include <QHash>
#include <QList>
#include <QObject>

#include <memory>
#include <optional>

class ChatStore;
class RunnerManager;
class RunnerTask;

struct RunnerEvent
{
    // Details come from errors an agent may word: bounded, and so every event fits a NOTIFY.
    static constexpr int MaxDetailLength = 1000;
    qint64 at = 0;
    QString kind; // spawned, task_started, task_finished, task_retrying, cleanup, dial_switched,
                  // dial_failed, …
    QString detail;
};
Q_DECLARE_METATYPE(RunnerEvent)

// One runner of one chat (runner.go): follows the chat's state through chat:update hints and
// the manager's database syncs, and runs exactly one task per observed (history version,
// status). A replacement task for the same (history, status) waits for the previous one to
// return; a task that ends while its state is still current is re-read and respawned
// (completion recovery, backing off 100 ms to 400 ms).
class Runner : public QObject
{
    Q_OBJECT
public:
    static constexpr int EventLogSize = 200;

    struct Services
    {
        RunnerManager *manager = nullptr;
        ChatStore *store = nullptr;
        PubSub *pubsub = nullptr;
        TaskStarter *starter = nullptr;
        Clock *clock = nullptr;
        ChatRuntimeOptions options;
    };

    Runner(const Services &services, RunnerKey key, QString workerId, bool takenOver,
           QObject *parent = nullptr);
    ~Runner() override;

    const RunnerKey &key() const { return m_key; }
    QString workerId() const { return m_workerId; }
    bool isTakenOver() const { return m_takenOver; }

    // The once-guard: true the first time; after that false, logged as an error, with a
    // cleanup requested.
    bool beginRun();
    // beginRun(), then the bootstrap: subscribe first, then read the snapshot.
    void run();
    // Queues a hint unless the queue is full: then the newest (this one) is dropped and
    // counted. Never blocks; the queue drains on the event loop.
    bool enqueueHint(const ChatState &state);
    QList<ChatState> queuedHints() const { return m_queue; }
    int queueDepth() const { return int(m_queue.size()); }
    qint64 droppedHints() const { return m_droppedHints; }
    bool isBootstrapped() const { return m_bootstrapped; }

    // Cleanup: no more hints or tasks; emits stopped() once every task has returned.
    void stop();
    bool isStopping() const { return m_stopping; }

    std::optional<ChatState> lastState() const { return m_lastState; }
    RunnerTask *activeTask() const { return m_active; }
    QList<RunnerTask *> tasks() const { return m_tasks; }
    QList<RunnerEvent> events() const { return m_events; }
    void logEvent(const QString &kind, const QString &detail = {});

Q_SIGNALS:
    void stopped();
    void eventLogged(const RunnerEvent &event);
    void changed();

private:
    using LockKey = std::pair<qint64, ChatStatus>;

    void bootstrap();
    void refresh();
    void drain();
    void processState(const ChatState &state);
    void spawnForState(const ChatState &state);
    void taskFinished(RunnerTask *task, const TaskOutcome &outcome);
    void scheduleRecovery();
    void requestCleanup(const QString &why);

    Services m_services;
    RunnerKey m_key;
    QString m_workerId;
    bool m_takenOver;
    bool m_began = false;
    bool m_bootstrapped = false;
    bool m_stopping = false;
    bool m_stoppedEmitted = false;
    bool m_drainScheduled = false;
    PubSub::Subscription m_subscription;
    QList<ChatState> m_queue;
    qint64 m_droppedHints = 0;
    std::optional<ChatState> m_lastState;
    QList<RunnerTask *> m_tasks;
    RunnerTask *m_active = nullptr;
    QHash<LockKey, RunnerTask *> m_lockHolders;
    std::unique_ptr<Clock::Timer> m_recoveryTimer;
    std::chrono::milliseconds m_recoveryDelay {100};
    QList<RunnerEvent> m_events;
};

inline size_t qHash(const std::pair<qint64, ChatStatus> &key, size_t seed = 0)
{
    return qHashMulti(seed, key.first, int(key.second));
}
