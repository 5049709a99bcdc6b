#include "process/outputcapture.h"

#include <QRandomGenerator>
#include <QTest>

namespace {

// What the capture should hold, kept the simple way: every byte of the stream (gaps as '#'),
// the gaps, and where each row starts.
class Reference
{
public:
    void append(OutputCapture &capture, const QByteArray &data)
    {
        capture.append(data);
        if (!data.isEmpty()) {
            m_lastWasGap = false;
        }
        for (const char c : data) {
            if (m_rowPending) {
                m_rowStarts.append(m_stream.size());
                m_rowIsGap.append(false);
                m_rowPending = false;
            }
            m_stream.append(c);
            if (c == '\n') {
                m_rowPending = true;
            }
        }
    }

    void appendGap(OutputCapture &capture, qint64 bytes)
    {
        capture.appendGap(bytes);
        if (!m_lastWasGap) {
            m_rowStarts.append(m_stream.size());
            m_rowIsGap.append(true);
        }
        m_gaps.append({m_stream.size(), m_stream.size() + bytes});
        m_stream.append(QByteArray(bytes, '#'));
        m_rowPending = true;
        m_lastWasGap = true;
    }

    const QByteArray &stream() const { return m_stream; }

    bool inGap(qint64 offset) const
    {
        return std::any_of(m_gaps.begin(), m_gaps.end(), [offset](const auto &gap) {
            return offset >= gap.first && offset < gap.second;
        });
    }

    qint64 gapBytes() const
    {
        qint64 total = 0;
        for (const auto &gap : m_gaps) {
            total += gap.second - gap.first;
        }
        return total;
    }

    // Checks every retained row against the stream: numbers, offsets, lengths and text.
    // A failure returns from here only, so callers check QTest::currentTestFailed().
    void verifyRows(const OutputCapture &capture) const
    {
        QCOMPARE(capture.endRow(), m_rowStarts.size());
        if (capture.rowCount() > 0) {
            // The first row is the one holding the first retained byte, even if cut.
            const auto after =
                    std::upper_bound(m_rowStarts.begin(), m_rowStarts.end(), capture.startOffset());
            QCOMPARE(capture.firstRow(), after - m_rowStarts.begin() - 1);
        }
        for (qint64 n = capture.firstRow(); n < capture.endRow(); ++n) {
            const qint64 start = m_rowStarts.at(n);
            const qint64 end = n + 1 < m_rowStarts.size() ? m_rowStarts.at(n + 1) : m_stream.size();
            const OutputCapture::Row row = capture.row(n);
            if (m_rowIsGap.at(n)) {
                QCOMPARE(row.kind, OutputCapture::Row::Gap);
                QCOMPARE(row.offset, start);
                QCOMPARE(row.length, end - start);
                QVERIFY(capture.rowText(n).isEmpty());
                continue;
            }
            // Only the first row may have lost its start to eviction.
            const qint64 retainedStart = std::max(start, capture.startOffset());
            QVERIFY(start == retainedStart || n == capture.firstRow());
            const bool complete = m_stream.at(end - 1) == '\n' && !inGap(end - 1);
            QCOMPARE(row.kind, OutputCapture::Row::Text);
            QCOMPARE(row.offset, retainedStart);
            QCOMPARE(row.complete, complete);
            QCOMPARE(row.length, end - retainedStart - (complete ? 1 : 0));
            QCOMPARE(capture.rowText(n, 1 << 30), m_stream.mid(retainedStart, row.length));
            QCOMPARE(capture.rowAt(retainedStart), n);
            QCOMPARE(capture.rowAt(end - 1), n);
        }
    }

private:
    QByteArray m_stream;
    QList<qint64> m_rowStarts;
    QList<bool> m_rowIsGap;
    QList<std::pair<qint64, qint64>> m_gaps;
    bool m_rowPending = true;
    bool m_lastWasGap = false;
};

struct Piece
{
    qint64 offset = 0;
    QByteArray data;
};

// Loops read() as a stream client would, from `offset` to the end.
QList<Piece> readAll(const OutputCapture &capture, qint64 offset, QRandomGenerator &random)
{
    QList<Piece> pieces;
    for (int guard = 0; guard < 1000000; ++guard) {
        qint64 next = -1;
        const QByteArray data = capture.read(offset, random.bounded(1, 3000), &next);
        if (data.isEmpty() && next == offset) {
            return pieces;
        }
        if (!data.isEmpty()) {
            pieces.append({next - data.size(), data});
        }
        offset = next;
    }
    qFatal("read() made no progress");
}

QByteArray linesOf(QRandomGenerator &random, qsizetype bytes)
{
    QByteArray data;
    while (data.size() < bytes) {
        const int length = random.bounded(100) < 3 ? random.bounded(5000) : random.bounded(200);
        for (int i = 0; i < length; ++i) {
            data.append(char('a' + random.bounded(26)));
        }
        data.append('\n');
    }
    return data;
}

} // namespace

