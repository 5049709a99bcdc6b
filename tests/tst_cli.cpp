// The command lines of both executables, run as real processes.
#include "common/buildinfo.h"

#include <QProcess>
#include <QTest>

namespace {

struct Run
{
    int exitCode = -1;
    QString out;
    QString err;
};

Run run(const QString &program, const QStringList &arguments)
{
    QProcess process;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    process.setProcessEnvironment(env);
    process.start(program, arguments);
    if (!process.waitForFinished(30000)) {
        process.kill();
        process.waitForFinished();
        return {};
    }
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
            QString::fromUtf8(process.readAllStandardOutput()),
            QString::fromUtf8(process.readAllStandardError())};
}

} // namespace

class TestCli : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void versions_data()
    {
        QTest::addColumn<QString>("program");
        QTest::newRow("companiond") << QStringLiteral(COMPANIOND_PATH);
        QTest::newRow("desktop") << QStringLiteral(DESKTOP_APP_PATH);
    }

    void versions()
    {
        QFETCH(QString, program);
        const Run r = run(program, {QStringLiteral("--version")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains(BuildInfo::applicationVersion()), qPrintable(r.out));
    }

    void help_data() { versions_data(); }

    void help()
    {
        QFETCH(QString, program);
        const Run r = run(program, {QStringLiteral("--help")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains(QLatin1String("--version")), qPrintable(r.out));
        QVERIFY(r.out.contains(QLatin1String("--help")));
    }

    void desktopHelpListsOptions()
    {
        const Run r = run(QStringLiteral(DESKTOP_APP_PATH), {QStringLiteral("--help")});
        for (const char *option : {"--lang", "--theme", "--screenshot"}) {
            QVERIFY2(r.out.contains(QLatin1String(option)), option);
        }
    }

    void germanHelp()
    {
        const Run r =
                run(QStringLiteral(DESKTOP_APP_PATH),
                    {QStringLiteral("--lang"), QStringLiteral("de"), QStringLiteral("--help")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains(QLatin1String("Farbschema")), qPrintable(r.out));
    }

    void companiondVersionNamesQt()
    {
        const Run r = run(QStringLiteral(COMPANIOND_PATH), {QStringLiteral("--version")});
        QVERIFY(r.out.contains(QStringLiteral("Qt ") + BuildInfo::qtRuntimeVersion()));
    }

    void unknownCommandFails()
    {
        const Run r = run(QStringLiteral(COMPANIOND_PATH), {QStringLiteral("frobnicate")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.err.contains(QLatin1String("frobnicate")));
    }

    void unknownThemeFails()
    {
        const Run r = run(QStringLiteral(DESKTOP_APP_PATH),
                          {QStringLiteral("--theme"), QStringLiteral("sepia")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.err.contains(QLatin1String("sepia")));
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
