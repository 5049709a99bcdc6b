#pragma once

#include <QJsonObject>
#include <QString>

#include <optional>

// What is known about one tracked process, as a value. Its JSON form is Coder's
// workspacesdk.ProcessInfo; the watch stream adds the chat id and pid.
struct ProcessInfo
{
    QString id;
    QString command;
    QString workDir; // resolved working directory
    QString chatId;
    bool background = false;
    bool running = false;
    std::optional<int> exitCode; // -1 when killed by a signal
    qint64 startedAtUnix = 0;
    std::optional<qint64> exitedAtUnix;
    qint64 startedAtMSecs = 0; // for durations in the UI
    std::optional<qint64> exitedAtMSecs;
    qint64 pid = 0;
    // The full capture was freed to keep all captures within the agent's budget; the
    // head/tail view AI clients read is kept.
    bool captureReleased = false;
    // The signal that ended it (SIGTERM, SIGKILL, ...), 0 when it exited by itself.
    int exitSignal = 0;
    // The last signal the agent sent the group while it ran ("terminate" or "kill"), and who
    // asked for it: "api" (a client of the process API: the app's Terminate and Kill) or
    // "shutdown" (the agent ending). A process that ended by a signal nobody here sent was
    // signalled from outside.
    QString signalSent;
    QString signalSentBy;

    enum class Fields { Upstream, Extended };
    QJsonObject toJson(Fields fields = Fields::Upstream) const;
    static std::optional<ProcessInfo> fromJson(const QJsonObject &object);
    // "SIGTERM" for 15, "SIG34"-style for what has no name.
    static QString signalName(int number);
    friend bool operator==(const ProcessInfo &, const ProcessInfo &) = default;
};
