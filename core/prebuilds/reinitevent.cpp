#include "reinitevent.h"

#include "http/strictjson.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QUuid>

QByteArray ReinitEvent::toJson() const
{
    QJsonObject json {{QStringLiteral("workspace_id"), workspaceId},
                      {QStringLiteral("reason"), reason}};
    if (!ownerId.isEmpty()) {
        json.insert(QStringLiteral("owner_id"), ownerId);
    }
    return QJsonDocument(json).toJson(QJsonDocument::Compact);
}

std::optional<ReinitEvent> ReinitEvent::decode(QByteArrayView json, QString *error)
{
    QJsonParseError parse;
    const QJsonDocument document = StrictJson::qtDocument(json, &parse);
    if (parse.error != QJsonParseError::NoError || !document.isObject()) {
        *error = parse.error != QJsonParseError::NoError
                ? QStringLiteral("The reinit event is not JSON: %1.").arg(parse.errorString())
                : QStringLiteral("The reinit event is not a JSON object.");
        return std::nullopt;
    }
    const QJsonObject object = document.object();
    QJsonValue workspace = object.value(QStringLiteral("workspace_id"));
    if (workspace.isUndefined()) {
        workspace = object.value(QStringLiteral("WorkspaceID"));
    }
    const QJsonValue reason = object.value(QStringLiteral("reason"));
    const QJsonValue owner = object.value(QStringLiteral("owner_id"));
    if (!workspace.isString() || QUuid::fromString(workspace.toString()).isNull()) {
        *error = QStringLiteral("The reinit event has no workspace_id UUID.");
        return std::nullopt;
    }
    if (!reason.isString() && !reason.isUndefined()) {
        *error = QStringLiteral("The reinit event's reason is not a string.");
        return std::nullopt;
    }
    if (!owner.isUndefined() && !owner.isNull() &&
        (!owner.isString() || QUuid::fromString(owner.toString()).isNull())) {
        *error = QStringLiteral("The reinit event's owner_id is not a UUID.");
        return std::nullopt;
    }
    // Canonical form, as Go's uuid.UUID prints itself whatever form it was parsed from.
    ReinitEvent event;
    event.workspaceId = QUuid::fromString(workspace.toString()).toString(QUuid::WithoutBraces);
    event.reason = reason.toString();
    // The zero UUID is "no owner" (Go's omitzero of uuid.Nil).
    const QUuid ownerUuid = QUuid::fromString(owner.toString());
    event.ownerId = ownerUuid.isNull() ? QString() : ownerUuid.toString(QUuid::WithoutBraces);
    return event;
}

ReinitEvent ReinitEvent::fromClaimPayload(QByteArrayView payload, const QString &workspaceId)
{
    QString ignored;
    if (std::optional<ReinitEvent> event = decode(payload, &ignored)) {
        return *event;
    }
    return {workspaceId, QString::fromUtf8(payload), {}};
}

QString Claims::channel(const QString &workspaceId)
{
    return QStringLiteral("prebuild_claimed_") + workspaceId.toLower();
}
