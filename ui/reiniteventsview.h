#pragma once

#include "controlplane/reiniteventmodel.h"

#include <QFuture>
#include <QWidget>

class Clock;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSortFilterProxyModel;
class QStackedWidget;
class QTimer;
class QToolButton;
class QTreeView;
class ReinitEventFilter;

// Reinit events: the live log of every connected control plane (newest first), with search,
// an outcome filter and a workspace filter, a loop warning when a workspace is reinitialized
// ReinitEventModel::LoopThreshold times within 10 minutes, and export as JSON lines. Events
// arriving in a flood are added once per frame.
class ReinitEventsView : public QWidget
{
    Q_OBJECT
public:
    static constexpr int FlushInterval = 16; // ms: one batch per frame

    explicit ReinitEventsView(QWidget *parent = nullptr);
    ~ReinitEventsView() override;

    ReinitEventModel *model() const { return m_model; }
    QSortFilterProxyModel *filterModel() const;
    QTreeView *list() const { return m_list; }
    QLineEdit *searchEdit() const { return m_search; }
    QComboBox *outcomeFilter() const { return m_outcome; }
    QLabel *loopBanner() const { return m_banner; }
    // The clock the loop detector reads (Clock::system() by default). Not owned.
    void setClock(Clock *clock);

    // Queued, added at the next frame.
    void addEvents(const QString &plane, const QList<ReinitEventRecord> &events);
    void setNames(const QString &plane, const QHash<QString, QString> &workspaces,
                  const QHash<QString, QString> &agents, const QHash<QString, QString> &users);
    // Whether rows say which control plane they came from (more than one connected).
    void setPlaneColumnVisible(bool visible);
    // Only this workspace's events (empty: all), with a chip to clear it.
    void filterWorkspace(const QString &workspaceId, const QString &name);
    QString workspaceFilter() const;
    // The note above the log about the selected workspace, e.g. that reinit does not apply.
    void setWorkspaceNote(const QString &note);
    QString workspaceNote() const;
    // Adds what is queued now (tests; the timer does it otherwise).
    void flush();
    // Writes the rows shown, oldest first, as JSON lines, on a worker thread (the GUI thread
    // only copies them); the future's result is the error, empty on success.
    QFuture<QString> exportTo(const QString &path);
    QString bannerText() const;

public Q_SLOTS:
    void exportLog();

Q_SIGNALS:
    void notificationRequested(const QString &title, const QString &message);

private:
    void updateBanner();
    void updatePages();

    Clock *m_clock;
    ReinitEventModel *m_model;
    ReinitEventFilter *m_filter;
    QStackedWidget *m_pages;
    QTreeView *m_list;
    QLineEdit *m_search;
    QComboBox *m_outcome;
    QToolButton *m_workspaceChip;
    QPushButton *m_export;
    QLabel *m_banner;
    QLabel *m_note;
    QLabel *m_count;
    QTimer *m_flushTimer;
    QTimer *m_loopTimer;
    QList<std::pair<QString, QList<ReinitEventRecord>>> m_pending;
    QList<ReinitEventModel::Loop> m_loops;
};
