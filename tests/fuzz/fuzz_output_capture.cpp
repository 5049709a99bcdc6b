// OutputCapture equals a model in offsets, accounting, read(), rows and rowAt(), within its cap.
#include "fuzzinput.h"
#include "process/outputcapture.h"

#include <string>
#include <vector>

namespace {

// Everything ever appended, with absolute offsets; what the capture still holds starts at its
// startOffset(), which the model takes from it (eviction is the capture's choice) and checks.
class Model
{
public:
    struct Segment
    {
        qint64 offset = 0;
        qint64 length = 0;
        bool gap = false;
        qint64 dataBefore = 0; // data bytes in all earlier segments
    };
    struct Row
    {
        qint64 offset = 0;
        bool gap = false;
    };

    void append(QByteArrayView data)
    {
        if (data.isEmpty()) {
            return;
        }
        if (m_segments.empty() || m_segments.back().gap) {
            m_segments.push_back(Segment {m_end, 0, false, qint64(m_data.size())});
        }
        for (qsizetype i = 0; i < data.size(); ++i) {
            if (m_rowPending) {
                m_rows.push_back(Row {m_end + i, false});
                m_rowPending = false;
            }
            if (data.at(i) == '\n') {
                m_rowPending = true;
            }
        }
        m_data.append(data.data(), size_t(data.size()));
        m_segments.back().length += data.size();
        m_end += data.size();
        m_gapContinues = false;
    }

    void appendGap(qint64 bytes)
    {
        if (bytes <= 0) {
            return;
        }
        // Consecutive gaps are one row, unless clear() dropped the first.
        if (!m_gapContinues) {
            m_rows.push_back(Row {m_end, true});
            m_segments.push_back(Segment {m_end, 0, true, qint64(m_data.size())});
        } else if (!m_segments.back().gap) {
            std::abort();
        }
        m_segments.back().length += bytes;
        m_end += bytes;
        m_rowPending = true;
        m_gapContinues = true;
    }

    void clear() { m_gapContinues = false; }

    qint64 end() const { return m_end; }
    qint64 totalData() const { return qint64(m_data.size()); }
    qint64 rowCount() const { return qint64(m_rows.size()); }
    const Row &row(qint64 number) const { return m_rows[size_t(number)]; }

    // The segment holding `offset` (in [0, end)).
    const Segment &segmentAt(qint64 offset) const
    {
        const auto it = std::upper_bound(m_segments.begin(), m_segments.end(), offset,
                                         [](qint64 o, const Segment &s) { return o < s.offset; });
        return *(it - 1);
    }
    qint64 dataBefore(qint64 offset) const
    {
        if (offset >= m_end) {
            return totalData();
        }
        const Segment &s = segmentAt(offset);
        return s.dataBefore + (s.gap ? 0 : offset - s.offset);
    }
    char byteAt(qint64 offset) const
    {
        const Segment &s = segmentAt(offset);
        FUZZ_CHECK(!s.gap);
        return m_data[size_t(s.dataBefore + offset - s.offset)];
    }
    QByteArray bytes(qint64 offset, qint64 length) const
    {
        const Segment &s = segmentAt(offset);
        FUZZ_CHECK(!s.gap && offset + length <= s.offset + s.length);
        return QByteArray(m_data.data() + s.dataBefore + offset - s.offset, qsizetype(length));
    }
    // The number of the row holding `offset`.
    qint64 rowAt(qint64 offset) const
    {
        const auto it = std::upper_bound(m_rows.begin(), m_rows.end(), offset,
                                         [](qint64 o, const Row &r) { return o < r.offset; });
        return qint64(it - m_rows.begin()) - 1;
    }
    qint64 rowEnd(qint64 number) const
    {
        return number + 1 < rowCount() ? row(number + 1).offset : m_end;
    }

private:
    std::string m_data;
    std::vector<Segment> m_segments;
    std::vector<Row> m_rows;
    qint64 m_end = 0;
    bool m_rowPending = true;
    bool m_gapContinues = false;
};

class Checker
{
public:
    explicit Checker(qint64 cap)
        : m_capture(cap)
    { }

    OutputCapture &capture() { return m_capture; }
    Model &model() { return m_model; }

