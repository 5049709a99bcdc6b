#include "process/ansiparser.h"

#include <QVarLengthArray>

#include <algorithm>
#include <optional>
#include <vector>

namespace {

constexpr uchar Escape = 0x1b;
constexpr uchar Bell = 0x07;
constexpr uchar Delete = 0x7f;

constexpr quint32 opaqueRgb(quint32 red, quint32 green, quint32 blue)
{
    return 0xff000000u | (red << 16) | (green << 8) | blue;
}

bool isInvisibleControl(uchar byte)
{
    return (byte < 0x20 && byte != '\t') || byte == Delete;
}

// Lines without controls are by far the most common; they skip the escape machinery.
bool isPlain(QByteArrayView line)
{
    return std::none_of(line.begin(), line.end(),
                        [](char byte) { return isInvisibleControl(uchar(byte)); });
}

// One character cell of a line that moves its cursor back ('\r', '\b'), so that later text
// overwrites earlier text with its own style, as a terminal shows it.
struct Cell
{
    char32_t character = U' ';
    AnsiStyle style;
    bool erased = false; // blanked by an erase; trailing erased cells are not text
};

// Collects a line's text and style runs. It appends while the cursor stays at the end and
// switches to a cell buffer only once the cursor moves back.
class LineBuilder
{
public:
    void appendText(QByteArrayView utf8, const AnsiStyle &style)
    {
        if (utf8.isEmpty()) {
            return;
        }
        const QString text = QString::fromUtf8(utf8);
        if (!m_cellMode) {
            appendRun(m_text, m_spans, text, style);
            return;
        }
        forEachCodePoint(text, [this, &style](char32_t character) {
            const Cell cell {character, style, false};
            if (m_column < qsizetype(m_cells.size())) {
                m_cells[size_t(m_column)] = cell;
            } else {
                m_cells.push_back(cell);
            }
            ++m_column;
        });
    }

    void carriageReturn()
    {
        if (enterCellMode()) {
            m_column = 0;
        }
    }

    void backspace()
    {
        if (enterCellMode()) {
            m_column = std::max<qsizetype>(0, m_column - 1);
        }
    }

    // CSI K: the usual companion of '\r' in progress output ("\r\e[K50%").
    void eraseInLine(int mode)
    {
        if (mode == 0) {
            // Without a cell buffer the cursor is at the end: nothing to erase.
            if (m_cellMode) {
                m_cells.resize(size_t(m_column));
            }
            return;
        }
        if ((mode != 1 && mode != 2) || !enterCellMode()) {
            return;
        }
        const qsizetype last = mode == 2 ? qsizetype(m_cells.size())
                                         : std::min<qsizetype>(m_column + 1, m_cells.size());
        for (qsizetype i = 0; i < last; ++i) {
            m_cells[size_t(i)] = Cell {U' ', AnsiStyle {}, true};
        }
    }

    AnsiLine finish()
    {
        AnsiLine line;
        if (!m_cellMode) {
            line.text = std::move(m_text);
            line.spans = std::move(m_spans);
            return line;
        }
        while (!m_cells.empty() && m_cells.back().erased) {
            m_cells.pop_back();
        }
        line.text.reserve(qsizetype(m_cells.size()));
        for (const Cell &cell : m_cells) {
            const qsizetype start = line.text.size();
            if (QChar::requiresSurrogates(cell.character)) {
                line.text.append(QChar(QChar::highSurrogate(cell.character)));
                line.text.append(QChar(QChar::lowSurrogate(cell.character)));
            } else {
                line.text.append(QChar(char16_t(cell.character)));
            }
            extendSpans(line.spans, start, line.text.size() - start, cell.style);
        }
        return line;
    }

private:
    static void extendSpans(QList<AnsiSpan> &spans, qsizetype start, qsizetype length,
                            const AnsiStyle &style)
    {
        if (!spans.isEmpty() && spans.last().style == style) {
            spans.last().length += length;
        } else {
            spans.append(AnsiSpan {start, length, style});
        }
    }

    static void appendRun(QString &text, QList<AnsiSpan> &spans, const QString &run,
                          const AnsiStyle &style)
    {
        if (run.isEmpty()) {
            return;
        }
        extendSpans(spans, text.size(), run.size(), style);
        text.append(run);
    }

