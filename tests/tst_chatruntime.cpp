// The chat runtime on a real SQLite database, the in-memory pubsub and a manual clock: the
// seed tests of runner_manager_internal_test.go, acquisition of fresh and stale leases, the
// runner's task choice, duplicates and cancellation, the database sync, the tasks themselves
// and the auto-archive cutoff.
#include "chat/chatstate.h"
#include "chat/chatstore.h"
#include "chat/chattasks.h"
#include "chat/chatworker.h"
#include "chat/runner.h"
#include "chat/runnermanager.h"
#include "chat/runnertask.h"
#include "common/clock.h"
#include "pubsub/memorypubsub.h"
#include "store/controlplanestore.h"
#include "store/transaction.h"

#include <QDateTime>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTimeZone>
#include <QUuid>

#include <memory>

namespace {

template<typename T>
T await(QFuture<T> future)
{
    if (!QTest::qWaitFor([&] { return future.isFinished(); }, 10000)) {
        qFatal("a store job did not finish");
    }
    return future.result();
}

QString uuid()
{
    return QUuid::createUuid().toString(QUuid::WithoutBraces);
}

// Records every task started; each stays running until the test ends it (or, unless told to
// ignore cancellation, until it is cancelled).
class RecordingStarter : public TaskStarter
{
public:
    struct Call
    {
        TaskInput input;
        Done done;
        bool cancelled = false;
    };
    std::function<void()> start(const TaskInput &input, Done done) override
    {
        auto call = std::make_shared<Call>(Call {input, std::move(done)});
        calls.push_back(call);
        return [this, call] {
            call->cancelled = true;
            if (!ignoreCancel) {
                finish(*call, TaskOutcome::expectedExit(QStringLiteral("context canceled")));
            }
        };
    }
    static void finish(Call &call, const TaskOutcome &outcome)
    {
        if (auto done = std::exchange(call.done, {})) {
            done(outcome);
        }
    }
    int count(TaskKind kind) const
    {
        return int(std::count_if(calls.begin(), calls.end(),
                                 [kind](const auto &c) { return c->input.kind == kind; }));
    }
    std::vector<std::shared_ptr<Call>> calls;
    bool ignoreCancel = false;
};

} // namespace

class TestChatRuntime : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void stateMessagesRoundTrip();
    void stateMessagesRejectGarbage_data();
    void stateMessagesRejectGarbage();
    void shouldLogLoopError();
    void beginRunTreatsMultipleCallsAsError();
    void routeStateHintPreservesBufferedHintsWhenFull();
    void duplicateSpawnIsRejected();
    void acquisitionSkipsFreshLeaseTakesStale();
    void ignoresDuplicateStateAndCancelsOnStatusChange();
    void serializesReplacementTasksForSameHistoryAndStatus();
    void taskTimeoutRetriesWithBackoff();
    void databaseSyncCleansUpMissingChat();
    void cleanupWaiterDoesNotBlockShutdown();
    void noProviderEndsInErrorAndReleases();
    void noAgentEndsInErrorWithUpstreamText();
    void dialSwitchesToTheWorkspacesCurrentAgent();
    void dialFailureRetries();
    void interruptEndsWaiting();
    void requiresActionWithoutDeadlineIsCancelled();
    void autoArchiveCutoffIsUtcMidnight();
    void autoArchiveArchivesOnlyInactive();

private:
    ChatWorker *makeWorker(TaskStarter *starter, const QString &workerId = uuid());
    // Starters outlive the workers: a worker torn down in cleanup() still cancels its tasks.
    template<typename Starter = RecordingStarter, typename... Args>
    Starter &newStarter(Args &&...args)
    {
        auto starter = std::make_unique<Starter>(std::forward<Args>(args)...);
        Starter &ref = *starter;
        m_starters.push_back(std::move(starter));
        return ref;
    }
    ChatRecord createChat(const QString &message = QStringLiteral("hello"));
    ChatRecord row(const QString &id) { return await(m_chats->chat(id)); }

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<ManualClock> m_clock;
    std::unique_ptr<ControlPlaneStore> m_store;
    std::unique_ptr<MemoryPubSub> m_pubsub;
    std::unique_ptr<ChatStore> m_chats;
    std::vector<std::unique_ptr<TaskStarter>> m_starters;
    std::vector<std::unique_ptr<ChatWorker>> m_workers;
    QString m_workspaceId;
    ChatRuntimeOptions m_options;
};

