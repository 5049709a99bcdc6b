#pragma once

#include <QDialog>
#include <QHash>
#include <QJsonObject>
#include <QPointer>
#include <QWidget>

#include <functional>

class Clock;
class ControlPlaneClient;
class ErrorBar;
class QAction;
class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QSortFilterProxyModel;
class QStackedWidget;
class QTimer;
class QTreeView;
class QTreeWidget;
class RunnerFilter;
class RunnerTableModel;

// Runners: every connected control plane's chats with the runner that holds each, live (one
// batch of changes per frame), with search, a filter for stuck runners (a stale heartbeat, or
// a task retrying for more than a minute), the selected runner's event log, and New Chat,
// Interrupt and Archive. Heartbeat ages count on every second: amber once a renewal is
// missed, red once the lease is stale.
class RunnersView : public QWidget
{
    Q_OBJECT
public:
    static constexpr int FlushInterval = 16; // ms: one batch per frame

    explicit RunnersView(Clock *clock = nullptr, QWidget *parent = nullptr);
    ~RunnersView() override;

    void addPlane(ControlPlaneClient *plane);
    void removePlane(ControlPlaneClient *plane);
    void setNames(ControlPlaneClient *plane);

    RunnerTableModel *model() const { return m_model; }
    QSortFilterProxyModel *filterModel() const;
    QTreeView *table() const { return m_table; }
    QTreeWidget *eventLog() const { return m_log; }
    QLineEdit *searchEdit() const { return m_search; }
    QCheckBox *stuckFilter() const { return m_stuck; }
    ErrorBar *errorBar() const { return m_errorBar; }
    // New Chat…, Interrupt, Archive: the Chat menu holds them.
    QList<QAction *> chatActions() const;
    // The selected row's (plane, chat id); empty when none.
    QString selectedChatId() const;
    bool selectChat(const QString &chatId);

    // Applies what is queued now (tests; the timer does it otherwise).
    void flush();
    // Repaints the ages and re-runs the stuck filter (the view's timer does it every second).
    void tick();
    // Opens New Chat without blocking; returns the dialog.
    QDialog *showNewChatDialog();

protected:
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    void queue(std::function<void()> change);
    void loadSelectedEvents();
    void updateActions();
    void updatePages();
    void updateLog();
    void chatAction(bool archive);
    ControlPlaneClient *planeNamed(const QString &name) const;

    RunnerTableModel *m_model;
    RunnerFilter *m_filter;
    QStackedWidget *m_pages;
    QTreeView *m_table;
    QTreeWidget *m_log;
    QLineEdit *m_search;
    QCheckBox *m_stuck;
    QLabel *m_count;
    ErrorBar *m_errorBar;
    QAction *m_newAction;
    QAction *m_interruptAction;
    QAction *m_archiveAction;
    QTimer *m_flushTimer;
    QTimer *m_tickTimer;
    QList<std::function<void()>> m_pending;
    bool m_logDirty = false;
    QList<QPointer<ControlPlaneClient>> m_planes;
    QPointer<QDialog> m_newChat;
};

// New Chat: a workspace of a connected control plane, a title and an optional first message.
// Errors show in place; the dialog closes once the chat is made.
class NewChatDialog : public QDialog
{
    Q_OBJECT
public:
    NewChatDialog(const QList<ControlPlaneClient *> &planes, QWidget *parent = nullptr);

    QComboBox *workspaceBox() const { return m_workspace; }
    QLineEdit *titleEdit() const { return m_title; }
    QPlainTextEdit *messageEdit() const { return m_message; }
    ErrorBar *errorBar() const { return m_errorBar; }

    void accept() override;

Q_SIGNALS:
    void created(const QString &plane, const QJsonObject &chat);

private:
    QList<QPointer<ControlPlaneClient>> m_planes;
    QComboBox *m_workspace;
    QLineEdit *m_title;
    QPlainTextEdit *m_message;
    ErrorBar *m_errorBar;
    bool m_busy = false;
};
