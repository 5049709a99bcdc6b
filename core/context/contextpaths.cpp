#include "context/contextpaths.h"

#include "http/jsonresponse.h"

#include <QFileInfo>

using JsonResponse::goQuoted;

namespace ContextPaths {

namespace {

void setError(QString *error, const QString &message)
{
    if (error) {
        *error = message;
    }
}

} // namespace

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
    const QString resolved = QFileInfo(*lexical).canonicalFilePath();
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
