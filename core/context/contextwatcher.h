#pragma once

#include "common/clock.h"

#include <QObject>
#include <QSet>
#include <QStringList>

#include <chrono>
#include <memory>

struct ContextSnapshot;
class QFileSystemWatcher;
struct ScanRoot;

// Watches what a resolve looked at: every directory it walked (within MaxDepth, seed CRF-12),
// the nearest existing parent of each missing root (so creating it is noticed), and each
// resource file (Qt's directory watches miss in-place edits). Events are debounced on the
// trailing edge. When watches run out it degrades: it says so, and rescans periodically.
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

    // Replaces the watched set (adds and removes the difference). No-op after close().
    void sync(const WatchSet &set);
    void close();

    // Empty, or why the watcher cannot see every change.
    QString degradation() const { return m_degradation; }
    int watchCount() const;
    QStringList watchedDirectories() const;
    QStringList watchedFiles() const;

Q_SIGNALS:
    // Debounced: something relevant may have changed. `structural` is false when only the
    // contents of watched files changed (no folder did, and no rescan is due), so re-reading
    // the known files is enough.
    void changed(bool structural);
    void degradationChanged(const QString &degradation);

private:
    void onEvent(bool structural);
    void setDegradation(const QString &degradation);
    void scheduleRescan();

    Options m_options;
    Clock *m_clock;
    QFileSystemWatcher *m_watcher;
    std::unique_ptr<Clock::Timer> m_debounce;
    std::unique_ptr<Clock::Timer> m_rescan;
    QString m_degradation;
    bool m_structuralPending = false;
    bool m_closed = false;
};
