#include "mcpconfig.h"

#include "http/jsonresponse.h"

#include <QMap>
#include <QRegularExpression>

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <vector>

using JsonResponse::goQuoted;

namespace {

// The .mcp.json shape upstream accepts, judged as Go's encoding/json decodes the file into
// struct {MCPServers map[string]json.RawMessage `json:"mcpServers"`}: the syntax strictly
// (no BOM, no raw control character in a string), but numbers only by their form (any
// magnitude, as Go skips fields it does not decode), bytes that are not UTF-8 accepted (Go
// replaces them), the field name matched case-insensitively, null as "no servers", and a
// repeated field merged into the same map, later servers replacing earlier ones. Then each
// server must be an object. RapidJSON's SAX reader judges the syntax; this only follows it.
class McpConfigReader : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, McpConfigReader>
{
public:
    QString typeError; // the first decoding error, reported only when the syntax is right
    QMap<QString, bool> servers; // name -> is an object

    bool Default() { return value(Kind::Scalar); }
    bool Null() { return value(Kind::Null); }
    bool RawNumber(const char *, rapidjson::SizeType, bool) { return value(Kind::Scalar); }
    bool String(const char *, rapidjson::SizeType, bool) { return value(Kind::Scalar); }
    bool StartObject()
    {
        const bool intoServers = m_stack.size() == 1 && m_serversField;
        value(Kind::Object);
        m_stack.push_back(intoServers ? Frame::Servers : Frame::Object);
        return true;
    }
    bool Key(const char *text, rapidjson::SizeType length, bool)
    {
        const QString key = QString::fromUtf8(text, qsizetype(length)); // invalid bytes: U+FFFD
        if (m_stack.size() == 1) {
            m_serversField = key.compare(QLatin1StringView("mcpServers"), Qt::CaseInsensitive) == 0;
        } else if (m_stack.size() == 2 && m_stack.back() == Frame::Servers) {
            m_server = key;
        }
        return true;
    }
    bool EndObject(rapidjson::SizeType)
    {
        m_stack.pop_back();
        return true;
    }
    bool StartArray()
    {
        value(Kind::Array);
        m_stack.push_back(Frame::Array);
        return true;
    }
    bool EndArray(rapidjson::SizeType)
    {
        m_stack.pop_back();
        return true;
    }

private:
    enum class Kind { Null, Scalar, Object, Array };
    enum class Frame { Object, Servers, Array };

    // A value begins at the current depth: what it means depends on where it is.
    bool value(Kind kind)
    {
        if (m_stack.empty()) { // the top level
            if (kind != Kind::Null && kind != Kind::Object) {
                setTypeError(QStringLiteral("invalid MCP config: the top level must be a JSON "
                                            "object"));
            }
        } else if (m_stack.size() == 1 && m_serversField) {
            if (kind == Kind::Null) {
                servers.clear(); // null sets the map to nil
            } else if (kind != Kind::Object) {
                setTypeError(QStringLiteral("invalid MCP config: \"mcpServers\" must be a JSON "
                                            "object"));
            }
        } else if (m_stack.size() == 2 && m_stack.back() == Frame::Servers) {
            servers.insert(m_server, kind == Kind::Object);
        }
        return true;
    }

    void setTypeError(const QString &error)
    {
        if (typeError.isEmpty()) {
            typeError = error;
        }
    }

    std::vector<Frame> m_stack;
    bool m_serversField = false;
    QString m_server;
};

// The length of the JSON number at `at` (RFC 8259's grammar), or 0.
qsizetype jsonNumberLength(const QByteArray &text, qsizetype at)
{
    static const QRegularExpression number(
            QStringLiteral("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?"));
    const QString tail =
            QString::fromLatin1(text.sliced(at, std::min<qsizetype>(text.size() - at, 4096)));
    const QRegularExpressionMatch match =
            number.match(tail, 0, QRegularExpression::NormalMatch,
                         QRegularExpression::AnchorAtOffsetMatchOption);
    return match.hasMatch() ? match.capturedLength() : 0;
}

// Numbers as text, no UTF-8 check, iterative (no recursion on nesting).
constexpr unsigned McpParseFlags =
        rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseIterativeFlag;

} // namespace

namespace McpConfig {

QString shapeError(const QByteArray &content)
{
    rapidjson::Reader reader;
    McpConfigReader handler;
    QByteArray text = content;
    rapidjson::ParseResult result;
    // RapidJSON still refuses an exponent beyond a double's. Go judges no number's range where
    // it decodes none, so such a number (well formed) is read as 0 and the parse goes on.
    for (;;) {
        handler = McpConfigReader();
        rapidjson::MemoryStream stream(text.constData(), size_t(text.size()));
        result = reader.Parse<McpParseFlags>(stream, handler);
        const qsizetype at = qsizetype(result.Offset());
        const qsizetype length = result.Code() == rapidjson::kParseErrorNumberTooBig
                ? jsonNumberLength(text, at)
                : 0;
        if (length == 0) {
            break;
        }
        text[at] = '0';
        for (qsizetype i = at + 1; i < at + length; ++i) {
            text[i] = ' ';
        }
    }
    if (result.IsError()) {
        return QStringLiteral("invalid JSON at offset %1: %2")
                .arg(result.Offset())
                .arg(QLatin1StringView(rapidjson::GetParseError_En(result.Code())));
    }
    if (!handler.typeError.isEmpty()) {
        return handler.typeError;
    }
    for (auto it = handler.servers.constBegin(); it != handler.servers.constEnd(); ++it) {
        if (!it.value()) {
            return QStringLiteral("server %1 must be a JSON object").arg(goQuoted(it.key()));
        }
    }
    return QString();
}

} // namespace McpConfig
