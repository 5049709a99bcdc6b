#include "chatrecord.h"

namespace {
QJsonValue nullable(const QString &text)
{
    return text.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(text);
}
QJsonValue nullable(const std::optional<qint64> &value)
{
    return value ? QJsonValue(*value) : QJsonValue(QJsonValue::Null);
}
} // namespace

ChatState ChatRecord::state() const
{
    ChatState s;
    s.chatId = id;
    s.workerId = workerId;
    s.runnerId = runnerId;
    s.snapshotVersion = snapshotVersion;
    s.historyVersion = historyVersion;
    s.queueVersion = queueVersion;
    s.retryStateVersion = retryStateVersion;
    s.generationAttempt = generationAttempt;
    s.status = status;
    s.archived = archived;
    s.requiresActionDeadlineAt = requiresActionDeadlineAt;
    return s;
}

QJsonObject ChatRecord::toJson() const
{
    return {
            {QStringLiteral("id"), id},
            {QStringLiteral("owner_id"), ownerId},
            {QStringLiteral("workspace_id"), workspaceId},
            {QStringLiteral("agent_id"), nullable(agentId)},
            {QStringLiteral("title"), title},
            {QStringLiteral("status"), chatStatusName(status)},
            {QStringLiteral("worker_id"), nullable(workerId)},
            {QStringLiteral("runner_id"), nullable(runnerId)},
            {QStringLiteral("snapshot_version"), snapshotVersion},
            {QStringLiteral("history_version"), historyVersion},
            {QStringLiteral("queue_version"), queueVersion},
            {QStringLiteral("retry_state_version"), retryStateVersion},
            {QStringLiteral("generation_attempt"), generationAttempt},
            {QStringLiteral("archived"), archived},
            {QStringLiteral("requires_action_deadline_at"), nullable(requiresActionDeadlineAt)},
            {QStringLiteral("last_error"), lastError},
            {QStringLiteral("created_at"), createdAt},
            {QStringLiteral("updated_at"), updatedAt},
            {QStringLiteral("heartbeat_at"), nullable(heartbeatAt)},
            {QStringLiteral("queued_messages"), queuedMessages},
    };
}

QJsonObject ChatMessageRecord::toJson() const
{
    return {
            {QStringLiteral("id"), id},
            {QStringLiteral("chat_id"), chatId},
            {QStringLiteral("role"), role},
            {QStringLiteral("content"), content},
            {QStringLiteral("queued"), queued},
            {QStringLiteral("history_version"), historyVersion},
            {QStringLiteral("created_at"), createdAt},
    };
}
