#include "process/outputcapture.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <deque>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace {

constexpr qint64 MinimumCapBytes = 1024;
constexpr qsizetype MaximumChunkBytes = 1024 * 1024;
constexpr qsizetype MinimumChunkBytes = 128;

// A run of data bytes with the starts of the rows that begin in it, or a gap. Row starts are
// in-chunk offsets, 4 bytes a row, so the index of an 80-byte-line log costs 5% of its data.
struct Chunk
{
    qint64 offset = 0; // absolute offset of the first byte (of the gap)
    qint64 firstRow = 0; // number of the first row that starts here (the gap's row)
    qint64 gapBytes = 0; // non-zero: a gap, no data
    std::unique_ptr<char[]> data;
    qsizetype capacity = 0;
    qsizetype size = 0;
    std::unique_ptr<quint32[]> rowStarts;
    qsizetype rowStartCapacity = 0;
    qsizetype rowStartCount = 0;

    bool isGap() const { return gapBytes > 0; }
    qint64 endOffset() const { return offset + (isGap() ? gapBytes : size); }
    // What memoryUsage() counts: bytes allocated, used or not, and the bookkeeping itself.
    qint64 memory() const
    {
        return capacity + rowStartCapacity * qint64(sizeof(quint32)) + qint64(sizeof(Chunk));
    }
};

} // namespace

struct OutputCapture::Private
{
    explicit Private(qint64 capBytes)
        : cap(std::max(capBytes, MinimumCapBytes))
        // An eighth of the cap: even when every byte is a '\n' (a 4-byte row start per byte)
        // a chunk takes 5/8 of it, so the chunk being written fits once the others are gone.
        , chunkBytes(qsizetype(std::clamp<qint64>(cap / 8, MinimumChunkBytes, MaximumChunkBytes)))
    { }

    void append(const char *data, qsizetype size);
    void appendGap(qint64 bytes);
    void clear();

    Chunk &newDataChunk();
    void indexRows(Chunk &chunk, qsizetype from, qsizetype length);
    void addRowStart(Chunk &chunk, qsizetype position)
    {
        if (chunk.rowStartCount == chunk.rowStartCapacity) {
            growRowStarts(chunk);
        }
        chunk.rowStarts[chunk.rowStartCount++] = quint32(position);
        ++nextRow;
    }
    void growRowStarts(Chunk &chunk);
    void shrinkToFit(Chunk &chunk);
    // Drops chunks from the front until `incoming` more bytes fit, keeping the last `keep`.
    std::unique_ptr<char[]> makeRoom(qint64 incoming, qsizetype keep);
    Chunk evictFront();

    qint64 startOffset() const { return chunks.empty() ? end : chunks.front().offset; }
    qint64 firstRow() const;
    qsizetype chunkOfRow(qint64 number) const;
    qsizetype chunkAtOffset(qint64 offset) const;
    qint64 rowStartOffset(qint64 number) const;
    char byteAt(qint64 offset) const;
    QByteArray copy(qint64 offset, qint64 length) const;

    const qint64 cap;
    const qsizetype chunkBytes;
    std::deque<Chunk> chunks;
    qint64 end = 0;
    qint64 nextRow = 0;
    qint64 memory = 0;
    qint64 retained = 0;
    qint64 evicted = 0;
    bool rowPending = true; // the next data byte starts a row
};

void OutputCapture::Private::append(const char *data, qsizetype size)
{
    while (size > 0) {
        Chunk *chunk = chunks.empty() ? nullptr : &chunks.back();
        if (!chunk || chunk->isGap() || chunk->size == chunk->capacity) {
            chunk = &newDataChunk();
        }
        const qsizetype take = std::min(size, chunk->capacity - chunk->size);
        std::memcpy(chunk->data.get() + chunk->size, data, size_t(take));
        indexRows(*chunk, chunk->size, take);
        chunk->size += take;
        retained += take;
        end += take;
        data += take;
        size -= take;
    }
}

