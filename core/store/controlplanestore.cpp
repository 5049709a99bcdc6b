#include "controlplanestore.h"

#include "transaction.h"

#include <QDateTime>
#include <QSqlError>
#include <QSqlQuery>
#include <QUuid>
#include <QVariant>

namespace {

QString newId()
{
    return QUuid::createUuid().toString(QUuid::WithoutBraces);
}

qint64 now()
{
    return QDateTime::currentMSecsSinceEpoch();
}

QSqlQuery exec(QSqlDatabase &db, const QString &sql, const QVariantList &values = {})
{
    return Transaction::exec(db, sql, values);
}

[[noreturn]] void fail(StoreError::Kind kind, const QString &message)
{
    throw StoreError(kind, message);
}

const QString buildColumns = QStringLiteral(
        "b.id, b.workspace_id, b.number, b.initiator_id, b.transition, b.job_status, "
        "b.prebuild_stage, b.error, b.created_at, b.completed_at");

BuildRecord buildAt(const QSqlQuery &q, int c)
{
    BuildRecord b;
    b.id = q.value(c).toString();
    b.workspaceId = q.value(c + 1).toString();
    b.number = q.value(c + 2).toInt();
    b.initiatorId = q.value(c + 3).toString();
    b.transition = q.value(c + 4).toString();
    b.jobStatus = q.value(c + 5).toString();
    b.prebuildStage = q.value(c + 6).toString();
    b.error = q.value(c + 7).toString();
    b.createdAt = q.value(c + 8).toLongLong();
    b.completedAt = q.value(c + 9).toLongLong();
    return b;
}

const QString contextColumns = QStringLiteral(
        "c.agent_id, c.version, c.aggregate_hash, c.initial, c.resource_count, c.snapshot, "
        "c.updated_at");

ContextStateRecord contextAt(const QSqlQuery &q, int c)
{
    ContextStateRecord s;
    s.agentId = q.value(c).toString();
    s.version = q.value(c + 1).toLongLong();
    s.aggregateHash = q.value(c + 2).toString();
    s.initial = q.value(c + 3).toBool();
    s.resourceCount = q.value(c + 4).toInt();
    s.snapshot = q.value(c + 5).toString().toUtf8();
    s.updatedAt = q.value(c + 6).toLongLong();
    return s;
}

// Workspaces with their owner, first and latest build, agent and stored context state.
const QString workspaceSelect =
        QStringLiteral("SELECT w.id, w.name, w.owner_id, u.name, w.created_at, "
                       "(SELECT f.initiator_id FROM builds f WHERE f.workspace_id = w.id ORDER BY "
                       "f.number "
                       "LIMIT 1), "
                       "a.id, a.name, a.api_url, a.last_seen_at, a.created_at, ") +
        buildColumns + QStringLiteral(", ") + contextColumns +
        QStringLiteral(", (SELECT MAX(s.seen_at) FROM agent_streams s WHERE s.agent_id = a.id) "
                       "FROM workspaces w JOIN users u ON u.id = w.owner_id "
                       "JOIN builds b ON b.workspace_id = w.id AND b.number = "
                       "(SELECT MAX(number) FROM builds m WHERE m.workspace_id = w.id) "
                       "LEFT JOIN agents a ON a.workspace_id = w.id "
                       "LEFT JOIN agent_context_states c ON c.agent_id = a.id ");

WorkspaceRecord workspaceAt(const QSqlQuery &q)
{
    WorkspaceRecord w;
    w.id = q.value(0).toString();
    w.name = q.value(1).toString();
    w.ownerId = q.value(2).toString();
    w.ownerName = q.value(3).toString();
    w.createdAt = q.value(4).toLongLong();
    w.firstInitiatorId = q.value(5).toString();
    if (!q.value(6).isNull()) {
        AgentRecord a;
        a.id = q.value(6).toString();
        a.workspaceId = w.id;
        a.name = q.value(7).toString();
        a.apiUrl = q.value(8).toString();
        a.lastSeenAt = q.value(9).toLongLong();
        a.createdAt = q.value(10).toLongLong();
        // A replica that died holding a stream never counted it down: trust the count only
        // while the agent has been seen lately (every open stream touches it every 15 s).
        a.connected = !q.value(28).isNull() &&
                now() - q.value(28).toLongLong() < AgentRecord::StaleAfterMs;
        w.agent = a;
    }
    w.latestBuild = buildAt(q, 11);
    if (!q.value(21).isNull()) {
        w.context = contextAt(q, 21);
    }
    return w;
}

WorkspaceRecord findWorkspace(QSqlDatabase &db, const QString &idOrName)
{
    QSqlQuery q = exec(db, workspaceSelect + QStringLiteral("WHERE w.id = ? OR w.name = ?"),
                       {idOrName, idOrName});
    if (!q.next()) {
        fail(StoreError::Kind::NotFound, QStringLiteral("No workspace %1.").arg(idOrName));
    }
    return workspaceAt(q);
}

QString ensureUser(QSqlDatabase &db, const QString &name)
{
    if (!Records::isValidName(name)) {
        fail(StoreError::Kind::Invalid,
             QStringLiteral("\"%1\" is not a valid user name (letters, digits and inner dashes, "
                            "at most 32).")
                     .arg(name));
    }
    QSqlQuery q =
            exec(db, QStringLiteral("SELECT id, is_system FROM users WHERE lower(name) = lower(?)"),
                 {name});
    if (q.next()) {
        if (q.value(1).toBool()) {
            fail(StoreError::Kind::Invalid,
                 QStringLiteral("\"%1\" is a system user; it cannot own workspaces.").arg(name));
        }
        return q.value(0).toString();
    }
    const QString id = newId();
    exec(db,
         QStringLiteral("INSERT INTO users (id, name, is_system, created_at) VALUES (?, ?, ?, ?)"),
         {id, name, false, now()});
    return id;
}

BuildRecord insertBuild(QSqlDatabase &db, const QString &workspaceId, const QString &initiatorId,
                        const QString &transition, const QString &stage)
{
    QSqlQuery q = exec(db,
                       QStringLiteral("SELECT COALESCE(MAX(number), 0) FROM builds WHERE "
                                      "workspace_id = ?"),
                       {workspaceId});
    q.next();
    BuildRecord b;
    b.id = newId();
    b.workspaceId = workspaceId;
    b.number = q.value(0).toInt() + 1;
    b.initiatorId = initiatorId;
    b.transition = transition;
    b.jobStatus = QStringLiteral("pending");
    b.prebuildStage = stage;
    b.createdAt = now();
    exec(db,
         QStringLiteral("INSERT INTO builds (id, workspace_id, number, initiator_id, transition, "
                        "job_status, prebuild_stage, error, created_at) VALUES "
                        "(?, ?, ?, ?, ?, ?, ?, '', ?)"),
         {b.id, b.workspaceId, b.number, b.initiatorId, b.transition, b.jobStatus, b.prebuildStage,
          b.createdAt});
    return b;
}

void requireNoPendingBuild(const WorkspaceRecord &w)
{
    if (!w.latestBuild.isDone()) {
        fail(StoreError::Kind::Conflict,
             QStringLiteral("Build %1 of %2 is still %3.")
                     .arg(w.latestBuild.number)
                     .arg(w.name, w.latestBuild.jobStatus));
    }
}

} // namespace

