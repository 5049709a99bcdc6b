// The process API over real HTTP on loopback with real processes: every scenario of Coder's
// agent/agentproc api_test.go that this agent implements, with upstream's status codes and
// messages, plus auth, bad input, process safety and our WebSocket stream and watch extensions.
// The wire format is what is tested: requests go through QNetworkAccessManager and raw
// QWebSocket, and bodies are compared as bytes where upstream's are fixed.
#include "common/clock.h"
#include "common/unixsignalwatcher.h"
#include "helpers/processtesthelpers.h"
#include "http/apiserver.h"
#include "process/managedprocess.h"
#include "process/processapi.h"
#include "process/processclient.h"
#include "process/processmanager.h"
#include "process/processoutputstream.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMutex>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QSemaphore>
#include <QSet>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QUuid>
#include <QWebSocket>
#include <QtEndian>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <memory>

using namespace std::chrono_literals;

namespace {

const QByteArray token = QByteArrayLiteral("process-api-test-token");
constexpr qint64 startMSecs = 1'700'000'000'000;

struct RequestOptions
{
    bool token = true;
    QByteArray chat;
};

struct Reply
{
    int status = 0;
    QByteArray body;
    QJsonDocument document;
    QJsonObject object() const { return document.object(); }
    QString message() const { return object().value(QStringLiteral("message")).toString(); }
};

using namespace ProcessTest;

struct ProcStat
{
    char state = 0;
    qint64 processGroup = -1;
};

std::optional<ProcStat> procStat(const QString &pid)
{
    QFile file(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!file.open(QIODevice::ReadOnly)) {
        return std::nullopt;
    }
    const QByteArray line = file.readAll();
    const qsizetype close = line.lastIndexOf(')');
    if (close < 0 || close + 2 >= line.size()) {
        return std::nullopt;
    }
    const QList<QByteArray> fields = line.mid(close + 2).split(' ');
    if (fields.size() < 3) {
        return std::nullopt;
    }
    return ProcStat {fields.at(0).at(0), fields.at(2).toLongLong()};
}

// A zombie or a dead task is no longer a live process: it runs nothing and holds nothing.
bool isLive(const ProcStat &stat)
{
    return stat.state != 'Z' && stat.state != 'X' && stat.state != 'x';
}

bool pidIsLive(qint64 pid)
{
    const auto stat = procStat(QString::number(pid));
    return stat && isLive(*stat);
}

// Live processes whose process group is one of `groups`.
QList<qint64> liveMembers(const QSet<qint64> &groups)
{
    QList<qint64> result;
    QDirIterator it(QStringLiteral("/proc"), QDir::Dirs | QDir::NoDotAndDotDot);
    while (it.hasNext()) {
        it.next();
        bool numeric = false;
        const qint64 pid = it.fileName().toLongLong(&numeric);
        if (!numeric) {
            continue;
        }
        const auto stat = procStat(it.fileName());
        if (stat && isLive(*stat) && groups.contains(stat->processGroup)) {
            result.append(pid);
        }
    }
    return result;
}

QSet<QString> keySet(const QJsonObject &object)
{
    const QStringList keys = object.keys();
    return QSet<QString>(keys.cbegin(), keys.cend());
}

QString toString(const QList<qint64> &pids)
{
    QStringList parts;
    for (const qint64 pid : pids) {
        parts.append(QString::number(pid));
    }
    return parts.join(QLatin1Char(' '));
}

// One frame of the stream extension as the client received it.
struct Frame
{
    bool binary = false;
    qint64 offset = 0;
    QByteArray data;
    QJsonObject json;
};

Frame parseFrame(const QByteArray &binary)
{
    Frame f;
    f.binary = true;
    f.offset = qint64(qFromBigEndian<quint64>(binary.constData()));
    f.data = binary.mid(8);
    return f;
}

Frame parseFrame(const QString &text)
{
    Frame f;
    f.json = QJsonDocument::fromJson(text.toUtf8()).object();
    return f;
}

// A raw stream client on its own thread, so the test can stop its event loop while the server
// goes on producing: a truly slow reader.
class SlowStreamClient : public QObject
{
    Q_OBJECT
public:
    void open(const QNetworkRequest &request)
    {
        m_socket = new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, this);
        connect(m_socket, &QWebSocket::binaryMessageReceived, this,
                [this](const QByteArray &message) { record(parseFrame(message)); });
        connect(m_socket, &QWebSocket::textMessageReceived, this,
                [this](const QString &message) { record(parseFrame(message)); });
        m_socket->open(request);
    }

    QList<Frame> takeFrames()
    {
        QMutexLocker lock(&m_mutex);
        return std::exchange(m_frames, {});
    }

    std::atomic<bool> helloReceived = false;
    std::atomic<bool> exitReceived = false;

private:
    void record(const Frame &frame)
    {
        {
            QMutexLocker lock(&m_mutex);
            m_frames.append(frame);
        }
        const QString type = frame.json.value(QStringLiteral("type")).toString();
        if (type == QLatin1String("hello")) {
            helloReceived = true;
        } else if (type == QLatin1String("exit")) {
            exitReceived = true;
        }
    }

    QWebSocket *m_socket = nullptr;
    QMutex m_mutex;
    QList<Frame> m_frames;
};

} // namespace

class TestProcessApi : public QObject
{
    Q_OBJECT

