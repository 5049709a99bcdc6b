#include "context/contextpaths.h"

#include "http/jsonresponse.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <memory>

using JsonResponse::goQuoted;

namespace ContextPaths {

namespace {

void setError(QString *error, const QString &message)
{
    if (error) {
        *error = message;
    }
}

constexpr char16_t EscapeBase = 0xDC00;

bool isEscape(char16_t c)
{
    return c >= 0xDC80 && c <= 0xDCFF;
}

// Length of the valid UTF-8 sequence at `s` (RFC 3629, as Go's utf8.DecodeRune: no
// overlongs, no surrogates, nothing above U+10FFFF), or 0.
qsizetype validSequence(const unsigned char *s, qsizetype left)
{
    const unsigned char b = s[0];
    if (b < 0x80) {
        return 1;
    }
    const auto cont = [&](qsizetype i, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
        return i < left && s[i] >= lo && s[i] <= hi;
    };
    if (b >= 0xC2 && b <= 0xDF) {
        return cont(1) ? 2 : 0;
    }
    if (b >= 0xE0 && b <= 0xEF) {
        const unsigned char lo = b == 0xE0 ? 0xA0 : 0x80;
        const unsigned char hi = b == 0xED ? 0x9F : 0xBF;
        return cont(1, lo, hi) && cont(2) ? 3 : 0;
    }
    if (b >= 0xF0 && b <= 0xF4) {
        const unsigned char lo = b == 0xF0 ? 0x90 : 0x80;
        const unsigned char hi = b == 0xF4 ? 0x8F : 0xBF;
        return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
    }
    return 0;
}

// QString::fromUtf8 drops a leading byte-order mark; a file name keeps it.
QString decodeUtf8(QByteArrayView bytes)
{
    // fromUtf8 is the fast path (no decoder object per name); only a BOM needs care.
    constexpr QByteArrayView bom("\xEF\xBB\xBF");
    if (!bytes.startsWith(bom)) {
        return QString::fromUtf8(bytes);
    }
    return QChar(0xFEFF) + decodeUtf8(bytes.sliced(bom.size()));
}

} // namespace

QString fromRaw(QByteArrayView bytes)
{
    const auto *s = reinterpret_cast<const unsigned char *>(bytes.data());
    const qsizetype n = bytes.size();
    qsizetype i = 0;
    while (i < n) {
        const qsizetype length = validSequence(s + i, n - i);
        if (length == 0) {
            break;
        }
        i += length;
    }
    if (i == n) {
        return decodeUtf8(bytes);
    }
    QString out = decodeUtf8(bytes.first(i));
    while (i < n) {
        const qsizetype length = validSequence(s + i, n - i);
        if (length == 0) {
            out += QChar(char16_t(EscapeBase + s[i]));
            ++i;
        } else {
            out += decodeUtf8(bytes.sliced(i, length));
            i += length;
        }
    }
    return out;
}

QByteArray toRaw(QStringView path)
{
    const auto escape =
            std::find_if(path.begin(), path.end(), [](QChar c) { return isEscape(c.unicode()); });
    if (escape == path.end()) {
        return path.toUtf8();
    }
    QByteArray out;
    out.reserve(path.size() * 2);
    qsizetype start = 0;
    for (qsizetype i = 0; i < path.size(); ++i) {
        const char16_t c = path.at(i).unicode();
        // A low surrogate right after a high one is half of a real pair, not an escape.
        if (isEscape(c) && !(i > 0 && QChar::isHighSurrogate(path.at(i - 1).unicode()))) {
            out += path.sliced(start, i - start).toUtf8();
            out += char(c - EscapeBase);
            start = i + 1;
        }
    }
    out += path.sliced(start).toUtf8();
    return out;
}

QString forDisplay(const QString &path)
{
    QString out = path;
    for (qsizetype i = 0; i < out.size(); ++i) {
        const QChar c = out.at(i);
        if (c.isHighSurrogate() && i + 1 < out.size() && out.at(i + 1).isLowSurrogate()) {
            ++i; // a real pair
        } else if (c.isSurrogate()) {
            out[i] = QChar::ReplacementCharacter; // Qt would write "?" or "\udcff"
        }
    }
    return out;
}

QString realPath(const QString &path, int *error)
{
    std::unique_ptr<char, decltype(&std::free)> resolved(
            ::realpath(toRaw(path).constData(), nullptr), &std::free);
    if (!resolved) {
        if (error) {
            *error = errno;
        }
        return QString();
    }
    return fromRaw(resolved.get());
}

QString cleanAbsolutePath(const QString &path)
{
    QStringList kept;
    for (const QStringView segment : QStringView(path).split(QLatin1Char('/'))) {
        if (segment.isEmpty() || segment == QLatin1StringView(".")) {
            continue;
        }
        if (segment == QLatin1StringView("..")) {
            if (!kept.isEmpty()) {
                kept.removeLast();
            }
            continue;
        }
        kept.append(segment.toString());
    }
    return QLatin1Char('/') + kept.join(QLatin1Char('/'));
}

std::optional<QString> lexicalPath(const QString &raw, const QString &home, QString *error)
{
    QString path = raw.trimmed();
    if (path.isEmpty()) {
        setError(error, QStringLiteral("path is empty"));
        return std::nullopt;
    }
    if (path == QLatin1StringView("~") || path.startsWith(QLatin1StringView("~/"))) {
        if (home.isEmpty()) {
            setError(error,
                     QStringLiteral("cannot expand %1: no home directory").arg(goQuoted(path)));
            return std::nullopt;
        }
        path = home + path.mid(1);
    }
    if (!path.startsWith(QLatin1Char('/'))) {
        setError(error, QStringLiteral("path %1 is not absolute").arg(goQuoted(raw.trimmed())));
        return std::nullopt;
    }
    return cleanAbsolutePath(path);
}

QString canonicalizePath(const QString &raw, const QString &home, QString *error)
{
    const std::optional<QString> lexical = lexicalPath(raw, home, error);
    if (!lexical) {
        return QString();
    }
    const QString resolved = realPath(*lexical);
    return resolved.isEmpty() ? *lexical : resolved;
}

bool hasParentTraversal(const QString &path)
{
    for (const QStringView segment : QStringView(path).split(QLatin1Char('/'))) {
        if (segment == QLatin1StringView("..")) {
            return true;
        }
    }
    return false;
}

bool pathHasPrefix(const QString &path, const QString &prefix)
{
    if (prefix.isEmpty() || !path.startsWith(prefix)) {
        return false;
    }
    return path.size() == prefix.size() || prefix.endsWith(QLatin1Char('/')) ||
            path.at(prefix.size()) == QLatin1Char('/');
}

bool validateSourcePath(const QString &raw, const QString &canonical,
                        const QStringList &allowedRoots, QString *error, const QString &home)
{
    if (canonical.trimmed().isEmpty()) {
        setError(error, QStringLiteral("path is empty"));
        return false;
    }
    if (hasParentTraversal(raw) || hasParentTraversal(canonical)) {
        setError(error,
                 QStringLiteral("path %1 contains parent traversal segments")
                         .arg(goQuoted(raw.isEmpty() ? canonical : raw)));
        return false;
    }
    if (allowedRoots.isEmpty()) {
        return true;
    }
    QStringList roots;
    for (const QString &root : allowedRoots) {
        const QString canonicalRoot = canonicalizePath(root, home);
        if (!canonicalRoot.isEmpty() && !roots.contains(canonicalRoot)) {
            roots.append(canonicalRoot);
        }
    }
    if (roots.isEmpty()) {
        setError(error,
                 QStringLiteral("path %1 is not inside any allowed root (no allowed root is "
                                "a valid absolute path)")
                         .arg(goQuoted(canonical)));
        return false;
    }
    for (const QString &root : std::as_const(roots)) {
        if (pathHasPrefix(canonical, root)) {
            return true;
        }
    }
    setError(error,
             QStringLiteral("path %1 is not inside any allowed root").arg(goQuoted(canonical)));
    return false;
}

} // namespace ContextPaths
