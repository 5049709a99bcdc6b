#include "tokenfile.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QRandomGenerator>
#include <QSaveFile>

Q_DECLARE_LOGGING_CATEGORY(lcHttp)

namespace {

constexpr QFileDevice::Permissions ownerOnly = QFileDevice::ReadOwner | QFileDevice::WriteOwner;

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
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QObject::tr("Cannot read token file %1: %2").arg(path, file.errorString());
        return std::nullopt;
    }
    const QByteArray token = file.read(4096).trimmed();
    if (token.isEmpty()) {
        *error = QObject::tr("Token file %1 is empty").arg(path);
        return std::nullopt;
    }
    return token;
}

std::optional<QByteArray> loadOrCreate(const QString &path, QString *error)
{
    const QFileInfo info(path);
    if (info.exists()) {
        // Never chmod what is not a token file (a folder named by mistake, a device).
        if (!info.isFile()) {
            *error = QObject::tr("Token file %1 is not a regular file").arg(path);
            return std::nullopt;
        }
        if ((info.permissions() & ~(ownerOnly | QFileDevice::ReadUser | QFileDevice::WriteUser)) !=
            0) {
            qCWarning(lcHttp) << "Token file" << path
                              << "was readable by others; restricting it to 0600";
            QFile::setPermissions(path, ownerOnly);
        }
        return read(path, error);
    }
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
