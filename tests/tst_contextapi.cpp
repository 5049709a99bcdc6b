// The context API of a real Agent over HTTP on loopback: the routes of Coder's agentcontext
// api.go with upstream's status codes and messages (sources, resync) and our extensions
// (snapshot, content, timeline, push status and retry, the /watch WebSocket), the shared gate
// (401 without the token, 413 for bodies over 1 MiB), and ContextClient against the same agent.
// MCP config bytes never leave the agent, whatever the route.
#include "agent/agent.h"
#include "common/clock.h"
#include "context/contextclient.h"
#include "context/contextmanager.h"
#include "context/contextpushloop.h"
#include "http/apicall.h"
#include "http/apiclient.h"
#include "http/apiserver.h"

#include "http/httpresponder.h"
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QUrlQuery>
#include <QWebSocket>

#include <memory>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace std::chrono_literals;

namespace {

constexpr int Timeout = 10000;
const QByteArray mcpSecret = QByteArrayLiteral("s3cr3t-api-token-77");
const QString base = QStringLiteral("/api/v0/context");

struct Reply
{
    int status = 0;
    QByteArray body;
    QJsonDocument document;
    QJsonObject object() const { return document.object(); }
    QString message() const { return object().value(QStringLiteral("message")).toString(); }
    QString detail() const { return object().value(QStringLiteral("detail")).toString(); }
};

QString escaped(const QString &path)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(path));
}

// Whether any object anywhere in `value` has the key `key`.
bool containsKey(const QJsonValue &value, const QString &key)
{
    if (value.isObject()) {
        const QJsonObject object = value.toObject();
        if (object.contains(key)) {
            return true;
        }
        for (auto it = object.begin(); it != object.end(); ++it) {
            if (containsKey(it.value(), key)) {
                return true;
            }
        }
    } else if (value.isArray()) {
        const QJsonArray array = value.toArray();
        for (const QJsonValue &item : array) {
            if (containsKey(item, key)) {
                return true;
            }
        }
    }
    return false;
}

// An .mcp.json whose server environment holds `secret`. (Built, not a raw string literal:
// moc loses track of a class after a raw string split over two lines.)
QByteArray mcpConfig(const QByteArray &secret)
{
    const QJsonObject env {{QStringLiteral("TOKEN"), QString::fromLatin1(secret)}};
    const QJsonObject server {{QStringLiteral("command"), QStringLiteral("db-mcp")},
                              {QStringLiteral("env"), env}};
    const QJsonObject servers {{QStringLiteral("db"), server}};
    return QJsonDocument(QJsonObject {{QStringLiteral("mcpServers"), servers}})
            .toJson(QJsonDocument::Compact);
}

// The outcome of one ApiCall.
struct CallResult
{
    bool started = false;
    bool finished = false;
    bool failed = false;
    QJsonValue body;
    int status = 0;
    ApiError error;
};

// A control plane for the push routes: fails the first push, accepts the rest.
class ControlPlane
{
public:
    explicit ControlPlane(const QByteArray &token)
        : m_server(token)
    {
        m_server.addRoute(
                Http::Method::Post, QStringLiteral("/api/v2/workspaceagents/me/context-state"),
                [this](const ApiRequest &request, HttpResponder &responder) {
                    m_bodies.append(request.body());
                    QHttpHeaders headers;
                    headers.append(QHttpHeaders::WellKnownHeader::ContentType, "application/json");
                    if (m_bodies.size() == 1) {
                        responder.write(R"({"message":"try later"})", headers,
                                        Http::Status::ServiceUnavailable);
                    } else {
                        responder.write(R"({"accepted":true})", headers, Http::Status::Ok);
                    }
                });
        QString error;
        if (!m_server.listen(QHostAddress::LocalHost, 0, &error)) {
            qFatal("cannot listen: %s", qPrintable(error));
        }
    }
    QUrl url() const { return m_server.baseUrl(); }
    const QList<QByteArray> &bodies() const { return m_bodies; }

private:
    ApiServer m_server;
    QList<QByteArray> m_bodies;
};

} // namespace

