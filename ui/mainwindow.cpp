#include "mainwindow.h"

#include "aboutdialog.h"
#include "agentconnection.h"
#include "claimdialog.h"
#include "connectagentdialog.h"
#include "contextview.h"
#include "emptystatepage.h"
#include "processesview.h"
#include "reiniteventsview.h"
#include "runnersview.h"
#include "theme.h"
#include "tokenstore.h"

#include "context/contextclient.h"
#include "controlplane/controlplaneclient.h"
#include "process/processclient.h"

#include <QActionGroup>
#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QDateTime>
#include <QDir>
#include <QDockWidget>
#include <QFileInfo>
#include <QIcon>
#include <QImageWriter>
#include <QLabel>
#include <QListWidget>
#include <QLocale>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QResizeEvent>
#include <QSet>
#include <QSettings>
#include <QStackedWidget>
#include <QStatusBar>
#include <QSystemTrayIcon>
#include <QTabWidget>
#include <QUuid>

namespace {

const QString geometryKey = QStringLiteral("mainWindow/geometry");
const QString stateKey = QStringLiteral("mainWindow/state");
const QString pageKey = QStringLiteral("mainWindow/page");
const QString sidebarCollapsedKey = QStringLiteral("mainWindow/sidebarCollapsed");
const QString remoteAgentsKey = QStringLiteral("agents/remote");
const QString remotePlanesKey = QStringLiteral("controlPlanes/remote");
const QString workspacePrefix = QStringLiteral("ws:");
const QString planePrefix = QStringLiteral("plane:");
// Bump when the dock layout changes, so an old saved state is not applied to a new layout.
constexpr int windowStateVersion = 1;

} // namespace

MainWindow::MainWindow(Theme *theme, QWidget *parent)
    : QMainWindow(parent)
    , m_theme(theme)
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("Workspace Companion"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/workspace-companion.svg")));
    setAccessibleName(tr("Workspace Companion"));

    createPages();
    createSidebar();
    createMenus();

    m_statusLabel = new QLabel(tr("No workspaces connected"), this);
    m_statusLabel->setObjectName(QStringLiteral("statusMessage"));
    m_statusLabel->setAccessibleName(tr("Status"));
    statusBar()->setObjectName(QStringLiteral("statusBar"));
    statusBar()->addWidget(m_statusLabel, 1);

    resize(1180, 760);
    restoreSettings();
    m_tokens = new TokenStore(this);
    restoreRemoteAgents();
    restoreControlPlanes();
}

void MainWindow::createPages()
{
    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("mainTabs"));
    m_tabs->setAccessibleName(tr("Views"));
    m_tabs->setDocumentMode(true);

    struct PageText
    {
        QString objectName;
        QString tab;
        QString title;
        QString explanation;
    };
    const PageText pages[PageCount] = {
            // The Context and Processes views have empty states of their own.
            {QStringLiteral("contextView"), tr("&Context"), {}, {}},
            {QStringLiteral("processesView"), tr("&Processes"), {}, {}},
            // The Runners view has an empty state of its own.
            {QStringLiteral("runnersView"), tr("&Runners"), {}, {}},
            {QStringLiteral("reinitEventsView"), tr("R&einit events"), tr("No reinit events yet"),
             tr("When a prebuilt workspace is claimed, its agent is told to restart. Each such "
                "event, and what the agent did with it, appears here.")},
    };
    for (int i = 0; i < PageCount; ++i) {
        const PageText &page = pages[i];
        if (i == ContextPage) {
            m_context = new ContextView(m_tabs);
            m_tabs->addTab(m_context, page.tab);
            continue;
        }
        if (i == ReinitEventsPage) {
            m_reinit = new ReinitEventsView(m_tabs);
            connect(m_reinit, &ReinitEventsView::notificationRequested, this, &MainWindow::notify);
            m_tabs->addTab(m_reinit, page.tab);
            continue;
        }
        if (i == RunnersPage) {
            m_runners = new RunnersView(nullptr, m_tabs);
            m_tabs->addTab(m_runners, page.tab);
            continue;
        }
        if (i == ProcessesPage) {
            m_processes = new ProcessesView(m_tabs);
            connect(m_processes, &ProcessesView::notificationRequested, this, &MainWindow::notify);
            m_tabs->addTab(m_processes, page.tab);
            continue;
        }
        auto *widget = new EmptyStatePage(page.title, page.explanation, m_tabs);
        widget->setObjectName(page.objectName);
        m_tabs->addTab(widget, page.tab);
    }
    setCentralWidget(m_tabs);
}

