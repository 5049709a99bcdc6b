#include "runnersview.h"

#include "emptystatepage.h"
#include "errorbar.h"

#include "common/clock.h"
#include "controlplane/controlplaneclient.h"
#include "controlplane/runnertablemodel.h"
#include "http/apiclient.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStackedWidget>
#include <QTimer>
#include <QToolBar>
#include <QTreeView>
#include <QTreeWidget>
#include <QVBoxLayout>

// Search over every column (ids in full), the stuck filter, and the heartbeat's colours.
class RunnerFilter : public QSortFilterProxyModel
{
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;

    void setText(const QString &text)
    {
        m_text = text.trimmed();
        invalidateRowsFilter();
    }
    void setStuckOnly(bool stuck)
    {
        m_stuckOnly = stuck;
        invalidateRowsFilter();
    }
    bool stuckOnly() const { return m_stuckOnly; }
    void refilter() { invalidateRowsFilter(); }

    QVariant data(const QModelIndex &index, int role) const override
    {
        if (index.column() == RunnerTableModel::Heartbeat &&
            (role == Qt::ForegroundRole || role == Qt::FontRole)) {
            const int state =
                    QSortFilterProxyModel::data(index, RunnerTableModel::HeartbeatStateRole)
                            .toInt();
            if (state != RunnerTableModel::Late && state != RunnerTableModel::Stale) {
                return QSortFilterProxyModel::data(index, role);
            }
            if (role == Qt::FontRole) {
                QFont font = QApplication::font();
                font.setBold(state == RunnerTableModel::Stale);
                return font;
            }
            // Colours that read on both the light and the dark palette.
            const bool dark = QApplication::palette().color(QPalette::Base).lightness() < 128;
            if (state == RunnerTableModel::Stale) {
                return dark ? QColor(0xff, 0x8a, 0x80) : QColor(0xb0, 0x00, 0x20);
            }
            return dark ? QColor(0xff, 0xc1, 0x07) : QColor(0x8a, 0x50, 0x00);
        }
        return QSortFilterProxyModel::data(index, role);
    }

protected:
    bool filterAcceptsRow(int row, const QModelIndex &parent) const override
    {
        const QModelIndex index = sourceModel()->index(row, 0, parent);
        if (m_stuckOnly && !index.data(RunnerTableModel::StuckRole).toBool()) {
            return false;
        }
        return m_text.isEmpty() ||
                index.data(RunnerTableModel::SearchTextRole)
                        .toString()
                        .contains(m_text, Qt::CaseInsensitive);
    }

private:
    QString m_text;
    bool m_stuckOnly = false;
};

