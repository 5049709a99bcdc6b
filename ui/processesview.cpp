#include "processesview.h"

#include "elidedlabel.h"

#include "emptystatepage.h"
#include "errorbar.h"
#include "outputview.h"
#include "processfiltermodel.h"
#include "startprocessdialog.h"

#include "process/outputcapture.h"
#include "process/outputexport.h"
#include "process/processlistmodel.h"
#include "process/processoutputstream.h"
#include "process/processwatch.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMenu>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProxyStyle>
#include <QPushButton>
#include <QSettings>
#include <QSplitter>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QStyleOptionHeader>
#include <QTableView>
#include <QTextCursor>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>
#include <QVBoxLayout>
#include <QtConcurrent>

#include <algorithm>

namespace {

// QHeaderView calls an ascending column SortDown, which Fusion draws as an up arrow, so the
// newest-first Started column showed ▲. Flipped here: ▲ ascending, ▼ descending, as file
// managers show it.
class SortArrowStyle : public QProxyStyle
{
public:
    explicit SortArrowStyle(QObject *owner)
        : QProxyStyle()
    {
        setParent(owner);
    }

    void drawPrimitive(PrimitiveElement element, const QStyleOption *option, QPainter *painter,
                       const QWidget *widget) const override
    {
        if (element == PE_IndicatorHeaderArrow) {
            if (const auto *header = qstyleoption_cast<const QStyleOptionHeader *>(option)) {
                QStyleOptionHeader flipped = *header;
                flipped.sortIndicator = header->sortIndicator == QStyleOptionHeader::SortDown
                        ? QStyleOptionHeader::SortUp
                        : header->sortIndicator == QStyleOptionHeader::SortUp
                        ? QStyleOptionHeader::SortDown
                        : header->sortIndicator;
                QProxyStyle::drawPrimitive(element, &flipped, painter, widget);
                return;
            }
        }
        QProxyStyle::drawPrimitive(element, option, painter, widget);
    }
};

const QString saveFolderKey = QStringLiteral("output/lastSaveFolder");
const QString wrapLinesKey = QStringLiteral("output/wrapLines");
const QString lineNumbersKey = QStringLiteral("output/lineNumbers");
const QString hiddenColumnsKey = QStringLiteral("processes/hiddenColumns");
constexpr int ResourceIntervalMs = 2000; // as top's default is 3 s; 2 s keeps CPU% steady

} // namespace

namespace {

QToolButton *toolButton(const QString &objectName, const QString &text, QWidget *parent)
{
    auto *button = new QToolButton(parent);
    button->setObjectName(objectName);
    button->setText(text);
    button->setAccessibleName(text);
    button->setAutoRaise(true);
    return button;
}

} // namespace

