#pragma once

#include "chatrecord.h"
#include "chatruntimeoptions.h"

#include "common/clock.h"
#include "pubsub/pubsub.h"

#include <QObject>
#include <QSet>

#include <memory>

class ChatStore;
class RunnerManager;
class TaskStarter;

// One control plane's chat worker (chatworker): acquires runnable chats at start, every
// acquisition interval and on each chat:ownership hint, in batches, taking a lease only where
// none is held or its heartbeat is stale, and spawns their runners in its RunnerManager. It
// also archives chats inactive since UTC midnight minus N days, at start and hourly.
class ChatWorker : public QObject
{
    Q_OBJECT
public:
    ChatWorker(ChatStore *store, PubSub *pubsub, TaskStarter *starter, Clock *clock,
               const ChatRuntimeOptions &options, QString workerId, QObject *parent = nullptr);
    ~ChatWorker() override;

    // False, with `error`, without a worker id ("chatworker: worker ID is required").
    bool start(QString *error = nullptr);
    // Closes the manager (see RunnerManager::shutdown); shutdownFinished() follows.
    void shutdown();

    QString workerId() const { return m_workerId; }
    RunnerManager *manager() const { return m_manager; }
    const ChatRuntimeOptions &options() const { return m_options; }
    bool isAcquiring() const { return m_acquiring; }

    // Runs an acquisition pass now (one at a time: a wake during a pass runs another after).
    void wake();
    void archiveOnce();

    // The auto-archive cutoff: the start of `now`'s UTC day, minus `days` whole days.
    static qint64 autoArchiveCutoff(qint64 nowMSecs, int days);

Q_SIGNALS:
    void acquired(const ChatRecord &chat, const QString &runnerId);
    void acquisitionPassFinished(int acquired);
    void archived(const QList<ChatRecord> &chats);
    void shutdownFinished();

private:
    void acquireOnce();
    void nextPage();
    void acquireNext();
    void passDone();
    void scheduleAcquisition();
    void scheduleArchive();

    ChatStore *m_store;
    PubSub *m_pubsub;
    Clock *m_clock;
    ChatRuntimeOptions m_options;
    QString m_workerId;
    RunnerManager *m_manager;
    PubSub::Subscription m_ownership;
    std::unique_ptr<Clock::Timer> m_acquisitionTimer;
    std::unique_ptr<Clock::Timer> m_archiveTimer;
    bool m_started = false;
    bool m_stopping = false;
    bool m_acquiring = false;
    bool m_wakeAgain = false;
    bool m_archiving = false;
    QSet<QString> m_seen; // this pass's candidates
    QList<ChatRecord> m_page;
    qsizetype m_pageIndex = 0;
    int m_pageSize = 0;
    int m_acquiredInPass = 0;
};
