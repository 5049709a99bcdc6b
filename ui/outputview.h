#pragma once

#include <QAbstractScrollArea>
#include <QElapsedTimer>
#include <QList>
#include <QPointF>

#include "process/outputsearch.h"

#include <memory>
#include <unordered_map>

class OutputCapture;
class QAction;
class QTextCharFormat;
class QTimer;
class QToolButton;
struct AnsiStyle;

// The output pane of the Processes view. It lays out only the visible rows of an OutputCapture
// (ANSI styles, gaps and dropped-bytes markers), follows the tail, selects, copies and searches
// in time slices, so gigabytes of output never block the GUI thread.
class OutputView : public QAbstractScrollArea
{
    Q_OBJECT
public:
    // Bytes of a row that are laid out, searched and shown; the rest shows as "…".
    static constexpr qint64 MaxRowBytes = 8 * 1024;
    // Rows parsed before the first visible row to recover its SGR state: an approximation, a
    // colour set further up and never reset is not carried.
    static constexpr qint64 StateLookbackRows = 200;
    // Characters that copy() and selectedText() return at most.
    static constexpr qsizetype MaxCopyLength = 64 * 1024 * 1024;
    static constexpr int MaxMatches = 100'000;

    explicit OutputView(QWidget *parent = nullptr);
    ~OutputView() override;

    // Not owned; nullptr clears. Call setCapture(nullptr) before the capture dies. Turns
    // follow tail on, clears the selection and searches the new capture for searchText().
    void setCapture(const OutputCapture *capture);
    const OutputCapture *capture() const;

    bool followTail() const;
    void setFollowTail(bool follow);

    // Long rows wrap at the viewport's width (scrolling still moves by rows) instead of
    // scrolling sideways.
    bool wrapsLines() const;
    void setWrapLines(bool wrap);
    // A gutter with each row's number in the whole output (evicted rows still count, so a
    // number stays the line it was; a dropped-bytes marker takes a number too).
    bool showsLineNumbers() const;
    void setShowLineNumbers(bool show);
    int lineNumberWidth() const; // of the gutter; 0 when hidden
    // Rows below the view that arrived since following stopped: the "N new lines" hint.
    qint64 newRowsBelow() const;
    // Appended to the context menu (the view's toggles live with its owner).
    void setExtraContextMenuActions(const QList<QAction *> &actions);

    // Rows are the capture's absolute row numbers. When the capture evicted data, the marker
    // that says so is row firstRow() - 1.
    qint64 topRow() const;
    int visibleRowCount() const; // rows at least partly visible
    QString visibleText() const; // plain text of the visible rows, markers included
    QRect rowRect(qint64 row) const; // in viewport coordinates; empty when not visible

    bool hasSelection() const;
    QString selectedText() const;
    // The whole retained capture, without styles, for Save. Synchronous.
    QString plainText() const;

    // Searches all rows off the GUI thread, then keeps searching appended rows. The first
    // match at or below the top of the view (else the first one) becomes current as soon as
    // it is found, as a browser's find does.
    void setSearchText(const QString &text, Qt::CaseSensitivity cs = Qt::CaseInsensitive,
                       bool regex = false);
    QString searchText() const;
    // Why the regular expression does not compile; empty when it does.
    QString searchError() const;
    int matchCount() const;
    int currentMatchIndex() const; // -1 when there is no current match
    bool isSearching() const;
    int searchProgress() const; // percent of the output searched, while searching
    bool matchesCapped() const; // more than MaxMatches matches: the rest are not kept