void TestChatRuntime::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    m_clock = std::make_unique<ManualClock>(
            QDateTime(QDate(2026, 12, 3), QTime(15, 0), QTimeZone::UTC).toMSecsSinceEpoch());
    QString error;
    const auto location = DatabaseLocation::parse(
            QStringLiteral("sqlite:") + m_dir->filePath(QStringLiteral("chats.db")), &error);
    QVERIFY2(location, qPrintable(error));
    m_store = std::make_unique<ControlPlaneStore>(*location);
    QCOMPARE(await(m_store->open()), Migrations::latestVersion());
    m_pubsub = std::make_unique<MemoryPubSub>();
    m_chats = std::make_unique<ChatStore>(m_store->database(), m_pubsub.get(), m_clock.get());
    const WorkspaceRecord w =
            await(m_store->createWorkspace(QStringLiteral("ws1"), QStringLiteral("alice"), false,
                                           QStringLiteral("main"), QByteArray(64, 'a')));
    m_workspaceId = w.id;
    m_options = ChatRuntimeOptions();
    m_options.autoArchiveDays = 0;
}

void TestChatRuntime::cleanup()
{
    m_workers.clear();
    m_starters.clear();
    m_chats.reset();
    m_pubsub.reset();
    m_store.reset();
    m_dir.reset();
}

ChatWorker *TestChatRuntime::makeWorker(TaskStarter *starter, const QString &workerId)
{
    m_workers.push_back(std::make_unique<ChatWorker>(m_chats.get(), m_pubsub.get(), starter,
                                                     m_clock.get(), m_options, workerId));
    return m_workers.back().get();
}

ChatRecord TestChatRuntime::createChat(const QString &message)
{
    return await(m_chats->createChat(m_workspaceId, QStringLiteral("a chat"), message));
}

void TestChatRuntime::stateMessagesRoundTrip()
{
    ChatState state;
    state.chatId = uuid();
    state.workerId = uuid();
    state.runnerId = uuid();
    state.snapshotVersion = 7;
    state.historyVersion = 3;
    state.queueVersion = 2;
    state.retryStateVersion = 1;
    state.generationAttempt = 4;
    state.status = ChatStatus::RequiresAction;
    state.archived = true;
    QString error;
    const std::optional<ChatState> back =
            ChatMessages::decodeUpdate(ChatMessages::encodeUpdate(state), state.chatId, &error);
    QVERIFY2(back, qPrintable(error));
    QCOMPARE(*back, state);
    // A released lease: worker_id and runner_id are null on the wire.
    state.workerId.clear();
    state.runnerId.clear();
    const QByteArray wire = ChatMessages::encodeUpdate(state);
    QVERIFY(wire.contains("\"worker_id\":null"));
    QCOMPARE(*ChatMessages::decodeUpdate(wire, state.chatId, &error), state);
    const OwnershipHint hint {state.chatId, 9};
    QCOMPARE(*ChatMessages::decodeOwnership(ChatMessages::encodeOwnership(hint), &error), hint);
    QCOMPARE(ChatMessages::updateChannel(state.chatId),
             QStringLiteral("chat:update:") + state.chatId);
}

void TestChatRuntime::stateMessagesRejectGarbage_data()
{
    QTest::addColumn<QByteArray>("payload");
    const QByteArray ok = R"("snapshot_version":1,"history_version":0,"queue_version":0,)"
                          R"("generation_attempt":0,"archived":false,"worker_id":null,)"
                          R"("runner_id":null)";
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("array") << QByteArray("[]");
    QTest::newRow("bad status") << "{" + ok + R"(,"status":"dancing"})";
    QTest::newRow("no status") << "{" + ok + "}";
    QTest::newRow("negative version")
            << QByteArray(R"({"snapshot_version":-1,"history_version":0,"queue_version":0,)"
                          R"("generation_attempt":0,"archived":false,"status":"running"})");
    QTest::newRow("fractional") << QByteArray(
            R"({"snapshot_version":1.5,"history_version":0,"queue_version":0,)"
            R"("generation_attempt":0,"archived":false,"status":"running"})");
    QTest::newRow("worker not uuid") << QByteArray(
            R"({"snapshot_version":1,"history_version":0,"queue_version":0,)"
            R"("generation_attempt":0,"archived":false,"status":"running","worker_id":"x"})");
    QTest::newRow("archived string")
            << QByteArray(R"({"snapshot_version":1,"history_version":0,"queue_version":0,)"
                          R"("generation_attempt":0,"archived":"no","status":"running"})");
}

