#include "contextpusher.h"

#include <QJsonArray>

QJsonObject ContextPushRequest::toJson() const
{
    QJsonObject body = snapshot.toJson();
    QJsonArray resources;
    for (const ContextResource &resource : snapshot.resources) {
        QJsonObject r = resource.toJson();
        const bool shipsPayload = resource.status == ResourceStatus::Ok &&
                (resource.kind == ResourceKind::InstructionFile ||
                 resource.kind == ResourceKind::Skill);
        if (shipsPayload) {
            r.insert(QStringLiteral("payload"), QString::fromLatin1(resource.payload.toBase64()));
        }
        resources.append(r);
    }
    body.insert(QStringLiteral("resources"), resources);
    body.insert(QStringLiteral("initial"), initial);
    return body;
}