    // What must hold after every operation.
    void checkState()
    {
        const qint64 start = m_capture.startOffset();
        FUZZ_CHECK(m_capture.endOffset() == m_model.end());
        FUZZ_CHECK(start >= m_lastStart && start <= m_model.end());
        m_lastStart = start;
        if (start < m_model.end()) {
            // Eviction drops whole chunks, never a part of a gap.
            const Model::Segment &s = m_model.segmentAt(start);
            FUZZ_CHECK(!s.gap || s.offset == start);
        }
        FUZZ_CHECK(m_capture.evictedBytes() == m_model.dataBefore(start));
        FUZZ_CHECK(m_capture.retainedBytes() == m_model.totalData() - m_model.dataBefore(start));
        FUZZ_CHECK(m_capture.memoryUsage() >= 0);
        FUZZ_CHECK(m_capture.memoryUsage() <= m_capture.capBytes());
        FUZZ_CHECK(m_capture.firstRow() == firstRow());
        FUZZ_CHECK(m_capture.endRow() == m_model.rowCount());
        FUZZ_CHECK(m_capture.rowCount() == m_model.rowCount() - firstRow());
    }

    qint64 firstRow() const
    {
        const qint64 start = m_capture.startOffset();
        return start == m_model.end() ? m_model.rowCount() : m_model.rowAt(start);
    }

    void checkRead(qint64 offset, qint64 maxBytes)
    {
        qint64 next = -1;
        const QByteArray data = m_capture.read(offset, maxBytes, &next);
        const qint64 start = m_capture.startOffset();
        const qint64 from = std::clamp(offset, start, m_model.end());
        if (from == m_model.end() || maxBytes <= 0) {
            FUZZ_CHECK(data.isEmpty() && next == from);
            return;
        }
        const Model::Segment &s = m_model.segmentAt(from);
        if (s.gap) {
            FUZZ_CHECK(data.isEmpty() && next == s.offset + s.length);
            return;
        }
        const qint64 expected = std::min(maxBytes, s.offset + s.length - from);
        FUZZ_CHECK(data.size() == expected && next == from + expected);
        FUZZ_CHECK(data == m_model.bytes(from, expected));
    }

    void checkRow(qint64 number, qint64 maxBytes)
    {
        const OutputCapture::Row got = m_capture.row(number);
        const QByteArray text = m_capture.rowText(number, maxBytes);
        if (number < firstRow() || number >= m_model.rowCount()) {
            FUZZ_CHECK(got.kind == OutputCapture::Row::Text && got.offset == 0 && got.length == 0 &&
                       !got.complete);
            FUZZ_CHECK(text.isEmpty());
            return;
        }
        const Model::Row &row = m_model.row(number);
        const qint64 end = m_model.rowEnd(number);
        if (row.gap) {
            FUZZ_CHECK(got.kind == OutputCapture::Row::Gap && got.offset == row.offset &&
                       got.length == end - row.offset && !got.complete);
            FUZZ_CHECK(text.isEmpty());
            return;
        }
        // A first row whose start was evicted begins at the first retained byte.
        const qint64 offset = std::max(row.offset, m_capture.startOffset());
        const bool complete = m_model.byteAt(end - 1) == '\n';
        const qint64 length = end - offset - (complete ? 1 : 0);
        FUZZ_CHECK(got.kind == OutputCapture::Row::Text && got.offset == offset &&
                   got.length == length && got.complete == complete);
        const qint64 shown = std::max<qint64>(0, std::min(length, maxBytes));
        FUZZ_CHECK(text == (shown > 0 ? m_model.bytes(offset, shown) : QByteArray()));
    }

    void checkRowAt(qint64 offset)
    {
        const qint64 start = m_capture.startOffset();
        if (start == m_model.end()) {
            FUZZ_CHECK(m_capture.rowAt(offset) == -1);
            return;
        }
        FUZZ_CHECK(m_capture.rowAt(offset) ==
                   m_model.rowAt(std::clamp(offset, start, m_model.end() - 1)));
    }

