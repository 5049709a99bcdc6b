#include "apiclient.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>

ApiClient::ApiClient(const QUrl &baseUrl, const QByteArray &token, QObject *parent)
    : QObject(parent)
    , m_baseUrl(baseUrl)
    , m_token(token)
    , m_network(new QNetworkAccessManager(this))
{ }

ApiClient::~ApiClient() = default;

QNetworkRequest ApiClient::request(const QString &path, const QString &query) const
{
    // Below the base URL's own path, so a control plane behind a path prefix works.
    QUrl url = m_baseUrl;
    QString base = m_baseUrl.path(QUrl::FullyEncoded);
    if (base.endsWith(QLatin1Char('/'))) {
        base.chop(1);
    }
    url.setPath(base + path, QUrl::StrictMode);
    if (!query.isEmpty()) {
        url.setQuery(query);
    }
    QNetworkRequest request(url);
    request.setRawHeader("Coder-Session-Token", m_token);
    if (!m_chatId.isEmpty()) {
        request.setRawHeader("Coder-Chat-Id", m_chatId.toUtf8());
    }
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    return request;
}

QUrl ApiClient::webSocketUrl(const QString &path, const QString &query) const
{
    QUrl url = request(path, query).url();
    url.setScheme(m_baseUrl.scheme() == QLatin1String("https") ? QStringLiteral("wss")
                                                               : QStringLiteral("ws"));
    return url;
}

QNetworkRequest ApiClient::webSocketRequest(const QString &path, const QString &query) const
{
    QNetworkRequest r = request(path, query);
    r.setUrl(webSocketUrl(path, query));
    return r;
}

ApiCall *ApiClient::get(const QString &path, const QString &query)
{
    return new ApiCall(m_network->get(request(path, query)), this);
}

ApiCall *ApiClient::post(const QString &path, const QJsonValue &body)
{
    return post(request(path), body);
}

ApiCall *ApiClient::post(const QNetworkRequest &request, const QJsonValue &body)
{
    const QJsonDocument document =
            body.isArray() ? QJsonDocument(body.toArray()) : QJsonDocument(body.toObject());
    return new ApiCall(m_network->post(request, document.toJson(QJsonDocument::Compact)), this);
}

ApiCall *ApiClient::deleteResource(const QString &path)
{
    return new ApiCall(m_network->deleteResource(request(path)), this);
}