RunnersView::RunnersView(Clock *clock, QWidget *parent)
    : QWidget(parent)
    , m_model(new RunnerTableModel(clock, this))
    , m_filter(new RunnerFilter(this))
    , m_flushTimer(new QTimer(this))
    , m_tickTimer(new QTimer(this))
{
    setObjectName(QStringLiteral("runnersView"));
    setAccessibleName(tr("Runners"));
    m_filter->setSourceModel(m_model);

    m_newAction =
            new QAction(QIcon::fromTheme(QStringLiteral("document-new")), tr("&New Chat…"), this);
    m_newAction->setObjectName(QStringLiteral("newChatAction"));
    m_newAction->setToolTip(tr("Start a chat on a workspace, for diagnostics (Ctrl+Shift+N)"));
    m_newAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_N));
    connect(m_newAction, &QAction::triggered, this, [this] { showNewChatDialog(); });
    m_interruptAction = new QAction(QIcon::fromTheme(QStringLiteral("process-stop")),
                                    tr("&Interrupt Chat"), this);
    m_interruptAction->setObjectName(QStringLiteral("interruptChatAction"));
    m_interruptAction->setToolTip(tr("End the selected chat's turn (Ctrl+Shift+I)"));
    m_interruptAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_I));
    connect(m_interruptAction, &QAction::triggered, this, [this] { chatAction(false); });
    m_archiveAction = new QAction(QIcon::fromTheme(QStringLiteral("archive-insert")),
                                  tr("&Archive Chat"), this);
    m_archiveAction->setObjectName(QStringLiteral("archiveChatAction"));
    m_archiveAction->setToolTip(tr("Archive the selected chat; its runner lets it go "
                                   "(Ctrl+Shift+A)"));
    m_archiveAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_A));
    connect(m_archiveAction, &QAction::triggered, this, [this] { chatAction(true); });
    // The Chat menu holds these: their shortcuts work anywhere in the window.
    for (QAction *action : chatActions()) {
        action->setShortcutContext(Qt::WindowShortcut);
    }

    m_pages = new QStackedWidget(this);
    auto *empty = new EmptyStatePage(
            tr("No chats yet"),
            tr("Chats of the connected control planes appear here with the runner that holds "
               "each: its state, lease and heartbeat, task and event log. Start one with Chat > "
               "New Chat… to see the runtime work."),
            m_pages);
    empty->setObjectName(QStringLiteral("runnersEmptyState"));
    m_pages->addWidget(empty);

    auto *content = new QWidget(m_pages);
    // A toolbar, as in the Processes view: in a narrow window what does not fit goes behind
    // its extension button.
    auto *bar = new QToolBar(content);
    bar->setObjectName(QStringLiteral("runnersToolbar"));
    bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    bar->addActions(chatActions());
    bar->addSeparator();
    m_search = new QLineEdit(content);
    m_search->setObjectName(QStringLiteral("runnerSearch"));
    m_search->setAccessibleName(tr("Search chats and runners"));
    m_search->setPlaceholderText(tr("Search by title, id, workspace, worker or error"));
    m_search->setClearButtonEnabled(true);
    m_search->setMaximumWidth(300);
    connect(m_search, &QLineEdit::textChanged, this, [this](const QString &text) {
        m_filter->setText(text);
        updatePages();
    });
    auto *find = new QAction(this);
    find->setShortcut(QKeySequence::Find);
    find->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(find, &QAction::triggered, this, [this] {
        m_search->setFocus(Qt::ShortcutFocusReason);
        m_search->selectAll();
    });
    addAction(find);
    m_stuck = new QCheckBox(tr("Only stuc&k runners"), content);
    m_stuck->setObjectName(QStringLiteral("stuckFilter"));
    m_stuck->setToolTip(tr("A stale heartbeat, or a task retrying for more than a minute"));
    connect(m_stuck, &QCheckBox::toggled, this, [this](bool on) {
        m_filter->setStuckOnly(on);
        updatePages();
    });
    m_count = new QLabel(content);
    m_count->setObjectName(QStringLiteral("runnerCount"));
    // Set while its page may be hidden: room for the longest text up front.
    m_count->setMinimumWidth(m_count->fontMetrics().horizontalAdvance(
            tr("%1 of %n chat(s)", nullptr, 8888).arg(8888)));
    bar->addWidget(m_search);
    bar->addWidget(m_stuck);
    m_count->setContentsMargins(12, 0, 0, 0);
    bar->addWidget(m_count);

    m_errorBar = new ErrorBar(content);
    m_errorBar->setObjectName(QStringLiteral("runnersErrorBar"));

    m_table = new QTreeView(content);
    m_table->setObjectName(QStringLiteral("runnerTable"));
    m_table->setAccessibleName(tr("Chats and runners"));
    m_table->setModel(m_filter);
    m_table->setRootIsDecorated(false);
    m_table->setUniformRowHeights(true);
    m_table->setAllColumnsShowFocus(true);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(-1, Qt::AscendingOrder);
    m_table->header()->setStretchLastSection(false);
    m_table->header()->setSectionResizeMode(QHeaderView::Interactive);
    m_table->setColumnHidden(RunnerTableModel::Plane, true);
    // Ids are shortened (in full in tooltips and search): every column fits 1200 pixels.
    const std::pair<int, int> widths[] = {
            {RunnerTableModel::Title, 200},  {RunnerTableModel::Chat, 80},
            {RunnerTableModel::Plane, 100},  {RunnerTableModel::Workspace, 90},
            {RunnerTableModel::Agent, 90},   {RunnerTableModel::Status, 90},
            {RunnerTableModel::Worker, 80},  {RunnerTableModel::Runner, 80},
            {RunnerTableModel::Task, 150},   {RunnerTableModel::Snapshot, 65},
            {RunnerTableModel::History, 60}, {RunnerTableModel::Heartbeat, 80},
            {RunnerTableModel::Queue, 50},   {RunnerTableModel::Drops, 50}};
    for (const auto &[column, width] : widths) {
        m_table->setColumnWidth(column, width);
    }
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this] {
        updateActions();
        updateLog();
        loadSelectedEvents();
    });

    m_log = new QTreeWidget(content);
    m_log->setObjectName(QStringLiteral("runnerEventLog"));
    m_log->setAccessibleName(tr("Runner event log"));
    m_log->setHeaderLabels({tr("Time"), tr("Event"), tr("Detail")});
    m_log->setRootIsDecorated(false);
    m_log->setUniformRowHeights(true);
    m_log->setColumnWidth(0, 110);
    m_log->setColumnWidth(1, 140);
    connect(m_model, &RunnerTableModel::eventsChanged, this, [this](int row) {
        const QModelIndex current = m_filter->mapToSource(m_table->currentIndex());
        if (current.isValid() && current.row() == row) {
            m_logDirty = true; // redrawn once, at the end of the batch
        }
    });

    auto *splitter = new QSplitter(Qt::Vertical, content);
    splitter->setObjectName(QStringLiteral("runnersSplitter"));
    splitter->addWidget(m_table);
    splitter->addWidget(m_log);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 1);

    auto *layout = new QVBoxLayout(content);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addWidget(bar);
    layout->addWidget(m_errorBar);
    layout->addWidget(splitter, 1);
    m_pages->addWidget(content);

    auto *outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->addWidget(m_pages);

    m_flushTimer->setSingleShot(true);
    m_flushTimer->setInterval(FlushInterval);
    connect(m_flushTimer, &QTimer::timeout, this, &RunnersView::flush);
    m_tickTimer->setInterval(1000);
    connect(m_tickTimer, &QTimer::timeout, this, &RunnersView::tick);
    m_tickTimer->start();
    for (auto signal : {&QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved}) {
        connect(m_filter, signal, this, [this] { updatePages(); });
    }
    connect(m_filter, &QAbstractItemModel::modelReset, this, [this] { updatePages(); });
    updateActions();
    updatePages();
}

