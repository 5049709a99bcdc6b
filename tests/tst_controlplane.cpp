// The control plane over real HTTP on loopback, on SQLite and on the PostgreSQL that the
// `postgres` CTest fixture starts: migrations, the gate's identities, the durable reinit
// check (upstream-behaviour §5.6, five cases), claims and their payloads (§5.3, §5.9), the
// agent's reinit loop (§5.4) on a ManualClock, the supervisor's reinit and duplicate rule
// (§5.7), pubsub loss reporting, a PostgreSQL restart and two replicas on one database.
#include "agent/agentsupervisor.h"
#include "common/clock.h"
#include "controlplane/controlplane.h"
#include "prebuilds/reinitclient.h"
#include "prebuilds/reinitevent.h"
#include "pubsub/memorypubsub.h"
#include "pubsub/postgrespubsub.h"
#include "store/controlplanestore.h"

#include "helpers/postgrestesthelpers.h"

#include <QEventLoop>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QSignalSpy>
#include <QSqlError>
#include <QSqlQuery>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QUuid>

#include <memory>

using namespace std::chrono_literals;

namespace {

constexpr int Timeout = 10000;
const QByteArray operatorToken = QByteArrayLiteral("operator-token-0123456789abcdef0123456789");

QString postgresDir()
{
    return QStringLiteral(COMPANION_POSTGRES_DIR);
}

struct Response
{
    int status = 0;
    QJsonObject body;
    QByteArray raw;
    QByteArray contentType;
};

Response request(QNetworkAccessManager &network, const QByteArray &method, const QUrl &url,
                 const QByteArray &token, const QByteArray &body = {})
{
    QNetworkRequest req(url);
    if (!token.isEmpty()) {
        req.setRawHeader("Coder-Session-Token", token);
    }
    req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    QNetworkReply *reply = network.sendCustomRequest(req, method, body);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(Timeout, &loop, &QEventLoop::quit);
    loop.exec();
    Response r;
    r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    r.raw = reply->readAll();
    r.body = QJsonDocument::fromJson(r.raw).object();
    r.contentType = reply->header(QNetworkRequest::ContentTypeHeader).toByteArray();
    reply->deleteLater();
    return r;
}

// One control plane on loopback, started.
struct Plane
{
    explicit Plane(const DatabaseLocation &location, bool echo = true, Clock *clock = nullptr)
    {
        ControlPlane::Options options;
        options.database = location;
        options.operatorToken = operatorToken;
        options.echoProvisioner = echo;
        options.clock = clock;
        plane = std::make_unique<ControlPlane>(options);
        QSignalSpy started(plane.get(), &ControlPlane::started);
        QSignalSpy failed(plane.get(), &ControlPlane::failed);
        plane->start();
        ok = QTest::qWaitFor([&] { return !started.isEmpty() || !failed.isEmpty(); }, Timeout) &&
                !started.isEmpty();
        if (!failed.isEmpty()) {
            qWarning() << failed.first().first().toString();
        }
    }
    QUrl url(const QString &path) const
    {
        QUrl u = plane->url();
        u.setPath(path);
        return u;
    }
    Response op(const QByteArray &method, const QString &path, const QJsonObject &body = {})
    {
        return request(network, method, url(path), operatorToken,
                       body.isEmpty() ? QByteArray() : QJsonDocument(body).toJson());
    }
    // {id, agent_id, agent_token}
    QJsonObject create(const QString &name, bool prebuilt)
    {
        return op("POST", QStringLiteral("/api/v2/workspaces"),
                  {{QStringLiteral("name"), name}, {QStringLiteral("prebuilt"), prebuilt}})
                .body;
    }

    std::unique_ptr<ControlPlane> plane;
    QNetworkAccessManager network;
    bool ok = false;
};

DatabaseLocation sqliteIn(const QTemporaryDir &dir)
{
    DatabaseLocation location;
    location.sqlitePath = dir.filePath(QStringLiteral("cp.db"));
    return location;
}

DatabaseLocation postgresLocation(const QString &url)
{
    QString error;
    return *DatabaseLocation::parse(url, &error);
}

// The future's result once it is ready (the event loop runs meanwhile); throws its error.
template<typename T>
T await(QFuture<T> future)
{
    (void)QTest::qWaitFor([&] { return future.isFinished(); }, Timeout);
    return future.result();
}

// A reinit wait with an agent token: the first event, a failure, or neither.
struct Wait
{
    Wait(const QUrl &base, const QByteArray &token)
        : client(base, token)
        , received(&client, &ReinitClient::received)
        , failed(&client, &ReinitClient::failed)
    {
        client.start();
    }
    ReinitClient client;
    QSignalSpy received;
    QSignalSpy failed;
};

} // namespace

