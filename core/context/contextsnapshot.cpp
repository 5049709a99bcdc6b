#include "context/contextsnapshot.h"

#include "context/contextpaths.h"
#include "context/sha256.h"

#include <QJsonArray>

#include <algorithm>

namespace {

void appendLengthPrefixed(QByteArray &out, QByteArrayView bytes)
{
    out += QByteArray::number(bytes.size());
    out += ':';
    out += bytes;
}

} // namespace

void ContextSnapshot::sortById(QList<ContextResource> &resources)
{
    // UTF-16 order differs from UTF-8 byte order only around surrogates; compare like Go.
    QList<std::pair<QByteArray, ContextResource>> keyed;
    keyed.reserve(resources.size());
    for (ContextResource &resource : resources) {
        keyed.emplaceBack(ContextPaths::toRaw(resource.id), std::move(resource));
    }
    std::stable_sort(keyed.begin(), keyed.end(),
                     [](const auto &a, const auto &b) { return a.first < b.first; });
    for (qsizetype i = 0; i < keyed.size(); ++i) {
        resources[i] = std::move(keyed[i].second);
    }
}

QByteArray ContextSnapshot::computeAggregateHash(QList<ContextResource> resources)
{
    sortById(resources);
    QByteArray input;
    for (const ContextResource &resource : std::as_const(resources)) {
        appendLengthPrefixed(input, ContextPaths::toRaw(resource.id));
        appendLengthPrefixed(input, resourceKindName(resource.kind).toUtf8());
        appendLengthPrefixed(input, ContextPaths::toRaw(resource.source));
        // Always 32 bytes, as Go's [32]byte: a missing hash counts as zeros.
        QByteArray hash = resource.contentHash.first(
                std::min(resource.contentHash.size(), Sha256::DigestSize));
        hash.resize(Sha256::DigestSize, '\0');
        input += hash;
        appendLengthPrefixed(input, resourceStatusName(resource.status).toUtf8());
        input += '\0';
    }
    return Sha256::hash(input);
}

QJsonObject ContextSnapshot::toJson() const
{
    QJsonArray list;
    for (const ContextResource &resource : resources) {
        list.append(resource.toJson());
    }
    QJsonObject object {
            {QStringLiteral("version"), qint64(version)},
            {QStringLiteral("schema_version"), qint64(schemaVersion)},
            {QStringLiteral("aggregate_hash"), QString::fromLatin1(aggregateHash.toHex())},
            {QStringLiteral("resources"), list},
            {QStringLiteral("payload_bytes"), qint64(payloadBytes)},
    };
    if (!snapshotError.isEmpty()) {
        object.insert(QLatin1StringView("snapshot_error"), ContextPaths::forDisplay(snapshotError));
    }
    return object;
}

ContextSnapshot ContextSnapshot::fromJson(const QJsonObject &o)
{
    ContextSnapshot s;
    s.version = quint64(o.value(QStringLiteral("version")).toInteger());
    s.schemaVersion = quint64(
            o.value(QStringLiteral("schema_version")).toInteger(qint64(CurrentSchemaVersion)));
    s.aggregateHash =
            QByteArray::fromHex(o.value(QStringLiteral("aggregate_hash")).toString().toLatin1());
    const QJsonArray list = o.value(QStringLiteral("resources")).toArray();
    for (const QJsonValue &value : list) {
        s.resources.append(ContextResource::fromJson(value.toObject()));
    }
    s.payloadBytes = quint64(o.value(QStringLiteral("payload_bytes")).toInteger());
    s.snapshotError = o.value(QStringLiteral("snapshot_error")).toString();
    return s;
}
