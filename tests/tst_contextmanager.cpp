// ContextManager on real files: the scenarios of Coder's agent/agentcontext manager_test.go
// (sources, allowed roots, late working directory, seeding, resync, close), plus what our
// design adds: resolves overtaken by newer ones publish nothing, every published resolve gets
// exactly the next version, the timeline of the last 50 versions, and the watcher's
// degradation carried in the snapshot error. Built-in roots are off and home is a temporary
// folder, so the real ~ never leaks into a test.
#include "common/clock.h"
#include "context/contextmanager.h"
#include "context/contextwatcher.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSet>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace std::chrono_literals;

namespace {

constexpr int Timeout = 10000;

QString instructionId(const QString &path)
{
    return QStringLiteral("instruction_file:") + path;
}

const ContextResource *findResource(const ContextSnapshot &snapshot, const QString &id)
{
    for (const ContextResource &resource : snapshot.resources) {
        if (resource.id == id) {
            return &resource;
        }
    }
    return nullptr;
}

} // namespace

class TestContextManager : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_home; // the manager's ~ (an allowed root)
    QString m_work; // the working directory
    QString m_outside; // outside every allowed root

    static void write(const QString &file, const QByteArray &content)
    {
        QDir().mkpath(QFileInfo(file).absolutePath());
        QFile out(file);
        if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate) ||
            out.write(content) != content.size()) {
            qFatal("cannot write %s", qPrintable(file));
        }
    }

    static QString mkdir(const QString &dir)
    {
        if (!QDir().mkpath(dir)) {
            qFatal("cannot create %s", qPrintable(dir));
        }
        return dir;
    }

    ContextManager::Options options() const
    {
        ContextManager::Options o;
        o.homeDirectory = m_home;
        o.includeBuiltinRoots = false;
        o.watch = false;
        o.workingDirectory = [work = m_work] { return work; };
        return o;
    }

    // Processes events until the manager has published `version`.
    [[nodiscard]] static bool waitForVersion(const ContextManager &manager, quint64 version)
    {
        return QTest::qWaitFor([&] { return manager.snapshot().version >= version; }, Timeout);
    }

    // Resyncs and waits for the answer to its ticket.
    [[nodiscard]] static std::optional<ContextSnapshot> resyncAndWait(ContextManager &manager)
    {
        QSignalSpy finished(&manager, &ContextManager::resyncFinished);
        const quint64 ticket = manager.resync();
        const bool answered = QTest::qWaitFor(
                [&] {
                    for (const QList<QVariant> &arguments : std::as_const(finished)) {
                        if (arguments.at(0).toULongLong() == ticket) {
                            return true;
                        }
                    }
                    return false;
                },
                Timeout);
        if (!answered) {
            return std::nullopt;
        }
        for (const QList<QVariant> &arguments : std::as_const(finished)) {
            if (arguments.at(0).toULongLong() == ticket) {
                return arguments.at(1).value<ContextSnapshot>();
            }
        }
        return std::nullopt;
    }