void TestChatRuntime::stateMessagesRejectGarbage()
{
    QFETCH(QByteArray, payload);
    QString error;
    QVERIFY(!ChatMessages::decodeUpdate(payload, uuid(), &error));
    QVERIFY(!error.isEmpty());
    QVERIFY(!ChatMessages::decodeOwnership(payload, &error));
}

void TestChatRuntime::shouldLogLoopError()
{
    const std::runtime_error boom("boom");
    const OperationCanceled canceled;
    QVERIFY(!RunnerManager::shouldLogLoopError(false, nullptr));
    QVERIFY(!RunnerManager::shouldLogLoopError(true, &boom)); // the context is done
    QVERIFY(!RunnerManager::shouldLogLoopError(false, &canceled));
    // A wrapped cancellation.
    try {
        try {
            throw OperationCanceled();
        } catch (...) {
            std::throw_with_nested(std::runtime_error("sync: context canceled"));
        }
    } catch (const std::exception &wrapped) {
        QVERIFY(!RunnerManager::shouldLogLoopError(false, &wrapped));
    }
    QVERIFY(RunnerManager::shouldLogLoopError(false, &boom));
    // errors.Join(boom, context.DeadlineExceeded): still logged.
    try {
        try {
            throw std::runtime_error("context deadline exceeded");
        } catch (...) {
            std::throw_with_nested(std::runtime_error("boom"));
        }
    } catch (const std::exception &joined) {
        QVERIFY(RunnerManager::shouldLogLoopError(false, &joined));
    }
}

void TestChatRuntime::beginRunTreatsMultipleCallsAsError()
{
    RecordingStarter &starter = newStarter();
    RunnerManager manager(m_chats.get(), m_pubsub.get(), &starter, m_clock.get(), m_options);
    const ChatRecord chat = createChat();
    const RunnerKey key {chat.id, uuid()};
    QVERIFY(manager.spawn({chat.id, uuid(), key.runnerId}));
    Runner *runner = manager.runner(key);
    QVERIFY(runner);
    QSignalSpy cleanups(&manager, &RunnerManager::cleanupRequested);
    QTest::ignoreMessage(
            QtCriticalMsg,
            QRegularExpression(QStringLiteral("chatworker runner run called more than once")));
    QVERIFY(!runner->beginRun()); // spawn ran it once already
    QCOMPARE(cleanups.count(), 1);
    QCOMPARE(cleanups.at(0).at(0).value<RunnerKey>(), key);
    QTRY_VERIFY(!manager.runner(key));
}

void TestChatRuntime::routeStateHintPreservesBufferedHintsWhenFull()
{
    m_options.stateQueueSize = 1;
    RecordingStarter &starter = newStarter();
    RunnerManager manager(m_chats.get(), m_pubsub.get(), &starter, m_clock.get(), m_options);
    const ChatRecord chat = createChat();
    const RunnerKey key {chat.id, uuid()};
    QVERIFY(manager.spawn({chat.id, uuid(), key.runnerId}));
    ChatState v1 = chat.state();
    v1.snapshotVersion = 10;
    ChatState v2 = v1;
    v2.snapshotVersion = 11;
    manager.routeStateHint(v1);
    manager.routeStateHint(v2); // never blocks: the queue is full, v2 goes
    Runner *runner = manager.runner(key);
    QCOMPARE(runner->queuedHints(), QList<ChatState> {v1});
    QCOMPARE(runner->droppedHints(), 1);
    QCOMPARE(manager.runnerInfo(key)->droppedHints, 1);
}

void TestChatRuntime::duplicateSpawnIsRejected()
{
    RecordingStarter &starter = newStarter();
    RunnerManager manager(m_chats.get(), m_pubsub.get(), &starter, m_clock.get(), m_options);
    const ChatRecord chat = createChat();
    const QString runnerId = uuid();
    QVERIFY(manager.spawn({chat.id, uuid(), runnerId}));
    QString error;
    QTest::ignoreMessage(QtCriticalMsg, QRegularExpression(QStringLiteral("already spawned")));
    QVERIFY(!manager.spawn({chat.id, uuid(), runnerId}, &error));
    QCOMPARE(error, QStringLiteral("invalid spawn request: chat runner already spawned"));
    manager.shutdown();
    QVERIFY(!manager.spawn({chat.id, uuid(), uuid()}, &error));
    QCOMPARE(error, QStringLiteral("chatworker: runner manager closed"));
}

