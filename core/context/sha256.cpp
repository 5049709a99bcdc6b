#include "context/sha256.h"

#include <QCryptographicHash>

#include <openssl/evp.h>

namespace Sha256 {

QByteArray hash(QByteArrayView data)
{
    QByteArray digest(DigestSize, Qt::Uninitialized);
    unsigned int length = 0;
    if (EVP_Digest(data.data(), size_t(data.size()),
                   reinterpret_cast<unsigned char *>(digest.data()), &length, EVP_sha256(),
                   nullptr) == 1 &&
        length == DigestSize) {
        return digest;
    }
    // Only when OpenSSL cannot run at all (no default provider): slower, never wrong.
    return QCryptographicHash::hash(data, QCryptographicHash::Sha256);
}

} // namespace Sha256