void MainWindow::createSidebar()
{
    m_sidebar = new QDockWidget(tr("Workspaces"), this);
    m_sidebar->setObjectName(QStringLiteral("workspaceSidebar"));
    m_sidebar->setAccessibleName(tr("Workspaces"));
    m_sidebar->setFeatures(QDockWidget::DockWidgetClosable | QDockWidget::DockWidgetMovable);
    auto *empty = new EmptyStatePage(
            tr("No workspaces"),
            tr("This machine's agent and the workspaces of connected control planes are "
               "listed here."),
            m_sidebar);
    empty->setObjectName(QStringLiteral("workspaceListEmptyState"));
    empty->setMinimumWidth(220);
    m_workspaceList = new QListWidget(m_sidebar);
    m_workspaceList->setObjectName(QStringLiteral("workspaceList"));
    m_workspaceList->setAccessibleName(tr("Workspaces"));
    m_workspaceList->setIconSize(QSize(24, 24));
    m_workspaceList->setWordWrap(true);
    m_workspaceList->setTextElideMode(Qt::ElideMiddle);
    connect(m_workspaceList, &QListWidget::currentItemChanged, this, [this](QListWidgetItem *item) {
        const QString id = item ? item->data(Qt::UserRole).toString() : QString();
        if (id.startsWith(workspacePrefix)) {
            const QString planeId = id.mid(workspacePrefix.size()).section(QLatin1Char('/'), 0, 0);
            m_currentWorkspaceId = id.section(QLatin1Char('/'), 1);
            m_currentPlane = nullptr;
            for (ControlPlaneClient *plane : std::as_const(m_planes)) {
                if (m_planeIds.value(plane) == planeId) {
                    m_currentPlane = plane;
                }
            }
            updateWorkspaceState();
            return;
        }
        m_currentPlane = nullptr;
        m_currentWorkspaceId.clear();
        for (AgentConnection *agent : std::as_const(m_agents)) {
            if (agent->id() == id) {
                selectAgent(agent);
                return;
            }
        }
    });
    m_workspaceList->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_workspaceList, &QWidget::customContextMenuRequested, this, [this](const QPoint &at) {
        QListWidgetItem *item = m_workspaceList->itemAt(at);
        if (!item) {
            return;
        }
        QMenu menu(this);
        if (item->data(Qt::UserRole).toString().startsWith(workspacePrefix)) {
            menu.addAction(m_claimAction);
            menu.addAction(m_showEventsAction);
            menu.exec(m_workspaceList->viewport()->mapToGlobal(at));
            return;
        }
        if (item->data(Qt::UserRole).toString().startsWith(planePrefix)) {
            menu.addAction(m_removePlaneAction);
            menu.exec(m_workspaceList->viewport()->mapToGlobal(at));
            return;
        }
        menu.addAction(m_copyUrlAction);
        menu.addAction(m_copyTokenAction);
        menu.addSeparator();
        menu.addAction(m_removeAgentAction);
        menu.exec(m_workspaceList->viewport()->mapToGlobal(at));
    });
    m_sidebarPages = new QStackedWidget(m_sidebar);
    m_sidebarPages->addWidget(empty);
    m_sidebarPages->addWidget(m_workspaceList);
    m_sidebar->setWidget(m_sidebarPages);
    addDockWidget(Qt::LeftDockWidgetArea, m_sidebar);
}

void MainWindow::createMenus()
{
    menuBar()->setObjectName(QStringLiteral("menuBar"));

    QMenu *file = menuBar()->addMenu(tr("&File"));
    file->setObjectName(QStringLiteral("fileMenu"));
    QAction *connectAgentAction = file->addAction(
            QIcon::fromTheme(QStringLiteral("network-connect")), tr("&Connect to Agent…"),
            QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O), this, [this] { showConnectDialog(); });
    connectAgentAction->setObjectName(QStringLiteral("connectAgentAction"));
    m_copyUrlAction = file->addAction(tr("Copy Agent &URL"), this, [this] {
        if (m_current) {
            QApplication::clipboard()->setText(m_current->url().toString());
            notify(tr("Copied"), tr("The URL of %1 is on the clipboard.").arg(m_current->name()));
        }
    });
    m_copyUrlAction->setObjectName(QStringLiteral("copyAgentUrlAction"));
    m_copyTokenAction = file->addAction(tr("Copy Agent &Token"), this, [this] {
        if (m_current) {
            QApplication::clipboard()->setText(QString::fromUtf8(m_current->token()));
            notify(tr("Copied"),
                   tr("The token of %1 is on the clipboard: it grants full control of that "
                      "agent.")
                           .arg(m_current->name()));
        }
    });
    m_copyTokenAction->setObjectName(QStringLiteral("copyAgentTokenAction"));
    m_removeAgentAction = file->addAction(tr("&Remove Agent"), this, [this] {
        if (m_current && !m_current->isLocal()) {
            removeAgent(m_current);
        }
    });
    m_removeAgentAction->setObjectName(QStringLiteral("removeAgentAction"));
    file->addSeparator();
    QAction *connectPlaneAction = file->addAction(
            QIcon::fromTheme(QStringLiteral("network-connect")), tr("Connect to Control &Plane…"),
            this, [this] { showConnectControlPlaneDialog(); });
    connectPlaneAction->setObjectName(QStringLiteral("connectControlPlaneAction"));
    m_removePlaneAction = file->addAction(tr("Remove Control Pla&ne"), this, [this] {
        if (m_currentPlane) {
            removeControlPlane(m_currentPlane);
        }
    });
    m_removePlaneAction->setObjectName(QStringLiteral("removeControlPlaneAction"));
    file->addSeparator();
    updateAgentActions();
    QAction *quit = file->addAction(QIcon::fromTheme(QStringLiteral("application-exit")),
                                    tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);
    quit->setObjectName(QStringLiteral("quitAction"));
    quit->setMenuRole(QAction::QuitRole);

    // Its shortcuts work anywhere in the window, the sidebar included (Alt+S: Alt+P is the
    // Processes tab).
    QMenu *process = menuBar()->addMenu(tr("Proce&ss"));
    process->setObjectName(QStringLiteral("processMenu"));
    const QList<QAction *> processActions = m_processes->processActions();
    process->addActions(processActions.mid(0, 3));
    process->addAction(processActions.at(3));
    process->addSeparator();
    process->addAction(processActions.at(4));

    // Claiming is what a person does in Coder's UI to take a prebuilt workspace; here it is
    // how to see a reinit happen.
    QMenu *workspace = menuBar()->addMenu(tr("&Workspace"));
    workspace->setObjectName(QStringLiteral("workspaceMenu"));
    m_claimAction = workspace->addAction(QIcon::fromTheme(QStringLiteral("go-jump")), tr("&Claim…"),
                                         QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_K), this,
                                         [this] { showClaimDialog(); });
    m_claimAction->setObjectName(QStringLiteral("claimAction"));
    m_showEventsAction = workspace->addAction(tr("Show &Reinit Events"), this, [this] {
        const ControlPlaneClient::Workspace *w =
                m_currentPlane ? m_currentPlane->workspace(m_currentWorkspaceId) : nullptr;
        if (w) {
            m_reinit->filterWorkspace(w->id, w->name);
            setCurrentPage(ReinitEventsPage);
        }
    });
    m_showEventsAction->setObjectName(QStringLiteral("showReinitEventsAction"));

    // The chat runtime's diagnostics: start a chat, and end or archive the selected one.
    QMenu *chat = menuBar()->addMenu(tr("Cha&t"));
    chat->setObjectName(QStringLiteral("chatMenu"));
    chat->addActions(m_runners->chatActions());
    QAction *showRunners =
            chat->addAction(tr("Show &Runners"), this, [this] { setCurrentPage(RunnersPage); });
    showRunners->setObjectName(QStringLiteral("showRunnersAction"));
    chat->insertSeparator(showRunners);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    view->setObjectName(QStringLiteral("viewMenu"));
    QAction *toggleSidebar = m_sidebar->toggleViewAction();
    toggleSidebar->setText(tr("Show &Sidebar"));
    toggleSidebar->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_B));
    toggleSidebar->setObjectName(QStringLiteral("toggleSidebarAction"));
    connect(toggleSidebar, &QAction::triggered, this, [this] { m_sidebarCollapsed = false; });
    view->addAction(toggleSidebar);

    QMenu *schemeMenu = view->addMenu(tr("&Colour Scheme"));
    schemeMenu->setObjectName(QStringLiteral("colorSchemeMenu"));
    auto *schemes = new QActionGroup(this);
    const std::pair<Theme::Scheme, QString> entries[] = {
            {Theme::Scheme::System, tr("Follow &System")},
            {Theme::Scheme::Light, tr("&Light")},
            {Theme::Scheme::Dark, tr("&Dark")},
    };
    for (const auto &[scheme, label] : entries) {
        QAction *action = schemeMenu->addAction(label);
        action->setCheckable(true);
        action->setChecked(m_theme->scheme() == scheme);
        action->setObjectName(Theme::schemeName(scheme) + QStringLiteral("SchemeAction"));
        schemes->addAction(action);
        connect(action, &QAction::triggered, this, [this, scheme] { m_theme->setScheme(scheme); });
    }

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->setObjectName(QStringLiteral("helpMenu"));
    QAction *about =
            help->addAction(tr("&About Workspace Companion"), this, &MainWindow::showAbout);
    about->setObjectName(QStringLiteral("aboutAction"));
    about->setMenuRole(QAction::AboutRole);
    QAction *aboutQt = help->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt);
    aboutQt->setObjectName(QStringLiteral("aboutQtAction"));
    aboutQt->setMenuRole(QAction::AboutQtRole);
}

