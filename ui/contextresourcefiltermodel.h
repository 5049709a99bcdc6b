#pragma once

#include "context/contextresource.h"

#include <QHash>
#include <QIcon>
#include <QSortFilterProxyModel>

// The Context view's presentation of a ContextResourceModel: filters resources by name, path,
// source or error (kind rows stay while a resource below them matches), sorts by the model's
// SortRole, and adds the status icons and colours that the GUI-free model cannot.
class ContextResourceFilterModel : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    explicit ContextResourceFilterModel(QObject *parent = nullptr);

    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

    // Green for OK, amber for oversize and excluded, red for invalid and unreadable; readable
    // on the light and the dark palette.
    static QColor statusColor(ResourceStatus status);
    // A filled circle in statusColor() with a tick, an exclamation mark or a cross.
    static QIcon statusIcon(ResourceStatus status);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    mutable QHash<int, QIcon> m_icons; // by status
};
