#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <optional>

// What an AI client sees of a process's output: exactly Coder's agentproc HeadTailBuffer.
// The first 16 KiB and a ring of the last 16 KiB; long lines cut; a marker for what was omitted.
class HeadTailBuffer
{
public:
    // Constants of Coder's agent/agentproc/headtail.go.
    static constexpr qsizetype MaxHeadBytes = 16384;
    static constexpr qsizetype MaxTailBytes = 16384;
    static constexpr qsizetype MaxLineLength = 2048;
    static constexpr QByteArrayView TruncationSuffix = " ... [truncated]"; // 16 bytes

    struct Truncation
    {
        qint64 originalBytes = 0;
        qint64 retainedBytes = 0; // bytes of the formatted output, marker included
        qint64 omittedBytes = 0;
        // always "head_tail", as upstream
        static QString strategy() { return QStringLiteral("head_tail"); }
        friend bool operator==(const Truncation &, const Truncation &) = default;
    };

    struct Output
    {
        QByteArray text;
        std::optional<Truncation> truncation;
    };

    explicit HeadTailBuffer(qsizetype maxHead = MaxHeadBytes, qsizetype maxTail = MaxTailBytes);

    // Appends bytes; an empty write changes nothing.
    void write(QByteArrayView data);
    // Upstream Output(): head (+ marker + tail once the head is full and the tail non-empty),
    // with lines over MaxLineLength cut to MaxLineLength - 16 bytes plus the suffix.
    Output output() const;
    // Head and tail bytes, in order, without formatting (upstream Bytes()).
    QByteArray bytes() const;
    // Bytes stored, head plus tail (upstream Len()).
    qsizetype length() const;
    qint64 totalWritten() const { return m_total; }
    void reset();

    // Upstream truncateLines(): exposed for tests.
    static QByteArray truncateLines(const QByteArray &text);

private:
    QByteArray tail() const;

    qsizetype m_maxHead;
    qsizetype m_maxTail;
    QByteArray m_head;
    QByteArray m_ring; // allocated lazily to m_maxTail bytes
    qsizetype m_ringPos = 0;
    bool m_ringFull = false;
    qint64 m_total = 0;
};
