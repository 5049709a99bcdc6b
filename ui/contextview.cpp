#include "contextview.h"

#include "elidedlabel.h"

#include "contextpushpanel.h"
#include "contextresourcefiltermodel.h"
#include "emptystatepage.h"
#include "errorbar.h"
#include "syntaxrepository.h"

#include "context/contextmanager.h"
#include "context/contextpaths.h"
#include "context/contextresolver.h"
#include "context/contextresourcemodel.h"

#include <KSyntaxHighlighting/Definition>
#include <KSyntaxHighlighting/Repository>
#include <KSyntaxHighlighting/SyntaxHighlighter>
#include <KSyntaxHighlighting/Theme>

#include <QAction>
#include <QClipboard>
#include <QDateTime>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QLocale>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QSplitter>
#include <QStackedWidget>
#include <QStyle>
#include <QTabWidget>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>
#include <QTreeView>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <QtConcurrentRun>

namespace {

const QString localSourcesKey = QStringLiteral("context/localSources");
const QString markdownDefinition = QStringLiteral("Markdown");
const QString jsonDefinition = QStringLiteral("JSON");
// Built-in roots of an agent whose home we do not know (upstream defaultBuiltinRoots).
const QStringList genericBuiltinRoots = {QStringLiteral("~/.coder"),
                                         QStringLiteral("~/.coder/skills"),
                                         QStringLiteral("~/.claude/plugins/cache")};

QLabel *valueLabel(const QString &objectName, const QString &accessibleName, QWidget *parent)
{
    auto *label = new QLabel(parent);
    label->setObjectName(objectName);
    label->setAccessibleName(accessibleName);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    label->setWordWrap(true);
    return label;
}

ElidedLabel *elidedLabel(const QString &objectName, const QString &accessibleName, QWidget *parent)
{
    auto *label = new ElidedLabel(parent);
    label->setObjectName(objectName);
    label->setAccessibleName(accessibleName);
    return label;
}

QLabel *sectionTitle(const QString &text, QWidget *parent)
{
    auto *label = new QLabel(text, parent);
    QFont font = label->font();
    font.setBold(true);
    label->setFont(font);
    return label;
}

QString hex(const QByteArray &bytes)
{
    return QString::fromLatin1(bytes.toHex());
}

QString shortHash(const QByteArray &bytes)
{
    return hex(bytes).left(ContextResourceModel::HashPrefixLength);
}

} // namespace

ContextView::ContextView(QWidget *parent)
    : QWidget(parent)
    , m_readWatcher(new QFutureWatcher<LocalRead>(this))
    , m_model(new ContextResourceModel(this))
    , m_proxy(new ContextResourceFilterModel(this))
{
    setObjectName(QStringLiteral("contextView"));
    setAccessibleName(tr("Context"));
    m_proxy->setSourceModel(m_model);
    connect(m_readWatcher, &QFutureWatcher<LocalRead>::finished, this, &ContextView::onLocalRead);

    m_pages = new QStackedWidget(this);
    m_noAgent = new EmptyStatePage(
            tr("No agent connected"),
            tr("The instruction files (AGENTS.md, CLAUDE.md, .cursorrules), MCP configs "
               "(.mcp.json) and skills (SKILL.md) that a workspace's agent resolves appear "
               "here, with the reason for every file that was skipped. Select a workspace in "
               "the sidebar to see its context."),
            m_pages);
    m_noAgent->setObjectName(QStringLiteral("contextNoAgent"));
    m_pages->addWidget(m_noAgent);

    auto *content = new QWidget(m_pages);

    m_resyncAction =
            new QAction(QIcon::fromTheme(QStringLiteral("view-refresh")), tr("Re&sync"), this);
    m_resyncAction->setObjectName(QStringLiteral("resyncAction"));
    m_resyncAction->setToolTip(tr("Resolve the context again now (F5)"));
    m_resyncAction->setShortcut(QKeySequence(Qt::Key_F5));
    m_resyncAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(m_resyncAction, &QAction::triggered, this, &ContextView::resync);
    addAction(m_resyncAction);

    auto *toolbar = new QToolBar(content);
    toolbar->setObjectName(QStringLiteral("contextToolbar"));
    toolbar->setAccessibleName(tr("Context actions"));
    toolbar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolbar->addAction(m_resyncAction);
    toolbar->addSeparator();
    m_filter = new QLineEdit(toolbar);
    m_filter->setObjectName(QStringLiteral("resourceFilter"));
    m_filter->setAccessibleName(tr("Filter resources"));
    m_filter->setPlaceholderText(tr("Filter by name, path, source or error"));
    m_filter->setClearButtonEnabled(true);
    m_filter->setMaximumWidth(320);
    connect(m_filter, &QLineEdit::textChanged, m_proxy,
            &QSortFilterProxyModel::setFilterFixedString);
    toolbar->addWidget(m_filter);
    m_connection = new QLabel(toolbar);
    m_connection->setObjectName(QStringLiteral("contextConnectionState"));
    m_connection->setContentsMargins(12, 0, 0, 0);
    toolbar->addWidget(m_connection);

    m_errorBar = new ErrorBar(content);
    m_errorBar->setObjectName(QStringLiteral("contextErrorBar"));

    auto *panes = new QSplitter(Qt::Horizontal, content);
    panes->setObjectName(QStringLiteral("contextSplitter"));
    // The roots pane scrolls when a short window has no room for it (800x500 in German).
    QWidget *sources = createSourcesPane(panes);
    auto *sourcesScroll = new QScrollArea(panes);
    sourcesScroll->setObjectName(QStringLiteral("scanRootsScroll"));
    sourcesScroll->setFrameShape(QFrame::NoFrame);
    sourcesScroll->setWidgetResizable(true);
    sourcesScroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    sourcesScroll->setWidget(sources);
    panes->addWidget(sourcesScroll);
    panes->addWidget(createResourcePane(panes));
    panes->addWidget(createDetailPane(panes));
    panes->setStretchFactor(0, 2);
    panes->setStretchFactor(1, 6);
    panes->setStretchFactor(2, 4);
    panes->setSizes({260, 660, 420});
    panes->setChildrenCollapsible(false);
    // Explicit minimums: the panes squeeze rather than force the main window to grow.
    const QList<QSize> paneMinimums = {{120, 120}, {150, 120}, {150, 120}};
    for (int i = 0; i < panes->count(); ++i) {
        panes->widget(i)->setMinimumSize(paneMinimums.at(i));
    }
    // Except that the roots pane's buttons keep their text, in every language.
    sourcesScroll->setMinimumWidth(
            std::max(paneMinimums.at(0).width(),
                     sources->minimumSizeHint().width() +
                             sourcesScroll->verticalScrollBar()->sizeHint().width()));

    m_bottomTabs = new QTabWidget(content);
    m_bottomTabs->setObjectName(QStringLiteral("contextBottomTabs"));
    m_bottomTabs->setAccessibleName(tr("Push and timeline"));
    m_bottomTabs->setDocumentMode(true);
    m_pushPanel = new ContextPushPanel(m_bottomTabs);
    connect(m_pushPanel, &ContextPushPanel::retryRequested, this, [this] {
        if (!m_client) {
            return;
        }
        ApiCall *call = m_client->retryPush();
        connect(call, &ApiCall::failed, this, [this](const ApiError &error) {
            showError(tr("Could not retry the push: %1").arg(error.toString()));
        });
    });
    m_bottomTabs->addTab(m_pushPanel, tr("Push"));
    m_bottomTabs->addTab(createTimeline(m_bottomTabs), tr("Timeline"));

    auto *vertical = new QSplitter(Qt::Vertical, content);
    vertical->setObjectName(QStringLiteral("contextVerticalSplitter"));
    vertical->addWidget(panes);
    vertical->addWidget(m_bottomTabs);
    vertical->setStretchFactor(0, 3);
    vertical->setStretchFactor(1, 1);
    vertical->setChildrenCollapsible(false);
    m_bottomTabs->setMinimumSize(100, 80);
    // Room for the push details (four rows and the retry button) at the first start.
    vertical->setSizes({560, 190});

    auto *layout = new QVBoxLayout(content);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(toolbar);
    layout->addWidget(m_errorBar);
    layout->addWidget(createHeader(content));
    layout->addWidget(vertical, 1);
    m_pages->addWidget(content);

    auto *outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->addWidget(m_pages);

    connect(m_model, &QAbstractItemModel::rowsInserted, this, &ContextView::updateResourcePages);
    connect(m_model, &QAbstractItemModel::rowsRemoved, this, &ContextView::updateResourcePages);
    // Kinds are expanded as they appear (also when the filter lets them back in).
    connect(m_proxy, &QAbstractItemModel::rowsInserted, this,
            [this](const QModelIndex &parent, int first, int last) {
                if (parent.isValid()) {
                    return;
                }
                for (int row = first; row <= last; ++row) {
                    m_tree->expand(m_proxy->index(row, 0));
                }
            });
    // Names and statuses fit their text in any language ("1 übersprungen",
    // "MCP-Konfigurationen (1)"), as rows come and counts change; a long relative path stops
    // at a third of the tree.
    // A column the user has sized stays as it is.
    auto fitting = std::make_shared<bool>(false);
    auto sizedByHand = std::make_shared<QSet<int>>();
    connect(m_tree->header(), &QHeaderView::sectionResized, this,
            [fitting, sizedByHand](int column) {
                if (!*fitting) {
                    sizedByHand->insert(column);
                }
            });
    const auto fitColumns = [this, fitting, sizedByHand] {
        *fitting = true;
        for (const int column :
             {ContextResourceModel::NameColumn, ContextResourceModel::StatusColumn}) {
            if (!sizedByHand->contains(column)) {
                m_tree->resizeColumnToContents(column);
            }
        }
        if (!sizedByHand->contains(ContextResourceModel::NameColumn)) {
            m_tree->setColumnWidth(ContextResourceModel::NameColumn,
                                   std::min(m_tree->columnWidth(ContextResourceModel::NameColumn),
                                            std::max(240, m_tree->width() / 3)));
        }
        *fitting = false;
    };
    // Once per burst: a snapshot changes rows one by one.
    auto fitPending = std::make_shared<bool>(false);
    const auto scheduleFit = [this, fitPending, fitColumns] {
        if (!std::exchange(*fitPending, true)) {
            QTimer::singleShot(0, this, [fitPending, fitColumns] {
                *fitPending = false;
                fitColumns();
            });
        }
    };
    connect(m_proxy, &QAbstractItemModel::rowsInserted, this, scheduleFit);
    connect(m_proxy, &QAbstractItemModel::dataChanged, this, scheduleFit);
    connect(m_filter, &QLineEdit::textChanged, m_tree, &QTreeView::expandAll);

    applyTheme();
    setClient(nullptr, false);
}

