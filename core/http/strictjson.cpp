#include "strictjson.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <simdjson.h>

namespace StrictJson {

namespace {

namespace dom = simdjson::dom;

QString fromUtf8(std::string_view text)
{
    return QString::fromUtf8(text.data(), qsizetype(text.size()));
}

QJsonValue toQt(dom::element element)
{
    switch (element.type()) {
    case dom::element_type::ARRAY: {
        QJsonArray array;
        for (dom::element item : dom::array(element)) {
            array.append(toQt(item));
        }
        return array;
    }
    case dom::element_type::OBJECT: {
        QJsonObject object;
        // In document order, so a repeated key ends with its last value, as in Go.
        for (dom::key_value_pair member : dom::object(element)) {
            object.insert(fromUtf8(member.key), toQt(member.value));
        }
        return object;
    }
    case dom::element_type::INT64:
        return QJsonValue(qint64(int64_t(element)));
    case dom::element_type::UINT64:
        return QJsonValue(double(uint64_t(element)));
    case dom::element_type::DOUBLE:
        return QJsonValue(double(element));
    case dom::element_type::STRING:
        return fromUtf8(std::string_view(element));
    case dom::element_type::BOOL:
        return QJsonValue(bool(element));
    case dom::element_type::NULL_VALUE:
        return QJsonValue(QJsonValue::Null);
    }
    return QJsonValue(QJsonValue::Null);
}

QString goTypeName(dom::element_type type)
{
    switch (type) {
    case dom::element_type::ARRAY:
        return QStringLiteral("array");
    case dom::element_type::OBJECT:
        return QStringLiteral("object");
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
    case dom::element_type::DOUBLE:
        return QStringLiteral("number");
    case dom::element_type::STRING:
        return QStringLiteral("string");
    case dom::element_type::BOOL:
        return QStringLiteral("bool");
    case dom::element_type::NULL_VALUE:
        return QStringLiteral("null");
    }
    return QStringLiteral("value");
}

constexpr qsizetype SharedParserBytes = 64 * 1024;

bool isJsonSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// Where the first value of `data`, starting at the non-space byte `start`, ends, as Go's
// json.Decoder reads it: after the closing byte of an object, array or string (brackets
// counted outside strings), or at the first byte that cannot continue a number or literal.
// -1 when the data ends first. Only the extent: simdjson then judges the value's bytes.
qsizetype firstValueEnd(QByteArrayView data, qsizetype start)
{
    const char first = data[start];
    if (first == '{' || first == '[' || first == '"') {
        int depth = 0;
        bool inString = false;
        for (qsizetype i = start; i < data.size(); ++i) {
            const char c = data[i];
            if (inString) {
                if (c == '\\') {
                    ++i;
                } else if (c == '"') {
                    inString = false;
                    if (depth == 0) {
                        return i + 1;
                    }
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '{' || c == '[') {
                ++depth;
            } else if ((c == '}' || c == ']') && --depth == 0) {
                return i + 1;
            }
        }
        return -1;
    }
    for (const QByteArrayView literal :
         {QByteArrayView("true"), QByteArrayView("false"), QByteArrayView("null")}) {
        if (data.sliced(start).startsWith(literal)) {
            return start + literal.size();
        }
    }
    // -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, ending where it cannot go on.
    const auto isDigit = [&data](qsizetype i) {
        return i < data.size() && data[i] >= '0' && data[i] <= '9';
    };
    qsizetype i = start;
    if (i < data.size() && data[i] == '-') {
        ++i;
    }
    if (i < data.size() && data[i] == '0') {
        ++i;
    } else {
        while (isDigit(i)) {
            ++i;
        }
    }
    if (i < data.size() && data[i] == '.') {
        ++i;
        while (isDigit(i)) {
            ++i;
        }
    }
    if (i < data.size() && (data[i] == 'e' || data[i] == 'E')) {
        ++i;
        if (i < data.size() && (data[i] == '+' || data[i] == '-')) {
            ++i;
        }
        while (isDigit(i)) {
            ++i;
        }
    }
    return i > start ? i : -1;
}

// Calls `use` with the first value of `data` and its text; the parser (and so the element)
// lives only for the call. Returns false with `error` set when there is no valid first value.
template<typename Use>
bool withFirstValue(QByteArrayView data, QString *error, Use use)
{
    qsizetype start = 0;
    while (start < data.size() && isJsonSpace(data[start])) {
        ++start;
    }
    if (start == data.size()) {
        *error = QStringLiteral("EOF");
        return false;
    }
    // simdjson skips a byte-order mark; RFC 8259 and Go's decoder do not.
    if (data.mid(start).startsWith("\xEF\xBB\xBF")) {
        *error = QStringLiteral("invalid character 'ï' looking for beginning of value");
        return false;
    }
    const simdjson::padded_string padded(data.data(), size_t(data.size()));
    // Small bodies reuse one parser; a large one gets its own, so its buffers do not stay.
    thread_local dom::parser shared;
    dom::parser local;
    dom::parser &parser = data.size() <= SharedParserBytes ? shared : local;
    dom::element element;
    simdjson::error_code failure = parser.parse(padded).get(element);
    if (!failure) {
        use(element, data.mid(start));
        return true;
    }
    // The whole body is not one value: it may still start with one, followed by anything.
    // Only that value's bytes are parsed, so that nothing after it (invalid UTF-8, an open
    // string, a letter right after a number) can refuse it; simdjson checks all it is given.
    const qsizetype end = firstValueEnd(data, start);
    if (end > 0 && end < data.size()) {
        const simdjson::padded_string firstValue(data.data(), size_t(end));
        failure = parser.parse(firstValue).get(element);
        if (!failure) {
            use(element, data.sliced(start, end - start));
            return true;
        }
    }
    *error = QString::fromLatin1(simdjson::error_message(failure));
    return false;
}

// simdjson has judged `text` valid; Qt's own parser then builds the QJsonValue, in one pass
// and far cheaper than inserting value by value. Its duplicate keys keep the last value, as
// Go does. Null when Qt refuses what simdjson accepted (not seen), so callers fall back.
std::optional<QJsonValue> qtValue(dom::element element, QByteArrayView text)
{
    if (!element.is_object() && !element.is_array()) {
        return toQt(element); // QJsonDocument holds only objects and arrays
    }
    QJsonParseError error;
    const QJsonDocument document = qtDocument(text, &error);
    if (error.error != QJsonParseError::NoError) {
        return std::nullopt;
    }
    return document.isObject() ? QJsonValue(document.object()) : QJsonValue(document.array());
}

} // namespace

QJsonDocument qtDocument(QByteArrayView json, QJsonParseError *error)
{
    // Qt keeps a string without escapes as UTF-8 and reads it back with QString::fromUtf8,
    // which drops a leading U+FEFF; escaped, the string keeps it. Out of a string these bytes
    // are invalid either way, but for the byte-order mark Qt skips at offset 0.
    constexpr QByteArrayView Bom = "\xEF\xBB\xBF";
    if (json.indexOf(Bom, 1) < 0) {
        return QJsonDocument::fromJson(json.toByteArray(), error);
    }
    QByteArray text = json.toByteArray();
    for (qsizetype at = text.indexOf(Bom, 1); at != -1; at = text.indexOf(Bom, at + 6)) {
        text.replace(at, Bom.size(), "\\ufeff");
    }
    return QJsonDocument::fromJson(text, error);
}

std::optional<QJsonValue> parseFirstValue(QByteArrayView data, QString *error)
{
    std::optional<QJsonValue> result;
    withFirstValue(data, error, [&](dom::element element, QByteArrayView text) {
        result = qtValue(element, text);
        if (!result) {
            result = toQt(element);
        }
    });
    return result;
}

namespace {

// The field a key sets, as Go's decoder matches it: exactly, else case-insensitively.
qsizetype fieldOf(const QString &key, const QStringList &fields)
{
    const qsizetype exact = fields.indexOf(key);
    if (exact >= 0) {
        return exact;
    }
    for (qsizetype i = 0; i < fields.size(); ++i) {
        if (fields.at(i).compare(key, Qt::CaseInsensitive) == 0) {
            return i;
        }
    }
    return -1;
}

// The slow path, in document order, for keys that differ from their field name.
QJsonObject decodeInOrder(dom::element element, const QStringList &fields)
{
    QJsonObject decoded;
    for (dom::key_value_pair member : dom::object(element)) {
        const qsizetype field = fieldOf(fromUtf8(member.key), fields);
        if (field >= 0) {
            decoded.insert(fields.at(field), toQt(member.value));
        }
    }
    return decoded;
}

} // namespace

std::optional<QJsonObject> decodeStruct(QByteArrayView data, const QStringList &fields,
                                        const QString &goType, QString *error)
{
    std::optional<QJsonObject> result;
    withFirstValue(data, error, [&](dom::element element, QByteArrayView text) {
        if (element.is_null()) {
            result = QJsonObject();
            return;
        }
        if (!element.is_object()) {
            *error = QStringLiteral("json: cannot unmarshal %1 into Go value of type %2")
                             .arg(goTypeName(element.type()), goType);
            return;
        }
        const std::optional<QJsonValue> parsed = qtValue(element, text);
        if (!parsed) {
            result = decodeInOrder(element, fields);
            return;
        }
        // Usually every key is a field's own name (or unknown, which callers never ask for):
        // the object is the answer. A key that matches only case-insensitively needs the
        // document order, which Qt's object does not keep.
        QJsonObject object = parsed->toObject();
        for (auto it = object.constBegin(); it != object.constEnd(); ++it) {
            if (!fields.contains(it.key()) && fieldOf(it.key(), fields) >= 0) {
                result = decodeInOrder(element, fields);
                return;
            }
        }
        result = std::move(object);
    });
    return result;
}

} // namespace StrictJson
