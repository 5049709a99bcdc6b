#include "contextwatcher.h"

#include "contextpaths.h"
#include "contextresolver.h"
#include "contextsnapshot.h"
#include "contextwatchbackend.h"

#include <QDir>
#include <QFileInfo>

#include <QLoggingCategory>
#include <cerrno>
#include <sys/stat.h>

Q_DECLARE_LOGGING_CATEGORY(lcContext)

ContextWatcher::ContextWatcher(Options options, QObject *parent)
    : QObject(parent)
    , m_options(options)
    , m_clock(options.clock ? options.clock : Clock::system())
    , m_watcher(options.backend ? options.backend : ContextWatchBackend::createDefault())
{
    m_watcher->setParent(this);
    if (m_options.debounce.count() <= 0) {
        m_options.debounce = std::chrono::milliseconds(250);
    }
    connect(m_watcher, &ContextWatchBackend::directoryChanged, this,
            [this](const QString &path) { onEvent(true, path); });
    connect(m_watcher, &ContextWatchBackend::fileChanged, this, [this](const QString &path) {
        if (!m_changedFiles.contains(path)) {
            m_changedFiles.append(path);
        }
        onEvent(false, path);
    });
}

ContextWatcher::~ContextWatcher() = default;

ContextWatcher::WatchSet ContextWatcher::watchSetFor(const QList<ScanRoot> &roots,
                                                     const QStringList &directories,
                                                     const ContextSnapshot &snapshot, int maxDepth)
{
    Q_UNUSED(maxDepth) // the resolver already stopped at MaxDepth
    WatchSet set;
    QSet<QString> seen;
    const auto addDirectory = [&](const QString &dir) {
        if (!seen.contains(dir)) {
            seen.insert(dir);
            set.directories.append(dir);
        }
    };
    for (const QString &dir : directories) {
        addDirectory(dir);
    }
    for (const ScanRoot &root : roots) {
        // By bytes, as everything the resolver walks (ContextPaths::toRaw).
        const auto kindOf = [](const QString &path) {
            struct stat info;
            return ::stat(ContextPaths::toRaw(path).constData(), &info) != 0 ? 0
                    : S_ISDIR(info.st_mode)                                  ? 2
                                                                             : 1;
        };
        const QString cleaned = QDir::cleanPath(root.path);
        const int kind = kindOf(cleaned);
        if (kind == 2) {
            addDirectory(cleaned);
        } else if (kind == 1) {
            addDirectory(QFileInfo(cleaned).path()); // a file root: its folder tells of a swap
        } else {
            // A root that does not exist yet: watch the deepest existing ancestor. Walk up by
            // name: QDir::cdUp() refuses to move to a parent that does not exist either.
            QString dir = cleaned;
            while (kindOf(dir) != 2) {
                const QString parent = QFileInfo(dir).path();
                if (parent == dir) {
                    break;
                }
                dir = parent;
            }
            if (kindOf(dir) == 2) {
                addDirectory(dir);
            }
        }
    }
    set.files = filesFor(snapshot);
    return set;
}

QStringList ContextWatcher::filesFor(const ContextSnapshot &snapshot,
                                     const QSet<QString> &knownRegular)
{
    QStringList list;
    QSet<QString> files;
    for (const ContextResource &resource : snapshot.resources) {
        QString path = resource.source;
        if (resource.kind == ResourceKind::Skill) {
            path += QStringLiteral("/SKILL.md");
        }
        struct stat info; // by its bytes: a name need not be UTF-8
        if (!files.contains(path) &&
            (knownRegular.contains(path) ||
             (::stat(ContextPaths::toRaw(path).constData(), &info) == 0 &&
              S_ISREG(info.st_mode)))) {
            files.insert(path);
            list.append(path);
        }
    }
    return list;
}

