#pragma once

#include "apirequest.h"

#include <QHostAddress>
#include <QHttpServerResponder>
#include <QObject>
#include <QUrl>

#include <functional>
#include <memory>

class QHttpServer;
class QTcpServer;
class QWebSocket;

// The HTTP server of an agent or a control plane: QHttpServer on our own QTcpServer, loopback
// unless told otherwise. Every request passes one gate here: token check (401), body limit
// (413), route and method match (404/405), JSON errors, access log. No CORS headers, ever.
class ApiServer : public QObject
{
    Q_OBJECT
public:
    // Request bodies over 1 MiB are refused.
    static constexpr qint64 MaxBodyBytes = 1024 * 1024;

    using Handler = std::function<void(const ApiRequest &request, QHttpServerResponder &responder)>;
    using WebSocketHandler =
            std::function<void(std::unique_ptr<QWebSocket> socket, const ApiRequest &request)>;

    explicit ApiServer(QByteArray token, QObject *parent = nullptr);
    ~ApiServer() override;

    [[nodiscard]] bool listen(const QHostAddress &address, quint16 port, QString *error);
    quint16 port() const;
    QHostAddress address() const;
    // http://address:port, for clients and for printing.
    QUrl baseUrl() const;

    // `pattern` is a path with `{name}` segments, e.g. "/api/v0/processes/{id}/output".
    // A handler answers through the responder now, or moves it away and answers later.
    void addRoute(QHttpServerRequest::Method method, const QString &pattern, Handler handler);
    // A GET route that upgrades to a WebSocket. The token is checked before the upgrade.
    void addWebSocketRoute(const QString &pattern, WebSocketHandler handler);

    bool isAuthorized(const QHttpHeaders &headers) const;

private:
    struct Route;
    void dispatch(const QHttpServerRequest &request, QHttpServerResponder &responder);
    void acceptWebSocket();
    const Route *match(const QString &path, QHttpServerRequest::Method method, bool webSocket,
                       QHash<QString, QString> *params, bool *pathKnown) const;

    QByteArray m_token;
    QHttpServer *m_http;
    QTcpServer *m_tcp = nullptr;
    std::vector<Route> m_routes;
};
