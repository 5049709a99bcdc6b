// The real companiond end to end: `server`, `ctl` and `agent` as separate processes of this
// test, talking real HTTP on loopback, each in a private HOME. What tst_controlplane checks in
// one process is checked here across processes: a claim reaching a running agent, a claim
// missed while the agent was down, an agent riding out a SIGKILLed server, a regular
// workspace's agent that stops asking after its 409, the gate as ctl and raw clients meet it,
// malformed claims that change nothing, and a huge declared body refused before it is read.
// Chats: one that runs against a real agent, the chat API's bad input, and two servers on one
// PostgreSQL database sharing the chats, the survivor of a SIGKILL taking the other's over.
#include "helpers/postgrestesthelpers.h"

#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <memory>
#include <vector>

namespace {

constexpr int Timeout = 10000;

// One clock for the whole run, so that times taken by different helpers compare.
qint64 now()
{
    static QElapsedTimer clock;
    if (!clock.isValid()) {
        clock.start();
    }
    return clock.elapsed();
}

// One companiond child: stdout lines (with the time each arrived) and stderr kept as they
// come; waits for a line matching a pattern. Killed and reaped when it goes.
class Child
{
public:
    Child(QString name, const QProcessEnvironment &environment)
        : m_name(std::move(name))
    {
        m_process.setProcessEnvironment(environment);
        QObject::connect(&m_process, &QProcess::readyReadStandardOutput, &m_process, [this] {
            m_partial += m_process.readAllStandardOutput();
            qsizetype end = 0;
            while ((end = m_partial.indexOf('\n')) >= 0) {
                m_lines.append(QString::fromUtf8(m_partial.left(end)));
                m_lineTimes.append(now());
                m_partial.remove(0, end + 1);
            }
        });
        QObject::connect(&m_process, &QProcess::readyReadStandardError, &m_process,
                         [this] { m_err += m_process.readAllStandardError(); });
    }
    ~Child() { kill(); }
    Child(const Child &) = delete;
    Child &operator=(const Child &) = delete;

    bool start(const QStringList &arguments)
    {
        m_process.start(QStringLiteral(COMPANIOND_PATH), arguments);
        return m_process.waitForStarted(Timeout);
    }

    // The first stdout line from `from` on that matches; an invalid match after the timeout
    // or when the process ended without one.
    QRegularExpressionMatch waitForLine(const QRegularExpression &pattern, qsizetype from = 0,
                                        int timeout = Timeout)
    {
        QRegularExpressionMatch found;
        const auto seen = [&] {
            for (qsizetype i = from; i < m_lines.size(); ++i) {
                const QRegularExpressionMatch m = pattern.match(m_lines.at(i));
                if (m.hasMatch()) {
                    found = m;
                    m_matchedAt = m_lineTimes.at(i);
                    return true;
                }
            }
            return false;
        };
        if (!QTest::qWaitFor([&] { return seen() || !isRunning(); }, timeout)) {
            return {};
        }
        seen(); // the last lines of a process that just ended
        return found;
    }

    int countLines(const QRegularExpression &pattern) const
    {
        int n = 0;
        for (const QString &line : m_lines) {
            n += pattern.match(line).hasMatch() ? 1 : 0;
        }
        return n;
    }

    // SIGKILL, as a crash or an OOM kill would end it.
    void kill()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished(Timeout);
        }
    }

    bool isRunning() const { return m_process.state() == QProcess::Running; }
    QProcess *process() { return &m_process; }
    qsizetype lineCount() const { return m_lines.size(); }
    qint64 matchedAt() const { return m_matchedAt; } // when waitForLine's line arrived
    QString name() const { return m_name; }
    QByteArray err() const { return m_err; }
    QStringList lines() const { return m_lines; }
    QString report() const
    {
        return QStringLiteral("--- %1 (%2) stdout:\n%3\n--- %1 stderr (last 4000 bytes):\n%4")
                .arg(m_name, isRunning() ? QStringLiteral("running") : QStringLiteral("ended"),
                     m_lines.join(QLatin1Char('\n')), QString::fromUtf8(m_err.right(4000)));
    }

private:
    QString m_name;
    QProcess m_process;
    QByteArray m_partial;
    QByteArray m_err;
    QStringList m_lines;
    QList<qint64> m_lineTimes;
    qint64 m_matchedAt = -1;
};

struct Run
{
    int exitCode = -1; // -1: crashed or timed out
    QByteArray out;
    QByteArray err;
    qint64 finishedAt = -1;
    QJsonObject json() const { return QJsonDocument::fromJson(out).object(); }
};

struct Response
{
    int status = 0;
    QByteArray raw;
    QJsonObject body;
    QHash<QByteArray, QByteArray> head; // raw requests only: lower-case names → values
};

bool isJsonMessage(const Response &r)
{
    return !r.body.value(QStringLiteral("message")).toString().isEmpty();
}

quint16 freePort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0)) {
        return 0;
    }
    const quint16 port = probe.serverPort();
    probe.close();
    return port;
}

bool writeSecret(const QString &path, const QByteArray &content)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate,
                   QFileDevice::ReadOwner | QFileDevice::WriteOwner)) {
        return false;
    }
    return file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner) &&
            file.write(content + '\n') == content.size() + 1;
}

// Raw HTTP/1.1: writes `head` and nothing more, reads one whole response.
Response rawRequest(quint16 port, const QByteArray &head)
{
    Response r;
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!socket.waitForConnected(Timeout)) {
        return r;
    }
    socket.write(head);
    QByteArray data;
    qsizetype headerEnd = -1;
    qint64 length = -1;
    const bool complete = QTest::qWaitFor(
            [&] {
                data += socket.readAll();
                if (headerEnd < 0 && (headerEnd = data.indexOf("\r\n\r\n")) >= 0) {
                    for (const QByteArray &line : data.left(headerEnd).split('\n').mid(1)) {
                        const qsizetype colon = line.indexOf(':');
                        if (colon > 0) {
                            r.head.insert(line.left(colon).trimmed().toLower(),
                                          line.mid(colon + 1).trimmed());
                        }
                    }
                    length = r.head.value("content-length").toLongLong();
                }
                return headerEnd >= 0 && data.size() >= headerEnd + 4 + length;
            },
            Timeout);
    if (!complete) {
        return r;
    }
    const QList<QByteArray> statusLine = data.left(data.indexOf("\r\n")).split(' ');
    r.status = statusLine.value(1).toInt();
    r.raw = data.mid(headerEnd + 4, length);
    r.body = QJsonDocument::fromJson(r.raw).object();
    return r;
}

// Kinds of `events` in order, for messages.
QByteArray kinds(const QJsonArray &events)
{
    QStringList list;
    for (const QJsonValue &e : events) {
        const QJsonObject o = e.toObject();
        list << o.value(QStringLiteral("kind")).toString() + QLatin1Char('(') +
                        o.value(QStringLiteral("detail")).toString() + QLatin1Char(')');
    }
    return list.join(QStringLiteral(", ")).toUtf8();
}

qsizetype indexOfKind(const QJsonArray &events, const QString &kind, qsizetype from = 0)
{
    for (qsizetype i = from; i < events.size(); ++i) {
        if (events.at(i).toObject().value(QStringLiteral("kind")).toString() == kind) {
            return i;
        }
    }
    return -1;
}

} // namespace

class TestCompaniondE2e : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void claimReinitializesRunningAgent();
    void claimWhileAgentDownIsSeededOnReconnect();
    void agentReconnectsAfterServerSigkill();
    void regularWorkspaceAgentStopsAfter409();
    void badTokens();
    void malformedClaimChangesNothing();
    void hugeDeclaredBodyRefusedUnread();
    void reportRefusesBadApiUrl();
    void chatRunsAgainstRealAgent();
    void chatApiRefusesBadInput();
    void chatsTakenOverAfterSigkillOnPostgres();