    template<typename Function>
    static void forEachCodePoint(const QString &text, Function function)
    {
        for (qsizetype i = 0; i < text.size(); ++i) {
            char32_t character = text.at(i).unicode();
            if (text.at(i).isHighSurrogate() && i + 1 < text.size() &&
                text.at(i + 1).isLowSurrogate()) {
                character = QChar::surrogateToUcs4(text.at(i), text.at(i + 1));
                ++i;
            }
            function(character);
        }
    }

    // Returns false when there is nothing to move over yet, which keeps the common
    // "text\r" and "\rtext" lines on the append path.
    bool enterCellMode()
    {
        if (m_cellMode) {
            return true;
        }
        if (m_text.isEmpty()) {
            return false;
        }
        m_cells.reserve(size_t(m_text.size()));
        for (const AnsiSpan &span : std::as_const(m_spans)) {
            forEachCodePoint(m_text.sliced(span.start, span.length), [this, &span](char32_t c) {
                m_cells.push_back(Cell {c, span.style, false});
            });
        }
        m_text.clear();
        m_spans.clear();
        m_column = qsizetype(m_cells.size());
        m_cellMode = true;
        return true;
    }

    bool m_cellMode = false;
    QString m_text;
    QList<AnsiSpan> m_spans;
    std::vector<Cell> m_cells;
    qsizetype m_column = 0;
};

// SGR parameters, flattened: value -1 stands for an empty parameter; `subparameter` marks a
// value that follows a ':' and so belongs to the value before it (ITU T.416 colour forms).
struct SgrParameters
{
    QVarLengthArray<int, 32> values;
    QVarLengthArray<bool, 32> subparameter;

