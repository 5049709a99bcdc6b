#include "mainwindow.h"

#include "aboutdialog.h"
#include "agentconnection.h"
#include "connectagentdialog.h"
#include "contextview.h"
#include "emptystatepage.h"
#include "processesview.h"
#include "theme.h"
#include "tokenstore.h"

#include "process/processclient.h"

#include <QActionGroup>
#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QFileInfo>
#include <QIcon>
#include <QImageWriter>
#include <QLabel>
#include <QListWidget>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QResizeEvent>
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
            {QStringLiteral("runnersView"), tr("&Runners"), tr("No chat runners yet"),
             tr("The chat runtime's runners appear here with their state, lease and heartbeat, "
                "once a control plane is running chats.")},
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
    connect(m_workspaceList, &QListWidget::currentItemChanged, this, [this](QListWidgetItem *item) {
        const QString id = item ? item->data(Qt::UserRole).toString() : QString();
        for (AgentConnection *agent : std::as_const(m_agents)) {
            if (agent->id() == id) {
                selectAgent(agent);
                return;
            }
        }
    });
    m_workspaceList->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_workspaceList, &QWidget::customContextMenuRequested, this, [this](const QPoint &at) {
        if (!m_workspaceList->itemAt(at)) {
            return;
        }
        QMenu menu(this);
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
        m_workspaceList->addItem(item);
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
