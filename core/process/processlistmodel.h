#pragma once

#include "processinfo.h"
#include "processresources.h"

#include <QAbstractTableModel>
#include <QSet>
#include <QTimer>

class Clock;

// The processes of one agent as a table, kept current from the watch stream: one row per
// process, updated in place. Running durations tick once a second.
class ProcessListModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column {
        IdColumn,
        CommandColumn,
        WorkDirColumn,
        ChatColumn,
        StateColumn,
        StartedColumn,
        DurationColumn,
        // Optional (hidden by default in the view): the pid from the watch stream; CPU and
        // memory of the process group, for this machine's agent only (setResourceUsage()).
        PidColumn,
        CpuColumn,
        MemoryColumn,
        ColumnCount
    };
    enum Role {
        ProcessIdRole = Qt::UserRole + 1, // the full id
        RunningRole,
        ExitCodeRole, // int, invalid while running
        SortRole, // a value that sorts naturally for the column
    };

    explicit ProcessListModel(Clock *clock = nullptr, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    void setProcesses(const QList<ProcessInfo> &processes);
    void updateProcess(const ProcessInfo &process);
    void removeProcess(const QString &id);
    void clear();
    // Drops the exited rows and keeps them out (the agent lists them for five more
    // minutes); returns how many went.
    int clearExited();
    int exitedCount() const;
    int runningCount() const { return int(m_rows.size()) - exitedCount(); }

    // By group leader pid, as ProcessResources samples it; rows of other pids show nothing.
    void setResourceUsage(const QHash<qint64, ProcessResources::Usage> &usage);
    // The running processes' pids, the groups to sample.
    QList<qint64> runningPids() const;
    // "12.5 %" in the locale's way; "" before the second sample.
    static QString cpuText(double percent);

    int rowOf(const QString &id) const;
    ProcessInfo process(int row) const { return m_rows.at(row); }
    std::optional<ProcessInfo> processById(const QString &id) const;

    // "Running", "Terminating…", "Exited 0", "Terminated (SIGTERM)", "Killed (SIGKILL)".
    static QString stateText(const ProcessInfo &info);
    // How it ended, for the exit banner: the code, or the signal and who sent it.
    static QString endText(const ProcessInfo &info);
    // "1.2 s", "3 min 4 s", "2 h 5 min".
    static QString durationText(qint64 msecs);

private:
    void updateTicker();

    Clock *m_clock;
    QList<ProcessInfo> m_rows;
    QSet<QString> m_cleared; // exited ids cleared by the user, until the agent forgets them
    QHash<qint64, ProcessResources::Usage> m_usage;
    QTimer m_ticker;
};