ControlPlaneStore::ControlPlaneStore(const DatabaseLocation &location, QObject *parent)
    : QObject(parent)
    , m_database(location)
{ }

QFuture<QList<WorkspaceRecord>> ControlPlaneStore::workspaces()
{
    return m_database.run([](QSqlDatabase &db) {
        QSqlQuery q = exec(db, workspaceSelect + QStringLiteral("ORDER BY w.name"));
        QList<WorkspaceRecord> all;
        while (q.next()) {
            all << workspaceAt(q);
        }
        return all;
    });
}

QFuture<WorkspaceRecord> ControlPlaneStore::workspace(const QString &idOrName)
{
    return m_database.run([idOrName](QSqlDatabase &db) { return findWorkspace(db, idOrName); });
}

QFuture<WorkspaceRecord> ControlPlaneStore::createWorkspace(const QString &name,
                                                            const QString &ownerName, bool prebuilt,
                                                            const QString &agentName,
                                                            const QByteArray &tokenSha256Hex)
{
    return m_database.run([=](QSqlDatabase &db) {
        if (!Records::isValidName(name)) {
            fail(StoreError::Kind::Invalid,
                 QStringLiteral("\"%1\" is not a valid workspace name (letters, digits and inner "
                                "dashes, at most 32).")
                         .arg(name));
        }
        if (!Records::isValidName(agentName)) {
            fail(StoreError::Kind::Invalid,
                 QStringLiteral("\"%1\" is not a valid agent name.").arg(agentName));
        }
        Transaction tx(db);
        QSqlQuery taken =
                exec(db, QStringLiteral("SELECT 1 FROM workspaces WHERE name = ?"), {name});
        if (taken.next()) {
            fail(StoreError::Kind::Conflict,
                 QStringLiteral("A workspace named %1 exists already.").arg(name));
        }
        const QString owner = prebuilt ? Records::PrebuildsUserId : ensureUser(db, ownerName);
        const QString id = newId();
        const qint64 at = now();
        exec(db,
             QStringLiteral("INSERT INTO workspaces (id, name, owner_id, created_at) VALUES "
                            "(?, ?, ?, ?)"),
             {id, name, owner, at});
        insertBuild(db, id, owner, QStringLiteral("start"),
                    prebuilt ? QStringLiteral("create") : QStringLiteral("none"));
        exec(db,
             QStringLiteral("INSERT INTO agents (id, workspace_id, name, api_url, token_sha256, "
                            "created_at) VALUES (?, ?, ?, '', ?, ?)"),
             {newId(), id, agentName, QString::fromLatin1(tokenSha256Hex), at});
        tx.commit();
        return findWorkspace(db, id);
    });
}

