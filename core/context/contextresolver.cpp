#include "context/contextresolver.h"

#include "context/contextpaths.h"
#include "context/sha256.h"
#include "context/skillfrontmatter.h"
#include "http/jsonresponse.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcContext, "companion.context")

using JsonResponse::goQuoted;

// Error and status texts are wire data: they match upstream's and go to coderd as they are, so
// they are not translated here (a UI translates what it shows).

namespace {

constexpr const char *SkipDirectoryNames[] = {
        ".git",   ".hg",  ".svn",  "node_modules", "vendor",
        "target", "dist", "build", ".venv",        "__pycache__",
};

// What a file's name makes it. SKILL.md counts only inside <container>/<name>/ where the
// container is a folder named "skills".
enum class Candidate { None, Instruction, McpConfig, SkillFile };

// Names are compared exactly (case-sensitive), before any system call is made for the entry.
Candidate candidateFor(const char *name)
{
    switch (name[0]) {
    case 'A':
        return std::strcmp(name, "AGENTS.md") == 0 ? Candidate::Instruction : Candidate::None;
    case 'C':
        return std::strcmp(name, "CLAUDE.md") == 0 ? Candidate::Instruction : Candidate::None;
    case 'S':
        return std::strcmp(name, "SKILL.md") == 0 ? Candidate::SkillFile : Candidate::None;
    case '.':
        if (std::strcmp(name, ".cursorrules") == 0) {
            return Candidate::Instruction;
        }
        return std::strcmp(name, ".mcp.json") == 0 ? Candidate::McpConfig : Candidate::None;
    default:
        return Candidate::None;
    }
}

bool isSkippedDirectory(const char *name)
{
    return std::any_of(std::begin(SkipDirectoryNames), std::end(SkipDirectoryNames),
                       [name](const char *skipped) { return std::strcmp(name, skipped) == 0; });
}

QByteArrayView baseName(QByteArrayView path)
{
    return path.sliced(path.lastIndexOf('/') + 1);
}

QByteArrayView parentPath(QByteArrayView path)
{
    const qsizetype slash = path.lastIndexOf('/');
    return slash <= 0 ? QByteArrayView("/") : path.first(slash);
}

QString osError(const char *operation, const QString &path, int error)
{
    return QStringLiteral("%1 %2: %3")
            .arg(QLatin1StringView(operation), path, qt_error_string(error));
}

// A real path (symlinks resolved), or an empty string with the reason in `error`.
QString realPath(const QString &path, int *error = nullptr)
{
    std::unique_ptr<char, decltype(&std::free)> resolved(
            ::realpath(QFile::encodeName(path).constData(), nullptr), &std::free);
    if (!resolved) {
        if (error) {
            *error = errno;
        }
        return QString();
    }
    return QFile::decodeName(resolved.get());
}

// upstream workspacesdk.SkillNameRegex: ^[a-z0-9]+(-[a-z0-9]+)*$
bool isKebabCase(const QString &name)
{
    if (name.isEmpty() || name.startsWith(QLatin1Char('-')) || name.endsWith(QLatin1Char('-')) ||
        name.contains(QLatin1StringView("--"))) {
        return false;
    }
    return std::all_of(name.cbegin(), name.cend(), [](QChar c) {
        return (c >= QLatin1Char('a') && c <= QLatin1Char('z')) ||
                (c >= QLatin1Char('0') && c <= QLatin1Char('9')) || c == QLatin1Char('-');
    });
}

// An instruction file's description: its first non-empty line without leading '#' marks.
QString firstLine(const QByteArray &content)
{
    qsizetype start = 0;
    while (start < content.size()) {
        qsizetype end = content.indexOf('\n', start);
        if (end < 0) {
            end = content.size();
        }
        const QByteArrayView line = QByteArrayView(content).sliced(start, end - start).trimmed();
        start = end + 1;
        if (line.isEmpty()) {
            continue;
        }
        qsizetype hashes = 0;
        while (hashes < line.size() && line.at(hashes) == '#') {
            ++hashes;
        }
        return QString::fromUtf8(line.sliced(hashes).trimmed());
    }
    return QString();
}

// The .mcp.json shape upstream accepts: {"mcpServers": {"<name>": {...}, ...}}, where
// mcpServers may be absent or null. Returns an empty string when valid.
QString mcpShapeError(const QByteArray &content)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(content, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        return QStringLiteral("invalid JSON at offset %1: %2")
                .arg(parseError.offset)
                .arg(parseError.errorString());
    }
    if (!document.isObject()) {
        return QStringLiteral("invalid MCP config: the top level must be a JSON object");
    }
    const QJsonValue servers = document.object().value(QLatin1StringView("mcpServers"));
    if (servers.isUndefined() || servers.isNull()) {
        return QString();
    }
    if (!servers.isObject()) {
        return QStringLiteral("invalid MCP config: \"mcpServers\" must be a JSON object");
    }
    const QJsonObject serverObject = servers.toObject();
    for (auto it = serverObject.constBegin(); it != serverObject.constEnd(); ++it) {
        if (!it.value().isObject()) {
            return QStringLiteral("server %1 must be a JSON object").arg(goQuoted(it.key()));
        }
    }
    return QString();
}

