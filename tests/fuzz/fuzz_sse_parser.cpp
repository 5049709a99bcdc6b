// SseParser: any bytes, split anywhere, never crash. Split into chunks, a stream gives the
// events it gives in one piece (a chunked feed may fail earlier on the cap, never later), and
// SseSender's frames parse back to their data.
#include "fuzzinput.h"
#include "http/serversentevents.h"

#include <QByteArray>

#include <vector>

namespace {

bool sameEvents(const std::vector<SseParser::Event> &a, const std::vector<SseParser::Event> &b)
{
    if (a.size() != b.size()) {
        return false;
    }
    for (size_t i = 0; i < a.size(); ++i) {
        if (a[i].type != b[i].type || a[i].data != b[i].data) {
            return false;
        }
    }
    return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzInput input(data, size);
    const uint8_t mode = input.byte();
    // A small cap, so the fuzzer reaches it.
    const qsizetype cap = 16 + (input.u16() % 2048);

    if (mode & 1) {
        // Frames as the reinit stream sends them: the data is one line of JSON.
        QByteArray json = input.take(512).toByteArray();
        json.replace('\n', ' ').replace('\r', ' ');
        const QByteArray stream = SseSender::dataFrame(json) + "event: ping\n\n" +
                SseSender::dataFrame(json.left(json.size() / 2));
        SseParser parser(4096);
        std::vector<SseParser::Event> events;
        FUZZ_CHECK(parser.feed(stream, &events));
        FUZZ_CHECK(events.size() == 2);
        FUZZ_CHECK(events[0].type == "data" && events[0].data == json);
        FUZZ_CHECK(events[1].type == "data" && events[1].data == json.left(json.size() / 2));
        return 0;
    }

    // Chunk lengths come first, then the stream.
    std::vector<size_t> cuts;
    const uint8_t count = input.byte() % 16;
    for (uint8_t i = 0; i < count; ++i) {
        cuts.push_back(input.byte());
    }
    const QByteArrayView stream = input.rest();

    SseParser whole(cap);
    std::vector<SseParser::Event> wholeEvents;
    const bool wholeOk = whole.feed(stream, &wholeEvents);
    FUZZ_CHECK(wholeOk == whole.error().isEmpty());

    SseParser chunked(cap);
    std::vector<SseParser::Event> chunkedEvents;
    bool chunkedOk = true;
    qsizetype at = 0;
    for (size_t i = 0; chunkedOk && at < stream.size(); ++i) {
        const qsizetype length = i < cuts.size() ? qsizetype(cuts[i]) : stream.size() - at;
        const qsizetype n = std::min(length, stream.size() - at);
        chunkedOk = chunked.feed(stream.sliced(at, n), &chunkedEvents);
        at += n;
    }
    if (chunkedOk) {
        FUZZ_CHECK(wholeOk);
        FUZZ_CHECK(sameEvents(wholeEvents, chunkedEvents));
    } else {
        // A failed parser stays failed.
        std::vector<SseParser::Event> more;
        FUZZ_CHECK(!chunked.feed("\n\ndata: x\n\n", &more) && more.empty());
    }
    for (const SseParser::Event &event : wholeEvents) {
        FUZZ_CHECK(!event.type.isEmpty() && event.data.size() <= cap);
    }
    return 0;
}
