#include "context/contextsnapshot.h"

#include "context/contextpaths.h"
#include "context/sha256.h"

#include <QJsonArray>

#include <algorithm>
#include <charconv>

namespace {

void appendLengthPrefixed(QByteArray &out, QByteArrayView bytes)
{
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, bytes.size()).ptr;
    out.append(digits, end - digits);
    out += ':';
    out += bytes;
}

} // namespace

QList<QByteArray> ContextSnapshot::sortById(QList<ContextResource> &resources)
{
    // UTF-16 order differs from UTF-8 byte order only around surrogates; compare like Go.
    QList<std::pair<QByteArray, ContextResource>> keyed;
    keyed.reserve(resources.size());
    for (ContextResource &resource : resources) {
        keyed.emplaceBack(ContextPaths::toRaw(resource.id), std::move(resource));
    }
    std::stable_sort(keyed.begin(), keyed.end(),
                     [](const auto &a, const auto &b) { return a.first < b.first; });
    QList<QByteArray> rawIds;
    rawIds.reserve(keyed.size());
    for (qsizetype i = 0; i < keyed.size(); ++i) {
        resources[i] = std::move(keyed[i].second);
        rawIds.append(std::move(keyed[i].first));
    }
    return rawIds;
}

QByteArray ContextSnapshot::computeAggregateHash(QList<ContextResource> resources)
{
    const QList<QByteArray> rawIds = sortById(resources);
    return aggregateHashOfSorted(resources, rawIds);
}

QByteArray ContextSnapshot::aggregateHashOfSorted(const QList<ContextResource> &resources,
                                                  const QList<QByteArray> &rawIds)
{
    Q_ASSERT(rawIds.size() == resources.size());
    qsizetype size = 0;
    for (qsizetype i = 0; i < resources.size(); ++i) {
        // Ids are "<kind>:<source>": twice the id is a close guess for both.
        size += 2 * rawIds.at(i).size() + Sha256::DigestSize + 48;
    }
    QByteArray input;
    input.reserve(size);
    for (qsizetype i = 0; i < resources.size(); ++i) {
        const ContextResource &resource = resources.at(i);
        const QByteArray kind = resourceKindName(resource.kind).toUtf8();
        const QByteArrayView rawId = rawIds.at(i);
        appendLengthPrefixed(input, rawId);
        appendLengthPrefixed(input, kind);
        // The resolver's ids are "<kind>:<source>": the source's bytes are the id's tail.
        const qsizetype prefix = kind.size() + 1;
        if (resource.id.size() == prefix + resource.source.size() &&
            QStringView(resource.id).sliced(prefix) == resource.source && rawId.startsWith(kind) &&
            rawId.size() > kind.size() && rawId.at(kind.size()) == ':') {
            appendLengthPrefixed(input, rawId.sliced(prefix));
        } else {
            appendLengthPrefixed(input, ContextPaths::toRaw(resource.source));
        }
        // Always 32 bytes, as Go's [32]byte: a missing hash counts as zeros.
        const qsizetype hashBytes = std::min(resource.contentHash.size(), Sha256::DigestSize);
        input.append(resource.contentHash.constData(), hashBytes);
        input.append(Sha256::DigestSize - hashBytes, '\0');
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
