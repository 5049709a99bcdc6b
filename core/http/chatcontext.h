#pragma once

#include <QHttpHeaders>
#include <QList>
#include <QUuid>

#include <optional>

// The chat a request acts for, from Coder's identity headers: Coder-Chat-Id (a UUID; missing or
// unparsable means "not a chat request") and Coder-Ancestor-Chat-Ids (a JSON array of UUIDs;
// invalid JSON is ignored, invalid entries are skipped).
struct ChatContext
{
    QUuid chatId;
    QList<QUuid> ancestorIds;

    static std::optional<ChatContext> fromHeaders(const QHttpHeaders &headers);
    // The chat id as upstream prints it: lower case, no braces.
    QString chatIdString() const { return chatId.toString(QUuid::WithoutBraces); }
};
