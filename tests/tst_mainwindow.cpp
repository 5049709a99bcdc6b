// The shell offscreen: tabs exist and switch, About opens and closes, the sidebar toggles,
// and geometry, dock state and page survive a restart.
#include "aboutdialog.h"
#include "agent/agent.h"
#include "common/translationloader.h"
#include "contextview.h"
#include "emptystatepage.h"
#include "mainwindow.h"
#include "process/processclient.h"
#include "process/processmanager.h"
#include "processesview.h"
#include "reiniteventsview.h"
#include "runnersview.h"
#include "startprocessdialog.h"
#include "theme.h"

#include <QAction>
#include <QApplication>
#include <QDockWidget>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabBar>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>

namespace {

// This machine's agent, in a folder of its own, as the app runs it.
struct LocalAgent
{
    QTemporaryDir dir;
    Agent agent {[this] {
        Agent::Options options;
        options.workingDirectory = dir.path();
        options.tokenFile = dir.filePath(QStringLiteral("token"));
        return options;
    }()};
    QString error;
};

} // namespace

class TestMainWindow : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(m_settingsDir.isValid());
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsDir.path());
        QVERIFY(TranslationLoader::install(qApp, QLocale(QLocale::English))); // plural forms
    }

    void init() { QSettings().clear(); }

    void fourTabsExistAndSwitch()
    {
        Theme theme;
        MainWindow window(&theme);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));

        auto *tabs = window.findChild<QTabWidget *>(QStringLiteral("mainTabs"));
        QVERIFY(tabs);
        QCOMPARE(tabs->count(), int(MainWindow::PageCount));
        const QStringList names = {QStringLiteral("contextView"), QStringLiteral("processesView"),
                                   QStringLiteral("runnersView"),
                                   QStringLiteral("reinitEventsView")};
        for (int i = 0; i < tabs->count(); ++i) {
            QCOMPARE(tabs->widget(i)->objectName(), names.at(i));
            if (i == MainWindow::ContextPage) {
                // Without an agent the Context view shows its own empty state.
                auto *view = qobject_cast<ContextView *>(tabs->widget(i));
                QVERIFY(view);
                QVERIFY(view->findChild<EmptyStatePage *>(QStringLiteral("contextNoAgent")));
                continue;
            }
            if (i == MainWindow::ProcessesPage) {
                // Without an agent the Processes view shows its own empty state.
                auto *view = qobject_cast<ProcessesView *>(tabs->widget(i));
                QVERIFY(view);
                QVERIFY(view->findChild<EmptyStatePage *>(QStringLiteral("processesNoAgent")));
                continue;
            }
            if (i == MainWindow::ReinitEventsPage) {
                // Without events the Reinit events view shows its own empty state.
                auto *view = qobject_cast<ReinitEventsView *>(tabs->widget(i));
                QVERIFY(view);
                auto *empty =
                        view->findChild<EmptyStatePage *>(QStringLiteral("reinitEventsEmptyState"));
                QVERIFY(empty && empty->explanation().size() > 40);
                continue;
            }
            if (i == MainWindow::RunnersPage) {
                // Without chats the Runners view shows its own empty state.
                auto *view = qobject_cast<RunnersView *>(tabs->widget(i));
                QVERIFY(view);
                auto *empty =
                        view->findChild<EmptyStatePage *>(QStringLiteral("runnersEmptyState"));
                QVERIFY(empty && empty->explanation().size() > 40);
                QVERIFY(!view->accessibleName().isEmpty());
                continue;
            }
            QFAIL("a page without its own check");
        }
        for (auto *label : window.findChildren<QLabel *>(QStringLiteral("emptyStateExplanation"))) {
            if (label->isVisible()) { // nothing clipped
                QVERIFY2(label->height() >= label->heightForWidth(label->width()),
                         qPrintable(label->text()));
            }
        }

        for (int i = tabs->count() - 1; i >= 0; --i) {
            QTest::mouseClick(tabs->tabBar(), Qt::LeftButton, {},
                              tabs->tabBar()->tabRect(i).center());
            QCOMPARE(tabs->currentIndex(), i);
            QVERIFY(tabs->widget(i)->isVisible());
        }
        // Alt+mnemonic reaches a tab from the keyboard.
        QTest::keyClick(&window, Qt::Key_P, Qt::AltModifier);
        QCOMPARE(window.currentPage(), MainWindow::ProcessesPage);
    }

    void aboutOpensAndCloses()
    {
        Theme theme;
        MainWindow window(&theme);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));

        auto *action = window.findChild<QAction *>(QStringLiteral("aboutAction"));
        QVERIFY(action);
        action->trigger();
        auto *about = window.findChild<AboutDialog *>(QStringLiteral("aboutDialog"));
        QVERIFY(about);
        QTRY_VERIFY(about->isVisible());
        QVERIFY(about->versionText().contains(QLatin1String(qVersion())));
        QVERIFY(about->versionText().contains(QLatin1String("KSyntaxHighlighting 6.")));
        auto *versions = about->findChild<QLabel *>(QStringLiteral("aboutVersions"));
        QVERIFY(versions && versions->isVisible());

        QPointer<AboutDialog> guard(about);
        auto *close = about->findChild<QPushButton *>(QStringLiteral("aboutCloseButton"));
        QVERIFY(close);
        QTest::mouseClick(close, Qt::LeftButton);
        QTRY_VERIFY(guard.isNull()); // WA_DeleteOnClose
    }

    void sidebarToggles()
    {
        Theme theme;
        MainWindow window(&theme);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto *toggle = window.findChild<QAction *>(QStringLiteral("toggleSidebarAction"));
        QVERIFY(toggle);
        QVERIFY(window.sidebar()->isVisible());
        toggle->trigger();
        QVERIFY(!window.sidebar()->isVisible());
        toggle->trigger();
        QVERIFY(window.sidebar()->isVisible());
    }

    void colourSchemeMenuSwitchesPalette()
    {
        Theme theme;
        theme.setScheme(Theme::Scheme::Light);
        MainWindow window(&theme);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto *dark = window.findChild<QAction *>(QStringLiteral("darkSchemeAction"));
        QVERIFY(dark);
        dark->trigger();
        QCOMPARE(theme.scheme(), Theme::Scheme::Dark);
        QVERIFY(dark->isChecked());
        QTRY_COMPARE(window.palette().color(QPalette::Window),
                     Theme::darkPalette().color(QPalette::Window));
        window.findChild<QAction *>(QStringLiteral("lightSchemeAction"))->trigger();
        QTRY_COMPARE(window.palette().color(QPalette::Window),
                     Theme::lightPalette().color(QPalette::Window));
    }

    void stateSurvivesRestart()
    {
        Theme theme;
        {
            MainWindow window(&theme);
            window.show();
            QVERIFY(QTest::qWaitForWindowExposed(&window));
            // restoreGeometry() clamps to the screen: the offscreen one is 800x600.
            window.resize(780, 500);
            window.setCurrentPage(MainWindow::RunnersPage);
            window.sidebar()->hide();
            window.close();
        }
        MainWindow again(&theme);
        again.show();
        QVERIFY(QTest::qWaitForWindowExposed(&again));
        QCOMPARE(again.size(), QSize(780, 500));
        QCOMPARE(again.currentPage(), MainWindow::RunnersPage);
        QVERIFY(!again.sidebar()->isVisible());
    }

    void notificationReachesStatusBar()
    {
        Theme theme;
        MainWindow window(&theme);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        Q_EMIT window.processesView()->notificationRequested(
                QStringLiteral("Process finished"), QStringLiteral("make exited with code 2"));
        QCOMPARE(window.lastNotification(),
                 QStringLiteral("Process finished: make exited with code 2"));
        QCOMPARE(window.statusBar()->currentMessage(), window.lastNotification());
    }

    void processShortcutsWorkFromTheSidebar()
    {
        // The Process menu's shortcuts are the window's: focus in the sidebar, or on another
        // tab, does not swallow them.
        LocalAgent local;
        QVERIFY2(local.agent.start(&local.error), qPrintable(local.error));
        ProcessClient client(local.agent.url(), local.agent.token());
        Agent &agent = local.agent;
        Theme theme;
        MainWindow window(&theme);
        window.setLocalAgent(&client, local.agent.tokenFile());
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&window));

        auto *menu = window.findChild<QMenu *>(QStringLiteral("processMenu"));
        QVERIFY(menu);
        QStringList names;
        for (QAction *action : menu->actions()) {
            if (!action->isSeparator()) {
                names.append(action->objectName());
            }
        }
        QCOMPARE(names,
                 (QStringList {QStringLiteral("startProcessAction"),
                               QStringLiteral("terminateAction"), QStringLiteral("killAction"),
                               QStringLiteral("restartAction"),
                               QStringLiteral("clearExitedAction")}));

        for (const int page : {int(MainWindow::ContextPage), int(MainWindow::ProcessesPage)}) {
            window.setCurrentPage(MainWindow::Page(page));
            window.activateWindow(); // back from the dialog of the last round
            QVERIFY(QTest::qWaitForWindowActive(&window));
            auto *sidebar = window.findChild<QWidget *>(QStringLiteral("workspaceList"));
            QVERIFY2(sidebar->isVisible(), "the sidebar is shown");
            sidebar->setFocus();
            QTRY_VERIFY2(sidebar->hasFocus(),
                         QApplication::focusWidget()
                                 ? qPrintable(QApplication::focusWidget()->objectName())
                                 : "no focus widget");
            QTest::keyClick(sidebar, Qt::Key_N, Qt::ControlModifier);
            StartProcessDialog *dialog = nullptr;
            QTRY_VERIFY((dialog = window.findChild<StartProcessDialog *>()) && dialog->isVisible());
            dialog->reject();
            QTRY_VERIFY(!window.findChild<StartProcessDialog *>() ||
                        !window.findChild<StartProcessDialog *>()->isVisible());
            QTest::qWait(0); // WA_DeleteOnClose
        }
        agent.processManager()->close();
    }

    void quitWithRunningProcessesAsksFirst()
    {
        LocalAgent local;
        QVERIFY2(local.agent.start(&local.error), qPrintable(local.error));
        ProcessClient client(local.agent.url(), local.agent.token());
        Agent &agent = local.agent;
        Theme theme;
        MainWindow window(&theme);
        window.setLocalAgent(&client, local.agent.tokenFile());
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        for (int i = 0; i < 2; ++i) {
            ProcessClient::StartRequest request;
            request.command = QStringLiteral("sleep 30");
            window.processesView()->startProcess(request);
        }
        QTRY_COMPARE(window.processesView()->runningLocalCount(), 2);

        // Cancel keeps the window and the processes.
        QVERIFY(!window.close());
        QMessageBox *box = nullptr;
        QTRY_VERIFY((box = window.findChild<QMessageBox *>(QStringLiteral("quitConfirmation"))) &&
                    box->isVisible());
        QCOMPARE(box->text(), QStringLiteral("2 processes are running. Quitting ends them."));
        box->button(QMessageBox::Cancel)->click();
        QTRY_VERIFY(!window.findChild<QMessageBox *>(QStringLiteral("quitConfirmation")));
        QVERIFY(window.isVisible());
        QCOMPARE(agent.processManager()->runningCount(), 2);

        // The Quit action asks too; Quit closes.
        window.findChild<QAction *>(QStringLiteral("quitAction"))->trigger();
        QTRY_VERIFY((box = window.findChild<QMessageBox *>(QStringLiteral("quitConfirmation"))) &&
                    box->isVisible());
        QTest::mouseClick(box->findChild<QPushButton *>(QStringLiteral("confirmQuitButton")),
                          Qt::LeftButton);
        QTRY_VERIFY(!window.isVisible());
        agent.processManager()->close();
        QTRY_COMPARE(agent.processManager()->runningCount(), 0);
    }

    void everyControlIsNamed()
    {
        Theme theme;
        MainWindow window(&theme);
        for (const char *name : {"mainTabs", "workspaceSidebar", "statusMessage"}) {
            auto *widget = window.findChild<QWidget *>(QLatin1String(name));
            QVERIFY2(widget, name);
            QVERIFY2(!widget->accessibleName().isEmpty(), name);
        }
    }

private:
    QTemporaryDir m_settingsDir;
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
