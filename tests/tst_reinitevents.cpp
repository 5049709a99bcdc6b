// The control plane in the desktop app: the workspace sidebar, Claim…, the Reinit events view
// (live log, filters, loop banner, JSON-lines export) and the Context view's stored state,
// against a real control plane on loopback (SQLite in a temporary folder), offscreen.
#include "agent/agentsupervisor.h"
#include "claimdialog.h"
#include "common/clock.h"
#include "contextview.h"
#include "controlplane/controlplane.h"
#include "controlplane/controlplaneclient.h"
#include "controlplane/reiniteventmodel.h"
#include "http/apiclient.h"
#include "mainwindow.h"
#include "prebuilds/reinitclient.h"
#include "reiniteventsview.h"
#include "theme.h"

#include <QAction>
#include <QBuffer>
#include <QComboBox>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>
#include <QTreeView>

#include <memory>

using namespace std::chrono_literals;

namespace {

constexpr int Timeout = 10'000;
const QByteArray operatorToken = QByteArrayLiteral("operator-token-for-the-ui-test-0123456789");

ReinitEventRecord record(qint64 id, qint64 at, const QString &workspace, const QString &kind)
{
    ReinitEventRecord e;
    e.id = id;
    e.at = at;
    e.workspaceId = workspace;
    e.agentId = QStringLiteral("agent-") + workspace;
    e.kind = kind;
    e.reason = QStringLiteral("prebuild_claimed");
    return e;
}

// The row of the sidebar whose text starts with `name`.
QListWidgetItem *sidebarItem(MainWindow &window, const QString &name)
{
    for (int row = 0; row < window.workspaceList()->count(); ++row) {
        QListWidgetItem *item = window.workspaceList()->item(row);
        if (item->text().startsWith(name + QLatin1Char(' ')) ||
            item->text().startsWith(name + QLatin1Char('\n'))) {
            return item;
        }
    }
    return nullptr;
}

} // namespace

