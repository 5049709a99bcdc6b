#include "contexttimelineentry.h"

#include "context/contextpaths.h"

#include <QJsonArray>

namespace {

QStringList stringList(const QJsonValue &value)
{
    QStringList list;
    const QJsonArray array = value.toArray();
    for (const QJsonValue &v : array) {
        list.append(v.toString());
    }
    return list;
}

QJsonArray displayed(const QStringList &ids)
{
    QJsonArray array;
    for (const QString &id : ids) {
        array.append(ContextPaths::forDisplay(id));
    }
    return array;
}

} // namespace

QJsonObject ContextTimelineEntry::toJson() const
{
    QJsonObject o {{QStringLiteral("version"), qint64(version)},
                   {QStringLiteral("trigger"), trigger},
                   {QStringLiteral("published_at_ms"), publishedAtMSecs},
                   {QStringLiteral("aggregate_hash"), QString::fromLatin1(aggregateHash.toHex())},
                   {QStringLiteral("added"), displayed(added)},
                   {QStringLiteral("removed"), displayed(removed)},
                   {QStringLiteral("changed"), displayed(changed)}};
    if (!triggerPath.isEmpty()) {
        o.insert(QStringLiteral("trigger_path"), ContextPaths::forDisplay(triggerPath));
    }
    return o;
}

ContextTimelineEntry ContextTimelineEntry::fromJson(const QJsonObject &o)
{
    ContextTimelineEntry entry;
    entry.version = quint64(o.value(QStringLiteral("version")).toInteger());
    entry.trigger = o.value(QStringLiteral("trigger")).toString();
    entry.triggerPath = o.value(QStringLiteral("trigger_path")).toString();
    entry.publishedAtMSecs = o.value(QStringLiteral("published_at_ms")).toInteger();
    entry.aggregateHash =
            QByteArray::fromHex(o.value(QStringLiteral("aggregate_hash")).toString().toLatin1());
    entry.added = stringList(o.value(QStringLiteral("added")));
    entry.removed = stringList(o.value(QStringLiteral("removed")));
    entry.changed = stringList(o.value(QStringLiteral("changed")));
    return entry;
}