class TestOutputCapture : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void emptyCapture()
    {
        OutputCapture capture;
        QCOMPARE(capture.capBytes(), OutputCapture::DefaultCapBytes);
        QCOMPARE(capture.rowCount(), 0);
        QCOMPARE(capture.firstRow(), 0);
        QCOMPARE(capture.endRow(), 0);
        QCOMPARE(capture.rowAt(0), -1);
        QCOMPARE(capture.startOffset(), 0);
        QCOMPARE(capture.endOffset(), 0);
        QCOMPARE(capture.retainedBytes(), 0);
        QCOMPARE(capture.evictedBytes(), 0);
        QCOMPARE(capture.memoryUsage(), 0);
        QVERIFY(capture.rowText(0).isEmpty());
        qint64 next = -1;
        QVERIFY(capture.read(0, 100, &next).isEmpty());
        QCOMPARE(next, 0);

        capture.append(QByteArrayView());
        QCOMPARE(capture.rowCount(), 0);
        QCOMPARE(capture.memoryUsage(), 0);
    }

    void rows_data()
    {
        QTest::addColumn<QByteArrayList>("writes");
        QTest::addColumn<QByteArrayList>("texts");
        QTest::addColumn<QList<qint64>>("offsets");
        QTest::addColumn<QList<bool>>("complete");

        QTest::newRow("one complete line") << QByteArrayList {"hello\n"} << QByteArrayList {"hello"}
                                           << QList<qint64> {0} << QList<bool> {true};
        QTest::newRow("two lines") << QByteArrayList {"a\nbb\n"} << QByteArrayList {"a", "bb"}
                                   << QList<qint64> {0, 2} << QList<bool> {true, true};
        QTest::newRow("partial last row") << QByteArrayList {"a\nbc"} << QByteArrayList {"a", "bc"}
                                          << QList<qint64> {0, 2} << QList<bool> {true, false};
        QTest::newRow("empty lines") << QByteArrayList {"\n\n\n"} << QByteArrayList {"", "", ""}
                                     << QList<qint64> {0, 1, 2} << QList<bool> {true, true, true};
        QTest::newRow("line split across writes")
                << QByteArrayList {"ab", "c\nd", "e\n"} << QByteArrayList {"abc", "de"}
                << QList<qint64> {0, 4} << QList<bool> {true, true};
        QTest::newRow("newline alone in a write")
                << QByteArrayList {"ab", "\n", "cd"} << QByteArrayList {"ab", "cd"}
                << QList<qint64> {0, 3} << QList<bool> {true, false};
        QTest::newRow("crlf kept as bytes")
                << QByteArrayList {"a\r\nb\r\n"} << QByteArrayList {"a\r", "b\r"}
                << QList<qint64> {0, 3} << QList<bool> {true, true};
        QTest::newRow("carriage return kept inside a row")
                << QByteArrayList {"50%\r100%\n"} << QByteArrayList {"50%\r100%"}
                << QList<qint64> {0} << QList<bool> {true};
        QTest::newRow("empty writes change nothing")
                << QByteArrayList {"", "x", ""} << QByteArrayList {"x"} << QList<qint64> {0}
                << QList<bool> {false};
        QTest::newRow("invalid utf-8 kept as bytes")
                << QByteArrayList {"\xff\xfe\n\xc3"} << QByteArrayList {"\xff\xfe", "\xc3"}
                << QList<qint64> {0, 3} << QList<bool> {true, false};
    }

    void rows()
    {
        QFETCH(QByteArrayList, writes);
        QFETCH(QByteArrayList, texts);
        QFETCH(QList<qint64>, offsets);
        QFETCH(QList<bool>, complete);

        OutputCapture capture;
        qint64 total = 0;
        for (const QByteArray &data : std::as_const(writes)) {
            capture.append(data);
            total += data.size();
        }
        QCOMPARE(capture.firstRow(), 0);
        QCOMPARE(capture.rowCount(), texts.size());
        QCOMPARE(capture.endOffset(), total);
        QCOMPARE(capture.retainedBytes(), total);
        QCOMPARE(capture.startOffset(), 0);
        for (qsizetype n = 0; n < texts.size(); ++n) {
            const OutputCapture::Row row = capture.row(n);
            QCOMPARE(row.kind, OutputCapture::Row::Text);
            QCOMPARE(row.offset, offsets.at(n));
            QCOMPARE(row.length, texts.at(n).size());
            QCOMPARE(row.complete, complete.at(n));
            QCOMPARE(capture.rowText(n), texts.at(n));
        }
        // Outside the range: a default row, no text.
        QCOMPARE(capture.row(texts.size()).length, 0);
        QCOMPARE(capture.row(-1).length, 0);
        QVERIFY(capture.rowText(texts.size()).isEmpty());
    }

    void partialRowGrowsThenCompletes()
    {
        OutputCapture capture;
        capture.append("abc");
        QCOMPARE(capture.rowCount(), 1);
        QCOMPARE(capture.row(0).length, 3);
        QVERIFY(!capture.row(0).complete);

        capture.append("def");
        QCOMPARE(capture.rowCount(), 1);
        QCOMPARE(capture.row(0).length, 6);
        QVERIFY(!capture.row(0).complete);

        capture.append("\n");
        QCOMPARE(capture.rowCount(), 1);
        QCOMPARE(capture.row(0).length, 6);
        QVERIFY(capture.row(0).complete);
        QCOMPARE(capture.rowText(0), QByteArray("abcdef"));

        capture.append("g");
        QCOMPARE(capture.rowCount(), 2);
        QCOMPARE(capture.row(1).offset, 7);
        QVERIFY(!capture.row(1).complete);
    }

    void rowTextStopsAtMaxBytes()
    {
        OutputCapture capture;
        capture.append(QByteArray(QByteArray(100, 'x') + "\nshort\n"));
        QCOMPARE(capture.rowText(0, 10), QByteArray(10, 'x'));
        QCOMPARE(capture.rowText(0), QByteArray(100, 'x'));
        QCOMPARE(capture.rowText(1, 10), QByteArray("short"));
        QVERIFY(capture.rowText(1, 0).isEmpty());
    }

    void rowAt_data()
    {
        QTest::addColumn<qint64>("offset");
        QTest::addColumn<qint64>("expectedRow");

        // "ab\ncd\n\nef": rows at 0, 3, 6 and 7.
        QTest::newRow("first byte") << qint64(0) << qint64(0);
        QTest::newRow("inside the first row") << qint64(1) << qint64(0);
        QTest::newRow("a newline belongs to its row") << qint64(2) << qint64(0);
        QTest::newRow("start of the second row") << qint64(3) << qint64(1);
        QTest::newRow("empty row") << qint64(6) << qint64(2);
        QTest::newRow("growing last row") << qint64(8) << qint64(3);
        QTest::newRow("before the start is clamped") << qint64(-5) << qint64(0);
        QTest::newRow("the end is clamped") << qint64(9) << qint64(3);
        QTest::newRow("past the end is clamped") << qint64(1000) << qint64(3);
    }

    void rowAt()
    {
        QFETCH(qint64, offset);
        QFETCH(qint64, expectedRow);
        OutputCapture capture;
        capture.append("ab\ncd\n\nef");
        QCOMPARE(capture.rowAt(offset), expectedRow);
    }

    void gapRows()
    {
        OutputCapture capture;
        capture.append("ab\nc");
        capture.appendGap(100);
        capture.append("d\n");

        QCOMPARE(capture.rowCount(), 4);
        QCOMPARE(capture.endOffset(), 106);
        QCOMPARE(capture.retainedBytes(), 6);
        QCOMPARE(capture.evictedBytes(), 0);

        QCOMPARE(capture.row(0).kind, OutputCapture::Row::Text);
        QVERIFY(capture.row(0).complete);
        // The row before a gap ends there, without '\n'.
        QCOMPARE(capture.row(1).offset, 3);
        QCOMPARE(capture.row(1).length, 1);
        QVERIFY(!capture.row(1).complete);
        QCOMPARE(capture.rowText(1), QByteArray("c"));

        const OutputCapture::Row gap = capture.row(2);
        QCOMPARE(gap.kind, OutputCapture::Row::Gap);
        QCOMPARE(gap.offset, 4);
        QCOMPARE(gap.length, 100);
        QVERIFY(capture.rowText(2).isEmpty());

        QCOMPARE(capture.row(3).offset, 104);
        QCOMPARE(capture.rowText(3), QByteArray("d"));
        QVERIFY(capture.row(3).complete);

        QCOMPARE(capture.rowAt(4), 2);
        QCOMPARE(capture.rowAt(50), 2);
        QCOMPARE(capture.rowAt(103), 2);
        QCOMPARE(capture.rowAt(104), 3);

        // Reading stops before the gap, skips it, then goes on after it.
        qint64 next = -1;
        QCOMPARE(capture.read(0, 1000, &next), QByteArray("ab\nc"));
        QCOMPARE(next, 4);
        QVERIFY(capture.read(next, 1000, &next).isEmpty());
        QCOMPARE(next, 104);
        QCOMPARE(capture.read(50, 1000, &next), QByteArray());
        QCOMPARE(next, 104);
        QCOMPARE(capture.read(104, 1000, &next), QByteArray("d\n"));
        QCOMPARE(next, 106);
        QVERIFY(capture.read(106, 1000, &next).isEmpty());
        QCOMPARE(next, 106);
    }

    void gapsInARowMerge()
    {
        OutputCapture capture;
        capture.appendGap(5);
        capture.appendGap(7);
        QCOMPARE(capture.rowCount(), 1);
        QCOMPARE(capture.row(0).kind, OutputCapture::Row::Gap);
        QCOMPARE(capture.row(0).length, 12);
        QCOMPARE(capture.startOffset(), 0);
        QCOMPARE(capture.endOffset(), 12);
        QCOMPARE(capture.retainedBytes(), 0);
        QCOMPARE(capture.rowAt(0), 0);

        capture.appendGap(0); // nothing dropped, nothing recorded
        capture.append("x\n");
        capture.appendGap(3);
        QCOMPARE(capture.rowCount(), 3);
        QCOMPARE(capture.row(1).offset, 12);
        QCOMPARE(capture.row(2).kind, OutputCapture::Row::Gap);
        QCOMPARE(capture.row(2).offset, 14);
        QCOMPARE(capture.endOffset(), 17);
    }

    void evictionKeepsMemoryWithinCap()
    {
        QRandomGenerator random(20240611);
        OutputCapture capture(64 * 1024);
        Reference reference;
        const QByteArray data = linesOf(random, 4 * 1024 * 1024);
        qint64 position = 0;
        qint64 firstRow = 0;
        int step = 0;
        while (position < data.size()) {
            const qsizetype size =
                    std::min<qsizetype>(random.bounded(1, 20000), data.size() - position);
            reference.append(capture, data.mid(position, size));
            position += size;

            QVERIFY(capture.memoryUsage() <= capture.capBytes());
            QCOMPARE(capture.evictedBytes() + capture.retainedBytes(), position);
            QCOMPARE(capture.endOffset(), position);
            QCOMPARE(capture.startOffset(), capture.evictedBytes());
            QVERIFY(capture.firstRow() >= firstRow);
            firstRow = capture.firstRow();
            if (++step % 50 == 0) {
                reference.verifyRows(capture);
                QVERIFY(!QTest::currentTestFailed());
            }
        }
        QVERIFY(capture.evictedBytes() > 0);
        // Whole-chunk eviction still keeps most of the cap in use.
        QVERIFY(capture.retainedBytes() > capture.capBytes() / 2);
        reference.verifyRows(capture);
        QVERIFY(!QTest::currentTestFailed());

        qint64 next = -1;
        QCOMPARE(capture.read(0, 1 << 30, &next), data.sliced(capture.startOffset()));
        QCOMPARE(next, capture.endOffset());
    }

    void rowNumbersStayStableAcrossEviction()
    {
        OutputCapture capture(4096);
        for (int i = 0; i < 2000; ++i) {
            capture.append(QByteArray(QByteArrayLiteral("line ") + QByteArray::number(i) + '\n'));
            QVERIFY(capture.memoryUsage() <= capture.capBytes());
        }
        QVERIFY(capture.firstRow() > 0);
        QCOMPARE(capture.endRow(), 2000);
        for (qint64 n = capture.firstRow(); n < capture.endRow(); ++n) {
            const QByteArray text = capture.rowText(n);
            // The first row may have lost its start; its end is still the right line's.
            if (n == capture.firstRow()) {
                QVERIFY(QByteArray("line " + QByteArray::number(n)).endsWith(text));
            } else {
                QCOMPARE(text, QByteArray("line " + QByteArray::number(n)));
            }
        }
    }

    void readLoopsFromAnyOffset()
    {
        QRandomGenerator random(7);
        OutputCapture capture(8 * 1024);
        Reference reference;
        for (int i = 0; i < 400; ++i) {
            if (random.bounded(10) == 0) {
                reference.appendGap(capture, random.bounded(1, 300));
            } else {
                reference.append(capture, linesOf(random, random.bounded(1, 400)));
            }
            QVERIFY(capture.memoryUsage() <= capture.capBytes());
        }
        QCOMPARE(capture.evictedBytes() + capture.retainedBytes() + reference.gapBytes(),
                 capture.endOffset());
        reference.verifyRows(capture);
        QVERIFY(!QTest::currentTestFailed());

        const QByteArray &stream = reference.stream();
        QList<qint64> starts = {0,
                                capture.startOffset() - 1,
                                capture.startOffset(),
                                capture.endOffset() - 1,
                                capture.endOffset(),
                                capture.endOffset() + 10};
        for (int i = 0; i < 50; ++i) {
            starts.append(random.bounded(capture.startOffset(), capture.endOffset()));
        }
        for (const qint64 start : std::as_const(starts)) {
            const QList<Piece> pieces = readAll(capture, start, random);
            qint64 expectedBytes = 0;
            for (qint64 o = std::max(start, capture.startOffset()); o < capture.endOffset(); ++o) {
                expectedBytes += reference.inGap(o) ? 0 : 1;
            }
            qint64 position = std::max(start, capture.startOffset());
            qint64 bytes = 0;
            for (const Piece &piece : pieces) {
                // Whatever a jump skipped is a gap, never data.
                for (qint64 o = position; o < piece.offset; ++o) {
                    QVERIFY2(reference.inGap(o), qPrintable(QString::number(o)));
                }
                QCOMPARE(piece.data, stream.mid(piece.offset, piece.data.size()));
                position = piece.offset + piece.data.size();
                bytes += piece.data.size();
            }
            QCOMPARE(bytes, expectedBytes);
        }

        // A read from before the start jumps to it: the evicted bytes are a visible drop.
        qint64 next = -1;
        const QByteArray data = capture.read(0, 10, &next);
        QVERIFY(next - data.size() >= capture.startOffset());
        // Past the end: nothing, and the end to resume from.
        QVERIFY(capture.read(capture.endOffset() + 10, 10, &next).isEmpty());
        QCOMPARE(next, capture.endOffset());
    }

    void hugeLineWithoutNewline()
    {
        const qint64 cap = 1024 * 1024;
        OutputCapture capture(cap);
        QByteArray piece(64 * 1024, Qt::Uninitialized);
        qint64 total = 0;
        while (total < 10 * 1024 * 1024) {
            for (qsizetype i = 0; i < piece.size(); ++i) {
                piece[i] = char('a' + (total + i) % 26);
            }
            capture.append(piece);
            total += piece.size();
            QVERIFY(capture.memoryUsage() <= cap);
        }
        QCOMPARE(capture.rowCount(), 1);
        QCOMPARE(capture.firstRow(), 0);
        QVERIFY(capture.evictedBytes() > 0);
        QCOMPARE(capture.evictedBytes() + capture.retainedBytes(), total);

        const OutputCapture::Row row = capture.row(0);
        QCOMPARE(row.offset, capture.startOffset());
        QCOMPARE(row.length, capture.retainedBytes());
        QVERIFY(!row.complete);
        const QByteArray text = capture.rowText(0, 100);
        QCOMPARE(text.size(), 100);
        for (qsizetype i = 0; i < text.size(); ++i) {
            QCOMPARE(text.at(i), char('a' + (row.offset + i) % 26));
        }
        QCOMPARE(capture.rowText(0, 1 << 30).size(), capture.retainedBytes());
        QCOMPARE(capture.rowAt(capture.startOffset()), 0);
        QCOMPARE(capture.rowAt(capture.endOffset() - 1), 0);

        capture.append("\nnext\n");
        QCOMPARE(capture.rowCount(), 2);
        QVERIFY(capture.row(0).complete);
        QCOMPARE(capture.row(0).length, capture.retainedBytes() - 6);
        QCOMPARE(capture.rowText(1), QByteArray("next"));

        // Once the long line is gone entirely, the first row is the next one.
        for (int i = 0; i < 20000; ++i) {
            capture.append(QByteArray(QByteArray(99, 'z') + '\n'));
        }
        QVERIFY(capture.firstRow() > 2);
        QCOMPARE(capture.row(capture.firstRow()).offset, capture.startOffset());
        QVERIFY(capture.memoryUsage() <= cap);
    }

    void lineSplitAcrossChunksComesBackWhole()
    {
        // A 4 KiB cap uses 512-byte chunks: a 1500-byte line spans several.
        OutputCapture capture(4096);
        QByteArray line;
        for (int i = 0; i < 1500; ++i) {
            line.append(char('A' + i % 26));
        }
        capture.append("before\n");
        capture.append(line.first(700));
        capture.append(QByteArray(line.sliced(700) + "\nafter\n"));
        QCOMPARE(capture.evictedBytes(), 0);
        QCOMPARE(capture.rowCount(), 3);
        QCOMPARE(capture.rowText(1), line);
        QCOMPARE(capture.rowText(2), QByteArray("after"));
        QCOMPARE(capture.rowAt(7 + 1000), 1);
    }

    void tinyCapWithOnlyNewlines()
    {
        // One row start per byte is the worst case for the index.
        OutputCapture capture(0);
        QCOMPARE(capture.capBytes(), 1024);
        for (int i = 0; i < 1000; ++i) {
            capture.append(QByteArray(97, '\n'));
            QVERIFY(capture.memoryUsage() <= capture.capBytes());
        }
        QCOMPARE(capture.endRow(), 97000);
        QCOMPARE(capture.evictedBytes() + capture.retainedBytes(), 97000);
        QCOMPARE(capture.rowCount(), capture.retainedBytes());
        QVERIFY(capture.row(capture.endRow() - 1).complete);
        QCOMPARE(capture.row(capture.endRow() - 1).length, 0);
    }

    void manyGapsStayWithinCap()
    {
        OutputCapture capture(4096);
        for (int i = 0; i < 5000; ++i) {
            capture.append("x");
            capture.appendGap(1);
            QVERIFY(capture.memoryUsage() <= capture.capBytes());
        }
        QCOMPARE(capture.endOffset(), 10000);
        QCOMPARE(capture.endRow(), 10000);
        QCOMPARE(capture.row(capture.endRow() - 1).kind, OutputCapture::Row::Gap);
        QCOMPARE(capture.rowText(capture.endRow() - 2), QByteArray("x"));
    }

    void rowsAtEveryAlignment_data()
    {
        QTest::addColumn<int>("newlineOneIn");
        QTest::addColumn<int>("maxPiece");
        QTest::newRow("every other byte, tiny pieces") << 2 << 7;
        QTest::newRow("every other byte, large pieces") << 2 << 4096;
        QTest::newRow("dense, odd pieces") << 5 << 33;
        QTest::newRow("log lines") << 80 << 1000;
        QTest::newRow("sparse, pieces below a vector") << 300 << 15;
        QTest::newRow("no newlines") << 0 << 100;
    }

    // Newline scanning works on 16-byte blocks: rows must come out right wherever a newline
    // falls relative to a block, a piece and a chunk boundary.
    void rowsAtEveryAlignment()
    {
        QFETCH(int, newlineOneIn);
        QFETCH(int, maxPiece);
        QRandomGenerator random(quint32(newlineOneIn * 7919 + maxPiece));
        OutputCapture capture(1024 * 1024);
        Reference reference;
        qint64 total = 0;
        while (total < 200'000) {
            const int size = int(random.bounded(1, maxPiece + 1));
            QByteArray piece(size, Qt::Uninitialized);
            for (char &c : piece) {
                c = newlineOneIn > 0 && random.bounded(newlineOneIn) == 0
                        ? '\n'
                        : char('a' + random.bounded(26));
            }
            reference.append(capture, piece);
            total += size;
        }
        reference.verifyRows(capture);
        QVERIFY(!QTest::currentTestFailed());
    }

    void clear()
    {
        OutputCapture capture(4096);
        capture.append("one\ntwo\nthr");
        capture.clear();
        QCOMPARE(capture.rowCount(), 0);
        QCOMPARE(capture.retainedBytes(), 0);
        QCOMPARE(capture.memoryUsage(), 0);
        QCOMPARE(capture.rowAt(0), -1);
        QCOMPARE(capture.endOffset(), 11);
        QCOMPARE(capture.startOffset(), 11);
        QCOMPARE(capture.evictedBytes(), 11);
        QCOMPARE(capture.firstRow(), capture.endRow());
        qint64 next = -1;
        QVERIFY(capture.read(0, 100, &next).isEmpty());
        QCOMPARE(next, 11);

        // Offsets and row numbers go on: the unfinished third row continues.
        capture.append("ee\nfour\n");
        QCOMPARE(capture.firstRow(), 2);
        QCOMPARE(capture.rowCount(), 2);
        QCOMPARE(capture.row(2).offset, 11);
        QCOMPARE(capture.rowText(2), QByteArray("ee"));
        QCOMPARE(capture.rowText(3), QByteArray("four"));

        capture.clear();
        capture.append("five\n");
        QCOMPARE(capture.firstRow(), 4);
        QCOMPARE(capture.row(4).offset, 19);
        QCOMPARE(capture.rowText(4), QByteArray("five"));
    }
};

QTEST_GUILESS_MAIN(TestOutputCapture)
#include "tst_outputcapture.moc"