RunnersView::~RunnersView() = default;

QSortFilterProxyModel *RunnersView::filterModel() const
{
    return m_filter;
}

QList<QAction *> RunnersView::chatActions() const
{
    return {m_newAction, m_interruptAction, m_archiveAction};
}

void RunnersView::addPlane(ControlPlaneClient *plane)
{
    m_planes.append(plane);
    const QPointer<ControlPlaneClient> guard(plane);
    const auto name = [guard] { return guard ? guard->name() : QString(); };
    connect(plane, &ControlPlaneClient::chatsLoading, this,
            [this, name] { queue([this, plane = name()] { m_model->beginLoad(plane); }); });
    connect(plane, &ControlPlaneClient::chatsLoaded, this,
            [this, name](const QList<QJsonObject> &chats) {
                queue([this, plane = name(), chats] { m_model->setChats(plane, chats); });
            });
    connect(plane, &ControlPlaneClient::runnersLoaded, this,
            [this, name](const QList<QJsonObject> &runners, qint64 heartbeat, qint64 stale) {
                queue([this, plane = name(), runners, heartbeat, stale] {
                    m_model->setRunners(plane, runners, heartbeat, stale);
                });
            });
    connect(plane, &ControlPlaneClient::chatUpdated, this, [this, name](const QJsonObject &chat) {
        queue([this, plane = name(), chat] { m_model->updateChat(plane, chat); });
    });
    connect(plane, &ControlPlaneClient::runnerUpdated, this,
            [this, name](const QJsonObject &runner) {
                queue([this, plane = name(), runner] { m_model->updateRunner(plane, runner); });
            });
    connect(plane, &ControlPlaneClient::runnerRemoved, this,
            [this, name](const QString &chatId, const QString &runnerId) {
                queue([this, plane = name(), chatId, runnerId] {
                    m_model->removeRunner(plane, chatId, runnerId);
                });
            });
    connect(plane, &ControlPlaneClient::runnerEventReceived, this,
            [this, name](const QString &chatId, const QString &runnerId, const QJsonObject &event) {
                queue([this, plane = name(), chatId, runnerId, event] {
                    m_model->addRunnerEvent(plane, chatId, runnerId, event);
                });
            });
    connect(plane, &ControlPlaneClient::workerStopped, this, [this, name](const QString &workerId) {
        queue([this, plane = name(), workerId] { m_model->removeWorker(plane, workerId); });
    });
    connect(plane, &ControlPlaneClient::workspacesChanged, this,
            [this, guard] { setNames(guard.data()); });
    m_table->setColumnHidden(RunnerTableModel::Plane, m_planes.size() < 2);
    updateActions();
}

