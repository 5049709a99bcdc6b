// The Context view offscreen against a real in-process agent over loopback: the resource tree
// fills, a skipped skill says why, content is highlighted (Markdown, and JSON for .mcp.json only
// on this machine), scan roots are validated, the push countdown moves, the timeline grows,
// the aggregate hash is copied, and screenshots in both palettes go to the build tree.
#include "agent/agent.h"
#include "context/contextclient.h"
#include "context/contextmanager.h"
#include "context/contextresourcemodel.h"
#include "contextpushpanel.h"
#include "contextview.h"
#include "http/apiclient.h"
#include "theme.h"

#include <KSyntaxHighlighting/SyntaxHighlighter>
#include <KSyntaxHighlighting/Theme>

#include <QAbstractTextDocumentLayout>
#include <QApplication>
#include <QClipboard>
#include <QDir>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBlock>
#include <QTextLayout>
#include <QToolButton>
#include <QTreeView>
#include <QTreeWidget>

namespace {

const QByteArray agentsMd = "# Project rules\n"
                            "\n"
                            "Use **four spaces** and `braces` always.\n"
                            "\n"
                            "- Run the tests\n"
                            "- Keep commits small\n";
const QByteArray goodSkillMd = "---\n"
                               "name: good-skill\n"
                               "description: Does good things\n"
                               "---\n"
                               "\n"
                               "# Good skill\n"
                               "\n"
                               "Steps go *here*.\n";
const QByteArray badSkillMd = "---\n"
                              "name: Bad_Skill\n"
                              "description: Not kebab-case\n"
                              "---\n"
                              "\n"
                              "# Bad skill\n";
const QByteArray mcpJson = "{\n"
                           "    \"mcpServers\": {\n"
                           "        \"files\": {\n"
                           "            \"command\": \"mcp-files\",\n"
                           "            \"args\": [\"--root\", \".\"],\n"
                           "            \"env\": {\"TOKEN\": \"not-a-real-secret\"}\n"
                           "        }\n"
                           "    }\n"
                           "}\n";

bool writeFile(const QString &path, const QByteArray &bytes)
{
    if (!QDir().mkpath(QFileInfo(path).absolutePath())) {
        return false;
    }
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

// A port on loopback that nothing listens on.
quint16 unusedPort()
{
    QTcpServer server;
    if (!server.listen(QHostAddress::LocalHost, 0)) {
        return 0;
    }
    const quint16 port = server.serverPort();
    server.close();
    return port;
}

QModelIndex treeIndexOf(const ContextView &view, const QString &id)
{
    const QAbstractItemModel *model = view.tree()->model();
    const QModelIndexList found =
            model->match(model->index(0, 0), ContextResourceModel::ResourceIdRole, id, 1,
                         Qt::MatchExactly | Qt::MatchRecursive);
    return found.isEmpty() ? QModelIndex() : found.first();
}

int kindCount(const ContextResourceModel *model, ResourceKind kind)
{
    return model->rowCount(model->kindIndex(kind));
}

// Pixels that stand out from `background`: glyphs, frames, icons.
int contrastingPixels(const QImage &image, const QColor &background)
{
    const QImage img = image.convertToFormat(QImage::Format_RGB32);
    int count = 0;
    for (int y = 0; y < img.height(); ++y) {
        const auto *line = reinterpret_cast<const QRgb *>(img.constScanLine(y));
        for (int x = 0; x < img.width(); ++x) {
            if (std::abs(qGray(line[x]) - qGray(background.rgb())) > 96) {
                ++count;
            }
        }
    }
    return count;
}

bool hasColourNear(const QImage &image, const QColor &target, int tolerance = 40)
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

// The formats the highlighter gave a block of the shown content.
QList<QTextLayout::FormatRange> blockFormats(QPlainTextEdit *editor, int blockNumber)
{
    QTextDocument *document = editor->document();
    (void)document->documentLayout(); // a bare document lays out nothing until asked
    const QTextBlock block = document->findBlockByNumber(blockNumber);
    return block.isValid() && block.layout() ? block.layout()->formats()
                                             : QList<QTextLayout::FormatRange>();
}

// Whether the highlighter gave part of a block a colour of its own, not the theme's normal one
// (the highlighter formats plain text too, in the normal colour).
QColor styledColour(QPlainTextEdit *editor, const KSyntaxHighlighting::Theme &theme,
                    int blockNumber)
{
    const QColor normal = QColor::fromRgb(theme.textColor(KSyntaxHighlighting::Theme::Normal));
    for (const QTextLayout::FormatRange &range : blockFormats(editor, blockNumber)) {
        if (range.format.hasProperty(QTextFormat::ForegroundBrush) &&
            range.format.foreground().color() != normal) {
            return range.format.foreground().color();
        }
    }
    return {};
}

} // namespace

class TestContextView : public QObject
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

