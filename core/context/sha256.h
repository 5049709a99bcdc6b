#pragma once

#include <QByteArray>
#include <QByteArrayView>

// The one SHA-256 of the context subsystem (content hashes and the aggregate hash). OpenSSL's
// EVP, because Qt 6.8's QCryptographicHash is its own portable C code: about a tenth of
// OpenSSL's speed on CPUs with SHA extensions.
namespace Sha256 {

inline constexpr qsizetype DigestSize = 32;

// The 32-byte digest of `data`.
[[nodiscard]] QByteArray hash(QByteArrayView data);

} // namespace Sha256
