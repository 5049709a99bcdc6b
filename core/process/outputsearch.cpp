#include "process/outputsearch.h"

#include "process/ansiparser.h"
#include "process/outputcapture.h"

#include <QCoreApplication>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <cstring>

OutputSearch::Pattern::Pattern(const QString &text, bool caseSensitive, bool regex)
    : m_text(text)
    , m_caseSensitive(caseSensitive)
    , m_regex(regex)
{
    if (regex) {
        m_expression.setPattern(text);
        m_expression.setPatternOptions(caseSensitive ? QRegularExpression::NoPatternOption
                                                     : QRegularExpression::CaseInsensitiveOption);
        // Compiled here, on the thread that made it, not by the first match on a worker.
        m_expression.optimize();
    } else {
        m_matcher = QStringMatcher(text, caseSensitive ? Qt::CaseSensitive : Qt::CaseInsensitive);
    }
}

bool OutputSearch::Pattern::isValid() const
{
    return !m_regex || m_expression.isValid();
}

QString OutputSearch::Pattern::errorString() const
{
    if (isValid()) {
        return QString();
    }
    //: %1 is PCRE2's description of the error, %2 the character where it is
    return QCoreApplication::translate("OutputSearch", "%1 at character %2")
            .arg(m_expression.errorString())
            .arg(m_expression.patternErrorOffset() + 1);
}

QList<std::pair<qsizetype, qsizetype>> OutputSearch::Pattern::findAll(QStringView text,
                                                                      qsizetype limit) const
{
    QList<std::pair<qsizetype, qsizetype>> found;
    if (m_text.isEmpty() || !isValid()) {
        return found;
    }
    if (!m_regex) {
        for (qsizetype at = m_matcher.indexIn(text, 0); at >= 0 && found.size() != limit;
             at = m_matcher.indexIn(text, at + m_text.size())) {
            found.append({at, m_text.size()});
        }
        return found;
    }
    QRegularExpressionMatchIterator it = m_expression.globalMatchView(text);
    while (it.hasNext() && found.size() != limit) {
        const QRegularExpressionMatch match = it.next();
        if (match.capturedLength() > 0) { // "^" or "x*" match everywhere: nothing to show
            found.append({match.capturedStart(), match.capturedLength()});
        }
    }
    return found;
}

void OutputSearch::dropPartialUtf8Tail(QByteArray *bytes)
{
    qsizetype lead = bytes->size() - 1;
    int continuationBytes = 0;
    while (lead >= 0 && continuationBytes < 3 && (uchar(bytes->at(lead)) & 0xC0) == 0x80) {
        --lead;
        ++continuationBytes;
    }
    if (lead < 0) {
        return;
    }
    const uchar first = uchar(bytes->at(lead));
    int sequenceLength = 1;
    if ((first & 0xE0) == 0xC0) {
        sequenceLength = 2;
    } else if ((first & 0xF0) == 0xE0) {
        sequenceLength = 3;
    } else if ((first & 0xF8) == 0xF0) {
        sequenceLength = 4;
    }
    if (sequenceLength > 1 && continuationBytes + 1 < sequenceLength) {
        bytes->truncate(lead);
    }
}

OutputSearch::BatchResult OutputSearch::searchBatch(QByteArrayView bytes, qint64 firstRow,
                                                    BatchEnd end, const Pattern &pattern,
                                                    qint64 maxRowBytes, qsizetype maxMatches,
                                                    const std::atomic_bool *cancelled)
{
    BatchResult result;
    const char *const data = bytes.data();
    const qsizetype size = bytes.size();
    qsizetype position = 0;
    qint64 row = firstRow;
    while (position < size) {
        if (cancelled && (row & 0xff) == 0 && cancelled->load(std::memory_order_relaxed)) {
            break;
        }
        const auto *newline = static_cast<const char *>(
                std::memchr(data + position, '\n', size_t(size - position)));
        const qsizetype rowEnd = newline ? newline - data : size;
        if (!newline && end == BatchEnd::Limit && position > 0) {
            break; // the row goes on past the batch: the next batch starts with it
        }
        const qsizetype length = rowEnd - position;
        QByteArray shown =
                bytes.sliced(position, std::min<qint64>(length, maxRowBytes)).toByteArray();
        if (length > maxRowBytes) {
            dropPartialUtf8Tail(&shown);
        }
        const QString text = Ansi::plainText(shown);
        const auto found = pattern.findAll(text, maxMatches - result.matches.size());
        for (const auto &[start, matchLength] : found) {
            result.matches.append({row, start, matchLength});
        }
        if (result.matches.size() >= maxMatches) {
            result.capped = true;
            result.nextRow = row + 1;
            return result;
        }
        if (!newline) {
            // At the tail the row may still grow; before a gap it is complete; a row longer
            // than a batch was searched as far as it shows.
            result.waitForTail = end == BatchEnd::Tail;
            result.nextRow = end == BatchEnd::Tail ? row : row + 1;
            return result;
        }
        position = rowEnd + 1;
        ++row;
    }
    result.nextRow = row;
    return result;
}

OutputSearch::OutputSearch(qint64 maxRowBytes, qsizetype maxMatches, QObject *parent)
    : QObject(parent)
    , m_maxRowBytes(maxRowBytes)
    , m_maxMatches(maxMatches)
    , m_cancelled(std::make_shared<std::atomic_bool>(false))
{
    connect(&m_watcher, &QFutureWatcherBase::finished, this, &OutputSearch::onBatchFinished);
}