void OutputCapture::Private::indexRows(Chunk &chunk, qsizetype from, qsizetype length)
{
    if (rowPending) {
        addRowStart(chunk, from);
        rowPending = false;
    }
    const char *const base = chunk.data.get();
    const char *p = base + from;
    const char *const stop = p + length;
    const auto onNewline = [&](const char *newline) {
        const char *next = newline + 1;
        if (next < stop) {
            addRowStart(chunk, next - base);
        } else {
            // A row exists once its first byte does, so an output ending in '\n' has no
            // empty last row.
            rowPending = true;
        }
    };
#if defined(__SSE2__)
    // One compare per 16 bytes. With short rows (`yes` writes 2-byte rows) a memchr call per
    // row was 80% of ingest; this scan is about 8x faster there and no slower on long rows.
    const __m128i newlines = _mm_set1_epi8('\n');
    for (; stop - p >= 16; p += 16) {
        const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i *>(p));
        auto mask = unsigned(_mm_movemask_epi8(_mm_cmpeq_epi8(block, newlines)));
        while (mask != 0) {
            onNewline(p + std::countr_zero(mask));
            mask &= mask - 1;
        }
    }
#endif
    while (p < stop) {
        const auto *newline = static_cast<const char *>(std::memchr(p, '\n', size_t(stop - p)));
        if (!newline) {
            break;
        }
        onNewline(newline);
        p = newline + 1;
    }
}

Chunk &OutputCapture::Private::newDataChunk()
{
    const qsizetype initialRowStarts = std::max<qsizetype>(chunkBytes / 64, 4);
    Chunk chunk;
    chunk.capacity = chunkBytes;
    chunk.rowStartCapacity = initialRowStarts;
    chunk.data = makeRoom(chunk.memory(), 0);
    if (!chunk.data) {
        chunk.data = std::make_unique_for_overwrite<char[]>(size_t(chunkBytes));
    }
    chunk.rowStarts = std::make_unique_for_overwrite<quint32[]>(size_t(initialRowStarts));
    chunk.offset = end;
    chunk.firstRow = nextRow;
    memory += chunk.memory();
    chunks.push_back(std::move(chunk));
    return chunks.back();
}

void OutputCapture::Private::growRowStarts(Chunk &chunk)
{
    // A chunk cannot hold more row starts than bytes; that bound keeps it within the cap.
    const qsizetype capacity = std::min(chunk.rowStartCapacity * 2, chunk.capacity);
    Q_ASSERT(capacity > chunk.rowStartCount);
    makeRoom((capacity - chunk.rowStartCapacity) * qint64(sizeof(quint32)), 1);
    auto rowStarts = std::make_unique_for_overwrite<quint32[]>(size_t(capacity));
    std::copy_n(chunk.rowStarts.get(), chunk.rowStartCount, rowStarts.get());
    memory -= chunk.memory();
    chunk.rowStarts = std::move(rowStarts);
    chunk.rowStartCapacity = capacity;
    memory += chunk.memory();
}

void OutputCapture::Private::shrinkToFit(Chunk &chunk)
{
    memory -= chunk.memory();
    if (chunk.capacity > chunk.size) {
        auto data = std::make_unique_for_overwrite<char[]>(size_t(chunk.size));
        std::memcpy(data.get(), chunk.data.get(), size_t(chunk.size));
        chunk.data = std::move(data);
        chunk.capacity = chunk.size;
    }
    if (chunk.rowStartCapacity > chunk.rowStartCount) {
        auto rowStarts = std::make_unique_for_overwrite<quint32[]>(size_t(chunk.rowStartCount));
        std::copy_n(chunk.rowStarts.get(), chunk.rowStartCount, rowStarts.get());
        chunk.rowStarts = std::move(rowStarts);
        chunk.rowStartCapacity = chunk.rowStartCount;
    }
    memory += chunk.memory();
}

std::unique_ptr<char[]> OutputCapture::Private::makeRoom(qint64 incoming, qsizetype keep)
{
    // A full-size buffer of an evicted chunk is handed back for reuse: writing into memory
    // that is already mapped is much faster than faulting in fresh pages.
    std::unique_ptr<char[]> reusable;
    while (memory + incoming > cap && qsizetype(chunks.size()) > keep) {
        Chunk evictedChunk = evictFront();
        if (evictedChunk.capacity == chunkBytes && !reusable) {
            reusable = std::move(evictedChunk.data);
        }
    }
    Q_ASSERT(memory + incoming <= cap);
    return reusable;
}