void RunnersView::removePlane(ControlPlaneClient *plane)
{
    if (!plane) {
        return;
    }
    plane->disconnect(this);
    m_planes.removeAll(plane);
    flush();
    m_model->removePlane(plane->name());
    m_table->setColumnHidden(RunnerTableModel::Plane, m_planes.size() < 2);
    updateActions();
}

void RunnersView::setNames(ControlPlaneClient *plane)
{
    if (!plane) {
        return;
    }
    const ControlPlaneClient::Names names = plane->names();
    m_model->setNames(plane->name(), names.workspaces, names.agents);
}

void RunnersView::queue(std::function<void()> change)
{
    m_pending.append(std::move(change));
    if (!m_flushTimer->isActive()) {
        m_flushTimer->start();
    }
}

void RunnersView::flush()
{
    m_flushTimer->stop();
    const QString selected = selectedChatId();
    for (const std::function<void()> &change : std::exchange(m_pending, {})) {
        change();
    }
    if (!selected.isEmpty() && selectedChatId() != selected) {
        selectChat(selected);
    }
    if (std::exchange(m_logDirty, false)) {
        updateLog();
    }
    updateActions();
    updatePages();
}

void RunnersView::loadSelectedEvents()
{
    const QModelIndex index = m_filter->mapToSource(m_table->currentIndex());
    if (!index.isValid() || m_model->runner(index.row()).isEmpty()) {
        return;
    }
    ControlPlaneClient *plane = planeNamed(m_model->plane(index.row()));
    if (!plane) {
        return;
    }
    const QString planeName = plane->name();
    const QString chatId = m_model->chatId(index.row());
    ApiCall *call = plane->runnerEvents(chatId);
    connect(call, &ApiCall::finished, this, [this, planeName, chatId](const QJsonValue &body) {
        for (const QJsonValue &value : body.toObject().value(QStringLiteral("runners")).toArray()) {
            const QJsonObject runner = value.toObject();
            QList<QJsonObject> events;
            for (const QJsonValue &event : runner.value(QStringLiteral("events")).toArray()) {
                events << event.toObject();
            }
            const QString runnerId = runner.value(QStringLiteral("runner_id")).toString();
            queue([this, planeName, chatId, runnerId, events] {
                m_model->setEvents(planeName, chatId, runnerId, events);
            });
        }
    });
}

void RunnersView::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    updateActions();
}

void RunnersView::hideEvent(QHideEvent *event)
{
    QWidget::hideEvent(event);
    updateActions();
}

void RunnersView::tick()
{
    m_model->tick();
    if (m_filter->stuckOnly()) {
        m_filter->refilter();
    }
    updatePages();
}

void RunnersView::updatePages()
{
    const int shown = m_filter->rowCount();
    const int all = m_model->rowCount();
    m_pages->setCurrentIndex(all == 0 ? 0 : 1);
    m_count->setText(shown == all ? tr("%n chat(s)", nullptr, all)
                                  : tr("%1 of %n chat(s)", nullptr, all).arg(shown));
}

