#include "tokenfile.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QRandomGenerator>
#include <QSaveFile>

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

Q_DECLARE_LOGGING_CATEGORY(lcHttp)

namespace {

constexpr QFileDevice::Permissions ownerOnly = QFileDevice::ReadOwner | QFileDevice::WriteOwner;

QString howToRenew(const QString &path)
{
    return QObject::tr("Make a new one: delete %1 and start again (a new random token is "
                       "written), or write one yourself with: openssl rand -hex 32 > %1 && "
                       "chmod 600 %1")
            .arg(path);
}

// Reads the file behind `fd`; the descriptor pins the file, so nothing can be swapped in
// between the checks and the read.
std::optional<QByteArray> readOpen(int fd, const QString &path, bool tighten, QString *error)
{
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        *error = QObject::tr("Token file %1 is not a regular file").arg(path);
        return std::nullopt;
    }
    if (tighten && (st.st_mode & 077) != 0) {
        if (st.st_uid == ::geteuid() && ::fchmod(fd, S_IRUSR | S_IWUSR) == 0) {
            qCWarning(lcHttp) << "Token file" << path
                              << "was readable by others; restricted it to 0600";
        } else {
            qCWarning(lcHttp) << "Token file" << path
                              << "is readable by others and not ours to restrict: chmod 600 it";
        }
    }
    QByteArray content(4096, Qt::Uninitialized);
    ssize_t n = 0;
    do {
        n = ::read(fd, content.data(), size_t(content.size()));
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        *error = QObject::tr("Cannot read token file %1: %2").arg(path, qt_error_string(errno));
        return std::nullopt;
    }
    const QByteArray token = content.left(n).trimmed();
    if (token.isEmpty()) {
        *error = QObject::tr("Token file %1 is empty. %2").arg(path, howToRenew(path));
        return std::nullopt;
    }
    if (token.size() < TokenFile::MinimumLength) {
        *error = QObject::tr("The token in %1 has %2 characters; a token needs at least %3. %4")
                         .arg(path)
                         .arg(token.size())
                         .arg(TokenFile::MinimumLength)
                         .arg(howToRenew(path));
        return std::nullopt;
    }
    return token;
}

std::optional<QByteArray> readNoFollow(const QString &path, bool tighten, QString *error)
{
    const QByteArray native = QFile::encodeName(path);
    const int fd = ::open(native.constData(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ELOOP) {
            *error = QObject::tr("Token file %1 is a symbolic link; refusing to follow it. Point "
                                 "to the real file instead.")
                             .arg(path);
        } else {
            *error = QObject::tr("Cannot read token file %1: %2").arg(path, qt_error_string(errno));
        }
        return std::nullopt;
    }
    std::optional<QByteArray> token = readOpen(fd, path, tighten, error);
    ::close(fd);
    return token;
}

} // namespace

namespace TokenFile {

QByteArray generate()
{
    QByteArray bytes(32, Qt::Uninitialized);
    QRandomGenerator::system()->fillRange(reinterpret_cast<quint32 *>(bytes.data()),
                                          bytes.size() / 4);
    return bytes.toHex();
}

std::optional<QByteArray> read(const QString &path, QString *error)
{
    return readNoFollow(path, true, error);
}

std::optional<QByteArray> loadOrCreate(const QString &path, QString *error)
{
    struct stat st {};
    if (::lstat(QFile::encodeName(path).constData(), &st) == 0) {
        // Never follow or chmod what is not a token file: a link, a folder, a device.
        return readNoFollow(path, true, error);
    }
    const QFileInfo info(path);
    if (!QDir().mkpath(info.absolutePath())) {
        *error = QObject::tr("Cannot create folder %1").arg(info.absolutePath());
        return std::nullopt;
    }
    QSaveFile file(path);
    // Restrict before any byte is written, so the secret is never readable by others.
    if (!file.open(QIODevice::WriteOnly) || !file.setPermissions(ownerOnly)) {
        *error = QObject::tr("Cannot create token file %1: %2").arg(path, file.errorString());
        return std::nullopt;
    }
    const QByteArray token = generate();
    file.write(token + '\n');
    if (!file.commit()) {
        *error = QObject::tr("Cannot write token file %1: %2").arg(path, file.errorString());
        return std::nullopt;
    }
    return token;
}

} // namespace TokenFile
