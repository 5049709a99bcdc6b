// Every Alt+letter and shortcut is unambiguous, in English and in German: within each menu,
// within each dialog, and across what one Alt press reaches in the main window (the menu bar,
// the tabs, and the controls of the shown page and the sidebar). Labels show no literal "&".
#include "common/translationloader.h"
#include "connectagentdialog.h"
#include "mainwindow.h"
#include "startprocessdialog.h"
#include "theme.h"

#include <QAbstractButton>
#include <QAction>
#include <QApplication>
#include <QDockWidget>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QSettings>
#include <QStandardPaths>
#include <QTabBar>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTranslator>

namespace {

// The mnemonic letter of a text ("&File" → 'f'), or a null char.
QChar mnemonic(const QString &text)
{
    for (qsizetype i = 0; i + 1 < text.size(); ++i) {
        if (text.at(i) == QLatin1Char('&')) {
            if (text.at(i + 1) == QLatin1Char('&')) {
                ++i; // "&&" is a literal ampersand
                continue;
            }
            return text.at(i + 1).toLower();
        }
    }
    return {};
}

struct Owner
{
    QChar key;
    QString text;
};

// Adds `text` under its letter; a second owner of the same letter is a clash.
void claim(QList<Owner> &owners, QStringList &clashes, const QString &where, const QString &text)
{
    const QChar key = mnemonic(text);
    if (key.isNull()) {
        return;
    }
    for (const Owner &owner : std::as_const(owners)) {
        if (owner.key == key) {
            clashes.append(QStringLiteral("%1: Alt+%2 is both “%3” and “%4”")
                                   .arg(where, key.toUpper(), owner.text, text));
        }
    }
    owners.append({key, text});
}

// The controls inside `root` that Alt+letter reaches: buttons, and labels with a buddy.
void claimControls(QWidget *root, QList<Owner> &owners, QStringList &clashes, const QString &where,
                   QStringList &literal)
{
    for (QAbstractButton *button : root->findChildren<QAbstractButton *>()) {
        if (button->isVisibleTo(root) && button->isEnabled() && !button->text().isEmpty()) {
            claim(owners, clashes, where, button->text());
        }
    }
    for (QLabel *label : root->findChildren<QLabel *>()) {
        if (!label->isVisibleTo(root) || label->textFormat() == Qt::RichText) {
            continue;
        }
        if (label->buddy()) {
            claim(owners, clashes, where, label->text());
        } else if (!mnemonic(label->text()).isNull() && label->textFormat() != Qt::PlainText) {
            literal.append(
                    QStringLiteral("%1: “%2” shows its & (no buddy)").arg(where, label->text()));
        }
    }
}

void checkMenu(QMenu *menu, QStringList &clashes)
{
    QList<Owner> owners;
    for (QAction *action : menu->actions()) {
        if (action->isSeparator()) {
            continue;
        }
        claim(owners, clashes, menu->title(), action->text());
        if (action->menu()) {
            checkMenu(action->menu(), clashes);
        }
    }
}

} // namespace

class TestMnemonics : public QObject
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

    void noClashes_data()
    {
        QTest::addColumn<QString>("language");
        QTest::newRow("English") << QStringLiteral("en");
        QTest::newRow("German") << QStringLiteral("de");
    }

    void noClashes()
    {
        QFETCH(QString, language);
        for (QTranslator *translator : qApp->findChildren<QTranslator *>()) {
            QCoreApplication::removeTranslator(translator);
            delete translator;
        }
        QVERIFY(TranslationLoader::install(qApp, QLocale(language)));
        QStringList clashes;
        QStringList literal;

        Theme theme;
        MainWindow window(&theme);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        for (QAction *action : window.menuBar()->actions()) {
            if (action->menu()) {
                checkMenu(action->menu(), clashes);
            }
        }
        for (int page = 0; page < window.tabs()->count(); ++page) {
            window.tabs()->setCurrentIndex(page);
            QList<Owner> owners;
            const QString where =
                    QStringLiteral("main window, tab %1").arg(window.tabs()->tabText(page));
            for (QAction *action : window.menuBar()->actions()) {
                claim(owners, clashes, where, action->text());
            }
            for (int tab = 0; tab < window.tabs()->count(); ++tab) {
                claim(owners, clashes, where, window.tabs()->tabText(tab));
            }
            claimControls(window.tabs()->widget(page), owners, clashes, where, literal);
            claimControls(window.sidebar(), owners, clashes, where, literal);
        }

        // Shortcuts of the window's actions: one action per key.
        QHash<QKeySequence, QString> keys;
        for (QAction *action : window.findChildren<QAction *>()) {
            if (action->shortcutContext() != Qt::WindowShortcut &&
                action->shortcutContext() != Qt::ApplicationShortcut) {
                continue;
            }
            for (const QKeySequence &key : action->shortcuts()) {
                if (keys.contains(key) && keys.value(key) != action->text()) {
                    clashes.append(QStringLiteral("%1 is both “%2” and “%3”")
                                           .arg(key.toString(), keys.value(key), action->text()));
                }
                keys.insert(key, action->text());
            }
        }

        StartProcessDialog start(true);
        start.show();
        QList<Owner> startOwners;
        claimControls(&start, startOwners, clashes, QStringLiteral("Start Process"), literal);
        ConnectAgentDialog connectDialog;
        connectDialog.show();
        QList<Owner> connectOwners;
        claimControls(&connectDialog, connectOwners, clashes, QStringLiteral("Connect to Agent"),
                      literal);

        QVERIFY2(clashes.isEmpty(), qPrintable(clashes.join(QLatin1Char('\n'))));
        QVERIFY2(literal.isEmpty(), qPrintable(literal.join(QLatin1Char('\n'))));
    }

private:
    QTemporaryDir m_settingsDir;
};

QTEST_MAIN(TestMnemonics)
#include "tst_mnemonics.moc"
