#include "reconnectingwebsocket.h"

#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcHttp)

ReconnectingWebSocket::ReconnectingWebSocket(RequestFactory factory, Clock *clock, QObject *parent)
    : QObject(parent)
    , m_factory(std::move(factory))
    , m_clock(clock ? clock : Clock::system())
{ }

ReconnectingWebSocket::~ReconnectingWebSocket()
{
    m_closed = true;
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
    }
}

void ReconnectingWebSocket::open()
{
    m_closed = false;
    connectSocket();
}

void ReconnectingWebSocket::connectSocket()
{
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket.release()->deleteLater();
    }
    m_socket = std::make_unique<QWebSocket>();
    m_closingHandshake = false;
    // Output frames can be large; the server sends at most 256 KiB of data per frame.
    m_socket->setMaxAllowedIncomingMessageSize(16 * 1024 * 1024);
    QWebSocket *socket = m_socket.get();
    connect(socket, &QWebSocket::connected, this, [this] {
        m_connected = true;
        m_backoff = InitialBackoff;
        Q_EMIT connectedChanged(true);
    });
    connect(socket, &QWebSocket::textMessageReceived, this,
            &ReconnectingWebSocket::textMessageReceived);
    connect(socket, &QWebSocket::binaryMessageReceived, this,
            &ReconnectingWebSocket::binaryMessageReceived);
    // Emitted when a close frame arrives (or close() is called), never for a dropped connection.
    connect(socket, &QWebSocket::aboutToClose, this, [this] { m_closingHandshake = true; });
    connect(socket, &QWebSocket::disconnected, this, &ReconnectingWebSocket::onDisconnected);
    socket->open(m_factory());
}

void ReconnectingWebSocket::close()
{
    m_closed = true;
    m_retryTimer.reset();
    if (m_socket) {
        m_socket->close();
    }
}

void ReconnectingWebSocket::finish()
{
    m_closed = true;
    m_retryTimer.reset();
}

bool ReconnectingWebSocket::isConnected() const
{
    return m_connected;
}

void ReconnectingWebSocket::onDisconnected()
{
    // closeCode() reads CloseCodeNormal until a close frame says otherwise, so a dropped
    // connection or a refused attempt would look normal by the code alone.
    const bool normal = m_socket && m_closingHandshake &&
            m_socket->closeCode() == QWebSocketProtocol::CloseCodeNormal;
    const QString reason = m_socket ? (m_socket->closeReason().isEmpty() ? m_socket->errorString()
                                                                         : m_socket->closeReason())
                                    : QString();
    if (m_connected) {
        m_connected = false;
        Q_EMIT connectedChanged(false);
    }
    if (m_closed) {
        return;
    }
    if (normal) {
        m_closed = true;
        Q_EMIT closedByServer(reason);
        return;
    }
    const std::chrono::milliseconds delay = m_backoff;
    m_backoff = std::min(m_backoff * 2, MaxBackoff);
    qCDebug(lcHttp) << "WebSocket lost:" << reason << "- retrying in" << delay.count() << "ms";
    Q_EMIT retrying(reason, delay);
    m_retryTimer = m_clock->callAfter(delay, this, [this] {
        ++m_reconnects;
        connectSocket();
    });
}