ProcessesView::ProcessesView(QWidget *parent)
    : QWidget(parent)
    , m_captureCap(OutputCapture::DefaultCapBytes)
    , m_model(new ProcessListModel(nullptr, this))
    , m_proxy(new ProcessFilterModel(this))
    , m_aiRefresh(new QTimer(this))
{
    setObjectName(QStringLiteral("processesView"));
    setAccessibleName(tr("Processes"));
    m_proxy->setSourceModel(m_model);

    m_pages = new QStackedWidget(this);
    m_noAgent =
            new EmptyStatePage(tr("No agent connected"),
                               tr("Processes that you or an AI chat start on a workspace's agent "
                                  "appear here, with their live output and exit codes. Select a "
                                  "workspace in the sidebar to see its processes."),
                               m_pages);
    m_noAgent->setObjectName(QStringLiteral("processesNoAgent"));
    m_pages->addWidget(m_noAgent);

    auto *content = new QWidget(m_pages);
    createActions();

    auto *toolbar = new QToolBar(content);
    toolbar->setObjectName(QStringLiteral("processesToolbar"));
    toolbar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolbar->addAction(m_startAction);
    toolbar->addAction(m_terminateAction);
    toolbar->addAction(m_killAction);
    toolbar->addAction(m_restartAction);
    toolbar->addSeparator();
    m_filter = new QLineEdit(toolbar);
    m_filter->setObjectName(QStringLiteral("processFilter"));
    m_filter->setAccessibleName(tr("Filter processes"));
    m_filter->setPlaceholderText(tr("Filter by command, folder, chat or id"));
    m_filter->setClearButtonEnabled(true);
    m_filter->setMaximumWidth(320);
    connect(m_filter, &QLineEdit::textChanged, m_proxy,
            &QSortFilterProxyModel::setFilterFixedString);
    toolbar->addWidget(m_filter);
    m_connection = new QLabel(toolbar);
    m_connection->setObjectName(QStringLiteral("connectionState"));
    m_connection->setContentsMargins(12, 0, 0, 0);
    toolbar->addWidget(m_connection);

    m_errorBar = new ErrorBar(content);
    m_errorBar->setObjectName(QStringLiteral("errorBar"));

    m_table = new QTableView(content);
    m_table->setObjectName(QStringLiteral("processTable"));
    m_table->setAccessibleName(tr("Processes"));
    m_table->setModel(m_proxy);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    // Arrows move between rows; Tab goes on to the next pane instead of cell to cell.
    m_table->setTabKeyNavigation(false);
    m_table->setSortingEnabled(true);
    m_table->horizontalHeader()->setStyle(new SortArrowStyle(m_table->horizontalHeader()));
    m_table->sortByColumn(ProcessListModel::StartedColumn, Qt::DescendingOrder);
    m_table->setAlternatingRowColors(true);
    m_table->verticalHeader()->hide();
    m_table->setWordWrap(false);
    m_table->setContextMenuPolicy(Qt::CustomContextMenu);
    m_table->horizontalHeader()->setSectionResizeMode(ProcessListModel::CommandColumn,
                                                      QHeaderView::Stretch);
    m_table->horizontalHeader()->setSectionResizeMode(ProcessListModel::WorkDirColumn,
                                                      QHeaderView::Interactive);
    m_table->setColumnWidth(ProcessListModel::WorkDirColumn, 220);
    // Optional columns, chosen from the header's context menu and remembered.
    {
        const QVariant stored = QSettings().value(hiddenColumnsKey);
        const QVariantList hidden = stored.isValid()
                ? stored.toList()
                : QVariantList {int(ProcessListModel::PidColumn), int(ProcessListModel::CpuColumn),
                                int(ProcessListModel::MemoryColumn)};
        for (const QVariant &column : hidden) {
            if (column.toInt() != ProcessListModel::CommandColumn) {
                m_table->setColumnHidden(column.toInt(), true);
            }
        }
    }
    m_table->horizontalHeader()->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_table->horizontalHeader(), &QHeaderView::customContextMenuRequested, this,
            [this](const QPoint &pos) {
                QMenu menu(this);
                menu.setObjectName(QStringLiteral("columnsMenu"));
                for (int column = 0; column < ProcessListModel::ColumnCount; ++column) {
                    if (column == ProcessListModel::CommandColumn) {
                        continue; // a row without its command says nothing
                    }
                    QAction *action =
                            menu.addAction(m_model->headerData(column, Qt::Horizontal).toString());
                    action->setCheckable(true);
                    action->setChecked(!m_table->isColumnHidden(column));
                    connect(action, &QAction::toggled, this,
                            [this, column](bool shown) { setColumnShown(column, shown); });
                }
                menu.exec(m_table->horizontalHeader()->viewport()->mapToGlobal(pos));
            });
    m_resources = new ProcessResources(nullptr, this);
    m_resourceTimer = new QTimer(this);
    m_resourceTimer->setInterval(ResourceIntervalMs);
    connect(m_resourceTimer, &QTimer::timeout, this,
            [this] { m_resources->sample(m_model->runningPids()); });
    connect(m_resources, &ProcessResources::sampled, this,
            [this](const QHash<qint64, ProcessResources::Usage> &usage) {
                // A sample of this machine that ends after a switch to a remote agent is not
                // about its rows.
                if (m_local && m_resourceTimer->isActive()) {
                    m_model->setResourceUsage(usage);
                }
            });
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &ProcessesView::onSelectionChanged);
    connect(m_table, &QTableView::customContextMenuRequested, this, [this](const QPoint &pos) {
        if (!m_table->indexAt(pos).isValid()) {
            return;
        }
        QMenu menu(this);
        menu.addAction(m_terminateAction);
        menu.addAction(m_killAction);
        menu.addAction(m_restartAction);
        menu.addSeparator();
        const QString id = selectedProcessId();
        const auto info = m_model->processById(id);
        menu.addAction(tr("Copy ID"), this, [id] { QApplication::clipboard()->setText(id); });
        if (info) {
            const QString command = info->command;
            menu.addAction(tr("Copy Command"), this,
                           [command] { QApplication::clipboard()->setText(command); });
        }
        menu.exec(m_table->viewport()->mapToGlobal(pos));
    });

    auto *noProcesses = new EmptyStatePage(tr("No processes yet"),
                                           tr("Start one with Start Process (Ctrl+N). Processes "
                                              "that AI chats start through the agent's "
                                              "API appear here too, as they start."),
                                           content);
    noProcesses->setObjectName(QStringLiteral("processesEmptyState"));
    m_tablePages = new QStackedWidget(content);
    m_tablePages->addWidget(noProcesses);
    m_tablePages->addWidget(m_table);

    auto *splitter = new QSplitter(Qt::Vertical, content);
    splitter->setObjectName(QStringLiteral("processesSplitter"));
    splitter->addWidget(m_tablePages);
    splitter->addWidget(createOutputPane());
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 3);
    // The output pane's size hint is large: without sizes the table got three rows.
    splitter->setSizes({400, 600});
    splitter->setChildrenCollapsible(false);

    auto *layout = new QVBoxLayout(content);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(toolbar);
    layout->addWidget(m_errorBar);
    layout->addWidget(splitter, 1);
    m_pages->addWidget(content);

    auto *outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->addWidget(m_pages);

    connect(m_model, &QAbstractItemModel::rowsInserted, this, &ProcessesView::updateTableState);
    connect(m_model, &QAbstractItemModel::rowsRemoved, this, &ProcessesView::updateTableState);
    connect(m_model, &QAbstractItemModel::modelReset, this, &ProcessesView::updateTableState);
    connect(m_model, &QAbstractItemModel::dataChanged, this,
            [this](const QModelIndex &from, const QModelIndex &to) {
                for (int row = from.row(); row <= to.row(); ++row) {
                    onProcessUpdated(m_model->process(row).id);
                }
                updateActions(); // Clear Exited follows every exit
            });
    m_aiRefresh->setInterval(1000);
    connect(m_aiRefresh, &QTimer::timeout, this, &ProcessesView::refreshAiView);

    updateTableState();
    updateActions();
}

ProcessesView::~ProcessesView()
{
    // The view reads the capture until it is detached.
    m_output->setCapture(nullptr);
}

