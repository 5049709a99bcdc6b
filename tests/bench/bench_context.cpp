// bench_context: how fast the context subsystem finds, hashes and republishes context. One
// measurement per run; scripts/bench context runs each on a generated tree and compares with
// `find` and `openssl speed` measured in the same session.
//
//   generate DIR [--repos 50] [--files 80000] [--instructions 200]
//        writes the deterministic tree of generateTree() into DIR (absent or empty)
//   resolve DIR [--repeat 5] [--roots tree|repos]
//        ContextResolver::resolve with DIR as the one scan root (default), or every repo as
//        one; one untimed warm-up resolve, then the median and best of the repeats
//   hash [--mib 1024]
//        Sha256::hash throughput on 16 KiB blocks (openssl speed's largest block) and on
//        16 MiB buffers, best of three passes of N MiB each
//   latency DIR [--edits 200] [--debounce 30] [--scope repo|tree] [--timeout 10]
//        a watching ContextManager whose working directory is repo-00 (or all of DIR); each
//        edit appends a line to one instruction file and times the write until the
//        snapshotChanged() that carries that file's new content hash
//   --json  one JSON object on stdout instead of text
//
// Depth: the resolver finds a file when its folder is at most maxDepth (8) levels below the
// scan root; `find DIR -maxdepth 8` lists entries at most 8 levels below DIR, so only files
// in folders at most 7 levels deep. `find DIR -maxdepth 9` covers what a resolve of DIR
// covers. The tree's folders reach level 8 below DIR exactly, and a few context files lie one
// level deeper, out of reach of both.
#include "context/contextmanager.h"
#include "context/contextresolver.h"
#include "context/contextwatcher.h"
#include "context/sha256.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <numeric>
#include <optional>
#include <type_traits>
#include <vector>

#include <sys/stat.h>

namespace {

// Folder levels of a repo: its root (level 1 below DIR) down to level 8 below DIR, the
// resolver's default depth, so a resolve of DIR lists every folder of every repo's tree.
constexpr int RepoLevels = ContextResolver::DefaultMaxScanDepth;
constexpr int RepoFolders = (1 << RepoLevels) - 1; // a binary tree: 255
constexpr qint64 BlockBytes = 16 * 1024; // openssl speed's largest block
constexpr qint64 BufferBytes = 16 * 1024 * 1024;
constexpr char ManifestName[] = "bench-tree.json";
constexpr int ManifestVersion = 1;

// Below the repo root, level by level: the two children of every folder.
constexpr const char *LevelNames[RepoLevels - 1][2] = {
        {"src", "test"},   {"core", "util"}, {"net", "store"}, {"impl", "api"},
        {"alpha", "beta"}, {"one", "two"},   {"leaf", "twig"},
};
constexpr const char *InstructionNames[] = {"AGENTS.md", "CLAUDE.md", ".cursorrules"};
// Ordinary files, and names close to a context file's that must be skipped by name.
constexpr const char *OrdinaryNames[] = {"main_%1.c",    "notes_%1.txt",  "config_%1.json",
                                         "module_%1.py", "index_%1.html", "data_%1.csv"};
constexpr const char *NearMissNames[] = {"AGENTS.md.%1",    "agents-%1.md", "CLAUDE-%1.md",
                                         ".cursorrules.%1", "SKILL-%1.md",  "%1.mcp.json"};

enum class Command { Generate, Resolve, Hash, Latency };
enum class RootChoice { Tree, Repos };
enum class Scope { Repo, Tree };

struct Config
{
    Command command = Command::Resolve;
    QString directory;
    int repos = 50;
    qint64 files = 80000;
    int instructions = 200;
    int repeat = 5;
    RootChoice roots = RootChoice::Tree;
    qint64 mib = 1024;
    int edits = 200;
    int debounceMSecs = 30;
    Scope scope = Scope::Repo;
    int timeoutSeconds = 10;
    bool json = false;
};

QJsonObject header(const QString &mode)
{
    return QJsonObject {{QStringLiteral("benchmark"), QStringLiteral("context")},
                        {QStringLiteral("mode"), mode}};
}

void print(const Config &config, const QJsonObject &result, const QString &text)
{
    if (config.json) {
        std::printf("%s\n", QJsonDocument(result).toJson(QJsonDocument::Compact).constData());
    } else {
        std::printf("%s\n", qPrintable(text));
    }
}

double milliseconds(qint64 nanoseconds)
{
    return double(nanoseconds) / 1e6;
}

// Nearest rank: the smallest sample that at least `fraction` of the samples do not exceed.
double percentile(std::vector<double> samples, double fraction)
{
    if (samples.empty()) {
        return 0;
    }
    std::sort(samples.begin(), samples.end());
    const auto rank = qsizetype(std::ceil(fraction * double(samples.size())));
    return samples[size_t(std::clamp<qsizetype>(rank, 1, qsizetype(samples.size())) - 1)];
}

double median(const std::vector<double> &samples)
{
    return percentile(samples, 0.5);
}

QString repoName(int repo)
{
    return QStringLiteral("repo-%1").arg(repo, 2, 10, QLatin1Char('0'));
}

// The path below its repo root of folder `index` (breadth first: 0 is the root, 1 and 2 its
// children, ...).
QString folderPath(int index)
{
    const int level = std::bit_width(unsigned(index + 1)) - 1;
    const int bits = index + 1 - (1 << level);
    QString path;
    for (int i = 1; i <= level; ++i) {
        path += QLatin1Char('/') + QLatin1StringView(LevelNames[i - 1][(bits >> (level - i)) & 1]);
    }
    return path;
}

// Deterministic pseudo-random numbers (splitmix64), so every run writes the same tree.
quint64 mix(quint64 x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

// Writes the benchmark tree and counts what it wrote.
class TreeGenerator
{
public:
    TreeGenerator(const QString &root, const Config &config)
        : m_root(root)
        , m_config(config)
    { }

    bool generate(QString *error);
    QJsonObject manifest() const;

private:
    QString repoPath(int repo) const { return m_root + QLatin1Char('/') + repoName(repo); }
    bool makeDirectory(const QString &path);
    bool writeFile(const QString &path, QByteArrayView bytes);
    bool writeOrdinaryFiles(int repo, qint64 count);
    bool writeSkippedFiles(int repo, qint64 count);
    bool writeInstructionFiles();
    bool writeSkillsAndMcp(int repo);

    QString m_root;
    const Config &m_config;
    QString m_error;
    qint64 m_directories = 0; // that a resolve of the root lists
    qint64 m_regularFiles = 0;
    qint64 m_skippedDirectoryFiles = 0;
    qint64 m_instructionBytes = 0;
    int m_instructionFiles = 0;
    int m_skills = 0;
    int m_mcpConfigs = 0;
    int m_beyondDepth = 0;
};

bool TreeGenerator::makeDirectory(const QString &path)
{
    if (::mkdir(QFile::encodeName(path).constData(), 0755) != 0 && errno != EEXIST) {
        m_error = QStringLiteral("mkdir %1: %2").arg(path, qt_error_string(errno));
        return false;
    }
    return true;
}

bool TreeGenerator::writeFile(const QString &path, QByteArrayView bytes)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) ||
        file.write(bytes.data(), bytes.size()) != bytes.size()) {
        m_error = QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    ++m_regularFiles;
    return true;
}