class TestReinitEvents : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(m_settings.isValid());
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settings.path());
    }

    void init()
    {
        QVERIFY(m_dir.isValid());
        ControlPlane::Options options;
        options.database.sqlitePath =
                m_dir.filePath(QStringLiteral("cp-%1.db").arg(++m_planeNumber));
        options.operatorToken = operatorToken;
        m_plane = std::make_unique<ControlPlane>(options);
        QSignalSpy started(m_plane.get(), &ControlPlane::started);
        m_plane->start();
        QTRY_COMPARE_WITH_TIMEOUT(started.size(), 1, Timeout);
        m_api = std::make_unique<ApiClient>(m_plane->url(), operatorToken);
    }

    void cleanup()
    {
        m_api.reset();
        m_plane.reset();
    }

    void modelCapsAndExports()
    {
        ReinitEventModel model;
        QList<ReinitEventRecord> events;
        for (qint64 id = 1; id <= ReinitEventModel::MaxRows + 50; ++id) {
            events.append(record(id, 1000 + id, QStringLiteral("w1"), QStringLiteral("delivered")));
        }
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        model.append(QStringLiteral("cp"), events.mid(0, 100));
        model.append(QStringLiteral("cp"), events.mid(100));
        QCOMPARE(inserted.size(), 2); // one insertion per batch
        QCOMPARE(model.rowCount(), ReinitEventModel::MaxRows);
        QCOMPARE(model.record(0).id, qint64(51)); // the oldest went

        model.setNames(QStringLiteral("cp"), {{QStringLiteral("w1"), QStringLiteral("pb-one")}}, {},
                       {});
        QCOMPARE(model.index(0, ReinitEventModel::Workspace).data().toString(),
                 QStringLiteral("pb-one"));

        QBuffer buffer;
        QVERIFY(buffer.open(QIODevice::WriteOnly));
        QString error;
        QVERIFY(ReinitEventModel::writeJsonLines(model.entries({0, 1}), &buffer, &error));
        const QList<QByteArray> lines = buffer.data().split('\n');
        QCOMPARE(lines.size(), 3); // two lines and the end
        const QJsonObject first = QJsonDocument::fromJson(lines.at(0)).object();
        QCOMPARE(first.value(QStringLiteral("id")).toInteger(), 51);
        QCOMPARE(first.value(QStringLiteral("kind")).toString(), QStringLiteral("delivered"));
        QCOMPARE(first.value(QStringLiteral("control_plane")).toString(), QStringLiteral("cp"));
    }

    void loopDetector()
    {
        ReinitEventModel model;
        const qint64 now = 1'800'000'000'000;
        const qint64 minute = 60'000;
        const QString reinit = QStringLiteral("reinitialized");
        // Two within the window: no loop. Three, one of them outside it: no loop.
        model.append(QStringLiteral("cp"),
                     {record(1, now - 11 * minute, QStringLiteral("a"), reinit),
                      record(2, now - 5 * minute, QStringLiteral("a"), reinit),
                      record(3, now - 1 * minute, QStringLiteral("a"), reinit),
                      record(4, now - 2 * minute, QStringLiteral("b"), reinit),
                      record(5, now - 1 * minute, QStringLiteral("b"),
                             QStringLiteral("ignored_duplicate"))});
        QVERIFY(model.loops(now).isEmpty());
        model.append(QStringLiteral("cp"), {record(6, now, QStringLiteral("a"), reinit)});
        const QList<ReinitEventModel::Loop> loops = model.loops(now);
        QCOMPARE(loops.size(), 1);
        QCOMPARE(loops.first().workspaceId, QStringLiteral("a"));
        QCOMPARE(loops.first().count, 3);
        // Ten minutes on, the oldest of them have aged out.
        QVERIFY(model.loops(now + 6 * minute).isEmpty());
    }

    void viewFiltersBatchesAndWarns()
    {
        ManualClock clock(1'800'000'000'000);
        ReinitEventsView view;
        view.setClock(&clock);
        view.resize(1000, 600);
        view.show();
        QSignalSpy inserted(view.model(), &QAbstractItemModel::rowsInserted);
        // A flood of single events is one insertion at the next frame.
        for (qint64 id = 1; id <= 200; ++id) {
            view.addEvents(QStringLiteral("cp"),
                           {record(id, clock.nowMSecs() - 100'000 + id,
                                   id % 2 ? QStringLiteral("w-odd") : QStringLiteral("w-even"),
                                   id % 4 == 0 ? QStringLiteral("transport_error")
                                               : QStringLiteral("delivered"))});
        }
        QCOMPARE(view.model()->rowCount(), 0);
        QTRY_COMPARE(view.model()->rowCount(), 200);
        QCOMPARE(inserted.size(), 1);
        view.setNames(QStringLiteral("cp"),
                      {{QStringLiteral("w-odd"), QStringLiteral("odd-space")},
                       {QStringLiteral("w-even"), QStringLiteral("even-space")}},
                      {}, {});
        // Newest first.
        QCOMPARE(view.filterModel()->index(0, 0).data(ReinitEventModel::AtRole).toLongLong(),
                 clock.nowMSecs() - 100'000 + 200);

        view.searchEdit()->setText(QStringLiteral("odd-space"));
        QCOMPARE(view.filterModel()->rowCount(), 100);
        view.outcomeFilter()->setCurrentIndex(
                view.outcomeFilter()->findData(QStringLiteral("transport_error")));
        QCOMPARE(view.filterModel()->rowCount(), 0); // every fourth is even
        QVERIFY(view.findChild<QWidget *>(QStringLiteral("reinitEventsNoMatch"))->isVisible());
        view.searchEdit()->clear();
        QCOMPARE(view.filterModel()->rowCount(), 50);
        view.outcomeFilter()->setCurrentIndex(0);
        view.filterWorkspace(QStringLiteral("w-even"), QStringLiteral("even-space"));
        QCOMPARE(view.filterModel()->rowCount(), 100);
        auto *chip = view.findChild<QToolButton *>(QStringLiteral("reinitWorkspaceChip"));
        QVERIFY(chip->isVisible() && chip->text().contains(QLatin1String("even-space")));
        chip->click();
        QCOMPARE(view.filterModel()->rowCount(), 200);

        // The export writes what is shown, oldest first.
        view.searchEdit()->setText(QStringLiteral("odd-space"));
        const QString path = m_dir.filePath(QStringLiteral("events.jsonl"));
        const QString error = view.exportTo(path).result();
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = file.readAll().trimmed().split('\n');
        QCOMPARE(lines.size(), 100);
        QCOMPARE(QJsonDocument::fromJson(lines.first())
                         .object()
                         .value(QStringLiteral("id"))
                         .toInteger(),
                 1);
        view.searchEdit()->clear();

        // Three reinitializations of one workspace within 10 minutes raise the banner.
        QVERIFY(view.bannerText().isEmpty());
        for (qint64 id = 201; id <= 203; ++id) {
            view.addEvents(QStringLiteral("cp"),
                           {record(id, clock.nowMSecs() - (204 - id) * 60'000,
                                   QStringLiteral("w-odd"), QStringLiteral("reinitialized"))});
        }
        view.flush();
        QVERIFY(view.loopBanner()->isVisible());
        QVERIFY2(view.bannerText().contains(QLatin1String("odd-space")),
                 qPrintable(view.bannerText()));
        QVERIFY(view.bannerText().contains(QLatin1String("3 times")));
        // Its link shows that workspace's events.
        Q_EMIT view.loopBanner()->linkActivated(QStringLiteral("0"));
        QCOMPARE(view.workspaceFilter(), QStringLiteral("w-odd"));
        // Time passes: the warning goes when the reinits leave the window.
        clock.advance(10min);
        view.setClock(&clock);
        QVERIFY(!view.loopBanner()->isVisible());
    }

    void sidebarClaimAndReinit()
    {
        // A prebuilt workspace with a running agent, and a regular one.
        QJsonObject prebuilt = create(QStringLiteral("pb-ui"), true);
        const QString id = prebuilt.value(QStringLiteral("id")).toString();
        QVERIFY(!id.isEmpty());
        Agent::Options options;
        options.workingDirectory = m_dir.path();
        options.homeDirectory = m_dir.path();
        options.tokenFile = m_dir.filePath(QStringLiteral("agent-token"));
        options.contextBuiltinRoots = false;
        options.controlPlane = m_plane->url();
        options.controlPlaneToken =
                prebuilt.value(QStringLiteral("agent_token")).toString().toLatin1();
        AgentSupervisor supervisor(options);
        QString error;
        QVERIFY2(supervisor.start(&error), qPrintable(error));

        Theme theme;
        MainWindow window(&theme);
        window.resize(1280, 800);
        window.show();
        ControlPlaneClient *plane = window.addControlPlane(
                QStringLiteral("Test plane"), m_plane->url(), operatorToken, true, false);
        // The sidebar fills, with the badge and the live state.
        QTRY_VERIFY_WITH_TIMEOUT(sidebarItem(window, QStringLiteral("pb-ui")), Timeout);
        QTRY_VERIFY_WITH_TIMEOUT(
                window.workspaceItemText(plane, id).contains(QLatin1String("Agent connected")),
                Timeout);
        QVERIFY2(window.workspaceItemText(plane, id).contains(QLatin1String("[Prebuilt]")),
                 qPrintable(window.workspaceItemText(plane, id)));

        // Claim… is offered for it, in the menu and the context menu, on Ctrl+Shift+K.
        auto *claim = window.findChild<QAction *>(QStringLiteral("claimAction"));
        QVERIFY(claim);
        QCOMPARE(claim->shortcut(), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_K));
        QVERIFY(!claim->isEnabled());
        QVERIFY(window.selectWorkspace(plane, id));
        QVERIFY(claim->isEnabled());
        ClaimDialog *dialog = window.showClaimDialog();
        QVERIFY(dialog);
        auto *owner = dialog->findChild<QLineEdit *>(QStringLiteral("claimOwnerEdit"));
        auto *button = dialog->findChild<QPushButton *>(QStringLiteral("claimButton"));
        owner->setText(QStringLiteral("-bad name-"));
        QVERIFY(!button->isEnabled());
        QVERIFY(!dialog->errorText().isEmpty());
        owner->setText(QStringLiteral("alice"));
        QVERIFY(button->isEnabled());
        QSignalSpy claimed(dialog, &ClaimDialog::claimed);
        button->click();
        QTRY_COMPARE_WITH_TIMEOUT(claimed.size(), 1, Timeout);

        // The claim shows in the log, then the agent's reinitialization.
        const auto hasKind = [&](const QString &kind) {
            ReinitEventModel *model = window.reinitEventsView()->model();
            for (int row = 0; row < model->rowCount(); ++row) {
                if (model->record(row).workspaceId == id && model->record(row).kind == kind) {
                    return true;
                }
            }
            return false;
        };
        QTRY_VERIFY_WITH_TIMEOUT(hasKind(QStringLiteral("claim_published")), Timeout);
        QTRY_VERIFY_WITH_TIMEOUT(hasKind(QStringLiteral("reinitialized")), Timeout);
        QTRY_VERIFY_WITH_TIMEOUT(
                window.workspaceItemText(plane, id).contains(QLatin1String("[Claimed]")), Timeout);
        QVERIFY(window.workspaceItemText(plane, id).contains(QLatin1String("owner alice")));
        // A claimed workspace cannot be claimed again.
        QVERIFY(window.selectWorkspace(plane, id));
        QVERIFY(!claim->isEnabled());
        QVERIFY(window.reinitEventsView()->workspaceNote().contains(
                QLatin1String("claimed by alice")));
        const QModelIndex newest = window.reinitEventsView()->filterModel()->index(0, 0);
        QVERIFY(newest.isValid());

        window.setCurrentPage(MainWindow::ReinitEventsPage);
        QVERIFY(window.saveScreenshot(
                QStringLiteral(COMPANION_SCREENSHOT_DIR "/reinit-events.png")));

        QSignalSpy stopped(&supervisor, &AgentSupervisor::stopped);
        supervisor.stop();
        QTRY_COMPARE_WITH_TIMEOUT(stopped.size(), 1, Timeout);
        QTRY_VERIFY_WITH_TIMEOUT(
                window.workspaceItemText(plane, id).contains(QLatin1String("Agent last seen")),
                Timeout);
    }

    void thisMachineIsRegular()
    {
        // As the desktop app registers itself: a regular workspace and its own agent token.
        const QByteArray agentToken =
                QByteArrayLiteral("this-machine-agent-token-0123456789abcdef");
        bool registered = false;
        m_plane->registerWorkspace(QStringLiteral("this-machine"), QStringLiteral("me"), agentToken,
                                   [&](const WorkspaceRecord &w, const QString &why) {
                                       QVERIFY2(why.isEmpty(), qPrintable(why));
                                       registered = w.kind() == QLatin1String("regular");
                                   });
        QTRY_VERIFY_WITH_TIMEOUT(registered, Timeout);
        // Again, with a new token (the file was replaced): adopted, not a second workspace.
        const QByteArray newToken = QByteArrayLiteral("this-machine-agent-token-new-0123456789ab");
        registered = false;
        m_plane->registerWorkspace(
                QStringLiteral("this-machine"), QStringLiteral("me"), newToken,
                [&](const WorkspaceRecord &, const QString &why) { registered = why.isEmpty(); });
        QTRY_VERIFY_WITH_TIMEOUT(registered, Timeout);

        ReinitLoop loop(m_plane->url(), newToken);
        QSignalSpy stopped(&loop, &ReinitLoop::stoppedForGood);
        loop.start();
        QTRY_COMPARE_WITH_TIMEOUT(stopped.size(), 1, Timeout); // 409: reinit does not apply

        Theme theme;
        MainWindow window(&theme);
        window.setLocalWorkspace(QStringLiteral("this-machine"));
        ControlPlaneClient *plane = window.addControlPlane(
                QStringLiteral("Embedded"), m_plane->url(), operatorToken, true, false);
        QTRY_COMPARE_WITH_TIMEOUT(plane->workspaces().size(), size_t(1), Timeout);
        const QString id = plane->workspaces().front().id;
        QVERIFY(window.workspaceItemText(plane, id).contains(QLatin1String("[Regular]")));
        QVERIFY(window.selectWorkspace(plane, id));
        QVERIFY2(window.reinitEventsView()->workspaceNote().contains(
                         QLatin1String("reinit does not apply")),
                 qPrintable(window.reinitEventsView()->workspaceNote()));
        QVERIFY(!window.findChild<QAction *>(QStringLiteral("claimAction"))->isEnabled());
        ReinitEventModel *model = window.reinitEventsView()->model();
        QTRY_VERIFY_WITH_TIMEOUT(model->rowCount() >= 1, Timeout);
        QCOMPARE(model->record(model->rowCount() - 1).kind, QStringLiteral("stopped_409"));
        QCOMPARE(model->index(model->rowCount() - 1, ReinitEventModel::Outcome).data().toString(),
                 QStringLiteral("409: stopped polling"));
        // A wrong operator token is said in the sidebar, not a crash.
        ControlPlaneClient *refused = window.addControlPlane(
                QStringLiteral("Refused"), m_plane->url(),
                QByteArrayLiteral("wrong-token-xxxxxxxxxxxxxxxxxxxxxx"), false, false);
        QTRY_COMPARE_WITH_TIMEOUT(refused->state(), ControlPlaneClient::State::AuthFailed, Timeout);
        QTRY_VERIFY(sidebarItem(window, QStringLiteral("Refused")) &&
                    sidebarItem(window, QStringLiteral("Refused"))
                            ->text()
                            .contains(QLatin1String("token refused")));
        window.removeControlPlane(refused);
        QVERIFY(!sidebarItem(window, QStringLiteral("Refused")));
    }

    void storedContextStateInContextView()
    {
        ContextView view;
        view.setStoredState(QStringLiteral("Plane"), 0, {});
        QVERIFY(view.storedStateText().contains(QLatin1String("no context")));
        QVERIFY(ContextView::storedIsBehind(2, QStringLiteral("aa"), 3, QStringLiteral("bb")));
        QVERIFY(ContextView::storedIsBehind(3, QStringLiteral("aa"), 3, QStringLiteral("bb")));
        QVERIFY(!ContextView::storedIsBehind(3, QStringLiteral("AA"), 3, QStringLiteral("aa")));
        QVERIFY(!ContextView::storedIsBehind(5, QStringLiteral("aa"), 0, QString()));
        view.setStoredState({}, 0, {});
        QVERIFY(view.storedStateText().isEmpty());
    }

private:
    QJsonObject create(const QString &name, bool prebuilt)
    {
        ApiCall *call = m_api->post(QStringLiteral("/api/v2/workspaces"),
                                    QJsonObject {{QStringLiteral("name"), name},
                                                 {QStringLiteral("prebuilt"), prebuilt}});
        QJsonObject result;
        bool done = false;
        connect(call, &ApiCall::finished, this, [&](const QJsonValue &body) {
            result = body.toObject();
            done = true;
        });
        connect(call, &ApiCall::failed, this, [&](const ApiError &error) {
            qWarning() << error.toString();
            done = true;
        });
        (void)QTest::qWaitFor([&] { return done; }, Timeout);
        return result;
    }

    QTemporaryDir m_settings;
    QTemporaryDir m_dir;
    int m_planeNumber = 0;
    std::unique_ptr<ControlPlane> m_plane;
    std::unique_ptr<ApiClient> m_api;
};

QTEST_MAIN(TestReinitEvents)
#include "tst_reinitevents.moc"