void ProcessesView::createActions()
{
    m_startAction = new QAction(QIcon::fromTheme(QStringLiteral("media-playback-start")),
                                tr("&Start Process…"), this);
    m_startAction->setObjectName(QStringLiteral("startProcessAction"));
    m_startAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_N));
    connect(m_startAction, &QAction::triggered, this, &ProcessesView::showStartDialog);

    m_terminateAction =
            new QAction(QIcon::fromTheme(QStringLiteral("process-stop")), tr("&Terminate"), this);
    m_terminateAction->setObjectName(QStringLiteral("terminateAction"));
    m_terminateAction->setToolTip(tr("Send SIGTERM to the process group (Ctrl+T)"));
    m_terminateAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_T));
    connect(m_terminateAction, &QAction::triggered, this, &ProcessesView::terminateSelected);

    m_killAction = new QAction(QIcon::fromTheme(QStringLiteral("edit-delete")), tr("&Kill…"), this);
    m_killAction->setObjectName(QStringLiteral("killAction"));
    m_killAction->setToolTip(tr("Send SIGKILL to the process group (Ctrl+K)"));
    m_killAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_K));
    connect(m_killAction, &QAction::triggered, this, &ProcessesView::killSelected);

    m_restartAction =
            new QAction(QIcon::fromTheme(QStringLiteral("view-refresh")), tr("&Restart"), this);
    m_restartAction->setObjectName(QStringLiteral("restartAction"));
    m_restartAction->setToolTip(
            tr("Run the same command in the same folder with the same environment (Ctrl+R)"));
    m_restartAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
    connect(m_restartAction, &QAction::triggered, this, &ProcessesView::restartSelected);

    m_clearExitedAction = new QAction(QIcon::fromTheme(QStringLiteral("edit-clear-history")),
                                      tr("Clear &Exited"), this);
    m_clearExitedAction->setObjectName(QStringLiteral("clearExitedAction"));
    m_clearExitedAction->setToolTip(tr("Remove the processes that have exited from the list"));
    connect(m_clearExitedAction, &QAction::triggered, this, &ProcessesView::clearExited);
    // The Process menu holds these: their shortcuts work anywhere in the window.
    for (QAction *action : processActions()) {
        action->setShortcutContext(Qt::WindowShortcut);
    }

    m_saveAction = new QAction(QIcon::fromTheme(QStringLiteral("document-save")),
                               tr("Save Output…"), this);
    m_saveAction->setObjectName(QStringLiteral("saveOutputAction"));
    m_saveAction->setShortcut(QKeySequence::Save);
    m_saveAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(m_saveAction, &QAction::triggered, this, [this] {
        const QString path = QFileDialog::getSaveFileName(
                this, tr("Save Output"),
                defaultSavePath(QStringLiteral("%1.log").arg(m_outputId.left(8))));
        if (!path.isEmpty()) {
            saveOutput(path);
        }
    });
    connect(this, &ProcessesView::outputSaved, this,
            [this](const QString &path, const QString &error) {
                if (!error.isEmpty()) {
                    showError(error);
                    return;
                }
                // Said where it went, and that folder is the next default.
                QSettings().setValue(saveFolderKey, QFileInfo(path).absolutePath());
                Q_EMIT notificationRequested(tr("Output saved"), tr("Saved to %1").arg(path));
            });

    m_findAction = new QAction(tr("Find in Output"), this);
    m_findAction->setObjectName(QStringLiteral("findAction"));
    m_findAction->setShortcut(QKeySequence::Find);
    m_findAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(m_findAction, &QAction::triggered, this, [this] {
        m_search->setFocus();
        m_search->selectAll();
    });
    addActions({m_saveAction, m_findAction});
}

int ProcessesView::runningLocalCount() const
{
    return m_local ? m_model->runningCount() : 0;
}

QList<QAction *> ProcessesView::processActions() const
{
    return {m_startAction, m_terminateAction, m_killAction, m_restartAction, m_clearExitedAction};
}

void ProcessesView::restartSelected()
{
    const QString id = selectedProcessId();
    const auto info = m_model->processById(id);
    if (!info || !m_client) {
        return;
    }
    // Started elsewhere: the agent tells the command and folder, not the environment.
    ProcessClient::StartRequest request = m_requests.value(id);
    if (request.command.isEmpty()) {
        request.command = info->command;
        request.workDir = info->workDir;
        request.background = info->background;
        request.chatId = info->chatId;
    }
    if (info->running) {
        m_pendingRestarts.insert(id, request);
        signalSelected(QStringLiteral("terminate"));
        return;
    }
    startProcess(request);
}

void ProcessesView::clearExited()
{
    const QString selected = selectedProcessId();
    m_model->clearExited();
    if (!m_model->processById(selected)) {
        closeOutput();
    }
    updateTableState();
}