private:
    Child *spawn(const QString &name, const QStringList &arguments);
    // Starts `companiond server` on `port` (0: any) and waits for its URL; null on failure.
    // `database`: the test's SQLite file when empty.
    Child *startServer(quint16 port = 0, const QStringList &extra = {},
                       const QString &database = {});
    // `ctl ... --json` that must succeed: its JSON (an object, or {"array": [...]}).
    QJsonObject ctlJson(const QStringList &arguments);
    Child *startAgent(const QString &name, const QString &agentTokenFile);
    Run ctl(const QStringList &arguments, const QString &tokenFile = {});
    // `ctl workspaces create` (--json); writes the agent token to a 0600 file, whose path is
    // put in "agent_token_file".
    QJsonObject createWorkspace(const QString &name, bool prebuilt);
    Response http(const QByteArray &method, const QString &path, const QByteArray &token,
                  const QByteArray &body = {}, const QByteArray &header = "Coder-Session-Token");
    Response op(const QByteArray &method, const QString &path, const QByteArray &body = {})
    {
        return http(method, path, m_operatorToken, body);
    }
    QJsonArray reinitEvents(const QString &workspaceId);
    static int countKind(const QJsonArray &events, const QString &kind);
    // The agent of `workspaceId` as GET /api/v2/workspaces/{id} shows it.
    QJsonObject agentOf(const QString &workspaceId);

    std::unique_ptr<QTemporaryDir> m_dir;
    QProcessEnvironment m_env;
    std::vector<std::unique_ptr<Child>> m_children;
    QNetworkAccessManager *m_network = nullptr;
    QString m_operatorTokenFile;
    QByteArray m_operatorToken;
    QUrl m_url;
};

void TestCompaniondE2e::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    // Nothing reaches the real home: data, config and runtime dirs are the test's own.
    m_env = QProcessEnvironment::systemEnvironment();
    const QString home = m_dir->filePath(QStringLiteral("home"));
    for (const char *dir : {"home", "home/data", "home/config", "home/runtime"}) {
        QVERIFY(QDir().mkpath(m_dir->filePath(QString::fromLatin1(dir))));
    }
    QVERIFY(QFile::setPermissions(m_dir->filePath(QStringLiteral("home/runtime")),
                                  QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                          QFileDevice::ExeOwner));
    m_env.insert(QStringLiteral("HOME"), home);
    m_env.insert(QStringLiteral("XDG_DATA_HOME"), home + QStringLiteral("/data"));
    m_env.insert(QStringLiteral("XDG_CONFIG_HOME"), home + QStringLiteral("/config"));
    m_env.insert(QStringLiteral("XDG_RUNTIME_DIR"), home + QStringLiteral("/runtime"));
    // The messages matched below are the English ones.
    m_env.insert(QStringLiteral("LC_ALL"), QStringLiteral("C.UTF-8"));
    m_env.insert(QStringLiteral("LANGUAGE"), QString());
    m_env.remove(QStringLiteral("LANG"));
    m_operatorTokenFile = m_dir->filePath(QStringLiteral("operator-token"));
    m_operatorToken.clear();
    m_url.clear();
    m_network = new QNetworkAccessManager(this);
}

void TestCompaniondE2e::cleanup()
{
    if (QTest::currentTestFailed()) {
        for (const auto &child : m_children) {
            qWarning().noquote() << child->report();
        }
    }
    // Newest first: agents before the server they talk to.
    while (!m_children.empty()) {
        m_children.pop_back();
    }
    delete m_network;
    m_network = nullptr;
    m_dir.reset();
}

Child *TestCompaniondE2e::spawn(const QString &name, const QStringList &arguments)
{
    m_children.push_back(std::make_unique<Child>(name, m_env));
    Child *child = m_children.back().get();
    return child->start(arguments) ? child : nullptr;
}

Child *TestCompaniondE2e::startServer(quint16 port, const QStringList &extra,
                                      const QString &database)
{
    Child *server = spawn(
            QStringLiteral("server"),
            QStringList {QStringLiteral("server"), QStringLiteral("--listen"),
                         QStringLiteral("127.0.0.1:%1").arg(port), QStringLiteral("--database"),
                         database.isEmpty() ? QStringLiteral("sqlite:") +
                                         m_dir->filePath(QStringLiteral("control-plane.db"))
                                            : database,
                         QStringLiteral("--token-file"), m_operatorTokenFile} +
                    extra);
    if (!server) {
        return nullptr;
    }
    const QRegularExpressionMatch m = server->waitForLine(
            QRegularExpression(QStringLiteral("^Control plane listening on (\\S+)$")));
    if (!m.hasMatch()) {
        return nullptr;
    }
    m_url = QUrl(m.captured(1));
    QFile token(m_operatorTokenFile);
    if (!token.open(QIODevice::ReadOnly)) {
        return nullptr;
    }
    m_operatorToken = token.readAll().trimmed();
    return server;
}

Child *TestCompaniondE2e::startAgent(const QString &name, const QString &agentTokenFile)
{
    const QString workdir = m_dir->filePath(name + QStringLiteral("-workdir"));
    QDir().mkpath(workdir);
    Child *agent = spawn(QStringLiteral("agent ") + name,
                         {QStringLiteral("agent"), QStringLiteral("--listen"),
                          QStringLiteral("127.0.0.1:0"), QStringLiteral("--workdir"), workdir,
                          QStringLiteral("--token-file"),
                          m_dir->filePath(name + QStringLiteral("-api-token")),
                          QStringLiteral("--no-builtin-roots"), QStringLiteral("--control-plane"),
                          m_url.toString(), QStringLiteral("--agent-token-file"), agentTokenFile});
    if (!agent ||
        !agent->waitForLine(QRegularExpression(QStringLiteral("^Agent listening on http://")))
                 .hasMatch()) {
        return nullptr;
    }
    return agent;
}

Run TestCompaniondE2e::ctl(const QStringList &arguments, const QString &tokenFile)
{
    QProcess process;
    process.setProcessEnvironment(m_env);
    Run run;
    QObject::connect(&process, &QProcess::finished, &process, [&run] { run.finishedAt = now(); });
    process.start(QStringLiteral(COMPANIOND_PATH),
                  QStringList {QStringLiteral("ctl"), QStringLiteral("--url"), m_url.toString(),
                               QStringLiteral("--token-file"),
                               tokenFile.isEmpty() ? m_operatorTokenFile : tokenFile} +
                          arguments);
    // The event loop runs meanwhile: the other children's output keeps being read.
    if (!QTest::qWaitFor([&] { return process.state() == QProcess::NotRunning; }, 30000)) {
        process.kill();
        process.waitForFinished();
        return run;
    }
    run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    run.out = process.readAllStandardOutput();
    run.err = process.readAllStandardError();
    return run;
}

QJsonObject TestCompaniondE2e::ctlJson(const QStringList &arguments)
{
    const Run run = ctl(arguments + QStringList {QStringLiteral("--json")});
    if (run.exitCode != 0) {
        qWarning().noquote() << "ctl" << arguments << "failed:" << run.exitCode << run.err;
        return {};
    }
    const QJsonDocument document = QJsonDocument::fromJson(run.out);
    return document.isArray() ? QJsonObject {{QStringLiteral("array"), document.array()}}
                              : document.object();
}

QJsonObject TestCompaniondE2e::createWorkspace(const QString &name, bool prebuilt)
{
    QStringList arguments {QStringLiteral("workspaces"), QStringLiteral("create"), name,
                           QStringLiteral("--json")};
    if (prebuilt) {
        arguments << QStringLiteral("--prebuilt");
    }
    const Run run = ctl(arguments);
    if (run.exitCode != 0) {
        qWarning().noquote() << "ctl workspaces create" << name << "failed:" << run.err;
        return {};
    }
    QJsonObject w = run.json();
    const QString tokenFile = m_dir->filePath(name + QStringLiteral("-agent-token"));
    if (w.value(QStringLiteral("agent_token")).toString().isEmpty() ||
        !writeSecret(tokenFile, w.value(QStringLiteral("agent_token")).toString().toLatin1())) {
        return {};
    }
    w.insert(QStringLiteral("agent_token_file"), tokenFile);
    return w;
}

