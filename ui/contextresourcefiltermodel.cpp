#include "contextresourcefiltermodel.h"

#include "context/contextresourcemodel.h"

#include <QFontDatabase>
#include <QHash>
#include <QPainter>
#include <QPainterPath>
#include <QPixmap>

namespace {

enum class Mark { Tick, Exclamation, Cross };

Mark markFor(ResourceStatus status)
{
    switch (status) {
    case ResourceStatus::Ok:
        return Mark::Tick;
    case ResourceStatus::Oversize:
    case ResourceStatus::Excluded:
        return Mark::Exclamation;
    case ResourceStatus::Invalid:
    case ResourceStatus::Unreadable:
        break;
    }
    return Mark::Cross;
}

QPixmap statusPixmap(const QColor &colour, Mark mark, int size)
{
    QPixmap pixmap(size, size);
    pixmap.fill(Qt::transparent);
    QPainter painter(&pixmap);
    painter.setRenderHint(QPainter::Antialiasing);
    const qreal s = size;
    painter.setPen(Qt::NoPen);
    painter.setBrush(colour);
    painter.drawEllipse(QRectF(0.5, 0.5, s - 1, s - 1));
    QPen pen(Qt::white, s / 8, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin);
    painter.setPen(pen);
    painter.setBrush(Qt::NoBrush);
    switch (mark) {
    case Mark::Tick: {
        QPainterPath path;
        path.moveTo(s * 0.28, s * 0.52);
        path.lineTo(s * 0.44, s * 0.68);
        path.lineTo(s * 0.73, s * 0.35);
        painter.drawPath(path);
        break;
    }
    case Mark::Exclamation:
        painter.drawLine(QPointF(s / 2, s * 0.25), QPointF(s / 2, s * 0.57));
        painter.drawPoint(QPointF(s / 2, s * 0.75));
        break;
    case Mark::Cross:
        painter.drawLine(QPointF(s * 0.33, s * 0.33), QPointF(s * 0.67, s * 0.67));
        painter.drawLine(QPointF(s * 0.67, s * 0.33), QPointF(s * 0.33, s * 0.67));
        break;
    }
    return pixmap;
}

} // namespace

ContextResourceFilterModel::ContextResourceFilterModel(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    setRecursiveFilteringEnabled(true);
    setFilterCaseSensitivity(Qt::CaseInsensitive);
    setSortRole(ContextResourceModel::SortRole);
}

QVariant ContextResourceFilterModel::data(const QModelIndex &index, int role) const
{
    if (role == Qt::DecorationRole && index.column() == ContextResourceModel::StatusColumn) {
        const QVariant status =
                QSortFilterProxyModel::data(index, ContextResourceModel::StatusRole);
        if (status.isValid()) {
            auto it = m_icons.constFind(status.toInt());
            if (it == m_icons.cend()) {
                it = m_icons.insert(status.toInt(), statusIcon(ResourceStatus(status.toInt())));
            }
            return *it;
        }
    }
    if (role == Qt::FontRole && index.column() == ContextResourceModel::HashColumn) {
        return QFontDatabase::systemFont(QFontDatabase::FixedFont);
    }
    if (role == Qt::ForegroundRole && index.column() == ContextResourceModel::ErrorColumn) {
        const QVariant status =
                QSortFilterProxyModel::data(index, ContextResourceModel::StatusRole);
        if (status.isValid() && ResourceStatus(status.toInt()) != ResourceStatus::Ok) {
            return statusColor(ResourceStatus(status.toInt()));
        }
    }
    return QSortFilterProxyModel::data(index, role);
}

bool ContextResourceFilterModel::filterAcceptsRow(int sourceRow,
                                                  const QModelIndex &sourceParent) const
{
    if (filterRegularExpression().pattern().isEmpty()) {
        return true;
    }
    if (!sourceParent.isValid()) {
        return false; // a kind row stays only for its matching resources (recursive filtering)
    }
    const QAbstractItemModel *model = sourceModel();
    for (int column : {ContextResourceModel::NameColumn, ContextResourceModel::SourceColumn,
                       ContextResourceModel::ErrorColumn, ContextResourceModel::StatusColumn}) {
        const QModelIndex index = model->index(sourceRow, column, sourceParent);
        if (index.data().toString().contains(filterRegularExpression())) {
            return true;
        }
    }
    // The full path, so that a folder name finds everything below it.
    const QString path = model->index(sourceRow, ContextResourceModel::NameColumn, sourceParent)
                                 .data(Qt::ToolTipRole)
                                 .toString();
    return path.contains(filterRegularExpression());
}

QColor ContextResourceFilterModel::statusColor(ResourceStatus status)
{
    switch (markFor(status)) {
    case Mark::Tick:
        return QColor(0x2e, 0x9d, 0x4f);
    case Mark::Exclamation:
        return QColor(0xd9, 0x8e, 0x04);
    case Mark::Cross:
        break;
    }
    return QColor(0xd6, 0x45, 0x45);
}

QIcon ContextResourceFilterModel::statusIcon(ResourceStatus status)
{
    QIcon icon;
    for (int size : {16, 24, 32}) {
        icon.addPixmap(statusPixmap(statusColor(status), markFor(status), size));
    }
    return icon;
}
