#pragma once

#include "chatruntimeoptions.h"
#include "chattask.h"

#include "common/clock.h"

#include <QObject>

#include <memory>

// One task of a runner (runTaskWithRetry): attempts through the TaskStarter, each under the
// task timeout; a retryable failure, a timeout or an exception thrown by the starter runs
// the task again after a backoff doubling from 100 ms to 5 s. Finishes once the task is done,
// exited as expected, or cancelled and its attempt has returned.
class RunnerTask : public QObject
{
    Q_OBJECT
public:
    RunnerTask(TaskInput input, TaskStarter *starter, Clock *clock,
               const ChatRuntimeOptions &options, QObject *parent = nullptr);
    // Cancels a running attempt; its late `done` is ignored.
    ~RunnerTask() override;

    const TaskInput &input() const { return m_input; }
    // Starts the first attempt (a task waiting for its (history, status) lock is not started).
    void start();
    // Ends the task: a running attempt is cancelled and the task finishes when it returns.
    void cancel();
    bool isStarted() const { return m_started; }
    bool isCancelled() const { return m_cancelled; }
    bool isFinished() const { return m_finished; }
    int attempts() const { return m_attempts; }
    // Since when the task has been failing and retrying (0: it is not).
    qint64 retryingSince() const { return m_retryingSince; }

Q_SIGNALS:
    void attemptStarted(int attempt);
    void retrying(const QString &error, std::chrono::milliseconds delay);
    // Exactly once. `outcome` is the last attempt's (Done when cancelled before any ran).
    void finished(const TaskOutcome &outcome);

private:
    void runAttempt();
    void attemptDone(quint64 attempt, const TaskOutcome &outcome);
    void finish(const TaskOutcome &outcome);

    TaskInput m_input;
    TaskStarter *m_starter;
    Clock *m_clock;
    ChatRuntimeOptions m_options;
    std::function<void()> m_cancelAttempt;
    std::unique_ptr<Clock::Timer> m_timeout;
    std::unique_ptr<Clock::Timer> m_retryTimer;
    std::chrono::milliseconds m_backoff;
    quint64 m_attempt = 0; // the attempt whose `done` counts
    bool m_attemptRunning = false;
    bool m_timedOut = false;
    bool m_started = false;
    bool m_cancelled = false;
    bool m_finished = false;
    int m_attempts = 0;
    qint64 m_retryingSince = 0;
};
