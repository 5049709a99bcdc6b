#include "chatstore.h"

#include "common/clock.h"
#include "pubsub/pubsub.h"
#include "store/database.h"
#include "store/transaction.h"

#include <QLoggingCategory>
#include <QSqlQuery>
#include <QUuid>
#include <QVariant>

Q_LOGGING_CATEGORY(lcChat, "companion.chat")

namespace {

using Kind = StoreError::Kind;

QSqlQuery exec(QSqlDatabase &db, const QString &sql, const QVariantList &values = {})
{
    return Transaction::exec(db, sql, values);
}

[[noreturn]] void fail(Kind kind, const QString &message)
{
    throw StoreError(kind, message);
}

QString newId()
{
    return QUuid::createUuid().toString(QUuid::WithoutBraces);
}

// What a worker may acquire: a chat with work to do (ClassifyExecutionState.IsRunnable).
const QString runnableStatuses =
        QStringLiteral("('pending', 'running', 'interrupting', 'requires_action')");

const QString chatSelect = QStringLiteral(
        "SELECT c.id, c.owner_id, c.workspace_id, c.agent_id, c.title, c.status, c.worker_id, "
        "c.runner_id, c.snapshot_version, c.history_version, c.queue_version, "
        "c.retry_state_version, c.generation_attempt, c.archived, "
        "c.requires_action_deadline_at, c.last_error, c.created_at, c.updated_at, "
        "h.heartbeat_at, (SELECT COUNT(*) FROM chat_messages m WHERE m.chat_id = c.id AND "
        "m.queued = TRUE) FROM chats c LEFT JOIN chat_heartbeats h ON h.chat_id = c.id AND "
        "h.runner_id = c.runner_id ");

ChatRecord chatAt(const QSqlQuery &q)
{
    ChatRecord c;
    c.id = q.value(0).toString();
    c.ownerId = q.value(1).toString();
    c.workspaceId = q.value(2).toString();
    c.agentId = q.value(3).toString();
    c.title = q.value(4).toString();
    c.status = chatStatusFromName(q.value(5).toString()).value_or(ChatStatus::Error);
    c.workerId = q.value(6).toString();
    c.runnerId = q.value(7).toString();
    c.snapshotVersion = q.value(8).toLongLong();
    c.historyVersion = q.value(9).toLongLong();
    c.queueVersion = q.value(10).toLongLong();
    c.retryStateVersion = q.value(11).toLongLong();
    c.generationAttempt = q.value(12).toLongLong();
    c.archived = q.value(13).toBool();
    if (!q.value(14).isNull()) {
        c.requiresActionDeadlineAt = q.value(14).toLongLong();
    }
    c.lastError = q.value(15).toString();
    c.createdAt = q.value(16).toLongLong();
    c.updatedAt = q.value(17).toLongLong();
    if (!q.value(18).isNull()) {
        c.heartbeatAt = q.value(18).toLongLong();
    }
    c.queuedMessages = q.value(19).toInt();
    return c;
}

std::optional<ChatRecord> findChat(QSqlDatabase &db, const QString &id)
{
    QSqlQuery q = exec(db, chatSelect + QStringLiteral("WHERE c.id = ?"), {id});
    if (!q.next()) {
        return std::nullopt;
    }
    return chatAt(q);
}

ChatRecord requireChat(QSqlDatabase &db, const QString &id)
{
    std::optional<ChatRecord> chat = findChat(db, id);
    if (!chat) {
        fail(Kind::NotFound, QStringLiteral("No chat %1.").arg(id));
    }
    return *chat;
}

bool isRunnable(ChatStatus status)
{
    return status == ChatStatus::Pending || status == ChatStatus::Running ||
            status == ChatStatus::Interrupting || status == ChatStatus::RequiresAction;
}

bool isStale(const ChatRecord &chat, qint64 now, qint64 staleAfterMs)
{
    return !chat.heartbeatAt || *chat.heartbeatAt < now - staleAfterMs;
}

// An UPDATE of one chat that must hit exactly one row; the snapshot version moves with it.
bool updateChat(QSqlDatabase &db, const QString &set, const QString &where,
                const QVariantList &values)
{
    QSqlQuery q =
            exec(db,
                 QStringLiteral("UPDATE chats SET snapshot_version = snapshot_version + 1, ") +
                         set + QStringLiteral(" WHERE ") + where,
                 values);
    return q.numRowsAffected() == 1;
}

QList<ChatRecord> chatsWhere(QSqlDatabase &db, const QString &where, const QVariantList &values)
{
    QSqlQuery q = exec(db, chatSelect + where, values);
    QList<ChatRecord> all;
    while (q.next()) {
        all << chatAt(q);
    }
    return all;
}

} // namespace

