#include "strictjson.h"

#include <QJsonArray>

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

// Calls `use` with the first value of `data`; the parser (and so the element) lives only for
// the call. Returns false with `error` set when there is no valid first value.
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
        use(element);
        return true;
    }
    // The whole body is not one value: it may still start with one, followed by anything.
    dom::document_stream stream;
    if (!parser.parse_many(padded, std::max(padded.size(), dom::MINIMAL_BATCH_SIZE)).get(stream)) {
        auto it = stream.begin();
        if (it != stream.end()) {
            failure = (*it).get(element);
            if (!failure) {
                use(element);
                return true;
            }
        }
    }
    *error = QString::fromLatin1(simdjson::error_message(failure));
    return false;
}

} // namespace

std::optional<QJsonValue> parseFirstValue(QByteArrayView data, QString *error)
{
    std::optional<QJsonValue> result;
    withFirstValue(data, error, [&](dom::element element) { result = toQt(element); });
    return result;
}

std::optional<QJsonObject> decodeStruct(QByteArrayView data, const QStringList &fields,
                                        const QString &goType, QString *error)
{
    std::optional<QJsonObject> result;
    withFirstValue(data, error, [&](dom::element element) {
        if (element.is_null()) {
            result = QJsonObject();
            return;
        }
        if (!element.is_object()) {
            *error = QStringLiteral("json: cannot unmarshal %1 into Go value of type %2")
                             .arg(goTypeName(element.type()), goType);
            return;
        }
        QJsonObject decoded;
        for (dom::key_value_pair member : dom::object(element)) {
            const QString key = fromUtf8(member.key);
            // An exact match first, then Go's case-insensitive one.
            const QString *field = nullptr;
            for (const QString &f : fields) {
                if (f == key) {
                    field = &f;
                    break;
                }
            }
            for (qsizetype i = 0; !field && i < fields.size(); ++i) {
                if (fields.at(i).compare(key, Qt::CaseInsensitive) == 0) {
                    field = &fields.at(i);
                }
            }
            if (field) {
                decoded.insert(*field, toQt(member.value));
            }
        }
        result = decoded;
    });
    return result;
}

} // namespace StrictJson