    struct ServerOptions
    {
        qint64 captureCapBytes = OutputCapture::DefaultCapBytes;
        qint64 captureBudgetBytes = ProcessManager::DefaultCaptureBudgetBytes;
        int maxProcesses = ProcessManager::DefaultMaxProcesses;
        bool injectHome = true; // false: the manager uses $HOME
    };

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(QFile::exists(QStringLiteral(PROCESS_TEST_APP)));
        qunsetenv("CODER_CHAT_ID");
    }

    void init()
    {
        QTest::failOnWarning(QRegularExpression(QStringLiteral("Destroyed while process")));
        m_clock = std::make_unique<ManualClock>(startMSecs);
        m_home = std::make_unique<QTemporaryDir>();
        m_scratch = std::make_unique<QTemporaryDir>();
        QVERIFY(m_home->isValid() && m_scratch->isValid());
        m_workingDirectory.clear();
        m_network = std::make_unique<QNetworkAccessManager>();
        createServer({});
    }

    void cleanup()
    {
        const int waiters = m_api ? m_api->pendingWaiters() : 0;
        destroyServer();
        m_network.reset();
        // No process (shell, child or grandchild) of any group the manager started survives.
        QTRY_VERIFY2_WITH_TIMEOUT(liveMembers(m_groups).isEmpty(),
                                  qPrintable(toString(liveMembers(m_groups))), 10000);
        m_groups.clear();
        m_clock.reset();
        QCOMPARE(waiters, 0);
    }

    // --- Start ---------------------------------------------------------------------------

    void startCommand_data()
    {
        QTest::addColumn<bool>("background");
        QTest::newRow("ForegroundCommand") << false;
        QTest::newRow("BackgroundCommand") << true;
    }

    void startCommand()
    {
        QFETCH(bool, background);
        QJsonObject request {{QStringLiteral("command"), QStringLiteral("echo hello")}};
        if (background) {
            request.insert(QStringLiteral("background"), true);
        }
        const Reply r = call("POST", QStringLiteral("/api/v0/processes/start"), json(request));
        QCOMPARE(r.status, 200);
        const QString id = r.object().value(QStringLiteral("id")).toString();
        QVERIFY(!QUuid::fromString(id).isNull());
        QCOMPARE(r.body, "{\"id\":\"" + id.toUtf8() + "\",\"started\":true}\n");
        QVERIFY(waitExited(id));

        const Reply output = call("GET", outputPath(id));
        QCOMPARE(output.object().value(QStringLiteral("output")).toString(),
                 QStringLiteral("hello\n"));
        const QJsonObject info = listed(id);
        QCOMPARE(info.value(QStringLiteral("background")).toBool(), background);
        QCOMPARE(info.value(QStringLiteral("command")).toString(), QStringLiteral("echo hello"));
    }

    void startEmptyCommand_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::newRow("empty string") << QByteArray(R"({"command":""})");
        QTest::newRow("missing") << QByteArray("{}");
        QTest::newRow("null") << QByteArray(R"({"command":null,"workdir":"/tmp"})");
    }

    void startEmptyCommand()
    {
        QFETCH(QByteArray, body);
        const Reply r = call("POST", QStringLiteral("/api/v0/processes/start"), body);
        QCOMPARE(r.status, 400);
        QCOMPARE(r.body, QByteArray("{\"message\":\"Command is required.\"}\n"));
        QVERIFY(m_manager->processes().isEmpty());
    }

    void startMalformedJson_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("detail"); // empty: any non-empty detail
        QTest::newRow("not json") << QByteArray("not json") << QString();
        QTest::newRow("truncated") << QByteArray("{\"command\":\"echo") << QString();
        QTest::newRow("empty body") << QByteArray() << QStringLiteral("EOF");
        QTest::newRow("array") << QByteArray("[]") << QString();
        QTest::newRow("command is a number") << QByteArray(R"({"command": 5})") << QString();
        QTest::newRow("env value is a number")
                << QByteArray(R"({"command":"true","env":{"A":1}})") << QString();
        QTest::newRow("env is a list")
                << QByteArray(R"({"command":"true","env":["A"]})") << QString();
        QTest::newRow("background is a string")
                << QByteArray(R"({"command":"true","background":"yes"})") << QString();
        QTest::newRow("workdir is a number")
                << QByteArray(R"({"command":"true","workdir":7})") << QString();
    }

    void startMalformedJson()
    {
        QFETCH(QByteArray, body);
        QFETCH(QString, detail);
        const Reply r = call("POST", QStringLiteral("/api/v0/processes/start"), body);
        QCOMPARE(r.status, 400);
        QCOMPARE(r.message(), QStringLiteral("Request body must be valid JSON."));
        const QString actual = r.object().value(QStringLiteral("detail")).toString();
        QVERIFY2(!actual.isEmpty(), r.body.constData());
        if (!detail.isEmpty()) {
            QCOMPARE(actual, detail);
        }
        QVERIFY(m_manager->processes().isEmpty());
        QCOMPARE(call("GET", QStringLiteral("/api/v0/processes/list")).status, 200);
    }

    void startTypeErrorDetailIsGoShaped()
    {
        const Reply r =
                call("POST", QStringLiteral("/api/v0/processes/start"), R"({"command": 5})");
        QCOMPARE(r.status, 400);
        const QString detail = r.object().value(QStringLiteral("detail")).toString();
        QVERIFY2(detail.startsWith(QLatin1String("json: cannot unmarshal number into Go struct "
                                                 "field StartProcessRequest.command")),
                 qPrintable(detail));
    }

    void startCustomWorkDir()
    {
        QTemporaryDir dir;
        const QString id = start(QStringLiteral("touch marker.txt"),
                                 {{QStringLiteral("workdir"), dir.path()}});
        QVERIFY(!id.isEmpty());
        QVERIFY(waitExited(id));
        QVERIFY(QFile::exists(dir.filePath(QStringLiteral("marker.txt"))));
        QCOMPARE(listed(id).value(QStringLiteral("workdir")).toString(), dir.path());
        QCOMPARE(output(id).value(QStringLiteral("exit_code")).toInt(-99), 0);
    }

    void startMissingWorkDirFails()
    {
        const Reply r =
                call("POST", QStringLiteral("/api/v0/processes/start"),
                     json({{QStringLiteral("command"), QStringLiteral("true")},
                           {QStringLiteral("workdir"), QStringLiteral("/nonexistent/dir")}}));
        QCOMPARE(r.status, 500);
        QCOMPARE(r.message(), QStringLiteral("Failed to start process."));
        QVERIFY(!r.object().value(QStringLiteral("detail")).toString().isEmpty());
        QCOMPARE(call("GET", QStringLiteral("/api/v0/processes/list")).body,
                 QByteArray("{\"processes\":[]}\n"));
    }

    void startDefaultWorkDir_data()
    {
        QTest::addColumn<QString>("agentDirectory"); // "HOME": none; "SCRATCH": an existing one
        QTest::addColumn<QString>("expected");
        QTest::newRow("DefaultWorkDirIsHome") << QString() << QStringLiteral("HOME");
        QTest::newRow("DefaultWorkDirFromClosure")
                << QStringLiteral("SCRATCH") << QStringLiteral("SCRATCH");
        QTest::newRow("DefaultWorkDirClosureNonExistentFallsBackToHome")
                << QStringLiteral("/nonexistent/agent/dir") << QStringLiteral("HOME");
        QTest::newRow("closure names a file") << QStringLiteral("FILE") << QStringLiteral("HOME");
    }

    void startDefaultWorkDir()
    {
        QFETCH(QString, agentDirectory);
        QFETCH(QString, expected);
        const auto resolve = [this](const QString &name) {
            if (name == QLatin1String("HOME")) {
                return m_home->path();
            }
            if (name == QLatin1String("SCRATCH")) {
                return m_scratch->path();
            }
            if (name == QLatin1String("FILE")) {
                const QString file = m_scratch->filePath(QStringLiteral("a-file"));
                touch(file);
                return file;
            }
            return name;
        };
        m_workingDirectory = resolve(agentDirectory);
        const QString expectedDir = resolve(expected);
        checkDefaultWorkDir(expectedDir);
    }

    void startDefaultWorkDirIsHomeFromEnvironment()
    {
        // Without an injected home, the manager falls back to $HOME, as upstream.
        const QByteArray oldHome = qgetenv("HOME");
        qputenv("HOME", QFile::encodeName(m_home->path()));
        createServer({.injectHome = false});
        checkDefaultWorkDir(m_home->path());
        qputenv("HOME", oldHome);
    }

    void startCustomEnv()
    {
        qputenv("COMPANION_INHERITED", "outer");
        const QString inherited = start(app(QStringLiteral("env COMPANION_INHERITED")));
        const QString custom = start(
                app(QStringLiteral("env COMPANION_TEST_VAR")),
                {{QStringLiteral("env"),
                  QJsonObject {{QStringLiteral("COMPANION_TEST_VAR"), QStringLiteral("a b=c")},
                               {QStringLiteral("OTHER"), QStringLiteral("2")}}}});
        const QString overridden = start(
                app(QStringLiteral("env COMPANION_INHERITED")),
                {{QStringLiteral("env"),
                  QJsonObject {{QStringLiteral("COMPANION_INHERITED"), QStringLiteral("inner")}}}});
        qunsetenv("COMPANION_INHERITED");
        QVERIFY(!inherited.isEmpty() && !custom.isEmpty() && !overridden.isEmpty());
        QCOMPARE(waitedOutput(inherited).value(QStringLiteral("output")).toString(),
                 QStringLiteral("outer\n"));
        QCOMPARE(waitedOutput(custom).value(QStringLiteral("output")).toString(),
                 QStringLiteral("a b=c\n"));
        QCOMPARE(waitedOutput(overridden).value(QStringLiteral("output")).toString(),
                 QStringLiteral("inner\n"));
    }

    void startChatIdEnv_data()
    {
        QTest::addColumn<QByteArray>("chatHeader");
        QTest::addColumn<bool>("requestEnv"); // the request also sets CODER_CHAT_ID=spoofed
        QTest::addColumn<QString>("expected");
        const QString chat = QUuid::createUuid().toString(QUuid::WithoutBraces);
        const QString line = chat + QLatin1Char('\n');
        QTest::newRow("chat") << chat.toUtf8() << false << line;
        QTest::newRow("chat wins over request env") << chat.toUtf8() << true << line;
        QTest::newRow("upper case and braces")
                << (QLatin1Char('{') + chat.toUpper() + QLatin1Char('}')).toUtf8() << false << line;
        QTest::newRow("no header") << QByteArray() << false << QStringLiteral("<unset>\n");
        QTest::newRow("no header, request env")
                << QByteArray() << true << QStringLiteral("spoofed\n");
        QTest::newRow("not a uuid")
                << QByteArray("chat-42") << false << QStringLiteral("<unset>\n");
    }

    void startChatIdEnv()
    {
        QFETCH(QByteArray, chatHeader);
        QFETCH(bool, requestEnv);
        QFETCH(QString, expected);
        // The chat id is appended after the request's env, so a request cannot spoof it.
        QJsonObject extra;
        if (requestEnv) {
            extra.insert(
                    QStringLiteral("env"),
                    QJsonObject {{QStringLiteral("CODER_CHAT_ID"), QStringLiteral("spoofed")}});
        }
        const QString id = start(app(QStringLiteral("env CODER_CHAT_ID")), extra, chatHeader);
        QVERIFY(!id.isEmpty());
        QVERIFY(waitExited(id));
        QCOMPARE(output(id).value(QStringLiteral("output")).toString(), expected);
    }

    // --- List ----------------------------------------------------------------------------

    void listNoProcesses()
    {
        const Reply r = call("GET", QStringLiteral("/api/v0/processes/list"));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, QByteArray("{\"processes\":[]}\n"));
        QVERIFY(r.object().value(QStringLiteral("processes")).isArray());
    }

    void listFilterByChatId()
    {
        const QByteArray chatA = QUuid::createUuid().toString(QUuid::WithoutBraces).toUtf8();
        const QByteArray chatB = QUuid::createUuid().toString(QUuid::WithoutBraces).toUtf8();
        const QStringList a {start(QStringLiteral("true"), {}, chatA),
                             start(QStringLiteral("true"), {}, chatA)};
        const QStringList b {start(QStringLiteral("true"), {}, chatB)};
        QVERIFY(!a.contains(QString()) && !b.contains(QString()));
        const QStringList listedA = listIds({.chat = chatA});
        QCOMPARE(listedA.size(), 2);
        QCOMPARE(QSet<QString>(listedA.cbegin(), listedA.cend()),
                 QSet<QString>(a.cbegin(), a.cend()));
        QCOMPARE(listIds({.chat = chatB}), b);
        QCOMPARE(listIds({}).size(), 3);
        const QByteArray other = QUuid::createUuid().toString(QUuid::WithoutBraces).toUtf8();
        QCOMPARE(listIds({.chat = other}).size(), 0);
        // An unparsable chat id is no chat: everything is listed.
        QCOMPARE(listIds({.chat = "not-a-uuid"}).size(), 3);
        for (const QString &id : a + b) {
            QVERIFY(waitExited(id));
        }
    }

    void listSortAndLimit()
    {
        QStringList ids;
        for (int i = 0; i < 12; ++i) {
            ids.append(start(QStringLiteral("echo %1").arg(i)));
            QVERIFY(!ids.last().isEmpty());
            m_clock->advance(1s);
        }
        for (const QString &id : std::as_const(ids)) {
            QVERIFY(waitExited(id));
        }
        const QJsonArray processes = list({});
        QCOMPARE(processes.size(), ProcessApi::MaxListProcesses);
        qint64 previous = std::numeric_limits<qint64>::max();
        for (int i = 0; i < processes.size(); ++i) {
            const QJsonObject info = processes.at(i).toObject();
            QCOMPARE(info.value(QStringLiteral("id")).toString(), ids.at(11 - i));
            const qint64 started = info.value(QStringLiteral("started_at_unix")).toInteger();
            QCOMPARE(started, startMSecs / 1000 + 11 - i);
            QVERIFY(started < previous);
            previous = started;
        }
    }

    void listRunningProcessesSortedFirst()
    {
        const QString running = start(app(QStringLiteral("hang")));
        m_clock->advance(1s);
        const QString older = start(QStringLiteral("true"));
        m_clock->advance(1s);
        const QString newer = start(QStringLiteral("true"));
        QVERIFY(waitExited(older) && waitExited(newer));
        QCOMPARE(listIds({}), (QStringList {running, newer, older}));
        QVERIFY(signal(running, QStringLiteral("kill")));
        QVERIFY(waitExited(running));
        // Exited now, and the oldest: last.
        QCOMPARE(listIds({}), (QStringList {newer, older, running}));
    }

    void listMixedRunningAndExited()
    {
        const QString runningOld = start(app(QStringLiteral("hang")));
        m_clock->advance(1s);
        const QString exitedOld = start(QStringLiteral("exit 0"));
        m_clock->advance(1s);
        const QString runningNew = start(app(QStringLiteral("hang")));
        m_clock->advance(1s);
        const QString exitedNew = start(QStringLiteral("exit 4"));
        QVERIFY(waitExited(exitedOld) && waitExited(exitedNew));
        const QJsonArray processes = list({});
        QCOMPARE(processes.size(), 4);
        const QStringList order {runningNew, runningOld, exitedNew, exitedOld};
        for (int i = 0; i < 4; ++i) {
            const QJsonObject info = processes.at(i).toObject();
            QCOMPARE(info.value(QStringLiteral("id")).toString(), order.at(i));
            const bool running = i < 2;
            QCOMPARE(info.value(QStringLiteral("running")).toBool(), running);
            QCOMPARE(info.contains(QStringLiteral("exit_code")), !running);
            QCOMPARE(info.contains(QStringLiteral("exited_at_unix")), !running);
        }
        QCOMPARE(processes.at(2).toObject().value(QStringLiteral("exit_code")).toInt(), 4);
        QCOMPARE(processes.at(3).toObject().value(QStringLiteral("exit_code")).toInt(), 0);
        QVERIFY(signal(runningOld, QStringLiteral("kill")));
        QVERIFY(signal(runningNew, QStringLiteral("terminate")));
        QVERIFY(waitExited(runningOld) && waitExited(runningNew));
    }

    void jsonShape()
    {
        const QString id = start(app(QStringLiteral("hang")));
        QVERIFY(waitForOutput(id, "ready\n"));

        Reply r = call("GET", QStringLiteral("/api/v0/processes/list"));
        QJsonObject info = r.object().value(QStringLiteral("processes")).toArray().at(0).toObject();
        QCOMPARE(keySet(info),
                 (QSet<QString> {QStringLiteral("id"), QStringLiteral("command"),
                                 QStringLiteral("workdir"), QStringLiteral("background"),
                                 QStringLiteral("running"), QStringLiteral("started_at_unix")}));
        QCOMPARE(info.value(QStringLiteral("workdir")).toString(), m_home->path());
        QVERIFY(info.value(QStringLiteral("running")).toBool());
        // An integer on the wire, the manual clock's seconds.
        QVERIFY2(r.body.contains("\"started_at_unix\":1700000000"), r.body.constData());
        QVERIFY(!r.body.contains("1700000000."));

        QJsonObject out = output(id);
        QCOMPARE(keySet(out),
                 (QSet<QString> {QStringLiteral("output"), QStringLiteral("running")}));

        m_clock->advance(2500ms);
        QVERIFY(signal(id, QStringLiteral("kill")));
        QVERIFY(waitExited(id));
        r = call("GET", QStringLiteral("/api/v0/processes/list"));
        info = r.object().value(QStringLiteral("processes")).toArray().at(0).toObject();
        QCOMPARE(info.value(QStringLiteral("exit_code")).toInt(), -1);
        QVERIFY2(r.body.contains("\"exited_at_unix\":1700000002"), r.body.constData());
        QVERIFY(r.body.contains("\"started_at_unix\":1700000000"));
        QCOMPARE(info.value(QStringLiteral("running")).toBool(), false);

        // exit_code 0 is present, not omitted.
        const QString zero = start(QStringLiteral("exit 0"));
        QVERIFY(waitExited(zero));
        QVERIFY(listed(zero).contains(QStringLiteral("exit_code")));
        out = output(zero);
        QVERIFY(out.contains(QStringLiteral("exit_code")));
        QCOMPARE(out.value(QStringLiteral("exit_code")).toInt(-99), 0);
        QVERIFY(!out.contains(QStringLiteral("truncated")));
    }

    // --- Output --------------------------------------------------------------------------

    void outputExitedProcess()
    {
        const QString id = start(QStringLiteral("echo hello"));
        QVERIFY(waitExited(id));
        const Reply r = call("GET", outputPath(id));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body,
                 QByteArray("{\"exit_code\":0,\"output\":\"hello\\n\",\"running\":false}\n"));
    }

    void outputRunningProcess()
    {
        const QString id = start(app(QStringLiteral("hang")));
        QVERIFY(waitForOutput(id, "ready\n"));
        const Reply r = call("GET", outputPath(id));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, QByteArray("{\"output\":\"ready\\n\",\"running\":true}\n"));
        QVERIFY(signal(id, QStringLiteral("kill")));
        QVERIFY(waitExited(id));
    }

    void outputNonexistentProcess_data()
    {
        QTest::addColumn<QString>("id");
        QTest::newRow("word") << QStringLiteral("does-not-exist");
        QTest::newRow("uuid") << QUuid::createUuid().toString(QUuid::WithoutBraces);
        QTest::newRow("quote") << QStringLiteral("a\"b");
    }

    void outputNonexistentProcess()
    {
        QFETCH(QString, id);
        const Reply r = call("GET",
                             QStringLiteral("/api/v0/processes/%1/output")
                                     .arg(QString::fromLatin1(QUrl::toPercentEncoding(id))));
        QCOMPARE(r.status, 404);
        QCOMPARE(r.message(), QStringLiteral("Process %1 not found.").arg(goQuoted(id)));
        QVERIFY(!r.object().contains(QStringLiteral("detail")));
    }

    void outputChatIdEnforcement()
    {
        const QByteArray chatA = QUuid::createUuid().toString(QUuid::WithoutBraces).toUtf8();
        const QByteArray chatB = QUuid::createUuid().toString(QUuid::WithoutBraces).toUtf8();
        const QString id = start(QStringLiteral("echo secret"), {}, chatA);
        QVERIFY(waitExited(id));
        Reply r = call("GET", outputPath(id), {}, {.chat = chatB});
        QCOMPARE(r.status, 404);
        QCOMPARE(r.message(), QStringLiteral("Process \"%1\" not found.").arg(id));
        r = call("GET", outputPath(id) + QStringLiteral("?wait=true"), {}, {.chat = chatB});
        QCOMPARE(r.status, 404);
        r = call("GET", outputPath(id));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.object().value(QStringLiteral("output")).toString(), QStringLiteral("secret\n"));
        r = call("GET", outputPath(id), {}, {.chat = chatA});
        QCOMPARE(r.status, 200);

        // A process started without a chat is visible to every chat.
        const QString shared = start(QStringLiteral("echo shared"));
        QVERIFY(waitExited(shared));
        QCOMPARE(call("GET", outputPath(shared), {}, {.chat = chatB}).status, 200);
    }

    void outputWaitForExit()
    {
        const QString go = m_scratch->filePath(QStringLiteral("go"));
        const QString id = start(QStringLiteral("echo before; ") +
                                 gated(go, QStringLiteral("echo after; exit 7")));
        QVERIFY(waitForOutput(id, "before\n"));
        QNetworkReply *reply = send("GET", outputPath(id) + QStringLiteral("?wait=true"));
        QTRY_COMPARE(m_api->pendingWaiters(), 1);
        QVERIFY(!reply->isFinished());
        touch(go);
        const Reply r = finish(reply);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body,
                 QByteArray(
                         "{\"exit_code\":7,\"output\":\"before\\nafter\\n\",\"running\":false}\n"));
        QCOMPARE(m_api->pendingWaiters(), 0);
    }

    void outputWaitAlreadyExited()
    {
        const QString id = start(QStringLiteral("echo done; exit 5"));
        QVERIFY(waitExited(id));
        const Reply r = call("GET", outputPath(id) + QStringLiteral("?wait=true"));
        QCOMPARE(r.status, 200);
        QCOMPARE(m_api->pendingWaiters(), 0);
        QCOMPARE(r.object().value(QStringLiteral("running")).toBool(true), false);
        QCOMPARE(r.object().value(QStringLiteral("exit_code")).toInt(), 5);
        QCOMPARE(r.object().value(QStringLiteral("output")).toString(), QStringLiteral("done\n"));
    }

    void outputWaitReturnsWhileGrandchildHoldsPipe()
    {
        // The shell exits at once; its background child keeps the output pipe open. The wait
        // ends with the shell, as upstream's WaitDelay makes it, not with the pipe.
        const QString id = start(app(QStringLiteral("hang")) + QStringLiteral(" & echo started"));
        const QJsonObject out = waitedOutput(id);
        QCOMPARE(out.value(QStringLiteral("running")).toBool(true), false);
        QCOMPARE(out.value(QStringLiteral("exit_code")).toInt(-99), 0);
        QVERIFY(out.value(QStringLiteral("output"))
                        .toString()
                        .contains(QLatin1String("started\n")));
        QVERIFY(m_manager->process(id)->groupHasMembers());
        QCOMPARE(call("POST", signalPath(id), R"({"signal":"kill"})").status, 409);
        // Whatever the shell left behind ends with the manager.
        destroyServer();
        QTRY_VERIFY2(liveMembers(m_groups).isEmpty(), qPrintable(toString(liveMembers(m_groups))));
    }

    void outputWaitMustBeExactlyTrue_data()
    {
        QTest::addColumn<QString>("query");
        QTest::newRow("1") << QStringLiteral("?wait=1");
        QTest::newRow("TRUE") << QStringLiteral("?wait=TRUE");
        QTest::newRow("empty") << QStringLiteral("?wait=");
        QTest::newRow("yes") << QStringLiteral("?wait=yes");
    }

    void outputWaitMustBeExactlyTrue()
    {
        QFETCH(QString, query);
        const QString id = start(app(QStringLiteral("hang")));
        QVERIFY(waitForOutput(id, "ready\n"));
        const Reply r = call("GET", outputPath(id) + query);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.object().value(QStringLiteral("running")).toBool(), true);
        QCOMPARE(m_api->pendingWaiters(), 0);
        QVERIFY(signal(id, QStringLiteral("kill")));
        QVERIFY(waitExited(id));
    }

    void outputWaitTimeout()
    {
        const QString id = start(app(QStringLiteral("hang")));
        QVERIFY(waitForOutput(id, "ready\n"));
        QNetworkReply *reply = send("GET", outputPath(id) + QStringLiteral("?wait=true"));
        QTRY_COMPARE(m_api->pendingWaiters(), 1);
        QCOMPARE(m_clock->msecsToNextTimer(), qint64(5 * 60 * 1000));

        m_clock->advance(ProcessApi::MaxWaitDuration - 1ms);
        QCOMPARE(m_api->pendingWaiters(), 1);
        QVERIFY(!reply->isFinished());

        m_clock->advance(1ms);
        QCOMPARE(m_api->pendingWaiters(), 0);
        const Reply r = finish(reply);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, QByteArray("{\"output\":\"ready\\n\",\"running\":true}\n"));
        QVERIFY(m_manager->process(id)->isRunning());
        QVERIFY(signal(id, QStringLiteral("kill")));
        QVERIFY(waitExited(id));
    }

    void outputConcurrentWaiters()
    {
        const QString go = m_scratch->filePath(QStringLiteral("go"));
        const QString id = start(gated(go, QStringLiteral("echo finished; exit 3")));
        QList<QNetworkReply *> replies;
        for (int i = 0; i < 3; ++i) {
            replies.append(send("GET", outputPath(id) + QStringLiteral("?wait=true")));
        }
        QTRY_COMPARE(m_api->pendingWaiters(), 3);
        // A plain request is answered while the waiters wait.
        QCOMPARE(output(id).value(QStringLiteral("running")).toBool(), true);
        for (QNetworkReply *reply : std::as_const(replies)) {
            QVERIFY(!reply->isFinished());
        }
        touch(go);
        for (QNetworkReply *reply : std::as_const(replies)) {
            const Reply r = finish(reply);
            QCOMPARE(r.status, 200);
            QCOMPARE(
                    r.body,
                    QByteArray("{\"exit_code\":3,\"output\":\"finished\\n\",\"running\":false}\n"));
        }
        QCOMPARE(m_api->pendingWaiters(), 0);
        // Only the exited process's reap timer is left.
        QCOMPARE(m_clock->pendingTimers(), 1);
    }

    // --- Signal --------------------------------------------------------------------------

    void signalRunning_data()
    {
        QTest::addColumn<QString>("signalName");
        QTest::newRow("KillRunning") << QStringLiteral("kill");
        QTest::newRow("TerminateRunning") << QStringLiteral("terminate");
    }

    void signalRunning()
    {
        QFETCH(QString, signalName);
        const QString id = start(app(QStringLiteral("hang")));
        QVERIFY(waitForOutput(id, "ready\n"));
        const Reply r =
                call("POST", signalPath(id), json({{QStringLiteral("signal"), signalName}}));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body,
                 QStringLiteral("{\"message\":\"Signal \\\"%1\\\" sent to process \\\"%2\\\".\"}\n")
                         .arg(signalName, id)
                         .toUtf8());
        QCOMPARE(r.message(),
                 QStringLiteral("Signal \"%1\" sent to process \"%2\".").arg(signalName, id));
        QVERIFY(waitExited(id));
        const QJsonObject out = output(id);
        QCOMPARE(out.value(QStringLiteral("running")).toBool(true), false);
        QCOMPARE(out.value(QStringLiteral("exit_code")).toInt(), -1);
        // Which signal ended it and who sent it, in the extended fields only.
        const ProcessInfo info = m_manager->process(id)->info();
        QCOMPARE(info.exitSignal, signalName == QLatin1String("kill") ? SIGKILL : SIGTERM);
        QCOMPARE(info.signalSent, signalName);
        QCOMPARE(info.signalSentBy, QStringLiteral("api"));
        const QJsonObject extended = info.toJson(ProcessInfo::Fields::Extended);
        QCOMPARE(extended.value(QStringLiteral("exit_signal")).toString(),
                 signalName == QLatin1String("kill") ? QStringLiteral("SIGKILL")
                                                     : QStringLiteral("SIGTERM"));
        QCOMPARE(extended.value(QStringLiteral("signal_sent_by")).toString(),
                 QStringLiteral("api"));
        QCOMPARE(ProcessInfo::fromJson(extended)->exitSignal, info.exitSignal);
        QVERIFY(!info.toJson().contains(QStringLiteral("exit_signal")));
    }

    void signalNonexistentProcess()
    {
        const Reply r = call("POST", signalPath(QStringLiteral("nope")), R"({"signal":"kill"})");
        QCOMPARE(r.status, 404);
        QCOMPARE(r.body, QByteArray("{\"message\":\"Process \\\"nope\\\" not found.\"}\n"));
    }

    void signalAlreadyExitedProcess()
    {
        const QString id = start(QStringLiteral("true"));
        QVERIFY(waitExited(id));
        const Reply r = call("POST", signalPath(id), R"({"signal":"kill"})");
        QCOMPARE(r.status, 409);
        QCOMPARE(r.message(), QStringLiteral("Process \"%1\" is not running.").arg(id));
        QCOMPARE(call("POST", signalPath(id), R"({"signal":"terminate"})").status, 409);
    }

    void signalBadRequest_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("message");
        const QString required = QStringLiteral("Signal is required.");
        QTest::newRow("EmptySignal") << QByteArray(R"({"signal":""})") << required;
        QTest::newRow("missing signal") << QByteArray("{}") << required;
        QTest::newRow("InvalidSignal")
                << QByteArray(R"({"signal":"hup"})")
                << QStringLiteral("Unsupported signal \"hup\". Use \"kill\" or \"terminate\".");
        QTest::newRow("upper case")
                << QByteArray(R"({"signal":"KILL"})")
                << QStringLiteral("Unsupported signal \"KILL\". Use \"kill\" or \"terminate\".");
        QTest::newRow("quote in name")
                << QByteArray("{\"signal\":\"a\\\"b\"}")
                << QStringLiteral("Unsupported signal \"a\\\"b\". Use \"kill\" or \"terminate\".");
        QTest::newRow("malformed")
                << QByteArray("kill") << QStringLiteral("Request body must be valid JSON.");
        QTest::newRow("empty body")
                << QByteArray() << QStringLiteral("Request body must be valid JSON.");
        QTest::newRow("signal is a number") << QByteArray(R"({"signal":9})")
                                            << QStringLiteral("Request body must be valid JSON.");
    }

    void signalBadRequest()
    {
        QFETCH(QByteArray, body);
        QFETCH(QString, message);
        const QString id = start(app(QStringLiteral("hang")));
        QVERIFY(waitForOutput(id, "ready\n"));
        Reply r = call("POST", signalPath(id), body);
        QCOMPARE(r.status, 400);
        QCOMPARE(r.message(), message);
        // Validation comes before the lookup, as upstream.
        r = call("POST", signalPath(QStringLiteral("unknown")), body);
        QCOMPARE(r.status, 400);
        QCOMPARE(r.message(), message);
        QVERIFY(m_manager->process(id)->isRunning());
        QVERIFY(signal(id, QStringLiteral("kill")));
        QVERIFY(waitExited(id));
    }

    void signalChatIdEnforcement()
    {
        const QByteArray chatA = QUuid::createUuid().toString(QUuid::WithoutBraces).toUtf8();
        const QByteArray chatB = QUuid::createUuid().toString(QUuid::WithoutBraces).toUtf8();
        const QString id = start(app(QStringLiteral("hang")), {}, chatA);
        QVERIFY(waitForOutput(id, "ready\n"));
        // Isolation first: even a bad body answers 404 to another chat.
        for (const QByteArray &body :
             {QByteArray(R"({"signal":"kill"})"), QByteArray("nonsense"), QByteArray("{}")}) {
            const Reply r = call("POST", signalPath(id), body, {.chat = chatB});
            QCOMPARE(r.status, 404);
            QCOMPARE(r.message(), QStringLiteral("Process \"%1\" not found.").arg(id));
        }
        QVERIFY(m_manager->process(id)->isRunning());
        QCOMPARE(call("POST", signalPath(id), R"({"signal":"kill"})", {.chat = chatA}).status, 200);
        QVERIFY(waitExited(id));
    }

    // --- Lifecycle -----------------------------------------------------------------------

    void lifecycleStartWaitCheckOutput()
    {
        const QString id = start(QStringLiteral("echo hello world; echo line two"));
        const QJsonObject out = waitedOutput(id);
        QCOMPARE(out.value(QStringLiteral("output")).toString(),
                 QStringLiteral("hello world\nline two\n"));
        QCOMPARE(out.value(QStringLiteral("running")).toBool(true), false);
        QCOMPARE(out.value(QStringLiteral("exit_code")).toInt(-99), 0);
    }

    void lifecycleNonZeroExitCode()
    {
        const QString id = start(app(QStringLiteral("exit 42")));
        const QJsonObject out = waitedOutput(id);
        QCOMPARE(out.value(QStringLiteral("exit_code")).toInt(), 42);
        QCOMPARE(out.value(QStringLiteral("running")).toBool(true), false);
        QCOMPARE(listed(id).value(QStringLiteral("exit_code")).toInt(), 42);
    }

    void lifecycleCrash()
    {
        // Killed by a signal of its own (SIGABRT): -1, as Go's ExitCode().
        const QString id = start(QStringLiteral("exec ") + app(QStringLiteral("crash")));
        QCOMPARE(waitedOutput(id).value(QStringLiteral("exit_code")).toInt(), -1);
    }

    void lifecycleStartSignalVerifyExit()
    {
        const QString id = start(app(QStringLiteral("hang")));
        QVERIFY(waitForOutput(id, "ready\n"));
        QNetworkReply *wait = send("GET", outputPath(id) + QStringLiteral("?wait=true"));
        QTRY_COMPARE(m_api->pendingWaiters(), 1);
        QVERIFY(signal(id, QStringLiteral("kill")));
        const Reply r = finish(wait);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.object().value(QStringLiteral("running")).toBool(true), false);
        QCOMPARE(r.object().value(QStringLiteral("exit_code")).toInt(), -1);
        QCOMPARE(r.object().value(QStringLiteral("output")).toString(), QStringLiteral("ready\n"));
    }

    void lifecycleOutputExceedsBuffer()
    {
        constexpr qint64 total = 100000;
        const QString id = start(app(QStringLiteral("flood %1").arg(total)));
        const QJsonObject out = waitedOutput(id);
        const QByteArray bytes = floodBytes(total);
        const qint64 omitted = total - 2 * 16384;
        const QByteArray expected = bytes.first(16384) + "\n\n... [omitted " +
                QByteArray::number(omitted) + " bytes] ...\n\n" + bytes.last(16384);
        QCOMPARE(out.value(QStringLiteral("output")).toString().toUtf8(), expected);
        QVERIFY(out.value(QStringLiteral("output"))
                        .toString()
                        .contains(QLatin1String("... [omitted")));
        const QJsonObject truncated = out.value(QStringLiteral("truncated")).toObject();
        QCOMPARE(truncated.value(QStringLiteral("original_bytes")).toInteger(), total);
        QCOMPARE(truncated.value(QStringLiteral("retained_bytes")).toInteger(), expected.size());
        QCOMPARE(truncated.value(QStringLiteral("omitted_bytes")).toInteger(), omitted);
        QCOMPARE(truncated.value(QStringLiteral("strategy")).toString(),
                 QStringLiteral("head_tail"));
        QCOMPARE(truncated.size(), 4);
        QCOMPARE(out.value(QStringLiteral("exit_code")).toInt(-99), 0);
    }

    void lifecycleStderrCaptured()
    {
        const QString id = start(app(QStringLiteral("stderr oops")));
        const QJsonObject out = waitedOutput(id);
        QCOMPARE(out.value(QStringLiteral("output")).toString(), QStringLiteral("oops\n"));
        QCOMPARE(out.value(QStringLiteral("exit_code")).toInt(), 3);
    }

    void lifecycleInterleavedInArrivalOrder()
    {
        const QString id = start(app(QStringLiteral("interleave 20")));
        QString expected;
        for (int i = 0; i < 20; ++i) {
            expected += QStringLiteral("%1 %2\n")
                                .arg(i % 2 ? QStringLiteral("err") : QStringLiteral("out"))
                                .arg(i);
        }
        QCOMPARE(waitedOutput(id).value(QStringLiteral("output")).toString(), expected);
    }

    // --- Reaping -------------------------------------------------------------------------

    void reapingAfterFiveMinutes()
    {
        const QString id = start(QStringLiteral("echo old"));
        QVERIFY(waitExited(id));
        m_clock->advance(ProcessManager::ReapAge);
        // Exactly five minutes: still there ("more than 5 minutes").
        QCOMPARE(listIds({}), QStringList {id});
        QCOMPARE(call("GET", outputPath(id)).status, 200);

        m_clock->advance(1s);
        // Forgotten by its timer, with no list call: output and signal see it gone too.
        Reply r = call("GET", outputPath(id));
        QCOMPARE(r.status, 404);
        QCOMPARE(r.message(), QStringLiteral("Process \"%1\" not found.").arg(id));
        r = call("POST", signalPath(id), R"({"signal":"kill"})");
        QCOMPARE(r.status, 404);
        QCOMPARE(r.message(), QStringLiteral("Process \"%1\" not found.").arg(id));
        QCOMPARE(listIds({}), QStringList());
    }

    void reapingKeepsRunningProcesses()
    {
        const QString running = start(app(QStringLiteral("hang")));
        const QString exited = start(QStringLiteral("true"));
        QVERIFY(waitExited(exited));
        m_clock->advance(ProcessManager::ReapAge + 1h);
        QCOMPARE(listIds({}), QStringList {running});
        // Its age counts from its exit, not its start.
        QVERIFY(signal(running, QStringLiteral("kill")));
        QVERIFY(waitExited(running));
        m_clock->advance(ProcessManager::ReapAge);
        QCOMPARE(listIds({}), QStringList {running});
        m_clock->advance(1s);
        QCOMPARE(listIds({}), QStringList());
    }

    // --- Auth ----------------------------------------------------------------------------

    void everyRouteNeedsToken_data()
    {
        QTest::addColumn<QByteArray>("verb");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QByteArray>("body");
        QTest::newRow("start") << QByteArray("POST") << QStringLiteral("/api/v0/processes/start")
                               << QByteArray(R"({"command":"touch pwned"})");
        QTest::newRow("list") << QByteArray("GET") << QStringLiteral("/api/v0/processes/list")
                              << QByteArray();
        QTest::newRow("output") << QByteArray("GET")
                                << QStringLiteral("/api/v0/processes/ID/output") << QByteArray();
        QTest::newRow("output wait")
                << QByteArray("GET") << QStringLiteral("/api/v0/processes/ID/output?wait=true")
                << QByteArray();
        QTest::newRow("signal") << QByteArray("POST")
                                << QStringLiteral("/api/v0/processes/ID/signal")
                                << QByteArray(R"({"signal":"kill"})");
        QTest::newRow("stream over http")
                << QByteArray("GET") << QStringLiteral("/api/v0/processes/ID/stream")
                << QByteArray();
        QTest::newRow("watch over http")
                << QByteArray("GET") << QStringLiteral("/api/v0/processes/watch") << QByteArray();
    }

    void everyRouteNeedsToken()
    {
        QFETCH(QByteArray, verb);
        QFETCH(QString, path);
        QFETCH(QByteArray, body);
        const QString id = start(app(QStringLiteral("hang")));
        QVERIFY(waitForOutput(id, "ready\n"));
        path.replace(QLatin1String("ID"), id);
        for (const QByteArray &header : {QByteArray(), QByteArray("Bearer wrong")}) {
            QNetworkRequest request = networkRequest(path, {.token = false, .chat = {}});
            if (!header.isEmpty()) {
                request.setRawHeader("Authorization", header);
            }
            const Reply r = finish(m_network->sendCustomRequest(request, verb, body));
            QCOMPARE(r.status, 401);
            QCOMPARE(r.message(), QStringLiteral("Unauthorized."));
        }
        QCOMPARE(m_manager->processes().size(), 1);
        QVERIFY(m_manager->process(id)->isRunning());
        QCOMPARE(m_api->pendingWaiters(), 0);
        QVERIFY(signal(id, QStringLiteral("kill")));
        QVERIFY(waitExited(id));
    }

    void webSocketRoutesNeedToken_data()
    {
        QTest::addColumn<QString>("path");
        QTest::newRow("stream") << QStringLiteral("/api/v0/processes/ID/stream");
        QTest::newRow("stream with offset")
                << QStringLiteral("/api/v0/processes/ID/stream?offset=0");
        QTest::newRow("watch") << QStringLiteral("/api/v0/processes/watch");
    }

    void webSocketRoutesNeedToken()
    {
        QFETCH(QString, path);
        const QString id = start(QStringLiteral("echo visible"));
        QVERIFY(waitExited(id));
        path.replace(QLatin1String("ID"), id);

        QWebSocket refused;
        QSignalSpy refusedConnected(&refused, &QWebSocket::connected);
        QSignalSpy refusedError(&refused, &QWebSocket::errorOccurred);
        QSignalSpy refusedMessages(&refused, &QWebSocket::textMessageReceived);
        refused.open(webSocketRequest(path, {.token = false, .chat = {}}));
        QTRY_VERIFY(!refusedError.isEmpty());
        QCOMPARE(refusedConnected.size(), 0);
        QCOMPARE(refusedMessages.size(), 0);

        QWebSocket accepted;
        QSignalSpy acceptedConnected(&accepted, &QWebSocket::connected);
        QSignalSpy acceptedMessages(&accepted, &QWebSocket::textMessageReceived);
        accepted.open(webSocketRequest(path, {}));
        QVERIFY(acceptedConnected.wait());
        QTRY_VERIFY(!acceptedMessages.isEmpty());
        QCOMPARE(refusedConnected.size(), 0);
        accepted.abort();
    }

    // --- Bad input -----------------------------------------------------------------------

    void badInput_data()
    {
        QTest::addColumn<QByteArray>("verb");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<bool>("otherChat");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("message");
        const QString startPath = QStringLiteral("/api/v0/processes/start");
        const QString invalid = QStringLiteral("Request body must be valid JSON.");
        QTest::newRow("malformed JSON")
                << QByteArray("POST") << startPath << QByteArray("{{") << false << 400 << invalid;
        QTest::newRow("array body")
                << QByteArray("POST") << startPath << QByteArray("[]") << false << 400 << invalid;
        // exec would cut the command at the NUL: what ran would not be what the list shows.
        QTest::newRow("NUL in the command")
                << QByteArray("POST") << startPath
                << QByteArray(R"({"command":"echo a\u0000b; echo SECOND"})") << false << 500
                << QStringLiteral("Failed to start process.");
        QTest::newRow("NUL in an env value")
                << QByteArray("POST") << startPath
                << QByteArray(R"({"command":"true","env":{"A":"x\u0000y"}})") << false << 500
                << QStringLiteral("Failed to start process.");
        QTest::newRow("command is a number")
                << QByteArray("POST") << startPath << QByteArray(R"({"command": 5})") << false
                << 400 << invalid;
        QTest::newRow("empty command")
                << QByteArray("POST") << startPath << QByteArray(R"({"command":""})") << false
                << 400 << QStringLiteral("Command is required.");
        QTest::newRow("unknown signal")
                << QByteArray("POST") << QStringLiteral("/api/v0/processes/ID/signal")
                << QByteArray(R"({"signal":"stop"})") << false << 400
                << QStringLiteral("Unsupported signal \"stop\". Use "
                                  "\"kill\" or \"terminate\".");
        QTest::newRow("body over 1 MiB") << QByteArray("POST") << startPath
                                         << QByteArray("{\"command\":\"echo ") +
                        QByteArray(ApiServer::DefaultMaxBodyBytes, 'x') + QByteArray("\"}")
                                         << false << 413 << QString();
        QTest::newRow("signal body over 1 MiB")
                << QByteArray("POST") << QStringLiteral("/api/v0/processes/ID/signal")
                << QByteArray(ApiServer::DefaultMaxBodyBytes + 1, ' ') << false << 413 << QString();
        QTest::newRow("unknown id")
                << QByteArray("GET") << QStringLiteral("/api/v0/processes/missing/output")
                << QByteArray() << false << 404 << QStringLiteral("Process \"missing\" not found.");
        QTest::newRow("id of another chat")
                << QByteArray("GET") << QStringLiteral("/api/v0/processes/ID/output")
                << QByteArray() << true << 404 << QStringLiteral("Process \"ID\" not found.");
        QTest::newRow("signal id of another chat")
                << QByteArray("POST") << QStringLiteral("/api/v0/processes/ID/signal")
                << QByteArray(R"({"signal":"kill"})") << true << 404
                << QStringLiteral("Process \"ID\" not found.");
        QTest::newRow("unknown route") << QByteArray("GET") << QStringLiteral("/api/v0/processes")
                                       << QByteArray() << false << 404 << QString();
        QTest::newRow("wrong method")
                << QByteArray("GET") << startPath << QByteArray() << false << 405 << QString();
        QTest::newRow("delete a process")
                << QByteArray("DELETE") << QStringLiteral("/api/v0/processes/ID/output")
                << QByteArray() << false << 405 << QString();
    }

    void badInput()
    {
        QFETCH(QByteArray, verb);
        QFETCH(QString, path);
        QFETCH(QByteArray, body);
        QFETCH(bool, otherChat);
        QFETCH(int, status);
        QFETCH(QString, message);
        const QByteArray owner = QUuid::createUuid().toString(QUuid::WithoutBraces).toUtf8();
        const QString id = start(app(QStringLiteral("hang")), {}, owner);
        QVERIFY(waitForOutput(id, "ready\n"));
        path.replace(QLatin1String("ID"), id);
        message.replace(QLatin1String("ID"), id);
        RequestOptions options;
        if (otherChat) {
            options.chat = QUuid::createUuid().toString(QUuid::WithoutBraces).toUtf8();
        }
        const Reply r = call(verb, path, body, options);
        QCOMPARE(r.status, status);
        QVERIFY2(!r.message().isEmpty(), r.body.constData());
        if (!message.isEmpty()) {
            QCOMPARE(r.message(), message);
        }
        // Nothing changed, and the server goes on answering.
        QCOMPARE(m_manager->processes().size(), 1);
        QVERIFY(m_manager->process(id)->isRunning());
        QCOMPARE(listIds({}), QStringList {id});
        QCOMPARE(output(id).value(QStringLiteral("output")).toString(), QStringLiteral("ready\n"));
        QVERIFY(signal(id, QStringLiteral("kill")));
        QVERIFY(waitExited(id));
    }

    // --- Safety --------------------------------------------------------------------------

    void killReachesGrandchildThatIgnoresTerm()
    {
        const QString pidFile = m_scratch->filePath(QStringLiteral("grandchild.pid"));
        const QString id = start(app(QStringLiteral("spawn-ignore-term ") + shellQuote(pidFile)));
        QVERIFY(waitForOutput(id, "ready\n"));
        const qint64 grandchild = readPid(pidFile);
        QVERIFY(grandchild > 0);
        QVERIFY(pidIsLive(grandchild));
        QCOMPARE(procStat(QString::number(grandchild))->processGroup,
                 m_manager->process(id)->processGroup());

        QVERIFY(signal(id, QStringLiteral("kill")));
        QVERIFY(waitExited(id));
        QTRY_VERIFY(!pidIsLive(grandchild));
        QCOMPARE(output(id).value(QStringLiteral("exit_code")).toInt(), -1);
    }

    void terminateLeavesGrandchildThatCloseKills()
    {
        const QString pidFile = m_scratch->filePath(QStringLiteral("grandchild.pid"));
        const QString id = start(app(QStringLiteral("spawn-ignore-term ") + shellQuote(pidFile)));
        QVERIFY(waitForOutput(id, "ready\n"));
        const qint64 grandchild = readPid(pidFile);
        QVERIFY(grandchild > 0);

        QVERIFY(signal(id, QStringLiteral("terminate")));
        QVERIFY(waitExited(id));
        // The grandchild ignored SIGTERM: the shell is gone, its group is not.
        QVERIFY(pidIsLive(grandchild));
        QVERIFY(m_manager->process(id)->groupHasMembers());

        QSignalSpy closed(m_manager.get(), &ProcessManager::closed);
        m_manager->close();
        QCOMPARE(closed.size(), 1);
        QTRY_VERIFY(!pidIsLive(grandchild));
    }

    void closeEscalatesToKillAfterGrace()
    {
        const QString stubborn =
                start(QStringLiteral("exec ") + app(QStringLiteral("ignore-term")));
        const QString polite = start(app(QStringLiteral("hang")));
        QVERIFY(waitForOutput(stubborn, "ready\n") && waitForOutput(polite, "ready\n"));
        const qint64 stubbornPid = m_manager->process(stubborn)->processGroup();

        QSignalSpy closed(m_manager.get(), &ProcessManager::closed);
        m_manager->close();
        QVERIFY(m_manager->isClosed());
        // TERM ends the polite one at once; the stubborn one waits for the grace on the clock.
        QVERIFY(waitExited(polite));
        QCOMPARE(m_manager->process(polite)->info().exitCode.value_or(-99), -1);
        QCOMPARE(m_clock->pendingTimers(), 2); // the grace, and the polite one's reap timer
        QCOMPARE(m_clock->msecsToNextTimer(), qint64(3000));
        QCOMPARE(closed.size(), 0);
        QVERIFY(m_manager->process(stubborn)->isRunning());
        QVERIFY(pidIsLive(stubbornPid));

        // New starts fail once closing has begun: 500, as upstream's "manager is closed".
        const Reply r =
                call("POST", QStringLiteral("/api/v0/processes/start"), R"({"command":"true"})");
        QCOMPARE(r.status, 500);
        QCOMPARE(r.message(), QStringLiteral("Failed to start process."));
        QCOMPARE(r.object().value(QStringLiteral("detail")).toString(),
                 QStringLiteral("manager is closed"));

        m_clock->advance(2999ms);
        QVERIFY(m_manager->process(stubborn)->isRunning());
        m_clock->advance(1ms);
        QVERIFY(closed.wait());
        QCOMPARE(closed.size(), 1);
        QVERIFY(!m_manager->process(stubborn)->isRunning());
        QCOMPARE(m_manager->process(stubborn)->info().exitCode.value_or(-99), -1);
        QCOMPARE(m_manager->process(stubborn)->info().exitSignal, SIGKILL);
        QCOMPARE(m_manager->process(stubborn)->info().signalSent, QStringLiteral("kill"));
        QCOMPARE(m_manager->process(stubborn)->info().signalSentBy, QStringLiteral("shutdown"));
        QCOMPARE(m_manager->process(polite)->info().exitSignal, SIGTERM);
        QCOMPARE(m_manager->process(polite)->info().signalSentBy, QStringLiteral("shutdown"));
        QTRY_VERIFY(!pidIsLive(stubbornPid));
        QCOMPARE(m_manager->runningCount(), 0);
    }

    void destroyingManagerEndsEverything()
    {
        const QString pidFile = m_scratch->filePath(QStringLiteral("grandchild.pid"));
        const QString a = start(app(QStringLiteral("spawn-ignore-term ") + shellQuote(pidFile)));
        const QString b = start(QStringLiteral("exec ") + app(QStringLiteral("ignore-term")));
        const QString c = start(app(QStringLiteral("hang")));
        QVERIFY(waitForOutput(a, "ready\n") && waitForOutput(b, "ready\n") &&
                waitForOutput(c, "ready\n"));
        const qint64 grandchild = readPid(pidFile);
        QVERIFY(pidIsLive(grandchild));
        // Synchronous: TERM, the grace (real time here: the manual clock does not move), KILL.
        destroyServer();
        QTRY_VERIFY2(liveMembers(m_groups).isEmpty(), qPrintable(toString(liveMembers(m_groups))));
        QVERIFY(!pidIsLive(grandchild));
    }

    // --- WebSocket stream extension ------------------------------------------------------

    void streamFullOutputWithClient()
    {
        constexpr qint64 total = 3 * 1024 * 1024 + 123;
        const QString go = m_scratch->filePath(QStringLiteral("go"));
        const QString id = start(gated(go, app(QStringLiteral("flood %1 77").arg(total))));
        ProcessClient client(m_server->baseUrl(), token);
        client.setClock(m_clock.get());
        ProcessOutputStream *stream = client.openStream(id, 0, &client);
        QByteArray received;
        qint64 expectedOffset = 0;
        bool contiguous = true;
        connect(stream, &ProcessOutputStream::dataReceived, this,
                [&](qint64 offset, const QByteArray &data) {
                    contiguous = contiguous && offset == expectedOffset;
                    expectedOffset = offset + data.size();
                    received += data;
                });
        QSignalSpy dropped(stream, &ProcessOutputStream::dropped);
        QSignalSpy exited(stream, &ProcessOutputStream::exited);
        QTRY_VERIFY(stream->isConnected());
        touch(go);
        QVERIFY(exited.wait(30000));
        QCOMPARE(received.size(), total);
        QVERIFY(received == floodBytes(total, 77));
        QVERIFY(contiguous);
        QCOMPARE(dropped.size(), 0);
        QCOMPARE(exited.first().at(0).toInt(), 0);
        QCOMPARE(exited.first().at(1).toLongLong(), total);
        QCOMPARE(stream->offset(), total);
        QVERIFY(stream->hasExited());
        QCOMPARE(stream->reconnects(), 0);
    }

    void streamRawFrames()
    {
        const QString id = start(QStringLiteral("printf 'one\\ntwo\\n'; exit 6"));
        QVERIFY(waitExited(id));
        m_clock->advance(3s);
        QWebSocket socket;
        QList<Frame> frames;
        connect(&socket, &QWebSocket::binaryMessageReceived, this,
                [&](const QByteArray &m) { frames.append(parseFrame(m)); });
        connect(&socket, &QWebSocket::textMessageReceived, this,
                [&](const QString &m) { frames.append(parseFrame(m)); });
        QSignalSpy disconnected(&socket, &QWebSocket::disconnected);
        socket.open(webSocketRequest(streamPath(id, 0), {}));
        QVERIFY(disconnected.wait());
        QCOMPARE(socket.closeCode(), QWebSocketProtocol::CloseCodeNormal);
        QCOMPARE(frames.size(), 3);
        QCOMPARE(frames.at(0).json,
                 (QJsonObject {{QStringLiteral("type"), QStringLiteral("hello")},
                               {QStringLiteral("offset"), 0},
                               {QStringLiteral("start_offset"), 0},
                               {QStringLiteral("end_offset"), 8},
                               {QStringLiteral("running"), false}}));
        QVERIFY(frames.at(1).binary);
        QCOMPARE(frames.at(1).offset, 0);
        QCOMPARE(frames.at(1).data, QByteArray("one\ntwo\n"));
        QCOMPARE(frames.at(2).json,
                 (QJsonObject {{QStringLiteral("type"), QStringLiteral("exit")},
                               {QStringLiteral("exit_code"), 6},
                               {QStringLiteral("exited_at_unix"), startMSecs / 1000},
                               {QStringLiteral("end_offset"), 8}}));

        // From an offset, and past the end (clamped).
        frames.clear();
        QWebSocket resumed;
        connect(&resumed, &QWebSocket::binaryMessageReceived, this,
                [&](const QByteArray &m) { frames.append(parseFrame(m)); });
        connect(&resumed, &QWebSocket::textMessageReceived, this,
                [&](const QString &m) { frames.append(parseFrame(m)); });
        QSignalSpy resumedDisconnected(&resumed, &QWebSocket::disconnected);
        resumed.open(webSocketRequest(streamPath(id, 4), {}));
        QVERIFY(resumedDisconnected.wait());
        QCOMPARE(frames.size(), 3);
        QCOMPARE(frames.at(0).json.value(QStringLiteral("offset")).toInteger(), 4);
        QCOMPARE(frames.at(1).offset, 4);
        QCOMPARE(frames.at(1).data, QByteArray("two\n"));

        frames.clear();
        QWebSocket past;
        connect(&past, &QWebSocket::textMessageReceived, this,
                [&](const QString &m) { frames.append(parseFrame(m)); });
        QSignalSpy pastDisconnected(&past, &QWebSocket::disconnected);
        past.open(webSocketRequest(streamPath(id, 1000), {}));
        QVERIFY(pastDisconnected.wait());
        QCOMPARE(frames.size(), 2);
        QCOMPARE(frames.at(0).json.value(QStringLiteral("offset")).toInteger(), 8);
        QCOMPARE(frames.at(1).json.value(QStringLiteral("type")).toString(),
                 QStringLiteral("exit"));
    }

    void streamUnknownOrForeignProcess()
    {
        const QByteArray chatA = QUuid::createUuid().toString(QUuid::WithoutBraces).toUtf8();
        const QByteArray chatB = QUuid::createUuid().toString(QUuid::WithoutBraces).toUtf8();
        const QString foreign = start(QStringLiteral("echo mine"), {}, chatA);
        QVERIFY(waitExited(foreign));
        for (const auto &[id, chat] :
             {std::pair(QStringLiteral("missing"), QByteArray()), std::pair(foreign, chatB)}) {
            QWebSocket socket;
            QSignalSpy messages(&socket, &QWebSocket::textMessageReceived);
            QSignalSpy binary(&socket, &QWebSocket::binaryMessageReceived);
            QSignalSpy disconnected(&socket, &QWebSocket::disconnected);
            socket.open(webSocketRequest(streamPath(id, 0), {.chat = chat}));
            QVERIFY(disconnected.wait());
            QCOMPARE(binary.size(), 0);
            QCOMPARE(messages.size(), 1);
            const QJsonObject error =
                    QJsonDocument::fromJson(messages.first().first().toString().toUtf8()).object();
            QCOMPARE(error.value(QStringLiteral("type")).toString(), QStringLiteral("error"));
            QCOMPARE(error.value(QStringLiteral("message")).toString(),
                     QStringLiteral("Process \"%1\" not found.").arg(id));
            QVERIFY(socket.closeCode() != QWebSocketProtocol::CloseCodeNormal);
        }
    }

    void streamResumeRaw()
    {
        constexpr qint64 total = 2 * 1024 * 1024;
        const QString id = start(app(QStringLiteral("flood %1").arg(total)));
        QVERIFY(waitExited(id));
        QByteArray received;

        // First connection: take one data frame, then hang up.
        {
            QWebSocket socket;
            QList<Frame> frames;
            connect(&socket, &QWebSocket::binaryMessageReceived, this,
                    [&](const QByteArray &m) { frames.append(parseFrame(m)); });
            QSignalSpy binary(&socket, &QWebSocket::binaryMessageReceived);
            socket.open(webSocketRequest(streamPath(id, 0), {}));
            QVERIFY(binary.wait());
            socket.abort();
            QCOMPARE(frames.first().offset, 0);
            received = frames.first().data;
            QVERIFY(received.size() > 0);
            QVERIFY(received.size() < total);
        }
        // Second connection: from the last offset, without gap or duplicate.
        QWebSocket socket;
        QList<Frame> frames;
        connect(&socket, &QWebSocket::binaryMessageReceived, this,
                [&](const QByteArray &m) { frames.append(parseFrame(m)); });
        connect(&socket, &QWebSocket::textMessageReceived, this,
                [&](const QString &m) { frames.append(parseFrame(m)); });
        QSignalSpy disconnected(&socket, &QWebSocket::disconnected);
        socket.open(webSocketRequest(streamPath(id, received.size()), {}));
        QVERIFY(disconnected.wait(30000));
        QCOMPARE(frames.first().json.value(QStringLiteral("offset")).toInteger(), received.size());
        for (const Frame &frame : std::as_const(frames)) {
            if (frame.binary) {
                QCOMPARE(frame.offset, received.size());
                received += frame.data;
            }
        }
        QCOMPARE(frames.last().json.value(QStringLiteral("type")).toString(),
                 QStringLiteral("exit"));
        QCOMPARE(received.size(), total);
        QVERIFY(received == floodBytes(total));
    }

    void streamResumeWithClient()
    {
        const QString go = m_scratch->filePath(QStringLiteral("go"));
        const QString id = start(QStringLiteral("echo first; ") +
                                 gated(go, app(QStringLiteral("flood 500000"))));
        QVERIFY(waitForOutput(id, "first\n"));
        ProcessClient client(m_server->baseUrl(), token);
        client.setClock(m_clock.get());
        ProcessOutputStream *stream = client.openStream(id, 0, &client);
        QByteArray received;
        bool contiguous = true;
        connect(stream, &ProcessOutputStream::dataReceived, this,
                [&](qint64 offset, const QByteArray &data) {
                    contiguous = contiguous && offset == received.size();
                    received += data;
                });
        QSignalSpy exited(stream, &ProcessOutputStream::exited);
        QTRY_COMPARE(received, QByteArray("first\n"));
        stream->close();
        QTRY_VERIFY(!stream->isConnected());
        touch(go);
        QVERIFY(waitExited(id));
        QCOMPARE(stream->offset(), 6);
        stream->open(stream->offset());
        QVERIFY(exited.wait(30000));
        QCOMPARE(received.size(), 6 + 500000);
        QVERIFY(received == "first\n" + floodBytes(500000));
        QVERIFY(contiguous);
        QCOMPARE(stream->offset(), received.size());
    }

    void streamDropsForSlowClient()
    {
        constexpr qint64 cap = 256 * 1024;
        constexpr qint64 total = 16 * 1024 * 1024;
        createServer({.captureCapBytes = cap, .injectHome = true});
        const QString go = m_scratch->filePath(QStringLiteral("go"));
        const QString id = start(gated(go, app(QStringLiteral("flood %1").arg(total))));

        QThread thread;
        QSemaphore blocked;
        QSemaphore release;
        // However the test ends, the client thread is let go and joined.
        const auto joinThread = qScopeGuard([&] {
            release.release(1000);
            thread.quit();
            thread.wait();
        });
        auto *client = new SlowStreamClient;
        client->moveToThread(&thread);
        connect(&thread, &QThread::finished, client, &QObject::deleteLater);
        thread.start();
        const QNetworkRequest request = webSocketRequest(streamPath(id, 0), {});
        QMetaObject::invokeMethod(client, [client, request] { client->open(request); });
        QTRY_VERIFY(client->helloReceived);

        // Stop the client's event loop: from now on it reads nothing.
        QMetaObject::invokeMethod(client, [&blocked, &release] {
            blocked.release();
            release.acquire();
        });
        QVERIFY(blocked.tryAcquire(1, 10000));

        touch(go);
        QVERIFY(waitExited(id, 60000));
        const OutputCapture &capture = m_manager->process(id)->capture();
        QCOMPARE(capture.endOffset(), total);
        QVERIFY(capture.startOffset() > 0);
        QVERIFY(capture.retainedBytes() <= cap);

        release.release();
        QTRY_VERIFY_WITH_TIMEOUT(client->exitReceived, 60000);
        const QList<Frame> frames = client->takeFrames();

        const QByteArray expected = floodBytes(total);
        qint64 next = 0;
        qint64 dataBytes = 0;
        qint64 droppedBytes = 0;
        int droppedFrames = 0;
        for (const Frame &frame : frames) {
            if (frame.binary) {
                QCOMPARE(frame.offset, next);
                QVERIFY(frame.data == expected.mid(frame.offset, frame.data.size()));
                next += frame.data.size();
                dataBytes += frame.data.size();
                continue;
            }
            const QString type = frame.json.value(QStringLiteral("type")).toString();
            if (type == QLatin1String("dropped")) {
                ++droppedFrames;
                QCOMPARE(frame.json.value(QStringLiteral("offset")).toInteger(), next);
                const qint64 bytes = frame.json.value(QStringLiteral("bytes")).toInteger();
                QVERIFY(bytes > 0);
                QCOMPARE(frame.json.value(QStringLiteral("reason")).toString(),
                         QStringLiteral("evicted"));
                next += bytes;
                droppedBytes += bytes;
            }
        }
        QVERIFY(droppedFrames >= 1);
        QCOMPARE(dataBytes + droppedBytes, total);
        QCOMPARE(next, total);
        QCOMPARE(frames.last().json.value(QStringLiteral("type")).toString(),
                 QStringLiteral("exit"));
        QCOMPARE(frames.last().json.value(QStringLiteral("end_offset")).toInteger(), total);
        qInfo("slow client: %lld data bytes, %lld dropped in %d frame(s)", dataBytes, droppedBytes,
              droppedFrames);
    }

    // --- WebSocket watch extension -------------------------------------------------------

    void watchSnapshotThenChanges()
    {
        const QString before = start(QStringLiteral("echo before"));
        QVERIFY(waitExited(before));
        QWebSocket socket;
        QList<QJsonObject> messages;
        connect(&socket, &QWebSocket::textMessageReceived, this, [&](const QString &m) {
            messages.append(QJsonDocument::fromJson(m.toUtf8()).object());
        });
        socket.open(webSocketRequest(QStringLiteral("/api/v0/processes/watch"), {}));
        QTRY_COMPARE(messages.size(), 1);
        QCOMPARE(messages.at(0).value(QStringLiteral("type")).toString(),
                 QStringLiteral("snapshot"));
        const QJsonArray snapshot = messages.at(0).value(QStringLiteral("processes")).toArray();
        QCOMPARE(snapshot.size(), 1);
        QCOMPARE(snapshot.at(0).toObject().value(QStringLiteral("id")).toString(), before);

        const QString go = m_scratch->filePath(QStringLiteral("go"));
        const QString id = start(gated(go, QStringLiteral("exit 9")));
        QTRY_COMPARE(messages.size(), 2);
        QCOMPARE(messages.at(1).value(QStringLiteral("type")).toString(),
                 QStringLiteral("process"));
        QJsonObject info = messages.at(1).value(QStringLiteral("process")).toObject();
        QCOMPARE(info.value(QStringLiteral("id")).toString(), id);
        QCOMPARE(info.value(QStringLiteral("running")).toBool(), true);
        QVERIFY(!info.contains(QStringLiteral("exit_code")));
        QCOMPARE(info.value(QStringLiteral("pid")).toInteger(),
                 m_manager->process(id)->processGroup());

        touch(go);
        QTRY_COMPARE(messages.size(), 3);
        QCOMPARE(messages.at(2).value(QStringLiteral("type")).toString(),
                 QStringLiteral("process"));
        info = messages.at(2).value(QStringLiteral("process")).toObject();
        QCOMPARE(info.value(QStringLiteral("id")).toString(), id);
        QCOMPARE(info.value(QStringLiteral("running")).toBool(true), false);
        QCOMPARE(info.value(QStringLiteral("exit_code")).toInt(), 9);

        // Reaping is announced too.
        m_clock->advance(ProcessManager::ReapAge + 1s);
        QCOMPARE(listIds({}), QStringList());
        QTRY_COMPARE(messages.size(), 5);
        QSet<QString> removed;
        for (int i = 3; i < 5; ++i) {
            QCOMPARE(messages.at(i).value(QStringLiteral("type")).toString(),
                     QStringLiteral("removed"));
            removed.insert(messages.at(i).value(QStringLiteral("id")).toString());
        }
        QCOMPARE(removed, (QSet<QString> {before, id}));
        socket.close();
    }

    // --- Hardening -----------------------------------------------------------------------

    void signalRightAfterStart_data()
    {
        QTest::addColumn<QString>("signalName");
        QTest::newRow("kill") << QStringLiteral("kill");
        QTest::newRow("terminate") << QStringLiteral("terminate");
    }

    void signalRightAfterStart()
    {
        // Upstream's cmd.Start() returns once the child is in its group and has exec'd: a signal
        // sent at once must reach it. And the signal must never be taken for the agent's own: it
        // has a SIGTERM handler here, as companiond does, that a child before exec still had.
        QFETCH(QString, signalName);
        createServer({.maxProcesses = 2000});
        UnixSignalWatcher watcher({SIGTERM, SIGINT, SIGHUP});
        QSignalSpy ownSignals(&watcher, &UnixSignalWatcher::unixSignal);
        constexpr int Pairs = 500;
        QStringList ids;
        int sent = 0;
        for (int i = 0; i < Pairs; ++i) {
            const QString id = start(QStringLiteral("sleep 100"));
            QVERIFY(!id.isEmpty());
            ids.append(id);
            const Reply r =
                    call("POST", signalPath(id), json({{QStringLiteral("signal"), signalName}}));
            QVERIFY2(r.status == 200,
                     qPrintable(QStringLiteral("pair %1: %2 %3")
                                        .arg(i)
                                        .arg(r.status)
                                        .arg(QString::fromUtf8(r.body))));
            ++sent;
        }
        QCOMPARE(sent, Pairs);
        for (const QString &id : std::as_const(ids)) {
            QVERIFY(waitExited(id));
            QCOMPARE(m_manager->process(id)->info().exitCode.value_or(0), -1);
        }
        QCOMPARE(ownSignals.size(), 0);
    }

    void signalToGroupThatJustDiedIsConflict()
    {
        const QString id = start(QStringLiteral("sleep 100"));
        const qint64 group = m_manager->process(id)->processGroup();
        QCOMPARE(::kill(-pid_t(group), SIGKILL), 0);
        // Wait for the group to vanish without running the event loop, so Qt cannot have told
        // the manager yet: the signal meets a dead group (ESRCH).
        for (int i = 0; i < 5000 && (::kill(-pid_t(group), 0) == 0 || errno != ESRCH); ++i) {
            ::usleep(1000);
        }
        QVERIFY(m_manager->process(id)->isRunning());
        QString error;
        QCOMPARE(m_manager->sendSignal(id, ProcessManager::Signal::Kill, &error),
                 ProcessManager::SignalResult::NotRunning);
        const Reply r = call("POST", signalPath(id), R"({"signal":"terminate"})");
        QCOMPARE(r.status, 409);
        QCOMPARE(r.message(), QStringLiteral("Process \"%1\" is not running.").arg(id));
    }

    void startBeyondTrackedLimitIs503()
    {
        createServer({.maxProcesses = 3});
        QStringList ids;
        for (int i = 0; i < 3; ++i) {
            ids.append(start(QStringLiteral("true")));
            QVERIFY(waitExited(ids.last()));
        }
        Reply r = call("POST", QStringLiteral("/api/v0/processes/start"), R"({"command":"true"})");
        QCOMPARE(r.status, 503);
        QCOMPARE(r.message(), QStringLiteral("Too many processes."));
        QVERIFY(r.object().value(QStringLiteral("detail")).toString().contains(QLatin1String("3")));
        QCOMPARE(m_manager->trackedCount(), 3);
        // Exited processes are forgotten on time, and make room.
        m_clock->advance(ProcessManager::ReapAge + 1s);
        QCOMPARE(m_manager->trackedCount(), 0);
        QVERIFY(!start(QStringLiteral("true")).isEmpty());
    }

    void exitedProcessesAreForgottenWithoutList()
    {
        for (int i = 0; i < 20; ++i) {
            QVERIFY(waitExited(start(QStringLiteral("true"))));
        }
        QCOMPARE(m_manager->trackedCount(), 20);
        QSignalSpy removed(m_manager.get(), &ProcessManager::processRemoved);
        m_clock->advance(ProcessManager::ReapAge);
        QCOMPARE(m_manager->trackedCount(), 20);
        m_clock->advance(1ms);
        QCOMPARE(removed.size(), 20);
        QCOMPARE(m_manager->trackedCount(), 0);
        QCOMPARE(m_clock->pendingTimers(), 0);
    }

    void captureBudgetReleasesOldestExitedFirst()
    {
        constexpr qint64 MiB = 1024 * 1024;
        createServer({.captureCapBytes = MiB, .captureBudgetBytes = 2 * MiB});
        QSignalSpy updated(m_manager.get(), &ProcessManager::processUpdated);
        const QString oldest = start(app(QStringLiteral("flood %1").arg(700 * 1024)));
        QVERIFY(waitExited(oldest));
        m_clock->advance(1s);
        const QString older = start(app(QStringLiteral("flood %1").arg(700 * 1024)));
        QVERIFY(waitExited(older));
        QCOMPARE(updated.size(), 0);
        QVERIFY(m_manager->captureUsage() > MiB);
        m_clock->advance(1s);
        const QString newest = start(app(QStringLiteral("flood %1").arg(700 * 1024)));
        QVERIFY(waitExited(newest));
        QVERIFY(m_manager->captureUsage() <= 2 * MiB);
        // The oldest exit went first; the others kept their full output.
        QTRY_COMPARE(updated.size(), 1);
        QCOMPARE(updated.first().first().value<ManagedProcess *>()->id(), oldest);
        const ManagedProcess *released = m_manager->process(oldest);
        QVERIFY(released->info().captureReleased);
        QCOMPARE(released->capture().retainedBytes(), 0);
        QCOMPARE(released->info()
                         .toJson(ProcessInfo::Fields::Extended)
                         .value(QStringLiteral("capture_released"))
                         .toBool(),
                 true);
        QVERIFY(!m_manager->process(older)->info().captureReleased);
        QCOMPARE(m_manager->process(older)->capture().retainedBytes(), 700 * 1024);
        QCOMPARE(m_manager->process(newest)->capture().retainedBytes(), 700 * 1024);
        // What the AI client reads is kept: the head/tail buffer with its truncation.
        const QJsonObject body = output(oldest);
        QCOMPARE(body.value(QStringLiteral("truncated"))
                         .toObject()
                         .value(QStringLiteral("original_bytes"))
                         .toInteger(),
                 700 * 1024);
        QVERIFY(!body.value(QStringLiteral("output")).toString().isEmpty());
        // Upstream's JSON is untouched by the extension.
        QVERIFY(!listed(oldest).contains(QStringLiteral("capture_released")));
    }

    void captureBudgetTrimsRunningCapturesLargestFirst()
    {
        constexpr qint64 MiB = 1024 * 1024;
        createServer({.captureCapBytes = 2 * MiB, .captureBudgetBytes = 2 * MiB});
        const QString big = start(app(QStringLiteral("flood %1").arg(1536 * 1024)) +
                                  QStringLiteral(" && ") + app(QStringLiteral("hang")));
        QVERIFY(waitForOutput(big, "ready\n"));
        const QString small = start(app(QStringLiteral("flood %1").arg(1024 * 1024)) +
                                    QStringLiteral(" && ") + app(QStringLiteral("hang")));
        QVERIFY(waitForOutput(small, "ready\n"));
        QVERIFY(m_manager->captureUsage() <= 2 * MiB);
        // The largest capture loses its oldest output first, so the two end up about even:
        // the big one gave up far more.
        const qint64 bigEvicted = m_manager->process(big)->capture().evictedBytes();
        const qint64 smallEvicted = m_manager->process(small)->capture().evictedBytes();
        QVERIFY2(bigEvicted >= 512 * 1024 && bigEvicted > smallEvicted,
                 qPrintable(QStringLiteral("%1 %2").arg(bigEvicted).arg(smallEvicted)));
        QVERIFY(!m_manager->process(big)->info().captureReleased);
        QVERIFY(signal(big, QStringLiteral("kill")) && signal(small, QStringLiteral("kill")));
        QVERIFY(waitExited(big) && waitExited(small));
    }