ContextView::~ContextView()
{
    setClient(nullptr, false);
}

QWidget *ContextView::createHeader(QWidget *parent)
{
    auto *header = new QFrame(parent);
    header->setObjectName(QStringLiteral("snapshotHeader"));
    header->setAccessibleName(tr("Snapshot"));

    m_version = new QLabel(header);
    m_version->setObjectName(QStringLiteral("snapshotVersion"));
    m_version->setAccessibleName(tr("Snapshot version"));
    QFont bold = m_version->font();
    bold.setBold(true);
    m_version->setFont(bold);

    m_hash = new QLabel(header);
    m_hash->setObjectName(QStringLiteral("aggregateHash"));
    m_hash->setAccessibleName(tr("Aggregate hash"));
    m_hash->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_hash->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_copyHash = new QToolButton(header);
    m_copyHash->setObjectName(QStringLiteral("copyHashButton"));
    m_copyHash->setIcon(QIcon::fromTheme(QStringLiteral("edit-copy")));
    m_copyHash->setText(tr("Copy"));
    m_copyHash->setAccessibleName(tr("Copy the aggregate hash"));
    m_copyHash->setToolTip(tr("Copy the whole aggregate hash"));
    m_copyHash->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_copyHash->setAutoRaise(true);
    connect(m_copyHash, &QToolButton::clicked, this,
            [this] { QGuiApplication::clipboard()->setText(hex(m_snapshot.aggregateHash)); });

    m_resolving = new QLabel(header);
    m_resolving->setObjectName(QStringLiteral("resolvingIndicator"));
    m_resolving->setAccessibleName(tr("Resolving"));

    m_payloadBar = new QProgressBar(header);
    m_payloadBar->setObjectName(QStringLiteral("payloadBar"));
    m_payloadBar->setAccessibleName(tr("Payload bytes of the aggregate cap"));
    m_payloadBar->setRange(0, int(ContextResolver::DefaultMaxSnapshotBytes));
    m_payloadBar->setToolTip(
            tr("The bytes of every OK resource count against the agent's %1 aggregate cap; "
               "resources beyond it are excluded.")
                    .arg(QLocale().formattedDataSize(ContextResolver::DefaultMaxSnapshotBytes)));
    m_payloadBar->setMaximumWidth(260);

    m_countBar = new QProgressBar(header);
    m_countBar->setObjectName(QStringLiteral("resourceCountBar"));
    m_countBar->setAccessibleName(tr("Resources of the count cap"));
    m_countBar->setRange(0, ContextResolver::DefaultMaxResources);
    m_countBar->setToolTip(tr("A snapshot holds at most %1 resources; the rest are excluded.")
                                   .arg(ContextResolver::DefaultMaxResources));
    m_countBar->setMaximumWidth(200);

    m_snapshotError = new QLabel(header);
    m_snapshotError->setObjectName(QStringLiteral("snapshotError"));
    m_snapshotError->setAccessibleName(tr("Snapshot error"));
    m_snapshotError->setWordWrap(true);
    m_snapshotError->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_snapshotError->setMargin(6);
    m_snapshotError->hide();

    m_storedState = new QLabel(header);
    m_storedState->setObjectName(QStringLiteral("contextStoredState"));
    m_storedState->setAccessibleName(tr("Stored by the control plane"));
    m_storedState->setWordWrap(true);
    m_storedState->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_storedState->hide();

    auto *row = new QHBoxLayout;
    row->addWidget(m_version);
    row->addSpacing(12);
    row->addWidget(new QLabel(tr("Aggregate hash:"), header));
    row->addWidget(m_hash);
    row->addWidget(m_copyHash);
    row->addSpacing(12);
    row->addWidget(m_resolving, 1);
    // The bars take the room there is, up to their maximum width.
    row->addWidget(m_payloadBar, 3);
    row->addWidget(m_countBar, 2);
    header->setMinimumWidth(100); // squeezes (clipping the bars) rather than widen the window
    auto *layout = new QVBoxLayout(header);
    layout->setContentsMargins(8, 6, 8, 6);
    layout->addLayout(row);
    layout->addWidget(m_storedState);
    layout->addWidget(m_snapshotError);
    return header;
}

