#pragma once

#include "common/clock.h"

#include <QHash>
#include <QObject>
#include <QSet>
#include <QStringList>

#include <chrono>
#include <memory>

class ContextWatchBackend;
struct ContextSnapshot;
struct ScanRoot;

// Watches what a resolve looked at: every directory it walked (within MaxDepth, seed CRF-12),
// the nearest existing parent of each missing root (so creating it is noticed), and each
// resource file (Qt's directory watches miss in-place edits). Events are debounced on the
// trailing edge. When watches run out (the kernel's inotify limit, ENOSPC, or our own cap) it
// degrades: it says so, and rescans periodically. A path that cannot be watched for another
// reason (no permission, gone) is logged and listed, and does not degrade the watcher.
class ContextWatcher : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        std::chrono::milliseconds debounce {250}; // upstream DefaultWatchDebounce
        int maxWatches = 0; // 0: only the kernel's limit
        std::chrono::milliseconds degradedRescanInterval {30000};
        Clock *clock = nullptr;
        // What to watch with; null: ContextWatchBackend::createDefault(). Taken over.
        ContextWatchBackend *backend = nullptr;
    };

    struct WatchSet
    {
        QStringList directories;
        QStringList files;
    };

    explicit ContextWatcher(Options options, QObject *parent = nullptr);
    ~ContextWatcher() override;

    // What to watch for a resolve of `roots` that walked `directories` and produced
    // `snapshot`. Pure and thread-safe: runs with the resolve, off the GUI thread.
    static WatchSet watchSetFor(const QList<ScanRoot> &roots, const QStringList &directories,
                                const ContextSnapshot &snapshot, int maxDepth);
    // Only the files of it: what a replay (no folder changed) may change. A path in
    // `knownRegular` is taken as a regular file without a stat: a replay passes the files it
    // watched and saw no event for (replacing one changes its folder, and that is a walk).
    static QStringList filesFor(const ContextSnapshot &snapshot,
                                const QSet<QString> &knownRegular = {});

    // Replaces the watched set (adds and removes the difference). No-op after close().
    void sync(const WatchSet &set);
    void close();

    // Empty, or why the watcher cannot see every change.
    QString degradation() const { return m_degradation; }
    int watchCount() const;
    QStringList watchedDirectories() const;
    QStringList watchedFiles() const;
    // Paths the last sync could not watch for a reason other than running out of watches,
    // with the reason ("Permission denied").
    QHash<QString, QString> failedWatches() const { return m_failed; }

Q_SIGNALS:
    // Debounced: something relevant may have changed. `structural` is false when only the
    // contents of watched files changed (no folder did, and no rescan is due), so re-reading
    // the known files is enough. `firstPath` is the first watched path that reported a change
    // in this batch; empty for a periodic rescan while degraded (`rescan` true). `files` are
    // the watched files that reported a change (the only ones a file-only change touched).
    void changed(bool structural, const QString &firstPath, bool rescan, const QStringList &files);
    void degradationChanged(const QString &degradation);
    void failedWatchesChanged();

private:
    void onEvent(bool structural, const QString &path);
    void setDegradation(const QString &degradation);
    void scheduleRescan();

    Options m_options;
    Clock *m_clock;
    ContextWatchBackend *m_watcher;
    QHash<QString, QString> m_failed;
    std::unique_ptr<Clock::Timer> m_debounce;
    std::unique_ptr<Clock::Timer> m_rescan;
    QString m_degradation;
    bool m_structuralPending = false;
    QString m_firstPath;
    QStringList m_changedFiles;
    bool m_closed = false;
};
