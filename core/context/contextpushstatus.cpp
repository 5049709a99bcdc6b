#include "contextpushstatus.h"

#include "context/contextpaths.h"

#include <QJsonArray>

QString ContextPushStatus::stateName(State state)
{
    switch (state) {
    case State::Disabled:
        return QStringLiteral("disabled");
    case State::Idle:
        return QStringLiteral("idle");
    case State::Pushing:
        return QStringLiteral("pushing");
    case State::BackingOff:
        return QStringLiteral("backing_off");
    case State::Stopped:
        return QStringLiteral("stopped");
    }
    return QStringLiteral("disabled");
}

ContextPushStatus::State ContextPushStatus::stateFromName(const QString &name)
{
    for (State s : {State::Idle, State::Pushing, State::BackingOff, State::Stopped}) {
        if (stateName(s) == name) {
            return s;
        }
    }
    return State::Disabled;
}

QJsonObject ContextPushStatus::toJson() const
{
    QJsonObject o {{QStringLiteral("state"), stateName(state)},
                   {QStringLiteral("attempts"), attempts},
                   {QStringLiteral("last_pushed_version"), qint64(lastPushedVersion)},
                   {QStringLiteral("last_accepted"), lastAccepted}};
    if (!lastError.isEmpty()) {
        o.insert(QStringLiteral("last_error"), lastError);
    }
    if (nextRetryAtMSecs > 0) {
        o.insert(QStringLiteral("next_retry_at_ms"), nextRetryAtMSecs);
    }
    if (!stopReason.isEmpty()) {
        o.insert(QStringLiteral("stop_reason"), stopReason);
    }
    if (!watchDegradation.isEmpty()) {
        o.insert(QStringLiteral("watch_degradation"), watchDegradation);
    }
    if (!watchFailures.isEmpty()) {
        QJsonArray failures;
        for (const QString &failure : watchFailures) {
            failures.append(ContextPaths::forDisplay(failure));
        }
        o.insert(QStringLiteral("watch_failures"), failures);
    }
    return o;
}

ContextPushStatus ContextPushStatus::fromJson(const QJsonObject &o)
{
    ContextPushStatus s;
    s.state = stateFromName(o.value(QStringLiteral("state")).toString());
    s.attempts = o.value(QStringLiteral("attempts")).toInt();
    s.lastError = o.value(QStringLiteral("last_error")).toString();
    s.nextRetryAtMSecs = o.value(QStringLiteral("next_retry_at_ms")).toInteger();
    s.lastPushedVersion = quint64(o.value(QStringLiteral("last_pushed_version")).toInteger());
    s.lastAccepted = o.value(QStringLiteral("last_accepted")).toBool();
    s.stopReason = o.value(QStringLiteral("stop_reason")).toString();
    s.watchDegradation = o.value(QStringLiteral("watch_degradation")).toString();
    for (const QJsonValue &failure : o.value(QStringLiteral("watch_failures")).toArray()) {
        s.watchFailures.append(failure.toString());
    }
    return s;
}
