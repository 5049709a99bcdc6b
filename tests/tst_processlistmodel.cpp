// ProcessListModel under QAbstractItemModelTester: inserts, updates, removals, resets and
// Clear Exited keep the model consistent, the state texts say what was sent and what ended it,
// and cleared rows stay out until the agent forgets them.
#include "common/clock.h"
#include "process/processlistmodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

#include <csignal>

class TestProcessListModel : public QObject
{
    Q_OBJECT
private:
    static ProcessInfo running(const QString &id)
    {
        ProcessInfo info;
        info.id = id;
        info.command = QStringLiteral("cmd ") + id;
        info.running = true;
        info.startedAtMSecs = 1000;
        info.startedAtUnix = 1;
        info.pid = 100;
        return info;
    }
    static ProcessInfo exited(const QString &id, int code, int signal = 0)
    {
        ProcessInfo info = running(id);
        info.running = false;
        info.exitCode = signal ? -1 : code;
        info.exitSignal = signal;
        info.exitedAtMSecs = 4000;
        info.exitedAtUnix = 4;
        return info;
    }

private Q_SLOTS:
    void modelStaysConsistent()
    {
        ManualClock clock;
        ProcessListModel model(&clock);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setProcesses({running(QStringLiteral("a")), exited(QStringLiteral("b"), 0)});
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.columnCount(), int(ProcessListModel::ColumnCount));
        model.updateProcess(running(QStringLiteral("c")));
        model.updateProcess(exited(QStringLiteral("a"), 3));
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.exitedCount(), 2);
        for (int row = 0; row < model.rowCount(); ++row) {
            for (int column = 0; column < model.columnCount(); ++column) {
                const QModelIndex index = model.index(row, column);
                QVERIFY(index.data(Qt::DisplayRole).isValid() ||
                        column == ProcessListModel::ChatColumn);
                (void)index.data(ProcessListModel::SortRole);
                (void)index.data(Qt::ToolTipRole);
            }
        }
        QCOMPARE(model.clearExited(), 2);
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.process(0).id, QStringLiteral("c"));
        // Cleared rows stay out while the agent still lists them, by update or full list.
        model.updateProcess(exited(QStringLiteral("a"), 3));
        QCOMPARE(model.rowOf(QStringLiteral("a")), -1);
        model.setProcesses({exited(QStringLiteral("a"), 3), running(QStringLiteral("c"))});
        QCOMPARE(model.rowCount(), 1);
        // Once the agent forgot it, the id is forgotten here too.
        model.setProcesses({running(QStringLiteral("c"))});
        model.updateProcess(exited(QStringLiteral("a"), 3));
        QCOMPARE(model.rowOf(QStringLiteral("a")), 1);
        model.removeProcess(QStringLiteral("c"));
        model.clear();
        QCOMPARE(model.rowCount(), 0);
    }

    void resourceColumns()
    {
        ManualClock clock;
        ProcessListModel model(&clock);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        ProcessInfo busy = running(QStringLiteral("a"));
        busy.pid = 4242;
        ProcessInfo idle = running(QStringLiteral("b"));
        idle.pid = 77;
        ProcessInfo done = exited(QStringLiteral("c"), 0);
        done.pid = 4242; // a pid the kernel gave again: the exited row shows nothing
        model.setProcesses({busy, idle, done});
        QCOMPARE(model.headerData(ProcessListModel::PidColumn, Qt::Horizontal).toString(),
                 QStringLiteral("PID"));
        QCOMPARE(model.runningPids(), (QList<qint64> {4242, 77}));
        const auto text = [&](int row, int column) {
            return model.index(row, column).data().toString();
        };
        QCOMPARE(text(0, ProcessListModel::PidColumn), QStringLiteral("4242")); // no separator
        QCOMPARE(text(0, ProcessListModel::CpuColumn), QString()); // not sampled yet

        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.setResourceUsage({{4242, {12.34, 5 * 1024 * 1024}}, {77, {-1, 1536}}});
        QCOMPARE(changed.size(), 1);
        QCOMPARE(changed.first().at(0).toModelIndex().column(), int(ProcessListModel::CpuColumn));
        QCOMPARE(changed.first().at(1).toModelIndex().column(),
                 int(ProcessListModel::MemoryColumn));
        QCOMPARE(text(0, ProcessListModel::CpuColumn), QStringLiteral("12.3 %"));
        QCOMPARE(text(0, ProcessListModel::MemoryColumn), QStringLiteral("5.0 MiB"));
        QCOMPARE(text(1, ProcessListModel::CpuColumn), QString()); // one sample: no CPU yet
        QCOMPARE(text(1, ProcessListModel::MemoryColumn), QStringLiteral("1.5 KiB"));
        QCOMPARE(text(2, ProcessListModel::CpuColumn), QString());
        QCOMPARE(text(2, ProcessListModel::MemoryColumn), QString());
        QCOMPARE(model.index(0, ProcessListModel::MemoryColumn)
                         .data(ProcessListModel::SortRole)
                         .toLongLong(),
                 5 * 1024 * 1024);
        QVERIFY(model.index(0, ProcessListModel::CpuColumn)
                        .data(Qt::TextAlignmentRole)
                        .value<Qt::Alignment>() &
                Qt::AlignRight);
        // German: a decimal comma, as every number of the app.
        QLocale::setDefault(QLocale(QLocale::German));
        QCOMPARE(text(0, ProcessListModel::CpuColumn), QStringLiteral("12,3 %"));
        QCOMPARE(text(0, ProcessListModel::MemoryColumn), QStringLiteral("5,0 MiB"));
        QLocale::setDefault(QLocale::c());
        model.setResourceUsage({});
        QCOMPARE(text(0, ProcessListModel::CpuColumn), QString());
    }

    void stateTexts_data()
    {
        QTest::addColumn<ProcessInfo>("info");
        QTest::addColumn<QString>("state");
        QTest::addColumn<QString>("end");
        ProcessInfo terminating = running(QStringLiteral("t"));
        terminating.signalSent = QStringLiteral("terminate");
        terminating.signalSentBy = QStringLiteral("api");
        QTest::newRow("running") << running(QStringLiteral("r")) << QStringLiteral("Running")
                                 << QString();
        QTest::newRow("terminating") << terminating << QStringLiteral("Terminating…") << QString();
        QTest::newRow("exit 0") << exited(QStringLiteral("e"), 0) << QStringLiteral("Exited 0")
                                << QStringLiteral("Exited with code 0 after 3.0 s");
        ProcessInfo byYou = exited(QStringLiteral("s"), 0, SIGTERM);
        byYou.signalSent = QStringLiteral("terminate");
        byYou.signalSentBy = QStringLiteral("api");
        QTest::newRow("terminated by you")
                << byYou << QStringLiteral("Terminated (SIGTERM)")
                << QStringLiteral("Terminated by SIGTERM after 3.0 s, sent by you.");
        ProcessInfo byShutdown = exited(QStringLiteral("k"), 0, SIGKILL);
        byShutdown.signalSent = QStringLiteral("kill");
        byShutdown.signalSentBy = QStringLiteral("shutdown");
        QTest::newRow("killed by shutdown")
                << byShutdown << QStringLiteral("Killed (SIGKILL)")
                << QStringLiteral("Killed by SIGKILL after 3.0 s, sent by the agent's shutdown.");
        // Terminate was sent, but SIGKILL came from elsewhere (the OOM killer, say).
        ProcessInfo outside = exited(QStringLiteral("o"), 0, SIGKILL);
        outside.signalSent = QStringLiteral("terminate");
        outside.signalSentBy = QStringLiteral("api");
        QTest::newRow("killed from outside")
                << outside << QStringLiteral("Killed (SIGKILL)")
                << QStringLiteral("Killed by SIGKILL after 3.0 s, sent from outside the agent.");
        QTest::newRow("segfault") << exited(QStringLiteral("v"), 0, SIGSEGV)
                                  << QStringLiteral("Ended (SIGSEGV)")
                                  << QStringLiteral("Ended by SIGSEGV after 3.0 s, sent from "
                                                    "outside the agent.");
        ProcessInfo upstream = exited(QStringLiteral("u"), 0);
        upstream.exitCode = -1; // an agent that reports only Go's -1
        QTest::newRow("upstream agent") << upstream << QStringLiteral("Ended by a signal")
                                        << QStringLiteral("Ended by a signal after 3.0 s");
    }

    void stateTexts()
    {
        QFETCH(ProcessInfo, info);
        QFETCH(QString, state);
        QFETCH(QString, end);
        QCOMPARE(ProcessListModel::stateText(info), state);
        if (!end.isEmpty()) {
            QCOMPARE(ProcessListModel::endText(info), end);
        }
        // The extended JSON carries it all to a remote view.
        const std::optional<ProcessInfo> back =
                ProcessInfo::fromJson(info.toJson(ProcessInfo::Fields::Extended));
        QVERIFY(back);
        QCOMPARE(ProcessListModel::stateText(*back), state);
    }
};

QTEST_GUILESS_MAIN(TestProcessListModel)
#include "tst_processlistmodel.moc"
