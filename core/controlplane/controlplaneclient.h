#pragma once

#include "store/records.h"

#include <QJsonObject>
#include <QObject>
#include <QPointer>
#include <QTimer>
#include <QUrl>

#include <memory>
#include <vector>

class ApiCall;
class ApiClient;
class Clock;
class ReconnectingWebSocket;

// One control plane as the desktop app sees it: its workspaces (with agents and stored context
// states) and its reinit event log, kept live over /api/v2/events. A flood of change events
// costs one refresh per RefreshDelay; a reinit_event arrives as itself.
class ControlPlaneClient : public QObject
{
    Q_OBJECT
public:
    enum class State { Connecting, Connected, Unreachable, AuthFailed };
    Q_ENUM(State)

    static constexpr int RefreshDelay = 100; // ms
    static constexpr int MaxInitialEvents = 10'000;
    static constexpr int EventsPageSize = 1000;

    // A workspace row of GET /api/v2/workspaces.
    struct Workspace
    {
        QString id;
        QString name;
        QString kind; // prebuilt, claimed, regular
        QString ownerId;
        QString ownerName;
        QString agentId;
        QString agentName;
        QString agentUrl;
        bool agentConnected = false;
        qint64 agentLastSeenAt = 0;
        QString buildTransition;
        QString buildStatus;
        QString buildStage;
        qint64 contextVersion = 0; // 0: none stored
        QString contextHash;
        static Workspace fromJson(const QJsonObject &json);
    };

    ControlPlaneClient(const QString &name, const QUrl &url, const QByteArray &token,
                       Clock *clock = nullptr, QObject *parent = nullptr);
    ~ControlPlaneClient() override;

    QString name() const { return m_name; }
    QUrl url() const;
    QByteArray token() const;
    void setToken(const QByteArray &token);
    State state() const { return m_state; }
    QString lastError() const { return m_lastError; }
    const std::vector<Workspace> &workspaces() const { return m_workspaces; }
    const Workspace *workspace(const QString &id) const;
    // The owner's name for a user id, where some workspace told it.
    QString userName(const QString &userId) const;
    // What the views show for ids: workspace names, agents as "workspace.agent", owners.
    struct Names
    {
        QHash<QString, QString> workspaces;
        QHash<QString, QString> agents;
        QHash<QString, QString> users;
    };
    Names names() const;

    // Loads workspaces and events, then follows the events stream.
    void start();
    void refresh();
    // POST /api/v2/workspaces/{id}/claim; the caller connects to the call's signals.
    ApiCall *claim(const QString &workspaceId, const QString &owner);

    // The chat runtime: chats and runners (loaded at start, after each reconnect and after a
    // lost message), then live. The calls' signals are the caller's to connect.
    void loadChats();
    // One chat's runners with their event logs: {"runners": [...]}.
    ApiCall *runnerEvents(const QString &chatId);
    ApiCall *createChat(const QString &workspace, const QString &title, const QString &message);
    ApiCall *interruptChat(const QString &chatId);
    ApiCall *archiveChat(const QString &chatId);

Q_SIGNALS:
    void stateChanged();
    void workspacesChanged();
    // The log as it was at start (oldest first), then each new entry once.
    void eventsLoaded(const QList<ReinitEventRecord> &events);
    void eventAppended(const ReinitEventRecord &event);
    // A load of the chat runtime's state begins: live changes after this are newer than it.
    void chatsLoading();
    // The chat runtime's state, whole: each chat, and each runner.
    void chatsLoaded(const QList<QJsonObject> &chats);
    void runnersLoaded(const QList<QJsonObject> &runners, qint64 heartbeatIntervalMs,
                       qint64 staleAfterMs);
    // Then live, as the events stream tells it.
    void chatUpdated(const QJsonObject &chat);
    void runnerUpdated(const QJsonObject &runner);
    void runnerRemoved(const QString &chatId, const QString &runnerId);
    void runnerEventReceived(const QString &chatId, const QString &runnerId,
                             const QJsonObject &event);
    void workerStopped(const QString &workerId);

private:
    void setState(State state, const QString &error = {});
    void scheduleRefresh();
    void loadEvents();
    void onMessage(const QString &text);

    QString m_name;
    Clock *m_clock;
    ApiClient *m_api;
    ReconnectingWebSocket *m_events = nullptr;
    QTimer m_refreshTimer;
    QPointer<ApiCall> m_listing;
    QPointer<ApiCall> m_eventsCall;
    QPointer<ApiCall> m_chatsCall;
    QPointer<ApiCall> m_runnersCall;
    bool m_chatsAgain = false; // asked again while a load was in flight
    QList<ReinitEventRecord> m_initialEvents;
    bool m_refreshAgain = false;
    bool m_eventsLoaded = false;
    qint64 m_lastEventId = 0;
    State m_state = State::Connecting;
    QString m_lastError;
    std::vector<Workspace> m_workspaces;
    QHash<QString, QString> m_userNames;
};
