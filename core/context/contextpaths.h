#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <optional>

// Path rules for context sources, as Coder's agentcontext/paths.go: absolute or ~-relative
// input, lexical identities, symlink-resolved canonical forms, and the allowed-roots check that
// keeps a runtime-added source (or a symlink inside one) from reaching outside those roots.
namespace ContextPaths {

// Trims `raw`; expands "~" and "~/..." against `home` ("~user" is not expanded and so is
// relative); requires an absolute result and returns it cleaned ("." and ".." resolved, no
// duplicate or trailing separators). Symlinks are left alone: this is a source's identity.
// Errors: "path is empty", `path "<raw>" is not absolute`.
[[nodiscard]] std::optional<QString> lexicalPath(const QString &raw, const QString &home,
                                                 QString *error = nullptr);

// lexicalPath() with symlinks resolved. A path that cannot be resolved (it does not exist
// yet) comes back cleaned but unresolved. Empty, with `error` set, when lexicalPath() fails.
[[nodiscard]] QString canonicalizePath(const QString &raw, const QString &home,
                                       QString *error = nullptr);

// Whether `canonical` may be added as a source. `raw` is what the caller was given: its ".."
// segments are rejected before cleaning could hide them ("/a/../b"). No allowed roots disables
// the check; roots that cannot be canonicalized are dropped, and if none is left every path is
// rejected (fail closed). Roots may use "~" when `home` is given.
[[nodiscard]] bool validateSourcePath(const QString &raw, const QString &canonical,
                                      const QStringList &allowedRoots, QString *error = nullptr,
                                      const QString &home = QString());

// Whether any "/"-separated segment of `path` is "..".
bool hasParentTraversal(const QString &path);

// Whether `path` is `prefix` or lies below it: "/a-prefix" is not under "/a".
bool pathHasPrefix(const QString &path, const QString &prefix);

// File names are bytes; Go keeps them so, QString cannot. These map them losslessly, as
// Python's surrogateescape does: a byte that is not part of valid UTF-8 (Go's
// utf8.DecodeRune rule: one invalid byte at a time) becomes the lone surrogate U+DC80 + byte,
// and toRaw() turns it back. Every path the resolver and watcher touch goes through them.
QString fromRaw(QByteArrayView bytes);
QByteArray toRaw(QStringView path);
// What Go's JSON encoder writes for such a string: each escaped byte as U+FFFD.
QString forDisplay(const QString &path);
// realpath(3) through the byte form; empty, with errno in `error`, when it fails.
QString realPath(const QString &path, int *error = nullptr);

// Go's filepath.Clean for an absolute path: "/a/./b/../c//" becomes "/a/c", "/.." becomes "/".
QString cleanAbsolutePath(const QString &path);

} // namespace ContextPaths
