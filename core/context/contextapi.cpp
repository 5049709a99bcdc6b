#include "contextapi.h"

#include "contextwatcher.h"

#include "contextmanager.h"
#include "contextpaths.h"
#include "contextpushloop.h"
#include "http/apiserver.h"
#include "http/jsonresponse.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTimer>
#include <QWebSocket>

using Method = Http::Method;
using Status = Http::Status;
using JsonResponse::goQuoted;

namespace {

// Upstream's [{"path"}], plus our "status" ("ok" or "rejected") and the rejection's "error".
QJsonArray sourcesJson(const ContextManager *manager)
{
    QJsonArray array;
    for (const QString &path : manager->sources()) {
        const QString rejection = manager->sourceRejection(path);
        QJsonObject source {
                {QStringLiteral("path"), path},
                {QStringLiteral("status"),
                 rejection.isEmpty() ? QStringLiteral("ok") : QStringLiteral("rejected")}};
        if (!rejection.isEmpty()) {
            source.insert(QStringLiteral("error"), ContextPaths::forDisplay(rejection));
        }
        array.append(source);
    }
    return array;
}

QJsonObject pushStatusJson(const ContextPushLoop *loop, const ContextManager *manager)
{
    ContextPushStatus status = loop ? loop->status() : ContextPushStatus();
    status.watchDegradation = manager->watcherDegradation();
    if (const ContextWatcher *watcher = manager->watcher()) {
        const QHash<QString, QString> failed = watcher->failedWatches();
        for (auto it = failed.constBegin(); it != failed.constEnd(); ++it) {
            status.watchFailures.append(it.key() + QStringLiteral(": ") + it.value());
        }
        status.watchFailures.sort();
    }
    return status.toJson();
}

} // namespace

ContextApi::ContextApi(ContextManager *manager, ContextPushLoop *pushLoop, ApiServer *server,
                       QObject *parent)
    : QObject(parent)
    , m_manager(manager)
    , m_pushLoop(pushLoop)
{
    using Handler = void (ContextApi::*)(const ApiRequest &, HttpResponder &);
    const auto bind = [this](Handler handler) {
        return [this, handler](const ApiRequest &request, HttpResponder &responder) {
            if (!m_manager) {
                JsonResponse::message(responder, Status::ServiceUnavailable,
                                      QStringLiteral("The context manager is gone."));
                return;
            }
            (this->*handler)(request, responder);
        };
    };
    const QString base = QStringLiteral("/api/v0/context");
    server->addRoute(Method::Get, base + QStringLiteral("/sources"),
                     bind(&ContextApi::handleListSources));
    server->addRoute(Method::Post, base + QStringLiteral("/sources"),
                     bind(&ContextApi::handleAddSource));
    server->addRoute(Method::Get, base + QStringLiteral("/sources/{path}"),
                     bind(&ContextApi::handleGetSource));
    server->addRoute(Method::Delete, base + QStringLiteral("/sources/{path}"),
                     bind(&ContextApi::handleDeleteSource));
    server->addRoute(Method::Post, base + QStringLiteral("/resync"),
                     bind(&ContextApi::handleResync));
    server->addRoute(Method::Get, base + QStringLiteral("/snapshot"),
                     bind(&ContextApi::handleSnapshot));
    server->addRoute(Method::Get, base + QStringLiteral("/content"),
                     bind(&ContextApi::handleContent));
    server->addRoute(Method::Get, base + QStringLiteral("/timeline"),
                     bind(&ContextApi::handleTimeline));
    server->addRoute(Method::Get, base + QStringLiteral("/push"),
                     bind(&ContextApi::handlePushStatus));
    server->addRoute(Method::Post, base + QStringLiteral("/push/retry"),
                     bind(&ContextApi::handlePushRetry));
    server->addWebSocketRoute(base + QStringLiteral("/watch"),
                              [this](std::unique_ptr<QWebSocket> socket, const ApiRequest &) {
                                  handleWatch(socket.release());
                              });
}