// Spread over every folder of the repo's tree, a few to a folder; every 25th has a name close
// to a context file's.
bool TreeGenerator::writeOrdinaryFiles(int repo, qint64 count)
{
    const QString base = repoPath(repo);
    for (qint64 i = 0; i < count; ++i) {
        const int folder = int((i * 37 + repo * 11) % RepoFolders); // 37: coprime with 255
        const QLatin1StringView pattern(i % 25 == 24
                                                ? NearMissNames[(i / 25) % std::size(NearMissNames)]
                                                : OrdinaryNames[i % std::size(OrdinaryNames)]);
        const QString name = QString(pattern).arg(i);
        QByteArray content =
                QByteArrayLiteral("// ") + name.toUtf8() + " of " + repoName(repo).toUtf8() + '\n';
        content += QByteArray(int(mix(quint64(repo) << 32 | quint64(i)) % 192), 'x') + '\n';
        if (!writeFile(base + folderPath(folder) + QLatin1Char('/') + name, content)) {
            return false;
        }
    }
    return true;
}

// What a walk must not descend into: node_modules packages (60%), git objects (30%) and build
// output (10%), all at the repo root.
bool TreeGenerator::writeSkippedFiles(int repo, qint64 count)
{
    const QString base = repoPath(repo);
    const qint64 modules = count * 6 / 10;
    const qint64 objects = count * 3 / 10;
    const qint64 outputs = count - modules - objects;
    if (modules > 0 && !makeDirectory(base + QStringLiteral("/node_modules"))) {
        return false;
    }
    for (qint64 i = 0; i < modules; ++i) {
        const QString package = base + QStringLiteral("/node_modules/pkg-%1").arg(i / 8);
        const qint64 slot = i % 8;
        if (slot == 0 && !makeDirectory(package)) {
            return false;
        }
        if (slot == 3 && !makeDirectory(package + QStringLiteral("/lib"))) {
            return false;
        }
        const QString name = slot == 0 ? QStringLiteral("package.json")
                : slot == 1            ? QStringLiteral("index.js")
                : slot == 2            ? QStringLiteral("README.md")
                                       : QStringLiteral("lib/part%1.js").arg(slot);
        if (!writeFile(package + QLatin1Char('/') + name, "module.exports = {};\n")) {
            return false;
        }
    }
    if (objects > 0 &&
        (!makeDirectory(base + QStringLiteral("/.git")) ||
         !makeDirectory(base + QStringLiteral("/.git/objects")))) {
        return false;
    }
    for (qint64 i = 0; i < objects; ++i) {
        const QString folder =
                base + QStringLiteral("/.git/objects/%1").arg(i % 64, 2, 16, QLatin1Char('0'));
        if (i < 64 && !makeDirectory(folder)) {
            return false;
        }
        const QString name = QString::number(mix(quint64(repo) << 40 | quint64(i)), 16);
        if (!writeFile(folder + QLatin1Char('/') + name, QByteArray(64, 'g'))) {
            return false;
        }
    }
    if (outputs > 0 &&
        (!makeDirectory(base + QStringLiteral("/build")) ||
         !makeDirectory(base + QStringLiteral("/build/obj")))) {
        return false;
    }
    for (qint64 i = 0; i < outputs; ++i) {
        if (!writeFile(base + QStringLiteral("/build/obj/unit_%1.o").arg(i), QByteArray(96, 'o'))) {
            return false;
        }
    }
    m_skippedDirectoryFiles += count;
    return true;
}

