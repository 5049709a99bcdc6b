#include "apirequest.h"

#include <QJsonDocument>
#include <QJsonParseError>
#include <QMetaEnum>
#include <QUrl>

ApiRequest::ApiRequest(const QHttpServerRequest &request)
    : m_method(request.method())
    , m_path(request.url().path(QUrl::FullyEncoded))
    , m_query(request.query())
    , m_headers(request.headers())
    , m_body(request.body())
    , m_remote(request.remoteAddress())
{ }

ApiRequest ApiRequest::fromWebSocket(const QUrl &url, const QHttpHeaders &headers,
                                     const QHostAddress &remote)
{
    ApiRequest r;
    r.m_method = QHttpServerRequest::Method::Get;
    r.m_path = url.path(QUrl::FullyEncoded);
    r.m_query = QUrlQuery(url);
    r.m_headers = headers;
    r.m_remote = remote;
    return r;
}

QString ApiRequest::methodName() const
{
    const char *name = QMetaEnum::fromType<QHttpServerRequest::Method>().valueToKey(int(m_method));
    return name ? QString::fromLatin1(name).toUpper() : QStringLiteral("UNKNOWN");
}

QByteArray ApiRequest::header(QAnyStringView name) const
{
    return m_headers.value(name).toByteArray();
}

std::optional<QJsonObject> ApiRequest::jsonObject(QString *error) const
{
    if (m_body.trimmed().isEmpty()) {
        *error = QStringLiteral("EOF");
        return std::nullopt;
    }
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(m_body, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        *error = QStringLiteral("%1 at offset %2")
                         .arg(parseError.errorString())
                         .arg(parseError.offset);
        return std::nullopt;
    }
    if (!document.isObject()) {
        *error = QStringLiteral("expected a JSON object");
        return std::nullopt;
    }
    return document.object();
}