void MainWindow::setLocalAgent(ProcessClient *client, const QString &tokenFile)
{
    m_localProcesses = client;
    m_localTokenFile = tokenFile;
    AgentConnection::Options options;
    options.id = QStringLiteral("local");
    options.name = tr("This machine");
    options.url = client->baseUrl();
    options.token = client->api()->token();
    options.local = true;
    auto *agent = new AgentConnection(options, client, nullptr, this);
    m_agents.prepend(agent);
    addAgentItem(agent);
    agent->check();
    selectAgent(agent);
}

void MainWindow::setLocalContext(ContextClient *client, const QStringList &builtinRoots,
                                 const QString &workingDirectory)
{
    m_localContext = client;
    m_localBuiltinRoots = builtinRoots;
    if (client) {
        trackSnapshots(client,
                       m_localProcesses ? m_localProcesses->baseUrl().toString() : QString());
    }
    m_localWorkDir = workingDirectory;
    if (m_current && m_current->isLocal()) {
        m_context->setClient(client, true);
        m_context->setFixedRoots(builtinRoots, workingDirectory);
    }
}

AgentConnection *MainWindow::connectAgent(const QString &name, const QUrl &url,
                                          const QByteArray &token, bool remember)
{
    for (AgentConnection *agent : std::as_const(m_agents)) {
        if (!agent->isLocal() && agent->url() == url) {
            removeAgent(agent); // connecting again replaces it (a new token, say)
            break;
        }
    }
    const QString id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    AgentConnection *agent = addRemoteAgent(id, name, url, token, remember);
    agent->check();
    selectAgent(agent);
    if (remember) {
        saveRemoteAgents();
        m_tokens->write(id, token, [this, name](const TokenStore::Stored &stored) {
            m_lastTokenStorage = stored.ok ? stored.where : stored.error;
            notify(tr("Agent added"),
                   stored.ok ? tr("The token of %1 is kept in %2.").arg(name, stored.where)
                             : tr("The token of %1 could not be kept (%2): connect again after "
                                  "a restart.")
                                       .arg(name, stored.error));
        });
    }
    return agent;
}

AgentConnection *MainWindow::addRemoteAgent(const QString &id, const QString &name, const QUrl &url,
                                            const QByteArray &token, bool remember)
{
    AgentConnection::Options options;
    options.id = id;
    options.name = name;
    options.url = url;
    options.token = token;
    options.remembered = remember;
    auto *agent = new AgentConnection(options, nullptr, nullptr, this);
    m_agents.append(agent);
    addAgentItem(agent);
    return agent;
}

