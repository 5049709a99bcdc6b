// mcpConfigError: only its known messages, the same verdict amid whitespace, accepted shape right.
#include "context/contextresolver.h"
#include "fuzzinput.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>

namespace {

bool isKnownError(const QString &error)
{
    return error.startsWith(QLatin1StringView("invalid JSON at offset ")) ||
            error == QLatin1StringView("invalid MCP config: the top level must be a JSON object") ||
            error ==
            QLatin1StringView("invalid MCP config: \"mcpServers\" must be a JSON object") ||
            (error.startsWith(QLatin1StringView("server \"")) &&
             error.endsWith(QLatin1StringView("\" must be a JSON object")));
}

bool isParseError(const QString &error)
{
    return error.startsWith(QLatin1StringView("invalid JSON at offset "));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray input = FuzzInput(data, size).rest().toByteArray();
    const QString error = ContextResolver::mcpConfigError(input);
    FUZZ_CHECK(error.isEmpty() || isKnownError(error));
    // An accepted file that Qt reads the same way (one field spelled exactly, no repeats:
    // where Go merges repeats and matches any case, Qt keeps the last) has the shape.
    if (error.isEmpty()) {
        QJsonParseError parseError;
        const QJsonDocument document = QJsonDocument::fromJson(input, &parseError);
        // Qt reads a key escaped as "mcpServers\u0000" as "mcpServers" (found by this
        // harness); Go keeps the NUL, so that key is not the field. No comparison there.
        if (parseError.error == QJsonParseError::NoError && document.isObject() &&
            input.count("mcpServers") == 1 && input.toLower().count("mcpservers") == 1 &&
            !input.toLower().contains("\\u0000")) {
            const QJsonValue servers = document.object().value(QLatin1StringView("mcpServers"));
            FUZZ_CHECK(servers.isUndefined() || servers.isNull() || servers.isObject());
            const QJsonObject serverObject = servers.toObject();
            for (auto it = serverObject.constBegin(); it != serverObject.constEnd(); ++it) {
                FUZZ_CHECK(it.value().isObject());
            }
        }
        FUZZ_CHECK(parseError.error != QJsonParseError::NoError || document.isObject() ||
                   document.isNull());
    }

    // Whitespace after the document never changes the verdict (only a parse error's offset
    // may move); before it, neither, unless it would hide a leading byte-order mark.
    const QString trailing = ContextResolver::mcpConfigError(input + " \r\n\t");
    FUZZ_CHECK(trailing.isEmpty() == error.isEmpty());
    FUZZ_CHECK(isParseError(trailing) == isParseError(error));
    FUZZ_CHECK(isParseError(error) || trailing == error);
    if (!input.startsWith("\xEF\xBB\xBF")) {
        const QString leading = ContextResolver::mcpConfigError("\n\t " + input);
        FUZZ_CHECK(leading.isEmpty() == error.isEmpty());
        FUZZ_CHECK(isParseError(error) || leading == error);
    }
    return 0;
}
