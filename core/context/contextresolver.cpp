#include "context/contextresolver.h"

#include "context/contextpaths.h"
#include "context/mcpconfig.h"
#include "context/sha256.h"
#include "context/skillfrontmatter.h"
#include "http/jsonresponse.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QLoggingCategory>
#include <QMap>
#include <QRegularExpression>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>

#include <climits>
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

using ContextPaths::realPath;

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

// unicode.IsSpace, which Go's strings.TrimSpace trims: ASCII space and controls, NEL, NBSP,
// and the Unicode space separators (U+FEFF, a byte-order mark, is not one).
bool isGoSpace(char32_t c)
{
    switch (c) {
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case ' ':
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
        return true;
    default:
        return c >= 0x2000 && c <= 0x200A;
    }
}

// strings.TrimSpace, over UTF-16 (an invalid byte became U+FFFD, which is not a space).
QString goTrimSpace(const QString &text)
{
    const auto isSpaceAt = [&text](qsizetype i, qsizetype *width) {
        const QChar c = text.at(i);
        char32_t point = c.unicode();
        *width = 1;
        if (c.isHighSurrogate() && i + 1 < text.size() && text.at(i + 1).isLowSurrogate()) {
            point = QChar::surrogateToUcs4(c, text.at(i + 1));
            *width = 2;
        }
        return isGoSpace(point);
    };
    qsizetype start = 0;
    qsizetype width = 1;
    while (start < text.size() && isSpaceAt(start, &width)) {
        start += width;
    }
    qsizetype end = text.size();
    while (end > start) {
        const qsizetype last =
                text.at(end - 1).isLowSurrogate() && end - 2 >= start ? end - 2 : end - 1;
        if (!isSpaceAt(last, &width)) {
            break;
        }
        end = last;
    }
    return text.mid(start, end - start);
}

// An instruction file's description: its first line that is not blank after Go's TrimSpace,
// without leading '#' marks (strings.TrimSpace(strings.TrimLeft(line, "#")), as upstream).
QString firstLine(const QByteArray &content)
{
    qsizetype start = 0;
    while (start < content.size()) {
        qsizetype end = content.indexOf('\n', start);
        if (end < 0) {
            end = content.size();
        }
        // A leading BOM stays in the text, as upstream's does (QString::fromUtf8 drops it).
        QByteArrayView bytes = QByteArrayView(content).sliced(start, end - start);
        QString text;
        if (bytes.startsWith("\xEF\xBB\xBF")) {
            text = QChar(0xFEFF);
            bytes = bytes.sliced(3);
        }
        const QString line = goTrimSpace(text + QString::fromUtf8(bytes));
        start = end + 1;
        if (line.isEmpty()) {
            continue;
        }
        qsizetype hashes = 0;
        while (hashes < line.size() && line.at(hashes) == QLatin1Char('#')) {
            ++hashes;
        }
        return goTrimSpace(line.mid(hashes));
    }
    return QString();
}

bool isChanged(const ContextWalk::Found &found, const ContextResource &resource,
               const QSet<QString> &changed, const QSet<QByteArray> &changedRaw);

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
              QStringList *walkedDirectories, ContextWalk *walk = nullptr,
              QList<RejectedSource> *rejected = nullptr, ContextReadCache *cache = nullptr)
        : m_options(options)
        , m_read(options.readFile ? options.readFile : &ContextResolver::readFile)
        , m_cancelled(cancelled)
        , m_walkedDirectories(walkedDirectories)
        , m_walk(walk)
        , m_rejected(rejected)
        , m_cache(cache)
    { }

    bool isCancelled() const { return m_cancelled && m_cancelled->load(); }
    QString snapshotError() const { return m_snapshotError; }

    void discoverIn(const ScanRoot &root, int rootIndex);
    // Reads the files an earlier walk found, in the same order and with the same roots; with
    // a cache, only those in `changed` (all when it is empty).
    void replay(const ContextWalk &walk, const QSet<QString> &changed);
    // The resources in walk order, duplicates and shadowed skills removed.
    QList<ContextResource> takeResources();

