#pragma once

#include <QSortFilterProxyModel>

// The process table as shown: filtered by the filter box across every column, sorted by the
// model's SortRole, and with a state icon (running, succeeded, failed, killed).
class ProcessFilterModel : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    explicit ProcessFilterModel(QObject *parent = nullptr);

    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

    static QIcon stateIcon(bool running, int exitCode);
};
