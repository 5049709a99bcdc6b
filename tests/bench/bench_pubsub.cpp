// bench_pubsub: the measurements of scripts/bench pubsub, one JSON object a line on stdout.
//   bench_pubsub --memory --messages N        MemoryPubSub: publish->deliver latency (one in
//                                             flight, N round trips) and throughput (N
//                                             published back to back)
//   bench_pubsub --postgres URL --rounds N    PostgresPubSub round trips (publish, delivered to
//                                             its own LISTEN), against raw libpq on one
//                                             connection doing the same (NOTIFY, then poll the
//                                             socket for the notification), interleaved
//   bench_pubsub --claims N [--database URL]  claim -> agent reinitialized: a control plane
//                                             (SQLite in a temp dir, or URL) and an in-process
//                                             agent per claim; from the claim request to the
//                                             agent's "reinitialized" in the log
//   bench_pubsub --smoke                      each mode once, tiny (CTest; no PostgreSQL)
#include "agent/agentsupervisor.h"
#include "controlplane/controlplane.h"
#include "http/apiclient.h"
#include "pubsub/memorypubsub.h"
#include "pubsub/postgrespubsub.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTimer>

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <vector>

namespace {

QElapsedTimer clockStart;

qint64 nowNs()
{
    return clockStart.nsecsElapsed();
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

QJsonObject latencyRow(const QString &name, const std::vector<qint64> &ns)
{
    return {{QStringLiteral("row"), name},
            {QStringLiteral("count"), qint64(ns.size())},
            {QStringLiteral("p50_us"), percentile(ns, 0.50) / 1000.0},
            {QStringLiteral("p95_us"), percentile(ns, 0.95) / 1000.0},
            {QStringLiteral("p99_us"), percentile(ns, 0.99) / 1000.0}};
}

// Spins the event loop until `done` or `ms` (setup, and the millisecond-scale claims); false
// on timeout.
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

// Waits asleep in the event dispatcher (ppoll), as a server's event loop does, rather than
// spinning it. Not a nested QEventLoop with a timeout QTimer per wait: that machinery alone
// added about 55 us a round here, which is the harness's cost, not the pubsub's.
struct Waiter
{
    bool done = false;
    void finish() { done = true; }
    // Until finish() (maybe called already) or `ms`; false on timeout.
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

bool benchMemory(int messages)
{
    MemoryPubSub pubsub(messages + 16);
    QObject context;
    qint64 deliveredAt = 0;
    int delivered = 0;
    Waiter waiter;
    PubSub::Subscription subscription = pubsub.subscribe(QStringLiteral("bench"), &context,
                                                         {[&](const QByteArray &) {
                                                              deliveredAt = nowNs();
                                                              ++delivered;
                                                              waiter.finish();
                                                          },
                                                          {}});
    const QByteArray payload(200, 'x'); // about a claim event's size
    std::vector<qint64> latencies;
    latencies.reserve(size_t(messages));
    for (int i = 0; i < messages; ++i) {
        const qint64 t0 = nowNs();
        pubsub.publish(QStringLiteral("bench"), payload);
        if (!waiter.wait(5000)) {
            return false;
        }
        latencies.push_back(deliveredAt - t0);
    }
    printRow(latencyRow(QStringLiteral("memory_latency"), latencies));
    waiter.done = false;

    delivered = 0;
    const qint64 t0 = nowNs();
    for (int i = 0; i < messages; ++i) {
        pubsub.publish(QStringLiteral("bench"), payload);
    }
    const qint64 published = nowNs();
    if (!waitFor([&] { return delivered >= messages; }, 60'000)) {
        return false;
    }
    const double seconds = double(deliveredAt - t0) / 1e9;
    printRow({{QStringLiteral("row"), QStringLiteral("memory_throughput")},
              {QStringLiteral("count"), messages},
              {QStringLiteral("publish_ns_each"), double(published - t0) / messages},
              {QStringLiteral("messages_per_s"), seconds > 0 ? messages / seconds : 0.0}});
    return true;
}

// One NOTIFY round trip on a raw libpq connection that LISTENs: what a minimal client does.
struct RawListener
{
    PGconn *conn = nullptr;
    ~RawListener()
    {
        if (conn) {
            PQfinish(conn);
        }
    }
    bool open(const QByteArray &url)
    {
        conn = PQconnectdb(url.constData());
        if (PQstatus(conn) != CONNECTION_OK) {
            std::fprintf(stderr, "libpq: %s", PQerrorMessage(conn));
            return false;
        }
        PGresult *r = PQexec(conn, "LISTEN \"bench-raw\"");
        const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        PQclear(r);
        return ok;
    }
    // Sends the NOTIFY and waits for it to come back; the round trip in ns, or -1.
    qint64 roundTrip(const QByteArray &payload)
    {
        const char *values[] = {"bench-raw", payload.constData()};
        const qint64 t0 = nowNs();
        PGresult *r = PQexecParams(conn, "SELECT pg_notify($1, $2)", 2, nullptr, values, nullptr,
                                   nullptr, 0);
        PQclear(r);
        for (;;) {
            PQconsumeInput(conn);
            if (PGnotify *n = PQnotifies(conn)) {
                PQfreemem(n);
                return nowNs() - t0;
            }
            pollfd fd {PQsocket(conn), POLLIN, 0};
            if (::poll(&fd, 1, 5000) <= 0) {
                return -1;
            }
        }
    }
};

bool benchPostgres(const QString &url, int rounds)
{
    RawListener raw;
    if (!raw.open(url.toUtf8())) {
        return false;
    }
    PostgresPubSub pubsub(url);
    QObject context;
    int delivered = 0;
    qint64 deliveredAt = 0;
    Waiter waiter;
    PubSub::Subscription subscription = pubsub.subscribe(QStringLiteral("bench-ours"), &context,
                                                         {[&](const QByteArray &) {
                                                              deliveredAt = nowNs();
                                                              ++delivered;
                                                              waiter.finish();
                                                          },
                                                          {}});
    pubsub.start();
    if (!waitFor([&] { return pubsub.isConnected(); }, 10'000)) {
        std::fprintf(stderr, "PostgresPubSub did not connect: %s\n",
                     qPrintable(pubsub.lastError()));
        return false;
    }
    // LISTEN goes out after the connection: one message through proves it is in place.
    pubsub.publish(QStringLiteral("bench-ours"), "warm-up");
    if (!waitFor([&] { return delivered > 0; }, 10'000)) {
        return false;
    }
    waiter.done = false;
    const QByteArray payload(200, 'x');
    std::vector<qint64> ours;
    std::vector<qint64> baseline;
    for (int i = 0; i < rounds; ++i) {
        // Interleaved, so that load changes hit both alike.
        const qint64 rawNs = raw.roundTrip(payload);
        if (rawNs < 0) {
            return false;
        }
        baseline.push_back(rawNs);
        const qint64 t0 = nowNs();
        pubsub.publish(QStringLiteral("bench-ours"), payload);
        if (!waiter.wait(5000)) {
            return false;
        }
        ours.push_back(deliveredAt - t0);
    }
    printRow(latencyRow(QStringLiteral("postgres_ours"), ours));
    printRow(latencyRow(QStringLiteral("postgres_raw_libpq"), baseline));
    return true;
}

bool benchClaims(int claims, const QString &databaseUrl)
{
    QTemporaryDir dir;
    ControlPlane::Options options;
    QString error;
    if (databaseUrl.isEmpty()) {
        options.database.sqlitePath = dir.filePath(QStringLiteral("bench.db"));
    } else if (const auto location = DatabaseLocation::parse(databaseUrl, &error)) {
        options.database = *location;
    } else {
        std::fprintf(stderr, "%s\n", qPrintable(error));
        return false;
    }
    options.operatorToken = "bench-operator-token-0123456789abcdef";
    ControlPlane plane(options);
    bool started = false;
    QObject::connect(&plane, &ControlPlane::started, [&] { started = true; });
    QObject::connect(&plane, &ControlPlane::failed, [&](const QString &why) {
        std::fprintf(stderr, "control plane: %s\n", qPrintable(why));
    });
    plane.start();
    if (!waitFor([&] { return started; }, 15'000)) {
        return false;
    }
    ApiClient api(plane.url(), options.operatorToken);
    const QString suffix = QString::number(QDateTime::currentMSecsSinceEpoch(), 36);
    std::vector<qint64> latencies;
    for (int i = 0; i < claims; ++i) {
        QJsonObject created;
        bool answered = false;
        ApiCall *call = api.post(QStringLiteral("/api/v2/workspaces"),
                                 QJsonObject {{QStringLiteral("name"),
                                               QStringLiteral("bench-%1-%2").arg(suffix).arg(i)},
                                              {QStringLiteral("prebuilt"), true}});
        QObject::connect(call, &ApiCall::finished, [&](const QJsonValue &body) {
            created = body.toObject();
            answered = true;
        });
        QObject::connect(call, &ApiCall::failed, [&](const ApiError &e) {
            std::fprintf(stderr, "create: %s\n", qPrintable(e.toString()));
            answered = true;
        });
        if (!waitFor([&] { return answered; }, 10'000) || created.isEmpty()) {
            return false;
        }
        const QString id = created.value(QStringLiteral("id")).toString();
        Agent::Options agentOptions;
        agentOptions.workingDirectory = dir.path();
        agentOptions.homeDirectory = dir.path();
        agentOptions.tokenFile = dir.filePath(QStringLiteral("agent-token-%1").arg(i));
        agentOptions.contextBuiltinRoots = false;
        agentOptions.controlPlane = plane.url();
        agentOptions.controlPlaneToken =
                created.value(QStringLiteral("agent_token")).toString().toLatin1();
        AgentSupervisor agent(agentOptions);
        bool connected = false;
        QMetaObject::Connection watch = QObject::connect(
                &plane, &ControlPlane::agentConnectionChanged,
                [&](const QString &agentId, bool up) {
                    connected = connected ||
                            (up && agentId == created.value(QStringLiteral("agent_id")).toString());
                });
        if (!agent.start(&error) || !waitFor([&] { return connected; }, 10'000)) {
            return false;
        }
        QObject::disconnect(watch);
        qint64 reinitializedAt = 0;
        watch = QObject::connect(
                &plane, &ControlPlane::reinitEventLogged, [&](const ReinitEventRecord &event) {
                    if (event.workspaceId == id && event.kind == QLatin1String("reinitialized")) {
                        reinitializedAt = nowNs();
                    }
                });
        const qint64 t0 = nowNs();
        api.post(QStringLiteral("/api/v2/workspaces/%1/claim").arg(id),
                 QJsonObject {{QStringLiteral("owner"), QStringLiteral("user%1").arg(i)}});
        if (!waitFor([&] { return reinitializedAt > 0; }, 10'000)) {
            std::fprintf(stderr, "claim %d: no reinitialized within 10 s\n", i);
            return false;
        }
        QObject::disconnect(watch);
        latencies.push_back(reinitializedAt - t0);
        bool stopped = false;
        QObject::connect(&agent, &AgentSupervisor::stopped, [&] { stopped = true; });
        agent.stop();
        waitFor([&] { return stopped; }, 10'000);
    }
    printRow(latencyRow(databaseUrl.isEmpty() ? QStringLiteral("claim_embedded")
                                              : QStringLiteral("claim_postgres"),
                        latencies));
    return true;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    clockStart.start();
    QCommandLineParser parser;
    const QCommandLineOption memory(QStringLiteral("memory"));
    const QCommandLineOption messages(QStringLiteral("messages"), {}, QStringLiteral("n"),
                                      QStringLiteral("100000"));
    const QCommandLineOption postgres(QStringLiteral("postgres"), {}, QStringLiteral("url"));
    const QCommandLineOption rounds(QStringLiteral("rounds"), {}, QStringLiteral("n"),
                                    QStringLiteral("2000"));
    const QCommandLineOption claims(QStringLiteral("claims"), {}, QStringLiteral("n"));
    const QCommandLineOption database(QStringLiteral("database"), {}, QStringLiteral("url"));
    const QCommandLineOption smoke(QStringLiteral("smoke"));
    parser.addOptions({memory, messages, postgres, rounds, claims, database, smoke});
    parser.process(app);
    bool ok = true;
    if (parser.isSet(smoke)) {
        ok = benchMemory(100) && benchClaims(1, {});
    } else if (parser.isSet(memory)) {
        ok = benchMemory(parser.value(messages).toInt());
    } else if (parser.isSet(postgres)) {
        ok = benchPostgres(parser.value(postgres), parser.value(rounds).toInt());
    } else if (parser.isSet(claims)) {
        ok = benchClaims(parser.value(claims).toInt(), parser.value(database));
    } else {
        parser.showHelp(2);
    }
    return ok ? 0 : 1;
}
