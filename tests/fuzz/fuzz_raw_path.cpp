// ContextPaths::fromRaw/toRaw/forDisplay: any bytes survive the round trip, and the display
// form is what Go's JSON encoder writes (U+FFFD per byte utf8.DecodeRune rejects), checked
// against a decoder written here from the Unicode ranges rather than from the code under test.
#include "context/contextpaths.h"
#include "fuzzinput.h"
#include "http/jsonresponse.h"

#include <QString>
#include <QStringDecoder>

namespace {

// Go's utf8.DecodeRune: the rune and its width, or (U+FFFD, 1) for anything invalid.
std::pair<char32_t, int> decodeRune(const unsigned char *s, qsizetype left)
{
    const unsigned char b = s[0];
    int width = b < 0x80         ? 1
            : (b & 0xE0) == 0xC0 ? 2
            : (b & 0xF0) == 0xE0 ? 3
            : (b & 0xF8) == 0xF0 ? 4
                                 : 0;
    if (width == 0 || width > left) {
        return {0xFFFD, 1};
    }
    char32_t rune = width == 1 ? b : width == 2 ? (b & 0x1F) : width == 3 ? (b & 0x0F) : (b & 0x07);
    for (int i = 1; i < width; ++i) {
        if ((s[i] & 0xC0) != 0x80) {
            return {0xFFFD, 1};
        }
        rune = (rune << 6) | (s[i] & 0x3F);
    }
    constexpr char32_t minimum[] = {0, 0, 0x80, 0x800, 0x10000};
    if (rune < minimum[width] || rune > 0x10FFFF || (rune >= 0xD800 && rune <= 0xDFFF)) {
        return {0xFFFD, 1};
    }
    return {rune, width};
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView raw = FuzzInput(data, size).rest();
    const QString path = ContextPaths::fromRaw(raw);
    FUZZ_CHECK(ContextPaths::toRaw(path) == raw);

    QString expected;
    bool valid = true;
    const auto *s = reinterpret_cast<const unsigned char *>(raw.data());
    for (qsizetype i = 0; i < raw.size();) {
        const auto [rune, width] = decodeRune(s + i, raw.size() - i);
        valid = valid && !(rune == 0xFFFD && width == 1);
        // By hand: fromUcs4() would drop a leading U+FEFF.
        if (QChar::requiresSurrogates(rune)) {
            expected += QChar(QChar::highSurrogate(rune));
            expected += QChar(QChar::lowSurrogate(rune));
        } else {
            expected += QChar(char16_t(rune));
        }
        i += width;
    }
    const QString shown = ContextPaths::forDisplay(path);
    FUZZ_CHECK(shown == expected);
    for (qsizetype i = 0; i < shown.size(); ++i) {
        const QChar c = shown.at(i);
        FUZZ_CHECK(!c.isSurrogate() ||
                   (c.isHighSurrogate() && i + 1 < shown.size() &&
                    shown.at(i + 1).isLowSurrogate() && ++i));
    }
    // Decoded as Qt decodes UTF-8, except that a leading byte-order mark stays.
    const auto decode = [](QByteArrayView bytes) {
        QStringDecoder decoder(QStringConverter::Utf8, QStringConverter::Flag::ConvertInitialBom);
        return QString(decoder.decode(bytes));
    };
    FUZZ_CHECK(decode(shown.toUtf8()) == shown);
    if (valid) {
        FUZZ_CHECK(path == decode(raw));
    }
    // %q shows every escaped byte as \xNN, so no lone surrogate reaches a message.
    const QString quoted = JsonResponse::goQuoted(path);
    FUZZ_CHECK(ContextPaths::forDisplay(quoted) == quoted);
    return 0;
}
