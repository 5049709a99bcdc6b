#include "reiniteventmodel.h"

#include <QDateTime>
#include <QIODevice>
#include <QJsonDocument>
#include <QLocale>

ReinitEventModel::ReinitEventModel(QObject *parent)
    : QAbstractTableModel(parent)
{ }

int ReinitEventModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int ReinitEventModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString ReinitEventModel::outcomeText(const ReinitEventRecord &event)
{
    const QString &kind = event.kind;
    if (kind == QLatin1String("claim_published")) {
        return tr("Claim published");
    }
    if (kind == QLatin1String("publish_failed")) {
        return tr("Claim not published");
    }
    if (kind == QLatin1String("delivered")) {
        return tr("Delivered to the agent");
    }
    if (kind == QLatin1String("reinitialized")) {
        return tr("Reinitialized");
    }
    if (kind == QLatin1String("ignored_duplicate")) {
        return tr("Ignored duplicate");
    }
    if (kind == QLatin1String("stopped_409")) {
        return tr("409: stopped polling");
    }
    if (kind == QLatin1String("claim_failed")) {
        return tr("Claim failed");
    }
    if (kind == QLatin1String("transport_error")) {
        return event.retryMs > 0
                ? tr("Transport error, retry in %1 s")
                          .arg(QLocale().toString(double(event.retryMs) / 1000.0, 'f', 1))
                : tr("Transport error");
    }
    return kind;
}

QString ReinitEventModel::nameOf(const QHash<QString, QString> &names, const QString &id) const
{
    if (id.isEmpty()) {
        return {};
    }
    if (id == Records::PrebuildsUserId) {
        return tr("prebuilds");
    }
    const QString name = names.value(id);
    return name.isEmpty() ? id.left(8) : name;
}

QString ReinitEventModel::display(const Row &row, int column) const
{
    const ReinitEventRecord &e = row.event;
    const Names names = m_names.value(row.plane);
    switch (column) {
    case Time:
        // Local time to the second, sortable as text; the tooltip of the row has no more.
        return QDateTime::fromMSecsSinceEpoch(e.at).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    case Plane:
        return row.plane;
    case Workspace:
        return nameOf(names.workspaces, e.workspaceId);
    case Agent:
        return nameOf(names.agents, e.agentId);
    case Reason:
        return e.reason;
    case PreviousOwner:
        return nameOf(names.users, e.previousOwnerId);
    case NewOwner:
        return nameOf(names.users, e.newOwnerId);
    case Outcome:
        return outcomeText(e);
    }
    return {};
}

QVariant ReinitEventModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount()) {
        return {};
    }
    const Row &row = m_rows[size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole:
        return display(row, index.column());
    case Qt::ToolTipRole:
        if (index.column() == Outcome && !row.event.detail.isEmpty()) {
            return row.event.detail;
        }
        if (index.column() == Workspace || index.column() == Agent) {
            return index.column() == Workspace ? row.event.workspaceId : row.event.agentId;
        }
        return {};
    case KindRole:
        return row.event.kind;
    case WorkspaceIdRole:
        return row.event.workspaceId;
    case AtRole:
        return row.event.at;
    case SearchTextRole: {
        QStringList parts;
        for (int c = 0; c < ColumnCount; ++c) {
            parts << display(row, c);
        }
        parts << row.event.detail << row.event.workspaceId << row.event.agentId;
        return parts.join(QLatin1Char('\n'));
    }
    }
    return {};
}

QVariant ReinitEventModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return {};
    }
    switch (section) {
    case Time:
        return tr("Time");
    case Plane:
        return tr("Control plane");
    case Workspace:
        return tr("Workspace");
    case Agent:
        return tr("Agent");
    case Reason:
        return tr("Reason");
    case PreviousOwner:
        return tr("Previous owner");
    case NewOwner:
        return tr("New owner");
    case Outcome:
        return tr("Outcome");
    }
    return {};
}

void ReinitEventModel::append(const QString &plane, const QList<ReinitEventRecord> &events)
{
    if (events.isEmpty()) {
        return;
    }
    // Only the newest MaxRows of the batch can stay.
    const qsizetype skip = qMax<qsizetype>(0, events.size() - MaxRows);
    const int adding = int(events.size() - skip);
    const int overflow = int(m_rows.size()) + adding - MaxRows;
    if (overflow > 0) {
        beginRemoveRows({}, 0, overflow - 1);
        m_rows.erase(m_rows.begin(), m_rows.begin() + overflow);
        endRemoveRows();
    }
    const int first = int(m_rows.size());
    beginInsertRows({}, first, first + adding - 1);
    for (qsizetype i = skip; i < events.size(); ++i) {
        m_rows.push_back({plane, events[i]});
    }
    endInsertRows();
}

void ReinitEventModel::clear()
{
    beginResetModel();
    m_rows.clear();
    endResetModel();
}

void ReinitEventModel::setNames(const QString &plane, const QHash<QString, QString> &workspaces,
                                const QHash<QString, QString> &agents,
                                const QHash<QString, QString> &users)
{
    Names &names = m_names[plane];
    names.workspaces.insert(workspaces); // a workspace that went keeps its name
    names.agents.insert(agents);
    names.users.insert(users);
    if (!m_rows.empty()) {
        Q_EMIT dataChanged(index(0, Workspace), index(rowCount() - 1, NewOwner), {Qt::DisplayRole});
    }
}

QList<ReinitEventModel::Loop> ReinitEventModel::loops(qint64 nowMs) const
{
    QHash<QPair<QString, QString>, int> counts;
    QList<QPair<QString, QString>> order;
    // Newest first: the window is at the end.
    for (auto it = m_rows.rbegin(); it != m_rows.rend(); ++it) {
        if (it->event.at < nowMs - LoopWindowMs) {
            break;
        }
        if (it->event.kind != QLatin1String("reinitialized") || it->event.at > nowMs) {
            continue;
        }
        const QPair<QString, QString> key {it->plane, it->event.workspaceId};
        if (!counts.contains(key)) {
            order.append(key);
        }
        ++counts[key];
    }
    QList<Loop> found;
    for (const auto &key : std::as_const(order)) {
        if (counts.value(key) >= LoopThreshold) {
            found.append({key.first, key.second,
                          nameOf(m_names.value(key.first).workspaces, key.second),
                          counts.value(key)});
        }
    }
    return found;
}

QList<ReinitEventModel::Entry> ReinitEventModel::entries(const QList<int> &rows) const
{
    QList<Entry> copies;
    copies.reserve(rows.size());
    for (int row : rows) {
        if (row >= 0 && row < rowCount()) {
            copies.append(m_rows[size_t(row)]);
        }
    }
    return copies;
}

bool ReinitEventModel::writeJsonLines(const QList<Entry> &entries, QIODevice *device,
                                      QString *error)
{
    for (const Entry &entry : entries) {
        QJsonObject json = entry.event.toJson();
        json.insert(QStringLiteral("control_plane"), entry.plane);
        if (device->write(QJsonDocument(json).toJson(QJsonDocument::Compact) + '\n') < 0) {
            *error = device->errorString();
            return false;
        }
    }
    return true;
}
