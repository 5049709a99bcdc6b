#include "controlplaneclient.h"

#include "http/apiclient.h"
#include "http/reconnectingwebsocket.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QUrlQuery>

Q_LOGGING_CATEGORY(lcPlaneClient, "companion.controlplane.client")

ControlPlaneClient::Workspace ControlPlaneClient::Workspace::fromJson(const QJsonObject &json)
{
    Workspace w;
    w.id = json.value(QStringLiteral("id")).toString();
    w.name = json.value(QStringLiteral("name")).toString();
    w.kind = json.value(QStringLiteral("kind")).toString();
    w.ownerId = json.value(QStringLiteral("owner_id")).toString();
    w.ownerName = json.value(QStringLiteral("owner_name")).toString();
    const QJsonObject agent = json.value(QStringLiteral("agent")).toObject();
    w.agentId = agent.value(QStringLiteral("id")).toString();
    w.agentName = agent.value(QStringLiteral("name")).toString();
    w.agentUrl = agent.value(QStringLiteral("api_url")).toString();
    w.agentConnected = agent.value(QStringLiteral("connected")).toBool();
    w.agentLastSeenAt = agent.value(QStringLiteral("last_seen_at")).toInteger();
    const QJsonObject build = json.value(QStringLiteral("latest_build")).toObject();
    w.buildTransition = build.value(QStringLiteral("transition")).toString();
    w.buildStatus = build.value(QStringLiteral("job_status")).toString();
    w.buildStage = build.value(QStringLiteral("prebuild_stage")).toString();
    const QJsonObject context = json.value(QStringLiteral("context_state")).toObject();
    w.contextVersion = context.value(QStringLiteral("version")).toInteger();
    w.contextHash = context.value(QStringLiteral("aggregate_hash")).toString();
    return w;
}

ControlPlaneClient::ControlPlaneClient(const QString &name, const QUrl &url,
                                       const QByteArray &token, Clock *clock, QObject *parent)
    : QObject(parent)
    , m_name(name)
    , m_clock(clock)
    , m_api(new ApiClient(url, token, this))
{
    m_api->setClock(clock);
    m_refreshTimer.setSingleShot(true);
    m_refreshTimer.setInterval(RefreshDelay);
    connect(&m_refreshTimer, &QTimer::timeout, this, &ControlPlaneClient::refresh);
}

// The calls and the stream are children: disconnected from this, then gone with it.
ControlPlaneClient::~ControlPlaneClient() = default;

QUrl ControlPlaneClient::url() const
{
    return m_api->baseUrl();
}

QByteArray ControlPlaneClient::token() const
{
    return m_api->token();
}

void ControlPlaneClient::setToken(const QByteArray &token)
{
    m_api->setToken(token);
    start();
}

const ControlPlaneClient::Workspace *ControlPlaneClient::workspace(const QString &id) const
{
    for (const Workspace &w : m_workspaces) {
        if (w.id == id) {
            return &w;
        }
    }
    return nullptr;
}

QString ControlPlaneClient::userName(const QString &userId) const
{
    if (userId == Records::PrebuildsUserId) {
        return QStringLiteral("prebuilds");
    }
    return m_userNames.value(userId);
}

ControlPlaneClient::Names ControlPlaneClient::names() const
{
    Names names;
    for (const Workspace &w : m_workspaces) {
        names.workspaces.insert(w.id, w.name);
        if (!w.agentId.isEmpty()) {
            names.agents.insert(w.agentId, w.name + QLatin1Char('.') + w.agentName);
        }
        names.users.insert(w.ownerId, w.ownerName);
    }
    return names;
}

void ControlPlaneClient::start()
{
    if (m_api->token().isEmpty()) {
        setState(State::AuthFailed, tr("No token."));
        return;
    }
    refresh();
    if (m_events) {
        return;
    }
    m_events = new ReconnectingWebSocket(
            [this] { return m_api->webSocketRequest(QStringLiteral("/api/v2/events")); }, m_clock,
            this);
    connect(m_events, &ReconnectingWebSocket::textMessageReceived, this,
            &ControlPlaneClient::onMessage);
    connect(m_events, &ReconnectingWebSocket::connectedChanged, this, [this](bool connected) {
        if (connected) {
            // What happened while the stream was down: the log is read after the last entry.
            scheduleRefresh();
            loadEvents();
            loadChats();
        }
    });
    connect(m_events, &ReconnectingWebSocket::retrying, this, [this](const QString &reason) {
        // A refused token also fails the stream's handshake: that is still the token.
        if (state() != State::AuthFailed) {
            setState(State::Unreachable, reason);
        }
    });
    m_events->open();
}