void TestChatRuntime::acquisitionSkipsFreshLeaseTakesStale()
{
    RecordingStarter &starterA = newStarter();
    RecordingStarter &starterB = newStarter();
    const ChatRecord chat = createChat();
    ChatWorker *a = makeWorker(&starterA);
    QSignalSpy acquiredA(a, &ChatWorker::acquired);
    QVERIFY(a->start());
    QTRY_COMPARE(acquiredA.count(), 1);
    QTRY_COMPARE(starterA.count(TaskKind::Generation), 1);
    QCOMPARE(row(chat.id).workerId, a->workerId());
    QCOMPARE(row(chat.id).status, ChatStatus::Running);

    // B sees a fresh lease and leaves it.
    ChatWorker *b = makeWorker(&starterB);
    QSignalSpy passesB(b, &ChatWorker::acquisitionPassFinished);
    QSignalSpy acquiredB(b, &ChatWorker::acquired);
    QVERIFY(b->start());
    QTRY_COMPARE(passesB.count(), 1);
    QCOMPARE(acquiredB.count(), 0);

    // A dies without a word (SIGKILL): its heartbeat ages until B's acquisition takes over.
    m_workers.front().reset();
    m_clock->advance(m_options.staleAfter + std::chrono::milliseconds(1));
    b->wake();
    QTRY_COMPARE(acquiredB.count(), 1);
    const ChatRecord taken = row(chat.id);
    QCOMPARE(taken.workerId, b->workerId());
    QTRY_COMPARE(starterB.count(TaskKind::Generation), 1);
    const auto infos = b->manager()->runnerInfos();
    QCOMPARE(infos.size(), 1);
    QVERIFY(infos.front().takenOver);
}

void TestChatRuntime::ignoresDuplicateStateAndCancelsOnStatusChange()
{
    RecordingStarter &starter = newStarter();
    const ChatRecord chat = createChat();
    ChatWorker *worker = makeWorker(&starter);
    QVERIFY(worker->start());
    QTRY_COMPARE(starter.count(TaskKind::Generation), 1);
    const ChatRecord running = row(chat.id);
    // The same snapshot published again starts nothing.
    m_chats->publishUpdate(running);
    m_chats->publishUpdate(running);
    QTest::qWait(50); // proving an absence: let the hints drain
    QCOMPARE(starter.calls.size(), size_t(1));
    // A status change cancels the generation and starts the interrupt.
    await(m_chats->interrupt(chat.id));
    QTRY_COMPARE(starter.count(TaskKind::Interrupt), 1);
    QVERIFY(starter.calls.at(0)->cancelled);
    const auto infos = worker->manager()->runnerInfos();
    QCOMPARE(infos.front().task, QStringLiteral("interrupt"));
}

void TestChatRuntime::serializesReplacementTasksForSameHistoryAndStatus()
{
    RecordingStarter &starter = newStarter();
    starter.ignoreCancel = true; // the first generation keeps running after its cancel
    const ChatRecord chat = createChat();
    ChatWorker *worker = makeWorker(&starter);
    QVERIFY(worker->start());
    QTRY_COMPARE(starter.count(TaskKind::Generation), 1);
    ChatRecord now = row(chat.id);
    const RunnerKey key {chat.id, now.runnerId};
    // running → interrupting → running at the same history.
    ChatState s = now.state();
    s.snapshotVersion = now.snapshotVersion + 1;
    s.status = ChatStatus::Interrupting;
    worker->manager()->routeStateHint(s);
    QTRY_COMPARE(starter.count(TaskKind::Interrupt), 1);
    s.snapshotVersion += 1;
    s.status = ChatStatus::Running;
    worker->manager()->routeStateHint(s);
    QTRY_COMPARE(worker->manager()->runner(key)->tasks().size(), 3);
    QTest::qWait(50);
    QCOMPARE(starter.count(TaskKind::Generation), 1); // waits for the first to return
    RecordingStarter::finish(*starter.calls.at(0), TaskOutcome::expectedExit({}));
    QTRY_COMPARE(starter.count(TaskKind::Generation), 2);
    // A different (history, status) never waited: the interrupt ran at once (above).
}