QWidget *ProcessesView::createOutputPane()
{
    auto *pane = new QWidget(this);
    pane->setObjectName(QStringLiteral("outputPane"));

    m_outputTitle = new ElidedLabel(pane);
    m_outputTitle->setText(tr("Select a process to see its output."));
    m_outputTitle->setObjectName(QStringLiteral("outputTitle"));
    m_outputTitle->setElideMode(Qt::ElideRight); // a command's start says the most

    m_aiToggle = toolButton(QStringLiteral("aiClientToggle"), tr("What an AI client sees"), pane);
    m_aiToggle->setCheckable(true);
    m_aiToggle->setToolTip(
            tr("Show the output exactly as the agent's process API gives it to an AI chat: "
               "the first and last 16 KiB, long lines cut, and a marker for what was left out."));
    connect(m_aiToggle, &QToolButton::toggled, this, &ProcessesView::setAiClientView);

    m_followButton = toolButton(QStringLiteral("followTailButton"), tr("Follow"), pane);
    m_followButton->setCheckable(true);
    m_followButton->setChecked(true);
    m_followButton->setToolTip(
            tr("Keep the newest output in view. Scrolling up pauses it; End resumes."));

    m_search = new QLineEdit(pane);
    m_search->setObjectName(QStringLiteral("outputSearch"));
    m_search->setAccessibleName(tr("Search output"));
    m_search->setPlaceholderText(tr("Search output (Ctrl+F)"));
    m_search->setClearButtonEnabled(true);
    m_search->setMinimumWidth(160);
    m_search->setMaximumWidth(260);
    auto *previous = toolButton(QStringLiteral("previousMatchButton"), tr("Previous"), pane);
    previous->setArrowType(Qt::UpArrow);
    previous->setToolTip(tr("Previous match (Shift+F3)"));
    auto *next = toolButton(QStringLiteral("nextMatchButton"), tr("Next"), pane);
    next->setArrowType(Qt::DownArrow);
    next->setToolTip(tr("Next match (F3, Enter)"));
    // "Aa" and ".*" as in most editors' find bars; the tooltips say what they are.
    m_matchCase = toolButton(QStringLiteral("matchCaseButton"), QStringLiteral("Aa"), pane);
    m_matchCase->setCheckable(true);
    m_matchCase->setAccessibleName(tr("Match case"));
    m_matchCase->setToolTip(tr("Match case"));
    m_regex = toolButton(QStringLiteral("regexButton"), QStringLiteral(".*"), pane);
    m_regex->setCheckable(true);
    m_regex->setAccessibleName(tr("Regular expression"));
    m_regex->setToolTip(tr("Regular expression (Perl syntax, as grep -P)"));
    m_matches = new QLabel(pane);
    m_matches->setObjectName(QStringLiteral("matchCount"));
    m_matches->setMinimumWidth(90);

    auto *copy = toolButton(QStringLiteral("copyOutputButton"), tr("Copy"), pane);
    copy->setToolTip(tr("Copy the selection, or all output when nothing is selected"));
    auto *save = new QToolButton(pane);
    save->setObjectName(QStringLiteral("saveOutputButton"));
    save->setDefaultAction(m_saveAction);
    save->setAutoRaise(true);
    save->setToolButtonStyle(Qt::ToolButtonTextOnly);

    // A toolbar, not a row layout: on a narrow window its tail folds into an overflow menu
    // instead of forcing a minimum width on the whole window.
    auto *header = new QToolBar(pane);
    header->setObjectName(QStringLiteral("outputToolbar"));
    m_outputTitle->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    // Enough of the command to recognise it; the toolbar folds its tail before this goes.
    m_outputTitle->setMinimumWidth(m_outputTitle->fontMetrics().horizontalAdvance(u'M') * 16);
    header->addWidget(m_outputTitle);
    header->addWidget(m_search);
    header->addWidget(m_matchCase);
    header->addWidget(m_regex);
    header->addWidget(previous);
    header->addWidget(next);
    header->addWidget(m_matches);
    header->addWidget(m_followButton);
    header->addWidget(copy);
    header->addWidget(save);
    header->addWidget(m_aiToggle);

    m_output = new OutputView(pane);
    // Alt+Z as in VS Code and Kate's "dynamic word wrap"; both remembered across restarts.
    m_wrapAction = new QAction(tr("Wrap Long Lines"), this);
    m_wrapAction->setObjectName(QStringLiteral("wrapLinesAction"));
    m_wrapAction->setCheckable(true);
    m_wrapAction->setShortcut(QKeySequence(Qt::ALT | Qt::Key_Z));
    m_wrapAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_lineNumbersAction = new QAction(tr("Show Line Numbers"), this);
    m_lineNumbersAction->setObjectName(QStringLiteral("lineNumbersAction"));
    m_lineNumbersAction->setCheckable(true);
    m_lineNumbersAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_L));
    m_lineNumbersAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    addActions({m_wrapAction, m_lineNumbersAction});
    {
        const QSettings settings;
        m_wrapAction->setChecked(settings.value(wrapLinesKey, false).toBool());
        m_lineNumbersAction->setChecked(settings.value(lineNumbersKey, false).toBool());
    }
    m_output->setWrapLines(m_wrapAction->isChecked());
    m_output->setShowLineNumbers(m_lineNumbersAction->isChecked());
    m_output->setExtraContextMenuActions({m_wrapAction, m_lineNumbersAction});
    connect(m_wrapAction, &QAction::toggled, this, [this](bool wrap) {
        m_output->setWrapLines(wrap);
        m_aiText->setLineWrapMode(wrap ? QPlainTextEdit::WidgetWidth : QPlainTextEdit::NoWrap);
        QSettings().setValue(wrapLinesKey, wrap);
    });
    connect(m_lineNumbersAction, &QAction::toggled, this, [this](bool show) {
        m_output->setShowLineNumbers(show);
        QSettings().setValue(lineNumbersKey, show);
    });
    auto *viewOptions = new QToolButton(pane);
    viewOptions->setObjectName(QStringLiteral("outputViewOptions"));
    viewOptions->setText(tr("View"));
    viewOptions->setAccessibleName(tr("Output view options"));
    viewOptions->setToolTip(tr("Wrap long lines (Alt+Z), line numbers (Ctrl+Shift+L)"));
    viewOptions->setAutoRaise(true);
    viewOptions->setPopupMode(QToolButton::InstantPopup);
    auto *viewMenu = new QMenu(viewOptions);
    viewMenu->addActions({m_wrapAction, m_lineNumbersAction});
    viewOptions->setMenu(viewMenu);
    header->addWidget(viewOptions);
    setTabOrder(viewOptions, m_output); // the toolbar first, then what it acts on
    m_aiText = new QPlainTextEdit(pane);
    m_aiText->setObjectName(QStringLiteral("aiClientText"));
    m_aiText->setAccessibleName(tr("Output as an AI client sees it"));
    m_aiText->setReadOnly(true);
    m_aiText->setLineWrapMode(m_wrapAction->isChecked() ? QPlainTextEdit::WidgetWidth
                                                        : QPlainTextEdit::NoWrap);
    m_aiText->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_aiSummary = new QLabel(pane);
    m_aiSummary->setObjectName(QStringLiteral("aiClientSummary"));
    m_aiSummary->setWordWrap(true);
    auto *aiPage = new QWidget(pane);
    auto *aiLayout = new QVBoxLayout(aiPage);
    aiLayout->setContentsMargins(0, 0, 0, 0);
    aiLayout->addWidget(m_aiSummary);
    aiLayout->addWidget(m_aiText, 1);

    m_outputPages = new QStackedWidget(pane);
    m_outputPages->addWidget(m_output);
    m_outputPages->addWidget(aiPage);

    m_banner = new QLabel(pane);
    m_banner->setObjectName(QStringLiteral("exitBanner"));
    m_banner->setAccessibleName(tr("Process state"));
    m_banner->setContentsMargins(8, 4, 8, 4);
    m_banner->setAutoFillBackground(true);
    m_banner->hide();

    auto *layout = new QVBoxLayout(pane);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(header);
    layout->addWidget(m_outputPages, 1);
    layout->addWidget(m_banner);

    connect(m_output, &OutputView::followTailChanged, m_followButton, &QToolButton::setChecked);
    connect(m_followButton, &QToolButton::toggled, m_output, &OutputView::setFollowTail);
    connect(m_search, &QLineEdit::textChanged, this, &ProcessesView::applySearch);
    connect(m_matchCase, &QToolButton::toggled, this, &ProcessesView::applySearch);
    connect(m_regex, &QToolButton::toggled, this, &ProcessesView::applySearch);
    const auto findNext = [this] {
        if (isAiClientView()) {
            findInAiText(AiFind::Next);
        } else {
            m_output->findNext();
        }
    };
    const auto findPrevious = [this] {
        if (isAiClientView()) {
            findInAiText(AiFind::Previous);
        } else {
            m_output->findPrevious();
        }
    };
    connect(m_search, &QLineEdit::returnPressed, this, findNext);
    connect(next, &QToolButton::clicked, this, findNext);
    connect(previous, &QToolButton::clicked, this, findPrevious);
    // F3 and Shift+F3 anywhere in the view, the search box included.
    auto *findNextAction = new QAction(tr("Find Next"), this);
    findNextAction->setObjectName(QStringLiteral("findNextAction"));
    // F3 and the platform's keys, each once: a key listed twice is an ambiguous shortcut.
    const auto withKey = [](QKeySequence::StandardKey standard, const QKeySequence &key) {
        QList<QKeySequence> keys = QKeySequence::keyBindings(standard);
        if (!keys.contains(key)) {
            keys.prepend(key);
        }
        return keys;
    };
    findNextAction->setShortcuts(withKey(QKeySequence::FindNext, QKeySequence(Qt::Key_F3)));
    findNextAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(findNextAction, &QAction::triggered, this, findNext);
    auto *findPreviousAction = new QAction(tr("Find Previous"), this);
    findPreviousAction->setObjectName(QStringLiteral("findPreviousAction"));
    findPreviousAction->setShortcuts(
            withKey(QKeySequence::FindPrevious, QKeySequence(Qt::SHIFT | Qt::Key_F3)));
    findPreviousAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(findPreviousAction, &QAction::triggered, this, findPrevious);
    addActions({findNextAction, findPreviousAction});
    connect(copy, &QToolButton::clicked, this, [this] {
        if (m_output->hasSelection()) {
            m_output->copy();
        } else if (m_capture) {
            // All of it: converted on a worker, like Save; only the clipboard call is here.
            auto *watcher = new QFutureWatcher<QString>(this);
            connect(watcher, &QFutureWatcher<QString>::finished, this, [watcher] {
                watcher->deleteLater();
                QApplication::clipboard()->setText(watcher->result());
            });
            watcher->setFuture(QtConcurrent::run([snapshot = OutputExport::take(*m_capture)] {
                return OutputExport::plainText(snapshot);
            }));
        }
    });
    connect(m_output, &OutputView::searchChanged, this,
            [this](int current, int count, bool searching) {
                if (isAiClientView()) {
                    return; // the AI text's own search owns the label
                }
                showSearchState(current, count, searching);
            });
    return pane;
}

