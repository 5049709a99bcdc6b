#include "process/headtailbuffer.h"

#include <QTest>

// Scenarios and expected values of Coder's agent/agentproc/headtail_test.go, with the exact
// formatted output spelled out where upstream only checks prefixes and suffixes.
class TestHeadTailBuffer : public QObject
{
    Q_OBJECT

private:
    static QByteArray repeated(char c, qsizetype count) { return QByteArray(count, c); }

    static QByteArray marker(qint64 omitted)
    {
        return "\n\n... [omitted " + QByteArray::number(omitted) + " bytes] ...\n\n";
    }

    // A line over the limit as upstream cuts it: MaxLineLength bytes, suffix included.
    static QByteArray cut(char c)
    {
        return QByteArray(HeadTailBuffer::MaxLineLength - HeadTailBuffer::TruncationSuffix.size(),
                          c) +
                HeadTailBuffer::TruncationSuffix.toByteArray();
    }

private Q_SLOTS:
    void constants()
    {
        QCOMPARE(HeadTailBuffer::MaxHeadBytes, 16384);
        QCOMPARE(HeadTailBuffer::MaxTailBytes, 16384);
        QCOMPARE(HeadTailBuffer::MaxLineLength, 2048);
        QCOMPARE(HeadTailBuffer::TruncationSuffix.size(), 16);
        QCOMPARE(HeadTailBuffer::TruncationSuffix.toByteArray(), QByteArray(" ... [truncated]"));
        QCOMPARE(HeadTailBuffer::Truncation::strategy(), QStringLiteral("head_tail"));
    }

    void output_data()
    {
        QTest::addColumn<qsizetype>("maxHead");
        QTest::addColumn<qsizetype>("maxTail");
        QTest::addColumn<QByteArrayList>("writes");
        QTest::addColumn<QByteArray>("expectedText");
        QTest::addColumn<bool>("truncated");
        QTest::addColumn<qint64>("originalBytes");
        QTest::addColumn<qint64>("retainedBytes");
        QTest::addColumn<qint64>("omittedBytes");
        QTest::addColumn<qsizetype>("expectedLength");
        QTest::addColumn<qint64>("expectedTotal");

        const qsizetype head = HeadTailBuffer::MaxHeadBytes;
        const qsizetype tail = HeadTailBuffer::MaxTailBytes;

        QTest::newRow("empty buffer")
                << head << tail << QByteArrayList() << QByteArray() << false << qint64(0)
                << qint64(0) << qint64(0) << qsizetype(0) << qint64(0);

        QTest::newRow("write empty slice")
                << head << tail << QByteArrayList {QByteArray()} << QByteArray() << false
                << qint64(0) << qint64(0) << qint64(0) << qsizetype(0) << qint64(0);

        QTest::newRow("small output, no truncation info")
                << head << tail << QByteArrayList {"hello world\n"} << QByteArray("hello world\n")
                << false << qint64(0) << qint64(0) << qint64(0) << qsizetype(12) << qint64(12);

        // 80-byte lines padded to exactly MaxHeadBytes, so no line is cut.
        const QByteArray line = repeated('x', 79) + '\n';
        QByteArray exact = line.repeated(head / line.size());
        exact += repeated('y', head - exact.size());
        QTest::newRow("exactly head size, no truncation info")
                << head << tail << QByteArrayList {exact} << exact << false << qint64(0)
                << qint64(0) << qint64(0) << head << qint64(head);

        QByteArrayList bytewise;
        for (const char c : QByteArrayView("hello world")) {
            bytewise.append(QByteArray(1, c));
        }
        QTest::newRow("multiple small writes")
                << head << tail << bytewise << QByteArray("hello world") << false << qint64(0)
                << qint64(0) << qint64(0) << qsizetype(11) << qint64(11);

        // Head full, tail holds the rest: contiguous, joined by a single newline.
        QTest::newRow("head plus tail without omission")
                << qsizetype(10) << qsizetype(10) << QByteArrayList {"0123456789abcdefghij"}
                << QByteArray("0123456789\nabcdefghij") << true << qint64(20) << qint64(21)
                << qint64(0) << qsizetype(20) << qint64(20);

        QTest::newRow("head full plus one byte")
                << qsizetype(10) << qsizetype(10) << QByteArrayList {"0123456789a"}
                << QByteArray("0123456789\na") << true << qint64(11) << qint64(12) << qint64(0)
                << qsizetype(11) << qint64(11);

        QTest::newRow("large output truncation")
                << qsizetype(10) << qsizetype(10)
                << QByteArrayList {repeated('A', 50) + repeated('Z', 50)}
                << QByteArray("AAAAAAAAAA\n\n... [omitted 80 bytes] ...\n\nZZZZZZZZZZ") << true
                << qint64(100) << qint64(50) << qint64(80) << qsizetype(20) << qint64(100);

        // Retained bytes count the formatted output, marker included: 10 + 30 + 10.
        QTest::newRow("truncation info fields")
                << qsizetype(10) << qsizetype(10) << QByteArrayList {repeated('D', 50)}
                << QByteArray("DDDDDDDDDD\n\n... [omitted 30 bytes] ...\n\nDDDDDDDDDD") << true
                << qint64(50) << qint64(50) << qint64(30) << qsizetype(20) << qint64(50);

        // 25 bytes into a 10-byte ring: it wraps 2.5 times and keeps the last 10 in order.
        QTest::newRow("ring buffer wraparound")
                << qsizetype(5) << qsizetype(10)
                << QByteArrayList {"HEADD", "0123456789", "abcdefghij", "ABCDE"}
                << QByteArray("HEADD\n\n... [omitted 15 bytes] ...\n\nfghijABCDE") << true
                << qint64(30) << qint64(45) << qint64(15) << qsizetype(15) << qint64(30);

        QTest::newRow("ring buffer wraparound after a full tail")
                << qsizetype(5) << qsizetype(10) << QByteArrayList {"01234", "abcdefghij", "ABCDE"}
                << QByteArray("01234\n\n... [omitted 5 bytes] ...\n\nfghijABCDE") << true
                << qint64(20) << qint64(44) << qint64(5) << qsizetype(15) << qint64(20);

        QTest::newRow("one write many times the ring")
                << qsizetype(3) << qsizetype(4) << QByteArrayList {"abc0123456789xyz"}
                << QByteArray("abc\n\n... [omitted 9 bytes] ...\n\n9xyz") << true << qint64(16)
                << qint64(36) << qint64(9) << qsizetype(7) << qint64(16);

        // A long line in the tail is cut like one in the head.
        const QByteArray longTail = repeated('T', HeadTailBuffer::MaxLineLength + 100) + '\n';
        const QByteArray longTailText = "head data goes here\n\n" + cut('T') + '\n';
        QTest::newRow("long line in tail")
                << qsizetype(20) << qsizetype(5000)
                << QByteArrayList {"head data goes here\n", longTail} << longTailText << true
                << qint64(20 + longTail.size()) << qint64(longTailText.size()) << qint64(0)
                << qsizetype(20 + longTail.size()) << qint64(20 + longTail.size());

        // Lines are cut even when the output is not head/tail truncated, without info.
        const QByteArray longLine = repeated('m', HeadTailBuffer::MaxLineLength + 500) + '\n';
        QTest::newRow("long line truncation, no info")
                << head << tail << QByteArrayList {longLine} << QByteArray(cut('m') + '\n') << false
                << qint64(0) << qint64(0) << qint64(0) << longLine.size()
                << qint64(longLine.size());

        const QByteArray shortLine = "short line\n";
        const QByteArray longMiddle = repeated('L', HeadTailBuffer::MaxLineLength + 100) + '\n';
        QTest::newRow("multiple lines truncated")
                << head << tail << QByteArrayList {shortLine + longMiddle + shortLine}
                << QByteArray(shortLine + cut('L') + '\n' + shortLine) << false << qint64(0)
                << qint64(0) << qint64(0) << 2 * shortLine.size() + longMiddle.size()
                << qint64(2 * shortLine.size() + longMiddle.size());
    }