Response TestCompaniondE2e::http(const QByteArray &method, const QString &path,
                                 const QByteArray &token, const QByteArray &body,
                                 const QByteArray &header)
{
    QUrl url = m_url;
    const qsizetype query = path.indexOf(QLatin1Char('?'));
    url.setPath(path.left(query));
    if (query >= 0) {
        url.setQuery(path.mid(query + 1));
    }
    QNetworkRequest request(url);
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    if (!token.isEmpty()) {
        request.setRawHeader(header,
                             header == "Authorization" ? QByteArray("Bearer " + token) : token);
    }
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    QNetworkReply *reply = m_network->sendCustomRequest(request, method, body);
    Response r;
    if (QTest::qWaitFor([reply] { return reply->isFinished(); }, Timeout)) {
        r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        r.raw = reply->readAll();
        r.body = QJsonDocument::fromJson(r.raw).object();
    } else {
        reply->abort();
    }
    reply->deleteLater();
    return r;
}

QJsonArray TestCompaniondE2e::reinitEvents(const QString &workspaceId)
{
    return op("GET", QStringLiteral("/api/v2/reinit-events?workspace=") + workspaceId)
            .body.value(QStringLiteral("events"))
            .toArray();
}

int TestCompaniondE2e::countKind(const QJsonArray &events, const QString &kind)
{
    int n = 0;
    for (const QJsonValue &e : events) {
        n += e.toObject().value(QStringLiteral("kind")).toString() == kind ? 1 : 0;
    }
    return n;
}

QJsonObject TestCompaniondE2e::agentOf(const QString &workspaceId)
{
    return op("GET", QStringLiteral("/api/v2/workspaces/") + workspaceId)
            .body.value(QStringLiteral("agent"))
            .toObject();
}

// A claim of a prebuilt workspace reaches its running agent over the live stream: the agent
// restarts for the new owner, reports its new URL, and the log tells it in order.
void TestCompaniondE2e::claimReinitializesRunningAgent()
{
    QVERIFY(startServer());
    const QJsonObject ws = createWorkspace(QStringLiteral("pb1"), true);
    const QString id = ws.value(QStringLiteral("id")).toString();
    QVERIFY(!id.isEmpty());
    QCOMPARE(ws.value(QStringLiteral("kind")).toString(), QStringLiteral("prebuilt"));
    Child *agent = startAgent(QStringLiteral("pb1"),
                              ws.value(QStringLiteral("agent_token_file")).toString());
    QVERIFY(agent);
    // Its reinit stream is open before the claim: the claim goes out live, not as a seed.
    QTRY_VERIFY_WITH_TIMEOUT(agentOf(id).value(QStringLiteral("connected")).toBool(), Timeout);
    const QString firstUrl = agentOf(id).value(QStringLiteral("api_url")).toString();
    QVERIFY(!firstUrl.isEmpty());

    const qsizetype linesBefore = agent->lineCount();
    const qint64 wallBefore = QDateTime::currentMSecsSinceEpoch();
    const Run claim =
            ctl({QStringLiteral("workspaces"), QStringLiteral("claim"), id,
                 QStringLiteral("--owner"), QStringLiteral("alice"), QStringLiteral("--json")});
    QVERIFY2(claim.exitCode == 0, claim.err.constData());
    const QJsonObject build = claim.json();
    QCOMPARE(build.value(QStringLiteral("prebuild_stage")).toString(), QStringLiteral("claim"));
    const QString ownerId = build.value(QStringLiteral("owner_id")).toString();
    QVERIFY(!ownerId.isEmpty());

    // Timed from the claim command's exit (on the one clock of the run); the log is polled
    // every 50 ms. No bound is asserted: the numbers are printed.
    QTRY_VERIFY_WITH_TIMEOUT(countKind(reinitEvents(id), QStringLiteral("reinitialized")) == 1,
                             Timeout);
    const qint64 logMs = now() - claim.finishedAt;
    const QRegularExpressionMatch restarted = agent->waitForLine(
            QRegularExpression(QStringLiteral("^Agent reinitialized; listening on (\\S+)$")),
            linesBefore);
    QVERIFY(restarted.hasMatch());
    const qint64 agentMs = agent->matchedAt() - claim.finishedAt;
    const QJsonArray events = reinitEvents(id);
    const QJsonObject reinitialized =
            events.at(indexOfKind(events, QStringLiteral("reinitialized"))).toObject();
    qInfo().noquote() << QStringLiteral(
                                 "claim -> reinitialized: in the log %1 ms after ctl exited; "
                                 "the agent printed it %2 ms after (negative: before) ctl "
                                 "exited; the agent's logged time is %3 ms after the claim "
                                 "build's creation")
                                 .arg(logMs)
                                 .arg(agentMs)
                                 .arg(reinitialized.value(QStringLiteral("at")).toInteger() -
                                      build.value(QStringLiteral("created_at")).toInteger());

    // The agent said why, for whom, once.
    QVERIFY(agent->waitForLine(QRegularExpression(QStringLiteral("^Workspace claimed by ") +
                                                  ownerId + QStringLiteral(": reinitializing")),
                               linesBefore)
                    .hasMatch());
    QCOMPARE(agent->countLines(QRegularExpression(QStringLiteral("^Workspace claimed by "))), 1);
    QVERIFY(agent->isRunning());
    // The log: published, delivered live (no seed detail), reinitialized for the new owner.
    QVERIFY2(countKind(events, QStringLiteral("claim_published")) == 1, kinds(events).constData());
    const qsizetype delivered = indexOfKind(events, QStringLiteral("delivered"));
    QVERIFY2(delivered >= 0, kinds(events).constData());
    QVERIFY2(events.at(delivered).toObject().value(QStringLiteral("detail")).toString().isEmpty(),
             kinds(events).constData());
    QVERIFY2(indexOfKind(events, QStringLiteral("reinitialized")) > delivered,
             kinds(events).constData());
    QCOMPARE(reinitialized.value(QStringLiteral("new_owner_id")).toString(), ownerId);
    QVERIFY(reinitialized.value(QStringLiteral("at")).toInteger() >= wallBefore);
    // The fresh agent reported its new address; the workspace is alice's.
    const QString newUrl = restarted.captured(1);
    QTRY_COMPARE_WITH_TIMEOUT(agentOf(id).value(QStringLiteral("api_url")).toString(), newUrl,
                              Timeout);
    const Run list =
            ctl({QStringLiteral("workspaces"), QStringLiteral("list"), QStringLiteral("--json")});
    QCOMPARE(list.exitCode, 0);
    const QJsonObject listed =
            list.json().value(QStringLiteral("workspaces")).toArray().at(0).toObject();
    QCOMPARE(listed.value(QStringLiteral("owner_name")).toString(), QStringLiteral("alice"));
    QCOMPARE(listed.value(QStringLiteral("kind")).toString(), QStringLiteral("claimed"));
}

// The agent is down (SIGKILL) when its workspace is claimed: the claim is published to nobody;
// the agent, started again, is seeded with it by the durable check and reinitializes.
void TestCompaniondE2e::claimWhileAgentDownIsSeededOnReconnect()
{
    QVERIFY(startServer());
    const QJsonObject ws = createWorkspace(QStringLiteral("pb2"), true);
    const QString id = ws.value(QStringLiteral("id")).toString();
    QVERIFY(!id.isEmpty());
    const QString tokenFile = ws.value(QStringLiteral("agent_token_file")).toString();
    Child *agent = startAgent(QStringLiteral("pb2"), tokenFile);
    QVERIFY(agent);
    QTRY_VERIFY_WITH_TIMEOUT(agentOf(id).value(QStringLiteral("connected")).toBool(), Timeout);

    agent->kill();
    QTRY_VERIFY_WITH_TIMEOUT(!agentOf(id).value(QStringLiteral("connected")).toBool(), Timeout);
    const Run claim =
            ctl({QStringLiteral("workspaces"), QStringLiteral("claim"), id,
                 QStringLiteral("--owner"), QStringLiteral("bob"), QStringLiteral("--json")});
    QVERIFY2(claim.exitCode == 0, claim.err.constData());
    const QString ownerId = claim.json().value(QStringLiteral("owner_id")).toString();
    QTRY_COMPARE_WITH_TIMEOUT(countKind(reinitEvents(id), QStringLiteral("claim_published")), 1,
                              Timeout);
    QCOMPARE(countKind(reinitEvents(id), QStringLiteral("delivered")), 0); // nobody listened

    Child *again = startAgent(QStringLiteral("pb2"), tokenFile);
    QVERIFY(again);
    QTRY_VERIFY_WITH_TIMEOUT(countKind(reinitEvents(id), QStringLiteral("reinitialized")) == 1,
                             Timeout);
    const QJsonArray events = reinitEvents(id);
    const qsizetype delivered = indexOfKind(events, QStringLiteral("delivered"));
    QVERIFY2(delivered >= 0, kinds(events).constData());
    const QJsonObject seed = events.at(delivered).toObject();
    QCOMPARE(seed.value(QStringLiteral("detail")).toString(),
             QStringLiteral("missed claim, seeded on reconnect"));
    QCOMPARE(seed.value(QStringLiteral("new_owner_id")).toString(), ownerId);
    QVERIFY2(indexOfKind(events, QStringLiteral("reinitialized")) > delivered,
             kinds(events).constData());
    QVERIFY(again->waitForLine(QRegularExpression(QStringLiteral("^Agent reinitialized; "
                                                                 "listening on ")))
                    .hasMatch());
    QVERIFY(again->isRunning());
}

