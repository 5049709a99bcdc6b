// Both palettes are readable: every text role against its background meets WCAG AA (4.5:1).
#include "theme.h"

#include <QApplication>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

class TestTheme : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_settingsDir.isValid());
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsDir.path());
    }

    void contrast_data()
    {
        QTest::addColumn<bool>("dark");
        QTest::addColumn<int>("foreground");
        QTest::addColumn<int>("background");
        const std::pair<QPalette::ColorRole, QPalette::ColorRole> pairs[] = {
                {QPalette::WindowText, QPalette::Window},
                {QPalette::Text, QPalette::Base},
                {QPalette::Text, QPalette::AlternateBase},
                {QPalette::ButtonText, QPalette::Button},
                {QPalette::HighlightedText, QPalette::Highlight},
                {QPalette::ToolTipText, QPalette::ToolTipBase},
                {QPalette::Link, QPalette::Base},
                {QPalette::PlaceholderText, QPalette::Base}};
        for (bool dark : {false, true}) {
            for (const auto &[fg, bg] : pairs) {
                QTest::addRow("%s %d on %d", dark ? "dark" : "light", int(fg), int(bg))
                        << dark << int(fg) << int(bg);
            }
        }
    }

    void contrast()
    {
        QFETCH(bool, dark);
        QFETCH(int, foreground);
        QFETCH(int, background);
        const QPalette p = dark ? Theme::darkPalette() : Theme::lightPalette();
        const double ratio = Theme::contrastRatio(p.color(QPalette::ColorRole(foreground)),
                                                  p.color(QPalette::ColorRole(background)));
        QVERIFY2(ratio >= 4.5, qPrintable(QString::number(ratio)));
    }

    void contrastRatioKnownValues()
    {
        QCOMPARE(qRound(Theme::contrastRatio(Qt::black, Qt::white)), 21);
        QCOMPARE(Theme::contrastRatio(Qt::red, Qt::red), 1.0);
    }

    void schemeNamesRoundTrip()
    {
        for (auto s : {Theme::Scheme::System, Theme::Scheme::Light, Theme::Scheme::Dark}) {
            QCOMPARE(Theme::schemeFromName(Theme::schemeName(s)), s);
        }
        QCOMPARE(Theme::schemeFromName(QStringLiteral("DARK")), Theme::Scheme::Dark);
        QVERIFY(!Theme::schemeFromName(QStringLiteral("sepia")));
    }

    void setSchemeAppliesAndPersists()
    {
        Theme theme;
        QSignalSpy changed(&theme, &Theme::schemeChanged);
        theme.setScheme(Theme::Scheme::Dark);
        QCOMPARE(changed.count(), 1);
        QVERIFY(theme.isDark());
        QCOMPARE(QApplication::palette().color(QPalette::Window),
                 Theme::darkPalette().color(QPalette::Window));
        QCOMPARE(Theme::storedScheme(), Theme::Scheme::Dark);

        theme.setScheme(Theme::Scheme::Light);
        QVERIFY(!theme.isDark());
        QCOMPARE(QApplication::palette().color(QPalette::Window),
                 Theme::lightPalette().color(QPalette::Window));
        QCOMPARE(Theme::storedScheme(), Theme::Scheme::Light);
    }

private:
    QTemporaryDir m_settingsDir;
};

QTEST_MAIN(TestTheme)
#include "tst_theme.moc"