ChatStore::ChatStore(Database &database, PubSub *pubsub, Clock *clock, QObject *parent)
    : QObject(parent)
    , m_database(database)
    , m_pubsub(pubsub)
    , m_clock(clock ? clock : Clock::system())
{
    qRegisterMetaType<ChatRecord>();
}

void ChatStore::publishUpdate(const ChatRecord &chat)
{
    Q_EMIT chatChanged(chat);
    if (m_pubsub) {
        m_pubsub->publish(ChatMessages::updateChannel(chat.id),
                          ChatMessages::encodeUpdate(chat.state()));
    }
}

void ChatStore::publishOwnership(const QString &chatId, qint64 snapshotVersion)
{
    if (m_pubsub) {
        m_pubsub->publish(ChatMessages::ownershipChannel(),
                          ChatMessages::encodeOwnership({chatId, snapshotVersion}));
    }
}

QFuture<ChatRecord> ChatStore::published(QFuture<ChatRecord> future, bool ownership)
{
    return future.then(this, [this, ownership](const ChatRecord &chat) {
        publishUpdate(chat);
        if (ownership) {
            publishOwnership(chat.id, chat.snapshotVersion);
        }
        return chat;
    });
}

QFuture<ChatRecord> ChatStore::createChat(const QString &workspaceIdOrName, const QString &title,
                                          const QString &message)
{
    const qint64 now = m_clock->nowMSecs();
    return published(m_database.run([=](QSqlDatabase &db) {
        Transaction tx(db);
        QSqlQuery w = exec(db,
                           QStringLiteral("SELECT w.id, w.owner_id, COALESCE(a.id, '') "
                                          "FROM workspaces w LEFT JOIN agents a ON "
                                          "a.workspace_id = w.id WHERE w.id = ? OR "
                                          "w.name = ?"),
                           {workspaceIdOrName, workspaceIdOrName});
        if (!w.next()) {
            fail(Kind::NotFound, QStringLiteral("No workspace %1.").arg(workspaceIdOrName));
        }
        const QString id = newId();
        const bool queued = !message.isEmpty();
        exec(db,
             QStringLiteral("INSERT INTO chats (id, owner_id, workspace_id, agent_id, "
                            "title, status, snapshot_version, queue_version, created_at, "
                            "updated_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?)"),
             {id, w.value(1).toString(), w.value(0).toString(), w.value(2).toString(), title,
              chatStatusName(queued ? ChatStatus::Pending : ChatStatus::Waiting), queued ? 1 : 0,
              now, now});
        if (queued) {
            exec(db,
                 QStringLiteral("INSERT INTO chat_messages (chat_id, role, content, "
                                "queued, history_version, created_at) VALUES "
                                "(?, 'user', ?, TRUE, 0, ?)"),
                 {id, message, now});
        }
        tx.commit();
        return requireChat(db, id);
    }),
                     !message.isEmpty());
}

QFuture<ChatRecord> ChatStore::chat(const QString &id)
{
    return m_database.run([id](QSqlDatabase &db) { return requireChat(db, id); });
}

