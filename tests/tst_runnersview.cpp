// The Runners view against a real control plane in this process (SQLite, real HTTP and the
// events WebSocket over loopback): a chat appears with its runner, its heartbeat turns amber
// and then red on the view's clock, the stuck filter finds it, its event log tells why it is
// stuck, Interrupt and Archive act on it, and New Chat reports errors in place. Also the
// model's merge rules on their own, and a screenshot in the build tree.
#include "common/clock.h"
#include "controlplane/controlplane.h"
#include "controlplane/controlplaneclient.h"
#include "controlplane/runnertablemodel.h"
#include "errorbar.h"
#include "http/apiclient.h"
#include "runnersview.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QJsonArray>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>
#include <QTreeWidget>

#include <memory>

namespace {

constexpr int Timeout = 10000;
const QByteArray operatorToken = QByteArrayLiteral("operator-token-runners-view-0123456789");

QJsonObject runnerJson(const QString &chatId, const QString &runnerId, qint64 snapshot,
                       qint64 heartbeatAge = 100)
{
    return {{QStringLiteral("chat_id"), chatId},
            {QStringLiteral("runner_id"), runnerId},
            {QStringLiteral("worker_id"), QStringLiteral("w1")},
            {QStringLiteral("status"), QStringLiteral("running")},
            {QStringLiteral("task"), QStringLiteral("generation")},
            {QStringLiteral("task_retrying_since"), QJsonValue::Null},
            {QStringLiteral("snapshot_version"), snapshot},
            {QStringLiteral("history_version"), 1},
            {QStringLiteral("heartbeat_age_ms"), heartbeatAge},
            {QStringLiteral("queue_depth"), 0},
            {QStringLiteral("dropped_hints"), 0},
            {QStringLiteral("cleaning"), false}};
}

QJsonObject chatJson(const QString &id, const QString &status, qint64 snapshot,
                     bool archived = false)
{
    return {{QStringLiteral("id"), id},
            {QStringLiteral("title"), QString(QStringLiteral("chat ") + id)},
            {QStringLiteral("status"), status},
            {QStringLiteral("snapshot_version"), snapshot},
            {QStringLiteral("archived"), archived}};
}

} // namespace

