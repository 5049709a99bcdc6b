#include "chatservice.h"

#include "controlplane.h"
#include "routehelpers.h"

#include "chat/chatstore.h"
#include "chat/chattasks.h"
#include "chat/chatworker.h"
#include "chat/runnermanager.h"
#include "http/apiserver.h"
#include "http/jsonresponse.h"

#include <QJsonDocument>
#include <QLoggingCategory>
#include <QUuid>

Q_DECLARE_LOGGING_CATEGORY(lcControlPlane)

using namespace ControlPlaneRoutes;
using Http::Status;

namespace {

QJsonObject eventJson(const RunnerEvent &event)
{
    return {{QStringLiteral("at"), event.at},
            {QStringLiteral("kind"), event.kind},
            {QStringLiteral("detail"), event.detail.left(ChatService::MaxDetailLength)}};
}

QJsonObject keyFields(const RunnerKey &key, const QString &workerId)
{
    return {{QStringLiteral("chat_id"), key.chatId},
            {QStringLiteral("runner_id"), key.runnerId},
            {QStringLiteral("worker_id"), workerId}};
}

RunnerKey keyOf(const QJsonObject &object)
{
    return {object.value(QStringLiteral("chat_id")).toString(),
            object.value(QStringLiteral("runner_id")).toString()};
}

// What moves a runner's entry, not counting the clock.
QJsonObject withoutAge(QJsonObject info)
{
    info.remove(QStringLiteral("heartbeat_age_ms"));
    return info;
}

// A chat in an events message: its last error cut so that the message fits a NOTIFY.
QJsonObject chatEvent(const ChatRecord &chat)
{
    QJsonObject json = chat.toJson();
    json.insert(QStringLiteral("last_error"), chat.lastError.left(ChatService::MaxDetailLength));
    return eventMessage(QStringLiteral("chat"), {{QStringLiteral("chat"), json}});
}

bool hasControlCharacters(const QString &text)
{
    return std::any_of(text.cbegin(), text.cend(),
                       [](QChar c) { return c.category() == QChar::Other_Control; });
}

} // namespace

ChatService::ChatService(Database &database, PubSub *pubsub, Clock *clock, Options options,
                         QObject *parent)
    : QObject(parent)
    , m_pubsub(pubsub)
    , m_clock(clock ? clock : Clock::system())
    , m_options(std::move(options))
    , m_store(new ChatStore(database, pubsub, m_clock, this))
    , m_tasks(new ChatTasks(m_store, m_clock, this))
    , m_worker(new ChatWorker(m_store, pubsub, m_tasks, m_clock, m_options.runtime,
                              m_options.workerId.isEmpty()
                                      ? QUuid::createUuid().toString(QUuid::WithoutBraces)
                                      : m_options.workerId,
                              this))
{
    connect(m_store, &ChatStore::chatChanged, this,
            [this](const ChatRecord &chat) { publish(chatEvent(chat)); });
    RunnerManager *manager = m_worker->manager();
    connect(manager, &RunnerManager::runnersChanged, this, &ChatService::schedulePublish);
    // A new runner's entry goes out at once, ahead of its first events: the others never see
    // an event of a runner they have not heard of. Its later changes are batched.
    connect(manager, &RunnerManager::runnerSpawned, this, [this](const RunnerKey &key) {
        if (const auto runner = m_worker->manager()->runnerInfo(key)) {
            publishRunner(*runner, true);
        }
    });
    connect(manager, &RunnerManager::runnerEvent, this,
            [this](const RunnerKey &key, const RunnerEvent &event) {
                QJsonObject message = keyFields(key, workerId());
                message.insert(QStringLiteral("event"), eventJson(event));
                publish(eventMessage(QStringLiteral("runner_event"), message));
            });
    connect(manager, &RunnerManager::runnerRemoved, this, [this](const RunnerKey &key) {
        m_published.remove(key);
        publish(eventMessage(QStringLiteral("runner_removed"), keyFields(key, workerId())));
    });
    connect(m_worker, &ChatWorker::shutdownFinished, this, [this] {
        m_republishTimer.reset();
        m_publishTimer.reset();
        // Once the pubsub has sent what shutdown published, so that the others hear it; a
        // database link that hangs does not hold the stop up for long.
        auto finished = std::make_shared<bool>(false);
        const auto finish = [this, finished] {
            if (!std::exchange(*finished, true)) {
                m_stopTimer.reset();
                Q_EMIT shutdownFinished();
            }
        };
        m_stopTimer = m_clock->callAfter(StopPublishTimeout, this, finish);
        publish(eventMessage(QStringLiteral("worker_stopped"),
                             {{QStringLiteral("worker_id"), workerId()}}),
                finish);
    });
}

