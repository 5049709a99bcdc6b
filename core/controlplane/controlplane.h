#pragma once

#include "chatservice.h"

#include "common/clock.h"
#include "http/apiserver.h"
#include "pubsub/pubsub.h"
#include "store/controlplanestore.h"

#include <QHash>
#include <QHostAddress>
#include <QJsonObject>
#include <QObject>
#include <QSet>

#include <memory>
#include <optional>

class Clock;
class QWebSocket;
class ReinitStream;

// The control plane: workspaces, builds and agents in a ControlPlaneStore, pubsub between
// replicas, prebuild claims, the durable reinit stream and the context-state receiver, behind
// one ApiServer whose gate maps tokens to callers: the operator token → the operator, an agent
// token (stored hashed) → that agent.
class ControlPlane : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        DatabaseLocation database;
        QHostAddress address = QHostAddress::LocalHost;
        quint16 port = 0;
        QByteArray operatorToken;
        // "echo" ends every build's job with success at once; "external" leaves jobs pending
        // for POST /api/v2/workspacebuilds/{id}/complete.
        bool echoProvisioner = true;
        ApiServer::Limits httpLimits;
        Clock *clock = nullptr; // SSE pings, pubsub reconnects; null: the system clock
        ChatService::Options chat; // the worker id and the chat runtime's intervals
    };

    // Channel of the live changes every replica relays to its /api/v2/events clients.
    static inline const QString EventsChannel = QStringLiteral("companion_events");
    // A message on EventsChannel: a JSON object with a "type". Anything else (any database
    // user can NOTIFY that channel) is dropped rather than relayed to clients.
    static std::optional<QJsonObject> decodeEventMessage(QByteArrayView payload);

    explicit ControlPlane(Options options, QObject *parent = nullptr);
    ~ControlPlane() override;

    // Opens the database (migrations), loads the agent tokens, connects the pubsub and
    // listens. Ends in started() or failed().
    void start();
    QUrl url() const;
    ControlPlaneStore *store() const { return m_store; }
    PubSub *pubsub() const { return m_pubsub; }
    ApiServer *server() const { return m_server; }
    ChatService *chatService() const { return m_chat; }
    int reinitStreamCount() const { return int(m_streams.size()); }

    // A new agent token (hex of 32 random bytes) and its stored SHA-256 (hex).
    static QByteArray hashToken(QByteArrayView token);
    void setTokens(const QHash<QByteArray, AgentKey> &tokens);
    // A regular workspace `name` owned by `ownerName` whose agent uses `agentToken`: created
    // when missing, else given this token. For the desktop app's "This machine". `done` gets
    // the workspace, or an error message.
    void registerWorkspace(const QString &name, const QString &ownerName,
                           const QByteArray &agentToken,
                           std::function<void(const WorkspaceRecord &, const QString &error)> done);

Q_SIGNALS:
    void started();
    void failed(const QString &error);
    // A reinit event was appended to the log (by this replica).
    void reinitEventLogged(const ReinitEventRecord &event);
    // An agent's reinit stream opened or closed here; `connected`: some replica holds one.
    void agentConnectionChanged(const QString &agentId, bool connected);

private:
    friend class ReinitStream;

    void addRoutes();
    void loadTokens(std::function<void()> then);
    // Calls `then` once the pubsub hears this replica's channels (at once in memory).
    void whenListening(std::function<void()> then);
    // The echo provisioner ends the jobs a previous run left pending.
    void resumePendingBuilds();
    Identity authenticate(QByteArrayView token) const;
    void broadcast(const QJsonObject &event);
    void countStream(const QString &agentId, const QString &workspaceId, int delta);
    void refreshStreamsLater();
    void logReinit(const ReinitEventRecord &event);
    void completeBuild(const BuildRecord &build, const QString &status, const QString &error,
                       HttpResponder *responder);
    void onBuildCompleted(const BuildRecord &build);

    // Route handlers.
    void listWorkspaces(HttpResponder &responder);
    void createWorkspace(const ApiRequest &request, HttpResponder &responder);
    void claimWorkspace(const ApiRequest &request, HttpResponder &responder);
    void transitionWorkspace(const ApiRequest &request, HttpResponder &responder);
    void completeBuildRoute(const ApiRequest &request, HttpResponder &responder);
    void reinitRoute(const ApiRequest &request, HttpResponder &responder);
    void contextStateRoute(const ApiRequest &request, HttpResponder &responder);
    void reportRoute(const ApiRequest &request, HttpResponder &responder);
    void agentReinitEventRoute(const ApiRequest &request, HttpResponder &responder);
    void eventsSocket(std::unique_ptr<QWebSocket> socket);

    Options m_options;
    Clock *m_clock;
    ControlPlaneStore *m_store;
    PubSub *m_pubsub = nullptr;
    ApiServer *m_server = nullptr;
    ChatService *m_chat = nullptr;
    PubSub::Subscription m_eventsSubscription;
    QByteArray m_operatorTokenHash;
    QString m_replicaId; // this process, in agent_streams
    std::unique_ptr<Clock::Timer> m_streamRefresh;
    QHash<QByteArray, AgentKey> m_tokens; // SHA-256 hex → agent
    QHash<QString, QString> m_agentWorkspaces; // agent id → workspace id
    QSet<ReinitStream *> m_streams;
    QSet<QWebSocket *> m_eventSockets;
};
