#include "reiniteventsview.h"

#include "emptystatepage.h"
#include "errorbar.h"

#include "common/clock.h"

#include <QAction>
#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSaveFile>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QTimer>
#include <QToolButton>
#include <QTreeView>
#include <QVBoxLayout>
#include <QtConcurrent>

namespace {
const QString exportFolderKey = QStringLiteral("reinitEvents/exportFolder");
} // namespace

// Search (every shown column, the detail and the ids), outcome and workspace.
class ReinitEventFilter : public QSortFilterProxyModel
{
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;

    void setText(const QString &text)
    {
        m_text = text.trimmed();
        invalidateRowsFilter();
    }
    void setKind(const QString &kind)
    {
        m_kind = kind;
        invalidateRowsFilter();
    }
    void setWorkspace(const QString &id)
    {
        m_workspace = id;
        invalidateRowsFilter();
    }
    QString workspace() const { return m_workspace; }

protected:
    bool filterAcceptsRow(int row, const QModelIndex &parent) const override
    {
        const QModelIndex index = sourceModel()->index(row, 0, parent);
        if (!m_kind.isEmpty() && index.data(ReinitEventModel::KindRole).toString() != m_kind) {
            return false;
        }
        if (!m_workspace.isEmpty() &&
            index.data(ReinitEventModel::WorkspaceIdRole).toString() != m_workspace) {
            return false;
        }
        return m_text.isEmpty() ||
                index.data(ReinitEventModel::SearchTextRole)
                        .toString()
                        .contains(m_text, Qt::CaseInsensitive);
    }
    bool lessThan(const QModelIndex &left, const QModelIndex &right) const override
    {
        if (left.column() == ReinitEventModel::Time) {
            // By time, then by arrival: entries of one millisecond keep their order.
            const qint64 a = left.data(ReinitEventModel::AtRole).toLongLong();
            const qint64 b = right.data(ReinitEventModel::AtRole).toLongLong();
            return a != b ? a < b : left.row() < right.row();
        }
        return QSortFilterProxyModel::lessThan(left, right);
    }

private:
    QString m_text;
    QString m_kind;
    QString m_workspace;
};