QFuture<QList<BuildRecord>> ControlPlaneStore::pendingBuilds()
{
    return m_database.run([](QSqlDatabase &db) {
        QSqlQuery q = exec(db,
                           QStringLiteral("SELECT ") + buildColumns +
                                   QStringLiteral(" FROM builds b WHERE b.job_status = "
                                                  "'pending' ORDER BY b.created_at"));
        QList<BuildRecord> builds;
        while (q.next()) {
            builds.append(buildAt(q, 0));
        }
        return builds;
    });
}

QFuture<WorkspaceRecord> ControlPlaneStore::setAgentToken(const QString &workspaceName,
                                                          const QByteArray &tokenSha256Hex)
{
    return m_database.run([=](QSqlDatabase &db) {
        QSqlQuery q = exec(db,
                           QStringLiteral("UPDATE agents SET token_sha256 = ? WHERE workspace_id = "
                                          "(SELECT id FROM workspaces WHERE name = ?)"),
                           {QString::fromLatin1(tokenSha256Hex), workspaceName});
        if (q.numRowsAffected() != 1) {
            fail(StoreError::Kind::NotFound,
                 QStringLiteral("No workspace %1 with an agent.").arg(workspaceName));
        }
        return findWorkspace(db, workspaceName);
    });
}

QFuture<ClaimResult> ControlPlaneStore::claim(const QString &workspaceIdOrName,
                                              const QString &ownerName)
{
    return m_database.run([=](QSqlDatabase &db) {
        Transaction tx(db);
        const WorkspaceRecord w = findWorkspace(db, workspaceIdOrName);
        if (w.kind() != QLatin1String("prebuilt")) {
            fail(StoreError::Kind::Conflict,
                 w.kind() == QLatin1String("claimed")
                         ? QStringLiteral("%1 was claimed already, by %2.").arg(w.name, w.ownerName)
                         : QStringLiteral("%1 is not a prebuilt workspace.").arg(w.name));
        }
        requireNoPendingBuild(w);
        const QString owner = ensureUser(db, ownerName);
        // Conditional, so that of two replicas claiming at once only one changes the owner.
        QSqlQuery q = exec(db,
                           QStringLiteral("UPDATE workspaces SET owner_id = ? WHERE id = ? AND "
                                          "owner_id = ?"),
                           {owner, w.id, Records::PrebuildsUserId});
        if (q.numRowsAffected() != 1) {
            fail(StoreError::Kind::Conflict, QStringLiteral("%1 was claimed already.").arg(w.name));
        }
        ClaimResult result;
        result.previousOwnerId = w.ownerId;
        result.ownerId = owner;
        result.build =
                insertBuild(db, w.id, owner, QStringLiteral("start"), QStringLiteral("claim"));
        tx.commit();
        return result;
    });
}

