// bench_runners: the measurements of scripts/bench runners, one JSON object a line on stdout.
//   bench_runners [--runners R] [--hints N] [--rounds K] [--latency M] [--restart-every E]
//     A RunnerManager on a real ControlPlaneStore (SQLite in a temp dir), a MemoryPubSub and
//     the system clock, with R chats acquired and R runners bootstrapped. Then, K rounds,
//     interleaved with the baseline (R plain ring buffers of stateQueueSize slots):
//       burst    N hints back to back, no event-loop turn: every queue fills, the rest drop
//       batched  N hints in batches of R x stateQueueSize (every queue exactly full), the
//                event loop draining between batches (not timed): nothing drops
//     the producer's time only; then one pass of each mode timing every call, with the
//     thread's context switches meanwhile (none voluntary: it never went to sleep); then M paced
//     hints, one in flight, timed from routeStateHint() to the runner's changed() after it has
//     processed the hint, and M more through chat:update on the pubsub.
//   bench_runners --smoke   everything once, tiny (CTest)
// Every hint is newer than the last (snapshot_version + 1) and carries the runner's lease, as
// a chat:update does. Of every E hints per chat, E - 1 queue a message (queue_version + 1:
// the runner records the state, no task changes) and one flips the turn (running ->
// interrupting at the same history, interrupting -> running at the next): the runner cancels
// its task and starts the next one (generation or interrupt).
#include "chat/chatruntimeoptions.h"
#include "chat/chatstate.h"
#include "chat/chatstore.h"
#include "chat/chattask.h"
#include "chat/runner.h"
#include "chat/runnermanager.h"
#include "common/clock.h"
#include "pubsub/memorypubsub.h"
#include "store/controlplanestore.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QUuid>

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace {

qint64 nowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::steady_clock::now().time_since_epoch())
            .count();
}

QString uuid()
{
    return QUuid::createUuid().toString(QUuid::WithoutBraces);
}

double percentile(std::vector<qint64> values, double p)
{
    if (values.empty()) {
        return 0;
    }
    std::sort(values.begin(), values.end());
    const size_t i = std::min(values.size() - 1, size_t(p * double(values.size() - 1) + 0.5));
    return double(values[i]);
}

void printRow(const QJsonObject &row)
{
    std::printf("%s\n", QJsonDocument(row).toJson(QJsonDocument::Compact).constData());
    std::fflush(stdout);
}

qint64 peakRssKib()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly)) {
        return 0;
    }
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmHWM:")) {
            return line.mid(6).trimmed().split(' ').value(0).toLongLong();
        }
    }
    return 0;
}

// Spins the event loop until `done` or `ms`; false on timeout.
bool waitFor(const std::function<bool()> &done, int ms)
{
    QElapsedTimer timer;
    timer.start();
    while (!done()) {
        if (timer.elapsed() > ms) {
            return false;
        }
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 10);
    }
    return true;
}