// Instruction files of 1 to 64 KiB (the per-resource cap) at every level of the repos' trees,
// round-robin over the repos.
bool TreeGenerator::writeInstructionFiles()
{
    static const QByteArray Rule = QByteArrayLiteral(
            "- Keep functions short, name things for what they do, and run the tests before "
            "you commit.\n");
    for (int j = 0; j < m_config.instructions; ++j) {
        const int repo = j % m_config.repos;
        const qint64 size = 1024 + qint64(mix(quint64(j) + 7) % (63 * 1024 + 1));
        QString path;
        for (int attempt = 0; path.isEmpty(); ++attempt) {
            if (attempt > 1000) {
                m_error = QStringLiteral("no free place for instruction file %1").arg(j);
                return false;
            }
            const int level = (j / m_config.repos + j * 3 + attempt) % RepoLevels;
            const int bits = int(mix(quint64(j) << 16 | quint64(attempt)) % (1U << level));
            const QString candidate =
                    repoPath(repo) + folderPath((1 << level) - 1 + bits) + QLatin1Char('/') +
                    QLatin1StringView(
                            InstructionNames[(j + attempt) % std::size(InstructionNames)]);
            if (!QFileInfo::exists(candidate)) {
                path = candidate;
            }
        }
        QByteArray content =
                QStringLiteral("# Instructions %1 for %2\n\n").arg(j).arg(repoName(repo)).toUtf8();
        for (int line = 0; content.size() < size; ++line) {
            content += QByteArray::number(line) + ' ' + Rule;
        }
        content.truncate(size - 1);
        content += '\n';
        if (!writeFile(path, content)) {
            return false;
        }
        ++m_instructionFiles;
        m_instructionBytes += content.size();
    }
    return true;
}

// Two skills in every other repo, an .mcp.json in every fifth, and in every fifth an AGENTS.md
// one level below the deepest folder: out of reach of a resolve of the tree root.
bool TreeGenerator::writeSkillsAndMcp(int repo)
{
    const QString base = repoPath(repo);
    if (repo % 2 == 0) {
        const QString skills = base + QStringLiteral("/.agents/skills");
        if (!makeDirectory(base + QStringLiteral("/.agents")) || !makeDirectory(skills)) {
            return false;
        }
        m_directories += 2;
        for (const QLatin1StringView kind :
             {QLatin1StringView("review"), QLatin1StringView("deploy")}) {
            const QString name = kind + QStringLiteral("-%1").arg(repo, 2, 10, QLatin1Char('0'));
            const QByteArray content =
                    QStringLiteral("---\nname: %1\ndescription: %2 changes in %3 the way the "
                                   "team does.\n---\n\n# %1\n\n1. Read the diff.\n2. Check the "
                                   "conventions.\n3. Report what to change.\n")
                            .arg(name, kind, repoName(repo))
                            .toUtf8();
            if (!makeDirectory(skills + QLatin1Char('/') + name) ||
                !writeFile(skills + QLatin1Char('/') + name + QStringLiteral("/SKILL.md"),
                           content)) {
                return false;
            }
            ++m_directories;
            ++m_skills;
        }
    }
    if (repo % 5 == 0) {
        const QByteArray content = QStringLiteral("{\"mcpServers\": {\"db-%1\": {\"command\": "
                                                  "\"db-server\", \"args\": [\"--port\", "
                                                  "\"54%1\"]}}}\n")
                                           .arg(repo, 2, 10, QLatin1Char('0'))
                                           .toUtf8();
        if (!writeFile(base + QStringLiteral("/.mcp.json"), content)) {
            return false;
        }
        ++m_mcpConfigs;
        const QString deeper = base + folderPath(RepoFolders - 1 - repo % (1 << (RepoLevels - 1))) +
                QStringLiteral("/deeper");
        if (!makeDirectory(deeper) ||
            !writeFile(deeper + QStringLiteral("/AGENTS.md"), "# Out of reach\n")) {
            return false;
        }
        ++m_beyondDepth;
    }
    return true;
}

// The tree: `repos` repos (repo-00, ...), each a binary tree of folders down to level 8 below
// DIR, holding about `files` regular files in all: context files, ordinary files (a few per
// folder, names checked and skipped) and files in node_modules, .git and build (skipped
// folders, 45% of the non-context files), plus a manifest of what was written.
bool TreeGenerator::generate(QString *error)
{
    const QDir root(m_root);
    if (root.exists() && !root.isEmpty(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot)) {
        *error = QStringLiteral("%1 is not empty").arg(m_root);
        return false;
    }
    if (!QDir().mkpath(m_root)) {
        *error = QStringLiteral("cannot create %1").arg(m_root);
        return false;
    }
    m_directories = 1;
    for (int repo = 0; repo < m_config.repos && m_error.isEmpty(); ++repo) {
        for (int folder = 0; folder < RepoFolders; ++folder) {
            if (!makeDirectory(repoPath(repo) + folderPath(folder))) {
                break;
            }
            ++m_directories;
        }
    }
    for (int repo = 0; repo < m_config.repos && m_error.isEmpty(); ++repo) {
        writeSkillsAndMcp(repo);
    }
    if (m_error.isEmpty()) {
        writeInstructionFiles();
    }
    const qint64 rest = std::max<qint64>(0, m_config.files - m_regularFiles);
    const qint64 skipped = rest * 45 / 100;
    for (int repo = 0; repo < m_config.repos && m_error.isEmpty(); ++repo) {
        const auto share = [&](qint64 total) {
            return total / m_config.repos + (repo < total % m_config.repos ? 1 : 0);
        };
        if (writeOrdinaryFiles(repo, share(rest - skipped))) {
            writeSkippedFiles(repo, share(skipped));
        }
    }
    if (m_error.isEmpty()) {
        const QByteArray text = QJsonDocument(manifest()).toJson();
        QFile file(m_root + QLatin1Char('/') + QLatin1StringView(ManifestName));
        if (!file.open(QIODevice::WriteOnly) || file.write(text) != text.size()) {
            m_error = QStringLiteral("cannot write the manifest: %1").arg(file.errorString());
        }
    }
    *error = m_error;
    return m_error.isEmpty();
}

