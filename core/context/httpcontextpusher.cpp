#include "httpcontextpusher.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>

HttpContextPusher::HttpContextPusher(const QUrl &controlPlane, const QByteArray &token,
                                     QObject *parent)
    : ContextPusher(parent)
    , m_base(controlPlane)
    , m_token(token)
    , m_network(new QNetworkAccessManager(this))
{ }

HttpContextPusher::~HttpContextPusher()
{
    cancel();
}

QUrl HttpContextPusher::endpoint() const
{
    QUrl url = m_base;
    QString path = url.path();
    if (path.endsWith(QLatin1Char('/'))) {
        path.chop(1);
    }
    url.setPath(path + QStringLiteral("/api/v2/workspaceagents/me/context-state"));
    return url;
}

// Errors and stop reasons are API data (GET /api/v0/context/push), in English like upstream's.
void HttpContextPusher::push(const ContextPushRequest &request,
                             std::function<void(const ContextPushResult &)> done)
{
    cancel();
    QNetworkRequest http(endpoint());
    http.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    http.setRawHeader("Coder-Session-Token", m_token);
    http.setTransferTimeout(30000);
    QNetworkReply *reply =
            m_network->post(http, QJsonDocument(request.toJson()).toJson(QJsonDocument::Compact));
    m_reply = reply;
    connect(reply, &QNetworkReply::finished, this, [this, reply, done = std::move(done)] {
        reply->deleteLater();
        if (m_reply != reply) {
            return; // cancelled
        }
        m_reply = nullptr;
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QByteArray body = reply->readAll();
        ContextPushResult result;
        if (status == 404 || status == 405 || status == 501) {
            result.outcome = ContextPushResult::Outcome::Unimplemented;
            result.error =
                    QStringLiteral("The control plane does not accept context pushes (HTTP %1).")
                            .arg(status);
        } else if (status >= 200 && status < 300) {
            const QJsonObject o = QJsonDocument::fromJson(body).object();
            if (!o.value(QStringLiteral("accepted")).isBool()) {
                result.outcome = ContextPushResult::Outcome::Failed;
                result.error = QStringLiteral("The control plane answered without \"accepted\".");
            } else {
                result.outcome = o.value(QStringLiteral("accepted")).toBool()
                        ? ContextPushResult::Outcome::Accepted
                        : ContextPushResult::Outcome::Rejected;
            }
        } else if (status == 0) {
            result.error = reply->errorString();
        } else {
            const QJsonObject o = QJsonDocument::fromJson(body).object();
            const QString message = o.value(QStringLiteral("message")).toString();
            result.error = message.isEmpty()
                    ? QStringLiteral("HTTP %1").arg(status)
                    : QStringLiteral("HTTP %1: %2").arg(status).arg(message);
        }
        done(result);
    });
}

void HttpContextPusher::cancel()
{
    if (QNetworkReply *reply = m_reply) {
        m_reply = nullptr;
        reply->abort();
    }
}
