// ChildReaper in this test process: it becomes the subreaper of what it starts, reaps the
// orphans that exit (never a child Qt owns), lists descendants and ends them, SIGTERM ignored
// or not.
#include "process/childreaper.h"
#include "process/managedprocess.h"
#include "process/processmanager.h"

#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <thread>

using namespace std::chrono_literals;

namespace {

char stateOf(qint64 pid)
{
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly)) {
        return 0;
    }
    const QByteArray line = stat.readAll();
    const qsizetype close = line.lastIndexOf(')');
    return close > 0 && close + 2 < line.size() ? line.at(close + 2) : char(0);
}

QByteArray commandLine(qint64 pid)
{
    QFile file(QStringLiteral("/proc/%1/cmdline").arg(pid));
    return file.open(QIODevice::ReadOnly) ? file.readAll().replace('\0', ' ').trimmed()
                                          : QByteArray();
}

ProcessManager::StartRequest request(const QString &command)
{
    ProcessManager::StartRequest r;
    r.command = command;
    return r;
}

QList<qint64> descendantsRunning(const QByteArray &text)
{
    QList<qint64> result;
    for (const qint64 pid : ChildReaper::descendants()) {
        if (commandLine(pid).startsWith(text)) {
            result.append(pid);
        }
    }
    return result;
}

} // namespace

class TestChildReaper : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init()
    {
        ChildReaper::Options options;
        options.pollInterval = 50ms;
        options.terminateGrace = 300ms;
        m_reaper = std::make_unique<ChildReaper>(options);
        QVERIFY(m_reaper->isSubreaper());
        ProcessManager::Options managerOptions;
        managerOptions.homeDirectory = m_dir.path();
        m_manager = std::make_unique<ProcessManager>(managerOptions);
    }

    void cleanup()
    {
        m_manager.reset();
        m_reaper.reset(); // ends whatever a test left
        QVERIFY(ChildReaper::descendants().isEmpty());
    }

    void orphansComeToUsAndAreReaped()
    {
        QSignalSpy reaped(m_reaper.get(), &ChildReaper::orphansReaped);
        QString error;
        ManagedProcess *shell =
                m_manager->start(request(QStringLiteral("sleep 0.3 & exit 0")), &error);
        QVERIFY2(shell, qPrintable(error));
        QSignalSpy finished(shell, &ManagedProcess::finished);
        QVERIFY(finished.wait());
        // The shell is gone; its child is ours now, and reaped when it exits.
        QTRY_COMPARE(descendantsRunning("sleep 0.3").size(), 1);
        QTRY_VERIFY(!reaped.isEmpty());
        QTRY_VERIFY(descendantsRunning("sleep 0.3").isEmpty());
    }

    void managedChildrenAreLeftToQt()
    {
        QString error;
        ManagedProcess *process = m_manager->start(request(QStringLiteral("exit 7")), &error);
        QVERIFY2(process, qPrintable(error));
        const qint64 pid = process->processGroup();
        // Reap as hard as we can while the child exits, before Qt's event loop looks: the
        // exit status must still be Qt's to collect.
        bool sawZombie = false;
        for (int i = 0; i < 300; ++i) {
            sawZombie = sawZombie || stateOf(pid) == 'Z';
            QCOMPARE(m_reaper->reapOrphans(), 0);
            std::this_thread::sleep_for(1ms);
        }
        Q_UNUSED(sawZombie) // Qt may collect it from its SIGCHLD handler, or leave it to us
        QSignalSpy finished(process, &ManagedProcess::finished);
        QVERIFY(finished.wait());
        QCOMPARE(process->info().exitCode.value_or(-99), 7);
    }

    void endDescendantsTerminatesThenKills()
    {
        QString error;
        QVERIFY(m_manager->start(request(QStringLiteral("sleep 600.1 & exit 0")), &error));
        QVERIFY(m_manager->start(request(QStringLiteral("trap '' TERM; sleep 600.2 & exit 0")),
                                 &error));
        QVERIFY(m_manager->start(request(QStringLiteral("setsid sleep 600.3 & exit 0")), &error));
        QTRY_COMPARE(descendantsRunning("sleep 600.").size(), 3);
        // The one that ignores SIGTERM needs the KILL after the grace.
        QCOMPARE(ChildReaper::endDescendants(300ms), 1);
        QVERIFY(descendantsRunning("sleep 600.").isEmpty());
        QVERIFY(ChildReaper::descendants().isEmpty());
    }

private:
    QTemporaryDir m_dir;
    std::unique_ptr<ChildReaper> m_reaper;
    std::unique_ptr<ProcessManager> m_manager;
};

QTEST_GUILESS_MAIN(TestChildReaper)
#include "tst_childreaper.moc"
