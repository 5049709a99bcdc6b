#include "runnertask.h"

#include <QLoggingCategory>
#include <QPointer>

#include <exception>

Q_DECLARE_LOGGING_CATEGORY(lcChat)

RunnerTask::RunnerTask(TaskInput input, TaskStarter *starter, Clock *clock,
                       const ChatRuntimeOptions &options, QObject *parent)
    : QObject(parent)
    , m_input(std::move(input))
    , m_starter(starter)
    , m_clock(clock)
    , m_options(options)
    , m_backoff(options.taskRetryInitialBackoff)
{
    // Upstream raises the maximum to the initial backoff when it is smaller.
    m_options.taskRetryMaxBackoff =
            std::max(m_options.taskRetryMaxBackoff, m_options.taskRetryInitialBackoff);
}

RunnerTask::~RunnerTask()
{
    m_attempt = 0;
    if (auto cancel = std::exchange(m_cancelAttempt, {})) {
        cancel();
    }
}

void RunnerTask::start()
{
    if (m_started || m_finished) {
        return;
    }
    m_started = true;
    if (m_cancelled) {
        finish(TaskOutcome::done());
        return;
    }
    runAttempt();
}

void RunnerTask::cancel()
{
    if (m_cancelled || m_finished) {
        return;
    }
    m_cancelled = true;
    m_retryTimer.reset();
    m_timeout.reset();
    if (!m_started) {
        return; // finishes when its lock frees and start() sees the cancel
    }
    if (!m_attemptRunning) {
        finish(TaskOutcome::done()); // between attempts
        return;
    }
    if (auto cancel = std::exchange(m_cancelAttempt, {})) {
        cancel();
    }
}

void RunnerTask::runAttempt()
{
    const quint64 attempt = ++m_attempt;
    ++m_attempts;
    m_attemptRunning = true;
    m_timedOut = false;
    Q_EMIT attemptStarted(m_attempts);
    m_timeout = m_clock->callAfter(m_options.taskTimeout, this, [this] {
        m_timedOut = true;
        qCWarning(lcChat) << "chatworker task timed out:" << taskKindName(m_input.kind)
                          << m_input.chatId << "after" << m_options.taskTimeout.count() << "ms";
        if (auto cancel = std::exchange(m_cancelAttempt, {})) {
            cancel();
        }
    });
    QPointer<RunnerTask> self(this);
    try {
        m_cancelAttempt = m_starter->start(m_input, [self, attempt](const TaskOutcome &outcome) {
            if (self) {
                self->attemptDone(attempt, outcome);
            }
        });
    } catch (const std::exception &e) {
        // A task's exception is its failure, never the worker's end.
        qCCritical(lcChat) << "chatworker task panic:" << e.what();
        if (self && m_attempt == attempt && m_attemptRunning) {
            attemptDone(attempt,
                        TaskOutcome::retryable(QStringLiteral("chatworker task panic: %1")
                                                       .arg(QString::fromLocal8Bit(e.what()))));
        }
    } catch (...) {
        qCCritical(lcChat) << "chatworker task panic: unknown exception";
        if (self && m_attempt == attempt && m_attemptRunning) {
            attemptDone(attempt,
                        TaskOutcome::retryable(QStringLiteral("chatworker task panic: unknown")));
        }
    }
}

void RunnerTask::attemptDone(quint64 attempt, const TaskOutcome &outcome)
{
    if (attempt != m_attempt || !m_attemptRunning) {
        return; // a superseded attempt's late answer
    }
    m_attemptRunning = false;
    m_cancelAttempt = {};
    m_timeout.reset();
    if (m_cancelled) {
        finish(outcome); // cancelled: its result is not retried
        return;
    }
    const bool timedOut = std::exchange(m_timedOut, false);
    if (outcome.kind != TaskOutcome::Kind::Retryable && !timedOut) {
        if (outcome.kind == TaskOutcome::Kind::ExpectedExit) {
            qCDebug(lcChat) << "chatworker task ended: expected_non_retryable_exit"
                            << outcome.error;
        }
        finish(outcome);
        return;
    }
    const QString error = timedOut
            ? QStringLiteral("task timed out after %1 ms").arg(m_options.taskTimeout.count())
            : outcome.error;
    const std::chrono::milliseconds delay = m_backoff;
    m_backoff = std::min(m_backoff * 2, m_options.taskRetryMaxBackoff);
    if (m_retryingSince == 0) {
        m_retryingSince = m_clock->nowMSecs();
    }
    qCWarning(lcChat).noquote() << "chatworker task retrying:" << taskKindName(m_input.kind)
                                << m_input.chatId << error << "in" << delay.count() << "ms";
    Q_EMIT retrying(error, delay);
    m_retryTimer = m_clock->callAfter(delay, this, [this] { runAttempt(); });
}

void RunnerTask::finish(const TaskOutcome &outcome)
{
    if (m_finished) {
        return;
    }
    m_finished = true;
    m_retryingSince = 0;
    Q_EMIT finished(outcome);
}
