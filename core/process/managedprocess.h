#pragma once

#include "headtailbuffer.h"
#include "outputcapture.h"
#include "processinfo.h"

#include <QObject>
#include <QProcessEnvironment>

class Clock;
class QProcess;

// One process started by the ProcessManager: `sh -c` in its own process group, stdout and
// stderr merged in arrival order into both output layers (the AI client's head/tail view and
// the bounded full capture).
class ManagedProcess : public QObject
{
    Q_OBJECT
public:
    struct Spec
    {
        QString id;
        QString command;
        QString workDir; // already resolved
        QString chatId;
        bool background = false;
        QProcessEnvironment environment;
        qint64 captureCapBytes = OutputCapture::DefaultCapBytes;
    };

    ManagedProcess(Spec spec, Clock *clock, QObject *parent = nullptr);
    ~ManagedProcess() override;

    // Starts the process; on failure returns false with the reason (the process never ran).
    [[nodiscard]] bool start(QString *error);

    QString id() const { return m_info.id; }
    QString chatId() const { return m_info.chatId; }
    ProcessInfo info() const { return m_info; }
    bool isRunning() const { return m_info.running; }
    qint64 processGroup() const { return m_info.pid; }
    const HeadTailBuffer &headTail() const { return m_headTail; }
    const OutputCapture &capture() const { return m_capture; }
    // Frees the full capture for good (the budget needs it); the head/tail buffer stays.
    void releaseCapture();
    // Drops the capture's oldest chunks until it uses at most `memoryBytes`; returns the
    // memory freed.
    qint64 trimCapture(qint64 memoryBytes);

    enum class Sender { Api, Shutdown };
    // Sends SIGTERM or SIGKILL to the group of a running process and remembers it (and who
    // asked), so its state can say "Terminating…" and its end who ended it.
    [[nodiscard]] bool sendSignal(int signalNumber, Sender sender, QString *error = nullptr,
                                  int *errorNumber = nullptr);
    // Sends `signalNumber` to the whole process group.
    // On failure, `errorNumber` gets errno (ESRCH: the group is gone).
    [[nodiscard]] bool signalGroup(int signalNumber, QString *error,
                                   int *errorNumber = nullptr) const;
    // True while any process of the group is alive (children may outlive the shell).
    bool groupHasMembers() const;

    // Shutdown only: blocks until the shell is reaped or the timeout passes.
    bool waitForExit(int msecs);

Q_SIGNALS:
    // Bytes [offset, offset + length) were appended to the capture.
    void outputAppended(qint64 offset, qint64 length);
    // The shell exited; info() is final and all its output has been appended.
    void finished();

private:
    void readOutput();
    void onFinished(int exitCode, int exitStatus);

    ProcessInfo m_info;
    QProcessEnvironment m_environment;
    Clock *m_clock;
    QProcess *m_process;
    HeadTailBuffer m_headTail;
    OutputCapture m_capture;
};
