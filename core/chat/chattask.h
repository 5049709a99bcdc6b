#pragma once

#include "chatstate.h"

#include <QString>

#include <functional>
#include <optional>

// What a runner runs for one observed (history version, status) of its chat (spawnForState).
enum class TaskKind { Generation, Interrupt, RequiresActionTimeout, Abandon };

QString taskKindName(TaskKind kind);
TaskKind taskKindForState(const ChatState &state);

struct TaskInput
{
    QString taskId;
    TaskKind kind = TaskKind::Abandon;
    QString chatId;
    QString workerId;
    QString runnerId;
    qint64 historyVersion = 0;
    qint64 generationAttempt = 0;
    ChatStatus status = ChatStatus::Waiting;
    std::optional<qint64> requiresActionDeadlineAt;
    // The runner's event log (dial switched, dial failed, …); may be empty.
    std::function<void(const QString &kind, const QString &detail)> log;
};

// How one attempt of a task ended. Retryable attempts run again after a backoff; an expected
// exit (the chat moved on, a fence failed) ends the task without a retry.
struct TaskOutcome
{
    enum class Kind { Done, Retryable, ExpectedExit };
    Kind kind = Kind::Done;
    QString error;

    static TaskOutcome done() { return {}; }
    static TaskOutcome retryable(QString error) { return {Kind::Retryable, std::move(error)}; }
    static TaskOutcome expectedExit(QString error)
    {
        return {Kind::ExpectedExit, std::move(error)};
    }
};

// Starts the side effects of tasks (upstream's TaskStarter). start() begins one attempt and
// returns its canceller; `done` is called exactly once, also after a cancel (a task may take
// its time to stop, and its (history, status) stays locked until it has).
class TaskStarter
{
public:
    using Done = std::function<void(const TaskOutcome &)>;
    virtual ~TaskStarter() = default;
    virtual std::function<void()> start(const TaskInput &input, Done done) = 0;
};
