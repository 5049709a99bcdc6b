#pragma once

#include <QMainWindow>
#include <QPointer>

class AboutDialog;
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

private:
    void createPages();
    void createSidebar();
    void createMenus();
    void restoreSettings();
    void saveSettings() const;

    Theme *m_theme;
    QTabWidget *m_tabs = nullptr;
    QDockWidget *m_sidebar = nullptr;
    QLabel *m_statusLabel = nullptr;
    QPointer<AboutDialog> m_about;
    ProcessesView *m_processes = nullptr;
    bool m_quitConfirmed = false;
    ContextView *m_context = nullptr;
    QStackedWidget *m_sidebarPages = nullptr;
    QListWidget *m_workspaceList = nullptr;
    QSystemTrayIcon *m_tray = nullptr;
    QString m_lastNotification;
};
