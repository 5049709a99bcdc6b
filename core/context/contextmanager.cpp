#include "contextmanager.h"

#include "contextpaths.h"
#include "contextwatcher.h"

#include <QDir>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QSet>
#include <QtConcurrent>

Q_DECLARE_LOGGING_CATEGORY(lcContext)

namespace {

struct ResolveResult
{
    ContextSnapshot snapshot;
    ContextWatcher::WatchSet watchSet;
    std::shared_ptr<const ContextWalk> walk; // of a full resolve; the replayed one otherwise
    QList<ScanRoot> roots;
    QStringList directories;
    QList<RejectedSource> rejected;
    ContextReadCache cache;
    bool replayed = false;
    bool watchSetChanged = true; // false: the same set as the last sync, nothing to do
};

} // namespace

struct ContextManager::Job
{
    quint64 generation = 0;
    Trigger trigger = Trigger::Start;
    QString triggerPath;
    // Publishes even an unchanged result (an explicit request, or one it overtook).
    bool explicitRequest = false;
    QList<quint64> tickets;
    std::atomic_bool cancelled {false};
    QFutureWatcher<ResolveResult> watcher;
};

ContextManager::ContextManager(Options options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_clock(m_options.clock ? m_options.clock : Clock::system())
    , m_resolver(m_options.resolver)
{
    for (const QString &path : std::as_const(m_options.initialSources)) {
        QString error;
        const std::optional<QString> identity = ContextPaths::lexicalPath(path, home(), &error);
        if (!identity) {
            qCWarning(lcContext) << "Skipping initial source" << path << ":" << error;
        } else if (!m_sources.contains(*identity)) {
            m_sources.append(*identity);
            m_trusted.insert(*identity);
        }
    }
    if (m_options.watch) {
        ContextWatcher::Options watcherOptions;
        watcherOptions.debounce = m_options.debounce;
        watcherOptions.maxWatches = m_options.maxWatches;
        watcherOptions.degradedRescanInterval = m_options.degradedRescanInterval;
        watcherOptions.clock = m_clock;
        m_watcher = new ContextWatcher(watcherOptions, this);
        connect(m_watcher, &ContextWatcher::changed, this,
                [this](bool structural, const QString &firstPath, bool rescan,
                       const QStringList &files) {
                    startResolve(structural ? ResolveMode::Full : ResolveMode::Replay,
                                 rescan ? Trigger::Rescan : Trigger::Watcher, firstPath, files);
                });
    }
}

ContextManager::~ContextManager()
{
    // Shutdown: the worker threads hold pointers into the jobs, so wait for them.
    if (m_running) {
        m_running->cancelled = true;
        m_running->watcher.waitForFinished();
    }
    for (const auto &job : m_superseded) {
        job->watcher.waitForFinished();
    }
}

QString ContextManager::triggerName(Trigger trigger)
{
    switch (trigger) {
    case Trigger::Start:
        return QLatin1StringView(ContextTimelineEntry::TriggerStart);
    case Trigger::Watcher:
        return QLatin1StringView(ContextTimelineEntry::TriggerWatcher);
    case Trigger::Rescan:
        return QLatin1StringView(ContextTimelineEntry::TriggerRescan);
    case Trigger::Resync:
        return QLatin1StringView(ContextTimelineEntry::TriggerResync);
    case Trigger::SourceAdded:
        return QLatin1StringView(ContextTimelineEntry::TriggerSourceAdded);
    case Trigger::SourceRemoved:
        return QLatin1StringView(ContextTimelineEntry::TriggerSourceRemoved);
    case Trigger::PushRetry:
        return QLatin1StringView(ContextTimelineEntry::TriggerPushRetry);
    }
    return QString();
}

QString ContextManager::home() const
{
    return m_options.homeDirectory.isEmpty() ? QDir::homePath() : m_options.homeDirectory;
}

QString ContextManager::workingDirectory() const
{
    return m_options.workingDirectory ? m_options.workingDirectory().trimmed() : QString();
}

void ContextManager::start()
{
    if (m_started || m_closed) {
        return;
    }
    m_started = true;
    startResolve(ResolveMode::Full, Trigger::Start);
}

void ContextManager::close()
{
    if (m_closed) {
        return;
    }
    m_closed = true;
    if (m_running) {
        m_running->cancelled = true;
        // Its waiters get an answer now: a cancelled resolve publishes nothing.
        const QList<quint64> tickets = std::exchange(m_running->tickets, {});
        QMetaObject::invokeMethod(
                this,
                [this, tickets] {
                    for (quint64 ticket : tickets) {
                        Q_EMIT resyncFailed(ticket, QStringLiteral("agentcontext: manager closed"));
                    }
                },
                Qt::QueuedConnection);
    }
    if (m_watcher) {
        m_watcher->close();
    }
    Q_EMIT closed();
}

QList<ScanRoot> ContextManager::scanRoots() const
{
    // User sources in insertion order, then the built-in roots, then the working directory;
    // read afresh on each resolve so a late working directory is picked up.
    QList<ScanRoot> roots;
    const QStringList allowed = effectiveAllowedRoots();
    for (const QString &source : m_sources) {
        // Runtime sources are judged again at every resolve: what was a folder when added may
        // have become a symlink out of the allowed roots since.
        roots.append(
                ScanRoot {source, source, m_trusted.contains(source) ? QStringList() : allowed});
    }
    if (m_options.includeBuiltinRoots) {
        roots.append(ContextResolver::defaultBuiltinRoots(home()));
    }
    const QString workDir = workingDirectory();
    if (!workDir.isEmpty()) {
        roots.append(ScanRoot {workDir, QString()});
    }
    return roots;
}

QStringList ContextManager::effectiveAllowedRoots() const
{
    QStringList roots = m_options.allowedRoots;
    if (roots.isEmpty()) {
        roots = {QStringLiteral("~"), QStringLiteral("~/.coder"), QStringLiteral("~/.claude")};
    }
    const QString workDir = workingDirectory();
    if (!workDir.isEmpty()) {
        roots.append(workDir);
    }
    QStringList expanded;
    for (const QString &root : std::as_const(roots)) {
        QString error;
        if (const auto path = ContextPaths::lexicalPath(root, home(), &error)) {
            expanded.append(*path);
        }
    }
    return expanded;
}

std::optional<QString> ContextManager::addSource(const QString &path, QString *error)
{
    // Bounds that no real folder reaches, so a client cannot grow the agent (and every
    // snapshot and sources answer) without limit.
    if (path.toUtf8().size() > MaxSourcePathBytes) {
        *error = QStringLiteral("path is longer than %1 bytes (PATH_MAX)").arg(MaxSourcePathBytes);
        return std::nullopt;
    }
    QString reason;
    const std::optional<QString> identity = ContextPaths::lexicalPath(path, home(), &reason);
    if (!identity) {
        *error = QStringLiteral("canonicalize: %1").arg(reason);
        return std::nullopt;
    }
    // Validate the canonical form (symlinks resolved) so a link cannot escape the roots.
    if (!ContextPaths::validateSourcePath(path, ContextPaths::canonicalizePath(path, home()),
                                          effectiveAllowedRoots(), &reason)) {
        *error = reason;
        return std::nullopt;
    }
    if (m_sources.contains(*identity)) {
        return identity;
    }
    if (m_sources.size() >= MaxSources) {
        *error = QStringLiteral("%1 sources are registered, the limit; remove one first")
                         .arg(MaxSources);
        return std::nullopt;
    }
    m_sources.append(*identity);
    Q_EMIT sourcesChanged(m_sources);
    startResolve(ResolveMode::Full, Trigger::SourceAdded, *identity);
    return identity;
}

bool ContextManager::mayServe(const ContextResource &resource, QString *reason) const
{
    QString file = resource.source;
    if (resource.kind == ResourceKind::Skill) {
        file += QStringLiteral("/SKILL.md");
    }
    const QString real = ContextPaths::realPath(file);
    if (real.isEmpty()) {
        *reason = QStringLiteral("%1 is gone").arg(file);
        return false;
    }
    for (const ScanRoot &root : scanRoots()) {
        QString why;
        if (!ContextResolver::sourceIsAllowed(root, &why)) {
            continue;
        }
        const QString realRoot = QFileInfo(root.path).canonicalFilePath();
        if (!realRoot.isEmpty() &&
            (ContextPaths::pathHasPrefix(real, realRoot) ||
             (QFileInfo(realRoot).isFile() && real == realRoot))) {
            return true;
        }
    }
    *reason = QStringLiteral("%1 now resolves to %2, outside every scan root that may be read")
                      .arg(file, real);
    return false;
}

bool ContextManager::removeSource(const QString &path, QString *error)
{
    QString reason;
    const std::optional<QString> identity = ContextPaths::lexicalPath(path, home(), &reason);
    if (!identity || !m_sources.removeOne(*identity)) {
        *error = QStringLiteral("source not found");
        return false;
    }
    m_trusted.remove(*identity);
    m_rejected.remove(*identity);
    Q_EMIT sourcesChanged(m_sources);
    startResolve(ResolveMode::Full, Trigger::SourceRemoved, *identity);
    return true;
}

std::optional<std::pair<QString, bool>> ContextManager::hasSource(const QString &path) const
{
    QString error;
    const std::optional<QString> identity = ContextPaths::lexicalPath(path, home(), &error);
    if (!identity) {
        return std::nullopt;
    }
    return std::pair {*identity, m_sources.contains(*identity)};
}

void ContextManager::seedSources(const QStringList &paths)
{
    bool added = false;
    for (const QString &path : paths) {
        QString error;
        const std::optional<QString> identity = ContextPaths::lexicalPath(path, home(), &error);
        if (!identity) {
            qCWarning(lcContext) << "Skipping seeded source" << path << ":" << error;
            continue;
        }
        if (!m_sources.contains(*identity)) {
            m_sources.append(*identity);
            m_trusted.insert(*identity);
            added = true;
        }
    }
    if (added) {
        Q_EMIT sourcesChanged(m_sources);
        startResolve(ResolveMode::Full, Trigger::SourceAdded);
    }
}

quint64 ContextManager::resync(Trigger trigger)
{
    const quint64 ticket = ++m_ticketsIssued;
    // Closed, or not started (upstream: not ready answers the placeholder without scanning).
    if (m_closed || !m_started) {
        QMetaObject::invokeMethod(
                this, [this, ticket] { Q_EMIT resyncFinished(ticket, m_snapshot); },
                Qt::QueuedConnection);
        return ticket;
    }
    startResolve(ResolveMode::Full, trigger);
    m_running->tickets.append(ticket);
    return ticket;
}

QString ContextManager::watcherDegradation() const
{
    return m_watcher ? m_watcher->degradation() : QString();
}

void ContextManager::startResolve(ResolveMode mode, Trigger trigger, const QString &triggerPath,
                                  const QStringList &changedFiles)
{
    if (m_closed || !m_started) {
        return;
    }
    const QList<ScanRoot> roots = scanRoots();
    // A replay is only the same as a walk when nothing but file contents changed since the last
    // published walk: a resolve still running may carry a folder change, so it wins.
    const bool replay =
            mode == ResolveMode::Replay && !m_running && m_lastWalk && roots == m_lastRoots;
    auto job = std::make_unique<Job>();
    job->generation = ++m_generation;
    job->trigger = trigger;
    job->triggerPath = triggerPath;
    job->explicitRequest = trigger != Trigger::Watcher && trigger != Trigger::Rescan;
    if (m_running) {
        // Overtaken: stop it early; its waiters get this newer resolve instead, and an
        // explicit request stays explicit (and named) when the watcher overtakes it.
        m_running->cancelled = true;
        job->tickets = std::exchange(m_running->tickets, {});
        if (m_running->explicitRequest && !job->explicitRequest) {
            job->trigger = m_running->trigger;
            job->triggerPath = m_running->triggerPath;
            job->explicitRequest = true;
        }
        m_superseded.push_back(std::move(m_running));
    }
    Job *raw = job.get();
    connect(&raw->watcher, &QFutureWatcherBase::finished, this, [this, raw] { onResolved(raw); });
    const ContextResolver resolver = m_resolver;
    const int maxDepth = m_options.resolver.maxDepth;
    const bool watch = m_watcher != nullptr;
    const std::shared_ptr<const ContextWalk> lastWalk = replay ? m_lastWalk : nullptr;
    const QStringList lastDirectories = replay ? m_lastDirectories : QStringList();
    // A replay re-reads only the files that changed; the others come from the cache.
    const ContextReadCache cache = replay ? m_readCache : ContextReadCache();
    const QSet<QString> changed(changedFiles.cbegin(), changedFiles.cend());
    const ContextWatcher::WatchSet lastWatchSet = m_lastWatchSet;
    raw->watcher.setFuture(QtConcurrent::run([resolver, roots, raw, maxDepth, watch, lastWalk,
                                              lastDirectories, cache, changed, lastWatchSet] {
        ResolveResult result;
        result.roots = roots;
        if (lastWalk) {
            result.cache = cache;
            result.snapshot = resolver.replay(*lastWalk, &raw->cancelled, &result.rejected,
                                              &result.cache, changed);
            result.walk = lastWalk;
            result.directories = lastDirectories;
            result.replayed = true;
        } else {
            auto walk = std::make_shared<ContextWalk>();
            result.snapshot =
                    resolver.resolve(roots, &raw->cancelled, watch ? &result.directories : nullptr,
                                     walk.get(), &result.rejected, &result.cache);
            result.walk = std::move(walk);
        }
        if (watch && !raw->cancelled && lastWalk && !lastWatchSet.directories.isEmpty()) {
            // A replay walked no folder: the folders to watch are the last ones.
            result.watchSet.directories = lastWatchSet.directories;
            // A stat per file was half a replay's time on a deep tree: only the changed
            // files (and any the last set did not hold) are looked at again.
            QSet<QString> knownRegular(lastWatchSet.files.cbegin(), lastWatchSet.files.cend());
            for (const QString &path : changed) {
                knownRegular.remove(path);
            }
            result.watchSet.files = ContextWatcher::filesFor(result.snapshot, knownRegular);
            result.watchSetChanged = result.watchSet.files != lastWatchSet.files;
        } else if (watch && !raw->cancelled) {
            result.watchSet = ContextWatcher::watchSetFor(roots, result.directories,
                                                          result.snapshot, maxDepth);
            // Compared here, off the GUI thread: an edit in place changes no watch.
            result.watchSetChanged = result.watchSet.directories != lastWatchSet.directories ||
                    result.watchSet.files != lastWatchSet.files;
        }
        return result;
    }));
    const bool wasResolving = isResolving();
    m_running = std::move(job);
    if (!wasResolving) {
        Q_EMIT resolvingChanged(true);
    }
}

void ContextManager::onResolved(Job *job)
{
    if (job != m_running.get()) {
        std::erase_if(m_superseded, [job](const auto &j) { return j.get() == job; });
        return;
    }
    std::unique_ptr<Job> finished = std::move(m_running);
    Q_EMIT resolvingChanged(false);
    if (finished->cancelled || m_closed) {
        return; // a cancelled resolve publishes nothing
    }
    ResolveResult result = finished->watcher.result();
    QHash<QString, QString> rejected;
    for (const RejectedSource &r : std::as_const(result.rejected)) {
        rejected.insert(r.source, r.reason);
    }
    if (rejected != m_rejected) {
        m_rejected = rejected;
        Q_EMIT sourcesChanged(m_sources); // their status changed
    }
    m_lastWalk = result.walk;
    m_readCache = std::move(result.cache);
    m_lastRoots = result.roots;
    m_lastDirectories = result.directories;
    ContextSnapshot next = std::move(result.snapshot);
    // Watch first: the watches that go with this snapshot decide whether it is degraded.
    // (A watch the kernel dropped, a file replaced by rename, shows as a count that is off.)
    if (m_watcher &&
        (result.watchSetChanged ||
         m_watcher->watchCount() !=
                 result.watchSet.directories.size() + result.watchSet.files.size())) {
        m_watcher->sync(result.watchSet);
        m_lastWatchSet = result.watchSet;
    }
    if (next.snapshotError.isEmpty() && m_watcher && !m_watcher->degradation().isEmpty()) {
        next.snapshotError = m_watcher->degradation();
    }
    // A watcher event that changed nothing we report (a file created in a watched parent of
    // a missing root, a write to an unrelated file) is not a version.
    if (!finished->explicitRequest && m_snapshot.version > 0) {
        next.version = m_snapshot.version;
        if (next == m_snapshot) {
            qCDebug(lcContext) << "Resolve after" << triggerName(finished->trigger)
                               << finished->triggerPath << "changed nothing; not published";
            return;
        }
    }
    next.version = ++m_version;
    recordTimeline(m_snapshot, next, *finished);
    m_snapshot = next;
    qCDebug(lcContext) << "Published version" << next.version << "with" << next.resources.size()
                       << "resources";
    Q_EMIT snapshotChanged(m_snapshot);
    for (quint64 ticket : std::as_const(finished->tickets)) {
        Q_EMIT resyncFinished(ticket, m_snapshot);
    }
}

void ContextManager::recordTimeline(const ContextSnapshot &previous, const ContextSnapshot &next,
                                    const Job &job)
{
    ContextTimelineEntry entry;
    entry.version = next.version;
    entry.trigger = triggerName(job.trigger);
    entry.triggerPath = job.triggerPath;
    entry.publishedAtMSecs = m_clock->nowMSecs();
    entry.aggregateHash = next.aggregateHash;
    QHash<QString, const ContextResource *> before;
    for (const ContextResource &r : previous.resources) {
        before.insert(r.id, &r);
    }
    for (const ContextResource &r : next.resources) {
        const ContextResource *old = before.take(r.id);
        if (!old) {
            entry.added.append(r.id);
        } else if (old->contentHash != r.contentHash || old->status != r.status) {
            entry.changed.append(r.id);
        }
    }
    entry.removed = before.keys();
    entry.removed.sort();
    m_timeline.append(entry);
    if (m_timeline.size() > TimelineLength) {
        m_timeline.removeFirst();
    }
}
