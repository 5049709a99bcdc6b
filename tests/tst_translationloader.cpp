#include "common/buildinfo.h"
#include "common/translationloader.h"

#include <QCoreApplication>
#include <QTest>

class TestTranslationLoader : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void chooseLocale_data()
    {
        QTest::addColumn<QString>("override");
        QTest::addColumn<QStringList>("uiLanguages");
        QTest::addColumn<QString>("expectedLanguage");

        QTest::newRow("german system")
                << QString() << QStringList {QStringLiteral("de-DE")} << QStringLiteral("de");
        QTest::newRow("austrian system")
                << QString() << QStringList {QStringLiteral("de-AT")} << QStringLiteral("de");
        QTest::newRow("english system")
                << QString() << QStringList {QStringLiteral("en-US")} << QStringLiteral("en");
        QTest::newRow("unshipped system falls back to english")
                << QString() << QStringList {QStringLiteral("fr-FR")} << QStringLiteral("en");
        QTest::newRow("first shipped system language wins")
                << QString() << QStringList {QStringLiteral("fr-FR"), QStringLiteral("de-CH")}
                << QStringLiteral("de");
        QTest::newRow("english before german")
                << QString() << QStringList {QStringLiteral("en-GB"), QStringLiteral("de")}
                << QStringLiteral("en");
        QTest::newRow("override beats system")
                << QStringLiteral("de") << QStringList {QStringLiteral("en-US")}
                << QStringLiteral("de");
        QTest::newRow("override to english")
                << QStringLiteral("en") << QStringList {QStringLiteral("de-DE")}
                << QStringLiteral("en");
        QTest::newRow("unknown override is english")
                << QStringLiteral("xx") << QStringList {QStringLiteral("de-DE")}
                << QStringLiteral("en");
        QTest::newRow("no languages at all") << QString() << QStringList {} << QStringLiteral("en");
    }

    void chooseLocale()
    {
        QFETCH(QString, override);
        QFETCH(QStringList, uiLanguages);
        QFETCH(QString, expectedLanguage);
        const QLocale locale = TranslationLoader::chooseLocale(override, uiLanguages);
        QCOMPARE(QLocale::languageToCode(locale.language()), expectedLanguage);
    }

    void installGermanTranslatesCoreStrings()
    {
        QVERIFY(TranslationLoader::install(QCoreApplication::instance(),
                                           QLocale(QStringLiteral("de"))));
        QCOMPARE(QCoreApplication::translate("companiond", "Displays version information."),
                 QStringLiteral("Zeigt Versionsinformationen an."));
    }

    void englishNeedsNoCatalogue()
    {
        QVERIFY(TranslationLoader::install(QCoreApplication::instance(),
                                           QLocale(QLocale::English)));
    }

    void versionReportNamesQt()
    {
        QVERIFY(!BuildInfo::applicationVersion().isEmpty());
        QVERIFY(BuildInfo::versionReport().contains(BuildInfo::qtRuntimeVersion()));
        QVERIFY(BuildInfo::qtRuntimeVersion().startsWith(QLatin1String("6.")));
    }
};

QTEST_GUILESS_MAIN(TestTranslationLoader)
#include "tst_translationloader.moc"
