#include "childreaper.h"
#include "processresources.h"

#include <QDir>
#include <QFile>
#include <QHash>
#include <QLoggingCategory>

#include <optional>

#include <cerrno>
#include <csignal>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

Q_DECLARE_LOGGING_CATEGORY(lcProcess)

namespace {

QSet<qint64> &managedChildren()
{
    static QSet<qint64> pids;
    return pids;
}

using ProcStat = ProcessResources::Stat;

std::optional<ProcStat> readStat(qint64 pid)
{
    return ProcessResources::readStat(pid);
}

QList<ProcStat> allProcesses()
{
    QList<ProcStat> result;
    const QStringList entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs);
    for (const QString &entry : entries) {
        bool numeric = false;
        const qint64 pid = entry.toLongLong(&numeric);
        if (numeric) {
            if (const auto stat = readStat(pid)) {
                result.append(*stat);
            }
        }
    }
    return result;
}

// Our direct children, from /proc/self/task/*/children (every thread can be a parent).
QList<qint64> directChildren()
{
    QList<qint64> result;
    const QString tasks = QStringLiteral("/proc/self/task");
    const QStringList threads = QDir(tasks).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &thread : threads) {
        QFile file(tasks + QLatin1Char('/') + thread + QStringLiteral("/children"));
        if (!file.open(QIODevice::ReadOnly)) {
            continue;
        }
        for (const QByteArray &pid : file.readAll().split(' ')) {
            if (const qint64 value = pid.trimmed().toLongLong(); value > 0) {
                result.append(value);
            }
        }
    }
    return result;
}

// Reaps one exited child that Qt does not own; true when it was a zombie of ours.
bool reapIfZombie(qint64 pid)
{
    if (managedChildren().contains(pid)) {
        return false;
    }
    const auto stat = readStat(pid);
    if (!stat || stat->state != 'Z' || stat->parent != ::getpid()) {
        return false;
    }
    int status = 0;
    return ::waitpid(pid_t(pid), &status, WNOHANG) == pid_t(pid);
}

} // namespace

ChildReaper::ChildReaper()
    : ChildReaper(Options())
{ }

ChildReaper::ChildReaper(Options options, QObject *parent)
    : QObject(parent)
    , m_options(options)
    , m_clock(options.clock ? options.clock : Clock::system())
{
    m_subreaper = ::prctl(PR_SET_CHILD_SUBREAPER, 1) == 0;
    if (!m_subreaper) {
        qCWarning(lcProcess) << "Cannot become a child subreaper:" << qt_error_string(errno)
                             << "- orphaned descendants will go to init";
    }
    schedulePoll();
}

ChildReaper::~ChildReaper()
{
    m_poll.reset();
    const int killed = endDescendants(m_options.terminateGrace);
    if (killed > 0) {
        qCInfo(lcProcess) << killed << "descendants ignored SIGTERM and were killed";
    }
}

void ChildReaper::addManagedChild(qint64 pid)
{
    managedChildren().insert(pid);
}

void ChildReaper::removeManagedChild(qint64 pid)
{
    managedChildren().remove(pid);
}

void ChildReaper::schedulePoll()
{
    m_poll = m_clock->callAfter(m_options.pollInterval, this, [this] {
        reapOrphans();
        schedulePoll();
    });
}

int ChildReaper::reapOrphans()
{
    int reaped = 0;
    for (const qint64 pid : directChildren()) {
        if (reapIfZombie(pid)) {
            ++reaped;
        }
    }
    if (reaped > 0) {
        qCDebug(lcProcess) << "Reaped" << reaped << "orphaned descendants";
        Q_EMIT orphansReaped(reaped);
    }
    return reaped;
}

QList<qint64> ChildReaper::descendants()
{
    const QList<ProcStat> processes = allProcesses();
    QHash<qint64, QList<qint64>> children;
    for (const ProcStat &p : processes) {
        if (p.state != 'Z') {
            children[p.parent].append(p.pid);
        }
    }
    QList<qint64> result;
    QList<qint64> queue {qint64(::getpid())};
    for (qsizetype i = 0; i < queue.size(); ++i) {
        for (const qint64 child : children.value(queue.at(i))) {
            result.append(child);
            queue.append(child);
        }
    }
    return result;
}

int ChildReaper::endDescendants(std::chrono::milliseconds grace)
{
    using namespace std::chrono;
    const auto reapAll = [] {
        for (const qint64 pid : directChildren()) {
            reapIfZombie(pid);
        }
    };
    QList<qint64> alive = descendants();
    if (alive.isEmpty()) {
        return 0;
    }
    qCInfo(lcProcess) << "Ending" << alive.size() << "remaining descendants";
    for (const qint64 pid : std::as_const(alive)) {
        ::kill(pid_t(pid), SIGTERM);
    }
    const auto deadline = steady_clock::now() + grace;
    while (steady_clock::now() < deadline) {
        reapAll();
        alive = descendants();
        if (alive.isEmpty()) {
            return 0;
        }
        std::this_thread::sleep_for(20ms);
    }
    QSet<qint64> killed;
    // Killing a parent can orphan more (re-parented to us), so look again until none are left.
    const auto killDeadline = steady_clock::now() + 2s;
    while (!(alive = descendants()).isEmpty() && steady_clock::now() < killDeadline) {
        for (const qint64 pid : std::as_const(alive)) {
            if (::kill(pid_t(pid), SIGKILL) == 0) {
                killed.insert(pid);
            }
        }
        std::this_thread::sleep_for(10ms);
        reapAll();
    }
    reapAll();
    return int(killed.size());
}