void MainWindow::removeAgent(AgentConnection *agent)
{
    if (!agent || agent->isLocal()) {
        return;
    }
    const bool wasCurrent = agent == m_current;
    if (wasCurrent) {
        // The views let go of its clients before they go.
        m_processes->setClient(nullptr, false);
        m_context->setClient(nullptr, false);
        m_current = nullptr;
    }
    delete itemOf(agent);
    m_agents.removeAll(agent);
    if (agent->isRemembered()) {
        m_tokens->remove(agent->id());
    }
    agent->deleteLater();
    saveRemoteAgents();
    if (wasCurrent && !m_agents.isEmpty()) {
        selectAgent(m_agents.first());
    }
    m_sidebarPages->setCurrentWidget(m_agents.isEmpty() ? m_sidebarPages->widget(0)
                                                        : m_workspaceList);
    updateAgentActions();
}

void MainWindow::selectAgent(AgentConnection *agent)
{
    if (agent == m_current && agent) {
        return;
    }
    m_current = agent;
    if (QListWidgetItem *item = itemOf(agent); item && m_workspaceList->currentItem() != item) {
        const QSignalBlocker blocker(m_workspaceList);
        m_workspaceList->setCurrentItem(item);
    }
    if (!agent) {
        m_processes->setClient(nullptr, false);
        m_context->setClient(nullptr, false);
    } else if (agent->isLocal()) {
        m_processes->setClient(m_localProcesses, true);
        m_context->setClient(m_localContext, true);
        if (m_localContext) {
            m_context->setFixedRoots(m_localBuiltinRoots, m_localWorkDir);
        }
        m_statusLabel->setText(tr("This machine's agent: %1").arg(agent->url().toString()));
    } else {
        m_processes->setClient(agent->processes(), false);
        m_context->setClient(agent->context(), false);
        m_statusLabel->setText(tr("Agent %1: %2").arg(agent->name(), agent->url().toString()));
    }
    showAgentProblem();
    updateAgentActions();
    updateStoredContext();
    if (m_reinit && !m_currentPlane) {
        updateWorkspaceState();
    }
}

QListWidgetItem *MainWindow::itemOf(const AgentConnection *agent) const
{
    for (int row = 0; agent && row < m_workspaceList->count(); ++row) {
        QListWidgetItem *item = m_workspaceList->item(row);
        if (item->data(Qt::UserRole).toString() == agent->id()) {
            return item;
        }
    }
    return nullptr;
}

void MainWindow::addAgentItem(AgentConnection *agent)
{
    auto *item = new QListWidgetItem;
    item->setData(Qt::UserRole, agent->id());
    item->setIcon(
            agent->isLocal()
                    ? QIcon::fromTheme(QStringLiteral("computer"),
                                       QIcon(QStringLiteral(":/icons/workspace-companion.svg")))
                    : QIcon::fromTheme(QStringLiteral("network-server"),
                                       QIcon(QStringLiteral(":/icons/workspace-companion.svg"))));
    if (agent->isLocal()) {
        m_workspaceList->insertItem(0, item);
    } else {
        // Agents first, then each control plane's workspaces.
        int row = 0;
        while (row < m_workspaceList->count() &&
               !m_workspaceList->item(row)->data(Qt::UserRole).toString().startsWith(planePrefix)) {
            ++row;
        }
        m_workspaceList->insertItem(row, item);
    }
    if (ContextClient *context = agent->context(); context && !agent->isLocal()) {
        trackSnapshots(context, agent->url().toString());
    }
    m_sidebarPages->setCurrentWidget(m_workspaceList);
    updateAgentItem(agent);
    connect(agent, &AgentConnection::stateChanged, this, [this, agent] {
        updateAgentItem(agent);
        if (agent == m_current) {
            showAgentProblem();
        }
    });
}

void MainWindow::updateAgentItem(AgentConnection *agent)
{
    QListWidgetItem *item = itemOf(agent);
    if (!item) {
        return;
    }
    item->setText(tr("%1\n%2").arg(agent->name(), agent->stateText()));
    QString tip = agent->isLocal() ? tr("The agent in this app\n%1\nToken file: %2")
                                             .arg(agent->url().toString(), m_localTokenFile)
                                   : agent->url().toString();
    if (!agent->lastError().isEmpty()) {
        tip += QLatin1Char('\n') + agent->lastError();
    }
    item->setToolTip(tip);
    const bool failing = agent->state() == AgentConnection::State::AuthFailed ||
            agent->state() == AgentConnection::State::Unreachable;
    item->setForeground(failing ? QBrush(QColor(0xc6, 0x28, 0x28)) : QBrush());
}

void MainWindow::showAgentProblem()
{
    QString problem;
    if (m_current && m_current->state() == AgentConnection::State::AuthFailed &&
        !m_current->tokenError().isEmpty()) {
        problem = tr("The token of %1 could not be read (%2). Connect again: File > Connect to "
                     "Agent….")
                          .arg(m_current->name(), m_current->tokenError());
    } else if (m_current && m_current->state() == AgentConnection::State::AuthFailed) {
        problem = tr("%1 refused the token (%2). Connect again with the agent's current token: "
                     "File > Connect to Agent….")
                          .arg(m_current->name(), m_current->lastError());
    } else if (m_current && m_current->state() == AgentConnection::State::Unreachable) {
        problem = tr("%1 does not answer (%2). Retrying in %3 s.")
                          .arg(m_current->name(), m_current->lastError())
                          .arg(m_current->secondsToRetry());
    }
    m_processes->setConnectionProblem(problem);
    m_context->setConnectionProblem(problem);
}

void MainWindow::updateAgentActions()
{
    if (!m_copyUrlAction) {
        return;
    }
    m_copyUrlAction->setEnabled(m_current);
    m_copyTokenAction->setEnabled(m_current);
    m_removeAgentAction->setEnabled(m_current && !m_current->isLocal());
    if (m_claimAction) {
        const ControlPlaneClient::Workspace *w =
                m_currentPlane ? m_currentPlane->workspace(m_currentWorkspaceId) : nullptr;
        m_claimAction->setEnabled(w && w->kind == QLatin1String("prebuilt"));
        m_showEventsAction->setEnabled(w);
        m_removePlaneAction->setEnabled(m_currentPlane &&
                                        m_planeRemembered.contains(m_currentPlane) &&
                                        m_planeRemembered.value(m_currentPlane));
    }
}

