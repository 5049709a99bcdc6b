#pragma once

#include "apirequest.h"
#include "httpconnection.h"
#include "httpresponder.h"
#include "identity.h"

#include <QHostAddress>
#include <QObject>
#include <QUrl>

#include <functional>
#include <memory>

class Clock;
class QTcpServer;
class QTcpSocket;
class QWebSocket;
class QWebSocketServer;

// The HTTP server of an agent or a control plane, loopback unless told otherwise. Our own
// connections (HttpConnection, on llhttp) on QTcpServer; WebSocket upgrades go to
// QWebSocketServer. Every request passes one gate here when its headers are complete, before
// any body byte is read: size limits (414, 431), token (401), route and method (404, 405),
// body limit (413). Connections are capped in all and per peer (503). No CORS headers, ever.
class ApiServer : public QObject
{
    Q_OBJECT
public:
    // Request bodies over 1 MiB are refused unless a route allows more.
    static constexpr qint64 DefaultMaxBodyBytes = 1024 * 1024;

    struct Limits
    {
        HttpConnection::Limits connection;
        qint64 maxBodyBytes = DefaultMaxBodyBytes; // per route unless the route says otherwise
        int maxConnections = 1024;
        int maxConnectionsPerPeer = 64;
        qint64 maxWebSocketMessageBytes = 1024 * 1024;
    };

    struct RouteOptions
    {
        qint64 maxBodyBytes = -1; // -1: Limits::maxBodyBytes
        // The one role whose tokens this route accepts (403 for the other's).
        Identity::Role role = Identity::Role::Operator;
    };

    using Handler = std::function<void(const ApiRequest &request, HttpResponder &responder)>;
    using WebSocketHandler =
            std::function<void(std::unique_ptr<QWebSocket> socket, const ApiRequest &request)>;

    explicit ApiServer(QByteArray token, QObject *parent = nullptr);
    // `clock` drives the connection timeouts; null: the system clock.
    ApiServer(QByteArray token, const Limits &limits, Clock *clock, QObject *parent = nullptr);
    // A server with several callers (a control plane): `authenticator` names each token's.
    ApiServer(Authenticator authenticator, const Limits &limits, Clock *clock,
              QObject *parent = nullptr);
    ~ApiServer() override;

    [[nodiscard]] bool listen(const QHostAddress &address, quint16 port, QString *error);
    quint16 port() const;
    QHostAddress address() const;
    // http://address:port, for clients and for printing (loopback for a wildcard address).
    QUrl baseUrl() const;
    const Limits &limits() const { return m_limits; }

    // `pattern` is a path with `{name}` segments, e.g. "/api/v0/processes/{id}/output".
    // A handler answers through the responder now, or moves it away and answers later.
    void addRoute(Http::Method method, const QString &pattern, Handler handler);
    void addRoute(Http::Method method, const QString &pattern, Handler handler,
                  const RouteOptions &options);
    // A GET route that upgrades to a WebSocket. The token is checked before the upgrade.
    void addWebSocketRoute(const QString &pattern, WebSocketHandler handler);
    void addWebSocketRoute(const QString &pattern, WebSocketHandler handler,
                           const RouteOptions &options);

    // The identity of the token the headers present; Role::None for none or an unknown one.
    Identity identify(const QHttpHeaders &headers) const;
    bool isAuthorized(const QHttpHeaders &headers) const { return identify(headers).isValid(); }
    // Open connections, WebSockets included.
    int connectionCount() const { return m_connectionCount; }
    // Serves `socket` (connected, parentless) exactly as a connection the listening socket just
    // accepted: the same caps, refusal and accounting. For in-process transports, such as the
    // socketpair of the fuzz harness; listen() is not needed for it.
    void addConnection(QTcpSocket *socket);

Q_SIGNALS:
    // A connection was refused because the server or its peer is at its cap.
    void connectionRefused(const QHostAddress &peer);

private:
    struct Route;
    void acceptConnections();
    void acceptWebSocket();
    HttpConnection::Verdict judge(const HttpConnection::Head &head) const;
    bool permits(int route, const Identity &identity, HttpConnection::Verdict *verdict) const;
    int match(const QString &path, Http::Method method, bool webSocket,
              QHash<QString, QString> *params, bool *pathKnown) const;

    Authenticator m_authenticator;
    Limits m_limits;
    Clock *m_clock;
    QTcpServer *m_tcp = nullptr;
    QWebSocketServer *m_webSockets;
    HttpConnection::Owner m_owner;
    std::vector<Route> m_routes;
    int m_connectionCount = 0;
    int m_refusing = 0;
    QHash<QHostAddress, int> m_perPeer;
};
