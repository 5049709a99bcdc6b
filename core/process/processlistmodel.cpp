#include "processlistmodel.h"

#include "common/clock.h"

#include <QDateTime>
#include <QLocale>

ProcessListModel::ProcessListModel(Clock *clock, QObject *parent)
    : QAbstractTableModel(parent)
    , m_clock(clock ? clock : Clock::system())
{
    m_ticker.setInterval(1000);
    connect(&m_ticker, &QTimer::timeout, this, [this] {
        for (int row = 0; row < m_rows.size(); ++row) {
            if (m_rows.at(row).running) {
                const QModelIndex i = index(row, DurationColumn);
                Q_EMIT dataChanged(i, i, {Qt::DisplayRole, SortRole});
            }
        }
    });
}

int ProcessListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int ProcessListModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString ProcessListModel::stateText(const ProcessInfo &info)
{
    if (info.running) {
        return tr("Running");
    }
    if (info.exitCode == -1) {
        return tr("Killed");
    }
    return tr("Exited %1").arg(info.exitCode.value_or(0));
}

QString ProcessListModel::durationText(qint64 msecs)
{
    const QLocale locale;
    if (msecs < 60'000) {
        return tr("%1 s").arg(locale.toString(double(msecs) / 1000.0, 'f', 1));
    }
    const qint64 seconds = msecs / 1000;
    if (seconds < 3600) {
        return tr("%1 min %2 s").arg(seconds / 60).arg(seconds % 60);
    }
    return tr("%1 h %2 min").arg(seconds / 3600).arg((seconds % 3600) / 60);
}

QVariant ProcessListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid)) {
        return {};
    }
    const ProcessInfo &p = m_rows.at(index.row());
    const qint64 end = p.exitedAtMSecs.value_or(m_clock->nowMSecs());
    const qint64 duration = std::max<qint64>(0, end - p.startedAtMSecs);
    switch (role) {
    case ProcessIdRole:
        return p.id;
    case RunningRole:
        return p.running;
    case ExitCodeRole:
        return p.exitCode ? QVariant(*p.exitCode) : QVariant();
    case Qt::ToolTipRole:
        switch (index.column()) {
        case IdColumn:
            return p.id;
        case CommandColumn:
            return p.command;
        case WorkDirColumn:
            return p.workDir;
        case ChatColumn:
            return p.chatId;
        default:
            return {};
        }
    case SortRole:
        switch (index.column()) {
        case StateColumn:
            return p.running ? -1000 : p.exitCode.value_or(0);
        case StartedColumn:
            return p.startedAtMSecs;
        case DurationColumn:
            return duration;
        default:
            return data(index, Qt::DisplayRole);
        }
    case Qt::DisplayRole:
        switch (index.column()) {
        case IdColumn:
            return p.id.left(8);
        case CommandColumn:
            return p.command;
        case WorkDirColumn:
            return p.workDir;
        case ChatColumn:
            return p.chatId.left(8);
        case StateColumn:
            return stateText(p);
        case StartedColumn:
            return QLocale().toString(QDateTime::fromMSecsSinceEpoch(p.startedAtMSecs).time(),
                                      QLocale::ShortFormat);
        case DurationColumn:
            return durationText(duration);
        default:
            return {};
        }
    default:
        return {};
    }
}

QVariant ProcessListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return {};
    }
    switch (section) {
    case IdColumn:
        return tr("ID");
    case CommandColumn:
        return tr("Command");
    case WorkDirColumn:
        return tr("Working directory");
    case ChatColumn:
        return tr("Chat");
    case StateColumn:
        return tr("State");
    case StartedColumn:
        return tr("Started");
    case DurationColumn:
        return tr("Duration");
    default:
        return {};
    }
}

void ProcessListModel::setProcesses(const QList<ProcessInfo> &processes)
{
    beginResetModel();
    m_rows = processes;
    endResetModel();
    updateTicker();
}

void ProcessListModel::updateProcess(const ProcessInfo &process)
{
    const int row = rowOf(process.id);
    if (row < 0) {
        beginInsertRows({}, int(m_rows.size()), int(m_rows.size()));
        m_rows.append(process);
        endInsertRows();
    } else {
        m_rows[row] = process;
        Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
    }
    updateTicker();
}

void ProcessListModel::removeProcess(const QString &id)
{
    const int row = rowOf(id);
    if (row < 0) {
        return;
    }
    beginRemoveRows({}, row, row);
    m_rows.removeAt(row);
    endRemoveRows();
    updateTicker();
}

void ProcessListModel::clear()
{
    setProcesses({});
}

int ProcessListModel::rowOf(const QString &id) const
{
    for (int row = 0; row < m_rows.size(); ++row) {
        if (m_rows.at(row).id == id) {
            return row;
        }
    }
    return -1;
}

std::optional<ProcessInfo> ProcessListModel::processById(const QString &id) const
{
    const int row = rowOf(id);
    return row < 0 ? std::nullopt : std::optional<ProcessInfo>(m_rows.at(row));
}

void ProcessListModel::updateTicker()
{
    const bool anyRunning = std::any_of(m_rows.cbegin(), m_rows.cend(),
                                        [](const ProcessInfo &p) { return p.running; });
    if (anyRunning && !m_ticker.isActive()) {
        m_ticker.start();
    } else if (!anyRunning) {
        m_ticker.stop();
    }
}
