#pragma once

#include <QByteArrayView>
#include <QString>

#include <optional>

// The YAML front matter of a SKILL.md, as Coder's workspacesdk front-matter parser reads it:
// a "---" line, YAML, a closing "---" line. A skill needs a name; the description is optional.
class SkillFrontMatter
{
public:
    QString name;
    QString description;

    // Parses the start of `content` (a UTF-8 BOM is skipped, CRLF lines are fine). On failure
    // `error` says why, for a person: "missing opening frontmatter delimiter", "missing closing
    // frontmatter delimiter", "frontmatter missing required 'name' field", a YAML error.
    [[nodiscard]] static std::optional<SkillFrontMatter> parse(QByteArrayView content,
                                                               QString *error = nullptr);
};
