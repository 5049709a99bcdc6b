#pragma once

#include "context/contextsnapshot.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QSet>
#include <QString>
#include <QStringList>

#include <atomic>
#include <functional>

// A place the resolver looks for context: a directory (walked) or a single file.
struct ScanRoot
{
    ScanRoot() = default;
    ScanRoot(QString path, QString userSource, QStringList allowedRoots = {})
        : path(std::move(path))
        , userSource(std::move(userSource))
        , allowedRoots(std::move(allowedRoots))
    { }

    QString path; // absolute
    QString userSource; // the user source it came from; empty for built-ins and the working dir
    // A source a client added at run time: its real path (symlinks resolved, at every
    // resolve) must lie inside one of these, or nothing under it is read. Empty: trusted.
    QStringList allowedRoots;

    friend bool operator==(const ScanRoot &, const ScanRoot &) = default;
};

// What a resolve found on disk: every context file the walk classified, in walk order, with
// the root it came from. ContextResolver::replay() re-reads exactly these files without
// walking again: while no directory changed, that gives the same snapshot as a full resolve.
struct ContextWalk
{
    struct Root
    {
        QString userSource;
        QString containmentRoot; // symlinked files must resolve inside it
        QString path; // the scan root, re-validated on replay when it has allowed roots
        QStringList allowedRoots;
    };
    struct Found
    {
        int root = 0; // index into roots
        int candidate = 0; // what the file's name makes it
        QByteArray path;
        bool isSymlink = false;
    };
    QList<Root> roots;
    QList<Found> found;
    QString walkError; // the first error of the walk itself (a folder that could not be opened)
};

// What each file of a walk read as, by its index in ContextWalk::found, so that a replay need
// re-read only the files that changed. Resources before dedup and caps (those are redone).
struct ContextReadCache
{
    struct Entry
    {
        ContextResource resource;
        int containerRank = 0;
    };
    QHash<qsizetype, Entry> entries;
};

// A runtime source that resolved outside the allowed roots, and why: nothing under it was read.
struct RejectedSource
{
    QString source;
    QString reason;
    friend bool operator==(const RejectedSource &, const RejectedSource &) = default;
};

// Turns scan roots into a ContextSnapshot: walks each root (Coder's agentcontext Rev A walk),
// reads what it finds with Rev B's safety rules (symlink containment, size caps, front-matter
// and MCP shape checks) and hashes the result. Pure: safe to run on any thread, concurrently.
class ContextResolver
{
public:
    // Upstream defaults (agentcontext constants).
    static constexpr int DefaultMaxScanDepth = 8; // DefaultMaxScanDepth, Rev A
    static constexpr qint64 DefaultMaxResourceBytes = 64 * 1024; // DefaultMaxResourceBytes
    static constexpr qint64 DefaultMaxSnapshotBytes = 2 * 1024 * 1024; // DefaultMaxSnapshotBytes
    static constexpr int DefaultMaxResources = 500; // DefaultMaxResources

    // Reads at most `limit` bytes of the regular file `path` into `bytes` and its size on disk
    // into `size`. Returns false with an OS error text a person understands when the file
    // cannot be opened or read. Called from the resolving thread, so it must be thread-safe.
    using FileReader = std::function<bool(const QString &path, qint64 limit, QByteArray *bytes,
                                          qint64 *size, QString *error)>;

    // Limits; zero or negative values mean the default.
    struct Options
    {
        // Directories are listed down to this many levels below a root (the root is level 0),
        // so a file is found when its directory is at most maxDepth levels deep.
        int maxDepth = DefaultMaxScanDepth;
        qint64 maxResourceBytes = DefaultMaxResourceBytes; // larger files are Oversize
        qint64 maxSnapshotBytes = DefaultMaxSnapshotBytes; // payload total; the rest Excluded
        int maxResources = DefaultMaxResources; // resources beyond are Excluded
        FileReader readFile; // empty: readFile() below
    };

    ContextResolver();
    explicit ContextResolver(Options options);

    const Options &options() const { return m_options; }

    // Scans `roots` in order (the first root wins duplicates and skill names) and returns the
    // snapshot, version 0. Missing roots are skipped silently. When `cancelled` turns true the
    // walk stops and the result holds only snapshotError "canceled". `walkedDirectories`, if
    // given, receives every directory that was listed (what a watcher should watch).
    // Symlinked folders are never descended; a symlinked context file is read only when its
    // target stays inside its scan root. The walk holds at most maxDepth + 1 folders open.
    // `walk`, if given, receives what was found, for replay().
    // Runtime sources are re-validated first; `rejected`, if given, receives those refused.
    ContextSnapshot resolve(const QList<ScanRoot> &roots,
                            const std::atomic_bool *cancelled = nullptr,
                            QStringList *walkedDirectories = nullptr, ContextWalk *walk = nullptr,
                            QList<RejectedSource> *rejected = nullptr,
                            ContextReadCache *cache = nullptr) const;

    // Re-reads the files of an earlier walk and builds the snapshot as resolve() would, without
    // listing a single folder: for when files changed but no directory did.
    // With `cache` (filled by the resolve of `walk`, and kept up to date here) only the files
    // named in `changedFiles` (their walked or resolved paths) are read again; without it, or
    // with no changed files named, every file is.
    ContextSnapshot replay(const ContextWalk &walk, const std::atomic_bool *cancelled = nullptr,
                           QList<RejectedSource> *rejected = nullptr,
                           ContextReadCache *cache = nullptr,
                           const QSet<QString> &changedFiles = {}) const;

    // Whether the runtime source `root` may be read now: its real path inside its allowed
    // roots. False with the reason (also the snapshot error) otherwise. Trusted roots pass.
    static bool sourceIsAllowed(const ScanRoot &root, QString *reason);

    // ~/.coder, ~/.coder/skills and ~/.claude/plugins/cache (upstream defaultBuiltinRoots).
    static QList<ScanRoot> defaultBuiltinRoots(const QString &home);
    // Directory names never descended into (upstream skipDirNames, Rev A).
    static QStringList skipDirectoryNames();

    // The default FileReader: POSIX open/fstat/read, never blocking on a FIFO.
    static bool readFile(const QString &path, qint64 limit, QByteArray *bytes, qint64 *size,
                         QString *error);

    // Why `content` is not a valid .mcp.json ({"mcpServers": {name: {...}}}, mcpServers absent
    // or null allowed); empty when it is. Pure: the resolver's check, for tests and fuzzing.
    static QString mcpConfigError(const QByteArray &content);

private:
    Options m_options;
};
