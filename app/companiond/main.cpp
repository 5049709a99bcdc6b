// companiond: the headless daemon. Subcommands run the agent and the control plane; each is a
// thin front end over companion_core.
#include "common/buildinfo.h"
#include "common/translationloader.h"

#include <QCommandLineParser>
#include <QCoreApplication>

#include <cstdio>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("companiond"));
    QCoreApplication::setOrganizationName(QStringLiteral("workspace-companion"));
    QCoreApplication::setApplicationVersion(BuildInfo::applicationVersion());
    TranslationLoader::install(
            &app, TranslationLoader::chooseLocale({}, QLocale::system().uiLanguages()));

    QCommandLineParser parser;
    parser.setApplicationDescription(QCoreApplication::translate(
            "companiond",
            "Headless Workspace Companion: runs a workspace agent or a control plane."));
    parser.addHelpOption();
    const QCommandLineOption versionOption(
            {QStringLiteral("v"), QStringLiteral("version")},
            QCoreApplication::translate("companiond", "Displays version information."));
    parser.addOption(versionOption);
    parser.addPositionalArgument(
            QStringLiteral("command"),
            QCoreApplication::translate("companiond",
                                        "The subcommand to run. None exists yet in this "
                                        "version: agent and server are being added."),
            QStringLiteral("<command>"));
    parser.process(app);

    if (parser.isSet(versionOption)) {
        std::printf("%s\n", qPrintable(BuildInfo::versionReport()));
        return 0;
    }
    const QStringList positional = parser.positionalArguments();
    if (positional.isEmpty()) {
        parser.showHelp(0);
    }
    std::fprintf(stderr, "%s\n",
                 qPrintable(QCoreApplication::translate("companiond",
                                                        "Unknown command: %1. Run "
                                                        "companiond --help.")
                                    .arg(positional.first())));
    return 2;
}