void TestChatRuntime::taskTimeoutRetriesWithBackoff()
{
    m_options.taskTimeout = std::chrono::milliseconds(60000);
    RecordingStarter &starter = newStarter();
    const ChatRecord chat = createChat();
    ChatWorker *worker = makeWorker(&starter);
    QVERIFY(worker->start());
    QTRY_COMPARE(starter.count(TaskKind::Generation), 1);
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("task timed out")));
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("task retrying")));
    m_clock->advance(m_options.taskTimeout);
    QVERIFY(starter.calls.at(0)->cancelled);
    QCOMPARE(starter.count(TaskKind::Generation), 1);
    m_clock->advance(std::chrono::milliseconds(99));
    QCOMPARE(starter.count(TaskKind::Generation), 1);
    m_clock->advance(std::chrono::milliseconds(1)); // the first backoff: 100 ms
    QCOMPARE(starter.count(TaskKind::Generation), 2);
    QCOMPARE(starter.calls.at(1)->input.historyVersion, starter.calls.at(0)->input.historyVersion);
    // A retryable failure doubles the backoff.
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("task retrying")));
    RecordingStarter::finish(*starter.calls.at(1), TaskOutcome::retryable(QStringLiteral("boom")));
    m_clock->advance(std::chrono::milliseconds(199));
    QCOMPARE(starter.count(TaskKind::Generation), 2);
    m_clock->advance(std::chrono::milliseconds(1));
    QCOMPARE(starter.count(TaskKind::Generation), 3);
}

void TestChatRuntime::databaseSyncCleansUpMissingChat()
{
    RecordingStarter &starter = newStarter();
    const ChatRecord chat = createChat();
    ChatWorker *worker = makeWorker(&starter);
    QVERIFY(worker->start());
    QTRY_COMPARE(starter.count(TaskKind::Generation), 1);
    await(m_store->database().run([id = chat.id](QSqlDatabase &db) {
        Transaction::exec(db, QStringLiteral("DELETE FROM chat_heartbeats WHERE chat_id = ?"),
                          {id});
        Transaction::exec(db, QStringLiteral("DELETE FROM chat_messages WHERE chat_id = ?"), {id});
        Transaction::exec(db, QStringLiteral("DELETE FROM chats WHERE id = ?"), {id});
        return 0;
    }));
    QVERIFY(!worker->manager()->isIdle());
    QSignalSpy idle(worker->manager(), &RunnerManager::idle);
    m_clock->advance(m_options.syncInterval);
    QTRY_COMPARE(idle.count(), 1);
    QVERIFY(starter.calls.at(0)->cancelled);
}

void TestChatRuntime::cleanupWaiterDoesNotBlockShutdown()
{
    RecordingStarter &starter = newStarter();
    starter.ignoreCancel = true;
    const ChatRecord chat = createChat();
    ChatWorker *worker = makeWorker(&starter);
    QVERIFY(worker->start());
    QTRY_COMPARE(starter.count(TaskKind::Generation), 1);
    std::vector<QByteArray> hints;
    PubSub::Listener listener;
    listener.message = [&hints](const QByteArray &p) { hints.push_back(p); };
    PubSub::Subscription sub =
            m_pubsub->subscribe(ChatMessages::ownershipChannel(), this, std::move(listener));
    QSignalSpy finished(worker, &ChatWorker::shutdownFinished);
    worker->shutdown();
    // The task still runs, yet shutdown ends and hands the chat on.
    QTRY_COMPARE(finished.count(), 1);
    QVERIFY(!worker->manager()->isIdle());
    QTRY_VERIFY(!hints.empty());
    QCOMPARE(ChatMessages::decodeOwnership(hints.back(), nullptr)->chatId, chat.id);
    QVERIFY(!row(chat.id).heartbeatAt);
    // The task returns late; the manager drops the runner without waiting on anything.
    RecordingStarter::finish(*starter.calls.at(0), TaskOutcome::expectedExit({}));
    QTRY_VERIFY(worker->manager()->isIdle());
}