    QSize sizeHint() const override;

public Q_SLOTS:
    // Data was appended to the capture (or evicted). Cheap: one update per frame at most.
    void captureChanged();
    void copy();
    void selectAll();
    void clearSelection();
    void findNext();
    void findPrevious();

Q_SIGNALS:
    void followTailChanged(bool follow);
    void searchChanged(int currentIndex, int matchCount, bool searching);
    void selectionChanged();

protected:
    bool event(QEvent *event) override;
    void changeEvent(QEvent *event) override;
    void paintEvent(QPaintEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void scrollContentsBy(int dx, int dy) override;
    void keyPressEvent(QKeyEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;
    void mouseDoubleClickEvent(QMouseEvent *event) override;
    void contextMenuEvent(QContextMenuEvent *event) override;

private:
    struct LaidOutRow;
    struct TextPosition
    {
        qint64 row = 0;
        qsizetype column = 0;
        friend auto operator<=>(const TextPosition &, const TextPosition &) = default;
    };
    using SearchMatch = OutputSearch::Match;

    qint64 displayStartRow() const;
    qint64 displayEndRow() const;
    bool isEvictionMarker(qint64 row) const;
    bool isMarker(qint64 row) const;
    int fullRowsPerPage() const;
    int paintedRowsPerPage() const;
    QByteArray displayBytes(qint64 row, bool *truncated = nullptr) const;
    QString displayText(qint64 row) const;
    QString markerText(qint64 row) const;
    QString droppedLine(qint64 row) const;
    qsizetype rowLength(qint64 row) const;

    void resetState();
    void onFrame();
    bool syncWithCapture();
    void updateMetrics();
    void updateScrollBars();
    void scrollRows(qint64 oldTopRow);
    void updateRowsFrom(qint64 row);
    void onVerticalScroll(int value);
    void updateFollowTail(bool follow);
    void scheduleHorizontalUpdate();
    void updateGutter();
    void updateNewRowsHint();
    void paintGutter(QPaintEvent *event);
    qreal wrapWidth() const;
    int rowLines(qint64 row); // visual lines of a row: 1 unless wrapping
    qint64 tailTopRow(); // the top row that shows the last row at the bottom
    int rowsFitting(qint64 from); // rows from `from` at least partly within the viewport
    int rowTop(qint64 row); // y of a row at or below m_topRow, in viewport coordinates

    QTextCharFormat charFormat(const AnsiStyle &style) const;
    AnsiStyle stateBefore(qint64 row) const;
    LaidOutRow *cachedRow(qint64 row) const;
    LaidOutRow *layoutRow(qint64 row, const AnsiStyle &startState);
    LaidOutRow *layoutFor(qint64 row);
    void layoutVisibleRows();
    void pruneLayouts();

    TextPosition hitTest(const QPointF &pos);
    void setSelection(const TextPosition &anchor, const TextPosition &cursor);
    void selectWordAt(const TextPosition &pos);
    void autoScroll();

    void onSearchFound(qint64 fromRow, const QList<OutputSearch::Match> &matches, bool capped);
    void emitSearchChanged();
    void scrollToMatch(int index);

    const OutputCapture *m_capture = nullptr;
    QTimer *m_frameTimer;
    OutputSearch *m_search;
    QTimer *m_autoScrollTimer;

    qint64 m_topRow = 0;
    bool m_followTail = true;
    bool m_wrap = false;
    qint64 m_unfollowEndRow = 0; // displayEndRow() when following stopped
    QWidget *m_gutter;
    int m_gutterDigits = 0;
    QToolButton *m_newRowsHint;
    QList<QAction *> m_extraActions;
    bool m_updatingScrollBars = false;
    bool m_scrollBarsDirty = false;
    bool m_horizontalUpdatePending = false;
    qint64 m_knownFirstRow = 0;
    qint64 m_knownEndRow = 0;
    qint64 m_knownEvictedBytes = 0;

    int m_rowHeight = 1;
    qreal m_characterWidth = 1;
    qreal m_maxRowWidth = 0;
    std::unordered_map<qint64, std::unique_ptr<LaidOutRow>> m_layouts;

    TextPosition m_anchor;
    TextPosition m_cursor;
    bool m_selecting = false;
    QPointF m_lastMousePos;
    QElapsedTimer m_sinceDoubleClick;
    QPointF m_doubleClickPos;

    OutputSearch::Pattern m_pattern;
    QList<SearchMatch> m_matches;
    int m_currentMatch = -1;
    bool m_matchesCapped = false;
    qint64 m_jumpFromRow = -1; // typing: the first match at or below this row becomes current
    int m_emittedIndex = -1;
    int m_emittedCount = 0;
    bool m_emittedSearching = false;
    int m_emittedProgress = 0;
};
