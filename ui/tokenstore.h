#pragma once

#include <QByteArray>
#include <QObject>
#include <QString>

#include <functional>

// Where the tokens of remote agents live: the system keychain through QtKeychain (the Secret
// Service, KWallet, ...), or, when no keychain service runs, a file only the user can read
// (0600, in a 0700 folder of the app's data). Asynchronous, as keychains are.
class TokenStore : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;

    // Whether a keychain service answers on this session (no D-Bus session bus: none does).
    // WORKSPACE_COMPANION_NO_KEYCHAIN=1 says no, for tests and for people who prefer files.
    static bool keychainAvailable();
    // The file a token for `key` goes to without a keychain.
    static QString fallbackPath(const QString &key);

    struct Stored
    {
        bool ok = false;
        QString where; // "the system keychain" or the file's path
        QString error;
    };
    void write(const QString &key, const QByteArray &token,
               const std::function<void(const Stored &)> &done);
    // The token, or empty with the reason.
    void read(const QString &key,
              const std::function<void(const QByteArray &token, const QString &error)> &done);
    void remove(const QString &key);

private:
    static Stored writeFile(const QString &key, const QByteArray &token);
};
