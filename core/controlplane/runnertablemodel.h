#pragma once

#include <QAbstractTableModel>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QSet>

#include <deque>

class Clock;

// The chats of one or more control planes with the runner that holds each (GET /api/v2/chats
// and /api/v2/chat-runners, then the events stream's chat, runner, runner_event and
// runner_removed messages), for the Runners view. A chat without a runner shows its row with
// the runner's columns empty; a runner whose chat is not known yet shows its ids. Heartbeat
// ages count on from when the runner was last heard of, on the injectable clock; tick()
// repaints them.
class RunnerTableModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column {
        Title,
        Chat,
        Plane,
        Workspace,
        Agent,
        Status,
        Worker,
        Runner,
        Task,
        Snapshot,
        History,
        Heartbeat,
        Queue,
        Drops,
        ColumnCount
    };
    Q_ENUM(Column)
    enum Role {
        ChatIdRole = Qt::UserRole + 1,
        PlaneRole,
        HeartbeatStateRole, // a HeartbeatState
        StuckRole,
        SearchTextRole,
        HasRunnerRole,
    };
    enum HeartbeatState { NoHeartbeat, Fresh, Late, Stale };
    Q_ENUM(HeartbeatState)

    static constexpr int MaxEventsPerRunner = 200;
    static constexpr int MaxRows = 10'000;
    static constexpr int MaxEarlyRunners = 256;
    // A task retrying for longer than this is stuck.
    static constexpr qint64 RetryingStuckMs = 60'000;

    explicit RunnerTableModel(Clock *clock = nullptr, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    // A load of the plane's whole state starts: what live changes touch from now on is newer
    // than what the load will bring, and the load leaves it alone.
    void beginLoad(const QString &plane);
    // A plane's whole state, replacing what it had (a load or a reconnect).
    void setChats(const QString &plane, const QList<QJsonObject> &chats);
    void setRunners(const QString &plane, const QList<QJsonObject> &runners,
                    qint64 heartbeatIntervalMs, qint64 staleAfterMs);
    // Live changes.
    void updateChat(const QString &plane, const QJsonObject &chat);
    void updateRunner(const QString &plane, const QJsonObject &runner);
    void removeRunner(const QString &plane, const QString &chatId, const QString &runnerId);
    void removeWorker(const QString &plane, const QString &workerId);
    void addRunnerEvent(const QString &plane, const QString &chatId, const QString &runnerId,
                        const QJsonObject &event);
    // A runner's log as loaded (GET /api/v2/chat-runners?chat=ID&events=true), merged with the
    // live events already here; ignored unless the row still shows that runner.
    void setEvents(const QString &plane, const QString &chatId, const QString &runnerId,
                   const QList<QJsonObject> &events);
    void removePlane(const QString &plane);
    // Names for one plane's workspace and agent ids; unknown ids show shortened.
    void setNames(const QString &plane, const QHash<QString, QString> &workspaces,
                  const QHash<QString, QString> &agents);
    // Repaints the heartbeat ages and the stuck state (the view calls it every second).
    void tick();

    int rowOf(const QString &plane, const QString &chatId) const;
    QString chatId(int row) const;
    QString plane(int row) const;
    QJsonObject chat(int row) const;
    QJsonObject runner(int row) const;
    // The row's runner's event log, oldest first.
    QList<QJsonObject> events(int row) const;
    qint64 heartbeatAgeMs(int row) const; // -1: none
    HeartbeatState heartbeatState(int row) const;
    // A stale heartbeat, or a task retrying for more than RetryingStuckMs.
    bool isStuck(int row) const;

Q_SIGNALS:
    // The selected row's log may need redrawing.
    void eventsChanged(int row);

private:
    struct Row
    {
        QString plane;
        QString chatId;
        QJsonObject chat;
        QJsonObject runner;
        qint64 runnerHeardAt = 0; // on m_clock
        std::deque<QJsonObject> events;
    };
    struct Timing
    {
        qint64 heartbeatIntervalMs = 9000;
        qint64 staleAfterMs = 30000;
    };

    Row *findOrAdd(const QString &plane, const QString &chatId);
    void applyChat(const QString &plane, const QJsonObject &chat);
    void applyRunner(const QString &plane, const QJsonObject &runner);
    void removeRow(int row);
    void reindex();
    static QString keyOf(const QString &plane, const QString &chatId);
    void touch(const QString &plane, const QString &chatId);
    bool touched(const QString &plane, const QString &chatId) const;
    void changed(int row);
    // Drops rows with neither a (shown) chat nor a runner.
    void pruneRow(int row);
    QString nameOf(const QHash<QString, QString> &names, const QString &id) const;
    QString display(const Row &row, int column) const;
    qint64 ageOf(const Row &row) const;

    Clock *m_clock;
    QList<Row> m_rows;
    QHash<QString, int> m_index; // keyOf(plane, chat) → row
    QHash<QString, QSet<QString>> m_touched; // by plane: chats changed live since its load began
    QHash<QString, Timing> m_timing; // by plane
    // Events of runners not heard of yet, by plane, chat and runner id.
    QHash<QString, std::deque<QJsonObject>> m_early;
    QHash<QString, QHash<QString, QString>> m_workspaceNames;
    QHash<QString, QHash<QString, QString>> m_agentNames;
};