class TestControlPlane : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void migrations_data();
    void migrations();
    void newerSchemaIsRefused();
    void reinitEventPayloads();
    void memoryPubSubCountsLostMessages();
    void directDeliveryKeepsOrder();
    void pendingClaimResumedAtStart();
    void payloadLimits();
    void claimListener();
    void gate();
    void malformedClaimChangesNothing();
    void durableCheck_data();
    void durableCheck();
    void liveClaimReachesStream();
    void contextStateReceiver();
    void reinitLoopBackoffAndStop();
    void supervisorReinitializesOnceForOwner();
    void postgresPubSubSurvivesRestart();
    void twoReplicas();
};

void TestControlPlane::migrations_data()
{
    QTest::addColumn<bool>("postgres");
    QTest::newRow("sqlite") << false;
    QTest::newRow("postgres") << true;
}

void TestControlPlane::migrations()
{
    QFETCH(bool, postgres);
    QTemporaryDir dir;
    DatabaseLocation location = sqliteIn(dir);
    if (postgres) {
        const QString url = PostgresTest::freshDatabase();
        QVERIFY2(!url.isEmpty(), "the postgres fixture is not running");
        location = postgresLocation(url);
    }
    for (int run = 0; run < 2; ++run) { // the second run finds everything applied
        Database db(location);
        QCOMPARE(await(db.open()), Migrations::latestVersion());
        const int applied = await(db.run([](QSqlDatabase &c) {
            QSqlQuery q(c);
            q.exec(QStringLiteral("SELECT COUNT(*) FROM schema_migrations"));
            q.next();
            return q.value(0).toInt();
        }));
        QCOMPARE(applied, Migrations::latestVersion());
        const QString system = await(db.run([](QSqlDatabase &c) {
            QSqlQuery q(c);
            q.exec(QStringLiteral("SELECT name FROM users WHERE id = "
                                  "'c42fdf75-3097-471c-8c33-fb52454d81c0'"));
            return q.next() ? q.value(0).toString() : QString();
        }));
        QCOMPARE(system, QStringLiteral("prebuilds"));
        if (!postgres) {
            const QString mode = await(db.run([](QSqlDatabase &c) {
                QSqlQuery q(c);
                q.exec(QStringLiteral("PRAGMA journal_mode"));
                return q.next() ? q.value(0).toString() : QString();
            }));
            QCOMPARE(mode, QStringLiteral("wal"));
        }
    }
}

void TestControlPlane::newerSchemaIsRefused()
{
    QTemporaryDir dir;
    {
        Database db(sqliteIn(dir));
        await(db.open());
        await(db.run([](QSqlDatabase &c) {
            QSqlQuery(c).exec(QStringLiteral("INSERT INTO schema_migrations VALUES (99, 'x', 0)"));
            return 0;
        }));
    }
    Database db(sqliteIn(dir));
    QFuture<int> open = db.open();
    QTRY_VERIFY_WITH_TIMEOUT(open.isFinished(), Timeout);
    try {
        open.result();
        QFAIL("a newer schema was accepted");
    } catch (const StoreError &error) {
        QVERIFY2(error.message().contains(QStringLiteral("newer")), qPrintable(error.message()));
    }
}

void TestControlPlane::reinitEventPayloads()
{
    const QString ws = QStringLiteral("0f9e1a52-3e4b-4bf6-9d55-1d2a6f4bb001");
    const QString owner = QStringLiteral("7b1e2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d");
    const ReinitEvent event {ws, QStringLiteral("prebuild_claimed"), owner};
    // Round trip, as published and as streamed.
    QCOMPARE(ReinitEvent::fromClaimPayload(event.toJson(), ws), event);
    QString error;
    QCOMPARE(*ReinitEvent::decode(event.toJson(), &error), event);
    // owner_id is left out when zero.
    const ReinitEvent ownerless {ws, QStringLiteral("prebuild_claimed"), {}};
    QVERIFY(!ownerless.toJson().contains("owner_id"));
    // Raw text from an older publisher is the reason; the owner is unknown.
    const ReinitEvent raw = ReinitEvent::fromClaimPayload("prebuild_claimed", ws);
    QCOMPARE(raw.workspaceId, ws);
    QCOMPARE(raw.reason, QStringLiteral("prebuild_claimed"));
    QVERIFY(raw.ownerId.isEmpty());
    // A raw UUID (the first payload form) becomes the reason too.
    QCOMPARE(ReinitEvent::fromClaimPayload(owner.toUtf8(), ws).reason, owner);
    // The earliest wire form had WorkspaceID without a JSON tag.
    const auto legacy = ReinitEvent::decode(
            QStringLiteral("{\"WorkspaceID\":\"%1\",\"reason\":\"prebuild_claimed\"}")
                    .arg(ws)
                    .toUtf8(),
            &error);
    QVERIFY(legacy);
    QCOMPARE(legacy->workspaceId, ws);
    QVERIFY(!ReinitEvent::decode("{\"workspace_id\":\"nope\"}", &error));
    QVERIFY(!ReinitEvent::decode("[1]", &error));
    QCOMPARE(Claims::channel(ws.toUpper()), QStringLiteral("prebuild_claimed_") + ws);
}

