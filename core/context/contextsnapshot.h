#pragma once

#include "context/contextresource.h"

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QString>

// One immutable resolve result of an agent's context: its resources sorted by id, their
// aggregate hash (what a peer compares to detect drift) and the version the manager stamped.
struct ContextSnapshot
{
    // CurrentSchemaVersion of Coder's agentcontext, Rev A (dropped from the proto in Rev B).
    static constexpr quint64 CurrentSchemaVersion = 1;

    quint64 version = 0; // monotonic per manager; the resolver leaves it 0
    quint64 schemaVersion = CurrentSchemaVersion;
    QByteArray aggregateHash = QByteArray(32, '\0'); // 32 raw bytes; zeros when not computed
    QList<ContextResource> resources; // sorted by id, byte-wise
    quint64 payloadBytes = 0; // the sum of the payload sizes
    QString snapshotError; // the first snapshot-level error, if any

    // SHA-256 over every resource in id order, each as
    //   <len>:<id> <len>:<kind name> <len>:<source> <32 hash bytes> <len>:<status name> NUL
    // (decimal lengths in bytes, no separators), exactly as Coder's ComputeAggregateHash.
    // The order of `resources` does not matter; no resources gives SHA-256 of nothing.
    static QByteArray computeAggregateHash(QList<ContextResource> resources);

    // Sorts by id the way Go compares strings: byte-wise over UTF-8. Returns the ids' bytes
    // in the new order, for aggregateHashOfSorted().
    static QList<QByteArray> sortById(QList<ContextResource> &resources);

    // computeAggregateHash() of resources that sortById() has just sorted, given the ids it
    // returned: a replay hashes once without converting every id again.
    static QByteArray aggregateHashOfSorted(const QList<ContextResource> &resources,
                                            const QList<QByteArray> &rawIds);

    // The SnapshotResponse shape of Coder's api.go (Rev A, so with schema_version): hex
    // hashes, `resources` always an array, snapshot_error only when set, never a payload.
    QJsonObject toJson() const;
    // The inverse, for clients (payloads are never in that shape).
    static ContextSnapshot fromJson(const QJsonObject &object);

    friend bool operator==(const ContextSnapshot &, const ContextSnapshot &) = default;
};
