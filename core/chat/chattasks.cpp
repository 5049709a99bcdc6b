#include "chattasks.h"

#include "modelprovider.h"

#include "common/clock.h"
#include "store/database.h"

#include <QLoggingCategory>
#include <QNetworkAccessManager>

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
    std::function<void()> releaseAgent; // the dialled agent's connection
    DialedAgent agent;

    ChatStore::Fence fence() const
    {
        return {input.workerId, input.runnerId, input.historyVersion, input.status};
    }
    void log(const QString &kind, const QString &detail) const
    {
        if (input.log) {
            input.log(kind, detail);
        }
    }
    void end(const TaskOutcome &outcome)
    {
        if (finished) {
            return;
        }
        finished = true;
        wait.reset();
        cancelStep = {};
        if (auto release = std::exchange(releaseAgent, {})) {
            release();
        }
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
    , m_network(new QNetworkAccessManager(this))
    , m_dial([this](const QString &agentId, LazyDialer::DialDone done) {
        return httpDialAgent(agentId, std::move(done));
    })
{ }

std::function<void()> ChatTasks::httpDialAgent(const QString &agentId, LazyDialer::DialDone done)
{
    if (agentId.isEmpty()) {
        done(std::nullopt, QStringLiteral("the chat is bound to no agent"));
        return {};
    }
    struct State
    {
        bool cancelled = false;
        std::function<void()> cancel;
    };
    auto state = std::make_shared<State>();
    // The endpoint as the agent last reported it: a restarted agent's new port and token.
    m_store->agentEndpoint(agentId)
            .then(this,
                  [this, state, done](const AgentBinding &binding) {
                      if (state->cancelled) {
                          done(std::nullopt, LazyDialer::canceledMessage());
                          return;
                      }
                      state->cancel = httpDial(
                              m_network,
                              {binding.agentId, QUrl(binding.apiUrl), binding.apiToken, {}}, done);
                  })
            .onFailed(this,
                      [done](const StoreError &error) { done(std::nullopt, error.message()); });
    return [state] {
        state->cancelled = true;
        if (auto cancel = std::exchange(state->cancel, {})) {
            cancel();
        }
    };
}

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
    m_store->chat(run->input.chatId)
            .then(this,
                  [this, run](const ChatRecord &chat) {
                      if (run->finished) {
                          return;
                      }
                      LazyDialer::ValidateFunc validate =
                              [this](const QString &workspaceId,
                                     std::function<void(const ValidateResult &)> done) {
                                  m_store->currentAgent(workspaceId)
                                          .then(this,
                                                [done](const AgentBinding &binding) {
                                                    ValidateResult result;
                                                    result.kind = binding.kind ==
                                                                    AgentBinding::Kind::Agent
                                                            ? ValidateResult::Kind::Agent
                                                            : ValidateResult::Kind::NoAgent;
                                                    result.agentId = binding.agentId;
                                                    done(result);
                                                })
                                          .onFailed(this, [done](const StoreError &error) {
                                              done({ValidateResult::Kind::Error,
                                                    {},
                                                    error.message()});
                                          });
                              };
                      auto *dial = new LazyDial(chat.agentId, chat.workspaceId, m_dial,
                                                std::move(validate), m_clock, m_dialOptions, this);
                      connect(dial, &LazyDial::finished, this,
                              [this, run, chat, dial](const DialResult &result) {
                                  dial->deleteLater();
                                  dialed(run, chat, result);
                              });
                      run->cancelStep = [dial = QPointer<LazyDial>(dial)] {
                          if (dial) {
                              dial->cancel();
                          }
                      };
                      dial->start();
                  })
            .onFailed(this, [run](const StoreError &error) { run->end(outcomeOf(error)); });
}

void ChatTasks::dialed(const std::shared_ptr<Run> &run, const ChatRecord &chat,
                       const DialResult &result)
{
    if (run->finished || run->cancelled) {
        if (result.ok && result.connection.release) {
            result.connection.release();
        }
        return;
    }
    run->cancelStep = {};
    if (!result.ok) {
        run->log(QStringLiteral("dial_failed"), result.error);
        if (result.noAgent) {
            // The model would read this and could start the workspace; without one, the user.
            finish(run, ChatStatus::Error, result.error);
        } else {
            run->end(TaskOutcome::retryable(result.error));
        }
        return;
    }
    run->releaseAgent = result.connection.release;
    ChatRecord current = chat;
    if (result.switched) {
        run->log(QStringLiteral("dial_switched"),
                 QStringLiteral("%1 → %2").arg(chat.agentId.isEmpty() ? QStringLiteral("none")
                                                                      : chat.agentId,
                                               result.connection.agentId));
        // The binding follows the workspace even if this turn fails later.
        m_store->bindAgent(chat.id, result.connection.agentId)
                .onFailed(this, [](const StoreError &error) {
                    qCWarning(lcChat) << "Cannot bind the chat's new agent:" << error.message();
                    return ChatRecord();
                });
        current.agentId = result.connection.agentId;
    }
    run->agent = result.connection;
    generate(run, current);
}

void ChatTasks::generate(const std::shared_ptr<Run> &run, const ChatRecord &chat)
{
    if (!m_provider) {
        finish(run, ChatStatus::Error, NoProviderMessage);
        return;
    }
    m_store->messages(run->input.chatId)
            .then(this,
                  [this, run, chat](const QList<ChatMessageRecord> &messages) {
                      if (run->finished) {
                          return;
                      }
                      GenerationRequest request;
                      request.chatId = run->input.chatId;
                      request.title = chat.title;
                      request.agent = run->agent;
                      request.agent.release = {}; // the run releases it
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
