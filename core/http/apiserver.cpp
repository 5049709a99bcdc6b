#include "apiserver.h"

#include "common/clock.h"
#include "jsonresponse.h"

#include <QLoggingCategory>
#include <QNetworkRequest>
#include <QTcpServer>
#include <QTcpSocket>
#include <QWebSocket>
#include <QWebSocketServer>

#include <openssl/crypto.h>

Q_LOGGING_CATEGORY(lcHttp, "companion.http")

struct ApiServer::Route
{
    Http::Method method;
    QStringList segments; // "{name}" marks a parameter
    bool webSocket = false;
    qint64 maxBodyBytes = 0;
    Identity::Role role = Identity::Role::Operator;
    Handler handler;
    WebSocketHandler webSocketHandler;
};

namespace {

QStringList splitPath(const QString &path)
{
    return path.split(QLatin1Char('/'), Qt::SkipEmptyParts);
}

bool isParameter(const QString &segment)
{
    return segment.size() > 2 && segment.startsWith(QLatin1Char('{')) &&
            segment.endsWith(QLatin1Char('}'));
}

// Constant-time comparison, so response timing does not reveal how much of a token was right
// (only whether its length was; tokens are generated with a fixed length).
bool sameSecret(const QByteArray &a, const QByteArray &b)
{
    return a.size() == b.size() &&
            CRYPTO_memcmp(a.constData(), b.constData(), size_t(a.size())) == 0;
}

QByteArray presentedToken(const QHttpHeaders &headers)
{
    const QByteArray session = headers.value("Coder-Session-Token").toByteArray().trimmed();
    if (!session.isEmpty()) {
        return session;
    }
    const QByteArray authorization =
            headers.value(QHttpHeaders::WellKnownHeader::Authorization).toByteArray().trimmed();
    if (authorization.size() > 7 &&
        authorization.first(7).compare("bearer ", Qt::CaseInsensitive) == 0) {
        return authorization.mid(7).trimmed();
    }
    return {};
}

bool isWebSocketUpgrade(const HttpConnection::Head &head)
{
    return head.upgrade && head.method == Http::Method::Get &&
            head.headers.value(QHttpHeaders::WellKnownHeader::Upgrade)
                    .compare("websocket", Qt::CaseInsensitive) == 0;
}

} // namespace

ApiServer::ApiServer(QByteArray token, QObject *parent)
    : ApiServer(std::move(token), Limits(), nullptr, parent)
{ }

ApiServer::ApiServer(QByteArray token, const Limits &limits, Clock *clock, QObject *parent)
    : ApiServer(
              [token = std::move(token)](QByteArrayView presented) {
                  return sameSecret(presented.toByteArray(), token)
                          ? Identity {Identity::Role::Operator, {}}
                          : Identity {};
              },
              limits, clock, parent)
{ }

ApiServer::ApiServer(Authenticator authenticator, const Limits &limits, Clock *clock,
                     QObject *parent)
    : QObject(parent)
    , m_authenticator(std::move(authenticator))
    , m_limits(limits)
    , m_clock(clock ? clock : Clock::system())
    , m_webSockets(new QWebSocketServer(QStringLiteral("Workspace Companion"),
                                        QWebSocketServer::NonSecureMode, this))
{
    m_webSockets->setHandshakeTimeout(m_limits.connection.headerTimeout);
    connect(m_webSockets, &QWebSocketServer::newConnection, this, &ApiServer::acceptWebSocket);
    m_owner.judge = [this](const HttpConnection::Head &head) { return judge(head); };
    m_owner.dispatch = [this](int route, const ApiRequest &request, HttpResponder &responder) {
        const QByteArray chatId = request.header("Coder-Chat-Id");
        if (chatId.isEmpty()) {
            qCDebug(lcHttp).noquote() << request.methodName() << request.path();
        } else {
            qCDebug(lcHttp).noquote() << request.methodName() << request.path() << "chat_id"
                                      << QString::fromUtf8(chatId);
        }
        ApiRequest identified = request;
        identified.setIdentity(identify(request.headers()));
        m_routes.at(size_t(route)).handler(identified, responder);
    };
    m_owner.upgrade = [this](QTcpSocket *socket) { m_webSockets->handleConnection(socket); };
}

ApiServer::~ApiServer()
{
    // Connections first: their sockets' destroyed() handlers update our counters.
    const QList<HttpConnection *> connections = findChildren<HttpConnection *>();
    qDeleteAll(connections);
}