Chunk OutputCapture::Private::evictFront()
{
    Chunk chunk = std::move(chunks.front());
    chunks.pop_front();
    memory -= chunk.memory();
    if (!chunk.isGap()) {
        retained -= chunk.size;
        evicted += chunk.size;
    }
    return chunk;
}

void OutputCapture::Private::appendGap(qint64 bytes)
{
    if (bytes <= 0) {
        return;
    }
    end += bytes;
    rowPending = true;
    if (!chunks.empty() && chunks.back().isGap()) {
        chunks.back().gapBytes += bytes;
        return;
    }
    // Data after the gap goes to a chunk of its own; the unused part of this one would be
    // dead weight within the cap.
    if (!chunks.empty()) {
        shrinkToFit(chunks.back());
    }
    Chunk gap;
    gap.offset = end - bytes;
    gap.firstRow = nextRow++;
    gap.gapBytes = bytes;
    makeRoom(gap.memory(), 0);
    memory += gap.memory();
    chunks.push_back(std::move(gap));
}

void OutputCapture::Private::clear()
{
    while (!chunks.empty()) {
        evictFront();
    }
}

qint64 OutputCapture::Private::firstRow() const
{
    if (chunks.empty()) {
        return nextRow;
    }
    const Chunk &front = chunks.front();
    // Data that does not begin with a row start continues a row whose start was evicted.
    if (!front.isGap() && (front.rowStartCount == 0 || front.rowStarts[0] != 0)) {
        return front.firstRow - 1;
    }
    return front.firstRow;
}

// The chunk where row `number` starts; -1 for a first row whose start was evicted.
qsizetype OutputCapture::Private::chunkOfRow(qint64 number) const
{
    // Chunks without row starts share firstRow with the next chunk, so the last chunk whose
    // firstRow is not above `number` is the one holding its start.
    const auto it = std::upper_bound(chunks.begin(), chunks.end(), number,
                                     [](qint64 row, const Chunk &c) { return row < c.firstRow; });
    return qsizetype(it - chunks.begin()) - 1;
}

qsizetype OutputCapture::Private::chunkAtOffset(qint64 offset) const
{
    const auto it = std::upper_bound(chunks.begin(), chunks.end(), offset,
                                     [](qint64 at, const Chunk &c) { return at < c.offset; });
    return qsizetype(it - chunks.begin()) - 1;
}

qint64 OutputCapture::Private::rowStartOffset(qint64 number) const
{
    const qsizetype index = chunkOfRow(number);
    if (index < 0) {
        return startOffset();
    }
    const Chunk &chunk = chunks[size_t(index)];
    if (chunk.isGap()) {
        return chunk.offset;
    }
    Q_ASSERT(number - chunk.firstRow < chunk.rowStartCount);
    return chunk.offset + chunk.rowStarts[size_t(number - chunk.firstRow)];
}

char OutputCapture::Private::byteAt(qint64 offset) const
{
    const Chunk &chunk = chunks[size_t(chunkAtOffset(offset))];
    Q_ASSERT(!chunk.isGap() && offset < chunk.endOffset());
    return chunk.data[size_t(offset - chunk.offset)];
}

QByteArray OutputCapture::Private::copy(qint64 offset, qint64 length) const
{
    QByteArray result(qsizetype(length), Qt::Uninitialized);
    char *out = result.data();
    for (auto index = size_t(chunkAtOffset(offset)); length > 0; ++index) {
        const Chunk &chunk = chunks[index];
        Q_ASSERT(!chunk.isGap());
        const qint64 from = offset - chunk.offset;
        const qint64 take = std::min(length, chunk.size - from);
        std::memcpy(out, chunk.data.get() + from, size_t(take));
        out += take;
        offset += take;
        length -= take;
    }
    return result;
}

OutputCapture::OutputCapture(qint64 capBytes)
    : d(std::make_unique<Private>(capBytes))
{ }

OutputCapture::~OutputCapture() = default;

