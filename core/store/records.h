#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QString>

#include <optional>

// The control plane's rows as value types, and their JSON on the operator API.
namespace Records {
// Owns every prebuilt workspace until a user claims it (codersdk.PrebuildsSystemUserID).
inline const QString PrebuildsUserId = QStringLiteral("c42fdf75-3097-471c-8c33-fb52454d81c0");
// Workspace, user and agent names: as Coder's (letters, digits, inner dashes, ≤ 32).
bool isValidName(const QString &name);
} // namespace Records

struct BuildRecord
{
    QString id;
    QString workspaceId;
    int number = 0;
    QString initiatorId;
    QString transition; // start, stop
    QString jobStatus; // pending, running, succeeded, failed, canceled
    QString prebuildStage; // none, create, claim
    QString error;
    qint64 createdAt = 0;
    qint64 completedAt = 0;

    bool isDone() const;
    QJsonObject toJson() const;
};

struct AgentRecord
{
    QString id;
    QString workspaceId;
    QString name;
    QString apiUrl;
    qint64 lastSeenAt = 0;
    qint64 createdAt = 0;
    // Holds a reinit stream on some replica (and was seen within StaleAfterMs).
    bool connected = false;
    static constexpr qint64 StaleAfterMs = 45'000;
    QJsonObject toJson() const;
};

struct ContextStateRecord
{
    QString agentId;
    qint64 version = 0;
    QString aggregateHash;
    bool initial = false;
    int resourceCount = 0;
    QByteArray snapshot; // the pushed request, as JSON
    qint64 updatedAt = 0;
    QJsonObject toJson(bool withSnapshot) const;
};

struct WorkspaceRecord
{
    QString id;
    QString name;
    QString ownerId;
    QString ownerName;
    qint64 createdAt = 0;
    QString firstInitiatorId;
    BuildRecord latestBuild;
    std::optional<AgentRecord> agent;
    std::optional<ContextStateRecord> context;

    // "prebuilt" (still the prebuilds user's), "claimed" or "regular".
    QString kind() const;
    QJsonObject toJson() const;
};

struct ReinitEventRecord
{
    qint64 id = 0;
    qint64 at = 0;
    QString workspaceId;
    QString agentId;
    // claim_published, publish_failed, delivered, reinitialized, ignored_duplicate,
    // stopped_409, claim_failed, transport_error
    QString kind;
    QString reason;
    QString previousOwnerId;
    QString newOwnerId;
    QString detail;
    qint64 retryMs = 0;

    QJsonObject toJson() const;
    static std::optional<ReinitEventRecord> fromJson(const QJsonObject &json);
};

// What the reinit stream decides on (upstream-behaviour §5.6).
struct ReinitCheck
{
    QString workspaceId;
    QString ownerId;
    QString firstInitiatorId;
    BuildRecord latestBuild;
    QString ackedClaimBuildId; // the claim build the agent said it has run for
    bool ownedByPrebuilds() const { return ownerId == Records::PrebuildsUserId; }
};

// An agent as its token names it.
struct AgentKey
{
    QString agentId;
    QString workspaceId;
};

struct ClaimResult
{
    QString previousOwnerId;
    QString ownerId;
    BuildRecord build;
};
