#include "tokenstore.h"

#include <QCryptographicHash>
#include <QDBusConnection>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStandardPaths>
#include <QtGlobal>

#include <qt6keychain/keychain.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace {

const QString service = QStringLiteral("workspace-companion agent token");

} // namespace

bool TokenStore::keychainAvailable()
{
    if (qEnvironmentVariableIntValue("WORKSPACE_COMPANION_NO_KEYCHAIN") == 1) {
        return false;
    }
    return QDBusConnection::sessionBus().isConnected();
}

QString TokenStore::fallbackPath(const QString &key)
{
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) +
            QStringLiteral("/agent-tokens");
    const QByteArray name =
            QCryptographicHash::hash(key.toUtf8(), QCryptographicHash::Sha256).toHex().left(32);
    return dir + QLatin1Char('/') + QString::fromLatin1(name) + QStringLiteral(".token");
}

TokenStore::Stored TokenStore::writeFile(const QString &key, const QByteArray &token)
{
    const QString path = fallbackPath(key);
    const QString dir = QFileInfo(path).absolutePath();
    if (!QDir().mkpath(dir) || ::chmod(QFile::encodeName(dir).constData(), 0700) != 0) {
        return {false, path, tr("Cannot create %1").arg(dir)};
    }
    // Created 0600 before a byte is written, never through a symlink; replaced atomically.
    const QString temporary = path + QStringLiteral(".new");
    ::unlink(QFile::encodeName(temporary).constData());
    const int fd = ::open(QFile::encodeName(temporary).constData(),
                          O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        return {false, path, QString::fromLocal8Bit(std::strerror(errno))};
    }
    const bool written = ::write(fd, token.constData(), size_t(token.size())) == token.size();
    const bool closed = ::close(fd) == 0;
    if (!written || !closed ||
        ::rename(QFile::encodeName(temporary).constData(), QFile::encodeName(path).constData()) !=
                0) {
        ::unlink(QFile::encodeName(temporary).constData());
        return {false, path, tr("Cannot write %1").arg(path)};
    }
    return {true, path, QString()};
}

void TokenStore::write(const QString &key, const QByteArray &token,
                       const std::function<void(const Stored &)> &done)
{
    if (!keychainAvailable()) {
        done(writeFile(key, token));
        return;
    }
    auto *job = new QKeychain::WritePasswordJob(service, this);
    job->setKey(key);
    job->setBinaryData(token);
    connect(job, &QKeychain::Job::finished, this, [key, token, done](QKeychain::Job *finished) {
        if (finished->error() == QKeychain::NoError) {
            QFile::remove(fallbackPath(key)); // one place only
            done({true, tr("the system keychain"), QString()});
            return;
        }
        // The keychain refused (locked, no backend): the file, and say so.
        Stored stored = writeFile(key, token);
        if (stored.ok) {
            stored.error = finished->errorString();
        }
        done(stored);
    });
    job->start();
}

void TokenStore::read(const QString &key,
                      const std::function<void(const QByteArray &, const QString &)> &done)
{
    const auto fromFile = [key](const QString &keychainError) -> std::pair<QByteArray, QString> {
        const QString path = fallbackPath(key);
        // Judged by what was opened: never through a symlink, only a private file of ours.
        const int fd = ::open(QFile::encodeName(path).constData(),
                              O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
        const QString notPrivate =
                tr("%1 is not a private file (mode 0600, yours); it is not read.").arg(path);
        if (fd < 0) {
            if (errno != ENOENT) {
                return {{}, notPrivate};
            }
            return {{},
                    keychainError.isEmpty() ? tr("No token is stored for this agent.")
                                            : keychainError};
        }
        struct stat info;
        if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode) || (info.st_mode & 077) != 0 ||
            info.st_uid != ::getuid()) {
            ::close(fd);
            return {{}, notPrivate};
        }
        QByteArray token(4096, Qt::Uninitialized);
        const ssize_t n = ::read(fd, token.data(), size_t(token.size()));
        ::close(fd);
        token.resize(std::max<ssize_t>(n, 0));
        return {token.trimmed(), QString()};
    };
    if (!keychainAvailable()) {
        const auto [token, error] = fromFile(QString());
        done(token, error);
        return;
    }
    auto *job = new QKeychain::ReadPasswordJob(service, this);
    job->setKey(key);
    connect(job, &QKeychain::Job::finished, this, [fromFile, done](QKeychain::Job *finished) {
        auto *read = static_cast<QKeychain::ReadPasswordJob *>(finished);
        if (read->error() == QKeychain::NoError) {
            done(read->binaryData(), QString());
            return;
        }
        const auto [token, error] = fromFile(read->errorString());
        done(token, error);
    });
    job->start();
}

void TokenStore::remove(const QString &key)
{
    QFile::remove(fallbackPath(key));
    if (keychainAvailable()) {
        auto *job = new QKeychain::DeletePasswordJob(service, this);
        job->setKey(key);
        job->start();
    }
}
