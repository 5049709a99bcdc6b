// Ansi::parseLine: spans cover the text, no control is left, a cut before an ESC changes nothing.
#include "fuzzinput.h"
#include "process/ansiparser.h"

#include <vector>

namespace {

void checkLine(const AnsiLine &line)
{
    qsizetype position = 0;
    for (qsizetype i = 0; i < line.spans.size(); ++i) {
        const AnsiSpan &span = line.spans.at(i);
        FUZZ_CHECK(span.start == position);
        FUZZ_CHECK(span.length > 0);
        FUZZ_CHECK(i == 0 || line.spans.at(i - 1).style != span.style);
        position += span.length;
    }
    FUZZ_CHECK(position == line.text.size());
    for (const QChar c : line.text) {
        FUZZ_CHECK((c.unicode() >= 0x20 || c == QLatin1Char('\t')) && c.unicode() != 0x7f);
    }
}

// The spans of `a` followed by those of `b`, as one line would have them.
QList<AnsiSpan> joined(const AnsiLine &a, const AnsiLine &b)
{
    QList<AnsiSpan> spans = a.spans;
    for (AnsiSpan span : b.spans) {
        span.start += a.text.size();
        if (!spans.isEmpty() && spans.last().style == span.style) {
            spans.last().length += span.length;
        } else {
            spans.append(span);
        }
    }
    return spans;
}

// Nothing in the line moves the cursor back, so text is only ever appended.
bool appendsOnly(QByteArrayView line)
{
    return !line.contains('\r') && !line.contains('\b') && !line.contains('K');
}

void checkCuts(QByteArrayView line, const AnsiStyle &initial)
{
    std::vector<qsizetype> escapes;
    for (qsizetype i = 0; i < line.size(); ++i) {
        if (line.at(i) == '\x1b') {
            escapes.push_back(i);
        }
    }
    // At most eight cuts, spread over the escapes.
    const size_t cuts = std::min<size_t>(escapes.size(), 8);
    AnsiStyle wholeState = initial;
    const AnsiLine whole = Ansi::parseLine(line, &wholeState);
    for (size_t k = 0; k < cuts; ++k) {
        const qsizetype cut = escapes[k * escapes.size() / cuts];
        AnsiStyle pieceState = initial;
        const AnsiLine first = Ansi::parseLine(line.first(cut), &pieceState);
        const AnsiLine second = Ansi::parseLine(line.sliced(cut), &pieceState);
        FUZZ_CHECK(pieceState == wholeState);
        FUZZ_CHECK(first.text + second.text == whole.text);
        FUZZ_CHECK(joined(first, second) == whole.spans);
    }
}

AnsiStyle parseChecked(QByteArrayView line, AnsiStyle state)
{
    const AnsiStyle before = state;
    const AnsiLine parsed = Ansi::parseLine(line, &state);
    checkLine(parsed);
    FUZZ_CHECK(Ansi::plainText(line) == parsed.text);
    // The text never depends on the style the line starts with.
    AnsiStyle other;
    other.bold = !before.bold;
    other.foreground.kind = AnsiColor::Rgb;
    other.foreground.rgb = 0xff123456u;
    FUZZ_CHECK(Ansi::parseLine(line, &other).text == parsed.text);
    if (appendsOnly(line)) {
        checkCuts(line, before);
    }
    return state;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzInput input(data, size);
    const int stride = 1 + input.byte();
    const QByteArrayView text = input.rest();

    // As the output view reads a capture: one line per '\n', the style carried on.
    AnsiStyle state;
    qsizetype start = 0;
    while (start <= text.size()) {
        qsizetype end = text.indexOf('\n', start);
        if (end < 0) {
            end = text.size();
        }
        state = parseChecked(text.sliced(start, end - start), state);
        start = end + 1;
    }

    // Arbitrary pieces (escapes, UTF-8 and CRLF cut anywhere), newlines included.
    AnsiStyle pieceState;
    for (qsizetype at = 0; at < text.size(); at += stride) {
        const QByteArrayView piece = text.sliced(at, std::min<qsizetype>(stride, text.size() - at));
        checkLine(Ansi::parseLine(piece, &pieceState));
    }
    for (quint32 index = 0; index < 256; index += 1 + (stride & 0x1f)) {
        Ansi::indexedColor(quint8(index));
    }
    return 0;
}
