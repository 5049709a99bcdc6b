#include "processmanager.h"

#include <QDir>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QUuid>

#include <algorithm>
#include <cerrno>
#include <csignal>

Q_LOGGING_CATEGORY(lcProcess, "companion.process")

ProcessManager::ProcessManager(Options options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_clock(m_options.clock ? m_options.clock : Clock::system())
{ }

ProcessManager::~ProcessManager()
{
    // Synchronous shutdown: the same TERM, bounded wait, KILL sequence, blocking.
    m_closed = true;
    m_killTimer.reset();
    QList<ManagedProcess *> running;
    for (ManagedProcess *p : std::as_const(m_processes)) {
        if (p->isRunning()) {
            (void)p->sendSignal(SIGTERM, ManagedProcess::Sender::Shutdown);
            running.append(p);
        }
    }
    const qint64 deadline = m_clock->nowMSecs() + m_options.terminateGrace.count();
    for (ManagedProcess *p : std::as_const(running)) {
        p->waitForExit(int(std::max<qint64>(0, deadline - m_clock->nowMSecs())));
    }
    killAll();
    for (ManagedProcess *p : std::as_const(running)) {
        p->waitForExit(2000);
    }
    // Deleted here, while our members live: their last signals must not reach us.
    m_reapTimers.clear();
    for (ManagedProcess *p : std::as_const(m_processes)) {
        p->disconnect(this);
    }
    qDeleteAll(m_processes);
    m_processes.clear();
}

QString ProcessManager::resolveWorkDir(const QString &requested) const
{
    if (!requested.isEmpty()) {
        return requested;
    }
    if (m_options.workingDirectory) {
        const QString dir = m_options.workingDirectory();
        if (!dir.isEmpty() && QFileInfo(dir).isDir()) {
            return dir;
        }
    }
    return m_options.homeDirectory.isEmpty() ? QDir::homePath() : m_options.homeDirectory;
}

ManagedProcess *ProcessManager::start(const StartRequest &request, QString *error, StartError *kind)
{
    const auto failWith = [&](StartError what, const QString &why) -> ManagedProcess * {
        *error = why;
        if (kind) {
            *kind = what;
        }
        return nullptr;
    };
    if (m_closed) {
        return failWith(StartError::Closed, QStringLiteral("manager is closed"));
    }
    if (trackedCount() >= m_options.maxProcesses) {
        return failWith(StartError::TooMany,
                        QStringLiteral("%1 processes are tracked, the limit; exited processes "
                                       "are forgotten %2 minutes after they exit")
                                .arg(m_options.maxProcesses)
                                .arg(ReapAge.count()));
    }
    // exec(2) would cut every string at its first NUL, so what runs would not be what the
    // list shows; Go's exec refuses the same with EINVAL.
    bool hasNul = request.command.contains(QChar(0)) || request.workDir.contains(QChar(0));
    for (const auto &[key, value] : request.environment) {
        hasNul = hasNul || key.contains(QChar(0)) || value.contains(QChar(0));
    }
    if (hasNul) {
        return failWith(StartError::Failed,
                        QStringLiteral("invalid argument: the command, working directory or "
                                       "environment contains a NUL byte"));
    }
    ManagedProcess::Spec spec;
    spec.id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    spec.command = request.command;
    spec.workDir = resolveWorkDir(request.workDir);
    spec.chatId = request.chatId;
    spec.background = request.background;
    spec.captureCapBytes = m_options.captureCapBytes;
    spec.environment = QProcessEnvironment::systemEnvironment();
    for (const auto &[key, value] : request.environment) {
        spec.environment.insert(key, value);
    }
    if (!request.chatId.isEmpty()) {
        spec.environment.insert(QStringLiteral("CODER_CHAT_ID"), request.chatId);
    }

    auto *process = new ManagedProcess(std::move(spec), m_clock, this);
    if (!process->start(error)) {
        delete process;
        if (kind) {
            *kind = StartError::Failed;
        }
        return nullptr;
    }
    if (kind) {
        *kind = StartError::None;
    }
    m_processes.insert(process->id(), process);
    m_captureUsage.insert(process, 0);
    connect(process, &ManagedProcess::outputAppended, this,
            [this, process] { accountCapture(process); });
    connect(process, &ManagedProcess::finished, this, [this, process] {
        const QString id = process->id();
        // Forgotten on time even if nobody lists: memory must not grow with every process.
        // "More than five minutes" after exit, as upstream's list() counts.
        m_reapTimers[id] = m_clock->callAfter(ReapAge + std::chrono::milliseconds(1), this,
                                              [this, id] { forget(id); });
        Q_EMIT processFinished(process);
        if (m_closed && runningCount() == 0) {
            finishClose();
        }
    });
    Q_EMIT processStarted(process);
    return process;
}

QList<ProcessInfo> ProcessManager::list(const QString &chatId)
{
    const qint64 now = m_clock->nowMSecs();
    const qint64 reapAge = std::chrono::duration_cast<std::chrono::milliseconds>(ReapAge).count();
    QList<ProcessInfo> result;
    QStringList expired;
    for (const ManagedProcess *p : std::as_const(m_processes)) {
        const ProcessInfo info = p->info();
        if (!info.running && info.exitedAtMSecs && now - *info.exitedAtMSecs > reapAge) {
            expired.append(info.id);
        } else if (chatId.isEmpty() || info.chatId == chatId) {
            result.append(info);
        }
    }
    for (const QString &id : std::as_const(expired)) {
        forget(id);
    }
    return result;
}

QList<ProcessInfo> ProcessManager::processes() const
{
    QList<ProcessInfo> result;
    result.reserve(m_processes.size());
    for (const ManagedProcess *p : m_processes) {
        result.append(p->info());
    }
    return result;
}

ManagedProcess *ProcessManager::process(const QString &id) const
{
    return m_processes.value(id);
}

ProcessManager::SignalResult ProcessManager::sendSignal(const QString &id, Signal signal,
                                                        QString *error)
{
    ManagedProcess *p = m_processes.value(id);
    if (!p) {
        return SignalResult::NotFound;
    }
    if (!p->isRunning()) {
        return SignalResult::NotRunning;
    }
    const int number = signal == Signal::Kill ? SIGKILL : SIGTERM;
    int errorNumber = 0;
    if (!p->sendSignal(number, ManagedProcess::Sender::Api, error, &errorNumber)) {
        // The whole group just died and Qt has not told us yet: it is not running.
        return errorNumber == ESRCH ? SignalResult::NotRunning : SignalResult::Failed;
    }
    Q_EMIT processUpdated(p); // "Terminating…" until it exits
    qCInfo(lcProcess) << "Sent" << (signal == Signal::Kill ? "SIGKILL" : "SIGTERM") << "to group of"
                      << id;
    return SignalResult::Sent;
}

void ProcessManager::forget(const QString &id)
{
    m_reapTimers.erase(id);
    ManagedProcess *process = m_processes.take(id);
    if (!process) {
        return;
    }
    m_captureTotal -= m_captureUsage.take(process);
    process->disconnect(this);
    qCDebug(lcProcess) << "Reaped" << id;
    Q_EMIT processRemoved(id);
    // Stream sessions may still read it during this event.
    process->deleteLater();
}

void ProcessManager::accountCapture(ManagedProcess *process)
{
    const auto it = m_captureUsage.find(process);
    if (it == m_captureUsage.end()) {
        return;
    }
    const qint64 usage = process->capture().memoryUsage();
    m_captureTotal += usage - it.value();
    it.value() = usage;
    if (m_captureTotal > m_options.captureBudgetBytes) {
        enforceCaptureBudget();
    }
}

void ProcessManager::enforceCaptureBudget()
{
    const qint64 budget = m_options.captureBudgetBytes;
    const auto account = [this](ManagedProcess *p) {
        const qint64 usage = p->capture().memoryUsage();
        m_captureTotal += usage - m_captureUsage.value(p);
        m_captureUsage.insert(p, usage);
    };
    // Exited processes first, oldest exit first: nobody is watching those grow.
    QList<ManagedProcess *> exited;
    for (ManagedProcess *p : std::as_const(m_processes)) {
        if (!p->isRunning() && m_captureUsage.value(p) > 0) {
            exited.append(p);
        }
    }
    std::sort(exited.begin(), exited.end(), [](ManagedProcess *a, ManagedProcess *b) {
        return a->info().exitedAtMSecs < b->info().exitedAtMSecs;
    });
    for (ManagedProcess *p : std::as_const(exited)) {
        if (m_captureTotal <= budget) {
            return;
        }
        p->releaseCapture();
        account(p);
        qCInfo(lcProcess) << "Released the capture of" << p->id() << "to stay within the" << budget
                          << "byte capture budget";
        Q_EMIT processUpdated(p);
    }
    // Then running captures lose their oldest output, the largest first.
    QList<ManagedProcess *> running;
    for (ManagedProcess *p : std::as_const(m_processes)) {
        if (p->isRunning()) {
            running.append(p);
        }
    }
    std::sort(running.begin(), running.end(), [this](ManagedProcess *a, ManagedProcess *b) {
        return m_captureUsage.value(a) > m_captureUsage.value(b);
    });
    for (ManagedProcess *p : std::as_const(running)) {
        if (m_captureTotal <= budget) {
            return;
        }
        p->trimCapture(m_captureUsage.value(p) - (m_captureTotal - budget));
        account(p);
    }
}

int ProcessManager::runningCount() const
{
    return int(std::count_if(m_processes.cbegin(), m_processes.cend(),
                             [](const ManagedProcess *p) { return p->isRunning(); }));
}

void ProcessManager::close()
{
    if (m_closed) {
        return;
    }
    m_closed = true;
    for (ManagedProcess *p : std::as_const(m_processes)) {
        if (p->isRunning()) {
            (void)p->sendSignal(SIGTERM, ManagedProcess::Sender::Shutdown);
            Q_EMIT processUpdated(p);
        }
    }
    if (runningCount() == 0) {
        finishClose();
        return;
    }
    m_killTimer = m_clock->callAfter(m_options.terminateGrace, this, [this] {
        qCInfo(lcProcess) << runningCount() << "processes ignored SIGTERM; killing them";
        killAll();
    });
}

void ProcessManager::killAll()
{
    for (ManagedProcess *p : std::as_const(m_processes)) {
        // Exited shells may have left children in their group: those die too.
        if (p->isRunning()) {
            (void)p->sendSignal(SIGKILL, ManagedProcess::Sender::Shutdown);
        } else if (p->groupHasMembers()) {
            (void)p->signalGroup(SIGKILL, nullptr);
        }
    }
}

void ProcessManager::finishClose()
{
    if (m_closeFinished) {
        return;
    }
    m_closeFinished = true;
    m_killTimer.reset();
    // Background children of exited shells would otherwise outlive the agent.
    killAll();
    Q_EMIT closed();
}
