#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>

#include <memory>

// The full output of one process, for people: a bounded store with a line index.
// Offsets are absolute: they count every byte the process wrote, dropped bytes included, so a
// client can resume a stream by offset. When the cap is reached the oldest data is dropped.
// Memory (data plus index) stays within the cap.
//
// Data lives in fixed-size chunks (cap / 8, at most 1 MiB) that are dropped whole from the
// front, so retention moves in steps of one chunk. Caps below 1 KiB are raised to 1 KiB.
// CR, CRLF and invalid UTF-8 are kept as bytes: presentation decides what they mean.
class OutputCapture
{
public:
    static constexpr qint64 DefaultCapBytes = 64 * 1024 * 1024;

    // A row of the view: a line of text, or a gap where bytes were dropped (a slow stream).
    struct Row
    {
        enum Kind { Text, Gap };
        Kind kind = Text;
        qint64 offset = 0; // absolute offset of the row's first byte (of the gap, for Gap)
        qint64 length = 0; // bytes of the line without its '\n', or bytes dropped for Gap
        bool complete = false; // Text: ends with '\n' (the last row may still be growing)
    };

    explicit OutputCapture(qint64 capBytes = DefaultCapBytes);
    ~OutputCapture();
    OutputCapture(const OutputCapture &) = delete;
    OutputCapture &operator=(const OutputCapture &) = delete;

    void append(QByteArrayView data);
    // Records that `bytes` were dropped at the current end (a stream client fell behind).
    // The next data starts a new row. Consecutive gaps make one (growing) Gap row.
    void appendGap(qint64 bytes);
    // Drops every retained byte and row, as eviction would: offsets and row numbers go on from
    // where they were, and the dropped bytes count as evicted.
    void clear();
    // Drops whole chunks from the front, as eviction would, until memoryUsage() is at most
    // `memoryBytes` or only the chunk being written is left. Returns the memory freed.
    qint64 trimTo(qint64 memoryBytes);

    qint64 capBytes() const;
    qint64 endOffset() const; // offset after the last byte (data and gaps)
    qint64 startOffset() const; // offset of the first retained byte
    qint64 evictedBytes() const; // data dropped from the front (the cap, or clear())
    qint64 retainedBytes() const; // data bytes held
    qint64 memoryUsage() const; // data plus index as allocated, in bytes

    // Rows have absolute numbers that never change; eviction raises firstRow().
    qint64 firstRow() const;
    qint64 rowCount() const; // retained rows, including a growing last row
    qint64 endRow() const { return firstRow() + rowCount(); }
    // number in [firstRow(), endRow()), else a default Row. When eviction cut the start of the
    // first row, its offset is startOffset() and its length counts the retained bytes only.
    Row row(qint64 number) const;
    // The row's bytes without '\n', at most maxBytes of them.
    QByteArray rowText(qint64 number, qint64 maxBytes = 64 * 1024) const;
    // The row holding `offset` (clamped to the retained range); -1 when empty.
    qint64 rowAt(qint64 offset) const;

    // Up to maxBytes retained data bytes from `offset`, clamped to [startOffset(), endOffset()].
    // The bytes returned are those at [*nextOffset - size, *nextOffset); any bytes in
    // [offset, *nextOffset - size) were dropped, by eviction or as a gap. Gaps hold no data and
    // a read never crosses one: it stops before a gap, and a read starting inside a gap returns
    // nothing with *nextOffset after it. At endOffset() it returns nothing and *nextOffset ==
    // endOffset() (lower than `offset` if that was past the end). So a caller that loops with
    // offset = *nextOffset gets every retained byte exactly once and sees each drop as a jump.
    QByteArray read(qint64 offset, qint64 maxBytes, qint64 *nextOffset = nullptr) const;

private:
    struct Private;
    std::unique_ptr<Private> d;
};