QFuture<QList<ChatRecord>> ChatStore::chats(bool includeArchived)
{
    return m_database.run([includeArchived](QSqlDatabase &db) {
        return chatsWhere(
                db,
                (includeArchived ? QString() : QStringLiteral("WHERE c.archived = FALSE ")) +
                        QStringLiteral("ORDER BY c.updated_at DESC, c.id"),
                {});
    });
}

QFuture<QList<ChatMessageRecord>> ChatStore::messages(const QString &chatId)
{
    return m_database.run([chatId](QSqlDatabase &db) {
        requireChat(db, chatId);
        QSqlQuery q = exec(db,
                           QStringLiteral("SELECT id, chat_id, role, content, queued, "
                                          "history_version, created_at FROM chat_messages WHERE "
                                          "chat_id = ? ORDER BY id"),
                           {chatId});
        QList<ChatMessageRecord> all;
        while (q.next()) {
            ChatMessageRecord m;
            m.id = q.value(0).toLongLong();
            m.chatId = q.value(1).toString();
            m.role = q.value(2).toString();
            m.content = q.value(3).toString();
            m.queued = q.value(4).toBool();
            m.historyVersion = q.value(5).toLongLong();
            m.createdAt = q.value(6).toLongLong();
            all << m;
        }
        return all;
    });
}

QFuture<ChatRecord> ChatStore::interrupt(const QString &id)
{
    const qint64 now = m_clock->nowMSecs();
    return published(m_database.run([id, now](QSqlDatabase &db) {
        Transaction tx(db);
        const ChatRecord chat = requireChat(db, id);
        if (chat.archived) {
            fail(Kind::Conflict, QStringLiteral("Chat %1 is archived.").arg(id));
        }
        if (chat.status == ChatStatus::Interrupting) {
            return chat; // asked twice: one interruption
        }
        if (chat.status != ChatStatus::Running && chat.status != ChatStatus::Pending &&
            chat.status != ChatStatus::RequiresAction) {
            fail(Kind::Conflict,
                 QStringLiteral("Chat %1 is %2: nothing to interrupt.")
                         .arg(id, chatStatusName(chat.status)));
        }
        if (!updateChat(db, QStringLiteral("status = 'interrupting', updated_at = ?"),
                        QStringLiteral("id = ? AND snapshot_version = ?"),
                        {now, id, chat.snapshotVersion})) {
            fail(Kind::Conflict, QStringLiteral("Chat %1 changed meanwhile.").arg(id));
        }
        tx.commit();
        return requireChat(db, id);
    }),
                     true);
}

QFuture<ChatRecord> ChatStore::archive(const QString &id)
{
    const qint64 now = m_clock->nowMSecs();
    return published(m_database.run([id, now](QSqlDatabase &db) {
        Transaction tx(db);
        const ChatRecord chat = requireChat(db, id);
        if (!chat.archived) {
            updateChat(db, QStringLiteral("archived = TRUE, updated_at = ?"),
                       QStringLiteral("id = ?"), {now, id});
        }
        tx.commit();
        return requireChat(db, id);
    }));
}

QFuture<QList<ChatRecord>> ChatStore::acquisitionCandidates(qint64 staleAfterMs, int limit)
{
    const qint64 cutoff = m_clock->nowMSecs() - staleAfterMs;
    return m_database.run([cutoff, limit](QSqlDatabase &db) {
        return chatsWhere(db,
                          QStringLiteral("WHERE c.archived = FALSE AND c.status IN ") +
                                  runnableStatuses +
                                  QStringLiteral(" AND (c.worker_id = '' OR h.heartbeat_at IS NULL "
                                                 "OR h.heartbeat_at < ?) ORDER BY c.updated_at, "
                                                 "c.id LIMIT ?"),
                          {cutoff, limit});
    });
}

