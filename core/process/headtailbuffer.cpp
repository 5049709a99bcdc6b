#include "process/headtailbuffer.h"

#include <algorithm>
#include <cstring>

HeadTailBuffer::HeadTailBuffer(qsizetype maxHead, qsizetype maxTail)
    : m_maxHead(maxHead)
    , m_maxTail(maxTail)
{ }

void HeadTailBuffer::write(QByteArrayView data)
{
    if (data.isEmpty()) {
        return;
    }
    m_total += data.size();

    const qsizetype headRoom = m_maxHead - m_head.size();
    if (headRoom > 0) {
        const qsizetype take = std::min(headRoom, data.size());
        if (m_head.isEmpty()) {
            m_head.reserve(m_maxHead);
        }
        m_head.append(data.first(take));
        data = data.sliced(take);
    }
    if (data.isEmpty() || m_maxTail <= 0) {
        return;
    }

    if (m_ring.isEmpty()) {
        m_ring = QByteArray(m_maxTail, Qt::Uninitialized);
    }
    // Only the last m_maxTail bytes can survive; skipping the rest keeps the ring position
    // where writing them one by one would have left it.
    if (data.size() > m_maxTail) {
        const qsizetype skipped = data.size() - m_maxTail;
        m_ringPos = (m_ringPos + skipped) % m_maxTail;
        m_ringFull = true;
        data = data.sliced(skipped);
    }
    char *ring = m_ring.data();
    while (!data.isEmpty()) {
        const qsizetype take = std::min(m_maxTail - m_ringPos, data.size());
        std::memcpy(ring + m_ringPos, data.data(), size_t(take));
        data = data.sliced(take);
        m_ringPos += take;
        if (m_ringPos >= m_maxTail) {
            m_ringPos = 0;
            m_ringFull = true;
        }
    }
}

QByteArray HeadTailBuffer::tail() const
{
    if (m_ring.isEmpty()) {
        return {};
    }
    if (!m_ringFull) {
        return m_ring.first(m_ringPos);
    }
    return m_ring.sliced(m_ringPos) + m_ring.first(m_ringPos);
}

HeadTailBuffer::Output HeadTailBuffer::output() const
{
    if (m_total == 0) {
        return {};
    }
    // Upstream only marks the head full when bytes reached it, so a zero-sized head never is.
    const bool headFull = !m_head.isEmpty() && m_head.size() >= m_maxHead;
    const QByteArray tailBytes = tail();
    if (!headFull || tailBytes.isEmpty()) {
        return {truncateLines(m_head), std::nullopt};
    }

    const qint64 omitted = m_total - (m_head.size() + tailBytes.size());
    QByteArray text = truncateLines(m_head);
    if (omitted > 0) {
        text += "\n\n... [omitted " + QByteArray::number(omitted) + " bytes] ...\n\n";
    } else {
        // Head and tail are contiguous; upstream still separates them with a newline.
        text += '\n';
    }
    text += truncateLines(tailBytes);

    Truncation truncation;
    truncation.originalBytes = m_total;
    truncation.retainedBytes = text.size();
    truncation.omittedBytes = omitted;
    return {text, truncation};
}

QByteArray HeadTailBuffer::bytes() const
{
    return m_head + tail();
}

qsizetype HeadTailBuffer::length() const
{
    const qsizetype tailLength = m_ringFull ? m_maxTail : (m_ring.isEmpty() ? 0 : m_ringPos);
    return m_head.size() + tailLength;
}

void HeadTailBuffer::reset()
{
    m_head = QByteArray();
    m_ring = QByteArray();
    m_ringPos = 0;
    m_ringFull = false;
    m_total = 0;
}

QByteArray HeadTailBuffer::truncateLines(const QByteArray &text)
{
    if (text.size() <= MaxLineLength) {
        return text;
    }

    QByteArray result;
    result.reserve(text.size());
    QByteArrayView rest(text);
    while (!rest.isEmpty()) {
        const qsizetype newline = rest.indexOf('\n');
        const QByteArrayView line = newline < 0 ? rest : rest.first(newline);
        rest = newline < 0 ? QByteArrayView() : rest.sliced(newline + 1);

        if (line.size() > MaxLineLength) {
            result.append(line.first(MaxLineLength - TruncationSuffix.size()));
            result.append(TruncationSuffix);
        } else {
            result.append(line);
        }
        if (newline >= 0) {
            result.append('\n');
        }
    }
    return result;
}
