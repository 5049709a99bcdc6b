// ApiServer and TokenFile over real HTTP on loopback: the one gate every agent and control-plane
// request passes (token, body limit, route and method, JSON errors, no CORS), WebSocket upgrades,
// and the token file on disk.
#include "http/apiserver.h"
#include "http/jsonresponse.h"
#include "http/tokenfile.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>

#include <memory>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace {

const QByteArray token = QByteArrayLiteral("s3cret-token");

enum class Auth { None, SessionToken, Bearer, Wrong };

struct Reply
{
    int status = 0;
    QByteArray body;
    QJsonObject json;
    QList<QByteArray> headerNames;
};

uint modeBits(const QString &path)
{
    struct stat st {};
    if (::stat(QFile::encodeName(path).constData(), &st) != 0) {
        return 0xffff;
    }
    return uint(st.st_mode & 07777);
}

} // namespace

class TestApiServer : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init()
    {
        m_network = std::make_unique<QNetworkAccessManager>();
        m_server = std::make_unique<ApiServer>(token);
        m_server->addRoute(Http::Method::Get, QStringLiteral("/api/v0/items/{name}"),
                           [](const ApiRequest &request, HttpResponder &responder) {
                               JsonResponse::write(
                                       responder, JsonResponse::Status::Ok,
                                       QJsonObject {{QStringLiteral("name"),
                                                     request.param(QStringLiteral("name"))}});
                           });
        m_server->addRoute(Http::Method::Post, QStringLiteral("/api/v0/echo"),
                           [](const ApiRequest &request, HttpResponder &responder) {
                               JsonResponse::write(responder, JsonResponse::Status::Ok,
                                                   QJsonObject {{QStringLiteral("bytes"),
                                                                 request.body().size()}});
                           });
        m_server->addWebSocketRoute(
                QStringLiteral("/api/v0/socket"),
                [this](std::unique_ptr<QWebSocket> socket, const ApiRequest &) {
                    QWebSocket *raw = socket.get();
                    connect(raw, &QWebSocket::textMessageReceived, raw, [raw](const QString &text) {
                        raw->sendTextMessage(QStringLiteral("echo:") + text);
                    });
                    m_serverSockets.push_back(std::move(socket));
                });
        QString error;
        QVERIFY2(m_server->listen(QHostAddress::LocalHost, 0, &error), qPrintable(error));
        QVERIFY(m_server->port() != 0);
    }

    void cleanup()
    {
        m_serverSockets.clear();
        m_server.reset();
        m_network.reset();
    }

    void baseUrlIsLoopback()
    {
        QCOMPARE(m_server->baseUrl().scheme(), QStringLiteral("http"));
        QCOMPARE(m_server->baseUrl().host(), QStringLiteral("127.0.0.1"));
        QCOMPARE(m_server->baseUrl().port(), int(m_server->port()));
        QCOMPARE(m_server->address(), QHostAddress(QHostAddress::LocalHost));
    }

    void authorization_data()
    {
        QTest::addColumn<int>("auth");
        QTest::addColumn<int>("status");
        QTest::newRow("no token") << int(Auth::None) << 401;
        QTest::newRow("wrong token") << int(Auth::Wrong) << 401;
        QTest::newRow("Coder-Session-Token") << int(Auth::SessionToken) << 200;
        QTest::newRow("Authorization: Bearer") << int(Auth::Bearer) << 200;
    }

    void authorization()
    {
        QFETCH(int, auth);
        QFETCH(int, status);
        const Reply r = call("GET", QStringLiteral("/api/v0/items/x"), {}, Auth(auth));
        QCOMPARE(r.status, status);
        QVERIFY2(r.headerNames.contains("content-type"), r.body.constData());
        if (status == 401) {
            QCOMPARE(r.json.value(QStringLiteral("message")).toString(),
                     QStringLiteral("Unauthorized."));
            QVERIFY(!r.json.value(QStringLiteral("detail")).toString().isEmpty());
        } else {
            QCOMPARE(r.json.value(QStringLiteral("name")).toString(), QStringLiteral("x"));
        }
    }

    void unauthorizedBeforeRouting()
    {
        // An unknown route without a token reveals nothing about the routes: 401, not 404.
        QCOMPARE(call("GET", QStringLiteral("/nowhere"), {}, Auth::None).status, 401);
        QCOMPARE(call("DELETE", QStringLiteral("/api/v0/echo"), {}, Auth::None).status, 401);
    }

    void unknownPath()
    {
        const Reply r = call("GET", QStringLiteral("/api/v0/nothing/here"));
        QCOMPARE(r.status, 404);
        QVERIFY(!r.json.value(QStringLiteral("message")).toString().isEmpty());
        QVERIFY(!r.json.value(QStringLiteral("detail")).toString().isEmpty());
        // Matching is by whole segments: a trailing slash or an empty parameter is unknown.
        QCOMPARE(call("GET", QStringLiteral("/api/v0/items/")).status, 404);
        QCOMPARE(call("GET", QStringLiteral("/api/v0/items/a/b")).status, 404);
    }

    void wrongMethod()
    {
        const Reply r = call("POST", QStringLiteral("/api/v0/items/x"), "{}");
        QCOMPARE(r.status, 405);
        QVERIFY(!r.json.value(QStringLiteral("message")).toString().isEmpty());
        QVERIFY(!r.json.value(QStringLiteral("detail")).toString().isEmpty());
        QCOMPARE(call("GET", QStringLiteral("/api/v0/echo")).status, 405);
        QCOMPARE(call("DELETE", QStringLiteral("/api/v0/echo")).status, 405);
    }

    void bodyLimit()
    {
        const QByteArray atLimit(ApiServer::DefaultMaxBodyBytes, 'a');
        Reply r = call("POST", QStringLiteral("/api/v0/echo"), atLimit);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json.value(QStringLiteral("bytes")).toInteger(), ApiServer::DefaultMaxBodyBytes);

        r = call("POST", QStringLiteral("/api/v0/echo"), atLimit + 'b');
        QCOMPARE(r.status, 413);
        QVERIFY(!r.json.value(QStringLiteral("message")).toString().isEmpty());
        QVERIFY(!r.json.value(QStringLiteral("detail")).toString().isEmpty());

        // The server goes on answering.
        r = call("POST", QStringLiteral("/api/v0/echo"), "{}");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json.value(QStringLiteral("bytes")).toInteger(), 2);
    }

    void noCorsHeaders_data()
    {
        QTest::addColumn<QByteArray>("verb");
        QTest::addColumn<QString>("path");
        QTest::addColumn<int>("auth");
        QTest::addColumn<int>("status");
        QTest::newRow("GET ok") << QByteArray("GET") << QStringLiteral("/api/v0/items/x")
                                << int(Auth::SessionToken) << 200;
        QTest::newRow("GET 401") << QByteArray("GET") << QStringLiteral("/api/v0/items/x")
                                 << int(Auth::None) << 401;
        QTest::newRow("GET 404") << QByteArray("GET") << QStringLiteral("/x")
                                 << int(Auth::SessionToken) << 404;
        QTest::newRow("OPTIONS preflight")
                << QByteArray("OPTIONS") << QStringLiteral("/api/v0/items/x") << int(Auth::None)
                << 401;
        QTest::newRow("OPTIONS with token")
                << QByteArray("OPTIONS") << QStringLiteral("/api/v0/items/x")
                << int(Auth::SessionToken) << 405;
    }

    void noCorsHeaders()
    {
        QFETCH(QByteArray, verb);
        QFETCH(QString, path);
        QFETCH(int, auth);
        QFETCH(int, status);
        const QList<std::pair<QByteArray, QByteArray>> headers {
                {"Origin", "https://evil.example"},
                {"Access-Control-Request-Method", "POST"},
                {"Access-Control-Request-Headers", "coder-session-token"}};
        const Reply r = call(verb, path, {}, Auth(auth), headers);
        QCOMPARE(r.status, status);
        for (const QByteArray &name : r.headerNames) {
            QVERIFY2(!name.startsWith("access-control-"), name.constData());
        }
    }

    void percentEncodedParameter_data()
    {
        QTest::addColumn<QString>("encoded");
        QTest::addColumn<QString>("decoded");
        QTest::newRow("space") << QStringLiteral("a%20b") << QStringLiteral("a b");
        QTest::newRow("slash") << QStringLiteral("a%2Fb") << QStringLiteral("a/b");
        QTest::newRow("utf-8") << QStringLiteral("%C3%A4%E2%82%AC") << QStringLiteral("ä€");
        QTest::newRow("percent") << QStringLiteral("100%25") << QStringLiteral("100%");
        QTest::newRow("plain") << QStringLiteral("plain-1") << QStringLiteral("plain-1");
    }

    void percentEncodedParameter()
    {
        QFETCH(QString, encoded);
        QFETCH(QString, decoded);
        const Reply r = call("GET", QStringLiteral("/api/v0/items/") + encoded);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json.value(QStringLiteral("name")).toString(), decoded);
    }

    void errorBodiesAreGoShaped()
    {
        // One line of compact JSON ending in '\n', as Go's encoder writes it.
        const Reply r = call("GET", QStringLiteral("/api/v0/nothing"));
        QCOMPARE(r.status, 404);
        QVERIFY(r.body.endsWith("}\n"));
        QCOMPARE(r.body.count('\n'), 1);
        QVERIFY(r.body.startsWith("{\"detail\":") || r.body.startsWith("{\"message\":"));
    }

    void webSocketUpgrade_data()
    {
        QTest::addColumn<int>("auth");
        QTest::addColumn<bool>("accepted");
        QTest::newRow("no token") << int(Auth::None) << false;
        QTest::newRow("wrong token") << int(Auth::Wrong) << false;
        QTest::newRow("Coder-Session-Token") << int(Auth::SessionToken) << true;
        QTest::newRow("Authorization: Bearer") << int(Auth::Bearer) << true;
    }

    void webSocketUpgrade()
    {
        QFETCH(int, auth);
        QFETCH(bool, accepted);
        QWebSocket client;
        QSignalSpy connected(&client, &QWebSocket::connected);
        QSignalSpy errors(&client, &QWebSocket::errorOccurred);
        QSignalSpy messages(&client, &QWebSocket::textMessageReceived);
        client.open(webSocketRequest(QStringLiteral("/api/v0/socket"), Auth(auth)));
        if (!accepted) {
            QTRY_VERIFY(!errors.isEmpty());
            QCOMPARE(connected.size(), 0);
            QCOMPARE(client.state(), QAbstractSocket::UnconnectedState);
            QVERIFY(m_serverSockets.empty());
            // The plain API still answers.
            QCOMPARE(call("GET", QStringLiteral("/api/v0/items/y")).status, 200);
            return;
        }
        QVERIFY(connected.wait());
        QCOMPARE(m_serverSockets.size(), size_t(1));
        client.sendTextMessage(QStringLiteral("ping"));
        QVERIFY(messages.wait());
        QCOMPARE(messages.first().first().toString(), QStringLiteral("echo:ping"));
        client.close();
    }

    void webSocketUnknownRoute()
    {
        QWebSocket client;
        QSignalSpy connected(&client, &QWebSocket::connected);
        QSignalSpy errors(&client, &QWebSocket::errorOccurred);
        client.open(webSocketRequest(QStringLiteral("/api/v0/other"), Auth::SessionToken));
        QTRY_VERIFY(!errors.isEmpty());
        QCOMPARE(connected.size(), 0);
        QVERIFY(m_serverSockets.empty());
    }

    void listenOnUsedAddressFails()
    {
        QTcpServer occupant;
        QVERIFY(occupant.listen(QHostAddress::LocalHost, 0));
        ApiServer second(token);
        QString error;
        QVERIFY(!second.listen(QHostAddress::LocalHost, occupant.serverPort(), &error));
        QVERIFY(!error.isEmpty());
        QVERIFY2(error.contains(QString::number(occupant.serverPort())), qPrintable(error));
        QCOMPARE(second.port(), quint16(0));

        // The port in use by another ApiServer: the same.
        ApiServer third(token);
        error.clear();
        QVERIFY(!third.listen(QHostAddress::LocalHost, m_server->port(), &error));
        QVERIFY(!error.isEmpty());
        QCOMPARE(call("GET", QStringLiteral("/api/v0/items/z")).status, 200);
    }

    void tokenFileIsCreatedOwnerOnly()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(QStringLiteral("nested/folder/agent-token"));
        QString error;
        const std::optional<QByteArray> first = TokenFile::loadOrCreate(path, &error);
        QVERIFY2(first, qPrintable(error));
        QCOMPARE(first->size(), 64);
        QVERIFY(QFile::exists(path));
        const QFileDevice::Permissions permissions = QFile::permissions(path);
        QVERIFY(permissions.testFlag(QFileDevice::ReadOwner));
        QVERIFY(permissions.testFlag(QFileDevice::WriteOwner));
        const QFileDevice::Permissions others = QFileDevice::ReadGroup | QFileDevice::WriteGroup |
                QFileDevice::ExeGroup | QFileDevice::ReadOther | QFileDevice::WriteOther |
                QFileDevice::ExeOther | QFileDevice::ExeOwner;
        QCOMPARE(permissions & others, QFileDevice::Permissions());
        QCOMPARE(modeBits(path), 0600u);

        // The second start reuses it.
        const std::optional<QByteArray> second = TokenFile::loadOrCreate(path, &error);
        QVERIFY2(second, qPrintable(error));
        QCOMPARE(*second, *first);
        QCOMPARE(modeBits(path), 0600u);
        const std::optional<QByteArray> read = TokenFile::read(path, &error);
        QVERIFY(read);
        QCOMPARE(*read, *first);

        // Two files, two secrets.
        const std::optional<QByteArray> other =
                TokenFile::loadOrCreate(dir.filePath(QStringLiteral("other-token")), &error);
        QVERIFY(other);
        QVERIFY(*other != *first);
    }

    void tokenFileLoosePermissionsAreTightened()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("agent-token"));
        {
            QFile file(path);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write("existing-token-0123456789abcdef0123456789\n");
        }
        QVERIFY(::chmod(QFile::encodeName(path).constData(), 0644) == 0);
        QCOMPARE(modeBits(path), 0644u);
        QTest::ignoreMessage(QtWarningMsg,
                             QRegularExpression(QStringLiteral("restricted it to 0600")));
        QString error;
        const std::optional<QByteArray> loaded = TokenFile::loadOrCreate(path, &error);
        QVERIFY2(loaded, qPrintable(error));
        QCOMPARE(*loaded, QByteArray("existing-token-0123456789abcdef0123456789"));
        QCOMPARE(modeBits(path), 0600u);

        // A client's read (ctl, the agent's control-plane token) tightens it as well.
        QVERIFY(::chmod(QFile::encodeName(path).constData(), 0640) == 0);
        QTest::ignoreMessage(QtWarningMsg,
                             QRegularExpression(QStringLiteral("restricted it to 0600")));
        const std::optional<QByteArray> read = TokenFile::read(path, &error);
        QVERIFY2(read, qPrintable(error));
        QCOMPARE(*read, *loaded);
        QCOMPARE(modeBits(path), 0600u);
    }

    void tokenFileSymlinkIsRefused()
    {
        QTemporaryDir dir;
        const QString target = dir.filePath(QStringLiteral("elsewhere"));
        {
            QFile file(target);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write("a-token-long-enough-0123456789abcdef\n");
        }
        QVERIFY(::chmod(QFile::encodeName(target).constData(), 0644) == 0);
        const QString link = dir.filePath(QStringLiteral("agent-token"));
        QVERIFY(QFile::link(target, link));
        QString error;
        QVERIFY(!TokenFile::loadOrCreate(link, &error));
        QVERIFY2(error.contains(QLatin1String("symbolic link")), qPrintable(error));
        QVERIFY(!TokenFile::read(link, &error));
        // Not followed: the target keeps its mode, and nothing was created in its place.
        QCOMPARE(modeBits(target), 0644u);
        QVERIFY(QFileInfo(link).isSymLink());

        // A dangling link is refused too, rather than created through.
        const QString dangling = dir.filePath(QStringLiteral("dangling-token"));
        QVERIFY(QFile::link(dir.filePath(QStringLiteral("missing")), dangling));
        error.clear();
        QVERIFY(!TokenFile::loadOrCreate(dangling, &error));
        QVERIFY2(error.contains(QLatin1String("symbolic link")), qPrintable(error));
        QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("missing"))));
    }

    void tokenFileShortTokenIsRefused()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("agent-token"));
        {
            QFile file(path);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write(QByteArray(31, 'a') + '\n');
        }
        QVERIFY(::chmod(QFile::encodeName(path).constData(), 0600) == 0);
        QString error;
        QVERIFY(!TokenFile::loadOrCreate(path, &error));
        QVERIFY2(error.contains(QLatin1String("31 characters")), qPrintable(error));
        QVERIFY2(error.contains(QLatin1String("openssl rand -hex 32")), qPrintable(error));
        QVERIFY(!TokenFile::read(path, &error));
        {
            QFile file(path);
            QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
            file.write(QByteArray(32, 'a') + '\n');
        }
        error.clear();
        const std::optional<QByteArray> loaded = TokenFile::loadOrCreate(path, &error);
        QVERIFY2(loaded, qPrintable(error));
        QCOMPARE(*loaded, QByteArray(32, 'a'));
    }

    void tokenFileUnreadableIsRefused()
    {
        QTemporaryDir dir;
        QString error;

        // A directory where the file should be.
        const QString folder = dir.filePath(QStringLiteral("a-folder"));
        QVERIFY(QDir().mkpath(folder));
        QVERIFY(::chmod(QFile::encodeName(folder).constData(), 0755) == 0);
        QVERIFY(!TokenFile::loadOrCreate(folder, &error));
        QVERIFY(!error.isEmpty());
        // Left as it was: a folder is not "tightened" into one nobody can enter.
        QCOMPARE(modeBits(folder), 0755u);

        // Below a regular file: the folder cannot be created.
        const QString plain = dir.filePath(QStringLiteral("plain"));
        {
            QFile file(plain);
            QVERIFY(file.open(QIODevice::WriteOnly));
        }
        error.clear();
        QVERIFY(!TokenFile::loadOrCreate(plain + QStringLiteral("/token"), &error));
        QVERIFY(!error.isEmpty());

        // An empty file holds no token.
        QTest::ignoreMessage(QtWarningMsg,
                             QRegularExpression(QStringLiteral("restricted it to 0600")));
        error.clear();
        QVERIFY(!TokenFile::loadOrCreate(plain, &error));
        QVERIFY(!error.isEmpty());

        // A file its owner may not read (root reads anything, so only checked as a user).
        if (::geteuid() != 0) {
            const QString locked = dir.filePath(QStringLiteral("locked"));
            {
                QFile file(locked);
                QVERIFY(file.open(QIODevice::WriteOnly));
                file.write("secret\n");
            }
            QVERIFY(::chmod(QFile::encodeName(locked).constData(), 0200) == 0);
            error.clear();
            QVERIFY(!TokenFile::loadOrCreate(locked, &error));
            QVERIFY(!error.isEmpty());
        }

        // Clients reading a missing file get an error, not a new token.
        error.clear();
        QVERIFY(!TokenFile::read(dir.filePath(QStringLiteral("missing")), &error));
        QVERIFY(!error.isEmpty());
        QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("missing"))));
    }

    void generatedTokensDiffer()
    {
        const QByteArray a = TokenFile::generate();
        const QByteArray b = TokenFile::generate();
        QCOMPARE(a.size(), 64);
        QVERIFY(a != b);
        QCOMPARE(QByteArray::fromHex(a).toHex(), a);
    }