QFuture<std::optional<ChatRecord>> ChatStore::acquire(const QString &chatId,
                                                      const QString &workerId,
                                                      const QString &runnerId, qint64 staleAfterMs)
{
    const qint64 now = m_clock->nowMSecs();
    return m_database
            .run([=](QSqlDatabase &db) -> std::optional<ChatRecord> {
                Transaction tx(db);
                const std::optional<ChatRecord> chat = findChat(db, chatId);
                if (!chat || chat->archived || !isRunnable(chat->status)) {
                    return std::nullopt;
                }
                if (chat->isOwned() && !isStale(*chat, now, staleAfterMs)) {
                    return std::nullopt; // a live worker holds it
                }
                // A pending chat starts its turn: the queued messages join the history.
                const bool start = chat->status == ChatStatus::Pending;
                const qint64 history = chat->historyVersion + (start ? 1 : 0);
                // Optimistic: another worker that acquired first moved the snapshot on.
                if (!updateChat(db,
                                QStringLiteral("worker_id = ?, runner_id = ?, status = ?, "
                                               "history_version = ?, queue_version = ?"),
                                QStringLiteral("id = ? AND snapshot_version = ?"),
                                {workerId, runnerId,
                                 chatStatusName(start ? ChatStatus::Running : chat->status),
                                 history, chat->queueVersion + (start ? 1 : 0), chatId,
                                 chat->snapshotVersion})) {
                    return std::nullopt;
                }
                if (start) {
                    exec(db,
                         QStringLiteral("UPDATE chat_messages SET queued = FALSE, "
                                        "history_version = ? WHERE chat_id = ? AND queued = TRUE"),
                         {history, chatId});
                }
                exec(db, QStringLiteral("DELETE FROM chat_heartbeats WHERE chat_id = ?"), {chatId});
                exec(db,
                     QStringLiteral("INSERT INTO chat_heartbeats (chat_id, runner_id, worker_id, "
                                    "heartbeat_at) VALUES (?, ?, ?, ?)"),
                     {chatId, runnerId, workerId, now});
                tx.commit();
                return requireChat(db, chatId);
            })
            .then(this, [this](const std::optional<ChatRecord> &chat) {
                if (chat) {
                    publishUpdate(*chat);
                }
                return chat;
            });
}

QFuture<QList<ChatRecord>> ChatStore::chatsByIds(const QStringList &ids)
{
    return m_database.run([ids](QSqlDatabase &db) {
        QList<ChatRecord> all;
        for (const QString &id : ids) {
            if (std::optional<ChatRecord> chat = findChat(db, id)) {
                all << *chat;
            }
        }
        return all;
    });
}

QFuture<QList<RunnerKey>> ChatStore::renewHeartbeats(const QList<RunnerKey> &keys,
                                                     const QString &workerId)
{
    const qint64 now = m_clock->nowMSecs();
    return m_database.run([keys, workerId, now](QSqlDatabase &db) {
        Transaction tx(db);
        QList<RunnerKey> renewed;
        for (const RunnerKey &key : keys) {
            // Only a lease still ours: the chat names this runner and its heartbeat survives.
            QSqlQuery q = exec(
                    db,
                    QStringLiteral("UPDATE chat_heartbeats SET heartbeat_at = ? WHERE "
                                   "chat_id = ? AND runner_id = ? AND worker_id = ? AND "
                                   "EXISTS (SELECT 1 FROM chats c WHERE c.id = ? AND "
                                   "c.runner_id = ? AND c.worker_id = ?)"),
                    {now, key.chatId, key.runnerId, workerId, key.chatId, key.runnerId, workerId});
            if (q.numRowsAffected() == 1) {
                renewed << key;
            }
        }
        tx.commit();
        return renewed;
    });
}

QFuture<QList<ChatRecord>> ChatStore::deleteHeartbeats(const QList<RunnerKey> &keys)
{
    return m_database.run([keys](QSqlDatabase &db) {
        Transaction tx(db);
        QList<ChatRecord> chats;
        for (const RunnerKey &key : keys) {
            exec(db,
                 QStringLiteral("DELETE FROM chat_heartbeats WHERE chat_id = ? AND runner_id = ?"),
                 {key.chatId, key.runnerId});
        }
        tx.commit();
        for (const RunnerKey &key : keys) {
            if (std::optional<ChatRecord> chat = findChat(db, key.chatId)) {
                chats << *chat;
            }
        }
        return chats;
    });
}

