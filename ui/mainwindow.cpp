#include "mainwindow.h"

#include "aboutdialog.h"
#include "contextview.h"
#include "emptystatepage.h"
#include "processesview.h"
#include "theme.h"

#include "process/processclient.h"

#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QFileInfo>
#include <QIcon>
#include <QImageWriter>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QStackedWidget>
#include <QStatusBar>
#include <QSystemTrayIcon>
#include <QTabWidget>

namespace {

const QString geometryKey = QStringLiteral("mainWindow/geometry");
const QString stateKey = QStringLiteral("mainWindow/state");
const QString pageKey = QStringLiteral("mainWindow/page");
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
    m_workspaceList->clear();
    auto *item = new QListWidgetItem(
            QIcon::fromTheme(QStringLiteral("computer"),
                             QIcon(QStringLiteral(":/icons/workspace-companion.svg"))),
            tr("This machine"), m_workspaceList);
    item->setToolTip(tr("The agent in this app\n%1\nToken file: %2")
                             .arg(client->baseUrl().toString(), tokenFile));
    item->setData(Qt::UserRole, client->baseUrl());
    m_workspaceList->setCurrentItem(item);
    m_sidebarPages->setCurrentWidget(m_workspaceList);
    m_processes->setClient(client, true);
    m_statusLabel->setText(tr("This machine's agent: %1").arg(client->baseUrl().toString()));
}

void MainWindow::setLocalContext(ContextClient *client, const QStringList &builtinRoots,
                                 const QString &workingDirectory)
{
    m_context->setClient(client, true);
    m_context->setFixedRoots(builtinRoots, workingDirectory);
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
    const int running = m_processes->runningLocalCount();
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
}