ConnectAgentDialog *MainWindow::showConnectDialog()
{
    auto *dialog = new ConnectAgentDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowModality(Qt::WindowModal);
    connect(dialog, &QDialog::accepted, this,
            [this, dialog] { connectAgent(dialog->name(), dialog->url(), dialog->token(), true); });
    dialog->open();
    return dialog;
}

void MainWindow::saveRemoteAgents() const
{
    QVariantList list;
    for (const AgentConnection *agent : m_agents) {
        if (agent->isRemembered()) {
            list.append(QVariantMap {{QStringLiteral("id"), agent->id()},
                                     {QStringLiteral("name"), agent->name()},
                                     {QStringLiteral("url"), agent->url().toString()}});
        }
    }
    QSettings().setValue(remoteAgentsKey, list);
}

void MainWindow::restoreRemoteAgents()
{
    const QVariantList list = QSettings().value(remoteAgentsKey).toList();
    for (const QVariant &entry : list) {
        const QVariantMap map = entry.toMap();
        const QString id = map.value(QStringLiteral("id")).toString();
        const QString name = map.value(QStringLiteral("name")).toString();
        const QUrl url(map.value(QStringLiteral("url")).toString());
        if (id.isEmpty() || !url.isValid()) {
            continue;
        }
        // Listed at once, in settings order (so a save meanwhile keeps it); it asks once its
        // token has arrived.
        const QPointer<AgentConnection> guard(addRemoteAgent(id, name, url, {}, true));
        m_tokens->read(id, [this, guard](const QByteArray &token, const QString &error) {
            if (!guard) {
                return; // removed meanwhile
            }
            guard->setTokenError(token.isEmpty() ? error : QString());
            guard->setToken(token); // an empty one is refused, and said so in place
        });
    }
    updateAgentActions();
}

void MainWindow::setLocalAgentError(const QString &message)
{
    m_statusLabel->setText(tr("This machine's agent is not running: %1").arg(message));
}

void MainWindow::notify(const QString &title, const QString &message)
{
    m_lastNotification = title + QStringLiteral(": ") + message;
    if (QSystemTrayIcon::isSystemTrayAvailable()) {
        if (!m_tray) {
            m_tray = new QSystemTrayIcon(windowIcon(), this);
            m_tray->setToolTip(tr("Workspace Companion"));
            m_tray->show();
        }
        m_tray->showMessage(title, message, QSystemTrayIcon::Information, 8000);
    }
    // Also in the status bar: a tray message is easy to miss, and some desktops have no tray.
    statusBar()->showMessage(m_lastNotification, 15000);
}

MainWindow::Page MainWindow::currentPage() const
{
    return static_cast<Page>(m_tabs->currentIndex());
}

void MainWindow::setCurrentPage(Page page)
{
    m_tabs->setCurrentIndex(page);
}

AboutDialog *MainWindow::showAbout()
{
    if (!m_about) {
        m_about = new AboutDialog(this);
        m_about->setAttribute(Qt::WA_DeleteOnClose);
    }
    m_about->open();
    m_about->raise();
    return m_about;
}

bool MainWindow::saveScreenshot(const QString &path, QString *error)
{
    const QFileInfo info(path);
    if (!QDir().mkpath(info.absolutePath())) {
        if (error) {
            *error = tr("Cannot create folder %1").arg(info.absolutePath());
        }
        return false;
    }
    QImageWriter writer(path, "png");
    if (!writer.write(grab().toImage())) {
        if (error) {
            *error = writer.errorString();
        }
        return false;
    }
    return true;
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    const int running = m_localRunning ? m_localRunning() : m_processes->runningLocalCount();
    if (running > 0 && !m_quitConfirmed) {
        event->ignore();
        if (findChild<QMessageBox *>(QStringLiteral("quitConfirmation"))) {
            return; // already asking
        }
        auto *box = new QMessageBox(
                QMessageBox::Warning, tr("Quit Workspace Companion"),
                tr("%n process(es) are running. Quitting ends them.", nullptr, running),
                QMessageBox::Cancel, this);
        box->setObjectName(QStringLiteral("quitConfirmation"));
        box->setInformativeText(tr("Their process groups get SIGTERM, and SIGKILL after 3 s."));
        QPushButton *quit = box->addButton(tr("&Quit"), QMessageBox::AcceptRole);
        quit->setObjectName(QStringLiteral("confirmQuitButton"));
        box->setDefaultButton(QMessageBox::Cancel);
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->setWindowModality(Qt::WindowModal);
        connect(box, &QMessageBox::buttonClicked, this, [this, box, quit](QAbstractButton *button) {
            if (button == quit) {
                m_quitConfirmed = true;
                QMetaObject::invokeMethod(this, &QWidget::close, Qt::QueuedConnection);
            }
            box->close();
        });
        box->open();
        return;
    }
    saveSettings();
    QMainWindow::closeEvent(event);
}

void MainWindow::restoreSettings()
{
    QSettings settings;
    restoreGeometry(settings.value(geometryKey).toByteArray());
    restoreState(settings.value(stateKey).toByteArray(), windowStateVersion);
    // Folded by a narrow window, not closed by hand: a wide start brings it back.
    if (settings.value(sidebarCollapsedKey, false).toBool() && m_sidebar->isHidden()) {
        m_sidebarCollapsed = true;
        m_narrow = true;
    }
    const int page = settings.value(pageKey, 0).toInt();
    if (page >= 0 && page < PageCount) {
        setCurrentPage(static_cast<Page>(page));
    }
}