void ControlPlaneClient::setState(State state, const QString &error)
{
    if (state == m_state && error == m_lastError) {
        return;
    }
    m_state = state;
    m_lastError = error;
    Q_EMIT stateChanged();
}

void ControlPlaneClient::scheduleRefresh()
{
    if (!m_refreshTimer.isActive()) {
        m_refreshTimer.start();
    }
}

void ControlPlaneClient::refresh()
{
    if (m_listing) {
        m_refreshAgain = true; // once this answer is in
        return;
    }
    m_listing = m_api->get(QStringLiteral("/api/v2/workspaces"));
    connect(m_listing, &ApiCall::finished, this, [this](const QJsonValue &body) {
        std::vector<Workspace> list;
        const QJsonArray rows = body.toObject().value(QStringLiteral("workspaces")).toArray();
        list.reserve(size_t(rows.size()));
        for (const QJsonValue &row : rows) {
            list.push_back(Workspace::fromJson(row.toObject()));
            if (!list.back().ownerId.isEmpty()) {
                m_userNames.insert(list.back().ownerId, list.back().ownerName);
            }
        }
        m_workspaces = std::move(list);
        setState(State::Connected);
        Q_EMIT workspacesChanged();
        if (!m_eventsLoaded) {
            loadEvents();
        }
        if (std::exchange(m_refreshAgain, false)) {
            scheduleRefresh();
        }
    });
    connect(m_listing, &ApiCall::failed, this, [this](const ApiError &error) {
        const bool refused = error.status == 401 || error.status == 403;
        setState(refused ? State::AuthFailed : State::Unreachable, error.toString());
        m_refreshAgain = false;
    });
}

void ControlPlaneClient::loadEvents()
{
    if (m_eventsCall) {
        return; // the page in flight continues after the last entry anyway
    }
    // Oldest first, a page at a time, after the last entry seen.
    const QString query =
            QStringLiteral("after=%1&limit=%2").arg(m_lastEventId).arg(EventsPageSize);
    m_eventsCall = m_api->get(QStringLiteral("/api/v2/reinit-events"), query);
    connect(m_eventsCall, &ApiCall::finished, this, [this](const QJsonValue &body) {
        const QJsonArray rows = body.toObject().value(QStringLiteral("events")).toArray();
        QList<ReinitEventRecord> events;
        for (const QJsonValue &row : rows) {
            if (std::optional<ReinitEventRecord> event =
                        ReinitEventRecord::fromJson(row.toObject());
                event && event->id > m_lastEventId) {
                m_lastEventId = event->id;
                events.append(*event);
            }
        }
        m_eventsCall.clear();
        if (!m_eventsLoaded) {
            m_initialEvents += events;
            if (m_initialEvents.size() > MaxInitialEvents) {
                m_initialEvents.remove(0, m_initialEvents.size() - MaxInitialEvents);
            }
        } else {
            for (const ReinitEventRecord &event : std::as_const(events)) {
                Q_EMIT eventAppended(event);
            }
        }
        if (rows.size() >= EventsPageSize) {
            loadEvents(); // more after these
            return;
        }
        if (!m_eventsLoaded) {
            m_eventsLoaded = true;
            Q_EMIT eventsLoaded(std::exchange(m_initialEvents, {}));
        }
    });
    connect(m_eventsCall, &ApiCall::failed, this, [this](const ApiError &error) {
        m_eventsCall.clear();
        qCWarning(lcPlaneClient).noquote() << "Cannot read the reinit log:" << error.toString();
    });
}

void ControlPlaneClient::onMessage(const QString &text)
{
    const QJsonObject message = QJsonDocument::fromJson(text.toUtf8()).object();
    const QString type = message.value(QStringLiteral("type")).toString();
    if (type == QLatin1String("reinit_event")) {
        const std::optional<ReinitEventRecord> event =
                ReinitEventRecord::fromJson(message.value(QStringLiteral("event")).toObject());
        if (event && event->id > m_lastEventId && m_eventsLoaded) {
            m_lastEventId = event->id;
            Q_EMIT eventAppended(*event);
        }
        if (event &&
            (event->kind == QLatin1String("claim_published") ||
             event->kind == QLatin1String("reinitialized"))) {
            scheduleRefresh(); // owners changed
        }
        return;
    }
    if (type == QLatin1String("lost")) {
        scheduleRefresh();
        loadEvents();
        loadChats();
        return;
    }
    // The chat runtime's messages change no workspace.
    if (type == QLatin1String("chat")) {
        Q_EMIT chatUpdated(message.value(QStringLiteral("chat")).toObject());
        return;
    }
    if (type == QLatin1String("runner")) {
        Q_EMIT runnerUpdated(message.value(QStringLiteral("runner")).toObject());
        return;
    }
    if (type == QLatin1String("runner_removed")) {
        Q_EMIT runnerRemoved(message.value(QStringLiteral("chat_id")).toString(),
                             message.value(QStringLiteral("runner_id")).toString());
        return;
    }
    if (type == QLatin1String("runner_event")) {
        Q_EMIT runnerEventReceived(message.value(QStringLiteral("chat_id")).toString(),
                                   message.value(QStringLiteral("runner_id")).toString(),
                                   message.value(QStringLiteral("event")).toObject());
        return;
    }
    if (type == QLatin1String("worker_stopped")) {
        Q_EMIT workerStopped(message.value(QStringLiteral("worker_id")).toString());
        return;
    }
    if (type == QLatin1String("hello")) {
        setState(State::Connected);
        return;
    }
    // workspace, agent_created, agent_connection, context_state
    scheduleRefresh();
}

