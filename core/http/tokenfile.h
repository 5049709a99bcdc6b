#pragma once

#include <QByteArray>
#include <QString>

#include <optional>

// The secret every agent and control-plane request must carry. Generated on first start into
// a file only its owner can read (0600); an existing file with looser permissions is tightened.
// A token file that is a symbolic link is refused, never followed, and so is a token shorter
// than MinimumLength characters.
namespace TokenFile {

constexpr qsizetype MinimumLength = 32;

// Reads the token in `path`, or creates the file with a new random token.
std::optional<QByteArray> loadOrCreate(const QString &path, QString *error);
// Reads an existing token file (for clients), tightened to 0600 as well when it is ours.
std::optional<QByteArray> read(const QString &path, QString *error);
// 32 random bytes, hex encoded.
QByteArray generate();

} // namespace TokenFile