ChatService::~ChatService()
{
    // Runners cancel their tasks as they go: the worker before the tasks and the store.
    delete m_worker;
    delete m_tasks;
    delete m_store;
}

QString ChatService::workerId() const
{
    return m_worker->workerId();
}

void ChatService::setModelProvider(ModelProvider *provider)
{
    m_tasks->setModelProvider(provider);
}

bool ChatService::start(QString *error)
{
    if (m_stopping) {
        return true; // stopped before the database was open: nothing to start
    }
    if (!m_worker->start(error)) {
        return false;
    }
    m_started = true;
    scheduleRepublish();
    return true;
}

void ChatService::shutdown()
{
    if (std::exchange(m_stopping, true)) {
        return;
    }
    if (!m_started) {
        QMetaObject::invokeMethod(this, &ChatService::shutdownFinished, Qt::QueuedConnection);
        return;
    }
    m_worker->shutdown();
}

void ChatService::publish(const QJsonObject &event, std::function<void()> done)
{
    m_pubsub->publish(
            ControlPlane::EventsChannel, QJsonDocument(event).toJson(QJsonDocument::Compact), this,
            [done = std::move(done)](const QString &error) {
                if (!error.isEmpty()) {
                    qCWarning(lcControlPlane) << "Cannot publish a chat runtime event:" << error;
                }
                if (done) {
                    done();
                }
            });
}

void ChatService::schedulePublish()
{
    if (m_publishTimer || m_stopping) {
        return;
    }
    m_publishTimer = m_clock->callAfter(PublishDelay, this, [this] {
        m_publishTimer.reset(); // allowed in its own callback
        publishRunners(false);
    });
}

void ChatService::scheduleRepublish()
{
    m_republishTimer = m_clock->callAfter(m_options.runtime.heartbeatInterval, this, [this] {
        publishRunners(true);
        expireRemotes();
        scheduleRepublish();
    });
}

void ChatService::publishRunners(bool all)
{
    // Cleaning runners too: the others see them until they are removed.
    for (const RunnerManager::RunnerInfo &runner : m_worker->manager()->runnerInfos()) {
        publishRunner(runner, all);
    }
}

void ChatService::publishRunner(const RunnerManager::RunnerInfo &runner, bool always)
{
    const RunnerKey &key = runner.key;
    QJsonObject info = runner.toJson();
    // The others drop this entry after three of our heartbeats without it.
    info.insert(QStringLiteral("heartbeat_interval_ms"),
                qint64(m_options.runtime.heartbeatInterval.count()));
    const QJsonObject compared = withoutAge(info);
    const auto it = m_published.constFind(key);
    if (!always && it != m_published.cend() && *it == compared) {
        return;
    }
    m_published.insert(key, compared);
    publish(eventMessage(QStringLiteral("runner"), {{QStringLiteral("runner"), info}}));
}

void ChatService::handleEvent(const QJsonObject &event)
{
    const QString type = event.value(QStringLiteral("type")).toString();
    if (type == QLatin1String("runner")) {
        const QJsonObject info = event.value(QStringLiteral("runner")).toObject();
        const RunnerKey key = keyOf(info);
        if (info.value(QStringLiteral("worker_id")).toString() == workerId() ||
            key.chatId.isEmpty() || key.runnerId.isEmpty()) {
            return;
        }
        Remote &remote = m_remotes[key];
        remote.info = info;
        remote.receivedAt = m_clock->nowMSecs();
    } else if (type == QLatin1String("runner_event")) {
        const RunnerKey key = keyOf(event);
        if (event.value(QStringLiteral("worker_id")).toString() == workerId() ||
            key.chatId.isEmpty() || key.runnerId.isEmpty()) {
            return;
        }
        // Its entry came first (it is published at spawn, before any of its events).
        const auto it = m_remotes.find(key);
        if (it == m_remotes.end()) {
            return;
        }
        it->events.append(event.value(QStringLiteral("event")));
        while (it->events.size() > Runner::EventLogSize) {
            it->events.removeFirst();
        }
    } else if (type == QLatin1String("runner_removed")) {
        m_remotes.remove(keyOf(event));
    } else if (type == QLatin1String("worker_stopped")) {
        const QString worker = event.value(QStringLiteral("worker_id")).toString();
        m_remotes.removeIf([&worker](const auto &it) {
            return it.value().info.value(QStringLiteral("worker_id")).toString() == worker;
        });
    }
}