QJsonObject TreeGenerator::manifest() const
{
    return QJsonObject {
            {QStringLiteral("version"), ManifestVersion},
            {QStringLiteral("repos"), m_config.repos},
            {QStringLiteral("files"), m_config.files},
            {QStringLiteral("instructions"), m_config.instructions},
            {QStringLiteral("directories"), m_directories},
            {QStringLiteral("regular_files"), m_regularFiles + 1}, // and the manifest
            {QStringLiteral("skipped_dir_files"), m_skippedDirectoryFiles},
            {QStringLiteral("instruction_files"), m_instructionFiles},
            {QStringLiteral("instruction_bytes"), m_instructionBytes},
            {QStringLiteral("skills"), m_skills},
            {QStringLiteral("mcp_configs"), m_mcpConfigs},
            {QStringLiteral("beyond_depth_files"), m_beyondDepth},
            {QStringLiteral("expected_resources"), m_instructionFiles + m_skills + m_mcpConfigs},
    };
}

int runGenerate(const Config &config)
{
    QElapsedTimer clock;
    clock.start();
    TreeGenerator generator(QDir(config.directory).absolutePath(), config);
    QString error;
    if (!generator.generate(&error)) {
        std::fprintf(stderr, "bench_context: generate: %s\n", qPrintable(error));
        return 1;
    }
    QJsonObject result = header(QStringLiteral("generate"));
    const QJsonObject manifest = generator.manifest();
    for (auto it = manifest.begin(); it != manifest.end(); ++it) {
        result.insert(it.key(), it.value());
    }
    result.insert(QStringLiteral("dir"), QDir(config.directory).absolutePath());
    result.insert(QStringLiteral("seconds"), double(clock.elapsed()) / 1000);
    print(config, result,
          QStringLiteral("generated %1: %2 regular files, %3 folders to walk, %4 instruction "
                         "files (%5 bytes), %6 skills, %7 MCP configs in %8 s")
                  .arg(result.value(QStringLiteral("dir")).toString())
                  .arg(manifest.value(QStringLiteral("regular_files")).toInteger())
                  .arg(manifest.value(QStringLiteral("directories")).toInteger())
                  .arg(manifest.value(QStringLiteral("instruction_files")).toInteger())
                  .arg(manifest.value(QStringLiteral("instruction_bytes")).toInteger())
                  .arg(manifest.value(QStringLiteral("skills")).toInteger())
                  .arg(manifest.value(QStringLiteral("mcp_configs")).toInteger())
                  .arg(result.value(QStringLiteral("seconds")).toDouble()));
    return 0;
}

QJsonObject readManifest(const QString &directory)
{
    QFile file(directory + QLatin1Char('/') + QLatin1StringView(ManifestName));
    if (!file.open(QIODevice::ReadOnly)) {
        return {};
    }
    return QJsonDocument::fromJson(file.readAll()).object();
}

QList<ScanRoot> scanRoots(const QString &directory, RootChoice choice)
{
    if (choice == RootChoice::Tree) {
        return {ScanRoot {directory, QString()}};
    }
    QList<ScanRoot> roots;
    const QStringList repos =
            QDir(directory).entryList({QStringLiteral("repo-*")}, QDir::Dirs, QDir::Name);
    for (const QString &repo : repos) {
        roots.append(ScanRoot {directory + QLatin1Char('/') + repo, QString()});
    }
    return roots;
}