        m_home = m_dir.filePath(QStringLiteral("home"));
        m_work = m_home + QStringLiteral("/project");
        QVERIFY(writeFile(m_work + QStringLiteral("/AGENTS.md"), agentsMd));
        QVERIFY(writeFile(m_work + QStringLiteral("/skills/good-skill/SKILL.md"), goodSkillMd));
        QVERIFY(writeFile(m_work + QStringLiteral("/skills/Bad_Skill/SKILL.md"), badSkillMd));
        QVERIFY(writeFile(m_work + QStringLiteral("/.mcp.json"), mcpJson));
        QVERIFY(writeFile(m_home + QStringLiteral("/extra/CLAUDE.md"), "# Extra rules\n"));
        QVERIFY(QDir().mkpath(m_dir.filePath(QStringLiteral("outside"))));

        Agent::Options options;
        options.workingDirectory = m_work;
        options.tokenFile = m_dir.filePath(QStringLiteral("token"));
        options.homeDirectory = m_home; // the user's real ~ stays out
        options.contextBuiltinRoots = false;
        m_agent = std::make_unique<Agent>(options);
        QString error;
        QVERIFY2(m_agent->start(&error), qPrintable(error));
        m_api = std::make_unique<ApiClient>(m_agent->url(), m_agent->token());
        m_client = std::make_unique<ContextClient>(m_api.get());
    }

    void init()
    {
        // Each test starts without remembered scan roots (the shared agent keeps its own).
        QSettings().remove(QStringLiteral("context/localSources"));
        m_view = std::make_unique<ContextView>();
        m_view->resize(1400, 900);
        m_view->setClient(m_client.get(), true);
        m_view->setFixedRoots({}, m_work);
        m_view->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_view.get()));
        QTRY_COMPARE(m_view->model()->resourceCount(), 4);
    }

    void cleanup() { m_view.reset(); }

    void cleanupTestCase()
    {
        m_view.reset();
        m_client.reset();
        m_api.reset();
        m_agent.reset();
    }

    void tabOrderFollowsThePanes()
    {
        // The filter, then the panes left to right (scan roots, resources, details), then the
        // push and timeline tabs below; round again to the filter.
        m_view->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(m_view.get()));
        QTreeView *tree = m_view->tree();
        tree->setCurrentIndex(tree->model()->index(0, 0, tree->model()->index(0, 0)));
        auto *filter = m_view->findChild<QLineEdit *>(QStringLiteral("resourceFilter"));
        filter->setFocus();
        QTRY_VERIFY(filter->hasFocus());
        QStringList visited;
        for (int i = 0; i < 40; ++i) {
            QWidget *focus = QApplication::focusWidget();
            QVERIFY(focus);
            visited.append(focus->objectName());
            QTest::keyClick(focus, Qt::Key_Tab);
            if (QApplication::focusWidget() == filter) {
                break;
            }
        }
        QVERIFY2(QApplication::focusWidget() == filter, qPrintable(visited.join(u' ')));
        const QStringList order {QStringLiteral("resourceFilter"), QStringLiteral("sourceList"),
                                 QStringLiteral("sourcePathEdit"), QStringLiteral("resourceTree")};
        qsizetype last = -1;
        for (const QString &name : order) {
            const qsizetype at = visited.indexOf(name);
            QVERIFY2(at > last, qPrintable(name + QStringLiteral(" in ") + visited.join(u' ')));
            last = at;
        }
    }

    void emptyStateWithoutAgent()
    {
        ContextView view;
        view.setClient(nullptr, false);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QVERIFY(view.findChild<QWidget *>(QStringLiteral("contextNoAgent"))->isVisible());
        QVERIFY(!view.findChild<QTreeView *>(QStringLiteral("resourceTree"))->isVisible());
    }

    void treeFillsByKind()
    {
        const ContextResourceModel *model = m_view->model();
        QCOMPARE(model->rowCount(), 3);
        QCOMPARE(kindCount(model, ResourceKind::InstructionFile), 1);
        QCOMPARE(kindCount(model, ResourceKind::Skill), 2);
        QCOMPARE(kindCount(model, ResourceKind::McpConfig), 1);
        QCOMPARE(model->kindIndex(ResourceKind::Skill).data().toString(),
                 QStringLiteral("Skills (2)"));

        // Shown in the tree, expanded, with a status icon on every resource.
        QTreeView *tree = m_view->tree();
        QVERIFY(tree->isVisible());
        QCOMPARE(tree->model()->rowCount(), 3);
        for (int row = 0; row < 3; ++row) {
            const QModelIndex kind = tree->model()->index(row, 0);
            QVERIFY(tree->isExpanded(kind));
            const QModelIndex status =
                    tree->model()->index(0, ContextResourceModel::StatusColumn, kind);
            QVERIFY(!status.data(Qt::DecorationRole).value<QIcon>().isNull());
        }
        const QModelIndex agents = treeIndexOf(*m_view,
                                               QStringLiteral("instruction_file:") + m_work +
                                                       QStringLiteral("/AGENTS.md"));
        QVERIFY(agents.isValid());
        QCOMPARE(agents.siblingAtColumn(ContextResourceModel::SourceColumn).data().toString(),
                 QStringLiteral("working directory"));
        QCOMPARE(agents.siblingAtColumn(ContextResourceModel::HashColumn).data().toString().size(),
                 12);

        // The header: version, short hash, cap usage.
        auto *version = m_view->findChild<QLabel *>(QStringLiteral("snapshotVersion"));
        QVERIFY(version->text().startsWith(QLatin1String("Version ")));
        const QString hash = QString::fromLatin1(m_client->lastSnapshot().aggregateHash.toHex());
        QCOMPARE(m_view->findChild<QLabel *>(QStringLiteral("aggregateHash"))->text(),
                 hash.left(12));
        auto *count = m_view->findChild<QProgressBar *>(QStringLiteral("resourceCountBar"));
        QCOMPARE(count->value(), 4);
        QCOMPARE(count->maximum(), 500);
        auto *payload = m_view->findChild<QProgressBar *>(QStringLiteral("payloadBar"));
        QCOMPARE(payload->maximum(), 2 * 1024 * 1024);
        QCOMPARE(payload->value(), int(agentsMd.size() + goodSkillMd.size()));
        QVERIFY(!m_view->findChild<QLabel *>(QStringLiteral("snapshotError"))->isVisible());

        // This agent has no control plane.
        QCOMPARE(m_view->pushPanel()->status().state, ContextPushStatus::State::Disabled);
        QVERIFY(m_view->findChild<QLabel *>(QStringLiteral("pushDisabledNote"))
                        ->text()
                        .contains(QLatin1String("--control-plane")));

        // The working directory is listed, greyed, for information.
        auto *fixed = m_view->findChild<QListWidget *>(QStringLiteral("fixedRootList"));
        QCOMPARE(fixed->count(), 1);
        QVERIFY(fixed->item(0)->text().startsWith(m_work));
        QCOMPARE(fixed->item(0)->flags(), Qt::NoItemFlags);
    }

    void invalidSkillShowsItsReason()
    {
        const QString id = QStringLiteral("skill:") + m_work + QStringLiteral("/skills/Bad_Skill");
        const QModelIndex index = treeIndexOf(*m_view, id);
        QVERIFY(index.isValid());
        QCOMPARE(index.siblingAtColumn(ContextResourceModel::StatusColumn).data().toString(),
                 QStringLiteral("Invalid"));
        m_view->tree()->scrollTo(index);
        QTest::mouseClick(m_view->tree()->viewport(), Qt::LeftButton, {},
                          m_view->tree()->visualRect(index).center());
        QCOMPARE(m_view->selectedResourceId(), id);
        QVERIFY2(m_view->detailErrorText().contains(QLatin1String("is not kebab-case")),
                 qPrintable(m_view->detailErrorText()));
        QVERIFY(m_view->detailErrorText().startsWith(QLatin1String("Why it was skipped:")));
        // The agent keeps no bytes of a skipped skill; on this machine they come from disk.
        QTRY_COMPARE(m_view->contentDefinitionName(), QStringLiteral("Markdown"));
        QCOMPARE(m_view->contentView()->toPlainText().toUtf8(), badSkillMd);
        QVERIFY(m_view->contentNote().contains(QLatin1String("disk")));
    }

    void instructionFileContentIsHighlighted()
    {
        const QString id =
                QStringLiteral("instruction_file:") + m_work + QStringLiteral("/AGENTS.md");
        QVERIFY(m_view->selectResource(id));
        QTRY_COMPARE(m_view->contentView()->toPlainText().toUtf8(), agentsMd);
        QCOMPARE(m_view->contentDefinitionName(), QStringLiteral("Markdown"));
        QVERIFY(m_view->highlighter()->definition().isValid());
        QVERIFY(m_view->contentNote().isEmpty());
        QVERIFY(m_view->detailErrorText().isEmpty());
        QCOMPARE(m_view->findChild<QLabel *>(QStringLiteral("detailDescription"))->text(),
                 QStringLiteral("Project rules"));

        // The "# heading" line is formatted in a colour of its own, and it reaches the screen.
        const KSyntaxHighlighting::Theme theme = m_view->highlighter()->theme();
        QVERIFY(!blockFormats(m_view->contentView(), 0).isEmpty());
        const QColor headingColour = styledColour(m_view->contentView(), theme, 0);
        QVERIFY(headingColour.isValid());
        // A list item ("- Run the tests") is styled too; a blank line is not.
        QVERIFY(styledColour(m_view->contentView(), theme, 4).isValid());
        QVERIFY(blockFormats(m_view->contentView(), 1).isEmpty());
        const QImage image = m_view->contentView()->viewport()->grab().toImage();
        QVERIFY(hasColourNear(image, headingColour));
    }

    void skillFrontMatterIsHighlighted()
    {
        const QString id = QStringLiteral("skill:") + m_work + QStringLiteral("/skills/good-skill");
        QVERIFY(m_view->selectResource(id));
        QTRY_COMPARE(m_view->contentView()->toPlainText().toUtf8(), goodSkillMd);
        QCOMPARE(m_view->contentDefinitionName(), QStringLiteral("Markdown"));
        QVERIFY(m_view->detailErrorText().isEmpty());
        // Markdown's definition reads a leading "---" block as YAML: the key has its colour.
        QVERIFY(styledColour(m_view->contentView(), m_view->highlighter()->theme(), 1).isValid());
    }

    void mcpConfigOnlyShownForTheLocalAgent()
    {
        const QString id = QStringLiteral("mcp_config:") + m_work + QStringLiteral("/.mcp.json");
        QVERIFY(m_view->selectResource(id));
        QTRY_COMPARE(m_view->contentDefinitionName(), QStringLiteral("JSON"));
        QCOMPARE(m_view->contentView()->toPlainText().toUtf8(), mcpJson);
        QVERIFY(m_view->contentNote().contains(QLatin1String("never leave")));
        // "mcpServers": { has a coloured key.
        QVERIFY(styledColour(m_view->contentView(), m_view->highlighter()->theme(), 1).isValid());

        // The same agent as a remote one: only the explanation.
        m_view->setClient(m_client.get(), false);
        QTRY_COMPARE(m_view->model()->resourceCount(), 4);
        QVERIFY(m_view->selectResource(id));
        QTRY_VERIFY(m_view->contentNote().contains(
                QLatin1String("MCP configs may hold secrets; their bytes never leave the agent.")));
        QVERIFY(m_view->contentDefinitionName().isEmpty());
        QVERIFY(m_view->contentView()->toPlainText().isEmpty());
        QVERIFY(!m_view->contentView()->isVisible());
        QVERIFY(!m_view->findChild<QToolButton *>(QStringLiteral("browseSourceButton"))
                         ->isVisible());
    }

    void addingSourcesIsValidated()
    {
        auto *edit = m_view->findChild<QLineEdit *>(QStringLiteral("sourcePathEdit"));
        auto *add = m_view->findChild<QPushButton *>(QStringLiteral("addSourceButton"));
        QVERIFY(!add->isEnabled());
        QVERIFY(m_view->findChild<QToolButton *>(QStringLiteral("browseSourceButton"))
                        ->isVisible());

        QTest::keyClicks(edit, QStringLiteral("relative/folder"));
        QVERIFY(m_view->sourceErrorText().contains(QLatin1String("absolute")));
        QVERIFY(!add->isEnabled());

        // The agent refuses a folder outside its allowed roots; its reason shows under the field.
        const QString outside = m_dir.filePath(QStringLiteral("outside"));
        edit->setText(outside);
        QVERIFY(m_view->sourceErrorText().isEmpty());
        QVERIFY(add->isEnabled());
        QTest::mouseClick(add, Qt::LeftButton);
        QTRY_VERIFY2(
                m_view->sourceErrorText().contains(QLatin1String("is not inside any allowed root")),
                qPrintable(m_view->sourceErrorText()));
        QVERIFY(m_view->sourceErrorText().contains(outside));
        QVERIFY(m_view->findChild<QLabel *>(QStringLiteral("sourceError"))->isVisible());
        QVERIFY(m_view->sources().isEmpty());

        // A folder under home is added: listed, scanned, attributed.
        const QString extra = m_home + QStringLiteral("/extra");
        edit->setText(extra);
        QTest::keyClick(edit, Qt::Key_Return);
        QTRY_COMPARE(m_view->sources(), QStringList {extra});
        QVERIFY(m_view->sourceErrorText().isEmpty());
        QVERIFY(edit->text().isEmpty());
        QTRY_COMPARE(kindCount(m_view->model(), ResourceKind::InstructionFile), 2);
        const QModelIndex claude = treeIndexOf(*m_view,
                                               QStringLiteral("instruction_file:") + extra +
                                                       QStringLiteral("/CLAUDE.md"));
        QVERIFY(claude.isValid());
        QCOMPARE(claude.siblingAtColumn(ContextResourceModel::SourceColumn).data().toString(),
                 extra);

        // And removed again.
        auto *list = m_view->findChild<QListWidget *>(QStringLiteral("sourceList"));
        list->setCurrentRow(0);
        auto *remove = m_view->findChild<QPushButton *>(QStringLiteral("removeSourceButton"));
        QVERIFY(remove->isEnabled());
        QTest::mouseClick(remove, Qt::LeftButton);
        QTRY_VERIFY(m_view->sources().isEmpty());
        QTRY_COMPARE(kindCount(m_view->model(), ResourceKind::InstructionFile), 1);
    }

    void copyPutsFullHashOnClipboard()
    {
        auto *copy = m_view->findChild<QToolButton *>(QStringLiteral("copyHashButton"));
        QVERIFY(copy->isEnabled());
        QGuiApplication::clipboard()->clear();
        QTest::mouseClick(copy, Qt::LeftButton);
        const QString expected =
                QString::fromLatin1(m_client->lastSnapshot().aggregateHash.toHex());
        QCOMPARE(expected.size(), 64);
        QCOMPARE(QGuiApplication::clipboard()->text(), expected);

        // The selected resource's content hash too.
        const QString id =
                QStringLiteral("instruction_file:") + m_work + QStringLiteral("/AGENTS.md");
        QVERIFY(m_view->selectResource(id));
        QTest::mouseClick(
                m_view->findChild<QToolButton *>(QStringLiteral("copyResourceHashButton")),
                Qt::LeftButton);
        QCOMPARE(QGuiApplication::clipboard()->text(),
                 QString::fromLatin1(m_view->model()->resourceById(id)->contentHash.toHex()));
    }

    void resyncPublishesANewVersion()
    {
        const quint64 before = m_view->model()->version();
        QTest::keyClick(m_view->tree(), Qt::Key_F5);
        QTRY_VERIFY(m_view->model()->version() > before);
        QTRY_COMPARE(m_view->timeline()->topLevelItem(0)->text(3), QStringLiteral("no changes"));
        QCOMPARE(m_view->timeline()->topLevelItem(0)->text(2), QStringLiteral("Resync"));
        QVERIFY(m_view->errorText().isEmpty());
    }

    void editingAFileAddsATimelineVersion()
    {
        const QString id =
                QStringLiteral("instruction_file:") + m_work + QStringLiteral("/AGENTS.md");
        QVERIFY(m_view->selectResource(id));
        QTRY_COMPARE(m_view->contentView()->toPlainText().toUtf8(), agentsMd);
        const quint64 before = m_view->model()->version();
        QVERIFY(m_view->timeline()->topLevelItemCount() >= 1);

        const QByteArray edited = agentsMd + "- Document every class\n";
        QVERIFY(writeFile(m_work + QStringLiteral("/AGENTS.md"), edited));
        // The agent's watcher debounces 250 ms, then resolves and publishes.
        QTRY_VERIFY_WITH_TIMEOUT(m_view->model()->version() > before, 10000);
        QTreeWidget *timeline = m_view->timeline();
        QTRY_COMPARE(timeline->topLevelItem(0)->text(0),
                     QStringLiteral("v%1").arg(m_view->model()->version()));
        QTreeWidgetItem *newest = timeline->topLevelItem(0);
        QCOMPARE(newest->text(3), QStringLiteral("+0 −0 ~1"));
        QVERIFY2(newest->text(2).startsWith(QLatin1String("File change")),
                 qPrintable(newest->text(2)));
        QCOMPARE(newest->childCount(), 1);
        QCOMPARE(newest->child(0)->text(0), QStringLiteral("~ ") + id);
        // Older versions follow, newest first.
        if (timeline->topLevelItemCount() > 1) {
            QVERIFY(timeline->topLevelItem(1)->data(0, Qt::UserRole).toULongLong() <
                    newest->data(0, Qt::UserRole).toULongLong());
        }
        // The selection survived the new version and shows the new content.
        QCOMPARE(m_view->selectedResourceId(), id);
        QTRY_COMPARE(m_view->contentView()->toPlainText().toUtf8(), edited);
        QVERIFY(writeFile(m_work + QStringLiteral("/AGENTS.md"), agentsMd));
        QTRY_VERIFY_WITH_TIMEOUT(m_view->contentView()->toPlainText().toUtf8() == agentsMd, 10000);
    }

    void scanRootsPersistAcrossARestart()
    {
        const QString root = m_home + QStringLiteral("/persisted");
        QVERIFY(writeFile(root + QStringLiteral("/AGENTS.md"), "# Kept\n"));
        const QString key = QStringLiteral("context/localSources");
        Agent::Options options;
        options.workingDirectory = m_dir.filePath(QStringLiteral("persist-work"));
        QVERIFY(QDir().mkpath(options.workingDirectory));
        options.tokenFile = m_dir.filePath(QStringLiteral("persist-token"));
        options.homeDirectory = m_home;
        options.contextBuiltinRoots = false;
        {
            Agent agent(options);
            QString error;
            QVERIFY2(agent.start(&error), qPrintable(error));
            ApiClient api(agent.url(), agent.token());
            ContextClient client(&api);
            ContextView view;
            view.setClient(&client, true);
            view.show();
            auto *edit = view.findChild<QLineEdit *>(QStringLiteral("sourcePathEdit"));
            QTRY_VERIFY(edit->isEnabled());
            edit->setText(root);
            QTest::keyClick(edit, Qt::Key_Return);
            QTRY_COMPARE(view.sources(), QStringList {root});
            QTRY_COMPARE(QSettings().value(key).toStringList(), QStringList {root});
            view.setClient(nullptr, false);
        }
        // The next start gives it back to the new agent, through its API.
        Agent agent(options);
        QString error;
        QVERIFY2(agent.start(&error), qPrintable(error));
        QVERIFY(agent.contextManager()->sources().isEmpty());
        ApiClient api(agent.url(), agent.token());
        ContextClient client(&api);
        ContextView view;
        view.setClient(&client, true);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QTRY_COMPARE(agent.contextManager()->sources(), QStringList {root});
        QTRY_COMPARE(view.sources(), QStringList {root});

        // Delete in the list removes the selected root, and it stays removed.
        auto *list = view.findChild<QListWidget *>(QStringLiteral("sourceList"));
        list->setFocus();
        list->item(0)->setSelected(true);
        QTest::keyClick(list, Qt::Key_Delete);
        QTRY_VERIFY(view.sources().isEmpty());
        QTRY_VERIFY(QSettings().value(key).toStringList().isEmpty());
        view.setClient(nullptr, false);
    }

    void pushCountdownMoves()
    {
        const QString work = m_dir.filePath(QStringLiteral("push-work"));
        QVERIFY(writeFile(work + QStringLiteral("/AGENTS.md"), "# Pushed rules\n"));
        const quint16 port = unusedPort();
        QVERIFY(port != 0);
        Agent::Options options;
        options.workingDirectory = work;
        options.tokenFile = m_dir.filePath(QStringLiteral("push-token"));
        options.homeDirectory = m_home;
        options.contextBuiltinRoots = false;
        options.controlPlane = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port));
        Agent agent(options);
        QString error;
        QVERIFY2(agent.start(&error), qPrintable(error));
        ApiClient api(agent.url(), agent.token());
        ContextClient client(&api);

        ContextView view;
        view.resize(1200, 800);
        view.setClient(&client, true);
        view.setFixedRoots({}, work);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        ContextPushPanel *panel = view.pushPanel();
        auto *countdown = view.findChild<QLabel *>(QStringLiteral("pushCountdown"));
        auto *retry = view.findChild<QPushButton *>(QStringLiteral("retryPushButton"));

        // Nothing listens: the loop backs off 250 ms, 500 ms, 1 s, 2 s... Wait for a backoff long
        // enough to watch the countdown move within it.
        QTRY_VERIFY_WITH_TIMEOUT(panel->status().state == ContextPushStatus::State::BackingOff &&
                                         panel->status().nextRetryAtMSecs -
                                                         QDateTime::currentMSecsSinceEpoch() >
                                                 600,
                                 15000);
        QVERIFY(retry->isEnabled());
        QVERIFY(!panel->status().lastError.isEmpty());
        QVERIFY(!view.findChild<QLabel *>(QStringLiteral("pushLastError"))->text().isEmpty());
        QTRY_VERIFY(countdown->text().startsWith(QLatin1String("Next retry in ")));
        const QString first = countdown->text();
        QTRY_VERIFY(countdown->text() != first &&
                    countdown->text().startsWith(QLatin1String("Next retry in ")));
        QVERIFY(retry->isEnabled());

        // Retry now: another attempt at once, which fails and backs off again.
        const int attempts = panel->status().attempts;
        QTest::mouseClick(retry, Qt::LeftButton);
        QTRY_VERIFY(panel->status().attempts > attempts);
        QTRY_COMPARE(panel->status().state, ContextPushStatus::State::BackingOff);
        QVERIFY(view.errorText().isEmpty());

        QDir().mkpath(QStringLiteral(COMPANION_SCREENSHOT_DIR));
        QVERIFY(view.grab().save(
                QStringLiteral(COMPANION_SCREENSHOT_DIR "/context-view-push.png")));
        view.setClient(nullptr, false);
        agent.stop();
    }

    void screenshotsInBothPalettes_data()
    {
        QTest::addColumn<bool>("dark");
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("selected");
        QTest::newRow("light") << false << QStringLiteral("context-view.png")
                               << QStringLiteral("skill:/skills/Bad_Skill");
        QTest::newRow("dark") << true << QStringLiteral("context-view-dark.png")
                              << QStringLiteral("instruction_file:/AGENTS.md");
    }

    void screenshotsInBothPalettes()
    {
        QFETCH(bool, dark);
        QFETCH(QString, file);
        QFETCH(QString, selected);
        m_theme.setScheme(dark ? Theme::Scheme::Dark : Theme::Scheme::Light);
        const QPalette expected = dark ? Theme::darkPalette() : Theme::lightPalette();
        QTRY_COMPARE(m_view->palette().color(QPalette::Window), expected.color(QPalette::Window));

        // The editor follows the palette: a theme of the same lightness, its background copied.
        const KSyntaxHighlighting::Theme theme = m_view->highlighter()->theme();
        QVERIFY(theme.isValid());
        const QColor background =
                QColor::fromRgb(theme.editorColor(KSyntaxHighlighting::Theme::BackgroundColor));
        QCOMPARE(background.lightness() < 128, dark);
        QCOMPARE(m_view->contentView()->palette().color(QPalette::Base), background);

        const qsizetype colon = selected.indexOf(QLatin1Char(':'));
        QVERIFY(m_view->selectResource(selected.left(colon + 1) + m_work +
                                       selected.mid(colon + 1)));
        QTRY_VERIFY(!m_view->contentView()->toPlainText().isEmpty());
        m_view->findChild<QLineEdit *>(QStringLiteral("sourcePathEdit"))
                ->setText(QStringLiteral("relative"));
        if (dark) { // the timeline, with the newest version opened
            m_view->findChild<QTabWidget *>(QStringLiteral("contextBottomTabs"))
                    ->setCurrentIndex(1);
            QVERIFY(m_view->timeline()->topLevelItemCount() > 0);
            m_view->timeline()->topLevelItem(0)->setExpanded(true);
        }
        QTest::qWait(50); // let the palette change repaint

        QVERIFY(QDir().mkpath(QStringLiteral(COMPANION_SCREENSHOT_DIR)));
        const QString path = QStringLiteral(COMPANION_SCREENSHOT_DIR "/") + file;
        const QImage image = m_view->grab().toImage();
        QVERIFY(image.save(path));
        const int ink = contrastingPixels(image, expected.color(QPalette::Window));
        QVERIFY2(ink > 5000, qPrintable(QStringLiteral("only %1 text pixels").arg(ink)));
        // Highlighted content, in the theme's own colours, is in the picture.
        const QImage content = m_view->contentView()->viewport()->grab().toImage();
        QVERIFY(contrastingPixels(content, background) > 200);
        if (dark) {
            m_theme.setScheme(Theme::Scheme::Light);
        }
    }

private:
    QTemporaryDir m_dir;
    Theme m_theme;
    QString m_home;
    QString m_work;
    std::unique_ptr<Agent> m_agent;
    std::unique_ptr<ApiClient> m_api;
    std::unique_ptr<ContextClient> m_client;
    std::unique_ptr<ContextView> m_view;
};

QTEST_MAIN(TestContextView)
#include "tst_contextview.moc"