void MainWindow::saveSettings() const
{
    QSettings settings;
    settings.setValue(geometryKey, saveGeometry());
    settings.setValue(stateKey, saveState(windowStateVersion));
    settings.setValue(pageKey, m_tabs->currentIndex());
    settings.setValue(sidebarCollapsedKey, m_sidebarCollapsed);
}

void MainWindow::resizeEvent(QResizeEvent *event)
{
    QMainWindow::resizeEvent(event);
    const bool narrow = width() < SidebarCollapseWidth;
    if (narrow && !m_narrow && !m_sidebar->isHidden() && !m_sidebar->isFloating()) {
        m_sidebarCollapsed = true;
        m_sidebar->hide();
    } else if (!narrow && m_narrow && m_sidebarCollapsed) {
        m_sidebarCollapsed = false;
        m_sidebar->show();
    }
    m_narrow = narrow;
}

// ---- Control planes ----

QString MainWindow::planeKey(const ControlPlaneClient *plane) const
{
    return m_planeIds.value(plane);
}

ControlPlaneClient *MainWindow::addControlPlane(const QString &name, const QUrl &url,
                                                const QByteArray &token, bool local, bool remember)
{
    return addPlane(local ? QStringLiteral("local")
                          : QUuid::createUuid().toString(QUuid::WithoutBraces),
                    name, url, token, remember);
}

ControlPlaneClient *MainWindow::addPlane(const QString &id, const QString &name, const QUrl &url,
                                         const QByteArray &token, bool remember)
{
    auto *plane = new ControlPlaneClient(name, url, token, nullptr, this);
    m_planes.append(plane);
    m_planeIds.insert(plane, id);
    m_planeRemembered.insert(plane, remember);
    connect(plane, &ControlPlaneClient::workspacesChanged, this, [this, plane] {
        updatePlaneItems(plane);
        const ControlPlaneClient::Names names = plane->names();
        m_reinit->setNames(plane->name(), names.workspaces, names.agents, names.users);
        updateWorkspaceState();
        updateStoredContext();
    });
    connect(plane, &ControlPlaneClient::stateChanged, this,
            [this, plane] { updatePlaneItems(plane); });
    connect(plane, &ControlPlaneClient::eventsLoaded, this,
            [this, plane](const QList<ReinitEventRecord> &events) {
                m_reinit->addEvents(plane->name(), events);
            });
    connect(plane, &ControlPlaneClient::eventAppended, this,
            [this, plane](const ReinitEventRecord &event) {
                m_reinit->addEvents(plane->name(), {event});
            });
    m_reinit->setPlaneColumnVisible(m_planes.size() > 1);
    m_runners->addPlane(plane);
    updatePlaneItems(plane);
    m_sidebarPages->setCurrentWidget(m_workspaceList);
    plane->start();
    return plane;
}

void MainWindow::removeControlPlane(ControlPlaneClient *plane)
{
    if (!plane || !m_planes.contains(plane)) {
        return;
    }
    const QString key = planeKey(plane);
    for (int row = m_workspaceList->count() - 1; row >= 0; --row) {
        const QString id = m_workspaceList->item(row)->data(Qt::UserRole).toString();
        if (id == planePrefix + key || id.startsWith(workspacePrefix + key + QLatin1Char('/'))) {
            delete m_workspaceList->takeItem(row);
        }
    }
    if (m_currentPlane == plane) {
        m_currentPlane = nullptr;
        m_currentWorkspaceId.clear();
    }
    if (m_planeRemembered.value(plane)) {
        m_tokens->remove(planePrefix + key);
    }
    m_planes.removeAll(plane);
    m_planeIds.remove(plane);
    m_planeRemembered.remove(plane);
    m_runners->removePlane(plane);
    plane->deleteLater();
    saveControlPlanes();
    m_reinit->setPlaneColumnVisible(m_planes.size() > 1);
    updateAgentActions();
}

std::pair<quint64, QString> MainWindow::agentSnapshotOf(const ControlPlaneClient *plane,
                                                        const QString &agentUrl,
                                                        const QString &workspaceName) const
{
    // This machine is known by its workspace, never by the URL an agent reported: any agent of
    // the plane may report any URL, including this machine's.
    const QString localUrl = m_localProcesses ? m_localProcesses->baseUrl().toString() : QString();
    if (planeKey(plane) == QLatin1String("local") && workspaceName == m_localWorkspaceName &&
        m_localProcesses) {
        return m_agentSnapshots.value(localUrl);
    }
    if (!agentUrl.isEmpty() && agentUrl != localUrl && m_agentSnapshots.contains(agentUrl)) {
        return m_agentSnapshots.value(agentUrl);
    }
    return {0, {}};
}

// The snapshots of an agent the app talks to, for the sidebar's "Context behind" (the Context
// view compares its own).
void MainWindow::trackSnapshots(ContextClient *client, const QString &url)
{
    connect(client, &ContextClient::snapshotReceived, this,
            [this, url](const ContextSnapshot &snapshot) {
                m_agentSnapshots.insert(
                        url,
                        {snapshot.version, QString::fromLatin1(snapshot.aggregateHash.toHex())});
                for (ControlPlaneClient *plane : std::as_const(m_planes)) {
                    updatePlaneItems(plane);
                }
            });
}

bool MainWindow::isContextBehind(const ControlPlaneClient *plane,
                                 const ControlPlaneClient::Workspace &w) const
{
    const auto [agentVersion, agentHash] = agentSnapshotOf(plane, w.agentUrl, w.name);
    return ContextView::storedIsBehind(w.contextVersion, w.contextHash, agentVersion, agentHash);
}

