#include "processfiltermodel.h"

#include "process/processlistmodel.h"

#include <QIcon>
#include <QPainter>
#include <QPixmap>

ProcessFilterModel::ProcessFilterModel(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    setFilterCaseSensitivity(Qt::CaseInsensitive);
    setFilterKeyColumn(-1);
    setSortRole(ProcessListModel::SortRole);
}

QIcon ProcessFilterModel::stateIcon(bool running, int exitCode)
{
    // Drawn, not themed: the meaning must not depend on the icon theme installed.
    const QColor colour = running ? QColor(0x2e, 0x86, 0xde)
            : exitCode == 0       ? QColor(0x2e, 0xa0, 0x43)
            : exitCode == -1      ? QColor(0x8e, 0x44, 0xad)
                                  : QColor(0xd3, 0x3b, 0x2f);
    QPixmap pixmap(16, 16);
    pixmap.fill(Qt::transparent);
    QPainter painter(&pixmap);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setPen(Qt::NoPen);
    painter.setBrush(colour);
    if (running) {
        painter.drawEllipse(QRectF(3, 3, 10, 10));
    } else {
        painter.drawRoundedRect(QRectF(3, 3, 10, 10), 2, 2);
    }
    return QIcon(pixmap);
}

QVariant ProcessFilterModel::data(const QModelIndex &index, int role) const
{
    if (role == Qt::DecorationRole && index.column() == ProcessListModel::StateColumn) {
        const bool running =
                QSortFilterProxyModel::data(index, ProcessListModel::RunningRole).toBool();
        const int exitCode =
                QSortFilterProxyModel::data(index, ProcessListModel::ExitCodeRole).toInt();
        return stateIcon(running, exitCode);
    }
    return QSortFilterProxyModel::data(index, role);
}
