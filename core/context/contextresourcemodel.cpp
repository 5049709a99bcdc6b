#include "contextresourcemodel.h"

#include "contextpaths.h"

#include <QDir>
#include <QFileInfo>
#include <QHash>
#include <QLocale>
#include <QMap>
#include <QSet>

namespace {

// Resource rows carry their kind (plus one, so that no kind collides with the kind rows' 0) as
// internal id: a kind never changes row identity, while group rows move as kinds come and go.
quintptr childId(ResourceKind kind)
{
    return quintptr(int(kind)) + 1;
}

QString sizeText(quint64 bytes)
{
    return QLocale().formattedDataSize(qint64(bytes));
}

} // namespace

ContextResourceModel::ContextResourceModel(QObject *parent)
    : QAbstractItemModel(parent)
{ }

QModelIndex ContextResourceModel::index(int row, int column, const QModelIndex &parent) const
{
    if (row < 0 || column < 0 || column >= ColumnCount) {
        return {};
    }
    if (!parent.isValid()) {
        return row < m_groups.size() ? createIndex(row, column, quintptr(0)) : QModelIndex();
    }
    if (parent.internalId() != 0 || parent.row() >= m_groups.size()) {
        return {};
    }
    const Group &group = m_groups.at(parent.row());
    if (row >= group.resources.size()) {
        return {};
    }
    return createIndex(row, column, childId(group.kind));
}

QModelIndex ContextResourceModel::parent(const QModelIndex &child) const
{
    if (!child.isValid() || child.internalId() == 0) {
        return {};
    }
    const int row = groupRow(ResourceKind(int(child.internalId() - 1)));
    return row < 0 ? QModelIndex() : createIndex(row, 0, quintptr(0));
}

int ContextResourceModel::rowCount(const QModelIndex &parent) const
{
    if (!parent.isValid()) {
        return int(m_groups.size());
    }
    if (parent.internalId() != 0 || parent.column() != 0 || parent.row() >= m_groups.size()) {
        return 0;
    }
    return int(m_groups.at(parent.row()).resources.size());
}

int ContextResourceModel::columnCount(const QModelIndex &) const
{
    return ColumnCount;
}

Qt::ItemFlags ContextResourceModel::flags(const QModelIndex &index) const
{
    if (!index.isValid()) {
        return Qt::NoItemFlags;
    }
    return Qt::ItemIsEnabled | Qt::ItemIsSelectable;
}

QVariant ContextResourceModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid)) {
        return {};
    }
    if (index.internalId() == 0) {
        return groupData(m_groups.at(index.row()), index.column(), role);
    }
    const int row = groupRow(ResourceKind(int(index.internalId() - 1)));
    if (row < 0) {
        return {};
    }
    return resourceData(m_groups.at(row).resources.at(index.row()), index.column(), role);
}

QVariant ContextResourceModel::groupData(const Group &group, int column, int role) const
{
    switch (role) {
    case KindRole:
        return int(group.kind);
    case IsKindRole:
        return true;
    case SortRole:
        // Kinds keep their upstream order whatever column the resources are sorted by.
        return int(group.kind);
    case Qt::DisplayRole:
    case Qt::ToolTipRole: {
        if (column == NameColumn) {
            return tr("%1 (%2)").arg(kindText(group.kind)).arg(group.resources.size());
        }
        if (column == StatusColumn) {
            const auto skipped = std::count_if(
                    group.resources.cbegin(), group.resources.cend(),
                    [](const ContextResource &r) { return r.status != ResourceStatus::Ok; });
            return skipped == 0 ? QString() : tr("%n skipped", nullptr, int(skipped));
        }
        if (column == SizeColumn) {
            quint64 total = 0;
            for (const ContextResource &r : group.resources) {
                total += r.sizeBytes;
            }
            return sizeText(total);
        }
        return {};
    }
    case Qt::TextAlignmentRole:
        if (column == SizeColumn) {
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        }
        return {};
    default:
        return {};
    }
}

