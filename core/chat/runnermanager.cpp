#include "runnermanager.h"

#include "chatstore.h"
#include "runnertask.h"

#include "pubsub/pubsub.h"
#include "store/database.h"

#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcChat)

namespace {

bool isCanceled(const std::exception &error)
{
    if (dynamic_cast<const OperationCanceled *>(&error)) {
        return true;
    }
    try {
        std::rethrow_if_nested(error);
    } catch (const std::exception &inner) {
        return isCanceled(inner);
    } catch (...) {
    }
    return false;
}

QJsonValue orNull(const QString &text)
{
    return text.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(text);
}

} // namespace

QJsonObject RunnerManager::RunnerInfo::toJson() const
{
    return {
            {QStringLiteral("chat_id"), key.chatId},
            {QStringLiteral("worker_id"), workerId},
            {QStringLiteral("runner_id"), key.runnerId},
            {QStringLiteral("status"),
             state ? QJsonValue(chatStatusName(state->status)) : QJsonValue(QJsonValue::Null)},
            {QStringLiteral("archived"), state && state->archived},
            {QStringLiteral("task"), orNull(task)},
            {QStringLiteral("task_retrying_since"),
             taskRetryingSince ? QJsonValue(taskRetryingSince) : QJsonValue(QJsonValue::Null)},
            {QStringLiteral("snapshot_version"), state ? state->snapshotVersion : 0},
            {QStringLiteral("history_version"), state ? state->historyVersion : 0},
            {QStringLiteral("heartbeat_age_ms"), heartbeatAgeMs},
            {QStringLiteral("queue_depth"), queueDepth},
            {QStringLiteral("dropped_hints"), droppedHints},
            {QStringLiteral("taken_over"), takenOver},
            {QStringLiteral("cleaning"), cleaning},
    };
}

