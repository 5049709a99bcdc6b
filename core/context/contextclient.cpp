#include "contextclient.h"

#include "contextmanager.h"
#include "http/reconnectingwebsocket.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QUrl>
#include <QUrlQuery>

ContextClient::ContextClient(ApiClient *api, QObject *parent)
    : QObject(parent)
    , m_api(api)
{ }

ContextClient::~ContextClient() = default;

ApiCall *ContextClient::listSources()
{
    return m_api->get(QStringLiteral("/api/v0/context/sources"));
}

ApiCall *ContextClient::addSource(const QString &path)
{
    return m_api->post(QStringLiteral("/api/v0/context/sources"),
                       QJsonObject {{QStringLiteral("path"), path}});
}

ApiCall *ContextClient::removeSource(const QString &path)
{
    // The path is one URL segment: its slashes are escaped.
    const QString escaped = QString::fromLatin1(QUrl::toPercentEncoding(path));
    return m_api->deleteResource(QStringLiteral("/api/v0/context/sources/") + escaped);
}

ApiCall *ContextClient::resync()
{
    return m_api->post(QStringLiteral("/api/v0/context/resync"), QJsonObject());
}

ApiCall *ContextClient::snapshot()
{
    return m_api->get(QStringLiteral("/api/v0/context/snapshot"));
}

ApiCall *ContextClient::content(const QString &id)
{
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("id"), QString::fromLatin1(QUrl::toPercentEncoding(id)));
    return m_api->get(QStringLiteral("/api/v0/context/content"),
                      query.toString(QUrl::FullyEncoded));
}

ApiCall *ContextClient::retryPush()
{
    return m_api->post(QStringLiteral("/api/v0/context/push/retry"), QJsonObject());
}

void ContextClient::watch()
{
    if (m_socket) {
        return;
    }
    m_socket = new ReconnectingWebSocket(
            [api = m_api] {
                return api->webSocketRequest(QStringLiteral("/api/v0/context/watch"));
            },
            m_api->clock(), this);
    connect(m_socket, &ReconnectingWebSocket::connectedChanged, this,
            &ContextClient::connectedChanged);
    connect(m_socket, &ReconnectingWebSocket::textMessageReceived, this, &ContextClient::onMessage);
    m_socket->open();
}

void ContextClient::closeWatch()
{
    if (m_socket) {
        m_socket->close();
        m_socket->deleteLater();
        m_socket = nullptr;
    }
}

bool ContextClient::isWatching() const
{
    return m_socket != nullptr;
}

bool ContextClient::isConnected() const
{
    return m_socket && m_socket->isConnected();
}

void ContextClient::setSources(const QJsonArray &sources)
{
    m_sources.clear();
    m_rejections.clear();
    for (const QJsonValue &v : sources) {
        const QJsonObject source = v.toObject();
        const QString path = source.value(QStringLiteral("path")).toString();
        m_sources.append(path);
        if (source.value(QStringLiteral("status")).toString() == QLatin1String("rejected")) {
            m_rejections.insert(path, source.value(QStringLiteral("error")).toString());
        }
    }
    Q_EMIT sourcesReceived(m_sources);
}

void ContextClient::onMessage(const QString &message)
{
    const QJsonObject o = QJsonDocument::fromJson(message.toUtf8()).object();
    const QString type = o.value(QStringLiteral("type")).toString();
    if (type == QLatin1String("hello")) {
        m_timeline.clear();
        const QJsonArray timeline = o.value(QStringLiteral("timeline")).toArray();
        for (const QJsonValue &entry : timeline) {
            m_timeline.append(ContextTimelineEntry::fromJson(entry.toObject()));
        }
        setSources(o.value(QStringLiteral("sources")).toArray());
        m_push = ContextPushStatus::fromJson(o.value(QStringLiteral("push")).toObject());
        Q_EMIT pushStatusReceived(m_push);
        m_resolving = o.value(QStringLiteral("resolving")).toBool();
        Q_EMIT resolvingChanged(m_resolving);
        Q_EMIT timelineChanged(m_timeline);
        m_snapshot = ContextSnapshot::fromJson(o.value(QStringLiteral("snapshot")).toObject());
        Q_EMIT snapshotReceived(m_snapshot);
    } else if (type == QLatin1String("snapshot")) {
        if (o.contains(QStringLiteral("timeline_entry"))) {
            m_timeline.append(ContextTimelineEntry::fromJson(
                    o.value(QStringLiteral("timeline_entry")).toObject()));
            while (m_timeline.size() > ContextManager::TimelineLength) {
                m_timeline.removeFirst();
            }
            Q_EMIT timelineChanged(m_timeline);
        }
        m_snapshot = ContextSnapshot::fromJson(o.value(QStringLiteral("snapshot")).toObject());
        Q_EMIT snapshotReceived(m_snapshot);
    } else if (type == QLatin1String("sources")) {
        setSources(o.value(QStringLiteral("sources")).toArray());
    } else if (type == QLatin1String("push")) {
        m_push = ContextPushStatus::fromJson(o.value(QStringLiteral("push")).toObject());
        Q_EMIT pushStatusReceived(m_push);
    } else if (type == QLatin1String("resolving")) {
        m_resolving = o.value(QStringLiteral("resolving")).toBool();
        Q_EMIT resolvingChanged(m_resolving);
    }
}
