// The chat runtime's pubsub payloads: chat:update:<id> (ChatMessages::decodeUpdate) and
// chat:ownership (decodeOwnership). Any bytes are a state or an error, never a crash; what
// decodes encodes back to itself.
#include "chat/chatstate.h"
#include "fuzzinput.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzInput input(data, size);
    const uint8_t mode = input.byte();
    const QByteArrayView payload = input.rest();
    QString error;
    if (mode & 1) {
        const std::optional<OwnershipHint> hint = ChatMessages::decodeOwnership(payload, &error);
        FUZZ_CHECK(bool(hint) == error.isEmpty());
        if (hint) {
            QString again;
            const std::optional<OwnershipHint> back =
                    ChatMessages::decodeOwnership(ChatMessages::encodeOwnership(*hint), &again);
            FUZZ_CHECK(back && *back == *hint);
        }
        return 0;
    }
    const QString chatId = QStringLiteral("7b5a7a8e-5c1f-4c0e-9a55-0d2b1f0a9c11");
    const std::optional<ChatState> state = ChatMessages::decodeUpdate(payload, chatId, &error);
    FUZZ_CHECK(bool(state) == error.isEmpty());
    if (state) {
        FUZZ_CHECK(state->chatId == chatId && state->snapshotVersion >= 0);
        QString again;
        const std::optional<ChatState> back =
                ChatMessages::decodeUpdate(ChatMessages::encodeUpdate(*state), chatId, &again);
        FUZZ_CHECK(back && *back == *state);
    }
    return 0;
}