QFuture<int> ChatStore::deleteStaleHeartbeats(qint64 staleAfterMs)
{
    const qint64 cutoff = m_clock->nowMSecs() - staleAfterMs;
    return m_database.run([cutoff](QSqlDatabase &db) {
        return exec(db, QStringLiteral("DELETE FROM chat_heartbeats WHERE heartbeat_at < ?"),
                    {cutoff})
                .numRowsAffected();
    });
}

QFuture<std::optional<ChatRecord>> ChatStore::release(const RunnerKey &key, const QString &workerId)
{
    return m_database
            .run([key, workerId](QSqlDatabase &db) -> std::optional<ChatRecord> {
                Transaction tx(db);
                if (!updateChat(db, QStringLiteral("worker_id = '', runner_id = ''"),
                                QStringLiteral("id = ? AND worker_id = ? AND runner_id = ?"),
                                {key.chatId, workerId, key.runnerId})) {
                    return std::nullopt; // not ours any more
                }
                exec(db,
                     QStringLiteral("DELETE FROM chat_heartbeats WHERE chat_id = ? AND runner_id "
                                    "= ?"),
                     {key.chatId, key.runnerId});
                tx.commit();
                return findChat(db, key.chatId);
            })
            .then(this, [this](const std::optional<ChatRecord> &chat) {
                if (chat) {
                    publishUpdate(*chat);
                    publishOwnership(chat->id, chat->snapshotVersion);
                }
                return chat;
            });
}

QFuture<ChatRecord> ChatStore::finishTask(const QString &chatId, const Fence &fence,
                                          ChatStatus next, const QString &lastError,
                                          const QString &note, const QString &noteRole)
{
    const qint64 now = m_clock->nowMSecs();
    return published(m_database.run([=](QSqlDatabase &db) {
        Transaction tx(db);
        const qint64 history = fence.historyVersion + (note.isEmpty() ? 0 : 1);
        if (!updateChat(db,
                        QStringLiteral("status = ?, last_error = ?, history_version = ?, "
                                       "requires_action_deadline_at = CASE WHEN ? THEN "
                                       "requires_action_deadline_at ELSE NULL END, "
                                       "updated_at = ?"),
                        QStringLiteral("id = ? AND worker_id = ? AND runner_id = ? AND "
                                       "history_version = ? AND status = ?"),
                        {chatStatusName(next), lastError, history,
                         next == ChatStatus::RequiresAction, now, chatId, fence.workerId,
                         fence.runnerId, fence.historyVersion, chatStatusName(fence.status)})) {
            fail(Kind::Conflict,
                 QStringLiteral("Chat %1 is no longer %2 at history %3 for this runner.")
                         .arg(chatId, chatStatusName(fence.status))
                         .arg(fence.historyVersion));
        }
        if (!note.isEmpty()) {
            exec(db,
                 QStringLiteral("INSERT INTO chat_messages (chat_id, role, content, queued, "
                                "history_version, created_at) VALUES (?, ?, ?, FALSE, ?, ?)"),
                 {chatId, noteRole, note, history, now});
        }
        tx.commit();
        return requireChat(db, chatId);
    }));
}

QFuture<std::optional<ChatRecord>> ChatStore::fencedChat(const QString &chatId, const Fence &fence)
{
    return m_database.run([chatId, fence](QSqlDatabase &db) -> std::optional<ChatRecord> {
        std::optional<ChatRecord> chat = findChat(db, chatId);
        if (!chat || chat->workerId != fence.workerId || chat->runnerId != fence.runnerId ||
            chat->historyVersion != fence.historyVersion || chat->status != fence.status) {
            return std::nullopt;
        }
        return chat;
    });
}

