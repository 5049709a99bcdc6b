#pragma once

#include <QLocale>
#include <QString>
#include <QStringList>

class QCoreApplication;
class QTranslator;

// Chooses the UI language (command-line override, else the system locale) and installs the
// application's and Qt's catalogues for it. English needs no catalogue: it is the source language.
class TranslationLoader
{
public:
    // The languages shipped with a catalogue, besides English.
    static QStringList availableLanguages();

    // The locale to use: `override` when it names a language we ship (for example "de" or
    // "de_AT"), else the first of `uiLanguages` we ship, else English.
    static QLocale chooseLocale(const QString &override, const QStringList &uiLanguages);

    // Installs the catalogues for `locale` into `app`; returns false when none was found for a
    // non-English locale. The translators are children of `app`.
    static bool install(QCoreApplication *app, const QLocale &locale);
};
