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