class TestRunnersView : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(m_dir.isValid());
    }

    void init()
    {
        ControlPlane::Options options;
        options.database.sqlitePath =
                m_dir.filePath(QStringLiteral("cp-%1.db").arg(++m_planeNumber));
        options.operatorToken = operatorToken;
        // Renewals (and republishing) slower than the test: the view's clock alone ages the
        // heartbeat.
        options.chat.runtime.heartbeatInterval = std::chrono::seconds(60);
        options.chat.runtime.staleAfter = std::chrono::seconds(120);
        m_plane = std::make_unique<ControlPlane>(options);
        QSignalSpy started(m_plane.get(), &ControlPlane::started);
        m_plane->start();
        QTRY_COMPARE_WITH_TIMEOUT(started.size(), 1, Timeout);
        m_api = std::make_unique<ApiClient>(m_plane->url(), operatorToken);
        // A workspace whose agent never reports where its API is: a generation keeps retrying
        // its dial, so the chat's runner stays.
        ApiCall *call = m_api->post(QStringLiteral("/api/v2/workspaces"),
                                    QJsonObject {{QStringLiteral("name"), QStringLiteral("ws1")}});
        QSignalSpy created(call, &ApiCall::finished);
        QTRY_COMPARE_WITH_TIMEOUT(created.size(), 1, Timeout);
    }

    void cleanup()
    {
        m_api.reset();
        m_plane.reset();
    }

    void modelMergesLiveChanges()
    {
        ManualClock clock(1'000'000);
        RunnerTableModel model(&clock);
        const QString plane = QStringLiteral("p");
        model.setChats(plane,
                       {chatJson(QStringLiteral("a"), QStringLiteral("waiting"), 1),
                        chatJson(QStringLiteral("b"), QStringLiteral("running"), 3)});
        QCOMPARE(model.rowCount(), 2);
        // An older snapshot never replaces a newer one.
        model.updateChat(plane, chatJson(QStringLiteral("b"), QStringLiteral("pending"), 2));
        QCOMPARE(model.chat(model.rowOf(plane, QStringLiteral("b")))
                         .value(QStringLiteral("status"))
                         .toString(),
                 QStringLiteral("running"));
        // A runner whose chat is not listed yet gets a row of its own.
        model.updateRunner(plane, runnerJson(QStringLiteral("c"), QStringLiteral("r1"), 5));
        QCOMPARE(model.rowCount(), 3);
        // Its log follows it; another runner's event is not its own.
        model.addRunnerEvent(plane, QStringLiteral("c"), QStringLiteral("r1"),
                             {{QStringLiteral("kind"), QStringLiteral("spawned")}});
        model.addRunnerEvent(plane, QStringLiteral("c"), QStringLiteral("r0"),
                             {{QStringLiteral("kind"), QStringLiteral("stray")}});
        const int c = model.rowOf(plane, QStringLiteral("c"));
        QCOMPARE(model.events(c).size(), 1);
        // A runner's events that come before the runner do join it when it comes.
        model.addRunnerEvent(plane, QStringLiteral("b"), QStringLiteral("r9"),
                             {{QStringLiteral("kind"), QStringLiteral("spawned")}});
        model.updateRunner(plane, runnerJson(QStringLiteral("b"), QStringLiteral("r9"), 4));
        QCOMPARE(model.events(model.rowOf(plane, QStringLiteral("b"))).size(), 1);
        for (int i = 0; i < RunnerTableModel::MaxEventsPerRunner + 10; ++i) {
            model.addRunnerEvent(plane, QStringLiteral("c"), QStringLiteral("r1"),
                                 {{QStringLiteral("kind"), QStringLiteral("task_retrying")}});
        }
        QCOMPARE(model.events(c).size(), RunnerTableModel::MaxEventsPerRunner);
        // Ages count on from when the runner was heard of.
        QCOMPARE(model.heartbeatAgeMs(c), 100);
        QCOMPARE(model.heartbeatState(c), RunnerTableModel::Fresh);
        clock.advance(std::chrono::milliseconds(14'000)); // past 1.5 × 9 s
        QCOMPARE(model.heartbeatState(c), RunnerTableModel::Late);
        clock.advance(std::chrono::milliseconds(16'000));
        QCOMPARE(model.heartbeatState(c), RunnerTableModel::Stale);
        QVERIFY(model.isStuck(c));
        // A task retrying for over a minute is stuck too, with a fresh heartbeat.
        QJsonObject retrying = runnerJson(QStringLiteral("a"), QStringLiteral("r2"), 2);
        retrying.insert(QStringLiteral("task_retrying_since"), clock.nowMSecs() - 61'000);
        model.updateRunner(plane, retrying);
        QVERIFY(model.isStuck(model.rowOf(plane, QStringLiteral("a"))));
        // Removing the runner of a chat without a listed chat drops the row; a listed chat
        // keeps its row, runnerless.
        model.removeRunner(plane, QStringLiteral("c"), QStringLiteral("r1"));
        QCOMPARE(model.rowOf(plane, QStringLiteral("c")), -1);
        model.removeRunner(plane, QStringLiteral("a"), QStringLiteral("r2"));
        QVERIFY(model.rowOf(plane, QStringLiteral("a")) >= 0);
        QVERIFY(model.runner(model.rowOf(plane, QStringLiteral("a"))).isEmpty());
        // An archived chat leaves the list; a stopped worker's runners go.
        model.updateChat(plane, chatJson(QStringLiteral("a"), QStringLiteral("waiting"), 9, true));
        QCOMPARE(model.rowOf(plane, QStringLiteral("a")), -1);
        model.updateRunner(plane, runnerJson(QStringLiteral("b"), QStringLiteral("r3"), 4));
        model.removeWorker(plane, QStringLiteral("w1"));
        QVERIFY(model.runner(model.rowOf(plane, QStringLiteral("b"))).isEmpty());
        model.removePlane(plane);
        QCOMPARE(model.rowCount(), 0);
    }

    void chatAppearsTurnsStaleAndIsFoundStuck()
    {
        ManualClock clock(QDateTime::currentMSecsSinceEpoch());
        RunnersView view(&clock);
        view.resize(1200, 640);
        ControlPlaneClient client(QStringLiteral("local"), m_plane->url(), operatorToken);
        view.addPlane(&client);
        client.start();
        QTRY_COMPARE_WITH_TIMEOUT(client.state(), ControlPlaneClient::State::Connected, Timeout);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));

        // New Chat, as a person would: no title, no start; an unknown workspace, an error in
        // place; then the chat.
        QTRY_VERIFY_WITH_TIMEOUT(!client.workspaces().empty(), Timeout);
        auto *dialog = qobject_cast<NewChatDialog *>(view.showNewChatDialog());
        QVERIFY(dialog);
        QCOMPARE(dialog->workspaceBox()->count(), 1);
        QVERIFY(!dialog->findChild<QPushButton *>()->isEnabled() ||
                !dialog->titleEdit()->text().isEmpty()); // no title, no start
        dialog->titleEdit()->setText(QStringLiteral("Why is the build red?"));
        dialog->messageEdit()->setPlainText(QStringLiteral("Look at the logs."));
        QSignalSpy created(dialog, &NewChatDialog::created);
        dialog->accept();
        QTRY_COMPARE_WITH_TIMEOUT(created.size(), 1, Timeout);
        const QString chatId =
                created.at(0).at(1).toJsonObject().value(QStringLiteral("id")).toString();
        QVERIFY(!chatId.isEmpty());

        // A waiting chat beside it: listed, without a runner, never stuck.
        ApiCall *second = client.createChat(QStringLiteral("ws1"), QStringLiteral("Idle"), {});
        QSignalSpy secondDone(second, &ApiCall::finished);
        QTRY_COMPARE_WITH_TIMEOUT(secondDone.size(), 1, Timeout);

        RunnerTableModel *model = view.model();
        const auto row = [&] { return model->rowOf(QStringLiteral("local"), chatId); };
        QTRY_VERIFY_WITH_TIMEOUT(row() >= 0 && !model->runner(row()).isEmpty(), Timeout);
        QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 2, Timeout);
        QCOMPARE(model->index(row(), RunnerTableModel::Title).data().toString(),
                 QStringLiteral("Why is the build red?"));
        QCOMPARE(model->index(row(), RunnerTableModel::Workspace).data().toString(),
                 QStringLiteral("ws1"));
        // The entry goes out at spawn; its task follows with the next batch.
        const auto task = [&] {
            return model->index(row(), RunnerTableModel::Task)
                    .data()
                    .toString()
                    .section(QLatin1Char(' '), 0, 0);
        };
        QTRY_COMPARE_WITH_TIMEOUT(task(), QStringLiteral("generation"), Timeout);
        QCOMPARE(model->heartbeatState(row()), RunnerTableModel::Fresh);

        // Its event log says why it does not get on.
        QVERIFY(view.selectChat(chatId));
        const auto logKinds = [&] {
            QStringList kinds;
            for (int i = 0; i < view.eventLog()->topLevelItemCount(); ++i) {
                kinds << view.eventLog()->topLevelItem(i)->text(1);
            }
            return kinds;
        };
        QTRY_VERIFY_WITH_TIMEOUT(logKinds().contains(QStringLiteral("dial_failed")), Timeout);
        QVERIFY(logKinds().contains(QStringLiteral("spawned")));

        // The lease goes unrenewed on the view's clock: amber, then red.
        clock.advance(std::chrono::seconds(91)); // past 1.5 × 60 s
        view.tick();
        QCOMPARE(model->heartbeatState(row()), RunnerTableModel::Late);
        clock.advance(std::chrono::seconds(30));
        view.tick();
        QCOMPARE(model->heartbeatState(row()), RunnerTableModel::Stale);
        QSortFilterProxyModel *filter = view.filterModel();
        const QModelIndex heartbeat =
                filter->mapFromSource(model->index(row(), RunnerTableModel::Heartbeat));
        const QColor red = heartbeat.data(Qt::ForegroundRole).value<QColor>();
        QVERIFY2(red.red() > 150 && red.green() < 140, qPrintable(red.name()));
        QVERIFY(heartbeat.data(Qt::FontRole).value<QFont>().bold());

        // The stuck filter finds it, and only it.
        view.stuckFilter()->setChecked(true);
        QCOMPARE(filter->rowCount(), 1);
        QCOMPARE(filter->index(0, 0).data(RunnerTableModel::ChatIdRole).toString(), chatId);
        QDir().mkpath(QStringLiteral(COMPANION_SCREENSHOT_DIR));
        QVERIFY(view.grab().save(QStringLiteral(COMPANION_SCREENSHOT_DIR "/runners-view.png")));
        view.stuckFilter()->setChecked(false);
        QCOMPARE(filter->rowCount(), 2);
        view.searchEdit()->setText(QStringLiteral("idle"));
        QCOMPARE(filter->rowCount(), 1);
        view.searchEdit()->clear();

        // Interrupt ends its turn: the runner runs the interrupt, the chat waits.
        QVERIFY(view.selectChat(chatId));
        QAction *interrupt = view.chatActions().at(1);
        QVERIFY(interrupt->isEnabled());
        interrupt->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(model->chat(row()).value(QStringLiteral("status")).toString(),
                                  QStringLiteral("waiting"), Timeout);
        QVERIFY(view.errorBar()->message().isEmpty());
        // Archive takes it out of the list.
        QVERIFY(view.selectChat(chatId));
        QAction *archive = view.chatActions().at(2);
        QVERIFY(archive->isEnabled());
        archive->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(row(), -1, Timeout);
        QCOMPARE(model->rowCount(), 1);
    }

    void actionErrorsShowInPlace()
    {
        RunnersView view;
        ControlPlaneClient client(QStringLiteral("local"), m_plane->url(), operatorToken);
        view.addPlane(&client);
        client.start();
        ApiCall *call = client.createChat(QStringLiteral("ws1"), QStringLiteral("Idle"), {});
        QSignalSpy done(call, &ApiCall::finished);
        QTRY_COMPARE_WITH_TIMEOUT(done.size(), 1, Timeout);
        const QString id =
                done.at(0).at(0).toJsonValue().toObject().value(QStringLiteral("id")).toString();
        QTRY_VERIFY_WITH_TIMEOUT(view.selectChat(id), Timeout);
        // Waiting has nothing to interrupt: the action is off; forced, the server's 409 shows.
        QVERIFY(!view.chatActions().at(1)->isEnabled());
        ApiCall *forced = client.interruptChat(id);
        int status = 0;
        connect(forced, &ApiCall::failed, this,
                [&status](const ApiError &e) { status = e.status; });
        QTRY_COMPARE_WITH_TIMEOUT(status, 409, Timeout);

        // New Chat on a workspace that went away meanwhile: the error shows in the dialog.
        QTRY_VERIFY_WITH_TIMEOUT(!client.workspaces().empty(), Timeout);
        auto *dialog = qobject_cast<NewChatDialog *>(view.showNewChatDialog());
        QVERIFY(dialog);
        QCOMPARE(dialog->workspaceBox()->count(), 1);
        dialog->workspaceBox()->setItemData(0, QVariantList {0, QStringLiteral("no-such-ws")});
        dialog->titleEdit()->setText(QStringLiteral("t"));
        dialog->accept();
        QTRY_VERIFY_WITH_TIMEOUT(!dialog->errorBar()->message().isEmpty(), Timeout);
        QVERIFY(dialog->errorBar()->message().contains(QStringLiteral("no-such-ws")));
        QCOMPARE(dialog->result(), 0); // still open for another try
    }

private:
    QTemporaryDir m_dir;
    int m_planeNumber = 0;
    std::unique_ptr<ControlPlane> m_plane;
    std::unique_ptr<ApiClient> m_api;
};

QTEST_MAIN(TestRunnersView)
#include "tst_runnersview.moc"
