#include "chatcontext.h"

#include <QJsonArray>
#include <QJsonDocument>

std::optional<ChatContext> ChatContext::fromHeaders(const QHttpHeaders &headers)
{
    const QUuid chat = QUuid::fromString(headers.value("Coder-Chat-Id").trimmed());
    if (chat.isNull()) {
        return std::nullopt;
    }
    ChatContext context {chat, {}};
    const QJsonDocument ancestors =
            QJsonDocument::fromJson(headers.value("Coder-Ancestor-Chat-Ids").toByteArray());
    const QJsonArray array = ancestors.array();
    for (const QJsonValue &value : array) {
        const QUuid id = QUuid::fromString(value.toString());
        if (!id.isNull()) {
            context.ancestorIds.append(id);
        }
    }
    return context;
}
