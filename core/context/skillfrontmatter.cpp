#include "context/skillfrontmatter.h"

#include <QHash>
#include <QRegularExpression>

#include <yaml-cpp/yaml.h>

#include <exception>
#include <string>

namespace {

constexpr QByteArrayView Utf8Bom = "\xEF\xBB\xBF";
constexpr QByteArrayView Delimiter = "---";

// The next line of `text` from `position` (without its '\n'), advancing `position` past it.
QByteArrayView takeLine(QByteArrayView text, qsizetype &position)
{
    const qsizetype end = text.indexOf('\n', position);
    const qsizetype stop = end < 0 ? text.size() : end;
    const QByteArrayView line = text.sliced(position, stop - position);
    position = end < 0 ? text.size() + 1 : end + 1;
    return line;
}

bool isDelimiter(QByteArrayView line)
{
    return line.trimmed() == Delimiter;
}

// How gopkg.in/yaml.v3 resolves a scalar decoded into `any`: only a string is a string.
// Quoted and block scalars ("!" tag) and explicit !!str are strings; a plain scalar is null,
// a bool, an int or a float when it reads as one (YAML 1.2 core schema, as yaml.v3's resolve
// table), and a string otherwise (timestamps too: yaml.v3 keeps them strings for `any`).
bool isGoString(const YAML::Node &node)
{
    if (!node.IsDefined() || !node.IsScalar()) {
        return false;
    }
    const std::string &tag = node.Tag();
    if (tag == "!" || tag == "tag:yaml.org,2002:str") {
        return true;
    }
    if (tag != "?" && !tag.empty()) {
        return false; // !!int, !!bool, !!null, ...
    }
    static const QRegularExpression special(
            QStringLiteral("^(|~|null|Null|NULL|true|True|TRUE|false|False|FALSE|"
                           "[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN))$"));
    // strconv.ParseInt/ParseUint with base 0 (underscores between digits), and yaml.v3's
    // float form.
    static const QRegularExpression integer(QStringLiteral(
            "^[-+]?(0[bB](_?[01])+|0[oO](_?[0-7])+|0[xX](_?[0-9a-fA-F])+|[0-9](_?[0-9])*)$"));
    static const QRegularExpression floating(
            QStringLiteral("^[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?$"));
    const QString text = QString::fromStdString(node.Scalar());
    return !special.match(text).hasMatch() && !floating.match(text).hasMatch() &&
            !integer.match(text).hasMatch();
}

// Duplicate keys are an error in yaml.v3 ("mapping key %q already defined at line %d").
QString duplicateKeyError(const YAML::Node &map)
{
    QHash<QString, int> lines;
    for (auto it = map.begin(); it != map.end(); ++it) {
        if (!it->first.IsScalar()) {
            continue;
        }
        const QString key = QString::fromStdString(it->first.Scalar());
        const int line = it->first.Mark().line + 1;
        if (const auto previous = lines.constFind(key); previous != lines.constEnd()) {
            return QStringLiteral("yaml: unmarshal errors:\n  line %1: mapping key \"%2\" "
                                  "already defined at line %3")
                    .arg(line)
                    .arg(key)
                    .arg(*previous);
        }
        lines.insert(key, line);
    }
    return QString();
}

// A scalar as text, trailing CR/LF trimmed as upstream does, so a folded "description: >"
// has no final newline.
QString scalarText(const YAML::Node &node)
{
    QString text = QString::fromStdString(node.Scalar());
    while (text.endsWith(QLatin1Char('\n')) || text.endsWith(QLatin1Char('\r'))) {
        text.chop(1);
    }
    return text;
}

void setError(QString *error, const QString &message)
{
    if (error) {
        *error = message;
    }
}

} // namespace

std::optional<SkillFrontMatter> SkillFrontMatter::parse(QByteArrayView content, QString *error)
{
    if (content.startsWith(Utf8Bom)) {
        content = content.sliced(Utf8Bom.size());
    }
    qsizetype position = 0;
    if (!isDelimiter(takeLine(content, position))) {
        setError(error, QStringLiteral("missing opening frontmatter delimiter"));
        return std::nullopt;
    }
    std::string yaml;
    bool closed = false;
    while (position <= content.size()) {
        QByteArrayView line = takeLine(content, position);
        if (isDelimiter(line)) {
            closed = true;
            break;
        }
        if (line.endsWith('\r')) {
            line.chop(1);
        }
        yaml.append(line.data(), size_t(line.size()));
        yaml.push_back('\n');
    }
    if (!closed) {
        setError(error, QStringLiteral("missing closing frontmatter delimiter"));
        return std::nullopt;
    }

    // yaml-cpp reports errors by throwing; they stop here.
    SkillFrontMatter result;
    try {
        const YAML::Node root = YAML::Load(yaml);
        if (!root.IsNull() && !root.IsMap()) {
            setError(error, QStringLiteral("frontmatter is not a YAML mapping"));
            return std::nullopt;
        }
        if (root.IsMap()) {
            const QString duplicate = duplicateKeyError(root);
            if (!duplicate.isEmpty()) {
                setError(error, duplicate);
                return std::nullopt;
            }
        }
        // A missing key gives an invalid node, which throws when asked anything but
        // IsDefined(): ask that first.
        const auto field = [&root](const char *key) {
            return root.IsMap() ? root[key] : YAML::Node(YAML::NodeType::Undefined);
        };
        // Upstream's frontmatterStringField: absent is "", present must be a string (a null,
        // a number or a bool is not).
        const YAML::Node name = field("name");
        if (name.IsDefined() && !isGoString(name)) {
            setError(error,
                     QStringLiteral("frontmatter missing required 'name' field: "
                                    "frontmatter field \"name\" must be a string"));
            return std::nullopt;
        }
        result.name = name.IsDefined() ? scalarText(name) : QString();
        if (result.name.isEmpty()) {
            setError(error, QStringLiteral("frontmatter missing required 'name' field"));
            return std::nullopt;
        }
        const YAML::Node description = field("description");
        if (description.IsDefined() && !isGoString(description)) {
            setError(error, QStringLiteral("frontmatter field \"description\" must be a string"));
            return std::nullopt;
        }
        if (description.IsDefined()) {
            result.description = scalarText(description);
        }
    } catch (const YAML::Exception &e) {
        const QString message = QString::fromStdString(e.msg);
        if (e.mark.is_null()) {
            setError(error, QStringLiteral("invalid frontmatter YAML: %1").arg(message));
        } else {
            // Line 1 of the YAML is line 2 of the file, below the opening delimiter.
            setError(error,
                     QStringLiteral("invalid frontmatter YAML at line %1, column %2: %3")
                             .arg(e.mark.line + 2)
                             .arg(e.mark.column + 1)
                             .arg(message));
        }
        return std::nullopt;
    } catch (const std::exception &e) {
        setError(error,
                 QStringLiteral("invalid frontmatter YAML: %1").arg(QString::fromUtf8(e.what())));
        return std::nullopt;
    }
    return result;
}
