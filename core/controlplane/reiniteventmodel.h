#pragma once

#include "store/records.h"

#include <QAbstractTableModel>
#include <QHash>

#include <deque>

class QIODevice;

// The reinit event log of one or more control planes, oldest first, for the Reinit events
// view: time, workspace, agent, reason, previous and new owner, outcome. Bounded: beyond
// MaxRows the oldest rows go. Names come from setNames(); unknown ids show shortened.
class ReinitEventModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column {
        Time,
        Plane,
        Workspace,
        Agent,
        Reason,
        PreviousOwner,
        NewOwner,
        Outcome,
        ColumnCount
    };
    Q_ENUM(Column)
    enum Role { KindRole = Qt::UserRole + 1, WorkspaceIdRole, AtRole, SearchTextRole };

    static constexpr int MaxRows = 10'000;
    // The loop detector: this many reinitializations of one workspace within the window.
    static constexpr int LoopThreshold = 3;
    static constexpr qint64 LoopWindowMs = 10 * 60 * 1000;

    struct Loop
    {
        QString plane;
        QString workspaceId;
        QString workspaceName;
        int count = 0;
        bool operator==(const Loop &) const = default;
    };

    explicit ReinitEventModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    // One batch: one insertion (and at most one removal of the oldest).
    void append(const QString &plane, const QList<ReinitEventRecord> &events);
    void clear();
    // Names of workspaces, agents and users by id, for one plane's rows.
    void setNames(const QString &plane, const QHash<QString, QString> &workspaces,
                  const QHash<QString, QString> &agents, const QHash<QString, QString> &users);
    const ReinitEventRecord &record(int row) const { return m_rows[size_t(row)].event; }
    QString plane(int row) const { return m_rows[size_t(row)].plane; }

    // Workspaces reinitialized LoopThreshold or more times within LoopWindowMs before `nowMs`.
    QList<Loop> loops(qint64 nowMs) const;

    // An event with the control plane it came from, copied out for export.
    struct Entry
    {
        QString plane;
        ReinitEventRecord event;
    };
    // Copies of `rows` (in that order), to be written on another thread.
    QList<Entry> entries(const QList<int> &rows) const;
    // Any thread: one line of JSON per entry (the API's fields, plus "control_plane"); false
    // with `error` when writing failed.
    static bool writeJsonLines(const QList<Entry> &entries, QIODevice *device, QString *error);

    static QString outcomeText(const ReinitEventRecord &event);

private:
    using Row = Entry;
    struct Names
    {
        QHash<QString, QString> workspaces;
        QHash<QString, QString> agents;
        QHash<QString, QString> users;
    };
    QString nameOf(const QHash<QString, QString> &names, const QString &id) const;
    QString display(const Row &row, int column) const;

    std::deque<Row> m_rows;
    QHash<QString, Names> m_names;
};
