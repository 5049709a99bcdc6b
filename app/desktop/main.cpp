// workspace-companion: the desktop app. Everything here is wiring; the logic lives in ui/ and
// core/.
#include "common/buildinfo.h"
#include "common/translationloader.h"
#include "mainwindow.h"
#include "theme.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>
#include <QTimer>
#include <QWindow>

#include <cstdio>

namespace {

// --lang must be known before the translated option descriptions are built.
QString preParseLanguage(const QStringList &arguments)
{
    QCommandLineParser pre;
    const QCommandLineOption lang(QStringLiteral("lang"), QString(), QStringLiteral("code"));
    pre.addOption(lang);
    pre.setOptionsAfterPositionalArgumentsMode(QCommandLineParser::ParseAsOptions);
    (void)pre.parse(arguments); // unknown options are reported by the real parser below
    return pre.value(lang);
}

// Saves a screenshot once the window is on screen and painted, then optionally quits.
void scheduleScreenshot(MainWindow *window, const QString &path, bool quitAfter)
{
    auto *poll = new QTimer(window);
    poll->setInterval(50);
    QObject::connect(poll, &QTimer::timeout, window, [=] {
        if (!window->windowHandle() || !window->windowHandle()->isExposed()) {
            return;
        }
        poll->deleteLater();
        // One more pass through the event loop lets pending layouts and paints settle.
        QTimer::singleShot(250, window, [=] {
            QString error;
            if (window->saveScreenshot(path, &error)) {
                std::printf("%s\n", qPrintable(QObject::tr("Screenshot written to %1").arg(path)));
            } else {
                std::fprintf(
                        stderr, "%s\n",
                        qPrintable(QObject::tr("Cannot write screenshot %1: %2").arg(path, error)));
            }
            std::fflush(stdout);
            if (quitAfter) {
                QCoreApplication::exit(error.isEmpty() ? 0 : 1);
            }
        });
    });
    poll->start();
}

} // namespace

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("workspace-companion"));
    QApplication::setApplicationDisplayName(QStringLiteral("Workspace Companion"));
    QApplication::setOrganizationName(QStringLiteral("workspace-companion"));
    QApplication::setApplicationVersion(BuildInfo::applicationVersion());
    QApplication::setDesktopFileName(QStringLiteral("workspace-companion"));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/workspace-companion.svg")));

    TranslationLoader::install(&app,
                               TranslationLoader::chooseLocale(preParseLanguage(app.arguments()),
                                                               QLocale::system().uiLanguages()));

    QCommandLineParser parser;
    parser.setApplicationDescription(QCoreApplication::translate(
            "main", "Desktop app for AI-assisted development workspaces."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption langOption(
            QStringLiteral("lang"),
            QCoreApplication::translate("main", "User interface language, for example de or en."),
            QCoreApplication::translate("main", "code"));
    const QCommandLineOption themeOption(
            QStringLiteral("theme"),
            QCoreApplication::translate("main", "Colour scheme: system, light or dark."),
            QCoreApplication::translate("main", "scheme"));
    const QCommandLineOption screenshotOption(
            QStringLiteral("screenshot"),
            QCoreApplication::translate("main", "Write a PNG of the main window once it is shown."),
            QCoreApplication::translate("main", "file"));
    const QCommandLineOption quitOption(
            QStringLiteral("quit-after-screenshot"),
            QCoreApplication::translate("main", "Quit once the screenshot is written."));
    parser.addOptions({langOption, themeOption, screenshotOption, quitOption});
    parser.process(app);

    Theme theme;
    Theme::Scheme scheme = Theme::storedScheme();
    if (parser.isSet(themeOption)) {
        const auto chosen = Theme::schemeFromName(parser.value(themeOption));
        if (!chosen) {
            std::fprintf(stderr, "%s\n",
                         qPrintable(QCoreApplication::translate("main", "Unknown colour scheme: %1")
                                            .arg(parser.value(themeOption))));
            return 2;
        }
        scheme = *chosen;
    }
    theme.setScheme(scheme);

    MainWindow window(&theme);
    window.show();
    if (parser.isSet(screenshotOption)) {
        scheduleScreenshot(&window, parser.value(screenshotOption), parser.isSet(quitOption));
    }
    return QApplication::exec();
}
