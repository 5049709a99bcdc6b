// HeadTailBuffer equals a model of upstream's spec: Output, truncation, Len, TotalWritten, Reset.
#include "fuzzinput.h"
#include "process/headtailbuffer.h"

#include <string>
#include <string_view>

namespace {

constexpr size_t MaxLineLength = 2048;
constexpr std::string_view Suffix = " ... [truncated]";

// truncateLines(s): lines over 2048 bytes become their first 2032 bytes and the suffix.
std::string truncateLines(const std::string &text)
{
    if (text.size() <= MaxLineLength) {
        return text;
    }
    std::string result;
    size_t start = 0;
    for (;;) {
        const size_t newline = text.find('\n', start);
        const size_t end = newline == std::string::npos ? text.size() : newline;
        const std::string_view line(text.data() + start, end - start);
        if (line.size() > MaxLineLength) {
            result += line.substr(0, MaxLineLength - Suffix.size());
            result += Suffix;
        } else {
            result += line;
        }
        if (newline == std::string::npos) {
            break;
        }
        result += '\n';
        start = newline + 1;
    }
    return result;
}

// The spec's buffer: a head filled first, then the last maxTail bytes of the rest.
class Model
{
public:
    Model(size_t maxHead, size_t maxTail)
        : m_maxHead(maxHead)
        , m_maxTail(maxTail)
    { }

    void write(std::string_view data)
    {
        if (data.empty()) {
            return;
        }
        m_total += data.size();
        const size_t take = std::min(m_maxHead - m_head.size(), data.size());
        m_head += data.substr(0, take);
        data.remove_prefix(take);
        m_tail += data;
        // Trimmed lazily, so that many small writes stay linear.
        if (m_tail.size() > 2 * m_maxTail + 4096) {
            m_tail.erase(0, m_tail.size() - m_maxTail);
        }
    }
    void reset() { *this = Model(m_maxHead, m_maxTail); }

    std::string tail() const
    {
        return m_tail.size() > m_maxTail ? m_tail.substr(m_tail.size() - m_maxTail) : m_tail;
    }
    size_t length() const { return m_head.size() + std::min(m_tail.size(), m_maxTail); }
    qint64 total() const { return qint64(m_total); }
    std::string bytes() const { return m_head + tail(); }

    HeadTailBuffer::Output output() const
    {
        HeadTailBuffer::Output output;
        if (m_total == 0) {
            return output;
        }
        const std::string tailBytes = tail();
        if (m_head.size() < m_maxHead || tailBytes.empty()) {
            output.text = QByteArray::fromStdString(truncateLines(m_head));
            return output;
        }
        const qint64 omitted = qint64(m_total) - qint64(m_head.size() + tailBytes.size());
        std::string text = truncateLines(m_head);
        text += omitted > 0 ? "\n\n... [omitted " + std::to_string(omitted) + " bytes] ...\n\n"
                            : std::string("\n");
        text += truncateLines(tailBytes);
        output.text = QByteArray::fromStdString(text);
        output.truncation =
                HeadTailBuffer::Truncation {qint64(m_total), qint64(text.size()), omitted};
        return output;
    }

private:
    size_t m_maxHead;
    size_t m_maxTail;
    std::string m_head;
    std::string m_tail;
    size_t m_total = 0;
};

void compareAll(const HeadTailBuffer &buffer, const Model &model)
{
    const HeadTailBuffer::Output got = buffer.output();
    const HeadTailBuffer::Output want = model.output();
    FUZZ_CHECK(got.text == want.text);
    FUZZ_CHECK(got.truncation == want.truncation);
    FUZZ_CHECK(buffer.bytes() == QByteArray::fromStdString(model.bytes()));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzInput input(data, size);
    // Upstream's sizes, and small ones that wrap the tail ring within a short input.
    static constexpr std::pair<qsizetype, qsizetype> sizes[] = {
            {HeadTailBuffer::MaxHeadBytes, HeadTailBuffer::MaxTailBytes},
            {1, 1},
            {7, 5},
            {64, 64},
            {2048, 2048},
            {2049, 3000},
            {5000, 100},
            {100, 5000},
    };
    const auto [maxHead, maxTail] = sizes[input.byte() % std::size(sizes)];
    HeadTailBuffer buffer(maxHead, maxTail);
    Model model {size_t(maxHead), size_t(maxTail)};
    size_t generated = 0; // bounds the bytes repeated writes make, for speed

    while (!input.atEnd()) {
        const uint8_t op = input.byte();
        switch (op % 8) {
        case 0:
        case 1:
        case 2: { // bytes of the input
            const QByteArrayView chunk = input.take(input.byte());
            buffer.write(chunk);
            model.write(std::string_view(chunk.data(), size_t(chunk.size())));
            break;
        }
        case 3: { // a long run of one byte, with a '\n' every `every` bytes
            size_t count = input.u16();
            const char fill = char(input.byte());
            const uint8_t every = input.byte();
            count = std::min(count, size_t(256 << 10) - std::min(generated, size_t(256 << 10)));
            generated += count;
            std::string run(count, fill);
            for (size_t i = every; every != 0 && i <= count; i += every) {
                run[i - 1] = '\n';
            }
            buffer.write(QByteArrayView(run.data(), qsizetype(run.size())));
            model.write(run);
            break;
        }
        case 4:
            buffer.write("\n");
            model.write("\n");
            break;
        case 5:
            compareAll(buffer, model);
            break;
        case 6:
            buffer.reset();
            model.reset();
            break;
        case 7:
            buffer.write(QByteArrayView());
            break;
        }
        FUZZ_CHECK(buffer.totalWritten() == model.total());
        FUZZ_CHECK(size_t(buffer.length()) == model.length());
    }
    compareAll(buffer, model);

    // The exposed truncateLines() is the spec's, on the head as written.
    const QByteArray head = buffer.bytes().first(std::min<qsizetype>(buffer.length(), maxHead));
    FUZZ_CHECK(HeadTailBuffer::truncateLines(head) ==
               QByteArray::fromStdString(truncateLines(head.toStdString())));
    return 0;
}
