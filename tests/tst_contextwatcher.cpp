// The context watcher on real files: inotify events through QFileSystemWatcher, a ContextManager
// that resolves again after the debounce, and the scenarios of Coder's watcher_test.go that fit
// the Rev A recursive watch (in-place edits, new and deleted files, new skills, roots created
// later, depth and skip directories), plus the trailing debounce on a ManualClock and the
// degraded mode with periodic rescans when watches run out. Nothing sleeps: the tests wait for
// signals or conditions, or drive the clock.
#include "common/clock.h"
#include "context/contextmanager.h"
#include "context/contextpaths.h"
#include "context/contextresolver.h"
#include "context/contextwatchbackend.h"
#include "context/contextwatcher.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <functional>
#include <memory>

using namespace std::chrono_literals;

namespace {

constexpr int Timeout = 10000;

const ContextResource *findResource(const ContextSnapshot &snapshot, const QString &id)
{
    for (const ContextResource &resource : snapshot.resources) {
        if (resource.id == id) {
            return &resource;
        }
    }
    return nullptr;
}

QString instructionId(const QString &path)
{
    return QStringLiteral("instruction_file:") + path;
}

QByteArray skillFile(const QString &name)
{
    return "---\nname: " + name.toUtf8() + "\ndescription: A skill\n---\n# " + name.toUtf8() + "\n";
}

} // namespace

// Watches nothing: records what is added, and refuses the paths it is told to, with an errno.
class FakeWatchBackend : public ContextWatchBackend
{
public:
    QHash<QString, int> failures;

    QHash<QString, int> addPaths(const QStringList &paths) override
    {
        QHash<QString, int> errors;
        for (const QString &path : paths) {
            if (failures.contains(path)) {
                errors.insert(path, failures.value(path));
            } else if (QFileInfo(path).isDir()) {
                m_directories.append(path);
            } else {
                m_files.append(path);
            }
        }
        return errors;
    }
    void removePaths(const QStringList &paths) override
    {
        for (const QString &path : paths) {
            m_directories.removeAll(path);
            m_files.removeAll(path);
        }
    }
    QStringList directories() const override { return m_directories; }
    QStringList files() const override { return m_files; }

private:
    QStringList m_directories;
    QStringList m_files;
};

class TestContextWatcher : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_base;
    QString m_home;
    QString m_work;

    static void write(const QString &file, const QByteArray &content,
                      QIODevice::OpenMode mode = QIODevice::WriteOnly | QIODevice::Truncate)
    {
        QDir().mkpath(QFileInfo(file).absolutePath());
        QFile out(file);
        if (!out.open(mode) || out.write(content) != content.size()) {
            qFatal("cannot write %s", qPrintable(file));
        }
    }

    static void append(const QString &file, const QByteArray &content)
    {
        write(file, content, QIODevice::WriteOnly | QIODevice::Append);
    }

    static QString mkdir(const QString &dir)
    {
        if (!QDir().mkpath(dir)) {
            qFatal("cannot create %s", qPrintable(dir));
        }
        return dir;
    }

    // A watching manager on the real clock (unless given one), with a short debounce.
    std::unique_ptr<ContextManager>
    createManager(const std::function<void(ContextManager::Options &)> &configure = {})
    {
        ContextManager::Options o;
        o.homeDirectory = m_home;
        o.includeBuiltinRoots = false;
        o.watch = true;
        o.debounce = 50ms;
        o.workingDirectory = [work = m_work] { return work; };
        if (configure) {
            configure(o);
        }
        return std::make_unique<ContextManager>(o);
    }

    // Starts the manager and waits for its first version.
    [[nodiscard]] static bool startAndWait(ContextManager &manager)
    {
        manager.start();
        return QTest::qWaitFor(
                [&] { return manager.snapshot().version >= 1 && !manager.isResolving(); }, Timeout);
    }

    // Waits until a snapshot newer than `after` satisfies `condition`.
    [[nodiscard]] static bool
    waitForSnapshot(const ContextManager &manager, quint64 after,
                    const std::function<bool(const ContextSnapshot &)> &condition)
    {
        return QTest::qWaitFor(
                [&] {
                    const ContextSnapshot snapshot = manager.snapshot();
                    return snapshot.version > after && condition(snapshot);
                },
                Timeout);
    }

