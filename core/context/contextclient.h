#pragma once

#include "contextpushstatus.h"
#include "contextsnapshot.h"
#include "contexttimelineentry.h"
#include "http/apiclient.h"

#include <QHash>
#include <QObject>
#include <QPointer>

class ReconnectingWebSocket;

// The context API of an agent, local or remote: calls for sources, resync, content and push
// retries, and a live watch (snapshots, sources, push status, timeline) that reconnects.
class ContextClient : public QObject
{
    Q_OBJECT
public:
    // Shares `api`'s connection settings; `api` must outlive the client.
    explicit ContextClient(ApiClient *api, QObject *parent = nullptr);
    ~ContextClient() override;

    ApiClient *api() const { return m_api; }
    QUrl baseUrl() const { return m_api->baseUrl(); }

    ApiCall *listSources();
    ApiCall *addSource(const QString &path);
    ApiCall *removeSource(const QString &path);
    ApiCall *resync();
    ApiCall *snapshot();
    // {"id", "kind", "size_bytes", "content_base64"}; 403 for MCP configs.
    ApiCall *content(const QString &id);
    ApiCall *retryPush();

    // Opens the watch stream; its state arrives through the signals below.
    void watch();
    void closeWatch();
    bool isWatching() const;
    bool isConnected() const;

    // The latest state the watch delivered.
    ContextSnapshot lastSnapshot() const { return m_snapshot; }
    QStringList lastSources() const { return m_sources; }
    // Why the agent does not read a source now (it resolved outside the allowed roots).
    QString sourceRejection(const QString &path) const { return m_rejections.value(path); }
    ContextPushStatus lastPushStatus() const { return m_push; }
    QList<ContextTimelineEntry> timeline() const { return m_timeline; }
    bool isResolving() const { return m_resolving; }

Q_SIGNALS:
    void snapshotReceived(const ContextSnapshot &snapshot);
    void sourcesReceived(const QStringList &sources);
    void pushStatusReceived(const ContextPushStatus &status);
    // The whole timeline (on connect) or after an entry was added.
    void timelineChanged(const QList<ContextTimelineEntry> &timeline);
    void resolvingChanged(bool resolving);
    void connectedChanged(bool connected);

private:
    void onMessage(const QString &message);
    void setSources(const QJsonArray &sources);

    QPointer<ApiClient> m_api;
    ReconnectingWebSocket *m_socket = nullptr;
    ContextSnapshot m_snapshot;
    QStringList m_sources;
    QHash<QString, QString> m_rejections;
    ContextPushStatus m_push;
    QList<ContextTimelineEntry> m_timeline;
    bool m_resolving = false;
};
