#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QString>

// The kinds of context a workspace offers. Ordinals equal Coder's agentcontext.ResourceKind
// (and the legacy proto Kind enum); Plugin to Command are reserved and never emitted.
enum class ResourceKind {
    Unspecified = 0,
    InstructionFile = 1,
    Skill = 2,
    McpConfig = 3,
    McpServer = 4,
    Plugin = 5,
    Hook = 6,
    Subagent = 7,
    Command = 8,
};

// How a resource fared. Ordinals equal Go's agentcontext.ResourceStatus; the proto status is
// this value + 1 (proto 0 is STATUS_UNSPECIFIED), so never cast one into the other.
enum class ResourceStatus {
    Ok = 0,
    Oversize = 1,
    Unreadable = 2,
    Invalid = 3,
    Excluded = 4,
};

// Upstream String() forms ("instruction_file", "ok", ...); "unknown" for any other value.
QString resourceKindName(ResourceKind kind);
QString resourceStatusName(ResourceStatus status);

// One discovered piece of context: an instruction file, a skill or an MCP config, with what a
// peer needs to detect drift (hash, size, status). A plain value; the resolver fills it in.
struct ContextResource
{
    QString id; // "<kind name>:<source>"; unique within a snapshot, the sort and hash key
    ResourceKind kind = ResourceKind::Unspecified;
    QString source; // absolute file path; for a skill its directory
    // SHA-256 of the bytes, 32 raw bytes (oversize: of the capped prefix); zeros if never read.
    QByteArray contentHash = QByteArray(32, '\0');
    QByteArray payload; // the bytes, only when status is Ok; never for an MCP config
    quint64 sizeBytes = 0; // the real size, whatever the status
    ResourceStatus status = ResourceStatus::Ok;
    QString error; // why the status is not Ok
    QString name; // a skill's front-matter name
    QString description; // a skill's description, an instruction file's first line
    QString sourcePath; // the user source that contributed it; empty for built-in roots

    // The SnapshotResponse resource shape of Coder's api.go: never the payload, hashes in
    // lower-case hex, empty optional fields left out.
    QJsonObject toJson() const;
    // The inverse, for clients; the payload stays empty (it is not in that shape).
    static ContextResource fromJson(const QJsonObject &object);
    static ResourceKind kindFromName(const QString &name);
    static ResourceStatus statusFromName(const QString &name);

    friend bool operator==(const ContextResource &, const ContextResource &) = default;
};