ContextResource resourceFor(ResourceKind kind, const QString &source, const QString &userSource)
{
    ContextResource resource;
    resource.kind = kind;
    resource.source = source;
    resource.id = resourceKindName(kind) + QLatin1Char(':') + source;
    resource.sourcePath = userSource;
    return resource;
}

// One resolve: the state of a walk over all roots, used by one thread only.
class Discovery
{
public:
    Discovery(const ContextResolver::Options &options, const std::atomic_bool *cancelled,
              QStringList *walkedDirectories, ContextWalk *walk = nullptr)
        : m_options(options)
        , m_read(options.readFile ? options.readFile : &ContextResolver::readFile)
        , m_cancelled(cancelled)
        , m_walkedDirectories(walkedDirectories)
        , m_walk(walk)
    { }

    bool isCancelled() const { return m_cancelled && m_cancelled->load(); }
    QString snapshotError() const { return m_snapshotError; }

    void discoverIn(const ScanRoot &root, int rootIndex);
    // Reads the files an earlier walk found, in the same order and with the same roots.
    void replay(const ContextWalk &walk);
    // The resources in walk order, duplicates and shadowed skills removed.
    QList<ContextResource> takeResources();

private:
    // Where a symlinked file really is, or why it may not be read.
    struct ReadTarget
    {
        QString path;
        ResourceStatus status = ResourceStatus::Ok;
        QString error;
    };

    struct Entry
    {
        ContextResource resource;
        int rootIndex = 0;
        bool removed = false;
    };

    void walk(const QByteArray &rootPath, const QString &rootName);
    void walkDirectory(int fd, QByteArray &path, int depth);
    void directoryError(const QByteArray &path, int error);
    void classify(Candidate candidate, const QByteArray &path, bool isSymlink);
    ReadTarget readTarget(const QString &path, bool isSymlink) const;
    // Reads `path` into `resource` (hash, size, status); returns the bytes when within the cap.
    std::optional<QByteArray> read(const QString &path, ContextResource &resource) const;
    void readInstruction(const QString &path, bool isSymlink);
    void readMcpConfig(const QString &path, bool isSymlink);
    void readSkill(const QString &directory, const QString &path, bool isSymlink);
    void append(ContextResource resource);
    void setSnapshotError(const QString &error);
    void recordRoot();

    const ContextResolver::Options &m_options;
    ContextResolver::FileReader m_read;
    const std::atomic_bool *m_cancelled;
    QStringList *m_walkedDirectories;
    ContextWalk *m_walk;

    QList<Entry> m_entries;
    QHash<QString, qsizetype> m_indexById;
    QString m_snapshotError;

    // The root being scanned.
    int m_rootIndex = 0;
    QString m_rootName;
    QString m_userSource;
    QString m_containmentRoot; // symlinked files must resolve inside it
};

