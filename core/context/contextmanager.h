#pragma once

#include "common/clock.h"
#include "contextresolver.h"
#include "contextsnapshot.h"
#include "contexttimelineentry.h"
#include "contextwatcher.h"

#include <QFutureWatcher>
#include <QHash>
#include <QObject>
#include <QSet>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>

// Owns the context of one agent: the user's scan roots, the current snapshot and its history.
// Resolves off the GUI thread; a resolve overtaken by a newer one, or cancelled, publishes
// nothing. A resolve the watcher started publishes only when its result differs from the
// published snapshot (resources, hash or snapshot error); an explicit one (start, Resync, a
// source added or removed, a push retry) always gets the next version, as upstream's.
class ContextManager : public QObject
{
    Q_OBJECT
public:
    // Runtime sources (POST /sources): at most this many, each path at most PATH_MAX bytes.
    static constexpr int MaxSources = 256;
    static constexpr qsizetype MaxSourcePathBytes = 4096;

    // The last versions kept for the timeline.
    static constexpr int TimelineLength = 50;

    // What started a resolve; recorded in the timeline.
    enum class Trigger { Start, Watcher, Rescan, Resync, SourceAdded, SourceRemoved, PushRetry };
    static QString triggerName(Trigger trigger);

    struct Options
    {
        std::function<QString()> workingDirectory; // read on every resolve (late manifests)
        QString homeDirectory; // empty: the user's home
        // Roots that addSource() accepts paths under; empty: ~, ~/.coder, ~/.claude. The
        // working directory is always appended, evaluated per call (seed CRF-7).
        QStringList allowedRoots;
        QStringList initialSources; // trusted (template config): not validated
        ContextResolver::Options resolver;
        bool includeBuiltinRoots = true;
        bool watch = true;
        std::chrono::milliseconds debounce {250}; // upstream DefaultWatchDebounce
        // Watches the watcher may hold before it degrades to periodic rescans (0: no cap of
        // our own; the kernel's inotify limit still applies).
        int maxWatches = 0;
        std::chrono::milliseconds degradedRescanInterval {30000};
        Clock *clock = nullptr;
    };

    explicit ContextManager(Options options, QObject *parent = nullptr);
    ~ContextManager() override;

    // Starts the first resolve and the watcher.
    void start();
    // Stops watching; an in-flight resolve is cancelled and publishes nothing. Idempotent.
    void close();
    bool isClosed() const { return m_closed; }

    ContextSnapshot snapshot() const { return m_snapshot; }
    QList<ContextTimelineEntry> timeline() const { return m_timeline; }
    QStringList sources() const { return m_sources; }
    // Why a runtime source is not read now (it resolved outside the allowed roots at the last
    // resolve); empty when it is read.
    QString sourceRejection(const QString &source) const { return m_rejected.value(source); }
    // Whether the file behind `resource` may be served: its real path still inside a scan root
    // that may be read now (checked when asked, not only at the last resolve).
    bool mayServe(const ContextResource &resource, QString *reason) const;
    QList<ScanRoot> scanRoots() const;
    QStringList effectiveAllowedRoots() const;
    QString workingDirectory() const;

    // Adds a user source after validating it against the allowed roots (symlinks cannot
    // escape). Returns its identity (the lexical absolute path); adding it again is a no-op.
    std::optional<QString> addSource(const QString &path, QString *error);
    // False with "source not found" when absent.
    bool removeSource(const QString &path, QString *error);
    // The identity of `path`, and whether it is a source. Nullopt for a malformed path.
    std::optional<std::pair<QString, bool>> hasSource(const QString &path) const;
    // Adds trusted sources without validation (bad paths are logged and skipped).
    void seedSources(const QStringList &paths);

    // Resolves now. The returned ticket is passed to resyncFinished() once this resolve has
    // been published, or was overtaken (then with the snapshot current at that time).
    quint64 resync(Trigger trigger = Trigger::Resync);
    bool isResolving() const { return m_running != nullptr; }
    QString watcherDegradation() const;
    ContextWatcher *watcher() const { return m_watcher; }

Q_SIGNALS:
    void snapshotChanged(const ContextSnapshot &snapshot);
    void sourcesChanged(const QStringList &sources);
    void resyncFinished(quint64 ticket, const ContextSnapshot &snapshot);
    // The resync of `ticket` will not complete (the manager closed while it ran).
    void resyncFailed(quint64 ticket, const QString &error);
    void resolvingChanged(bool resolving);
    void closed();

private:
    struct Job;
    enum class ResolveMode { Full, Replay };
    void startResolve(ResolveMode mode, Trigger trigger, const QString &triggerPath = {},
                      const QStringList &changedFiles = {});
    void onResolved(Job *job);
    void recordTimeline(const ContextSnapshot &previous, const ContextSnapshot &next,
                        const Job &job);
    QString home() const;

    Options m_options;
    Clock *m_clock;
    ContextResolver m_resolver;
    ContextWatcher *m_watcher = nullptr;
    QStringList m_sources;
    QSet<QString> m_trusted; // initial and seeded sources: not judged against allowed roots
    QHash<QString, QString> m_rejected; // source -> reason, from the last resolve
    ContextSnapshot m_snapshot;
    QList<ContextTimelineEntry> m_timeline;
    quint64 m_version = 0;
    quint64 m_generation = 0; // of the newest resolve started
    quint64 m_ticketsIssued = 0;
    std::unique_ptr<Job> m_running; // the newest resolve, while it runs
    // The last published full walk: file-only changes replay it instead of walking again.
    std::shared_ptr<const ContextWalk> m_lastWalk;
    ContextReadCache m_readCache; // what each file of m_lastWalk read as
    ContextWatcher::WatchSet m_lastWatchSet; // what the watcher was last synced to
    QList<ScanRoot> m_lastRoots;
    QStringList m_lastDirectories;
    std::vector<std::unique_ptr<Job>> m_superseded; // cancelled, still finishing
    bool m_started = false;
    bool m_closed = false;
};