class TestContextApi : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_home;
    QString m_work;
    QString m_outside;
    QByteArray m_agentsBytes;
    QByteArray m_mcpBytes;
    std::unique_ptr<ManualClock> m_clock;
    std::unique_ptr<ControlPlane> m_controlPlane;
    std::unique_ptr<Agent> m_agent;
    std::unique_ptr<QNetworkAccessManager> m_network;

    static void write(const QString &file, const QByteArray &content)
    {
        QDir().mkpath(QFileInfo(file).absolutePath());
        QFile out(file);
        if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate) ||
            out.write(content) != content.size()) {
            qFatal("cannot write %s", qPrintable(file));
        }
    }

    static QString mkdir(const QString &dir)
    {
        if (!QDir().mkpath(dir)) {
            qFatal("cannot create %s", qPrintable(dir));
        }
        return dir;
    }

    [[nodiscard]] bool startAgent(const QUrl &controlPlane = QUrl(),
                                  const QByteArray &controlPlaneToken = QByteArray())
    {
        Agent::Options o;
        o.workingDirectory = m_work;
        o.tokenFile = m_dir->path() + QStringLiteral("/agent-token");
        o.homeDirectory = m_home;
        o.contextBuiltinRoots = false;
        o.controlPlane = controlPlane;
        o.controlPlaneToken = controlPlaneToken;
        o.clock = m_clock.get();
        m_agent = std::make_unique<Agent>(o);
        QString error;
        if (!m_agent->start(&error)) {
            qWarning("cannot start the agent: %s", qPrintable(error));
            return false;
        }
        return QTest::qWaitFor([this] { return manager()->snapshot().version >= 1; }, Timeout);
    }

    ContextManager *manager() const { return m_agent->contextManager(); }

    QUrl url(const QString &path, const QString &query = QString()) const
    {
        QUrl u = m_agent->url();
        u.setPath(path, QUrl::StrictMode);
        if (!query.isEmpty()) {
            u.setQuery(query, QUrl::StrictMode);
        }
        return u;
    }

    QNetworkRequest request(const QString &path, const QString &query = QString(),
                            bool token = true) const
    {
        QNetworkRequest r(url(path, query));
        if (token) {
            r.setRawHeader("Coder-Session-Token", m_agent->token());
        }
        r.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
        return r;
    }

    Reply finish(QNetworkReply *reply) const
    {
        std::unique_ptr<QNetworkReply> owned(reply);
        Reply r;
        if (!QTest::qWaitFor([reply] { return reply->isFinished(); }, Timeout)) {
            qWarning("request timed out");
            return r;
        }
        r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        r.body = reply->readAll();
        r.document = QJsonDocument::fromJson(r.body);
        return r;
    }

    Reply call(const QByteArray &verb, const QString &path, const QByteArray &body = QByteArray(),
               const QString &query = QString(), bool token = true) const
    {
        return finish(m_network->sendCustomRequest(request(path, query, token), verb, body));
    }

    static QByteArray json(const QJsonObject &object)
    {
        return QJsonDocument(object).toJson(QJsonDocument::Compact);
    }

    static QByteArray pathBody(const QString &path)
    {
        return json({{QStringLiteral("path"), path}});
    }

    QString agentsId() const
    {
        return QStringLiteral("instruction_file:") + m_work + QStringLiteral("/AGENTS.md");
    }
    QString mcpId() const
    {
        return QStringLiteral("mcp_config:") + m_work + QStringLiteral("/.mcp.json");
    }

    static CallResult run(ApiCall *call)
    {
        CallResult result;
        bool done = false;
        QObject context;
        QObject::connect(call, &ApiCall::started, &context, [&] { result.started = true; });
        QObject::connect(call, &ApiCall::finished, &context,
                         [&](const QJsonValue &body, int status) {
                             result.finished = true;
                             result.body = body;
                             result.status = status;
                             done = true;
                         });
        QObject::connect(call, &ApiCall::failed, &context, [&](const ApiError &error) {
            result.failed = true;
            result.error = error;
            done = true;
        });
        if (!QTest::qWaitFor([&] { return done; }, Timeout)) {
            qWarning("call timed out");
        }
        return result;
    }

    // Parsed text messages a socket received.
    static QList<QJsonObject> messages(const QSignalSpy &spy)
    {
        QList<QJsonObject> list;
        for (const QList<QVariant> &arguments : spy) {
            list.append(QJsonDocument::fromJson(arguments.at(0).toString().toUtf8()).object());
        }
        return list;
    }