void Discovery::discoverIn(const ScanRoot &root, int rootIndex)
{
    const QString path = QDir::cleanPath(root.path);
    if (!QDir::isAbsolutePath(path)) {
        qCDebug(lcContext) << "Skipping scan root that is not absolute:" << root.path;
        return;
    }
    const QByteArray encoded = QFile::encodeName(path);
    struct stat info;
    if (::stat(encoded.constData(), &info) != 0) {
        return; // a missing root is silently nothing
    }
    m_rootIndex = rootIndex;
    m_userSource = root.userSource;
    if (S_ISDIR(info.st_mode)) {
        const QString real = realPath(path);
        m_containmentRoot = real.isEmpty() ? path : real;
        recordRoot();
        walk(encoded, path);
        return;
    }
    if (!S_ISREG(info.st_mode)) {
        return;
    }
    // A single file: classified by its name; a symlink must stay inside the file's folder.
    const QString parent = QFile::decodeName(parentPath(encoded).toByteArray());
    const QString realParent = realPath(parent);
    m_containmentRoot = realParent.isEmpty() ? parent : realParent;
    recordRoot();
    struct stat linkInfo;
    const bool isSymlink =
            ::lstat(encoded.constData(), &linkInfo) == 0 && S_ISLNK(linkInfo.st_mode);
    const QByteArray name = baseName(encoded).toByteArray();
    classify(candidateFor(name.constData()), encoded, isSymlink);
}

void Discovery::walk(const QByteArray &rootPath, const QString &rootName)
{
    m_rootName = rootName;
    const int fd = ::open(rootPath.constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        directoryError(rootPath, errno);
        return;
    }
    QByteArray path = rootPath;
    if (path.size() > 1 && path.endsWith('/')) {
        path.chop(1);
    }
    walkDirectory(fd, path, 0);
}