QString RunnersView::selectedChatId() const
{
    const QModelIndex index = m_table->currentIndex();
    return index.isValid() ? index.data(RunnerTableModel::ChatIdRole).toString() : QString();
}

bool RunnersView::selectChat(const QString &chatId)
{
    for (int row = 0; row < m_filter->rowCount(); ++row) {
        const QModelIndex index = m_filter->index(row, 0);
        if (index.data(RunnerTableModel::ChatIdRole).toString() == chatId) {
            m_table->setCurrentIndex(index);
            return true;
        }
    }
    return false;
}

void RunnersView::updateActions()
{
    const QModelIndex index = m_filter->mapToSource(m_table->currentIndex());
    const QJsonObject chat = index.isValid() ? m_model->chat(index.row()) : QJsonObject();
    const QString status = chat.value(QStringLiteral("status")).toString();
    static const QStringList interruptible {QStringLiteral("running"), QStringLiteral("pending"),
                                            QStringLiteral("requires_action")};
    m_newAction->setEnabled(!m_planes.isEmpty());
    // Only on a selection one can see: the shortcuts work anywhere in the window.
    const bool shown = isVisible();
    m_interruptAction->setEnabled(shown && interruptible.contains(status) &&
                                  !chat.value(QStringLiteral("archived")).toBool());
    m_archiveAction->setEnabled(shown && !chat.isEmpty() &&
                                !chat.value(QStringLiteral("archived")).toBool());
}

void RunnersView::updateLog()
{
    m_log->clear();
    const QModelIndex index = m_filter->mapToSource(m_table->currentIndex());
    if (!index.isValid()) {
        return;
    }
    QList<QTreeWidgetItem *> items;
    for (const QJsonObject &event : m_model->events(index.row())) {
        const QString time =
                QDateTime::fromMSecsSinceEpoch(event.value(QStringLiteral("at")).toInteger())
                        .toString(QStringLiteral("HH:mm:ss.zzz"));
        auto *item = new QTreeWidgetItem({time, event.value(QStringLiteral("kind")).toString(),
                                          event.value(QStringLiteral("detail")).toString()});
        item->setToolTip(2, event.value(QStringLiteral("detail")).toString());
        items << item;
    }
    m_log->addTopLevelItems(items);
    m_log->scrollToBottom();
}

ControlPlaneClient *RunnersView::planeNamed(const QString &name) const
{
    for (const QPointer<ControlPlaneClient> &plane : m_planes) {
        if (plane && plane->name() == name) {
            return plane;
        }
    }
    return nullptr;
}

void RunnersView::chatAction(bool archive)
{
    const QModelIndex index = m_filter->mapToSource(m_table->currentIndex());
    if (!index.isValid()) {
        return;
    }
    ControlPlaneClient *plane = planeNamed(m_model->plane(index.row()));
    if (!plane) {
        return;
    }
    const QString id = m_model->chatId(index.row());
    ApiCall *call = archive ? plane->archiveChat(id) : plane->interruptChat(id);
    const QString planeName = plane->name();
    connect(call, &ApiCall::finished, this, [this, planeName](const QJsonValue &body) {
        m_errorBar->clear();
        // The events stream says the same soon; this shows it at once.
        queue([this, planeName, chat = body.toObject()] { m_model->updateChat(planeName, chat); });
    });
    connect(call, &ApiCall::failed, this, [this, archive](const ApiError &error) {
        m_errorBar->showMessage(
                (archive ? tr("Cannot archive the chat: %1") : tr("Cannot interrupt the chat: %1"))
                        .arg(error.toString()));
    });
}

QDialog *RunnersView::showNewChatDialog()
{
    if (m_newChat) {
        m_newChat->raise();
        m_newChat->activateWindow();
        return m_newChat;
    }
    QList<ControlPlaneClient *> planes;
    for (const QPointer<ControlPlaneClient> &plane : std::as_const(m_planes)) {
        if (plane) {
            planes << plane;
        }
    }
    auto *dialog = new NewChatDialog(planes, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &NewChatDialog::created, this,
            [this](const QString &plane, const QJsonObject &chat) {
                queue([this, plane, chat] { m_model->updateChat(plane, chat); });
                flush();
                selectChat(chat.value(QStringLiteral("id")).toString());
            });
    m_newChat = dialog;
    dialog->open();
    return dialog;
}

