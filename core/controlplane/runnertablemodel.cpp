#include "runnertablemodel.h"

#include "common/clock.h"

#include <QDateTime>
#include <QJsonArray>

namespace {

QString shortId(const QString &id)
{
    return id.size() > 8 ? id.left(8) : id;
}

QString number(const QJsonValue &value)
{
    return value.isUndefined() || value.isNull() ? QString() : QString::number(value.toInteger());
}

} // namespace

RunnerTableModel::RunnerTableModel(Clock *clock, QObject *parent)
    : QAbstractTableModel(parent)
    , m_clock(clock ? clock : Clock::system())
{ }

int RunnerTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int RunnerTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RunnerTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return {};
    }
    switch (section) {
    case Title:
        return tr("Chat");
    case Chat:
        return tr("Chat ID");
    case Plane:
        return tr("Control plane");
    case Workspace:
        return tr("Workspace");
    case Agent:
        return tr("Agent");
    case Status:
        return tr("Status");
    case Worker:
        return tr("Worker");
    case Runner:
        return tr("Runner");
    case Task:
        return tr("Task");
    case Snapshot:
        return tr("Snapshot");
    case History:
        return tr("History");
    case Heartbeat:
        return tr("Heartbeat");
    case Queue:
        return tr("Queue");
    case Drops:
        return tr("Drops");
    default:
        return {};
    }
}

QString RunnerTableModel::nameOf(const QHash<QString, QString> &names, const QString &id) const
{
    if (id.isEmpty()) {
        return {};
    }
    const QString name = names.value(id);
    return name.isEmpty() ? shortId(id) : name;
}

QString RunnerTableModel::display(const Row &row, int column) const
{
    const QJsonObject &c = row.chat;
    const QJsonObject &r = row.runner;
    switch (column) {
    case Title:
        return c.value(QStringLiteral("title")).toString();
    case Chat:
        return shortId(row.chatId);
    case Plane:
        return row.plane;
    case Workspace:
        return nameOf(m_workspaceNames.value(row.plane),
                      c.value(QStringLiteral("workspace_id")).toString());
    case Agent:
        return nameOf(m_agentNames.value(row.plane),
                      c.value(QStringLiteral("agent_id")).toString());
    case Status: {
        // The runner's view is the newer one while it runs; the row's otherwise.
        QString status = r.value(QStringLiteral("status")).toString();
        if (status.isEmpty()) {
            status = c.value(QStringLiteral("status")).toString();
        }
        if (c.value(QStringLiteral("archived")).toBool() ||
            r.value(QStringLiteral("archived")).toBool()) {
            status = tr("%1, archived").arg(status);
        }
        return status;
    }
    case Worker:
        return shortId(r.isEmpty() ? c.value(QStringLiteral("worker_id")).toString()
                                   : r.value(QStringLiteral("worker_id")).toString());
    case Runner:
        return shortId(r.value(QStringLiteral("runner_id")).toString());
    case Task: {
        QString task = r.value(QStringLiteral("task")).toString();
        if (!task.isEmpty() && !r.value(QStringLiteral("task_retrying_since")).isNull() &&
            r.contains(QStringLiteral("task_retrying_since"))) {
            task = tr("%1 (retrying)").arg(task);
        }
        if (r.value(QStringLiteral("cleaning")).toBool()) {
            task = tr("cleaning up");
        }
        return task;
    }
    case Snapshot:
        return number(r.isEmpty() ? c.value(QStringLiteral("snapshot_version"))
                                  : r.value(QStringLiteral("snapshot_version")));
    case History:
        return number(r.isEmpty() ? c.value(QStringLiteral("history_version"))
                                  : r.value(QStringLiteral("history_version")));
    case Heartbeat: {
        const qint64 age = ageOf(row);
        if (age < 0) {
            return {};
        }
        return age < 10'000 ? tr("%1 ms").arg(age) : tr("%1 s").arg(age / 1000);
    }
    case Queue:
        return r.isEmpty() ? QString() : number(r.value(QStringLiteral("queue_depth")));
    case Drops:
        return r.isEmpty() ? QString() : number(r.value(QStringLiteral("dropped_hints")));
    default:
        return {};
    }
}

