#include "context/contextpaths.h"
#include "context/contextresolver.h"
#include "context/contextwatcher.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

// The resolver on real files: the scenarios of Coder's agent/agentcontext resolve_test.go that
// fit the Rev A walk with Rev B's safety rules, plus the walk itself (depth, skip list, symlinked
// folders), cancellation, and the aggregate hash against its documented byte layout.
class TestContextResolver : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_base; // a fresh, canonical folder per test function

    static QByteArray sha256(QByteArrayView data)
    {
        // Independent of the code under test (which uses OpenSSL).
        return QCryptographicHash::hash(data, QCryptographicHash::Sha256);
    }

    QString path(const QString &relative) const { return m_base + QLatin1Char('/') + relative; }

    QString mkdir(const QString &relative) const
    {
        const QString dir = path(relative);
        if (!QDir().mkpath(dir)) {
            qFatal("cannot create %s", qPrintable(dir));
        }
        return dir;
    }

    QString write(const QString &relative, const QByteArray &content) const
    {
        const QString file = path(relative);
        QDir().mkpath(QFileInfo(file).absolutePath());
        QFile out(file);
        if (!out.open(QIODevice::WriteOnly) || out.write(content) != content.size()) {
            qFatal("cannot write %s", qPrintable(file));
        }
        return file;
    }

    QString link(const QString &target, const QString &relative) const
    {
        const QString file = path(relative);
        QDir().mkpath(QFileInfo(file).absolutePath());
        if (!QFile::link(target, file)) {
            qFatal("cannot link %s", qPrintable(file));
        }
        return file;
    }

    static QByteArray skillFile(const QString &name, const QString &description = QString())
    {
        QByteArray text = "---\nname: " + name.toUtf8() + '\n';
        if (!description.isEmpty()) {
            text += "description: " + description.toUtf8() + '\n';
        }
        return text + "---\n# " + name.toUtf8() + "\n\nDo the thing.\n";
    }

    static ContextSnapshot resolve(const QStringList &roots,
                                   ContextResolver::Options options = ContextResolver::Options())
    {
        QList<ScanRoot> scanRoots;
        for (const QString &root : roots) {
            scanRoots.append(ScanRoot {root, QString()});
        }
        return ContextResolver(std::move(options)).resolve(scanRoots);
    }

    static const ContextResource *find(const ContextSnapshot &snapshot, const QString &id)
    {
        for (const ContextResource &resource : snapshot.resources) {
            if (resource.id == id) {
                return &resource;
            }
        }
        return nullptr;
    }

    static QStringList ids(const ContextSnapshot &snapshot)
    {
        QStringList list;
        for (const ContextResource &resource : snapshot.resources) {
            list.append(resource.id);
        }
        return list;
    }

    static QString instructionId(const QString &file)
    {
        return QStringLiteral("instruction_file:") + file;
    }

    // Checks what every snapshot must satisfy: sorted ids, payload total, hash of the resources.
    static void verifyInvariants(const ContextSnapshot &snapshot)
    {
        quint64 payload = 0;
        for (qsizetype i = 0; i < snapshot.resources.size(); ++i) {
            const ContextResource &resource = snapshot.resources.at(i);
            if (i > 0) {
                QVERIFY(snapshot.resources.at(i - 1).id.toUtf8() < resource.id.toUtf8());
            }
            QCOMPARE(resource.id,
                     resourceKindName(resource.kind) + QLatin1Char(':') + resource.source);
            QCOMPARE(resource.contentHash.size(), 32);
            QVERIFY(resource.status == ResourceStatus::Ok || resource.payload.isEmpty());
            QVERIFY(resource.status == ResourceStatus::Ok || !resource.error.isEmpty());
            payload += quint64(resource.payload.size());
        }
        QCOMPARE(snapshot.payloadBytes, payload);
        QCOMPARE(snapshot.aggregateHash, ContextSnapshot::computeAggregateHash(snapshot.resources));
        QCOMPARE(snapshot.version, quint64(0));
        QCOMPARE(snapshot.schemaVersion, quint64(1));
    }