NewChatDialog::NewChatDialog(const QList<ControlPlaneClient *> &planes, QWidget *parent)
    : QDialog(parent)
{
    setObjectName(QStringLiteral("newChatDialog"));
    setWindowTitle(tr("New Chat"));
    for (ControlPlaneClient *plane : planes) {
        m_planes << plane;
    }
    m_workspace = new QComboBox(this);
    m_workspace->setObjectName(QStringLiteral("newChatWorkspace"));
    for (int p = 0; p < m_planes.size(); ++p) {
        for (const ControlPlaneClient::Workspace &w : m_planes.at(p)->workspaces()) {
            m_workspace->addItem(
                    planes.size() > 1 ? tr("%1 on %2").arg(w.name, m_planes.at(p)->name()) : w.name,
                    QVariantList {p, w.id});
        }
    }
    m_title = new QLineEdit(this);
    m_title->setObjectName(QStringLiteral("newChatTitle"));
    m_title->setMaxLength(200);
    m_title->setPlaceholderText(tr("What the chat is about"));
    m_message = new QPlainTextEdit(this);
    m_message->setObjectName(QStringLiteral("newChatMessage"));
    m_message->setTabChangesFocus(true);
    m_message->setPlaceholderText(tr("Optional: without a first message the chat waits."));
    m_errorBar = new ErrorBar(this);
    m_errorBar->setObjectName(QStringLiteral("newChatErrorBar"));

    auto *form = new QFormLayout;
    auto *workspaceLabel = new QLabel(tr("&Workspace:"), this);
    workspaceLabel->setBuddy(m_workspace);
    auto *titleLabel = new QLabel(tr("&Title:"), this);
    titleLabel->setBuddy(m_title);
    auto *messageLabel = new QLabel(tr("First &message:"), this);
    messageLabel->setBuddy(m_message);
    form->addRow(workspaceLabel, m_workspace);
    form->addRow(titleLabel, m_title);
    form->addRow(messageLabel, m_message);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("&Start Chat"));
    connect(buttons, &QDialogButtonBox::accepted, this, &NewChatDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &NewChatDialog::reject);
    const auto updateOk = [this, buttons] {
        buttons->button(QDialogButtonBox::Ok)
                ->setEnabled(m_workspace->count() > 0 && !m_title->text().trimmed().isEmpty());
    };
    connect(m_title, &QLineEdit::textChanged, this, updateOk);
    updateOk();

    auto *layout = new QVBoxLayout(this);
    if (m_workspace->count() == 0) {
        auto *none = new QLabel(tr("No workspace to start a chat on: connect a control plane "
                                   "with at least one workspace."),
                                this);
        none->setObjectName(QStringLiteral("newChatNoWorkspace"));
        none->setWordWrap(true);
        layout->addWidget(none);
    }
    layout->addWidget(m_errorBar);
    layout->addLayout(form);
    layout->addWidget(buttons);
    resize(480, 300);
}

void NewChatDialog::accept()
{
    const QVariantList target = m_workspace->currentData().toList();
    if (m_busy || target.size() != 2 || m_title->text().trimmed().isEmpty()) {
        return;
    }
    ControlPlaneClient *plane = m_planes.value(target.at(0).toInt());
    if (!plane) {
        m_errorBar->showMessage(tr("The control plane is gone."));
        return;
    }
    m_busy = true;
    ApiCall *call = plane->createChat(target.at(1).toString(), m_title->text().trimmed(),
                                      m_message->toPlainText());
    const QString planeName = plane->name();
    connect(call, &ApiCall::finished, this, [this, planeName](const QJsonValue &body) {
        m_busy = false;
        Q_EMIT created(planeName, body.toObject());
        QDialog::accept();
    });
    connect(call, &ApiCall::failed, this, [this](const ApiError &error) {
        m_busy = false;
        m_errorBar->showMessage(tr("Cannot start the chat: %1").arg(error.toString()));
    });
}