RunnerManager::RunnerManager(ChatStore *store, PubSub *pubsub, TaskStarter *starter, Clock *clock,
                             const ChatRuntimeOptions &options, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_pubsub(pubsub)
    , m_starter(starter)
    , m_clock(clock ? clock : Clock::system())
    , m_options(options)
{ }

RunnerManager::~RunnerManager()
{
    m_closed = true;
    // Runners are children: their tasks cancel their attempts as they go.
}

void RunnerManager::start()
{
    scheduleLoop(&m_syncTimer, m_options.syncInterval, &RunnerManager::syncOnce);
    scheduleLoop(&m_heartbeatTimer, m_options.heartbeatInterval, &RunnerManager::heartbeatOnce);
    scheduleLoop(&m_cleanupTimer, m_options.heartbeatCleanupInterval,
                 &RunnerManager::heartbeatCleanupOnce);
}

void RunnerManager::scheduleLoop(std::unique_ptr<Clock::Timer> *timer,
                                 std::chrono::milliseconds interval, void (RunnerManager::*pass)())
{
    if (m_closed) {
        return;
    }
    *timer = m_clock->callAfter(interval, this, [this, timer, interval, pass] {
        scheduleLoop(timer, interval, pass); // a ticker: the next tick does not wait for this one
        (this->*pass)();
    });
}

bool RunnerManager::spawn(const SpawnRequest &request, QString *error)
{
    const auto refuse = [&](const QString &why) {
        if (error) {
            *error = why;
        }
        return false;
    };
    if (m_closed) {
        return refuse(QStringLiteral("chatworker: runner manager closed"));
    }
    const RunnerKey key {request.chatId, request.runnerId};
    if (m_runners.contains(key)) {
        qCCritical(lcChat) << "invalid spawn request: chat runner already spawned" << key.chatId
                           << key.runnerId;
        return refuse(QStringLiteral("invalid spawn request: chat runner already spawned"));
    }
    if (m_cleaning.contains(key)) {
        qCCritical(lcChat) << "invalid spawn request: chat runner already spawned and in cleanup"
                           << key.chatId << key.runnerId;
        return refuse(QStringLiteral(
                "invalid spawn request: chat runner already spawned and in cleanup"));
    }
    Runner::Services services {this, m_store, m_pubsub, m_starter, m_clock, m_options};
    auto *runner = new Runner(services, key, request.workerId, request.takenOver, this);
    m_runners.insert(key, runner);
    m_runnersByChat[key.chatId].append(key);
    m_heartbeatAt.insert(key, m_clock->nowMSecs()); // the acquisition wrote the first one
    connect(runner, &Runner::eventLogged, this,
            [this, key](const RunnerEvent &event) { Q_EMIT runnerEvent(key, event); });
    connect(runner, &Runner::changed, this, &RunnerManager::runnersChanged);
    connect(runner, &Runner::stopped, this, [this, key] { handleCleanupDone(key); });
    Q_EMIT runnerSpawned(key);
    runner->run();
    Q_EMIT runnersChanged();
    return true;
}

void RunnerManager::routeStateHint(const ChatState &state)
{
    if (m_closed) {
        return;
    }
    const auto it = m_runnersByChat.constFind(state.chatId);
    if (it == m_runnersByChat.constEnd()) {
        return;
    }
    for (const RunnerKey &key : *it) {
        if (Runner *runner = m_runners.value(key)) {
            runner->enqueueHint(state); // full: this hint is dropped, the queued ones kept
        }
    }
}

void RunnerManager::requestCleanup(const RunnerKey &key)
{
    Q_EMIT cleanupRequested(key);
    // Never inside the caller's stack: a runner asks from within its own processing.
    QMetaObject::invokeMethod(
            this, [this, key] { handleCleanupRequest(key); }, Qt::QueuedConnection);
}

void RunnerManager::handleCleanupRequest(const RunnerKey &key)
{
    Runner *runner = m_runners.take(key);
    if (!runner) {
        return; // already cleaned up, or never ours: idempotent
    }
    QList<RunnerKey> &ofChat = m_runnersByChat[key.chatId];
    ofChat.removeOne(key);
    if (ofChat.isEmpty()) {
        m_runnersByChat.remove(key.chatId);
    }
    m_heartbeatAt.remove(key);
    m_cleaning.insert(key, runner);
    runner->stop();
    Q_EMIT runnersChanged();
}

void RunnerManager::handleCleanupDone(const RunnerKey &key)
{
    // During shutdown too: dropping the record needs nothing the shutdown holds.
    Runner *runner = m_cleaning.take(key);
    if (!runner) {
        return;
    }
    runner->deleteLater();
    Q_EMIT runnerRemoved(key);
    Q_EMIT runnersChanged();
    if (isIdle()) {
        Q_EMIT idle();
    }
}

void RunnerManager::shutdown()
{
    if (m_closed) {
        return;
    }
    m_closed = true;
    m_syncTimer.reset();
    m_heartbeatTimer.reset();
    m_cleanupTimer.reset();
    QList<RunnerKey> keys = m_runners.keys();
    keys += m_cleaning.keys();
    for (auto it = m_runners.cbegin(); it != m_runners.cend(); ++it) {
        m_cleaning.insert(it.key(), it.value());
    }
    m_runners.clear();
    m_runnersByChat.clear();
    m_heartbeatAt.clear();
    const QList<Runner *> cleaning = m_cleaning.values();
    for (Runner *runner : cleaning) {
        runner->stop();
    }
    releaseOwnershipHints(keys);
    Q_EMIT runnersChanged();
}

void RunnerManager::releaseOwnershipHints(const QList<RunnerKey> &keys)
{
    if (keys.isEmpty()) {
        QMetaObject::invokeMethod(this, &RunnerManager::finishShutdown, Qt::QueuedConnection);
        return;
    }
    // Bounded: a database that does not answer cannot hold the shutdown up.
    m_shutdownTimer = m_clock->callAfter(m_options.shutdownCleanupTimeout, this, [this] {
        qCWarning(lcChat) << "chatworker releasing ownership timed out after"
                          << m_options.shutdownCleanupTimeout.count() << "ms";
        finishShutdown();
    });
    m_store->deleteHeartbeats(keys)
            .then(this,
                  [this, keys](const QList<ChatRecord> &chats) {
                      if (m_shutdownFinished) {
                          return;
                      }
                      QHash<QString, qint64> versions;
                      for (const ChatRecord &chat : chats) {
                          versions.insert(chat.id, chat.snapshotVersion);
                      }
                      // One hint per key, so that other workers acquire at once.
                      for (const RunnerKey &key : keys) {
                          m_store->publishOwnership(key.chatId, versions.value(key.chatId, 0));
                      }
                      finishShutdown();
                  })
            .onFailed(this, [this, keys](const StoreError &error) {
                qCWarning(lcChat) << "chatworker releasing ownership failed" << error.message();
                for (const RunnerKey &key : keys) {
                    m_store->publishOwnership(key.chatId, 0);
                }
                finishShutdown();
            });
}

void RunnerManager::finishShutdown()
{
    if (m_shutdownFinished) {
        return;
    }
    m_shutdownFinished = true;
    m_shutdownTimer.reset();
    Q_EMIT shutdownFinished();
}

bool RunnerManager::shouldLogLoopError(bool stopping, const std::exception *error)
{
    if (!error || stopping) {
        return false;
    }
    return !isCanceled(*error);
}

void RunnerManager::logLoopError(const char *what, const std::exception *error) const
{
    if (shouldLogLoopError(m_closed, error)) {
        const auto *store = dynamic_cast<const StoreError *>(error);
        qCWarning(lcChat).noquote()
                << what << (store ? store->message() : QString::fromLocal8Bit(error->what()));
    }
}

void RunnerManager::syncOnce()
{
    if (m_closed || m_syncBusy || m_runners.isEmpty()) {
        return;
    }
    m_syncBusy = true;
    const QList<RunnerKey> keys = m_runners.keys();
    QStringList ids;
    for (const RunnerKey &key : keys) {
        ids << key.chatId;
    }
    ids.removeDuplicates();
    m_store->chatsByIds(ids)
            .then(this,
                  [this, keys](const QList<ChatRecord> &chats) {
                      m_syncBusy = false;
                      QSet<QString> found;
                      for (const ChatRecord &chat : chats) {
                          found.insert(chat.id);
                          routeStateHint(chat.state());
                      }
                      for (const RunnerKey &key : keys) {
                          if (!found.contains(key.chatId)) {
                              if (Runner *runner = m_runners.value(key)) {
                                  runner->logEvent(QStringLiteral("cleanup"),
                                                   QStringLiteral("the chat row is gone"));
                              }
                              requestCleanup(key);
                          }
                      }
                  })
            .onFailed(this, [this](const std::exception &error) {
                m_syncBusy = false;
                logLoopError("chatworker runner sync failed:", &error);
            });
}

void RunnerManager::heartbeatOnce()
{
    if (m_closed || m_heartbeatBusy > 0 || m_runners.isEmpty()) {
        return;
    }
    // Renewed per worker: a lease is renewed only under the worker that holds it.
    QHash<QString, QList<RunnerKey>> byWorker;
    for (auto it = m_runners.cbegin(); it != m_runners.cend(); ++it) {
        byWorker[it.value()->workerId()].append(it.key());
    }
    m_heartbeatBusy = int(byWorker.size());
    const qint64 now = m_clock->nowMSecs();
    for (auto group = byWorker.cbegin(); group != byWorker.cend(); ++group) {
        const QList<RunnerKey> keys = group.value();
        m_store->renewHeartbeats(keys, group.key())
                .then(this,
                      [this, keys, now](const QList<RunnerKey> &renewed) {
                          --m_heartbeatBusy;
                          const QSet<RunnerKey> kept(renewed.cbegin(), renewed.cend());
                          for (const RunnerKey &key : keys) {
                              if (kept.contains(key)) {
                                  if (m_heartbeatAt.contains(key)) {
                                      m_heartbeatAt.insert(key, now);
                                  }
                                  continue;
                              }
                              if (Runner *runner = m_runners.value(key)) {
                                  qCWarning(lcChat) << "chatworker lease lost or project "
                                                       "deleted, stopping runner"
                                                    << key.chatId << key.runnerId;
                                  runner->logEvent(QStringLiteral("cleanup"),
                                                   QStringLiteral("the lease was lost"));
                                  requestCleanup(key);
                              }
                          }
                          Q_EMIT runnersChanged();
                      })
                .onFailed(this, [this](const std::exception &error) {
                    // A failed tick cleans nothing up: the next one tries again.
                    --m_heartbeatBusy;
                    logLoopError("chatworker heartbeat failed:", &error);
                });
    }
}

void RunnerManager::heartbeatCleanupOnce()
{
    if (m_closed || m_cleanupBusy) {
        return;
    }
    m_cleanupBusy = true;
    m_store->deleteStaleHeartbeats(m_options.staleAfter.count())
            .then(this,
                  [this](int deleted) {
                      m_cleanupBusy = false;
                      if (deleted > 0) {
                          qCInfo(lcChat) << "chatworker deleted" << deleted << "stale heartbeats";
                      }
                  })
            .onFailed(this, [this](const std::exception &error) {
                m_cleanupBusy = false;
                logLoopError("chatworker heartbeat cleanup failed:", &error);
            });
}

QList<RunnerManager::RunnerInfo> RunnerManager::runnerInfos() const
{
    QList<RunnerInfo> all;
    for (const RunnerKey &key : m_runners.keys() + m_cleaning.keys()) {
        if (std::optional<RunnerInfo> info = runnerInfo(key)) {
            all << *info;
        }
    }
    std::sort(all.begin(), all.end(), [](const RunnerInfo &a, const RunnerInfo &b) {
        return std::tie(a.key.chatId, a.key.runnerId) < std::tie(b.key.chatId, b.key.runnerId);
    });
    return all;
}

std::optional<RunnerManager::RunnerInfo> RunnerManager::runnerInfo(const RunnerKey &key) const
{
    Runner *runner = m_runners.value(key);
    const bool cleaning = !runner && m_cleaning.contains(key);
    if (cleaning) {
        runner = m_cleaning.value(key);
    }
    if (!runner) {
        return std::nullopt;
    }
    RunnerInfo info;
    info.key = key;
    info.workerId = runner->workerId();
    info.takenOver = runner->isTakenOver();
    info.cleaning = cleaning;
    info.state = runner->lastState();
    if (RunnerTask *task = runner->activeTask()) {
        info.task = taskKindName(task->input().kind);
        info.taskRetryingSince = task->retryingSince();
    }
    if (const auto it = m_heartbeatAt.constFind(key); it != m_heartbeatAt.constEnd()) {
        info.heartbeatAgeMs = m_clock->nowMSecs() - *it;
    }
    info.queueDepth = runner->queueDepth();
    info.droppedHints = runner->droppedHints();
    return info;
}