// The server dies by SIGKILL and comes back on the same port and database: the running agent
// finds it again by itself, and a claim made after the restart reaches it live.
void TestCompaniondE2e::agentReconnectsAfterServerSigkill()
{
    const quint16 port = freePort();
    QVERIFY(port);
    Child *server = startServer(port);
    QVERIFY(server);
    const QJsonObject ws = createWorkspace(QStringLiteral("pb3"), true);
    const QString id = ws.value(QStringLiteral("id")).toString();
    QVERIFY(!id.isEmpty());
    Child *agent = startAgent(QStringLiteral("pb3"),
                              ws.value(QStringLiteral("agent_token_file")).toString());
    QVERIFY(agent);
    QTRY_VERIFY_WITH_TIMEOUT(agentOf(id).value(QStringLiteral("connected")).toBool(), Timeout);
    QSignalSpy agentEnded(agent->process(), &QProcess::finished);
    // A follower of the log, which has to ride out the restart as the agent does.
    Child *follower =
            spawn(QStringLiteral("ctl events --follow"),
                  {QStringLiteral("ctl"), QStringLiteral("--url"), m_url.toString(),
                   QStringLiteral("--token-file"), m_operatorTokenFile, QStringLiteral("events"),
                   QStringLiteral("--workspace"), id, QStringLiteral("--follow")});
    QVERIFY(follower);
    // An event of the agent's own, so that the follower is known to be following.
    QCOMPARE(http("POST", QStringLiteral("/api/v2/workspaceagents/me/reinit-events"),
                  ws.value(QStringLiteral("agent_token")).toString().toLatin1(),
                  R"({"kind":"transport_error","detail":"before the restart"})")
                     .status,
             202);
    QVERIFY2(follower->waitForLine(QRegularExpression(QStringLiteral("before the restart")))
                     .hasMatch(),
             qPrintable(follower->report()));
    QTRY_VERIFY2_WITH_TIMEOUT(follower->err().contains("Following live events"),
                              qPrintable(follower->report()), Timeout);

    server->kill();
    // While it is down the agent's waits fail; it keeps running.
    QCOMPARE(http("GET", QStringLiteral("/api/v2/workspaces"), m_operatorToken).status, 0);
    const qint64 restartedAt = QDateTime::currentMSecsSinceEpoch();
    Child *restarted = startServer(port);
    QVERIFY(restarted);
    QCOMPARE(m_url.port(), int(port));
    QVERIFY(agent->isRunning());
    // The killed server never counted its stream down, so "connected" alone proves nothing
    // here: the agent is back once its stream has been counted (and seen) by the new server.
    const auto reconnected = [&] {
        const Run list = ctl(
                {QStringLiteral("workspaces"), QStringLiteral("list"), QStringLiteral("--json")});
        for (const QJsonValue &v : list.json().value(QStringLiteral("workspaces")).toArray()) {
            const QJsonObject a = v.toObject().value(QStringLiteral("agent")).toObject();
            if (v.toObject().value(QStringLiteral("id")).toString() == id) {
                return a.value(QStringLiteral("connected")).toBool() &&
                        a.value(QStringLiteral("last_seen_at")).toInteger() >= restartedAt;
            }
        }
        return false;
    };
    QTRY_VERIFY_WITH_TIMEOUT(reconnected(), 15000);

    const Run claim =
            ctl({QStringLiteral("workspaces"), QStringLiteral("claim"), id,
                 QStringLiteral("--owner"), QStringLiteral("carol"), QStringLiteral("--json")});
    QVERIFY2(claim.exitCode == 0, claim.err.constData());
    const QString ownerId = claim.json().value(QStringLiteral("owner_id")).toString();
    QTRY_VERIFY_WITH_TIMEOUT(countKind(reinitEvents(id), QStringLiteral("reinitialized")) == 1,
                             Timeout);
    const QJsonArray events = reinitEvents(id);
    const qsizetype delivered = indexOfKind(events, QStringLiteral("delivered"));
    QVERIFY2(delivered >= 0, kinds(events).constData());
    // Live, on the stream the agent opened to the new server: not a seed.
    QVERIFY2(events.at(delivered).toObject().value(QStringLiteral("detail")).toString().isEmpty(),
             kinds(events).constData());
    QCOMPARE(events.at(delivered).toObject().value(QStringLiteral("new_owner_id")).toString(),
             ownerId);
    QVERIFY(agent->waitForLine(
                         QRegularExpression(QStringLiteral("^Workspace claimed by ") + ownerId))
                    .hasMatch());
    QVERIFY(agent->isRunning());
    QCOMPARE(agentEnded.count(), 0); // the same process throughout

    // The follower reconnected, and printed the claim's events in id order, each once.
    QVERIFY2(follower->waitForLine(QRegularExpression(QStringLiteral("\"kind\":\"reinitialized\"")))
                     .hasMatch(),
             qPrintable(follower->report()));
    QVERIFY2(follower->isRunning(), qPrintable(follower->report()));
    QVERIFY2(follower->err().contains("reconnecting in"), qPrintable(follower->report()));
    QVERIFY2(follower->err().contains("Reconnected to the control plane"),
             qPrintable(follower->report()));
    qint64 previous = 0;
    for (const QString &line : follower->lines()) {
        const QJsonObject event = QJsonDocument::fromJson(line.toUtf8()).object();
        const qint64 eventId = event.value(QStringLiteral("id")).toInteger();
        QVERIFY2(eventId > previous, qPrintable(follower->report()));
        QCOMPARE(event.value(QStringLiteral("workspace_id")).toString(), id);
        previous = eventId;
    }
    QTRY_COMPARE_WITH_TIMEOUT(follower->lineCount(), qsizetype(reinitEvents(id).size()), Timeout);

    // The SIGKILLed server never counted its stream down; the restarted one dropped what a
    // previous run left (SQLite has no other replica), so the agent's SIGKILL now shows as
    // disconnected at once, as without a restart (claimWhileAgentDownIsSeededOnReconnect).
    agent->kill();
    QTRY_VERIFY_WITH_TIMEOUT(!agentOf(id).value(QStringLiteral("connected")).toBool(), 1000);
}