QVariant ContextResourceModel::resourceData(const ContextResource &resource, int column,
                                            int role) const
{
    switch (role) {
    case ResourceIdRole:
        return resource.id;
    case KindRole:
        return int(resource.kind);
    case StatusRole:
        return int(resource.status);
    case IsKindRole:
        return false;
    case FullHashRole:
        return QString::fromLatin1(resource.contentHash.toHex());
    case Qt::DisplayRole:
        switch (Column(column)) {
        case NameColumn:
            return rowName(resource);
        case StatusColumn:
            return statusText(resource.status);
        case SizeColumn:
            return sizeText(resource.sizeBytes);
        case HashColumn:
            return QString::fromLatin1(resource.contentHash.toHex().left(HashPrefixLength));
        case SourceColumn:
            return sourceText(resource);
        case ErrorColumn:
            return resource.error;
        case ColumnCount:
            break;
        }
        return {};
    case Qt::ToolTipRole:
        switch (Column(column)) {
        case NameColumn:
            return resource.description.isEmpty()
                    ? ContextPaths::forDisplay(resource.source)
                    : tr("%1\n%2").arg(ContextPaths::forDisplay(resource.source),
                                       resource.description);
        case StatusColumn:
        case ErrorColumn:
            return resource.error.isEmpty()
                    ? statusText(resource.status)
                    : tr("%1: %2").arg(statusText(resource.status), resource.error);
        case SizeColumn:
            return tr("%n byte(s)", nullptr, int(qMin<quint64>(resource.sizeBytes, INT_MAX)));
        case HashColumn:
            return QString::fromLatin1(resource.contentHash.toHex());
        case SourceColumn:
            return resource.sourcePath.isEmpty() ? sourceText(resource) : resource.sourcePath;
        case ColumnCount:
            break;
        }
        return {};
    case SortRole:
        switch (Column(column)) {
        case NameColumn:
            return rowName(resource).toLower();
        case StatusColumn:
            return int(resource.status);
        case SizeColumn:
            return qulonglong(resource.sizeBytes);
        case HashColumn:
            return QString::fromLatin1(resource.contentHash.toHex());
        case SourceColumn:
            return sourceText(resource);
        case ErrorColumn:
            return resource.error;
        case ColumnCount:
            break;
        }
        return {};
    case Qt::TextAlignmentRole:
        if (column == SizeColumn) {
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        }
        return {};
    default:
        return {};
    }
}

QVariant ContextResourceModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return {};
    }
    switch (Column(section)) {
    case NameColumn:
        return tr("Name");
    case StatusColumn:
        return tr("Status");
    case SizeColumn:
        return tr("Size");
    case HashColumn:
        return tr("Hash");
    case SourceColumn:
        return tr("Source");
    case ErrorColumn:
        return tr("Error");
    case ColumnCount:
        break;
    }
    return {};
}

void ContextResourceModel::setSnapshot(const ContextSnapshot &snapshot)
{
    QMap<int, QList<ContextResource>> byKind; // ordered by kind, as the rows are
    QSet<QString> seen;
    for (const ContextResource &resource : snapshot.resources) {
        if (!seen.contains(resource.id)) { // ids are unique in a snapshot; do not trust it
            seen.insert(resource.id);
            byKind[int(resource.kind)].append(resource);
        }
    }
    for (QList<ContextResource> &resources : byKind) {
        ContextSnapshot::sortById(resources);
    }
    QHash<QString, int> names;
    for (const QList<ContextResource> &resources : std::as_const(byKind)) {
        for (const ContextResource &resource : resources) {
            ++names[displayName(resource)];
        }
    }
    QSet<QString> shared;
    for (auto it = names.cbegin(); it != names.cend(); ++it) {
        if (it.value() > 1) {
            shared.insert(it.key());
        }
    }
    const bool namesChanged = shared != m_sharedNames;
    m_sharedNames = shared;

    for (int row = int(m_groups.size()) - 1; row >= 0; --row) {
        if (!byKind.contains(int(m_groups.at(row).kind))) {
            beginRemoveRows({}, row, row);
            m_groups.removeAt(row);
            endRemoveRows();
        }
    }
    for (int row = 0; row < m_groups.size(); ++row) {
        syncGroup(row, byKind.take(int(m_groups.at(row).kind)));
    }
    for (auto it = byKind.cbegin(); it != byKind.cend(); ++it) {
        int row = 0;
        while (row < m_groups.size() && int(m_groups.at(row).kind) < it.key()) {
            ++row;
        }
        beginInsertRows({}, row, row);
        m_groups.insert(row, Group {ResourceKind(it.key()), it.value()});
        endInsertRows();
    }
    m_version = snapshot.version;
    if (namesChanged) {
        // Rows that kept their data may now need their path, or no longer need it.
        for (int row = 0; row < m_groups.size(); ++row) {
            const int count = int(m_groups.at(row).resources.size());
            if (count > 0) {
                const QModelIndex parent = index(row, 0);
                Q_EMIT dataChanged(index(0, NameColumn, parent),
                                   index(count - 1, NameColumn, parent));
            }
        }
    }
}

