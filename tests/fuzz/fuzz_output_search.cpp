// OutputSearch::searchBatch: a search in batches (each cut where the driver would cut it) finds
// exactly what one search of the whole output finds, and every match is the pattern's text.
#include "fuzzinput.h"
#include "process/ansiparser.h"
#include "process/outputsearch.h"

#include <QList>
#include <QString>

namespace {

constexpr qint64 MaxRowBytes = 64;

// A few expressions, so that PCRE2's own speed on hostile patterns is not what is fuzzed.
const char *const Expressions[] = {"e+", "^a", "b$", "[0-9]+", "(ab|ba)", "\\w+\\s", "x*", "."};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzInput input(data, size);
    const uint8_t flags = input.byte();
    const bool caseSensitive = flags & 1;
    const bool regex = flags & 2;
    const QString text = regex ? QString::fromLatin1(Expressions[(flags >> 2) % 8])
                               : QString::fromUtf8(input.take(1 + (flags >> 2) % 4));
    const OutputSearch::Pattern pattern(text, caseSensitive, regex);
    if (pattern.isEmpty()) {
        return 0;
    }
    FUZZ_CHECK(pattern.isValid());
    const uint8_t batchBytes = std::max<uint8_t>(1, input.byte());
    const QByteArrayView output = input.rest();

    const OutputSearch::BatchResult whole = OutputSearch::searchBatch(
            output, 0, OutputSearch::BatchEnd::Tail, pattern, MaxRowBytes, 1'000'000);

    // As the driver: a batch of at most batchBytes from the start of the next row; Limit unless
    // it reaches the end.
    QList<OutputSearch::Match> batched;
    qint64 row = 0;
    qsizetype offset = 0;
    QList<qsizetype> rowStarts {0};
    for (qsizetype i = 0; i < output.size(); ++i) {
        if (output[i] == '\n' && i + 1 < output.size()) {
            rowStarts.append(i + 1);
        }
    }
    for (int guard = 0; offset < output.size(); ++guard) {
        FUZZ_CHECK(guard <= output.size() + 1);
        const QByteArrayView bytes = output.sliced(offset).first(
                std::min<qsizetype>(batchBytes, output.size() - offset));
        const bool atEnd = offset + bytes.size() == output.size();
        const OutputSearch::BatchResult part = OutputSearch::searchBatch(
                bytes, row, atEnd ? OutputSearch::BatchEnd::Tail : OutputSearch::BatchEnd::Limit,
                pattern, MaxRowBytes, 1'000'000);
        while (!batched.isEmpty() && batched.constLast().row >= row) {
            batched.removeLast(); // a row searched again (the growing tail) replaces its matches
        }
        batched += part.matches;
        if (part.waitForTail) {
            FUZZ_CHECK(atEnd);
            break;
        }
        FUZZ_CHECK(part.nextRow >= row);
        if (part.nextRow >= rowStarts.size()) {
            break;
        }
        // A row longer than the batch was searched as far as it shows; it moves on.
        FUZZ_CHECK(part.nextRow > row || bytes.size() == output.size() - offset);
        row = part.nextRow;
        offset = rowStarts.at(row);
    }
    // A row longer than a batch is searched in its head only, which is all it shows when
    // the batch holds more than a shown row (as the driver's 1 MiB does against 8 KiB).
    bool longRow = false;
    for (qsizetype i = 0; i < rowStarts.size(); ++i) {
        const qsizetype end = i + 1 < rowStarts.size() ? rowStarts.at(i + 1) : output.size();
        longRow = longRow || (end - rowStarts.at(i) > batchBytes && batchBytes <= MaxRowBytes);
    }
    if (!longRow) {
        FUZZ_CHECK(batched == whole.matches);
    }

    // Every match lies in its row's shown text and is the pattern's text (plain search).
    for (qsizetype i = 0; i < whole.matches.size(); ++i) {
        const OutputSearch::Match &match = whole.matches.at(i);
        FUZZ_CHECK(match.row >= 0 && match.row < rowStarts.size() && match.length > 0);
        if (i > 0) {
            const OutputSearch::Match &before = whole.matches.at(i - 1);
            FUZZ_CHECK(before.row < match.row ||
                       (before.row == match.row && before.start + before.length <= match.start));
        }
        const qsizetype start = rowStarts.at(match.row);
        qsizetype end = output.indexOf('\n', start);
        end = end < 0 ? output.size() : end;
        QByteArray shown =
                output.sliced(start, std::min<qint64>(end - start, MaxRowBytes)).toByteArray();
        if (end - start > MaxRowBytes) {
            OutputSearch::dropPartialUtf8Tail(&shown);
        }
        const QString plain = Ansi::plainText(shown);
        FUZZ_CHECK(match.start + match.length <= plain.size());
        if (!regex) {
            FUZZ_CHECK(QStringView(plain)
                               .sliced(match.start, match.length)
                               .compare(text,
                                        caseSensitive ? Qt::CaseSensitive : Qt::CaseInsensitive) ==
                       0);
        }
    }
    return 0;
}
