// Renders every view of the main window in the light and the dark palette to PNG files in the
// build tree (under Xvfb when available), and checks that each image shows text.
#include "mainwindow.h"
#include "theme.h"

#include <QApplication>
#include <QDir>
#include <QImage>
#include <QSettings>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>

namespace {

// Pixels that stand out clearly from the window background: glyphs, frames, icons.
int contrastingPixels(const QImage &image, const QColor &background)
{
    const QImage img = image.convertToFormat(QImage::Format_RGB32);
    int count = 0;
    for (int y = 0; y < img.height(); ++y) {
        const auto *line = reinterpret_cast<const QRgb *>(img.constScanLine(y));
        for (int x = 0; x < img.width(); ++x) {
            const int diff = std::abs(qGray(line[x]) - qGray(background.rgb()));
            if (diff > 96) {
                ++count;
            }
        }
    }
    return count;
}

} // namespace

class TestScreenshots : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(m_settingsDir.isValid());
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsDir.path());
        QVERIFY(QDir().mkpath(QStringLiteral(COMPANION_SCREENSHOT_DIR)));
        qInfo() << "platform" << QGuiApplication::platformName() << "screenshots in"
                << COMPANION_SCREENSHOT_DIR;
    }

    void views_data()
    {
        QTest::addColumn<bool>("dark");
        QTest::addColumn<int>("page");
        const char *pages[] = {"context", "processes", "runners", "reinit-events"};
        for (bool dark : {false, true}) {
            for (int page = 0; page < MainWindow::PageCount; ++page) {
                QTest::addRow("%s-%s", pages[page], dark ? "dark" : "light") << dark << page;
            }
        }
    }

    void views()
    {
        QFETCH(bool, dark);
        QFETCH(int, page);
        Theme theme;
        theme.setScheme(dark ? Theme::Scheme::Dark : Theme::Scheme::Light);
        MainWindow window(&theme);
        window.resize(1180, 760);
        window.setCurrentPage(MainWindow::Page(page));
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));

        const QString path = QStringLiteral(COMPANION_SCREENSHOT_DIR "/main-window-%1.png")
                                     .arg(QString::fromLatin1(QTest::currentDataTag()));
        QString error;
        QVERIFY2(window.saveScreenshot(path, &error), qPrintable(error));

        const QImage image(path);
        QCOMPARE(image.size(), window.size() * window.devicePixelRatio());
        const QColor background =
                (dark ? Theme::darkPalette() : Theme::lightPalette()).color(QPalette::Window);
        // The centre of the view is the page background, in the palette we asked for.
        const QWidget *view = window.tabs()->currentWidget();
        const QPoint centre =
                view->mapTo(&window, view->rect().center() + QPoint(0, view->height() / 3));
        QCOMPARE(QColor(image.pixel(centre)).name(), background.name());
        // Text exists: titles, explanation, menus, tabs, status bar.
        const int ink = contrastingPixels(image, background);
        QVERIFY2(ink > 2000, qPrintable(QStringLiteral("only %1 text pixels").arg(ink)));
    }

private:
    QTemporaryDir m_settingsDir;
};

QTEST_MAIN(TestScreenshots)
#include "tst_screenshots.moc"