int runResolve(const Config &config)
{
    const QString directory = QDir(config.directory).absolutePath();
    if (!QFileInfo(directory).isDir()) {
        std::fprintf(stderr, "bench_context: resolve: %s is not a folder\n", qPrintable(directory));
        return 1;
    }
    const QList<ScanRoot> roots = scanRoots(directory, config.roots);
    const ContextResolver resolver;
    QStringList walked;
    // Untimed: the first walk pays for page faults and allocator growth.
    ContextSnapshot snapshot = resolver.resolve(roots, nullptr, &walked);
    std::vector<double> samples;
    std::vector<double> samplesWithoutList;
    QElapsedTimer clock;
    for (int i = 0; i < config.repeat; ++i) {
        // As ContextManager calls it: with the list of walked folders for the watcher.
        walked.clear();
        clock.start();
        snapshot = resolver.resolve(roots, nullptr, &walked);
        samples.push_back(milliseconds(clock.nsecsElapsed()));
        clock.start();
        const ContextSnapshot bare = resolver.resolve(roots);
        samplesWithoutList.push_back(milliseconds(clock.nsecsElapsed()));
        if (bare.aggregateHash != snapshot.aggregateHash) {
            std::fprintf(stderr, "bench_context: resolve: the tree changed while measuring\n");
            return 1;
        }
    }

    int byKind[3] = {0, 0, 0};
    int byStatus[5] = {0, 0, 0, 0, 0};
    qint64 contentBytes = 0;
    for (const ContextResource &resource : std::as_const(snapshot.resources)) {
        if (resource.kind == ResourceKind::InstructionFile) {
            ++byKind[0];
        } else if (resource.kind == ResourceKind::Skill) {
            ++byKind[1];
        } else if (resource.kind == ResourceKind::McpConfig) {
            ++byKind[2];
        }
        ++byStatus[std::clamp(int(resource.status), 0, 4)];
        contentBytes += qint64(resource.sizeBytes);
    }
    QJsonArray sampleArray;
    for (const double sample : samples) {
        sampleArray.append(sample);
    }
    const QJsonObject manifest = readManifest(directory);
    QJsonObject result = header(QStringLiteral("resolve"));
    result.insert(QStringLiteral("dir"), directory);
    result.insert(QStringLiteral("roots"),
                  config.roots == RootChoice::Tree ? QStringLiteral("tree")
                                                   : QStringLiteral("repos"));
    result.insert(QStringLiteral("scan_roots"), qint64(roots.size()));
    result.insert(QStringLiteral("max_depth"), resolver.options().maxDepth);
    result.insert(QStringLiteral("repeat"), config.repeat);
    result.insert(QStringLiteral("median_ms"), median(samples));
    result.insert(QStringLiteral("best_ms"), *std::min_element(samples.begin(), samples.end()));
    result.insert(QStringLiteral("median_ms_no_walk_list"), median(samplesWithoutList));
    result.insert(QStringLiteral("best_ms_no_walk_list"),
                  *std::min_element(samplesWithoutList.begin(), samplesWithoutList.end()));
    result.insert(QStringLiteral("samples_ms"), sampleArray);
    result.insert(QStringLiteral("resources"), qint64(snapshot.resources.size()));
    result.insert(QStringLiteral("instruction_files"), byKind[0]);
    result.insert(QStringLiteral("skills"), byKind[1]);
    result.insert(QStringLiteral("mcp_configs"), byKind[2]);
    result.insert(QStringLiteral("ok"), byStatus[int(ResourceStatus::Ok)]);
    result.insert(QStringLiteral("oversize"), byStatus[int(ResourceStatus::Oversize)]);
    result.insert(QStringLiteral("unreadable"), byStatus[int(ResourceStatus::Unreadable)]);
    result.insert(QStringLiteral("invalid"), byStatus[int(ResourceStatus::Invalid)]);
    result.insert(QStringLiteral("excluded"), byStatus[int(ResourceStatus::Excluded)]);
    result.insert(QStringLiteral("content_bytes"), contentBytes);
    result.insert(QStringLiteral("payload_bytes"), qint64(snapshot.payloadBytes));
    result.insert(QStringLiteral("walked_directories"), qint64(walked.size()));
    result.insert(QStringLiteral("expected_resources"),
                  config.roots == RootChoice::Tree
                          ? manifest.value(QStringLiteral("expected_resources")).toInteger(-1)
                          : qint64(-1));
    result.insert(QStringLiteral("snapshot_error"), snapshot.snapshotError);
    print(config, result,
          QStringLiteral("resolve %1 (%2 scan roots): median %3 ms, best %4 ms (without the "
                         "walked-folder list: median %5 ms); %6 resources (%7 instruction "
                         "files, %8 skills, %9 MCP configs), %10 folders walked")
                  .arg(directory)
                  .arg(roots.size())
                  .arg(median(samples), 0, 'f', 2)
                  .arg(result.value(QStringLiteral("best_ms")).toDouble(), 0, 'f', 2)
                  .arg(median(samplesWithoutList), 0, 'f', 2)
                  .arg(snapshot.resources.size())
                  .arg(byKind[0])
                  .arg(byKind[1])
                  .arg(byKind[2])
                  .arg(walked.size()));
    return 0;
}

// MB/s (10^6 bytes, as openssl speed) of hashing `total` bytes in `chunk`-byte calls, cycling
// through `data`; the best of three passes.
double hashThroughput(const QByteArray &data, qint64 chunk, qint64 total, quint8 *sink)
{
    double best = 0;
    for (int pass = 0; pass < 3; ++pass) {
        QElapsedTimer clock;
        clock.start();
        qint64 position = 0;
        qint64 done = 0;
        for (; done < total; done += chunk) {
            if (position + chunk > data.size()) {
                position = 0;
            }
            *sink ^= quint8(Sha256::hash(QByteArrayView(data).sliced(position, chunk)).at(0));
            position += chunk;
        }
        const qint64 nanoseconds = std::max<qint64>(1, clock.nsecsElapsed());
        best = std::max(best, double(done) / double(nanoseconds) * 1e3);
    }
    return best;
}

int runHash(const Config &config)
{
    QByteArray data(BufferBytes, Qt::Uninitialized);
    for (qsizetype i = 0; i < data.size(); i += 8) {
        const quint64 value = mix(quint64(i));
        std::memcpy(data.data() + i, &value, sizeof value);
    }
    const qint64 total = std::max<qint64>(config.mib * 1024 * 1024, BufferBytes);
    quint8 sink = 0;
    const double blocks = hashThroughput(data, BlockBytes, total, &sink);
    const double buffers = hashThroughput(data, BufferBytes, total, &sink);
    QJsonObject result = header(QStringLiteral("hash"));
    result.insert(QStringLiteral("mib"), config.mib);
    result.insert(QStringLiteral("block_bytes"), BlockBytes);
    result.insert(QStringLiteral("blocks_mb_per_s"), blocks);
    result.insert(QStringLiteral("buffer_bytes"), BufferBytes);
    result.insert(QStringLiteral("buffers_mb_per_s"), buffers);
    result.insert(QStringLiteral("sink"), int(sink)); // keeps the digests alive
    print(config, result,
          QStringLiteral("Sha256::hash: %1 MB/s on 16 KiB blocks, %2 MB/s on 16 MiB buffers "
                         "(%3 MiB per pass, best of 3)")
                  .arg(blocks, 0, 'f', 1)
                  .arg(buffers, 0, 'f', 1)
                  .arg(total / 1024 / 1024));
    return 0;
}

