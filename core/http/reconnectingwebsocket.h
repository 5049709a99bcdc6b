#pragma once

#include "common/clock.h"

#include <QNetworkRequest>
#include <QObject>
#include <QWebSocket>

#include <functional>
#include <memory>

// A client WebSocket that comes back: after an unexpected disconnect it reconnects with a
// doubling backoff (250 ms up to 5 s, on the injectable clock), asking the request factory
// for a fresh request each time (so a stream can resume from its last offset). A normal
// close by the server, or close() here, ends it for good.
class ReconnectingWebSocket : public QObject
{
    Q_OBJECT
public:
    static constexpr std::chrono::milliseconds InitialBackoff {250};
    static constexpr std::chrono::milliseconds MaxBackoff {5000};

    using RequestFactory = std::function<QNetworkRequest()>;

    ReconnectingWebSocket(RequestFactory factory, Clock *clock, QObject *parent = nullptr);
    ~ReconnectingWebSocket() override;

    void open();
    // Closes for good; no reconnect.
    void close();
    bool isConnected() const;
    // Ends the connection without reconnecting once the server has said all it will say.
    void finish();
    QWebSocket *socket() const { return m_socket.get(); }
    int reconnects() const { return m_reconnects; }

Q_SIGNALS:
    void connectedChanged(bool connected);
    void textMessageReceived(const QString &message);
    void binaryMessageReceived(const QByteArray &message);
    // A connection attempt failed or a live connection broke; a retry is scheduled.
    void retrying(const QString &reason, std::chrono::milliseconds delay);
    // The server closed normally: no reconnect follows.
    void closedByServer(const QString &reason);

private:
    void connectSocket();
    void onDisconnected();

    RequestFactory m_factory;
    Clock *m_clock;
    std::unique_ptr<QWebSocket> m_socket;
    std::unique_ptr<Clock::Timer> m_retryTimer;
    std::chrono::milliseconds m_backoff = InitialBackoff;
    bool m_closed = false;
    bool m_connected = false;
    bool m_closingHandshake = false; // the current socket saw a close frame
    int m_reconnects = 0;
};
