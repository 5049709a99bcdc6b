// What crosses a pubsub: PubSub::validate, which both backends apply before a publish, and the
// events channel's decoder, which every replica applies to what it relays (any database user
// can NOTIFY companion_events). Accepted means publishable on PostgreSQL; a decoded event
// re-encodes to itself.
#include "controlplane/controlplane.h"
#include "fuzzinput.h"
#include "pubsub/pubsub.h"

#include <QJsonDocument>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzInput input(data, size);
    const uint8_t channelBytes = input.byte() % 80;
    const QString channel = QString::fromUtf8(input.take(channelBytes));
    const QByteArray payload = input.rest().toByteArray();

    const QString verdict = PubSub::validate(channel, payload);
    if (verdict.isEmpty()) {
        FUZZ_CHECK(!channel.isEmpty() && channel.toUtf8().size() <= PubSub::MaxChannelBytes);
        FUZZ_CHECK(payload.size() <= PubSub::MaxPayloadBytes && !payload.contains('\0'));
    } else {
        FUZZ_CHECK(channel.isEmpty() || channel.toUtf8().size() > PubSub::MaxChannelBytes ||
                   payload.size() > PubSub::MaxPayloadBytes || payload.contains('\0'));
    }

    const std::optional<QJsonObject> event = ControlPlane::decodeEventMessage(payload);
    if (event) {
        FUZZ_CHECK(!event->value(QStringLiteral("type")).toString().isEmpty());
        const QByteArray again = QJsonDocument(*event).toJson(QJsonDocument::Compact);
        const std::optional<QJsonObject> back = ControlPlane::decodeEventMessage(again);
        FUZZ_CHECK(back && *back == *event);
    }
    return 0;
}
