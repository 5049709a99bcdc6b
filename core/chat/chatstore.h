#pragma once

#include "chatrecord.h"
#include "chatstate.h"

#include <QFuture>
#include <QList>
#include <QObject>
#include <QPointer>

class Clock;
class Database;
class PubSub;

// Where the chat runtime reaches an agent, and whether its workspace runs one now.
struct AgentBinding
{
    enum class Kind { Agent, NoAgent };
    Kind kind = Kind::NoAgent;
    QString agentId;
    QString apiUrl;
    QByteArray apiToken;
};

// The chats' rows, leases and messages, on the control plane's Database (its own thread).
// Every change bumps snapshot_version and, once committed, publishes chat:update:<id>;
// releasing or queueing work publishes chat:ownership. Task writes are fenced on the runner's
// lease and the (history version, status) they were started for: a stale task's write fails
// with StoreError::Conflict and changes nothing.
class ChatStore : public QObject
{
    Q_OBJECT
public:
    // What a task may write: only while its runner holds the lease and the chat is where the
    // task found it.
    struct Fence
    {
        QString workerId;
        QString runnerId;
        qint64 historyVersion = 0;
        ChatStatus status = ChatStatus::Waiting;
    };

    static constexpr int MaxTitleLength = 200;
    static constexpr int MaxMessageLength = 64 * 1024;

    ChatStore(Database &database, PubSub *pubsub, Clock *clock, QObject *parent = nullptr);

    // The operator's API.
    // A chat on the workspace's agent; with a message it is pending, otherwise waiting.
    QFuture<ChatRecord> createChat(const QString &workspaceIdOrName, const QString &title,
                                   const QString &message);
    QFuture<ChatRecord> chat(const QString &id);
    QFuture<QList<ChatRecord>> chats(bool includeArchived);
    QFuture<QList<ChatMessageRecord>> messages(const QString &chatId);
    // running, pending and requires_action become interrupting; Conflict otherwise.
    QFuture<ChatRecord> interrupt(const QString &id);
    // Archived (again: unchanged). Its runner abandons it.
    QFuture<ChatRecord> archive(const QString &id);

    // The worker's.
    // Runnable, unarchived chats nobody holds a fresh lease on, oldest activity first.
    QFuture<QList<ChatRecord>> acquisitionCandidates(qint64 staleAfterMs, int limit);
    // Takes the lease for (workerId, runnerId) unless a fresh one is held or the chat is no
    // longer runnable (null then). A pending chat starts running with its queued messages.
    QFuture<std::optional<ChatRecord>> acquire(const QString &chatId, const QString &workerId,
                                               const QString &runnerId, qint64 staleAfterMs);
    QFuture<QList<ChatRecord>> chatsByIds(const QStringList &ids);
    // Renews the leases still held: the keys renewed.
    QFuture<QList<RunnerKey>> renewHeartbeats(const QList<RunnerKey> &keys,
                                              const QString &workerId);
    // Drops the leases' heartbeats (shutdown): every key's chat, as it is now.
    QFuture<QList<ChatRecord>> deleteHeartbeats(const QList<RunnerKey> &keys);
    // Drops heartbeats older than `staleAfterMs`, whoever holds them: how many.
    QFuture<int> deleteStaleHeartbeats(qint64 staleAfterMs);
    // Gives the lease up, if this runner still holds it; publishes chat:ownership.
    QFuture<std::optional<ChatRecord>> release(const RunnerKey &key, const QString &workerId);

    // The tasks'. `note`, when set, is recorded as a message (of `noteRole`) of a new history.
    QFuture<ChatRecord> finishTask(const QString &chatId, const Fence &fence, ChatStatus next,
                                   const QString &lastError, const QString &note = {},
                                   const QString &noteRole = QStringLiteral("tool"));
    // The chat's deadline as stored now (requires_action_timeout reads it under its fence).
    QFuture<std::optional<ChatRecord>> fencedChat(const QString &chatId, const Fence &fence);

    // The dialer's.
    QFuture<AgentBinding> currentAgent(const QString &workspaceId);
    QFuture<AgentBinding> agentEndpoint(const QString &agentId);
    QFuture<ChatRecord> bindAgent(const QString &chatId, const QString &agentId);

    // Archives chats whose last activity is before `cutoffMs`, at most `limit`: those archived.
    QFuture<QList<ChatRecord>> autoArchive(qint64 cutoffMs, int limit);

    void publishUpdate(const ChatRecord &chat);
    void publishOwnership(const QString &chatId, qint64 snapshotVersion);

Q_SIGNALS:
    // Every change this store committed (the API's events come from here).
    void chatChanged(const ChatRecord &chat);

private:
    // Publishes each record the future brings once it is committed.
    QFuture<ChatRecord> published(QFuture<ChatRecord> future, bool ownership = false);

    Database &m_database;
    QPointer<PubSub> m_pubsub;
    Clock *m_clock;
};