namespace {

// A dial that answers at once: `reachable` agents connect, the others fail.
LazyDialer::DialFunc instantDial(QStringList reachable, QStringList *dialled = nullptr)
{
    return [reachable, dialled](const QString &agentId, LazyDialer::DialDone done) {
        if (dialled) {
            dialled->append(agentId);
        }
        if (reachable.contains(agentId)) {
            done(DialedAgent {agentId, QUrl(QStringLiteral("http://127.0.0.1:1")), "t", {}}, {});
        } else {
            done(std::nullopt, QStringLiteral("connection refused"));
        }
        return std::function<void()>();
    };
}

QStringList eventKinds(const QSignalSpy &spy)
{
    QStringList kinds;
    for (const QList<QVariant> &arguments : spy) {
        kinds << arguments.at(1).value<RunnerEvent>().kind;
    }
    return kinds;
}

} // namespace

void TestChatRuntime::noProviderEndsInErrorAndReleases()
{
    auto &tasks = newStarter<ChatTasks>(m_chats.get(), m_clock.get());
    const ChatRecord chat = createChat();
    tasks.setDial(instantDial({chat.agentId}));
    ChatWorker *worker = makeWorker(&tasks);
    QVERIFY(worker->start());
    QTRY_COMPARE(row(chat.id).status, ChatStatus::Error);
    QCOMPARE(row(chat.id).lastError, ChatTasks::NoProviderMessage);
    // error → abandon → the lease released, the runner cleaned up.
    QTRY_VERIFY(row(chat.id).workerId.isEmpty());
    QTRY_VERIFY(worker->manager()->isIdle());
    const QList<ChatMessageRecord> messages = await(m_chats->messages(chat.id));
    QCOMPARE(messages.size(), 1);
    QVERIFY(!messages.front().queued); // the first message joined the history
}

void TestChatRuntime::noAgentEndsInErrorWithUpstreamText()
{
    // The real dial: the agent never reported where its API is, and the workspace's only
    // build has not finished, so the workspace runs no agent.
    auto &tasks = newStarter<ChatTasks>(m_chats.get(), m_clock.get());
    const ChatRecord chat = createChat();
    ChatWorker *worker = makeWorker(&tasks);
    QSignalSpy events(worker->manager(), &RunnerManager::runnerEvent);
    QVERIFY(worker->start());
    QTRY_COMPARE(row(chat.id).status, ChatStatus::Error);
    QCOMPARE(row(chat.id).lastError, LazyDialer::noAgentMessage());
    QTRY_VERIFY(eventKinds(events).contains(QStringLiteral("dial_failed")));
    QTRY_VERIFY(worker->manager()->isIdle());
}

void TestChatRuntime::dialSwitchesToTheWorkspacesCurrentAgent()
{
    const QList<BuildRecord> builds = await(m_store->builds(m_workspaceId));
    QVERIFY(!builds.isEmpty());
    await(m_store->completeBuild(builds.front().id, QStringLiteral("succeeded"), {}));
    const ChatRecord chat = createChat();
    const QString current = chat.agentId;
    QVERIFY(!current.isEmpty());
    // As if bound before a rebuild replaced the agent.
    await(m_chats->bindAgent(chat.id, QStringLiteral("agent-before-the-rebuild")));
    QStringList dialled;
    auto &tasks = newStarter<ChatTasks>(m_chats.get(), m_clock.get());
    tasks.setDial(instantDial({current}, &dialled));
    ChatWorker *worker = makeWorker(&tasks);
    QSignalSpy events(worker->manager(), &RunnerManager::runnerEvent);
    QVERIFY(worker->start());
    QTRY_COMPARE(row(chat.id).status, ChatStatus::Error);
    QCOMPARE(row(chat.id).lastError, ChatTasks::NoProviderMessage); // dialled, then no model
    QCOMPARE(row(chat.id).agentId, current); // the new binding persisted
    QCOMPARE(dialled, (QStringList {QStringLiteral("agent-before-the-rebuild"), current}));
    QVERIFY(eventKinds(events).contains(QStringLiteral("dial_switched")));
}

void TestChatRuntime::dialFailureRetries()
{
    const QList<BuildRecord> builds = await(m_store->builds(m_workspaceId));
    await(m_store->completeBuild(builds.front().id, QStringLiteral("succeeded"), {}));
    const ChatRecord chat = createChat();
    QStringList dialled;
    auto &tasks = newStarter<ChatTasks>(m_chats.get(), m_clock.get());
    tasks.setDial(instantDial({}, &dialled)); // the agent is there but does not answer
    ChatWorker *worker = makeWorker(&tasks);
    QSignalSpy events(worker->manager(), &RunnerManager::runnerEvent);
    QVERIFY(worker->start());
    QTRY_VERIFY(eventKinds(events).contains(QStringLiteral("task_retrying")));
    QVERIFY(eventKinds(events).contains(QStringLiteral("dial_failed")));
    const qsizetype before = dialled.size();
    m_clock->advance(m_options.taskRetryMaxBackoff); // past the first backoff
    QTRY_VERIFY(dialled.size() > before);
    QCOMPARE(row(chat.id).status, ChatStatus::Running); // still trying, not failed
}

