#include "controlplane.h"

#include "routehelpers.h"

#include "http/jsonresponse.h"
#include "http/serversentevents.h"
#include "http/strictjson.h"
#include "http/tokenfile.h"
#include "prebuilds/reinitevent.h"
#include "pubsub/memorypubsub.h"
#include "pubsub/postgrespubsub.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QLoggingCategory>
#include <QUuid>
#include <QWebSocket>

Q_LOGGING_CATEGORY(lcControlPlane, "companion.controlplane")

using Http::Status;

using namespace ControlPlaneRoutes;

// One agent's GET /api/v2/workspaceagents/me/reinit: subscribed to its workspace's claim
// channel before the durable check runs, so that a claim landing during the check is buffered
// rather than lost; then 409, or a stream (seeded with the claim the agent missed).
class ReinitStream : public QObject
{
public:
    ReinitStream(ControlPlane *plane, HttpResponder responder, QString agentId, QString workspaceId,
                 bool wait)
        : QObject(plane)
        , m_plane(plane)
        , m_responder(std::move(responder))
        , m_agentId(std::move(agentId))
        , m_workspaceId(std::move(workspaceId))
        , m_wait(wait)
    {
        m_responder.onAbandoned(this, [this] { finish(); });
        m_subscription = plane->pubsub()->subscribe(
                Claims::channel(m_workspaceId), this,
                {[this](const QByteArray &payload) {
                     deliver(ReinitEvent::fromClaimPayload(payload, m_workspaceId));
                 },
                 [this](qint64 lost) {
                     // A lost claim message is recovered the durable way: the agent reconnects
                     // and the check seeds it.
                     qCWarning(lcControlPlane) << "Reinit stream of" << m_agentId << "lost" << lost
                                               << "messages; ending it";
                     if (m_sender) {
                         m_sender->end();
                     }
                 }});
    }

    void check()
    {
        m_plane->store()
                ->reinitCheck(m_agentId)
                .then(this, [this](const ReinitCheck &check) { decide(check); })
                .onFailed(this, [this](const StoreError &error) {
                    JsonResponse::message(m_responder, statusOf(error), messageOf(error),
                                          error.message());
                    finish();
                });
    }

private:
    void decide(const ReinitCheck &check)
    {
        std::optional<ReinitEvent> seed;
        if (m_wait && !check.ownedByPrebuilds()) {
            if (check.firstInitiatorId != Records::PrebuildsUserId) {
                refuse(QStringLiteral("This workspace is not a prebuild: its agent is never "
                                      "reinitialized."),
                       QStringLiteral("regular workspace"));
                return;
            }
            const BuildRecord &latest = check.latestBuild;
            if (latest.prebuildStage == QLatin1String("claim")) {
                if (latest.jobStatus == QLatin1String("failed") ||
                    latest.jobStatus == QLatin1String("canceled")) {
                    refuse(QStringLiteral("The claim of this prebuilt workspace failed; it will "
                                          "not be reinitialized."),
                           QStringLiteral("claim build %1 %2: %3")
                                   .arg(latest.number)
                                   .arg(latest.jobStatus, latest.error));
                    return;
                }
                // Only while the claim build is the latest (#26548): a later build means the
                // agent has run for its owner already; so does its acknowledgement.
                if (latest.jobStatus == QLatin1String("succeeded") &&
                    check.ackedClaimBuildId != latest.id) {
                    seed = ReinitEvent {check.workspaceId,
                                        QString(ReinitEvent::ReasonPrebuildClaimed), check.ownerId};
                }
            }
        }
        m_sender = new SseSender(std::move(m_responder), m_plane->m_clock, this);
        connect(m_sender, &SseSender::closed, this, [this] { finish(); });
        if (!m_sender->start()) {
            return;
        }
        m_counted = true;
        m_plane->countStream(m_agentId, m_workspaceId, +1);
        if (seed) {
            deliver(*seed, QStringLiteral("missed claim, seeded on reconnect"));
        }
        for (const ReinitEvent &event : std::exchange(m_buffered, {})) {
            deliver(event);
        }
    }

    void refuse(const QString &message, const QString &detail)
    {
        ReinitEventRecord event;
        event.workspaceId = m_workspaceId;
        event.agentId = m_agentId;
        event.kind = QStringLiteral("stopped_409");
        event.detail = detail;
        m_plane->logReinit(event);
        JsonResponse::message(m_responder, Status::Conflict, message, detail);
        finish();
    }

public:
    void deliver(const ReinitEvent &event, const QString &how = {})
    {
        if (!m_sender) {
            m_buffered.push_back(event); // the check has not decided yet
            return;
        }
        if (!m_sender->isOpen() || !m_sender->sendData(event.toJson())) {
            return;
        }
        ReinitEventRecord record;
        record.workspaceId = m_workspaceId;
        record.agentId = m_agentId;
        record.kind = QStringLiteral("delivered");
        record.reason = event.reason;
        record.newOwnerId = event.ownerId;
        record.detail = how;
        m_plane->logReinit(record);
    }