QFuture<BuildRecord> ControlPlaneStore::transition(const QString &workspaceIdOrName,
                                                   const QString &transition)
{
    return m_database.run([=](QSqlDatabase &db) {
        if (transition != QLatin1String("start") && transition != QLatin1String("stop")) {
            fail(StoreError::Kind::Invalid,
                 QStringLiteral("Unknown transition %1: start or stop.").arg(transition));
        }
        Transaction tx(db);
        const WorkspaceRecord w = findWorkspace(db, workspaceIdOrName);
        requireNoPendingBuild(w);
        if (w.latestBuild.transition == transition &&
            w.latestBuild.jobStatus == QLatin1String("succeeded")) {
            fail(StoreError::Kind::Conflict,
                 QStringLiteral("%1 is %2ed already.")
                         .arg(w.name,
                              transition == QLatin1String("stop") ? QStringLiteral("stopp")
                                                                  : transition));
        }
        BuildRecord b = insertBuild(db, w.id, w.ownerId, transition, QStringLiteral("none"));
        tx.commit();
        return b;
    });
}

QFuture<BuildRecord> ControlPlaneStore::completeBuild(const QString &buildId, const QString &status,
                                                      const QString &error)
{
    return m_database.run([=](QSqlDatabase &db) {
        if (status != QLatin1String("succeeded") && status != QLatin1String("failed") &&
            status != QLatin1String("canceled")) {
            fail(StoreError::Kind::Invalid,
                 QStringLiteral("Unknown job status %1: succeeded, failed or canceled.")
                         .arg(status));
        }
        QSqlQuery q = exec(db,
                           QStringLiteral("UPDATE builds SET job_status = ?, error = ?, "
                                          "completed_at = ? WHERE id = ? AND job_status IN "
                                          "('pending', 'running')"),
                           {status, error, now(), buildId});
        if (q.numRowsAffected() != 1) {
            QSqlQuery exists = exec(
                    db, QStringLiteral("SELECT job_status FROM builds WHERE id = ?"), {buildId});
            if (!exists.next()) {
                fail(StoreError::Kind::NotFound, QStringLiteral("No build %1.").arg(buildId));
            }
            fail(StoreError::Kind::Conflict,
                 QStringLiteral("Build %1 has ended already (%2).")
                         .arg(buildId, exists.value(0).toString()));
        }
        QSqlQuery b = exec(db,
                           QStringLiteral("SELECT ") + buildColumns +
                                   QStringLiteral(" FROM builds b WHERE b.id = ?"),
                           {buildId});
        b.next();
        return buildAt(b, 0);
    });
}

QFuture<QList<BuildRecord>> ControlPlaneStore::builds(const QString &workspaceId)
{
    return m_database.run([=](QSqlDatabase &db) {
        const WorkspaceRecord w = findWorkspace(db, workspaceId);
        QSqlQuery q = exec(db,
                           QStringLiteral("SELECT ") + buildColumns +
                                   QStringLiteral(" FROM builds b WHERE b.workspace_id = ? "
                                                  "ORDER BY b.number"),
                           {w.id});
        QList<BuildRecord> all;
        while (q.next()) {
            all << buildAt(q, 0);
        }
        return all;
    });
}

QFuture<QHash<QByteArray, AgentKey>> ControlPlaneStore::agentTokens()
{
    return m_database.run([](QSqlDatabase &db) {
        QSqlQuery q = exec(db, QStringLiteral("SELECT token_sha256, id, workspace_id FROM agents"));
        QHash<QByteArray, AgentKey> tokens;
        while (q.next()) {
            tokens.insert(q.value(0).toString().toLatin1(),
                          {q.value(1).toString(), q.value(2).toString()});
        }
        return tokens;
    });
}

QFuture<ReinitCheck> ControlPlaneStore::reinitCheck(const QString &agentId)
{
    return m_database.run([=](QSqlDatabase &db) {
        QSqlQuery q =
                exec(db,
                     QStringLiteral(
                             "SELECT workspace_id, acked_claim_build_id FROM agents WHERE id = ?"),
                     {agentId});
        if (!q.next()) {
            fail(StoreError::Kind::NotFound, QStringLiteral("No agent %1.").arg(agentId));
        }
        const WorkspaceRecord w = findWorkspace(db, q.value(0).toString());
        ReinitCheck check;
        check.ackedClaimBuildId = q.value(1).toString();
        check.workspaceId = w.id;
        check.ownerId = w.ownerId;
        check.firstInitiatorId = w.firstInitiatorId;
        check.latestBuild = w.latestBuild;
        return check;
    });
}