void ProcessesView::setClient(ProcessClient *client, bool local)
{
    closeOutput();
    if (m_watch) {
        // Nothing of the old agent may reach the new agent's rows before it is deleted.
        m_watch->disconnect(this);
        m_watch->disconnect(m_model);
        m_watch->close();
        m_watch->deleteLater();
        m_watch = nullptr;
    }
    m_model->clear();
    m_model->setResourceUsage({});
    m_client = client;
    m_local = local;
    updateResourceSampling();
    m_startedHere.clear();
    m_finishedIds.clear();
    m_requests.clear();
    m_pendingRestarts.clear();
    clearError();
    m_pages->setCurrentIndex(client ? 1 : 0);
    if (!client) {
        updateActions();
        return;
    }
    m_watch = client->watch(this);
    connect(m_watch, &ProcessWatch::snapshotReceived, this,
            [this](const QList<ProcessInfo> &processes) {
                const QString selected = selectedProcessId();
                m_model->setProcesses(processes);
                // An exit seen only in a reconnect's full list still starts a pending restart.
                for (const ProcessInfo &p : processes) {
                    if (!p.running && m_pendingRestarts.contains(p.id)) {
                        startProcess(m_pendingRestarts.take(p.id));
                    }
                }
                for (const ProcessInfo &p : processes) {
                    if (!p.running) {
                        m_finishedIds.insert(p.id);
                    }
                }
                if (!selected.isEmpty()) {
                    selectProcess(selected);
                }
            });
    connect(m_watch, &ProcessWatch::processChanged, m_model, &ProcessListModel::updateProcess);
    connect(m_watch, &ProcessWatch::processRemoved, this, [this](const QString &id) {
        m_model->removeProcess(id);
        m_requests.remove(id);
        m_pendingRestarts.remove(id);
    });
    connect(m_watch, &ProcessWatch::connectedChanged, this, [this](bool connected) {
        m_connection->setText(connected ? QString() : tr("Reconnecting to the agent…"));
    });
    m_connection->setText(tr("Connecting to %1…").arg(client->baseUrl().toString()));
    updateActions();
}

QString ProcessesView::selectedProcessId() const
{
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString()
                          : rows.first().data(ProcessListModel::ProcessIdRole).toString();
}

