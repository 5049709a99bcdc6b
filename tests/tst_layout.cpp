// Nothing is clipped: every view of a populated window (this machine's agent with processes and
// a demo project's context), in English and German, at the default size and at the smallest
// window we support (800x500). Each label's text fits its width (or its wrapped height), each
// button is at least as wide as its text wants, the tabs fit their bar. Every view is also
// saved as a screenshot in both themes and both languages.
#include "agent/agent.h"
#include "common/translationloader.h"
#include "context/contextclient.h"
#include "context/contextmanager.h"
#include "contextview.h"
#include "elidedlabel.h"
#include "mainwindow.h"
#include "outputview.h"
#include "process/processclient.h"
#include "process/processlistmodel.h"
#include "processesview.h"
#include "theme.h"

#include <QAbstractButton>
#include <QApplication>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QHeaderView>
#include <QLabel>
#include <QRegularExpression>
#include <QSettings>
#include <QStandardPaths>
#include <QTabBar>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QToolBar>
#include <QTranslator>
#include <QTreeView>

namespace {

QString describe(const QWidget *widget)
{
    QStringList path;
    for (const QWidget *w = widget; w; w = w->parentWidget()) {
        if (!w->objectName().isEmpty()) {
            path.prepend(w->objectName());
        }
        if (path.size() == 3) {
            break;
        }
    }
    return QStringLiteral("%1 [%2]").arg(QString::fromLatin1(widget->metaObject()->className()),
                                         path.join(QLatin1Char('/')));
}

// Whether a widget shows on screen (not folded into a toolbar's overflow).
bool shown(const QWidget *widget, const QWidget *window)
{
    return widget->isVisibleTo(window) && widget->width() > 0;
}

// The widest run of text that a word-wrapping label cannot break.
int longestWord(const QLabel *label)
{
    int widest = 0;
    for (const QString &word : label->text().split(QRegularExpression(QStringLiteral("\\s+")))) {
        widest = std::max(widest, label->fontMetrics().horizontalAdvance(word));
    }
    return widest;
}

QStringList clipped(const QWidget *window)
{
    QStringList problems;
    for (const QLabel *label : window->findChildren<QLabel *>()) {
        if (!shown(label, window) || label->text().isEmpty() || !label->pixmap().isNull()) {
            continue;
        }
        if (label->wordWrap()) {
            if (label->textFormat() != Qt::RichText &&
                longestWord(label) > label->contentsRect().width() + 1) {
                problems.append(QStringLiteral("%1 %2: a word needs %3 px, has %4")
                                        .arg(describe(label), label->text().left(60))
                                        .arg(longestWord(label))
                                        .arg(label->contentsRect().width()));
            } else if (label->height() + 1 < label->heightForWidth(label->width())) {
                problems.append(QStringLiteral("%1 %2: %3 px high, needs %4")
                                        .arg(describe(label), label->text().left(60))
                                        .arg(label->height())
                                        .arg(label->heightForWidth(label->width())));
            }
        } else if (label->width() + 1 < label->minimumSizeHint().width()) {
            problems.append(QStringLiteral("%1 \"%2\": %3 px wide, needs %4")
                                    .arg(describe(label), label->text().left(60))
                                    .arg(label->width())
                                    .arg(label->minimumSizeHint().width()));
        }
    }
    for (const ElidedLabel *label : window->findChildren<ElidedLabel *>()) {
        // Elided is fine, when the tooltip has the rest.
        if (shown(label, window) && label->isElided() &&
            !label->toolTip().contains(label->text())) {
            problems.append(QStringLiteral("%1 \"%2\": elided without the text in its tooltip")
                                    .arg(describe(label), label->text()));
        }
    }
    for (const QAbstractButton *button : window->findChildren<QAbstractButton *>()) {
        if (!shown(button, window) || button->text().isEmpty() ||
            button->metaObject()->className() == QByteArrayLiteral("QToolBarExtension")) {
            continue;
        }
        if (button->width() + 1 < button->sizeHint().width()) {
            problems.append(QStringLiteral("%1 \"%2\": %3 px wide, needs %4")
                                    .arg(describe(button), button->text())
                                    .arg(button->width())
                                    .arg(button->sizeHint().width()));
        }
    }
    for (const QHeaderView *header : window->findChildren<QHeaderView *>()) {
        if (!shown(header, window) || header->orientation() != Qt::Horizontal) {
            continue;
        }
        for (int section = 0; section < header->count(); ++section) {
            const QString text = header->model()->headerData(section, Qt::Horizontal).toString();
            // Text, margins and the sort arrow.
            const int wanted = header->fontMetrics().horizontalAdvance(text) + 16;
            if (header->isSectionHidden(section) || text.isEmpty() ||
                header->sectionSize(section) >= wanted) {
                continue;
            }
            problems.append(QStringLiteral("%1 column \"%2\": %3 px, needs %4")
                                    .arg(describe(header), text)
                                    .arg(header->sectionSize(section))
                                    .arg(wanted));
        }
    }
    // Grouping rows of the context tree say what they hold: "MCP-Konfigurationen (1)".
    for (const QTreeView *tree : window->findChildren<QTreeView *>()) {
        if (!shown(tree, window)) {
            continue;
        }
        const QAbstractItemModel *model = tree->model();
        for (int row = 0; row < model->rowCount(); ++row) {
            for (int column = 0; column < std::min(2, model->columnCount()); ++column) {
                const QModelIndex index = model->index(row, column);
                const QString text = index.data().toString();
                const int wanted = tree->fontMetrics().horizontalAdvance(text) +
                        (column == 0 ? tree->indentation() + 6 : 6); // Qt's text margins
                if (!text.isEmpty() && tree->columnWidth(column) < wanted) {
                    problems.append(QStringLiteral("%1 \"%2\": %3 px, needs %4")
                                            .arg(describe(tree), text)
                                            .arg(tree->columnWidth(column))
                                            .arg(wanted));
                }
            }
        }
    }
    for (const QTabBar *bar : window->findChildren<QTabBar *>()) {
        if (!shown(bar, window)) {
            continue;
        }
        for (int i = 0; i < bar->count(); ++i) {
            // A tab narrower than its text is elided; one past the bar's end is scrolled away.
            const QString text = QString(bar->tabText(i)).remove(QLatin1Char('&'));
            const QRect rect = bar->tabRect(i);
            if (rect.width() < bar->fontMetrics().horizontalAdvance(text) + 8 ||
                rect.right() > bar->width()) {
                problems.append(QStringLiteral("%1 tab \"%2\": %3 px of %4")
                                        .arg(describe(bar), text)
                                        .arg(rect.width())
                                        .arg(bar->width()));
            }
        }
    }
    return problems;
}

void write(const QString &path, const QByteArray &content)
{
    QDir().mkpath(QFileInfo(path).path());
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(content);
}

} // namespace

