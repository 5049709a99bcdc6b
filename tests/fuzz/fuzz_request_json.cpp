// Route bodies decode to the handlers' answers only; StrictJson's first value ignores what follows.
#include "context/contextapi.h"
#include "fuzzinput.h"
#include "http/apirequest.h"
#include "http/strictjson.h"
#include "process/processapi.h"

#include <QJsonArray>

namespace {

const QString InvalidJson = QStringLiteral("Request body must be valid JSON.");

ApiRequest post(const QString &path, const QByteArray &body)
{
    return ApiRequest(Http::Method::Post, path, QUrlQuery(), QHttpHeaders(), body,
                      QHostAddress(QHostAddress::LocalHost));
}

// Go's name for a JSON value's type in "cannot unmarshal X into ...".
QString goTypeName(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Array:
        return QStringLiteral("array");
    case QJsonValue::Bool:
        return QStringLiteral("bool");
    case QJsonValue::Double:
        return QStringLiteral("number");
    case QJsonValue::String:
        return QStringLiteral("string");
    default:
        return QStringLiteral("value");
    }
}

void checkStrictJson(const QByteArray &body)
{
    QString error;
    const std::optional<QJsonValue> value = StrictJson::parseFirstValue(body, &error);
    FUZZ_CHECK(value || !error.isEmpty());

    // decodeStruct sees the same first value: an object or null decodes, anything else is
    // Go's type error, and a body without a value fails with parseFirstValue's reason.
    QString structError;
    const std::optional<QJsonObject> decoded =
            StrictJson::decodeStruct(body, {}, QStringLiteral("fuzz.T"), &structError);
    if (!value) {
        FUZZ_CHECK(!decoded && structError == error);
        return;
    }
    if (value->isObject() || value->isNull()) {
        // Unknown keys may stay in the result (decodeStruct's fast path keeps Qt's object).
        FUZZ_CHECK(decoded);
    } else {
        FUZZ_CHECK(!decoded);
        FUZZ_CHECK(structError ==
                   QStringLiteral("json: cannot unmarshal %1 into Go value of type fuzz.T")
                           .arg(goTypeName(*value)));
    }

    // Only the first value counts, as for Go's json.Decoder: nothing after it, however
    // broken, changes it, and whitespace before it does not either.
    static const char *const suffixes[] = {" trailing junk", " \"", " \xff\xfe", " {\x01", "\n]"};
    for (const char *suffix : suffixes) {
        QString junkError;
        const QByteArray followed = body + suffix;
        const std::optional<QJsonValue> again = StrictJson::parseFirstValue(followed, &junkError);
        if (!again || *again != *value) {
            std::fprintf(stderr, "first value changed by the suffix \"%s\": %s\n", suffix,
                         qPrintable(junkError));
        }
        FUZZ_CHECK(again && *again == *value);
    }
    QString spaceError;
    const QByteArray spacedBody = " \r\n\t" + body;
    const std::optional<QJsonValue> spaced = StrictJson::parseFirstValue(spacedBody, &spaceError);
    FUZZ_CHECK(spaced && *spaced == *value);
}

void checkStart(const QByteArray &body)
{
    QString message;
    QString detail;
    const std::optional<ProcessManager::StartRequest> start = ProcessApi::parseStartRequest(
            post(QStringLiteral("/api/v0/processes/start"), body), &message, &detail);
    if (start) {
        FUZZ_CHECK(!start->command.isEmpty());
        FUZZ_CHECK(start->chatId.isEmpty()); // no Coder-Chat-Id header
        return;
    }
    if (message == QLatin1StringView("Command is required.")) {
        FUZZ_CHECK(detail.isEmpty());
        return;
    }
    FUZZ_CHECK(message == InvalidJson);
    FUZZ_CHECK(!detail.isEmpty());
}

void checkSignal(const QByteArray &body)
{
    QString message;
    QString detail;
    const std::optional<ProcessManager::Signal> signal = ProcessApi::parseSignalRequest(
            post(QStringLiteral("/api/v0/processes/x/signal"), body), &message, &detail);
    if (signal) {
        FUZZ_CHECK(*signal == ProcessManager::Signal::Kill ||
                   *signal == ProcessManager::Signal::Terminate);
        return;
    }
    if (message == InvalidJson) {
        FUZZ_CHECK(!detail.isEmpty());
        return;
    }
    FUZZ_CHECK(detail.isEmpty());
    FUZZ_CHECK(message == QLatin1StringView("Signal is required.") ||
               (message.startsWith(QLatin1StringView("Unsupported signal \"")) &&
                message.endsWith(QLatin1StringView("\". Use \"kill\" or \"terminate\"."))));
}

void checkAddSource(const QByteArray &body)
{
    QString message;
    QString detail;
    const std::optional<QString> path = ContextApi::parseAddSourceRequest(
            post(QStringLiteral("/api/v0/context/sources"), body), &message, &detail);
    if (!path) {
        FUZZ_CHECK(message == InvalidJson);
        FUZZ_CHECK(!detail.isEmpty());
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray body = FuzzInput(data, size).rest().toByteArray();
    checkStrictJson(body);
    checkStart(body);
    checkSignal(body);
    checkAddSource(body);
    return 0;
}