// Runs the event loop until `done()` holds, or fails after `timeoutMSecs`. The signal handlers
// quit `loop` to have `done()` checked again.
bool waitUntil(QEventLoop &loop, const std::function<bool()> &done, qint64 timeoutMSecs)
{
    QElapsedTimer clock;
    clock.start();
    QTimer timeout;
    timeout.setSingleShot(true);
    timeout.setTimerType(Qt::PreciseTimer);
    QObject::connect(&timeout, &QTimer::timeout, &loop, [&loop] { loop.quit(); });
    while (!done()) {
        const qint64 left = timeoutMSecs - clock.elapsed();
        if (left <= 0) {
            return false;
        }
        timeout.start(std::chrono::milliseconds(left));
        loop.exec();
    }
    return true;
}

// Lets the event loop run for `msecs`, whatever happens meanwhile.
void settle(QEventLoop &loop, qint64 msecs)
{
    QElapsedTimer clock;
    clock.start();
    waitUntil(loop, [&] { return clock.elapsed() >= msecs; }, msecs);
}

int runLatency(const Config &config)
{
    const QString directory = QDir(config.directory).absolutePath();
    const QString workDir =
            config.scope == Scope::Tree ? directory : directory + QLatin1Char('/') + repoName(0);
    if (!QFileInfo(workDir).isDir()) {
        std::fprintf(stderr, "bench_context: latency: %s is not a folder\n", qPrintable(workDir));
        return 1;
    }
    QTemporaryDir home;
    ContextManager::Options options;
    options.workingDirectory = [workDir] { return workDir; };
    options.homeDirectory = home.path();
    options.includeBuiltinRoots = false;
    options.watch = true;
    options.debounce = std::chrono::milliseconds(config.debounceMSecs);
    ContextManager manager(options);

    QEventLoop loop;
    QElapsedTimer clock;
    clock.start();
    quint64 version = 0;
    qint64 changedAtNs = -1; // when the watcher last said "changed"
    QString targetId;
    QByteArray expectedHash;
    qint64 seenAtNs = -1; // when a snapshot first carried expectedHash
    qint64 changeBeforeSeenNs = -1;
    qint64 resolvedAtNs = -1; // when the last resolve came back to the manager's thread
    qint64 resolvedBeforeSeenNs = -1;
    int extraSnapshots = 0;
    bool measuring = false;
    QObject::connect(&manager, &ContextManager::snapshotChanged, &loop,
                     [&](const ContextSnapshot &snapshot) {
                         version = snapshot.version;
                         bool seen = false;
                         if (!targetId.isEmpty()) {
                             for (const ContextResource &resource : snapshot.resources) {
                                 if (resource.id == targetId) {
                                     seen = resource.contentHash == expectedHash;
                                     break;
                                 }
                             }
                         }
                         if (seen && seenAtNs < 0) {
                             seenAtNs = clock.nsecsElapsed();
                             changeBeforeSeenNs = changedAtNs;
                             resolvedBeforeSeenNs = resolvedAtNs;
                         } else if (measuring && seenAtNs >= 0) {
                             ++extraSnapshots;
                         }
                         loop.quit();
                     });
    QObject::connect(manager.watcher(), &ContextWatcher::changed, &loop,
                     [&] { changedAtNs = clock.nsecsElapsed(); });
    // resolvingChanged(false) comes first in onResolved(), before the watches are synced and
    // the snapshot is published.
    QObject::connect(&manager, &ContextManager::resolvingChanged, &loop, [&](bool resolving) {
        if (!resolving) {
            resolvedAtNs = clock.nsecsElapsed();
        }
    });

    manager.start();
    const qint64 startNs = clock.nsecsElapsed();
    if (!waitUntil(loop, [&] { return version >= 1; }, qint64(config.timeoutSeconds) * 12000)) {
        std::fprintf(stderr, "bench_context: latency: no first snapshot\n");
        return 1;
    }
    const double firstSnapshotMs = milliseconds(clock.nsecsElapsed() - startNs);
    const ContextSnapshot first = manager.snapshot();

    // The smallest of the tree's instruction files (1 KiB and more: not the one-line files out
    // of depth) that stays within the per-resource cap after every edit: an oversize file's
    // hash covers only its head, so an append would not change it.
    const QByteArray line = QByteArrayLiteral("- edit 0000: appended by bench_context latency.\n");
    const ContextResource *target = nullptr;
    for (const ContextResource &resource : first.resources) {
        if (resource.kind == ResourceKind::InstructionFile && resource.sizeBytes >= 1024 &&
            (resource.status == ResourceStatus::Ok ||
             resource.status == ResourceStatus::Excluded) &&
            (!target || resource.sizeBytes < target->sizeBytes)) {
            target = &resource;
        }
    }
    if (!target ||
        qint64(target->sizeBytes) + config.edits * line.size() >
                ContextResolver::DefaultMaxResourceBytes) {
        std::fprintf(stderr, "bench_context: latency: no instruction file to edit in %s\n",
                     qPrintable(workDir));
        return 1;
    }
    const QString path = target->source;
    targetId = target->id;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        std::fprintf(stderr, "bench_context: latency: cannot read %s\n", qPrintable(path));
        return 1;
    }
    const QByteArray original = file.readAll();
    file.close();
    QByteArray content = original;

    // Settles after each edit for two debounce intervals, so stray events of one edit do not
    // delay the next one's measurement (they are counted as extra snapshots).
    const qint64 settleMSecs = 2 * qint64(config.debounceMSecs) + 20;
    std::vector<double> latencies;
    std::vector<double> toChange;
    std::vector<double> changeToSnapshot;
    std::vector<double> changeToResolved;
    int timeouts = 0;
    QString error;
    measuring = true;
    for (int edit = 0; edit < config.edits && error.isEmpty(); ++edit) {
        QByteArray text = line;
        const QByteArray number = QByteArray::number(edit % 10000).rightJustified(4, '0');
        text.replace(7, 4, number);
        content += text;
        expectedHash = Sha256::hash(content);
        seenAtNs = -1;
        changedAtNs = -1;
        const qint64 writtenAtNs = clock.nsecsElapsed();
        if (!file.open(QIODevice::WriteOnly | QIODevice::Append) ||
            file.write(text) != text.size()) {
            error = QStringLiteral("cannot append to %1: %2").arg(path, file.errorString());
        }
        file.close();
        if (!error.isEmpty()) {
            break;
        }
        if (!waitUntil(loop, [&] { return seenAtNs >= 0; }, qint64(config.timeoutSeconds) * 1000)) {
            ++timeouts;
            latencies.push_back(double(config.timeoutSeconds) * 1000);
        } else {
            latencies.push_back(milliseconds(seenAtNs - writtenAtNs));
            if (changeBeforeSeenNs >= writtenAtNs) {
                toChange.push_back(milliseconds(changeBeforeSeenNs - writtenAtNs));
                changeToSnapshot.push_back(milliseconds(seenAtNs - changeBeforeSeenNs));
                if (resolvedBeforeSeenNs >= changeBeforeSeenNs) {
                    changeToResolved.push_back(
                            milliseconds(resolvedBeforeSeenNs - changeBeforeSeenNs));
                }
            }
        }
        settle(loop, settleMSecs);
        waitUntil(loop, [&] { return !manager.isResolving(); }, 60000);
    }
    measuring = false;
    const int watchedDirectories = int(manager.watcher()->watchedDirectories().size());
    const int watchedFiles = int(manager.watcher()->watchedFiles().size());
    const QString degradation = manager.watcherDegradation();
    manager.close();
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) ||
        file.write(original) != original.size()) {
        std::fprintf(stderr, "bench_context: latency: cannot restore %s\n", qPrintable(path));
        return 1;
    }
    file.close();
    if (!error.isEmpty()) {
        std::fprintf(stderr, "bench_context: latency: %s\n", qPrintable(error));
        return 1;
    }

    const double sum = std::accumulate(latencies.begin(), latencies.end(), 0.0);
    QJsonObject result = header(QStringLiteral("latency"));
    result.insert(QStringLiteral("scope"),
                  config.scope == Scope::Tree ? QStringLiteral("tree") : QStringLiteral("repo"));
    result.insert(QStringLiteral("working_directory"), workDir);
    result.insert(QStringLiteral("edited_file"), path);
    result.insert(QStringLiteral("edits"), config.edits);
    result.insert(QStringLiteral("debounce_ms"), config.debounceMSecs);
    result.insert(QStringLiteral("p50_ms"), percentile(latencies, 0.5));
    result.insert(QStringLiteral("p95_ms"), percentile(latencies, 0.95));
    result.insert(QStringLiteral("max_ms"), percentile(latencies, 1));
    result.insert(QStringLiteral("min_ms"), percentile(latencies, 0));
    result.insert(QStringLiteral("mean_ms"), latencies.empty() ? 0 : sum / latencies.size());
    result.insert(QStringLiteral("timeouts"), timeouts);
    result.insert(QStringLiteral("extra_snapshots"), extraSnapshots);
    // Write -> the watcher's debounced changed(), and changed() -> the snapshot.
    result.insert(QStringLiteral("to_change_p50_ms"), percentile(toChange, 0.5));
    result.insert(QStringLiteral("to_change_p95_ms"), percentile(toChange, 0.95));
    result.insert(QStringLiteral("change_to_snapshot_p50_ms"), percentile(changeToSnapshot, 0.5));
    result.insert(QStringLiteral("change_to_snapshot_p95_ms"), percentile(changeToSnapshot, 0.95));
    // ... of which changed() -> the resolve back on the manager's thread; the rest is
    // publishing (timeline, watcher sync, the signal).
    result.insert(QStringLiteral("change_to_resolved_p50_ms"), percentile(changeToResolved, 0.5));
    result.insert(QStringLiteral("change_to_resolved_p95_ms"), percentile(changeToResolved, 0.95));
    result.insert(QStringLiteral("first_snapshot_ms"), firstSnapshotMs);
    result.insert(QStringLiteral("resources"), qint64(first.resources.size()));
    result.insert(QStringLiteral("watched_directories"), watchedDirectories);
    result.insert(QStringLiteral("watched_files"), watchedFiles);
    result.insert(QStringLiteral("degradation"), degradation);
    print(config, result,
          QStringLiteral("latency (%1, debounce %2 ms, %3 edits of %4): p50 %5 ms, p95 %6 ms, "
                         "max %7 ms; write->changed p50 %8 ms, changed->snapshot p50 %9 ms; "
                         "%10 timeouts, %11 extra snapshots; %12 folders and %13 files watched")
                  .arg(result.value(QStringLiteral("scope")).toString())
                  .arg(config.debounceMSecs)
                  .arg(config.edits)
                  .arg(path)
                  .arg(percentile(latencies, 0.5), 0, 'f', 2)
                  .arg(percentile(latencies, 0.95), 0, 'f', 2)
                  .arg(percentile(latencies, 1), 0, 'f', 2)
                  .arg(percentile(toChange, 0.5), 0, 'f', 2)
                  .arg(percentile(changeToSnapshot, 0.5), 0, 'f', 2)
                  .arg(timeouts)
                  .arg(extraSnapshots)
                  .arg(watchedDirectories)
                  .arg(watchedFiles));
    return 0;
}