QString MainWindow::workspaceItemText(ControlPlaneClient *plane, const QString &workspaceId) const
{
    const ControlPlaneClient::Workspace *w = plane ? plane->workspace(workspaceId) : nullptr;
    if (!w) {
        return {};
    }
    const QString badge = w->kind == QLatin1String("prebuilt") ? tr("Prebuilt")
            : w->kind == QLatin1String("claimed")              ? tr("Claimed")
                                                               : tr("Regular");
    QString text = tr("%1  [%2]").arg(w->name, badge);
    QString state;
    if (w->agentId.isEmpty()) {
        state = tr("No agent");
    } else {
        // A regular workspace's agent holds no stream after its 409: when it was last heard of.
        state = w->agentConnected ? tr("Agent connected")
                : w->agentLastSeenAt > 0
                ? tr("Agent last seen %1")
                          .arg(QLocale().toString(
                                  QDateTime::fromMSecsSinceEpoch(w->agentLastSeenAt),
                                  QLocale::ShortFormat))
                : tr("Agent never connected");
    }
    if (w->kind != QLatin1String("prebuilt")) {
        state += tr(" · owner %1").arg(w->ownerName);
    }
    if (w->buildStatus == QLatin1String("pending") || w->buildStatus == QLatin1String("running")) {
        state += tr(" · %1 build %2").arg(w->buildTransition, w->buildStatus);
    } else if (w->buildStatus == QLatin1String("failed")) {
        state += tr(" · last build failed");
    }
    text += QLatin1Char('\n') + state;
    if (isContextBehind(plane, *w)) {
        text += QLatin1Char('\n') +
                tr("Context behind: stored v%1, agent v%2")
                        .arg(w->contextVersion)
                        .arg(agentSnapshotOf(plane, w->agentUrl, w->name).first);
    }
    return text;
}

void MainWindow::updatePlaneItems(ControlPlaneClient *plane)
{
    const QString key = planeKey(plane);
    const QString headerId = planePrefix + key;
    // The plane's rows stay together: its header, then its workspaces in the plane's order.
    QListWidgetItem *header = nullptr;
    QHash<QString, QListWidgetItem *> existing;
    for (int row = 0; row < m_workspaceList->count(); ++row) {
        QListWidgetItem *item = m_workspaceList->item(row);
        const QString id = item->data(Qt::UserRole).toString();
        if (id == headerId) {
            header = item;
        } else if (id.startsWith(workspacePrefix + key + QLatin1Char('/'))) {
            existing.insert(id, item);
        }
    }
    if (!header) {
        header = new QListWidgetItem;
        header->setData(Qt::UserRole, headerId);
        header->setFlags(Qt::ItemIsEnabled);
        QFont bold = header->font();
        bold.setBold(true);
        header->setFont(bold);
        m_workspaceList->addItem(header);
    }
    QString state;
    switch (plane->state()) {
    case ControlPlaneClient::State::Connecting:
        state = tr("connecting…");
        break;
    case ControlPlaneClient::State::Connected:
        state = tr("%n workspace(s)", nullptr, int(plane->workspaces().size()));
        break;
    case ControlPlaneClient::State::Unreachable:
        state = tr("unreachable");
        break;
    case ControlPlaneClient::State::AuthFailed:
        state = tr("token refused");
        break;
    }
    header->setText(tr("%1\n%2").arg(plane->name(), state));
    header->setToolTip(plane->lastError().isEmpty()
                               ? plane->url().toString()
                               : plane->url().toString() + QLatin1Char('\n') + plane->lastError());
    header->setForeground(plane->state() == ControlPlaneClient::State::Unreachable ||
                                          plane->state() == ControlPlaneClient::State::AuthFailed
                                  ? QBrush(QColor(0xc6, 0x28, 0x28))
                                  : QBrush());
    int row = m_workspaceList->row(header) + 1;
    QSet<QString> present;
    for (const ControlPlaneClient::Workspace &w : plane->workspaces()) {
        const QString id = workspacePrefix + key + QLatin1Char('/') + w.id;
        present.insert(id);
        QListWidgetItem *item = existing.value(id);
        if (!item) {
            item = new QListWidgetItem;
            item->setData(Qt::UserRole, id);
            item->setIcon(
                    QIcon::fromTheme(QStringLiteral("folder-cloud"),
                                     QIcon(QStringLiteral(":/icons/workspace-companion.svg"))));
            const QSignalBlocker blocker(m_workspaceList);
            m_workspaceList->insertItem(row, item);
        }
        ++row;
        item->setText(workspaceItemText(plane, w.id));
        item->setToolTip(tr("Workspace %1 (%2)\nAgent %3 %4\nStored context: %5")
                                 .arg(w.name, w.id, w.agentName, w.agentUrl)
                                 .arg(w.contextVersion > 0 ? tr("version %1, %2")
                                                                     .arg(w.contextVersion)
                                                                     .arg(w.contextHash.left(12))
                                                           : tr("none")));
        const bool behind = isContextBehind(plane, w);
        item->setForeground(behind ? QBrush(QColor(0xb2, 0x6a, 0x00)) : QBrush());
    }
    for (auto it = existing.cbegin(); it != existing.cend(); ++it) {
        if (!present.contains(it.key())) {
            delete it.value();
        }
    }
    updateAgentActions();
}

bool MainWindow::selectWorkspace(ControlPlaneClient *plane, const QString &workspaceId)
{
    const QString id = workspacePrefix + planeKey(plane) + QLatin1Char('/') + workspaceId;
    for (int row = 0; row < m_workspaceList->count(); ++row) {
        if (m_workspaceList->item(row)->data(Qt::UserRole).toString() == id) {
            m_workspaceList->setCurrentRow(row);
            return true;
        }
    }
    return false;
}

