#include "pubsub.h"

QString PubSub::validate(const QString &channel, const QByteArray &payload)
{
    if (channel.isEmpty() || channel.toUtf8().size() > MaxChannelBytes) {
        return QStringLiteral("A channel name has 1 to %1 bytes; \"%2\" has %3.")
                .arg(MaxChannelBytes)
                .arg(channel.left(80))
                .arg(channel.toUtf8().size());
    }
    if (payload.size() > MaxPayloadBytes) {
        return QStringLiteral("The payload has %1 bytes; PostgreSQL NOTIFY allows at most %2 here.")
                .arg(payload.size())
                .arg(MaxPayloadBytes);
    }
    if (payload.contains('\0')) {
        return QStringLiteral("The payload contains a NUL byte, which NOTIFY cannot carry.");
    }
    return {};
}