    qsizetype groupEnd(qsizetype start) const
    {
        qsizetype end = start + 1;
        while (end < values.size() && subparameter[end]) {
            ++end;
        }
        return end;
    }
};

std::optional<SgrParameters> parseSgrParameters(QByteArrayView parameters)
{
    SgrParameters result;
    int value = -1;
    bool nextIsSubparameter = false;
    auto push = [&](bool followedBySubparameter) {
        result.values.append(value);
        result.subparameter.append(nextIsSubparameter);
        nextIsSubparameter = followedBySubparameter;
        value = -1;
    };
    for (const char byte : parameters) {
        if (byte >= '0' && byte <= '9') {
            // Clamped: any value this large is invalid anyway, and must not overflow.
            value = std::min(std::max(value, 0) * 10 + (byte - '0'), 100000);
        } else if (byte == ';') {
            push(false);
        } else if (byte == ':') {
            push(true);
        } else {
            return std::nullopt;
        }
    }
    push(false);
    return result;
}

std::optional<AnsiColor> indexed(int index)
{
    if (index < 0 || index > 255) {
        return std::nullopt;
    }
    AnsiColor color;
    color.kind = AnsiColor::Indexed;
    color.index = quint8(index);
    return color;
}

std::optional<AnsiColor> rgb(int red, int green, int blue)
{
    const auto valid = [](int component) { return component >= 0 && component <= 255; };
    if (!valid(red) || !valid(green) || !valid(blue)) {
        return std::nullopt;
    }
    AnsiColor color;
    color.kind = AnsiColor::Rgb;
    color.rgb = opaqueRgb(quint32(red), quint32(green), quint32(blue));
    return color;
}

void setExtendedColor(AnsiStyle &style, int code, std::optional<AnsiColor> color)
{
    if (!color) {
        return;
    }
    (code == 38 ? style.foreground : style.background) = *color;
}

// The colon form of one parameter with subparameters: 38:5:n, 38:2:r:g:b, 38:2:cs:r:g:b
// (the colour space usually left empty: 38:2::r:g:b), and 4:n underline styles.
void applyColonGroup(AnsiStyle &style, const QVarLengthArray<int, 8> &group)
{
    const auto at = [&group](qsizetype i) { return std::max(group.value(i, 0), 0); };
    const int code = at(0);
    if (code == 38 || code == 48) {
        if (at(1) == 5 && group.size() >= 3) {
            setExtendedColor(style, code, indexed(at(2)));
        } else if (at(1) == 2 && group.size() >= 6) {
            setExtendedColor(style, code, rgb(at(3), at(4), at(5)));
        } else if (at(1) == 2 && group.size() == 5) {
            setExtendedColor(style, code, rgb(at(2), at(3), at(4)));
        }
    } else if (code == 4) {
        style.underline = at(1) != 0;
    }
}

void applySgr(QByteArrayView parameterBytes, AnsiStyle &style)
{
    const std::optional<SgrParameters> parameters = parseSgrParameters(parameterBytes);
    if (!parameters) {
        return;
    }
    const auto &values = parameters->values;
    const auto valueAt = [&values](qsizetype i) { return std::max(values.value(i, 0), 0); };
    qsizetype i = 0;
    while (i < values.size()) {
        const qsizetype end = parameters->groupEnd(i);
        if (end - i > 1) {
            applyColonGroup(style,
                            QVarLengthArray<int, 8>(values.begin() + i, values.begin() + end));
            i = end;
            continue;
        }
        const int code = valueAt(i);
        ++i;
        if (code >= 30 && code <= 37) {
            style.foreground = *indexed(code - 30);
        } else if (code >= 90 && code <= 97) {
            style.foreground = *indexed(code - 90 + 8);
        } else if (code >= 40 && code <= 47) {
            style.background = *indexed(code - 40);
        } else if (code >= 100 && code <= 107) {
            style.background = *indexed(code - 100 + 8);
        } else if (code == 38 || code == 48) {
            // 38;5;n and 38;2;r;g;b take the following parameters; when they are missing the
            // sequence ends here, as in xterm.
            const int kind = valueAt(i);
            if (kind == 5 && i + 1 < values.size()) {
                setExtendedColor(style, code, indexed(valueAt(i + 1)));
                i += 2;
            } else if (kind == 2 && i + 3 < values.size()) {
                setExtendedColor(style, code, rgb(valueAt(i + 1), valueAt(i + 2), valueAt(i + 3)));
                i += 4;
            } else {
                return;
            }
        } else {
            switch (code) {
            case 0:
                style = AnsiStyle {};
                break;
            case 1:
                style.bold = true;
                break;
            case 2:
                style.faint = true;
                break;
            case 3:
                style.italic = true;
                break;
            case 4:
                style.underline = true;
                break;
            case 7:
                style.inverse = true;
                break;
            case 9:
                style.strikeOut = true;
                break;
            case 21: // "bold off" in the Linux console and most SGR tables
                style.bold = false;
                break;
            case 22:
                style.bold = false;
                style.faint = false;
                break;
            case 23:
                style.italic = false;
                break;
            case 24:
                style.underline = false;
                break;
            case 27:
                style.inverse = false;
                break;
            case 29:
                style.strikeOut = false;
                break;
            case 39:
                style.foreground = AnsiColor {};
                break;
            case 49:
                style.background = AnsiColor {};
                break;
            default: // blink, conceal, overline, fonts, ...: not shown
                break;
            }
        }
    }
}

int firstParameter(QByteArrayView parameters)
{
    int value = 0;
    for (const char byte : parameters) {
        if (byte < '0' || byte > '9') {
            break;
        }
        value = std::min(value * 10 + (byte - '0'), 100000);
    }
    return value;
}

// ESC [ parameters intermediates final. Returns where parsing continues.
const char *parseCsi(const char *p, const char *end, AnsiStyle &style, LineBuilder &builder)
{
    const char *parametersStart = p;
    while (p < end && uchar(*p) >= 0x30 && uchar(*p) <= 0x3f) {
        ++p;
    }
    const QByteArrayView parameters(parametersStart, p);
    const char *intermediatesStart = p;
    while (p < end && uchar(*p) >= 0x20 && uchar(*p) <= 0x2f) {
        ++p;
    }
    if (p == end) {
        return end; // cut off by the end of the line: dropped
    }
    const uchar final = uchar(*p);
    if (final < 0x40 || final > 0x7e) {
        return p; // malformed: drop what was read and treat the byte as ordinary input
    }
    // Private parameters ("\e[?25l", "\e[>4;2m") and intermediates make other functions.
    const bool plain =
            p == intermediatesStart && (parameters.isEmpty() || uchar(parameters.front()) < 0x3c);
    if (plain && final == 'm') {
        applySgr(parameters, style);
    } else if (plain && final == 'K') {
        builder.eraseInLine(firstParameter(parameters));
    }
    return p + 1;
}

// OSC, DCS, SOS, PM and APC strings end with ST (ESC \); OSC also with BEL, as xterm allows.
const char *skipControlString(const char *p, const char *end, bool bellTerminates)
{
    while (p < end) {
        const uchar byte = uchar(*p);
        if (byte == Bell && bellTerminates) {
            return p + 1;
        }
        if (byte == Escape) {
            // Any other escape aborts the string and starts a sequence of its own.
            return (p + 1 < end && p[1] == '\\') ? p + 2 : p;
        }
        ++p;
    }
    return end;
}

const char *parseEscape(const char *p, const char *end, AnsiStyle &style, LineBuilder &builder)
{
    const char *next = p + 1;
    if (next == end) {
        return end;
    }
    const uchar kind = uchar(*next);
    switch (kind) {
    case '[':
        return parseCsi(next + 1, end, style, builder);
    case ']':
        return skipControlString(next + 1, end, true);
    case 'P':
    case 'X':
    case '^':
    case '_':
        return skipControlString(next + 1, end, false);
    default:
        break;
    }
    if (kind >= 0x20 && kind <= 0x2f) {
        // nF sequences such as ESC ( B (charset) and ESC # 8: intermediates, then a final byte.
        while (next < end && uchar(*next) >= 0x20 && uchar(*next) <= 0x2f) {
            ++next;
        }
        return (next < end && uchar(*next) >= 0x30 && uchar(*next) <= 0x7e) ? next + 1 : next;
    }
    if (kind >= 0x30 && kind <= 0x7e) {
        return next + 1; // two-byte sequences: ESC 7, ESC =, ESC M, ESC c, ...
    }
    return next; // ESC before a control or non-ASCII byte: only the ESC goes
}

} // namespace