void TestControlPlane::memoryPubSubCountsLostMessages()
{
    MemoryPubSub pubsub(4);
    QList<QByteArray> got;
    QList<qint64> lost;
    PubSub::Subscription sub = pubsub.subscribe(
            QStringLiteral("c"), this,
            {[&](const QByteArray &p) { got << p; }, [&](qint64 n) { lost << n; }});
    // Ten publishes before the subscriber's thread turns: the publisher never waits.
    for (int i = 0; i < 10; ++i) {
        pubsub.publish(QStringLiteral("c"), QByteArray::number(i));
    }
    QTRY_COMPARE(got.size(), 4);
    QCOMPARE(lost, QList<qint64> {6});
    QCOMPARE(got.first(), QByteArray("6")); // the oldest went
    sub.cancel();
    pubsub.publish(QStringLiteral("c"), "after");
    QTest::qWait(50);
    QCOMPARE(got.size(), 4);
    QCOMPARE(pubsub.subscriberCount(QStringLiteral("c")), 0);
}

void TestControlPlane::payloadLimits()
{
    MemoryPubSub pubsub;
    QString error = QStringLiteral("unset");
    pubsub.publish(QStringLiteral("c"), QByteArray(PubSub::MaxPayloadBytes + 1, 'x'), this,
                   [&](const QString &e) { error = e; });
    QTRY_VERIFY(error != QStringLiteral("unset"));
    QVERIFY2(error.contains(QStringLiteral("7600")), qPrintable(error));
    QVERIFY(PubSub::validate(QStringLiteral("c"), QByteArray(PubSub::MaxPayloadBytes, 'x'))
                    .isEmpty());
    QVERIFY(!PubSub::validate(QString(64, QLatin1Char('c')), "x").isEmpty());
    QCOMPARE(PostgresPubSub::quoteIdentifier(QStringLiteral("prebuild_claimed_a-b\"c")),
             QByteArray("\"prebuild_claimed_a-b\"\"c\""));
}

void TestControlPlane::claimListener()
{
    MemoryPubSub pubsub;
    const QString ws = QUuid::createUuid().toString(QUuid::WithoutBraces);
    const QString other = QUuid::createUuid().toString(QUuid::WithoutBraces);
    QList<ReinitEvent> got;
    PubSub::Subscription sub = pubsub.subscribe(
            Claims::channel(ws), this,
            {[&](const QByteArray &p) { got << ReinitEvent::fromClaimPayload(p, ws); }, {}});
    const ReinitEvent event {ws, QStringLiteral("prebuild_claimed"),
                             QUuid::createUuid().toString(QUuid::WithoutBraces)};
    pubsub.publish(Claims::channel(other), event.toJson());
    QTest::qWait(100); // "ignores claim events for other workspaces"
    QVERIFY(got.isEmpty());
    pubsub.publish(Claims::channel(ws), event.toJson());
    QTRY_COMPARE(got.size(), 1);
    QCOMPARE(got.first(), event);
}

void TestControlPlane::gate()
{
    QTemporaryDir dir;
    Plane p(sqliteIn(dir));
    QVERIFY(p.ok);
    const QJsonObject ws = p.create(QStringLiteral("w1"), true);
    const QByteArray agentToken = ws.value(QStringLiteral("agent_token")).toString().toLatin1();
    QVERIFY(!agentToken.isEmpty());
    const QUrl list = p.url(QStringLiteral("/api/v2/workspaces"));
    QCOMPARE(request(p.network, "GET", list, {}).status, 401);
    QCOMPARE(request(p.network, "GET", list, "wrong-token-wrong-token-wrong-token").status, 401);
    const Response agentOnOperator = request(p.network, "GET", list, agentToken);
    QCOMPARE(agentOnOperator.status, 403);
    QVERIFY(agentOnOperator.body.contains(QStringLiteral("message")));
    QCOMPARE(request(p.network, "GET", p.url(QStringLiteral("/api/v2/workspaceagents/me/reinit")),
                     operatorToken)
                     .status,
             403);
    QCOMPARE(request(p.network, "GET", list, operatorToken).status, 200);
    // The token is shown once and stored hashed: nothing in the listing reveals it.
    QVERIFY(!request(p.network, "GET", list, operatorToken).raw.contains(agentToken));
    // A body over the route's limit is refused before it is read.
    const Response huge =
            request(p.network, "POST", list, operatorToken, QByteArray(200 * 1024, ' '));
    QCOMPARE(huge.status, 413);
}