private:
    void createServer(const ServerOptions &options)
    {
        destroyServer();
        ProcessManager::Options managerOptions;
        managerOptions.workingDirectory = [this] { return m_workingDirectory; };
        if (options.injectHome) {
            managerOptions.homeDirectory = m_home->path();
        }
        managerOptions.captureCapBytes = options.captureCapBytes;
        managerOptions.captureBudgetBytes = options.captureBudgetBytes;
        managerOptions.maxProcesses = options.maxProcesses;
        managerOptions.clock = m_clock.get();
        m_manager = std::make_unique<ProcessManager>(managerOptions);
        connect(m_manager.get(), &ProcessManager::processStarted, this,
                [this](ManagedProcess *process) { m_groups.insert(process->processGroup()); });
        m_server = std::make_unique<ApiServer>(token);
        m_api = std::make_unique<ProcessApi>(m_manager.get(), m_server.get(), m_clock.get());
        QString error;
        if (!m_server->listen(QHostAddress::LocalHost, 0, &error)) {
            qFatal("cannot listen: %s", qPrintable(error));
        }
    }

    void destroyServer()
    {
        m_api.reset();
        m_server.reset();
        m_manager.reset();
    }

    QNetworkRequest networkRequest(const QString &path, const RequestOptions &options) const
    {
        QNetworkRequest request(QUrl(m_server->baseUrl().toString() + path));
        if (options.token) {
            request.setRawHeader("Coder-Session-Token", token);
        }
        if (!options.chat.isEmpty()) {
            request.setRawHeader("Coder-Chat-Id", options.chat);
        }
        return request;
    }

    QNetworkRequest webSocketRequest(const QString &path, const RequestOptions &options) const
    {
        QNetworkRequest request = networkRequest(path, options);
        QUrl url = request.url();
        url.setScheme(QStringLiteral("ws"));
        request.setUrl(url);
        return request;
    }

    QNetworkReply *send(const QByteArray &verb, const QString &path, const QByteArray &body = {},
                        const RequestOptions &options = {})
    {
        QNetworkRequest request = networkRequest(path, options);
        if (!body.isEmpty()) {
            request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/json"));
        }
        return m_network->sendCustomRequest(request, verb, body);
    }

    // Waits for the reply (event loop, no sleep) and takes it apart.
    static Reply finish(QNetworkReply *reply, int timeoutMSecs = 30000)
    {
        std::unique_ptr<QNetworkReply> owner(reply);
        if (!reply->isFinished()) {
            QSignalSpy finished(reply, &QNetworkReply::finished);
            if (!finished.wait(timeoutMSecs)) {
                qWarning("request %s timed out", qPrintable(reply->url().toString()));
                return {};
            }
        }
        Reply r;
        r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        r.body = reply->readAll();
        r.document = QJsonDocument::fromJson(r.body);
        return r;
    }

    Reply call(const QByteArray &verb, const QString &path, const QByteArray &body = {},
               const RequestOptions &options = {})
    {
        return finish(send(verb, path, body, options));
    }

    static QByteArray json(const QJsonObject &object)
    {
        return QJsonDocument(object).toJson(QJsonDocument::Compact);
    }

    static QString goQuoted(const QString &text)
    {
        QString quoted = text;
        quoted.replace(QLatin1Char('\\'), QLatin1String("\\\\"));
        quoted.replace(QLatin1Char('"'), QLatin1String("\\\""));
        return QLatin1Char('"') + quoted + QLatin1Char('"');
    }

    static QString outputPath(const QString &id)
    {
        return QStringLiteral("/api/v0/processes/%1/output").arg(id);
    }

    static QString signalPath(const QString &id)
    {
        return QStringLiteral("/api/v0/processes/%1/signal").arg(id);
    }

    static QString streamPath(const QString &id, qint64 offset)
    {
        return QStringLiteral("/api/v0/processes/%1/stream?offset=%2")
                .arg(QString::fromLatin1(QUrl::toPercentEncoding(id)))
                .arg(offset);
    }

    // Starts `command` over HTTP; the id, or empty (with a warning) on failure.
    QString start(const QString &command, const QJsonObject &extra = {},
                  const QByteArray &chat = {})
    {
        QJsonObject request = extra;
        request.insert(QStringLiteral("command"), command);
        const Reply r = call("POST", QStringLiteral("/api/v0/processes/start"), json(request),
                             {.chat = chat});
        if (r.status != 200 || !r.object().value(QStringLiteral("started")).toBool()) {
            qWarning("start failed: %d %s", r.status, r.body.constData());
            return {};
        }
        return r.object().value(QStringLiteral("id")).toString();
    }

    bool signal(const QString &id, const QString &name)
    {
        const Reply r = call("POST", signalPath(id), json({{QStringLiteral("signal"), name}}));
        if (r.status != 200) {
            qWarning("signal failed: %d %s", r.status, r.body.constData());
        }
        return r.status == 200;
    }

    QJsonObject output(const QString &id, const RequestOptions &options = {})
    {
        const Reply r = call("GET", outputPath(id), {}, options);
        if (r.status != 200) {
            qWarning("output failed: %d %s", r.status, r.body.constData());
        }
        return r.object();
    }

    // GET output?wait=true: blocks (in the event loop) until the process exits.
    QJsonObject waitedOutput(const QString &id)
    {
        const Reply r = call("GET", outputPath(id) + QStringLiteral("?wait=true"));
        if (r.status != 200) {
            qWarning("waited output failed: %d %s", r.status, r.body.constData());
        }
        return r.object();
    }

    QJsonArray list(const RequestOptions &options)
    {
        return call("GET", QStringLiteral("/api/v0/processes/list"), {}, options)
                .object()
                .value(QStringLiteral("processes"))
                .toArray();
    }

    QStringList listIds(const RequestOptions &options)
    {
        QStringList ids;
        const QJsonArray processes = list(options);
        for (const QJsonValue &value : processes) {
            ids.append(value.toObject().value(QStringLiteral("id")).toString());
        }
        return ids;
    }

    QJsonObject listed(const QString &id)
    {
        const QJsonArray processes = list({});
        for (const QJsonValue &value : processes) {
            if (value.toObject().value(QStringLiteral("id")).toString() == id) {
                return value.toObject();
            }
        }
        return {};
    }

    bool waitExited(const QString &id, int timeoutMSecs = 10000)
    {
        return !id.isEmpty() &&
                QTest::qWaitFor(
                        [&] {
                            const ManagedProcess *p = m_manager->process(id);
                            return p && !p->isRunning();
                        },
                        timeoutMSecs);
    }

    bool waitForOutput(const QString &id, const QByteArray &text)
    {
        return !id.isEmpty() &&
                QTest::qWaitFor(
                        [&] {
                            const ManagedProcess *p = m_manager->process(id);
                            return p && p->headTail().bytes().contains(text);
                        },
                        10000);
    }

    static qint64 readPid(const QString &path)
    {
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly)) {
            return -1;
        }
        return file.readAll().trimmed().toLongLong();
    }

    void checkDefaultWorkDir(const QString &expected)
    {
        const QString id = start(app(QStringLiteral("pwd")));
        QVERIFY(!id.isEmpty());
        const QJsonObject out = waitedOutput(id);
        QCOMPARE(out.value(QStringLiteral("output")).toString(),
                 QFileInfo(expected).canonicalFilePath() + QLatin1Char('\n'));
        QCOMPARE(listed(id).value(QStringLiteral("workdir")).toString(), expected);
    }

    std::unique_ptr<ManualClock> m_clock;
    std::unique_ptr<QTemporaryDir> m_home;
    std::unique_ptr<QTemporaryDir> m_scratch;
    QString m_workingDirectory;
    std::unique_ptr<QNetworkAccessManager> m_network;
    std::unique_ptr<ProcessManager> m_manager;
    std::unique_ptr<ApiServer> m_server;
    std::unique_ptr<ProcessApi> m_api;
    QSet<qint64> m_groups;
};

QTEST_GUILESS_MAIN(TestProcessApi)
#include "tst_processapi.moc"
