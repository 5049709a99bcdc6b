#pragma once

#include <QJsonObject>
#include <QString>
#include <QStringList>

// Where the push of context to the control plane stands, as the API reports it and the UI
// shows it.
struct ContextPushStatus
{
    enum class State { Disabled, Idle, Pushing, BackingOff, Stopped };

    State state = State::Disabled;
    int attempts = 0; // of the current request
    QString lastError;
    qint64 nextRetryAtMSecs = 0; // BackingOff: when the retry fires (epoch ms)
    quint64 lastPushedVersion = 0;
    bool lastAccepted = false;
    QString stopReason;
    // Not the push's own: how the agent's watcher copes, shown beside it. Why it rescans
    // instead of watching (the inotify limit), and the paths it cannot watch ("path: reason").
    QString watchDegradation;
    QStringList watchFailures;

    static QString stateName(State state);
    static State stateFromName(const QString &name);
    QJsonObject toJson() const;
    static ContextPushStatus fromJson(const QJsonObject &object);
    friend bool operator==(const ContextPushStatus &, const ContextPushStatus &) = default;
};