class TestLayout : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(m_settingsDir.isValid() && m_project.isValid() && m_home.isValid());
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsDir.path());
        QVERIFY(QDir().mkpath(QStringLiteral(COMPANION_SCREENSHOT_DIR)));

        // A project with rows that look alike (three AGENTS.md), a skill, a bad skill and an
        // MCP config with a long path.
        const QString root = m_project.path();
        write(root + QStringLiteral("/AGENTS.md"), "# Project rules\nBuild with CMake.\n");
        write(root + QStringLiteral("/services/api/AGENTS.md"), "# API rules\n");
        write(root + QStringLiteral("/services/web/frontend/AGENTS.md"), "# Web rules\n");
        write(root + QStringLiteral("/CLAUDE.md"), "Prefer small commits.\n");
        write(root + QStringLiteral("/.claude/skills/release-notes/SKILL.md"),
              "---\nname: release-notes\ndescription: Drafts release notes from merged pull "
              "requests and the changelog\n---\nSteps.\n");
        write(root + QStringLiteral("/skills/broken/SKILL.md"), "no front matter\n");
        write(root + QStringLiteral("/tools/integration/configuration/.mcp.json"),
              R"({"mcpServers": {"docs": {"command": "docs-server"}}})");

        Agent::Options options;
        options.workingDirectory = root;
        options.homeDirectory = m_home.path();
        options.tokenFile = m_home.filePath(QStringLiteral("token"));
        m_agent = std::make_unique<Agent>(options);
        QString error;
        QVERIFY2(m_agent->start(&error), qPrintable(error));
        m_client = std::make_unique<ProcessClient>(m_agent->url(), m_agent->token());
        m_context = std::make_unique<ContextClient>(m_client->api());
        for (const char *command :
             {"printf 'serving on :8080\\n'; sleep 600",
              "echo compiling; printf '\\033[31merror:\\033[0m undefined reference\\n'; exit 2",
              "cmake --build build/dev --target everything-with-a-rather-long-name; sleep 1"}) {
            ProcessClient::StartRequest request;
            request.command = QString::fromLatin1(command);
            request.workDir = root;
            m_client->startProcess(request);
        }
    }

    void cleanupTestCase()
    {
        m_context.reset();
        m_client.reset();
        m_agent.reset(); // ends the processes
    }

    void nothingClipped_data()
    {
        QTest::addColumn<QString>("language");
        QTest::newRow("en") << QStringLiteral("en");
        QTest::newRow("de") << QStringLiteral("de");
    }

    void nothingClipped()
    {
        QFETCH(QString, language);
        for (QTranslator *translator : qApp->findChildren<QTranslator *>()) {
            QCoreApplication::removeTranslator(translator);
            delete translator;
        }
        const QLocale locale(language);
        QLocale::setDefault(locale);
        QVERIFY(TranslationLoader::install(qApp, locale));
        const auto restore = qScopeGuard([] { QLocale::setDefault(QLocale::c()); });

        QStringList problems;
        const char *pages[] = {"context", "processes", "runners", "reinit-events"};
        for (const bool dark : {false, true}) {
            for (const QSize size : {QSize(1180, 760), QSize(800, 500)}) {
                QSettings().clear();
                Theme theme;
                theme.setScheme(dark ? Theme::Scheme::Dark : Theme::Scheme::Light);
                MainWindow window(&theme);
                window.setLocalAgent(m_client.get(), m_agent->tokenFile());
                QStringList builtinRoots; // as the app passes them
                for (const ScanRoot &root : m_agent->contextManager()->scanRoots()) {
                    if (root.userSource.isEmpty() && root.path != m_project.path()) {
                        builtinRoots.append(root.path);
                    }
                }
                window.setLocalContext(m_context.get(), builtinRoots, m_project.path());
                window.resize(size);
                window.show();
                QVERIFY(QTest::qWaitForWindowExposed(&window));
                QTRY_VERIFY(window.processesView()->model()->rowCount() >= 3);
                QTRY_VERIFY(window.contextView()->findChild<QTreeView *>() &&
                            window.contextView()->findChild<QTreeView *>()->model()->rowCount() >
                                    0);
                for (int page = 0; page < MainWindow::PageCount; ++page) {
                    window.setCurrentPage(MainWindow::Page(page));
                    if (page == MainWindow::ProcessesPage) {
                        window.processesView()->table()->selectRow(0);
                        QTRY_VERIFY(!window.processesView()->outputView()->visibleText().isEmpty());
                    }
                    // Let layouts, the context snapshot and the first output settle.
                    QTest::qWait(page == MainWindow::ContextPage ? 600 : 300);
                    const QString tag =
                            QStringLiteral("%1-%2-%3x%4-%5")
                                    .arg(language,
                                         dark ? QStringLiteral("dark") : QStringLiteral("light"))
                                    .arg(size.width())
                                    .arg(size.height())
                                    .arg(QLatin1StringView(pages[page]));
                    QString error;
                    QVERIFY2(window.saveScreenshot(
                                     QStringLiteral(COMPANION_SCREENSHOT_DIR "/layout-%1.png")
                                             .arg(tag),
                                     &error),
                             qPrintable(error));
                    if (dark) {
                        continue; // the same metrics as light
                    }
                    for (const QString &problem : clipped(&window)) {
                        problems.append(tag + QStringLiteral(": ") + problem);
                    }
                }
                if (size.width() < 900) {
                    // Narrow windows give the sidebar's room to the views.
                    QVERIFY(!window.sidebar()->isVisible());
                }
            }
        }
        problems.removeDuplicates();
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(QLatin1Char('\n'))));
    }

private:
    QTemporaryDir m_settingsDir;
    QTemporaryDir m_project;
    QTemporaryDir m_home;
    std::unique_ptr<Agent> m_agent;
    std::unique_ptr<ProcessClient> m_client;
    std::unique_ptr<ContextClient> m_context;
};

QTEST_MAIN(TestLayout)
#include "tst_layout.moc"