std::optional<Config> parseArguments(const QStringList &arguments, QString *error)
{
    QCommandLineParser parser;
    const QCommandLineOption repos(QStringLiteral("repos"), QString(), QStringLiteral("N"));
    const QCommandLineOption files(QStringLiteral("files"), QString(), QStringLiteral("N"));
    const QCommandLineOption instructions(QStringLiteral("instructions"), QString(),
                                          QStringLiteral("N"));
    const QCommandLineOption repeat(QStringLiteral("repeat"), QString(), QStringLiteral("N"));
    const QCommandLineOption roots(QStringLiteral("roots"), QString(), QStringLiteral("WHICH"));
    const QCommandLineOption mib(QStringLiteral("mib"), QString(), QStringLiteral("N"));
    const QCommandLineOption edits(QStringLiteral("edits"), QString(), QStringLiteral("N"));
    const QCommandLineOption debounce(QStringLiteral("debounce"), QString(), QStringLiteral("MS"));
    const QCommandLineOption scope(QStringLiteral("scope"), QString(), QStringLiteral("WHICH"));
    const QCommandLineOption timeout(QStringLiteral("timeout"), QString(), QStringLiteral("S"));
    const QCommandLineOption json(QStringLiteral("json"), QString());
    parser.addOptions({repos, files, instructions, repeat, roots, mib, edits, debounce, scope,
                       timeout, json});
    if (!parser.parse(arguments)) {
        *error = parser.errorText();
        return std::nullopt;
    }
    const QStringList positional = parser.positionalArguments();
    Config config;
    const QString command = positional.value(0);
    if (command == QLatin1String("generate")) {
        config.command = Command::Generate;
    } else if (command == QLatin1String("resolve")) {
        config.command = Command::Resolve;
    } else if (command == QLatin1String("hash")) {
        config.command = Command::Hash;
    } else if (command == QLatin1String("latency")) {
        config.command = Command::Latency;
    } else {
        *error = QStringLiteral("usage: bench_context generate|resolve|hash|latency [DIR] "
                                "[options] (see the top of bench_context.cpp)");
        return std::nullopt;
    }
    const qsizetype wanted = config.command == Command::Hash ? 1 : 2;
    if (positional.size() != wanted) {
        *error = wanted == 1 ? QStringLiteral("hash takes no folder")
                             : QStringLiteral("%1 wants one folder").arg(command);
        return std::nullopt;
    }
    config.directory = positional.value(1);

    // Positive integers; false with the error set when an option is not one.
    const auto number = [&](const QCommandLineOption &option, auto *value) {
        if (!parser.isSet(option)) {
            return true;
        }
        bool ok = false;
        const qint64 parsed = parser.value(option).toLongLong(&ok);
        if (!ok || parsed <= 0) {
            *error = QStringLiteral("--%1 wants a positive number").arg(option.names().first());
            return false;
        }
        *value = std::remove_pointer_t<decltype(value)>(parsed);
        return true;
    };
    if (!number(repos, &config.repos) || !number(files, &config.files) ||
        !number(instructions, &config.instructions) || !number(repeat, &config.repeat) ||
        !number(mib, &config.mib) || !number(edits, &config.edits) ||
        !number(debounce, &config.debounceMSecs) || !number(timeout, &config.timeoutSeconds)) {
        return std::nullopt;
    }
    const QString rootsText = parser.value(roots);
    if (rootsText == QLatin1String("repos")) {
        config.roots = RootChoice::Repos;
    } else if (!rootsText.isEmpty() && rootsText != QLatin1String("tree")) {
        *error = QStringLiteral("--roots is tree or repos");
        return std::nullopt;
    }
    const QString scopeText = parser.value(scope);
    if (scopeText == QLatin1String("tree")) {
        config.scope = Scope::Tree;
    } else if (!scopeText.isEmpty() && scopeText != QLatin1String("repo")) {
        *error = QStringLiteral("--scope is repo or tree");
        return std::nullopt;
    }
    config.json = parser.isSet(json);
    return config;
}

int run(const Config &config)
{
    switch (config.command) {
    case Command::Generate:
        return runGenerate(config);
    case Command::Resolve:
        return runResolve(config);
    case Command::Hash:
        return runHash(config);
    case Command::Latency:
        return runLatency(config);
    }
    return 1;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QString error;
    const std::optional<Config> config = parseArguments(QCoreApplication::arguments(), &error);
    if (!config) {
        std::fprintf(stderr, "bench_context: %s\n", qPrintable(error));
        return 64;
    }
    // A debug line per published version is noise here; QT_LOGGING_RULES still wins.
    QLoggingCategory::setFilterRules(
            QStringLiteral("companion.*.debug=false\ncompanion.*.info=false"));
    return run(*config);
}
