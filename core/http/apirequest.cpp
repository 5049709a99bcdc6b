#include "apirequest.h"

#include "strictjson.h"

#include <QUrl>

ApiRequest::ApiRequest(Http::Method method, QString path, QUrlQuery query, QHttpHeaders headers,
                       QByteArray body, QHostAddress remote)
    : m_method(method)
    , m_path(std::move(path))
    , m_query(std::move(query))
    , m_headers(std::move(headers))
    , m_body(std::move(body))
    , m_remote(std::move(remote))
{ }

ApiRequest ApiRequest::fromWebSocket(const QUrl &url, const QHttpHeaders &headers,
                                     const QHostAddress &remote)
{
    return ApiRequest(Http::Method::Get, url.path(QUrl::FullyEncoded), QUrlQuery(url), headers, {},
                      remote);
}

QByteArray ApiRequest::header(QAnyStringView name) const
{
    return m_headers.value(name).toByteArray();
}

std::optional<QJsonObject> ApiRequest::jsonObject(QString *error) const
{
    const std::optional<QJsonValue> value = StrictJson::parseFirstValue(m_body, error);
    if (!value) {
        return std::nullopt;
    }
    if (!value->isObject()) {
        *error = QStringLiteral("expected a JSON object");
        return std::nullopt;
    }
    return value->toObject();
}

std::optional<QJsonObject> ApiRequest::decodeStruct(const QStringList &fields,
                                                    const QString &goType, QString *error) const
{
    return StrictJson::decodeStruct(m_body, fields, goType, error);
}
