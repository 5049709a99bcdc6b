#include "processmanager.h"

#include <QDir>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QUuid>

#include <algorithm>
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
            (void)p->signalGroup(SIGTERM, nullptr);
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

ManagedProcess *ProcessManager::start(const StartRequest &request, QString *error)
{
    if (m_closed) {
        *error = QStringLiteral("manager is closed");
        return nullptr;
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
        return nullptr;
    }
    m_processes.insert(process->id(), process);
    connect(process, &ManagedProcess::finished, this, [this, process] {
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
    for (auto it = m_processes.begin(); it != m_processes.end();) {
        const ProcessInfo info = it.value()->info();
        if (!info.running && info.exitedAtMSecs && now - *info.exitedAtMSecs > reapAge) {
            ManagedProcess *reaped = it.value();
            it = m_processes.erase(it);
            qCDebug(lcProcess) << "Reaped" << info.id;
            Q_EMIT processRemoved(info.id);
            // Stream sessions may still read it during this event.
            reaped->deleteLater();
            continue;
        }
        if (chatId.isEmpty() || info.chatId == chatId) {
            result.append(info);
        }
        ++it;
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
    if (!p->signalGroup(number, error)) {
        return SignalResult::Failed;
    }
    qCInfo(lcProcess) << "Sent" << (signal == Signal::Kill ? "SIGKILL" : "SIGTERM") << "to group of"
                      << id;
    return SignalResult::Sent;
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
            (void)p->signalGroup(SIGTERM, nullptr);
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
        if (p->isRunning() || p->groupHasMembers()) {
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