private:
    void applyAuth(QNetworkRequest &request, Auth auth) const
    {
        switch (auth) {
        case Auth::None:
            break;
        case Auth::SessionToken:
            request.setRawHeader("Coder-Session-Token", token);
            break;
        case Auth::Bearer:
            request.setRawHeader("Authorization", "Bearer " + token);
            break;
        case Auth::Wrong:
            request.setRawHeader("Coder-Session-Token", token + "x");
            break;
        }
    }

    QNetworkRequest webSocketRequest(const QString &path, Auth auth) const
    {
        QUrl url = m_server->baseUrl();
        url.setScheme(QStringLiteral("ws"));
        url.setPath(path);
        QNetworkRequest request(url);
        applyAuth(request, auth);
        return request;
    }

    Reply call(const QByteArray &verb, const QString &path, const QByteArray &body = {},
               Auth auth = Auth::SessionToken,
               const QList<std::pair<QByteArray, QByteArray>> &headers = {})
    {
        QNetworkRequest request(QUrl(m_server->baseUrl().toString() + path));
        applyAuth(request, auth);
        for (const auto &[name, value] : headers) {
            request.setRawHeader(name, value);
        }
        if (!body.isEmpty()) {
            request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/json"));
        }
        QNetworkReply *reply = m_network->sendCustomRequest(request, verb, body);
        std::unique_ptr<QNetworkReply> owner(reply);
        if (!reply->isFinished()) {
            QSignalSpy finished(reply, &QNetworkReply::finished);
            if (!finished.wait(20000)) {
                qWarning("request %s %s timed out", verb.constData(), qPrintable(path));
                return {};
            }
        }
        Reply r;
        r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        r.body = reply->readAll();
        r.json = QJsonDocument::fromJson(r.body).object();
        for (const auto &[name, value] : reply->rawHeaderPairs()) {
            r.headerNames.append(name.toLower());
        }
        return r;
    }

    std::unique_ptr<QNetworkAccessManager> m_network;
    std::unique_ptr<ApiServer> m_server;
    std::vector<std::unique_ptr<QWebSocket>> m_serverSockets;
};

QTEST_GUILESS_MAIN(TestApiServer)
#include "tst_apiserver.moc"
