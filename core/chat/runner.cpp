#include "runner.h"

#include "chatstore.h"
#include "runnermanager.h"
#include "runnertask.h"

#include "store/database.h"

#include <QLoggingCategory>
#include <QPointer>
#include <QUuid>

Q_DECLARE_LOGGING_CATEGORY(lcChat)

namespace {
constexpr std::chrono::milliseconds RecoveryInitial {100};
constexpr std::chrono::milliseconds RecoveryMax {400}; // upstream: 100, 200, 400, 400 ms …
} // namespace

Runner::Runner(const Services &services, RunnerKey key, QString workerId, bool takenOver,
               QObject *parent)
    : QObject(parent)
    , m_services(services)
    , m_key(std::move(key))
    , m_workerId(std::move(workerId))
    , m_takenOver(takenOver)
    , m_recoveryDelay(RecoveryInitial)
{ }

Runner::~Runner()
{
    m_subscription.cancel();
    // Tasks are children: each cancels its running attempt as it goes.
}

bool Runner::beginRun()
{
    if (m_began) {
        qCCritical(lcChat) << "chatworker runner run called more than once" << m_key.chatId
                           << m_key.runnerId;
        requestCleanup(QStringLiteral("run called more than once"));
        return false;
    }
    m_began = true;
    return true;
}

void Runner::run()
{
    if (!beginRun()) {
        return;
    }
    logEvent(QStringLiteral("spawned"),
             m_takenOver ? QStringLiteral("taken over from a stale lease") : QString());
    bootstrap();
}

void Runner::bootstrap()
{
    // Subscribe first, then read: a change between the two arrives as a hint, and hints not
    // newer than the snapshot are dropped by processState.
    PubSub::Listener listener;
    listener.message = [this](const QByteArray &payload) {
        QString error;
        const std::optional<ChatState> state =
                ChatMessages::decodeUpdate(payload, m_key.chatId, &error);
        if (!state) {
            qCWarning(lcChat) << "chatworker undecodable chat update for" << m_key.chatId << error;
            return;
        }
        m_services.manager->routeStateHint(*state);
    };
    listener.lost = [this](qint64) {
        // Hints were lost (a full subscriber queue, a reconnect): read the row now rather
        // than wait for the next database sync.
        refresh();
    };
    m_subscription = m_services.pubsub->subscribe(ChatMessages::updateChannel(m_key.chatId), this,
                                                  std::move(listener));
    m_services.store->chat(m_key.chatId)
            .then(this,
                  [this](const ChatRecord &chat) {
                      if (m_stopping) {
                          return;
                      }
                      m_bootstrapped = true;
                      processState(chat.state());
                      drain();
                  })
            .onFailed(this, [this](const StoreError &error) {
                qCWarning(lcChat) << "chatworker runner bootstrap failed" << m_key.chatId
                                  << error.message();
                requestCleanup(QStringLiteral("bootstrap failed: %1").arg(error.message()));
            });
}

void Runner::refresh()
{
    if (m_stopping) {
        return;
    }
    m_services.store->chat(m_key.chatId)
            .then(this, [this](const ChatRecord &chat) { enqueueHint(chat.state()); })
            .onFailed(this, [this](const StoreError &error) {
                if (error.kind() == StoreError::Kind::NotFound) {
                    requestCleanup(QStringLiteral("the chat is gone"));
                }
            });
}

bool Runner::enqueueHint(const ChatState &state)
{
    if (m_stopping) {
        return false;
    }
    if (m_queue.size() >= m_services.options.stateQueueSize) {
        // Older queued hints stay: a later sync or hint re-delivers the state.
        ++m_droppedHints;
        return false;
    }
    m_queue.append(state);
    if (!m_drainScheduled && m_bootstrapped) {
        m_drainScheduled = true;
        QMetaObject::invokeMethod(this, &Runner::drain, Qt::QueuedConnection);
    }
    return true;
}