QWidget *ContextView::createSourcesPane(QWidget *parent)
{
    auto *pane = new QWidget(parent);
    pane->setObjectName(QStringLiteral("scanRootsPane"));
    pane->setAccessibleName(tr("Scan roots"));

    m_sourceList = new QListWidget(pane);
    m_sourceList->setObjectName(QStringLiteral("sourceList"));
    m_sourceList->setAccessibleName(tr("Your scan roots"));
    m_sourceList->setSelectionMode(QAbstractItemView::SingleSelection);
    m_sourceList->setTextElideMode(Qt::ElideLeft); // the end of a path says the most
    auto *deleteSource = new QAction(tr("Remove Scan Root"), m_sourceList);
    deleteSource->setObjectName(QStringLiteral("deleteSourceAction"));
    deleteSource->setShortcuts({QKeySequence::Delete, QKeySequence(Qt::Key_Backspace)});
    deleteSource->setShortcutContext(Qt::WidgetShortcut);
    connect(deleteSource, &QAction::triggered, this, &ContextView::removeSelectedSource);
    m_sourceList->addAction(deleteSource);

    m_sourceEdit = new QLineEdit(pane);
    m_sourceEdit->setObjectName(QStringLiteral("sourcePathEdit"));
    m_sourceEdit->setAccessibleName(tr("Folder to add"));
    m_sourceEdit->setPlaceholderText(tr("/path/to/folder or ~/folder"));
    m_sourceEdit->setClearButtonEnabled(true);
    connect(m_sourceEdit, &QLineEdit::textChanged, this, &ContextView::validateSourceInput);
    connect(m_sourceEdit, &QLineEdit::returnPressed, this, [this] {
        if (m_addSource->isEnabled()) {
            addSource(m_sourceEdit->text());
        }
    });

    m_browse = new QToolButton(pane);
    m_browse->setObjectName(QStringLiteral("browseSourceButton"));
    m_browse->setText(tr("Browse…"));
    m_browse->setAccessibleName(tr("Browse for a folder"));
    // The field shrinks, the buttons keep their text: the pane's minimum width is theirs.
    m_browse->setSizePolicy(QSizePolicy::Minimum, QSizePolicy::Fixed);
    connect(m_browse, &QToolButton::clicked, this, [this] {
        const QString start =
                m_sourceEdit->text().trimmed().isEmpty() ? QDir::homePath() : m_sourceEdit->text();
        const QString folder =
                QFileDialog::getExistingDirectory(this, tr("Add a Scan Root"), start);
        if (!folder.isEmpty()) {
            m_sourceEdit->setText(folder);
        }
    });

    m_addSource = new QPushButton(tr("&Add"), pane);
    m_addSource->setObjectName(QStringLiteral("addSourceButton"));
    m_addSource->setAccessibleName(tr("Add scan root"));
    m_addSource->setSizePolicy(QSizePolicy::Minimum, QSizePolicy::Fixed);
    connect(m_addSource, &QPushButton::clicked, this, [this] { addSource(m_sourceEdit->text()); });

    m_removeSource = new QPushButton(tr("Re&move"), pane); // Alt+R is the Runners tab
    m_removeSource->setObjectName(QStringLiteral("removeSourceButton"));
    m_removeSource->setAccessibleName(tr("Remove scan root"));
    m_removeSource->setEnabled(false);
    connect(m_removeSource, &QPushButton::clicked, this, &ContextView::removeSelectedSource);
    connect(m_sourceList, &QListWidget::itemSelectionChanged, this, [this] {
        m_removeSource->setEnabled(m_client && !m_sourceList->selectedItems().isEmpty());
    });

    m_sourceError = new QLabel(pane);
    m_sourceError->setObjectName(QStringLiteral("sourceError"));
    m_sourceError->setAccessibleName(tr("Scan root error"));
    m_sourceError->setWordWrap(true);
    m_sourceError->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_sourceError->setMargin(4);
    m_sourceError->hide();

    m_fixedRoots = new QListWidget(pane);
    m_fixedRoots->setObjectName(QStringLiteral("fixedRootList"));
    m_fixedRoots->setAccessibleName(tr("Roots the agent always scans"));
    m_fixedRoots->setSelectionMode(QAbstractItemView::NoSelection);
    m_fixedRoots->setFocusPolicy(Qt::NoFocus);
    m_fixedRoots->setTextElideMode(Qt::ElideMiddle); // both ends of a path say something
    m_fixedRoots->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_fixedRoots->setSizeAdjustPolicy(QAbstractScrollArea::AdjustToContents);
    m_fixedRoots->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Maximum);

    auto *hint = new QLabel(tr("Folders you add are scanned before the agent's own roots."), pane);
    hint->setWordWrap(true);
    hint->setForegroundRole(QPalette::PlaceholderText);

    auto *removeRow = new QHBoxLayout;
    removeRow->addStretch(1);
    removeRow->addWidget(m_removeSource);
    auto *addRow = new QHBoxLayout;
    addRow->addStretch(1);
    addRow->addWidget(m_browse);
    addRow->addWidget(m_addSource);

    auto *layout = new QVBoxLayout(pane);
    layout->setContentsMargins(8, 4, 4, 4);
    layout->addWidget(sectionTitle(tr("Scan roots"), pane));
    layout->addWidget(hint);
    layout->addWidget(m_sourceList, 1);
    layout->addLayout(removeRow);
    layout->addWidget(m_sourceEdit);
    layout->addLayout(addRow);
    layout->addWidget(m_sourceError);
    layout->addSpacing(6);
    layout->addWidget(sectionTitle(tr("Always scanned"), pane));
    layout->addWidget(m_fixedRoots);
    return pane;
}