void ChatService::expireRemotes()
{
    // Each entry on its own replica's heartbeat: replicas may run different intervals.
    const qint64 now = m_clock->nowMSecs();
    const qint64 local = m_options.runtime.heartbeatInterval.count();
    m_remotes.removeIf([now, local](const auto &it) {
        const qint64 interval =
                it.value().info.value(QStringLiteral("heartbeat_interval_ms")).toInteger(local);
        return it.value().receivedAt < now - 3 * qMax<qint64>(interval, 1);
    });
}

QJsonArray ChatService::runners(const QString &chatId, bool withEvents) const
{
    QJsonArray list;
    const RunnerManager *manager = m_worker->manager();
    for (const RunnerManager::RunnerInfo &runner : manager->runnerInfos()) {
        if (!chatId.isEmpty() && runner.key.chatId != chatId) {
            continue;
        }
        QJsonObject info = runner.toJson();
        if (withEvents) {
            QJsonArray events;
            if (const Runner *r = manager->runner(runner.key)) {
                for (const RunnerEvent &event : r->events()) {
                    events.append(eventJson(event));
                }
            }
            info.insert(QStringLiteral("events"), events);
        }
        list.append(info);
    }
    const qint64 now = m_clock->nowMSecs();
    for (auto it = m_remotes.cbegin(); it != m_remotes.cend(); ++it) {
        if (!chatId.isEmpty() && it.key().chatId != chatId) {
            continue;
        }
        QJsonObject info = it->info;
        // Aged by the time since its replica said it.
        const qint64 age = info.value(QStringLiteral("heartbeat_age_ms")).toInteger(-1);
        if (age >= 0) {
            info.insert(QStringLiteral("heartbeat_age_ms"), age + (now - it->receivedAt));
        }
        if (withEvents) {
            info.insert(QStringLiteral("events"), it->events);
        }
        list.append(info);
    }
    return list;
}

void ChatService::addRoutes(ApiServer *server)
{
    using Http::Method;
    ApiServer::RouteOptions create;
    // A message of MaxMessageLength characters, each escaped as \uXXXX, and the rest.
    create.maxBodyBytes = 6 * ChatStore::MaxMessageLength + 64 * 1024;
    ApiServer::RouteOptions small;
    small.maxBodyBytes = 64 * 1024;

    server->addRoute(
            Method::Post, QStringLiteral("/api/v2/chats"),
            [this](const ApiRequest &q, HttpResponder &r) { createChat(q, r); }, create);
    server->addRoute(
            Method::Get, QStringLiteral("/api/v2/chats"),
            [this](const ApiRequest &q, HttpResponder &r) {
                const QString archived = q.query().queryItemValue(QStringLiteral("archived"));
                if (!archived.isEmpty() && archived != QLatin1String("true") &&
                    archived != QLatin1String("false")) {
                    JsonResponse::message(r, Status::BadRequest, QStringLiteral("Invalid query."),
                                          QStringLiteral("archived is true or false."));
                    return;
                }
                auto responder = keep(r);
                m_store->chats(archived == QLatin1String("true"))
                        .then(this,
                              [responder](const QList<ChatRecord> &chats) {
                                  QJsonArray list;
                                  for (const ChatRecord &c : chats) {
                                      list.append(c.toJson());
                                  }
                                  JsonResponse::write(
                                          *responder, Status::Ok,
                                          QJsonObject {{QStringLiteral("chats"), list}});
                              })
                        .onFailed(this, answerFailure(responder));
            });
    server->addRoute(
            Method::Get, QStringLiteral("/api/v2/chats/{id}"),
            [this](const ApiRequest &q, HttpResponder &r) {
                auto responder = keep(r);
                const QString id = q.param(QStringLiteral("id"));
                m_store->chat(id)
                        .then(this,
                              [this, responder, id](const ChatRecord &chat) {
                                  m_store->messages(id)
                                          .then(this,
                                                [responder,
                                                 chat](const QList<ChatMessageRecord> &messages) {
                                                    QJsonArray list;
                                                    for (const ChatMessageRecord &m : messages) {
                                                        list.append(m.toJson());
                                                    }
                                                    QJsonObject json = chat.toJson();
                                                    json.insert(QStringLiteral("messages"), list);
                                                    JsonResponse::write(*responder, Status::Ok,
                                                                        json);
                                                })
                                          .onFailed(this, answerFailure(responder));
                              })
                        .onFailed(this, answerFailure(responder));
            });
    server->addRoute(
            Method::Post, QStringLiteral("/api/v2/chats/{id}/interrupt"),
            [this](const ApiRequest &q, HttpResponder &r) { chatAction(q, r, false); }, small);
    server->addRoute(
            Method::Post, QStringLiteral("/api/v2/chats/{id}/archive"),
            [this](const ApiRequest &q, HttpResponder &r) { chatAction(q, r, true); }, small);
    server->addRoute(Method::Get, QStringLiteral("/api/v2/chat-runners"),
                     [this](const ApiRequest &q, HttpResponder &r) { runnersRoute(q, r); });
}

