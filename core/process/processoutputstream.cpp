#include "processoutputstream.h"

#include "http/reconnectingwebsocket.h"
#include "processclient.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QUrlQuery>
#include <QtEndian>

ProcessOutputStream::ProcessOutputStream(ProcessClient *client, const QString &id, Clock *clock,
                                         QObject *parent)
    : QObject(parent)
    , m_id(id)
{
    m_socket = new ReconnectingWebSocket(
            [this, client] {
                return client->api()->webSocketRequest(
                        QStringLiteral("/api/v0/processes/%1/stream").arg(m_id),
                        QStringLiteral("offset=%1").arg(m_expected));
            },
            clock, this);
    connect(m_socket, &ReconnectingWebSocket::connectedChanged, this,
            &ProcessOutputStream::connectedChanged);
    connect(m_socket, &ReconnectingWebSocket::textMessageReceived, this,
            &ProcessOutputStream::onText);
    connect(m_socket, &ReconnectingWebSocket::binaryMessageReceived, this,
            &ProcessOutputStream::onBinary);
}

ProcessOutputStream::~ProcessOutputStream() = default;

void ProcessOutputStream::open(qint64 offset)
{
    m_expected = offset;
    m_socket->open();
}

void ProcessOutputStream::close()
{
    m_socket->close();
}

bool ProcessOutputStream::isConnected() const
{
    return m_socket->isConnected();
}

int ProcessOutputStream::reconnects() const
{
    return m_socket->reconnects();
}

void ProcessOutputStream::onBinary(const QByteArray &frame)
{
    if (frame.size() < 8) {
        return;
    }
    qint64 offset = qint64(qFromBigEndian<quint64>(frame.constData()));
    QByteArray data = frame.mid(8);
    if (offset + data.size() <= m_expected) {
        return; // already delivered (a resend after reconnect)
    }
    if (offset < m_expected) {
        data.remove(0, m_expected - offset);
        offset = m_expected;
    } else if (offset > m_expected) {
        Q_EMIT dropped(m_expected, offset - m_expected, QStringLiteral("gap"));
    }
    m_expected = offset + data.size();
    Q_EMIT dataReceived(offset, data);
}

void ProcessOutputStream::onText(const QString &message)
{
    const QJsonObject o = QJsonDocument::fromJson(message.toUtf8()).object();
    const QString type = o.value(QStringLiteral("type")).toString();
    if (type == QLatin1String("dropped")) {
        const qint64 offset = o.value(QStringLiteral("offset")).toInteger();
        const qint64 bytes = o.value(QStringLiteral("bytes")).toInteger();
        const qint64 end = offset + bytes;
        if (end > m_expected) {
            const qint64 from = std::max(offset, m_expected);
            m_expected = end;
            Q_EMIT dropped(from, end - from, o.value(QStringLiteral("reason")).toString());
        }
    } else if (type == QLatin1String("exit")) {
        m_exited = true;
        m_socket->finish();
        Q_EMIT exited(o.value(QStringLiteral("exit_code")).toInt(),
                      o.value(QStringLiteral("end_offset")).toInteger());
    } else if (type == QLatin1String("error")) {
        m_socket->finish();
        Q_EMIT errorOccurred(o.value(QStringLiteral("message")).toString());
    }
}
