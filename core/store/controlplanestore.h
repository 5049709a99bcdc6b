#pragma once

#include "database.h"
#include "records.h"

#include <QFuture>
#include <QHash>
#include <QList>
#include <QObject>

// The control plane's data: every operation is one job on the Database thread, in a
// transaction where it writes more than one row, so replicas on one PostgreSQL database see
// each claim happen once. Failures are StoreErrors (NotFound, Conflict, Invalid, Database).
class ControlPlaneStore : public QObject
{
    Q_OBJECT
public:
    ControlPlaneStore(const DatabaseLocation &location, QObject *parent = nullptr);

    Database &database() { return m_database; }
    QFuture<int> open() { return m_database.open(); }

    QFuture<QList<WorkspaceRecord>> workspaces();
    // By id or by name.
    QFuture<WorkspaceRecord> workspace(const QString &idOrName);
    // A prebuilt workspace belongs to the prebuilds user and its first build is theirs; a
    // regular one belongs to `ownerName` (created if new). Its agent's token is stored hashed.
    QFuture<WorkspaceRecord> createWorkspace(const QString &name, const QString &ownerName,
                                             bool prebuilt, const QString &agentName,
                                             const QByteArray &tokenSha256Hex);
    // A new token for the agent of the workspace named `workspaceName` (the desktop app keeps
    // its own workspace's token in a file and adopts it at every start).
    QFuture<WorkspaceRecord> setAgentToken(const QString &workspaceName,
                                           const QByteArray &tokenSha256Hex);
    // Gives a prebuilt workspace to `ownerName` and records the claim build (pending).
    QFuture<ClaimResult> claim(const QString &workspaceIdOrName, const QString &ownerName);
    // A start or stop build (pending).
    QFuture<BuildRecord> transition(const QString &workspaceIdOrName, const QString &transition);
    // Ends a pending build's job: succeeded, failed or canceled.
    QFuture<BuildRecord> completeBuild(const QString &buildId, const QString &status,
                                       const QString &error);
    QFuture<QList<BuildRecord>> builds(const QString &workspaceId);
    // Every build whose job has not ended, oldest first (a run that died left them).
    QFuture<QList<BuildRecord>> pendingBuilds();

    // SHA-256 (hex) of every agent token → its agent.
    QFuture<QHash<QByteArray, AgentKey>> agentTokens();
    QFuture<ReinitCheck> reinitCheck(const QString &agentId);
    QFuture<void> touchAgent(const QString &agentId, qint64 at);
    // One more (+1, the agent was seen now) or one fewer (-1) reinit stream of the agent's open
    // on replica `replicaId`. True while any live replica holds one.
    QFuture<bool> countAgentStream(const QString &agentId, const QString &replicaId, int delta);
    // The replica is alive: its streams' rows, and their agents, were seen now.
    QFuture<void> refreshStreams(const QString &replicaId);
    // Drops the stream rows of replicas that died (not refreshed within StaleAfterMs); `all`
    // for a database no other replica uses (SQLite): every row is a previous run's.
    QFuture<void> forgetDeadStreams(bool all);
    // The agent's own report: where its API is; it was seen now.
    QFuture<void> reportAgent(const QString &agentId, const QString &apiUrl,
                              const QByteArray &apiToken = {});
    // Records the claim build the agent says it has run for (ReinitCheck::ackedClaimBuildId).
    QFuture<void> ackClaimBuild(const QString &agentId, const QString &buildId);

    // Stores the state unless its version is not newer than the stored one (an Initial push,
    // from a fresh context manager, starts the versions again). True when stored.
    QFuture<bool> storeContextState(const ContextStateRecord &state);
    QFuture<std::optional<ContextStateRecord>> contextState(const QString &agentId);
    QFuture<QList<ContextStateRecord>> contextStates();

    QFuture<ReinitEventRecord> appendReinitEvent(const ReinitEventRecord &event);
    // Oldest first, after `afterId`, at most `limit`; one workspace or all.
    QFuture<QList<ReinitEventRecord>> reinitEvents(const QString &workspaceId, qint64 afterId,
                                                   int limit);

private:
    Database m_database;
};