private Q_SLOTS:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        m_base = QFileInfo(m_dir->path()).canonicalFilePath();
    }

    void cleanup() { m_dir.reset(); }

    // --- enumerations -------------------------------------------------------------------

    void resourceKindString_data()
    {
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("expected");
        QTest::newRow("unspecified") << 0 << QStringLiteral("unknown");
        QTest::newRow("instruction file") << 1 << QStringLiteral("instruction_file");
        QTest::newRow("skill") << 2 << QStringLiteral("skill");
        QTest::newRow("mcp config") << 3 << QStringLiteral("mcp_config");
        QTest::newRow("mcp server") << 4 << QStringLiteral("mcp_server");
        QTest::newRow("plugin") << 5 << QStringLiteral("plugin");
        QTest::newRow("hook") << 6 << QStringLiteral("hook");
        QTest::newRow("subagent") << 7 << QStringLiteral("subagent");
        QTest::newRow("command") << 8 << QStringLiteral("command");
        QTest::newRow("out of range") << 999 << QStringLiteral("unknown");
        QTest::newRow("negative") << -1 << QStringLiteral("unknown");
    }

    void resourceKindString()
    {
        QFETCH(int, kind);
        QFETCH(QString, expected);
        QCOMPARE(resourceKindName(static_cast<ResourceKind>(kind)), expected);
    }

    void resourceStatusString_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("expected");
        QTest::newRow("ok") << 0 << QStringLiteral("ok");
        QTest::newRow("oversize") << 1 << QStringLiteral("oversize");
        QTest::newRow("unreadable") << 2 << QStringLiteral("unreadable");
        QTest::newRow("invalid") << 3 << QStringLiteral("invalid");
        QTest::newRow("excluded") << 4 << QStringLiteral("excluded");
        QTest::newRow("out of range") << 999 << QStringLiteral("unknown");
    }

    void resourceStatusString()
    {
        QFETCH(int, status);
        QFETCH(QString, expected);
        QCOMPARE(resourceStatusName(static_cast<ResourceStatus>(status)), expected);
    }

    // --- aggregate hash -------------------------------------------------------------------

    void aggregateHashDocumentedExample()
    {
        // The example of the upstream layout: one instruction file /w/AGENTS.md, status ok.
        ContextResource resource;
        resource.id = QStringLiteral("instruction_file:/w/AGENTS.md");
        resource.kind = ResourceKind::InstructionFile;
        resource.source = QStringLiteral("/w/AGENTS.md");
        resource.contentHash = sha256("# Rules\n");
        resource.status = ResourceStatus::Ok;
        resource.payload = "# Rules\n"; // not part of the hash

        const QByteArray expectedInput = "29:instruction_file:/w/AGENTS.md"
                                         "16:instruction_file"
                                         "12:/w/AGENTS.md" +
                sha256("# Rules\n") + "2:ok" + QByteArray(1, '\0');
        QCOMPARE(expectedInput.size(), 32 + 19 + 15 + 32 + 4 + 1);
        QCOMPARE(ContextSnapshot::computeAggregateHash({resource}), sha256(expectedInput));
        QCOMPARE(ContextSnapshot::computeAggregateHash({resource}).toHex(),
                 QCryptographicHash::hash(expectedInput, QCryptographicHash::Sha256).toHex());

        // Two resources: concatenated in id order, whatever order they come in.
        ContextResource mcp;
        mcp.id = QStringLiteral("mcp_config:/w/.mcp.json");
        mcp.kind = ResourceKind::McpConfig;
        mcp.source = QStringLiteral("/w/.mcp.json");
        mcp.contentHash = QByteArray(32, '\x01');
        mcp.status = ResourceStatus::Invalid;
        const QByteArray mcpInput = "23:mcp_config:/w/.mcp.json10:mcp_config12:/w/.mcp.json" +
                QByteArray(32, '\x01') + "7:invalid" + QByteArray(1, '\0');
        QCOMPARE(ContextSnapshot::computeAggregateHash({mcp, resource}),
                 sha256(QByteArray(expectedInput + mcpInput)));
    }

    void aggregateHashOfNothing()
    {
        QCOMPARE(ContextSnapshot::computeAggregateHash({}).toHex(),
                 QByteArray("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
    }

    void aggregateHashMultibyteLengthsCountBytes()
    {
        ContextResource resource;
        resource.kind = ResourceKind::InstructionFile;
        resource.source = QStringLiteral("/w/ü/AGENTS.md"); // ü is two bytes in UTF-8
        resource.id = QStringLiteral("instruction_file:") + resource.source;
        const QByteArray input = "32:instruction_file:/w/\xC3\xBC/AGENTS.md16:instruction_file"
                                 "15:/w/\xC3\xBC/AGENTS.md" +
                QByteArray(32, '\0') + "2:ok" + QByteArray(1, '\0');
        QCOMPARE(ContextSnapshot::computeAggregateHash({resource}), sha256(input));
    }

    void aggregateHashDeterministicAcrossOrder()
    {
        QList<ContextResource> resources;
        for (const char *name : {"c", "a", "b"}) {
            ContextResource resource;
            resource.kind = ResourceKind::InstructionFile;
            resource.source = QStringLiteral("/w/%1/AGENTS.md").arg(QLatin1StringView(name));
            resource.id = QStringLiteral("instruction_file:") + resource.source;
            resource.contentHash = sha256(name);
            resources.append(resource);
        }
        const QByteArray hash = ContextSnapshot::computeAggregateHash(resources);
        std::reverse(resources.begin(), resources.end());
        QCOMPARE(ContextSnapshot::computeAggregateHash(resources), hash);
        std::rotate(resources.begin(), resources.begin() + 1, resources.end());
        QCOMPARE(ContextSnapshot::computeAggregateHash(resources), hash);
    }

    void aggregateHashChangesOnContent()
    {
        ContextResource resource;
        resource.kind = ResourceKind::InstructionFile;
        resource.source = QStringLiteral("/w/AGENTS.md");
        resource.id = QStringLiteral("instruction_file:/w/AGENTS.md");
        resource.contentHash = sha256("one");
        const QByteArray original = ContextSnapshot::computeAggregateHash({resource});

        ContextResource edited = resource;
        edited.contentHash = sha256("two");
        QVERIFY(ContextSnapshot::computeAggregateHash({edited}) != original);

        ContextResource excluded = resource;
        excluded.status = ResourceStatus::Excluded;
        QVERIFY(ContextSnapshot::computeAggregateHash({excluded}) != original);

        ContextResource payloadOnly = resource;
        payloadOnly.payload = "not hashed";
        payloadOnly.description = QStringLiteral("not hashed either");
        QCOMPARE(ContextSnapshot::computeAggregateHash({payloadOnly}), original);
    }

    // --- instruction files -----------------------------------------------------------------

    void projectAgentsFile()
    {
        const QByteArray content = "# Project rules\n\nUse tabs.\n";
        const QString file = write(QStringLiteral("AGENTS.md"), content);
        const ContextSnapshot snapshot = resolve({m_base});
        verifyInvariants(snapshot);
        QCOMPARE(snapshot.resources.size(), 1);
        const ContextResource &resource = snapshot.resources.first();
        QCOMPARE(resource.id, instructionId(file));
        QCOMPARE(resource.kind, ResourceKind::InstructionFile);
        QCOMPARE(resource.source, file);
        QCOMPARE(resource.status, ResourceStatus::Ok);
        QCOMPARE(resource.error, QString());
        QCOMPARE(resource.description, QStringLiteral("Project rules"));
        QCOMPARE(resource.payload, content);
        QCOMPARE(resource.sizeBytes, quint64(content.size()));
        QCOMPARE(resource.contentHash, sha256(content));
        QCOMPARE(resource.sourcePath, QString());
        QCOMPARE(snapshot.payloadBytes, quint64(content.size()));
        QCOMPARE(snapshot.snapshotError, QString());
    }

    void instructionDescription_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("description");
        QTest::newRow("heading") << QByteArray("# Title\nbody") << QStringLiteral("Title");
        QTest::newRow("deep heading, spaces")
                << QByteArray("###   Deep  \n") << QStringLiteral("Deep");
        QTest::newRow("heading without space")
                << QByteArray("#NoSpace") << QStringLiteral("NoSpace");
        QTest::newRow("leading blank lines")
                << QByteArray("\n \r\n\t plain text \r\nnext") << QStringLiteral("plain text");
        QTest::newRow("only hashes") << QByteArray("##\nsecond") << QString();
        QTest::newRow("empty file") << QByteArray() << QString();
        QTest::newRow("UTF-8") << QByteArray("# Grüße\n") << QStringLiteral("Grüße");
        // Go's strings.TrimSpace trims Unicode white space: NBSP, U+3000, U+2028, NEL.
        QTest::newRow("Unicode white space")
                << QByteArray("\xC2\xA0\xE3\x80\x80# Title\xE2\x80\xA8\xC2\x85\n")
                << QStringLiteral("Title");
        QTest::newRow("a line of only NBSP is blank")
                << QByteArray("\xC2\xA0\nsecond") << QStringLiteral("second");
        // A BOM is not white space: it stays, as upstream's description keeps it.
        QTest::newRow("leading BOM") << QByteArray("\xEF\xBB\xBF# Title\n")
                                     << QString(QChar(0xFEFF)) + QStringLiteral("# Title");
    }

    void instructionDescription()
    {
        QFETCH(QByteArray, content);
        QFETCH(QString, description);
        write(QStringLiteral("AGENTS.md"), content);
        const ContextSnapshot snapshot = resolve({m_base});
        QCOMPARE(snapshot.resources.size(), 1);
        QCOMPARE(snapshot.resources.first().status, ResourceStatus::Ok);
        QCOMPARE(snapshot.resources.first().description, description);
    }

    void instructionNamesAreCaseSensitive()
    {
        for (const char *name : {"agents.md", "Agents.md", "AGENTS.MD", "claude.md", "Claude.md",
                                 ".CURSORRULES", "agents.markdown", "AGENTS.md.bak"}) {
            write(QLatin1StringView(name), "ignored\n");
        }
        const QString claude = write(QStringLiteral("CLAUDE.md"), "claude\n");
        const ContextSnapshot snapshot = resolve({m_base});
        verifyInvariants(snapshot);
        QCOMPARE(ids(snapshot), QStringList {instructionId(claude)});
    }

    void allInstructionNamesFound()
    {
        const QString agents = write(QStringLiteral("AGENTS.md"), "a\n");
        const QString claude = write(QStringLiteral("CLAUDE.md"), "c\n");
        const QString cursor = write(QStringLiteral(".cursorrules"), "r\n");
        const ContextSnapshot snapshot = resolve({m_base});
        verifyInvariants(snapshot);
        QCOMPARE(ids(snapshot),
                 (QStringList {instructionId(cursor), instructionId(agents),
                               instructionId(claude)}));
    }

    void directoryNamedLikeInstructionFileIgnored()
    {
        mkdir(QStringLiteral("AGENTS.md"));
        mkdir(QStringLiteral(".mcp.json"));
        mkdir(QStringLiteral("skills/x/SKILL.md"));
        const ContextSnapshot snapshot = resolve({m_base});
        QCOMPARE(snapshot.resources.size(), 0);
    }

    void fifoNamedLikeInstructionFileIgnored()
    {
        // Not a regular file: never opened, so the resolve cannot hang on it.
        QCOMPARE(::mkfifo(QFile::encodeName(path(QStringLiteral("AGENTS.md"))).constData(), 0600),
                 0);
        const ContextSnapshot snapshot = resolve({m_base});
        QCOMPARE(snapshot.resources.size(), 0);
        QCOMPARE(snapshot.snapshotError, QString());
    }

    void nestedInstructionFilesFound()
    {
        // Rev A walks: instruction files below the root count too.
        const QString top = write(QStringLiteral("AGENTS.md"), "top\n");
        const QString nested = write(QStringLiteral("site/docs/AGENTS.md"), "nested\n");
        const ContextSnapshot snapshot = resolve({m_base});
        verifyInvariants(snapshot);
        QCOMPARE(ids(snapshot), (QStringList {instructionId(top), instructionId(nested)}));
    }

    // --- skills ----------------------------------------------------------------------------

    void skillsContainerEmitsEachSubdir()
    {
        const QByteArray alpha = skillFile(QStringLiteral("alpha"), QStringLiteral("First skill"));
        write(QStringLiteral("skills/alpha/SKILL.md"), alpha);
        write(QStringLiteral("skills/beta/SKILL.md"), skillFile(QStringLiteral("beta")));
        write(QStringLiteral("skills/beta/helper.sh"), "#!/bin/sh\n");
        const ContextSnapshot snapshot = resolve({m_base});
        verifyInvariants(snapshot);
        QCOMPARE(ids(snapshot),
                 (QStringList {QStringLiteral("skill:") + path(QStringLiteral("skills/alpha")),
                               QStringLiteral("skill:") + path(QStringLiteral("skills/beta"))}));
        const ContextResource &first = snapshot.resources.first();
        QCOMPARE(first.kind, ResourceKind::Skill);
        QCOMPARE(first.status, ResourceStatus::Ok);
        QCOMPARE(first.source, path(QStringLiteral("skills/alpha")));
        QCOMPARE(first.name, QStringLiteral("alpha"));
        QCOMPARE(first.description, QStringLiteral("First skill"));
        QCOMPARE(first.payload, alpha);
        QCOMPARE(first.contentHash, sha256(alpha));
        QCOMPARE(first.sizeBytes, quint64(alpha.size()));
    }

    void skillContainersAtAnyDepth()
    {
        write(QStringLiteral(".claude/skills/one/SKILL.md"), skillFile(QStringLiteral("one")));
        write(QStringLiteral(".agents/skills/two/SKILL.md"), skillFile(QStringLiteral("two")));
        write(QStringLiteral("pkg/deep/skills/three/SKILL.md"), skillFile(QStringLiteral("three")));
        const ContextSnapshot snapshot = resolve({m_base});
        verifyInvariants(snapshot);
        QCOMPARE(snapshot.resources.size(), 3);
        for (const ContextResource &resource : snapshot.resources) {
            QCOMPARE(resource.status, ResourceStatus::Ok);
        }
    }

    void skillOutsideContainerIgnored()
    {
        write(QStringLiteral("SKILL.md"), skillFile(QStringLiteral("root")));
        write(QStringLiteral("tools/lonely/SKILL.md"), skillFile(QStringLiteral("lonely")));
        write(QStringLiteral("skills/SKILL.md"), skillFile(QStringLiteral("skills")));
        write(QStringLiteral("skills/a/nested/SKILL.md"), skillFile(QStringLiteral("nested")));
        write(QStringLiteral("Skills/upper/SKILL.md"), skillFile(QStringLiteral("upper")));
        write(QStringLiteral("skills/lower/skill.md"), skillFile(QStringLiteral("lower")));
        const ContextSnapshot snapshot = resolve({m_base});
        QCOMPARE(ids(snapshot), QStringList());
    }

    void skillsRootIsItsOwnContainer()
    {
        const QString container = mkdir(QStringLiteral("home/.coder/skills"));
        write(QStringLiteral("home/.coder/skills/review/SKILL.md"),
              skillFile(QStringLiteral("review")));
        const ContextSnapshot snapshot = resolve({container});
        QCOMPARE(ids(snapshot),
                 QStringList {QStringLiteral("skill:") + container + QStringLiteral("/review")});
    }

    void skillInvalid_data()
    {
        QTest::addColumn<QString>("folder");
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("error");
        QTest::newRow("name mismatch")
                << QStringLiteral("alpha") << skillFile(QStringLiteral("beta"))
                << QStringLiteral("front-matter name \"beta\" does not match directory \"alpha\"");
        QTest::newRow("name not kebab-case")
                << QStringLiteral("My_Skill") << skillFile(QStringLiteral("My_Skill"))
                << QStringLiteral("skill name \"My_Skill\" is not kebab-case");
        QTest::newRow("double hyphen")
                << QStringLiteral("a--b") << skillFile(QStringLiteral("a--b"))
                << QStringLiteral("skill name \"a--b\" is not kebab-case");
        QTest::newRow("trailing hyphen")
                << QStringLiteral("ab-") << skillFile(QStringLiteral("ab-"))
                << QStringLiteral("skill name \"ab-\" is not kebab-case");
        QTest::newRow("no front matter")
                << QStringLiteral("plain") << QByteArray("# Just markdown\n")
                << QStringLiteral("missing opening frontmatter delimiter");
        QTest::newRow("unclosed front matter")
                << QStringLiteral("open") << QByteArray("---\nname: open\n")
                << QStringLiteral("missing closing frontmatter delimiter");
        QTest::newRow("no name") << QStringLiteral("anon")
                                 << QByteArray("---\ndescription: x\n---\n")
                                 << QStringLiteral("frontmatter missing required 'name' field");
    }

    void skillInvalid()
    {
        QFETCH(QString, folder);
        QFETCH(QByteArray, content);
        QFETCH(QString, error);
        write(QStringLiteral("skills/") + folder + QStringLiteral("/SKILL.md"), content);
        const ContextSnapshot snapshot = resolve({m_base});
        verifyInvariants(snapshot);
        QCOMPARE(snapshot.resources.size(), 1);
        const ContextResource &resource = snapshot.resources.first();
        QCOMPARE(resource.id, QStringLiteral("skill:") + path(QStringLiteral("skills/") + folder));
        QCOMPARE(resource.status, ResourceStatus::Invalid);
        QCOMPARE(resource.error, error);
        QVERIFY(resource.payload.isEmpty());
        QCOMPARE(resource.contentHash, sha256(content)); // edits of an invalid skill still show
        QCOMPARE(resource.sizeBytes, quint64(content.size()));
        QCOMPARE(snapshot.payloadBytes, quint64(0));
    }

    void skillNamesDeduplicatedFirstRootWins()
    {
        const QString first = mkdir(QStringLiteral("first"));
        const QString second = mkdir(QStringLiteral("second"));
        write(QStringLiteral("second/skills/deploy/SKILL.md"),
              skillFile(QStringLiteral("deploy"), QStringLiteral("two")));
        write(QStringLiteral("first/skills/deploy/SKILL.md"),
              skillFile(QStringLiteral("deploy"), QStringLiteral("one")));
        // Invalid skills are never deduplicated.
        write(QStringLiteral("first/skills/broken/SKILL.md"), "no front matter");
        write(QStringLiteral("second/skills/broken/SKILL.md"), "no front matter");
        const ContextSnapshot snapshot = resolve({first, second});
        verifyInvariants(snapshot);
        QCOMPARE(ids(snapshot),
                 (QStringList {QStringLiteral("skill:") + first + QStringLiteral("/skills/broken"),
                               QStringLiteral("skill:") + first + QStringLiteral("/skills/deploy"),
                               QStringLiteral("skill:") + second +
                                       QStringLiteral("/skills/broken")}));
        QCOMPARE(find(snapshot, QStringLiteral("skill:") + first + QStringLiteral("/skills/deploy"))
                         ->description,
                 QStringLiteral("one"));

        // Within one root the smaller path wins, whatever order the folders are listed in.
        const ContextSnapshot reversed = resolve({second, first});
        QCOMPARE(
                ids(reversed).filter(QStringLiteral("deploy")),
                QStringList {QStringLiteral("skill:") + second + QStringLiteral("/skills/deploy")});
        write(QStringLiteral("first/b/skills/deploy/SKILL.md"),
              skillFile(QStringLiteral("deploy")));
        write(QStringLiteral("first/a/skills/deploy/SKILL.md"),
              skillFile(QStringLiteral("deploy")));
        // The root's own skills/ comes first; among other skills folders the smaller path.
        ContextSnapshot nested = resolve({first});
        QCOMPARE(ids(nested).filter(QStringLiteral("deploy")),
                 QStringList {QStringLiteral("skill:") + first + QStringLiteral("/skills/deploy")});
        QVERIFY(QDir(first + QStringLiteral("/skills")).removeRecursively());
        nested = resolve({first});
        QCOMPARE(ids(nested).filter(QStringLiteral("deploy")),
                 QStringList {QStringLiteral("skill:") + first +
                              QStringLiteral("/a/skills/deploy")});
    }

    void skillNamesFollowUpstreamContainerOrder()
    {
        // skills/, then .agents/skills/, then .claude/skills/, then .codex/skills/: the first
        // holding a name keeps it, whatever the paths' byte order says.
        write(QStringLiteral(".codex/skills/deploy/SKILL.md"),
              skillFile(QStringLiteral("deploy"), QStringLiteral("codex")));
        write(QStringLiteral(".claude/skills/deploy/SKILL.md"),
              skillFile(QStringLiteral("deploy"), QStringLiteral("claude")));
        write(QStringLiteral(".agents/skills/deploy/SKILL.md"),
              skillFile(QStringLiteral("deploy"), QStringLiteral("agents")));
        ContextSnapshot snapshot = resolve({m_base});
        QCOMPARE(ids(snapshot),
                 QStringList {QStringLiteral("skill:") +
                              path(QStringLiteral(".agents/skills/deploy"))});
        write(QStringLiteral("skills/deploy/SKILL.md"),
              skillFile(QStringLiteral("deploy"), QStringLiteral("plain")));
        snapshot = resolve({m_base});
        QCOMPARE(ids(snapshot),
                 QStringList {QStringLiteral("skill:") + path(QStringLiteral("skills/deploy"))});
        QVERIFY(QDir(path(QStringLiteral("skills"))).removeRecursively());
        QVERIFY(QDir(path(QStringLiteral(".agents"))).removeRecursively());
        snapshot = resolve({m_base});
        QCOMPARE(snapshot.resources.first().description, QStringLiteral("claude"));
    }

    void skillsFolderAtTheDepthLimitYieldsItsSkills()
    {
        // The skills folder itself is 8 levels down: its skills are found, one level deeper.
        QString deep;
        for (int i = 1; i <= 7; ++i) {
            deep += QStringLiteral("d%1/").arg(i);
        }
        write(deep + QStringLiteral("skills/deep-skill/SKILL.md"),
              skillFile(QStringLiteral("deep-skill")));
        // One level further, the skills folder is beyond the limit: nothing.
        write(deep + QStringLiteral("d8/skills/too-deep/SKILL.md"),
              skillFile(QStringLiteral("too-deep")));
        ContextWalk walk;
        const ContextSnapshot snapshot =
                ContextResolver().resolve({ScanRoot {m_base, QString()}}, nullptr, nullptr, &walk);
        QCOMPARE(ids(snapshot),
                 QStringList {QStringLiteral("skill:") +
                              path(deep + QStringLiteral("skills/deep-skill"))});
        QCOMPARE(snapshot.resources.first().status, ResourceStatus::Ok);
        // The replay finds it again, from the walk.
        QCOMPARE(ContextResolver().replay(walk), snapshot);
    }

    void listableButNotEnterableFoldersAreSkipped()
    {
        // Mode r--: the names can be listed, nothing inside can be opened. Rev A skips such a
        // folder silently instead of reporting its files unreadable. Root enters anything, so
        // as root the resolve runs in a child that has become "nobody".
        write(QStringLiteral("locked/AGENTS.md"), "# Locked\n");
        write(QStringLiteral("AGENTS.md"), "# Top\n");
        QVERIFY(::chmod(QFile::encodeName(m_base).constData(), 0755) == 0);
        QVERIFY(::chmod(QFile::encodeName(path(QStringLiteral("locked"))).constData(), 0444) == 0);
        const QStringList expected {instructionId(path(QStringLiteral("AGENTS.md")))};
        const auto resolvesAsExpected = [&] {
            const ContextSnapshot snapshot = resolve({m_base});
            return ids(snapshot) == expected && snapshot.snapshotError.isEmpty();
        };
        bool ok = false;
        if (::geteuid() == 0) {
            const pid_t child = ::fork();
            QVERIFY(child >= 0);
            if (child == 0) {
                // Only the resolve here, no test macros: the answer is the exit status.
                const bool dropped = ::setgid(65534) == 0 && ::setuid(65534) == 0;
                ::_exit(!dropped ? 2 : resolvesAsExpected() ? 0 : 1);
            }
            int status = 0;
            QCOMPARE(::waitpid(child, &status, 0), child);
            QVERIFY2(WIFEXITED(status) && WEXITSTATUS(status) != 2, "could not become nobody");
            ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
        } else {
            ok = resolvesAsExpected();
        }
        ::chmod(QFile::encodeName(path(QStringLiteral("locked"))).constData(), 0755);
        QVERIFY2(ok, "the r-- folder was not skipped silently");
    }

    void namesThatAreNotUtf8AreWalkedByTheirBytes()
    {
        // Go's strings are bytes: folders named by bytes that are not UTF-8 are walked, their
        // files read, symlinks resolved and the aggregate hash taken over the raw bytes. JSON
        // carries U+FFFD for each invalid byte, as Go's encoder writes it.
        const QByteArray base = QFile::encodeName(m_base);
        const QList<std::pair<QByteArray, QString>> folders {
                {QByteArray("d\xff"), QStringLiteral("d\uFFFD")},
                {QByteArray("e\xe2\x82"), QStringLiteral("e\uFFFD\uFFFD")}, // truncated
                {QByteArray("f\xed\xa0\x80"), QStringLiteral("f\uFFFD\uFFFD\uFFFD")}, // surrogate
                {QByteArray("g\xc0\xaf"), QStringLiteral("g\uFFFD\uFFFD")}, // overlong
        };
        QList<std::pair<QByteArray, QByteArray>> expected; // raw id, content
        for (const auto &[raw, shown] : folders) {
            const QByteArray folder = base + '/' + raw;
            QVERIFY(::mkdir(folder.constData(), 0755) == 0);
            const QByteArray content = "# In " + raw + "\n";
            const int fd =
                    ::open(QByteArray(folder + "/AGENTS.md").constData(), O_WRONLY | O_CREAT, 0644);
            QVERIFY(fd >= 0);
            QCOMPARE(::write(fd, content.constData(), size_t(content.size())), content.size());
            ::close(fd);
            expected.append({"instruction_file:" + folder + "/AGENTS.md", content});
        }
        // A symlink into such a folder is resolved by bytes and named by its target.
        const QByteArray notes = base + "/h\xfe/notes.md";
        QVERIFY(::mkdir(QByteArray(base + "/h\xfe").constData(), 0755) == 0);
        const int fd = ::open(notes.constData(), O_WRONLY | O_CREAT, 0644);
        QVERIFY(fd >= 0);
        QCOMPARE(::write(fd, "# Notes\n", 8), 8);
        ::close(fd);
        QVERIFY(::symlink(notes.constData(), QByteArray(base + "/CLAUDE.md").constData()) == 0);
        expected.append({"instruction_file:" + notes, "# Notes\n"});

        const ContextSnapshot snapshot = resolve({m_base});
        verifyInvariants(snapshot);
        QCOMPARE(snapshot.snapshotError, QString());
        QVERIFY2(snapshot.resources.size() == expected.size(),
                 qPrintable(ContextPaths::forDisplay(ids(snapshot).join(QLatin1Char(' ')))));
        for (const auto &[rawId, content] : expected) {
            const ContextResource *resource = find(snapshot, ContextPaths::fromRaw(rawId));
            QVERIFY2(resource, rawId.constData());
            QCOMPARE(resource->status, ResourceStatus::Ok);
            QCOMPARE(resource->payload, content);
            QCOMPARE(resource->sizeBytes, quint64(content.size()));
        }
        for (const auto &[raw, shown] : folders) {
            const QString source = m_base + QLatin1Char('/') + shown + QStringLiteral("/AGENTS.md");
            const ContextResource *resource =
                    find(snapshot,
                         ContextPaths::fromRaw(QByteArray("instruction_file:" + base + '/' + raw +
                                                          "/AGENTS.md")));
            QVERIFY(resource);
            const QByteArray json =
                    QJsonDocument(resource->toJson()).toJson(QJsonDocument::Compact);
            QVERIFY2(json.contains(QJsonDocument(QJsonObject {{QStringLiteral("s"), source}})
                                           .toJson(QJsonDocument::Compact)
                                           .sliced(5)
                                           .chopped(1)),
                     json.constData());
            QCOMPARE(QJsonDocument::fromJson(json).object().value(QStringLiteral("source")),
                     QJsonValue(source));
        }

        // Sorted by raw id and hashed over the raw bytes, computed here independently.
        std::sort(expected.begin(), expected.end());
        QByteArray input;
        for (const auto &[rawId, content] : std::as_const(expected)) {
            const QByteArray source = rawId.sliced(qstrlen("instruction_file:"));
            input += QByteArray::number(rawId.size()) + ':' + rawId + "16:instruction_file" +
                    QByteArray::number(source.size()) + ':' + source + sha256(content) + "2:ok" +
                    '\0';
        }
        QCOMPARE(snapshot.aggregateHash, sha256(input));
    }

    void failedResourcesReportTheirSize()
    {
        // Upstream reports a size for every resource: a failed symlink its own (lstat) size,
        // an unreadable file its stat size.
        const QString dangling = path(QStringLiteral("missing-target.md"));
        const QString link = this->link(dangling, QStringLiteral("AGENTS.md"));
        mkdir(QStringLiteral("folder"));
        this->link(path(QStringLiteral("folder")), QStringLiteral("CLAUDE.md"));
        QTemporaryDir elsewhere;
        const QString outside =
                QFileInfo(elsewhere.path()).canonicalFilePath() + QStringLiteral("/outside.md");
        QFile(outside).open(QIODevice::WriteOnly);
        this->link(outside, QStringLiteral(".cursorrules"));
        const ContextSnapshot snapshot = resolve({m_base});
        QCOMPARE(snapshot.resources.size(), 3);
        for (const ContextResource &resource : snapshot.resources) {
            QVERIFY2(resource.status != ResourceStatus::Ok, qPrintable(resource.id));
            struct stat info;
            const QString walked =
                    resource.source.endsWith(QLatin1String("AGENTS.md")) ? link : resource.source;
            QVERIFY(::lstat(QFile::encodeName(walked).constData(), &info) == 0);
            QCOMPARE(resource.sizeBytes, quint64(info.st_size));
            QVERIFY(resource.sizeBytes > 0);
        }
    }

    // --- MCP configs -----------------------------------------------------------------------

    void mcpConfigEmitted()
    {
        const QByteArray content =
                R"({"mcpServers": {"github": {"command": "gh-mcp", "env": {"TOKEN": "secret"}}}})";
        const QString file = write(QStringLiteral(".mcp.json"), content);
        const ContextSnapshot snapshot = resolve({m_base});
        verifyInvariants(snapshot);
        QCOMPARE(snapshot.resources.size(), 1);
        const ContextResource &resource = snapshot.resources.first();
        QCOMPARE(resource.id, QStringLiteral("mcp_config:") + file);
        QCOMPARE(resource.kind, ResourceKind::McpConfig);
        QCOMPARE(resource.status, ResourceStatus::Ok);
        QVERIFY(resource.payload.isEmpty()); // secrets never leave the agent
        QVERIFY(resource.contentHash != QByteArray(32, '\0'));
        QCOMPARE(resource.contentHash, sha256(content));
        QCOMPARE(resource.sizeBytes, quint64(content.size()));
        QCOMPARE(snapshot.payloadBytes, quint64(0));
        QVERIFY(!QJsonDocument(snapshot.toJson()).toJson().contains("secret"));
    }

    void mcpConfigShape_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<QString>("error");
        QTest::newRow("empty object") << QByteArray("{}") << true << QString();
        QTest::newRow("null servers") << QByteArray(R"({"mcpServers": null})") << true << QString();
        QTest::newRow("no servers") << QByteArray(R"({"mcpServers": {}})") << true << QString();
        QTest::newRow("other keys")
                << QByteArray(R"({"inputs": [1], "mcpServers": {"a": {}}})") << true << QString();
        QTest::newRow("server not an object")
                << QByteArray(R"({"mcpServers": {"ok": {}, "bad": "npx x"}})") << false
                << QStringLiteral("server \"bad\" must be a JSON object");
        QTest::newRow("null server") << QByteArray(R"({"mcpServers": {"nil": null}})") << false
                                     << QStringLiteral("server \"nil\" must be a JSON object");
        QTest::newRow("servers not an object")
                << QByteArray(R"({"mcpServers": ["a"]})") << false
                << QStringLiteral("invalid MCP config: \"mcpServers\" must be a JSON object");
        QTest::newRow("top level array")
                << QByteArray("[]") << false
                << QStringLiteral("invalid MCP config: the top level must be a JSON object");
        QTest::newRow("not JSON") << QByteArray("{mcpServers:") << false
                                  << QStringLiteral("invalid JSON at offset");
        QTest::newRow("empty file")
                << QByteArray() << false << QStringLiteral("invalid JSON at offset");
        // As Go's encoding/json decodes the file into upstream's struct:
        QTest::newRow("field name in another case")
                << QByteArray(R"({"MCPSERVERS": {"a": 1}})") << false
                << QStringLiteral("server \"a\" must be a JSON object");
        QTest::newRow("field name in another case, valid")
                << QByteArray(R"({"McpServers": {"a": {}}})") << true << QString();
        QTest::newRow("repeated field: null clears")
                << QByteArray(R"({"mcpServers": {"a": 1}, "mcpServers": null})") << true
                << QString();
        QTest::newRow("repeated field: the last server wins")
                << QByteArray(R"({"mcpServers": {"a": 1}, "mcpServers": {"a": {}}})") << true
                << QString();
        QTest::newRow("repeated field: maps merge")
                << QByteArray(R"({"mcpServers": {"a": 1}, "mcpServers": {"b": {}}})") << false
                << QStringLiteral("server \"a\" must be a JSON object");
        QTest::newRow("top-level null") << QByteArray("null") << true << QString();
        QTest::newRow("number out of float range elsewhere")
                << QByteArray(
                           R"({"x": 1e400, "y": 123456789012345678901234567890, "mcpServers": {}})")
                << true << QString();
        QTest::newRow("invalid UTF-8 in keys is replaced")
                << QByteArray("{\"\xff\": 1, \"mcpServers\": {\"\xfe\": {}}}") << true << QString();
        QTest::newRow("byte-order mark") << QByteArray("\xEF\xBB\xBF{}") << false
                                         << QStringLiteral("invalid JSON at offset");
        QTest::newRow("raw TAB in a string")
                << QByteArray("{\"mcpServers\": {\"a\": {\"command\": \"x\ty\"}}}") << false
                << QStringLiteral("invalid JSON at offset");
        QTest::newRow("trailing garbage") << QByteArray(R"({"mcpServers": {}} x)") << false
                                          << QStringLiteral("invalid JSON at offset");
    }

    void mcpConfigShape()
    {
        QFETCH(QByteArray, content);
        QFETCH(bool, valid);
        QFETCH(QString, error);
        write(QStringLiteral(".mcp.json"), content);
        const ContextSnapshot snapshot = resolve({m_base});
        verifyInvariants(snapshot);
        QCOMPARE(snapshot.resources.size(), 1);
        const ContextResource &resource = snapshot.resources.first();
        QCOMPARE(resource.status, valid ? ResourceStatus::Ok : ResourceStatus::Invalid);
        QVERIFY2(resource.error.startsWith(error), qPrintable(resource.error));
        QCOMPARE(resource.contentHash, sha256(content));
        QCOMPARE(resource.sizeBytes, quint64(content.size()));
        QVERIFY(resource.payload.isEmpty());
    }

    void mcpConfigFoundAtDepth()
    {
        const QString file = write(QStringLiteral("services/api/config/.mcp.json"), "{}");
        const ContextSnapshot snapshot = resolve({m_base});
        QCOMPARE(ids(snapshot), QStringList {QStringLiteral("mcp_config:") + file});
    }

    void mcpConfigCountsInAggregateHash()
    {
        write(QStringLiteral("AGENTS.md"), "rules\n");
        const QByteArray without = resolve({m_base}).aggregateHash;
        write(QStringLiteral(".mcp.json"), "{}");
        const QByteArray with = resolve({m_base}).aggregateHash;
        QVERIFY(with != without); // Rev A hashes every resource, MCP configs included
        write(QStringLiteral(".mcp.json"), R"({"mcpServers": {}})");
        QVERIFY(resolve({m_base}).aggregateHash != with);
    }

    // --- symlinks --------------------------------------------------------------------------

    void symlinkInsideScanRootAllowed()
    {
        const QByteArray content = "# Shared rules\n";
        const QString target = write(QStringLiteral("docs/rules.md"), content);
        link(QStringLiteral("docs/rules.md"), QStringLiteral("AGENTS.md"));
        const ContextSnapshot snapshot = resolve({m_base});
        verifyInvariants(snapshot);
        QCOMPARE(snapshot.resources.size(), 1);
        const ContextResource &resource = snapshot.resources.first();
        QCOMPARE(resource.status, ResourceStatus::Ok);
        QCOMPARE(resource.source, target); // attributed to the target
        QCOMPARE(resource.id, instructionId(target));
        QCOMPARE(resource.payload, content);
        QCOMPARE(resource.description, QStringLiteral("Shared rules"));
    }

    void symlinkedInstructionFilesDeduplicated()
    {
        const QString agents = write(QStringLiteral("AGENTS.md"), "# One file\n");
        link(QStringLiteral("AGENTS.md"), QStringLiteral("CLAUDE.md"));
        link(path(QStringLiteral("AGENTS.md")), QStringLiteral(".cursorrules"));
        const ContextSnapshot snapshot = resolve({m_base});
        verifyInvariants(snapshot);
        QCOMPARE(ids(snapshot), QStringList {instructionId(agents)});
        QCOMPARE(snapshot.resources.first().status, ResourceStatus::Ok);
    }

    void symlinkOutsideScanRootRejected()
    {
        const QString root = mkdir(QStringLiteral("project"));
        const QString outside = write(QStringLiteral("secret/notes.md"), "secret\n");
        const QString file = link(outside, QStringLiteral("project/AGENTS.md"));
        const ContextSnapshot snapshot = resolve({root});
        verifyInvariants(snapshot);
        QCOMPARE(snapshot.resources.size(), 1);
        const ContextResource &resource = snapshot.resources.first();
        QCOMPARE(resource.id, instructionId(file)); // named by the link: it was never resolved
        QCOMPARE(resource.status, ResourceStatus::Invalid);
        QVERIFY(resource.payload.isEmpty());
        QCOMPARE(resource.contentHash, QByteArray(32, '\0'));
        QCOMPARE(resource.error,
                 QStringLiteral("symlink target \"%1\" escapes scan root \"%2\"")
                         .arg(outside, root));
    }

    void symlinkOutsideScanRootRejectedForEveryKind()
    {
        const QString root = mkdir(QStringLiteral("project"));
        write(QStringLiteral("elsewhere/mcp.json"), "{}");
        write(QStringLiteral("elsewhere/SKILL.md"), skillFile(QStringLiteral("linked")));
        link(path(QStringLiteral("elsewhere/mcp.json")), QStringLiteral("project/.mcp.json"));
        link(path(QStringLiteral("elsewhere/SKILL.md")),
             QStringLiteral("project/skills/linked/SKILL.md"));
        const ContextSnapshot snapshot = resolve({root});
        verifyInvariants(snapshot);
        QCOMPARE(
                ids(snapshot),
                (QStringList {QStringLiteral("mcp_config:") + root + QStringLiteral("/.mcp.json"),
                              QStringLiteral("skill:") + root + QStringLiteral("/skills/linked")}));
        for (const ContextResource &resource : snapshot.resources) {
            QCOMPARE(resource.status, ResourceStatus::Invalid);
            QVERIFY2(resource.error.contains(QLatin1StringView("escapes scan root")),
                     qPrintable(resource.error));
        }
    }

    void validUnderBroaderRootReplacesInvalid()
    {
        // Invalid under the narrow root (the target leaves it), fine under the broad one: the
        // valid resource takes the id's place.
        const QString narrow = mkdir(QStringLiteral("narrow"));
        write(QStringLiteral("shared/mcp.json"), "{}");
        link(path(QStringLiteral("shared/mcp.json")), QStringLiteral("narrow/.mcp.json"));
        const ContextSnapshot snapshot = resolve({narrow, m_base});
        verifyInvariants(snapshot);
        QCOMPARE(snapshot.resources.size(), 1);
        QCOMPARE(snapshot.resources.first().id,
                 QStringLiteral("mcp_config:") + narrow + QStringLiteral("/.mcp.json"));
        QCOMPARE(snapshot.resources.first().status, ResourceStatus::Ok);
    }

    void symlinkToDirectoryInvalid()
    {
        mkdir(QStringLiteral("folder"));
        link(path(QStringLiteral("folder")), QStringLiteral("AGENTS.md"));
        const ContextSnapshot snapshot = resolve({m_base});
        QCOMPARE(snapshot.resources.size(), 1);
        QCOMPARE(snapshot.resources.first().status, ResourceStatus::Invalid);
        QCOMPARE(snapshot.resources.first().error,
                 QStringLiteral("symlink target \"%1\" is not a regular file")
                         .arg(path(QStringLiteral("folder"))));
    }

    void brokenSymlink()
    {
        const QString file = link(path(QStringLiteral("missing.md")), QStringLiteral("AGENTS.md"));
        const ContextSnapshot snapshot = resolve({m_base});
        verifyInvariants(snapshot);
        QCOMPARE(snapshot.resources.size(), 1);
        const ContextResource &resource = snapshot.resources.first();
        QCOMPARE(resource.id, instructionId(file));
        QCOMPARE(resource.status, ResourceStatus::Unreadable);
        QVERIFY2(resource.error.startsWith(QLatin1StringView("symlink resolve: ")),
                 qPrintable(resource.error));
        QVERIFY2(resource.error.contains(QLatin1StringView("No such file or directory")),
                 qPrintable(resource.error));
        QCOMPARE(snapshot.snapshotError, QString());
    }

    void symlinkedDirectoryNotFollowed()
    {
        const QString root = mkdir(QStringLiteral("project"));
        write(QStringLiteral("project/real/AGENTS.md"), "real\n");
        link(path(QStringLiteral("project/real")), QStringLiteral("project/alias"));
        link(root, QStringLiteral("project/loop")); // would never end if followed
        write(QStringLiteral("other/CLAUDE.md"), "other\n");
        link(path(QStringLiteral("other")), QStringLiteral("project/external"));
        QStringList walked;
        const ContextSnapshot snapshot =
                ContextResolver().resolve({ScanRoot {root, QString()}}, nullptr, &walked);
        verifyInvariants(snapshot);
        QCOMPARE(ids(snapshot),
                 QStringList {instructionId(root + QStringLiteral("/real/AGENTS.md"))});
        walked.sort();
        QCOMPARE(walked, (QStringList {root, root + QStringLiteral("/real")}));
    }

    // --- caps -----------------------------------------------------------------------------

    void oversize_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("id");
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<bool>("oversize");
        const QByteArray big = QByteArray("# Big\n") + QByteArray(194, 'x');
        QTest::newRow("instruction file over the cap")
                << QStringLiteral("AGENTS.md") << QStringLiteral("instruction_file:%1/AGENTS.md")
                << big << true;
        QTest::newRow("instruction file at the cap")
                << QStringLiteral("AGENTS.md") << QStringLiteral("instruction_file:%1/AGENTS.md")
                << big.first(100) << false;
        QTest::newRow("MCP config over the cap")
                << QStringLiteral(".mcp.json") << QStringLiteral("mcp_config:%1/.mcp.json")
                << QByteArray("{\"mcpServers\": {}, \"pad\": \"") + QByteArray(200, 'p') + "\"}"
                << true;
        QTest::newRow("skill over the cap")
                << QStringLiteral("skills/big/SKILL.md") << QStringLiteral("skill:%1/skills/big")
                << skillFile(QStringLiteral("big"), QString(200, QLatin1Char('d'))) << true;
    }

    void oversize()
    {
        QFETCH(QString, file);
        QFETCH(QString, id);
        QFETCH(QByteArray, content);
        QFETCH(bool, oversize);
        write(file, content);
        ContextResolver::Options options;
        options.maxResourceBytes = 100;
        const ContextSnapshot snapshot = resolve({m_base}, options);
        verifyInvariants(snapshot);
        QCOMPARE(snapshot.resources.size(), 1);
        const ContextResource &resource = snapshot.resources.first();
        QCOMPARE(resource.id, id.arg(m_base));
        QCOMPARE(resource.sizeBytes, quint64(content.size()));
        if (oversize) {
            QCOMPARE(resource.status, ResourceStatus::Oversize);
            QCOMPARE(resource.error,
                     QStringLiteral("file size %1 exceeds per-resource cap of 100 bytes")
                             .arg(content.size()));
            QCOMPARE(resource.contentHash,
                     sha256(content.first(100))); // the prefix still shows edits
            QVERIFY(resource.payload.isEmpty());
        } else {
            QCOMPARE(resource.status, ResourceStatus::Ok);
            QCOMPARE(resource.contentHash, sha256(content));
            QCOMPARE(resource.payload, content);
        }
    }

    void aggregateCapExcludes()
    {
        const QString a = write(QStringLiteral("a/AGENTS.md"), "12345");
        const QString b = write(QStringLiteral("b/AGENTS.md"), "1234");
        const QString c = write(QStringLiteral("c/AGENTS.md"), "abcd");
        ContextResolver::Options options;
        options.maxSnapshotBytes = 9;
        const ContextSnapshot snapshot = resolve(
                {path(QStringLiteral("c")), path(QStringLiteral("a")), path(QStringLiteral("b"))},
                options);
        verifyInvariants(snapshot);
        QCOMPARE(snapshot.resources.size(), 3);
        QStringList excluded;
        for (const ContextResource &resource : snapshot.resources) {
            if (resource.status == ResourceStatus::Excluded) {
                excluded.append(resource.id);
                QCOMPARE(resource.error, QStringLiteral("dropped to fit 9-byte aggregate cap"));
                QVERIFY(resource.payload.isEmpty());
                QCOMPARE(resource.contentHash, sha256("abcd")); // hash and size are kept
                QCOMPARE(resource.sizeBytes, quint64(4));
            }
        }
        // In (kind, source) order a and b fit exactly; c does not.
        QCOMPARE(excluded, QStringList {instructionId(c)});
        QCOMPARE(snapshot.payloadBytes, quint64(9));
        QCOMPARE(find(snapshot, instructionId(a))->status, ResourceStatus::Ok);
        QCOMPARE(find(snapshot, instructionId(b))->status, ResourceStatus::Ok);
        QCOMPARE(snapshot.snapshotError, QString());
    }

    void countCapExcludes()
    {
        QStringList roots;
        for (const char *name : {"r1", "r2", "r3", "r4"}) {
            write(QLatin1StringView(name) + QStringLiteral("/AGENTS.md"), name);
            roots.append(path(QLatin1StringView(name)));
        }
        // The last in (kind, source) order is not Ok; past the count cap it is Excluded anyway.
        link(path(QStringLiteral("nowhere")), QStringLiteral("r5/AGENTS.md"));
        roots.append(path(QStringLiteral("r5")));
        ContextResolver::Options options;
        options.maxResources = 3;
        const ContextSnapshot snapshot = resolve(roots, options);
        verifyInvariants(snapshot);
        QCOMPARE(snapshot.resources.size(), 5);
        QStringList excluded;
        for (const ContextResource &resource : snapshot.resources) {
            if (resource.status == ResourceStatus::Excluded) {
                excluded.append(resource.id);
                QCOMPARE(resource.error,
                         QStringLiteral("dropped to fit 3-resource snapshot count cap"));
                QVERIFY(resource.payload.isEmpty());
            }
        }
        QCOMPARE(excluded,
                 (QStringList {instructionId(path(QStringLiteral("r4/AGENTS.md"))),
                               instructionId(path(QStringLiteral("r5/AGENTS.md")))}));
        QCOMPARE(snapshot.payloadBytes, quint64(6));
    }

    // --- roots ----------------------------------------------------------------------------

    void userSourceAttribution()
    {
        const QString user = mkdir(QStringLiteral("user"));
        const QString builtin = mkdir(QStringLiteral("builtin"));
        const QString userFile = write(QStringLiteral("user/AGENTS.md"), "user\n");
        const QString builtinFile = write(QStringLiteral("builtin/AGENTS.md"), "builtin\n");
        const ContextSnapshot snapshot =
                ContextResolver().resolve({ScanRoot {user, user}, ScanRoot {builtin, QString()}});
        verifyInvariants(snapshot);
        QCOMPARE(find(snapshot, instructionId(userFile))->sourcePath, user);
        QCOMPARE(find(snapshot, instructionId(builtinFile))->sourcePath, QString());
    }

    void overlappingRootsFirstWins()
    {
        const QString project = mkdir(QStringLiteral("project"));
        const QString file = write(QStringLiteral("project/AGENTS.md"), "rules\n");
        const ContextSnapshot snapshot = ContextResolver().resolve(
                {ScanRoot {project, project}, ScanRoot {m_base, QString()}});
        QCOMPARE(ids(snapshot), QStringList {instructionId(file)});
        QCOMPARE(snapshot.resources.first().sourcePath, project);
    }

    void missingRootSilentlyIgnored()
    {
        const ContextSnapshot snapshot = resolve({path(QStringLiteral("does/not/exist")), QString(),
                                                  QStringLiteral("relative/root")});
        verifyInvariants(snapshot);
        QVERIFY(snapshot.resources.isEmpty());
        QCOMPARE(snapshot.snapshotError, QString());
        QCOMPARE(snapshot.aggregateHash.toHex(),
                 QByteArray("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
    }

    void rootCreatedLaterIsScanned()
    {
        // Roots are read afresh on every resolve: a working directory that appears late counts.
        const QString work = path(QStringLiteral("late/work"));
        ContextResolver resolver;
        QVERIFY(resolver.resolve({ScanRoot {work, QString()}}).resources.isEmpty());
        const QString file = write(QStringLiteral("late/work/AGENTS.md"), "late\n");
        QCOMPARE(ids(resolver.resolve({ScanRoot {work, QString()}})),
                 QStringList {instructionId(file)});
    }

    void singleFileRootClassified_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("id");
        QTest::newRow("instruction file") << QStringLiteral("notes/CLAUDE.md") << QByteArray("hi\n")
                                          << QStringLiteral("instruction_file:%1/notes/CLAUDE.md");
        QTest::newRow("MCP config") << QStringLiteral("notes/.mcp.json") << QByteArray("{}")
                                    << QStringLiteral("mcp_config:%1/notes/.mcp.json");
        QTest::newRow("skill") << QStringLiteral("skills/solo/SKILL.md")
                               << skillFile(QStringLiteral("solo"))
                               << QStringLiteral("skill:%1/skills/solo");
        QTest::newRow("skill outside a container")
                << QStringLiteral("solo/SKILL.md") << skillFile(QStringLiteral("solo"))
                << QString();
        QTest::newRow("other file")
                << QStringLiteral("notes/README.md") << QByteArray("hi\n") << QString();
    }

    void singleFileRootClassified()
    {
        QFETCH(QString, file);
        QFETCH(QByteArray, content);
        QFETCH(QString, id);
        const QString root = write(file, content);
        write(QStringLiteral("notes/AGENTS.md"), "sibling, not scanned\n");
        const ContextSnapshot snapshot = resolve({root});
        verifyInvariants(snapshot);
        QCOMPARE(ids(snapshot), id.isEmpty() ? QStringList() : QStringList {id.arg(m_base)});
        for (const ContextResource &resource : snapshot.resources) {
            QCOMPARE(resource.status, ResourceStatus::Ok);
        }
    }

    void duplicateRootsDeduplicated()
    {
        const QString root = mkdir(QStringLiteral("project"));
        write(QStringLiteral("project/AGENTS.md"), "rules\n");
        const ContextSnapshot snapshot = ContextResolver().resolve(
                {ScanRoot {root, root},
                 ScanRoot {root + QLatin1Char('/'), QStringLiteral("/other")},
                 ScanRoot {root, QString()}});
        verifyInvariants(snapshot);
        QCOMPARE(snapshot.resources.size(), 1);
        QCOMPARE(snapshot.resources.first().sourcePath, root);
    }

    void defaultBuiltinRoots()
    {
        QCOMPARE(ContextResolver::defaultBuiltinRoots(QStringLiteral("/home/me/")),
                 (QList<ScanRoot> {
                         ScanRoot {QStringLiteral("/home/me/.coder"), QString()},
                         ScanRoot {QStringLiteral("/home/me/.coder/skills"), QString()},
                         ScanRoot {QStringLiteral("/home/me/.claude/plugins/cache"), QString()}}));
    }

    void builtinRootsScanHiddenFolders()
    {
        const QString home = mkdir(QStringLiteral("home"));
        write(QStringLiteral("home/.coder/AGENTS.md"), "coder\n");
        write(QStringLiteral("home/.coder/skills/tidy/SKILL.md"),
              skillFile(QStringLiteral("tidy")));
        write(QStringLiteral("home/.claude/plugins/cache/plugin/skills/lint/SKILL.md"),
              skillFile(QStringLiteral("lint")));
        write(QStringLiteral("home/AGENTS.md"), "home itself is not a root\n");
        const ContextSnapshot snapshot =
                ContextResolver().resolve(ContextResolver::defaultBuiltinRoots(home));
        verifyInvariants(snapshot);
        QCOMPARE(ids(snapshot),
                 (QStringList {instructionId(home + QStringLiteral("/.coder/AGENTS.md")),
                               QStringLiteral("skill:") + home +
                                       QStringLiteral("/.claude/plugins/cache/plugin/skills/lint"),
                               QStringLiteral("skill:") + home +
                                       QStringLiteral("/.coder/skills/tidy")}));
    }

    // --- the walk -------------------------------------------------------------------------

    void depthLimit_data()
    {
        QTest::addColumn<int>("maxDepth");
        QTest::newRow("default (8)") << 0;
        QTest::newRow("1") << 1;
        QTest::newRow("3") << 3;
        QTest::newRow("8") << 8;
    }

    // Depth is the number of folders between the root and a file's folder: the root is depth
    // 0, root/l1 depth 1, and so on. A file is found when its folder's depth is at most
    // maxDepth, so with the default 8, root/l1/.../l8/AGENTS.md is found and .../l9/ is not.
    void depthLimit()
    {
        QFETCH(int, maxDepth);
        const int effective = maxDepth > 0 ? maxDepth : ContextResolver::DefaultMaxScanDepth;
        QString relative = QStringLiteral("root");
        QStringList expected;
        QStringList expectedDirectories;
        for (int depth = 0; depth <= 11; ++depth) {
            if (depth > 0) {
                relative += QStringLiteral("/l%1").arg(depth);
            }
            const QString file =
                    write(relative + QStringLiteral("/AGENTS.md"), QByteArray::number(depth));
            if (depth <= effective) {
                expected.append(instructionId(file));
                expectedDirectories.append(path(relative));
            }
        }
        ContextResolver::Options options;
        options.maxDepth = maxDepth;
        QStringList walked;
        const ContextSnapshot snapshot = ContextResolver(options).resolve(
                {ScanRoot {path(QStringLiteral("root")), QString()}}, nullptr, &walked);
        verifyInvariants(snapshot);
        expected.sort();
        QCOMPARE(ids(snapshot), expected);
        QCOMPARE(snapshot.resources.size(), effective + 1);
        walked.sort();
        expectedDirectories.sort();
        QCOMPARE(walked, expectedDirectories);
    }

    void skipDirectoryNames()
    {
        QCOMPARE(ContextResolver::skipDirectoryNames(),
                 (QStringList {QStringLiteral(".git"), QStringLiteral(".hg"),
                               QStringLiteral(".svn"), QStringLiteral("node_modules"),
                               QStringLiteral("vendor"), QStringLiteral("target"),
                               QStringLiteral("dist"), QStringLiteral("build"),
                               QStringLiteral(".venv"), QStringLiteral("__pycache__")}));
    }

    void skipDirectories_data()
    {
        QTest::addColumn<QString>("name");
        for (const QString &name : ContextResolver::skipDirectoryNames()) {
            QTest::newRow(qPrintable(name)) << name;
        }
    }

    void skipDirectories()
    {
        QFETCH(QString, name);
        const QString root = mkdir(QStringLiteral("project"));
        write(QStringLiteral("project/") + name + QStringLiteral("/AGENTS.md"), "skipped\n");
        write(QStringLiteral("project/") + name + QStringLiteral("/deeper/.mcp.json"), "{}");
        write(QStringLiteral("project/") + name + QStringLiteral("/skills/s/SKILL.md"),
              skillFile(QStringLiteral("s")));
        write(QStringLiteral("project/sub/") + name + QStringLiteral("/CLAUDE.md"),
              "skipped too\n");
        // Only exact names are skipped.
        const QString kept = write(
                QStringLiteral("project/") + name + QStringLiteral("-keep/AGENTS.md"), "kept\n");
        QStringList walked;
        const ContextSnapshot snapshot =
                ContextResolver().resolve({ScanRoot {root, QString()}}, nullptr, &walked);
        verifyInvariants(snapshot);
        QCOMPARE(ids(snapshot), QStringList {instructionId(kept)});
        for (const QString &dir : std::as_const(walked)) {
            QVERIFY2(!dir.split(QLatin1Char('/')).contains(name), qPrintable(dir));
        }

        // A root is scanned even when its own name is on the list.
        const QString named = mkdir(name + QStringLiteral("-root/") + name);
        const QString file = write(
                name + QStringLiteral("-root/") + name + QStringLiteral("/AGENTS.md"), "root\n");
        QCOMPARE(ids(resolve({named})), QStringList {instructionId(file)});
    }

    void walkedDirectoriesReported()
    {
        const QString root = mkdir(QStringLiteral("project"));
        mkdir(QStringLiteral("project/src/app"));
        mkdir(QStringLiteral("project/node_modules/pkg"));
        write(QStringLiteral("project/src/main.cpp"), "int main() {}\n");
        QStringList walked;
        ContextResolver().resolve({ScanRoot {root, QString()}}, nullptr, &walked);
        walked.sort();
        QCOMPARE(walked,
                 (QStringList {root, root + QStringLiteral("/src"),
                               root + QStringLiteral("/src/app")}));
    }

    // --- unreadable files -------------------------------------------------------------------

    // Tests run as root, who can read a mode-000 file; the injected reader fails the way
    // open(2) does for anyone else, with the kind still taken from the file name (seed CRF-8).
    void unreadable_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("id");
        QTest::addColumn<ResourceKind>("kind");
        QTest::newRow("instruction file")
                << QStringLiteral("AGENTS.md") << QByteArray("rules\n")
                << QStringLiteral("instruction_file:%1/AGENTS.md") << ResourceKind::InstructionFile;
        QTest::newRow("MCP config")
                << QStringLiteral(".mcp.json") << QByteArray("{}")
                << QStringLiteral("mcp_config:%1/.mcp.json") << ResourceKind::McpConfig;
        QTest::newRow("skill") << QStringLiteral("skills/locked/SKILL.md")
                               << skillFile(QStringLiteral("locked"))
                               << QStringLiteral("skill:%1/skills/locked") << ResourceKind::Skill;
    }

    void unreadable()
    {
        QFETCH(QString, file);
        QFETCH(QByteArray, content);
        QFETCH(QString, id);
        QFETCH(ResourceKind, kind);
        const QString locked = write(file, content);
        const QString readable = write(QStringLiteral("CLAUDE.md"), "readable\n");
        ContextResolver::Options options;
        options.readFile = [locked](const QString &path, qint64 limit, QByteArray *bytes,
                                    qint64 *size, QString *error) {
            if (path == locked) {
                *error = QStringLiteral("open %1: %2").arg(path, qt_error_string(EACCES));
                return false;
            }
            return ContextResolver::readFile(path, limit, bytes, size, error);
        };
        const ContextSnapshot snapshot = resolve({m_base}, options);
        verifyInvariants(snapshot);
        QCOMPARE(snapshot.resources.size(), 2);
        const ContextResource *resource = find(snapshot, id.arg(m_base));
        QVERIFY(resource);
        QCOMPARE(resource->kind, kind);
        QCOMPARE(resource->status, ResourceStatus::Unreadable);
        QCOMPARE(resource->error, QStringLiteral("open %1: Permission denied").arg(locked));
        QVERIFY(resource->payload.isEmpty());
        // Upstream reports the stat size of a file it cannot read.
        QCOMPARE(resource->sizeBytes, quint64(QFileInfo(locked).size()));
        QVERIFY(resource->sizeBytes > 0);
        QCOMPARE(find(snapshot, instructionId(readable))->status, ResourceStatus::Ok);
    }

    void readFileReportsOsErrors()
    {
        QByteArray bytes;
        qint64 size = -1;
        QString error;
        const QString missing = path(QStringLiteral("missing"));
        QVERIFY(!ContextResolver::readFile(missing, 10, &bytes, &size, &error));
        QCOMPARE(error, QStringLiteral("open %1: No such file or directory").arg(missing));
        QVERIFY(!ContextResolver::readFile(m_base, 10, &bytes, &size, &error));
        QCOMPARE(error, QStringLiteral("read %1: not a regular file").arg(m_base));

        const QString file = write(QStringLiteral("data"), QByteArray(1000, 'z'));
        QVERIFY(ContextResolver::readFile(file, 101, &bytes, &size, &error));
        QCOMPARE(size, 1000);
        QCOMPARE(bytes, QByteArray(101, 'z'));
        QVERIFY(ContextResolver::readFile(file, 5000, &bytes, &size, &error));
        QCOMPARE(bytes, QByteArray(1000, 'z'));
    }

    // --- cancellation -----------------------------------------------------------------------

    void cancelledBeforeStart()
    {
        write(QStringLiteral("AGENTS.md"), "rules\n");
        const std::atomic_bool cancelled {true};
        const ContextSnapshot snapshot =
                ContextResolver().resolve({ScanRoot {m_base, QString()}}, &cancelled);
        QCOMPARE(snapshot.snapshotError, QStringLiteral("canceled"));
        QVERIFY(snapshot.resources.isEmpty());
        QCOMPARE(snapshot.payloadBytes, quint64(0));
        QCOMPARE(snapshot.aggregateHash, QByteArray(32, '\0'));
        QCOMPARE(snapshot.version, quint64(0));
    }

    void cancelledDuringWalk()
    {
        for (int i = 0; i < 5; ++i) {
            write(QStringLiteral("p%1/AGENTS.md").arg(i), "rules\n");
        }
        std::atomic_bool cancelled {false};
        std::atomic_int reads {0};
        ContextResolver::Options options;
        options.readFile = [&](const QString &path, qint64 limit, QByteArray *bytes, qint64 *size,
                               QString *error) {
            ++reads;
            cancelled = true; // as if the manager gave up while the first file was read
            return ContextResolver::readFile(path, limit, bytes, size, error);
        };
        const ContextSnapshot snapshot =
                ContextResolver(options).resolve({ScanRoot {m_base, QString()}}, &cancelled);
        QCOMPARE(snapshot.snapshotError, QStringLiteral("canceled"));
        QVERIFY(snapshot.resources.isEmpty());
        QCOMPARE(reads.load(), 1); // the walk stopped at the next folder
    }

    // --- JSON -------------------------------------------------------------------------------

    void snapshotJson()
    {
        const QString agents = write(QStringLiteral("AGENTS.md"), "# Rules\n");
        const QString mcp = write(QStringLiteral(".mcp.json"), "[]");
        ContextSnapshot snapshot = ContextResolver().resolve({ScanRoot {m_base, m_base}});
        snapshot.version = 7;
        const QJsonObject json = snapshot.toJson();
        QCOMPARE(json.keys(),
                 (QStringList {QStringLiteral("aggregate_hash"), QStringLiteral("payload_bytes"),
                               QStringLiteral("resources"), QStringLiteral("schema_version"),
                               QStringLiteral("version")}));
        QCOMPARE(json.value(QLatin1StringView("version")).toInteger(), qint64(7));
        QCOMPARE(json.value(QLatin1StringView("schema_version")).toInteger(), qint64(1));
        QCOMPARE(json.value(QLatin1StringView("aggregate_hash")).toString(),
                 QString::fromLatin1(snapshot.aggregateHash.toHex()));
        QCOMPARE(json.value(QLatin1StringView("payload_bytes")).toInteger(), qint64(8));
        const QJsonArray resources = json.value(QLatin1StringView("resources")).toArray();
        QCOMPARE(resources.size(), 2);

        const QJsonObject ok = resources.at(0).toObject();
        QCOMPARE(ok.keys(),
                 (QStringList {QStringLiteral("content_hash"), QStringLiteral("description"),
                               QStringLiteral("id"), QStringLiteral("kind"),
                               QStringLiteral("size_bytes"), QStringLiteral("source"),
                               QStringLiteral("source_path"), QStringLiteral("status")}));
        QCOMPARE(ok.value(QLatin1StringView("id")).toString(), instructionId(agents));
        QCOMPARE(ok.value(QLatin1StringView("kind")).toString(),
                 QStringLiteral("instruction_file"));
        QCOMPARE(ok.value(QLatin1StringView("content_hash")).toString(),
                 QString::fromLatin1(sha256("# Rules\n").toHex()));
        QCOMPARE(ok.value(QLatin1StringView("status")).toString(), QStringLiteral("ok"));
        QCOMPARE(ok.value(QLatin1StringView("source_path")).toString(), m_base);
        QCOMPARE(ok.value(QLatin1StringView("description")).toString(), QStringLiteral("Rules"));

        const QJsonObject invalid = resources.at(1).toObject();
        QCOMPARE(invalid.value(QLatin1StringView("source")).toString(), mcp);
        QCOMPARE(invalid.value(QLatin1StringView("status")).toString(), QStringLiteral("invalid"));
        QVERIFY(invalid.contains(QLatin1StringView("error")));
        QVERIFY(!invalid.contains(QLatin1StringView("description")));

        ContextSnapshot empty;
        empty.snapshotError = QStringLiteral("canceled");
        const QJsonObject emptyJson = empty.toJson();
        QVERIFY(emptyJson.value(QLatin1StringView("resources")).isArray());
        QCOMPARE(emptyJson.value(QLatin1StringView("aggregate_hash")).toString(),
                 QString(64, QLatin1Char('0')));
        QCOMPARE(emptyJson.value(QLatin1StringView("snapshot_error")).toString(),
                 QStringLiteral("canceled"));
    }

    // replay() re-reads what a walk found. After any in-place edits it must give exactly the
    // snapshot a full resolve gives: contents, statuses, caps, order, totals and hash.
    void replayEqualsFullResolveAfterEdits()
    {
        const QString project = mkdir(QStringLiteral("project"));
        const QString user = mkdir(QStringLiteral("user"));
        write(QStringLiteral("project/AGENTS.md"), "# Project rules\n");
        write(QStringLiteral("project/a/CLAUDE.md"), QByteArray(300, 'a'));
        write(QStringLiteral("project/b/c/.cursorrules"), QByteArray(200, 'b'));
        write(QStringLiteral("project/shared.md"), "# Shared\n");
        link(path(QStringLiteral("project/shared.md")), QStringLiteral("project/d/AGENTS.md"));
        write(QStringLiteral("project/skills/good-skill/SKILL.md"),
              skillFile(QStringLiteral("good-skill"), QStringLiteral("Good")));
        write(QStringLiteral("project/skills/other/SKILL.md"), skillFile(QStringLiteral("other")));
        write(QStringLiteral("project/.mcp.json"), R"({"mcpServers": {"a": {}}})");
        write(QStringLiteral("user/AGENTS.md"), "# User rules\n");
        write(QStringLiteral("user/skills/good-skill/SKILL.md"),
              skillFile(QStringLiteral("good-skill"), QStringLiteral("Shadowed")));
        const QList<ScanRoot> roots {ScanRoot {user, user}, ScanRoot {project, QString()},
                                     ScanRoot {path(QStringLiteral("missing")), QString()}};
        ContextResolver::Options options;
        options.maxSnapshotBytes = 500; // tight: size changes move the aggregate-cap line
        options.maxResourceBytes = 1000;
        const ContextResolver resolver(options);

        ContextWalk walk;
        const ContextSnapshot first = resolver.resolve(roots, nullptr, nullptr, &walk);
        QCOMPARE(resolver.replay(walk), first);
        QVERIFY(std::any_of(
                first.resources.begin(), first.resources.end(),
                [](const ContextResource &r) { return r.status == ResourceStatus::Excluded; }));

        const QList<std::pair<QString, QByteArray>> edits = {
                {QStringLiteral("project/AGENTS.md"), "# Changed rules\nmore\n"},
                {QStringLiteral("project/a/CLAUDE.md"), QByteArray(20, 'a')}, // frees budget
                {QStringLiteral("project/b/c/.cursorrules"), QByteArray(650, 'c')}, // takes it
                {QStringLiteral("project/shared.md"), "# Shared, edited through the link\n"},
                {QStringLiteral("project/skills/other/SKILL.md"),
                 skillFile(QStringLiteral("Other_Name"))},
                {QStringLiteral("user/skills/good-skill/SKILL.md"),
                 "no front matter\n"}, // unshadows
                {QStringLiteral("project/.mcp.json"), R"({"mcpServers": {"a": 1}})"},
                {QStringLiteral("user/AGENTS.md"), QByteArray(1500, 'u')}, // oversize
        };
        const auto excluded = [](const ContextSnapshot &snapshot) {
            QStringList ids;
            for (const ContextResource &r : snapshot.resources) {
                if (r.status == ResourceStatus::Excluded) {
                    ids.append(r.id);
                }
            }
            return ids;
        };
        bool capLineMoved = false;
        for (const auto &[file, content] : edits) {
            write(file, content);
            const ContextSnapshot replayed = resolver.replay(walk);
            capLineMoved = capLineMoved || excluded(replayed) != excluded(first);
            const ContextSnapshot full = resolver.resolve(roots);
            QCOMPARE(replayed.resources, full.resources);
            QCOMPARE(replayed.payloadBytes, full.payloadBytes);
            QCOMPARE(replayed.aggregateHash.toHex(), full.aggregateHash.toHex());
            QCOMPARE(replayed, full);
        }
        QVERIFY(capLineMoved);
    }

    void cachedReplayEqualsFullResolveOnRandomEdits()
    {
        // The fast path re-reads only the files named as changed; random edits (sizes that
        // move the cap line, skills that turn invalid and unshadow others, symlink targets)
        // must never make it disagree with a full walk.
        const QString project = mkdir(QStringLiteral("project"));
        const QString user = mkdir(QStringLiteral("user"));
        QStringList files {
                write(QStringLiteral("project/AGENTS.md"), "# Project\n"),
                write(QStringLiteral("project/a/CLAUDE.md"), QByteArray(300, 'a')),
                write(QStringLiteral("project/b/c/.cursorrules"), QByteArray(200, 'b')),
                write(QStringLiteral("project/shared.md"), "# Shared\n"),
                write(QStringLiteral("project/skills/good-skill/SKILL.md"),
                      skillFile(QStringLiteral("good-skill"))),
                write(QStringLiteral("project/.agents/skills/good-skill/SKILL.md"),
                      skillFile(QStringLiteral("good-skill"), QStringLiteral("second"))),
                write(QStringLiteral("project/.mcp.json"), R"({"mcpServers": {"a": {}}})"),
                write(QStringLiteral("user/AGENTS.md"), "# User\n"),
                write(QStringLiteral("user/skills/good-skill/SKILL.md"),
                      skillFile(QStringLiteral("good-skill"), QStringLiteral("user"))),
        };
        link(path(QStringLiteral("project/shared.md")), QStringLiteral("project/d/AGENTS.md"));
        const QList<ScanRoot> roots {ScanRoot {user, user}, ScanRoot {project, QString()}};
        ContextResolver::Options options;
        options.maxSnapshotBytes = 600;
        options.maxResourceBytes = 800;
        const ContextResolver resolver(options);
        ContextWalk walk;
        ContextReadCache cache;
        const ContextSnapshot first =
                resolver.resolve(roots, nullptr, nullptr, &walk, nullptr, &cache);
        QCOMPARE(cache.entries.size(), walk.found.size());
        const quint32 seed = QRandomGenerator::global()->generate();
        qInfo("seed %u", seed);
        QRandomGenerator random(seed);
        const QList<QByteArray> contents {
                "# Small\n",
                QByteArray(20, 'x'),
                QByteArray(500, 'y'),
                QByteArray(900, 'z'),
                "no front matter\n",
                skillFile(QStringLiteral("good-skill"), QStringLiteral("e")),
                skillFile(QStringLiteral("other-name")),
                R"({"mcpServers": {"a": 1}})",
                R"({"mcpServers": {}})",
                "\xEF\xBB\xBF# BOM\n"};
        // The watched files follow the replays the way the manager keeps them: a stat only
        // for the changed files. They must match what a fresh look at the full resolve gives.
        QStringList watched = ContextWatcher::filesFor(first);
        for (int round = 0; round < 300; ++round) {
            QSet<QString> changed;
            const int edits = 1 + int(random.bounded(3));
            for (int e = 0; e < edits; ++e) {
                const QString file = files.at(qsizetype(random.bounded(quint32(files.size()))));
                QFile out(file);
                QVERIFY(out.open(QIODevice::WriteOnly | QIODevice::Truncate));
                out.write(contents.at(qsizetype(random.bounded(quint32(contents.size())))));
                changed.insert(file);
            }
            const ContextSnapshot replayed =
                    resolver.replay(walk, nullptr, nullptr, &cache, changed);
            const ContextSnapshot full = resolver.resolve(roots);
            QVERIFY2(replayed == full,
                     qPrintable(QStringLiteral("round %1 seed %2 edited %3")
                                        .arg(round)
                                        .arg(seed)
                                        .arg(QStringList(changed.cbegin(), changed.cend())
                                                     .join(QLatin1Char(' ')))));
            QSet<QString> knownRegular(watched.cbegin(), watched.cend());
            for (const QString &file : std::as_const(changed)) {
                knownRegular.remove(file);
            }
            watched = ContextWatcher::filesFor(replayed, knownRegular);
            QCOMPARE(watched, ContextWatcher::filesFor(full));
        }
    }

    void replayCancelledReturnsOnlyTheError()
    {
        write(QStringLiteral("AGENTS.md"), "# Rules\n");
        const ContextResolver resolver;
        ContextWalk walk;
        resolver.resolve({ScanRoot {m_base, QString()}}, nullptr, nullptr, &walk);
        const std::atomic_bool cancelled {true};
        const ContextSnapshot snapshot = resolver.replay(walk, &cancelled);
        QVERIFY(snapshot.resources.isEmpty());
        QCOMPARE(snapshot.snapshotError, QStringLiteral("canceled"));
    }
};

QTEST_GUILESS_MAIN(TestContextResolver)
#include "tst_contextresolver.moc"
