#include "httpcontextpusher.h"

#include "http/apiclient.h"

#include <QJsonObject>

namespace {

const QString endpointPath = QStringLiteral("/api/v2/workspaceagents/me/context-state");

} // namespace

HttpContextPusher::HttpContextPusher(const QUrl &controlPlane, const QByteArray &token,
                                     QObject *parent)
    : ContextPusher(parent)
    , m_api(new ApiClient(controlPlane, token, this))
{ }

HttpContextPusher::~HttpContextPusher()
{
    cancel();
}

QUrl HttpContextPusher::endpoint() const
{
    return m_api->request(endpointPath).url();
}

// Errors and stop reasons are API data (GET /api/v0/context/push), in English like upstream's.
void HttpContextPusher::push(const ContextPushRequest &request,
                             std::function<void(const ContextPushResult &)> done)
{
    cancel();
    QNetworkRequest http = m_api->request(endpointPath);
    http.setTransferTimeout(30000);
    ApiCall *call = m_api->post(http, request.toJson());
    m_call = call;
    connect(call, &ApiCall::finished, this, [this, done](const QJsonValue &body) {
        m_call = nullptr;
        const QJsonValue accepted = body.toObject().value(QStringLiteral("accepted"));
        if (!accepted.isBool()) {
            done({ContextPushResult::Outcome::Failed,
                  QStringLiteral("The control plane answered without \"accepted\".")});
        } else {
            done({accepted.toBool() ? ContextPushResult::Outcome::Accepted
                                    : ContextPushResult::Outcome::Rejected,
                  QString()});
        }
    });
    connect(call, &ApiCall::failed, this, [this, done](const ApiError &error) {
        m_call = nullptr;
        ContextPushResult result;
        if (error.status == 404 || error.status == 405 || error.status == 501) {
            result.outcome = ContextPushResult::Outcome::Unimplemented;
            result.error =
                    QStringLiteral("The control plane does not accept context pushes (HTTP %1).")
                            .arg(error.status);
        } else if (error.status == 0) {
            result.error = error.detail; // the transport's own error text
        } else if (error.status >= 200 && error.status < 300) {
            result.error = QStringLiteral("The control plane answered without \"accepted\".");
        } else {
            result.error = error.fromServer
                    ? QStringLiteral("HTTP %1: %2").arg(error.status).arg(error.message)
                    : QStringLiteral("HTTP %1").arg(error.status);
        }
        done(result);
    });
}

void HttpContextPusher::cancel()
{
    if (ApiCall *call = m_call) {
        m_call = nullptr;
        call->disconnect(this); // a cancelled push does not call `done`
        call->abort();
    }
}
