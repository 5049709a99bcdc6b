#pragma once

#include <QByteArrayView>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

// What every harness shares: a failed check aborts (libFuzzer saves the input as a crash), and
// FuzzInput hands out the input's bytes as operations and their arguments.

#define FUZZ_CHECK(condition)                                                                      \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            std::fprintf(stderr, "%s:%d: fuzz check failed: %s\n", __FILE__, __LINE__,             \
                         #condition);                                                              \
            std::abort();                                                                          \
        }                                                                                          \
    } while (false)

// Reads the input from the front; past its end every read gives zeros (and empty views).
class FuzzInput
{
public:
    FuzzInput(const uint8_t *data, size_t size)
        : m_data(data)
        , m_size(size)
    { }

    bool atEnd() const { return m_position >= m_size; }
    size_t remaining() const { return m_size - m_position; }

    uint8_t byte() { return atEnd() ? 0 : m_data[m_position++]; }
    uint16_t u16()
    {
        const uint16_t low = byte();
        return uint16_t(low | (uint16_t(byte()) << 8));
    }
    // Up to `length` bytes, fewer at the end of the input.
    QByteArrayView take(size_t length)
    {
        const size_t n = std::min(length, remaining());
        const QByteArrayView view(reinterpret_cast<const char *>(m_data + m_position),
                                  qsizetype(n));
        m_position += n;
        return view;
    }
    QByteArrayView rest() { return take(remaining()); }

private:
    const uint8_t *m_data;
    size_t m_size;
    size_t m_position = 0;
};
