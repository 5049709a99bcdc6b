#include "processwatch.h"

#include "http/reconnectingwebsocket.h"
#include "processclient.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

ProcessWatch::ProcessWatch(ProcessClient *client, Clock *clock, QObject *parent)
    : QObject(parent)
{
    m_socket = new ReconnectingWebSocket(
            [client] {
                return client->api()->webSocketRequest(QStringLiteral("/api/v0/processes/watch"));
            },
            clock, this);
    connect(m_socket, &ReconnectingWebSocket::connectedChanged, this,
            &ProcessWatch::connectedChanged);
    connect(m_socket, &ReconnectingWebSocket::textMessageReceived, this, &ProcessWatch::onText);
}

ProcessWatch::~ProcessWatch() = default;

void ProcessWatch::open()
{
    m_socket->open();
}

void ProcessWatch::close()
{
    m_socket->close();
}

bool ProcessWatch::isConnected() const
{
    return m_socket->isConnected();
}

void ProcessWatch::onText(const QString &message)
{
    const QJsonObject o = QJsonDocument::fromJson(message.toUtf8()).object();
    const QString type = o.value(QStringLiteral("type")).toString();
    if (type == QLatin1String("snapshot")) {
        QList<ProcessInfo> processes;
        const QJsonArray array = o.value(QStringLiteral("processes")).toArray();
        for (const QJsonValue &value : array) {
            if (const auto info = ProcessInfo::fromJson(value.toObject())) {
                processes.append(*info);
            }
        }
        Q_EMIT snapshotReceived(processes);
    } else if (type == QLatin1String("process")) {
        if (const auto info =
                    ProcessInfo::fromJson(o.value(QStringLiteral("process")).toObject())) {
            Q_EMIT processChanged(*info);
        }
    } else if (type == QLatin1String("removed")) {
        Q_EMIT processRemoved(o.value(QStringLiteral("id")).toString());
    }
}
