#pragma once

#include <QObject>
#include <QSet>

#include <chrono>
#include <memory>

#include "common/clock.h"

// Makes this process the reaper of everything it starts, so no descendant outlives it: as a
// child subreaper (PR_SET_CHILD_SUBREAPER) it inherits every orphaned descendant, even one
// that left its process group with setsid or whose parent the agent already forgot; it reaps
// those orphans as they exit, and ends every descendant when it is destroyed (TERM, a grace
// period, then KILL). One per process, owned by main(), declared before the agent so that it
// is destroyed after it.
class ChildReaper : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        std::chrono::milliseconds pollInterval {1000};
        std::chrono::milliseconds terminateGrace {3000};
        Clock *clock = nullptr; // null: the system clock
    };

    ChildReaper();
    explicit ChildReaper(Options options, QObject *parent = nullptr);
    // Ends every descendant still alive (blocking, bounded: grace plus two seconds).
    ~ChildReaper() override;

    // False where the kernel refuses (not Linux): orphans then go to init as usual.
    bool isSubreaper() const { return m_subreaper; }

    // Children that QProcess owns are reaped by Qt, never by us.
    static void addManagedChild(qint64 pid);
    static void removeManagedChild(qint64 pid);

    // Reaps the exited orphans now; returns how many.
    int reapOrphans();
    // The pids of every living descendant of this process, nearest first.
    static QList<qint64> descendants();
    // TERM to every descendant, up to `grace` for them to exit, then KILL to the rest.
    // Blocking: for shutdown only. Returns how many needed the KILL.
    static int endDescendants(std::chrono::milliseconds grace);

Q_SIGNALS:
    void orphansReaped(int count);

private:
    void schedulePoll();

    Options m_options;
    Clock *m_clock;
    bool m_subreaper = false;
    std::unique_ptr<Clock::Timer> m_poll;
};