ContextApi::~ContextApi() = default;

void ContextApi::handleListSources(const ApiRequest &, HttpResponder &responder)
{
    JsonResponse::write(responder, Status::Ok, sourcesJson(m_manager));
}

std::optional<QString> ContextApi::parseAddSourceRequest(const ApiRequest &request,
                                                         QString *message, QString *detail)
{
    QString error;
    const std::optional<QJsonObject> body = request.jsonObject(&error);
    if (!body) {
        *message = QStringLiteral("Request body must be valid JSON.");
        *detail = error;
        return std::nullopt;
    }
    const QJsonValue path = body->value(QStringLiteral("path"));
    if (!path.isUndefined() && !path.isNull() && !path.isString()) {
        *message = QStringLiteral("Request body must be valid JSON.");
        *detail =
                QStringLiteral(
                        "json: cannot unmarshal %1 into Go struct field Source.path of type string")
                        .arg(path.isDouble() ? QStringLiteral("number") : QStringLiteral("value"));
        return std::nullopt;
    }
    return path.toString();
}

void ContextApi::handleAddSource(const ApiRequest &request, HttpResponder &responder)
{
    QString message;
    QString detail;
    const std::optional<QString> path = parseAddSourceRequest(request, &message, &detail);
    if (!path) {
        JsonResponse::message(responder, Status::BadRequest, message, detail);
        return;
    }
    QString error;
    const std::optional<QString> identity = m_manager->addSource(*path, &error);
    if (!identity) {
        JsonResponse::message(responder, Status::BadRequest,
                              QStringLiteral("Could not add context source."), error);
        return;
    }
    JsonResponse::write(responder, Status::Created,
                        QJsonObject {{QStringLiteral("path"), *identity}});
}

void ContextApi::handleGetSource(const ApiRequest &request, HttpResponder &responder)
{
    const QString path = request.param(QStringLiteral("path"));
    const auto found = m_manager->hasSource(path);
    // A malformed path is simply not a source, as upstream's HasSource says.
    if (!found || !found->second) {
        JsonResponse::message(
                responder, Status::NotFound, QStringLiteral("Context source not found."),
                QStringLiteral("No source registered for path %1.").arg(goQuoted(path)));
        return;
    }
    JsonResponse::write(responder, Status::Ok,
                        QJsonObject {{QStringLiteral("path"), found->first}});
}

void ContextApi::handleDeleteSource(const ApiRequest &request, HttpResponder &responder)
{
    const QString path = request.param(QStringLiteral("path"));
    QString error;
    if (!m_manager->removeSource(path, &error)) {
        JsonResponse::message(
                responder, Status::NotFound, QStringLiteral("Context source not found."),
                QStringLiteral("No source registered for path %1.").arg(goQuoted(path)));
        return;
    }
    responder.write(Status::NoContent);
}

void ContextApi::handleResync(const ApiRequest &, HttpResponder &responder)
{
    if (m_manager->isClosed()) {
        JsonResponse::message(responder, Status::InternalServerError,
                              QStringLiteral("Resync failed."),
                              QStringLiteral("agentcontext: manager closed"));
        return;
    }
    // Answer when this resolve is published, without blocking the event loop.
    auto held = std::make_shared<HttpResponder>(std::move(responder));
    auto *context = new QObject(this);
    const quint64 ticket = m_manager->resync();
    held->onAbandoned(context, [context] { context->deleteLater(); });
    connect(m_manager, &ContextManager::resyncFinished, context,
            [held, context, ticket](quint64 finished, const ContextSnapshot &snapshot) {
                if (finished != ticket) {
                    return;
                }
                JsonResponse::write(*held, Status::Ok, snapshot.toJson());
                context->deleteLater();
            });
    connect(m_manager, &ContextManager::resyncFailed, context,
            [held, context, ticket](quint64 failed, const QString &error) {
                if (failed != ticket) {
                    return;
                }
                JsonResponse::message(*held, Status::InternalServerError,
                                      QStringLiteral("Resync failed."), error);
                context->deleteLater();
            });
    QTimer::singleShot(ResyncTimeout, context, [held, context] {
        JsonResponse::message(*held, Status::GatewayTimeout, QStringLiteral("Resync failed."),
                              QStringLiteral("context deadline exceeded"));
        context->deleteLater();
    });
}