    void output()
    {
        QFETCH(qsizetype, maxHead);
        QFETCH(qsizetype, maxTail);
        QFETCH(QByteArrayList, writes);
        QFETCH(QByteArray, expectedText);
        QFETCH(bool, truncated);
        QFETCH(qint64, originalBytes);
        QFETCH(qint64, retainedBytes);
        QFETCH(qint64, omittedBytes);
        QFETCH(qsizetype, expectedLength);
        QFETCH(qint64, expectedTotal);

        HeadTailBuffer buffer(maxHead, maxTail);
        for (const QByteArray &chunk : std::as_const(writes)) {
            buffer.write(chunk);
        }

        const HeadTailBuffer::Output output = buffer.output();
        QCOMPARE(output.text, expectedText);
        QCOMPARE(output.truncation.has_value(), truncated);
        if (truncated) {
            QCOMPARE(output.truncation->originalBytes, originalBytes);
            QCOMPARE(output.truncation->retainedBytes, retainedBytes);
            QCOMPARE(output.truncation->retainedBytes, output.text.size());
            QCOMPARE(output.truncation->omittedBytes, omittedBytes);
            QCOMPARE(output.truncation->strategy(), QStringLiteral("head_tail"));
        }
        QCOMPARE(buffer.length(), expectedLength);
        QCOMPARE(buffer.totalWritten(), expectedTotal);
    }