    void finish()
    {
        m_subscription.cancel();
        if (std::exchange(m_counted, false)) {
            m_plane->countStream(m_agentId, m_workspaceId, -1);
        }
        if (m_plane->m_streams.remove(this)) {
            deleteLater();
        }
    }

private:
    ControlPlane *m_plane;
    HttpResponder m_responder;
    QString m_agentId;
    QString m_workspaceId;
    bool m_wait;
    PubSub::Subscription m_subscription;
    SseSender *m_sender = nullptr;
    std::vector<ReinitEvent> m_buffered;
    bool m_counted = false;
};

ControlPlane::ControlPlane(Options options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_clock(m_options.clock ? m_options.clock : Clock::system())
    , m_store(new ControlPlaneStore(m_options.database, this))
    , m_operatorTokenHash(hashToken(m_options.operatorToken))
    , m_replicaId(QUuid::createUuid().toString(QUuid::WithoutBraces))
{
    if (m_options.database.engine == DatabaseLocation::Engine::Postgres) {
        auto *pg = new PostgresPubSub(m_options.database.url, m_clock, this);
        m_pubsub = pg;
    } else {
        m_pubsub = new MemoryPubSub(1024, this);
    }
    m_server = new ApiServer([this](QByteArrayView token) { return authenticate(token); },
                             m_options.httpLimits, nullptr, this);
    m_chat = new ChatService(m_store->database(), m_pubsub, m_clock, m_options.chat, this);
    addRoutes();
    m_chat->addRoutes(m_server);
}

ControlPlane::~ControlPlane()
{
    delete m_chat; // its runners still reach the store and the pubsub as they stop
    m_eventsSubscription.cancel();
    for (QWebSocket *socket : std::as_const(m_eventSockets)) {
        socket->disconnect(this);
        socket->abort();
        socket->deleteLater();
    }
    const QSet<ReinitStream *> streams = m_streams;
    m_streams.clear();
    qDeleteAll(streams);
}

QByteArray ControlPlane::hashToken(QByteArrayView token)
{
    return QCryptographicHash::hash(token, QCryptographicHash::Sha256).toHex();
}

// One hash per request: comparing hashes keeps the operator check constant-time too.
Identity ControlPlane::authenticate(QByteArrayView token) const
{
    const QByteArray hash = hashToken(token);
    if (hash == m_operatorTokenHash) {
        return {Identity::Role::Operator, {}};
    }
    const auto it = m_tokens.constFind(hash);
    if (it != m_tokens.cend()) {
        return {Identity::Role::Agent, it->agentId};
    }
    return {};
}

QUrl ControlPlane::url() const
{
    return m_server->baseUrl();
}

void ControlPlane::start()
{
    m_store->open()
            .then(this,
                  [this](int version) {
                      qCInfo(lcControlPlane) << "Database" << m_options.database.display()
                                             << "at schema version" << version;
                      if (auto *pg = qobject_cast<PostgresPubSub *>(m_pubsub)) {
                          pg->start();
                      }
                      // A previous run's streams are gone (on SQLite, every one of them).
                      m_store->forgetDeadStreams(m_options.database.engine ==
                                                 DatabaseLocation::Engine::Sqlite);
                      refreshStreamsLater();
                      m_eventsSubscription = m_pubsub->subscribe(
                              EventsChannel, this,
                              {[this](const QByteArray &payload) {
                                   const std::optional<QJsonObject> event =
                                           decodeEventMessage(payload);
                                   if (!event) {
                                       qCWarning(lcControlPlane)
                                               << "Dropped a malformed message on" << EventsChannel;
                                       return;
                                   }
                                   if (event->value(QStringLiteral("type")).toString() ==
                                       QLatin1String("agent_created")) {
                                       loadTokens({});
                                   }
                                   m_chat->handleEvent(*event);
                                   for (QWebSocket *socket : std::as_const(m_eventSockets)) {
                                       JsonResponse::send(socket, *event);
                                   }
                               },
                               [this](qint64 lost) {
                                   // An agent_created may be among them.
                                   whenListening([this] { loadTokens({}); });
                                   const QJsonObject event =
                                           eventMessage(QStringLiteral("lost"),
                                                        {{QStringLiteral("count"), lost}});
                                   for (QWebSocket *socket : std::as_const(m_eventSockets)) {
                                       JsonResponse::send(socket, event);
                                   }
                               }});
                      // Tokens are read once this replica hears the events channel: an
                      // agent created by another replica meanwhile is in one or the other.
                      whenListening([this] {
                          loadTokens([this] {
                              QString error;
                              // Listening first: a worker must not take leases for a
                              // server that then fails to start.
                              if (!m_server->listen(m_options.address, m_options.port, &error) ||
                                  !m_chat->start(&error)) {
                                  Q_EMIT failed(error);
                                  return;
                              }
                              Q_EMIT started();
                              resumePendingBuilds();
                          });
                      });
                  })
            .onFailed(this, [this](const StoreError &error) { Q_EMIT failed(error.message()); });
}

std::optional<QJsonObject> ControlPlane::decodeEventMessage(QByteArrayView payload)
{
    // Not Qt's reader as is: it would drop a U+FEFF from the start of a string or key, and so
    // relay another string, or a key twice.
    QJsonParseError error;
    const QJsonDocument document = StrictJson::qtDocument(payload, &error);
    if (error.error != QJsonParseError::NoError || !document.isObject()) {
        return std::nullopt;
    }
    QJsonObject event = document.object();
    const QJsonValue type = event.value(QStringLiteral("type"));
    if (!type.isString() || type.toString().isEmpty()) {
        return std::nullopt;
    }
    return event;
}

void ControlPlane::resumePendingBuilds()
{
    if (!m_options.echoProvisioner) {
        return; // external jobs end by their own POST .../complete
    }
    // A run killed between a build and its job's end left it pending: a claim would never be
    // published and the workspace could never build again.
    m_store->pendingBuilds()
            .then(this,
                  [this](const QList<BuildRecord> &builds) {
                      for (const BuildRecord &build : builds) {
                          qCInfo(lcControlPlane) << "Resuming the pending build" << build.id;
                          completeBuild(build, QStringLiteral("succeeded"), {}, nullptr);
                      }
                  })
            .onFailed(this, [](const StoreError &error) {
                qCWarning(lcControlPlane) << "Cannot read pending builds:" << error.message();
            });
}

void ControlPlane::whenListening(std::function<void()> then)
{
    auto *pg = qobject_cast<PostgresPubSub *>(m_pubsub);
    if (pg && !pg->isConnected()) {
        auto once = std::make_shared<QMetaObject::Connection>();
        *once = connect(pg, &PubSub::connectionChanged, this, [this, once, then](bool connected) {
            if (connected) {
                disconnect(*once);
                whenListening(then);
            }
        });
        return;
    }
    // The pubsub runs its commands in order on one connection: once this NOTIFY is done, the
    // LISTENs queued before it are in place.
    m_pubsub->publish(QStringLiteral("companion_barrier"), {}, this,
                      [this, then](const QString &error) {
                          if (!error.isEmpty()) {
                              whenListening(then); // the link went meanwhile: once it is back
                              return;
                          }
                          then();
                      });
}

void ControlPlane::loadTokens(std::function<void()> then)
{
    m_store->agentTokens()
            .then(this,
                  [this, then](const QHash<QByteArray, AgentKey> &tokens) {
                      setTokens(tokens);
                      if (then) {
                          then();
                      }
                  })
            .onFailed(this, [this, then](const StoreError &error) {
                if (then) {
                    Q_EMIT failed(error.message()); // at start; later, the old tokens stay
                } else {
                    qCWarning(lcControlPlane) << "Cannot reload agent tokens:" << error.message();
                }
            });
}

void ControlPlane::setTokens(const QHash<QByteArray, AgentKey> &tokens)
{
    m_tokens = tokens;
    m_agentWorkspaces.clear();
    for (const AgentKey &key : tokens) {
        m_agentWorkspaces.insert(key.agentId, key.workspaceId);
    }
}

void ControlPlane::refreshStreamsLater()
{
    // Less often than StaleAfterMs, so that a live replica's streams never look dead.
    m_streamRefresh = m_clock->callAfter(SseSender::PingInterval, this, [this] {
        if (!m_streams.isEmpty()) {
            m_store->refreshStreams(m_replicaId);
        }
        m_store->forgetDeadStreams(false);
        refreshStreamsLater();
    });
}

void ControlPlane::countStream(const QString &agentId, const QString &workspaceId, int delta)
{
    m_store->countAgentStream(agentId, m_replicaId, delta)
            .then(this,
                  [this, agentId, workspaceId](bool connected) {
                      Q_EMIT agentConnectionChanged(agentId, connected);
                      broadcast(eventMessage(QStringLiteral("agent_connection"),
                                             {{QStringLiteral("agent_id"), agentId},
                                              {QStringLiteral("workspace_id"), workspaceId},
                                              {QStringLiteral("connected"), connected}}));
                  })
            .onFailed(this, [agentId](const StoreError &error) {
                qCWarning(lcControlPlane)
                        << "Cannot count the reinit stream of" << agentId << ':' << error.message();
            });
}

void ControlPlane::broadcast(const QJsonObject &event)
{
    m_pubsub->publish(EventsChannel, QJsonDocument(event).toJson(QJsonDocument::Compact));
}

void ControlPlane::logReinit(const ReinitEventRecord &event)
{
    m_store->appendReinitEvent(event)
            .then(this,
                  [this](const ReinitEventRecord &stored) {
                      qCInfo(lcControlPlane).noquote()
                              << "reinit" << stored.kind << stored.workspaceId << stored.detail;
                      broadcast(eventMessage(QStringLiteral("reinit_event"),
                                             {{QStringLiteral("event"), stored.toJson()}}));
                      Q_EMIT reinitEventLogged(stored);
                  })
            .onFailed(this, [](const StoreError &error) {
                qCWarning(lcControlPlane) << "Cannot log a reinit event:" << error.message();
            });
}

void ControlPlane::addRoutes()
{
    using Http::Method;
    ApiServer::RouteOptions agent;
    agent.role = Identity::Role::Agent;
    ApiServer::RouteOptions small;
    small.maxBodyBytes = 64 * 1024;
    ApiServer::RouteOptions agentSmall = agent;
    agentSmall.maxBodyBytes = 64 * 1024;
    ApiServer::RouteOptions agentContext = agent;
    // A snapshot carries instruction files: the agent caps their payload at 2 MiB, which JSON
    // escaping can grow; 8 MiB leaves room and bounds what concurrent pushes can buffer.
    agentContext.maxBodyBytes = 8 * 1024 * 1024;

    m_server->addRoute(Method::Get, QStringLiteral("/api/v2/workspaces"),
                       [this](const ApiRequest &, HttpResponder &r) { listWorkspaces(r); });
    m_server->addRoute(
            Method::Post, QStringLiteral("/api/v2/workspaces"),
            [this](const ApiRequest &q, HttpResponder &r) { createWorkspace(q, r); }, small);
    m_server->addRoute(Method::Get, QStringLiteral("/api/v2/workspaces/{id}"),
                       [this](const ApiRequest &q, HttpResponder &r) {
                           auto responder = keep(r);
                           m_store->workspace(q.param(QStringLiteral("id")))
                                   .then(this,
                                         [responder](const WorkspaceRecord &w) {
                                             JsonResponse::write(*responder, Status::Ok,
                                                                 w.toJson());
                                         })
                                   .onFailed(this, answerFailure(responder));
                       });
    m_server->addRoute(
            Method::Get, QStringLiteral("/api/v2/workspaces/{id}/builds"),
            [this](const ApiRequest &q, HttpResponder &r) {
                auto responder = keep(r);
                m_store->builds(q.param(QStringLiteral("id")))
                        .then(this,
                              [responder](const QList<BuildRecord> &builds) {
                                  QJsonArray list;
                                  for (const BuildRecord &b : builds) {
                                      list.append(b.toJson());
                                  }
                                  JsonResponse::write(
                                          *responder, Status::Ok,
                                          QJsonObject {{QStringLiteral("builds"), list}});
                              })
                        .onFailed(this, answerFailure(responder));
            });
    m_server->addRoute(
            Method::Post, QStringLiteral("/api/v2/workspaces/{id}/claim"),
            [this](const ApiRequest &q, HttpResponder &r) { claimWorkspace(q, r); }, small);
    m_server->addRoute(
            Method::Post, QStringLiteral("/api/v2/workspaces/{id}/builds"),
            [this](const ApiRequest &q, HttpResponder &r) { transitionWorkspace(q, r); }, small);
    m_server->addRoute(
            Method::Post, QStringLiteral("/api/v2/workspacebuilds/{id}/complete"),
            [this](const ApiRequest &q, HttpResponder &r) { completeBuildRoute(q, r); }, small);
    m_server->addRoute(
            Method::Get, QStringLiteral("/api/v2/context-states"),
            [this](const ApiRequest &, HttpResponder &r) {
                auto responder = keep(r);
                m_store->contextStates()
                        .then(this,
                              [responder](const QList<ContextStateRecord> &states) {
                                  QJsonArray list;
                                  for (const ContextStateRecord &s : states) {
                                      list.append(s.toJson(false));
                                  }
                                  JsonResponse::write(
                                          *responder, Status::Ok,
                                          QJsonObject {{QStringLiteral("context_states"), list}});
                              })
                        .onFailed(this, answerFailure(responder));
            });
    m_server->addRoute(
            Method::Get, QStringLiteral("/api/v2/workspaceagents/{id}/context-state"),
            [this](const ApiRequest &q, HttpResponder &r) {
                auto responder = keep(r);
                const QString id = q.param(QStringLiteral("id"));
                m_store->contextState(id)
                        .then(this,
                              [responder, id](const std::optional<ContextStateRecord> &s) {
                                  if (!s) {
                                      JsonResponse::message(
                                              *responder, Status::NotFound,
                                              QStringLiteral("Not found."),
                                              QStringLiteral(
                                                      "Agent %1 has pushed no context state.")
                                                      .arg(id));
                                      return;
                                  }
                                  JsonResponse::write(*responder, Status::Ok, s->toJson(true));
                              })
                        .onFailed(this, answerFailure(responder));
            });
    m_server->addRoute(
            Method::Get, QStringLiteral("/api/v2/reinit-events"),
            [this](const ApiRequest &q, HttpResponder &r) {
                const QUrlQuery query = q.query();
                bool okAfter = true;
                bool okLimit = true;
                const QString afterText = query.queryItemValue(QStringLiteral("after"));
                const QString limitText = query.queryItemValue(QStringLiteral("limit"));
                const qint64 after = afterText.isEmpty() ? 0 : afterText.toLongLong(&okAfter);
                const int limit = limitText.isEmpty() ? 1000 : limitText.toInt(&okLimit);
                if (!okAfter || !okLimit || after < 0 || limit < 1 || limit > 10000) {
                    JsonResponse::message(
                            r, Status::BadRequest, QStringLiteral("Invalid query."),
                            QStringLiteral("after is an event id ≥ 0; limit is 1 to 10000."));
                    return;
                }
                auto responder = keep(r);
                m_store->reinitEvents(query.queryItemValue(QStringLiteral("workspace")), after,
                                      limit)
                        .then(this,
                              [responder](const QList<ReinitEventRecord> &events) {
                                  QJsonArray list;
                                  for (const ReinitEventRecord &e : events) {
                                      list.append(e.toJson());
                                  }
                                  JsonResponse::write(
                                          *responder, Status::Ok,
                                          QJsonObject {{QStringLiteral("events"), list}});
                              })
                        .onFailed(this, answerFailure(responder));
            });
    m_server->addWebSocketRoute(QStringLiteral("/api/v2/events"),
                                [this](std::unique_ptr<QWebSocket> socket, const ApiRequest &) {
                                    eventsSocket(std::move(socket));
                                });

    // The agent's side.
    m_server->addRoute(
            Method::Get, QStringLiteral("/api/v2/workspaceagents/me/reinit"),
            [this](const ApiRequest &q, HttpResponder &r) { reinitRoute(q, r); }, agent);
    m_server->addRoute(
            Method::Post, QStringLiteral("/api/v2/workspaceagents/me/context-state"),
            [this](const ApiRequest &q, HttpResponder &r) { contextStateRoute(q, r); },
            agentContext);
    m_server->addRoute(
            Method::Post, QStringLiteral("/api/v2/workspaceagents/me/report"),
            [this](const ApiRequest &q, HttpResponder &r) { reportRoute(q, r); }, agentSmall);
    m_server->addRoute(
            Method::Post, QStringLiteral("/api/v2/workspaceagents/me/reinit-events"),
            [this](const ApiRequest &q, HttpResponder &r) { agentReinitEventRoute(q, r); },
            agentSmall);
}

void ControlPlane::listWorkspaces(HttpResponder &r)
{
    auto responder = keep(r);
    m_store->workspaces()
            .then(this,
                  [responder](const QList<WorkspaceRecord> &all) {
                      QJsonArray list;
                      for (const WorkspaceRecord &w : all) {
                          list.append(w.toJson());
                      }
                      JsonResponse::write(*responder, Status::Ok,
                                          QJsonObject {{QStringLiteral("workspaces"), list}});
                  })
            .onFailed(this, answerFailure(responder));
}

void ControlPlane::createWorkspace(const ApiRequest &request, HttpResponder &r)
{
    const std::optional<QJsonObject> body = readBody(request, r);
    if (!body) {
        return;
    }
    const QJsonValue name = body->value(QStringLiteral("name"));
    const QJsonValue prebuilt = body->value(QStringLiteral("prebuilt"));
    const QJsonValue owner = body->value(QStringLiteral("owner"));
    const QJsonValue agentName = body->value(QStringLiteral("agent_name"));
    if (!name.isString() || (!prebuilt.isUndefined() && !prebuilt.isBool()) ||
        (!owner.isUndefined() && !owner.isString()) ||
        (!agentName.isUndefined() && !agentName.isString())) {
        JsonResponse::message(r, Status::BadRequest, QStringLiteral("Invalid request."),
                              QStringLiteral("Expected {\"name\": string, \"prebuilt\": bool, "
                                             "\"owner\": string, \"agent_name\": string}."));
        return;
    }
    if (prebuilt.toBool() && owner.isString()) {
        JsonResponse::message(r, Status::BadRequest, QStringLiteral("Invalid request."),
                              QStringLiteral("A prebuilt workspace belongs to the prebuilds user "
                                             "until it is claimed: leave \"owner\" out."));
        return;
    }
    const QByteArray token = TokenFile::generate();
    auto responder = keep(r);
    m_store->createWorkspace(name.toString(), owner.toString(QStringLiteral("operator")),
                             prebuilt.toBool(), agentName.toString(QStringLiteral("main")),
                             hashToken(token))
            .then(this,
                  [this, responder, token](const WorkspaceRecord &w) {
                      m_tokens.insert(hashToken(token), {w.agent->id, w.id});
                      m_agentWorkspaces.insert(w.agent->id, w.id);
                      QJsonObject json = w.toJson();
                      json.insert(QStringLiteral("agent_id"), w.agent->id);
                      json.insert(QStringLiteral("agent_token"), QString::fromLatin1(token));
                      JsonResponse::write(*responder, Status::Created, json);
                      broadcast(eventMessage(QStringLiteral("agent_created"),
                                             {{QStringLiteral("agent_id"), w.agent->id}}));
                      broadcast(eventMessage(QStringLiteral("workspace"),
                                             {{QStringLiteral("workspace_id"), w.id}}));
                      completeBuild(w.latestBuild, QStringLiteral("succeeded"), {}, nullptr);
                  })
            .onFailed(this, answerFailure(responder));
}

void ControlPlane::registerWorkspace(
        const QString &name, const QString &ownerName, const QByteArray &agentToken,
        std::function<void(const WorkspaceRecord &, const QString &error)> done)
{
    const QByteArray hash = hashToken(agentToken);
    const auto registered = [this, hash, done](const WorkspaceRecord &w, bool created) {
        m_tokens.insert(hash, {w.agent->id, w.id});
        m_agentWorkspaces.insert(w.agent->id, w.id);
        broadcast(eventMessage(QStringLiteral("agent_created"),
                               {{QStringLiteral("agent_id"), w.agent->id}}));
        broadcast(eventMessage(QStringLiteral("workspace"),
                               {{QStringLiteral("workspace_id"), w.id}}));
        if (created) {
            completeBuild(w.latestBuild, QStringLiteral("succeeded"), {}, nullptr);
        }
        done(w, {});
    };
    m_store->createWorkspace(name, ownerName, false, QStringLiteral("main"), hash)
            .then(this, [registered](const WorkspaceRecord &w) { registered(w, true); })
            .onFailed(this, [this, name, hash, registered, done](const StoreError &error) {
                if (error.kind() != StoreError::Kind::Conflict) {
                    done({}, error.message());
                    return;
                }
                m_store->setAgentToken(name, hash)
                        .then(this,
                              [registered](const WorkspaceRecord &w) { registered(w, false); })
                        .onFailed(this,
                                  [done](const StoreError &error) { done({}, error.message()); });
            });
}

void ControlPlane::claimWorkspace(const ApiRequest &request, HttpResponder &r)
{
    const std::optional<QJsonObject> body =
            readBody(request, r, {QStringLiteral("owner")}, QStringLiteral("ClaimRequest"));
    if (!body) {
        return;
    }
    const QJsonValue owner = body->value(QStringLiteral("owner"));
    if (!owner.isString() || owner.toString().isEmpty()) {
        JsonResponse::message(r, Status::BadRequest, QStringLiteral("Invalid request."),
                              QStringLiteral("Expected {\"owner\": \"user name\"}."));
        return;
    }
    auto responder = keep(r);
    m_store->claim(request.param(QStringLiteral("id")), owner.toString())
            .then(this,
                  [this, responder](const ClaimResult &claim) {
                      QJsonObject json = claim.build.toJson();
                      json.insert(QStringLiteral("previous_owner_id"), claim.previousOwnerId);
                      json.insert(QStringLiteral("owner_id"), claim.ownerId);
                      JsonResponse::write(*responder, Status::Accepted, json);
                      broadcast(eventMessage(
                              QStringLiteral("workspace"),
                              {{QStringLiteral("workspace_id"), claim.build.workspaceId}}));
                      completeBuild(claim.build, QStringLiteral("succeeded"), {}, nullptr);
                  })
            .onFailed(this, answerFailure(responder));
}

void ControlPlane::transitionWorkspace(const ApiRequest &request, HttpResponder &r)
{
    const std::optional<QJsonObject> body = readBody(request, r, {QStringLiteral("transition")},
                                                     QStringLiteral("CreateWorkspaceBuildRequest"));
    if (!body) {
        return;
    }
    auto responder = keep(r);
    m_store->transition(request.param(QStringLiteral("id")),
                        body->value(QStringLiteral("transition")).toString())
            .then(this,
                  [this, responder](const BuildRecord &build) {
                      JsonResponse::write(*responder, Status::Created, build.toJson());
                      broadcast(
                              eventMessage(QStringLiteral("workspace"),
                                           {{QStringLiteral("workspace_id"), build.workspaceId}}));
                      completeBuild(build, QStringLiteral("succeeded"), {}, nullptr);
                  })
            .onFailed(this, answerFailure(responder));
}

// The echo provisioner: every job ends at once with `status`. An external one calls the
// complete route instead.
void ControlPlane::completeBuild(const BuildRecord &build, const QString &status,
                                 const QString &error, HttpResponder *r)
{
    if (!r && !m_options.echoProvisioner) {
        return;
    }
    std::shared_ptr<HttpResponder> responder = r ? keep(*r) : nullptr;
    m_store->completeBuild(build.id, status, error)
            .then(this,
                  [this, responder](const BuildRecord &done) {
                      if (responder) {
                          JsonResponse::write(*responder, Status::Ok, done.toJson());
                      }
                      onBuildCompleted(done);
                  })
            .onFailed(this, [responder](const StoreError &e) {
                if (responder) {
                    answerFailure(responder)(e);
                } else {
                    qCWarning(lcControlPlane) << "Cannot complete a build:" << e.message();
                }
            });
}

void ControlPlane::completeBuildRoute(const ApiRequest &request, HttpResponder &r)
{
    const std::optional<QJsonObject> body =
            readBody(request, r, {QStringLiteral("status"), QStringLiteral("error")},
                     QStringLiteral("CompleteJobRequest"));
    if (!body) {
        return;
    }
    BuildRecord build;
    build.id = request.param(QStringLiteral("id"));
    completeBuild(build, body->value(QStringLiteral("status")).toString(),
                  body->value(QStringLiteral("error")).toString(), &r);
}

// provisionerdserver CompleteJob: a claim build that succeeded publishes the claim; the
// stream of whichever replica holds the agent delivers it.
void ControlPlane::onBuildCompleted(const BuildRecord &build)
{
    broadcast(eventMessage(QStringLiteral("workspace"),
                           {{QStringLiteral("workspace_id"), build.workspaceId}}));
    if (build.prebuildStage != QLatin1String("claim")) {
        return;
    }
    ReinitEventRecord record;
    record.workspaceId = build.workspaceId;
    record.reason = QString(ReinitEvent::ReasonPrebuildClaimed);
    record.previousOwnerId = Records::PrebuildsUserId;
    record.newOwnerId = build.initiatorId;
    if (build.jobStatus != QLatin1String("succeeded")) {
        record.kind = QStringLiteral("claim_failed");
        record.detail = QStringLiteral("claim build %1 %2: %3")
                                .arg(build.number)
                                .arg(build.jobStatus, build.error);
        logReinit(record);
        return;
    }
    const ReinitEvent event {build.workspaceId, QString(ReinitEvent::ReasonPrebuildClaimed),
                             build.initiatorId};
    m_pubsub->publish(Claims::channel(build.workspaceId), event.toJson(), this,
                      [this, record](const QString &error) mutable {
                          if (error.isEmpty()) {
                              record.kind = QStringLiteral("claim_published");
                          } else {
                              // The durable check still delivers it at the agent's next wait.
                              record.kind = QStringLiteral("publish_failed");
                              record.detail =
                                      QStringLiteral("failed to trigger prebuilt workspace agent "
                                                     "reinitialization: %1")
                                              .arg(error);
                          }
                          logReinit(record);
                      });
}

void ControlPlane::reinitRoute(const ApiRequest &request, HttpResponder &r)
{
    const QString agentId = request.identity().subject;
    const bool wait =
            request.query().queryItemValue(QStringLiteral("wait")) == QLatin1String("true");
    // The token named the workspace: subscribe to its claims now, then check the database.
    auto *stream =
            new ReinitStream(this, std::move(r), agentId, m_agentWorkspaces.value(agentId), wait);
    m_streams.insert(stream);
    stream->check();
}

void ControlPlane::contextStateRoute(const ApiRequest &request, HttpResponder &r)
{
    const std::optional<QJsonObject> body = readBody(request, r);
    if (!body) {
        return;
    }
    const QJsonValue version = body->value(QStringLiteral("version"));
    const QJsonValue hash = body->value(QStringLiteral("aggregate_hash"));
    const QJsonValue resources = body->value(QStringLiteral("resources"));
    const QJsonValue initial = body->value(QStringLiteral("initial"));
    if (!version.isDouble() || version.toInteger(-1) < 1 || !hash.isString() ||
        !resources.isArray() || (!initial.isUndefined() && !initial.isBool())) {
        JsonResponse::message(r, Status::BadRequest, QStringLiteral("Invalid context state."),
                              QStringLiteral("Expected version (≥ 1), aggregate_hash, resources "
                                             "and initial."));
        return;
    }
    ContextStateRecord state;
    state.agentId = request.identity().subject;
    state.version = version.toInteger();
    state.aggregateHash = hash.toString();
    state.initial = initial.toBool();
    state.resourceCount = int(resources.toArray().size());
    state.snapshot = request.body();
    auto responder = keep(r);
    m_store->storeContextState(state)
            .then(this,
                  [this, responder, state](bool accepted) {
                      JsonResponse::write(*responder, Status::Ok,
                                          QJsonObject {{QStringLiteral("accepted"), accepted}});
                      if (accepted) {
                          broadcast(eventMessage(
                                  QStringLiteral("context_state"),
                                  {{QStringLiteral("agent_id"), state.agentId},
                                   {QStringLiteral("version"), state.version},
                                   {QStringLiteral("aggregate_hash"), state.aggregateHash}}));
                      }
                  })
            .onFailed(this, answerFailure(responder));
}

void ControlPlane::reportRoute(const ApiRequest &request, HttpResponder &r)
{
    const std::optional<QJsonObject> body =
            readBody(request, r, {QStringLiteral("api_url"), QStringLiteral("api_token")},
                     QStringLiteral("ReportRequest"));
    if (!body) {
        return;
    }
    const QString agentId = request.identity().subject;
    const QString apiUrl = body->value(QStringLiteral("api_url")).toString();
    // Clients open this URL: only an absolute http(s) URL with a host, or none.
    const QUrl parsed(apiUrl, QUrl::StrictMode);
    if (!apiUrl.isEmpty() &&
        (apiUrl.size() > 2048 || !parsed.isValid() || parsed.host().isEmpty() ||
         (parsed.scheme() != QLatin1String("http") && parsed.scheme() != QLatin1String("https")) ||
         !parsed.userInfo().isEmpty())) {
        JsonResponse::message(r, Status::BadRequest, QStringLiteral("Invalid api_url."),
                              QStringLiteral("Expected an http or https URL with a host and no "
                                             "user info, at most 2048 characters."));
        return;
    }
    // The chat runtime dials the agent's API with it; no route ever returns it. A header value:
    // printable ASCII only.
    const QJsonValue tokenValue = body->value(QStringLiteral("api_token"));
    const QString tokenText = tokenValue.toString();
    if (!tokenValue.isUndefined() &&
        (!tokenValue.isString() || tokenText.size() > 512 ||
         std::any_of(tokenText.cbegin(), tokenText.cend(),
                     [](QChar c) { return c.unicode() < 0x21 || c.unicode() > 0x7e; }))) {
        JsonResponse::message(r, Status::BadRequest, QStringLiteral("Invalid api_token."),
                              QStringLiteral("Expected at most 512 printable ASCII characters."));
        return;
    }
    const QByteArray apiToken = tokenText.toLatin1();
    auto responder = keep(r);
    m_store->reportAgent(agentId, apiUrl, apiToken)
            .then(this,
                  [this, responder, agentId]() {
                      m_store->reinitCheck(agentId)
                              .then(this,
                                    [this, responder, agentId](const ReinitCheck &check) {
                                        JsonResponse::write(
                                                *responder, Status::Ok,
                                                QJsonObject {{QStringLiteral("agent_id"), agentId},
                                                             {QStringLiteral("workspace_id"),
                                                              check.workspaceId},
                                                             {QStringLiteral("owner_id"),
                                                              check.ownerId}});
                                        broadcast(eventMessage(QStringLiteral("workspace"),
                                                               {{QStringLiteral("workspace_id"),
                                                                 check.workspaceId}}));
                                    })
                              .onFailed(this, answerFailure(responder));
                  })
            .onFailed(this, answerFailure(responder));
}

// What only the agent knows: it reinitialized, ignored a duplicate, or could not connect.
void ControlPlane::agentReinitEventRoute(const ApiRequest &request, HttpResponder &r)
{
    const std::optional<QJsonObject> body = readBody(request, r);
    if (!body) {
        return;
    }
    static const QStringList kinds {QStringLiteral("reinitialized"),
                                    QStringLiteral("ignored_duplicate"),
                                    QStringLiteral("transport_error")};
    const QString kind = body->value(QStringLiteral("kind")).toString();
    if (!kinds.contains(kind)) {
        JsonResponse::message(
                r, Status::BadRequest, QStringLiteral("Invalid reinit event."),
                QStringLiteral("kind is one of %1.").arg(kinds.join(QStringLiteral(", "))));
        return;
    }
    const QString agentId = request.identity().subject;
    ReinitEventRecord record;
    record.agentId = agentId;
    record.kind = kind;
    record.at = body->value(QStringLiteral("at")).toInteger();
    record.reason = body->value(QStringLiteral("reason")).toString().left(200);
    record.previousOwnerId = body->value(QStringLiteral("previous_owner_id")).toString().left(64);
    record.newOwnerId = body->value(QStringLiteral("new_owner_id")).toString().left(64);
    record.detail = body->value(QStringLiteral("detail")).toString().left(2000);
    record.retryMs = body->value(QStringLiteral("retry_ms")).toInteger();
    auto responder = keep(r);
    const bool ack = kind != QLatin1String("transport_error");
    m_store->reinitCheck(agentId)
            .then(this,
                  [this, responder, record, ack](const ReinitCheck &check) mutable {
                      record.workspaceId = check.workspaceId;
                      if (ack && check.latestBuild.prebuildStage == QLatin1String("claim")) {
                          // The agent has run for this claim: later reconnects are not seeded.
                          m_store->ackClaimBuild(record.agentId, check.latestBuild.id);
                      }
                      logReinit(record);
                      JsonResponse::write(*responder, Status::Accepted,
                                          QJsonObject {{QStringLiteral("logged"), true}});
                  })
            .onFailed(this, answerFailure(responder));
}

void ControlPlane::eventsSocket(std::unique_ptr<QWebSocket> owned)
{
    QWebSocket *socket = owned.release();
    socket->setParent(this);
    m_eventSockets.insert(socket);
    connect(socket, &QWebSocket::disconnected, this, [this, socket] {
        m_eventSockets.remove(socket);
        socket->deleteLater();
    });
    JsonResponse::send(socket, eventMessage(QStringLiteral("hello"), {}));
}