void ContextResourceModel::syncGroup(int row, QList<ContextResource> resources)
{
    const QModelIndex parent = index(row, 0);
    QList<ContextResource> &current = m_groups[row].resources;
    bool changed = false;

    QSet<QString> wanted;
    for (const ContextResource &resource : std::as_const(resources)) {
        wanted.insert(resource.id);
    }
    // Removals first, in contiguous runs from the end; what stays is in the new order.
    for (int i = int(current.size()) - 1; i >= 0;) {
        if (wanted.contains(current.at(i).id)) {
            --i;
            continue;
        }
        const int last = i;
        while (i >= 0 && !wanted.contains(current.at(i).id)) {
            --i;
        }
        beginRemoveRows(parent, i + 1, last);
        current.remove(i + 1, last - i);
        endRemoveRows();
        changed = true;
    }
    // Both lists are sorted by id, so one pass changes what stayed and inserts what is new.
    int at = 0;
    for (const ContextResource &resource : std::as_const(resources)) {
        if (at < current.size() && current.at(at).id == resource.id) {
            if (!(current.at(at) == resource)) {
                current[at] = resource;
                Q_EMIT dataChanged(index(at, 0, parent), index(at, ColumnCount - 1, parent));
                changed = true;
            }
        } else {
            beginInsertRows(parent, at, at);
            current.insert(at, resource);
            endInsertRows();
            changed = true;
        }
        ++at;
    }
    if (changed) {
        // The kind row shows the count, the skipped count and the total size.
        Q_EMIT dataChanged(index(row, NameColumn), index(row, SizeColumn));
    }
}

void ContextResourceModel::clear()
{
    if (m_groups.isEmpty()) {
        m_version = 0;
        return;
    }
    beginRemoveRows({}, 0, int(m_groups.size()) - 1);
    m_groups.clear();
    endRemoveRows();
    m_version = 0;
}

void ContextResourceModel::setFixedRoots(const QStringList &builtinRoots,
                                         const QString &workingDirectory)
{
    m_builtinRoots = builtinRoots;
    m_workingDirectory = workingDirectory;
    for (int row = 0; row < m_groups.size(); ++row) {
        const QModelIndex parent = index(row, 0);
        const int count = rowCount(parent);
        if (count > 0) {
            Q_EMIT dataChanged(index(0, SourceColumn, parent),
                               index(count - 1, SourceColumn, parent));
        }
    }
}

std::optional<ContextResource> ContextResourceModel::resource(const QModelIndex &index) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid) || index.internalId() == 0) {
        return std::nullopt;
    }
    const int row = groupRow(ResourceKind(int(index.internalId() - 1)));
    if (row < 0) {
        return std::nullopt;
    }
    return m_groups.at(row).resources.at(index.row());
}

std::optional<ContextResource> ContextResourceModel::resourceById(const QString &id) const
{
    return resource(indexOf(id));
}