private Q_SLOTS:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        const QString base = QFileInfo(m_dir->path()).canonicalFilePath();
        m_home = mkdir(base + QStringLiteral("/home"));
        m_work = mkdir(base + QStringLiteral("/work"));
        m_outside = mkdir(base + QStringLiteral("/outside"));
        write(m_work + QStringLiteral("/AGENTS.md"), "# Project rules\n");
    }

    void cleanup() { m_dir.reset(); }

    void initialSnapshotIsPopulated()
    {
        ContextManager manager(options());
        QSignalSpy published(&manager, &ContextManager::snapshotChanged);
        QCOMPARE(manager.snapshot().version, 0u); // the placeholder, until start()
        manager.start();
        QVERIFY(published.wait(Timeout));
        QCOMPARE(published.size(), 1);
        const auto snapshot = published.at(0).at(0).value<ContextSnapshot>();
        QCOMPARE(snapshot.version, 1u);
        QCOMPARE(snapshot.schemaVersion, 1u);
        QCOMPARE(snapshot.resources.size(), 1);
        QCOMPARE(snapshot.resources.at(0).id, instructionId(m_work + QStringLiteral("/AGENTS.md")));
        QCOMPARE(snapshot.resources.at(0).description, QStringLiteral("Project rules"));
        QVERIFY(snapshot.resources.at(0).sourcePath.isEmpty()); // the working dir is no source
        QCOMPARE(manager.snapshot(), snapshot);
        QVERIFY(!manager.isResolving());
        manager.start(); // again: nothing
        QCOMPARE(manager.snapshot().version, 1u);
    }

    void addSourceTriggersResolve()
    {
        const QString source = mkdir(m_home + QStringLiteral("/notes"));
        write(source + QStringLiteral("/CLAUDE.md"), "Notes\n");
        ContextManager manager(options());
        manager.start();
        QVERIFY(waitForVersion(manager, 1));
        QSignalSpy sources(&manager, &ContextManager::sourcesChanged);
        QSignalSpy published(&manager, &ContextManager::snapshotChanged);

        QString error;
        const std::optional<QString> identity = manager.addSource(source, &error);
        QVERIFY2(identity, qPrintable(error));
        QCOMPARE(*identity, source);
        QCOMPARE(sources.size(), 1);
        QCOMPARE(sources.at(0).at(0).toStringList(), QStringList {source});
        QCOMPARE(manager.sources(), QStringList {source});
        QVERIFY(published.wait(Timeout));
        const auto snapshot = published.at(0).at(0).value<ContextSnapshot>();
        QVERIFY(snapshot.version > 1);
        const ContextResource *resource =
                findResource(snapshot, instructionId(source + QStringLiteral("/CLAUDE.md")));
        QVERIFY(resource);
        QCOMPARE(resource->sourcePath, source);
        QCOMPARE(resource->status, ResourceStatus::Ok);
    }

    void addSourceExpandsTilde()
    {
        const QString source = mkdir(m_home + QStringLiteral("/notes"));
        ContextManager manager(options());
        QString error;
        QCOMPARE(manager.addSource(QStringLiteral("  ~/notes/ "), &error).value_or(QString()),
                 source);
    }

    void addSourceRejectsOutsideAllowedRoots()
    {
        ContextManager manager(options());
        manager.start();
        QVERIFY(waitForVersion(manager, 1));
        QSignalSpy sources(&manager, &ContextManager::sourcesChanged);
        QString error;
        QVERIFY(!manager.addSource(m_outside, &error));
        QCOMPARE(error,
                 QStringLiteral("path \"%1\" is not inside any allowed root").arg(m_outside));
        // A sibling whose name merely starts like an allowed root is outside it too.
        const QString lookalike = mkdir(m_home + QStringLiteral("-other"));
        QVERIFY(!manager.addSource(lookalike, &error));
        QVERIFY(error.contains(QStringLiteral("not inside any allowed root")));
        QVERIFY(!manager.addSource(QStringLiteral("relative/path"), &error));
        QCOMPARE(error, QStringLiteral("canonicalize: path \"relative/path\" is not absolute"));
        QVERIFY(!manager.addSource(QStringLiteral("  "), &error));
        QCOMPARE(error, QStringLiteral("canonicalize: path is empty"));
        QCOMPARE(sources.size(), 0);
        QVERIFY(manager.sources().isEmpty());
        QVERIFY(!manager.isResolving());
    }

    void addSourceRejectsParentTraversal_data()
    {
        QTest::addColumn<QString>("relative"); // to home
        QTest::newRow("inside, through ..") << QStringLiteral("/a/../b");
        QTest::newRow("escaping home") << QStringLiteral("/../outside");
        QTest::newRow("trailing ..") << QStringLiteral("/a/..");
    }

    void addSourceRejectsParentTraversal()
    {
        QFETCH(QString, relative);
        mkdir(m_home + QStringLiteral("/a"));
        mkdir(m_home + QStringLiteral("/b"));
        ContextManager manager(options());
        QString error;
        QVERIFY(!manager.addSource(m_home + relative, &error));
        QVERIFY2(error.contains(QStringLiteral("parent traversal segments")), qPrintable(error));
        QVERIFY(!manager.addSource(QStringLiteral("~") + relative, &error));
        QVERIFY2(error.contains(QStringLiteral("parent traversal segments")), qPrintable(error));
        QVERIFY(manager.sources().isEmpty());
    }

    void addSourceRejectsSymlinkEscape()
    {
        write(m_outside + QStringLiteral("/AGENTS.md"), "secret rules\n");
        const QString escape = m_home + QStringLiteral("/escape");
        QVERIFY(QFile::link(m_outside, escape));
        ContextManager manager(options());
        QString error;
        QVERIFY(!manager.addSource(escape, &error));
        QCOMPARE(error,
                 QStringLiteral("path \"%1\" is not inside any allowed root").arg(m_outside));
        QVERIFY(!manager.addSource(escape + QStringLiteral("/AGENTS.md"), &error));
        QVERIFY(error.contains(QStringLiteral("not inside any allowed root")));
        QVERIFY(manager.sources().isEmpty());

        // A link that stays inside the allowed roots is fine; its identity is the link.
        const QString inside = m_home + QStringLiteral("/inside");
        QVERIFY(QFile::link(m_work, inside));
        QCOMPARE(manager.addSource(inside, &error).value_or(QString()), inside);
        QCOMPARE(manager.sources(), QStringList {inside});
    }

    void addSourceAcceptsLateWorkingDir()
    {
        // CRF-7: the working directory is an allowed root as soon as it is known.
        QString workingDirectory;
        ContextManager::Options o = options();
        o.workingDirectory = [&workingDirectory] { return workingDirectory; };
        ContextManager manager(o);
        manager.start();
        QVERIFY(waitForVersion(manager, 1));
        QVERIFY(manager.snapshot().resources.isEmpty());

        const QString sub = mkdir(m_work + QStringLiteral("/sub"));
        QString error;
        QVERIFY(!manager.addSource(sub, &error));
        QVERIFY(error.contains(QStringLiteral("not inside any allowed root")));
        QVERIFY(!manager.effectiveAllowedRoots().contains(m_work));

        workingDirectory = QStringLiteral("  ") + m_work + QStringLiteral("\n"); // trimmed
        QCOMPARE(manager.workingDirectory(), m_work);
        QVERIFY(manager.effectiveAllowedRoots().contains(m_work));
        const std::optional<QString> identity = manager.addSource(sub, &error);
        QVERIFY2(identity, qPrintable(error));
        QCOMPARE(*identity, sub);
        // And the working directory is scanned from the next resolve on, without a restart.
        QVERIFY(waitForVersion(manager, 2));
        QTRY_VERIFY_WITH_TIMEOUT(!manager.isResolving(), Timeout);
        QVERIFY(findResource(manager.snapshot(),
                             instructionId(m_work + QStringLiteral("/AGENTS.md"))));
    }

    void addSourceIsIdempotent()
    {
        const QString source = mkdir(m_home + QStringLiteral("/notes"));
        ContextManager manager(options());
        manager.start();
        QVERIFY(waitForVersion(manager, 1));
        QString error;
        QVERIFY(manager.addSource(source, &error));
        QVERIFY(waitForVersion(manager, 2));
        QTRY_VERIFY_WITH_TIMEOUT(!manager.isResolving(), Timeout);

        QSignalSpy sources(&manager, &ContextManager::sourcesChanged);
        QSignalSpy resolving(&manager, &ContextManager::resolvingChanged);
        QCOMPARE(manager.addSource(source, &error).value_or(QString()), source);
        QCOMPARE(manager.addSource(source + QStringLiteral("/"), &error).value_or(QString()),
                 source);
        QCOMPARE(manager.addSource(QStringLiteral("~/notes"), &error).value_or(QString()), source);
        QCOMPARE(manager.sources(), QStringList {source});
        QCOMPARE(sources.size(), 0);
        QCOMPARE(resolving.size(), 0); // no resolve, so no new version
        QVERIFY(!manager.isResolving());
        QCOMPARE(manager.snapshot().version, 2u);
    }

    void removeSource()
    {
        const QString source = mkdir(m_home + QStringLiteral("/notes"));
        write(source + QStringLiteral("/AGENTS.md"), "notes\n");
        ContextManager manager(options());
        manager.start();
        QString error;
        QVERIFY(manager.addSource(source, &error));
        QTRY_VERIFY_WITH_TIMEOUT(findResource(manager.snapshot(),
                                              instructionId(source + QStringLiteral("/AGENTS.md"))),
                                 Timeout);
        const quint64 before = manager.snapshot().version;

        QSignalSpy sources(&manager, &ContextManager::sourcesChanged);
        QVERIFY(manager.removeSource(source + QStringLiteral("/."), &error)); // lexical identity
        QCOMPARE(sources.size(), 1);
        QVERIFY(manager.sources().isEmpty());
        QVERIFY(waitForVersion(manager, before + 1));
        QVERIFY(!findResource(manager.snapshot(),
                              instructionId(source + QStringLiteral("/AGENTS.md"))));

        QVERIFY(!manager.removeSource(source, &error));
        QCOMPARE(error, QStringLiteral("source not found"));
        QVERIFY(!manager.removeSource(QStringLiteral("relative"), &error));
        QCOMPARE(error, QStringLiteral("source not found"));
        QCOMPARE(sources.size(), 1);
    }

    void hasSource()
    {
        const QString source = mkdir(m_home + QStringLiteral("/notes"));
        ContextManager manager(options());
        QString error;
        QVERIFY(manager.addSource(source, &error));
        const auto present = manager.hasSource(source);
        QVERIFY(present);
        QCOMPARE(present->first, source);
        QVERIFY(present->second);
        const auto tilde = manager.hasSource(QStringLiteral("~/notes/"));
        QVERIFY(tilde);
        QCOMPARE(tilde->first, source);
        QVERIFY(tilde->second);
        // Absent: still the lexical identity.
        const auto absent = manager.hasSource(QStringLiteral("~/x/../other"));
        QVERIFY(absent);
        QCOMPARE(absent->first, m_home + QStringLiteral("/other"));
        QVERIFY(!absent->second);
        QVERIFY(!manager.hasSource(QStringLiteral("relative")));
        QVERIFY(!manager.hasSource(QString()));
    }

    void resyncReturnsLatestSnapshot()
    {
        ContextManager manager(options());
        manager.start();
        QVERIFY(waitForVersion(manager, 1));
        write(m_work + QStringLiteral("/CLAUDE.md"), "more\n");
        QSignalSpy finished(&manager, &ContextManager::resyncFinished);
        const quint64 ticket = manager.resync();
        QVERIFY(manager.isResolving());
        QVERIFY(finished.wait(Timeout));
        QCOMPARE(finished.size(), 1);
        QCOMPARE(finished.at(0).at(0).toULongLong(), ticket);
        const auto snapshot = finished.at(0).at(1).value<ContextSnapshot>();
        QCOMPARE(snapshot.version, 2u);
        QCOMPARE(snapshot, manager.snapshot());
        QVERIFY(findResource(snapshot, instructionId(m_work + QStringLiteral("/CLAUDE.md"))));
        QVERIFY(manager.resync() != ticket); // tickets are unique
    }

    void resyncBeforeStartAnswersPlaceholder()
    {
        // Upstream: not ready yet means the version-0 placeholder, without scanning.
        ContextManager manager(options());
        QSignalSpy finished(&manager, &ContextManager::resyncFinished);
        QSignalSpy published(&manager, &ContextManager::snapshotChanged);
        const quint64 ticket = manager.resync();
        QVERIFY(!manager.isResolving());
        QVERIFY(finished.wait(Timeout));
        QCOMPARE(finished.at(0).at(0).toULongLong(), ticket);
        QCOMPARE(finished.at(0).at(1).value<ContextSnapshot>().version, 0u);
        QCOMPARE(published.size(), 0);
    }

    void initialSourcesSeeded()
    {
        // Trusted configuration: outside the allowed roots, and duplicates and bad paths skipped.
        write(m_outside + QStringLiteral("/AGENTS.md"), "template rules\n");
        ContextManager::Options o = options();
        o.initialSources = {m_outside, m_outside + QStringLiteral("/"), QStringLiteral("relative")};
        QTest::ignoreMessage(
                QtWarningMsg,
                QRegularExpression(QStringLiteral("Skipping initial source \"relative\"")));
        ContextManager manager(o);
        QCOMPARE(manager.sources(), QStringList {m_outside});
        manager.start();
        QVERIFY(waitForVersion(manager, 1));
        const ContextResource *resource = findResource(
                manager.snapshot(), instructionId(m_outside + QStringLiteral("/AGENTS.md")));
        QVERIFY(resource);
        QCOMPARE(resource->sourcePath, m_outside);
    }

    void seedSourcesLateBinds()
    {
        write(m_outside + QStringLiteral("/AGENTS.md"), "late rules\n");
        ContextManager manager(options());
        manager.start();
        QVERIFY(waitForVersion(manager, 1));
        QSignalSpy sources(&manager, &ContextManager::sourcesChanged);
        QSignalSpy published(&manager, &ContextManager::snapshotChanged);
        QTest::ignoreMessage(
                QtWarningMsg,
                QRegularExpression(QStringLiteral("Skipping seeded source \"relative\"")));
        manager.seedSources({QStringLiteral("relative"), m_outside, m_outside});
        QCOMPARE(sources.size(), 1); // once, for all of them
        QCOMPARE(manager.sources(), QStringList {m_outside});
        QVERIFY(published.wait(Timeout));
        QVERIFY(findResource(published.at(0).at(0).value<ContextSnapshot>(),
                             instructionId(m_outside + QStringLiteral("/AGENTS.md"))));
        QTRY_VERIFY_WITH_TIMEOUT(!manager.isResolving(), Timeout);

        manager.seedSources({m_outside}); // nothing new: no signal, no resolve
        QCOMPARE(sources.size(), 1);
        QVERIFY(!manager.isResolving());
    }

    void closeIsIdempotent()
    {
        ContextManager manager(options());
        manager.start();
        QVERIFY(waitForVersion(manager, 1));
        QSignalSpy closed(&manager, &ContextManager::closed);
        manager.close();
        manager.close();
        QVERIFY(manager.isClosed());
        QCOMPARE(closed.size(), 1);

        // A closed manager answers a resync with what it has, and starts nothing.
        QSignalSpy finished(&manager, &ContextManager::resyncFinished);
        const quint64 ticket = manager.resync();
        QVERIFY(!manager.isResolving());
        QVERIFY(finished.wait(Timeout));
        QCOMPARE(finished.at(0).at(0).toULongLong(), ticket);
        QCOMPARE(finished.at(0).at(1).value<ContextSnapshot>().version, 1u);
        manager.start();
        QVERIFY(!manager.isResolving());
        QString error;
        QVERIFY(manager.addSource(m_home, &error)); // recorded, but never resolved
        QVERIFY(!manager.isResolving());
        QCOMPARE(manager.snapshot().version, 1u);
    }

    void overtakenResolveIsDropped()
    {
        ContextManager manager(options());
        manager.start();
        QVERIFY(waitForVersion(manager, 1));
        QTRY_VERIFY_WITH_TIMEOUT(!manager.isResolving(), Timeout);
        QSignalSpy published(&manager, &ContextManager::snapshotChanged);
        QSignalSpy finished(&manager, &ContextManager::resyncFinished);

        const quint64 first = manager.resync();
        const quint64 second = manager.resync();
        QVERIFY(first != second);
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 2, Timeout);
        // Only the newer resolve published, with the next version, and both waiters got it.
        QCOMPARE(published.size(), 1);
        const auto snapshot = published.at(0).at(0).value<ContextSnapshot>();
        QCOMPARE(snapshot.version, 2u);
        QSet<quint64> answered;
        for (const QList<QVariant> &arguments : std::as_const(finished)) {
            answered.insert(arguments.at(0).toULongLong());
            QCOMPARE(arguments.at(1).value<ContextSnapshot>(), snapshot);
        }
        QCOMPARE(answered, (QSet<quint64> {first, second}));

        // Later resolves continue with exactly one version each.
        const auto next = resyncAndWait(manager);
        QVERIFY(next);
        QCOMPARE(next->version, 3u);
        QCOMPARE(published.size(), 2);
        QCOMPARE(published.at(1).at(0).value<ContextSnapshot>().version, 3u);
    }

    void closedManagerPublishesNothing()
    {
        ContextManager manager(options());
        QSignalSpy published(&manager, &ContextManager::snapshotChanged);
        QSignalSpy resolving(&manager, &ContextManager::resolvingChanged);
        manager.start();
        QVERIFY(manager.isResolving());
        manager.close(); // while the first resolve runs
        QTRY_VERIFY_WITH_TIMEOUT(!manager.isResolving(), Timeout);
        QCOMPARE(resolving.size(), 2);
        QCOMPARE(published.size(), 0);
        QCOMPARE(manager.snapshot().version, 0u);
        QVERIFY(manager.snapshot().resources.isEmpty());
        QVERIFY(manager.timeline().isEmpty());
    }

    void closeAnswersPendingResyncs()
    {
        ContextManager manager(options());
        manager.start();
        QVERIFY(manager.isResolving());
        QSignalSpy failed(&manager, &ContextManager::resyncFailed);
        QSignalSpy finished(&manager, &ContextManager::resyncFinished);
        const quint64 ticket = manager.resync();
        manager.close(); // before the resolve it waits for is published
        QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, Timeout);
        QCOMPARE(failed.first().at(0).toULongLong(), ticket);
        QCOMPARE(failed.first().at(1).toString(), QStringLiteral("agentcontext: manager closed"));
        QCOMPARE(finished.size(), 0);
    }

    void everyPublishedResolveBumpsVersion()
    {
        ContextManager manager(options());
        QSignalSpy published(&manager, &ContextManager::snapshotChanged);
        manager.start();
        QVERIFY(waitForVersion(manager, 1));
        const QByteArray hash = manager.snapshot().aggregateHash;
        for (quint64 expected = 2; expected <= 4; ++expected) {
            const auto snapshot = resyncAndWait(manager);
            QVERIFY(snapshot);
            QCOMPARE(snapshot->version, expected);
            QCOMPARE(snapshot->aggregateHash, hash); // nothing changed, still a version
        }
        QCOMPARE(published.size(), 4);
        for (qsizetype i = 0; i < published.size(); ++i) {
            QCOMPARE(published.at(i).at(0).value<ContextSnapshot>().version, quint64(i + 1));
        }
    }

    void timelineRecordsChanges()
    {
        ManualClock clock;
        ContextManager::Options o = options();
        o.clock = &clock;
        ContextManager manager(o);
        manager.start();
        QVERIFY(waitForVersion(manager, 1));
        const QString agents = instructionId(m_work + QStringLiteral("/AGENTS.md"));
        const QString claude = instructionId(m_work + QStringLiteral("/CLAUDE.md"));
        QCOMPARE(manager.timeline().size(), 1);
        ContextTimelineEntry entry = manager.timeline().constLast();
        QCOMPARE(entry.version, 1u);
        QCOMPARE(entry.added, QStringList {agents});
        QVERIFY(entry.removed.isEmpty() && entry.changed.isEmpty());
        QCOMPARE(entry.aggregateHash, manager.snapshot().aggregateHash);
        QCOMPARE(entry.publishedAtMSecs, clock.nowMSecs());

        clock.advance(1000ms);
        write(m_work + QStringLiteral("/AGENTS.md"), "# Edited rules\n");
        QVERIFY(resyncAndWait(manager));
        entry = manager.timeline().constLast();
        QCOMPARE(entry.version, 2u);
        QCOMPARE(entry.changed, QStringList {agents});
        QVERIFY(entry.added.isEmpty() && entry.removed.isEmpty());
        QCOMPARE(entry.publishedAtMSecs, clock.nowMSecs());

        write(m_work + QStringLiteral("/CLAUDE.md"), "new\n");
        QVERIFY(QFile::remove(m_work + QStringLiteral("/AGENTS.md")));
        QVERIFY(resyncAndWait(manager));
        entry = manager.timeline().constLast();
        QCOMPARE(entry.version, 3u);
        QCOMPARE(entry.added, QStringList {claude});
        QCOMPARE(entry.removed, QStringList {agents});
        QVERIFY(entry.changed.isEmpty());

        QVERIFY(resyncAndWait(manager)); // unchanged: an entry with nothing in it
        entry = manager.timeline().constLast();
        QCOMPARE(entry.version, 4u);
        QVERIFY(entry.added.isEmpty() && entry.removed.isEmpty() && entry.changed.isEmpty());
        QCOMPARE(manager.timeline().size(), 4);
    }

    void watcherEventsThatChangeNothingAddNoVersion()
    {
        // With ~/.coder missing its nearest parent, $HOME, is watched: files created there
        // must not each make an empty version.
        ManualClock clock;
        ContextManager::Options o = options();
        o.watch = true;
        o.includeBuiltinRoots = true;
        o.debounce = 250ms;
        o.clock = &clock;
        ContextManager manager(o);
        manager.start();
        QVERIFY(waitForVersion(manager, 1));
        QVERIFY(manager.watcher()->watchedDirectories().contains(m_home));
        QSignalSpy published(&manager, &ContextManager::snapshotChanged);
        for (int i = 0; i < 20; ++i) {
            write(m_home + QStringLiteral("/unrelated-%1.txt").arg(i), "x");
            QTRY_VERIFY_WITH_TIMEOUT(clock.pendingTimers() >= 1, Timeout);
            clock.advance(300ms);
            QTRY_VERIFY_WITH_TIMEOUT(!manager.isResolving(), Timeout);
        }
        QCOMPARE(published.size(), 0);
        QCOMPARE(manager.snapshot().version, 1u);
        QCOMPARE(manager.timeline().size(), 1);

        // A real change through the watcher is a version, and says what triggered it.
        write(m_work + QStringLiteral("/CLAUDE.md"), "new\n");
        QTRY_VERIFY_WITH_TIMEOUT(clock.pendingTimers() >= 1, Timeout);
        clock.advance(300ms);
        QVERIFY(waitForVersion(manager, 2));
        const ContextTimelineEntry entry = manager.timeline().constLast();
        QCOMPARE(entry.trigger, QStringLiteral("watcher"));
        QVERIFY2(entry.triggerPath.startsWith(m_work), qPrintable(entry.triggerPath));

        // An explicit resync still publishes, unchanged or not, as upstream's.
        const auto resynced = resyncAndWait(manager);
        QVERIFY(resynced);
        QCOMPARE(resynced->version, 3u);
        QCOMPARE(manager.timeline().constLast().trigger, QStringLiteral("resync"));
    }

    void timelineRecordsTriggers()
    {
        ContextManager manager(options());
        manager.start();
        QVERIFY(waitForVersion(manager, 1));
        QCOMPARE(manager.timeline().constLast().trigger, QStringLiteral("start"));
        const QString source = mkdir(m_home + QStringLiteral("/notes"));
        QString error;
        QVERIFY(manager.addSource(source, &error));
        QVERIFY(waitForVersion(manager, 2));
        QCOMPARE(manager.timeline().constLast().trigger, QStringLiteral("source_added"));
        QCOMPARE(manager.timeline().constLast().triggerPath, source);
        QVERIFY(manager.removeSource(source, &error));
        QVERIFY(waitForVersion(manager, 3));
        QCOMPARE(manager.timeline().constLast().trigger, QStringLiteral("source_removed"));
        QSignalSpy finished(&manager, &ContextManager::resyncFinished);
        manager.resync(ContextManager::Trigger::PushRetry);
        QVERIFY(waitForVersion(manager, 4));
        QCOMPARE(manager.timeline().constLast().trigger, QStringLiteral("push_retry"));
        // The trigger survives the JSON round trip clients use.
        const ContextTimelineEntry entry = manager.timeline().constLast();
        QCOMPARE(ContextTimelineEntry::fromJson(entry.toJson()), entry);
    }

    void timelineKeepsFiftyEntries()
    {
        ContextManager manager(options());
        manager.start();
        QVERIFY(waitForVersion(manager, 1));
        const int total = ContextManager::TimelineLength + 6;
        for (int i = 2; i <= total; ++i) {
            QVERIFY(resyncAndWait(manager));
        }
        QCOMPARE(manager.snapshot().version, quint64(total));
        const QList<ContextTimelineEntry> timeline = manager.timeline();
        QCOMPARE(timeline.size(), ContextManager::TimelineLength);
        for (qsizetype i = 0; i < timeline.size(); ++i) {
            QCOMPARE(timeline.at(i).version,
                     quint64(total - ContextManager::TimelineLength + 1 + i));
        }
    }

    void snapshotErrorCarriesWatcherDegradation()
    {
        // More folders than the watcher may watch: it degrades, and every snapshot says so,
        // the first one included.
        for (const QString &name :
             {QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")}) {
            mkdir(m_work + QLatin1Char('/') + name);
        }
        ManualClock clock; // keeps the degraded rescans from running on their own
        ContextManager::Options o = options();
        o.watch = true;
        o.maxWatches = 1;
        o.clock = &clock;
        ContextManager manager(o);
        QTest::ignoreMessage(
                QtWarningMsg,
                QRegularExpression(QStringLiteral("^watch limit of 1 reached: 4 of 5 paths are not "
                                                  "watched")));
        manager.start();
        QVERIFY(waitForVersion(manager, 1));
        QVERIFY(manager.watcher());
        QCOMPARE(manager.watcher()->watchCount(), 1);
        const QString degradation = manager.watcherDegradation();
        QVERIFY(degradation.contains(QStringLiteral("watch limit of 1 reached")));
        QCOMPARE(manager.snapshot().snapshotError, degradation);
        QCOMPARE(manager.snapshot().toJson().value(QStringLiteral("snapshot_error")).toString(),
                 degradation);

        const auto next = resyncAndWait(manager);
        QVERIFY(next);
        QCOMPARE(next->snapshotError, degradation);
    }

    void snapshotErrorEmptyWhenWatcherCopes()
    {
        ContextManager::Options o = options();
        o.watch = true;
        ContextManager manager(o);
        manager.start();
        QVERIFY(waitForVersion(manager, 1));
        QVERIFY(manager.watcherDegradation().isEmpty());
        QVERIFY(manager.snapshot().snapshotError.isEmpty());
        QVERIFY(!manager.snapshot().toJson().contains(QStringLiteral("snapshot_error")));
        manager.close();
    }
};

QTEST_GUILESS_MAIN(TestContextManager)
#include "tst_contextmanager.moc"