void ProcessesView::selectProcess(const QString &id)
{
    const int row = m_model->rowOf(id);
    if (row < 0) {
        return;
    }
    const QModelIndex index = m_proxy->mapFromSource(m_model->index(row, 0));
    if (!index.isValid()) {
        m_filter->clear(); // the filter hid it
    }
    const QModelIndex visible = m_proxy->mapFromSource(m_model->index(row, 0));
    m_table->selectionModel()->select(
            visible, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_table->setCurrentIndex(visible);
    m_table->scrollTo(visible);
}

void ProcessesView::showStartDialog()
{
    if (!m_client) {
        return;
    }
    auto *dialog = new StartProcessDialog(m_local, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] { startProcess(dialog->request()); });
    dialog->open();
}

void ProcessesView::startProcess(const ProcessClient::StartRequest &request)
{
    if (!m_client) {
        return;
    }
    ApiCall *call = m_client->startProcess(request);
    // Showing the new process may clear the filter; not one the user typed since the start.
    const QString filterAtStart = m_filter->text();
    connect(call, &ApiCall::finished, this, [this, filterAtStart, request](const QJsonValue &body) {
        const QString id = body.toObject().value(QStringLiteral("id")).toString();
        m_startedHere.insert(id);
        m_requests.insert(id, request);
        clearError();
        Q_EMIT processStarted(id);
        // The watch stream may deliver the row before or after this answer.
        if (m_filter->text() == filterAtStart) {
            m_pendingSelection = id;
        }
        updateTableState();
    });
    connect(call, &ApiCall::failed, this, [this](const ApiError &error) {
        showError(tr("Could not start the process: %1").arg(error.toString()));
    });
}

void ProcessesView::terminateSelected()
{
    signalSelected(QStringLiteral("terminate"));
}

void ProcessesView::killSelected()
{
    const QString id = selectedProcessId();
    const auto info = m_model->processById(id);
    if (!info || !info->running) {
        return;
    }
    auto *box = new QMessageBox(QMessageBox::Warning, tr("Kill Process"),
                                tr("Kill “%1” and every process it started?").arg(info->command),
                                QMessageBox::Yes | QMessageBox::Cancel, this);
    box->setObjectName(QStringLiteral("killConfirmation"));
    box->setInformativeText(tr("SIGKILL cannot be caught: the processes get no chance to clean up. "
                               "Terminate asks them to stop instead."));
    box->button(QMessageBox::Yes)->setText(tr("&Kill"));
    box->button(QMessageBox::Yes)->setObjectName(QStringLiteral("confirmKillButton"));
    box->setDefaultButton(QMessageBox::Cancel);
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::finished, this, [this, box, id](int) {
        if (box->clickedButton() == box->button(QMessageBox::Yes) && selectedProcessId() == id) {
            signalSelected(QStringLiteral("kill"));
        }
    });
    box->open();
}

void ProcessesView::signalSelected(const QString &signal)
{
    const QString id = selectedProcessId();
    if (!m_client || id.isEmpty()) {
        return;
    }
    ApiCall *call = m_client->signalProcess(id, signal);
    connect(call, &ApiCall::finished, this, &ProcessesView::clearError);
    connect(call, &ApiCall::failed, this, [this, signal, id](const ApiError &error) {
        showError(tr("Could not send %1: %2").arg(signal, error.toString()));
        // A restart waiting for this exit would otherwise start whenever it ends, if ever.
        if (m_pendingRestarts.remove(id) > 0) {
            updateActions();
        }
    });
}

void ProcessesView::onSelectionChanged()
{
    const QString id = selectedProcessId();
    updateActions();
    if (id != m_outputId) {
        if (id.isEmpty()) {
            closeOutput();
        } else {
            openOutput(id);
        }
    }
}

void ProcessesView::openOutput(const QString &id)
{
    closeOutput();
    m_outputId = id;
    const auto info = m_model->processById(id);
    m_outputTitle->setText(info ? info->command : id);
    m_outputTitle->setDetails(info ? tr("%1\nin %2\nid %3").arg(info->command, info->workDir, id)
                                   : id);
    m_capture = std::make_unique<OutputCapture>(m_captureCap);
    m_output->setCapture(m_capture.get());
    applySearch();
    m_stream = m_client->openStream(id, 0, this);
    connect(m_stream, &ProcessOutputStream::dataReceived, this,
            [this](qint64, const QByteArray &data) {
                m_capture->append(data);
                m_output->captureChanged();
            });
    connect(m_stream, &ProcessOutputStream::dropped, this,
            [this](qint64, qint64 bytes, const QString &) {
                m_capture->appendGap(bytes);
                m_output->captureChanged();
            });
    connect(m_stream, &ProcessOutputStream::errorOccurred, this,
            [this](const QString &message) { showError(tr("Output stream: %1").arg(message)); });
    updateBanner();
    if (isAiClientView()) {
        refreshAiView();
    }
}

void ProcessesView::closeOutput()
{
    if (m_stream) {
        // Nothing of it may arrive once the capture it fills is gone.
        m_stream->disconnect(this);
        m_stream->close();
        m_stream->deleteLater();
        m_stream = nullptr;
    }
    m_output->setCapture(nullptr);
    m_capture.reset();
    m_outputId.clear();
    m_outputTitle->setText(tr("Select a process to see its output."));
    m_outputTitle->setDetails({});
    m_aiText->clear();
    m_aiSummary->clear();
    m_banner->hide();
}

void ProcessesView::updateActions()
{
    const auto info = m_model->processById(selectedProcessId());
    const bool running = info && info->running;
    m_startAction->setEnabled(m_client);
    m_terminateAction->setEnabled(running);
    m_killAction->setEnabled(running);
    m_restartAction->setEnabled(m_client && info.has_value() &&
                                !m_pendingRestarts.contains(info->id));
    m_clearExitedAction->setEnabled(m_model->exitedCount() > 0);
    m_saveAction->setEnabled(info.has_value());
}

