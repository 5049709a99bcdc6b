#pragma once

#include "contextsnapshot.h"

#include <QAbstractItemModel>
#include <QSet>
#include <QStringList>

#include <optional>

// The resources of a context snapshot as a tree: one top-level row per kind present, the
// resources of that kind below it. A new snapshot is applied incrementally (rows inserted,
// removed and changed by resource id), so selections and expansion survive each version.
class ContextResourceModel : public QAbstractItemModel
{
    Q_OBJECT
public:
    enum Column {
        NameColumn, // file or skill name; the tooltip is the full path
        StatusColumn,
        SizeColumn,
        HashColumn, // the first HashPrefixLength hex digits
        SourceColumn, // the user source, "built-in" or "working directory"
        ErrorColumn, // why the status is not OK
        ColumnCount
    };
    enum Role {
        ResourceIdRole = Qt::UserRole + 1, // QString; empty on kind rows
        KindRole, // int (ResourceKind), on kind rows too
        StatusRole, // int (ResourceStatus); invalid on kind rows
        SortRole, // a value that sorts naturally for the column
        IsKindRole, // bool: a top-level kind row
        FullHashRole, // QString: the whole content hash in hex
    };

    static constexpr int HashPrefixLength = 12;

    explicit ContextResourceModel(QObject *parent = nullptr);

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;

    // Applies `snapshot` with the smallest set of row insertions, removals and changes.
    void setSnapshot(const ContextSnapshot &snapshot);
    void clear();
    quint64 version() const { return m_version; }

    // Where resources without a user source came from, for the Source column. Until set, a
    // path below a ".coder" or ".claude/plugins/cache" folder counts as built-in.
    void setFixedRoots(const QStringList &builtinRoots, const QString &workingDirectory);

    // The resource at `index`; nullopt for kind rows and invalid indexes.
    std::optional<ContextResource> resource(const QModelIndex &index) const;
    std::optional<ContextResource> resourceById(const QString &id) const;
    QModelIndex indexOf(const QString &id, int column = NameColumn) const;
    QModelIndex kindIndex(ResourceKind kind, int column = NameColumn) const;
    int resourceCount() const;

    // "Instruction files", "Skills", "MCP configs", ...
    static QString kindText(ResourceKind kind);
    // "OK", "Oversize", "Unreadable", "Invalid", "Excluded".
    static QString statusText(ResourceStatus status);
    // The name a person knows a resource by: a skill's name, else the file or folder name.
    static QString displayName(const ContextResource &resource);
    // The Name column: displayName(), or, when rows of the snapshot share that name (three
    // AGENTS.md), the path relative to the resource's root, so that they can be told apart.
    QString rowName(const ContextResource &resource) const;
    // "built-in", "working directory" or the user source, as the Source column shows it.
    QString sourceText(const ContextResource &resource) const;

private:
    struct Group
    {
        ResourceKind kind;
        QList<ContextResource> resources; // by id
    };

    int groupRow(ResourceKind kind) const;
    void syncGroup(int row, QList<ContextResource> resources);
    QVariant groupData(const Group &group, int column, int role) const;
    QVariant resourceData(const ContextResource &resource, int column, int role) const;

    QList<Group> m_groups; // by kind ordinal
    quint64 m_version = 0;
    QStringList m_builtinRoots;
    QString m_workingDirectory;
    QSet<QString> m_sharedNames; // display names more than one row has
};