// Depth first, each folder opened relative to its parent (no path lookups from the root), and
// one listing per folder: entry types come from readdir, so only a context file's name leads
// to a system call. At most maxDepth + 1 folders are open at a time.
void Discovery::walkDirectory(int fd, QByteArray &path, int depth)
{
    DIR *dir = isCancelled() ? nullptr : ::fdopendir(fd);
    if (!dir) {
        ::close(fd);
        return;
    }
    if (m_walkedDirectories) {
        m_walkedDirectories->append(QFile::decodeName(path));
    }
    const bool descend = depth < m_options.maxDepth;
    const qsizetype length = path.size();
    const bool atFileSystemRoot = path == "/";
    while (const dirent *entry = ::readdir(dir)) {
        const char *name = entry->d_name;
        if (name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'))) {
            continue;
        }
        const Candidate candidate = candidateFor(name);
        unsigned char type = entry->d_type;
        if (type == DT_UNKNOWN && (descend || candidate != Candidate::None)) {
            // Some file systems do not report types in the listing.
            struct stat info;
            if (::fstatat(::dirfd(dir), name, &info, AT_SYMLINK_NOFOLLOW) != 0) {
                continue;
            }
            type = S_ISDIR(info.st_mode)    ? DT_DIR
                    : S_ISLNK(info.st_mode) ? DT_LNK
                    : S_ISREG(info.st_mode) ? DT_REG
                                            : DT_UNKNOWN;
        }
        const bool isDirectory = type == DT_DIR && descend && !isSkippedDirectory(name);
        const bool isCandidate = candidate != Candidate::None && (type == DT_REG || type == DT_LNK);
        if (!isDirectory && !isCandidate) {
            continue;
        }
        if (!atFileSystemRoot) {
            path += '/';
        }
        path += name;
        if (isDirectory) {
            // O_NOFOLLOW: a symlinked folder is never descended (no loops, no escapes), even
            // when it replaced a real one since the listing.
            const int child =
                    ::openat(::dirfd(dir), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (child < 0) {
                directoryError(path, errno);
            } else {
                walkDirectory(child, path, depth + 1);
            }
        } else {
            classify(candidate, path, type == DT_LNK);
        }
        path.truncate(length);
        if (isCancelled()) {
            break;
        }
    }
    ::closedir(dir);
}

void Discovery::directoryError(const QByteArray &path, int error)
{
    if (error == EACCES || error == EPERM) {
        qCDebug(lcContext) << "Skipping unreadable directory" << path;
    } else if (error != ENOENT && error != ENOTDIR && error != ELOOP) {
        // Gone or replaced since it was listed is a race, not an error; anything else is.
        const QString message =
                QStringLiteral("walk %1: %2")
                        .arg(goQuoted(m_rootName), osError("open", QFile::decodeName(path), error));
        if (m_walk && m_walk->walkError.isEmpty()) {
            m_walk->walkError = message;
        }
        setSnapshotError(message);
    }
}

void Discovery::classify(Candidate candidate, const QByteArray &path, bool isSymlink)
{
    if (m_walk && candidate != Candidate::None) {
        m_walk->found.append(ContextWalk::Found {int(m_walk->roots.size()) - 1, int(candidate),
                                                 path, isSymlink});
    }
    switch (candidate) {
    case Candidate::Instruction:
        readInstruction(QFile::decodeName(path), isSymlink);
        break;
    case Candidate::McpConfig:
        readMcpConfig(QFile::decodeName(path), isSymlink);
        break;
    case Candidate::SkillFile: {
        const QByteArrayView directory = parentPath(path);
        if (baseName(parentPath(directory)) == QByteArrayView("skills")) {
            readSkill(QFile::decodeName(directory.toByteArray()), QFile::decodeName(path),
                      isSymlink);
        }
        break;
    }
    case Candidate::None:
        break;
    }
}

Discovery::ReadTarget Discovery::readTarget(const QString &path, bool isSymlink) const
{
    if (!isSymlink) {
        return ReadTarget {path, ResourceStatus::Ok, QString()};
    }
    int error = 0;
    const QString target = realPath(path, &error);
    if (target.isEmpty()) {
        return ReadTarget {
                path, ResourceStatus::Unreadable,
                QStringLiteral("symlink resolve: %1: %2").arg(path, qt_error_string(error))};
    }
    if (!ContextPaths::pathHasPrefix(target, m_containmentRoot)) {
        return ReadTarget {path, ResourceStatus::Invalid,
                           QStringLiteral("symlink target %1 escapes scan root %2")
                                   .arg(goQuoted(target), goQuoted(m_containmentRoot))};
    }
    struct stat info;
    if (::stat(QFile::encodeName(target).constData(), &info) != 0) {
        return ReadTarget {path, ResourceStatus::Unreadable, osError("stat", target, errno)};
    }
    if (!S_ISREG(info.st_mode)) {
        return ReadTarget {
                path, ResourceStatus::Invalid,
                QStringLiteral("symlink target %1 is not a regular file").arg(goQuoted(target))};
    }
    return ReadTarget {target, ResourceStatus::Ok, QString()};
}

std::optional<QByteArray> Discovery::read(const QString &path, ContextResource &resource) const
{
    const qint64 cap = m_options.maxResourceBytes;
    QByteArray bytes;
    qint64 size = 0;
    QString error;
    // One byte over the cap tells a file that grew past it since its size was taken.
    if (!m_read(path, cap + 1, &bytes, &size, &error)) {
        resource.status = ResourceStatus::Unreadable;
        resource.error = error;
        return std::nullopt;
    }
    const qint64 realSize = std::max<qint64>(std::max<qint64>(size, 0), bytes.size());
    if (realSize > cap) {
        // The prefix's hash still tells an edit within it.
        resource.contentHash =
                Sha256::hash(QByteArrayView(bytes).first(std::min<qint64>(bytes.size(), cap)));
        resource.sizeBytes = quint64(realSize);
        resource.status = ResourceStatus::Oversize;
        resource.error = QStringLiteral("file size %1 exceeds per-resource cap of %2 bytes")
                                 .arg(realSize)
                                 .arg(cap);
        return std::nullopt;
    }
    resource.contentHash = Sha256::hash(bytes);
    resource.sizeBytes = quint64(bytes.size());
    return bytes;
}

void Discovery::readInstruction(const QString &path, bool isSymlink)
{
    // The resolved target names the resource, so CLAUDE.md -> AGENTS.md is one resource.
    const ReadTarget target = readTarget(path, isSymlink);
    ContextResource resource =
            resourceFor(ResourceKind::InstructionFile, target.path, m_userSource);
    if (target.status != ResourceStatus::Ok) {
        resource.status = target.status;
        resource.error = target.error;
    } else if (std::optional<QByteArray> bytes = read(target.path, resource)) {
        resource.description = firstLine(*bytes);
        resource.payload = std::move(*bytes);
    }
    append(std::move(resource));
}

void Discovery::readMcpConfig(const QString &path, bool isSymlink)
{
    // Named by the walked path; its bytes may hold secrets, so they never leave the agent.
    ContextResource resource = resourceFor(ResourceKind::McpConfig, path, m_userSource);
    const ReadTarget target = readTarget(path, isSymlink);
    if (target.status != ResourceStatus::Ok) {
        resource.status = target.status;
        resource.error = target.error;
    } else if (const std::optional<QByteArray> bytes = read(target.path, resource)) {
        const QString shapeError = mcpShapeError(*bytes);
        if (!shapeError.isEmpty()) {
            resource.status = ResourceStatus::Invalid;
            resource.error = shapeError;
        }
    }
    append(std::move(resource));
}

void Discovery::readSkill(const QString &directory, const QString &path, bool isSymlink)
{
    ContextResource resource = resourceFor(ResourceKind::Skill, directory, m_userSource);
    const ReadTarget target = readTarget(path, isSymlink);
    if (target.status != ResourceStatus::Ok) {
        resource.status = target.status;
        resource.error = target.error;
        append(std::move(resource));
        return;
    }
    std::optional<QByteArray> bytes = read(target.path, resource);
    if (!bytes) {
        append(std::move(resource));
        return;
    }
    QString error;
    const std::optional<SkillFrontMatter> frontMatter = SkillFrontMatter::parse(*bytes, &error);
    const QString folder = QFileInfo(directory).fileName();
    if (!frontMatter) {
        resource.status = ResourceStatus::Invalid;
        resource.error = error;
    } else if (frontMatter->name != folder) {
        resource.status = ResourceStatus::Invalid;
        resource.error = QStringLiteral("front-matter name %1 does not match directory %2")
                                 .arg(goQuoted(frontMatter->name), goQuoted(folder));
    } else if (!isKebabCase(frontMatter->name)) {
        resource.status = ResourceStatus::Invalid;
        resource.error =
                QStringLiteral("skill name %1 is not kebab-case").arg(goQuoted(frontMatter->name));
    } else {
        resource.name = frontMatter->name;
        resource.description = frontMatter->description;
        resource.payload = std::move(*bytes);
    }
    append(std::move(resource));
}

void Discovery::recordRoot()
{
    if (m_walk) {
        m_walk->roots.append(ContextWalk::Root {m_userSource, m_containmentRoot});
    }
}

void Discovery::replay(const ContextWalk &walk)
{
    if (!walk.walkError.isEmpty()) {
        setSnapshotError(walk.walkError);
    }
    for (const ContextWalk::Found &found : walk.found) {
        if (isCancelled()) {
            return;
        }
        const ContextWalk::Root &root = walk.roots.at(found.root);
        // Dedup and skill-name ties compare root order, which the recorded order keeps.
        m_rootIndex = found.root;
        m_userSource = root.userSource;
        m_containmentRoot = root.containmentRoot;
        classify(Candidate(found.candidate), found.path, found.isSymlink);
    }
}

void Discovery::append(ContextResource resource)
{
    // The first occurrence of an id wins, except that a valid one replaces an earlier invalid
    // one (a path that is Invalid under a narrow root may be fine under a broader one).
    const auto existing = m_indexById.constFind(resource.id);
    if (existing != m_indexById.constEnd()) {
        Entry &previous = m_entries[*existing];
        if (previous.resource.status == ResourceStatus::Ok ||
            resource.status != ResourceStatus::Ok) {
            return;
        }
        previous.removed = true;
    }
    m_indexById.insert(resource.id, m_entries.size());
    m_entries.append(Entry {std::move(resource), m_rootIndex, false});
}

void Discovery::setSnapshotError(const QString &error)
{
    qCWarning(lcContext).noquote() << error;
    if (m_snapshotError.isEmpty()) {
        m_snapshotError = error;
    }
}

QList<ContextResource> Discovery::takeResources()
{
    // One valid skill per name: the earliest root wins. Within a root the listing order is
    // arbitrary, so the smaller path decides and the result does not depend on it.
    QHash<QString, qsizetype> skillByName;
    for (qsizetype i = 0; i < m_entries.size(); ++i) {
        Entry &entry = m_entries[i];
        if (entry.removed || entry.resource.kind != ResourceKind::Skill ||
            entry.resource.status != ResourceStatus::Ok) {
            continue;
        }
        const auto winner = skillByName.find(entry.resource.name);
        if (winner == skillByName.end()) {
            skillByName.insert(entry.resource.name, i);
            continue;
        }
        Entry &other = m_entries[*winner];
        const bool entryFirst = entry.rootIndex != other.rootIndex
                ? entry.rootIndex < other.rootIndex
                : entry.resource.source.toUtf8() < other.resource.source.toUtf8();
        if (entryFirst) {
            other.removed = true;
            *winner = i;
        } else {
            entry.removed = true;
        }
    }
    QList<ContextResource> resources;
    resources.reserve(m_entries.size());
    for (Entry &entry : m_entries) {
        if (!entry.removed) {
            resources.append(std::move(entry.resource));
        }
    }
    m_entries.clear();
    m_indexById.clear();
    return resources;
}

// Caps, in a stable (kind, source) order: past the count cap everything is Excluded; within
// it, valid resources that would push the payload total over the byte cap are Excluded.
void applyCaps(QList<ContextResource> &resources, const ContextResolver::Options &options)
{
    std::stable_sort(resources.begin(), resources.end(),
                     [](const ContextResource &a, const ContextResource &b) {
                         if (a.kind != b.kind) {
                             return a.kind < b.kind;
                         }
                         return a.source.toUtf8() < b.source.toUtf8();
                     });
    qint64 total = 0;
    for (qsizetype i = 0; i < resources.size(); ++i) {
        ContextResource &resource = resources[i];
        if (i >= options.maxResources) {
            resource.status = ResourceStatus::Excluded;
            resource.error = QStringLiteral("dropped to fit %1-resource snapshot count cap")
                                     .arg(options.maxResources);
            resource.payload.clear();
        } else if (resource.status != ResourceStatus::Ok) {
            continue;
        } else if (total + resource.payload.size() > options.maxSnapshotBytes) {
            resource.status = ResourceStatus::Excluded;
            resource.error = QStringLiteral("dropped to fit %1-byte aggregate cap")
                                     .arg(options.maxSnapshotBytes);
            resource.payload.clear();
        } else {
            total += resource.payload.size();
        }
    }
}

ContextResolver::Options normalized(ContextResolver::Options options)
{
    if (options.maxDepth <= 0) {
        options.maxDepth = ContextResolver::DefaultMaxScanDepth;
    }
    if (options.maxResourceBytes <= 0) {
        options.maxResourceBytes = ContextResolver::DefaultMaxResourceBytes;
    }
    if (options.maxSnapshotBytes <= 0) {
        options.maxSnapshotBytes = ContextResolver::DefaultMaxSnapshotBytes;
    }
    if (options.maxResources <= 0) {
        options.maxResources = ContextResolver::DefaultMaxResources;
    }
    return options;
}

// Dedup, caps, order, totals and the hash: what every resolve and replay ends with.
ContextSnapshot finish(Discovery &discovery, const ContextResolver::Options &options)
{
    ContextSnapshot snapshot;
    snapshot.resources = discovery.takeResources();
    applyCaps(snapshot.resources, options);
    ContextSnapshot::sortById(snapshot.resources);
    for (const ContextResource &resource : std::as_const(snapshot.resources)) {
        snapshot.payloadBytes += quint64(resource.payload.size());
    }
    // Rev A: every resource counts, MCP configs included.
    snapshot.aggregateHash = ContextSnapshot::computeAggregateHash(snapshot.resources);
    snapshot.snapshotError = discovery.snapshotError();
    return snapshot;
}

ContextSnapshot cancelledSnapshot()
{
    ContextSnapshot snapshot;
    snapshot.snapshotError = QStringLiteral("canceled");
    return snapshot;
}

} // namespace

