#pragma once

#include "apicall.h"

#include <QNetworkRequest>
#include <QObject>
#include <QUrl>

class Clock;
class QNetworkAccessManager;

// The connection to one agent or control plane: base URL, token, optional chat id, and the
// network manager every call goes through. The subsystem clients build on it.
class ApiClient : public QObject
{
    Q_OBJECT
public:
    ApiClient(const QUrl &baseUrl, const QByteArray &token, QObject *parent = nullptr);
    ~ApiClient() override;

    QUrl baseUrl() const { return m_baseUrl; }
    QByteArray token() const { return m_token; }
    // For requests from now on (a token that arrived later, from a keychain).
    void setToken(const QByteArray &token) { m_token = token; }
    // Requests carry Coder-Chat-Id when set.
    void setChatId(const QString &chatId) { m_chatId = chatId; }
    QString chatId() const { return m_chatId; }
    // Drives WebSocket reconnection backoff (tests use a ManualClock).
    void setClock(Clock *clock) { m_clock = clock; }
    Clock *clock() const { return m_clock; }

    QNetworkRequest request(const QString &path, const QString &query = {}) const;
    QUrl webSocketUrl(const QString &path, const QString &query = {}) const;
    // A request for a WebSocket handshake at `path`, with the token.
    QNetworkRequest webSocketRequest(const QString &path, const QString &query = {}) const;

    ApiCall *get(const QString &path, const QString &query = {});
    ApiCall *post(const QString &path, const QJsonValue &body);
    ApiCall *post(const QNetworkRequest &request, const QJsonValue &body);
    ApiCall *deleteResource(const QString &path);

private:
    QUrl m_baseUrl;
    QByteArray m_token;
    QString m_chatId;
    Clock *m_clock = nullptr;
    QNetworkAccessManager *m_network;
};