void ContextApi::handleSnapshot(const ApiRequest &, HttpResponder &responder)
{
    JsonResponse::write(responder, Status::Ok, m_manager->snapshot().toJson());
}

void ContextApi::handleContent(const ApiRequest &request, HttpResponder &responder)
{
    const QString id = request.query().queryItemValue(QStringLiteral("id"), QUrl::FullyDecoded);
    const ContextSnapshot snapshot = m_manager->snapshot();
    // Clients know a name that is not UTF-8 only as JSON shows it, with U+FFFD: the exact id
    // first, then the display form, which must name one resource only.
    const ContextResource *match = nullptr;
    int shownAlike = 0;
    for (const ContextResource &resource : snapshot.resources) {
        if (resource.id == id) {
            match = &resource;
            shownAlike = 1;
            break;
        }
        if (ContextPaths::forDisplay(resource.id) == id) {
            match = match ? match : &resource;
            ++shownAlike;
        }
    }
    if (shownAlike > 1) {
        JsonResponse::message(responder, Status::Conflict,
                              QStringLiteral("Several resources show as this id."),
                              QStringLiteral("%1 names %2 files whose names differ only in bytes "
                                             "that are not UTF-8.")
                                      .arg(goQuoted(id))
                                      .arg(shownAlike));
        return;
    }
    for (const ContextResource &resource : snapshot.resources) {
        if (&resource != match) {
            continue;
        }
        if (resource.kind == ResourceKind::McpConfig) {
            JsonResponse::message(
                    responder, Status::Forbidden,
                    QStringLiteral("MCP config contents never leave the agent."),
                    QStringLiteral("%1 may hold secrets; only its hash and size are shared.")
                            .arg(ContextPaths::forDisplay(resource.source)));
            return;
        }
        QString reason;
        if (resource.status == ResourceStatus::Ok && !m_manager->mayServe(resource, &reason)) {
            JsonResponse::message(responder, Status::Forbidden,
                                  QStringLiteral("Resource is outside the scan roots."),
                                  ContextPaths::forDisplay(reason));
            return;
        }
        if (resource.status != ResourceStatus::Ok) {
            JsonResponse::message(
                    responder, Status::NotFound, QStringLiteral("Resource has no content."),
                    ContextPaths::forDisplay(QStringLiteral("%1 is %2: %3")
                                                     .arg(resource.id,
                                                          resourceStatusName(resource.status),
                                                          resource.error)));
            return;
        }
        JsonResponse::write(
                responder, Status::Ok,
                QJsonObject {{QStringLiteral("id"), ContextPaths::forDisplay(resource.id)},
                             {QStringLiteral("kind"), resourceKindName(resource.kind)},
                             {QStringLiteral("size_bytes"), qint64(resource.sizeBytes)},
                             {QStringLiteral("content_base64"),
                              QString::fromLatin1(resource.payload.toBase64())}});
        return;
    }
    JsonResponse::message(responder, Status::NotFound, QStringLiteral("Resource not found."),
                          QStringLiteral("No resource %1 in snapshot version %2.")
                                  .arg(goQuoted(id))
                                  .arg(snapshot.version));
}

void ContextApi::handleTimeline(const ApiRequest &, HttpResponder &responder)
{
    QJsonArray entries;
    for (const ContextTimelineEntry &entry : m_manager->timeline()) {
        entries.append(entry.toJson());
    }
    JsonResponse::write(responder, Status::Ok, QJsonObject {{QStringLiteral("timeline"), entries}});
}