// A regular workspace's agent is refused reinit with 409 once and never asks again; the agent
// itself keeps serving.
void TestCompaniondE2e::regularWorkspaceAgentStopsAfter409()
{
    QVERIFY(startServer());
    const QJsonObject ws = createWorkspace(QStringLiteral("reg1"), false);
    const QString id = ws.value(QStringLiteral("id")).toString();
    QVERIFY(!id.isEmpty());
    QCOMPARE(ws.value(QStringLiteral("kind")).toString(), QStringLiteral("regular"));
    Child *agent = startAgent(QStringLiteral("reg1"),
                              ws.value(QStringLiteral("agent_token_file")).toString());
    QVERIFY(agent);
    QSignalSpy agentEnded(agent->process(), &QProcess::finished);
    const QRegularExpression stopped(QStringLiteral("^Reinit does not apply: "));
    QVERIFY(agent->waitForLine(stopped).hasMatch());
    QTRY_COMPARE_WITH_TIMEOUT(countKind(reinitEvents(id), QStringLiteral("stopped_409")), 1,
                              Timeout);
    const QJsonArray first = reinitEvents(id);
    QCOMPARE(first.at(indexOfKind(first, QStringLiteral("stopped_409")))
                     .toObject()
                     .value(QStringLiteral("detail"))
                     .toString(),
             QStringLiteral("regular workspace"));

    // Proving an absence takes a real wait: the first retries of a loop that did not stop
    // would come after 100, 200, 400 and 800 ms.
    QTest::qWait(1500);
    const QJsonArray later = reinitEvents(id);
    QVERIFY2(countKind(later, QStringLiteral("stopped_409")) == 1, kinds(later).constData());
    QVERIFY2(later.size() == first.size(), kinds(later).constData());
    QCOMPARE(agent->countLines(stopped), 1);
    QCOMPARE(agentEnded.count(), 0);
    QVERIFY(agent->isRunning());
    QVERIFY(!agentOf(id).value(QStringLiteral("connected")).toBool());
    // Only the reinit loop stopped: the agent's own API still answers with its token.
    const QUrl agentUrl(agentOf(id).value(QStringLiteral("api_url")).toString());
    QVERIFY(agentUrl.isValid());
    QFile apiToken(m_dir->filePath(QStringLiteral("reg1-api-token")));
    QVERIFY(apiToken.open(QIODevice::ReadOnly));
    const QUrl saved = m_url;
    m_url = agentUrl;
    const Response processes =
            http("GET", QStringLiteral("/api/v0/processes/list"), apiToken.readAll().trimmed());
    m_url = saved;
    QCOMPARE(processes.status, 200);
}

