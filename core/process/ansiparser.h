#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>

// Terminal output to styled plain text: ANSI SGR colours (16, 256, truecolour) and attributes
// are kept as styles; every other escape sequence (cursor movement, OSC titles, ...) is removed.
// QtCore only; the UI turns styles into character formats.
struct AnsiColor
{
    enum Kind : quint8 { Default, Indexed, Rgb };
    Kind kind = Default;
    quint8 index = 0; // Indexed: 0..255 (0-7 normal, 8-15 bright, 16-231 cube, 232-255 grey)
    quint32 rgb = 0; // Rgb: 0xAARRGGBB as QRgb, a QtGui type that core cannot include
    friend bool operator==(const AnsiColor &, const AnsiColor &) = default;
};

struct AnsiStyle
{
    AnsiColor foreground;
    AnsiColor background;
    bool bold = false;
    bool faint = false;
    bool italic = false;
    bool underline = false;
    bool inverse = false;
    bool strikeOut = false;
    bool isDefault() const { return *this == AnsiStyle {}; }
    friend bool operator==(const AnsiStyle &, const AnsiStyle &) = default;
};

struct AnsiSpan
{
    qsizetype start = 0; // in AnsiLine::text, UTF-16 units
    qsizetype length = 0;
    AnsiStyle style;
    friend bool operator==(const AnsiSpan &, const AnsiSpan &) = default;
};

struct AnsiLine
{
    QString text; // printable text, tabs kept, no escapes
    QList<AnsiSpan> spans; // cover text in order; adjacent spans have different styles
};

namespace Ansi {

// Parses one line (no '\n'; a trailing '\r' is dropped). `state` is the SGR state at the start
// of the line and is updated to the state at its end, so consecutive lines chain. Invalid UTF-8
// becomes U+FFFD. A lone '\r' returns to column 0 and later text overwrites, as a terminal does;
// backspace moves one column left.
AnsiLine parseLine(QByteArrayView line, AnsiStyle *state);

// The printable text only, for search, copy and save: same rules, no styles.
QString plainText(QByteArrayView line);

// The xterm default RGB for an indexed colour (0..255), as an opaque QRgb value.
quint32 indexedColor(quint8 index);

} // namespace Ansi