    // A reader that loops on nextOffset gets every retained byte once, jumping over drops.
    void checkSweep(qint64 chunk)
    {
        qint64 offset = 0;
        qint64 bytes = 0;
        // Each read returns at least one byte or crosses a gap: bounded by bytes and rows.
        const qint64 reads = m_capture.retainedBytes() / chunk + m_capture.rowCount() + 16;
        for (qint64 guard = 0; guard < reads; ++guard) {
            qint64 next = 0;
            const QByteArray data = m_capture.read(offset, chunk, &next);
            FUZZ_CHECK(next >= offset || offset > m_model.end());
            if (data.isEmpty() && next == offset) {
                FUZZ_CHECK(next == m_model.end());
                FUZZ_CHECK(bytes == m_capture.retainedBytes());
                return;
            }
            if (!data.isEmpty()) {
                FUZZ_CHECK(data == m_model.bytes(next - data.size(), data.size()));
            }
            bytes += data.size();
            offset = next;
        }
        FUZZ_CHECK(false);
    }

    void checkAllRows(qint64 maxBytes)
    {
        const qint64 first = m_capture.firstRow();
        const qint64 last = std::min(m_capture.endRow(), first + 256);
        for (qint64 number = first - 1; number <= last; ++number) {
            checkRow(number, maxBytes);
        }
    }

private:
    OutputCapture m_capture;
    Model m_model;
    qint64 m_lastStart = 0;
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzInput input(data, size);
    // The minimum cap (128-byte chunks), odd ones, and one that never evicts here.
    static constexpr qint64 caps[] = {0, 1024, 1500, 4096, 10000, 65536, 1 << 20, 3333};
    Checker checker(caps[input.byte() % std::size(caps)]);
    OutputCapture &capture = checker.capture();
    Model &model = checker.model();
    qint64 generated = 0; // bounds the bytes repeated appends make, for speed
    // Offsets and rows for queries: around the retained range, a little outside it too.
    const auto anyOffset = [&](uint16_t pick) {
        const qint64 start = capture.startOffset();
        return start - 4 + qint64(pick) % (capture.endOffset() - start + 9);
    };
    const auto anyRow = [&](uint16_t pick) {
        return capture.firstRow() - 1 + qint64(pick) % (capture.rowCount() + 3);
    };

    while (!input.atEnd()) {
        const uint8_t op = input.byte();
        switch (op % 10) {
        case 0:
        case 1: { // bytes of the input
            const QByteArrayView chunk = input.take(input.byte());
            capture.append(chunk);
            model.append(chunk);
            break;
        }
        case 2: { // a run of one byte with a '\n' every `every` bytes
            qint64 count = input.u16();
            const char fill = char(input.byte());
            const uint8_t every = input.byte();
            count = std::min(count, std::max<qint64>(0, (256 << 10) - generated));
            generated += count;
            QByteArray run(qsizetype(count), fill);
            for (qint64 i = every; every != 0 && i <= count; i += every) {
                run[qsizetype(i - 1)] = '\n';
            }
            capture.append(run);
            model.append(run);
            break;
        }
        case 3: { // a dropped stretch (0: none)
            const qint64 bytes = qint64(input.u16()) - 1000;
            capture.appendGap(bytes);
            model.appendGap(bytes);
            break;
        }
        case 4:
            if (input.byte() < 64) {
                capture.clear();
                model.clear();
                FUZZ_CHECK(capture.startOffset() == capture.endOffset());
                FUZZ_CHECK(capture.retainedBytes() == 0 && capture.rowCount() == 0);
            }
            break;
        case 5: {
            const qint64 before = capture.memoryUsage();
            const qint64 target = qint64(input.u16()) * 4;
            const qint64 freed = capture.trimTo(target);
            FUZZ_CHECK(freed >= 0 && capture.memoryUsage() == before - freed);
            break;
        }
        case 6: {
            const qint64 offset = anyOffset(input.u16());
            checker.checkRead(offset, qint64(input.u16()) - 16);
            break;
        }
        case 7: {
            const qint64 number = anyRow(input.u16());
            checker.checkRow(number, qint64(input.byte()) * 16 - 32);
            checker.checkRowAt(anyOffset(input.u16()));
            break;
        }
        case 8:
            checker.checkSweep(1 + input.byte() * 37);
            break;
        case 9:
            checker.checkAllRows(1 << 20);
            break;
        }
        checker.checkState();
    }
    checker.checkSweep(4096);
    checker.checkAllRows(1 << 20);
    checker.checkRowAt(capture.startOffset());
    checker.checkRowAt(capture.endOffset());
    return 0;
}