QVariant RunnerTableModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size()) {
        return {};
    }
    const Row &row = m_rows.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        return display(row, index.column());
    case Qt::ToolTipRole:
        if (index.column() == Heartbeat) {
            switch (heartbeatState(index.row())) {
            case Late:
                return tr("The lease was not renewed at its last heartbeat.");
            case Stale:
                return tr("The lease is stale: another worker may take this chat over.");
            default:
                return {};
            }
        }
        if (index.column() == Title || index.column() == Status) {
            const QString error = row.chat.value(QStringLiteral("last_error")).toString();
            return error.isEmpty() ? QVariant() : QVariant(error);
        }
        if (index.column() == Chat) {
            return row.chatId;
        }
        if (index.column() == Worker || index.column() == Runner) {
            const QString key = index.column() == Worker ? QStringLiteral("worker_id")
                                                         : QStringLiteral("runner_id");
            return row.runner.value(key).toString(row.chat.value(key).toString());
        }
        return display(row, index.column());
    case Qt::TextAlignmentRole:
        return index.column() >= Snapshot ? QVariant(Qt::AlignRight | Qt::AlignVCenter)
                                          : QVariant();
    case ChatIdRole:
        return row.chatId;
    case PlaneRole:
        return row.plane;
    case HeartbeatStateRole:
        return int(heartbeatState(index.row()));
    case StuckRole:
        return isStuck(index.row());
    case HasRunnerRole:
        return !row.runner.isEmpty();
    case SearchTextRole: {
        QStringList parts;
        for (int column = 0; column < ColumnCount; ++column) {
            parts << display(row, column);
        }
        parts << row.chatId << row.chat.value(QStringLiteral("worker_id")).toString()
              << row.chat.value(QStringLiteral("runner_id")).toString()
              << row.chat.value(QStringLiteral("workspace_id")).toString()
              << row.chat.value(QStringLiteral("agent_id")).toString()
              << row.runner.value(QStringLiteral("worker_id")).toString()
              << row.runner.value(QStringLiteral("runner_id")).toString()
              << row.chat.value(QStringLiteral("last_error")).toString();
        return parts.join(QLatin1Char('\n'));
    }
    default:
        return {};
    }
}

QString RunnerTableModel::keyOf(const QString &plane, const QString &chatId)
{
    return plane + QLatin1Char('\n') + chatId;
}

int RunnerTableModel::rowOf(const QString &plane, const QString &chatId) const
{
    return m_index.value(keyOf(plane, chatId), -1);
}

RunnerTableModel::Row *RunnerTableModel::findOrAdd(const QString &plane, const QString &chatId)
{
    const int row = rowOf(plane, chatId);
    if (row >= 0) {
        return &m_rows[row];
    }
    if (m_rows.size() >= MaxRows) {
        return nullptr; // bounded; a reload shows the rest
    }
    beginInsertRows({}, int(m_rows.size()), int(m_rows.size()));
    m_index.insert(keyOf(plane, chatId), int(m_rows.size()));
    m_rows.append(Row {plane, chatId, {}, {}, 0, {}});
    endInsertRows();
    return &m_rows.last();
}

void RunnerTableModel::removeRow(int row)
{
    beginRemoveRows({}, row, row);
    m_rows.removeAt(row);
    reindex();
    endRemoveRows();
}

void RunnerTableModel::reindex()
{
    m_index.clear();
    for (int i = 0; i < m_rows.size(); ++i) {
        m_index.insert(keyOf(m_rows.at(i).plane, m_rows.at(i).chatId), i);
    }
}

void RunnerTableModel::beginLoad(const QString &plane)
{
    m_touched[plane].clear();
}

