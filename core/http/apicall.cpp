#include "apicall.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkReply>
#include <QTimer>

QString ApiError::toString() const
{
    if (message.isEmpty()) {
        return detail;
    }
    if (detail.isEmpty()) {
        return message;
    }
    // "Cannot reach the server. (Connection refused)", "Invalid request.: …" read badly.
    if (message.endsWith(QLatin1Char('.'))) {
        return message + QStringLiteral(" (") + detail + QLatin1Char(')');
    }
    return message + QStringLiteral(": ") + detail;
}

ApiCall::ApiCall(QNetworkReply *reply, QObject *parent)
    : QObject(parent)
    , m_reply(reply)
{
    reply->setParent(this);
    connect(reply, &QNetworkReply::finished, this, &ApiCall::onFinished);
    // Let the caller connect before announcing the start.
    QTimer::singleShot(0, this, [this] { Q_EMIT started(); });
}

ApiCall::~ApiCall() = default;

void ApiCall::abort()
{
    if (m_reply) {
        m_reply->abort();
    }
}

void ApiCall::onFinished()
{
    const int status = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    // An aborted reply is closed: reading it would only warn.
    const QByteArray data = m_reply->isOpen() ? m_reply->readAll() : QByteArray();
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(data, &parseError);
    const QJsonValue body =
            document.isArray() ? QJsonValue(document.array()) : QJsonValue(document.object());

    if (status >= 200 && status < 300) {
        if (!data.isEmpty() && parseError.error != QJsonParseError::NoError) {
            Q_EMIT failed(ApiError {status, tr("The server sent invalid JSON."),
                                    parseError.errorString(), false});
        } else {
            Q_EMIT finished(body, status);
        }
    } else if (status == 0) {
        Q_EMIT failed(ApiError {0, tr("Cannot reach the server."), m_reply->errorString(), false});
    } else {
        const QJsonObject o = body.toObject();
        const QString message = o.value(QStringLiteral("message")).toString();
        if (message.isEmpty()) {
            Q_EMIT failed(ApiError {status, tr("The server answered %1.").arg(status), {}, false});
        } else {
            Q_EMIT failed(
                    ApiError {status, message, o.value(QStringLiteral("detail")).toString(), true});
        }
    }
    deleteLater();
}
