// The reinit payloads an agent and a control plane read: the SSE data of the reinit stream
// (ReinitEvent::decode) and a message on prebuild_claimed_<id> (fromClaimPayload). Any bytes
// are an event or an error, never a crash; what decodes is canonical and encodes back to itself;
// what does not is, on the claim channel, the raw reason.
#include "fuzzinput.h"
#include "prebuilds/reinitevent.h"

#include <QUuid>

namespace {

bool canonicalUuid(const QString &text)
{
    return text.size() == 36 && text == text.toLower() && !QUuid::fromString(text).isNull();
}

QString uuidFrom(FuzzInput &input)
{
    QByteArray bytes = input.take(16).toByteArray();
    bytes.resize(16, '\x01');
    if (bytes.count('\0') == 16) {
        bytes[0] = 1; // the nil UUID is "none", not an id
    }
    return QUuid::fromRfc4122(bytes).toString(QUuid::WithoutBraces);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzInput input(data, size);
    const uint8_t mode = input.byte();
    if (mode & 1) {
        // Events we send: encode, decode, same event.
        ReinitEvent event;
        event.workspaceId = uuidFrom(input);
        event.ownerId = (mode & 2) ? uuidFrom(input) : QString();
        event.reason = QString::fromUtf8(input.rest());
        QString error;
        const std::optional<ReinitEvent> back = ReinitEvent::decode(event.toJson(), &error);
        FUZZ_CHECK(back && error.isEmpty());
        FUZZ_CHECK(*back == event);
        return 0;
    }

    const QByteArrayView payload = input.rest();
    QString error;
    const std::optional<ReinitEvent> event = ReinitEvent::decode(payload, &error);
    FUZZ_CHECK(bool(event) == error.isEmpty());
    if (event) {
        FUZZ_CHECK(canonicalUuid(event->workspaceId));
        FUZZ_CHECK(event->ownerId.isEmpty() || canonicalUuid(event->ownerId));
        QString again;
        const std::optional<ReinitEvent> back = ReinitEvent::decode(event->toJson(), &again);
        FUZZ_CHECK(back && *back == *event);
        FUZZ_CHECK(Claims::channel(event->workspaceId).size() == 17 + 36);
    }
    const QString workspace = QStringLiteral("7b5a7a8e-5c1f-4c0e-9a55-0d2b1f0a9c11");
    const ReinitEvent claim = ReinitEvent::fromClaimPayload(payload, workspace);
    if (event) {
        FUZZ_CHECK(claim == *event);
    } else {
        FUZZ_CHECK(claim.workspaceId == workspace && claim.ownerId.isEmpty() &&
                   claim.reason == QString::fromUtf8(payload));
    }
    return 0;
}
