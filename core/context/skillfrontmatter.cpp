#include "context/skillfrontmatter.h"

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

// A scalar as text (yaml.v3 decodes any scalar into a Go string), trailing CR/LF trimmed
// as upstream does, so a folded "description: >" has no final newline.
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
        // A missing key gives an invalid node, which throws when asked anything but
        // IsDefined(): ask that first.
        const auto field = [&root](const char *key) {
            return root.IsMap() ? root[key] : YAML::Node(YAML::NodeType::Undefined);
        };
        const auto isText = [](const YAML::Node &node) {
            return node.IsDefined() && node.IsScalar();
        };
        const auto isAbsent = [](const YAML::Node &node) {
            return !node.IsDefined() || node.IsNull();
        };

        const YAML::Node name = field("name");
        if (!isAbsent(name) && !isText(name)) {
            setError(error, QStringLiteral("frontmatter name must be a string"));
            return std::nullopt;
        }
        result.name = isText(name) ? scalarText(name) : QString();
        if (result.name.isEmpty()) {
            setError(error, QStringLiteral("frontmatter name is required"));
            return std::nullopt;
        }
        const YAML::Node description = field("description");
        if (!isAbsent(description) && !isText(description)) {
            setError(error, QStringLiteral("frontmatter description must be a string"));
            return std::nullopt;
        }
        if (isText(description)) {
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