void Runner::drain()
{
    m_drainScheduled = false;
    // Each state is handled before the next is taken: processState may stop the runner.
    while (!m_queue.isEmpty() && !m_stopping) {
        processState(m_queue.takeFirst());
    }
    Q_EMIT changed();
}

void Runner::processState(const ChatState &state)
{
    if (m_lastState && state.snapshotVersion <= m_lastState->snapshotVersion) {
        return; // a duplicate or out of order
    }
    const bool first = !m_lastState;
    const bool changed = first || state.historyVersion != m_lastState->historyVersion ||
            state.status != m_lastState->status || state.archived != m_lastState->archived;
    m_lastState = state;
    if (state.workerId != m_workerId || state.runnerId != m_key.runnerId) {
        requestCleanup(state.runnerId.isEmpty() ? QStringLiteral("the lease was released")
                                                : QStringLiteral("owned by runner %1 of worker %2")
                                                          .arg(state.runnerId, state.workerId));
        return;
    }
    if (!changed) {
        return; // only the queue, the attempt or the snapshot moved
    }
    m_recoveryTimer.reset();
    m_recoveryDelay = RecoveryInitial;
    if (m_active) {
        m_active->cancel();
        m_active = nullptr;
    }
    spawnForState(state);
}

void Runner::spawnForState(const ChatState &state)
{
    const TaskKind kind = taskKindForState(state);
    const LockKey lockKey {state.historyVersion, state.status};
    if (m_active && !m_active->isCancelled() && m_active->input().kind == kind &&
        m_active->input().historyVersion == state.historyVersion &&
        m_active->input().status == state.status) {
        return;
    }
    TaskInput input;
    input.taskId = QUuid::createUuid().toString(QUuid::WithoutBraces);
    input.kind = kind;
    input.chatId = m_key.chatId;
    input.workerId = m_workerId;
    input.runnerId = m_key.runnerId;
    input.historyVersion = state.historyVersion;
    input.generationAttempt = state.generationAttempt;
    input.status = state.status;
    input.requiresActionDeadlineAt = state.requiresActionDeadlineAt;
    input.log = [self = QPointer<Runner>(this)](const QString &kind, const QString &detail) {
        if (self) {
            self->logEvent(kind, detail);
        }
    };
    auto *task =
            new RunnerTask(input, m_services.starter, m_services.clock, m_services.options, this);
    connect(task, &RunnerTask::attemptStarted, this, [this, task](int attempt) {
        logEvent(QStringLiteral("task_started"),
                 QStringLiteral("%1 at history %2, %3 (attempt %4)")
                         .arg(taskKindName(task->input().kind))
                         .arg(task->input().historyVersion)
                         .arg(chatStatusName(task->input().status))
                         .arg(attempt));
    });
    connect(task, &RunnerTask::retrying, this,
            [this, task](const QString &error, std::chrono::milliseconds delay) {
                // Errors that end a sentence already do not get a second stop.
                QString reason = error;
                if (reason.endsWith(QLatin1Char('.'))) {
                    reason.chop(1);
                }
                logEvent(QStringLiteral("task_retrying"),
                         QStringLiteral("%1: %2; again in %3 ms")
                                 .arg(taskKindName(task->input().kind), reason)
                                 .arg(delay.count()));
            });
    connect(task, &RunnerTask::finished, this,
            [this, task](const TaskOutcome &outcome) { taskFinished(task, outcome); });
    m_tasks.append(task);
    m_active = task;
    if (RunnerTask *holder = m_lockHolders.value(lockKey); holder && !holder->isFinished()) {
        logEvent(QStringLiteral("task_waiting"),
                 QStringLiteral("%1 waits for the previous task of history %2, %3")
                         .arg(taskKindName(kind))
                         .arg(state.historyVersion)
                         .arg(chatStatusName(state.status)));
        return; // started when the holder returns
    }
    m_lockHolders.insert(lockKey, task);
    task->start();
}