private Q_SLOTS:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        const QString root = QFileInfo(m_dir->path()).canonicalFilePath();
        m_home = mkdir(root + QStringLiteral("/home"));
        m_work = mkdir(root + QStringLiteral("/work dir+1")); // a path that needs escaping
        m_outside = mkdir(root + QStringLiteral("/outside"));
        m_agentsBytes = "# Project rules\nBe precise.\n";
        write(m_work + QStringLiteral("/AGENTS.md"), m_agentsBytes);
        m_mcpBytes = mcpConfig(mcpSecret);
        write(m_work + QStringLiteral("/.mcp.json"), m_mcpBytes);
        m_clock = std::make_unique<ManualClock>();
        m_network = std::make_unique<QNetworkAccessManager>();
    }

    void cleanup()
    {
        m_network.reset();
        m_agent.reset();
        m_controlPlane.reset();
        m_clock.reset();
        m_dir.reset();
    }

    // --- Sources ---------------------------------------------------------------------------

    void listSourcesEmpty()
    {
        QVERIFY(startAgent());
        const Reply r = call("GET", base + QStringLiteral("/sources"));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, QByteArray("[]\n"));
        QVERIFY(r.document.isArray());
    }

    void addSource()
    {
        QVERIFY(startAgent());
        const QString source = mkdir(m_home + QStringLiteral("/notes"));
        write(source + QStringLiteral("/CLAUDE.md"), "notes\n");
        Reply r = call("POST", base + QStringLiteral("/sources"),
                       pathBody(source + QStringLiteral("/")));
        QCOMPARE(r.status, 201);
        QCOMPARE(r.object(), (QJsonObject {{QStringLiteral("path"), source}}));
        // Existing: 201 again, same identity.
        r = call("POST", base + QStringLiteral("/sources"), pathBody(QStringLiteral("~/notes")));
        QCOMPARE(r.status, 201);
        QCOMPARE(r.object().value(QStringLiteral("path")).toString(), source);

        r = call("GET", base + QStringLiteral("/sources"));
        QCOMPARE(r.status, 200);
        // Upstream's {"path"}, and our status of the source.
        QCOMPARE(r.document.array(),
                 (QJsonArray {QJsonObject {{QStringLiteral("path"), source},
                                           {QStringLiteral("status"), QStringLiteral("ok")}}}));
        QTRY_VERIFY_WITH_TIMEOUT(manager()->snapshot()
                                                 .toJson()
                                                 .value(QStringLiteral("resources"))
                                                 .toArray()
                                                 .size() == 3,
                                 Timeout);
    }

    // A source added inside the allowed roots, then swapped for a symlink out of them (or one
    // that did not exist yet and appears as such a symlink): nothing under it is read, served
    // or reported, and the sources list and the snapshot error say why.
    void swappedSourceIsNotRead_data()
    {
        QTest::addColumn<bool>("existedWhenAdded");
        QTest::newRow("existing source") << true;
        QTest::newRow("late source") << false;
    }

    void swappedSourceIsNotRead()
    {
        QFETCH(bool, existedWhenAdded);
        QVERIFY(startAgent());
        const QString source = m_home + QStringLiteral("/proj2");
        if (existedWhenAdded) {
            mkdir(source);
            write(source + QStringLiteral("/AGENTS.md"), "inside\n");
        }
        write(m_outside + QStringLiteral("/AGENTS.md"), "outside secret\n");
        write(m_outside + QStringLiteral("/skills/leak/SKILL.md"),
              "---\nname: leak\ndescription: outside\n---\n");
        QCOMPARE(call("POST", base + QStringLiteral("/sources"), pathBody(source)).status, 201);
        QCOMPARE(call("POST", base + QStringLiteral("/resync")).status, 200);
        const QString insideId =
                QStringLiteral("instruction_file:") + source + QStringLiteral("/AGENTS.md");
        if (existedWhenAdded) {
            bool found = false;
            for (const ContextResource &resource : manager()->snapshot().resources) {
                found = found || resource.id == insideId;
            }
            QVERIFY(found);
            QCOMPARE(call("GET", base + QStringLiteral("/content"), {},
                          QStringLiteral("id=") + escaped(insideId))
                             .status,
                     200);
            QVERIFY(QDir(source).removeRecursively());
        }
        QVERIFY(QFile::link(m_outside, source));

        // The content route judges the file again, even before the next resolve.
        const Reply content = call("GET", base + QStringLiteral("/content"), {},
                                   QStringLiteral("id=") + escaped(insideId));
        QVERIFY2(content.status == 403 || content.status == 404, content.body.constData());
        QVERIFY(!content.body.contains(QByteArray("outside secret").toBase64()));

        const Reply resync = call("POST", base + QStringLiteral("/resync"));
        QCOMPARE(resync.status, 200);
        const QJsonObject snapshot = resync.object();
        QVERIFY2(snapshot.value(QStringLiteral("snapshot_error"))
                         .toString()
                         .contains(QLatin1String("outside the allowed roots")),
                 resync.body.constData());
        for (const QJsonValue &value : snapshot.value(QStringLiteral("resources")).toArray()) {
            const QString where = value.toObject().value(QStringLiteral("source")).toString();
            QVERIFY2(!where.startsWith(source) && !where.startsWith(m_outside), qPrintable(where));
        }
        const Reply sources = call("GET", base + QStringLiteral("/sources"));
        const QJsonObject listed = sources.document.array().first().toObject();
        QCOMPARE(listed.value(QStringLiteral("path")).toString(), source);
        QCOMPARE(listed.value(QStringLiteral("status")).toString(), QStringLiteral("rejected"));
        QVERIFY(listed.value(QStringLiteral("error")).toString().contains(m_outside));
        // Nothing of the outside folder goes out by the content route either.
        const QString outsideId =
                QStringLiteral("instruction_file:") + m_outside + QStringLiteral("/AGENTS.md");
        QCOMPARE(call("GET", base + QStringLiteral("/content"), {},
                      QStringLiteral("id=") + escaped(outsideId))
                         .status,
                 404);
        // Back to a real folder inside: read again, status ok.
        QVERIFY(QFile::remove(source));
        mkdir(source);
        write(source + QStringLiteral("/AGENTS.md"), "inside again\n");
        QCOMPARE(call("POST", base + QStringLiteral("/resync")).status, 200);
        QTRY_COMPARE(call("GET", base + QStringLiteral("/sources"))
                             .document.array()
                             .first()
                             .toObject()
                             .value(QStringLiteral("status"))
                             .toString(),
                     QStringLiteral("ok"));
    }

    void addSourceInvalid_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("detail"); // %1: the outside folder
        QTest::newRow("relative") << QStringLiteral("relative/dir")
                                  << QStringLiteral(
                                             "canonicalize: path \"relative/dir\" is not absolute");
        QTest::newRow("empty") << QString() << QStringLiteral("canonicalize: path is empty");
        QTest::newRow("outside") << QStringLiteral("%1")
                                 << QStringLiteral("path \"%1\" is not inside any allowed root");
        QTest::newRow("traversal")
                << QStringLiteral("~/../outside")
                << QStringLiteral("path \"~/../outside\" contains parent traversal segments");
        QTest::newRow("longer than PATH_MAX")
                << QStringLiteral("~/") + QString(5000, QLatin1Char('z'))
                << QStringLiteral("path is longer than 4096 bytes (PATH_MAX)");
    }

    void addSourceCountIsCapped()
    {
        QVERIFY(startAgent());
        for (int i = 0; i < ContextManager::MaxSources; ++i) {
            QString error;
            QVERIFY2(manager()->addSource(QStringLiteral("~/src-%1").arg(i), &error),
                     qPrintable(error));
        }
        const Reply r = call("POST", base + QStringLiteral("/sources"),
                             pathBody(QStringLiteral("~/one-too-many")));
        QCOMPARE(r.status, 400);
        QVERIFY2(r.detail().contains(QLatin1String("256 sources")), qPrintable(r.detail()));
        // An existing one is still answered as added, as upstream's idempotent add.
        QCOMPARE(
                call("POST", base + QStringLiteral("/sources"), pathBody(QStringLiteral("~/src-0")))
                        .status,
                201);
    }

    void addSourceInvalid()
    {
        QFETCH(QString, path);
        QFETCH(QString, detail);
        QVERIFY(startAgent());
        path.replace(QLatin1String("%1"), m_outside);
        detail.replace(QLatin1String("%1"), m_outside);
        const Reply r = call("POST", base + QStringLiteral("/sources"), pathBody(path));
        QCOMPARE(r.status, 400);
        QCOMPARE(r.message(), QStringLiteral("Could not add context source."));
        QCOMPARE(r.detail(), detail);
        QVERIFY(manager()->sources().isEmpty());
    }

    void addSourceMalformedJson_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::newRow("not JSON") << QByteArray("{path:");
        QTest::newRow("empty") << QByteArray();
        QTest::newRow("array") << QByteArray(R"(["/tmp"])");
        QTest::newRow("path a number") << QByteArray(R"({"path":5})");
    }

    void addSourceMalformedJson()
    {
        QFETCH(QByteArray, body);
        QVERIFY(startAgent());
        const Reply r = call("POST", base + QStringLiteral("/sources"), body);
        QCOMPARE(r.status, 400);
        QCOMPARE(r.message(), QStringLiteral("Request body must be valid JSON."));
        QVERIFY(!r.detail().isEmpty());
        QVERIFY(manager()->sources().isEmpty());
    }

    void getSource()
    {
        QVERIFY(startAgent());
        const QString source = mkdir(m_work + QStringLiteral("/sub dir"));
        QCOMPARE(call("POST", base + QStringLiteral("/sources"), pathBody(source)).status, 201);
        Reply r = call("GET", base + QStringLiteral("/sources/") + escaped(source));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.object(), (QJsonObject {{QStringLiteral("path"), source}}));

        const QString missing = m_home + QStringLiteral("/missing");
        r = call("GET", base + QStringLiteral("/sources/") + escaped(missing));
        QCOMPARE(r.status, 404);
        QCOMPARE(r.message(), QStringLiteral("Context source not found."));
        QCOMPARE(r.detail(), QStringLiteral("No source registered for path \"%1\".").arg(missing));

        // A malformed (relative) path is not a source either: 404, as upstream's HasSource.
        r = call("GET", base + QStringLiteral("/sources/relative"));
        QCOMPARE(r.status, 404);
        QCOMPARE(r.detail(), QStringLiteral("No source registered for path \"relative\"."));
    }

    void deleteSource()
    {
        QVERIFY(startAgent());
        const QString source = mkdir(m_home + QStringLiteral("/notes"));
        QCOMPARE(call("POST", base + QStringLiteral("/sources"), pathBody(source)).status, 201);
        Reply r = call("DELETE", base + QStringLiteral("/sources/") + escaped(source));
        QCOMPARE(r.status, 204);
        QVERIFY(r.body.isEmpty());
        QVERIFY(manager()->sources().isEmpty());

        r = call("DELETE", base + QStringLiteral("/sources/") + escaped(source));
        QCOMPARE(r.status, 404);
        QCOMPARE(r.message(), QStringLiteral("Context source not found."));
        QCOMPARE(r.detail(), QStringLiteral("No source registered for path \"%1\".").arg(source));
    }

    // --- Snapshots ---------------------------------------------------------------------------

    void resync()
    {
        QVERIFY(startAgent());
        const quint64 before = manager()->snapshot().version;
        const Reply r = call("POST", base + QStringLiteral("/resync"));
        QCOMPARE(r.status, 200);
        const QJsonObject o = r.object();
        QVERIFY(quint64(o.value(QStringLiteral("version")).toInteger()) > before);
        QCOMPARE(o.value(QStringLiteral("schema_version")).toInteger(), 1);
        QVERIFY(QRegularExpression(QStringLiteral("^[0-9a-f]{64}$"))
                        .match(o.value(QStringLiteral("aggregate_hash")).toString())
                        .hasMatch());
        QVERIFY(o.value(QStringLiteral("resources")).isArray());
        QCOMPARE(o.value(QStringLiteral("resources")).toArray().size(), 2);
        QCOMPARE(o.value(QStringLiteral("payload_bytes")).toInteger(), m_agentsBytes.size());
        QVERIFY(!containsKey(o, QStringLiteral("payload")));
        QVERIFY(!r.body.contains(mcpSecret));
        QVERIFY(!r.body.contains(m_agentsBytes.toBase64()));
        QCOMPARE(o, manager()->snapshot().toJson());
    }

    void snapshot()
    {
        QVERIFY(startAgent());
        QTRY_VERIFY_WITH_TIMEOUT(!manager()->isResolving(), Timeout);
        const Reply r = call("GET", base + QStringLiteral("/snapshot"));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.object(), manager()->snapshot().toJson());
        QVERIFY(!containsKey(r.object(), QStringLiteral("payload")));
        QVERIFY(!r.body.contains(mcpSecret));
        const QJsonArray resources = r.object().value(QStringLiteral("resources")).toArray();
        QStringList ids;
        for (const QJsonValue &resource : resources) {
            ids.append(resource.toObject().value(QStringLiteral("id")).toString());
        }
        QCOMPARE(ids, (QStringList {agentsId(), mcpId()}));
    }

    void content()
    {
        QVERIFY(startAgent());
        Reply r = call("GET", base + QStringLiteral("/content"), {},
                       QStringLiteral("id=") + escaped(agentsId()));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.object().value(QStringLiteral("id")).toString(), agentsId());
        QCOMPARE(r.object().value(QStringLiteral("kind")).toString(),
                 QStringLiteral("instruction_file"));
        QCOMPARE(r.object().value(QStringLiteral("size_bytes")).toInteger(), m_agentsBytes.size());
        QCOMPARE(QByteArray::fromBase64(
                         r.object().value(QStringLiteral("content_base64")).toString().toLatin1()),
                 m_agentsBytes);

        r = call("GET", base + QStringLiteral("/content"), {},
                 QStringLiteral("id=") + escaped(mcpId()));
        QCOMPARE(r.status, 403);
        QCOMPARE(r.message(), QStringLiteral("MCP config contents never leave the agent."));
        QVERIFY(!r.body.contains(mcpSecret));
        QVERIFY(!r.body.contains(m_mcpBytes.toBase64()));

        r = call("GET", base + QStringLiteral("/content"), {},
                 QStringLiteral("id=") +
                         escaped(QStringLiteral("instruction_file:/nowhere/AGENTS.md")));
        QCOMPARE(r.status, 404);
        QCOMPARE(r.message(), QStringLiteral("Resource not found."));
        r = call("GET", base + QStringLiteral("/content"));
        QCOMPARE(r.status, 404);
    }

    void contentOfANameThatIsNotUtf8()
    {
        // JSON shows the invalid byte as U+FFFD; that id still finds the file, read by bytes.
        const QByteArray folder = QFile::encodeName(m_work) + "/raw\xff";
        QVERIFY(::mkdir(folder.constData(), 0755) == 0);
        const QByteArray content = "# Raw name\n";
        const int fd =
                ::open(QByteArray(folder + "/AGENTS.md").constData(), O_WRONLY | O_CREAT, 0644);
        QVERIFY(fd >= 0);
        QCOMPARE(::write(fd, content.constData(), size_t(content.size())), content.size());
        ::close(fd);
        QVERIFY(startAgent());
        const QString shown = QStringLiteral("instruction_file:") + m_work +
                QStringLiteral("/raw\uFFFD/AGENTS.md");
        const Reply snapshot = call("GET", base + QStringLiteral("/snapshot"));
        QVERIFY2(snapshot.body.contains(shown.toUtf8()), snapshot.body.constData());
        const Reply r = call("GET", base + QStringLiteral("/content"), {},
                             QStringLiteral("id=") + escaped(shown));
        QCOMPARE(r.status, 200);
        QCOMPARE(QByteArray::fromBase64(
                         r.object().value(QStringLiteral("content_base64")).toString().toLatin1()),
                 content);

        // A second name that shows the same: the id no longer names one file.
        const QByteArray twin = QFile::encodeName(m_work) + "/raw\xfe";
        QVERIFY(::mkdir(twin.constData(), 0755) == 0);
        const int twinFd =
                ::open(QByteArray(twin + "/AGENTS.md").constData(), O_WRONLY | O_CREAT, 0644);
        QVERIFY(twinFd >= 0);
        QCOMPARE(::write(twinFd, content.constData(), size_t(content.size())), content.size());
        ::close(twinFd);
        QCOMPARE(call("POST", base + QStringLiteral("/resync")).status, 200);
        const Reply twice = call("GET", base + QStringLiteral("/content"), {},
                                 QStringLiteral("id=") + escaped(shown));
        QCOMPARE(twice.status, 409);
        QCOMPARE(twice.message(), QStringLiteral("Several resources show as this id."));
    }

    void timeline()
    {
        QVERIFY(startAgent());
        QCOMPARE(call("POST", base + QStringLiteral("/resync")).status, 200);
        const Reply r = call("GET", base + QStringLiteral("/timeline"));
        QCOMPARE(r.status, 200);
        const QJsonArray entries = r.object().value(QStringLiteral("timeline")).toArray();
        QCOMPARE(entries.size(), 2);
        const QJsonObject first = entries.at(0).toObject();
        QCOMPARE(first.value(QStringLiteral("version")).toInteger(), 1);
        QCOMPARE(first.value(QStringLiteral("added")).toArray(),
                 (QJsonArray {agentsId(), mcpId()}));
        QCOMPARE(first.value(QStringLiteral("published_at_ms")).toInteger(), m_clock->nowMSecs());
        const QJsonObject second = entries.at(1).toObject();
        QCOMPARE(second.value(QStringLiteral("version")).toInteger(), 2);
        QVERIFY(second.value(QStringLiteral("added")).toArray().isEmpty());
        QVERIFY(second.value(QStringLiteral("changed")).toArray().isEmpty());
        QVERIFY(second.value(QStringLiteral("removed")).toArray().isEmpty());
    }

    // --- Push ----------------------------------------------------------------------------------

    void pushWithoutControlPlane()
    {
        QVERIFY(startAgent());
        Reply r = call("GET", base + QStringLiteral("/push"));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.object().value(QStringLiteral("state")).toString(), QStringLiteral("disabled"));
        r = call("POST", base + QStringLiteral("/push/retry"));
        QCOMPARE(r.status, 409);
        QCOMPARE(r.message(), QStringLiteral("Pushing is not configured."));
    }

    void pushRetryWithControlPlane()
    {
        m_controlPlane = std::make_unique<ControlPlane>(QByteArrayLiteral("control-plane-token"));
        QVERIFY(startAgent(m_controlPlane->url(), QByteArrayLiteral("control-plane-token")));
        ContextPushLoop *loop = m_agent->contextPushLoop();
        QVERIFY(loop);
        QTRY_VERIFY_WITH_TIMEOUT(loop->state() == ContextPushLoop::State::BackingOff, Timeout);

        Reply r = call("GET", base + QStringLiteral("/push"));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.object().value(QStringLiteral("state")).toString(),
                 QStringLiteral("backing_off"));
        QCOMPARE(r.object().value(QStringLiteral("last_error")).toString(),
                 QStringLiteral("HTTP 503: try later"));
        QCOMPARE(r.object().value(QStringLiteral("next_retry_at_ms")).toInteger(),
                 m_clock->nowMSecs() + 250);

        r = call("POST", base + QStringLiteral("/push/retry"));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.object().value(QStringLiteral("state")).toString(), QStringLiteral("pushing"));
        // The waiting request goes again as it was; the retry also resolves, so the files as
        // they are now follow as the next version (named a push retry in the timeline).
        QTRY_COMPARE_WITH_TIMEOUT(m_controlPlane->bodies().size(), 3, Timeout);
        QTRY_VERIFY_WITH_TIMEOUT(loop->state() == ContextPushLoop::State::Idle, Timeout);
        QCOMPARE(m_controlPlane->bodies().at(1), m_controlPlane->bodies().at(0));
        QVERIFY(!m_controlPlane->bodies().at(0).contains(mcpSecret));
        const auto version = [this](int i) {
            return QJsonDocument::fromJson(m_controlPlane->bodies().at(i))
                    .object()
                    .value(QStringLiteral("version"))
                    .toInteger();
        };
        QCOMPARE(version(2), version(0) + 1);
        QCOMPARE(manager()->timeline().constLast().trigger, QStringLiteral("push_retry"));

        r = call("GET", base + QStringLiteral("/push"));
        QCOMPARE(r.object().value(QStringLiteral("state")).toString(), QStringLiteral("idle"));
        QCOMPARE(r.object().value(QStringLiteral("last_pushed_version")).toInteger(), version(2));
        QCOMPARE(r.object().value(QStringLiteral("last_accepted")).toBool(), true);
        r = call("POST", base + QStringLiteral("/push/retry"));
        QCOMPARE(r.status, 409);
        QCOMPARE(r.message(), QStringLiteral("No push is waiting for a retry."));
        QCOMPARE(r.detail(), QStringLiteral("The push loop is idle."));
    }

    // --- Watch ---------------------------------------------------------------------------------

    void watch()
    {
        QVERIFY(startAgent());
        QTRY_VERIFY_WITH_TIMEOUT(!manager()->isResolving(), Timeout);
        QWebSocket socket;
        QSignalSpy received(&socket, &QWebSocket::textMessageReceived);
        QNetworkRequest handshake = request(base + QStringLiteral("/watch"));
        QUrl wsUrl = handshake.url();
        wsUrl.setScheme(QStringLiteral("ws"));
        handshake.setUrl(wsUrl);
        socket.open(handshake);
        QVERIFY(received.wait(Timeout));
        const QJsonObject hello = messages(received).constFirst();
        QCOMPARE(hello.value(QStringLiteral("type")).toString(), QStringLiteral("hello"));
        QCOMPARE(hello.value(QStringLiteral("snapshot")).toObject(),
                 manager()->snapshot().toJson());
        QCOMPARE(hello.value(QStringLiteral("sources")).toArray(), QJsonArray());
        QCOMPARE(hello.value(QStringLiteral("push"))
                         .toObject()
                         .value(QStringLiteral("state"))
                         .toString(),
                 QStringLiteral("disabled"));
        QCOMPARE(hello.value(QStringLiteral("timeline")).toArray().size(), 1);
        QVERIFY(!containsKey(hello, QStringLiteral("payload")));
        QVERIFY(!hello.isEmpty());

        // A change: the sources, then the snapshot that includes the new source.
        const QString source = mkdir(m_home + QStringLiteral("/notes"));
        write(source + QStringLiteral("/AGENTS.md"), "notes\n");
        QCOMPARE(call("POST", base + QStringLiteral("/sources"), pathBody(source)).status, 201);
        const auto find = [&](const QString &type) {
            for (const QJsonObject &message : messages(received)) {
                if (message.value(QStringLiteral("type")).toString() == type) {
                    return message;
                }
            }
            return QJsonObject();
        };
        QTRY_VERIFY_WITH_TIMEOUT(!find(QStringLiteral("snapshot")).isEmpty(), Timeout);
        QCOMPARE(find(QStringLiteral("sources")).value(QStringLiteral("sources")).toArray(),
                 (QJsonArray {QJsonObject {{QStringLiteral("path"), source},
                                           {QStringLiteral("status"), QStringLiteral("ok")}}}));
        const QJsonObject update = find(QStringLiteral("snapshot"));
        const QJsonObject snapshot = update.value(QStringLiteral("snapshot")).toObject();
        QVERIFY(snapshot.value(QStringLiteral("version")).toInteger() >
                hello.value(QStringLiteral("snapshot"))
                        .toObject()
                        .value(QStringLiteral("version"))
                        .toInteger());
        QCOMPARE(update.value(QStringLiteral("timeline_entry"))
                         .toObject()
                         .value(QStringLiteral("added"))
                         .toArray(),
                 (QJsonArray {QString(QStringLiteral("instruction_file:") + source +
                                      QStringLiteral("/AGENTS.md"))}));
        for (const QList<QVariant> &arguments : std::as_const(received)) {
            QVERIFY(!arguments.at(0).toString().contains(QString::fromLatin1(mcpSecret)));
        }
        socket.close();
    }

    // --- The gate ------------------------------------------------------------------------------

    void everyRouteNeedsToken_data()
    {
        QTest::addColumn<QByteArray>("verb");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("query");
        QTest::newRow("list sources")
                << QByteArray("GET") << QStringLiteral("/sources") << QString();
        QTest::newRow("add source")
                << QByteArray("POST") << QStringLiteral("/sources") << QString();
        QTest::newRow("get source")
                << QByteArray("GET") << QStringLiteral("/sources/%2Ftmp") << QString();
        QTest::newRow("delete source")
                << QByteArray("DELETE") << QStringLiteral("/sources/%2Ftmp") << QString();
        QTest::newRow("resync") << QByteArray("POST") << QStringLiteral("/resync") << QString();
        QTest::newRow("snapshot") << QByteArray("GET") << QStringLiteral("/snapshot") << QString();
        QTest::newRow("content") << QByteArray("GET") << QStringLiteral("/content")
                                 << QStringLiteral("id=x");
        QTest::newRow("timeline") << QByteArray("GET") << QStringLiteral("/timeline") << QString();
        QTest::newRow("push") << QByteArray("GET") << QStringLiteral("/push") << QString();
        QTest::newRow("push retry")
                << QByteArray("POST") << QStringLiteral("/push/retry") << QString();
        QTest::newRow("watch") << QByteArray("GET") << QStringLiteral("/watch") << QString();
    }

    void everyRouteNeedsToken()
    {
        QFETCH(QByteArray, verb);
        QFETCH(QString, path);
        QFETCH(QString, query);
        QVERIFY(startAgent());
        QTRY_VERIFY_WITH_TIMEOUT(!manager()->isResolving(), Timeout);
        const quint64 version = manager()->snapshot().version;
        const QByteArray body = verb == "POST" ? pathBody(m_home) : QByteArray();
        for (const QByteArray &authorization : {QByteArray(), QByteArray("Bearer wrong")}) {
            QNetworkRequest r = request(base + path, query, false);
            if (!authorization.isEmpty()) {
                r.setRawHeader("Authorization", authorization);
            }
            const Reply reply = finish(m_network->sendCustomRequest(r, verb, body));
            QCOMPARE(reply.status, 401);
            QCOMPARE(reply.message(), QStringLiteral("Unauthorized."));
        }
        QVERIFY(manager()->sources().isEmpty());
        QVERIFY(!manager()->isResolving());
        QCOMPARE(manager()->snapshot().version, version);
    }

    void watchNeedsToken()
    {
        QVERIFY(startAgent());
        QWebSocket socket;
        QSignalSpy connected(&socket, &QWebSocket::connected);
        QSignalSpy error(&socket, &QWebSocket::errorOccurred);
        QSignalSpy received(&socket, &QWebSocket::textMessageReceived);
        QNetworkRequest handshake = request(base + QStringLiteral("/watch"), QString(), false);
        QUrl wsUrl = handshake.url();
        wsUrl.setScheme(QStringLiteral("ws"));
        handshake.setUrl(wsUrl);
        socket.open(handshake);
        QTRY_VERIFY_WITH_TIMEOUT(!error.isEmpty(), Timeout);
        QCOMPARE(connected.size(), 0);
        QCOMPARE(received.size(), 0);
    }

    void bodyOverOneMebibyteIsRefused()
    {
        QVERIFY(startAgent());
        const QByteArray body = pathBody(QString(ApiServer::DefaultMaxBodyBytes, QLatin1Char('a')));
        const Reply r = call("POST", base + QStringLiteral("/sources"), body);
        QCOMPARE(r.status, 413);
        QCOMPARE(r.message(), QStringLiteral("Request body too large."));
        QVERIFY(manager()->sources().isEmpty());
    }

    // --- ContextClient -------------------------------------------------------------------------

    void clientCalls()
    {
        QVERIFY(startAgent());
        ApiClient api(m_agent->url(), m_agent->token());
        ContextClient client(&api);
        const QString source = mkdir(m_work + QStringLiteral("/sub"));

        CallResult result = run(client.addSource(source));
        QVERIFY(result.started);
        QVERIFY(result.finished && !result.failed);
        QCOMPARE(result.status, 201);
        QCOMPARE(result.body.toObject().value(QStringLiteral("path")).toString(), source);

        result = run(client.addSource(m_outside));
        QVERIFY(result.started);
        QVERIFY(result.failed && !result.finished);
        QCOMPARE(result.error.status, 400);
        QCOMPARE(result.error.message, QStringLiteral("Could not add context source."));
        QCOMPARE(result.error.detail,
                 QStringLiteral("path \"%1\" is not inside any allowed root").arg(m_outside));

        result = run(client.listSources());
        QCOMPARE(result.body.toArray(),
                 (QJsonArray {QJsonObject {{QStringLiteral("path"), source},
                                           {QStringLiteral("status"), QStringLiteral("ok")}}}));

        result = run(client.removeSource(source));
        QVERIFY(result.finished);
        QCOMPARE(result.status, 204);
        result = run(client.removeSource(source));
        QVERIFY(result.failed);
        QCOMPARE(result.error.status, 404);
        QCOMPARE(result.error.message, QStringLiteral("Context source not found."));
        QCOMPARE(result.error.detail,
                 QStringLiteral("No source registered for path \"%1\".").arg(source));

        result = run(client.resync());
        QVERIFY(result.finished);
        QCOMPARE(result.status, 200);
        QCOMPARE(result.body.toObject(), manager()->snapshot().toJson());

        result = run(client.snapshot());
        QVERIFY(result.finished);
        QCOMPARE(ContextSnapshot::fromJson(result.body.toObject()).version,
                 manager()->snapshot().version);

        result = run(client.content(agentsId())); // an id with a space, a plus and slashes
        QVERIFY(result.finished);
        QCOMPARE(QByteArray::fromBase64(result.body.toObject()
                                                .value(QStringLiteral("content_base64"))
                                                .toString()
                                                .toLatin1()),
                 m_agentsBytes);
        result = run(client.content(mcpId()));
        QVERIFY(result.failed);
        QCOMPARE(result.error.status, 403);
        QVERIFY(!result.error.toString().contains(QString::fromLatin1(mcpSecret)));
        result = run(client.content(QStringLiteral("skill:/nowhere")));
        QVERIFY(result.failed);
        QCOMPARE(result.error.status, 404);

        result = run(client.retryPush());
        QVERIFY(result.failed);
        QCOMPARE(result.error.status, 409);
    }

    void clientWatch()
    {
        QVERIFY(startAgent());
        QTRY_VERIFY_WITH_TIMEOUT(!manager()->isResolving(), Timeout);
        ApiClient api(m_agent->url(), m_agent->token());
        api.setClock(m_clock.get());
        ContextClient client(&api);
        QSignalSpy snapshots(&client, &ContextClient::snapshotReceived);
        QSignalSpy sources(&client, &ContextClient::sourcesReceived);
        QSignalSpy timeline(&client, &ContextClient::timelineChanged);
        client.watch();
        QVERIFY(client.isWatching());
        QVERIFY(snapshots.wait(Timeout));
        QTRY_VERIFY_WITH_TIMEOUT(client.isConnected(), Timeout);
        QCOMPARE(client.lastSnapshot(), ContextSnapshot::fromJson(manager()->snapshot().toJson()));
        QCOMPARE(sources.size(), 1);
        QVERIFY(client.lastSources().isEmpty());
        QCOMPARE(client.lastPushStatus().state, ContextPushStatus::State::Disabled);
        QCOMPARE(client.timeline().size(), 1);

        const QString source = mkdir(m_home + QStringLiteral("/notes"));
        write(source + QStringLiteral("/AGENTS.md"), "notes\n");
        const quint64 before = client.lastSnapshot().version;
        CallResult result = run(client.addSource(source));
        QVERIFY(result.finished);
        QTRY_COMPARE_WITH_TIMEOUT(client.lastSources(), QStringList {source}, Timeout);
        QTRY_VERIFY_WITH_TIMEOUT(client.lastSnapshot().version > before, Timeout);
        QCOMPARE(sources.constLast().at(0).toStringList(), QStringList {source});
        QTRY_COMPARE_WITH_TIMEOUT(client.lastSnapshot().version, manager()->snapshot().version,
                                  Timeout);
        QCOMPARE(client.lastSnapshot(), ContextSnapshot::fromJson(manager()->snapshot().toJson()));
        QCOMPARE(client.timeline().constLast().version, manager()->snapshot().version);
        client.closeWatch();
        QVERIFY(!client.isWatching());
    }
};

QTEST_GUILESS_MAIN(TestContextApi)
#include "tst_contextapi.moc"