ApiCall *ControlPlaneClient::claim(const QString &workspaceId, const QString &owner)
{
    ApiCall *call = m_api->post(QStringLiteral("/api/v2/workspaces/%1/claim").arg(workspaceId),
                                QJsonObject {{QStringLiteral("owner"), owner}});
    connect(call, &ApiCall::finished, this, [this] { scheduleRefresh(); });
    return call;
}

void ControlPlaneClient::loadChats()
{
    if (m_chatsCall || m_runnersCall) {
        m_chatsAgain = true; // once this load is in: what changed meanwhile may be missing
        return;
    }
    Q_EMIT chatsLoading();
    const auto loaded = [this] {
        if (!m_chatsCall && !m_runnersCall && std::exchange(m_chatsAgain, false)) {
            loadChats();
        }
    };
    m_chatsCall = m_api->get(QStringLiteral("/api/v2/chats"));
    connect(m_chatsCall, &ApiCall::finished, this, [this, loaded](const QJsonValue &body) {
        QList<QJsonObject> chats;
        for (const QJsonValue &c : body.toObject().value(QStringLiteral("chats")).toArray()) {
            chats << c.toObject();
        }
        m_chatsCall.clear();
        Q_EMIT chatsLoaded(chats);
        loaded();
    });
    connect(m_chatsCall, &ApiCall::failed, this, [this, loaded](const ApiError &error) {
        qCWarning(lcPlaneClient).noquote() << "Cannot list chats:" << error.toString();
        m_chatsCall.clear();
        loaded();
    });
    // Without their event logs: the view asks for the selected runner's.
    m_runnersCall = m_api->get(QStringLiteral("/api/v2/chat-runners"));
    connect(m_runnersCall, &ApiCall::finished, this, [this, loaded](const QJsonValue &body) {
        const QJsonObject o = body.toObject();
        QList<QJsonObject> runners;
        for (const QJsonValue &r : o.value(QStringLiteral("runners")).toArray()) {
            runners << r.toObject();
        }
        m_runnersCall.clear();
        Q_EMIT runnersLoaded(runners, o.value(QStringLiteral("heartbeat_interval_ms")).toInteger(),
                             o.value(QStringLiteral("stale_after_ms")).toInteger());
        loaded();
    });
    connect(m_runnersCall, &ApiCall::failed, this, [this, loaded](const ApiError &error) {
        qCWarning(lcPlaneClient).noquote() << "Cannot list chat runners:" << error.toString();
        m_runnersCall.clear();
        loaded();
    });
}

ApiCall *ControlPlaneClient::runnerEvents(const QString &chatId)
{
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("chat"), chatId);
    query.addQueryItem(QStringLiteral("events"), QStringLiteral("true"));
    return m_api->get(QStringLiteral("/api/v2/chat-runners"), query.toString(QUrl::FullyEncoded));
}

ApiCall *ControlPlaneClient::createChat(const QString &workspace, const QString &title,
                                        const QString &message)
{
    QJsonObject body {{QStringLiteral("workspace"), workspace}, {QStringLiteral("title"), title}};
    if (!message.isEmpty()) {
        body.insert(QStringLiteral("message"), message);
    }
    return m_api->post(QStringLiteral("/api/v2/chats"), body);
}

ApiCall *ControlPlaneClient::interruptChat(const QString &chatId)
{
    return m_api->post(QStringLiteral("/api/v2/chats/%1/interrupt")
                               .arg(QString::fromLatin1(QUrl::toPercentEncoding(chatId))),
                       QJsonObject());
}

ApiCall *ControlPlaneClient::archiveChat(const QString &chatId)
{
    return m_api->post(QStringLiteral("/api/v2/chats/%1/archive")
                               .arg(QString::fromLatin1(QUrl::toPercentEncoding(chatId))),
                       QJsonObject());
}
