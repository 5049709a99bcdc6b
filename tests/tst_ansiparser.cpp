#include "process/ansiparser.h"

#include <QTest>

namespace {

// Builds expected styles readably: Style().bold().foreground(1).
class Style
{
public:
    Style &bold()
    {
        m_style.bold = true;
        return *this;
    }
    Style &faint()
    {
        m_style.faint = true;
        return *this;
    }
    Style &italic()
    {
        m_style.italic = true;
        return *this;
    }
    Style &underline()
    {
        m_style.underline = true;
        return *this;
    }
    Style &inverse()
    {
        m_style.inverse = true;
        return *this;
    }
    Style &strikeOut()
    {
        m_style.strikeOut = true;
        return *this;
    }
    Style &foreground(int index)
    {
        m_style.foreground = indexed(index);
        return *this;
    }
    Style &background(int index)
    {
        m_style.background = indexed(index);
        return *this;
    }
    Style &foregroundRgb(quint32 red, quint32 green, quint32 blue)
    {
        m_style.foreground = rgb(red, green, blue);
        return *this;
    }
    Style &backgroundRgb(quint32 red, quint32 green, quint32 blue)
    {
        m_style.background = rgb(red, green, blue);
        return *this;
    }
    operator AnsiStyle() const { return m_style; }

private:
    static AnsiColor indexed(int index)
    {
        AnsiColor color;
        color.kind = AnsiColor::Indexed;
        color.index = quint8(index);
        return color;
    }
    static AnsiColor rgb(quint32 red, quint32 green, quint32 blue)
    {
        AnsiColor color;
        color.kind = AnsiColor::Rgb;
        color.rgb = 0xff000000u | (red << 16) | (green << 8) | blue;
        return color;
    }

    AnsiStyle m_style;
};

using Spans = QList<AnsiSpan>;

// One span over all of `text`, as the parser reports a single-style line.
Spans whole(const QString &text, const AnsiStyle &style = {})
{
    return text.isEmpty() ? Spans() : Spans {AnsiSpan {0, text.size(), style}};
}

QString describe(const AnsiColor &color)
{
    switch (color.kind) {
    case AnsiColor::Default:
        return QStringLiteral("default");
    case AnsiColor::Indexed:
        return QString::number(color.index);
    case AnsiColor::Rgb:
        return QLatin1Char('#') + QString::number(color.rgb, 16);
    }
    return {};
}

QString describe(const AnsiStyle &style)
{
    QStringList parts = {QStringLiteral("fg=") + describe(style.foreground),
                         QStringLiteral("bg=") + describe(style.background)};
    const std::pair<bool, const char *> flags[] = {
            {style.bold, "bold"},       {style.faint, "faint"},
            {style.italic, "italic"},   {style.underline, "underline"},
            {style.inverse, "inverse"}, {style.strikeOut, "strike"}};
    for (const auto &[set, name] : flags) {
        if (set) {
            parts.append(QLatin1String(name));
        }
    }
    return parts.join(QLatin1Char(' '));
}

} // namespace

Q_DECLARE_METATYPE(AnsiStyle)
Q_DECLARE_METATYPE(AnsiSpan)

// Readable QCOMPARE failures.
char *toString(const AnsiStyle &style)
{
    return qstrdup(describe(style).toUtf8().constData());
}

char *toString(const AnsiSpan &span)
{
    return qstrdup(QStringLiteral("[%1+%2 %3]")
                           .arg(span.start)
                           .arg(span.length)
                           .arg(describe(span.style))
                           .toUtf8()
                           .constData());
}