QWidget *ContextView::createResourcePane(QWidget *parent)
{
    m_resourcePages = new QStackedWidget(parent);
    m_resourcePages->setObjectName(QStringLiteral("resourcePages"));
    auto *empty = new EmptyStatePage(
            tr("No context resources found"),
            tr("No AGENTS.md, CLAUDE.md, .cursorrules, .mcp.json or skills/<name>/SKILL.md was "
               "found in the scan roots. Add a folder on the left, or create one of these files."),
            m_resourcePages);
    empty->setObjectName(QStringLiteral("contextEmptyState"));
    m_resourcePages->addWidget(empty);

    m_tree = new QTreeView(m_resourcePages);
    m_tree->setObjectName(QStringLiteral("resourceTree"));
    m_tree->setAccessibleName(tr("Context resources"));
    m_tree->setModel(m_proxy);
    m_tree->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_tree->setSelectionMode(QAbstractItemView::SingleSelection);
    m_tree->setSortingEnabled(true);
    m_tree->sortByColumn(ContextResourceModel::NameColumn, Qt::AscendingOrder);
    m_tree->setUniformRowHeights(true);
    m_tree->setAlternatingRowColors(true);
    m_tree->setAllColumnsShowFocus(true);
    m_tree->header()->setStretchLastSection(true);
    m_tree->setColumnWidth(ContextResourceModel::NameColumn, 170);
    m_tree->setColumnWidth(ContextResourceModel::StatusColumn, 95);
    m_tree->setColumnWidth(ContextResourceModel::SizeColumn, 75);
    m_tree->setColumnWidth(ContextResourceModel::HashColumn, 105);
    m_tree->setColumnWidth(ContextResourceModel::SourceColumn, 120);
    connect(m_tree->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &ContextView::onSelectionChanged);
    m_resourcePages->addWidget(m_tree);
    return m_resourcePages;
}

QWidget *ContextView::createDetailPane(QWidget *parent)
{
    m_detailPages = new QStackedWidget(parent);
    m_detailPages->setObjectName(QStringLiteral("resourceDetail"));
    m_detailPages->setAccessibleName(tr("Resource details"));

    auto *none = new QLabel(tr("Select a resource to see why it was included or skipped, and "
                               "its content."),
                            m_detailPages);
    none->setObjectName(QStringLiteral("detailPlaceholder"));
    none->setWordWrap(true);
    none->setAlignment(Qt::AlignCenter);
    none->setMargin(12);
    m_detailPages->addWidget(none);

    auto *page = new QWidget(m_detailPages);
    m_detailTitle = elidedLabel(QStringLiteral("detailTitle"), tr("Resource"), page);
    QFont titleFont = m_detailTitle->font();
    titleFont.setBold(true);
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.2);
    m_detailTitle->setFont(titleFont);
    m_detailStatusIcon = new QLabel(page);
    m_detailStatusIcon->setObjectName(QStringLiteral("detailStatusIcon"));
    m_detailStatus = valueLabel(QStringLiteral("detailStatus"), tr("Status"), page);
    m_detailError = valueLabel(QStringLiteral("detailError"), tr("Why it was skipped"), page);
    m_detailError->setMargin(6);
    m_idLabel = elidedLabel(QStringLiteral("detailId"), tr("Id"), page);
    m_sizeLabel = valueLabel(QStringLiteral("detailSize"), tr("Size"), page);
    m_hashLabel = elidedLabel(QStringLiteral("detailHash"), tr("Content hash"), page);
    m_hashLabel->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_sourceLabel = elidedLabel(QStringLiteral("detailSource"), tr("Source"), page);
    m_sourceOrigin =
            valueLabel(QStringLiteral("detailSourceOrigin"), tr("Where it was found"), page);
    m_descriptionLabel = valueLabel(QStringLiteral("detailDescription"), tr("Description"), page);
    // Paths and hashes do not wrap: elided in the middle rather than clipped or widening the
    // pane; the tooltips and the context menu's Copy hold the whole text.

    m_contentNote = valueLabel(QStringLiteral("contentNote"), tr("About the content"), page);
    m_contentNote->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    m_content = new QPlainTextEdit(page);
    m_content->setObjectName(QStringLiteral("contentView"));
    m_content->setAccessibleName(tr("Content"));
    m_content->setReadOnly(true);
    m_content->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_content->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    m_content->hide();
    // One highlighter for the pane, on its document. The theme is set in applyTheme(), before
    // any definition: in the other order the text renders blank.
    m_highlighter = new KSyntaxHighlighting::SyntaxHighlighter(m_content->document());

    auto *statusRow = new QHBoxLayout;
    statusRow->addWidget(m_detailStatusIcon);
    statusRow->addWidget(m_detailStatus, 1);
    auto *form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->addRow(tr("Id:"), m_idLabel);
    form->addRow(tr("Size:"), m_sizeLabel);
    auto *copyHash = new QToolButton(page);
    copyHash->setObjectName(QStringLiteral("copyResourceHashButton"));
    copyHash->setText(tr("Copy"));
    copyHash->setAccessibleName(tr("Copy the content hash"));
    copyHash->setAutoRaise(true);
    connect(copyHash, &QToolButton::clicked, this,
            [this] { QGuiApplication::clipboard()->setText(hex(m_detailResource.contentHash)); });
    auto *hashRow = new QHBoxLayout;
    hashRow->addWidget(m_hashLabel, 1);
    hashRow->addWidget(copyHash, 0, Qt::AlignTop);
    form->addRow(tr("Hash:"), hashRow);
    form->addRow(tr("Source:"), m_sourceLabel);
    form->addRow(QString(), m_sourceOrigin);
    form->addRow(tr("Description:"), m_descriptionLabel);

    auto *layout = new QVBoxLayout(page);
    layout->setContentsMargins(4, 4, 8, 4);
    layout->addWidget(m_detailTitle);
    layout->addLayout(statusRow);
    layout->addWidget(m_detailError);
    layout->addLayout(form);
    layout->addWidget(m_contentNote);
    layout->addWidget(m_content, 1);
    m_detailPages->addWidget(page);
    return m_detailPages;
}

QWidget *ContextView::createTimeline(QWidget *parent)
{
    m_timeline = new QTreeWidget(parent);
    m_timeline->setObjectName(QStringLiteral("timelineTree"));
    m_timeline->setAccessibleName(tr("Snapshot timeline"));
    m_timeline->setHeaderLabels(
            {tr("Version"), tr("Published"), tr("Cause"), tr("Changes"), tr("Hash")});
    m_timeline->setUniformRowHeights(true);
    m_timeline->setColumnWidth(0, 90);
    m_timeline->setColumnWidth(1, 100);
    m_timeline->setColumnWidth(2, 200);
    m_timeline->setColumnWidth(3, 120);
    m_timeline->setRootIsDecorated(true);
    return m_timeline;
}