void Runner::taskFinished(RunnerTask *task, const TaskOutcome &outcome)
{
    logEvent(QStringLiteral("task_finished"),
             QStringLiteral("%1%2%3").arg(
                     taskKindName(task->input().kind),
                     task->isCancelled() ? QStringLiteral(" (cancelled)") : QString(),
                     outcome.error.isEmpty() ? QString() : QStringLiteral(": ") + outcome.error));
    const LockKey lockKey {task->input().historyVersion, task->input().status};
    const bool wasActive = m_active == task;
    if (wasActive) {
        m_active = nullptr;
    }
    m_tasks.removeOne(task);
    task->deleteLater();
    if (m_lockHolders.value(lockKey) == task) {
        m_lockHolders.remove(lockKey);
        // The oldest task waiting for this (history, status) runs next.
        for (RunnerTask *waiting : std::as_const(m_tasks)) {
            if (!waiting->isStarted() && waiting->input().historyVersion == lockKey.first &&
                waiting->input().status == lockKey.second) {
                m_lockHolders.insert(lockKey, waiting);
                waiting->start(); // a cancelled one finishes at once and passes the lock on
                break;
            }
        }
    }
    if (m_stopping) {
        if (m_tasks.isEmpty() && !m_stoppedEmitted) {
            m_stoppedEmitted = true;
            Q_EMIT stopped();
        }
        return;
    }
    if (wasActive && !task->isCancelled()) {
        scheduleRecovery();
    }
    Q_EMIT changed();
}

void Runner::scheduleRecovery()
{
    // The task returned while its state is still the current one: read the chat again; a
    // newer state takes its normal course, the same one runs its task again.
    const std::chrono::milliseconds delay = m_recoveryDelay;
    m_recoveryDelay = std::min(m_recoveryDelay * 2, RecoveryMax);
    m_recoveryTimer = m_services.clock->callAfter(delay, this, [this] {
        m_services.store->chat(m_key.chatId)
                .then(this,
                      [this](const ChatRecord &chat) {
                          if (m_stopping || m_active) {
                              return;
                          }
                          const ChatState state = chat.state();
                          if (m_lastState && state.snapshotVersion > m_lastState->snapshotVersion) {
                              processState(state);
                              if (!m_active && !m_stopping) {
                                  scheduleRecovery(); // a snapshot-only change
                              }
                              return;
                          }
                          logEvent(QStringLiteral("recovery"),
                                   QStringLiteral("the task ended with the chat unchanged"));
                          spawnForState(state);
                      })
                .onFailed(this, [this](const StoreError &error) {
                    if (error.kind() == StoreError::Kind::NotFound) {
                        requestCleanup(QStringLiteral("the chat is gone"));
                    } else if (!m_stopping && !m_active) {
                        scheduleRecovery();
                    }
                });
    });
}

void Runner::stop()
{
    if (m_stopping) {
        return;
    }
    m_stopping = true;
    m_subscription.cancel();
    m_recoveryTimer.reset();
    m_queue.clear();
    m_active = nullptr;
    const QList<RunnerTask *> tasks = m_tasks;
    for (RunnerTask *task : tasks) {
        task->cancel();
    }
    // Waiting tasks never ran: starting a cancelled one finishes it.
    for (RunnerTask *task : tasks) {
        if (!task->isStarted() && m_tasks.contains(task)) {
            task->start();
        }
    }
    if (m_tasks.isEmpty() && !m_stoppedEmitted) {
        m_stoppedEmitted = true;
        QMetaObject::invokeMethod(this, &Runner::stopped, Qt::QueuedConnection);
    }
}

void Runner::requestCleanup(const QString &why)
{
    logEvent(QStringLiteral("cleanup"), why);
    m_services.manager->requestCleanup(m_key);
}

void Runner::logEvent(const QString &kind, const QString &detail)
{
    RunnerEvent event {m_services.clock->nowMSecs(), kind,
                       detail.left(RunnerEvent::MaxDetailLength)};
    m_events.append(event);
    if (m_events.size() > EventLogSize) {
        m_events.removeFirst();
    }
    Q_EMIT eventLogged(event);
}
