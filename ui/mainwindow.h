#pragma once

#include "controlplane/controlplaneclient.h"
#include <QHash>

#include <QMainWindow>
#include <QPointer>
#include <QUrl>

#include <functional>

class AboutDialog;
class AgentConnection;
class ClaimDialog;
class ConnectAgentDialog;
class ControlPlaneClient;
class ReinitEventsView;
class RunnersView;
class QAction;
class QListWidgetItem;
class TokenStore;
class ContextClient;
class ContextView;
class ProcessClient;
class ProcessesView;
class QDockWidget;
class QLabel;
class QListWidget;
class QStackedWidget;
class QSystemTrayIcon;
class QTabWidget;
class Theme;

// The desktop shell: workspace sidebar, the four views as tabs, menus and status bar.
// Geometry, dock state and the selected tab persist in QSettings.
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    enum Page { ContextPage, ProcessesPage, RunnersPage, ReinitEventsPage, PageCount };
    Q_ENUM(Page)

    static constexpr int SidebarCollapseWidth = 900;

    explicit MainWindow(Theme *theme, QWidget *parent = nullptr);

    Page currentPage() const;
    void setCurrentPage(Page page);
    QTabWidget *tabs() const { return m_tabs; }
    QDockWidget *sidebar() const { return m_sidebar; }
    ProcessesView *processesView() const { return m_processes; }
    ContextView *contextView() const { return m_context; }
    QListWidget *workspaceList() const { return m_workspaceList; }

    // Lists the in-process agent as "This machine" and shows its processes. Not owned.
    void setLocalAgent(ProcessClient *client, const QString &tokenFile);
    // Shows the context of the in-process agent, with the roots it always scans. Not owned.
    void setLocalContext(ContextClient *client, const QStringList &builtinRoots,
                         const QString &workingDirectory);
    // Adds a remote agent to the sidebar and shows it in every view. With `remember` it is
    // listed again at the next start, its token in the keychain (or a private file).
    AgentConnection *connectAgent(const QString &name, const QUrl &url, const QByteArray &token,
                                  bool remember);
    void removeAgent(AgentConnection *agent);
    void selectAgent(AgentConnection *agent);
    QList<AgentConnection *> agents() const { return m_agents; }
    AgentConnection *currentAgent() const { return m_current; }
    // File > Connect to Agent…, not blocking; returns the dialog.
    ConnectAgentDialog *showConnectDialog();
    // Where the last remembered token went, or why it could not be kept.
    QString lastTokenStorage() const { return m_lastTokenStorage; }

    // A control plane in the sidebar (its workspaces) and the Reinit events view (its log).
    // `local`: the one in this app. With `remember` it is listed again at the next start, its
    // token in the keychain (or a private file).
    ControlPlaneClient *addControlPlane(const QString &name, const QUrl &url,
                                        const QByteArray &token, bool local, bool remember);
    void removeControlPlane(ControlPlaneClient *plane);
    QList<ControlPlaneClient *> controlPlanes() const { return m_planes; }
    // The workspace of the local control plane that is this machine's agent.
    void setLocalWorkspace(const QString &name) { m_localWorkspaceName = name; }
    // Selects a control plane's workspace in the sidebar (no agent change).
    bool selectWorkspace(ControlPlaneClient *plane, const QString &workspaceId);
    ControlPlaneClient *currentPlane() const { return m_currentPlane; }
    QString currentWorkspaceId() const { return m_currentWorkspaceId; }
    ReinitEventsView *reinitEventsView() const { return m_reinit; }
    RunnersView *runnersView() const { return m_runners; }
    // File > Connect to Control Plane…, not blocking; returns the dialog.
    ConnectAgentDialog *showConnectControlPlaneDialog();
    // Workspace > Claim… for the selected prebuilt workspace; null when none is selected.
    ClaimDialog *showClaimDialog();
    // The sidebar text of a workspace (badges, live state, context), for tests.
    QString workspaceItemText(ControlPlaneClient *plane, const QString &workspaceId) const;

    // How many processes this machine's agent runs, whichever agent the views show; the quit
    // guard asks it (without it: the Processes view's count, when it shows this machine).
    void setLocalRunningCount(std::function<int()> count) { m_localRunning = std::move(count); }

    // Says in the sidebar and status bar why this machine's agent is not running.
    void setLocalAgentError(const QString &message);
    // A desktop notification (tray message), or a status bar message without a tray.
    void notify(const QString &title, const QString &message);
    QString lastNotification() const { return m_lastNotification; }

    // Opens Help > About without blocking; returns the (single) dialog.
    AboutDialog *showAbout();
    // Renders the window, as shown, to a PNG file.
    [[nodiscard]] bool saveScreenshot(const QString &path, QString *error = nullptr);

