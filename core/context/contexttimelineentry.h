#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QStringList>

// What changed from one published snapshot version to the next (resource ids), for the
// timeline of the last versions.
struct ContextTimelineEntry
{
    // What made the agent resolve: wire names of ContextManager::Trigger.
    static constexpr const char *TriggerStart = "start";
    static constexpr const char *TriggerWatcher = "watcher";
    static constexpr const char *TriggerRescan = "rescan"; // periodic, while watches are missing
    static constexpr const char *TriggerResync = "resync";
    static constexpr const char *TriggerSourceAdded = "source_added";
    static constexpr const char *TriggerSourceRemoved = "source_removed";
    static constexpr const char *TriggerPushRetry = "push_retry";

    quint64 version = 0;
    QString trigger;
    // The watcher's first changed path; the source added or removed.
    QString triggerPath;
    qint64 publishedAtMSecs = 0;
    QByteArray aggregateHash; // 32 raw bytes
    QStringList added;
    QStringList removed;
    QStringList changed; // content hash or status differ

    QJsonObject toJson() const;
    static ContextTimelineEntry fromJson(const QJsonObject &object);
    friend bool operator==(const ContextTimelineEntry &, const ContextTimelineEntry &) = default;
};