void ContextWatcher::sync(const WatchSet &set)
{
    if (m_closed) {
        return;
    }
    const QStringList currentDirs = m_watcher->directories();
    const QStringList currentFiles = m_watcher->files();
    const QSet<QString> wantedDirs(set.directories.cbegin(), set.directories.cend());
    const QSet<QString> wantedFiles(set.files.cbegin(), set.files.cend());

    QStringList remove;
    for (const QString &dir : currentDirs) {
        if (!wantedDirs.contains(dir)) {
            remove.append(dir);
        }
    }
    for (const QString &file : currentFiles) {
        if (!wantedFiles.contains(file)) {
            remove.append(file);
        }
    }
    if (!remove.isEmpty()) {
        m_watcher->removePaths(remove);
    }

    QStringList add;
    const QSet<QString> haveDirs(currentDirs.cbegin(), currentDirs.cend());
    const QSet<QString> haveFiles(currentFiles.cbegin(), currentFiles.cend());
    for (const QString &dir : set.directories) {
        if (!haveDirs.contains(dir)) {
            add.append(dir);
        }
    }
    for (const QString &file : set.files) {
        if (!haveFiles.contains(file)) {
            add.append(file);
        }
    }
    qsizetype budget = add.size();
    if (m_options.maxWatches > 0) {
        budget = std::max<qsizetype>(0, m_options.maxWatches - watchCount());
    }
    const QStringList attempt = add.mid(0, budget);
    const QHash<QString, int> errors = m_watcher->addPaths(attempt);
    qsizetype outOfWatches = 0;
    QHash<QString, QString> failed;
    for (auto it = errors.constBegin(); it != errors.constEnd(); ++it) {
        if (it.value() == ENOSPC) {
            ++outOfWatches;
        } else {
            failed.insert(it.key(), qt_error_string(it.value()));
        }
    }
    // Paths still wanted that failed before and were not tried again stay listed.
    for (auto it = m_failed.constBegin(); it != m_failed.constEnd(); ++it) {
        if ((wantedDirs.contains(it.key()) || wantedFiles.contains(it.key())) &&
            !failed.contains(it.key()) && !attempt.contains(it.key()) &&
            !haveDirs.contains(it.key()) && !haveFiles.contains(it.key())) {
            failed.insert(it.key(), it.value());
        }
    }
    if (failed != m_failed) {
        for (auto it = failed.constBegin(); it != failed.constEnd(); ++it) {
            if (!m_failed.contains(it.key())) {
                qCWarning(lcContext).noquote() << "Cannot watch" << it.key() << "-" << it.value()
                                               << "(changes there are seen at the next resolve)";
            }
        }
        m_failed = failed;
        Q_EMIT failedWatchesChanged();
    }
    const qsizetype capped = add.size() - attempt.size();
    const qsizetype total = set.directories.size() + set.files.size();
    const double seconds = m_options.degradedRescanInterval.count() / 1000.0;
    // Wire data (snapshot_error), in English as upstream's messages: not translated.
    if (outOfWatches > 0) {
        setDegradation(QStringLiteral("inotify watch limit exceeded (ENOSPC): %1 of %2 paths are "
                                      "not watched; rescanning every %3 s instead")
                               .arg(outOfWatches + capped)
                               .arg(total)
                               .arg(seconds));
    } else if (capped > 0) {
        setDegradation(QStringLiteral("watch limit of %1 reached: %2 of %3 paths are not watched; "
                                      "rescanning every %4 s instead")
                               .arg(m_options.maxWatches)
                               .arg(capped)
                               .arg(total)
                               .arg(seconds));
    } else {
        setDegradation({});
    }
}

void ContextWatcher::setDegradation(const QString &degradation)
{
    if (degradation == m_degradation) {
        return;
    }
    m_degradation = degradation;
    if (m_degradation.isEmpty()) {
        m_rescan.reset();
    } else {
        qCWarning(lcContext).noquote() << m_degradation;
        scheduleRescan();
    }
    Q_EMIT degradationChanged(m_degradation);
}

void ContextWatcher::scheduleRescan()
{
    // Periodic rescans keep the snapshot correct where watches are missing.
    m_rescan = m_clock->callAfter(m_options.degradedRescanInterval, this, [this] {
        Q_EMIT changed(true, QString(), true, {});
        scheduleRescan();
    });
}

void ContextWatcher::onEvent(bool structural, const QString &path)
{
    if (m_closed) {
        return;
    }
    if (!m_debounce) {
        m_firstPath = path;
    }
    // A file replaced or removed also changes its folder, so file-only means edited in place.
    m_structuralPending = m_structuralPending || structural;
    // Trailing edge: every event restarts the wait, so a burst yields one change.
    m_debounce = m_clock->callAfter(m_options.debounce, this, [this] {
        m_debounce.reset();
        // Without every watch in place a file-only batch may hide a folder change.
        const bool structural =
                std::exchange(m_structuralPending, false) || !m_degradation.isEmpty();
        Q_EMIT changed(structural, std::exchange(m_firstPath, QString()), false,
                       std::exchange(m_changedFiles, {}));
    });
}

void ContextWatcher::close()
{
    m_closed = true;
    m_debounce.reset();
    m_changedFiles.clear();
    m_rescan.reset();
    const QStringList all = m_watcher->directories() + m_watcher->files();
    if (!all.isEmpty()) {
        m_watcher->removePaths(all);
    }
}

int ContextWatcher::watchCount() const
{
    return m_watcher->count();
}

QStringList ContextWatcher::watchedDirectories() const
{
    return m_watcher->directories();
}

QStringList ContextWatcher::watchedFiles() const
{
    return m_watcher->files();
}