void ContextApi::handlePushStatus(const ApiRequest &, HttpResponder &responder)
{
    JsonResponse::write(responder, Status::Ok, pushStatusJson(m_pushLoop, m_manager));
}

void ContextApi::handlePushRetry(const ApiRequest &, HttpResponder &responder)
{
    if (!m_pushLoop) {
        JsonResponse::message(
                responder, Status::Conflict, QStringLiteral("Pushing is not configured."),
                QStringLiteral("Start the agent with --control-plane to push context."));
        return;
    }
    if (m_pushLoop->state() != ContextPushLoop::State::BackingOff) {
        JsonResponse::message(responder, Status::Conflict,
                              QStringLiteral("No push is waiting for a retry."),
                              QStringLiteral("The push loop is %1.")
                                      .arg(ContextPushLoop::stateName(m_pushLoop->state())));
        return;
    }
    m_pushLoop->retryNow();
    // The retried push goes out as it was; a resolve now makes sure the next one carries what
    // is on disk (the timeline names it a push retry).
    m_manager->resync(ContextManager::Trigger::PushRetry);
    JsonResponse::write(responder, Status::Ok, pushStatusJson(m_pushLoop, m_manager));
}

void ContextApi::handleWatch(QWebSocket *socket)
{
    socket->setParent(this);
    connect(socket, &QWebSocket::disconnected, socket, &QObject::deleteLater);
    QJsonArray timeline;
    for (const ContextTimelineEntry &entry : m_manager->timeline()) {
        timeline.append(entry.toJson());
    }
    JsonResponse::send(socket,
                       {{QStringLiteral("type"), QStringLiteral("hello")},
                        {QStringLiteral("snapshot"), m_manager->snapshot().toJson()},
                        {QStringLiteral("sources"), sourcesJson(m_manager)},
                        {QStringLiteral("push"), pushStatusJson(m_pushLoop, m_manager)},
                        {QStringLiteral("timeline"), timeline},
                        {QStringLiteral("resolving"), m_manager->isResolving()}});
    connect(m_manager, &ContextManager::snapshotChanged, socket,
            [this, socket](const ContextSnapshot &snapshot) {
                const QList<ContextTimelineEntry> timeline = m_manager->timeline();
                QJsonObject o {{QStringLiteral("type"), QStringLiteral("snapshot")},
                               {QStringLiteral("snapshot"), snapshot.toJson()}};
                if (!timeline.isEmpty() && timeline.last().version == snapshot.version) {
                    o.insert(QStringLiteral("timeline_entry"), timeline.last().toJson());
                }
                JsonResponse::send(socket, o);
            });
    connect(m_manager, &ContextManager::sourcesChanged, socket, [this, socket] {
        JsonResponse::send(socket,
                           {{QStringLiteral("type"), QStringLiteral("sources")},
                            {QStringLiteral("sources"), sourcesJson(m_manager)}});
    });
    connect(m_manager, &ContextManager::resolvingChanged, socket, [socket](bool resolving) {
        JsonResponse::send(socket,
                           {{QStringLiteral("type"), QStringLiteral("resolving")},
                            {QStringLiteral("resolving"), resolving}});
    });
    const auto sendPush = [this, socket] {
        JsonResponse::send(socket,
                           {{QStringLiteral("type"), QStringLiteral("push")},
                            {QStringLiteral("push"), pushStatusJson(m_pushLoop, m_manager)}});
    };
    if (m_pushLoop) {
        connect(m_pushLoop, &ContextPushLoop::statusChanged, socket, sendPush);
    }
    if (ContextWatcher *watcher = m_manager->watcher()) {
        connect(watcher, &ContextWatcher::failedWatchesChanged, socket, sendPush);
        connect(watcher, &ContextWatcher::degradationChanged, socket, sendPush);
    }
}