void RunnerTableModel::touch(const QString &plane, const QString &chatId)
{
    const auto it = m_touched.find(plane);
    if (it != m_touched.end()) {
        it->insert(chatId);
    }
}

bool RunnerTableModel::touched(const QString &plane, const QString &chatId) const
{
    return m_touched.value(plane).contains(chatId);
}

void RunnerTableModel::changed(int row)
{
    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

void RunnerTableModel::pruneRow(int row)
{
    const Row &r = m_rows.at(row);
    const bool chatShown = !r.chat.isEmpty() && !r.chat.value(QStringLiteral("archived")).toBool();
    if (!chatShown && r.runner.isEmpty()) {
        removeRow(row);
    } else {
        changed(row);
    }
}

void RunnerTableModel::setChats(const QString &plane, const QList<QJsonObject> &chats)
{
    QSet<QString> listed;
    for (const QJsonObject &chat : chats) {
        listed.insert(chat.value(QStringLiteral("id")).toString());
        applyChat(plane, chat);
    }
    for (int i = int(m_rows.size()) - 1; i >= 0; --i) {
        Row &row = m_rows[i];
        if (row.plane == plane && !listed.contains(row.chatId) && !touched(plane, row.chatId)) {
            row.chat = {};
            pruneRow(i);
        }
    }
}

void RunnerTableModel::setRunners(const QString &plane, const QList<QJsonObject> &runners,
                                  qint64 heartbeatIntervalMs, qint64 staleAfterMs)
{
    if (heartbeatIntervalMs > 0 && staleAfterMs > 0) {
        m_timing.insert(plane, {heartbeatIntervalMs, staleAfterMs});
    }
    QSet<QString> listed;
    for (const QJsonObject &runner : runners) {
        const QString chatId = runner.value(QStringLiteral("chat_id")).toString();
        listed.insert(chatId);
        if (!touched(plane, chatId)) {
            applyRunner(plane, runner);
        }
    }
    for (int i = int(m_rows.size()) - 1; i >= 0; --i) {
        Row &row = m_rows[i];
        if (row.plane == plane && !row.runner.isEmpty() && !listed.contains(row.chatId) &&
            !touched(plane, row.chatId)) {
            row.runner = {};
            row.events.clear();
            Q_EMIT eventsChanged(i);
            pruneRow(i);
        }
    }
}

void RunnerTableModel::updateChat(const QString &plane, const QJsonObject &chat)
{
    touch(plane, chat.value(QStringLiteral("id")).toString());
    applyChat(plane, chat);
}

void RunnerTableModel::applyChat(const QString &plane, const QJsonObject &chat)
{
    const QString id = chat.value(QStringLiteral("id")).toString();
    if (id.isEmpty()) {
        return;
    }
    const bool archived = chat.value(QStringLiteral("archived")).toBool();
    const int existing = rowOf(plane, id);
    if (existing < 0 && archived) {
        return; // not listed, and not worth a row
    }
    Row *row = findOrAdd(plane, id);
    if (!row) {
        return;
    }
    // Events may arrive out of order across replicas: never go back to an older snapshot.
    if (row->chat.value(QStringLiteral("snapshot_version")).toInteger() >
        chat.value(QStringLiteral("snapshot_version")).toInteger()) {
        return;
    }
    row->chat = chat;
    pruneRow(int(row - m_rows.data()));
}

void RunnerTableModel::updateRunner(const QString &plane, const QJsonObject &runner)
{
    touch(plane, runner.value(QStringLiteral("chat_id")).toString());
    applyRunner(plane, runner);
}

void RunnerTableModel::applyRunner(const QString &plane, const QJsonObject &runner)
{
    const QString id = runner.value(QStringLiteral("chat_id")).toString();
    if (id.isEmpty()) {
        return;
    }
    Row *row = findOrAdd(plane, id);
    if (!row) {
        return;
    }
    QJsonObject info = runner;
    info.remove(QStringLiteral("events"));
    // A cleaning runner does not replace the one that runs the chat now.
    if (!row->runner.isEmpty() && info.value(QStringLiteral("cleaning")).toBool() &&
        row->runner.value(QStringLiteral("runner_id")) != info.value(QStringLiteral("runner_id")) &&
        !row->runner.value(QStringLiteral("cleaning")).toBool()) {
        return;
    }
    if (row->runner.value(QStringLiteral("runner_id")) != info.value(QStringLiteral("runner_id"))) {
        // Its first events may have come before it did.
        row->events = m_early.take(plane + QLatin1Char('\n') + id + QLatin1Char('\n') +
                                   info.value(QStringLiteral("runner_id")).toString());
        Q_EMIT eventsChanged(int(row - m_rows.data()));
    }
    row->runner = info;
    row->runnerHeardAt = m_clock->nowMSecs();
    changed(int(row - m_rows.data()));
}

void RunnerTableModel::removeRunner(const QString &plane, const QString &chatId,
                                    const QString &runnerId)
{
    touch(plane, chatId);
    const int row = rowOf(plane, chatId);
    if (row < 0 ||
        m_rows.at(row).runner.value(QStringLiteral("runner_id")).toString() != runnerId) {
        return;
    }
    m_rows[row].runner = {};
    m_rows[row].events.clear();
    Q_EMIT eventsChanged(row);
    pruneRow(row);
}

void RunnerTableModel::removeWorker(const QString &plane, const QString &workerId)
{
    for (int i = int(m_rows.size()) - 1; i >= 0; --i) {
        Row &row = m_rows[i];
        if (row.plane == plane &&
            row.runner.value(QStringLiteral("worker_id")).toString() == workerId) {
            touch(plane, row.chatId);
            row.runner = {};
            row.events.clear();
            Q_EMIT eventsChanged(i);
            pruneRow(i);
        }
    }
}

void RunnerTableModel::addRunnerEvent(const QString &plane, const QString &chatId,
                                      const QString &runnerId, const QJsonObject &event)
{
    const int row = rowOf(plane, chatId);
    if (row < 0 ||
        m_rows.at(row).runner.value(QStringLiteral("runner_id")).toString() != runnerId) {
        // A runner's first events are published before its entry (which is batched): kept
        // until it comes, for a few runners at most.
        const QString key = plane + QLatin1Char('\n') + chatId + QLatin1Char('\n') + runnerId;
        if (!m_early.contains(key) && m_early.size() >= MaxEarlyRunners) {
            m_early.clear();
        }
        std::deque<QJsonObject> &early = m_early[key];
        early.push_back(event);
        if (early.size() > MaxEventsPerRunner) {
            early.pop_front();
        }
        return;
    }
    Row &r = m_rows[row];
    r.events.push_back(event);
    while (r.events.size() > MaxEventsPerRunner) {
        r.events.pop_front();
    }
    Q_EMIT eventsChanged(row);
}

void RunnerTableModel::setEvents(const QString &plane, const QString &chatId,
                                 const QString &runnerId, const QList<QJsonObject> &events)
{
    const int row = rowOf(plane, chatId);
    if (row < 0 ||
        m_rows.at(row).runner.value(QStringLiteral("runner_id")).toString() != runnerId) {
        return;
    }
    Row &r = m_rows[row];
    // Live events that came while the log was loading are in it, or after it.
    const qint64 last =
            events.isEmpty() ? 0 : events.last().value(QStringLiteral("at")).toInteger();
    std::deque<QJsonObject> merged(events.begin(), events.end());
    for (const QJsonObject &event : r.events) {
        if (event.value(QStringLiteral("at")).toInteger() >= last &&
            std::find(merged.begin(), merged.end(), event) == merged.end()) {
            merged.push_back(event);
        }
    }
    while (merged.size() > MaxEventsPerRunner) {
        merged.pop_front();
    }
    r.events = std::move(merged);
    Q_EMIT eventsChanged(row);
}

void RunnerTableModel::removePlane(const QString &plane)
{
    for (int i = int(m_rows.size()) - 1; i >= 0; --i) {
        if (m_rows.at(i).plane == plane) {
            removeRow(i);
        }
    }
    m_timing.remove(plane);
    m_touched.remove(plane);
    m_early.removeIf(
            [&plane](const auto &it) { return it.key().startsWith(plane + QLatin1Char('\n')); });
    m_workspaceNames.remove(plane);
    m_agentNames.remove(plane);
}

void RunnerTableModel::setNames(const QString &plane, const QHash<QString, QString> &workspaces,
                                const QHash<QString, QString> &agents)
{
    m_workspaceNames.insert(plane, workspaces);
    m_agentNames.insert(plane, agents);
    if (!m_rows.isEmpty()) {
        Q_EMIT dataChanged(index(0, Workspace), index(int(m_rows.size()) - 1, Agent));
    }
}

void RunnerTableModel::tick()
{
    // Only what the clock moves: the age (and its colour) and the stuck state filters read.
    if (!m_rows.isEmpty()) {
        const int last = int(m_rows.size()) - 1;
        Q_EMIT dataChanged(index(0, Heartbeat), index(last, Heartbeat),
                           {Qt::DisplayRole, Qt::ToolTipRole, Qt::ForegroundRole, Qt::FontRole,
                            HeartbeatStateRole});
        Q_EMIT dataChanged(index(0, 0), index(last, 0), {StuckRole});
    }
}

QString RunnerTableModel::chatId(int row) const
{
    return m_rows.value(row).chatId;
}

QString RunnerTableModel::plane(int row) const
{
    return m_rows.value(row).plane;
}

QJsonObject RunnerTableModel::chat(int row) const
{
    return m_rows.value(row).chat;
}

QJsonObject RunnerTableModel::runner(int row) const
{
    return m_rows.value(row).runner;
}

QList<QJsonObject> RunnerTableModel::events(int row) const
{
    if (row < 0 || row >= m_rows.size()) {
        return {};
    }
    const std::deque<QJsonObject> &events = m_rows.at(row).events;
    return QList<QJsonObject>(events.begin(), events.end());
}

qint64 RunnerTableModel::heartbeatAgeMs(int row) const
{
    return row < 0 || row >= m_rows.size() ? -1 : ageOf(m_rows.at(row));
}

qint64 RunnerTableModel::ageOf(const Row &r) const
{
    const qint64 reported = r.runner.value(QStringLiteral("heartbeat_age_ms")).toInteger(-1);
    if (r.runner.isEmpty() || reported < 0) {
        return -1;
    }
    return reported + qMax<qint64>(0, m_clock->nowMSecs() - r.runnerHeardAt);
}

RunnerTableModel::HeartbeatState RunnerTableModel::heartbeatState(int row) const
{
    const qint64 age = heartbeatAgeMs(row);
    if (age < 0) {
        return NoHeartbeat;
    }
    const Timing timing = m_timing.value(m_rows.at(row).plane);
    if (age >= timing.staleAfterMs) {
        return Stale;
    }
    // One renewal missed (with room for the renewal's own round trip).
    return age > timing.heartbeatIntervalMs * 3 / 2 ? Late : Fresh;
}

bool RunnerTableModel::isStuck(int row) const
{
    if (heartbeatState(row) == Stale) {
        return true;
    }
    const QJsonValue since = m_rows.value(row).runner.value(QStringLiteral("task_retrying_since"));
    if (since.isUndefined() || since.isNull()) {
        return false;
    }
    // The server's wall clock against ours: a retry a minute old is far beyond any skew that
    // matters here.
    return m_clock->nowMSecs() - since.toInteger() > RetryingStuckMs;
}
