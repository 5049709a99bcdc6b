#include "apiserver.h"

#include "jsonresponse.h"

#include <QCryptographicHash>
#include <QHttpServer>
#include <QHttpServerWebSocketUpgradeResponse>
#include <QLoggingCategory>
#include <QNetworkRequest>
#include <QTcpServer>
#include <QWebSocket>

Q_LOGGING_CATEGORY(lcHttp, "companion.http")

struct ApiServer::Route
{
    QHttpServerRequest::Method method;
    QStringList segments; // "{name}" marks a parameter
    bool webSocket = false;
    Handler handler;
    WebSocketHandler webSocketHandler;
};

namespace {

using Status = QHttpServerResponder::StatusCode;

QStringList splitPath(const QString &path)
{
    return path.split(QLatin1Char('/'), Qt::SkipEmptyParts);
}

bool isParameter(const QString &segment)
{
    return segment.size() > 2 && segment.startsWith(QLatin1Char('{')) &&
            segment.endsWith(QLatin1Char('}'));
}

// Equal-time comparison, so response timing does not reveal how much of a token was right.
bool sameSecret(const QByteArray &a, const QByteArray &b)
{
    const QByteArray ha = QCryptographicHash::hash(a, QCryptographicHash::Sha256);
    const QByteArray hb = QCryptographicHash::hash(b, QCryptographicHash::Sha256);
    unsigned char diff = 0;
    for (qsizetype i = 0; i < ha.size(); ++i) {
        diff |= static_cast<unsigned char>(ha[i] ^ hb[i]);
    }
    return diff == 0;
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

const QString unauthorizedMessage = QStringLiteral("Unauthorized.");
const QString unauthorizedDetail = QStringLiteral(
        "Send the token in the Coder-Session-Token header or as Authorization: Bearer <token>.");

} // namespace

ApiServer::ApiServer(QByteArray token, QObject *parent)
    : QObject(parent)
    , m_token(std::move(token))
    , m_http(new QHttpServer(this))
{
    m_http->setMissingHandler(
            this, [this](const QHttpServerRequest &request, QHttpServerResponder &responder) {
                dispatch(request, responder);
            });
    m_http->addWebSocketUpgradeVerifier(this, [this](const QHttpServerRequest &request) {
        if (!isAuthorized(request.headers())) {
            return QHttpServerWebSocketUpgradeResponse::deny(401, "Unauthorized.");
        }
        QHash<QString, QString> params;
        bool pathKnown = false;
        if (!match(request.url().path(QUrl::FullyEncoded), QHttpServerRequest::Method::Get, true,
                   &params, &pathKnown)) {
            return QHttpServerWebSocketUpgradeResponse::deny(404, "Route not found.");
        }
        return QHttpServerWebSocketUpgradeResponse::accept();
    });
    connect(m_http, &QHttpServer::newWebSocketConnection, this, &ApiServer::acceptWebSocket);
}

ApiServer::~ApiServer() = default;

bool ApiServer::listen(const QHostAddress &address, quint16 port, QString *error)
{
    auto *tcp = new QTcpServer(this);
    if (!tcp->listen(address, port)) {
        *error = tr("Cannot listen on %1:%2: %3")
                         .arg(address.toString())
                         .arg(port)
                         .arg(tcp->errorString());
        delete tcp;
        return false;
    }
    if (!m_http->bind(tcp)) {
        *error = tr("Cannot serve HTTP on %1:%2").arg(address.toString()).arg(port);
        delete tcp;
        return false;
    }
    m_tcp = tcp;
    qCInfo(lcHttp) << "Listening on" << baseUrl().toString();
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
    url.setHost(a == QHostAddress::Any || a == QHostAddress::AnyIPv4 ? QStringLiteral("127.0.0.1")
                                                                     : a.toString());
    url.setPort(port());
    return url;
}

void ApiServer::addRoute(QHttpServerRequest::Method method, const QString &pattern, Handler handler)
{
    m_routes.push_back(Route {method, splitPath(pattern), false, std::move(handler), {}});
}

void ApiServer::addWebSocketRoute(const QString &pattern, WebSocketHandler handler)
{
    m_routes.push_back(Route {
            QHttpServerRequest::Method::Get, splitPath(pattern), true, {}, std::move(handler)});
}

bool ApiServer::isAuthorized(const QHttpHeaders &headers) const
{
    const QByteArray presented = presentedToken(headers);
    return !presented.isEmpty() && sameSecret(presented, m_token);
}

const ApiServer::Route *ApiServer::match(const QString &path, QHttpServerRequest::Method method,
                                         bool webSocket, QHash<QString, QString> *params,
                                         bool *pathKnown) const
{
    // Keep empty segments out, but a trailing or doubled slash must not match a parameter.
    const QStringList segments = path.split(QLatin1Char('/')).mid(1);
    for (const Route &route : m_routes) {
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
            return &route;
        }
    }
    return nullptr;
}

void ApiServer::dispatch(const QHttpServerRequest &request, QHttpServerResponder &responder)
{
    ApiRequest api(request);
    const auto answer = [&](Status status, const QString &message, const QString &detail = {}) {
        JsonResponse::message(responder, status, message, detail);
        qCInfo(lcHttp).noquote() << api.methodName() << api.path() << int(status);
    };

    if (!isAuthorized(request.headers())) {
        answer(Status::Unauthorized, unauthorizedMessage, unauthorizedDetail);
        return;
    }
    if (api.body().size() > MaxBodyBytes) {
        answer(Status::PayloadTooLarge, tr("Request body too large."),
               tr("The body has %1 bytes; the limit is %2 bytes.")
                       .arg(api.body().size())
                       .arg(MaxBodyBytes));
        return;
    }
    QHash<QString, QString> params;
    bool pathKnown = false;
    const Route *route = match(api.path(), api.method(), false, &params, &pathKnown);
    if (!route) {
        if (pathKnown) {
            answer(Status::MethodNotAllowed, tr("Method not allowed."),
                   tr("%1 is not supported on %2.").arg(api.methodName(), api.path()));
        } else {
            answer(Status::NotFound, tr("Route not found."),
                   tr("No route for %1 %2.").arg(api.methodName(), api.path()));
        }
        return;
    }
    api.setParams(params);
    const QString chat = QString::fromUtf8(api.header("Coder-Chat-Id"));
    qCDebug(lcHttp).noquote() << api.methodName() << api.path() << "chat_id" << chat;
    route->handler(api, responder);
}

void ApiServer::acceptWebSocket()
{
    while (std::unique_ptr<QWebSocket> socket = m_http->nextPendingWebSocketConnection()) {
        QHttpHeaders headers;
        const QNetworkRequest handshake = socket->request();
        for (const QByteArray &name : handshake.rawHeaderList()) {
            headers.append(name, handshake.rawHeader(name));
        }
        const ApiRequest request =
                ApiRequest::fromWebSocket(socket->requestUrl(), headers, socket->peerAddress());
        QHash<QString, QString> params;
        bool pathKnown = false;
        const Route *route =
                match(request.path(), QHttpServerRequest::Method::Get, true, &params, &pathKnown);
        if (!route) {
            socket->close(QWebSocketProtocol::CloseCodePolicyViolated,
                          QStringLiteral("route not found"));
            continue;
        }
        ApiRequest withParams = request;
        withParams.setParams(params);
        qCInfo(lcHttp).noquote() << "WS" << request.path() << 101;
        route->webSocketHandler(std::move(socket), withParams);
    }
}