QModelIndex ContextResourceModel::indexOf(const QString &id, int column) const
{
    for (int row = 0; row < m_groups.size(); ++row) {
        const QList<ContextResource> &resources = m_groups.at(row).resources;
        for (int i = 0; i < resources.size(); ++i) {
            if (resources.at(i).id == id) {
                return index(i, column, index(row, 0));
            }
        }
    }
    return {};
}

QModelIndex ContextResourceModel::kindIndex(ResourceKind kind, int column) const
{
    const int row = groupRow(kind);
    return row < 0 ? QModelIndex() : index(row, column);
}

int ContextResourceModel::resourceCount() const
{
    int count = 0;
    for (const Group &group : m_groups) {
        count += int(group.resources.size());
    }
    return count;
}

int ContextResourceModel::groupRow(ResourceKind kind) const
{
    for (int row = 0; row < m_groups.size(); ++row) {
        if (m_groups.at(row).kind == kind) {
            return row;
        }
    }
    return -1;
}

QString ContextResourceModel::kindText(ResourceKind kind)
{
    switch (kind) {
    case ResourceKind::InstructionFile:
        return tr("Instruction files");
    case ResourceKind::Skill:
        return tr("Skills");
    case ResourceKind::McpConfig:
        return tr("MCP configs");
    case ResourceKind::McpServer:
        return tr("MCP servers");
    case ResourceKind::Plugin:
        return tr("Plugins");
    case ResourceKind::Hook:
        return tr("Hooks");
    case ResourceKind::Subagent:
        return tr("Subagents");
    case ResourceKind::Command:
        return tr("Commands");
    case ResourceKind::Unspecified:
        break;
    }
    return tr("Other");
}

QString ContextResourceModel::statusText(ResourceStatus status)
{
    switch (status) {
    case ResourceStatus::Ok:
        return tr("OK");
    case ResourceStatus::Oversize:
        return tr("Oversize");
    case ResourceStatus::Unreadable:
        return tr("Unreadable");
    case ResourceStatus::Invalid:
        return tr("Invalid");
    case ResourceStatus::Excluded:
        return tr("Excluded");
    }
    return tr("Unknown");
}

QString ContextResourceModel::displayName(const ContextResource &resource)
{
    if (!resource.name.isEmpty()) {
        return resource.name;
    }
    const QString name = QFileInfo(resource.source).fileName();
    return ContextPaths::forDisplay(name.isEmpty() ? resource.source : name);
}

QString ContextResourceModel::rowName(const ContextResource &resource) const
{
    const QString name = displayName(resource);
    if (!m_sharedNames.contains(name)) {
        return name;
    }
    // The deepest known root that holds it: a user root, the working directory, a built-in.
    QString root;
    QStringList roots = m_builtinRoots;
    roots.append(m_workingDirectory);
    roots.append(resource.sourcePath);
    for (const QString &candidate : std::as_const(roots)) {
        if (!candidate.isEmpty() && ContextPaths::pathHasPrefix(resource.source, candidate) &&
            candidate.size() > root.size()) {
            root = candidate;
        }
    }
    if (root.isEmpty()) {
        return ContextPaths::forDisplay(resource.source); // a remote agent names no roots
    }
    const QString relative = QDir(root).relativeFilePath(resource.source);
    return ContextPaths::forDisplay(relative.isEmpty() ? name : relative);
}

QString ContextResourceModel::sourceText(const ContextResource &resource) const
{
    if (!resource.sourcePath.isEmpty()) {
        return resource.sourcePath;
    }
    if (m_builtinRoots.isEmpty() && m_workingDirectory.isEmpty()) {
        // A remote agent does not say where its roots are; its built-ins are always these.
        const bool builtin = resource.source.contains(QLatin1String("/.coder/")) ||
                resource.source.contains(QLatin1String("/.claude/plugins/cache/"));
        return builtin ? tr("built-in") : tr("working directory");
    }
    for (const QString &root : m_builtinRoots) {
        if (ContextPaths::pathHasPrefix(resource.source, root)) {
            return tr("built-in");
        }
    }
    return tr("working directory");
}
