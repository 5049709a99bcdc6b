#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QHash>
#include <QMetaType>
#include <QString>

#include <optional>

// database.ChatStatus: the states a chat moves through (upstream's enum, `paused` included).
enum class ChatStatus {
    Waiting,
    Pending,
    Running,
    Interrupting,
    RequiresAction,
    Paused,
    Completed,
    Error,
};

QString chatStatusName(ChatStatus status);
std::optional<ChatStatus> chatStatusFromName(QStringView name);

// runnerKey: one runner of one chat. A chat acquired again gets a new runner id.
struct RunnerKey
{
    QString chatId;
    QString runnerId;
    bool operator==(const RunnerKey &) const = default;
};

inline size_t qHash(const RunnerKey &key, size_t seed = 0)
{
    return qHashMulti(seed, key.chatId, key.runnerId);
}

// runnerStateUpdate: what a runner learns of its chat, from a pubsub hint or a database read.
// Pubsub hints never carry the requires-action deadline; an empty worker or runner id is
// upstream's nil.
struct ChatState
{
    QString chatId;
    QString workerId;
    QString runnerId;
    qint64 snapshotVersion = 0;
    qint64 historyVersion = 0;
    qint64 queueVersion = 0;
    qint64 retryStateVersion = 0;
    qint64 generationAttempt = 0;
    ChatStatus status = ChatStatus::Waiting;
    bool archived = false;
    std::optional<qint64> requiresActionDeadlineAt; // ms since the epoch

    bool operator==(const ChatState &) const = default;
};

// chat:ownership: wakes acquisition on every worker.
struct OwnershipHint
{
    QString chatId;
    qint64 snapshotVersion = 0;
    bool operator==(const OwnershipHint &) const = default;
};

// The pubsub wire formats of the chat runtime (ChatStateUpdateMessage and the ownership hint).
namespace ChatMessages {
// chat:update:<chat id>
QString updateChannel(const QString &chatId);
QString ownershipChannel(); // chat:ownership

QByteArray encodeUpdate(const ChatState &state);
// `chatId` comes from the channel, as upstream's subscriber knows it. Null, with `error`, for
// anything that is not a complete ChatStateUpdateMessage.
std::optional<ChatState> decodeUpdate(QByteArrayView payload, const QString &chatId,
                                      QString *error);
QByteArray encodeOwnership(const OwnershipHint &hint);
std::optional<OwnershipHint> decodeOwnership(QByteArrayView payload, QString *error);
} // namespace ChatMessages

Q_DECLARE_METATYPE(ChatState)
Q_DECLARE_METATYPE(RunnerKey)