void ContextView::setClient(ContextClient *client, bool local)
{
    if (m_client) {
        disconnect(m_client, nullptr, this, nullptr);
        if (m_openedWatch) {
            m_client->closeWatch();
        }
    }
    m_client = client;
    m_local = client && local;
    m_openedWatch = false;
    m_builtinRoots.clear();
    m_workingDirectory.clear();
    ++m_contentGeneration;
    clearError();
    clearDetail();
    m_model->clear();
    m_model->setFixedRoots({}, {});
    m_snapshot = ContextSnapshot();
    m_expandedVersions.clear();
    m_sourceEdit->clear();
    showSourceError({});
    m_browse->setVisible(m_local);
    m_pages->setCurrentIndex(client ? 1 : 0);
    m_resyncAction->setEnabled(client);
    m_addSource->setEnabled(false);
    m_removeSource->setEnabled(false);
    m_sourceEdit->setEnabled(client);
    onSources({});
    m_sourcesToRestore =
            m_local ? QSettings().value(localSourcesKey).toStringList() : QStringList();
    m_sourcesRestored = !m_local;
    onTimeline({});
    onResolving(false);
    m_pushPanel->setStatus(ContextPushStatus());
    updateFixedRoots();
    updateHeader();
    updateResourcePages();
    if (!client) {
        m_connection->clear();
        return;
    }

    connect(client, &ContextClient::snapshotReceived, this, &ContextView::onSnapshot);
    connect(client, &ContextClient::sourcesReceived, this, &ContextView::onSources);
    connect(client, &ContextClient::timelineChanged, this, &ContextView::onTimeline);
    connect(client, &ContextClient::resolvingChanged, this, &ContextView::onResolving);
    connect(client, &ContextClient::connectedChanged, this, &ContextView::onConnected);
    connect(client, &ContextClient::pushStatusReceived, m_pushPanel, &ContextPushPanel::setStatus);
    if (client->isWatching()) {
        // Another view opened the stream: start from what it delivered so far.
        onConnected(client->isConnected());
        onSources(client->lastSources());
        onTimeline(client->timeline());
        onResolving(client->isResolving());
        m_pushPanel->setStatus(client->lastPushStatus());
        onSnapshot(client->lastSnapshot());
    } else {
        m_connection->setText(tr("Connecting to %1…").arg(client->baseUrl().toString()));
        m_openedWatch = true;
        client->watch();
    }
}

void ContextView::setFixedRoots(const QStringList &builtinRoots, const QString &workingDirectory)
{
    m_builtinRoots = builtinRoots;
    m_workingDirectory = workingDirectory;
    m_model->setFixedRoots(builtinRoots, workingDirectory);
    updateFixedRoots();
}

void ContextView::setClock(Clock *clock)
{
    m_pushPanel->setClock(clock);
}

void ContextView::updateFixedRoots()
{
    m_fixedRoots->clear();
    if (!m_client) {
        return;
    }
    const auto addRoot = [this](const QString &text, const QString &toolTip) {
        auto *item = new QListWidgetItem(text, m_fixedRoots);
        item->setToolTip(text + QLatin1Char('\n') + toolTip);
        item->setFlags(Qt::NoItemFlags); // read-only, shown greyed
    };
    const QString workingToolTip = tr("The agent's working directory, walked to depth 8 for "
                                      "instruction files, .mcp.json and skills.");
    const QString builtinToolTip =
            tr("A built-in root: scanned on every resolve, it cannot be removed here.");
    if (m_builtinRoots.isEmpty() && m_workingDirectory.isEmpty()) {
        // A remote agent does not report its roots; these are what every agent scans.
        addRoot(tr("The agent's working directory"), workingToolTip);
        for (const QString &root : genericBuiltinRoots) {
            addRoot(tr("%1 (built-in)").arg(root), builtinToolTip);
        }
        return;
    }
    if (!m_workingDirectory.isEmpty()) {
        addRoot(tr("%1 (working directory)").arg(m_workingDirectory), workingToolTip);
    }
    for (const QString &root : std::as_const(m_builtinRoots)) {
        addRoot(tr("%1 (built-in)").arg(root), builtinToolTip);
    }
}

QString ContextView::selectedResourceId() const
{
    const QModelIndexList rows = m_tree->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString()
                          : rows.first().data(ContextResourceModel::ResourceIdRole).toString();
}

