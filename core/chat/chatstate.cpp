#include "chatstate.h"

#include "http/strictjson.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QUuid>

#include <array>

namespace {

constexpr std::array<std::pair<ChatStatus, QLatin1StringView>, 8> StatusNames {{
        {ChatStatus::Waiting, QLatin1StringView("waiting")},
        {ChatStatus::Pending, QLatin1StringView("pending")},
        {ChatStatus::Running, QLatin1StringView("running")},
        {ChatStatus::Interrupting, QLatin1StringView("interrupting")},
        {ChatStatus::RequiresAction, QLatin1StringView("requires_action")},
        {ChatStatus::Paused, QLatin1StringView("paused")},
        {ChatStatus::Completed, QLatin1StringView("completed")},
        {ChatStatus::Error, QLatin1StringView("error")},
}};

bool isUuid(const QString &text)
{
    return text.size() == 36 && !QUuid::fromString(text).isNull();
}

// A JSON integer that a qint64 holds exactly (Go's int64 fields).
std::optional<qint64> integer(const QJsonValue &value)
{
    if (!value.isDouble()) {
        return std::nullopt;
    }
    const double d = value.toDouble();
    if (d < -9007199254740992.0 || d > 9007199254740992.0 || d != double(qint64(d))) {
        return std::nullopt;
    }
    return qint64(d);
}

} // namespace

QString chatStatusName(ChatStatus status)
{
    for (const auto &[value, name] : StatusNames) {
        if (value == status) {
            return QString(name);
        }
    }
    return {};
}

std::optional<ChatStatus> chatStatusFromName(QStringView name)
{
    for (const auto &[value, text] : StatusNames) {
        if (name == text) {
            return value;
        }
    }
    return std::nullopt;
}

QString ChatMessages::updateChannel(const QString &chatId)
{
    return QStringLiteral("chat:update:") + chatId;
}

QString ChatMessages::ownershipChannel()
{
    return QStringLiteral("chat:ownership");
}

QByteArray ChatMessages::encodeUpdate(const ChatState &state)
{
    const QJsonObject object {
            {QStringLiteral("snapshot_version"), state.snapshotVersion},
            {QStringLiteral("worker_id"),
             state.workerId.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(state.workerId)},
            {QStringLiteral("runner_id"),
             state.runnerId.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(state.runnerId)},
            {QStringLiteral("history_version"), state.historyVersion},
            {QStringLiteral("queue_version"), state.queueVersion},
            {QStringLiteral("retry_state_version"), state.retryStateVersion},
            {QStringLiteral("generation_attempt"), state.generationAttempt},
            {QStringLiteral("status"), chatStatusName(state.status)},
            {QStringLiteral("archived"), state.archived},
    };
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

std::optional<ChatState> ChatMessages::decodeUpdate(QByteArrayView payload, const QString &chatId,
                                                    QString *error)
{
    const std::optional<QJsonValue> value = StrictJson::parseFirstValue(payload, error);
    if (!value) {
        return std::nullopt;
    }
    if (!value->isObject()) {
        *error = QStringLiteral("a chat update is a JSON object");
        return std::nullopt;
    }
    const QJsonObject o = value->toObject();
    ChatState state;
    state.chatId = chatId;
    const auto id = [&](const char *name, QString *out) {
        const QJsonValue v = o.value(QLatin1StringView(name));
        if (v.isNull() || v.isUndefined()) {
            out->clear(); // nil
            return true;
        }
        if (!v.isString() || !isUuid(v.toString())) {
            *error = QStringLiteral("%1 is not a UUID").arg(QLatin1StringView(name));
            return false;
        }
        *out = v.toString().toLower();
        return true;
    };
    const auto number = [&](const char *name, qint64 *out) {
        const std::optional<qint64> n = integer(o.value(QLatin1StringView(name)));
        if (!n || *n < 0) {
            *error =
                    QStringLiteral("%1 is not a non-negative integer").arg(QLatin1StringView(name));
            return false;
        }
        *out = *n;
        return true;
    };
    if (!id("worker_id", &state.workerId) || !id("runner_id", &state.runnerId) ||
        !number("snapshot_version", &state.snapshotVersion) ||
        !number("history_version", &state.historyVersion) ||
        !number("queue_version", &state.queueVersion) ||
        !number("generation_attempt", &state.generationAttempt)) {
        return std::nullopt;
    }
    // Added later upstream: absent in older publishers' messages.
    if (o.contains(QLatin1StringView("retry_state_version")) &&
        !number("retry_state_version", &state.retryStateVersion)) {
        return std::nullopt;
    }
    const std::optional<ChatStatus> status =
            chatStatusFromName(o.value(QLatin1StringView("status")).toString());
    if (!status) {
        *error = QStringLiteral("status is not a chat status");
        return std::nullopt;
    }
    state.status = *status;
    const QJsonValue archived = o.value(QLatin1StringView("archived"));
    if (!archived.isBool()) {
        *error = QStringLiteral("archived is not a boolean");
        return std::nullopt;
    }
    state.archived = archived.toBool();
    return state;
}

QByteArray ChatMessages::encodeOwnership(const OwnershipHint &hint)
{
    return QJsonDocument(QJsonObject {{QStringLiteral("chat_id"), hint.chatId},
                                      {QStringLiteral("snapshot_version"), hint.snapshotVersion}})
            .toJson(QJsonDocument::Compact);
}

std::optional<OwnershipHint> ChatMessages::decodeOwnership(QByteArrayView payload, QString *error)
{
    const std::optional<QJsonValue> value = StrictJson::parseFirstValue(payload, error);
    if (!value) {
        return std::nullopt;
    }
    const QJsonObject o = value->toObject();
    const QString chatId = o.value(QLatin1StringView("chat_id")).toString();
    if (!value->isObject() || !isUuid(chatId)) {
        *error = QStringLiteral("chat_id is not a UUID");
        return std::nullopt;
    }
    const std::optional<qint64> version = integer(o.value(QLatin1StringView("snapshot_version")));
    if (!version || *version < 0) {
        *error = QStringLiteral("snapshot_version is not a non-negative integer");
        return std::nullopt;
    }
    return OwnershipHint {chatId.toLower(), *version};
}