namespace Ansi {

AnsiLine parseLine(QByteArrayView line, AnsiStyle *state)
{
    AnsiStyle localState;
    AnsiStyle &style = state ? *state : localState;
    if (line.endsWith('\r')) {
        line.chop(1);
    }

    if (isPlain(line)) {
        AnsiLine result;
        result.text = QString::fromUtf8(line);
        if (!result.text.isEmpty()) {
            result.spans.append(AnsiSpan {0, result.text.size(), style});
        }
        return result;
    }

    LineBuilder builder;
    const char *p = line.begin();
    const char *const end = line.end();
    const char *textStart = p;
    while (p < end) {
        const uchar byte = uchar(*p);
        if (!isInvisibleControl(byte)) {
            ++p;
            continue;
        }
        builder.appendText(QByteArrayView(textStart, p), style);
        if (byte == Escape) {
            p = parseEscape(p, end, style, builder);
        } else if (byte == '\r') {
            builder.carriageReturn();
            ++p;
        } else if (byte == '\b') {
            builder.backspace();
            ++p;
        } else {
            ++p; // other controls (BEL, NUL, ...) show nothing
        }
        textStart = p;
    }
    builder.appendText(QByteArrayView(textStart, end), style);
    return builder.finish();
}

QString plainText(QByteArrayView line)
{
    AnsiStyle state;
    return parseLine(line, &state).text;
}

quint32 indexedColor(quint8 index)
{
    // xterm's default 16-colour palette.
    static constexpr quint32 basic[16] = {
            opaqueRgb(0x00, 0x00, 0x00), opaqueRgb(0xcd, 0x00, 0x00), opaqueRgb(0x00, 0xcd, 0x00),
            opaqueRgb(0xcd, 0xcd, 0x00), opaqueRgb(0x00, 0x00, 0xee), opaqueRgb(0xcd, 0x00, 0xcd),
            opaqueRgb(0x00, 0xcd, 0xcd), opaqueRgb(0xe5, 0xe5, 0xe5), opaqueRgb(0x7f, 0x7f, 0x7f),
            opaqueRgb(0xff, 0x00, 0x00), opaqueRgb(0x00, 0xff, 0x00), opaqueRgb(0xff, 0xff, 0x00),
            opaqueRgb(0x5c, 0x5c, 0xff), opaqueRgb(0xff, 0x00, 0xff), opaqueRgb(0x00, 0xff, 0xff),
            opaqueRgb(0xff, 0xff, 0xff),
    };
    if (index < 16) {
        return basic[index];
    }
    if (index < 232) {
        const auto level = [](int step) { return quint32(step == 0 ? 0 : 55 + 40 * step); };
        const int cube = index - 16;
        return opaqueRgb(level(cube / 36), level(cube / 6 % 6), level(cube % 6));
    }
    const quint32 grey = quint32(8 + 10 * (index - 232));
    return opaqueRgb(grey, grey, grey);
}

} // namespace Ansi
