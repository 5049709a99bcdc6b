#pragma once

#include "common/clock.h"
#include "managedprocess.h"
#include "processinfo.h"

#include <QHash>
#include <QObject>
#include <QPointer>

#include <chrono>
#include <functional>
#include <memory>
#include <unordered_map>

// Starts, tracks, signals and reaps the processes of one agent, as Coder's agentproc manager:
// ids are UUIDs, exited processes are forgotten five minutes after exit, and closing ends
// every process (TERM to each group, a bounded wait, then KILL). Memory is bounded: at most
// maxProcesses are tracked, and all full captures share one budget; beyond it the oldest
// exited processes' captures are released first, then the largest running ones are trimmed.
class ProcessManager : public QObject
{
    Q_OBJECT
public:
    // Upstream exitedProcessReapAge.
    static constexpr std::chrono::minutes ReapAge {5};
    static constexpr qint64 DefaultCaptureBudgetBytes = qint64(1) << 30;
    static constexpr int DefaultMaxProcesses = 1000;

    struct Options
    {
        // The agent's working directory; used when a request names none and it exists.
        std::function<QString()> workingDirectory;
        QString homeDirectory; // empty: the user's home
        qint64 captureCapBytes = OutputCapture::DefaultCapBytes;
        // All full captures together (data and index); the head/tail buffers are not in it.
        qint64 captureBudgetBytes = DefaultCaptureBudgetBytes;
        // Tracked processes, running and exited; a start beyond it is refused.
        int maxProcesses = DefaultMaxProcesses;
        Clock *clock = nullptr; // null: the system clock
        std::chrono::milliseconds terminateGrace {3000};
    };

    struct StartRequest
    {
        QString command;
        QString workDir;
        QList<std::pair<QString, QString>> environment;
        bool background = false;
        QString chatId;
    };

    enum class StartError { None, Closed, TooMany, Failed };
    enum class SignalResult { Sent, NotFound, NotRunning, Failed };
    enum class Signal { Kill, Terminate };

    explicit ProcessManager(Options options, QObject *parent = nullptr);
    ~ProcessManager() override;

    // Null on failure, with the reason in `error` and its kind in `kind`.
    ManagedProcess *start(const StartRequest &request, QString *error, StartError *kind = nullptr);
    // The processes visible to `chatId` (all when empty) after reaping, unsorted.
    QList<ProcessInfo> list(const QString &chatId = {});
    // Every tracked process, without reaping.
    QList<ProcessInfo> processes() const;
    ManagedProcess *process(const QString &id) const;
    SignalResult sendSignal(const QString &id, Signal signal, QString *error = nullptr);

    // Ends every process: TERM to each group, up to terminateGrace for them to exit, then KILL.
    // Asynchronous; emits closed() when every shell has exited. New starts fail afterwards.
    void close();
    bool isClosed() const { return m_closed; }
    int runningCount() const;
    int trackedCount() const { return int(m_processes.size()); }
    // Memory held by all full captures now, against Options::captureBudgetBytes.
    qint64 captureUsage() const { return m_captureTotal; }
    const Options &options() const { return m_options; }

    // The directory a request without workdir runs in: the agent's working directory if it
    // exists, else home.
    QString resolveWorkDir(const QString &requested) const;

Q_SIGNALS:
    void processStarted(ManagedProcess *process);
    void processFinished(ManagedProcess *process);
    void processRemoved(const QString &id);
    // Something other than running/exit changed (its capture was released).
    void processUpdated(ManagedProcess *process);
    void closed();

private:
    void killAll();
    void finishClose();
    void forget(const QString &id);
    void accountCapture(ManagedProcess *process);
    void enforceCaptureBudget();

    Options m_options;
    Clock *m_clock;
    QHash<QString, ManagedProcess *> m_processes;
    bool m_closed = false;
    bool m_closeFinished = false;
    std::unique_ptr<Clock::Timer> m_killTimer;
    std::unordered_map<QString, std::unique_ptr<Clock::Timer>> m_reapTimers;
    QHash<ManagedProcess *, qint64> m_captureUsage;
    qint64 m_captureTotal = 0;
};