private Q_SLOTS:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        m_base = QFileInfo(m_dir->path()).canonicalFilePath();
        m_home = mkdir(m_base + QStringLiteral("/home"));
        m_work = mkdir(m_base + QStringLiteral("/work"));
    }

    void cleanup() { m_dir.reset(); }

    // --- Through the manager, on the real clock ---------------------------------------------

    void firesOnAgentsMdEdit()
    {
        const QString agents = m_work + QStringLiteral("/AGENTS.md");
        write(agents, "# Rules\n");
        auto manager = createManager();
        QVERIFY(startAndWait(*manager));
        QVERIFY(manager->watcher()->watchedFiles().contains(agents));
        const ContextSnapshot before = manager->snapshot();
        const ContextResource *old = findResource(before, instructionId(agents));
        QVERIFY(old);

        append(agents, "Always write tests.\n"); // in place: only the file watch sees it
        QVERIFY(waitForSnapshot(*manager, before.version, [&](const ContextSnapshot &s) {
            const ContextResource *r = findResource(s, instructionId(agents));
            return r && r->sizeBytes == quint64(QFileInfo(agents).size());
        }));
        const ContextResource *edited = findResource(manager->snapshot(), instructionId(agents));
        QVERIFY(edited->contentHash != old->contentHash);
        QCOMPARE(edited->payload, QByteArray("# Rules\nAlways write tests.\n"));
        QVERIFY(manager->snapshot().aggregateHash != before.aggregateHash);
    }

    void firesOnAgentsMdCreateAndDelete()
    {
        const QString agents = m_work + QStringLiteral("/AGENTS.md");
        auto manager = createManager();
        QVERIFY(startAndWait(*manager));
        QVERIFY(manager->snapshot().resources.isEmpty());

        quint64 version = manager->snapshot().version;
        write(agents, "# Created\n");
        QVERIFY(waitForSnapshot(*manager, version, [&](const ContextSnapshot &s) {
            return findResource(s, instructionId(agents)) != nullptr;
        }));
        QTRY_VERIFY_WITH_TIMEOUT(manager->watcher()->watchedFiles().contains(agents), Timeout);

        version = manager->snapshot().version;
        QVERIFY(QFile::remove(agents));
        QVERIFY(waitForSnapshot(*manager, version, [&](const ContextSnapshot &s) {
            return findResource(s, instructionId(agents)) == nullptr;
        }));
        QVERIFY(manager->snapshot().resources.isEmpty());
    }

    void firesOnNewSkillFile()
    {
        write(m_work + QStringLiteral("/skills/old-skill/SKILL.md"),
              skillFile(QStringLiteral("old-skill")));
        auto manager = createManager();
        QVERIFY(startAndWait(*manager));
        QCOMPARE(manager->snapshot().resources.size(), 1);

        const quint64 version = manager->snapshot().version;
        const QString skill = m_work + QStringLiteral("/skills/new-skill");
        write(skill + QStringLiteral("/SKILL.md"),
              skillFile(QStringLiteral("new-skill"))); // and its folder
        QVERIFY(waitForSnapshot(*manager, version, [&](const ContextSnapshot &s) {
            return findResource(s, QStringLiteral("skill:") + skill) != nullptr;
        }));
        const ContextResource *resource =
                findResource(manager->snapshot(), QStringLiteral("skill:") + skill);
        QCOMPARE(resource->status, ResourceStatus::Ok);
        QCOMPARE(resource->name, QStringLiteral("new-skill"));
        QTRY_VERIFY_WITH_TIMEOUT(manager->watcher()->watchedDirectories().contains(skill), Timeout);
    }

    void firesInAFolderWhoseNameIsNotUtf8()
    {
        // Watched by its bytes: a new file there, and then an edit in place, each make a
        // version, and no watch failed.
        const QByteArray folder = QFile::encodeName(m_work) + "/raw\xff";
        QVERIFY(::mkdir(folder.constData(), 0755) == 0);
        auto manager = createManager();
        QVERIFY(startAndWait(*manager));
        QVERIFY(manager->watcher()->failedWatches().isEmpty());
        const QString agents = ContextPaths::fromRaw(QByteArray(folder + "/AGENTS.md"));
        QVERIFY(manager->watcher()->watchedDirectories().contains(ContextPaths::fromRaw(folder)));

        const auto writeRaw = [&](const QByteArray &content, int flags) {
            const int fd = ::open(ContextPaths::toRaw(agents).constData(), O_WRONLY | flags, 0644);
            QVERIFY(fd >= 0);
            QCOMPARE(::write(fd, content.constData(), size_t(content.size())), content.size());
            ::close(fd);
        };
        quint64 version = manager->snapshot().version;
        writeRaw("# Raw\n", O_CREAT | O_TRUNC);
        QVERIFY(waitForSnapshot(*manager, version, [&](const ContextSnapshot &s) {
            return findResource(s, instructionId(agents)) != nullptr;
        }));
        QTRY_VERIFY_WITH_TIMEOUT(manager->watcher()->watchedFiles().contains(agents), Timeout);
        version = manager->snapshot().version;
        writeRaw("More.\n", O_APPEND); // in place: only the file watch sees it
        QVERIFY(waitForSnapshot(*manager, version, [&](const ContextSnapshot &s) {
            const ContextResource *r = findResource(s, instructionId(agents));
            return r && r->payload == QByteArray("# Raw\nMore.\n");
        }));
        QVERIFY(manager->watcher()->failedWatches().isEmpty());
    }

    void editsAfterAHardLinkedFileIsReplacedAreSeen()
    {
        // AGENTS.md has a second name; an editor replaces AGENTS.md by rename. The old inode
        // lives on under the other name, so its watch gets no IN_IGNORED: the backend must
        // notice the name now means another file, or later edits in place go unseen.
        const QString agents = m_work + QStringLiteral("/AGENTS.md");
        write(agents, "# One\n");
        QVERIFY(::link(QFile::encodeName(agents).constData(),
                       QFile::encodeName(m_base + QStringLiteral("/other-name")).constData()) == 0);
        auto manager = createManager();
        QVERIFY(startAndWait(*manager));
        QVERIFY(manager->watcher()->watchedFiles().contains(agents));

        quint64 version = manager->snapshot().version;
        write(m_work + QStringLiteral("/AGENTS.md.new"), "# Two\n");
        QVERIFY(::rename(QFile::encodeName(m_work + QStringLiteral("/AGENTS.md.new")).constData(),
                         QFile::encodeName(agents).constData()) == 0);
        QVERIFY(waitForSnapshot(*manager, version, [&](const ContextSnapshot &s) {
            const ContextResource *r = findResource(s, instructionId(agents));
            return r && r->payload == QByteArray("# Two\n");
        }));
        QTRY_VERIFY_WITH_TIMEOUT(!manager->isResolving(), Timeout);

        version = manager->snapshot().version;
        append(agents, "Three.\n"); // in place: only a watch on the new inode sees it
        QVERIFY(waitForSnapshot(*manager, version, [&](const ContextSnapshot &s) {
            const ContextResource *r = findResource(s, instructionId(agents));
            return r && r->payload == QByteArray("# Two\nThree.\n");
        }));
    }

    void firesOnWorkingDirectoryCreatedLater()
    {
        m_work = m_base + QStringLiteral("/later/project"); // neither folder exists yet
        auto manager = createManager();
        QVERIFY(startAndWait(*manager));
        QVERIFY(manager->snapshot().resources.isEmpty());
        // The nearest existing parent is watched, so the creation is noticed.
        QVERIFY(manager->watcher()->watchedDirectories().contains(m_base));

        const quint64 version = manager->snapshot().version;
        write(m_work + QStringLiteral("/AGENTS.md"), "# Late\n");
        QVERIFY(waitForSnapshot(*manager, version, [&](const ContextSnapshot &s) {
            return findResource(s, instructionId(m_work + QStringLiteral("/AGENTS.md")));
        }));
        QTRY_VERIFY_WITH_TIMEOUT(manager->watcher()->watchedDirectories().contains(m_work),
                                 Timeout);
    }

    void firesOnUserSourceCreatedLater()
    {
        auto manager = createManager();
        QVERIFY(startAndWait(*manager));
        const QString source = m_home + QStringLiteral("/projects/later");
        QString error;
        QVERIFY2(manager->addSource(source, &error), qPrintable(error)); // does not exist yet
        QTRY_VERIFY_WITH_TIMEOUT(manager->snapshot().version >= 2 && !manager->isResolving(),
                                 Timeout);
        QVERIFY(manager->watcher()->watchedDirectories().contains(m_home));

        const quint64 version = manager->snapshot().version;
        mkdir(source);
        write(source + QStringLiteral("/CLAUDE.md"), "# Later\n");
        QVERIFY(waitForSnapshot(*manager, version, [&](const ContextSnapshot &s) {
            return findResource(s, instructionId(source + QStringLiteral("/CLAUDE.md")));
        }));
        QCOMPARE(findResource(manager->snapshot(),
                              instructionId(source + QStringLiteral("/CLAUDE.md")))
                         ->sourcePath,
                 source);
    }

    void burstIsDebounced()
    {
        // 20 writes, each delivered as its own event and each restarting the debounce within
        // its window (the clock is ours), give one resolve: at most 2 new versions.
        const QString agents = m_work + QStringLiteral("/AGENTS.md");
        write(agents, "# Burst\n");
        ManualClock clock;
        auto manager = createManager([&clock](ContextManager::Options &o) {
            o.clock = &clock;
            o.debounce = 250ms;
        });
        QVERIFY(startAndWait(*manager));
        QSignalSpy published(manager.get(), &ContextManager::snapshotChanged);
        QByteArray expected = "# Burst\n";
        for (int i = 0; i < 20; ++i) {
            const QByteArray line = "line " + QByteArray::number(i) + '\n';
            append(agents, line);
            expected += line;
            QTRY_COMPARE_WITH_TIMEOUT(clock.msecsToNextTimer(), qint64(250), Timeout);
            clock.advance(10ms); // 10 ms apart: well within the 250 ms window
        }
        QCOMPARE(published.size(), 0);
        clock.advance(250ms);
        QVERIFY(published.wait(Timeout));
        QTRY_VERIFY_WITH_TIMEOUT(!manager->isResolving(), Timeout);
        QCOMPARE(findResource(manager->snapshot(), instructionId(agents))->payload, expected);
        // A straggling event would be debounced once more; even then the burst stays below 3.
        clock.advance(250ms);
        QTRY_VERIFY_WITH_TIMEOUT(!manager->isResolving(), Timeout);
        QVERIFY2(published.size() <= 2, qPrintable(QString::number(published.size())));
    }

    void watchesDownToMaxDepthAndSkipsSkipDirectories()
    {
        mkdir(m_work + QStringLiteral("/a/b/c/d/e"));
        mkdir(m_work + QStringLiteral("/node_modules/pkg"));
        mkdir(m_work + QStringLiteral("/.git/objects"));
        mkdir(m_work + QStringLiteral("/src/build/out"));
        auto manager = createManager([](ContextManager::Options &o) { o.resolver.maxDepth = 3; });
        QVERIFY(startAndWait(*manager));
        const QStringList watched = manager->watcher()->watchedDirectories();
        for (const QString &dir : {QString(), QStringLiteral("/a"), QStringLiteral("/a/b"),
                                   QStringLiteral("/a/b/c"), QStringLiteral("/src")}) {
            QVERIFY2(watched.contains(m_work + dir), qPrintable(dir));
        }
        for (const QString &dir :
             {QStringLiteral("/a/b/c/d"), QStringLiteral("/a/b/c/d/e"),
              QStringLiteral("/node_modules"), QStringLiteral("/node_modules/pkg"),
              QStringLiteral("/.git"), QStringLiteral("/.git/objects"),
              QStringLiteral("/src/build"), QStringLiteral("/src/build/out")}) {
            QVERIFY2(!watched.contains(m_work + dir), qPrintable(dir));
        }

        // A file at the deepest watched level is seen.
        const QString deepest = m_work + QStringLiteral("/a/b/c/AGENTS.md");
        const quint64 version = manager->snapshot().version;
        write(deepest, "# Deep\n");
        QVERIFY(waitForSnapshot(*manager, version, [&](const ContextSnapshot &s) {
            return findResource(s, instructionId(deepest)) != nullptr;
        }));
        QVERIFY(!manager->watcher()->watchedDirectories().contains(m_work +
                                                                   QStringLiteral("/a/b/c/d")));
    }

    void degradedModeRescansPeriodically()
    {
        // Two watches for a tree that needs more: the snapshot says so, and a change where no
        // watch sees it still arrives with the next periodic rescan. The debounce runs on the
        // same ManualClock, so advance() drives both.
        write(m_work + QStringLiteral("/AGENTS.md"), "# Top\n");
        const QString deep = mkdir(m_work + QStringLiteral("/x/y/z"));
        ManualClock clock;
        auto manager = createManager([&clock](ContextManager::Options &o) {
            o.clock = &clock;
            o.maxWatches = 2;
            o.degradedRescanInterval = 30s;
        });
        QTest::ignoreMessage(
                QtWarningMsg,
                QRegularExpression(QStringLiteral("^watch limit of 2 reached: 3 of 5 paths are not "
                                                  "watched")));
        QVERIFY(startAndWait(*manager));
        ContextWatcher *watcher = manager->watcher();
        QCOMPARE(watcher->watchCount(), 2);
        QVERIFY(!watcher->watchedDirectories().contains(deep));
        QVERIFY(watcher->degradation().contains(QStringLiteral("watch limit of 2 reached")));
        QVERIFY(manager->snapshot().snapshotError.contains(
                QStringLiteral("watch limit of 2 reached")));
        QCOMPARE(clock.msecsToNextTimer(), qint64(30000)); // the rescan

        const QString hidden = deep + QStringLiteral("/AGENTS.md");
        const quint64 version = manager->snapshot().version;
        write(hidden, "# Unwatched\n");
        QTest::ignoreMessage(
                QtWarningMsg,
                QRegularExpression(QStringLiteral("^watch limit of 2 reached: 4 of 6 paths are not "
                                                  "watched")));
        clock.advance(29999ms);
        QCOMPARE(manager->snapshot().version, version);
        clock.advance(1ms);
        QVERIFY(waitForSnapshot(*manager, version, [&](const ContextSnapshot &s) {
            return findResource(s, instructionId(hidden)) != nullptr;
        }));
        QTRY_VERIFY_WITH_TIMEOUT(!manager->isResolving(), Timeout);
        QVERIFY(manager->snapshot().snapshotError.contains(
                QStringLiteral("watch limit of 2 reached")));
        QCOMPARE(clock.msecsToNextTimer(), qint64(30000)); // and again, periodically
    }

    void managerCloseStopsWatching()
    {
        write(m_work + QStringLiteral("/AGENTS.md"), "# Rules\n");
        auto manager = createManager();
        QVERIFY(startAndWait(*manager));
        QVERIFY(manager->watcher()->watchCount() > 0);
        manager->close();
        QCOMPARE(manager->watcher()->watchCount(), 0);
        manager->close();
        QCOMPARE(manager->watcher()->watchCount(), 0);
    }

    // --- ContextWatcher alone ----------------------------------------------------------------

    void debounceIsTrailing()
    {
        ManualClock clock;
        ContextWatcher::Options o;
        o.debounce = 250ms;
        o.clock = &clock;
        ContextWatcher watcher(o);
        QSignalSpy changed(&watcher, &ContextWatcher::changed);
        watcher.sync({{m_work}, {}});
        QCOMPARE(watcher.watchedDirectories(), QStringList {m_work});

        write(m_work + QStringLiteral("/one"), "1");
        QTRY_COMPARE_WITH_TIMEOUT(clock.msecsToNextTimer(), qint64(250), Timeout);
        clock.advance(200ms);
        QCOMPARE(changed.size(), 0);

        write(m_work + QStringLiteral("/two"), "2"); // restarts the wait
        QTRY_COMPARE_WITH_TIMEOUT(clock.msecsToNextTimer(), qint64(250), Timeout);
        clock.advance(200ms);
        QCOMPARE(changed.size(), 0);
        clock.advance(60ms);
        QCOMPARE(changed.size(), 1);
        QCOMPARE(clock.pendingTimers(), 0);
    }

    // In-place edits of watched files are file-only (the manager replays the last walk); a new
    // file changes its folder, which calls for a walk.
    void changesSayWhetherAFolderChanged()
    {
        ManualClock clock;
        ContextWatcher::Options o;
        o.debounce = 250ms;
        o.clock = &clock;
        ContextWatcher watcher(o);
        const QString agents = m_work + QStringLiteral("/AGENTS.md");
        write(agents, "# Rules\n");
        QSignalSpy changed(&watcher, &ContextWatcher::changed);
        watcher.sync({{m_work}, {agents}});

        QFile file(agents);
        QVERIFY(file.open(QIODevice::Append));
        file.write("more\n");
        file.close();
        QTRY_COMPARE_WITH_TIMEOUT(clock.pendingTimers(), 1, Timeout);
        clock.advance(300ms);
        QCOMPARE(changed.size(), 1);
        QCOMPARE(changed.takeFirst().at(0).toBool(), false);

        write(m_work + QStringLiteral("/CLAUDE.md"), "# New\n");
        QTRY_COMPARE_WITH_TIMEOUT(clock.pendingTimers(), 1, Timeout);
        clock.advance(300ms);
        QCOMPARE(changed.size(), 1);
        QCOMPARE(changed.takeFirst().at(0).toBool(), true);
    }

    void watchSetCoversMissingRootsAndResourceFiles()
    {
        const QString agents = m_work + QStringLiteral("/AGENTS.md");
        write(agents, "# Rules\n");
        write(m_work + QStringLiteral("/skills/one/SKILL.md"), skillFile(QStringLiteral("one")));
        const QList<ScanRoot> roots {{m_work, QString()},
                                     {m_base + QStringLiteral("/missing/deeper"), QString()},
                                     {agents, QString()}};
        QStringList walked;
        const ContextSnapshot snapshot = ContextResolver().resolve(roots, nullptr, &walked);
        const ContextWatcher::WatchSet set = ContextWatcher::watchSetFor(
                roots, walked, snapshot, ContextResolver::DefaultMaxScanDepth);
        QVERIFY(set.directories.contains(m_work));
        QVERIFY(set.directories.contains(m_work + QStringLiteral("/skills/one")));
        QVERIFY(set.directories.contains(m_base)); // the deepest existing ancestor
        QStringList unique = set.directories;
        QCOMPARE(unique.removeDuplicates(), 0);
        QCOMPARE(set.files,
                 (QStringList {agents, m_work + QStringLiteral("/skills/one/SKILL.md")}));
    }

    void onlyEnospcDegrades_data()
    {
        QTest::addColumn<int>("error");
        QTest::addColumn<bool>("degraded");
        QTest::newRow("ENOSPC: the inotify limit") << ENOSPC << true;
        QTest::newRow("EACCES: that path's own problem") << EACCES << false;
        QTest::newRow("ENOENT: gone since the walk") << ENOENT << false;
    }

    void onlyEnospcDegrades()
    {
        QFETCH(int, error);
        QFETCH(bool, degraded);
        ManualClock clock;
        auto *backend = new FakeWatchBackend;
        const QString refused = m_work + QStringLiteral("/refused");
        backend->failures.insert(refused, error);
        ContextWatcher::Options o;
        o.clock = &clock;
        o.backend = backend;
        ContextWatcher watcher(o);
        QSignalSpy failedChanged(&watcher, &ContextWatcher::failedWatchesChanged);
        if (degraded) {
            QTest::ignoreMessage(QtWarningMsg,
                                 QRegularExpression(QStringLiteral("^inotify watch limit")));
        } else {
            QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("Cannot watch")));
        }
        watcher.sync({{m_work, refused}, {}});
        QCOMPARE(watcher.watchedDirectories(), QStringList {m_work});
        if (degraded) {
            QCOMPARE(watcher.degradation(),
                     QStringLiteral("inotify watch limit exceeded (ENOSPC): 1 of 2 paths are not "
                                    "watched; rescanning every 30 s instead"));
            QVERIFY(watcher.failedWatches().isEmpty());
            QCOMPARE(clock.pendingTimers(), 1); // the periodic rescan
        } else {
            QCOMPARE(watcher.degradation(), QString());
            QCOMPARE(watcher.failedWatches().value(refused), qt_error_string(error));
            QCOMPARE(failedChanged.size(), 1);
            QCOMPARE(clock.pendingTimers(), 0); // no rescans
        }
        // Once the path is no longer wanted, it is no longer listed.
        watcher.sync({{m_work}, {}});
        QVERIFY(watcher.failedWatches().isEmpty());
        QCOMPARE(watcher.degradation(), QString());
    }

    void closeIsIdempotent()
    {
        ManualClock clock;
        ContextWatcher::Options o;
        o.clock = &clock;
        ContextWatcher watcher(o);
        QSignalSpy changed(&watcher, &ContextWatcher::changed);
        watcher.sync({{m_work}, {}});
        write(m_work + QStringLiteral("/one"), "1");
        QTRY_COMPARE_WITH_TIMEOUT(clock.pendingTimers(), 1, Timeout); // a debounce pending
        watcher.close();
        QCOMPARE(watcher.watchCount(), 0);
        QCOMPARE(clock.pendingTimers(), 0); // and cancelled
        watcher.close();
        QCOMPARE(watcher.watchCount(), 0);
        clock.advance(1s);
        QCOMPARE(changed.size(), 0);
    }

    void syncAfterCloseNoop()
    {
        ContextWatcher::Options o;
        o.maxWatches = 1;
        ContextWatcher watcher(o);
        QSignalSpy degradation(&watcher, &ContextWatcher::degradationChanged);
        watcher.close();
        watcher.sync({{m_work, m_home}, {}});
        QCOMPARE(watcher.watchCount(), 0);
        QVERIFY(watcher.watchedDirectories().isEmpty());
        QVERIFY(watcher.degradation().isEmpty());
        QCOMPARE(degradation.size(), 0);
    }
};

QTEST_GUILESS_MAIN(TestContextWatcher)
#include "tst_contextwatcher.moc"