bool ContextView::selectResource(const QString &id)
{
    QModelIndex index = m_proxy->mapFromSource(m_model->indexOf(id));
    if (!index.isValid() && m_model->indexOf(id).isValid()) {
        m_filter->clear(); // the filter hid it
        index = m_proxy->mapFromSource(m_model->indexOf(id));
    }
    if (!index.isValid()) {
        return false;
    }
    m_tree->expand(index.parent());
    m_tree->selectionModel()->select(
            index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_tree->setCurrentIndex(index);
    m_tree->scrollTo(index);
    return true;
}

QString ContextView::contentDefinitionName() const
{
    return m_contentDefinition;
}

QString ContextView::contentNote() const
{
    return m_contentNote->isVisibleTo(this) ? m_contentNote->text() : QString();
}

QString ContextView::detailErrorText() const
{
    return m_detailError->isVisibleTo(this) ? m_detailError->text() : QString();
}

QString ContextView::sourceErrorText() const
{
    return m_sourceError->isVisibleTo(this) ? m_sourceError->text() : QString();
}

QString ContextView::errorText() const
{
    return m_errorBar->message();
}

QStringList ContextView::sources() const
{
    QStringList paths;
    for (int row = 0; row < m_sourceList->count(); ++row) {
        paths.append(m_sourceList->item(row)->text());
    }
    return paths;
}

void ContextView::validateSourceInput()
{
    const QString path = m_sourceEdit->text().trimmed();
    if (path.isEmpty()) {
        showSourceError({});
        m_addSource->setEnabled(false);
        return;
    }
    // What the agent would reject anyway, said before asking it (ContextPaths::lexicalPath).
    if (!path.startsWith(QLatin1Char('~')) && !QDir::isAbsolutePath(path)) {
        showSourceError(tr("Enter an absolute folder path, or one that starts with ~."));
        m_addSource->setEnabled(false);
        return;
    }
    showSourceError({});
    m_addSource->setEnabled(m_client);
}

void ContextView::showSourceError(const QString &message)
{
    m_sourceError->setText(message);
    m_sourceError->setVisible(!message.isEmpty());
}

void ContextView::addSource(const QString &path)
{
    if (!m_client) {
        return;
    }
    if (m_sourceEdit->text() != path) {
        m_sourceEdit->setText(path);
    }
    validateSourceInput();
    if (!m_addSource->isEnabled()) {
        return;
    }
    m_addSource->setEnabled(false);
    ApiCall *call = m_client->addSource(path.trimmed());
    connect(call, &ApiCall::finished, this, [this](const QJsonValue &body) {
        const QString identity = body.toObject().value(QStringLiteral("path")).toString();
        m_sourceEdit->clear();
        showSourceError({});
        // The watch stream confirms it a moment later; show it now.
        if (!identity.isEmpty() && !sources().contains(identity)) {
            m_sourceList->addItem(identity);
        }
    });
    connect(call, &ApiCall::failed, this, [this](const ApiError &error) {
        showSourceError(tr("The agent did not add this folder: %1")
                                .arg(error.detail.isEmpty() ? error.toString() : error.detail));
        m_addSource->setEnabled(!m_sourceEdit->text().trimmed().isEmpty());
    });
}

void ContextView::removeSelectedSource()
{
    const QList<QListWidgetItem *> selected = m_sourceList->selectedItems();
    if (!m_client || selected.isEmpty()) {
        return;
    }
    const QString path = selected.first()->text();
    ApiCall *call = m_client->removeSource(path);
    connect(call, &ApiCall::finished, this, [this] { showSourceError({}); });
    connect(call, &ApiCall::failed, this, [this, path](const ApiError &error) {
        showSourceError(
                tr("The agent did not remove %1: %2")
                        .arg(path, error.detail.isEmpty() ? error.toString() : error.detail));
    });
}

void ContextView::resync()
{
    if (!m_client) {
        return;
    }
    ApiCall *call = m_client->resync();
    connect(call, &ApiCall::finished, this, &ContextView::clearError);
    connect(call, &ApiCall::failed, this, [this](const ApiError &error) {
        showError(tr("Could not resync: %1").arg(error.toString()));
    });
}

void ContextView::onSnapshot(const ContextSnapshot &snapshot)
{
    if (snapshot.version == 0 && snapshot.resources.isEmpty() && m_snapshot.version > 0) {
        return; // the placeholder of an agent that has not resolved yet
    }
    m_snapshot = snapshot;
    m_model->setSnapshot(snapshot);
    updateHeader();
    updateStoredState();
    updateResourcePages();
    if (!m_detailId.isEmpty()) {
        if (const auto resource = m_model->resourceById(m_detailId)) {
            showResource(*resource);
        } else {
            clearDetail();
        }
    }
}

void ContextView::onSources(const QStringList &sources)
{
    if (m_local && m_client && sender() == m_client) {
        if (!m_sourcesRestored) {
            m_sourcesRestored = true;
            bool restoring = false;
            for (const QString &path : std::as_const(m_sourcesToRestore)) {
                if (sources.contains(path)) {
                    continue;
                }
                restoring = true;
                ApiCall *call = m_client->addSource(path);
                connect(call, &ApiCall::failed, this, [this, path](const ApiError &error) {
                    showError(tr("Could not restore your scan root %1: %2")
                                      .arg(path, error.toString()));
                });
            }
            if (!restoring) {
                QSettings().setValue(localSourcesKey, sources); // the lists after it save
            }
        } else {
            QSettings().setValue(localSourcesKey, sources);
        }
    }
    const QList<QListWidgetItem *> selected = m_sourceList->selectedItems();
    const QString selectedPath = selected.isEmpty() ? QString() : selected.first()->text();
    m_sourceList->clear();
    for (const QString &path : sources) {
        auto *item = new QListWidgetItem(path, m_sourceList);
        const QString rejection = m_client ? m_client->sourceRejection(path) : QString();
        if (rejection.isEmpty()) {
            item->setToolTip(tr("Your scan root %1").arg(path));
        } else {
            // Shown, not hidden: the user added it and must see why nothing comes from it.
            item->setIcon(style()->standardIcon(QStyle::SP_MessageBoxWarning));
            item->setForeground(palette().color(QPalette::PlaceholderText));
            item->setToolTip(tr("Not read: %1").arg(rejection));
            item->setData(Qt::UserRole, rejection);
        }
        if (path == selectedPath) {
            item->setSelected(true);
        }
    }
    m_removeSource->setEnabled(m_client && !m_sourceList->selectedItems().isEmpty());
}

QString ContextView::causeText(const ContextTimelineEntry &entry)
{
    const QString name = QFileInfo(entry.triggerPath).fileName();
    const QString trigger = entry.trigger;
    if (trigger == QLatin1StringView(ContextTimelineEntry::TriggerStart)) {
        return tr("Agent started");
    }
    if (trigger == QLatin1StringView(ContextTimelineEntry::TriggerWatcher)) {
        return name.isEmpty() ? tr("File change") : tr("File change: %1").arg(name);
    }
    if (trigger == QLatin1StringView(ContextTimelineEntry::TriggerRescan)) {
        return tr("Periodic rescan");
    }
    if (trigger == QLatin1StringView(ContextTimelineEntry::TriggerResync)) {
        return tr("Resync");
    }
    if (trigger == QLatin1StringView(ContextTimelineEntry::TriggerSourceAdded)) {
        return name.isEmpty() ? tr("Source added") : tr("Source added: %1").arg(name);
    }
    if (trigger == QLatin1StringView(ContextTimelineEntry::TriggerSourceRemoved)) {
        return name.isEmpty() ? tr("Source removed") : tr("Source removed: %1").arg(name);
    }
    if (trigger == QLatin1StringView(ContextTimelineEntry::TriggerPushRetry)) {
        return tr("Push retry");
    }
    return trigger.isEmpty() ? tr("Unknown") : trigger;
}

void ContextView::onTimeline(const QList<ContextTimelineEntry> &timeline)
{
    for (int i = 0; i < m_timeline->topLevelItemCount(); ++i) {
        const QTreeWidgetItem *item = m_timeline->topLevelItem(i);
        const quint64 version = item->data(0, Qt::UserRole).toULongLong();
        if (item->isExpanded()) {
            m_expandedVersions.insert(version);
        } else {
            m_expandedVersions.remove(version);
        }
    }
    m_timeline->clear();
    const QLocale locale;
    const auto addIds = [](QTreeWidgetItem *parent, const QString &mark, const QStringList &ids) {
        for (const QString &id : ids) {
            auto *child = new QTreeWidgetItem(parent, {mark + QLatin1Char(' ') + id});
            child->setToolTip(0, id);
            child->setFirstColumnSpanned(true);
        }
    };
    // Newest first; the agent keeps the last ContextManager::TimelineLength versions.
    const qsizetype shown = qMin<qsizetype>(timeline.size(), ContextManager::TimelineLength);
    for (auto it = timeline.crbegin(); it != timeline.crbegin() + shown; ++it) {
        const ContextTimelineEntry &entry = *it;
        const QDateTime published = QDateTime::fromMSecsSinceEpoch(entry.publishedAtMSecs);
        const QString changes =
                entry.added.isEmpty() && entry.removed.isEmpty() && entry.changed.isEmpty()
                ? tr("no changes")
                : tr("+%1 −%2 ~%3")
                          .arg(entry.added.size())
                          .arg(entry.removed.size())
                          .arg(entry.changed.size());
        auto *item =
                new QTreeWidgetItem(m_timeline,
                                    {tr("v%1").arg(entry.version),
                                     locale.toString(published.time(), QStringLiteral("HH:mm:ss")),
                                     causeText(entry), changes, shortHash(entry.aggregateHash)});
        item->setData(0, Qt::UserRole, qulonglong(entry.version));
        item->setToolTip(1, locale.toString(published, QLocale::LongFormat));
        item->setToolTip(2, entry.triggerPath.isEmpty() ? causeText(entry) : entry.triggerPath);
        item->setToolTip(3,
                         tr("%n added, ", nullptr, int(entry.added.size())) +
                                 tr("%n removed, ", nullptr, int(entry.removed.size())) +
                                 tr("%n changed", nullptr, int(entry.changed.size())));
        item->setToolTip(4, hex(entry.aggregateHash));
        addIds(item, QStringLiteral("+"), entry.added);
        addIds(item, QStringLiteral("−"), entry.removed);
        addIds(item, QStringLiteral("~"), entry.changed);
        item->setExpanded(m_expandedVersions.contains(entry.version));
    }
    m_bottomTabs->setTabText(
            1, timeline.isEmpty() ? tr("Timeline") : tr("Timeline (%1)").arg(timeline.size()));
}

void ContextView::onResolving(bool resolving)
{
    m_resolving->setText(resolving ? tr("Resolving…") : QString());
}

void ContextView::onConnected(bool connected)
{
    m_connection->setText(connected ? QString() : tr("Reconnecting to the agent…"));
}

void ContextView::updateHeader()
{
    const QLocale locale;
    const bool known = m_snapshot.version > 0;
    m_version->setText(known ? tr("Version %1").arg(m_snapshot.version) : tr("No snapshot yet"));
    m_hash->setText(known ? shortHash(m_snapshot.aggregateHash) : tr("—"));
    m_hash->setToolTip(known ? hex(m_snapshot.aggregateHash) : QString());
    m_copyHash->setEnabled(known);

    const qint64 cap = ContextResolver::DefaultMaxSnapshotBytes;
    m_payloadBar->setValue(int(qMin<quint64>(m_snapshot.payloadBytes, quint64(cap))));
    m_payloadBar->setFormat(tr("Payload %1 of %2")
                                    .arg(locale.formattedDataSize(qint64(m_snapshot.payloadBytes)),
                                         locale.formattedDataSize(cap)));
    const int count = int(m_snapshot.resources.size());
    m_countBar->setValue(qMin(count, ContextResolver::DefaultMaxResources));
    m_countBar->setFormat(tr("%1 of %2 resources")
                                  .arg(locale.toString(count),
                                       locale.toString(ContextResolver::DefaultMaxResources)));

    m_snapshotError->setText(tr("Snapshot error: %1").arg(m_snapshot.snapshotError));
    m_snapshotError->setVisible(!m_snapshot.snapshotError.isEmpty());
}

void ContextView::setStoredState(const QString &planeName, qint64 version, const QString &hashHex)
{
    m_storedPlane = planeName;
    m_storedVersion = version;
    m_storedHash = hashHex.toLower();
    updateStoredState();
}

QString ContextView::storedStateText() const
{
    return m_storedState->isVisible() || !m_storedPlane.isEmpty() ? m_storedState->text()
                                                                  : QString();
}

quint64 ContextView::snapshotVersion() const
{
    return m_snapshot.version;
}

QString ContextView::snapshotHashHex() const
{
    return m_snapshot.version > 0 ? hex(m_snapshot.aggregateHash) : QString();
}

bool ContextView::storedIsBehind(qint64 storedVersion, const QString &storedHash,
                                 quint64 agentVersion, const QString &agentHash)
{
    if (agentVersion == 0) {
        return false; // nothing to compare with yet
    }
    return storedVersion < qint64(agentVersion) ||
            (storedVersion == qint64(agentVersion) &&
             storedHash.compare(agentHash, Qt::CaseInsensitive) != 0);
}

void ContextView::updateStoredState()
{
    if (m_storedPlane.isEmpty()) {
        m_storedState->clear();
        m_storedState->hide();
        return;
    }
    const QString agentHash = snapshotHashHex();
    QString text;
    if (m_storedVersion == 0) {
        text = tr("%1 has stored no context for this agent yet.").arg(m_storedPlane);
    } else if (m_snapshot.version == 0) {
        text = tr("%1 stores version %2 (%3).")
                       .arg(m_storedPlane)
                       .arg(m_storedVersion)
                       .arg(m_storedHash.left(12));
    } else if (storedIsBehind(m_storedVersion, m_storedHash, m_snapshot.version, agentHash)) {
        text = tr("%1 stores version %2 (%3): behind the agent's version %4.")
                       .arg(m_storedPlane)
                       .arg(m_storedVersion)
                       .arg(m_storedHash.left(12))
                       .arg(m_snapshot.version);
    } else if (m_storedVersion > qint64(m_snapshot.version)) {
        // The agent restarted (versions begin again) and has not pushed yet.
        text = tr("%1 stores version %2 (%3), from before the agent restarted.")
                       .arg(m_storedPlane)
                       .arg(m_storedVersion)
                       .arg(m_storedHash.left(12));
    } else {
        text = tr("%1 stores version %2 (%3): in sync.")
                       .arg(m_storedPlane)
                       .arg(m_storedVersion)
                       .arg(m_storedHash.left(12));
    }
    m_storedState->setText(text);
    m_storedState->show();
}

void ContextView::updateResourcePages()
{
    m_resourcePages->setCurrentIndex(m_model->rowCount() > 0 ? 1 : 0);
}

void ContextView::onSelectionChanged()
{
    const QString id = selectedResourceId();
    const auto resource = id.isEmpty() ? std::nullopt : m_model->resourceById(id);
    if (resource) {
        showResource(*resource);
    } else {
        clearDetail();
    }
}

void ContextView::showResource(const ContextResource &resource)
{
    const bool reload = resource.id != m_detailId ||
            resource.contentHash != m_detailResource.contentHash ||
            resource.status != m_detailResource.status ||
            resource.sizeBytes != m_detailResource.sizeBytes;
    m_detailId = resource.id;
    m_detailResource = resource;
    m_detailPages->setCurrentIndex(1);

    const QLocale locale;
    m_detailTitle->setText(ContextResourceModel::displayName(resource));
    m_detailTitle->setDetails(ContextPaths::forDisplay(resource.source));
    m_detailStatusIcon->setPixmap(
            ContextResourceFilterModel::statusIcon(resource.status).pixmap(QSize(16, 16)));
    m_detailStatus->setText(tr("%1 · %2").arg(ContextResourceModel::statusText(resource.status),
                                              ContextResourceModel::kindText(resource.kind)));
    if (resource.status != ResourceStatus::Ok) {
        m_detailError->setText(tr("Why it was skipped: %1")
                                       .arg(resource.error.isEmpty()
                                                    ? tr("the agent gave no reason")
                                                    : resource.error));
        m_detailError->show();
    } else if (!resource.error.isEmpty()) {
        m_detailError->setText(tr("Note: %1").arg(resource.error));
        m_detailError->show();
    } else {
        m_detailError->hide();
    }
    m_idLabel->setText(resource.id);
    m_sizeLabel->setText(tr("%1 (%2 bytes)")
                                 .arg(locale.formattedDataSize(qint64(resource.sizeBytes)),
                                      locale.toString(qulonglong(resource.sizeBytes))));
    m_hashLabel->setText(hex(resource.contentHash));
    m_hashLabel->setDetails(tr("SHA-256 of the content: %1").arg(hex(resource.contentHash)));
    m_sourceLabel->setText(ContextPaths::forDisplay(resource.source));
    m_sourceOrigin->setText(resource.sourcePath.isEmpty()
                                    ? tr("from the %1").arg(m_model->sourceText(resource))
                                    : tr("from your scan root %1").arg(resource.sourcePath));
    QStringList about;
    if (!resource.name.isEmpty()) {
        about.append(tr("Name: %1").arg(resource.name));
    }
    if (!resource.description.isEmpty()) {
        about.append(resource.description);
    }
    m_descriptionLabel->setText(about.isEmpty() ? tr("None") : about.join(QLatin1Char('\n')));
    if (reload) {
        loadContent(resource);
    }
}

void ContextView::clearDetail()
{
    ++m_contentGeneration;
    m_detailId.clear();
    m_detailResource = ContextResource();
    m_detailPages->setCurrentIndex(0);
    m_content->clear();
    m_content->hide();
    m_contentDefinition.clear();
    m_contentNote->clear();
}

void ContextView::loadContent(const ContextResource &resource)
{
    const quint64 generation = ++m_contentGeneration;
    const bool isSkill = resource.kind == ResourceKind::Skill;
    switch (resource.kind) {
    case ResourceKind::McpConfig:
        if (!m_local) {
            showContentNote(tr("MCP configs may hold secrets; their bytes never leave the agent. "
                               "Only the hash and size are shared."));
            return;
        }
        showContentNote(tr("Loading…"));
        readLocalFile(resource.source);
        return;
    case ResourceKind::InstructionFile:
    case ResourceKind::Skill:
        if (resource.status == ResourceStatus::Ok && m_client) {
            showContentNote(tr("Loading…"));
            ApiCall *call = m_client->content(resource.id);
            connect(call, &ApiCall::finished, this, [this, generation](const QJsonValue &body) {
                if (generation != m_contentGeneration) {
                    return;
                }
                const QByteArray bytes =
                        QByteArray::fromBase64(body.toObject()
                                                       .value(QStringLiteral("content_base64"))
                                                       .toString()
                                                       .toLatin1());
                showContent(QString::fromUtf8(bytes), markdownDefinition, {});
            });
            connect(call, &ApiCall::failed, this, [this, generation](const ApiError &error) {
                if (generation == m_contentGeneration) {
                    showContentNote(tr("Could not load the content: %1").arg(error.toString()));
                }
            });
        } else if (m_local) {
            showContentNote(tr("Loading…"));
            readLocalFile(isSkill ? QDir(resource.source).filePath(QStringLiteral("SKILL.md"))
                                  : resource.source);
        } else {
            showContentNote(tr("The agent keeps no content for a skipped resource; the reason "
                               "above says why this one was skipped."));
        }
        return;
    default:
        showContentNote(tr("This kind of resource has no file content to show."));
        return;
    }
}

void ContextView::readLocalFile(const QString &path)
{
    const quint64 generation = m_contentGeneration;
    // Even a 64 KiB read stays off the GUI thread: the file may sit on a slow mount.
    m_readWatcher->setFuture(QtConcurrent::run([generation, path] {
        LocalRead read;
        read.generation = generation;
        read.path = path;
        if (!ContextResolver::readFile(path, ContextResolver::DefaultMaxResourceBytes, &read.bytes,
                                       &read.size, &read.error)) {
            read.bytes.clear();
        }
        return read;
    }));
}

void ContextView::onLocalRead()
{
    if (m_readWatcher->future().resultCount() == 0) {
        return;
    }
    const LocalRead read = m_readWatcher->result();
    if (read.generation != m_contentGeneration) {
        return; // another resource was selected meanwhile
    }
    if (!read.error.isEmpty()) {
        showContentNote(tr("Could not read %1: %2").arg(read.path, read.error));
        return;
    }
    const bool mcp = m_detailResource.kind == ResourceKind::McpConfig;
    QString note = mcp ? tr("Read from this machine's disk: the bytes of an MCP config never "
                            "leave the agent.")
                       : tr("Read from this machine's disk: the agent keeps no content for a "
                            "skipped resource.");
    if (read.size > read.bytes.size()) {
        note += QLatin1Char(' ') +
                tr("Only the first %1 of %2 are shown.")
                        .arg(QLocale().formattedDataSize(read.bytes.size()),
                             QLocale().formattedDataSize(read.size));
    }
    showContent(QString::fromUtf8(read.bytes), mcp ? jsonDefinition : markdownDefinition, note);
}

void ContextView::showContent(const QString &text, const QString &definitionName,
                              const QString &note)
{
    // Skills are Markdown with YAML front matter: the Markdown definition highlights a leading
    // "---" block as YAML itself.
    m_highlighter->setDefinition(SyntaxRepository::instance()->definitionForName(definitionName));
    m_contentDefinition = definitionName;
    m_content->setPlainText(text);
    m_content->show();
    m_contentNote->setText(note);
    m_contentNote->setVisible(!note.isEmpty());
}

void ContextView::showContentNote(const QString &note)
{
    m_content->clear();
    m_content->hide();
    m_contentDefinition.clear();
    m_contentNote->setText(note);
    m_contentNote->setVisible(!note.isEmpty());
}

void ContextView::showError(const QString &message)
{
    m_errorBar->showMessage(message);
}

void ContextView::clearError()
{
    m_errorBar->clear();
}

void ContextView::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        applyTheme();
    }
}

void ContextView::applyTheme()
{
    const QPalette base = palette();
    ErrorBar::applyErrorPalette(m_snapshotError, base);
    ErrorBar::applyErrorPalette(m_detailError, base);
    ErrorBar::applyErrorPalette(m_sourceError, base);

    using KSyntaxHighlighting::Theme;
    const Theme theme = SyntaxRepository::instance()->themeForPalette(base);
    m_highlighter->setTheme(theme);
    // The editor takes the theme's colours, so that highlighted text reads on its background.
    QPalette editor = base;
    editor.setColor(QPalette::Base, QColor::fromRgb(theme.editorColor(Theme::BackgroundColor)));
    editor.setColor(QPalette::Highlight, QColor::fromRgb(theme.editorColor(Theme::TextSelection)));
    if (const QRgb text = theme.textColor(Theme::Normal)) {
        editor.setColor(QPalette::Text, QColor::fromRgb(text));
        editor.setColor(QPalette::HighlightedText, QColor::fromRgb(text));
    }
    m_content->setPalette(editor);
    m_highlighter->rehighlight();
}

void ContextView::setConnectionProblem(const QString &problem)
{
    m_errorBar->setProblem(problem);
}
