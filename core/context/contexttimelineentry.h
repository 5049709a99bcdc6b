#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QStringList>

// What changed from one published snapshot version to the next (resource ids), for the
// timeline of the last versions.
struct ContextTimelineEntry
{
    quint64 version = 0;
    qint64 publishedAtMSecs = 0;
    QByteArray aggregateHash; // 32 raw bytes
    QStringList added;
    QStringList removed;
    QStringList changed; // content hash or status differ

    QJsonObject toJson() const;
    static ContextTimelineEntry fromJson(const QJsonObject &object);
    friend bool operator==(const ContextTimelineEntry &, const ContextTimelineEntry &) = default;
};