bool ApiServer::listen(const QHostAddress &address, quint16 port, QString *error)
{
    auto *tcp = new QTcpServer(this);
    tcp->setListenBacklogSize(1024);
    if (!tcp->listen(address, port)) {
        *error = tr("Cannot listen on %1:%2: %3")
                         .arg(address.toString())
                         .arg(port)
                         .arg(tcp->errorString());
        delete tcp;
        return false;
    }
    m_tcp = tcp;
    connect(m_tcp, &QTcpServer::newConnection, this, &ApiServer::acceptConnections);
    qCInfo(lcHttp).noquote() << "Listening on"
                             << QStringLiteral("%1 port %2")
                                        .arg(m_tcp->serverAddress().toString())
                                        .arg(m_tcp->serverPort());
    return true;
}

quint16 ApiServer::port() const
{
    return m_tcp ? m_tcp->serverPort() : 0;
}

QHostAddress ApiServer::address() const
{
    return m_tcp ? m_tcp->serverAddress() : QHostAddress();
}

QUrl ApiServer::baseUrl() const
{
    QUrl url;
    url.setScheme(QStringLiteral("http"));
    const QHostAddress a = address();
    if (a == QHostAddress::Any || a == QHostAddress::AnyIPv4) {
        url.setHost(QStringLiteral("127.0.0.1"));
    } else if (a == QHostAddress::AnyIPv6) {
        url.setHost(QStringLiteral("::1"));
    } else {
        url.setHost(a.toString());
    }
    url.setPort(port());
    return url;
}

void ApiServer::addRoute(Http::Method method, const QString &pattern, Handler handler)
{
    addRoute(method, pattern, std::move(handler), RouteOptions());
}

void ApiServer::addRoute(Http::Method method, const QString &pattern, Handler handler,
                         const RouteOptions &options)
{
    const qint64 limit = options.maxBodyBytes >= 0 ? options.maxBodyBytes : m_limits.maxBodyBytes;
    m_routes.push_back(
            Route {method, splitPath(pattern), false, limit, options.role, std::move(handler), {}});
}

void ApiServer::addWebSocketRoute(const QString &pattern, WebSocketHandler handler)
{
    addWebSocketRoute(pattern, std::move(handler), RouteOptions());
}

void ApiServer::addWebSocketRoute(const QString &pattern, WebSocketHandler handler,
                                  const RouteOptions &options)
{
    m_routes.push_back(Route {
            Http::Method::Get, splitPath(pattern), true, 0, options.role, {}, std::move(handler)});
}

Identity ApiServer::identify(const QHttpHeaders &headers) const
{
    const QByteArray presented = presentedToken(headers);
    return presented.isEmpty() ? Identity() : m_authenticator(presented);
}

int ApiServer::match(const QString &path, Http::Method method, bool webSocket,
                     QHash<QString, QString> *params, bool *pathKnown) const
{
    // Keep empty segments out, but a trailing or doubled slash must not match a parameter.
    const QStringList segments = path.split(QLatin1Char('/')).mid(1);
    for (size_t r = 0; r < m_routes.size(); ++r) {
        const Route &route = m_routes[r];
        if (route.segments.size() != segments.size() || route.webSocket != webSocket) {
            continue;
        }
        QHash<QString, QString> captured;
        bool ok = true;
        for (qsizetype i = 0; i < segments.size() && ok; ++i) {
            const QString &expected = route.segments.at(i);
            if (isParameter(expected)) {
                ok = !segments.at(i).isEmpty();
                captured.insert(expected.mid(1, expected.size() - 2),
                                QUrl::fromPercentEncoding(segments.at(i).toUtf8()));
            } else {
                ok = segments.at(i) == expected;
            }
        }
        if (!ok) {
            continue;
        }
        *pathKnown = true;
        if (route.method == method) {
            *params = captured;
            return int(r);
        }
    }
    return -1;
}

bool ApiServer::permits(int route, const Identity &identity, HttpConnection::Verdict *verdict) const
{
    const Identity::Role needed = m_routes.at(size_t(route)).role;
    if (identity.role == needed) {
        return true;
    }
    verdict->status = Http::Status::Forbidden;
    verdict->message = QStringLiteral("Forbidden.");
    verdict->detail = needed == Identity::Role::Agent
            ? QStringLiteral("This route is for workspace agents: send an agent token.")
            : QStringLiteral("This route needs the operator token; an agent token cannot use it.");
    return false;
}