// The gate, over HTTP and through ctl: no or an unknown token 401, the wrong kind of token 403,
// every refusal a JSON message; ctl exits 3 on a refused token.
void TestCompaniondE2e::badTokens()
{
    QVERIFY(startServer());
    const QJsonObject ws = createWorkspace(QStringLiteral("pb4"), true);
    const QString id = ws.value(QStringLiteral("id")).toString();
    QVERIFY(!id.isEmpty());
    const QByteArray agentToken = ws.value(QStringLiteral("agent_token")).toString().toLatin1();
    const QByteArray wrongToken = QByteArray(64, 'f');
    const QString list = QStringLiteral("/api/v2/workspaces");
    const QString claimPath = QStringLiteral("/api/v2/workspaces/%1/claim").arg(id);
    const QByteArray claimBody = R"({"owner":"mallory"})";

    struct Case
    {
        const char *what;
        QByteArray method;
        QString path;
        QByteArray token;
        QByteArray header;
        QByteArray body;
        int status;
    };
    const Case cases[] = {
            {"operator route, no token", "GET", list, {}, "Coder-Session-Token", {}, 401},
            {"operator route, wrong token",
             "GET",
             list,
             wrongToken,
             "Coder-Session-Token",
             {},
             401},
            {"operator route, wrong bearer", "GET", list, wrongToken, "Authorization", {}, 401},
            {"operator route, agent token",
             "GET",
             list,
             agentToken,
             "Coder-Session-Token",
             {},
             403},
            {"operator route, agent bearer", "GET", list, agentToken, "Authorization", {}, 403},
            {"claim, no token", "POST", claimPath, {}, "Coder-Session-Token", claimBody, 401},
            {"claim, agent token", "POST", claimPath, agentToken, "Coder-Session-Token", claimBody,
             403},
            {"reinit events, agent token",
             "GET",
             QStringLiteral("/api/v2/reinit-events"),
             agentToken,
             "Coder-Session-Token",
             {},
             403},
            {"agent reinit, no token",
             "GET",
             QStringLiteral("/api/v2/workspaceagents/me/reinit?wait=true"),
             {},
             "Coder-Session-Token",
             {},
             401},
            {"agent reinit, operator token",
             "GET",
             QStringLiteral("/api/v2/workspaceagents/me/reinit?wait=true"),
             m_operatorToken,
             "Coder-Session-Token",
             {},
             403},
            {"agent report, operator token", "POST",
             QStringLiteral("/api/v2/workspaceagents/me/report"), m_operatorToken,
             "Coder-Session-Token", R"({"api_url":"http://127.0.0.1:9"})", 403},
            {"agent reinit event, operator token", "POST",
             QStringLiteral("/api/v2/workspaceagents/me/reinit-events"), m_operatorToken,
             "Coder-Session-Token", R"({"kind":"reinitialized"})", 403},
            {"agent reinit event, wrong token", "POST",
             QStringLiteral("/api/v2/workspaceagents/me/reinit-events"), wrongToken,
             "Coder-Session-Token", R"({"kind":"reinitialized"})", 401},
    };
    for (const Case &c : cases) {
        const Response r = http(c.method, c.path, c.token, c.body, c.header);
        QVERIFY2(r.status == c.status,
                 qPrintable(QStringLiteral("%1: %2 %3")
                                    .arg(QLatin1String(c.what))
                                    .arg(r.status)
                                    .arg(QString::fromUtf8(r.raw))));
        QVERIFY2(isJsonMessage(r), c.what);
    }

    // ctl: an unknown token and an agent token as the operator's both exit 3.
    const QString wrongFile = m_dir->filePath(QStringLiteral("wrong-token"));
    QVERIFY(writeSecret(wrongFile, wrongToken));
    Run run = ctl({QStringLiteral("workspaces"), QStringLiteral("list")}, wrongFile);
    QVERIFY2(run.exitCode == 3, run.err.constData());
    QVERIFY2(run.err.contains("Unauthorized"), run.err.constData());
    run = ctl({QStringLiteral("workspaces"), QStringLiteral("claim"), id, QStringLiteral("--owner"),
               QStringLiteral("mallory")},
              wrongFile);
    QVERIFY2(run.exitCode == 3, run.err.constData());
    run = ctl({QStringLiteral("events"), QStringLiteral("--json")},
              ws.value(QStringLiteral("agent_token_file")).toString());
    QVERIFY2(run.exitCode == 3, run.err.constData());
    QVERIFY2(run.err.contains("Forbidden"), run.err.constData());
    // None of it claimed anything.
    const Response after = op("GET", QStringLiteral("/api/v2/workspaces/") + id);
    QCOMPARE(after.status, 200);
    QCOMPARE(after.body.value(QStringLiteral("kind")).toString(), QStringLiteral("prebuilt"));
    QCOMPARE(reinitEvents(id).size(), 0);
}

// Claims the server cannot read are 400 (413 when too big), each a JSON message, and leave the
// workspace and its builds as they were.
void TestCompaniondE2e::malformedClaimChangesNothing()
{
    QVERIFY(startServer());
    const QJsonObject ws = createWorkspace(QStringLiteral("pb5"), true);
    const QString id = ws.value(QStringLiteral("id")).toString();
    QVERIFY(!id.isEmpty());
    const QString path = QStringLiteral("/api/v2/workspaces/%1").arg(id);
    // The echo provisioner completes the first build right after the create answer.
    QTRY_COMPARE_WITH_TIMEOUT(op("GET", path)
                                      .body.value(QStringLiteral("latest_build"))
                                      .toObject()
                                      .value(QStringLiteral("job_status"))
                                      .toString(),
                              QStringLiteral("succeeded"), Timeout);
    const Response before = op("GET", path);
    const Response buildsBefore = op("GET", path + QStringLiteral("/builds"));
    QCOMPARE(before.status, 200);
    QCOMPARE(buildsBefore.body.value(QStringLiteral("builds")).toArray().size(), 1);

    const QByteArray bodies[] = {
            "{",
            "not json",
            "",
            "[]",
            R"([{"owner":"alice"}])",
            "{}",
            R"({"name":"alice"})",
            R"({"owner":3})",
            R"({"owner":null})",
            R"({"owner":["alice"]})",
            R"({"owner":{"name":"alice"}})",
            R"({"owner":true})",
    };
    for (const QByteArray &body : bodies) {
        const Response r = op("POST", path + QStringLiteral("/claim"), body);
        QVERIFY2(r.status == 400,
                 qPrintable(QStringLiteral("%1 → %2 %3")
                                    .arg(QString::fromUtf8(body))
                                    .arg(r.status)
                                    .arg(QString::fromUtf8(r.raw))));
        QVERIFY2(isJsonMessage(r), body.constData());
    }
    // 2 MiB, valid JSON with a valid owner: too big for the route, whatever it says.
    const QByteArray big =
            R"({"owner":"alice","padding":")" + QByteArray(2 * 1024 * 1024, 'x') + R"("})";
    const Response tooBig = op("POST", path + QStringLiteral("/claim"), big);
    QVERIFY2(tooBig.status == 413, qPrintable(QString::number(tooBig.status)));
    QVERIFY(isJsonMessage(tooBig));

    const Response after = op("GET", path);
    QCOMPARE(after.body, before.body);
    QCOMPARE(op("GET", path + QStringLiteral("/builds")).body, buildsBefore.body);
    QCOMPARE(reinitEvents(id).size(), 0);
    // The route itself works: a good claim afterwards makes build 2.
    const Response good = op("POST", path + QStringLiteral("/claim"), R"({"owner":"alice"})");
    QCOMPARE(good.status, 202);
    QCOMPARE(good.body.value(QStringLiteral("build_number")).toInt(), 2);
}

// Content-Length: 10 GB and no body: without a token the 401 comes at once, from the headers
// alone; so do the 403 for an agent token and the 413 for the operator's. The server is fine
// afterwards.
void TestCompaniondE2e::hugeDeclaredBodyRefusedUnread()
{
    QVERIFY(startServer());
    const QJsonObject ws = createWorkspace(QStringLiteral("pb6"), true);
    const QString id = ws.value(QStringLiteral("id")).toString();
    QVERIFY(!id.isEmpty());
    const quint16 port = quint16(m_url.port());
    const auto head = [&](const QByteArray &tokenHeader) {
        return "POST /api/v2/workspaces/" + id.toLatin1() +
                "/claim HTTP/1.1\r\n"
                "Host: 127.0.0.1:" +
                QByteArray::number(port) +
                "\r\n"
                "Content-Type: application/json\r\n"
                "Content-Length: 10000000000\r\n" +
                tokenHeader + "\r\n";
    };
    QElapsedTimer timer;
    timer.start();
    const Response anonymous = rawRequest(port, head({}));
    QVERIFY2(anonymous.status == 401, anonymous.raw.constData());
    QVERIFY2(isJsonMessage(anonymous), anonymous.raw.constData());
    // The 10 GB never come: the connection is not kept for them.
    QCOMPARE(anonymous.head.value("connection"), QByteArray("close"));
    qInfo() << "401 for a 10 GB declared body after" << timer.elapsed() << "ms";

    const Response agent = rawRequest(
            port,
            head("Coder-Session-Token: " +
                 ws.value(QStringLiteral("agent_token")).toString().toLatin1() + "\r\n"));
    QVERIFY2(agent.status == 403, agent.raw.constData());
    QVERIFY(isJsonMessage(agent));
    const Response operatorToo =
            rawRequest(port, head("Coder-Session-Token: " + m_operatorToken + "\r\n"));
    QVERIFY2(operatorToo.status == 413, operatorToo.raw.constData());
    QVERIFY(isJsonMessage(operatorToo));

    QCOMPARE(op("GET", QStringLiteral("/api/v2/workspaces/") + id)
                     .body.value(QStringLiteral("kind"))
                     .toString(),
             QStringLiteral("prebuilt"));
    QCOMPARE(op("GET", QStringLiteral("/api/v2/workspaces")).status, 200);
}

// An agent's report names the URL that clients of the control plane open: only an absolute
// http(s) URL with a host and no user info is stored. The database holding the token hashes is
// its owner's alone.
void TestCompaniondE2e::reportRefusesBadApiUrl()
{
    QVERIFY(startServer());
    const QFileDevice::Permissions mode =
            QFile::permissions(m_dir->filePath(QStringLiteral("control-plane.db")));
    QVERIFY2(!(mode &
               (QFileDevice::ReadGroup | QFileDevice::ReadOther | QFileDevice::WriteGroup |
                QFileDevice::WriteOther)),
             qPrintable(QString::number(int(mode), 16)));
    const QJsonObject ws = createWorkspace(QStringLiteral("reg7"), false);
    const QString id = ws.value(QStringLiteral("id")).toString();
    QVERIFY(!id.isEmpty());
    const QByteArray token = ws.value(QStringLiteral("agent_token")).toString().toLatin1();
    const QString report = QStringLiteral("/api/v2/workspaceagents/me/report");
    const Response good = http("POST", report, token, R"({"api_url":"http://127.0.0.1:9"})");
    QVERIFY2(good.status == 200 || good.status == 204, good.raw.constData());
    QCOMPARE(agentOf(id).value(QStringLiteral("api_url")).toString(),
             QStringLiteral("http://127.0.0.1:9"));

    const QByteArray bad[] = {
            R"x({"api_url":"javascript:alert(1)"})x",
            R"({"api_url":"file:///etc/passwd"})",
            R"({"api_url":"ftp://127.0.0.1/"})",
            R"({"api_url":"http://user:secret@127.0.0.1:9"})",
            R"({"api_url":"/api/v0"})",
            R"({"api_url":"http://"})",
            R"({"api_url":"http://127.0.0.1:9/)" + QByteArray(3000, 'a') + R"("})",
            R"({"api_url":"http://exa mple.com"})",
            "{",
    };
    for (const QByteArray &body : bad) {
        const Response r = http("POST", report, token, body);
        QVERIFY2(r.status == 400,
                 qPrintable(QStringLiteral("%1 → %2 %3")
                                    .arg(QString::fromUtf8(body.left(80)))
                                    .arg(r.status)
                                    .arg(QString::fromUtf8(r.raw))));
        QVERIFY2(isJsonMessage(r), body.constData());
    }
    QCOMPARE(agentOf(id).value(QStringLiteral("api_url")).toString(),
             QStringLiteral("http://127.0.0.1:9"));
}

QTEST_GUILESS_MAIN(TestCompaniondE2e)
namespace {

const QRegularExpression uuidLine(QStringLiteral("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-"
                                                 "[0-9a-f]{12}\\n$"));

} // namespace

// A chat on a workspace whose agent runs: the generation dials the agent with the API token
// the agent reported, and, with no model provider yet, ends the chat in error with upstream's
// text. A chat whose agent was SIGKILLed keeps retrying its dial instead, and says so.
void TestCompaniondE2e::chatRunsAgainstRealAgent()
{
    QVERIFY(startServer());
    const QJsonObject w = createWorkspace(QStringLiteral("chatws"), false);
    QVERIFY(!w.isEmpty());
    const QString workspaceId = w.value(QStringLiteral("id")).toString();
    Child *agent = startAgent(QStringLiteral("chatws"),
                              w.value(QStringLiteral("agent_token_file")).toString());
    QVERIFY(agent);
    QTRY_VERIFY_WITH_TIMEOUT(
            !agentOf(workspaceId).value(QStringLiteral("api_url")).toString().isEmpty(), Timeout);

    const Run created = ctl({QStringLiteral("chats"), QStringLiteral("create"),
                             QStringLiteral("--workspace"), QStringLiteral("chatws"),
                             QStringLiteral("--title"), QStringLiteral("Why is CI red?"),
                             QStringLiteral("--message"), QStringLiteral("Look at the logs.")});
    QCOMPARE(created.exitCode, 0);
    QVERIFY2(uuidLine.match(QString::fromUtf8(created.out)).hasMatch(), created.out.constData());
    const QString chatId = QString::fromUtf8(created.out).trimmed();
    QJsonObject chat;
    QTRY_VERIFY_WITH_TIMEOUT(
            (chat = ctlJson({QStringLiteral("chats"), QStringLiteral("get"), chatId}))
                            .value(QStringLiteral("status"))
                            .toString() == QLatin1String("error"),
            Timeout);
    QCOMPARE(chat.value(QStringLiteral("last_error")).toString(),
             QStringLiteral("no model provider configured"));
    QCOMPARE(chat.value(QStringLiteral("agent_id")).toString(),
             w.value(QStringLiteral("agent_id")).toString());
    const QJsonArray messages = chat.value(QStringLiteral("messages")).toArray();
    QCOMPARE(messages.size(), 1);
    QCOMPARE(messages.at(0).toObject().value(QStringLiteral("content")).toString(),
             QStringLiteral("Look at the logs."));
    QVERIFY(!messages.at(0).toObject().value(QStringLiteral("queued")).toBool());
    // The lease is given up once the chat has nothing to do.
    QTRY_VERIFY_WITH_TIMEOUT(ctlJson({QStringLiteral("chats"), QStringLiteral("get"), chatId})
                                     .value(QStringLiteral("worker_id"))
                                     .isNull(),
                             Timeout);
    // A message's escape sequences reach the terminal as text, not as commands.
    const Response hostile =
            op("POST", QStringLiteral("/api/v2/chats"),
               R"({"workspace":"chatws","title":"t","message":"a\u001b]0;pwned\u0007b\rc"})");
    QCOMPARE(hostile.status, 201);
    const Run shown = ctl({QStringLiteral("chats"), QStringLiteral("get"),
                           hostile.body.value(QStringLiteral("id")).toString()});
    QCOMPARE(shown.exitCode, 0);
    QVERIFY2(!shown.out.contains('\x1b') && !shown.out.contains('\r') && !shown.out.contains('\a'),
             shown.out.constData());
    QVERIFY2(shown.out.contains("a\\u001b]0;pwned\\u0007b\\u000dc"), shown.out.constData());
    QCOMPARE(ctl({QStringLiteral("chats"), QStringLiteral("archive"),
                  hostile.body.value(QStringLiteral("id")).toString()})
                     .exitCode,
             0);
    // An error is not interruptible; archiving hides it from the default list.
    const Run interrupted = ctl({QStringLiteral("chats"), QStringLiteral("interrupt"), chatId});
    QCOMPARE(interrupted.exitCode, 1);
    QVERIFY2(interrupted.err.contains("Conflict"), interrupted.err.constData());
    QCOMPARE(ctl({QStringLiteral("chats"), QStringLiteral("archive"), chatId}).exitCode, 0);
    QCOMPARE(ctlJson({QStringLiteral("chats"), QStringLiteral("list")})
                     .value(QStringLiteral("chats"))
                     .toArray()
                     .size(),
             0);
    QCOMPARE(
            ctlJson({QStringLiteral("chats"), QStringLiteral("list"), QStringLiteral("--archived")})
                    .value(QStringLiteral("chats"))
                    .toArray()
                    .size(),
            2);

    // The agent dies: a new chat's generation cannot dial it, and retries with backoff.
    agent->kill();
    const Run second =
            ctl({QStringLiteral("chats"), QStringLiteral("create"), QStringLiteral("--workspace"),
                 workspaceId, QStringLiteral("--title"), QStringLiteral("Agent gone"),
                 QStringLiteral("--message"), QStringLiteral("hello?")});
    QCOMPARE(second.exitCode, 0);
    const QString secondId = QString::fromUtf8(second.out).trimmed();
    QJsonObject runner;
    const auto done1 = [&] {
        for (const QJsonValue &r :
             ctlJson({QStringLiteral("runners")}).value(QStringLiteral("array")).toArray()) {
            if (r.toObject().value(QStringLiteral("chat_id")).toString() == secondId) {
                runner = r.toObject();
            }
        }
        return !runner.value(QStringLiteral("task_retrying_since")).isNull() &&
                runner.contains(QStringLiteral("task_retrying_since"));
    };
    QTRY_VERIFY_WITH_TIMEOUT(done1(), Timeout);
    for (const char *field :
         {"chat_id", "worker_id", "runner_id", "status", "task", "snapshot_version",
          "history_version", "heartbeat_age_ms", "queue_depth", "dropped_hints"}) {
        QVERIFY2(runner.contains(QLatin1String(field)), field);
    }
    QCOMPARE(runner.value(QStringLiteral("task")).toString(), QStringLiteral("generation"));
    QCOMPARE(runner.value(QStringLiteral("status")).toString(), QStringLiteral("running"));
    const Response detail =
            op("GET", QStringLiteral("/api/v2/chat-runners?events=true&chat=") + secondId);
    const QJsonArray events = detail.body.value(QStringLiteral("runners"))
                                      .toArray()
                                      .at(0)
                                      .toObject()
                                      .value(QStringLiteral("events"))
                                      .toArray();
    QVERIFY2(indexOfKind(events, QStringLiteral("dial_failed")) >= 0, kinds(events));
    QVERIFY2(indexOfKind(events, QStringLiteral("task_retrying")) >= 0, kinds(events));
    // The agent's API token never leaves the control plane.
    QFile tokenFile(m_dir->filePath(QStringLiteral("chatws-api-token")));
    QVERIFY(tokenFile.open(QIODevice::ReadOnly));
    const QByteArray apiToken = tokenFile.readAll().trimmed();
    QVERIFY(!apiToken.isEmpty());
    for (const QString &path :
         QStringList {QStringLiteral("/api/v2/workspaces"),
                      QStringLiteral("/api/v2/workspaces/") + workspaceId,
                      QStringLiteral("/api/v2/chats"), QStringLiteral("/api/v2/chats/") + secondId,
                      QStringLiteral("/api/v2/chat-runners?events=true")}) {
        const Response r = op("GET", path);
        QCOMPARE(r.status, 200);
        QVERIFY2(!r.raw.contains(apiToken), qPrintable(path));
    }
}

// The chat API judges every request: the gate first, then the body, and a refused request
// changes nothing.
void TestCompaniondE2e::chatApiRefusesBadInput()
{
    QVERIFY(startServer());
    const QJsonObject w = createWorkspace(QStringLiteral("badws"), false);
    QVERIFY(!w.isEmpty());
    const QByteArray agentToken = [&] {
        QFile f(w.value(QStringLiteral("agent_token_file")).toString());
        return f.open(QIODevice::ReadOnly) ? f.readAll().trimmed() : QByteArray();
    }();
    const QByteArray good = R"({"workspace":"badws","title":"t","message":"m"})";

    QCOMPARE(http("POST", QStringLiteral("/api/v2/chats"), {}, good).status, 401);
    QCOMPARE(http("POST", QStringLiteral("/api/v2/chats"), "wrong-token", good).status, 401);
    QCOMPARE(http("POST", QStringLiteral("/api/v2/chats"), agentToken, good).status, 403);
    QCOMPARE(http("GET", QStringLiteral("/api/v2/chat-runners"), agentToken).status, 403);

    struct Case
    {
        QByteArray body;
        int status;
    };
    const QByteArray longTitle = QByteArray(201, 'x');
    const QByteArray longMessage = QByteArray(64 * 1024 + 1, 'y');
    const QList<Case> cases {
            {"", 400},
            {"{", 400},
            {"[]", 400},
            {R"({"workspace":"badws"})", 400},
            {R"({"workspace":"badws","title":5})", 400},
            {R"({"workspace":"badws","title":"   "})", 400},
            {R"({"workspace":"badws","title":"two
lines"})",
             400},
            {R"({"workspace":"badws","title":")" + longTitle + R"("})", 400},
            {R"({"workspace":"badws","title":"t","message":7})", 400},
            {R"({"workspace":"badws","title":"t","message":")" + longMessage + R"("})", 400},
            {R"({"workspace":3,"title":"t"})", 400},
            {R"({"workspace":"no-such-workspace","title":"t"})", 404},
    };
    for (const Case &c : cases) {
        const Response r = op("POST", QStringLiteral("/api/v2/chats"), c.body);
        QVERIFY2(r.status == c.status, c.body.left(80).constData());
        QVERIFY2(isJsonMessage(r), r.raw.constData());
    }
    // A declared body beyond the route's cap is refused before a byte of it is read.
    const Response huge = rawRequest(
            m_url.port(),
            "POST /api/v2/chats HTTP/1.1\r\nHost: x\r\nCoder-Session-Token: " + m_operatorToken +
                    "\r\nContent-Type: application/json\r\nContent-Length: "
                    "1000000000\r\n\r\n");
    QCOMPARE(huge.status, 413);
    QVERIFY(!huge.body.value(QStringLiteral("message")).toString().isEmpty());
    QCOMPARE(op("GET", QStringLiteral("/api/v2/chats?archived=maybe")).status, 400);
    QCOMPARE(op("GET", QStringLiteral("/api/v2/chat-runners?events=1")).status, 400);
    QCOMPARE(op("GET", QStringLiteral("/api/v2/chats/no-such-chat")).status, 404);
    QCOMPARE(op("POST", QStringLiteral("/api/v2/chats/no-such-chat/interrupt")).status, 404);
    QCOMPARE(op("POST", QStringLiteral("/api/v2/chats/no-such-chat/archive")).status, 404);
    // Nothing above made a chat.
    QCOMPARE(op("GET", QStringLiteral("/api/v2/chats"))
                     .body.value(QStringLiteral("chats"))
                     .toArray()
                     .size(),
             0);

    // A chat without a message waits: nothing to interrupt.
    const Response waiting =
            op("POST", QStringLiteral("/api/v2/chats"), R"({"workspace":"badws","title":"idle"})");
    QCOMPARE(waiting.status, 201);
    QCOMPARE(waiting.body.value(QStringLiteral("status")).toString(), QStringLiteral("waiting"));
    const QString id = waiting.body.value(QStringLiteral("id")).toString();
    const Response conflict = op("POST", QStringLiteral("/api/v2/chats/%1/interrupt").arg(id));
    QCOMPARE(conflict.status, 409);
    QVERIFY(isJsonMessage(conflict));
    const Response after = op("GET", QStringLiteral("/api/v2/chats/") + id);
    QCOMPARE(after.body.value(QStringLiteral("status")).toString(), QStringLiteral("waiting"));
    QCOMPARE(after.body.value(QStringLiteral("snapshot_version")).toInteger(),
             waiting.body.value(QStringLiteral("snapshot_version")).toInteger());

    // An agent's report is judged too: its API token must be a header value.
    const QList<QByteArray> reports {
            QByteArray(R"({"api_url":"http://127.0.0.1:1","api_token":5})"),
            QByteArray(R"({"api_url":"http://127.0.0.1:1","api_token":"has space"})"),
            QByteArray(R"({"api_url":"http://127.0.0.1:1","api_token":")") + QByteArray(513, 'a') +
                    QByteArray(R"("})")};
    for (const QByteArray &body : reports) {
        const Response r =
                http("POST", QStringLiteral("/api/v2/workspaceagents/me/report"), agentToken, body);
        QVERIFY2(r.status == 400, body.left(80).constData());
        QVERIFY(isJsonMessage(r));
    }
}

// Two servers on one PostgreSQL database: each chat runs on exactly one of them, and each
// lists every runner. SIGKILL the busier one; after --stale-after the other has them all.
void TestCompaniondE2e::chatsTakenOverAfterSigkillOnPostgres()
{
    const QString database = PostgresTest::freshDatabase();
    QVERIFY2(!database.isEmpty(), "the postgres fixture is not running");
    const QString workerA = QUuid::createUuid().toString(QUuid::WithoutBraces);
    const QString workerB = QUuid::createUuid().toString(QUuid::WithoutBraces);
    const auto runtime = [](const QString &worker) {
        return QStringList {QStringLiteral("--worker-id"),          worker,
                            QStringLiteral("--heartbeat-interval"), QStringLiteral("500ms"),
                            QStringLiteral("--stale-after"),        QStringLiteral("2s"),
                            QStringLiteral("--acquire-interval"),   QStringLiteral("500ms"),
                            QStringLiteral("--sync-interval"),      QStringLiteral("1s")};
    };
    Child *a = startServer(0, runtime(workerA), database);
    QVERIFY(a);
    const QUrl urlA = m_url;
    Child *b = startServer(0, runtime(workerB), database);
    QVERIFY(b);
    const QUrl urlB = m_url;

    // The workspace's agent never reports where it is: every generation keeps retrying its
    // dial, so each chat keeps its lease until its worker dies.
    m_url = urlA;
    QVERIFY(!createWorkspace(QStringLiteral("shared"), false).isEmpty());
    QStringList chats;
    for (int i = 0; i < 6; ++i) {
        const Run run = ctl({QStringLiteral("chats"), QStringLiteral("create"),
                             QStringLiteral("--workspace"), QStringLiteral("shared"),
                             QStringLiteral("--title"), QStringLiteral("chat %1").arg(i),
                             QStringLiteral("--message"), QStringLiteral("go")});
        QCOMPARE(run.exitCode, 0);
        chats << QString::fromUtf8(run.out).trimmed();
    }
    const auto owners = [&] {
        QHash<QString, QString> owner;
        for (const QJsonValue &c : op("GET", QStringLiteral("/api/v2/chats"))
                                           .body.value(QStringLiteral("chats"))
                                           .toArray()) {
            owner.insert(c.toObject().value(QStringLiteral("id")).toString(),
                         c.toObject().value(QStringLiteral("worker_id")).toString());
        }
        return owner;
    };
    const auto done2 = [&] {
        const QHash<QString, QString> owner = owners();
        return std::all_of(chats.cbegin(), chats.cend(), [&](const QString &id) {
            return owner.value(id) == workerA || owner.value(id) == workerB;
        });
    };
    QTRY_VERIFY_WITH_TIMEOUT(done2(), Timeout);
    // Each replica lists every runner, its own and the other's, each chat once.
    for (const QUrl &url : {urlA, urlB}) {
        m_url = url;
        const auto done3 = [&] {
            QStringList seen;
            for (const QJsonValue &r : op("GET", QStringLiteral("/api/v2/chat-runners"))
                                               .body.value(QStringLiteral("runners"))
                                               .toArray()) {
                seen << r.toObject().value(QStringLiteral("chat_id")).toString();
            }
            seen.sort();
            QStringList expected = chats;
            expected.sort();
            return seen == expected;
        };
        QTRY_VERIFY_WITH_TIMEOUT(done3(), Timeout);
    }
    m_url = urlA;
    const QHash<QString, QString> before = owners();
    const int onA = int(std::count(before.cbegin(), before.cend(), workerA));
    Child *victim = onA >= 3 ? a : b;
    const QString survivor = onA >= 3 ? workerB : workerA;
    m_url = onA >= 3 ? urlB : urlA;
    victim->kill();
    const auto done4 = [&] {
        const QHash<QString, QString> owner = owners();
        return std::all_of(chats.cbegin(), chats.cend(),
                           [&](const QString &id) { return owner.value(id) == survivor; });
    };
    QTRY_VERIFY_WITH_TIMEOUT(done4(), 20000);
    // The survivor's list forgets the dead replica's runners within three heartbeats.
    const auto done5 = [&] {
        const QJsonArray runners = op("GET", QStringLiteral("/api/v2/chat-runners"))
                                           .body.value(QStringLiteral("runners"))
                                           .toArray();
        return runners.size() == chats.size() &&
                std::all_of(runners.begin(), runners.end(), [&](const QJsonValue &r) {
                    return r.toObject().value(QStringLiteral("worker_id")).toString() == survivor;
                });
    };
    QTRY_VERIFY_WITH_TIMEOUT(done5(), Timeout);

    // SIGTERM hands the chats over at once: the survivor drops its leases' heartbeats as it
    // stops, so a new server that would wait an hour for a stale lease takes every chat now.
    Child *survivorChild = victim == a ? b : a;
    ::kill(pid_t(survivorChild->process()->processId()), SIGTERM);
    QTRY_VERIFY_WITH_TIMEOUT(!survivorChild->isRunning(), Timeout);
    QCOMPARE(survivorChild->process()->exitStatus(), QProcess::NormalExit);
    QCOMPARE(survivorChild->process()->exitCode(), 0);
    const QString workerC = QUuid::createUuid().toString(QUuid::WithoutBraces);
    QVERIFY(startServer(0,
                        {QStringLiteral("--worker-id"), workerC, QStringLiteral("--stale-after"),
                         QStringLiteral("1h"), QStringLiteral("--acquire-interval"),
                         QStringLiteral("500ms")},
                        database));
    const auto allOnC = [&] {
        const QHash<QString, QString> owner = owners();
        return std::all_of(chats.cbegin(), chats.cend(),
                           [&](const QString &id) { return owner.value(id) == workerC; });
    };
    QTRY_VERIFY_WITH_TIMEOUT(allOnC(), Timeout);
}

#include "tst_companiond_e2e.moc"