void ProcessesView::updateTableState()
{
    m_tablePages->setCurrentIndex(m_model->rowCount() > 0 ? 1 : 0);
    if (!m_pendingSelection.isEmpty() && m_model->rowOf(m_pendingSelection) >= 0) {
        selectProcess(std::exchange(m_pendingSelection, QString()));
    }
    updateActions();
}

void ProcessesView::onProcessUpdated(const QString &id)
{
    const auto info = m_model->processById(id);
    if (!info) {
        return;
    }
    if (!info->running && m_pendingRestarts.contains(id)) {
        startProcess(m_pendingRestarts.take(id));
    }
    if (!info->running && !m_finishedIds.contains(id)) {
        m_finishedIds.insert(id);
        if (m_startedHere.remove(id)) {
            const QString code = info->exitSignal != 0
                    ? tr("ended by %1").arg(ProcessInfo::signalName(info->exitSignal))
                    : info->exitCode == -1
                    ? tr("ended by a signal")
                    : tr("exited with code %1").arg(info->exitCode.value_or(0));
            Q_EMIT notificationRequested(tr("Process finished"),
                                         tr("%1 %2").arg(info->command, code));
        }
        if (id == m_outputId && isAiClientView()) {
            refreshAiView();
        }
    }
    if (id == m_outputId) {
        updateBanner();
    }
    if (id == selectedProcessId()) {
        updateActions();
    }
}

void ProcessesView::updateBanner()
{
    const auto info = m_model->processById(m_outputId);
    if (!info || info->running) {
        m_banner->hide();
        return;
    }
    const int code = info->exitCode.value_or(0);
    QString text = ProcessListModel::endText(*info);
    if (info->captureReleased) {
        text += QLatin1Char('\n') +
                tr("The agent released this process's full output to keep all captures within "
                   "its capture budget. The head and tail an AI client reads are kept: see "
                   "“What an AI client sees”.");
    }
    m_banner->setWordWrap(true);
    m_banner->setText(text);
    QPalette p = m_banner->palette();
    const bool dark = palette().color(QPalette::Window).lightness() < 128;
    const QColor ok = dark ? QColor(0x1d, 0x4d, 0x2b) : QColor(0xe3, 0xf4, 0xe6);
    const QColor bad = dark ? QColor(0x5c, 0x1f, 0x1f) : QColor(0xfd, 0xe7, 0xe7);
    p.setColor(QPalette::Window, code == 0 ? ok : bad);
    p.setColor(QPalette::WindowText, palette().color(QPalette::WindowText));
    m_banner->setPalette(p);
    m_banner->show();
}

void ProcessesView::setAiClientView(bool on)
{
    if (m_aiToggle->isChecked() != on) {
        m_aiToggle->setChecked(on); // re-enters through toggled
        return;
    }
    m_outputPages->setCurrentIndex(on ? 1 : 0);
    if (on) {
        refreshAiView();
        findInAiText(AiFind::Count);
        const auto info = m_model->processById(m_outputId);
        if (info && info->running) {
            m_aiRefresh->start();
        }
    } else {
        m_aiRefresh->stop();
    }
}

bool ProcessesView::isAiClientView() const
{
    return m_aiToggle->isChecked();
}

QString ProcessesView::aiClientText() const
{
    return m_aiText->toPlainText();
}

QString ProcessesView::exitBannerText() const
{
    return m_banner->isVisibleTo(this) ? m_banner->text() : QString();
}

QString ProcessesView::errorText() const
{
    return m_errorBar->message();
}

void ProcessesView::refreshAiView()
{
    if (!m_client || m_outputId.isEmpty()) {
        return;
    }
    const QString id = m_outputId;
    ApiCall *call = m_client->processOutput(id);
    connect(call, &ApiCall::finished, this, [this, id](const QJsonValue &body) {
        if (id != m_outputId) {
            return;
        }
        const QJsonObject o = body.toObject();
        const QString text = o.value(QStringLiteral("output")).toString();
        if (text != m_aiText->toPlainText()) {
            // New text, new matches; the current one stays selected where it still fits.
            const QTextCursor was = m_aiText->textCursor();
            m_aiText->setPlainText(text);
            if (was.hasSelection() && was.selectionEnd() <= text.size()) {
                QTextCursor again(m_aiText->document());
                again.setPosition(was.selectionStart());
                again.setPosition(was.selectionEnd(), QTextCursor::KeepAnchor);
                m_aiText->setTextCursor(again);
            }
            findInAiText(AiFind::Count);
        }
        const QJsonObject truncated = o.value(QStringLiteral("truncated")).toObject();
        const QLocale locale;
        if (truncated.isEmpty()) {
            m_aiSummary->setText(tr("An AI client gets all %1 bytes of this output.")
                                         .arg(locale.toString(text.toUtf8().size())));
        } else {
            m_aiSummary->setText(
                    tr("An AI client gets %1 of %2 bytes: the first and last 16 KiB; %3 bytes in "
                       "between are "
                       "omitted (strategy %4).")
                            .arg(locale.toString(truncated.value(QStringLiteral("retained_bytes"))
                                                         .toInteger()),
                                 locale.toString(truncated.value(QStringLiteral("original_bytes"))
                                                         .toInteger()),
                                 locale.toString(truncated.value(QStringLiteral("omitted_bytes"))
                                                         .toInteger()),
                                 truncated.value(QStringLiteral("strategy")).toString()));
        }
        if (!o.value(QStringLiteral("running")).toBool()) {
            m_aiRefresh->stop();
        }
    });
    connect(call, &ApiCall::failed, this, [this](const ApiError &error) {
        m_aiRefresh->stop();
        showError(tr("Could not read the output: %1").arg(error.toString()));
    });
}

QString ProcessesView::defaultSavePath(const QString &fileName)
{
    // The last folder used, else Downloads (else home): not wherever the app was started.
    QString folder = QSettings().value(saveFolderKey).toString();
    if (folder.isEmpty() || !QFileInfo(folder).isDir()) {
        folder = QStandardPaths::writableLocation(QStandardPaths::DownloadLocation);
    }
    if (folder.isEmpty() || !QFileInfo(folder).isDir()) {
        folder = QDir::homePath();
    }
    return QDir(folder).filePath(fileName);
}