ReinitEventsView::ReinitEventsView(QWidget *parent)
    : QWidget(parent)
    , m_clock(Clock::system())
    , m_model(new ReinitEventModel(this))
    , m_filter(new ReinitEventFilter(this))
{
    setObjectName(QStringLiteral("reinitEventsView"));
    setAccessibleName(tr("Reinit events"));
    m_filter->setSourceModel(m_model);
    m_filter->setDynamicSortFilter(true);
    m_filter->sort(ReinitEventModel::Time, Qt::DescendingOrder);

    m_banner = new QLabel(this);
    m_banner->setObjectName(QStringLiteral("reinitLoopBanner"));
    m_banner->setAccessibleName(tr("Reinit loop warning"));
    m_banner->setWordWrap(true);
    m_banner->setMargin(8);
    m_banner->setTextFormat(Qt::RichText);
    m_banner->setTextInteractionFlags(Qt::LinksAccessibleByMouse | Qt::LinksAccessibleByKeyboard);
    m_banner->setAutoFillBackground(true);
    ErrorBar::applyErrorPalette(m_banner, palette());
    m_banner->hide();
    connect(m_banner, &QLabel::linkActivated, this, [this](const QString &link) {
        // link: the index of the loop
        const int i = link.toInt();
        if (i >= 0 && i < m_loops.size()) {
            filterWorkspace(m_loops[i].workspaceId, m_loops[i].workspaceName);
        }
    });

    m_note = new QLabel(this);
    m_note->setObjectName(QStringLiteral("reinitWorkspaceNote"));
    m_note->setWordWrap(true);
    m_note->setMargin(6);
    m_note->hide();

    m_search = new QLineEdit(this);
    m_search->setObjectName(QStringLiteral("reinitSearch"));
    m_search->setAccessibleName(tr("Search reinit events"));
    m_search->setPlaceholderText(tr("Search workspace, owner, reason, outcome…"));
    m_search->setClearButtonEnabled(true);
    connect(m_search, &QLineEdit::textChanged, this, [this](const QString &text) {
        m_filter->setText(text);
        updatePages();
    });

    m_outcome = new QComboBox(this);
    m_outcome->setObjectName(QStringLiteral("reinitOutcomeFilter"));
    m_outcome->setAccessibleName(tr("Outcome"));
    const std::pair<QString, QString> outcomes[] = {
            {{}, tr("All outcomes")},
            {QStringLiteral("reinitialized"), tr("Reinitialized")},
            {QStringLiteral("ignored_duplicate"), tr("Ignored duplicate")},
            {QStringLiteral("stopped_409"), tr("409: stopped polling")},
            {QStringLiteral("claim_failed"), tr("Claim failed")},
            {QStringLiteral("transport_error"), tr("Transport error")},
            {QStringLiteral("delivered"), tr("Delivered")},
            {QStringLiteral("claim_published"), tr("Claim published")},
            {QStringLiteral("publish_failed"), tr("Claim not published")},
    };
    for (const auto &[kind, label] : outcomes) {
        m_outcome->addItem(label, kind);
    }
    connect(m_outcome, &QComboBox::currentIndexChanged, this, [this] {
        m_filter->setKind(m_outcome->currentData().toString());
        updatePages();
    });

    m_workspaceChip = new QToolButton(this);
    m_workspaceChip->setObjectName(QStringLiteral("reinitWorkspaceChip"));
    m_workspaceChip->setIcon(QIcon::fromTheme(QStringLiteral("edit-clear")));
    m_workspaceChip->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_workspaceChip->setToolTip(tr("Show every workspace's events"));
    m_workspaceChip->hide();
    connect(m_workspaceChip, &QToolButton::clicked, this, [this] { filterWorkspace({}, {}); });

    m_count = new QLabel(this);
    m_count->setObjectName(QStringLiteral("reinitEventCount"));

    m_export = new QPushButton(QIcon::fromTheme(QStringLiteral("document-save-as")), tr("E&xport…"),
                               this);
    m_export->setObjectName(QStringLiteral("reinitExportButton"));
    m_export->setToolTip(tr("Save the events shown as JSON lines"));
    connect(m_export, &QPushButton::clicked, this, &ReinitEventsView::exportLog);

    auto *bar = new QHBoxLayout;
    bar->addWidget(m_search, 3);
    bar->addWidget(m_outcome, 1);
    bar->addWidget(m_workspaceChip);
    bar->addStretch();
    bar->addWidget(m_count);
    bar->addWidget(m_export);

    m_list = new QTreeView(this);
    m_list->setObjectName(QStringLiteral("reinitEventList"));
    m_list->setAccessibleName(tr("Reinit events"));
    m_list->setModel(m_filter);
    m_list->setRootIsDecorated(false);
    m_list->setUniformRowHeights(true);
    m_list->setAlternatingRowColors(true);
    m_list->setSortingEnabled(true);
    m_list->sortByColumn(ReinitEventModel::Time, Qt::DescendingOrder);
    m_list->header()->setStretchLastSection(true);
    m_list->header()->resizeSection(ReinitEventModel::Time, 150);
    m_list->header()->resizeSection(ReinitEventModel::Workspace, 140);
    m_list->setColumnHidden(ReinitEventModel::Plane, true);

    auto *empty = new EmptyStatePage(
            tr("No reinit events yet"),
            tr("When a prebuilt workspace is claimed, its agent is told to restart. Each such "
               "event, and what the agent did with it, appears here."),
            this);
    empty->setObjectName(QStringLiteral("reinitEventsEmptyState"));
    auto *nothingMatches = new EmptyStatePage(
            tr("No events match"), tr("Change the search or the filters to see more."), this);
    nothingMatches->setObjectName(QStringLiteral("reinitEventsNoMatch"));
    m_pages = new QStackedWidget(this);
    m_pages->addWidget(empty);
    m_pages->addWidget(nothingMatches);
    m_pages->addWidget(m_list);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addWidget(m_banner);
    layout->addWidget(m_note);
    layout->addLayout(bar);
    layout->addWidget(m_pages, 1);

    auto *find = new QAction(tr("Find in Reinit Events"), this);
    find->setObjectName(QStringLiteral("reinitFindAction"));
    find->setShortcut(QKeySequence::Find);
    find->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(find, &QAction::triggered, this, [this] {
        m_search->setFocus();
        m_search->selectAll();
    });
    auto *save = new QAction(tr("Export Reinit Events"), this);
    save->setObjectName(QStringLiteral("reinitExportAction"));
    save->setShortcut(QKeySequence::Save);
    save->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(save, &QAction::triggered, this, &ReinitEventsView::exportLog);
    addActions({find, save});

    m_flushTimer = new QTimer(this);
    m_flushTimer->setSingleShot(true);
    m_flushTimer->setInterval(FlushInterval);
    connect(m_flushTimer, &QTimer::timeout, this, &ReinitEventsView::flush);
    // Reinits age out of the window without a new event: look again every half minute.
    m_loopTimer = new QTimer(this);
    m_loopTimer->setInterval(30'000);
    connect(m_loopTimer, &QTimer::timeout, this, &ReinitEventsView::updateBanner);
    m_loopTimer->start();
    connect(m_filter, &QAbstractItemModel::rowsInserted, this, &ReinitEventsView::updatePages);
    connect(m_filter, &QAbstractItemModel::rowsRemoved, this, &ReinitEventsView::updatePages);
    connect(m_filter, &QAbstractItemModel::modelReset, this, &ReinitEventsView::updatePages);
    updatePages();
}

ReinitEventsView::~ReinitEventsView() = default;

QSortFilterProxyModel *ReinitEventsView::filterModel() const
{
    return m_filter;
}

void ReinitEventsView::setClock(Clock *clock)
{
    m_clock = clock ? clock : Clock::system();
    updateBanner();
}

void ReinitEventsView::addEvents(const QString &plane, const QList<ReinitEventRecord> &events)
{
    if (events.isEmpty()) {
        return;
    }
    if (!m_pending.isEmpty() && m_pending.last().first == plane) {
        m_pending.last().second += events;
    } else {
        m_pending.append({plane, events});
    }
    // The queue stays within what the model keeps.
    qsizetype queued = 0;
    for (const auto &batch : std::as_const(m_pending)) {
        queued += batch.second.size();
    }
    while (queued > ReinitEventModel::MaxRows && m_pending.size() > 1) {
        queued -= m_pending.takeFirst().second.size();
    }
    if (!m_flushTimer->isActive()) {
        m_flushTimer->start();
    }
}

void ReinitEventsView::flush()
{
    m_flushTimer->stop();
    for (const auto &[plane, events] : std::exchange(m_pending, {})) {
        m_model->append(plane, events);
    }
    updateBanner();
    updatePages();
}

void ReinitEventsView::setNames(const QString &plane, const QHash<QString, QString> &workspaces,
                                const QHash<QString, QString> &agents,
                                const QHash<QString, QString> &users)
{
    m_model->setNames(plane, workspaces, agents, users);
    updateBanner();
}

void ReinitEventsView::setPlaneColumnVisible(bool visible)
{
    m_list->setColumnHidden(ReinitEventModel::Plane, !visible);
}

void ReinitEventsView::filterWorkspace(const QString &workspaceId, const QString &name)
{
    m_filter->setWorkspace(workspaceId);
    m_workspaceChip->setText(tr("Workspace: %1").arg(name.isEmpty() ? workspaceId : name));
    m_workspaceChip->setAccessibleName(m_workspaceChip->text());
    m_workspaceChip->setVisible(!workspaceId.isEmpty());
    updatePages();
}

QString ReinitEventsView::workspaceFilter() const
{
    return m_filter->workspace();
}

void ReinitEventsView::setWorkspaceNote(const QString &note)
{
    m_note->setText(note);
    m_note->setVisible(!note.isEmpty());
}

QString ReinitEventsView::workspaceNote() const
{
    return m_note->text();
}

QString ReinitEventsView::bannerText() const
{
    return m_banner->isHidden() ? QString() : m_banner->text();
}

void ReinitEventsView::updateBanner()
{
    m_loops = m_model->loops(m_clock->nowMSecs());
    if (m_loops.isEmpty()) {
        m_banner->hide();
        m_banner->clear();
        return;
    }
    QStringList lines;
    for (int i = 0; i < m_loops.size(); ++i) {
        const ReinitEventModel::Loop &loop = m_loops[i];
        lines << tr("<b>%1</b> was reinitialized %2 times in the last 10 minutes: its agent may "
                    "be in a reinit loop. <a href=\"%3\">Show its events</a>")
                         .arg(loop.workspaceName.toHtmlEscaped())
                         .arg(loop.count)
                         .arg(i);
    }
    m_banner->setText(lines.join(QStringLiteral("<br>")));
    m_banner->show();
}

void ReinitEventsView::updatePages()
{
    const int shown = m_filter->rowCount();
    const int all = m_model->rowCount();
    m_pages->setCurrentIndex(all == 0 ? 0 : shown == 0 ? 1 : 2);
    m_count->setText(shown == all ? tr("%n event(s)", nullptr, all)
                                  : tr("%1 of %2 events").arg(shown).arg(all));
    m_export->setEnabled(shown > 0);
}

QFuture<QString> ReinitEventsView::exportTo(const QString &path)
{
    QList<int> rows;
    rows.reserve(m_filter->rowCount());
    for (int row = 0; row < m_filter->rowCount(); ++row) {
        rows.append(m_filter->mapToSource(m_filter->index(row, 0)).row());
    }
    std::sort(rows.begin(), rows.end()); // oldest first, whatever the sort shown
    if (rows.isEmpty()) {
        return QtFuture::makeReadyValueFuture(tr("No events are shown."));
    }
    return QtConcurrent::run([entries = m_model->entries(rows), path] {
        QSaveFile file(path);
        QString error;
        if (!file.open(QIODevice::WriteOnly)) {
            return file.errorString();
        }
        if (!ReinitEventModel::writeJsonLines(entries, &file, &error)) {
            file.cancelWriting();
            return error;
        }
        return file.commit() ? QString() : file.errorString();
    });
}

void ReinitEventsView::exportLog()
{
    if (m_filter->rowCount() == 0) {
        return;
    }
    const QString folder =
            QSettings()
                    .value(exportFolderKey,
                           QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation))
                    .toString();
    auto *dialog = new QFileDialog(this, tr("Export Reinit Events"),
                                   folder + QStringLiteral("/reinit-events.jsonl"),
                                   tr("JSON lines (*.jsonl);;All files (*)"));
    dialog->setObjectName(QStringLiteral("reinitExportDialog"));
    dialog->setAcceptMode(QFileDialog::AcceptSave);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QFileDialog::fileSelected, this, [this](const QString &path) {
        exportTo(path).then(this, [this, path](const QString &error) {
            if (!error.isEmpty()) {
                Q_EMIT notificationRequested(tr("Export failed"),
                                             tr("Cannot write %1: %2").arg(path, error));
                return;
            }
            QSettings().setValue(exportFolderKey, QFileInfo(path).absolutePath());
            Q_EMIT notificationRequested(tr("Events exported"), tr("Saved to %1").arg(path));
        });
    });
    dialog->open();
}