private:
    // Where a symlinked file really is, or why it may not be read.
    struct ReadTarget
    {
        QString path;
        ResourceStatus status = ResourceStatus::Ok;
        QString error;
        quint64 linkSize = 0; // a failed symlink reports its own lstat size, as upstream
    };

    struct Entry
    {
        ContextResource resource;
        int rootIndex = 0;
        int containerRank = 0; // skills: upstream's container order within a root
        bool removed = false;
    };

    void walkDirectory(int fd, QByteArray &path, int depth);
    void directoryError(const QByteArray &path, int error);
    void classify(Candidate candidate, const QByteArray &path, bool isSymlink);
    ReadTarget readTarget(const QString &path, bool isSymlink) const;
    // Reads `path` into `resource` (hash, size, status); returns the bytes when within the cap.
    std::optional<QByteArray> read(const QString &path, ContextResource &resource) const;
    void readInstruction(const QString &path, bool isSymlink);
    void readMcpConfig(const QString &path, bool isSymlink);
    void readSkill(const QString &directory, const QString &path, bool isSymlink);
    void append(ContextResource resource, int containerRank = 0);
    int containerRank(const QString &skillDirectory) const;
    void setSnapshotError(const QString &error);
    void recordRoot(const ScanRoot &root);
    // False, with the rejection recorded, when a runtime source resolves outside its roots.
    bool admit(const ScanRoot &root);

    const ContextResolver::Options &m_options;
    ContextResolver::FileReader m_read;
    const std::atomic_bool *m_cancelled;
    QStringList *m_walkedDirectories;
    ContextWalk *m_walk;
    QList<RejectedSource> *m_rejected;
    ContextReadCache *m_cache;
    qsizetype m_found = -1; // index in the walk of the file being read, for the cache

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
    const QByteArray encoded = ContextPaths::toRaw(path);
    struct stat info;
    if (::stat(encoded.constData(), &info) != 0) {
        return; // a missing root is silently nothing
    }
    if (!admit(root)) {
        return;
    }
    m_rootIndex = rootIndex;
    m_userSource = root.userSource;
    if (S_ISDIR(info.st_mode)) {
        m_rootName = path;
        // Opened once and judged by what was opened: a swap to a symlink between the check
        // and the walk cannot send the walk elsewhere.
        const int fd = ::open(encoded.constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
            directoryError(encoded, errno);
            return;
        }
        if (::faccessat(fd, ".", X_OK, 0) != 0) {
            ::close(fd); // listable, not enterable: skipped silently, as any such folder
            return;
        }
        char link[PATH_MAX + 1];
        const QByteArray self = "/proc/self/fd/" + QByteArray::number(fd);
        const ssize_t n = ::readlink(self.constData(), link, PATH_MAX);
        const QString real =
                n > 0 ? ContextPaths::fromRaw(QByteArray(link, qsizetype(n))) : QString();
        if (!root.allowedRoots.isEmpty()) {
            ScanRoot opened = root;
            opened.path = real.isEmpty() ? path : real;
            if (real.isEmpty() || !admit(opened)) {
                ::close(fd);
                return;
            }
        }
        m_containmentRoot = real.isEmpty() ? path : real;
        recordRoot(root);
        QByteArray walkPath = encoded;
        if (walkPath.size() > 1 && walkPath.endsWith('/')) {
            walkPath.chop(1);
        }
        walkDirectory(fd, walkPath, 0);
        return;
    }
    if (!S_ISREG(info.st_mode)) {
        return;
    }
    // A single file: classified by its name; a symlink must stay inside the file's folder.
    const QString parent = ContextPaths::fromRaw(parentPath(encoded).toByteArray());
    const QString realParent = realPath(parent);
    m_containmentRoot = realParent.isEmpty() ? parent : realParent;
    recordRoot(root);
    struct stat linkInfo;
    const bool isSymlink =
            ::lstat(encoded.constData(), &linkInfo) == 0 && S_ISLNK(linkInfo.st_mode);
    const QByteArray name = baseName(encoded).toByteArray();
    classify(candidateFor(name.constData()), encoded, isSymlink);
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
        m_walkedDirectories->append(ContextPaths::fromRaw(path));
    }
    const bool descend = depth < m_options.maxDepth;
    const qsizetype length = path.size();
    const bool atFileSystemRoot = path == "/";
    // A skills folder within the depth limit yields <name>/SKILL.md even where <name> itself
    // is one level too deep, as Rev A emits a container's skills eagerly.
    const bool skillsAtTheLimit = !descend && baseName(path) == QByteArrayView("skills");
    while (const dirent *entry = ::readdir(dir)) {
        const char *name = entry->d_name;
        if (name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'))) {
            continue;
        }
        const Candidate candidate = candidateFor(name);
        unsigned char type = entry->d_type;
        if (type == DT_UNKNOWN && (descend || skillsAtTheLimit || candidate != Candidate::None)) {
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
        if (skillsAtTheLimit && type == DT_DIR) {
            const QByteArray skillFile = QByteArray(name) + "/SKILL.md";
            struct stat info;
            if (::fstatat(::dirfd(dir), skillFile.constData(), &info, AT_SYMLINK_NOFOLLOW) == 0 &&
                (S_ISREG(info.st_mode) || S_ISLNK(info.st_mode))) {
                if (!atFileSystemRoot) {
                    path += '/';
                }
                path += skillFile;
                classify(Candidate::SkillFile, path, S_ISLNK(info.st_mode));
                path.truncate(length);
            }
            continue;
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
            } else if (::faccessat(child, ".", X_OK, 0) != 0) {
                // Listable but not enterable (r--): nothing in it can be read; Rev A's walk
                // skips it silently rather than listing its files as unreadable.
                ::close(child);
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
        const QString message = QStringLiteral("walk %1: %2")
                                        .arg(goQuoted(m_rootName),
                                             osError("open", ContextPaths::fromRaw(path), error));
        if (m_walk && m_walk->walkError.isEmpty()) {
            m_walk->walkError = message;
        }
        setSnapshotError(message);
    }
}

void Discovery::classify(Candidate candidate, const QByteArray &path, bool isSymlink)
{
    if (m_walk && candidate != Candidate::None) {
        m_found = m_walk->found.size();
        m_walk->found.append(ContextWalk::Found {int(m_walk->roots.size()) - 1, int(candidate),
                                                 path, isSymlink});
    }
    switch (candidate) {
    case Candidate::Instruction:
        readInstruction(ContextPaths::fromRaw(path), isSymlink);
        break;
    case Candidate::McpConfig:
        readMcpConfig(ContextPaths::fromRaw(path), isSymlink);
        break;
    case Candidate::SkillFile: {
        const QByteArrayView directory = parentPath(path);
        if (baseName(parentPath(directory)) == QByteArrayView("skills")) {
            readSkill(ContextPaths::fromRaw(directory.toByteArray()), ContextPaths::fromRaw(path),
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
    struct stat linkInfo;
    const quint64 linkSize = ::lstat(ContextPaths::toRaw(path).constData(), &linkInfo) == 0
            ? quint64(std::max<qint64>(0, linkInfo.st_size))
            : 0;
    int error = 0;
    const QString target = realPath(path, &error);
    if (target.isEmpty()) {
        return ReadTarget {
                path, ResourceStatus::Unreadable,
                QStringLiteral("symlink resolve: %1: %2").arg(path, qt_error_string(error)),
                linkSize};
    }
    if (!ContextPaths::pathHasPrefix(target, m_containmentRoot)) {
        return ReadTarget {path, ResourceStatus::Invalid,
                           QStringLiteral("symlink target %1 escapes scan root %2")
                                   .arg(goQuoted(target), goQuoted(m_containmentRoot)),
                           linkSize};
    }
    struct stat info;
    if (::stat(ContextPaths::toRaw(target).constData(), &info) != 0) {
        return ReadTarget {path, ResourceStatus::Unreadable, osError("stat", target, errno),
                           linkSize};
    }
    if (!S_ISREG(info.st_mode)) {
        return ReadTarget {
                path, ResourceStatus::Invalid,
                QStringLiteral("symlink target %1 is not a regular file").arg(goQuoted(target)),
                linkSize};
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
        // Upstream still reports the file's size (stat works where open does not).
        struct stat info;
        if (::stat(ContextPaths::toRaw(path).constData(), &info) == 0) {
            resource.sizeBytes = quint64(std::max<qint64>(0, info.st_size));
        }
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
        resource.sizeBytes = target.linkSize;
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
        resource.sizeBytes = target.linkSize;
    } else if (const std::optional<QByteArray> bytes = read(target.path, resource)) {
        const QString shapeError = McpConfig::shapeError(*bytes);
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
        resource.sizeBytes = target.linkSize;
        append(std::move(resource), containerRank(directory));
        return;
    }
    std::optional<QByteArray> bytes = read(target.path, resource);
    if (!bytes) {
        append(std::move(resource), containerRank(directory));
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
    append(std::move(resource), containerRank(directory));
}

void Discovery::recordRoot(const ScanRoot &root)
{
    if (m_walk) {
        m_walk->roots.append(ContextWalk::Root {m_userSource, m_containmentRoot,
                                                QDir::cleanPath(root.path), root.allowedRoots});
    }
}

bool Discovery::admit(const ScanRoot &root)
{
    QString reason;
    if (ContextResolver::sourceIsAllowed(root, &reason)) {
        return true;
    }
    if (m_rejected &&
        std::none_of(m_rejected->cbegin(), m_rejected->cend(),
                     [&](const RejectedSource &r) { return r.source == root.userSource; })) {
        m_rejected->append(RejectedSource {root.userSource, reason});
    }
    setSnapshotError(reason);
    return false;
}

void Discovery::replay(const ContextWalk &walk, const QSet<QString> &changed)
{
    if (!walk.walkError.isEmpty()) {
        setSnapshotError(walk.walkError);
    }
    // Runtime sources are judged again: a folder swapped for a symlink since the walk reads
    // nothing (the swap itself is a folder change, so a walk follows; this is for the gap).
    QList<bool> admitted;
    admitted.reserve(walk.roots.size());
    for (const ContextWalk::Root &root : walk.roots) {
        admitted.append(root.allowedRoots.isEmpty() ||
                        admit(ScanRoot {root.path, root.userSource, root.allowedRoots}));
    }
    // The walk keeps bytes: convert the few changed paths, not every file of the walk.
    QSet<QByteArray> changedRaw;
    changedRaw.reserve(changed.size());
    for (const QString &path : changed) {
        changedRaw.insert(ContextPaths::toRaw(path));
    }
    for (qsizetype i = 0; i < walk.found.size(); ++i) {
        const ContextWalk::Found &found = walk.found.at(i);
        if (isCancelled()) {
            return;
        }
        if (!admitted.at(found.root)) {
            continue;
        }
        const ContextWalk::Root &root = walk.roots.at(found.root);
        // Dedup and skill-name ties compare root order, which the recorded order keeps.
        m_rootIndex = found.root;
        m_rootName = root.path;
        m_userSource = root.userSource;
        m_containmentRoot = root.containmentRoot;
        if (m_cache && !changed.isEmpty()) {
            const auto hit = m_cache->entries.constFind(i);
            if (hit != m_cache->entries.constEnd() &&
                !isChanged(found, hit->resource, changed, changedRaw)) {
                m_found = -1;
                append(hit->resource, hit->containerRank); // unchanged: as it read before
                continue;
            }
        }
        m_found = i;
        classify(Candidate(found.candidate), found.path, found.isSymlink);
    }
}

// Upstream reads skill containers in this order, and the first skill of a name wins:
// the root itself when it is a skills folder, then skills/, .agents/skills/, .claude/skills/,
// .codex/skills/; any other skills folder (Rev A's walk finds them at any depth) comes last.
int Discovery::containerRank(const QString &skillDirectory) const
{
    const QString container = QFileInfo(skillDirectory).path();
    const QString root = QDir::cleanPath(m_rootName);
    if (container == root) {
        return 0;
    }
    static const QStringList fixed {QStringLiteral("skills"), QStringLiteral(".agents/skills"),
                                    QStringLiteral(".claude/skills"),
                                    QStringLiteral(".codex/skills")};
    const QString prefix = root == QLatin1String("/") ? root : root + QLatin1Char('/');
    if (container.startsWith(prefix)) {
        const qsizetype index = fixed.indexOf(container.mid(prefix.size()));
        if (index >= 0) {
            return int(index) + 1;
        }
    }
    return int(fixed.size()) + 1;
}

void Discovery::append(ContextResource resource, int containerRank)
{
    if (m_cache && m_found >= 0) {
        m_cache->entries.insert(m_found, ContextReadCache::Entry {resource, containerRank});
    }
    m_found = -1;
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
    m_entries.append(Entry {std::move(resource), m_rootIndex, containerRank, false});
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
    // One valid skill per name: the earliest root wins, then upstream's container order;
    // within a container the listing order is arbitrary, so the smaller path decides.
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
                : entry.containerRank != other.containerRank
                ? entry.containerRank < other.containerRank
                : ContextPaths::toRaw(entry.resource.source) <
                        ContextPaths::toRaw(other.resource.source);
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

// Whether a file of the walk is among the changed paths, by the path walked (a link) or the
// file read (its target, which the watcher watches).
bool isChanged(const ContextWalk::Found &found, const ContextResource &resource,
               const QSet<QString> &changed, const QSet<QByteArray> &changedRaw)
{
    if (changedRaw.contains(found.path)) {
        return true;
    }
    const QString file = resource.kind == ResourceKind::Skill
            ? resource.source + QStringLiteral("/SKILL.md")
            : resource.source;
    return changed.contains(file);
}

// Caps, in a stable (kind, source) order: past the count cap everything is Excluded; within
// it, valid resources that would push the payload total over the byte cap are Excluded.
void applyCaps(QList<ContextResource> &resources, const ContextResolver::Options &options)
{
    // Keys made once: converting in the comparator cost most of a replay's time.
    QList<std::pair<std::pair<int, QByteArray>, qsizetype>> keys;
    keys.reserve(resources.size());
    for (qsizetype i = 0; i < resources.size(); ++i) {
        keys.append({{int(resources.at(i).kind), ContextPaths::toRaw(resources.at(i).source)}, i});
    }
    std::stable_sort(keys.begin(), keys.end(),
                     [](const auto &a, const auto &b) { return a.first < b.first; });
    QList<ContextResource> sorted;
    sorted.reserve(resources.size());
    for (const auto &key : std::as_const(keys)) {
        sorted.append(std::move(resources[key.second]));
    }
    resources = std::move(sorted);
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
    const QList<QByteArray> rawIds = ContextSnapshot::sortById(snapshot.resources);
    for (const ContextResource &resource : std::as_const(snapshot.resources)) {
        snapshot.payloadBytes += quint64(resource.payload.size());
    }
    // Rev A: every resource counts, MCP configs included.
    snapshot.aggregateHash = ContextSnapshot::aggregateHashOfSorted(snapshot.resources, rawIds);
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
                                         QStringList *walkedDirectories, ContextWalk *walk,
                                         QList<RejectedSource> *rejected,
                                         ContextReadCache *cache) const
{
    // The cache is keyed by the walk's indexes: without a walk there is nothing to key it by.
    Discovery discovery(m_options, cancelled, walkedDirectories, walk, rejected,
                        walk ? cache : nullptr);
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

ContextSnapshot ContextResolver::replay(const ContextWalk &walk, const std::atomic_bool *cancelled,
                                        QList<RejectedSource> *rejected, ContextReadCache *cache,
                                        const QSet<QString> &changedFiles) const
{
    Discovery discovery(m_options, cancelled, nullptr, nullptr, rejected, cache);
    discovery.replay(walk, changedFiles);
    if (discovery.isCancelled()) {
        return cancelledSnapshot();
    }
    return finish(discovery, m_options);
}

bool ContextResolver::sourceIsAllowed(const ScanRoot &root, QString *reason)
{
    if (root.allowedRoots.isEmpty()) {
        return true;
    }
    const QString real = realPath(root.path);
    // A source that does not exist (yet) holds nothing to read; it is judged when it appears.
    const QString canonical = real.isEmpty() ? QDir::cleanPath(root.path) : real;
    QString why;
    if (ContextPaths::validateSourcePath(root.path, canonical, root.allowedRoots, &why)) {
        return true;
    }
    *reason = QStringLiteral("context source %1 now resolves to %2, outside the allowed roots: "
                             "nothing under it is read (%3)")
                      .arg(goQuoted(root.userSource.isEmpty() ? root.path : root.userSource),
                           goQuoted(canonical), why);
    return false;
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
    return McpConfig::shapeError(content);
}

bool ContextResolver::readFile(const QString &path, qint64 limit, QByteArray *bytes, qint64 *size,
                               QString *error)
{
    // O_NONBLOCK: a FIFO given a context file's name must not hang the resolve.
    const int fd = ::open(ContextPaths::toRaw(path).constData(),
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