QFuture<void> ControlPlaneStore::touchAgent(const QString &agentId, qint64 at)
{
    return m_database.run([=](QSqlDatabase &db) {
        exec(db, QStringLiteral("UPDATE agents SET last_seen_at = ? WHERE id = ?"), {at, agentId});
    });
}

QFuture<bool> ControlPlaneStore::countAgentStream(const QString &agentId, const QString &replicaId,
                                                  int delta)
{
    return m_database.run([=](QSqlDatabase &db) {
        const qint64 at = now();
        Transaction tx(db);
        if (delta > 0) {
            exec(db,
                 QStringLiteral(
                         "INSERT INTO agent_streams (agent_id, replica_id, streams, seen_at) "
                         "VALUES (?, ?, 1, ?) ON CONFLICT (agent_id, replica_id) DO UPDATE "
                         "SET streams = agent_streams.streams + 1, seen_at = excluded.seen_at"),
                 {agentId, replicaId, at});
            exec(db, QStringLiteral("UPDATE agents SET last_seen_at = ? WHERE id = ?"),
                 {at, agentId});
        } else {
            exec(db,
                 QStringLiteral("UPDATE agent_streams SET streams = streams - 1 WHERE agent_id = ? "
                                "AND replica_id = ?"),
                 {agentId, replicaId});
            exec(db,
                 QStringLiteral("DELETE FROM agent_streams WHERE agent_id = ? AND replica_id = ? "
                                "AND streams <= 0"),
                 {agentId, replicaId});
        }
        QSqlQuery q = exec(db,
                           QStringLiteral("SELECT 1 FROM agent_streams WHERE agent_id = ? AND "
                                          "seen_at > ?"),
                           {agentId, at - AgentRecord::StaleAfterMs});
        const bool connected = q.next();
        tx.commit();
        return connected;
    });
}

QFuture<void> ControlPlaneStore::refreshStreams(const QString &replicaId)
{
    return m_database.run([=](QSqlDatabase &db) {
        const qint64 at = now();
        exec(db, QStringLiteral("UPDATE agent_streams SET seen_at = ? WHERE replica_id = ?"),
             {at, replicaId});
        exec(db,
             QStringLiteral("UPDATE agents SET last_seen_at = ? WHERE id IN (SELECT agent_id FROM "
                            "agent_streams WHERE replica_id = ?)"),
             {at, replicaId});
    });
}

QFuture<void> ControlPlaneStore::forgetDeadStreams(bool all)
{
    return m_database.run([=](QSqlDatabase &db) {
        if (all) {
            exec(db, QStringLiteral("DELETE FROM agent_streams"));
        } else {
            exec(db, QStringLiteral("DELETE FROM agent_streams WHERE seen_at < ?"),
                 {now() - AgentRecord::StaleAfterMs});
        }
    });
}

QFuture<void> ControlPlaneStore::reportAgent(const QString &agentId, const QString &apiUrl,
                                             const QByteArray &apiToken)
{
    return m_database.run([=](QSqlDatabase &db) {
        QSqlQuery q = exec(db,
                           QStringLiteral("UPDATE agents SET api_url = ?, api_token = ?, "
                                          "last_seen_at = ? WHERE id = ?"),
                           {apiUrl, QString::fromLatin1(apiToken), now(), agentId});
        if (q.numRowsAffected() != 1) {
            fail(StoreError::Kind::NotFound, QStringLiteral("No agent %1.").arg(agentId));
        }
    });
}

QFuture<void> ControlPlaneStore::ackClaimBuild(const QString &agentId, const QString &buildId)
{
    return m_database.run([=](QSqlDatabase &db) {
        exec(db, QStringLiteral("UPDATE agents SET acked_claim_build_id = ? WHERE id = ?"),
             {buildId, agentId});
    });
}

