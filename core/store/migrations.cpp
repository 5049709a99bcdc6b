#include "database.h"

#include <QDateTime>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

namespace {

struct Migration
{
    int version;
    const char *description;
    // Portable SQL; {{ID}} is the engine's auto-increment key, {{BOOL}} its boolean.
    std::vector<const char *> statements;
};

// Append only: a released migration never changes, the next one alters what it made.
const std::vector<Migration> &migrations()
{
    static const std::vector<Migration> all {
            {1,
             "users, workspaces, builds, agents",
             {
                     "CREATE TABLE users (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, "
                     "is_system {{BOOL}} NOT NULL DEFAULT FALSE, created_at BIGINT NOT NULL)",
                     // Prebuilt workspaces belong to this user until someone claims them.
                     "INSERT INTO users (id, name, is_system, created_at) VALUES "
                     "('c42fdf75-3097-471c-8c33-fb52454d81c0', 'prebuilds', TRUE, 0)",
                     "CREATE TABLE workspaces (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, "
                     "owner_id TEXT NOT NULL REFERENCES users(id), created_at BIGINT NOT NULL)",
                     "CREATE TABLE builds (id TEXT PRIMARY KEY, "
                     "workspace_id TEXT NOT NULL REFERENCES workspaces(id), "
                     "number INTEGER NOT NULL, initiator_id TEXT NOT NULL REFERENCES users(id), "
                     "transition TEXT NOT NULL, job_status TEXT NOT NULL, "
                     "prebuild_stage TEXT NOT NULL DEFAULT 'none', "
                     "error TEXT NOT NULL DEFAULT '', created_at BIGINT NOT NULL, "
                     "completed_at BIGINT, UNIQUE (workspace_id, number))",
                     "CREATE TABLE agents (id TEXT PRIMARY KEY, "
                     "workspace_id TEXT NOT NULL UNIQUE REFERENCES workspaces(id), "
                     "name TEXT NOT NULL, api_url TEXT NOT NULL DEFAULT '', "
                     "token_sha256 TEXT NOT NULL UNIQUE, last_seen_at BIGINT, "
                     "acked_claim_build_id TEXT NOT NULL DEFAULT '', "
                     "created_at BIGINT NOT NULL)",
             }},
            {2,
             "context states and the reinit event log",
             {
                     "CREATE TABLE agent_context_states (agent_id TEXT PRIMARY KEY "
                     "REFERENCES agents(id), version BIGINT NOT NULL, "
                     "aggregate_hash TEXT NOT NULL, initial {{BOOL}} NOT NULL, "
                     "resource_count INTEGER NOT NULL, snapshot TEXT NOT NULL, "
                     "updated_at BIGINT NOT NULL)",
                     "CREATE TABLE reinit_events (id {{ID}}, at BIGINT NOT NULL, "
                     "workspace_id TEXT NOT NULL, agent_id TEXT NOT NULL DEFAULT '', "
                     "kind TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '', "
                     "previous_owner_id TEXT NOT NULL DEFAULT '', "
                     "new_owner_id TEXT NOT NULL DEFAULT '', detail TEXT NOT NULL DEFAULT '', "
                     "retry_ms BIGINT NOT NULL DEFAULT 0)",
                     "CREATE INDEX reinit_events_workspace ON reinit_events (workspace_id, id)",
             }},
            {3,
             "the reinit streams each agent holds open",
             {
                     // Across replicas: each adds one while it holds a stream of the agent's.
                     "ALTER TABLE agents ADD COLUMN open_streams INTEGER NOT NULL DEFAULT 0",
             }},
            {4,
             "reinit streams counted per replica, so a replica that died holds none",
             {
                     // A replica adds its streams of an agent here and keeps seen_at fresh
                     // while it runs; rows not refreshed within 45 s are a dead replica's.
                     "CREATE TABLE agent_streams (agent_id TEXT NOT NULL REFERENCES agents(id), "
                     "replica_id TEXT NOT NULL, streams INTEGER NOT NULL, "
                     "seen_at BIGINT NOT NULL, PRIMARY KEY (agent_id, replica_id))",
                     "ALTER TABLE agents DROP COLUMN open_streams",
             }},
            {5,
             "chats, their leases and messages; the agent API token the chat runtime dials with",
             {
                     // worker_id and runner_id '' are upstream's NULL: nobody holds the lease.
                     "CREATE TABLE chats (id TEXT PRIMARY KEY, "
                     "owner_id TEXT NOT NULL REFERENCES users(id), "
                     "workspace_id TEXT NOT NULL REFERENCES workspaces(id), "
                     "agent_id TEXT NOT NULL DEFAULT '', title TEXT NOT NULL, "
                     "status TEXT NOT NULL, worker_id TEXT NOT NULL DEFAULT '', "
                     "runner_id TEXT NOT NULL DEFAULT '', snapshot_version BIGINT NOT NULL, "
                     "history_version BIGINT NOT NULL DEFAULT 0, "
                     "queue_version BIGINT NOT NULL DEFAULT 0, "
                     "retry_state_version BIGINT NOT NULL DEFAULT 0, "
                     "generation_attempt BIGINT NOT NULL DEFAULT 0, "
                     "archived {{BOOL}} NOT NULL DEFAULT FALSE, "
                     "requires_action_deadline_at BIGINT, last_error TEXT NOT NULL DEFAULT '', "
                     "created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)",
                     "CREATE INDEX chats_runnable ON chats (archived, status, updated_at)",
                     // One row per held lease, renewed by its runner's worker.
                     "CREATE TABLE chat_heartbeats (chat_id TEXT PRIMARY KEY REFERENCES chats(id), "
                     "runner_id TEXT NOT NULL, worker_id TEXT NOT NULL, "
                     "heartbeat_at BIGINT NOT NULL)",
                     "CREATE TABLE chat_messages (id {{ID}}, "
                     "chat_id TEXT NOT NULL REFERENCES chats(id), role TEXT NOT NULL, "
                     "content TEXT NOT NULL, queued {{BOOL}} NOT NULL, "
                     "history_version BIGINT NOT NULL, created_at BIGINT NOT NULL)",
                     "CREATE INDEX chat_messages_chat ON chat_messages (chat_id, id)",
                     "ALTER TABLE agents ADD COLUMN api_token TEXT NOT NULL DEFAULT ''",
             }},
    };
    return all;
}

QString dialect(const char *statement, DatabaseLocation::Engine engine)
{
    const bool sqlite = engine == DatabaseLocation::Engine::Sqlite;
    QString sql = QString::fromLatin1(statement);
    sql.replace(QLatin1String("{{ID}}"),
                sqlite ? QLatin1String("INTEGER PRIMARY KEY AUTOINCREMENT")
                       : QLatin1String("BIGSERIAL PRIMARY KEY"));
    sql.replace(QLatin1String("{{BOOL}}"), QLatin1String("BOOLEAN"));
    return sql;
}

void exec(QSqlQuery &query, const QString &sql)
{
    if (!query.exec(sql)) {
        throw StoreError(StoreError::Kind::Database,
                         QStringLiteral("Migration failed: %1 (%2)")
                                 .arg(query.lastError().text(), sql.left(80)));
    }
}

} // namespace

