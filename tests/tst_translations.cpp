// The German catalogue: it loads, translates the UI, and the committed .ts is complete.
#include "common/translationloader.h"
#include "mainwindow.h"
#include "theme.h"

#include <QApplication>
#include <QFile>
#include <QMenuBar>
#include <QSettings>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTranslator>
#include <QXmlStreamReader>

class TestTranslations : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(m_settingsDir.isValid());
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsDir.path());
    }

    void catalogueIsComplete()
    {
        QFile ts(QStringLiteral(COMPANION_SOURCE_DIR "/translations/companion_de.ts"));
        QVERIFY2(ts.open(QIODevice::ReadOnly), qPrintable(ts.errorString()));
        QXmlStreamReader xml(&ts);
        int messages = 0;
        QStringList missing;
        QString source;
        while (!xml.atEnd()) {
            xml.readNext();
            if (!xml.isStartElement()) {
                continue;
            }
            if (xml.name() == QLatin1String("source")) {
                source = xml.readElementText();
            } else if (xml.name() == QLatin1String("translation")) {
                ++messages;
                const QString type = xml.attributes().value(QLatin1String("type")).toString();
                const QString text = xml.readElementText(QXmlStreamReader::IncludeChildElements);
                if (type == QLatin1String("unfinished") || text.trimmed().isEmpty()) {
                    missing << source;
                }
            }
        }
        QVERIFY(!xml.hasError());
        QVERIFY(messages > 20);
        QVERIFY2(missing.isEmpty(), qPrintable(missing.join(QLatin1String(" | "))));
    }

    void englishPluralForms()
    {
        // English needs a catalogue too, for plurals only: "1 match", not "1 match(es)".
        QVERIFY(TranslationLoader::install(qApp, QLocale(QLocale::English)));
        QCOMPARE(QCoreApplication::translate("ProcessesView", "%n match(es)", nullptr, 1),
                 QStringLiteral("1 match"));
        QCOMPARE(QCoreApplication::translate("ProcessesView", "%n match(es)", nullptr, 3),
                 QStringLiteral("3 matches"));
        QCOMPARE(QCoreApplication::translate("ContextResourceModel", "%n byte(s)", nullptr, 1),
                 QStringLiteral("1 byte"));
        // Everything else stays the source text.
        QCOMPARE(QCoreApplication::translate("MainWindow", "No workspaces connected"),
                 QStringLiteral("No workspaces connected"));
        QFile ts(QStringLiteral(COMPANION_SOURCE_DIR "/translations/companion_en.ts"));
        QVERIFY(ts.open(QIODevice::ReadOnly));
        const QByteArray text = ts.readAll();
        QVERIFY(!text.contains("type=\"unfinished\""));
        QVERIFY(text.contains("numerus=\"yes\""));
        for (QTranslator *translator : qApp->findChildren<QTranslator *>()) {
            QCoreApplication::removeTranslator(translator);
            delete translator;
        }
    }

    void germanCatalogueLoads()
    {
        QVERIFY(TranslationLoader::install(qApp, QLocale(QStringLiteral("de_DE"))));
        QCOMPARE(QCoreApplication::translate("MainWindow", "No workspaces connected"),
                 QStringLiteral("Keine Arbeitsbereiche verbunden"));
    }

    void mainWindowIsGerman()
    {
        Theme theme;
        MainWindow window(&theme);
        QCOMPARE(window.tabs()->tabText(MainWindow::ProcessesPage), QStringLiteral("&Prozesse"));
        QCOMPARE(window.menuBar()->actions().first()->text(), QStringLiteral("&Datei"));
    }

private:
    QTemporaryDir m_settingsDir;
};

QTEST_MAIN(TestTranslations)
#include "tst_translations.moc"