protected:
    // Asks first while this machine's agent runs processes (objectName "quitConfirmation"),
    // as Konsole and Qt Creator do: quitting ends them.
    void closeEvent(QCloseEvent *event) override;
    // Below SidebarCollapseWidth the sidebar gives its room to the views, and comes back
    // when the window is widened again (unless it was closed by hand meanwhile).
    void resizeEvent(QResizeEvent *event) override;

private:
    void createPages();
    void createSidebar();
    void createMenus();
    void restoreSettings();

public:
    // Geometry, dock state and page; also when the app ends by a signal (no close event).
    void saveSettings() const;

private:
    // A remote agent in the list and the sidebar (not asked yet, not selected).
    AgentConnection *addRemoteAgent(const QString &id, const QString &name, const QUrl &url,
                                    const QByteArray &token, bool remember);
    void addAgentItem(AgentConnection *agent);
    void updateAgentItem(AgentConnection *agent);
    void showAgentProblem();
    QListWidgetItem *itemOf(const AgentConnection *agent) const;
    void saveRemoteAgents() const;
    void restoreRemoteAgents();
    void updateAgentActions();
    ControlPlaneClient *addPlane(const QString &id, const QString &name, const QUrl &url,
                                 const QByteArray &token, bool remember);
    void updatePlaneItems(ControlPlaneClient *plane);
    void trackSnapshots(ContextClient *client, const QString &url);
    bool isContextBehind(const ControlPlaneClient *plane,
                         const ControlPlaneClient::Workspace &w) const;
    void updateWorkspaceState();
    void updateStoredContext();
    QString planeKey(const ControlPlaneClient *plane) const;
    void saveControlPlanes() const;
    void restoreControlPlanes();
    // The agent's own snapshot for a workspace of `plane`: (version, hash hex); (0, "") unknown.
    std::pair<quint64, QString> agentSnapshotOf(const ControlPlaneClient *plane,
                                                const QString &agentUrl,
                                                const QString &workspaceName) const;

    Theme *m_theme;
    QTabWidget *m_tabs = nullptr;
    QDockWidget *m_sidebar = nullptr;
    bool m_narrow = false;
    bool m_sidebarCollapsed = false; // hidden by the width, not by hand
    QLabel *m_statusLabel = nullptr;
    QPointer<AboutDialog> m_about;
    ProcessesView *m_processes = nullptr;
    bool m_quitConfirmed = false;
    ContextView *m_context = nullptr;
    QStackedWidget *m_sidebarPages = nullptr;
    QListWidget *m_workspaceList = nullptr;
    QSystemTrayIcon *m_tray = nullptr;
    QString m_lastNotification;
    TokenStore *m_tokens = nullptr;
    QList<AgentConnection *> m_agents; // this machine's first
    AgentConnection *m_current = nullptr;
    ProcessClient *m_localProcesses = nullptr;
    ContextClient *m_localContext = nullptr;
    QStringList m_localBuiltinRoots;
    QString m_localWorkDir;
    QString m_localTokenFile;
    QString m_lastTokenStorage;
    std::function<int()> m_localRunning;
    QAction *m_copyUrlAction = nullptr;
    QAction *m_copyTokenAction = nullptr;
    QAction *m_removeAgentAction = nullptr;
    QAction *m_claimAction = nullptr;
    QAction *m_showEventsAction = nullptr;
    QAction *m_removePlaneAction = nullptr;
    ReinitEventsView *m_reinit = nullptr;
    RunnersView *m_runners = nullptr;
    QList<ControlPlaneClient *> m_planes;
    QHash<const ControlPlaneClient *, QString> m_planeIds;
    QHash<const ControlPlaneClient *, bool> m_planeRemembered;
    ControlPlaneClient *m_currentPlane = nullptr;
    QString m_currentWorkspaceId;
    QString m_localWorkspaceName;
    // The latest snapshot version and hash (hex) of each agent the app talks to, by URL.
    QHash<QString, std::pair<quint64, QString>> m_agentSnapshots;
};
