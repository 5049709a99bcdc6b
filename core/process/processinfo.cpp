#include "processinfo.h"

#include <csignal>
#include <cstring>

QJsonObject ProcessInfo::toJson(Fields fields) const
{
    QJsonObject o {
            {QStringLiteral("id"), id},
            {QStringLiteral("command"), command},
            {QStringLiteral("background"), background},
            {QStringLiteral("running"), running},
            {QStringLiteral("started_at_unix"), startedAtUnix},
    };
    if (!workDir.isEmpty()) {
        o.insert(QStringLiteral("workdir"), workDir);
    }
    if (exitCode) {
        o.insert(QStringLiteral("exit_code"), *exitCode);
    }
    if (exitedAtUnix) {
        o.insert(QStringLiteral("exited_at_unix"), *exitedAtUnix);
    }
    if (fields == Fields::Extended) {
        if (!chatId.isEmpty()) {
            o.insert(QStringLiteral("chat_id"), chatId);
        }
        o.insert(QStringLiteral("pid"), pid);
        o.insert(QStringLiteral("started_at_ms"), startedAtMSecs);
        if (exitedAtMSecs) {
            o.insert(QStringLiteral("exited_at_ms"), *exitedAtMSecs);
        }
        if (captureReleased) {
            o.insert(QStringLiteral("capture_released"), true);
        }
        if (exitSignal != 0) {
            o.insert(QStringLiteral("exit_signal"), signalName(exitSignal));
        }
        if (!signalSent.isEmpty()) {
            o.insert(QStringLiteral("signal_sent"), signalSent);
            o.insert(QStringLiteral("signal_sent_by"), signalSentBy);
        }
    }
    return o;
}

std::optional<ProcessInfo> ProcessInfo::fromJson(const QJsonObject &o)
{
    if (!o.value(QStringLiteral("id")).isString()) {
        return std::nullopt;
    }
    ProcessInfo info;
    info.id = o.value(QStringLiteral("id")).toString();
    info.command = o.value(QStringLiteral("command")).toString();
    info.workDir = o.value(QStringLiteral("workdir")).toString();
    info.chatId = o.value(QStringLiteral("chat_id")).toString();
    info.background = o.value(QStringLiteral("background")).toBool();
    info.running = o.value(QStringLiteral("running")).toBool();
    if (o.contains(QStringLiteral("exit_code"))) {
        info.exitCode = o.value(QStringLiteral("exit_code")).toInt();
    }
    info.startedAtUnix = o.value(QStringLiteral("started_at_unix")).toInteger();
    if (o.contains(QStringLiteral("exited_at_unix"))) {
        info.exitedAtUnix = o.value(QStringLiteral("exited_at_unix")).toInteger();
    }
    info.startedAtMSecs =
            o.value(QStringLiteral("started_at_ms")).toInteger(info.startedAtUnix * 1000);
    if (o.contains(QStringLiteral("exited_at_ms"))) {
        info.exitedAtMSecs = o.value(QStringLiteral("exited_at_ms")).toInteger();
    } else if (info.exitedAtUnix) {
        info.exitedAtMSecs = *info.exitedAtUnix * 1000;
    }
    info.pid = o.value(QStringLiteral("pid")).toInteger();
    info.captureReleased = o.value(QStringLiteral("capture_released")).toBool();
    const QString exitSignal = o.value(QStringLiteral("exit_signal")).toString();
    for (int number = 1; number < NSIG && !exitSignal.isEmpty(); ++number) {
        if (signalName(number) == exitSignal) {
            info.exitSignal = number;
            break;
        }
    }
    info.signalSent = o.value(QStringLiteral("signal_sent")).toString();
    info.signalSentBy = o.value(QStringLiteral("signal_sent_by")).toString();
    return info;
}

QString ProcessInfo::signalName(int number)
{
    const char *abbreviation = number > 0 && number < NSIG ? ::sigabbrev_np(number) : nullptr;
    return abbreviation ? QLatin1StringView("SIG") + QLatin1StringView(abbreviation)
                        : QStringLiteral("SIG%1").arg(number);
}