HttpConnection::Verdict ApiServer::judge(const HttpConnection::Head &head) const
{
    using Verdict = HttpConnection::Verdict;
    Verdict verdict;
    const Identity identity = identify(head.headers);
    if (!identity.isValid()) {
        verdict.status = Http::Status::Unauthorized;
        verdict.message = QStringLiteral("Unauthorized.");
        verdict.detail = QStringLiteral("Send the token in the Coder-Session-Token header or as "
                                        "Authorization: Bearer <token>.");
        return verdict;
    }
    const QString methodName = QString::fromLatin1(head.methodName);
    bool pathKnown = false;
    if (isWebSocketUpgrade(head)) {
        const int route = match(head.path, head.method, true, &verdict.params, &pathKnown);
        if (route >= 0) {
            if (!permits(route, identity, &verdict)) {
                return verdict;
            }
            verdict.action = Verdict::Action::WebSocket;
            verdict.route = route;
            return verdict;
        }
    }
    const int route = match(head.path, head.method, false, &verdict.params, &pathKnown);
    if (route < 0) {
        if (pathKnown) {
            verdict.status = Http::Status::MethodNotAllowed;
            verdict.message = QStringLiteral("Method not allowed.");
            verdict.detail =
                    QStringLiteral("%1 is not supported on %2.").arg(methodName, head.path);
        } else {
            verdict.status = Http::Status::NotFound;
            verdict.message = QStringLiteral("Route not found.");
            verdict.detail = QStringLiteral("No route for %1 %2.").arg(methodName, head.path);
        }
        return verdict;
    }
    if (!permits(route, identity, &verdict)) {
        return verdict;
    }
    verdict.action = Verdict::Action::Accept;
    verdict.route = route;
    verdict.maxBodyBytes = m_routes.at(size_t(route)).maxBodyBytes;
    return verdict;
}

void ApiServer::acceptConnections()
{
    while (QTcpSocket *socket = m_tcp->nextPendingConnection()) {
        addConnection(socket);
    }
}

void ApiServer::addConnection(QTcpSocket *socket)
{
    const QHostAddress peer = socket->peerAddress();
    auto *connection = new HttpConnection(socket, m_owner, m_limits.connection, m_clock, this);
    const bool full = m_connectionCount >= m_limits.maxConnections;
    if (full || m_perPeer.value(peer) >= m_limits.maxConnectionsPerPeer) {
        Q_EMIT connectionRefused(peer);
        // A flood of refusals must not hold sockets either: beyond the cap, no answer.
        if (m_refusing >= m_limits.maxConnections) {
            delete connection;
            return;
        }
        ++m_refusing;
        connect(connection, &QObject::destroyed, this, [this] { --m_refusing; });
        connection->refuse(
                Http::Status::ServiceUnavailable, QStringLiteral("Too many connections."),
                full ? QStringLiteral("The server has %1 open connections, its limit.")
                                .arg(m_limits.maxConnections)
                     : QStringLiteral("%1 has %2 open connections, the limit per address.")
                                .arg(peer.toString())
                                .arg(m_limits.maxConnectionsPerPeer));
        return;
    }
    // Counted for the socket's life, which goes on in the WebSocket after an upgrade. Through
    // a child of the socket, which dies with it: a QWebSocket that takes the socket over
    // disconnects every signal of the socket when it lets go (releaseConnections()).
    ++m_connectionCount;
    ++m_perPeer[peer];
    connect(new QObject(socket), &QObject::destroyed, this, [this, peer] {
        --m_connectionCount;
        if (--m_perPeer[peer] <= 0) {
            m_perPeer.remove(peer);
        }
    });
}

void ApiServer::acceptWebSocket()
{
    while (QWebSocket *pending = m_webSockets->nextPendingConnection()) {
        // Ours now, not the WebSocket server's: handlers own their sockets.
        pending->setParent(nullptr);
        std::unique_ptr<QWebSocket> socket(pending);
        // Frames sent with the handshake are read before we get the socket: after a close
        // frame it is closed already, and a handler waiting for disconnected() would wait
        // forever.
        if (socket->state() != QAbstractSocket::ConnectedState) {
            socket.release()->deleteLater();
            continue;
        }
        socket->setMaxAllowedIncomingMessageSize(quint64(m_limits.maxWebSocketMessageBytes));
        socket->setMaxAllowedIncomingFrameSize(quint64(m_limits.maxWebSocketMessageBytes));
        QHttpHeaders headers;
        const QNetworkRequest handshake = socket->request();
        for (const QByteArray &name : handshake.rawHeaderList()) {
            headers.append(name, handshake.rawHeader(name));
        }
        ApiRequest request =
                ApiRequest::fromWebSocket(socket->requestUrl(), headers, socket->peerAddress());
        QHash<QString, QString> params;
        bool pathKnown = false;
        // The gate judged the upgrade already; the handshake is re-read only to route it.
        const Identity identity = identify(headers);
        int route = identity.isValid()
                ? match(request.path(), Http::Method::Get, true, &params, &pathKnown)
                : -1;
        if (route >= 0 && m_routes.at(size_t(route)).role != identity.role) {
            route = -1;
        }
        if (route < 0) {
            socket->close(QWebSocketProtocol::CloseCodePolicyViolated,
                          QStringLiteral("route not found"));
            socket.release()->deleteLater();
            continue;
        }
        request.setParams(params);
        request.setIdentity(identity);
        qCInfo(lcHttp).noquote() << "WS" << request.path() << 101;
        m_routes.at(size_t(route)).webSocketHandler(std::move(socket), request);
    }
}