void MainWindow::updateWorkspaceState()
{
    const ControlPlaneClient::Workspace *w =
            m_currentPlane ? m_currentPlane->workspace(m_currentWorkspaceId) : nullptr;
    if (!w && !m_currentPlane && m_current && m_current->isLocal()) {
        // This machine's agent is selected: what applies to its workspace.
        for (ControlPlaneClient *plane : std::as_const(m_planes)) {
            for (const ControlPlaneClient::Workspace &candidate : plane->workspaces()) {
                if (planeKey(plane) == QLatin1String("local") &&
                    candidate.name == m_localWorkspaceName) {
                    w = &candidate;
                }
            }
        }
    }
    QString note;
    if (w && w->kind == QLatin1String("regular")) {
        note = tr("%1 is a regular workspace: reinit does not apply. Its agent's reinit stream "
                  "answers 409 and the agent stops polling.")
                       .arg(w->name);
    } else if (w && w->kind == QLatin1String("prebuilt")) {
        note = tr("%1 is prebuilt and unclaimed: claiming it (Workspace > Claim…) tells its agent "
                  "to reinitialize for the new owner.")
                       .arg(w->name);
    } else if (w) {
        note = tr("%1 was claimed by %2: its agent reinitialized for them once; a replayed claim "
                  "is ignored.")
                       .arg(w->name, w->ownerName);
    }
    m_reinit->setWorkspaceNote(note);
    if (w && m_currentPlane) {
        m_statusLabel->setText(tr("Workspace %1 on %2").arg(w->name, m_currentPlane->name()));
    }
    updateAgentActions();
}

void MainWindow::updateStoredContext()
{
    if (!m_context) {
        return;
    }
    // This machine matches its own workspace only; a remote agent matches by the URL it reported.
    const bool currentIsLocal = m_current && m_current->isLocal();
    const QString url = m_current && !currentIsLocal ? m_current->url().toString() : QString();
    for (ControlPlaneClient *plane : std::as_const(m_planes)) {
        for (const ControlPlaneClient::Workspace &w : plane->workspaces()) {
            const bool isLocal = currentIsLocal && planeKey(plane) == QLatin1String("local") &&
                    w.name == m_localWorkspaceName;
            if (isLocal || (!url.isEmpty() && w.agentUrl == url)) {
                m_context->setStoredState(plane->name(), w.contextVersion, w.contextHash);
                return;
            }
        }
    }
    m_context->setStoredState({}, 0, {});
}

ConnectAgentDialog *MainWindow::showConnectControlPlaneDialog()
{
    auto *dialog = new ConnectAgentDialog(ConnectAgentDialog::Target::ControlPlane, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowModality(Qt::WindowModal);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        for (ControlPlaneClient *plane : std::as_const(m_planes)) {
            if (planeKey(plane) != QLatin1String("local") && plane->url() == dialog->url()) {
                removeControlPlane(plane); // connecting again replaces it
                break;
            }
        }
        const QString name = dialog->name();
        const QByteArray token = dialog->token();
        ControlPlaneClient *plane = addControlPlane(name, dialog->url(), token, false, true);
        saveControlPlanes();
        m_tokens->write(
                planePrefix + planeKey(plane), token,
                [this, name](const TokenStore::Stored &stored) {
                    m_lastTokenStorage = stored.ok ? stored.where : stored.error;
                    notify(tr("Control plane added"),
                           stored.ok ? tr("The token of %1 is kept in %2.").arg(name, stored.where)
                                     : tr("The token of %1 could not be kept (%2): "
                                          "connect again after a restart.")
                                               .arg(name, stored.error));
                });
    });
    dialog->open();
    return dialog;
}

ClaimDialog *MainWindow::showClaimDialog()
{
    const ControlPlaneClient::Workspace *w =
            m_currentPlane ? m_currentPlane->workspace(m_currentWorkspaceId) : nullptr;
    if (!w || w->kind != QLatin1String("prebuilt")) {
        return nullptr;
    }
    auto *dialog = new ClaimDialog(m_currentPlane, w->id, w->name, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowModality(Qt::WindowModal);
    connect(dialog, &ClaimDialog::claimed, this, [this](const QString &, const QString &owner) {
        notify(tr("Claimed"),
               tr("The claim for %1 is being built; its agent reinitializes when "
                  "it succeeds (Reinit events).")
                       .arg(owner));
    });
    dialog->open();
    return dialog;
}

void MainWindow::saveControlPlanes() const
{
    QVariantList list;
    for (const ControlPlaneClient *plane : m_planes) {
        if (m_planeRemembered.value(plane)) {
            list.append(QVariantMap {{QStringLiteral("id"), planeKey(plane)},
                                     {QStringLiteral("name"), plane->name()},
                                     {QStringLiteral("url"), plane->url().toString()}});
        }
    }
    QSettings().setValue(remotePlanesKey, list);
}

void MainWindow::restoreControlPlanes()
{
    const QVariantList list = QSettings().value(remotePlanesKey).toList();
    for (const QVariant &entry : list) {
        const QVariantMap map = entry.toMap();
        const QString id = map.value(QStringLiteral("id")).toString();
        const QString name = map.value(QStringLiteral("name")).toString();
        const QUrl url(map.value(QStringLiteral("url")).toString());
        if (id.isEmpty() || id == QLatin1String("local") || !url.isValid()) {
            continue;
        }
        // It connects once its token has arrived from the keychain.
        m_tokens->read(planePrefix + id,
                       [this, name, url, id](const QByteArray &token, const QString &error) {
                           addPlane(id, name, url, token, true);
                           if (token.isEmpty()) {
                               notify(tr("Control plane"),
                                      tr("The token of %1 could not be read (%2): connect again.")
                                              .arg(name, error));
                           }
                       });
    }
}