void TestControlPlane::malformedClaimChangesNothing()
{
    QTemporaryDir dir;
    Plane p(sqliteIn(dir));
    QVERIFY(p.ok);
    const QString id = p.create(QStringLiteral("w1"), true).value(QStringLiteral("id")).toString();
    const QUrl claim = p.url(QStringLiteral("/api/v2/workspaces/%1/claim").arg(id));
    for (const QByteArray &body :
         {QByteArray("{"), QByteArray("[]"), QByteArray("{\"owner\":3}"),
          QByteArray("{\"owner\":\"\"}"), QByteArray("{\"owner\":\"a b\"}"),
          QByteArray("{\"owner\":\"prebuilds\"}"), QByteArray("{\"owner\":\"-bad-\"}")}) {
        const Response r = request(p.network, "POST", claim, operatorToken, body);
        QVERIFY2(r.status == 400, body.constData());
        QVERIFY(!r.body.value(QStringLiteral("message")).toString().isEmpty());
    }
    QCOMPARE(request(p.network, "POST",
                     p.url(QStringLiteral("/api/v2/workspaces/%1/claim")
                                   .arg(QUuid::createUuid().toString(QUuid::WithoutBraces))),
                     operatorToken, "{\"owner\":\"alice\"}")
                     .status,
             404);
    const Response w = p.op("GET", QStringLiteral("/api/v2/workspaces/") + id);
    QCOMPARE(w.body.value(QStringLiteral("kind")).toString(), QStringLiteral("prebuilt"));
    QCOMPARE(w.body.value(QStringLiteral("latest_build"))
                     .toObject()
                     .value(QStringLiteral("build_number"))
                     .toInt(),
             1);
}

void TestControlPlane::durableCheck_data()
{
    QTest::addColumn<QString>("situation");
    QTest::addColumn<int>("status"); // 200: a stream
    QTest::addColumn<bool>("seeded");
    QTest::newRow("unclaimed prebuild streams") << QStringLiteral("unclaimed") << 200 << false;
    QTest::newRow("regular workspace: 409") << QStringLiteral("regular") << 409 << false;
    QTest::newRow("failed claim: 409") << QStringLiteral("failed") << 409 << false;
    QTest::newRow("claim is the latest build: seeded") << QStringLiteral("claimed") << 200 << true;
    QTest::newRow("a build after the claim: streams (#26548)")
            << QStringLiteral("later") << 200 << false;
}

void TestControlPlane::durableCheck()
{
    QFETCH(QString, situation);
    QFETCH(int, status);
    QFETCH(bool, seeded);
    QTemporaryDir dir;
    Plane p(sqliteIn(dir), false); // an external provisioner: the test ends each job
    QVERIFY(p.ok);
    const auto complete = [&](const QString &build, const QString &how) {
        return p.op("POST", QStringLiteral("/api/v2/workspacebuilds/%1/complete").arg(build),
                    {{QStringLiteral("status"), how},
                     {QStringLiteral("error"), QStringLiteral("boom")}});
    };
    const QJsonObject ws = p.create(QStringLiteral("w1"), situation != QLatin1String("regular"));
    const QString id = ws.value(QStringLiteral("id")).toString();
    QCOMPARE(complete(ws.value(QStringLiteral("latest_build"))
                              .toObject()
                              .value(QStringLiteral("id"))
                              .toString(),
                      QStringLiteral("succeeded"))
                     .status,
             200);
    QString owner;
    if (situation == QLatin1String("failed") || situation == QLatin1String("claimed") ||
        situation == QLatin1String("later")) {
        const Response claim = p.op("POST", QStringLiteral("/api/v2/workspaces/%1/claim").arg(id),
                                    {{QStringLiteral("owner"), QStringLiteral("alice")}});
        QCOMPARE(claim.status, 202);
        owner = claim.body.value(QStringLiteral("owner_id")).toString();
        QCOMPARE(complete(claim.body.value(QStringLiteral("id")).toString(),
                          situation == QLatin1String("failed") ? QStringLiteral("failed")
                                                               : QStringLiteral("succeeded"))
                         .status,
                 200);
        // Completing twice is a conflict, and changes nothing.
        QCOMPARE(complete(claim.body.value(QStringLiteral("id")).toString(),
                          QStringLiteral("failed"))
                         .status,
                 409);
    }
    if (situation == QLatin1String("later")) {
        const Response stop = p.op("POST", QStringLiteral("/api/v2/workspaces/%1/builds").arg(id),
                                   {{QStringLiteral("transition"), QStringLiteral("stop")}});
        QCOMPARE(stop.status, 201);
        QCOMPARE(complete(stop.body.value(QStringLiteral("id")).toString(),
                          QStringLiteral("succeeded"))
                         .status,
                 200);
    }
    Wait wait(p.plane->url(), ws.value(QStringLiteral("agent_token")).toString().toLatin1());
    if (status == 409) {
        QTRY_COMPARE_WITH_TIMEOUT(wait.failed.size(), 1, Timeout);
        QCOMPARE(wait.failed.first().at(0).toInt(), 409);
        const QString message = wait.failed.first().at(1).toString();
        QVERIFY2(message.contains(situation == QLatin1String("failed")
                                          ? QStringLiteral("claim")
                                          : QStringLiteral("not a prebuild")),
                 qPrintable(message));
        return;
    }
    if (seeded) {
        QTRY_COMPARE_WITH_TIMEOUT(wait.received.size(), 1, Timeout);
        const auto event = wait.received.first().first().value<ReinitEvent>();
        QCOMPARE(event.workspaceId, id);
        QCOMPARE(event.reason, QStringLiteral("prebuild_claimed"));
        QCOMPARE(event.ownerId, owner);
        return;
    }
    QTRY_COMPARE_WITH_TIMEOUT(p.plane->reinitStreamCount(), 1, Timeout);
    QTest::qWait(300);
    QVERIFY(wait.received.isEmpty());
    QVERIFY(wait.failed.isEmpty());
}

