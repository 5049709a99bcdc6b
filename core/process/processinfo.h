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

    enum class Fields { Upstream, Extended };
    QJsonObject toJson(Fields fields = Fields::Upstream) const;
    static std::optional<ProcessInfo> fromJson(const QJsonObject &object);
    friend bool operator==(const ProcessInfo &, const ProcessInfo &) = default;
};
