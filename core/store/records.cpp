#include "records.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>

bool Records::isValidName(const QString &name)
{
    static const QRegularExpression pattern(
            QStringLiteral("^[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?$"));
    return name.size() <= 32 && pattern.match(name).hasMatch() &&
            !name.contains(QLatin1String("--"));
}

bool BuildRecord::isDone() const
{
    return jobStatus == QLatin1String("succeeded") || jobStatus == QLatin1String("failed") ||
            jobStatus == QLatin1String("canceled");
}

QJsonObject BuildRecord::toJson() const
{
    return {{QStringLiteral("id"), id},
            {QStringLiteral("workspace_id"), workspaceId},
            {QStringLiteral("build_number"), number},
            {QStringLiteral("initiator_id"), initiatorId},
            {QStringLiteral("transition"), transition},
            {QStringLiteral("job_status"), jobStatus},
            {QStringLiteral("prebuild_stage"), prebuildStage},
            {QStringLiteral("error"), error},
            {QStringLiteral("created_at"), createdAt},
            {QStringLiteral("completed_at"), completedAt ? QJsonValue(completedAt) : QJsonValue()}};
}

QJsonObject AgentRecord::toJson() const
{
    return {{QStringLiteral("id"), id},
            {QStringLiteral("name"), name},
            {QStringLiteral("api_url"), apiUrl},
            {QStringLiteral("last_seen_at"), lastSeenAt ? QJsonValue(lastSeenAt) : QJsonValue()},
            {QStringLiteral("connected"), connected},
            {QStringLiteral("created_at"), createdAt}};
}

QJsonObject ContextStateRecord::toJson(bool withSnapshot) const
{
    QJsonObject json {{QStringLiteral("agent_id"), agentId},
                      {QStringLiteral("version"), version},
                      {QStringLiteral("aggregate_hash"), aggregateHash},
                      {QStringLiteral("initial"), initial},
                      {QStringLiteral("resource_count"), resourceCount},
                      {QStringLiteral("updated_at"), updatedAt}};
    if (withSnapshot) {
        json.insert(QStringLiteral("snapshot"), QJsonDocument::fromJson(snapshot).object());
    }
    return json;
}

QString WorkspaceRecord::kind() const
{
    if (ownerId == Records::PrebuildsUserId) {
        return QStringLiteral("prebuilt");
    }
    return firstInitiatorId == Records::PrebuildsUserId ? QStringLiteral("claimed")
                                                        : QStringLiteral("regular");
}

QJsonObject WorkspaceRecord::toJson() const
{
    QJsonObject json {{QStringLiteral("id"), id},
                      {QStringLiteral("name"), name},
                      {QStringLiteral("owner_id"), ownerId},
                      {QStringLiteral("owner_name"), ownerName},
                      {QStringLiteral("kind"), kind()},
                      {QStringLiteral("created_at"), createdAt},
                      {QStringLiteral("latest_build"), latestBuild.toJson()}};
    json.insert(QStringLiteral("agent"), agent ? QJsonValue(agent->toJson()) : QJsonValue());
    json.insert(QStringLiteral("context_state"),
                context ? QJsonValue(context->toJson(false)) : QJsonValue());
    return json;
}

QJsonObject ReinitEventRecord::toJson() const
{
    return {{QStringLiteral("id"), id},
            {QStringLiteral("at"), at},
            {QStringLiteral("workspace_id"), workspaceId},
            {QStringLiteral("agent_id"), agentId},
            {QStringLiteral("kind"), kind},
            {QStringLiteral("reason"), reason},
            {QStringLiteral("previous_owner_id"), previousOwnerId},
            {QStringLiteral("new_owner_id"), newOwnerId},
            {QStringLiteral("detail"), detail},
            {QStringLiteral("retry_ms"), retryMs}};
}

std::optional<ReinitEventRecord> ReinitEventRecord::fromJson(const QJsonObject &json)
{
    if (!json.value(QStringLiteral("kind")).isString() ||
        !json.value(QStringLiteral("workspace_id")).isString()) {
        return std::nullopt;
    }
    ReinitEventRecord event;
    event.id = json.value(QStringLiteral("id")).toInteger();
    event.at = json.value(QStringLiteral("at")).toInteger();
    event.workspaceId = json.value(QStringLiteral("workspace_id")).toString();
    event.agentId = json.value(QStringLiteral("agent_id")).toString();
    event.kind = json.value(QStringLiteral("kind")).toString();
    event.reason = json.value(QStringLiteral("reason")).toString();
    event.previousOwnerId = json.value(QStringLiteral("previous_owner_id")).toString();
    event.newOwnerId = json.value(QStringLiteral("new_owner_id")).toString();
    event.detail = json.value(QStringLiteral("detail")).toString();
    event.retryMs = json.value(QStringLiteral("retry_ms")).toInteger();
    return event;
}
