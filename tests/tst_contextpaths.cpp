#include "context/contextpaths.h"
#include "http/jsonresponse.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

#include <cerrno>
#include <sys/stat.h>
#include <unistd.h>

// Scenarios of Coder's agent/agentcontext/paths_test.go, plus a symlink that tries to leave an
// allowed root and ".." hidden by cleaning.
class TestContextPaths : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_root; // m_dir with symlinks resolved

    QString makeDirectory(const QString &relative)
    {
        const QString path = m_root + QLatin1Char('/') + relative;
        if (!QDir().mkpath(path)) {
            qFatal("cannot create %s", qPrintable(path));
        }
        return path;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_root = QFileInfo(m_dir.path()).canonicalFilePath();
        QVERIFY(!m_root.isEmpty());
    }

    void cleanAbsolutePath_data()
    {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("expected");
        QTest::newRow("already clean") << QStringLiteral("/a/b") << QStringLiteral("/a/b");
        QTest::newRow("dot segments") << QStringLiteral("/a/./b/.") << QStringLiteral("/a/b");
        QTest::newRow("parent segments") << QStringLiteral("/a/b/../c") << QStringLiteral("/a/c");
        QTest::newRow("duplicate separators")
                << QStringLiteral("//a///b//") << QStringLiteral("/a/b");
        QTest::newRow("parent of root") << QStringLiteral("/../..") << QStringLiteral("/");
        QTest::newRow("root") << QStringLiteral("/") << QStringLiteral("/");
    }

    void cleanAbsolutePath()
    {
        QFETCH(QString, input);
        QFETCH(QString, expected);
        QCOMPARE(ContextPaths::cleanAbsolutePath(input), expected);
    }

    void absoluteCleansAndResolves()
    {
        const QString real = makeDirectory(QStringLiteral("clean/a"));
        const QString messy = m_root + QStringLiteral("/clean/./a/../a/");
        QString error;
        QCOMPARE(ContextPaths::lexicalPath(messy, QString(), &error), std::optional<QString>(real));
        QCOMPARE(ContextPaths::canonicalizePath(QLatin1Char(' ') + messy + QLatin1Char('\t'),
                                                QString(), &error),
                 real);
        QVERIFY(error.isEmpty());
    }

    void relativeRejected_data()
    {
        QTest::addColumn<QString>("raw");
        QTest::addColumn<QString>("expectedError");
        QTest::newRow("relative") << QStringLiteral("relative/path")
                                  << QStringLiteral("path \"relative/path\" is not absolute");
        QTest::newRow("dot") << QStringLiteral("./x")
                             << QStringLiteral("path \"./x\" is not absolute");
        QTest::newRow("tilde user is not expanded")
                << QStringLiteral("~alice/notes")
                << QStringLiteral("path \"~alice/notes\" is not absolute");
        QTest::newRow("empty") << QString() << QStringLiteral("path is empty");
        QTest::newRow("blank") << QStringLiteral(" \t ") << QStringLiteral("path is empty");
    }

    void relativeRejected()
    {
        QFETCH(QString, raw);
        QFETCH(QString, expectedError);
        QString error;
        QCOMPARE(ContextPaths::lexicalPath(raw, QStringLiteral("/home/me"), &error), std::nullopt);
        QCOMPARE(error, expectedError);
        error.clear();
        QCOMPARE(ContextPaths::canonicalizePath(raw, QStringLiteral("/home/me"), &error),
                 QString());
        QCOMPARE(error, expectedError);
    }

    void tildeExpansion_data()
    {
        QTest::addColumn<QString>("raw");
        QTest::addColumn<QString>("expected");
        QTest::newRow("bare tilde expands to home")
                << QStringLiteral("~") << QStringLiteral("/home/me");
        QTest::newRow("tilde slash") << QStringLiteral("~/") << QStringLiteral("/home/me");
        QTest::newRow("below home")
                << QStringLiteral("~/notes/x") << QStringLiteral("/home/me/notes/x");
        QTest::newRow("trimmed and cleaned")
                << QStringLiteral("  ~/a/../b/  ") << QStringLiteral("/home/me/b");
    }

    void tildeExpansion()
    {
        QFETCH(QString, raw);
        QFETCH(QString, expected);
        QCOMPARE(ContextPaths::lexicalPath(raw, QStringLiteral("/home/me")),
                 std::optional<QString>(expected));
        // Nothing under /home/me exists here, so canonicalizing keeps the lexical path.
        QCOMPARE(ContextPaths::canonicalizePath(raw, QStringLiteral("/home/me")), expected);
    }

    void tildeWithoutHomeFails()
    {
        QString error;
        QCOMPARE(ContextPaths::lexicalPath(QStringLiteral("~/x"), QString(), &error), std::nullopt);
        QVERIFY(!error.isEmpty());
    }

    void followsSymlinks()
    {
        const QString target = makeDirectory(QStringLiteral("follow/target"));
        const QString link = m_root + QStringLiteral("/follow/link");
        QVERIFY(QFile::link(target, link));
        // The identity keeps the link; the canonical form resolves it.
        QCOMPARE(ContextPaths::lexicalPath(link, QString()), std::optional<QString>(link));
        QCOMPARE(ContextPaths::canonicalizePath(link, QString()), target);
        QCOMPARE(ContextPaths::canonicalizePath(link + QStringLiteral("/missing"), QString()),
                 link + QStringLiteral("/missing"));
    }

    void rejectsParentSegments_data()
    {
        QTest::addColumn<QString>("raw");
        QTest::addColumn<QString>("canonical");
        QTest::newRow("uncleaned") << QStringLiteral("/a/../b") << QStringLiteral("/a/../b");
        // What an AddSource caller passes: the canonical form no longer shows the "..".
        QTest::newRow("hidden by cleaning") << QStringLiteral("/a/../b") << QStringLiteral("/b");
        QTest::newRow("trailing") << QStringLiteral("/a/..") << QStringLiteral("/");
    }

    void rejectsParentSegments()
    {
        QFETCH(QString, raw);
        QFETCH(QString, canonical);
        for (const QStringList &roots : {QStringList(), QStringList {QStringLiteral("/")}}) {
            QString error;
            QVERIFY(!ContextPaths::validateSourcePath(raw, canonical, roots, &error));
            QVERIFY2(error.contains(QLatin1StringView("parent traversal segments")),
                     qPrintable(error));
        }
        QVERIFY(!ContextPaths::validateSourcePath(QString(), QStringLiteral("/x/../y"), {}));
    }

    void allowsInsideRoot_data()
    {
        QTest::addColumn<QString>("relative");
        QTest::newRow("the root itself") << QString();
        QTest::newRow("a child") << QStringLiteral("/inside");
        QTest::newRow("deeper, not yet existing") << QStringLiteral("/inside/new/AGENTS.md");
    }

    void allowsInsideRoot()
    {
        QFETCH(QString, relative);
        const QString root = makeDirectory(QStringLiteral("allowed"));
        makeDirectory(QStringLiteral("allowed/inside"));
        const QString raw = root + relative;
        const QString canonical = ContextPaths::canonicalizePath(raw, QString());
        QString error;
        QVERIFY2(ContextPaths::validateSourcePath(raw, canonical, {root}, &error),
                 qPrintable(error));
        // A root given with "~" is expanded against the home directory.
        QVERIFY(ContextPaths::validateSourcePath(raw, canonical, {QStringLiteral("~/allowed")},
                                                 &error, m_root));
    }

    void rejectsOutsideRoot()
    {
        const QString root = makeDirectory(QStringLiteral("outside-test/allowed"));
        const QString other = makeDirectory(QStringLiteral("outside-test/other"));
        QString error;
        QVERIFY(!ContextPaths::validateSourcePath(other, other, {root}, &error));
        QCOMPARE(error, QStringLiteral("path \"%1\" is not inside any allowed root").arg(other));
    }

    void rejectsSymlinkEscape()
    {
        const QString root = makeDirectory(QStringLiteral("escape/allowed"));
        const QString outside = makeDirectory(QStringLiteral("escape/outside"));
        const QString link = root + QStringLiteral("/link");
        QVERIFY(QFile::link(outside, link));
        // Lexically inside, really outside: the canonical form decides.
        QVERIFY(ContextPaths::pathHasPrefix(*ContextPaths::lexicalPath(link, QString()), root));
        const QString canonical = ContextPaths::canonicalizePath(link, QString());
        QCOMPARE(canonical, outside);
        QString error;
        QVERIFY(!ContextPaths::validateSourcePath(link, canonical, {root}, &error));
        QVERIFY2(error.contains(QLatin1StringView("not inside any allowed root")),
                 qPrintable(error));
    }

    void rootGivenThroughSymlinkIsCanonicalized()
    {
        const QString real = makeDirectory(QStringLiteral("rootlink/real"));
        const QString alias = m_root + QStringLiteral("/rootlink/alias");
        QVERIFY(QFile::link(real, alias));
        const QString path = makeDirectory(QStringLiteral("rootlink/real/project"));
        QVERIFY(ContextPaths::validateSourcePath(path, path, {alias}));
    }

    void acceptsLateWorkingDirectory()
    {
        // The manager appends the working directory to the allowed roots on every call, so one
        // that is only known (or only created) after start-up is accepted from then on.
        const QString home = makeDirectory(QStringLiteral("late/home"));
        const QString work = m_root + QStringLiteral("/late/work");
        const QString source = work + QStringLiteral("/docs");
        const QStringList before {home};
        QVERIFY(!ContextPaths::validateSourcePath(source, source, before));

        const QStringList after {home, work};
        QVERIFY(ContextPaths::validateSourcePath(source, source, after)); // not created yet
        makeDirectory(QStringLiteral("late/work/docs"));
        const QString canonical = ContextPaths::canonicalizePath(source, QString());
        QString error;
        QVERIFY2(ContextPaths::validateSourcePath(source, canonical, after, &error),
                 qPrintable(error));
    }

    void emptyAllowedRootsBypass()
    {
        QString error;
        QVERIFY(ContextPaths::validateSourcePath(QStringLiteral("/anywhere/at/all"),
                                                 QStringLiteral("/anywhere/at/all"), {}, &error));
        QVERIFY(error.isEmpty());
    }

    void invalidRootsFailClosed()
    {
        QString error;
        QVERIFY(!ContextPaths::validateSourcePath(
                QStringLiteral("/x"), QStringLiteral("/x"),
                {QString(), QStringLiteral("relative"), QStringLiteral("~/needs-a-home")}, &error));
        QVERIFY2(error.contains(QLatin1StringView("not inside any allowed root")),
                 qPrintable(error));
    }

    void rawNamesRoundTrip_data()
    {
        QTest::addColumn<QByteArray>("raw");
        QTest::addColumn<QString>("shown"); // what Go's JSON encoder writes
        QTest::addColumn<QString>("quoted"); // Go's %q
        QTest::newRow("ascii") << QByteArray("/w/a b") << QStringLiteral("/w/a b")
                               << QStringLiteral("\"/w/a b\"");
        QTest::newRow("valid UTF-8") << QByteArray("/w/\xc3\xa9\xf0\x9f\x98\x80")
                                     << QStringLiteral("/w/\u00e9\U0001F600")
                                     << QStringLiteral("\"/w/\u00e9\U0001F600\"");
        QTest::newRow("lone byte") << QByteArray("/w/\xff") << QStringLiteral("/w/\uFFFD")
                                   << QStringLiteral("\"/w/\\xff\"");
        QTest::newRow("truncated")
                << QByteArray("/w/\xe2\x82x") << QStringLiteral("/w/\uFFFD\uFFFDx")
                << QStringLiteral("\"/w/\\xe2\\x82x\"");
        QTest::newRow("surrogate")
                << QByteArray("\xed\xb2\x80") << QStringLiteral("\uFFFD\uFFFD\uFFFD")
                << QStringLiteral("\"\\xed\\xb2\\x80\"");
        QTest::newRow("overlong") << QByteArray("\xc0\xaf") << QStringLiteral("\uFFFD\uFFFD")
                                  << QStringLiteral("\"\\xc0\\xaf\"");
        QTest::newRow("byte-order mark")
                << QByteArray("\xef\xbb\xbf/w\xef\xbb\xbf") << QStringLiteral("\uFEFF/w\uFEFF")
                << QStringLiteral("\"\uFEFF/w\uFEFF\"");
        QTest::newRow("above U+10FFFF")
                << QByteArray("\xf4\x90\x80\x80") << QStringLiteral("\uFFFD\uFFFD\uFFFD\uFFFD")
                << QStringLiteral("\"\\xf4\\x90\\x80\\x80\"");
    }

    void rawNamesRoundTrip()
    {
        QFETCH(QByteArray, raw);
        QFETCH(QString, shown);
        QFETCH(QString, quoted);
        const QString path = ContextPaths::fromRaw(raw);
        QCOMPARE(ContextPaths::toRaw(path), raw);
        QCOMPARE(ContextPaths::forDisplay(path), shown);
        QCOMPARE(JsonResponse::goQuoted(path), quoted);
        // Qt's JSON writer would write "\\udcff", which Go reads as U+FFFD: JSON output
        // takes forDisplay(), and then reads back as Go's would.
        const QByteArray json =
                QJsonDocument(QJsonObject {{QStringLiteral("p"), ContextPaths::forDisplay(path)}})
                        .toJson(QJsonDocument::Compact);
        QVERIFY2(!json.contains("\\ud"), json.constData());
        QCOMPARE(json, "{\"p\":\"" + shown.toUtf8() + "\"}");
    }

    void rawNamesRoundTripRandomly()
    {
        // Any byte string survives fromRaw/toRaw, and valid UTF-8 decodes as Qt decodes it.
        QRandomGenerator random(8);
        for (int i = 0; i < 20000; ++i) {
            QByteArray raw(qsizetype(random.bounded(12)), Qt::Uninitialized);
            for (char &c : raw) {
                // Bias towards the bytes that make and break multi-byte sequences.
                c = char(random.bounded(4) == 0 ? random.bounded(256)
                                                : 0x80 + random.bounded(0x78));
            }
            const QString path = ContextPaths::fromRaw(raw);
            QCOMPARE(ContextPaths::toRaw(path), raw);
            if (raw.isValidUtf8() && !raw.contains("\xef\xbb\xbf")) {
                QCOMPARE(path, QString::fromUtf8(raw));
            }
        }
    }

    void realPathByBytes()
    {
        const QByteArray base = QFile::encodeName(m_root);
        const QByteArray folder = base + "/raw\xfe";
        QVERIFY(::mkdir(folder.constData(), 0755) == 0 || errno == EEXIST);
        QVERIFY(::symlink(folder.constData(), QByteArray(base + "/link\xfd").constData()) == 0 ||
                errno == EEXIST);
        QCOMPARE(ContextPaths::toRaw(ContextPaths::realPath(
                         ContextPaths::fromRaw(QByteArray(base + "/link\xfd")))),
                 folder);
        int error = 0;
        QCOMPARE(ContextPaths::realPath(ContextPaths::fromRaw(QByteArray(base + "/gone\xfd")),
                                        &error),
                 QString());
        QCOMPARE(error, ENOENT);
    }

    void pathHasPrefix_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("prefix");
        QTest::addColumn<bool>("expected");
        QTest::newRow("equal") << QStringLiteral("/a") << QStringLiteral("/a") << true;
        QTest::newRow("child") << QStringLiteral("/a/b") << QStringLiteral("/a") << true;
        QTest::newRow("sibling with the prefix as name start")
                << QStringLiteral("/a-prefix") << QStringLiteral("/a") << false;
        QTest::newRow("sibling without separator")
                << QStringLiteral("/ab/c") << QStringLiteral("/a") << false;
        QTest::newRow("parent is not under child")
                << QStringLiteral("/a") << QStringLiteral("/a/b") << false;
        QTest::newRow("filesystem root") << QStringLiteral("/a") << QStringLiteral("/") << true;
        QTest::newRow("empty prefix") << QStringLiteral("/a") << QString() << false;
    }

    void pathHasPrefix()
    {
        QFETCH(QString, path);
        QFETCH(QString, prefix);
        QFETCH(bool, expected);
        QCOMPARE(ContextPaths::pathHasPrefix(path, prefix), expected);
    }
};

QTEST_GUILESS_MAIN(TestContextPaths)
#include "tst_contextpaths.moc"
