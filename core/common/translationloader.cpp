#include "translationloader.h"

#include <QCoreApplication>
#include <QLibraryInfo>
#include <QLoggingCategory>
#include <QTranslator>

Q_LOGGING_CATEGORY(lcI18n, "companion.i18n")

namespace {

// qt_add_translations embeds the compiled catalogues under this resource prefix.
const QString catalogueDirectory = QStringLiteral(":/i18n");

QString shippedLanguageFor(const QString &name)
{
    const QLocale locale(name);
    if (locale.language() == QLocale::C) {
        return {};
    }
    const QString language = QLocale::languageToCode(locale.language());
    if (language == QLatin1String("en") ||
        TranslationLoader::availableLanguages().contains(language)) {
        return language;
    }
    return {};
}

} // namespace

QStringList TranslationLoader::availableLanguages()
{
    return {QStringLiteral("de")};
}

QLocale TranslationLoader::chooseLocale(const QString &override, const QStringList &uiLanguages)
{
    if (!override.isEmpty()) {
        if (!shippedLanguageFor(override).isEmpty()) {
            return QLocale(override);
        }
        qCWarning(lcI18n) << "No catalogue for language" << override << "- using English";
        return QLocale(QLocale::English);
    }
    for (const QString &name : uiLanguages) {
        if (!shippedLanguageFor(name).isEmpty()) {
            return QLocale(name);
        }
    }
    return QLocale(QLocale::English);
}

bool TranslationLoader::install(QCoreApplication *app, const QLocale &locale)
{
    if (locale.language() == QLocale::English) {
        // Only the plural forms: the sources are English, "%n match(es)" is not.
        auto *plurals = new QTranslator(app);
        if (plurals->load(QStringLiteral("companion_en"), catalogueDirectory)) {
            QCoreApplication::installTranslator(plurals);
        } else {
            qCWarning(lcI18n) << "No English plural forms";
            delete plurals;
        }
        return true;
    }
    auto *ours = new QTranslator(app);
    if (!ours->load(locale, QStringLiteral("companion"), QStringLiteral("_"), catalogueDirectory)) {
        qCWarning(lcI18n) << "No application catalogue for" << locale.name();
        delete ours;
        return false;
    }
    QCoreApplication::installTranslator(ours);

    // Qt's own strings (standard buttons, About Qt); optional, the app is usable without them.
    auto *qt = new QTranslator(app);
    if (qt->load(locale, QStringLiteral("qtbase"), QStringLiteral("_"),
                 QLibraryInfo::path(QLibraryInfo::TranslationsPath))) {
        QCoreApplication::installTranslator(qt);
    } else {
        delete qt;
    }
    return true;
}
