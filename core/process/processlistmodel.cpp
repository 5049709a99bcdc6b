#include "processlistmodel.h"

#include "common/clock.h"

#include <QDateTime>
#include <QLocale>

#include <algorithm>
#include <csignal>

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
        // Only what was sent: a process that ignores SIGTERM stays "Terminating…".
        if (info.signalSent == QLatin1String("terminate")) {
            return tr("Terminating…");
        }
        if (info.signalSent == QLatin1String("kill")) {
            return tr("Killing…");
        }
        return tr("Running");
    }
    const QString signal = ProcessInfo::signalName(info.exitSignal);
    if (info.exitSignal == SIGTERM) {
        return tr("Terminated (%1)").arg(signal);
    }
    if (info.exitSignal == SIGKILL) {
        return tr("Killed (%1)").arg(signal);
    }
    if (info.exitSignal != 0) {
        return tr("Ended (%1)").arg(signal);
    }
    if (info.exitCode == -1) {
        return tr("Ended by a signal"); // an agent that does not report which
    }
    return tr("Exited %1").arg(info.exitCode.value_or(0));
}

QString ProcessListModel::endText(const ProcessInfo &info)
{
    const qint64 duration = std::max<qint64>(
            0, info.exitedAtMSecs.value_or(info.startedAtMSecs) - info.startedAtMSecs);
    const QString after = durationText(duration);
    if (info.exitSignal == 0) {
        return info.exitCode == -1
                ? tr("Ended by a signal after %1").arg(after)
                : tr("Exited with code %1 after %2").arg(info.exitCode.value_or(0)).arg(after);
    }
    const QString signal = ProcessInfo::signalName(info.exitSignal);
    const bool sentHere =
            (info.exitSignal == SIGTERM && info.signalSent == QLatin1String("terminate")) ||
            (info.exitSignal == SIGKILL && info.signalSent == QLatin1String("kill"));
    const QString who = !sentHere                            ? tr("sent from outside the agent")
            : info.signalSentBy == QLatin1String("shutdown") ? tr("sent by the agent's shutdown")
                                                             : tr("sent by you");
    if (info.exitSignal == SIGTERM) {
        return tr("Terminated by %1 after %2, %3.").arg(signal, after, who);
    }
    if (info.exitSignal == SIGKILL) {
        return tr("Killed by %1 after %2, %3.").arg(signal, after, who);
    }
    return tr("Ended by %1 after %2, %3.").arg(signal, after, who);
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
        case PidColumn:
            return p.pid;
        case CpuColumn:
            return m_usage.value(p.pid).cpuPercent;
        case MemoryColumn:
            return m_usage.value(p.pid).rssBytes;
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
        case PidColumn:
            return p.pid > 0 ? QLocale().toString(p.pid).remove(QLocale().groupSeparator())
                             : QString();
        case CpuColumn: {
            const auto usage = m_usage.constFind(p.pid);
            return p.running && usage != m_usage.cend() ? cpuText(usage->cpuPercent) : QString();
        }
        case MemoryColumn: {
            const auto usage = m_usage.constFind(p.pid);
            return p.running && usage != m_usage.cend()
                    ? QLocale().formattedDataSize(usage->rssBytes, 1)
                    : QString();
        }
        default:
            return {};
        }
    case Qt::TextAlignmentRole:
        switch (index.column()) {
        case PidColumn:
        case CpuColumn:
        case MemoryColumn:
            return QVariant(Qt::AlignRight | Qt::AlignVCenter); // numbers line up
        default:
            return {};
        }
    default:
        return {};
    }
}

void ProcessListModel::setResourceUsage(const QHash<qint64, ProcessResources::Usage> &usage)
{
    m_usage = usage;
    if (!m_rows.isEmpty()) {
        Q_EMIT dataChanged(index(0, CpuColumn), index(int(m_rows.size()) - 1, MemoryColumn),
                           {Qt::DisplayRole, SortRole});
    }
}

QList<qint64> ProcessListModel::runningPids() const
{
    QList<qint64> pids;
    for (const ProcessInfo &p : m_rows) {
        if (p.running && p.pid > 0) {
            pids.append(p.pid);
        }
    }
    return pids;
}

QString ProcessListModel::cpuText(double percent)
{
    //: CPU use of a process, percent of one core; %1 is the number
    return percent < 0 ? QString() : tr("%1 %").arg(QLocale().toString(percent, 'f', 1));
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
    case PidColumn:
        return tr("PID");
    case CpuColumn:
        return tr("CPU");
    case MemoryColumn:
        //: resident memory (RSS) of the process group
        return tr("Memory");
    default:
        return {};
    }
}

void ProcessListModel::setProcesses(const QList<ProcessInfo> &processes)
{
    beginResetModel();
    m_rows.clear();
    QSet<QString> stillCleared;
    for (const ProcessInfo &process : processes) {
        if (m_cleared.contains(process.id)) {
            stillCleared.insert(process.id);
        } else {
            m_rows.append(process);
        }
    }
    m_cleared = stillCleared; // what the agent forgot cannot come back
    endResetModel();
    updateTicker();
}

void ProcessListModel::updateProcess(const ProcessInfo &process)
{
    if (m_cleared.contains(process.id)) {
        return;
    }
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
    m_cleared.clear();
    setProcesses({});
}

int ProcessListModel::clearExited()
{
    int removed = 0;
    for (int row = int(m_rows.size()) - 1; row >= 0; --row) {
        if (!m_rows.at(row).running) {
            m_cleared.insert(m_rows.at(row).id);
            beginRemoveRows({}, row, row);
            m_rows.removeAt(row);
            endRemoveRows();
            ++removed;
        }
    }
    return removed;
}

int ProcessListModel::exitedCount() const
{
    return int(std::count_if(m_rows.cbegin(), m_rows.cend(),
                             [](const ProcessInfo &p) { return !p.running; }));
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
