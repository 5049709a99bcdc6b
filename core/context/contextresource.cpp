#include "context/contextresource.h"

#include "context/contextpaths.h"

QString resourceKindName(ResourceKind kind)
{
    switch (kind) {
    case ResourceKind::InstructionFile:
        return QStringLiteral("instruction_file");
    case ResourceKind::Skill:
        return QStringLiteral("skill");
    case ResourceKind::McpConfig:
        return QStringLiteral("mcp_config");
    case ResourceKind::McpServer:
        return QStringLiteral("mcp_server");
    case ResourceKind::Plugin:
        return QStringLiteral("plugin");
    case ResourceKind::Hook:
        return QStringLiteral("hook");
    case ResourceKind::Subagent:
        return QStringLiteral("subagent");
    case ResourceKind::Command:
        return QStringLiteral("command");
    case ResourceKind::Unspecified:
        break;
    }
    return QStringLiteral("unknown");
}

QString resourceStatusName(ResourceStatus status)
{
    switch (status) {
    case ResourceStatus::Ok:
        return QStringLiteral("ok");
    case ResourceStatus::Oversize:
        return QStringLiteral("oversize");
    case ResourceStatus::Unreadable:
        return QStringLiteral("unreadable");
    case ResourceStatus::Invalid:
        return QStringLiteral("invalid");
    case ResourceStatus::Excluded:
        return QStringLiteral("excluded");
    }
    return QStringLiteral("unknown");
}

QJsonObject ContextResource::toJson() const
{
    QJsonObject object {
            // Paths may hold bytes that are not UTF-8; JSON shows them as Go's encoder does.
            {QStringLiteral("id"), ContextPaths::forDisplay(id)},
            {QStringLiteral("kind"), resourceKindName(kind)},
            {QStringLiteral("source"), ContextPaths::forDisplay(source)},
            {QStringLiteral("content_hash"), QString::fromLatin1(contentHash.toHex())},
            {QStringLiteral("size_bytes"), qint64(sizeBytes)},
            {QStringLiteral("status"), resourceStatusName(status)},
    };
    const auto insertUnlessEmpty = [&object](QLatin1StringView key, const QString &value) {
        if (!value.isEmpty()) {
            object.insert(key, ContextPaths::forDisplay(value));
        }
    };
    insertUnlessEmpty(QLatin1StringView("source_path"), sourcePath);
    insertUnlessEmpty(QLatin1StringView("error"), error);
    insertUnlessEmpty(QLatin1StringView("name"), name);
    insertUnlessEmpty(QLatin1StringView("description"), description);
    return object;
}

ResourceKind ContextResource::kindFromName(const QString &name)
{
    for (int i = int(ResourceKind::InstructionFile); i <= int(ResourceKind::Command); ++i) {
        if (resourceKindName(ResourceKind(i)) == name) {
            return ResourceKind(i);
        }
    }
    return ResourceKind::Unspecified;
}

ResourceStatus ContextResource::statusFromName(const QString &name)
{
    for (int i = int(ResourceStatus::Ok); i <= int(ResourceStatus::Excluded); ++i) {
        if (resourceStatusName(ResourceStatus(i)) == name) {
            return ResourceStatus(i);
        }
    }
    return ResourceStatus::Invalid;
}

ContextResource ContextResource::fromJson(const QJsonObject &o)
{
    ContextResource r;
    r.id = o.value(QStringLiteral("id")).toString();
    r.kind = kindFromName(o.value(QStringLiteral("kind")).toString());
    r.source = o.value(QStringLiteral("source")).toString();
    r.contentHash =
            QByteArray::fromHex(o.value(QStringLiteral("content_hash")).toString().toLatin1());
    r.sizeBytes = quint64(o.value(QStringLiteral("size_bytes")).toInteger());
    r.status = statusFromName(o.value(QStringLiteral("status")).toString());
    r.sourcePath = o.value(QStringLiteral("source_path")).toString();
    r.error = o.value(QStringLiteral("error")).toString();
    r.name = o.value(QStringLiteral("name")).toString();
    r.description = o.value(QStringLiteral("description")).toString();
    return r;
}