OutputSearch::~OutputSearch()
{
    // The batch owns copies of all it reads; waiting keeps the pool free of our work.
    m_cancelled->store(true);
    m_watcher.waitForFinished();
}

void OutputSearch::start(const OutputCapture *capture, const Pattern &pattern, qint64 fromRow)
{
    ++m_generation;
    m_cancelled->store(true);
    m_cancelled = std::make_shared<std::atomic_bool>(false);
    m_capture = capture;
    m_pattern = pattern;
    m_nextRow = fromRow;
    m_searchedOffset = capture ? capture->startOffset() : 0;
    m_waitingAtEnd = -1;
    m_found = 0;
    m_tailMatches = 0;
    m_capped = false;
    next();
}

void OutputSearch::stop()
{
    ++m_generation;
    m_cancelled->store(true);
    m_capture = nullptr;
    if (!m_watcher.isRunning()) {
        setRunning(false);
    }
}

void OutputSearch::resume()
{
    if (m_running || !m_capture || m_pattern.isEmpty() || !m_pattern.isValid() || m_capped) {
        return;
    }
    if (m_waitingAtEnd >= 0 && m_capture->endOffset() <= m_waitingAtEnd &&
        m_capture->firstRow() <= m_nextRow) {
        return; // the growing row has not grown
    }
    if (m_nextRow < m_capture->endRow()) {
        next();
    }
}

void OutputSearch::forget(qsizetype matches)
{
    if (matches <= 0) {
        return;
    }
    m_found = std::max<qsizetype>(0, m_found - matches);
    if (m_capped) {
        m_capped = false;
        m_waitingAtEnd = -1;
        next();
    }
}

double OutputSearch::progress() const
{
    if (!m_capture || !m_running) {
        return 1;
    }
    const qint64 start = m_capture->startOffset();
    const qint64 end = m_capture->endOffset();
    if (end <= start) {
        return 1;
    }
    return std::clamp(double(m_searchedOffset - start) / double(end - start), 0.0, 1.0);
}

void OutputSearch::next()
{
    if (m_watcher.isRunning()) {
        return; // onBatchFinished() goes on
    }
    if (!m_capture || m_pattern.isEmpty() || !m_pattern.isValid() || m_capped) {
        setRunning(false);
        return;
    }
    const qint64 endRow = m_capture->endRow();
    m_nextRow = std::max(m_nextRow, m_capture->firstRow());
    // Gaps are markers, not text.
    while (m_nextRow < endRow && m_capture->row(m_nextRow).kind == OutputCapture::Row::Gap) {
        ++m_nextRow;
    }
    if (m_nextRow >= endRow) {
        m_searchedOffset = m_capture->endOffset();
        m_waitingAtEnd = -1;
        setRunning(false);
        return;
    }
    // The growing row's matches are found again with it.
    m_found -= m_tailMatches;
    m_tailMatches = 0;
    m_waitingAtEnd = -1;
    const qint64 offset = m_capture->row(m_nextRow).offset;
    qint64 after = offset;
    QByteArray bytes = m_capture->read(offset, BatchBytes, &after);
    const BatchEnd end = after >= m_capture->endOffset() ? BatchEnd::Tail
            : bytes.size() < BatchBytes                  ? BatchEnd::Gap
                                                         : BatchEnd::Limit;
    m_batchGeneration = m_generation;
    m_batchFirstRow = m_nextRow;
    m_batchEndOffset = after;
    const qint64 firstRow = m_nextRow;
    const qint64 maxRowBytes = m_maxRowBytes;
    const qsizetype budget = std::max<qsizetype>(1, m_maxMatches - m_found);
    m_watcher.setFuture(QtConcurrent::run([bytes = std::move(bytes), firstRow, end,
                                           pattern = m_pattern, maxRowBytes, budget,
                                           cancelled = m_cancelled] {
        return searchBatch(bytes, firstRow, end, pattern, maxRowBytes, budget, cancelled.get());
    }));
    // Last: a slot of stateChanged() may start another search, which the batch's generation
    // then tells apart.
    setRunning(true);
}

void OutputSearch::onBatchFinished()
{
    if (m_batchGeneration != m_generation) {
        next(); // restarted or stopped meanwhile: this batch was for the old search
        return;
    }
    const BatchResult result = m_watcher.result();
    m_found += result.matches.size();
    m_capped = result.capped;
    m_nextRow = result.nextRow;
    m_searchedOffset = m_batchEndOffset;
    if (result.waitForTail) {
        m_tailMatches = std::count_if(result.matches.cbegin(), result.matches.cend(),
                                      [&](const Match &m) { return m.row == result.nextRow; });
    }
    const quint64 generation = m_generation;
    Q_EMIT found(m_batchFirstRow, result.matches, result.capped);
    if (generation != m_generation) {
        return; // a slot started another search
    }
    if (result.waitForTail && m_capture && m_capture->endOffset() <= m_batchEndOffset) {
        m_waitingAtEnd = m_batchEndOffset;
        setRunning(false);
        return;
    }
    Q_EMIT stateChanged(); // progress
    next();
}

void OutputSearch::setRunning(bool running)
{
    if (m_running != running) {
        m_running = running;
        Q_EMIT stateChanged();
    }
}