QFuture<bool> ControlPlaneStore::storeContextState(const ContextStateRecord &state)
{
    return m_database.run([=](QSqlDatabase &db) {
        Transaction tx(db);
        QSqlQuery q = exec(db,
                           QStringLiteral("SELECT version FROM agent_context_states WHERE "
                                          "agent_id = ?"),
                           {state.agentId});
        const bool exists = q.next();
        if (exists && !state.initial && state.version <= q.value(0).toLongLong()) {
            return false;
        }
        const QVariantList values {state.version,
                                   state.aggregateHash,
                                   state.initial,
                                   state.resourceCount,
                                   QString::fromUtf8(state.snapshot),
                                   now(),
                                   state.agentId};
        if (exists) {
            exec(db,
                 QStringLiteral("UPDATE agent_context_states SET version = ?, aggregate_hash = ?, "
                                "initial = ?, resource_count = ?, snapshot = ?, updated_at = ? "
                                "WHERE agent_id = ?"),
                 values);
        } else {
            exec(db,
                 QStringLiteral("INSERT INTO agent_context_states (version, aggregate_hash, "
                                "initial, resource_count, snapshot, updated_at, agent_id) VALUES "
                                "(?, ?, ?, ?, ?, ?, ?)"),
                 values);
        }
        tx.commit();
        return true;
    });
}

QFuture<std::optional<ContextStateRecord>> ControlPlaneStore::contextState(const QString &agentId)
{
    return m_database.run([=](QSqlDatabase &db) -> std::optional<ContextStateRecord> {
        QSqlQuery q = exec(db,
                           QStringLiteral("SELECT ") + contextColumns +
                                   QStringLiteral(" FROM agent_context_states c WHERE "
                                                  "c.agent_id = ?"),
                           {agentId});
        if (!q.next()) {
            return std::nullopt;
        }
        return contextAt(q, 0);
    });
}

QFuture<QList<ContextStateRecord>> ControlPlaneStore::contextStates()
{
    return m_database.run([](QSqlDatabase &db) {
        QSqlQuery q = exec(db,
                           QStringLiteral("SELECT ") + contextColumns +
                                   QStringLiteral(" FROM agent_context_states c ORDER BY "
                                                  "c.agent_id"));
        QList<ContextStateRecord> all;
        while (q.next()) {
            all << contextAt(q, 0);
        }
        return all;
    });
}

QFuture<ReinitEventRecord> ControlPlaneStore::appendReinitEvent(const ReinitEventRecord &event)
{
    return m_database.run([event,
                           postgres = m_database.engine() ==
                                   DatabaseLocation::Engine::Postgres](QSqlDatabase &db) {
        ReinitEventRecord stored = event;
        if (stored.at == 0) {
            stored.at = now();
        }
        const QString insert = QStringLiteral(
                "INSERT INTO reinit_events (at, workspace_id, agent_id, kind, reason, "
                "previous_owner_id, new_owner_id, detail, retry_ms) VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?)");
        QSqlQuery q =
                exec(db, postgres ? insert + QStringLiteral(" RETURNING id") : insert,
                     {stored.at, stored.workspaceId, stored.agentId, stored.kind, stored.reason,
                      stored.previousOwnerId, stored.newOwnerId, stored.detail, stored.retryMs});
        if (postgres) {
            q.next();
            stored.id = q.value(0).toLongLong();
        } else {
            stored.id = q.lastInsertId().toLongLong();
        }
        return stored;
    });
}

QFuture<QList<ReinitEventRecord>> ControlPlaneStore::reinitEvents(const QString &workspaceId,
                                                                  qint64 afterId, int limit)
{
    return m_database.run([=](QSqlDatabase &db) {
        QString sql = QStringLiteral("SELECT id, at, workspace_id, agent_id, kind, reason, "
                                     "previous_owner_id, new_owner_id, detail, retry_ms FROM "
                                     "reinit_events WHERE id > ?");
        QVariantList values {afterId};
        if (!workspaceId.isEmpty()) {
            sql += QStringLiteral(" AND workspace_id = ?");
            values << workspaceId;
        }
        sql += QStringLiteral(" ORDER BY id LIMIT ?");
        values << limit;
        QSqlQuery q = exec(db, sql, values);
        QList<ReinitEventRecord> all;
        while (q.next()) {
            ReinitEventRecord e;
            e.id = q.value(0).toLongLong();
            e.at = q.value(1).toLongLong();
            e.workspaceId = q.value(2).toString();
            e.agentId = q.value(3).toString();
            e.kind = q.value(4).toString();
            e.reason = q.value(5).toString();
            e.previousOwnerId = q.value(6).toString();
            e.newOwnerId = q.value(7).toString();
            e.detail = q.value(8).toString();
            e.retryMs = q.value(9).toLongLong();
            all << e;
        }
        return all;
    });
}