// This replica's worker and timing (for how late a heartbeat is), and every replica's runners.
void ChatService::runnersRoute(const ApiRequest &request, HttpResponder &r) const
{
    const QUrlQuery query = request.query();
    const QString eventsText = query.queryItemValue(QStringLiteral("events"));
    if (!eventsText.isEmpty() && eventsText != QLatin1String("true") &&
        eventsText != QLatin1String("false")) {
        JsonResponse::message(r, Status::BadRequest, QStringLiteral("Invalid query."),
                              QStringLiteral("events is true or false."));
        return;
    }
    const bool events = eventsText == QLatin1String("true");
    JsonResponse::write(
            r, Status::Ok,
            QJsonObject {{QStringLiteral("worker_id"), workerId()},
                         {QStringLiteral("heartbeat_interval_ms"),
                          qint64(m_options.runtime.heartbeatInterval.count())},
                         {QStringLiteral("stale_after_ms"),
                          qint64(m_options.runtime.staleAfter.count())},
                         {QStringLiteral("runners"),
                          runners(query.queryItemValue(QStringLiteral("chat")), events)}});
}

void ChatService::createChat(const ApiRequest &request, HttpResponder &r)
{
    const std::optional<QJsonObject> body = readBody(
            request, r,
            {QStringLiteral("workspace"), QStringLiteral("title"), QStringLiteral("message")},
            QStringLiteral("CreateChatRequest"));
    if (!body) {
        return;
    }
    const QJsonValue workspace = body->value(QStringLiteral("workspace"));
    const QJsonValue title = body->value(QStringLiteral("title"));
    const QJsonValue message = body->value(QStringLiteral("message"));
    QString problem;
    if (!workspace.isString() || workspace.toString().trimmed().isEmpty()) {
        problem = QStringLiteral("workspace is a workspace's id or name.");
    } else if (!title.isString() || title.toString().trimmed().isEmpty() ||
               title.toString().size() > ChatStore::MaxTitleLength ||
               hasControlCharacters(title.toString())) {
        problem = QStringLiteral("title is text of 1 to %1 characters on one line.")
                          .arg(ChatStore::MaxTitleLength);
    } else if (!message.isUndefined() && !message.isNull() &&
               (!message.isString() || message.toString().size() > ChatStore::MaxMessageLength)) {
        problem = QStringLiteral("message is text of at most %1 characters.")
                          .arg(ChatStore::MaxMessageLength);
    }
    if (!problem.isEmpty()) {
        JsonResponse::message(r, Status::BadRequest, QStringLiteral("Invalid chat."), problem);
        return;
    }
    auto responder = keep(r);
    m_store->createChat(workspace.toString(), title.toString(), message.toString())
            .then(this,
                  [responder](const ChatRecord &chat) {
                      JsonResponse::write(*responder, Status::Created, chat.toJson());
                  })
            .onFailed(this, answerFailure(responder));
}

void ChatService::chatAction(const ApiRequest &request, HttpResponder &r, bool archive)
{
    auto responder = keep(r);
    const QString id = request.param(QStringLiteral("id"));
    (archive ? m_store->archive(id) : m_store->interrupt(id))
            .then(this,
                  [responder](const ChatRecord &chat) {
                      JsonResponse::write(*responder, Status::Ok, chat.toJson());
                  })
            .onFailed(this, answerFailure(responder));
}