    void multiMegabytesStayBounded()
    {
        HeadTailBuffer buffer;
        const QByteArray chunk = repeated('x', 4096) + '\n';
        qint64 written = 0;
        while (written < 5 * 1024 * 1024) {
            buffer.write(chunk);
            written += chunk.size();
        }

        QVERIFY(buffer.length() <= HeadTailBuffer::MaxHeadBytes + HeadTailBuffer::MaxTailBytes);
        QCOMPARE(buffer.length(), HeadTailBuffer::MaxHeadBytes + HeadTailBuffer::MaxTailBytes);
        QCOMPARE(buffer.totalWritten(), written);

        const HeadTailBuffer::Output output = buffer.output();
        QVERIFY(output.truncation.has_value());
        QCOMPARE(output.truncation->originalBytes, written);
        QCOMPARE(output.truncation->omittedBytes,
                 written - HeadTailBuffer::MaxHeadBytes - HeadTailBuffer::MaxTailBytes);
        QVERIFY(output.truncation->omittedBytes > 0);
        QVERIFY(!output.text.isEmpty());
        QCOMPARE(output.truncation->retainedBytes, output.text.size());
        // Every line of the formatted output respects the line limit.
        for (const QByteArray &line : output.text.split('\n')) {
            QVERIFY(line.size() <= HeadTailBuffer::MaxLineLength);
        }
    }

    void longLineIsCutToTheLimit()
    {
        HeadTailBuffer buffer;
        buffer.write(QByteArray(repeated('m', HeadTailBuffer::MaxLineLength + 500) + '\n'));
        const QByteArrayList lines = buffer.output().text.chopped(1).split('\n');
        QCOMPARE(lines.size(), 1);
        QCOMPARE(lines.first().size(), HeadTailBuffer::MaxLineLength);
        QVERIFY(lines.first().endsWith("... [truncated]"));
    }

    void truncateLines_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QByteArray>("expected");

        const qsizetype max = HeadTailBuffer::MaxLineLength;
        QTest::newRow("empty") << QByteArray() << QByteArray();
        QTest::newRow("short text") << QByteArray("a\nb\n") << QByteArray("a\nb\n");
        QTest::newRow("line of exactly the limit") << repeated('a', max) << repeated('a', max);
        QTest::newRow("line one byte over the limit")
                << repeated('a', max + 1) << QByteArray(cut('a'));
        QTest::newRow("long text of short lines unchanged")
                << QByteArray("0123456789\n").repeated(400)
                << QByteArray("0123456789\n").repeated(400);
        QTest::newRow("newlines preserved around a long line")
                << QByteArray("\n" + repeated('b', max + 10) + "\n\n")
                << QByteArray("\n" + cut('b') + "\n\n");
        QTest::newRow("long last line without newline")
                << QByteArray("ok\n" + repeated('c', 3 * max)) << QByteArray("ok\n" + cut('c'));
        // Byte-based, as upstream: a multi-byte character may be split.
        const QByteArray euro = "\xe2\x82\xac";
        const QByteArray euros = euro.repeated(700); // 2100 bytes
        QTest::newRow("utf-8 cut inside a character")
                << euros
                << QByteArray(euros.first(max - HeadTailBuffer::TruncationSuffix.size()) +
                              HeadTailBuffer::TruncationSuffix.toByteArray());
    }

    void truncateLines()
    {
        QFETCH(QByteArray, text);
        QFETCH(QByteArray, expected);
        QCOMPARE(HeadTailBuffer::truncateLines(text), expected);
    }

    void reset()
    {
        HeadTailBuffer buffer(4, 4);
        buffer.write("some data");
        QVERIFY(buffer.length() > 0);

        buffer.reset();
        QCOMPARE(buffer.length(), 0);
        QCOMPARE(buffer.totalWritten(), 0);
        QVERIFY(buffer.output().text.isEmpty());
        QVERIFY(!buffer.output().truncation.has_value());
        QVERIFY(buffer.bytes().isEmpty());

        // Usable again, from scratch.
        buffer.write("abcdef");
        QCOMPARE(buffer.bytes(), QByteArray("abcdef"));
        QCOMPARE(buffer.output().text, QByteArray("abcd\nef"));
    }

    void bytesReturnsCopy()
    {
        HeadTailBuffer buffer;
        buffer.write("original");
        QByteArray bytes = buffer.bytes();
        QCOMPARE(bytes, QByteArray("original"));
        bytes[0] = 'X';
        QCOMPARE(buffer.bytes(), QByteArray("original"));
    }

    void bytesAreHeadThenOrderedTail()
    {
        HeadTailBuffer buffer(5, 10);
        buffer.write("HEADD");
        buffer.write("0123456789");
        buffer.write("abcdefghij");
        buffer.write("ABCDE");
        QCOMPARE(buffer.bytes(), QByteArray("HEADDfghijABCDE"));
        QCOMPARE(buffer.length(), 15);
        QCOMPARE(buffer.totalWritten(), 30);
    }

    void zeroSizedTailKeepsOnlyTheHead()
    {
        HeadTailBuffer buffer(4, 0);
        buffer.write("abcdefgh");
        QCOMPARE(buffer.bytes(), QByteArray("abcd"));
        QCOMPARE(buffer.length(), 4);
        QCOMPARE(buffer.totalWritten(), 8);
        // Upstream: with an empty tail the head is returned without truncation info.
        QCOMPARE(buffer.output().text, QByteArray("abcd"));
        QVERIFY(!buffer.output().truncation.has_value());
    }
};

QTEST_GUILESS_MAIN(TestHeadTailBuffer)
#include "tst_headtailbuffer.moc"