int Migrations::latestVersion()
{
    return migrations().back().version;
}

int Migrations::migrate(QSqlDatabase &db, DatabaseLocation::Engine engine)
{
    const bool sqlite = engine == DatabaseLocation::Engine::Sqlite;
    QSqlQuery query(db);
    exec(query,
         QStringLiteral("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER "
                        "PRIMARY KEY, description TEXT NOT NULL, applied_at BIGINT NOT "
                        "NULL)"));
    int version = 0;
    for (const Migration &migration : migrations()) {
        // One transaction per migration, holding the writers' lock, so two servers starting
        // on one database apply each migration once.
        if (sqlite) {
            exec(query, QStringLiteral("BEGIN IMMEDIATE"));
        } else {
            exec(query, QStringLiteral("BEGIN"));
            exec(query, QStringLiteral("SELECT pg_advisory_xact_lock(727165)"));
        }
        try {
            exec(query, QStringLiteral("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
            query.next();
            version = query.value(0).toInt();
            if (version > latestVersion()) {
                throw StoreError(StoreError::Kind::Database,
                                 QStringLiteral("The database has schema version %1, newer than "
                                                "this program knows (%2): upgrade companiond.")
                                         .arg(version)
                                         .arg(latestVersion()));
            }
            if (migration.version > version) {
                for (const char *statement : migration.statements) {
                    exec(query, dialect(statement, engine));
                }
                query.prepare(QStringLiteral("INSERT INTO schema_migrations (version, "
                                             "description, applied_at) VALUES (?, ?, ?)"));
                query.addBindValue(migration.version);
                query.addBindValue(QString::fromLatin1(migration.description));
                query.addBindValue(QDateTime::currentMSecsSinceEpoch());
                if (!query.exec()) {
                    throw StoreError(StoreError::Kind::Database, query.lastError().text());
                }
                version = migration.version;
            }
            exec(query, QStringLiteral("COMMIT"));
        } catch (...) {
            query.exec(QStringLiteral("ROLLBACK"));
            throw;
        }
    }
    return version;
}