void OutputCapture::append(QByteArrayView data)
{
    d->append(data.data(), data.size());
}

void OutputCapture::appendGap(qint64 bytes)
{
    d->appendGap(bytes);
}

void OutputCapture::clear()
{
    d->clear();
}

qint64 OutputCapture::trimTo(qint64 memoryBytes)
{
    const qint64 before = d->memory;
    while (d->memory > memoryBytes && d->chunks.size() > 1) {
        d->evictFront();
    }
    return before - d->memory;
}

qint64 OutputCapture::capBytes() const
{
    return d->cap;
}

qint64 OutputCapture::endOffset() const
{
    return d->end;
}

qint64 OutputCapture::startOffset() const
{
    return d->startOffset();
}

qint64 OutputCapture::evictedBytes() const
{
    return d->evicted;
}

qint64 OutputCapture::retainedBytes() const
{
    return d->retained;
}

qint64 OutputCapture::memoryUsage() const
{
    return d->memory;
}

qint64 OutputCapture::firstRow() const
{
    return d->firstRow();
}

qint64 OutputCapture::rowCount() const
{
    return d->nextRow - d->firstRow();
}

OutputCapture::Row OutputCapture::row(qint64 number) const
{
    if (number < d->firstRow() || number >= d->nextRow) {
        return {};
    }
    const qsizetype index = d->chunkOfRow(number);
    if (index >= 0 && d->chunks[size_t(index)].isGap()) {
        const Chunk &gap = d->chunks[size_t(index)];
        return Row {Row::Gap, gap.offset, gap.gapBytes, false};
    }

    Row row;
    row.offset = d->rowStartOffset(number);
    qint64 rowEnd = d->end;
    bool endsAtNewline = false;
    if (number + 1 < d->nextRow) {
        const Chunk &next = d->chunks[size_t(d->chunkOfRow(number + 1))];
        if (next.isGap()) {
            rowEnd = next.offset;
        } else {
            // Text rows only follow a '\n' or a gap.
            rowEnd = d->rowStartOffset(number + 1);
            endsAtNewline = true;
        }
    }
    row.complete = endsAtNewline || d->byteAt(rowEnd - 1) == '\n';
    row.length = rowEnd - row.offset - (row.complete ? 1 : 0);
    return row;
}

QByteArray OutputCapture::rowText(qint64 number, qint64 maxBytes) const
{
    const Row r = row(number);
    const qint64 length = std::min(r.length, maxBytes);
    if (r.kind == Row::Gap || length <= 0) {
        return {};
    }
    return d->copy(r.offset, length);
}

qint64 OutputCapture::rowAt(qint64 offset) const
{
    if (d->chunks.empty()) {
        return -1;
    }
    offset = std::clamp(offset, d->startOffset(), d->end - 1);
    const Chunk &chunk = d->chunks[size_t(d->chunkAtOffset(offset))];
    if (chunk.isGap()) {
        return chunk.firstRow;
    }
    const quint32 *starts = chunk.rowStarts.get();
    const quint32 *after =
            std::upper_bound(starts, starts + chunk.rowStartCount, quint32(offset - chunk.offset));
    // Before the chunk's first row start lies the end of a row that began earlier.
    return chunk.firstRow + (after - starts) - 1;
}

QByteArray OutputCapture::read(qint64 offset, qint64 maxBytes, qint64 *nextOffset) const
{
    const qint64 from = std::clamp(offset, d->startOffset(), d->end);
    qint64 next = from;
    QByteArray data;
    if (from < d->end && maxBytes > 0) {
        const auto first = size_t(d->chunkAtOffset(from));
        const Chunk &chunk = d->chunks[first];
        if (chunk.isGap()) {
            next = chunk.endOffset();
        } else {
            qint64 available = 0;
            for (size_t i = first; i < d->chunks.size() && !d->chunks[i].isGap(); ++i) {
                available = d->chunks[i].endOffset() - from;
                if (available >= maxBytes) {
                    break;
                }
            }
            data = d->copy(from, std::min(available, maxBytes));
            next = from + data.size();
        }
    }
    if (nextOffset) {
        *nextOffset = next;
    }
    return data;
}
