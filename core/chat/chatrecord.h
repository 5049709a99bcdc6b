#pragma once

#include "chatstate.h"

#include <QJsonObject>
#include <QList>
#include <QString>

#include <optional>

// A chat's row, with its lease's heartbeat and the messages queued for it.
struct ChatRecord
{
    QString id;
    QString ownerId;
    QString workspaceId;
    QString agentId; // the bound agent; the dialer may move it to the workspace's current one
    QString title;
    ChatStatus status = ChatStatus::Waiting;
    QString workerId; // '' when no worker holds the lease
    QString runnerId;
    qint64 snapshotVersion = 0;
    qint64 historyVersion = 0;
    qint64 queueVersion = 0;
    qint64 retryStateVersion = 0;
    qint64 generationAttempt = 0;
    bool archived = false;
    std::optional<qint64> requiresActionDeadlineAt;
    QString lastError;
    qint64 createdAt = 0;
    qint64 updatedAt = 0;
    std::optional<qint64> heartbeatAt; // the lease's last renewal
    int queuedMessages = 0;

    ChatState state() const;
    bool isOwned() const { return !workerId.isEmpty() && !runnerId.isEmpty(); }
    // The API's shape: ids, title, status, versions, lease, times (ms since the epoch).
    QJsonObject toJson() const;
};

struct ChatMessageRecord
{
    qint64 id = 0;
    QString chatId;
    QString role; // user, assistant, tool
    QString content;
    bool queued = false; // not yet in the history the model sees
    qint64 historyVersion = 0;
    qint64 createdAt = 0;
    QJsonObject toJson() const;
};
