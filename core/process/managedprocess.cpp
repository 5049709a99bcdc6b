#include "managedprocess.h"

#include "childreaper.h"
#include "common/clock.h"
#include "processresources.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QLoggingCategory>
#include <QProcess>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <pthread.h>
#include <sys/prctl.h>
#include <unistd.h>

Q_DECLARE_LOGGING_CATEGORY(lcProcess)

ManagedProcess::ManagedProcess(Spec spec, Clock *clock, QObject *parent)
    : QObject(parent)
    , m_environment(std::move(spec.environment))
    , m_clock(clock)
    , m_process(new QProcess(this))
    , m_capture(spec.captureCapBytes)
{
    m_info.id = spec.id;
    m_info.command = spec.command;
    m_info.workDir = spec.workDir;
    m_info.chatId = spec.chatId;
    m_info.background = spec.background;

    m_process->setProgram(QStringLiteral("sh"));
    m_process->setArguments({QStringLiteral("-c"), spec.command});
    m_process->setWorkingDirectory(spec.workDir);
    m_process->setProcessEnvironment(m_environment);
    // Both streams into one pipe: the only way to keep their true arrival order.
    m_process->setProcessChannelMode(QProcess::MergedChannels);
    m_process->setStandardInputFile(QProcess::nullDevice());
    m_process->setUnixProcessParameters(QProcess::UnixProcessFlag::ResetSignalHandlers |
                                        QProcess::UnixProcessFlag::CloseFileDescriptors);
    const pid_t agentPid = ::getpid();
    // Runs in the child between fork and exec, where only async-signal-safe calls belong.
    // The child starts with every signal blocked (see start()), so a signal sent to its new
    // group before exec waits until the agent's handlers are gone, then acts as it would on
    // the command. Its own process group, as Coder's agent (Setpgid), so signals reach the
    // whole tree; and it dies with the agent, where Linux allows it (SIGKILL of the agent).
    m_process->setChildProcessModifier([agentPid] {
        ::setpgid(0, 0);
        struct sigaction defaults = {};
        defaults.sa_handler = SIG_DFL;
        for (int number = 1; number < NSIG; ++number) {
            ::sigaction(number, &defaults, nullptr);
        }
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != agentPid) {
            ::_exit(127); // the agent died before the death signal was armed
        }
        sigset_t none;
        ::sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
    });

    connect(m_process, &QProcess::readyReadStandardOutput, this, &ManagedProcess::readOutput);
    connect(m_process, &QProcess::finished, this,
            [this](int code, QProcess::ExitStatus status) { onFinished(code, int(status)); });
}

ManagedProcess::~ManagedProcess()
{
    if (m_process->state() != QProcess::NotRunning) {
        // The manager ends processes before deleting them; this is the last resort.
        (void)signalGroup(SIGKILL, nullptr);
        m_process->waitForFinished(2000);
    }
    ChildReaper::removeManagedChild(m_info.pid);
}

bool ManagedProcess::start(QString *error)
{
    const qint64 now = m_clock->nowMSecs();
    m_info.startedAtMSecs = now;
    m_info.startedAtUnix = now / 1000;
    // Every signal blocked across the fork: the child inherits the mask, so none can run the
    // agent's handler in it (see the child modifier, which unblocks them before exec).
    sigset_t all;
    sigset_t previous;
    ::sigfillset(&all);
    ::pthread_sigmask(SIG_SETMASK, &all, &previous);
    // Qt reports exec and chdir failures synchronously from start().
    m_process->start();
    const qint64 pid = m_process->processId();
    if (pid > 0) {
        // The parent sets the group too, as shells do for jobs: once start() returns, a signal
        // to the group reaches the child even if it has not run yet. EACCES means the child
        // has exec'd, so it set the group itself.
        ::setpgid(pid_t(pid), pid_t(pid));
    }
    ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    if (m_process->state() == QProcess::NotRunning) {
        *error = m_process->errorString();
        return false;
    }
    m_info.pid = pid;
    m_info.running = true;
    ChildReaper::addManagedChild(pid);
    qCInfo(lcProcess) << "Started" << m_info.id << "pid" << m_info.pid << "in" << m_info.workDir;
    return true;
}

void ManagedProcess::readOutput()
{
    const QByteArray data = m_process->readAllStandardOutput();
    if (data.isEmpty()) {
        return;
    }
    const qint64 offset = m_capture.endOffset();
    m_headTail.write(data);
    m_capture.append(data);
    Q_EMIT outputAppended(offset, data.size());
}

void ManagedProcess::onFinished(int exitCode, int exitStatus)
{
    readOutput();
    const qint64 now = m_clock->nowMSecs();
    // Upstream: a process killed by a signal reports -1 (Go's ExitCode()).
    m_info.exitCode = exitStatus == QProcess::NormalExit ? exitCode : -1;
    // On Unix QProcess reports the terminating signal as the exit code of a crash.
    m_info.exitSignal = exitStatus == QProcess::NormalExit ? 0 : exitCode;
    m_info.exitedAtMSecs = now;
    m_info.exitedAtUnix = now / 1000;
    m_info.running = false;
    ChildReaper::removeManagedChild(m_info.pid);
    qCInfo(lcProcess) << "Exited" << m_info.id << "code" << *m_info.exitCode;
    Q_EMIT finished();
}

void ManagedProcess::releaseCapture()
{
    m_capture.clear();
    m_info.captureReleased = true;
}

qint64 ManagedProcess::trimCapture(qint64 memoryBytes)
{
    return m_capture.trimTo(memoryBytes);
}

bool ManagedProcess::sendSignal(int signalNumber, Sender sender, QString *error, int *errorNumber)
{
    if (!signalGroup(signalNumber, error, errorNumber)) {
        return false;
    }
    // A later SIGTERM does not undo a SIGKILL already on its way.
    if (m_info.running &&
        !(signalNumber != SIGKILL && m_info.signalSent == QLatin1String("kill"))) {
        m_info.signalSent =
                signalNumber == SIGKILL ? QStringLiteral("kill") : QStringLiteral("terminate");
        m_info.signalSentBy =
                sender == Sender::Api ? QStringLiteral("api") : QStringLiteral("shutdown");
    }
    return true;
}

bool ManagedProcess::signalGroup(int signalNumber, QString *error, int *errorNumber) const
{
    if (m_info.pid <= 0) {
        if (error) {
            *error = tr("The process has no id.");
        }
        return false;
    }
    if (::kill(-pid_t(m_info.pid), signalNumber) != 0) {
        const int number = errno;
        if (errorNumber) {
            *errorNumber = number;
        }
        if (error) {
            *error = QString::fromLocal8Bit(std::strerror(number));
        }
        return false;
    }
    return true;
}

bool ManagedProcess::groupHasMembers() const
{
    if (m_info.pid <= 0) {
        return false;
    }
    // A pid is not reused while a process group of that id exists, so finding a member proves
    // the group is still ours.
    QDirIterator it(QStringLiteral("/proc"), QDir::Dirs | QDir::NoDotAndDotDot);
    while (it.hasNext()) {
        it.next();
        bool numeric = false;
        const qint64 pid = it.fileName().toLongLong(&numeric);
        if (!numeric) {
            continue;
        }
        const auto stat = ProcessResources::readStat(pid);
        if (stat && stat->group == m_info.pid) {
            return true;
        }
    }
    return false;
}

bool ManagedProcess::waitForExit(int msecs)
{
    return m_process->state() == QProcess::NotRunning || m_process->waitForFinished(msecs);
}
