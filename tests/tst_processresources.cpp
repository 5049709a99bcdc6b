// ProcessResources: /proc/PID/stat parsing, the CPU arithmetic, and real process groups.
#include "common/clock.h"
#include "process/processresources.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <unistd.h>

namespace {

// A stat line as the kernel writes it, with the fields a sample reads set.
QByteArray statLine(qint64 pid, const QByteArray &comm, qint64 group, quint64 utime, quint64 stime,
                    qint64 rss)
{
    QByteArray line = QByteArray::number(pid) + " (" + comm + ") S 1 " + QByteArray::number(group) +
            " 7 0 -1 4194560 100 0 0 0 " + QByteArray::number(utime) + ' ' +
            QByteArray::number(stime) + " 0 0 20 0 1 0 12345 1000000 " + QByteArray::number(rss) +
            " 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0\n";
    return line;
}

} // namespace

class TestProcessResources : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parsesStatLines()
    {
        const auto stat = ProcessResources::parseStat(statLine(42, "sleep", 40, 7, 3, 250));
        QVERIFY(stat);
        QCOMPARE(stat->pid, 42);
        QCOMPARE(stat->group, 40);
        QCOMPARE(stat->ticks, quint64(10));
        QCOMPARE(stat->rssPages, 250);
        // A name may hold spaces and parentheses: fields count from the last ')'.
        const auto odd = ProcessResources::parseStat(statLine(7, "a) (b c) 9 9", 5, 1, 1, 3));
        QVERIFY(odd);
        QCOMPARE(odd->group, 5);
        QCOMPARE(odd->rssPages, 3);
        // Not stat lines.
        QVERIFY(!ProcessResources::parseStat(""));
        QVERIFY(!ProcessResources::parseStat("42 (cut"));
        QVERIFY(!ProcessResources::parseStat("x (a) S 1 2 3"));
        QVERIFY(!ProcessResources::parseStat(statLine(42, "a", 40, 1, 1, 1).first(40)));
        QVERIFY(!ProcessResources::parseStat(statLine(-3, "a", 40, 1, 1, 1)));
        QVERIFY(!ProcessResources::parseStat(statLine(42, "a", 40, 1, 1, 1)
                                                     .replace(" 7 0", " x 0")
                                                     .replace("S 1 40", "S 1 4x")));
        // Our own line, from the kernel.
        QFile self(QStringLiteral("/proc/self/stat"));
        QVERIFY(self.open(QIODevice::ReadOnly));
        const auto own = ProcessResources::parseStat(self.readAll());
        QVERIFY(own);
        QCOMPARE(own->pid, qint64(::getpid()));
        QCOMPARE(own->group, qint64(::getpgrp()));
        QVERIFY(own->rssPages > 0);
    }

    void usageArithmetic()
    {
        // 150 ticks of 100 Hz in 1.5 s: one core, fully busy.
        ProcessResources::Totals before {100, 10, 1};
        ProcessResources::Totals now {250, 20, 2};
        auto usage = ProcessResources::usage(before, now, 1500, 100, 4096);
        QCOMPARE(usage.cpuPercent, 100.0);
        QCOMPARE(usage.rssBytes, 20 * 4096);
        // Two busy children: above 100 %, as top shows threads of one process.
        now.ticks = 400;
        QCOMPARE(ProcessResources::usage(before, now, 1500, 100, 4096).cpuPercent, 200.0);
        // The first sample has nothing to compare with.
        QCOMPARE(ProcessResources::usage(std::nullopt, now, 1500, 100, 4096).cpuPercent, -1.0);
        // A child that exited took its ticks along: 0, never negative.
        now.ticks = 50;
        QCOMPARE(ProcessResources::usage(before, now, 1500, 100, 4096).cpuPercent, 0.0);
    }

    void readsProcLikeFolders()
    {
        QTemporaryDir proc;
        QVERIFY(proc.isValid());
        const auto put = [&](const QString &pid, const QByteArray &line) {
            QVERIFY(QDir(proc.path()).mkpath(pid));
            QFile file(proc.filePath(pid + QStringLiteral("/stat")));
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write(line);
        };
        put(QStringLiteral("100"), statLine(100, "sh", 100, 1, 1, 100));
        put(QStringLiteral("101"), statLine(101, "make", 100, 5, 5, 200));
        put(QStringLiteral("200"), statLine(200, "other", 200, 9, 9, 9));
        put(QStringLiteral("300"), "garbage");
        QVERIFY(QDir(proc.path()).mkpath(QStringLiteral("self")));
        const auto totals = ProcessResources::readGroups({100, 400}, proc.path());
        QCOMPARE(totals.size(), 1);
        QCOMPARE(totals.value(100).ticks, quint64(12));
        QCOMPARE(totals.value(100).rssPages, 300);
        QCOMPARE(totals.value(100).processes, 2);
    }

    void samplesARealBusyGroup()
    {
        // A group of its own, as the agent makes: a shell and a busy child.
        QProcess busy;
        busy.setChildProcessModifier([] { ::setpgid(0, 0); });
        busy.start(QStringLiteral("/bin/sh"),
                   {QStringLiteral("-c"), QStringLiteral("(while :; do :; done) & wait")});
        QVERIFY(busy.waitForStarted());
        const qint64 group = busy.processId();
        const auto cleanup = qScopeGuard([&] {
            ::kill(-pid_t(group), SIGKILL);
            busy.waitForFinished();
        });
        QTRY_COMPARE(ProcessResources::readGroups({group}).value(group).processes, 2);

        ManualClock clock(1'000'000);
        ProcessResources resources(&clock);
        QSignalSpy sampled(&resources, &ProcessResources::sampled);
        resources.sample({group, 999'999'999});
        QTRY_COMPARE(sampled.size(), 1);
        auto usage = sampled.takeFirst().at(0).value<QHash<qint64, ProcessResources::Usage>>();
        QCOMPARE(usage.size(), 1); // the group that does not exist is missing
        QCOMPARE(usage.value(group).cpuPercent, -1.0); // nothing to compare with yet
        QVERIFY(usage.value(group).rssBytes > 0);
        // Let it spin for real, and tell the sampler how long it was.
        QTest::qWait(600);
        clock.advance(std::chrono::milliseconds(600));
        resources.sample({group});
        QTRY_COMPARE(sampled.size(), 1);
        usage = sampled.takeFirst().at(0).value<QHash<qint64, ProcessResources::Usage>>();
        QVERIFY2(usage.value(group).cpuPercent > 20,
                 qPrintable(QString::number(usage.value(group).cpuPercent)));
    }
};

QTEST_GUILESS_MAIN(TestProcessResources)
#include "tst_processresources.moc"