void TestControlPlane::liveClaimReachesStream()
{
    QTemporaryDir dir;
    Plane p(sqliteIn(dir));
    QVERIFY(p.ok);
    const QJsonObject ws = p.create(QStringLiteral("w1"), true);
    const QByteArray token = ws.value(QStringLiteral("agent_token")).toString().toLatin1();
    // The SSE framing, as a plain client sees it.
    QNetworkRequest raw(p.url(QStringLiteral("/api/v2/workspaceagents/me/reinit")));
    raw.setRawHeader("Coder-Session-Token", token);
    QNetworkReply *reply = p.network.get(raw);
    QTRY_VERIFY_WITH_TIMEOUT(
            reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() == 200, Timeout);
    QCOMPARE(reply->header(QNetworkRequest::ContentTypeHeader).toByteArray(),
             QByteArray("text/event-stream"));
    QCOMPARE(reply->rawHeader("Cache-Control"), QByteArray("no-cache"));
    QCOMPARE(reply->rawHeader("X-Accel-Buffering"), QByteArray("no"));
    Wait wait(p.plane->url(), token);
    QTRY_COMPARE_WITH_TIMEOUT(p.plane->reinitStreamCount(), 2, Timeout);
    QElapsedTimer timer;
    timer.start();
    const Response claim = p.op("POST",
                                QStringLiteral("/api/v2/workspaces/%1/claim")
                                        .arg(ws.value(QStringLiteral("id")).toString()),
                                {{QStringLiteral("owner"), QStringLiteral("bob")}});
    QCOMPARE(claim.status, 202);
    QTRY_COMPARE_WITH_TIMEOUT(wait.received.size(), 1, Timeout);
    QVERIFY(timer.elapsed() < 1000);
    QCOMPARE(wait.received.first().first().value<ReinitEvent>().ownerId,
             claim.body.value(QStringLiteral("owner_id")).toString());
    QTRY_VERIFY_WITH_TIMEOUT(reply->bytesAvailable() > 0, Timeout);
    QVERIFY(reply->readAll().startsWith("event: data\ndata: {"));
    reply->abort();
    reply->deleteLater();
    // Claiming again is a conflict.
    QCOMPARE(p.op("POST",
                  QStringLiteral("/api/v2/workspaces/%1/claim")
                          .arg(ws.value(QStringLiteral("id")).toString()),
                  {{QStringLiteral("owner"), QStringLiteral("carol")}})
                     .status,
             409);
    // The log has the claim and the deliveries.
    QTRY_VERIFY_WITH_TIMEOUT(
            p.op("GET", QStringLiteral("/api/v2/reinit-events")).raw.contains("claim_published"),
            Timeout);
}

void TestControlPlane::contextStateReceiver()
{
    QTemporaryDir dir;
    Plane p(sqliteIn(dir));
    QVERIFY(p.ok);
    const QJsonObject ws = p.create(QStringLiteral("w1"), false);
    const QByteArray token = ws.value(QStringLiteral("agent_token")).toString().toLatin1();
    const QUrl url = p.url(QStringLiteral("/api/v2/workspaceagents/me/context-state"));
    const auto push = [&](int version, bool initial) {
        const QJsonObject body {
                {QStringLiteral("version"), version},
                {QStringLiteral("aggregate_hash"), QStringLiteral("ab%1").arg(version)},
                {QStringLiteral("resources"), QJsonArray()},
                {QStringLiteral("initial"), initial}};
        return request(p.network, "POST", url, token, QJsonDocument(body).toJson());
    };
    QCOMPARE(push(2, true).body.value(QStringLiteral("accepted")).toBool(), true);
    QCOMPARE(push(3, false).body.value(QStringLiteral("accepted")).toBool(), true);
    const Response stale = push(3, false);
    QCOMPARE(stale.status, 200);
    QCOMPARE(stale.body.value(QStringLiteral("accepted")).toBool(), false);
    QCOMPARE(push(1, false).body.value(QStringLiteral("accepted")).toBool(), false);
    // A fresh context manager (after a reinit) starts again at 1 with initial=true.
    QCOMPARE(push(1, true).body.value(QStringLiteral("accepted")).toBool(), true);
    QCOMPARE(request(p.network, "POST", url, token, "{\"version\":\"x\"}").status, 400);
    QCOMPARE(request(p.network, "POST", url, operatorToken, "{}").status, 403);
    const Response stored = p.op("GET",
                                 QStringLiteral("/api/v2/workspaceagents/%1/context-state")
                                         .arg(ws.value(QStringLiteral("agent_id")).toString()));
    QCOMPARE(stored.body.value(QStringLiteral("version")).toInteger(), 1);
    QCOMPARE(stored.body.value(QStringLiteral("aggregate_hash")).toString(), QStringLiteral("ab1"));
}

