#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QMetaType>
#include <QString>

#include <optional>

// agentsdk.ReinitializationEvent: {"workspace_id", "reason", "owner_id"}; owner_id is left out
// when there is none (omitzero).
struct ReinitEvent
{
    static constexpr QLatin1StringView ReasonPrebuildClaimed {"prebuild_claimed"};

    QString workspaceId;
    QString reason;
    QString ownerId;

    QByteArray toJson() const;
    // The SSE data of the reinit stream. Accepts upstream's first form too (`WorkspaceID`
    // without a JSON tag); owner_id may be missing. Null, with `error`, for anything else.
    static std::optional<ReinitEvent> decode(QByteArrayView json, QString *error);
    // A message on prebuild_claimed_<workspace>: JSON, or (publishers older than the JSON
    // form, during a rolling upgrade) the raw reason text.
    static ReinitEvent fromClaimPayload(QByteArrayView payload, const QString &workspaceId);

    bool operator==(const ReinitEvent &) const = default;
};

namespace Claims {
// prebuild_claimed_<lowercase hyphenated uuid>
QString channel(const QString &workspaceId);
} // namespace Claims
Q_DECLARE_METATYPE(ReinitEvent)