QFuture<AgentBinding> ChatStore::currentAgent(const QString &workspaceId)
{
    return m_database.run([workspaceId](QSqlDatabase &db) {
        // The latest build decides: a workspace stopped, or being built, runs no agent.
        QSqlQuery q = exec(db,
                           QStringLiteral("SELECT b.transition, b.job_status, COALESCE(a.id, ''), "
                                          "COALESCE(a.api_url, ''), COALESCE(a.api_token, '') "
                                          "FROM builds b LEFT JOIN agents a ON a.workspace_id = "
                                          "b.workspace_id WHERE b.workspace_id = ? ORDER BY "
                                          "b.number DESC LIMIT 1"),
                           {workspaceId});
        AgentBinding binding;
        if (q.next() && q.value(0).toString() == QLatin1String("start") &&
            q.value(1).toString() == QLatin1String("succeeded") &&
            !q.value(2).toString().isEmpty()) {
            binding.kind = AgentBinding::Kind::Agent;
            binding.agentId = q.value(2).toString();
            binding.apiUrl = q.value(3).toString();
            binding.apiToken = q.value(4).toString().toLatin1();
        }
        return binding;
    });
}

QFuture<AgentBinding> ChatStore::agentEndpoint(const QString &agentId)
{
    return m_database.run([agentId](QSqlDatabase &db) {
        QSqlQuery q = exec(db, QStringLiteral("SELECT api_url, api_token FROM agents WHERE id = ?"),
                           {agentId});
        if (!q.next()) {
            fail(Kind::NotFound, QStringLiteral("No agent %1.").arg(agentId));
        }
        if (q.value(0).toString().isEmpty() || q.value(1).toString().isEmpty()) {
            fail(Kind::NotFound,
                 QStringLiteral("Agent %1 has not reported where its API is.").arg(agentId));
        }
        AgentBinding binding;
        binding.kind = AgentBinding::Kind::Agent;
        binding.agentId = agentId;
        binding.apiUrl = q.value(0).toString();
        binding.apiToken = q.value(1).toString().toLatin1();
        return binding;
    });
}

QFuture<ChatRecord> ChatStore::bindAgent(const QString &chatId, const QString &agentId)
{
    // Not a state change (runners ignore the hint's unchanged version); watchers see the agent.
    return published(m_database.run([chatId, agentId](QSqlDatabase &db) {
        exec(db, QStringLiteral("UPDATE chats SET agent_id = ? WHERE id = ?"), {agentId, chatId});
        return requireChat(db, chatId);
    }));
}

QFuture<QList<ChatRecord>> ChatStore::autoArchive(qint64 cutoffMs, int limit)
{
    const qint64 now = m_clock->nowMSecs();
    return m_database
            .run([cutoffMs, limit, now](QSqlDatabase &db) {
                QSqlQuery q = exec(db,
                                   QStringLiteral("SELECT id FROM chats WHERE archived = FALSE AND "
                                                  "updated_at < ? ORDER BY updated_at, id LIMIT ?"),
                                   {cutoffMs, limit});
                QStringList ids;
                while (q.next()) {
                    ids << q.value(0).toString();
                }
                QList<ChatRecord> archived;
                for (const QString &id : std::as_const(ids)) {
                    Transaction tx(db);
                    // Rechecked: activity since the candidates were read keeps the chat.
                    if (updateChat(db, QStringLiteral("archived = TRUE, updated_at = ?"),
                                   QStringLiteral("id = ? AND archived = FALSE AND updated_at < ?"),
                                   {now, id, cutoffMs})) {
                        tx.commit();
                        archived << requireChat(db, id);
                    }
                }
                return archived;
            })
            .then(this, [this](const QList<ChatRecord> &archived) {
                for (const ChatRecord &chat : archived) {
                    publishUpdate(chat);
                }
                return archived;
            });
}