void TestControlPlane::reinitLoopBackoffAndStop()
{
    // Backoff: 100 ms doubling to 10 s.
    QCOMPARE(ReinitLoop::backoff(0), 0ms);
    QCOMPARE(ReinitLoop::backoff(1), 100ms);
    QCOMPARE(ReinitLoop::backoff(2), 200ms);
    QCOMPARE(ReinitLoop::backoff(7), 6400ms);
    QCOMPARE(ReinitLoop::backoff(8), 10000ms);
    QCOMPARE(ReinitLoop::backoff(50), 10000ms);

    // Against a port nobody listens on, every attempt fails; each waits its backoff on the
    // test clock and not a millisecond less.
    QTcpServer closed;
    QVERIFY(closed.listen(QHostAddress::LocalHost));
    const quint16 port = closed.serverPort();
    closed.close();
    ManualClock clock;
    ReinitLoop loop(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port)), "t", &clock);
    QSignalSpy failures(&loop, &ReinitLoop::attemptFailed);
    loop.start();
    clock.advance(0ms);
    QTRY_COMPARE_WITH_TIMEOUT(failures.size(), 1, Timeout);
    QCOMPARE(failures.last().at(2).value<std::chrono::milliseconds>(), 100ms);
    clock.advance(99ms);
    QTest::qWait(50);
    QCOMPARE(failures.size(), 1);
    clock.advance(1ms);
    QTRY_COMPARE_WITH_TIMEOUT(failures.size(), 2, Timeout);
    QCOMPARE(failures.last().at(2).value<std::chrono::milliseconds>(), 200ms);
    loop.stop();

    // A regular workspace: one 409 and the loop is over.
    QTemporaryDir dir;
    Plane p(sqliteIn(dir));
    QVERIFY(p.ok);
    const QByteArray token = p.create(QStringLiteral("r1"), false)
                                     .value(QStringLiteral("agent_token"))
                                     .toString()
                                     .toLatin1();
    ReinitLoop regular(p.plane->url(), token, &clock);
    QSignalSpy stopped(&regular, &ReinitLoop::stoppedForGood);
    QSignalSpy regularFailures(&regular, &ReinitLoop::attemptFailed);
    regular.start();
    clock.advance(0ms);
    QTRY_COMPARE_WITH_TIMEOUT(stopped.size(), 1, Timeout);
    QVERIFY(regular.isStopped());
    QCOMPARE(clock.pendingTimers(), 0);
    clock.advance(60s);
    QTest::qWait(50);
    QCOMPARE(regularFailures.size(), 0);
    QTRY_VERIFY_WITH_TIMEOUT(
            p.op("GET", QStringLiteral("/api/v2/reinit-events")).raw.contains("stopped_409"),
            Timeout);
}

