#pragma once

#include <QMainWindow>
#include <QPointer>

class AboutDialog;
class QDockWidget;
class QLabel;
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

    // Opens Help > About without blocking; returns the (single) dialog.
    AboutDialog *showAbout();
    // Renders the window, as shown, to a PNG file.
    [[nodiscard]] bool saveScreenshot(const QString &path, QString *error = nullptr);

protected:
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
};
