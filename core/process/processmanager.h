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

// Starts, tracks, signals and reaps the processes of one agent, as Coder's agentproc manager:
// ids are UUIDs, exited processes are forgotten five minutes after exit (on list()), and
// closing ends every process (TERM to each group, a bounded wait, then KILL).
class ProcessManager : public QObject
{
    Q_OBJECT
public:
    // Upstream exitedProcessReapAge.
    static constexpr std::chrono::minutes ReapAge {5};

    struct Options
    {
        // The agent's working directory; used when a request names none and it exists.
        std::function<QString()> workingDirectory;
        QString homeDirectory; // empty: the user's home
        qint64 captureCapBytes = OutputCapture::DefaultCapBytes;
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

    enum class SignalResult { Sent, NotFound, NotRunning, Failed };
    enum class Signal { Kill, Terminate };

    explicit ProcessManager(Options options, QObject *parent = nullptr);
    ~ProcessManager() override;

    // Null on failure, with the reason in `error`.
    ManagedProcess *start(const StartRequest &request, QString *error);
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

    // The directory a request without workdir runs in: the agent's working directory if it
    // exists, else home.
    QString resolveWorkDir(const QString &requested) const;

Q_SIGNALS:
    void processStarted(ManagedProcess *process);
    void processFinished(ManagedProcess *process);
    void processRemoved(const QString &id);
    void closed();

private:
    void killAll();
    void finishClose();

    Options m_options;
    Clock *m_clock;
    QHash<QString, ManagedProcess *> m_processes;
    bool m_closed = false;
    bool m_closeFinished = false;
    std::unique_ptr<Clock::Timer> m_killTimer;
};