void TestControlPlane::supervisorReinitializesOnceForOwner()
{
    QTemporaryDir dir;
    Plane p(sqliteIn(dir));
    QVERIFY(p.ok);
    const QJsonObject ws = p.create(QStringLiteral("pb"), true);
    const QString id = ws.value(QStringLiteral("id")).toString();
    Agent::Options options;
    options.workingDirectory = dir.path();
    options.homeDirectory = dir.path();
    options.tokenFile = dir.filePath(QStringLiteral("agent-token"));
    options.contextBuiltinRoots = false;
    options.controlPlane = p.plane->url();
    options.controlPlaneToken = ws.value(QStringLiteral("agent_token")).toString().toLatin1();
    AgentSupervisor supervisor(options);
    QSignalSpy reinitialized(&supervisor, &AgentSupervisor::reinitialized);
    QSignalSpy duplicates(&supervisor, &AgentSupervisor::duplicateIgnored);
    QSignalSpy reported(&supervisor, &AgentSupervisor::reported);
    QString error;
    QVERIFY2(supervisor.start(&error), qPrintable(error));
    QTRY_COMPARE_WITH_TIMEOUT(reported.size(), 1, Timeout);
    QTRY_COMPARE_WITH_TIMEOUT(p.plane->reinitStreamCount(), 1, Timeout);
    QCOMPARE(supervisor.generation(), 1);
    const auto agentConnected = [&] {
        return p.op("GET", QStringLiteral("/api/v2/workspaces/%1").arg(id))
                .body.value(QStringLiteral("agent"))
                .toObject()
                .value(QStringLiteral("connected"))
                .toBool();
    };
    QTRY_VERIFY_WITH_TIMEOUT(agentConnected(), Timeout);
    QSignalSpy connections(p.plane.get(), &ControlPlane::agentConnectionChanged);
    const Response claim = p.op("POST", QStringLiteral("/api/v2/workspaces/%1/claim").arg(id),
                                {{QStringLiteral("owner"), QStringLiteral("alice")}});
    QCOMPARE(claim.status, 202);
    QTRY_COMPARE_WITH_TIMEOUT(reinitialized.size(), 1, Timeout);
    QCOMPARE(supervisor.generation(), 2);
    QCOMPARE(supervisor.lastOwnerId(), claim.body.value(QStringLiteral("owner_id")).toString());
    // The same owner again (a replayed claim) is ignored and logged.
    const ReinitEvent again {id, QStringLiteral("prebuild_claimed"), supervisor.lastOwnerId()};
    // The old stream closed and the new one opened (in either order): the agent is waiting
    // again, subscribed.
    QTRY_VERIFY_WITH_TIMEOUT(connections.size() >= 2, Timeout);
    QVERIFY(connections.last().at(1).toBool());
    QTRY_COMPARE_WITH_TIMEOUT(p.plane->reinitStreamCount(), 1, Timeout);
    p.plane->pubsub()->publish(Claims::channel(id), again.toJson());
    QTRY_COMPARE_WITH_TIMEOUT(duplicates.size(), 1, Timeout);
    QCOMPARE(supervisor.generation(), 2);
    QTRY_VERIFY_WITH_TIMEOUT(
            p.op("GET", QStringLiteral("/api/v2/reinit-events")).raw.contains("ignored_duplicate"),
            Timeout);
    // The new agent re-reported itself and pushes its context again from version 1.
    QTRY_COMPARE_WITH_TIMEOUT(reported.size(), 2, Timeout);
    QSignalSpy stopped(&supervisor, &AgentSupervisor::stopped);
    supervisor.stop();
    QTRY_COMPARE_WITH_TIMEOUT(stopped.size(), 1, Timeout);
    QTRY_VERIFY_WITH_TIMEOUT(!agentConnected(), Timeout);
}

void TestControlPlane::directDeliveryKeepsOrder()
{
    // The PostgreSQL backend hands a notification over inside its socket handler; what the
    // listener publishes meanwhile comes after it, in order.
    MemoryPubSub pubsub;
    QObject context;
    QByteArrayList received;
    PubSub::Subscription subscription =
            pubsub.subscribe(QStringLiteral("c"), &context,
                             {[&](const QByteArray &payload) {
                                  received.append(payload);
                                  if (payload == "1") {
                                      pubsub.publish(QStringLiteral("c"), "2");
                                      pubsub.deliverFromEventLoop(QStringLiteral("c"), "3");
                                  }
                              },
                              {}});
    pubsub.deliverFromEventLoop(QStringLiteral("c"), "1");
    QCOMPARE(received, QByteArrayList {"1"});
    QTRY_COMPARE(received, (QByteArrayList {"1", "2", "3"}));
    // Behind a queued message, a direct one waits its turn.
    pubsub.publish(QStringLiteral("c"), "4");
    pubsub.deliverFromEventLoop(QStringLiteral("c"), "5");
    QCOMPARE(received.size(), 3);
    QTRY_COMPARE(received, (QByteArrayList {"1", "2", "3", "4", "5"}));
    // A cancelled subscription gets nothing.
    subscription.cancel();
    pubsub.deliverFromEventLoop(QStringLiteral("c"), "6");
    QCOMPARE(received.size(), 5);
}

void TestControlPlane::pendingClaimResumedAtStart()
{
    // A run killed between the claim build and its job's end (external here: the job waits)
    // leaves it pending; the next run, with the echo provisioner, ends it and publishes the claim.
    QTemporaryDir dir;
    QString id;
    {
        Plane first(sqliteIn(dir), false);
        QVERIFY(first.ok);
        const QJsonObject ws = first.create(QStringLiteral("stranded"), true);
        id = ws.value(QStringLiteral("id")).toString();
        // The create build is pending too (external): end it, then claim.
        const Response builds =
                first.op("GET", QStringLiteral("/api/v2/workspaces/%1/builds").arg(id));
        const QString create = builds.body.value(QStringLiteral("builds"))
                                       .toArray()
                                       .first()
                                       .toObject()
                                       .value(QStringLiteral("id"))
                                       .toString();
        QCOMPARE(first.op("POST", QStringLiteral("/api/v2/workspacebuilds/%1/complete").arg(create),
                          {{QStringLiteral("status"), QStringLiteral("succeeded")}})
                         .status,
                 200);
        QCOMPARE(first.op("POST", QStringLiteral("/api/v2/workspaces/%1/claim").arg(id),
                          {{QStringLiteral("owner"), QStringLiteral("alice")}})
                         .status,
                 202);
    }
    Plane second(sqliteIn(dir));
    QVERIFY(second.ok);
    QTRY_COMPARE_WITH_TIMEOUT(second.op("GET", QStringLiteral("/api/v2/workspaces/%1").arg(id))
                                      .body.value(QStringLiteral("latest_build"))
                                      .toObject()
                                      .value(QStringLiteral("job_status"))
                                      .toString(),
                              QStringLiteral("succeeded"), Timeout);
    QTRY_VERIFY_WITH_TIMEOUT(second.op("GET", QStringLiteral("/api/v2/reinit-events"))
                                     .raw.contains("claim_published"),
                             Timeout);
}