// A store job's result, or null with the job's error on stderr.
template<typename T>
std::optional<T> await(QFuture<T> future, const char *what)
{
    if (!waitFor([&] { return future.isFinished(); }, 30'000)) {
        std::fprintf(stderr, "%s: no answer within 30 s\n", what);
        return std::nullopt;
    }
    try {
        return future.result();
    } catch (const StoreError &e) {
        std::fprintf(stderr, "%s: %s\n", what, qPrintable(e.message()));
    } catch (const std::exception &e) {
        std::fprintf(stderr, "%s: %s\n", what, e.what());
    }
    return std::nullopt;
}

// Counts the tasks the runners start. Each stays running until cancelled, then returns at
// once, as ChatTasks' canceller does.
class CountingStarter : public TaskStarter
{
public:
    std::function<void()> start(const TaskInput &, Done done) override
    {
        ++starts;
        auto pending = std::make_shared<Done>(std::move(done));
        return [this, pending] {
            ++cancels;
            if (Done finish = std::exchange(*pending, {})) {
                finish(TaskOutcome::expectedExit(QStringLiteral("context canceled")));
            }
        };
    }
    qint64 starts = 0;
    qint64 cancels = 0;
};

// The next hint of each chat: always newer; every `restartEvery`-th flips the turn.
class HintSource
{
public:
    HintSource(std::vector<ChatState> initial, int restartEvery)
        : m_current(std::move(initial))
        , m_counts(m_current.size(), 0)
        , m_restartEvery(restartEvery)
    { }
    // Advances chat `c`'s state; true when the hint changes the turn (a task restart).
    bool advance(size_t c)
    {
        ChatState &s = m_current[c];
        ++s.snapshotVersion;
        if (m_restartEvery > 0 && ++m_counts[c] % m_restartEvery == 0) {
            if (s.status == ChatStatus::Running) {
                s.status = ChatStatus::Interrupting;
            } else {
                s.status = ChatStatus::Running;
                ++s.historyVersion;
            }
            return true;
        }
        ++s.queueVersion; // a message queued behind the running turn
        return false;
    }
    const ChatState &current(size_t c) const { return m_current[c]; }
    size_t chats() const { return m_current.size(); }

private:
    std::vector<ChatState> m_current;
    std::vector<qint64> m_counts;
    int m_restartEvery;
};

// The baseline: one plain bounded queue per runner, a ring of `capacity` preallocated slots;
// a push onto a full ring drops the hint and counts it, as the runner's queue does.
class BoundedQueues
{
public:
    BoundedQueues(size_t queues, int capacity)
        : m_rings(queues, Ring {std::vector<ChatState>(size_t(capacity)), 0, 0})
        , m_capacity(size_t(capacity))
    { }
    void push(size_t queue, const ChatState &state)
    {
        Ring &ring = m_rings[queue];
        if (ring.size == m_capacity) {
            ++dropped;
            return;
        }
        ring.slots[(ring.head + ring.size) % m_capacity] = state;
        ++ring.size;
    }
    // The consumer, untimed: takes everything.
    void clear()
    {
        for (Ring &ring : m_rings) {
            ring.head = (ring.head + ring.size) % m_capacity;
            ring.size = 0;
        }
    }
    qint64 dropped = 0;

private:
    struct Ring
    {
        std::vector<ChatState> slots;
        size_t head;
        size_t size;
    };
    std::vector<Ring> m_rings;
    size_t m_capacity;
};

// Waits asleep in the event dispatcher until finish() (as bench_pubsub's Waiter).
struct Waiter
{
    bool done = false;
    bool wait(int ms)
    {
        QElapsedTimer timer;
        timer.start();
        while (!done && timer.elapsed() < ms) {
            QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
        }
        return std::exchange(done, false);
    }
};

enum class Mode { Burst, Batched };

QString modeName(Mode mode)
{
    return mode == Mode::Burst ? QStringLiteral("burst") : QStringLiteral("batched");
}

class Bench
{
public:
    struct Options
    {
        int runners = 100;
        qint64 hints = 1'000'000;
        int rounds = 3;
        int latency = 20'000;
        int restartEvery = 4;
    };

    explicit Bench(const Options &options)
        : m_options(options)
    {
        m_runtime.autoArchiveDays = 0;
    }

    bool setUp();
    bool run();

private:
    qint64 droppedHints() const;
    qint64 queued() const;
    // Lets the event loop run until every queue is empty: how long it took, in ns.
    std::optional<qint64> drain();
    bool throughputOurs(Mode mode, int round);
    void throughputBaseline(Mode mode, int round);
    bool callTimes(Mode mode);
    bool latency(bool viaPubsub);
    bool check();

    Options m_options;
    ChatRuntimeOptions m_runtime;
    QTemporaryDir m_dir;
    std::unique_ptr<ControlPlaneStore> m_store;
    std::unique_ptr<MemoryPubSub> m_pubsub;
    std::unique_ptr<ChatStore> m_chats;
    CountingStarter m_starter;
    std::unique_ptr<RunnerManager> m_manager;
    std::vector<Runner *> m_runners; // index = chat
    std::unique_ptr<HintSource> m_source;
    std::unique_ptr<HintSource> m_baselineSource;
    qint64 m_cleanups = 0;

    // The paced probe: which runner, which version, when its changed() came.
    QObject m_context;
    Runner *m_probeRunner = nullptr;
    qint64 m_probeVersion = 0;
    qint64 m_probeAt = 0;
    Waiter m_waiter;
};

bool Bench::setUp()
{
    const qint64 t0 = nowNs();
    QString error;
    const auto location = DatabaseLocation::parse(
            QStringLiteral("sqlite:") + m_dir.filePath(QStringLiteral("bench.db")), &error);
    if (!location) {
        std::fprintf(stderr, "%s\n", qPrintable(error));
        return false;
    }
    m_store = std::make_unique<ControlPlaneStore>(*location);
    if (!await(m_store->open(), "open")) {
        return false;
    }
    m_pubsub = std::make_unique<MemoryPubSub>();
    m_chats = std::make_unique<ChatStore>(m_store->database(), m_pubsub.get(), Clock::system());
    const std::optional<WorkspaceRecord> workspace =
            await(m_store->createWorkspace(QStringLiteral("bench"), QStringLiteral("bench"), false,
                                           QStringLiteral("main"), QByteArray(64, 'a')),
                  "create workspace");
    if (!workspace) {
        return false;
    }
    m_manager = std::make_unique<RunnerManager>(m_chats.get(), m_pubsub.get(), &m_starter,
                                                Clock::system(), m_runtime);
    QObject::connect(m_manager.get(), &RunnerManager::cleanupRequested, &m_context,
                     [this](const RunnerKey &key) {
                         ++m_cleanups;
                         std::fprintf(stderr, "runner of chat %s asked for cleanup\n",
                                      qPrintable(key.chatId));
                     });
    m_manager->start(); // the sync, heartbeat and cleanup loops run as in production

    // Created and acquired as a worker does: the rows hold the leases the runners run under.
    const QString workerId = uuid();
    std::vector<QFuture<ChatRecord>> created;
    for (int i = 0; i < m_options.runners; ++i) {
        created.push_back(m_chats->createChat(workspace->id, QStringLiteral("chat %1").arg(i),
                                              QStringLiteral("hello")));
    }
    std::vector<QFuture<std::optional<ChatRecord>>> acquired;
    for (QFuture<ChatRecord> &future : created) {
        const std::optional<ChatRecord> chat = await(future, "create chat");
        if (!chat) {
            return false;
        }
        acquired.push_back(
                m_chats->acquire(chat->id, workerId, uuid(), m_runtime.staleAfter.count()));
    }
    for (QFuture<std::optional<ChatRecord>> &future : acquired) {
        const std::optional<std::optional<ChatRecord>> chat = await(future, "acquire");
        if (!chat || !*chat) {
            std::fprintf(stderr, "a chat could not be acquired\n");
            return false;
        }
        const RunnerKey key {(*chat)->id, (*chat)->runnerId};
        if (!m_manager->spawn({key.chatId, workerId, key.runnerId}, &error)) {
            std::fprintf(stderr, "spawn: %s\n", qPrintable(error));
            return false;
        }
        Runner *runner = m_manager->runner(key);
        m_runners.push_back(runner);
        QObject::connect(runner, &Runner::changed, &m_context, [this, runner] {
            if (runner != m_probeRunner) {
                return;
            }
            const std::optional<ChatState> state = runner->lastState();
            if (state && state->snapshotVersion >= m_probeVersion) {
                // The last changed() of the turn wins: the one at the end of the drain.
                m_probeAt = nowNs();
                m_waiter.done = true;
            }
        });
    }
    const bool bootstrapped = waitFor(
            [this] {
                return std::all_of(m_runners.begin(), m_runners.end(), [](Runner *runner) {
                    return runner->isBootstrapped() && runner->lastState();
                });
            },
            30'000);
    if (!bootstrapped || m_starter.starts < m_options.runners) {
        std::fprintf(stderr, "the runners did not bootstrap (%lld generations started)\n",
                     static_cast<long long>(m_starter.starts));
        return false;
    }
    std::vector<ChatState> states;
    for (Runner *runner : m_runners) {
        states.push_back(*runner->lastState());
    }
    m_source = std::make_unique<HintSource>(states, m_options.restartEvery);
    m_baselineSource = std::make_unique<HintSource>(states, m_options.restartEvery);
    printRow({{QStringLiteral("row"), QStringLiteral("setup")},
              {QStringLiteral("runners"), m_options.runners},
              {QStringLiteral("queue_size"), m_runtime.stateQueueSize},
              {QStringLiteral("restart_every"), m_options.restartEvery},
              {QStringLiteral("bootstrap_ms"), double(nowNs() - t0) / 1e6},
              {QStringLiteral("generations_started"), m_starter.starts}});
    return true;
}

qint64 Bench::droppedHints() const
{
    qint64 dropped = 0;
    for (const RunnerManager::RunnerInfo &info : m_manager->runnerInfos()) {
        dropped += info.droppedHints;
    }
    return dropped;
}

qint64 Bench::queued() const
{
    qint64 depth = 0;
    for (Runner *runner : m_runners) {
        depth += runner->queueDepth();
    }
    return depth;
}

std::optional<qint64> Bench::drain()
{
    const qint64 t0 = nowNs();
    if (!waitFor([this] { return queued() == 0; }, 60'000)) {
        std::fprintf(stderr, "the runners did not drain their queues within 60 s\n");
        return std::nullopt;
    }
    return nowNs() - t0;
}

bool Bench::throughputOurs(Mode mode, int round)
{
    const size_t chats = m_source->chats();
    const qint64 batch =
            mode == Mode::Burst ? m_options.hints : qint64(chats) * m_runtime.stateQueueSize;
    const qint64 droppedBefore = droppedHints();
    const qint64 startsBefore = m_starter.starts;
    qint64 producerNs = 0;
    qint64 drainNs = 0;
    qint64 restarts = 0;
    for (qint64 sent = 0; sent < m_options.hints;) {
        const qint64 n = std::min(batch, m_options.hints - sent);
        const qint64 t0 = nowNs();
        for (qint64 i = 0; i < n; ++i) {
            const size_t c = size_t(sent + i) % chats;
            restarts += m_source->advance(c) ? 1 : 0;
            m_manager->routeStateHint(m_source->current(c));
        }
        producerNs += nowNs() - t0;
        sent += n;
        const std::optional<qint64> drained = drain();
        if (!drained) {
            return false;
        }
        drainNs += *drained;
    }
    const qint64 dropped = droppedHints() - droppedBefore;
    const qint64 accepted = m_options.hints - dropped;
    printRow({{QStringLiteral("row"), QStringLiteral("throughput")},
              {QStringLiteral("impl"), QStringLiteral("ours")},
              {QStringLiteral("mode"), modeName(mode)},
              {QStringLiteral("round"), round},
              {QStringLiteral("hints"), m_options.hints},
              {QStringLiteral("producer_ms"), double(producerNs) / 1e6},
              {QStringLiteral("hints_per_s"), double(m_options.hints) / (double(producerNs) / 1e9)},
              {QStringLiteral("ns_each"), double(producerNs) / double(m_options.hints)},
              {QStringLiteral("accepted"), accepted},
              {QStringLiteral("dropped"), dropped},
              {QStringLiteral("restart_hints_sent"), restarts},
              {QStringLiteral("tasks_started"), m_starter.starts - startsBefore},
              {QStringLiteral("drain_ms"), double(drainNs) / 1e6},
              {QStringLiteral("drained_hints_per_s"),
               drainNs > 0 ? double(accepted) / (double(drainNs) / 1e9) : 0.0}});
    return true;
}

void Bench::throughputBaseline(Mode mode, int round)
{
    const size_t chats = m_baselineSource->chats();
    const qint64 batch =
            mode == Mode::Burst ? m_options.hints : qint64(chats) * m_runtime.stateQueueSize;
    BoundedQueues queues(chats, m_runtime.stateQueueSize);
    qint64 producerNs = 0;
    for (qint64 sent = 0; sent < m_options.hints;) {
        const qint64 n = std::min(batch, m_options.hints - sent);
        const qint64 t0 = nowNs();
        for (qint64 i = 0; i < n; ++i) {
            const size_t c = size_t(sent + i) % chats;
            m_baselineSource->advance(c);
            queues.push(c, m_baselineSource->current(c));
        }
        producerNs += nowNs() - t0;
        sent += n;
        queues.clear();
    }
    printRow({{QStringLiteral("row"), QStringLiteral("throughput")},
              {QStringLiteral("impl"), QStringLiteral("baseline")},
              {QStringLiteral("mode"), modeName(mode)},
              {QStringLiteral("round"), round},
              {QStringLiteral("hints"), m_options.hints},
              {QStringLiteral("producer_ms"), double(producerNs) / 1e6},
              {QStringLiteral("hints_per_s"), double(m_options.hints) / (double(producerNs) / 1e9)},
              {QStringLiteral("ns_each"), double(producerNs) / double(m_options.hints)},
              {QStringLiteral("accepted"), m_options.hints - queues.dropped},
              {QStringLiteral("dropped"), queues.dropped}});
}

bool Bench::callTimes(Mode mode)
{
    const size_t chats = m_source->chats();
    const qint64 batch =
            mode == Mode::Burst ? m_options.hints : qint64(chats) * m_runtime.stateQueueSize;
    // Zero-filled first, so that its page faults are not counted as the calls'.
    std::vector<qint64> calls(size_t(m_options.hints), 0);
    // What the kernel did to this thread meanwhile. A voluntary switch is the thread going to
    // sleep (a lock, I/O, a wait): blocking; an involuntary one is the scheduler preempting it,
    // which a long call on a busy machine shows without having waited for anything.
    rusage before {};
    getrusage(RUSAGE_THREAD, &before);
    rusage during {};
    for (qint64 sent = 0; sent < m_options.hints;) {
        const qint64 n = std::min(batch, m_options.hints - sent);
        for (qint64 i = 0; i < n; ++i) {
            const size_t c = size_t(sent + i) % chats;
            m_source->advance(c);
            const qint64 t0 = nowNs();
            m_manager->routeStateHint(m_source->current(c));
            calls[size_t(sent + i)] = nowNs() - t0;
        }
        sent += n;
        rusage now {};
        getrusage(RUSAGE_THREAD, &now);
        during.ru_nvcsw += now.ru_nvcsw - before.ru_nvcsw;
        during.ru_nivcsw += now.ru_nivcsw - before.ru_nivcsw;
        during.ru_minflt += now.ru_minflt - before.ru_minflt;
        during.ru_majflt += now.ru_majflt - before.ru_majflt;
        if (!drain()) { // not counted: the drain is the consumer's
            return false;
        }
        getrusage(RUSAGE_THREAD, &before);
    }
    // The first hint to each runner in a turn also queues the runner's drain.
    std::vector<qint64> firstInTurn;
    std::vector<qint64> others;
    for (size_t k = 0; k < calls.size(); ++k) {
        ((k % size_t(batch)) < chats ? firstInTurn : others).push_back(calls[k]);
    }
    const auto over = [&calls](qint64 ns) {
        return qint64(std::count_if(calls.begin(), calls.end(), [ns](qint64 c) { return c > ns; }));
    };
    printRow({{QStringLiteral("row"), QStringLiteral("calls")},
              {QStringLiteral("mode"), modeName(mode)},
              {QStringLiteral("hints"), m_options.hints},
              {QStringLiteral("p50_ns"), percentile(calls, 0.50)},
              {QStringLiteral("p99_ns"), percentile(calls, 0.99)},
              {QStringLiteral("p999_ns"), percentile(calls, 0.999)},
              {QStringLiteral("max_ns"), double(*std::max_element(calls.begin(), calls.end()))},
              {QStringLiteral("first_in_turn_count"), qint64(firstInTurn.size())},
              {QStringLiteral("first_in_turn_p50_ns"), percentile(firstInTurn, 0.50)},
              {QStringLiteral("first_in_turn_p99_ns"), percentile(firstInTurn, 0.99)},
              {QStringLiteral("others_p50_ns"), percentile(others, 0.50)},
              {QStringLiteral("others_p99_ns"), percentile(others, 0.99)},
              {QStringLiteral("over_10us"), over(10'000)},
              {QStringLiteral("over_100us"), over(100'000)},
              {QStringLiteral("over_1ms"), over(1'000'000)},
              {QStringLiteral("voluntary_switches"), qint64(during.ru_nvcsw)},
              {QStringLiteral("involuntary_switches"), qint64(during.ru_nivcsw)},
              {QStringLiteral("minor_faults"), qint64(during.ru_minflt)},
              {QStringLiteral("major_faults"), qint64(during.ru_majflt)}});
    return true;
}

bool Bench::latency(bool viaPubsub)
{
    const size_t chats = m_source->chats();
    std::vector<qint64> all;
    std::vector<qint64> snapshotOnly;
    std::vector<qint64> restart;
    const qint64 droppedBefore = droppedHints();
    for (int i = 0; i < m_options.latency; ++i) {
        const size_t c = size_t(i) % chats;
        const bool restarts = m_source->advance(c);
        const ChatState &state = m_source->current(c);
        // Built before the clock starts: what a publisher has in hand.
        const QString channel = ChatMessages::updateChannel(state.chatId);
        const QByteArray payload = viaPubsub ? ChatMessages::encodeUpdate(state) : QByteArray();
        m_probeRunner = m_runners[c];
        m_probeVersion = state.snapshotVersion;
        m_probeAt = 0;
        const qint64 t0 = nowNs();
        if (viaPubsub) {
            m_pubsub->publish(channel, payload);
        } else {
            m_manager->routeStateHint(state);
        }
        if (!m_waiter.wait(5000)) {
            std::fprintf(stderr, "hint %d: the runner did not take it within 5 s\n", i);
            return false;
        }
        const qint64 ns = m_probeAt - t0;
        all.push_back(ns);
        (restarts ? restart : snapshotOnly).push_back(ns);
    }
    m_probeRunner = nullptr;
    const auto row = [&](const QString &kind, const std::vector<qint64> &ns) {
        printRow({{QStringLiteral("row"), QStringLiteral("latency")},
                  {QStringLiteral("path"),
                   viaPubsub ? QStringLiteral("pubsub") : QStringLiteral("route")},
                  {QStringLiteral("kind"), kind},
                  {QStringLiteral("count"), qint64(ns.size())},
                  {QStringLiteral("p50_us"), percentile(ns, 0.50) / 1000.0},
                  {QStringLiteral("p99_us"), percentile(ns, 0.99) / 1000.0},
                  {QStringLiteral("max_us"),
                   ns.empty() ? 0.0 : double(*std::max_element(ns.begin(), ns.end())) / 1000.0},
                  {QStringLiteral("dropped"), droppedHints() - droppedBefore}});
    };
    row(QStringLiteral("all"), all);
    row(QStringLiteral("snapshot_only"), snapshotOnly);
    row(QStringLiteral("restart"), restart);
    return true;
}

// Every runner is still there, took its latest hint, and nobody asked for a cleanup: the
// hints were valid ones.
bool Bench::check()
{
    int current = 0;
    for (size_t c = 0; c < m_runners.size(); ++c) {
        current += m_runners[c]->lastState() == m_source->current(c) ? 1 : 0;
    }
    const qint64 alive = m_manager->keys().size();
    printRow({{QStringLiteral("row"), QStringLiteral("check")},
              {QStringLiteral("runners_alive"), alive},
              {QStringLiteral("runners_current"), current},
              {QStringLiteral("cleanups"), m_cleanups},
              {QStringLiteral("tasks_started"), m_starter.starts},
              {QStringLiteral("tasks_cancelled"), m_starter.cancels},
              {QStringLiteral("peak_rss_kib"), peakRssKib()}});
    return alive == m_options.runners && current == m_options.runners && m_cleanups == 0;
}

bool Bench::run()
{
    if (!setUp()) {
        return false;
    }
    for (int round = 1; round <= m_options.rounds; ++round) {
        for (Mode mode : {Mode::Burst, Mode::Batched}) {
            // Interleaved, so that a change in machine load hits both alike.
            if (!throughputOurs(mode, round)) {
                return false;
            }
            throughputBaseline(mode, round);
        }
    }
    if (!callTimes(Mode::Burst) || !callTimes(Mode::Batched)) {
        return false;
    }
    if (!latency(false) || !latency(true)) {
        return false;
    }
    return check();
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    const QCommandLineOption runners(QStringLiteral("runners"), {}, QStringLiteral("n"),
                                     QStringLiteral("100"));
    const QCommandLineOption hints(QStringLiteral("hints"), {}, QStringLiteral("n"),
                                   QStringLiteral("1000000"));
    const QCommandLineOption rounds(QStringLiteral("rounds"), {}, QStringLiteral("n"),
                                    QStringLiteral("3"));
    const QCommandLineOption latency(QStringLiteral("latency"), {}, QStringLiteral("n"),
                                     QStringLiteral("20000"));
    const QCommandLineOption restartEvery(QStringLiteral("restart-every"), {}, QStringLiteral("n"),
                                          QStringLiteral("4"));
    const QCommandLineOption smoke(QStringLiteral("smoke"));
    parser.addOptions({runners, hints, rounds, latency, restartEvery, smoke});
    parser.process(app);
    Bench::Options options;
    if (parser.isSet(smoke)) {
        options.runners = 5;
        options.hints = 2000;
        options.rounds = 1;
        options.latency = 100;
    } else {
        options.runners = parser.value(runners).toInt();
        options.hints = parser.value(hints).toLongLong();
        options.rounds = parser.value(rounds).toInt();
        options.latency = parser.value(latency).toInt();
        options.restartEvery = parser.value(restartEvery).toInt();
    }
    if (options.runners < 1 || options.hints < 1 || options.rounds < 1 || options.latency < 1 ||
        options.restartEvery < 0) {
        parser.showHelp(2);
    }
    Bench bench(options);
    return bench.run() ? 0 : 1;
}