void ProcessesView::saveOutput(const QString &path)
{
    if (!m_capture) {
        Q_EMIT outputSaved(path, tr("No process is selected."));
        return;
    }
    // Only the byte copy happens here; up to 64 MiB of conversion and writing run on a worker.
    auto *watcher = new QFutureWatcher<QString>(this);
    connect(watcher, &QFutureWatcher<QString>::finished, this, [this, watcher, path] {
        watcher->deleteLater();
        Q_EMIT outputSaved(path, watcher->result());
    });
    watcher->setFuture(QtConcurrent::run([snapshot = OutputExport::take(*m_capture), path] {
        QString error;
        return OutputExport::write(snapshot, path, &error) ? QString() : error;
    }));
}

void ProcessesView::showError(const QString &message)
{
    m_errorBar->showMessage(message);
}

void ProcessesView::clearError()
{
    m_errorBar->clear();
}

void ProcessesView::setConnectionProblem(const QString &problem)
{
    m_errorBar->setProblem(problem);
}

void ProcessesView::findInAiText(AiFind how)
{
    if (!isAiClientView()) {
        return;
    }
    const OutputSearch::Pattern pattern = searchPattern();
    if (pattern.isEmpty()) {
        m_matches->clear();
        return;
    }
    if (!pattern.isValid()) {
        showSearchState(-1, 0, false);
        return;
    }
    // At most 32 KiB of text (the head and the tail): searched here, at once.
    const QString text = m_aiText->toPlainText();
    QList<qsizetype> starts;
    QList<qsizetype> lengths;
    for (const auto &[start, length] : pattern.findAll(text)) {
        starts.append(start);
        lengths.append(length);
    }
    if (starts.isEmpty()) {
        m_matches->setText(tr("No matches"));
        return;
    }
    const QTextCursor cursor = m_aiText->textCursor();
    const qsizetype here = cursor.hasSelection() ? cursor.selectionStart() : -1;
    qsizetype index = -1;
    if (how == AiFind::First) {
        index = 0;
    } else if (how == AiFind::Next) {
        const auto next = std::upper_bound(starts.cbegin(), starts.cend(), here);
        index = next == starts.cend() ? 0 : next - starts.cbegin(); // wraps
    } else if (how == AiFind::Previous) {
        const auto previous = std::lower_bound(starts.cbegin(), starts.cend(), here);
        index = previous == starts.cbegin() ? starts.size() - 1 : previous - starts.cbegin() - 1;
    } else if (here >= 0) {
        index = starts.indexOf(here);
    }
    m_matches->setText(matchText(int(index), int(starts.size()), false));
    if (index < 0 || how == AiFind::Count) {
        return;
    }
    QTextCursor select(m_aiText->document());
    select.setPosition(int(starts.at(index)));
    select.setPosition(int(starts.at(index) + lengths.at(index)), QTextCursor::KeepAnchor);
    m_aiText->setTextCursor(select);
    m_aiText->ensureCursorVisible();
}

void ProcessesView::setColumnShown(int column, bool shown)
{
    m_table->setColumnHidden(column, !shown);
    QVariantList hidden;
    for (int c = 0; c < ProcessListModel::ColumnCount; ++c) {
        if (m_table->isColumnHidden(c)) {
            hidden.append(c);
        }
    }
    QSettings().setValue(hiddenColumnsKey, hidden);
    updateResourceSampling();
}

// /proc describes this machine: a remote agent's pids are not ours to read.
void ProcessesView::updateResourceSampling()
{
    const bool wanted = m_local && m_client &&
            (!m_table->isColumnHidden(ProcessListModel::CpuColumn) ||
             !m_table->isColumnHidden(ProcessListModel::MemoryColumn));
    if (wanted && !m_resourceTimer->isActive()) {
        m_resources->reset();
        m_resourceTimer->start();
        m_resources->sample(m_model->runningPids()); // the baseline for the first CPU value
    } else if (!wanted) {
        m_resourceTimer->stop();
    }
}

OutputSearch::Pattern ProcessesView::searchPattern() const
{
    return OutputSearch::Pattern(m_search->text(), m_matchCase->isChecked(), m_regex->isChecked());
}

void ProcessesView::applySearch()
{
    m_output->setSearchText(m_search->text(),
                            m_matchCase->isChecked() ? Qt::CaseSensitive : Qt::CaseInsensitive,
                            m_regex->isChecked());
    if (isAiClientView()) {
        findInAiText(AiFind::First);
    }
}

void ProcessesView::showSearchState(int current, int count, bool searching)
{
    // The output view holds the pattern applySearch() gave both views, compiled once: this
    // runs on every progress step and must not compile the expression again.
    const QString error = m_output->searchError();
    // The reason goes where the eye is: on the box and on the label beside it.
    m_search->setToolTip(error.isEmpty() ? QString()
                                         : tr("Invalid regular expression: %1").arg(error));
    m_matches->setToolTip(m_search->toolTip());
    if (m_output->searchText().isEmpty()) {
        m_matches->clear();
    } else if (!error.isEmpty()) {
        m_matches->setText(tr("Invalid pattern"));
    } else if (count == 0) {
        m_matches->setText(searching ? tr("Searching… %1%").arg(m_output->searchProgress())
                                     : tr("No matches"));
    } else {
        m_matches->setText(matchText(current, count, m_output->matchesCapped()));
    }
}

QString ProcessesView::matchText(int current, int count, bool capped)
{
    const QString more = capped ? tr("+") : QString();
    return current < 0 ? tr("%n match(es)", nullptr, count) + more
                       : tr("%1 of %2%3").arg(current + 1).arg(QLocale().toString(count), more);
}
