// The Processes view offscreen against a real in-process agent over loopback: start through the
// dialog, live rows, coloured output, search, kill with confirmation, the AI-client view, errors,
// notifications, and a screenshot.
#include "agent/agent.h"
#include "common/translationloader.h"
#include "outputview.h"
#include "process/processclient.h"
#include "process/processlistmodel.h"
#include "process/processmanager.h"
#include "processesview.h"
#include "startprocessdialog.h"
#include "theme.h"

#include <QAbstractItemView>
#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QCompleter>
#include <QDir>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QToolButton>

#include <csignal>

namespace {

const QString app = QStringLiteral(PROCESS_TEST_APP);

bool hasColourNear(const QImage &image, QColor target, int tolerance = 60)
{
    const QImage img = image.convertToFormat(QImage::Format_RGB32);
    for (int y = 0; y < img.height(); ++y) {
        for (int x = 0; x < img.width(); ++x) {
            const QColor c = img.pixelColor(x, y);
            if (std::abs(c.red() - target.red()) + std::abs(c.green() - target.green()) +
                        std::abs(c.blue() - target.blue()) <
                tolerance) {
                return true;
            }
        }
    }
    return false;
}

} // namespace

class TestProcessesView : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(m_dir.isValid());
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_dir.path());
        m_theme.setScheme(Theme::Scheme::Light);
        // English plural forms ("1 match"), as the app installs them.
        QVERIFY(TranslationLoader::install(qApp, QLocale(QLocale::English)));
        Agent::Options options;
        options.workingDirectory = m_dir.path();
        options.tokenFile = m_dir.filePath(QStringLiteral("token"));
        m_agent = std::make_unique<Agent>(options);
        QString error;
        QVERIFY2(m_agent->start(&error), qPrintable(error));
        m_client = std::make_unique<ProcessClient>(m_agent->url(), m_agent->token());
    }

    void init()
    {
        QTest::failOnWarning(QRegularExpression(QStringLiteral("Destroyed while process")));
        m_view = std::make_unique<ProcessesView>();
        m_view->resize(1100, 700);
        m_view->setClient(m_client.get(), true);
        m_view->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_view.get()));
    }

    void cleanup() { m_view.reset(); }

    void cleanupTestCase()
    {
        m_agent->processManager()->close();
        QTRY_COMPARE(m_agent->processManager()->runningCount(), 0);
        m_client.reset();
        m_agent.reset();
    }

    void emptyStateWithoutAgent()
    {
        ProcessesView view;
        view.setClient(nullptr, false);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QVERIFY(view.findChild<QWidget *>(QStringLiteral("processesNoAgent"))->isVisible());
        QVERIFY(!view.findChild<QAction *>(QStringLiteral("startProcessAction"))->isEnabled());
    }

    void startThroughDialogShowsColouredOutput()
    {
        QSignalSpy notified(m_view.get(), &ProcessesView::notificationRequested);
        m_view->findChild<QAction *>(QStringLiteral("startProcessAction"))->trigger();
        StartProcessDialog *dialog = nullptr;
        QTRY_VERIFY((dialog = m_view->findChild<StartProcessDialog *>()) && dialog->isVisible());
        auto *start = dialog->findChild<QPushButton *>(QStringLiteral("startButton"));
        QVERIFY(!start->isEnabled()); // no command yet
        auto *command = dialog->findChild<QPlainTextEdit *>(QStringLiteral("commandEdit"));
        command->setFocus();
        QTest::keyClicks(command,
                         app + QStringLiteral(" colors; ") + app +
                                 QStringLiteral(" print alpha findme omega"));
        QVERIFY(start->isEnabled());
        QTest::mouseClick(start, Qt::LeftButton);

        QTRY_COMPARE(m_view->model()->rowCount(), 1);
        QTRY_VERIFY(!m_view->selectedProcessId().isEmpty());
        QTRY_VERIFY(m_view->outputView()->visibleText().contains(QLatin1String("findme")));
        const QString text = m_view->outputView()->visibleText();
        QVERIFY2(text.contains(QLatin1String("red plain bold green")), qPrintable(text));
        QVERIFY(!text.contains(QChar(0x1b)));
        QVERIFY(!text.contains(QLatin1String("title"))); // OSC stripped, never shown raw
        QTRY_COMPARE(m_view->exitBannerText(),
                     QStringLiteral("Exited with code 0 after %1")
                             .arg(ProcessListModel::durationText(
                                     *m_view->model()->process(0).exitedAtMSecs -
                                     m_view->model()->process(0).startedAtMSecs)));
        QTRY_COMPARE(notified.count(), 1);
        QVERIFY(notified.first().at(1).toString().contains(QLatin1String("exited with code 0")));

        // ANSI colours are rendered: red from SGR 31 and the 38;2 truecolour.
        const QImage image = m_view->outputView()->viewport()->grab().toImage();
        QVERIFY(hasColourNear(image, QColor(0xcd, 0x00, 0x00), 90));
        QVERIFY(hasColourNear(image, QColor(10, 200, 250)));

        auto *search = m_view->findChild<QLineEdit *>(QStringLiteral("outputSearch"));
        search->setText(QStringLiteral("findme"));
        auto *matches = m_view->findChild<QLabel *>(QStringLiteral("matchCount"));
        QTRY_COMPARE(matches->text(), QStringLiteral("1 of 1")); // typing jumps to it
        m_view->outputView()->findNext(); // wraps to itself
        QTRY_COMPARE(matches->text(), QStringLiteral("1 of 1"));
        search->setText(QStringLiteral("nowhere-to-be-found"));
        QTRY_COMPARE(matches->text(), QStringLiteral("No matches"));

        QString error;
        const QString saved = m_dir.filePath(QStringLiteral("saved.log"));
        // Copy with nothing selected takes all of the output, as plain text.
        QApplication::clipboard()->clear();
        m_view->outputView()->clearSelection();
        QTest::mouseClick(m_view->findChild<QToolButton *>(QStringLiteral("copyOutputButton")),
                          Qt::LeftButton);
        QTRY_VERIFY(QApplication::clipboard()->text().contains(
                QLatin1String("alpha\nfindme\nomega\n")));
        QVERIFY(!QApplication::clipboard()->text().contains(QChar(0x1b)));

        QSignalSpy savedSpy(m_view.get(), &ProcessesView::outputSaved);
        m_view->saveOutput(saved);
        QVERIFY(savedSpy.wait());
        error = savedSpy.first().at(1).toString();
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QFile file(saved);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray content = file.readAll();
        QVERIFY(content.contains("alpha\nfindme\nomega\n"));
        QVERIFY(!content.contains('\x1b'));
        // It says where it saved, and proposes that folder next time, not the project's.
        QTRY_VERIFY(std::any_of(notified.cbegin(), notified.cend(), [&](const QList<QVariant> &n) {
            return n.at(1).toString() == QStringLiteral("Saved to ") + saved;
        }));
        QCOMPARE(ProcessesView::defaultSavePath(QStringLiteral("x.log")),
                 QFileInfo(saved).absolutePath() + QStringLiteral("/x.log"));
        QSettings().remove(QStringLiteral("output/lastSaveFolder"));
        QVERIFY(!ProcessesView::defaultSavePath(QStringLiteral("x.log"))
                         .startsWith(QDir::currentPath() + QLatin1Char('/')) ||
                QDir::currentPath() == QDir::homePath());

        QDir().mkpath(QStringLiteral(COMPANION_SCREENSHOT_DIR));
        QVERIFY(m_view->grab().save(
                QStringLiteral(COMPANION_SCREENSHOT_DIR "/processes-view.png")));
    }

    void dialogValidatesInline()
    {
        StartProcessDialog dialog(true);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        auto *start = dialog.findChild<QPushButton *>(QStringLiteral("startButton"));
        auto *command = dialog.findChild<QPlainTextEdit *>(QStringLiteral("commandEdit"));
        QTest::keyClicks(command, QStringLiteral("true"));
        QVERIFY(start->isEnabled());

        auto *chat = dialog.findChild<QLineEdit *>(QStringLiteral("chatIdEdit"));
        QTest::keyClicks(chat, QStringLiteral("not-a-uuid"));
        QVERIFY(dialog.findChild<QLabel *>(QStringLiteral("chatIdError"))->isVisible());
        QVERIFY(!start->isEnabled());
        chat->setText(QUuid::createUuid().toString(QUuid::WithoutBraces));
        QVERIFY(!dialog.findChild<QLabel *>(QStringLiteral("chatIdError"))->isVisible());
        QVERIFY(start->isEnabled());

        auto *workDir = dialog.findChild<QLineEdit *>(QStringLiteral("workDirEdit"));
        workDir->setText(QStringLiteral("/no/such/folder"));
        QVERIFY(dialog.findChild<QLabel *>(QStringLiteral("workDirError"))->isVisible());
        QVERIFY(!start->isEnabled());
        workDir->setText(m_dir.path());
        QVERIFY(start->isEnabled());

        ProcessClient::StartRequest request;
        request.command = QStringLiteral("env");
        request.environment = {{QStringLiteral("GOOD"), QStringLiteral("1")},
                               {QStringLiteral("1BAD"), QString()}};
        dialog.setRequest(request);
        QVERIFY(dialog.findChild<QLabel *>(QStringLiteral("environmentError"))->isVisible());
        QVERIFY(!start->isEnabled());

        command->clear();
        QVERIFY(dialog.findChild<QLabel *>(QStringLiteral("commandError"))->isVisible());
    }

    void dialogStartsOnEnterAndRemembersCommands()
    {
        StartProcessDialog::clearHistory();
        QSignalSpy started(m_view.get(), &ProcessesView::processStarted);
        m_view->showStartDialog();
        StartProcessDialog *dialog = nullptr;
        QTRY_VERIFY((dialog = m_view->findChild<StartProcessDialog *>()) && dialog->isVisible());
        auto *command = dialog->findChild<QPlainTextEdit *>(QStringLiteral("commandEdit"));
        command->setFocus();
        QTest::keyClicks(command, QStringLiteral("echo first"));
        QTest::keyClick(command, Qt::Key_Return, Qt::ShiftModifier); // a new line, not a start
        QTest::keyClicks(command, QStringLiteral("echo second"));
        QCOMPARE(command->toPlainText(), QStringLiteral("echo first\necho second"));
        QVERIFY(dialog->isVisible());
        QTest::keyClick(command, Qt::Key_Return);
        QTRY_COMPARE(started.size(), 1);
        QTRY_VERIFY(!m_view->findChild<StartProcessDialog *>()); // closed and deleted
        QCOMPARE(StartProcessDialog::history(),
                 QStringList {QStringLiteral("echo first\necho second")});

        // Enter on an empty command starts nothing.
        StartProcessDialog empty(true);
        empty.show();
        auto *emptyCommand = empty.findChild<QPlainTextEdit *>(QStringLiteral("commandEdit"));
        QTest::keyClick(emptyCommand, Qt::Key_Return);
        QVERIFY(empty.isVisible());
        QCOMPARE(empty.result(), int(QDialog::Rejected));

        StartProcessDialog next(true);
        next.show();
        QVERIFY(QTest::qWaitForWindowExposed(&next));
        auto *nextCommand = next.findChild<QPlainTextEdit *>(QStringLiteral("commandEdit"));
        nextCommand->setFocus();
        QTest::keyClicks(nextCommand, QStringLiteral("echo third"));
        QTest::keyClick(nextCommand, Qt::Key_Return);
        QCOMPARE(next.result(), int(QDialog::Accepted));
        QCOMPARE(StartProcessDialog::history(),
                 (QStringList {QStringLiteral("echo third"),
                               QStringLiteral("echo first\necho second")}));

        // A new dialog reads the history back: Up and Down browse it, Down past the newest
        // returns to what was typed.
        StartProcessDialog browse(true);
        browse.show();
        QVERIFY(QTest::qWaitForWindowExposed(&browse));
        auto *browseCommand = browse.findChild<QPlainTextEdit *>(QStringLiteral("commandEdit"));
        browseCommand->setFocus();
        QTest::keyClick(browseCommand, Qt::Key_Up);
        QCOMPARE(browseCommand->toPlainText(), QStringLiteral("echo third"));
        QTest::keyClick(browseCommand, Qt::Key_Up);
        QCOMPARE(browseCommand->toPlainText(), QStringLiteral("echo first\necho second"));
        QTest::keyClick(browseCommand, Qt::Key_Up); // the oldest stays
        QCOMPARE(browseCommand->toPlainText(), QStringLiteral("echo first\necho second"));
        QTest::keyClick(browseCommand, Qt::Key_Down);
        QTest::keyClick(browseCommand, Qt::Key_Down);
        QCOMPARE(browseCommand->toPlainText(), QString());

        // Typing offers the commands that start with the text; Enter takes the highlighted one.
        QTest::keyClicks(browseCommand, QStringLiteral("echo t"));
        auto *completer = browse.findChild<QCompleter *>(QStringLiteral("commandCompleter"));
        QTRY_VERIFY(completer->popup()->isVisible());
        QCOMPARE(completer->completionCount(), 1);
        QTest::keyClick(completer->popup(), Qt::Key_Down);
        QTest::keyClick(completer->popup(), Qt::Key_Return);
        QTRY_COMPARE(browseCommand->toPlainText(), QStringLiteral("echo third"));
        QVERIFY(browse.isVisible()); // picking a completion does not start it

        // At most 50 are kept, the newest first, without duplicates.
        for (int i = 0; i < 55; ++i) {
            ProcessClient::StartRequest request;
            request.command = QStringLiteral("c%1").arg(i % 52);
            browse.setRequest(request);
            browse.accept();
        }
        const QStringList kept = StartProcessDialog::history();
        QCOMPARE(kept.size(), StartProcessDialog::HistorySize);
        QCOMPARE(kept.first(), QStringLiteral("c2"));
        QCOMPARE(QSet<QString>(kept.cbegin(), kept.cend()).size(), kept.size());
        StartProcessDialog::clearHistory();
    }

    void searchWorksInTheAiClientView()
    {
        ProcessClient::StartRequest request;
        request.command = QStringLiteral("echo alpha beta; echo ALPHA gamma");
        m_view->startProcess(request);
        QTRY_VERIFY(!m_view->selectedProcessId().isEmpty());
        const QString id = m_view->selectedProcessId();
        QTRY_VERIFY(!m_view->model()->processById(id)->running);
        m_view->setAiClientView(true);
        QTRY_VERIFY(m_view->aiClientText().contains(QLatin1String("gamma")));
        auto *search = m_view->findChild<QLineEdit *>(QStringLiteral("outputSearch"));
        auto *matches = m_view->findChild<QLabel *>(QStringLiteral("matchCount"));
        search->setFocus();
        QTest::keyClicks(search, QStringLiteral("alpha"));
        QTRY_COMPARE(matches->text(), QStringLiteral("1 of 2")); // case-insensitive, jumps
        QTest::keyClick(search, Qt::Key_F3);
        QCOMPARE(matches->text(), QStringLiteral("2 of 2"));
        QTest::keyClick(search, Qt::Key_F3, Qt::ShiftModifier);
        QCOMPARE(matches->text(), QStringLiteral("1 of 2"));
        QTest::keyClick(search, Qt::Key_Return);
        QCOMPARE(matches->text(), QStringLiteral("2 of 2"));
        QTest::keyClick(search, Qt::Key_Return); // wraps
        QCOMPARE(matches->text(), QStringLiteral("1 of 2"));
        search->setText(QStringLiteral("delta"));
        QCOMPARE(matches->text(), QStringLiteral("No matches"));
        search->clear();
        QCOMPARE(matches->text(), QString());
        m_view->setAiClientView(false);
    }

    void searchTogglesWrapAndLineNumbers()
    {
        ProcessClient::StartRequest request;
        request.command = QStringLiteral("for i in 1 2 3; do echo \"Build step $i\"; done; "
                                         "echo 'build STEP four'");
        m_view->startProcess(request);
        QTRY_VERIFY(!m_view->selectedProcessId().isEmpty());
        const QString id = m_view->selectedProcessId();
        QTRY_VERIFY(!m_view->model()->processById(id)->running);
        QTRY_VERIFY(m_view->outputView()->visibleText().contains(QLatin1String("four")));
        auto *search = m_view->findChild<QLineEdit *>(QStringLiteral("outputSearch"));
        auto *matches = m_view->findChild<QLabel *>(QStringLiteral("matchCount"));
        auto *matchCase = m_view->findChild<QToolButton *>(QStringLiteral("matchCaseButton"));
        auto *regex = m_view->findChild<QToolButton *>(QStringLiteral("regexButton"));
        QVERIFY(matchCase && regex);
        search->setFocus();
        search->setText(QStringLiteral("step [0-9]"));
        QTRY_COMPARE(matches->text(), QStringLiteral("No matches")); // plain text: no such text
        QTest::mouseClick(regex, Qt::LeftButton);
        QTRY_COMPARE(matches->text(), QStringLiteral("1 of 3"));
        QTest::keyClick(search, Qt::Key_F3);
        QCOMPARE(matches->text(), QStringLiteral("2 of 3"));
        search->setText(QStringLiteral("step"));
        QTRY_COMPARE(matches->text(), QStringLiteral("2 of 4")); // from the current match on
        QTest::mouseClick(matchCase, Qt::LeftButton);
        QTRY_COMPARE(matches->text(), QStringLiteral("2 of 3")); // "STEP" no longer matches
        search->setText(QStringLiteral("step ("));
        QTRY_COMPARE(matches->text(), QStringLiteral("Invalid pattern"));
        QVERIFY(search->toolTip().contains(QLatin1String("character")));
        QTest::mouseClick(regex, Qt::LeftButton);
        QTest::mouseClick(matchCase, Qt::LeftButton);
        search->clear();
        QVERIFY(search->toolTip().isEmpty());

        // Alt+Z wraps, Ctrl+Shift+L numbers the lines, from the output pane; both persist.
        m_view->outputView()->setFocus();
        QTRY_VERIFY(m_view->outputView()->hasFocus());
        const bool wrapped = m_view->outputView()->wrapsLines();
        QTest::keyClick(m_view->outputView(), Qt::Key_Z, Qt::AltModifier);
        QCOMPARE(m_view->outputView()->wrapsLines(), !wrapped);
        QCOMPARE(QSettings().value(QStringLiteral("output/wrapLines")).toBool(), !wrapped);
        QTest::keyClick(m_view->outputView(), Qt::Key_Z, Qt::AltModifier);
        QCOMPARE(m_view->outputView()->wrapsLines(), wrapped);
        const bool numbered = m_view->outputView()->showsLineNumbers();
        QTest::keyClick(m_view->outputView(), Qt::Key_L, Qt::ControlModifier | Qt::ShiftModifier);
        QCOMPARE(m_view->outputView()->showsLineNumbers(), !numbered);
        QCOMPARE(QSettings().value(QStringLiteral("output/lineNumbers")).toBool(), !numbered);
        QTest::keyClick(m_view->outputView(), Qt::Key_L, Qt::ControlModifier | Qt::ShiftModifier);
        QCOMPARE(m_view->outputView()->showsLineNumbers(), numbered);
    }

    void tabOrderFollowsThePanes()
    {
        // Top to bottom, left to right: the filter, the table, the output's search and its
        // toggles, then the output itself; and Tab comes back round to the filter.
        ProcessClient::StartRequest request;
        request.command = QStringLiteral("echo tab order");
        m_view->startProcess(request);
        QTRY_VERIFY(!m_view->selectedProcessId().isEmpty());
        m_view->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(m_view.get()));
        auto *filter = m_view->findChild<QLineEdit *>(QStringLiteral("processFilter"));
        QVERIFY(filter);
        filter->setFocus();
        QTRY_VERIFY(filter->hasFocus());
        QStringList visited;
        for (int i = 0; i < 30; ++i) {
            QWidget *focus = QApplication::focusWidget();
            QVERIFY(focus);
            visited.append(focus->objectName());
            QTest::keyClick(focus, Qt::Key_Tab);
            if (QApplication::focusWidget() == filter) {
                break;
            }
        }
        QVERIFY2(QApplication::focusWidget() == filter, qPrintable(visited.join(u' ')));
        const QStringList order {QStringLiteral("processFilter"), QStringLiteral("processTable"),
                                 QStringLiteral("outputSearch"),  QStringLiteral("matchCaseButton"),
                                 QStringLiteral("regexButton"),   QStringLiteral("outputView")};
        qsizetype last = -1;
        for (const QString &name : order) {
            const qsizetype at = visited.indexOf(name);
            QVERIFY2(at > last, qPrintable(name + QStringLiteral(" in ") + visited.join(u' ')));
            last = at;
        }
    }

    void tabLeavesTheTable()
    {
        QSignalSpy started(m_view.get(), &ProcessesView::processStarted);
        for (int i = 0; i < 2; ++i) {
            ProcessClient::StartRequest request;
            request.command = QStringLiteral("true");
            m_view->startProcess(request);
        }
        QTRY_COMPARE(started.size(), 2);
        QTRY_VERIFY(m_view->table()->model()->rowCount() >= 2); // earlier tests' rows too
        // At the default size the table shows more than a few rows.
        QVERIFY2(m_view->table()->viewport()->height() >=
                         6 * m_view->table()->verticalHeader()->defaultSectionSize(),
                 qPrintable(QString::number(m_view->table()->viewport()->height())));
        // Newest first, and the header says it is descending.
        QCOMPARE(m_view->table()->horizontalHeader()->sortIndicatorSection(),
                 int(ProcessListModel::StartedColumn));
        QCOMPARE(m_view->table()->horizontalHeader()->sortIndicatorOrder(), Qt::DescendingOrder);
        m_view->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(m_view.get()));
        m_view->table()->setFocus();
        m_view->table()->setCurrentIndex(m_view->table()->model()->index(0, 0));
        QTRY_VERIFY(m_view->table()->hasFocus());
        QTest::keyClick(m_view->table(), Qt::Key_Down); // arrows still move between rows
        QCOMPARE(m_view->table()->currentIndex().row(), 1);
        QTest::keyClick(m_view->table(), Qt::Key_Tab);
        QTRY_VERIFY(!m_view->table()->hasFocus());
        QVERIFY(QApplication::focusWidget() && m_view->isAncestorOf(QApplication::focusWidget()));
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_Backtab);
        QTRY_VERIFY(m_view->table()->hasFocus());
    }

    void killAsksThenShowsMinusOne()
    {
        ProcessClient::StartRequest request;
        request.command = app + QStringLiteral(" hang");
        m_view->startProcess(request);
        QTRY_VERIFY(!m_view->selectedProcessId().isEmpty());
        const QString id = m_view->selectedProcessId();
        QTRY_VERIFY(m_view->outputView()->visibleText().contains(QLatin1String("ready")));
        auto *kill = m_view->findChild<QAction *>(QStringLiteral("killAction"));
        QTRY_VERIFY(kill->isEnabled());
        kill->trigger();
        QMessageBox *box = nullptr;
        QTRY_VERIFY((box = m_view->findChild<QMessageBox *>(QStringLiteral("killConfirmation"))) &&
                    box->isVisible());
        QTest::mouseClick(box->findChild<QPushButton *>(QStringLiteral("confirmKillButton")),
                          Qt::LeftButton);
        QTRY_COMPARE(m_view->model()->processById(id)->exitCode, std::optional<int>(-1));
        QTRY_VERIFY2(m_view->exitBannerText().startsWith(QLatin1String("Killed by SIGKILL after")),
                     qPrintable(m_view->exitBannerText()));
        QVERIFY(m_view->exitBannerText().endsWith(QLatin1String(", sent by you.")));
        QCOMPARE(stateOf(id), QStringLiteral("Killed (SIGKILL)"));
        QVERIFY(!kill->isEnabled());
    }

    void cpuAndMemoryColumnsFromProc()
    {
        QTableView *table = m_view->table();
        QVERIFY(table->isColumnHidden(ProcessListModel::PidColumn)); // hidden until asked for
        QVERIFY(table->isColumnHidden(ProcessListModel::CpuColumn));
        // The header's context menu shows them; the choice is remembered.
        const auto choose = [&](const QString &title) {
            QTimer::singleShot(0, this, [title] {
                auto *menu = qobject_cast<QMenu *>(QApplication::activePopupWidget());
                QVERIFY(menu);
                for (QAction *action : menu->actions()) {
                    if (action->text() == title) {
                        action->trigger();
                    }
                }
                menu->close();
            });
            Q_EMIT table->horizontalHeader()->customContextMenuRequested(QPoint(4, 4));
        };
        choose(QStringLiteral("CPU"));
        choose(QStringLiteral("Memory"));
        choose(QStringLiteral("PID"));
        QVERIFY(!table->isColumnHidden(ProcessListModel::CpuColumn));
        QVERIFY(!table->isColumnHidden(ProcessListModel::MemoryColumn));
        QVERIFY(!table->isColumnHidden(ProcessListModel::PidColumn));
        QVERIFY(!QSettings()
                         .value(QStringLiteral("processes/hiddenColumns"))
                         .toList()
                         .contains(int(ProcessListModel::CpuColumn)));

        ProcessClient::StartRequest request;
        request.command = QStringLiteral("while :; do :; done");
        m_view->startProcess(request);
        QTRY_VERIFY(!m_view->selectedProcessId().isEmpty());
        const QString id = m_view->selectedProcessId();
        const auto cell = [&](int column) {
            const int row = m_view->model()->rowOf(id);
            return m_view->model()->index(row, column).data().toString();
        };
        QTRY_VERIFY(!cell(ProcessListModel::PidColumn).isEmpty());
        // Two samples 2 s apart give a CPU share: a busy loop is near one core.
        QTRY_VERIFY_WITH_TIMEOUT(!cell(ProcessListModel::CpuColumn).isEmpty(), 15000);
        const int row = m_view->model()->rowOf(id);
        const double cpu = m_view->model()
                                   ->index(row, ProcessListModel::CpuColumn)
                                   .data(ProcessListModel::SortRole)
                                   .toDouble();
        QVERIFY2(cpu > 20, qPrintable(cell(ProcessListModel::CpuColumn)));
        QVERIFY(cell(ProcessListModel::MemoryColumn).contains(QLatin1String("iB")));
        m_client->signalProcess(id, QStringLiteral("kill"));
        QTRY_VERIFY(!m_view->model()->processById(id)->running);
        QTRY_COMPARE(cell(ProcessListModel::CpuColumn), QString());
        for (const QString &title :
             {QStringLiteral("CPU"), QStringLiteral("Memory"), QStringLiteral("PID")}) {
            choose(title);
        }
        QVERIFY(table->isColumnHidden(ProcessListModel::CpuColumn));
    }

    void terminateShowsTerminatingUntilTheProcessEnds()
    {
        // Traps TERM, takes its time, then ends by the signal: "Terminating…" is honest while
        // it runs, and the end names the signal and who sent it.
        ProcessClient::StartRequest request;
        request.command = QStringLiteral(
                "trap 'echo stopping; sleep 0.5; trap - TERM; kill -TERM $$' TERM; echo ready; "
                "while :; do sleep 0.05; done");
        m_view->startProcess(request);
        QTRY_VERIFY(!m_view->selectedProcessId().isEmpty());
        const QString id = m_view->selectedProcessId();
        QTRY_VERIFY(m_view->outputView()->visibleText().contains(QLatin1String("ready")));
        QCOMPARE(stateOf(id), QStringLiteral("Running"));
        auto *terminate = m_view->findChild<QAction *>(QStringLiteral("terminateAction"));
        QTRY_VERIFY(terminate->isEnabled());
        terminate->trigger();
        QTRY_COMPARE(stateOf(id), QStringLiteral("Terminating…"));
        QVERIFY(m_view->model()->processById(id)->running);
        QTRY_COMPARE(stateOf(id), QStringLiteral("Terminated (SIGTERM)"));
        QVERIFY(m_view->outputView()->visibleText().contains(QLatin1String("stopping")));
        QVERIFY2(m_view->exitBannerText().startsWith(QLatin1String("Terminated by SIGTERM after")),
                 qPrintable(m_view->exitBannerText()));
        QVERIFY(m_view->exitBannerText().endsWith(QLatin1String(", sent by you.")));
    }

    void terminateIgnoredIsNotReportedAsKilled()
    {
        ProcessClient::StartRequest request;
        request.command = QStringLiteral("trap '' TERM; echo ready; while :; do sleep 0.05; done");
        m_view->startProcess(request);
        QTRY_VERIFY(!m_view->selectedProcessId().isEmpty());
        const QString id = m_view->selectedProcessId();
        QTRY_VERIFY(m_view->outputView()->visibleText().contains(QLatin1String("ready")));
        m_view->terminateSelected();
        QTRY_COMPARE(stateOf(id), QStringLiteral("Terminating…"));
        // Ignored: after a while it still runs and still says so.
        QTest::qWait(300);
        QVERIFY(m_view->model()->processById(id)->running);
        QCOMPARE(stateOf(id), QStringLiteral("Terminating…"));
        // Killed from outside the agent: the banner does not claim we sent it.
        QVERIFY(::kill(pid_t(m_view->model()->processById(id)->pid), SIGKILL) == 0);
        QTRY_COMPARE(stateOf(id), QStringLiteral("Killed (SIGKILL)"));
        QVERIFY2(m_view->exitBannerText().endsWith(QLatin1String(", sent from outside the agent.")),
                 qPrintable(m_view->exitBannerText()));
    }

    void restartRunsTheSameCommandFolderAndEnvironment()
    {
        ProcessClient::StartRequest request;
        request.command = QStringLiteral("echo \"mark=$RESTART_MARK pwd=$PWD\"");
        request.workDir = m_dir.path();
        request.environment = {{QStringLiteral("RESTART_MARK"), QStringLiteral("m-42")}};
        m_view->startProcess(request);
        QTRY_VERIFY(!m_view->selectedProcessId().isEmpty());
        const QString first = m_view->selectedProcessId();
        QTRY_VERIFY(!m_view->model()->processById(first)->running);
        const QString expected = QStringLiteral("mark=m-42 pwd=") + m_dir.path();
        QTRY_VERIFY(m_view->outputView()->visibleText().contains(expected));

        QSignalSpy started(m_view.get(), &ProcessesView::processStarted);
        auto *restart = m_view->findChild<QAction *>(QStringLiteral("restartAction"));
        QVERIFY(restart->isEnabled());
        QTest::keyClick(m_view->table(), Qt::Key_R, Qt::ControlModifier);
        QTRY_COMPARE(started.size(), 1);
        const QString second = started.first().first().toString();
        QVERIFY(second != first);
        QTRY_COMPARE(m_view->selectedProcessId(), second);
        QTRY_VERIFY(!m_view->model()->processById(second)->running);
        QTRY_VERIFY(m_view->outputView()->visibleText().contains(expected));
    }

    void restartOfARunningProcessTerminatesItFirst()
    {
        ProcessClient::StartRequest request;
        request.command = app + QStringLiteral(" hang");
        m_view->startProcess(request);
        QTRY_VERIFY(!m_view->selectedProcessId().isEmpty());
        const QString first = m_view->selectedProcessId();
        QTRY_VERIFY(m_view->outputView()->visibleText().contains(QLatin1String("ready")));
        QSignalSpy started(m_view.get(), &ProcessesView::processStarted);
        m_view->restartSelected();
        QTRY_COMPARE(stateOf(first), QStringLiteral("Terminated (SIGTERM)"));
        QTRY_COMPARE(started.size(), 1);
        const QString second = started.first().first().toString();
        QTRY_VERIFY(m_view->model()->processById(second).has_value());
        QCOMPARE(m_view->model()->processById(second)->command, request.command);
        m_view->terminateSelected();
        QTRY_VERIFY(!m_view->model()->processById(second)->running);
    }

    void clearExitedKeepsRunningRows()
    {
        ProcessClient::StartRequest done;
        done.command = QStringLiteral("true");
        ProcessClient::StartRequest running;
        running.command = app + QStringLiteral(" hang");
        QSignalSpy started(m_view.get(), &ProcessesView::processStarted);
        m_view->startProcess(done);
        m_view->startProcess(running);
        QTRY_COMPARE(started.size(), 2);
        const QString doneId = started.at(0).first().toString();
        const QString runningId = started.at(1).first().toString();
        QTRY_VERIFY(m_view->model()->processById(doneId) &&
                    !m_view->model()->processById(doneId)->running);
        QTRY_VERIFY(m_view->model()->processById(runningId).has_value());
        auto *clear = m_view->findChild<QAction *>(QStringLiteral("clearExitedAction"));
        QTRY_VERIFY(clear->isEnabled());
        clear->trigger();
        QVERIFY(!m_view->model()->processById(doneId));
        QVERIFY(m_view->model()->processById(runningId));
        QVERIFY(!clear->isEnabled() || m_view->model()->exitedCount() > 0);
        m_view->selectProcess(runningId);
        m_view->terminateSelected();
        QTRY_VERIFY(!m_view->model()->processById(runningId)->running);
    }

    void cancelledKillLeavesProcessRunning()
    {
        ProcessClient::StartRequest request;
        request.command = app + QStringLiteral(" hang");
        m_view->startProcess(request);
        QTRY_VERIFY(!m_view->selectedProcessId().isEmpty());
        const QString id = m_view->selectedProcessId();
        QTRY_VERIFY(m_view->findChild<QAction *>(QStringLiteral("killAction"))->isEnabled());
        m_view->killSelected();
        QMessageBox *box = nullptr;
        QTRY_VERIFY((box = m_view->findChild<QMessageBox *>(QStringLiteral("killConfirmation"))) &&
                    box->isVisible());
        box->button(QMessageBox::Cancel)->click();
        QTest::qWait(0);
        QVERIFY(m_view->model()->processById(id)->running);
        m_view->terminateSelected();
        QTRY_VERIFY(!m_view->model()->processById(id)->running);
    }

    void aiClientViewShowsOmittedMarker()
    {
        ProcessClient::StartRequest request;
        request.command = app + QStringLiteral(" flood 200000");
        m_view->startProcess(request);
        QTRY_VERIFY(!m_view->selectedProcessId().isEmpty());
        const QString id = m_view->selectedProcessId();
        QTRY_VERIFY(!m_view->model()->processById(id)->running);
        m_view->findChild<QToolButton *>(QStringLiteral("aiClientToggle"))->click();
        QVERIFY(m_view->isAiClientView());
        QTRY_VERIFY(
                m_view->aiClientText().contains(QLatin1String("... [omitted 167232 bytes] ...")));
        QVERIFY(m_view->findChild<QLabel *>(QStringLiteral("aiClientSummary"))
                        ->text()
                        .contains(QLatin1String("omitted")));
        // The full view still has every byte.
        m_view->setAiClientView(false);
        QTRY_COMPARE(m_view->outputView()->capture()->endOffset(), qint64(200000));
        QDir().mkpath(QStringLiteral(COMPANION_SCREENSHOT_DIR));
        m_view->setAiClientView(true);
        QVERIFY(m_view->grab().save(
                QStringLiteral(COMPANION_SCREENSHOT_DIR "/processes-view-ai-client.png")));
    }

    void startErrorShowsInErrorBar()
    {
        ProcessClient::StartRequest request;
        request.command = QStringLiteral("true");
        request.workDir = QStringLiteral("/no/such/folder");
        m_view->startProcess(request);
        QTRY_VERIFY(m_view->errorText().contains(QLatin1String("Could not start the process")));
        QVERIFY(m_view->errorText().contains(QLatin1String("Failed to start process.")));
    }

    void filterHidesRows()
    {
        ProcessClient::StartRequest a;
        a.command = QStringLiteral("echo apple");
        ProcessClient::StartRequest b;
        b.command = QStringLiteral("echo banana");
        QSignalSpy started(m_view.get(), &ProcessesView::processStarted);
        m_view->startProcess(a);
        m_view->startProcess(b);
        // Both answered and both listed: rows of earlier tests do not count (the agent is
        // shared), and a start answered after the filter is set must find it in place.
        QTRY_COMPARE(started.size(), 2);
        for (const QList<QVariant> &arguments : std::as_const(started)) {
            QTRY_VERIFY(m_view->model()->rowOf(arguments.first().toString()) >= 0);
        }
        auto *filter = m_view->findChild<QLineEdit *>(QStringLiteral("processFilter"));
        filter->setText(QStringLiteral("banana"));
        QTRY_COMPARE(m_view->table()->model()->rowCount(), 1);
        filter->clear();
        QCOMPARE(m_view->table()->model()->rowCount(), m_view->model()->rowCount());
    }

    void filterTypedWhileStartIsPendingIsKept()
    {
        // The start's answer arrives after the user typed a filter that hides the new
        // process: the filter stays (it used to be cleared, which is what made
        // filterHidesRows fail under ASan, where answers come late).
        ProcessClient::StartRequest request;
        request.command = QStringLiteral("echo cherry");
        QSignalSpy started(m_view.get(), &ProcessesView::processStarted);
        m_view->startProcess(request);
        auto *filter = m_view->findChild<QLineEdit *>(QStringLiteral("processFilter"));
        filter->setText(QStringLiteral("no such process"));
        QVERIFY(started.wait());
        QTRY_VERIFY(m_view->model()->rowOf(started.first().first().toString()) >= 0);
        QCOMPARE(filter->text(), QStringLiteral("no such process"));
        QCOMPARE(m_view->table()->model()->rowCount(), 0);
        filter->clear();
    }

    void releasedCaptureIsExplained()
    {
        // An agent of its own whose capture budget holds one process's output, not two.
        QTemporaryDir dir;
        Agent::Options options;
        options.workingDirectory = dir.path();
        options.tokenFile = dir.filePath(QStringLiteral("token"));
        options.captureCapBytes = 64 * 1024;
        options.captureBudgetBytes = 100 * 1024;
        Agent agent(options);
        QString error;
        QVERIFY2(agent.start(&error), qPrintable(error));
        ProcessClient client(agent.url(), agent.token());
        ProcessesView view;
        view.setClient(&client, true);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QSignalSpy started(&view, &ProcessesView::processStarted);
        ProcessClient::StartRequest first;
        first.command = app + QStringLiteral(" flood 60000");
        view.startProcess(first);
        QVERIFY(started.wait());
        const QString firstId = started.first().first().toString();
        QTRY_VERIFY(agent.processManager()->process(firstId) &&
                    !agent.processManager()->process(firstId)->isRunning());
        ProcessClient::StartRequest second = first;
        view.startProcess(second);
        QVERIFY(started.wait());
        const QString secondId = started.last().first().toString();
        QTRY_VERIFY(!agent.processManager()->process(secondId)->isRunning());
        QVERIFY(agent.processManager()->process(firstId)->info().captureReleased);
        view.selectProcess(firstId);
        QTRY_VERIFY(view.exitBannerText().contains(QLatin1String("released")));
        QVERIFY(view.exitBannerText().contains(QLatin1String("What an AI client sees")));
        view.selectProcess(secondId);
        QTRY_VERIFY(!view.exitBannerText().isEmpty());
        QVERIFY(!view.exitBannerText().contains(QLatin1String("released")));
        view.setClient(nullptr, false);
        agent.processManager()->close();
        QTRY_COMPARE(agent.processManager()->runningCount(), 0);
    }

private:
    QString stateOf(const QString &id) const
    {
        const int row = m_view->model()->rowOf(id);
        return row < 0
                ? QString()
                : m_view->model()->index(row, ProcessListModel::StateColumn).data().toString();
    }

    QTemporaryDir m_dir;
    Theme m_theme;
    std::unique_ptr<Agent> m_agent;
    std::unique_ptr<ProcessClient> m_client;
    std::unique_ptr<ProcessesView> m_view;
};

QTEST_MAIN(TestProcessesView)
#include "tst_processesview.moc"
