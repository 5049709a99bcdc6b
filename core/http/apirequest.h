#pragma once

#include "http.h"
#include "identity.h"

#include <QByteArray>
#include <QHash>
#include <QHostAddress>
#include <QHttpHeaders>
#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <QUrlQuery>

#include <optional>

// One HTTP or WebSocket-upgrade request as a route handler sees it: method, decoded path
// parameters, query, headers, body. A value type, so handlers that answer later can keep it.
class ApiRequest
{
public:
    ApiRequest() = default;
    ApiRequest(Http::Method method, QString path, QUrlQuery query, QHttpHeaders headers,
               QByteArray body, QHostAddress remote);

    Http::Method method() const { return m_method; }
    QString methodName() const { return Http::methodName(m_method); }
    // The percent-encoded path, as received.
    QString path() const { return m_path; }
    QUrlQuery query() const { return m_query; }
    const QHttpHeaders &headers() const { return m_headers; }
    QByteArray header(QAnyStringView name) const;
    QByteArray body() const { return m_body; }
    QHostAddress remoteAddress() const { return m_remote; }

    // A `{name}` segment of the matched route, percent-decoded.
    QString param(const QString &name) const { return m_params.value(name); }
    void setParams(const QHash<QString, QString> &params) { m_params = params; }
    // Who the token says the caller is (set by the server before the handler runs).
    const Identity &identity() const { return m_identity; }
    void setIdentity(const Identity &identity) { m_identity = identity; }

    // Builds a request for a WebSocket handshake (no body).
    static ApiRequest fromWebSocket(const QUrl &url, const QHttpHeaders &headers,
                                    const QHostAddress &remote);

    // The body as a JSON object, judged strictly (StrictJson). On failure `error` says why, in
    // the words of Go's decoder where upstream clients expect them (an empty body is "EOF").
    std::optional<QJsonObject> jsonObject(QString *error) const;
    // The body decoded as Go decodes it into a struct with these JSON fields (StrictJson).
    std::optional<QJsonObject> decodeStruct(const QStringList &fields, const QString &goType,
                                            QString *error) const;

private:
    Http::Method m_method = Http::Method::Unknown;
    QString m_path;
    QUrlQuery m_query;
    QHttpHeaders m_headers;
    QByteArray m_body;
    QHostAddress m_remote;
    QHash<QString, QString> m_params;
    Identity m_identity;
};