ContextResolver::ContextResolver()
    : ContextResolver(Options())
{ }

ContextResolver::ContextResolver(Options options)
    : m_options(normalized(std::move(options)))
{ }

ContextSnapshot ContextResolver::resolve(const QList<ScanRoot> &roots,
                                         const std::atomic_bool *cancelled,
                                         QStringList *walkedDirectories, ContextWalk *walk) const
{
    Discovery discovery(m_options, cancelled, walkedDirectories, walk);
    QStringList seen;
    for (qsizetype i = 0; i < roots.size(); ++i) {
        if (discovery.isCancelled()) {
            return cancelledSnapshot();
        }
        const QString path = roots.at(i).path.trimmed();
        if (path.isEmpty() || seen.contains(QDir::cleanPath(path))) {
            continue;
        }
        seen.append(QDir::cleanPath(path));
        discovery.discoverIn(roots.at(i), int(i));
    }
    if (discovery.isCancelled()) {
        return cancelledSnapshot();
    }

    return finish(discovery, m_options);
}

ContextSnapshot ContextResolver::replay(const ContextWalk &walk,
                                        const std::atomic_bool *cancelled) const
{
    Discovery discovery(m_options, cancelled, nullptr);
    discovery.replay(walk);
    if (discovery.isCancelled()) {
        return cancelledSnapshot();
    }
    return finish(discovery, m_options);
}

