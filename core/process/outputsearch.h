#pragma once

#include <QByteArray>
#include <QFutureWatcher>
#include <QList>
#include <QObject>
#include <QRegularExpression>
#include <QStringMatcher>

#include <atomic>
#include <memory>

class OutputCapture;

// Searches the rows of an OutputCapture off the GUI thread. The GUI thread copies a batch of
// bytes out of the capture (one read()); a pool thread splits it into rows, strips ANSI codes
// and matches, in the coordinates a view shows (a row's first maxRowBytes). Batches run one
// after another, so matches arrive in row order, and at most one batch is held at a time.
class OutputSearch : public QObject
{
    Q_OBJECT
public:
    static constexpr qint64 BatchBytes = 1024 * 1024;

    struct Match
    {
        qint64 row = 0;
        qsizetype start = 0;
        qsizetype length = 0;
        friend bool operator==(const Match &, const Match &) = default;
    };

    // What to look for. Plain text or a regular expression (PCRE2, as QRegularExpression);
    // empty matches of an expression are not matches.
    class Pattern
    {
    public:
        Pattern() = default;
        Pattern(const QString &text, bool caseSensitive, bool regex);

        bool isEmpty() const { return m_text.isEmpty(); }
        bool isValid() const; // an expression that compiles (plain text always does)
        QString errorString() const; // why not, with the offset, for an invalid expression
        QString text() const { return m_text; }
        bool caseSensitive() const { return m_caseSensitive; }
        bool isRegex() const { return m_regex; }

        // Non-overlapping matches in `text`, in order, at most `limit` of them.
        QList<std::pair<qsizetype, qsizetype>> findAll(QStringView text,
                                                       qsizetype limit = -1) const;

        friend bool operator==(const Pattern &a, const Pattern &b)
        {
            return a.m_text == b.m_text && a.m_caseSensitive == b.m_caseSensitive &&
                    a.m_regex == b.m_regex;
        }

    private:
        QString m_text;
        bool m_caseSensitive = false;
        bool m_regex = false;
        QStringMatcher m_matcher;
        QRegularExpression m_expression;
    };

    // How a batch's bytes end: at the capture's end (the last row may still grow), before a
    // gap (the last row is complete), or at the batch size (the last row goes on).
    enum class BatchEnd { Tail, Gap, Limit };
    struct BatchResult
    {
        QList<Match> matches;
        qint64 nextRow = 0; // where the next batch starts
        bool waitForTail = false; // the last row is growing: search it again once it grew
        bool capped = false; // `maxMatches` reached
    };

    // The pure part: matches in `bytes`, whose first byte starts row `firstRow`. Rows are cut
    // at maxRowBytes without splitting a UTF-8 sequence, as the view shows them.
    static BatchResult searchBatch(QByteArrayView bytes, qint64 firstRow, BatchEnd end,
                                   const Pattern &pattern, qint64 maxRowBytes, qsizetype maxMatches,
                                   const std::atomic_bool *cancelled = nullptr);
    // Drops a UTF-8 sequence cut short at the end, so that a cut row does not end in U+FFFD.
    static void dropPartialUtf8Tail(QByteArray *bytes);

    explicit OutputSearch(qint64 maxRowBytes, qsizetype maxMatches, QObject *parent = nullptr);
    ~OutputSearch() override;

    // Searches `capture` (not owned; call stop() before it dies) from `fromRow` on. An empty
    // or invalid pattern searches nothing.
    void start(const OutputCapture *capture, const Pattern &pattern, qint64 fromRow);
    void stop();
    // The capture changed: goes on with what was appended, if it was waiting for that.
    void resume();
    // The view dropped `matches` of evicted rows: they no longer count against the cap, and a
    // search that stopped at the cap goes on.
    void forget(qsizetype matches);

    bool isRunning() const { return m_running; }
    // Share of the retained bytes searched, 0 to 1.
    double progress() const;

Q_SIGNALS:
    // Matches of the rows from `fromRow` on; they replace any found before for those rows (a
    // growing last row is searched again). `capped`: maxMatches reached, the search ended.
    void found(qint64 fromRow, const QList<OutputSearch::Match> &matches, bool capped);
    // Running or not, or progress moved.
    void stateChanged();

private:
    void next();
    void onBatchFinished();
    void setRunning(bool running);

    const qint64 m_maxRowBytes;
    const qsizetype m_maxMatches;
    const OutputCapture *m_capture = nullptr;
    Pattern m_pattern;
    qint64 m_nextRow = 0;
    qint64 m_searchedOffset = 0; // where the bytes searched so far end
    qint64 m_waitingAtEnd = -1; // the capture's end when it waits for a growing row
    qsizetype m_found = 0;
    bool m_running = false;
    bool m_capped = false;
    quint64 m_generation = 0;
    quint64 m_batchGeneration = 0;
    qint64 m_batchFirstRow = 0;
    qint64 m_batchEndOffset = 0;
    qsizetype m_tailMatches = 0; // of the growing row, replaced when it is searched again
    std::shared_ptr<std::atomic_bool> m_cancelled;
    QFutureWatcher<BatchResult> m_watcher;
};
