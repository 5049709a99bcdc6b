#include "chattasks.h"

#include "modelprovider.h"

#include "common/clock.h"
#include "store/database.h"

#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcChat)

// One attempt: `done` is called once, by whichever comes first of its end and its cancel.
struct ChatTasks::Run
{
    TaskInput input;
    Done done;
    bool finished = false;
    bool cancelled = false;
    std::function<void()> cancelStep; // the provider's canceller, or a wait's
    std::unique_ptr<Clock::Timer> wait;

    ChatStore::Fence fence() const
    {
        return {input.workerId, input.runnerId, input.historyVersion, input.status};
    }
    void end(const TaskOutcome &outcome)
    {
        if (finished) {
            return;
        }
        finished = true;
        wait.reset();
        cancelStep = {};
        if (auto callback = std::exchange(done, {})) {
            callback(outcome);
        }
    }
};

namespace {

// A fence that failed or a chat gone: the work moved on. Anything else may pass.
TaskOutcome outcomeOf(const StoreError &error)
{
    if (error.kind() == StoreError::Kind::Database) {
        return TaskOutcome::retryable(error.message());
    }
    return TaskOutcome::expectedExit(error.message());
}

} // namespace

ChatTasks::ChatTasks(ChatStore *store, Clock *clock, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_clock(clock ? clock : Clock::system())
{ }

std::function<void()> ChatTasks::start(const TaskInput &input, Done done)
{
    auto run = std::make_shared<Run>();
    run->input = input;
    run->done = std::move(done);
    switch (input.kind) {
    case TaskKind::Generation:
        generation(run);
        break;
    case TaskKind::Interrupt:
        interrupt(run);
        break;
    case TaskKind::RequiresActionTimeout:
        requiresActionTimeout(run);
        break;
    case TaskKind::Abandon:
        abandon(run);
        break;
    }
    return [run] {
        run->cancelled = true;
        if (auto cancel = std::exchange(run->cancelStep, {})) {
            cancel();
        }
        // A database write in flight cannot be taken back; its fence keeps it harmless.
        run->end(TaskOutcome::expectedExit(QStringLiteral("context canceled")));
    };
}

void ChatTasks::finish(const std::shared_ptr<Run> &run, ChatStatus next, const QString &lastError,
                       const QString &note, const QString &noteRole)
{
    if (run->finished) {
        return;
    }
    m_store->finishTask(run->input.chatId, run->fence(), next, lastError, note, noteRole)
            .then(this, [run](const ChatRecord &) { run->end(TaskOutcome::done()); })
            .onFailed(this, [run](const StoreError &error) { run->end(outcomeOf(error)); });
}

void ChatTasks::generation(const std::shared_ptr<Run> &run)
{
    if (!m_provider) {
        finish(run, ChatStatus::Error, NoProviderMessage);
        return;
    }
    m_store->messages(run->input.chatId)
            .then(this,
                  [this, run](const QList<ChatMessageRecord> &messages) {
                      if (run->finished) {
                          return;
                      }
                      GenerationRequest request;
                      request.chatId = run->input.chatId;
                      for (const ChatMessageRecord &m : messages) {
                          if (!m.queued) {
                              request.history << m;
                          }
                      }
                      QPointer<ChatTasks> self(this);
                      run->cancelStep = m_provider->generate(
                              request, [self, run](const GenerationResult &result) {
                                  if (!self || run->finished) {
                                      return;
                                  }
                                  switch (result.kind) {
                                  case GenerationResult::Kind::Answer:
                                      self->finish(run, ChatStatus::Waiting, {}, result.content,
                                                   QStringLiteral("assistant"));
                                      break;
                                  case GenerationResult::Kind::Retryable:
                                      run->end(TaskOutcome::retryable(result.error));
                                      break;
                                  case GenerationResult::Kind::Final:
                                      self->finish(run, ChatStatus::Error, result.error);
                                      break;
                                  }
                              });
                  })
            .onFailed(this, [run](const StoreError &error) { run->end(outcomeOf(error)); });
}

void ChatTasks::interrupt(const std::shared_ptr<Run> &run)
{
    finish(run, ChatStatus::Waiting, {});
}

void ChatTasks::requiresActionTimeout(const std::shared_ptr<Run> &run)
{
    // Decided on the row as it is now, not on the hint that started the task.
    m_store->fencedChat(run->input.chatId, run->fence())
            .then(this,
                  [this, run](const std::optional<ChatRecord> &chat) {
                      if (run->finished) {
                          return;
                      }
                      if (!chat) {
                          run->end(TaskOutcome::expectedExit(
                                  QStringLiteral("the chat is no longer waiting for an action")));
                          return;
                      }
                      if (!chat->requiresActionDeadlineAt) {
                          finish(run, ChatStatus::Waiting, {}, DeadlineMissingMessage);
                          return;
                      }
                      const qint64 left = *chat->requiresActionDeadlineAt - m_clock->nowMSecs();
                      if (left <= 0) {
                          finish(run, ChatStatus::Waiting, {}, TimedOutMessage);
                          return;
                      }
                      run->wait = m_clock->callAfter(std::chrono::milliseconds(left), this,
                                                     [this, run] { requiresActionTimeout(run); });
                  })
            .onFailed(this, [run](const StoreError &error) { run->end(outcomeOf(error)); });
}

void ChatTasks::abandon(const std::shared_ptr<Run> &run)
{
    m_store->release({run->input.chatId, run->input.runnerId}, run->input.workerId)
            .then(this,
                  [run](const std::optional<ChatRecord> &released) {
                      run->end(released ? TaskOutcome::done()
                                        : TaskOutcome::expectedExit(
                                                  QStringLiteral("the lease is no longer ours")));
                  })
            .onFailed(this, [run](const StoreError &error) { run->end(outcomeOf(error)); });
}