void TestControlPlane::postgresPubSubSurvivesRestart()
{
    const QString url = PostgresTest::url();
    QVERIFY2(!url.isEmpty(), "the postgres fixture is not running");
    PostgresPubSub a(url);
    PostgresPubSub b(url);
    QSignalSpy aUp(&a, &PubSub::connectionChanged);
    a.start();
    b.start();
    QTRY_VERIFY_WITH_TIMEOUT(a.isConnected() && b.isConnected(), Timeout);
    const QString channel = Claims::channel(QUuid::createUuid().toString(QUuid::WithoutBraces));
    QList<QByteArray> got;
    QList<qint64> lost;
    PubSub::Subscription sub = a.subscribe(
            channel, this, {[&](const QByteArray &p) { got << p; }, [&](qint64 n) { lost << n; }});
    // LISTEN is in flight; a publish from the other connection arrives once it is done.
    QTest::qWait(200);
    b.publish(channel, "one");
    QTRY_COMPARE_WITH_TIMEOUT(got, QList<QByteArray> {"one"}, Timeout);
    QString tooBig;
    b.publish(channel, QByteArray(8000, 'x'), this, [&](const QString &e) { tooBig = e; });
    QTRY_VERIFY(!tooBig.isEmpty());

    QProcess restart;
    restart.start(QStringLiteral("bash"),
                  {QStringLiteral(COMPANION_SOURCE_DIR "/tests/helpers/postgres.sh"),
                   QStringLiteral("restart"), postgresDir()});
    QVERIFY(restart.waitForFinished(60000));
    QCOMPARE(restart.exitCode(), 0);
    // Reconnected with backoff, listening again, and told that messages may be lost.
    QTRY_VERIFY_WITH_TIMEOUT(lost.contains(-1), 20000);
    QTRY_VERIFY_WITH_TIMEOUT(a.isConnected() && b.isConnected(), 20000);
    QTest::qWait(200);
    b.publish(channel, "two");
    QTRY_COMPARE_WITH_TIMEOUT(got.size(), 2, Timeout);
    QCOMPARE(got.last(), QByteArray("two"));
}

void TestControlPlane::twoReplicas()
{
    const QString url = PostgresTest::freshDatabase();
    QVERIFY2(!url.isEmpty(), "the postgres fixture is not running");
    Plane one(postgresLocation(url));
    QVERIFY(one.ok);
    Plane two(postgresLocation(url));
    QVERIFY(two.ok);
    const QJsonObject ws = one.create(QStringLiteral("shared"), true);
    const QByteArray token = ws.value(QStringLiteral("agent_token")).toString().toLatin1();
    // Replica two learns the new agent token from the events channel.
    Wait wait(two.plane->url(), token);
    // Until the token has reached two, its answer is 401: ask again.
    QElapsedTimer asking;
    asking.start();
    while (two.plane->reinitStreamCount() != 1 && asking.elapsed() < Timeout) {
        if (!wait.failed.isEmpty()) {
            QCOMPARE(wait.failed.first().at(0).toInt(), 401);
            wait.failed.clear();
            QTest::qWait(20);
            wait.client.start();
        }
        QTest::qWait(10);
    }
    QCOMPARE(two.plane->reinitStreamCount(), 1);
    QCOMPARE(two.op("GET", QStringLiteral("/api/v2/workspaces"))
                     .body.value(QStringLiteral("workspaces"))
                     .toArray()
                     .size(),
             1);
    QElapsedTimer timer;
    timer.start();
    QCOMPARE(one.op("POST",
                    QStringLiteral("/api/v2/workspaces/%1/claim")
                            .arg(ws.value(QStringLiteral("id")).toString()),
                    {{QStringLiteral("owner"), QStringLiteral("alice")}})
                     .status,
             202);
    QTRY_COMPARE_WITH_TIMEOUT(wait.received.size(), 1, Timeout);
    QVERIFY2(timer.elapsed() < 1000, qPrintable(QString::number(timer.elapsed())));
    // Claimed once: the other replica refuses a second claim.
    QCOMPARE(two.op("POST",
                    QStringLiteral("/api/v2/workspaces/%1/claim")
                            .arg(ws.value(QStringLiteral("id")).toString()),
                    {{QStringLiteral("owner"), QStringLiteral("bob")}})
                     .status,
             409);
}

QTEST_GUILESS_MAIN(TestControlPlane)
#include "tst_controlplane.moc"