QList<ScanRoot> ContextResolver::defaultBuiltinRoots(const QString &home)
{
    const QString base = QDir::cleanPath(home);
    return {
            ScanRoot {base + QLatin1StringView("/.coder"), QString()},
            ScanRoot {base + QLatin1StringView("/.coder/skills"), QString()},
            ScanRoot {base + QLatin1StringView("/.claude/plugins/cache"), QString()},
    };
}

QStringList ContextResolver::skipDirectoryNames()
{
    QStringList names;
    for (const char *name : SkipDirectoryNames) {
        names.append(QLatin1StringView(name));
    }
    return names;
}

QString ContextResolver::mcpConfigError(const QByteArray &content)
{
    return mcpShapeError(content);
}

bool ContextResolver::readFile(const QString &path, qint64 limit, QByteArray *bytes, qint64 *size,
                               QString *error)
{
    // O_NONBLOCK: a FIFO given a context file's name must not hang the resolve.
    const int fd = ::open(QFile::encodeName(path).constData(),
                          O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        *error = osError("open", path, errno);
        return false;
    }
    struct stat info;
    if (::fstat(fd, &info) != 0) {
        *error = osError("stat", path, errno);
        ::close(fd);
        return false;
    }
    if (!S_ISREG(info.st_mode)) {
        *error = QStringLiteral("read %1: not a regular file").arg(path);
        ::close(fd);
        return false;
    }
    *size = qint64(info.st_size);
    QByteArray data(qsizetype(std::clamp<qint64>(info.st_size + 1, 1, limit)), Qt::Uninitialized);
    qsizetype used = 0;
    while (used < limit) {
        if (used == data.size()) {
            data.resize(qsizetype(std::min<qint64>(limit, qint64(data.size()) * 2)));
        }
        const ssize_t count = ::read(fd, data.data() + used, size_t(data.size() - used));
        if (count < 0) {
            if (errno == EINTR) {
                continue;
            }
            *error = osError("read", path, errno);
            ::close(fd);
            return false;
        }
        if (count == 0) {
            break;
        }
        used += count;
    }
    ::close(fd);
    data.truncate(used);
    *bytes = std::move(data);
    return true;
}