class TestAnsiParser : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parseLine_data()
    {
        QTest::addColumn<QByteArray>("line");
        QTest::addColumn<QString>("text");
        QTest::addColumn<Spans>("spans");
        QTest::addColumn<AnsiStyle>("endState");

        const QString hello = QStringLiteral("hello");
        QTest::newRow("plain text") << QByteArray("hello") << hello << whole(hello) << AnsiStyle();
        QTest::newRow("empty line has no spans")
                << QByteArray() << QString() << Spans() << AnsiStyle();
        QTest::newRow("tabs are kept") << QByteArray("a\tb") << QStringLiteral("a\tb")
                                       << whole(QStringLiteral("a\tb")) << AnsiStyle();

        // Attributes, each set and then reset by its own code.
        const struct
        {
            const char *name;
            int on;
            int off;
            AnsiStyle style;
        } attributes[] = {
                {"bold", 1, 22, Style().bold()},
                {"bold off with 21", 1, 21, Style().bold()},
                {"faint", 2, 22, Style().faint()},
                {"italic", 3, 23, Style().italic()},
                {"underline", 4, 24, Style().underline()},
                {"inverse", 7, 27, Style().inverse()},
                {"strike", 9, 29, Style().strikeOut()},
        };
        for (const auto &attribute : attributes) {
            const QByteArray line = "\x1b[" + QByteArray::number(attribute.on) + "mon\x1b[" +
                    QByteArray::number(attribute.off) + "moff";
            QTest::addRow("%s", attribute.name)
                    << line << QStringLiteral("onoff")
                    << Spans {{0, 2, attribute.style}, {2, 3, AnsiStyle()}} << AnsiStyle();
            QTest::addRow("%s stays on", attribute.name)
                    << QByteArray("\x1b[" + QByteArray::number(attribute.on) + "mx")
                    << QStringLiteral("x") << whole(QStringLiteral("x"), attribute.style)
                    << attribute.style;
        }
        QTest::newRow("22 resets bold and faint")
                << QByteArray("\x1b[1;2ma\x1b[22mb") << QStringLiteral("ab")
                << Spans {{0, 1, Style().bold().faint()}, {1, 1, AnsiStyle()}} << AnsiStyle();

        for (int i = 0; i < 8; ++i) {
            const QString x = QStringLiteral("x");
            QTest::addRow("foreground %d", 30 + i)
                    << QByteArray("\x1b[" + QByteArray::number(30 + i) + "mx") << x
                    << whole(x, Style().foreground(i)) << AnsiStyle(Style().foreground(i));
            QTest::addRow("bright foreground %d", 90 + i)
                    << QByteArray("\x1b[" + QByteArray::number(90 + i) + "mx") << x
                    << whole(x, Style().foreground(8 + i)) << AnsiStyle(Style().foreground(8 + i));
            QTest::addRow("background %d", 40 + i)
                    << QByteArray("\x1b[" + QByteArray::number(40 + i) + "mx") << x
                    << whole(x, Style().background(i)) << AnsiStyle(Style().background(i));
            QTest::addRow("bright background %d", 100 + i)
                    << QByteArray("\x1b[" + QByteArray::number(100 + i) + "mx") << x
                    << whole(x, Style().background(8 + i)) << AnsiStyle(Style().background(8 + i));
        }
        QTest::newRow("39 and 49 restore default colours")
                << QByteArray("\x1b[31;42ma\x1b[39mb\x1b[49mc") << QStringLiteral("abc")
                << Spans {{0, 1, Style().foreground(1).background(2)},
                          {1, 1, Style().background(2)},
                          {2, 1, AnsiStyle()}}
                << AnsiStyle();
        QTest::newRow("combined parameters")
                << QByteArray("\x1b[1;4;31;44mx") << QStringLiteral("x")
                << whole(QStringLiteral("x"),
                         Style().bold().underline().foreground(1).background(4))
                << AnsiStyle(Style().bold().underline().foreground(1).background(4));

        QTest::newRow("reset with 0")
                << QByteArray("\x1b[1;31ma\x1b[0mb") << QStringLiteral("ab")
                << Spans {{0, 1, Style().bold().foreground(1)}, {1, 1, AnsiStyle()}} << AnsiStyle();
        QTest::newRow("empty parameters reset")
                << QByteArray("\x1b[1ma\x1b[mb") << QStringLiteral("ab")
                << Spans {{0, 1, Style().bold()}, {1, 1, AnsiStyle()}} << AnsiStyle();
        QTest::newRow("empty parameter inside a list is 0")
                << QByteArray("\x1b[1;;3mx") << QStringLiteral("x")
                << whole(QStringLiteral("x"), Style().italic()) << AnsiStyle(Style().italic());
        QTest::newRow("unknown parameters are ignored")
                << QByteArray("\x1b[5;1;53;8mx") << QStringLiteral("x")
                << whole(QStringLiteral("x"), Style().bold()) << AnsiStyle(Style().bold());
        QTest::newRow("same style twice makes one span")
                << QByteArray("\x1b[31ma\x1b[31mb") << QStringLiteral("ab")
                << whole(QStringLiteral("ab"), Style().foreground(1))
                << AnsiStyle(Style().foreground(1));

        // 256 colours and truecolour, semicolon and colon forms.
        QTest::newRow("256-colour foreground")
                << QByteArray("\x1b[38;5;208mx") << QStringLiteral("x")
                << whole(QStringLiteral("x"), Style().foreground(208))
                << AnsiStyle(Style().foreground(208));
        QTest::newRow("256-colour background")
                << QByteArray("\x1b[48;5;17mx") << QStringLiteral("x")
                << whole(QStringLiteral("x"), Style().background(17))
                << AnsiStyle(Style().background(17));
        QTest::newRow("truecolour foreground")
                << QByteArray("\x1b[38;2;255;128;0mx") << QStringLiteral("x")
                << whole(QStringLiteral("x"), Style().foregroundRgb(255, 128, 0))
                << AnsiStyle(Style().foregroundRgb(255, 128, 0));
        QTest::newRow("truecolour background")
                << QByteArray("\x1b[48;2;1;2;3mx") << QStringLiteral("x")
                << whole(QStringLiteral("x"), Style().backgroundRgb(1, 2, 3))
                << AnsiStyle(Style().backgroundRgb(1, 2, 3));
        QTest::newRow("parameters after an extended colour apply")
                << QByteArray("\x1b[38;5;1;1mx") << QStringLiteral("x")
                << whole(QStringLiteral("x"), Style().foreground(1).bold())
                << AnsiStyle(Style().foreground(1).bold());
        QTest::newRow("colon 256-colour") << QByteArray("\x1b[38:5:208mx") << QStringLiteral("x")
                                          << whole(QStringLiteral("x"), Style().foreground(208))
                                          << AnsiStyle(Style().foreground(208));
        QTest::newRow("colon truecolour with empty colour space")
                << QByteArray("\x1b[38:2::10:20:30mx") << QStringLiteral("x")
                << whole(QStringLiteral("x"), Style().foregroundRgb(10, 20, 30))
                << AnsiStyle(Style().foregroundRgb(10, 20, 30));
        QTest::newRow("colon truecolour without colour space")
                << QByteArray("\x1b[48:2:10:20:30mx") << QStringLiteral("x")
                << whole(QStringLiteral("x"), Style().backgroundRgb(10, 20, 30))
                << AnsiStyle(Style().backgroundRgb(10, 20, 30));
        QTest::newRow("colon form then more parameters")
                << QByteArray("\x1b[38:5:3;1mx") << QStringLiteral("x")
                << whole(QStringLiteral("x"), Style().foreground(3).bold())
                << AnsiStyle(Style().foreground(3).bold());
        QTest::newRow("curly underline is underline")
                << QByteArray("\x1b[4:3ma\x1b[4:0mb") << QStringLiteral("ab")
                << Spans {{0, 1, Style().underline()}, {1, 1, AnsiStyle()}} << AnsiStyle();
        QTest::newRow("out-of-range 256-colour ignored")
                << QByteArray("\x1b[38;5;300mx") << QStringLiteral("x")
                << whole(QStringLiteral("x")) << AnsiStyle();
        QTest::newRow("out-of-range truecolour ignored")
                << QByteArray("\x1b[38;2;1;256;3mx") << QStringLiteral("x")
                << whole(QStringLiteral("x")) << AnsiStyle();
        QTest::newRow("incomplete extended colour ends the sequence")
                << QByteArray("\x1b[1;38;5mx") << QStringLiteral("x")
                << whole(QStringLiteral("x"), Style().bold()) << AnsiStyle(Style().bold());
        QTest::newRow("private SGR-like sequence is not SGR")
                << QByteArray("\x1b[>4;2mx") << QStringLiteral("x") << whole(QStringLiteral("x"))
                << AnsiStyle();

        // Everything else is removed.
        const QString text = QStringLiteral("text");
        const struct
        {
            const char *name;
            QByteArray line;
        } stripped[] = {
                {"cursor movement", "\x1b[2At\x1b[10Ce\x1b[3;4Hx\x1b[1Dt"},
                {"clear screen and home", "\x1b[2J\x1b[Htext"},
                {"erase to end of line at the end", "text\x1b[K"},
                {"cursor visibility", "\x1b[?25lte\x1b[?25hxt"},
                {"OSC title ended by BEL", "\x1b]0;my title\atext"},
                {"OSC title ended by ST", "\x1b]2;my title\x1b\\text"},
                {"OSC 8 hyperlink", "\x1b]8;;https://example.org\x1b\\text\x1b]8;;\x1b\\"},
                {"unterminated OSC swallows the rest", "text\x1b]0;no end"},
                {"charset designation", "\x1b(Bte\x1b)0xt"},
                {"keypad modes", "\x1b=te\x1b>xt"},
                {"save and restore cursor",
                 "\x1b"
                 "7text\x1b"
                 "8"},
                {"DCS string", "\x1bPq#0;2;0;0;0\x1b\\text"},
                {"APC string", "\x1b_Gsome=data\x1b\\text"},
                {"reverse index and full reset",
                 "\x1bM\x1b"
                 "ctext"},
                {"CSI cut off at the end", "text\x1b[31"},
                {"ESC at the end", "text\x1b"},
                {"bell and other controls", QByteArray("t\aex\x01t\x7f\0", 8)},
                {"malformed CSI drops only the sequence", "\x1b[1\x01text"},
        };
        for (const auto &row : stripped) {
            QTest::addRow("strip %s", row.name) << row.line << text << whole(text) << AnsiStyle();
        }

        // '\r' and backspace move the cursor back; later text overwrites, as on a terminal.
        const struct
        {
            const char *name;
            QByteArray line;
            QString text;
        } overwrites[] = {
                {"CRLF drops the CR", "abc\r", QStringLiteral("abc")},
                {"carriage return overwrites", "abc\rX", QStringLiteral("Xbc")},
                {"progress line", "progress 10%\rprogress 100%", QStringLiteral("progress 100%")},
                {"carriage return at the start", "\rabc", QStringLiteral("abc")},
                {"several carriage returns at the end", "abc\r\r", QStringLiteral("abc")},
                {"backspace", "abc\bX", QStringLiteral("abX")},
                {"backspace past the start", "a\b\b\bX", QStringLiteral("X")},
                {"backspace then two characters", "abc\b\bXYZ", QStringLiteral("aXYZ")},
                {"overstrike", "_\bA", QStringLiteral("A")},
                {"erase line after carriage return", "long text\r\x1b[Kshort",
                 QStringLiteral("short")},
                {"erase whole line then return", "abc\x1b[2K\rxy", QStringLiteral("xy")},
                {"erase whole line keeps the column", "abc\x1b[2Kde", QStringLiteral("   de")},
                {"erase to the cursor", "abcdef\r\x1b[1Kx", QStringLiteral("xbcdef")},
                {"overwrite counts characters, not bytes", "\xc3\xa4\xc3\xb6\xc3\xbc\rX",
                 QStringLiteral("X\u00f6\u00fc")},
                {"overwrite of a character outside the BMP",
                 "\xf0\x9f\x98\x80"
                 "b\rX",
                 QStringLiteral("Xb")},
        };
        for (const auto &row : overwrites) {
            QTest::addRow("%s", row.name) << row.line << row.text << whole(row.text) << AnsiStyle();
        }
        QTest::newRow("overwrite keeps each character's style")
                << QByteArray("\x1b[31mabc\x1b[0m\rX") << QStringLiteral("Xbc")
                << Spans {{0, 1, AnsiStyle()}, {1, 2, Style().foreground(1)}} << AnsiStyle();
        QTest::newRow("overwrite with a style")
                << QByteArray("abcd\r\x1b[1mXY\x1b[0m") << QStringLiteral("XYcd")
                << Spans {{0, 2, Style().bold()}, {2, 2, AnsiStyle()}} << AnsiStyle();
        QTest::newRow("overwrite with the same style merges spans")
                << QByteArray("\x1b[32mabc\rX") << QStringLiteral("Xbc")
                << whole(QStringLiteral("Xbc"), Style().foreground(2))
                << AnsiStyle(Style().foreground(2));

        // Invalid UTF-8 becomes U+FFFD, on both paths.
        QTest::newRow("invalid utf-8")
                << QByteArray("a\xff"
                              "b")
                << QStringLiteral("a\ufffdb") << whole(QStringLiteral("a\ufffdb")) << AnsiStyle();
        QTest::newRow("invalid utf-8 between escapes")
                << QByteArray("\x1b[1m\xc3\x1b[0mz") << QStringLiteral("\ufffdz")
                << Spans {{0, 1, Style().bold()}, {1, 1, AnsiStyle()}} << AnsiStyle();
        QTest::newRow("valid utf-8 with styles")
                << QByteArray("\x1b[3m\xe2\x82\xac\x1b[23m!") << QStringLiteral("\u20ac!")
                << Spans {{0, 1, Style().italic()}, {1, 1, AnsiStyle()}} << AnsiStyle();
    }

    void parseLine()
    {
        QFETCH(QByteArray, line);
        QFETCH(QString, text);
        QFETCH(Spans, spans);
        QFETCH(AnsiStyle, endState);

        AnsiStyle state;
        const AnsiLine parsed = Ansi::parseLine(line, &state);
        QCOMPARE(parsed.text, text);
        QCOMPARE(parsed.spans, spans);
        QCOMPARE(state, endState);
        QCOMPARE(Ansi::plainText(line), text);
        // Same result without a state to carry.
        QCOMPARE(Ansi::parseLine(line, nullptr).text, text);
    }

    void stateChainsAcrossLines()
    {
        AnsiStyle state;
        const AnsiLine first = Ansi::parseLine("plain \x1b[1;31mred", &state);
        QCOMPARE(first.spans.last().style, AnsiStyle(Style().bold().foreground(1)));
        QCOMPARE(state, AnsiStyle(Style().bold().foreground(1)));

        // A line with no escapes at all takes the state it starts with.
        const AnsiLine second = Ansi::parseLine("still red", &state);
        QCOMPARE(second.spans, whole(QStringLiteral("still red"), Style().bold().foreground(1)));

        const AnsiLine third = Ansi::parseLine("end\x1b[0m plain", &state);
        QCOMPARE(third.spans, (Spans {{0, 3, Style().bold().foreground(1)}, {3, 6, AnsiStyle()}}));
        QVERIFY(state.isDefault());

        const AnsiLine fourth = Ansi::parseLine("plain", &state);
        QCOMPARE(fourth.spans, whole(QStringLiteral("plain")));
    }

    void megabyteLineOfPlainText()
    {
        QByteArray line;
        line.reserve(1024 * 1024);
        while (line.size() < 1024 * 1024) {
            line.append("The quick brown fox jumps over the lazy dog. \xc3\xa4\xc3\xb6\xc3\xbc\t");
        }
        AnsiStyle state = Style().foreground(2);
        const AnsiLine parsed = Ansi::parseLine(line, &state);
        QCOMPARE(parsed.text, QString::fromUtf8(line));
        QCOMPARE(parsed.spans, whole(parsed.text, Style().foreground(2)));
        QCOMPARE(state, AnsiStyle(Style().foreground(2)));
    }

    void megabyteLineWithColours()
    {
        QByteArray line;
        QString expected;
        for (int i = 0; line.size() < 1024 * 1024; ++i) {
            line.append("\x1b[" + QByteArray::number(31 + i % 2) + "mword ");
            expected.append(QStringLiteral("word "));
        }
        const AnsiLine parsed = Ansi::parseLine(line, nullptr);
        QCOMPARE(parsed.text, expected);
        QCOMPARE(parsed.spans.size(), expected.size() / 5);
    }

    void plainText_data()
    {
        QTest::addColumn<QByteArray>("line");
        QTest::addColumn<QString>("text");

        QTest::newRow("styled error") << QByteArray("\x1b[1;31mError:\x1b[0m file not found\r")
                                      << QStringLiteral("Error: file not found");
        QTest::newRow("spinner overwritten")
                << QByteArray("| working\r/ working\r- done   ") << QStringLiteral("- done   ");
        QTest::newRow("title and text")
                << QByteArray("\x1b]0;build\atarget built") << QStringLiteral("target built");
    }

    void plainText()
    {
        QFETCH(QByteArray, line);
        QFETCH(QString, text);
        QCOMPARE(Ansi::plainText(line), text);
    }

    void indexedColor_data()
    {
        QTest::addColumn<int>("index");
        QTest::addColumn<quint32>("rgb");

        QTest::newRow("black") << 0 << 0xff000000u;
        QTest::newRow("red") << 1 << 0xffcd0000u;
        QTest::newRow("blue") << 4 << 0xff0000eeu;
        QTest::newRow("white") << 7 << 0xffe5e5e5u;
        QTest::newRow("bright black") << 8 << 0xff7f7f7fu;
        QTest::newRow("bright blue") << 12 << 0xff5c5cffu;
        QTest::newRow("bright white") << 15 << 0xffffffffu;
        QTest::newRow("cube origin") << 16 << 0xff000000u;
        QTest::newRow("cube first blue step") << 17 << 0xff00005fu;
        QTest::newRow("cube full blue") << 21 << 0xff0000ffu;
        QTest::newRow("cube mixed") << 110 << 0xff87afd7u;
        QTest::newRow("cube full red") << 196 << 0xffff0000u;
        QTest::newRow("cube white") << 231 << 0xffffffffu;
        QTest::newRow("first grey") << 232 << 0xff080808u;
        QTest::newRow("middle grey") << 244 << 0xff808080u;
        QTest::newRow("last grey") << 255 << 0xffeeeeeeu;
    }

    void indexedColor()
    {
        QFETCH(int, index);
        QFETCH(quint32, rgb);
        QCOMPARE(Ansi::indexedColor(quint8(index)), rgb);
    }
};

QTEST_GUILESS_MAIN(TestAnsiParser)
#include "tst_ansiparser.moc"