void TestChatRuntime::interruptEndsWaiting()
{
    auto &tasks = newStarter<ChatTasks>(m_chats.get(), m_clock.get());
    const ChatRecord chat = createChat();
    await(m_chats->interrupt(chat.id)); // pending → interrupting, before any worker runs
    ChatWorker *worker = makeWorker(&tasks);
    QVERIFY(worker->start());
    QTRY_COMPARE(row(chat.id).status, ChatStatus::Waiting);
    QTRY_VERIFY(worker->manager()->isIdle());
    // Waiting has nothing to interrupt.
    bool conflict = false;
    try {
        await(m_chats->interrupt(chat.id));
    } catch (const StoreError &e) {
        conflict = e.kind() == StoreError::Kind::Conflict;
    }
    QVERIFY(conflict);
}

void TestChatRuntime::requiresActionWithoutDeadlineIsCancelled()
{
    auto &tasks = newStarter<ChatTasks>(m_chats.get(), m_clock.get());
    const ChatRecord chat = createChat(QString());
    const qint64 deadline = m_clock->nowMSecs() + 60000;
    await(m_store->database().run([id = chat.id, deadline](QSqlDatabase &db) {
        Transaction::exec(db,
                          QStringLiteral("UPDATE chats SET status = 'requires_action', "
                                         "requires_action_deadline_at = ? WHERE id = ?"),
                          {deadline, id});
        return 0;
    }));
    ChatWorker *worker = makeWorker(&tasks);
    QVERIFY(worker->start());
    QTRY_VERIFY(!row(chat.id).workerId.isEmpty());
    QTest::qWait(50);
    QCOMPARE(row(chat.id).status, ChatStatus::RequiresAction); // before its deadline
    m_clock->advance(std::chrono::milliseconds(60000));
    QTRY_COMPARE(row(chat.id).status, ChatStatus::Waiting);
    const QList<ChatMessageRecord> messages = await(m_chats->messages(chat.id));
    QCOMPARE(messages.back().content, ChatTasks::TimedOutMessage);
}

void TestChatRuntime::autoArchiveCutoffIsUtcMidnight()
{
    const qint64 afternoon =
            QDateTime(QDate(2026, 12, 3), QTime(15, 0), QTimeZone::UTC).toMSecsSinceEpoch();
    const qint64 justAfterMidnight =
            QDateTime(QDate(2026, 12, 3), QTime(0, 0, 1), QTimeZone::UTC).toMSecsSinceEpoch();
    const qint64 expected =
            QDateTime(QDate(2026, 9, 4), QTime(0, 0), QTimeZone::UTC).toMSecsSinceEpoch();
    QCOMPARE(ChatWorker::autoArchiveCutoff(afternoon, 90), expected);
    QCOMPARE(ChatWorker::autoArchiveCutoff(justAfterMidnight, 90), expected);
}

void TestChatRuntime::autoArchiveArchivesOnlyInactive()
{
    const ChatRecord old = createChat(QString());
    const ChatRecord fresh = createChat(QString());
    const qint64 cutoff = ChatWorker::autoArchiveCutoff(m_clock->nowMSecs(), 90);
    await(m_store->database().run([id = old.id, cutoff](QSqlDatabase &db) {
        Transaction::exec(db, QStringLiteral("UPDATE chats SET updated_at = ? WHERE id = ?"),
                          {cutoff - 1, id});
        return 0;
    }));
    m_options.autoArchiveDays = 90;
    RecordingStarter &starter = newStarter();
    ChatWorker *worker = makeWorker(&starter);
    QSignalSpy archived(worker, &ChatWorker::archived);
    QVERIFY(worker->start());
    QTRY_COMPARE(archived.count(), 1);
    QVERIFY(row(old.id).archived);
    QVERIFY(!row(fresh.id).archived);
    QCOMPARE(row(old.id).snapshotVersion, old.snapshotVersion + 1);
}

QTEST_GUILESS_MAIN(TestChatRuntime)
#include "tst_chatruntime.moc"
