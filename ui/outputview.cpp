#include "outputview.h"

#include "process/ansiparser.h"
#include "process/outputcapture.h"
#include "process/outputexport.h"

#include <QApplication>
#include <QClipboard>
#include <QContextMenuEvent>
#include <QFontDatabase>
#include <QKeyEvent>
#include <QMenu>
#include <QMouseEvent>
#include <QPaintEvent>
#include <QPainter>
#include <QScrollBar>
#include <QTextLayout>
#include <QTimer>
#include <QToolButton>
#include <QtMath>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

namespace {

// One repaint and scrollbar update per frame at most, however often output arrives.
constexpr int FrameIntervalMs = 16;
constexpr int AutoScrollIntervalMs = 50;
constexpr int TextMargin = 4;
constexpr int TabColumns = 8;
// Wide enough for MaxRowBytes tabs; rows never wrap.
constexpr qreal LineWidth = 1.0e6;
// Layouts kept around the visible rows, in pages, so scrolling back a little is free.
constexpr int CachedPagesAround = 1;
// Rows longer than this are drawn through a layout of their visible characters only.
constexpr qsizetype WindowedDrawingLength = 1024;

QColor blend(const QColor &from, const QColor &to, qreal amount)
{
    return QColor::fromRgbF(float(from.redF() + (to.redF() - from.redF()) * amount),
                            float(from.greenF() + (to.greenF() - from.greenF()) * amount),
                            float(from.blueF() + (to.blueF() - from.blueF()) * amount));
}

QColor toColor(const AnsiColor &color, const QColor &defaultColor)
{
    switch (color.kind) {
    case AnsiColor::Default:
        return defaultColor;
    case AnsiColor::Indexed:
        return QColor::fromRgb(Ansi::indexedColor(color.index));
    case AnsiColor::Rgb:
        return QColor::fromRgb(color.rgb);
    }
    return defaultColor;
}

// Paths, identifiers and numbers select as one word, as developers expect in build output.
bool isWordCharacter(QChar c)
{
    return c.isLetterOrNumber() || c == u'_' || c == u'-' || c == u'.' || c == u'/' || c == u'~';
}

QList<QTextLayout::FormatRange> sliceRanges(const QList<QTextLayout::FormatRange> &ranges, int from,
                                            int to)
{
    QList<QTextLayout::FormatRange> sliced;
    for (const QTextLayout::FormatRange &range : ranges) {
        const int start = std::max(range.start, from);
        const int end = std::min(range.start + range.length, to);
        if (start < end) {
            sliced.append({start - from, end - start, range.format});
        }
    }
    return sliced;
}

// Draws a laid-out row at `origin`. QTextLayout::draw() walks every glyph of a line, even far
// outside the viewport, so a long row is drawn through a layout of just the characters in
// `visible`, its tab stops shifted to stay where the whole row has them. Assumes left-to-right
// text, as build output is.
void drawLine(QPainter *painter, const QTextLayout &layout, const QPointF &origin,
              const QList<QTextLayout::FormatRange> &overlays, const QRectF &visible,
              qreal tabStopDistance, const QPaintDevice *device)
{
    const QTextLine line = layout.lineAt(0);
    const QString text = layout.text();
    if (text.size() <= WindowedDrawingLength || !line.isValid()) {
        layout.draw(painter, origin, overlays, visible);
        return;
    }
    const int length = int(text.size());
    const qreal left = visible.left() - origin.x();
    const qreal right = visible.right() - origin.x();
    // One character more on each side for italic overhang.
    const int from = std::max(0, line.xToCursor(left, QTextLine::CursorOnCharacter) - 1);
    const int to = std::min(length, line.xToCursor(right, QTextLine::CursorOnCharacter) + 2);
    if (from >= to) {
        return;
    }
    const qreal windowX = line.cursorToX(from);
    const qreal windowWidth = line.cursorToX(to) - windowX;

    QTextLayout window(text.mid(from, to - from), layout.font(), device);
    QTextOption option = layout.textOption();
    QList<QTextOption::Tab> tabs;
    for (qreal stop = (std::floor(windowX / tabStopDistance) + 1) * tabStopDistance;
         stop - windowX <= windowWidth + tabStopDistance; stop += tabStopDistance) {
        tabs.append(QTextOption::Tab(stop - windowX, QTextOption::LeftTab));
    }
    option.setTabs(tabs);
    window.setTextOption(option);
    window.setFormats(sliceRanges(layout.formats(), from, to));
    window.beginLayout();
    QTextLine windowLine = window.createLine();
    if (windowLine.isValid()) {
        windowLine.setLineWidth(LineWidth);
        windowLine.setPosition(QPointF(0, 0));
    }
    window.endLayout();
    window.draw(painter, origin + QPointF(windowX, 0), sliceRanges(overlays, from, to), visible);
}

bool sameData(const OutputCapture::Row &a, const OutputCapture::Row &b)
{
    return a.kind == b.kind && a.offset == b.offset && a.length == b.length &&
            a.complete == b.complete;
}

} // namespace

// A laid-out Text row and what it was built from, so a growing last row, a partly evicted
// first row or a different carried SGR state are noticed and laid out again.
struct OutputView::LaidOutRow
{
    LaidOutRow(const QString &text, const QFont &font, const QPaintDevice *device)
        : layout(text, font, device)
    { }

    OutputCapture::Row row;
    AnsiStyle startState;
    AnsiStyle endState;
    bool truncated = false;
    qreal width = 0;
    qreal wrapWidth = 0; // the width it wrapped at; 0: one line
    int lines = 1;
    QTextLayout layout;
};

// The line-number gutter: the view paints it, so its rows are the viewport's.
class OutputGutter : public QWidget
{
public:
    explicit OutputGutter(QWidget *parent)
        : QWidget(parent)
    {
        setObjectName(QStringLiteral("outputLineNumbers"));
        setAttribute(Qt::WA_OpaquePaintEvent);
    }

    std::function<void(QPaintEvent *)> paint;

protected:
    void paintEvent(QPaintEvent *event) override { paint(event); }
};

OutputView::OutputView(QWidget *parent)
    : QAbstractScrollArea(parent)
    , m_frameTimer(new QTimer(this))
    , m_search(new OutputSearch(MaxRowBytes, MaxMatches, this))
    , m_autoScrollTimer(new QTimer(this))
    , m_gutter(new OutputGutter(this))
    , m_newRowsHint(new QToolButton(this))
{
    setObjectName(QStringLiteral("outputView"));
    setAccessibleName(tr("Process output"));
    setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    setFocusPolicy(Qt::StrongFocus);
    viewport()->setCursor(Qt::IBeamCursor);
    viewport()->setAttribute(Qt::WA_OpaquePaintEvent);

    m_frameTimer->setSingleShot(true);
    m_frameTimer->setInterval(FrameIntervalMs);
    connect(m_frameTimer, &QTimer::timeout, this, &OutputView::onFrame);
    connect(m_search, &OutputSearch::found, this, &OutputView::onSearchFound);
    connect(m_search, &OutputSearch::stateChanged, this, &OutputView::emitSearchChanged);
    m_autoScrollTimer->setInterval(AutoScrollIntervalMs);
    connect(m_autoScrollTimer, &QTimer::timeout, this, &OutputView::autoScroll);

    connect(verticalScrollBar(), &QScrollBar::valueChanged, this, &OutputView::onVerticalScroll);

    static_cast<OutputGutter *>(m_gutter)->paint = [this](QPaintEvent *event) {
        paintGutter(event);
    };
    m_gutter->hide();
    // A child of the scroll area, not of the viewport: scrolling the viewport moves its children.
    m_newRowsHint->setObjectName(QStringLiteral("newRowsHint"));
    m_newRowsHint->setToolButtonStyle(Qt::ToolButtonTextOnly);
    m_newRowsHint->setCursor(Qt::PointingHandCursor);
    m_newRowsHint->setToolTip(tr("Follow the output again (End)"));
    m_newRowsHint->setFocusPolicy(Qt::NoFocus);
    m_newRowsHint->hide();
    connect(m_newRowsHint, &QToolButton::clicked, this, [this] { setFollowTail(true); });

    updateMetrics();
    updateScrollBars();
}

OutputView::~OutputView() = default;

void OutputView::setCapture(const OutputCapture *capture)
{
    m_capture = capture;
    resetState();
    updateFollowTail(true);
    updateScrollBars();
    viewport()->update();
}

const OutputCapture *OutputView::capture() const
{
    return m_capture;
}

bool OutputView::followTail() const
{
    return m_followTail;
}

void OutputView::setFollowTail(bool follow)
{
    updateFollowTail(follow);
    if (follow) {
        updateScrollBars();
        viewport()->update();
    }
}

bool OutputView::wrapsLines() const
{
    return m_wrap;
}

void OutputView::setWrapLines(bool wrap)
{
    if (wrap == m_wrap) {
        return;
    }
    m_wrap = wrap;
    setHorizontalScrollBarPolicy(wrap ? Qt::ScrollBarAlwaysOff : Qt::ScrollBarAsNeeded);
    horizontalScrollBar()->setValue(0);
    m_layouts.clear();
    updateScrollBars();
    viewport()->update();
    updateNewRowsHint();
}

bool OutputView::showsLineNumbers() const
{
    return !m_gutter->isHidden();
}

void OutputView::setShowLineNumbers(bool show)
{
    if (show == showsLineNumbers()) {
        return;
    }
    m_gutter->setVisible(show);
    m_gutterDigits = 0;
    updateGutter();
}

int OutputView::lineNumberWidth() const
{
    return showsLineNumbers() ? m_gutter->width() : 0;
}

qint64 OutputView::newRowsBelow() const
{
    if (m_followTail || !m_capture) {
        return 0;
    }
    const qint64 below = displayEndRow() - (m_topRow + visibleRowCount());
    return std::max<qint64>(0, std::min(below, displayEndRow() - m_unfollowEndRow));
}

void OutputView::setExtraContextMenuActions(const QList<QAction *> &actions)
{
    m_extraActions = actions;
}

qint64 OutputView::topRow() const
{
    return m_topRow;
}

int OutputView::visibleRowCount() const
{
    if (!m_capture) {
        return 0;
    }
    if (m_wrap) {
        // Heights come from layouts, which are a cache: filling it does not change the view.
        return const_cast<OutputView *>(this)->rowsFitting(m_topRow);
    }
    const qint64 rows = std::min<qint64>(paintedRowsPerPage(), displayEndRow() - m_topRow);
    return int(std::max<qint64>(0, rows));
}

QString OutputView::visibleText() const
{
    QStringList lines;
    const int count = visibleRowCount();
    for (int i = 0; i < count; ++i) {
        lines.append(displayText(m_topRow + i));
    }
    return lines.join(u'\n');
}

QRect OutputView::rowRect(qint64 row) const
{
    if (row < m_topRow || row - m_topRow >= visibleRowCount()) {
        return {};
    }
    if (m_wrap) {
        auto *self = const_cast<OutputView *>(this); // layouts are a cache
        return QRect(0, self->rowTop(row), viewport()->width(), self->rowLines(row) * m_rowHeight);
    }
    return QRect(0, int(row - m_topRow) * m_rowHeight, viewport()->width(), m_rowHeight);
}

bool OutputView::hasSelection() const
{
    return m_anchor != m_cursor;
}

QString OutputView::selectedText() const
{
    if (!m_capture || !hasSelection()) {
        return {};
    }
    const TextPosition start = std::min(m_anchor, m_cursor);
    const TextPosition end = std::max(m_anchor, m_cursor);
    const qint64 firstRow = std::max(start.row, displayStartRow());
    const qint64 lastRow = std::min(end.row, displayEndRow() - 1);
    QString text;
    for (qint64 row = firstRow; row <= lastRow && text.size() < MaxCopyLength; ++row) {
        if (row > firstRow) {
            text += u'\n';
        }
        const qsizetype from = row == start.row ? start.column : 0;
        const qsizetype to = row == end.row ? end.column : std::numeric_limits<qsizetype>::max();
        if (isMarker(row)) {
            if (from < 1 && to > 0) {
                text += droppedLine(row);
            }
            continue;
        }
        bool truncated = false;
        const QString shown = Ansi::plainText(displayBytes(row, &truncated));
        if (truncated && to >= shown.size()) {
            // Selected through the "…": copy the whole row, as far as the budget allows.
            const qint64 budget = MaxCopyLength - text.size();
            const QString full = Ansi::plainText(m_capture->rowText(row, budget));
            text += QStringView(full).mid(from);
        } else {
            text += QStringView(shown).mid(from, std::max<qsizetype>(0, to - from));
        }
    }
    text.truncate(MaxCopyLength);
    return text;
}

QString OutputView::plainText() const
{
    return m_capture ? OutputExport::plainText(OutputExport::take(*m_capture)) : QString();
}

void OutputView::setSearchText(const QString &text, Qt::CaseSensitivity cs, bool regex)
{
    const OutputSearch::Pattern pattern(text, cs == Qt::CaseSensitive, regex);
    if (pattern == m_pattern) {
        return;
    }
    // Typing on from a match looks from that match, not from the top of its page.
    const qint64 from = m_currentMatch >= 0 ? m_matches.at(m_currentMatch).row : m_topRow;
    m_pattern = pattern;
    m_matches.clear();
    m_currentMatch = -1;
    m_matchesCapped = false;
    m_jumpFromRow = text.isEmpty() || !pattern.isValid() ? -1 : from;
    if (m_capture && !text.isEmpty()) {
        m_search->start(m_capture, m_pattern, m_capture->firstRow());
    } else {
        m_search->stop();
    }
    emitSearchChanged();
    viewport()->update();
}

QString OutputView::searchText() const
{
    return m_pattern.text();
}

QString OutputView::searchError() const
{
    return m_pattern.errorString();
}

int OutputView::searchProgress() const
{
    return int(m_search->progress() * 100);
}

int OutputView::matchCount() const
{
    return int(m_matches.size());
}

int OutputView::currentMatchIndex() const
{
    return m_currentMatch;
}

bool OutputView::isSearching() const
{
    return m_search->isRunning();
}

bool OutputView::matchesCapped() const
{
    return m_matchesCapped;
}

QSize OutputView::sizeHint() const
{
    const int frame = 2 * frameWidth();
    const int width = qCeil(80 * m_characterWidth) + 2 * TextMargin + frame +
            verticalScrollBar()->sizeHint().width();
    return QSize(width, 24 * m_rowHeight + frame);
}

void OutputView::captureChanged()
{
    if (!m_frameTimer->isActive()) {
        m_frameTimer->start();
    }
}

void OutputView::copy()
{
    const QString text = selectedText();
    if (!text.isEmpty()) {
        QApplication::clipboard()->setText(text);
    }
}

void OutputView::selectAll()
{
    if (!m_capture || displayEndRow() <= displayStartRow()) {
        return;
    }
    setSelection({displayStartRow(), 0},
                 {displayEndRow() - 1, std::numeric_limits<qsizetype>::max()});
}

void OutputView::clearSelection()
{
    setSelection(m_cursor, m_cursor);
}

void OutputView::findNext()
{
    if (m_matches.isEmpty()) {
        return;
    }
    int index = 0;
    if (m_currentMatch < 0) {
        // The first match at or below the top of the view.
        const auto it = std::lower_bound(
                m_matches.cbegin(), m_matches.cend(), m_topRow,
                [](const SearchMatch &match, qint64 row) { return match.row < row; });
        index = it == m_matches.cend() ? 0 : int(it - m_matches.cbegin());
    } else {
        index = (m_currentMatch + 1) % int(m_matches.size());
    }
    scrollToMatch(index);
}

void OutputView::findPrevious()
{
    if (m_matches.isEmpty()) {
        return;
    }
    const int count = int(m_matches.size());
    int index = count - 1;
    if (m_currentMatch < 0) {
        // The last match above the bottom of the view.
        const qint64 bottom = m_topRow + visibleRowCount();
        const auto it = std::lower_bound(
                m_matches.cbegin(), m_matches.cend(), bottom,
                [](const SearchMatch &match, qint64 row) { return match.row < row; });
        index = it == m_matches.cbegin() ? count - 1 : int(it - m_matches.cbegin()) - 1;
    } else {
        index = (m_currentMatch + count - 1) % count;
    }
    scrollToMatch(index);
}

bool OutputView::event(QEvent *event)
{
    if (event->type() == QEvent::ShortcutOverride) {
        // Our keys win over window-wide shortcuts while the view has focus.
        auto *keyEvent = static_cast<QKeyEvent *>(event);
        if (keyEvent == QKeySequence::Copy || keyEvent == QKeySequence::SelectAll ||
            keyEvent == QKeySequence::FindNext || keyEvent == QKeySequence::FindPrevious ||
            keyEvent->key() == Qt::Key_F3) {
            event->accept();
            return true;
        }
    }
    return QAbstractScrollArea::event(event);
}

void OutputView::changeEvent(QEvent *event)
{
    QAbstractScrollArea::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        // Colours are baked into the cached formats.
        m_layouts.clear();
        viewport()->update();
    } else if (event->type() == QEvent::FontChange) {
        m_layouts.clear();
        m_maxRowWidth = 0;
        updateMetrics();
        updateScrollBars();
        viewport()->update();
    }
}

void OutputView::paintEvent(QPaintEvent *event)
{
    QPainter painter(viewport());
    const QPalette &pal = palette();
    painter.fillRect(event->rect(), pal.color(QPalette::Base));
    if (!m_capture) {
        return;
    }
    layoutVisibleRows();

    const TextPosition selectionStart = std::min(m_anchor, m_cursor);
    const TextPosition selectionEnd = std::max(m_anchor, m_cursor);
    const bool selection = hasSelection();
    const qreal x = TextMargin - horizontalScrollBar()->value();
    const int width = viewport()->width();

    QTextCharFormat matchFormat;
    matchFormat.setBackground(blend(pal.color(QPalette::Base), QColor(255, 200, 0), 0.45));
    QTextCharFormat currentMatchFormat;
    currentMatchFormat.setBackground(QColor(255, 150, 0));
    currentMatchFormat.setForeground(QColor(Qt::black));
    QTextCharFormat selectionFormat;
    selectionFormat.setBackground(pal.brush(QPalette::Highlight));
    selectionFormat.setForeground(pal.brush(QPalette::HighlightedText));

    auto match = std::lower_bound(m_matches.cbegin(), m_matches.cend(), m_topRow,
                                  [](const SearchMatch &m, qint64 row) { return m.row < row; });
    const int rows = visibleRowCount();
    int y = 0;
    for (int i = 0; i < rows; ++i) {
        const qint64 row = m_topRow + i;
        const int height = (m_wrap ? rowLines(row) : 1) * m_rowHeight;
        const QRect rect(0, y, width, height);
        y += height;
        qsizetype selectedFrom = 0;
        qsizetype selectedTo = 0;
        if (selection && row >= selectionStart.row && row <= selectionEnd.row) {
            selectedFrom = row == selectionStart.row ? selectionStart.column : 0;
            selectedTo = row == selectionEnd.row ? selectionEnd.column
                                                 : std::numeric_limits<qsizetype>::max();
        }
        QList<QTextLayout::FormatRange> overlays;
        for (; match != m_matches.cend() && match->row == row; ++match) {
            const bool current = int(match - m_matches.cbegin()) == m_currentMatch;
            overlays.append({int(match->start), int(match->length),
                             current ? currentMatchFormat : matchFormat});
        }
        if (!event->rect().intersects(rect)) {
            continue;
        }

        if (isMarker(row)) {
            const bool selected = selectedFrom < 1 && selectedTo > 0;
            painter.fillRect(rect,
                             selected ? pal.color(QPalette::Highlight)
                                      : blend(pal.color(QPalette::Base),
                                              pal.color(QPalette::Highlight), 0.18));
            QFont markerFont = font();
            markerFont.setItalic(true);
            painter.setFont(markerFont);
            painter.setPen(pal.color(selected ? QPalette::HighlightedText : QPalette::Text));
            painter.drawText(rect, Qt::AlignCenter, markerText(row));
            continue;
        }

        const LaidOutRow *laid = cachedRow(row);
        if (!laid) {
            continue;
        }
        const qsizetype length = laid->layout.text().size();
        if (selectedTo > selectedFrom && selectedFrom < length) {
            const qsizetype to = std::min(selectedTo, length);
            overlays.append({int(selectedFrom), int(to - selectedFrom), selectionFormat});
        }
        painter.setPen(pal.color(QPalette::Text));
        painter.setFont(font());
        qreal end = x + laid->width;
        qreal lastLineTop = rect.top();
        if (m_wrap) {
            // At most MaxRowBytes of text, wrapped into the viewport: drawn whole.
            laid->layout.draw(&painter, QPointF(x, rect.top()), overlays, rect);
            const QTextLine last = laid->layout.lineAt(laid->layout.lineCount() - 1);
            if (last.isValid()) {
                end = x + last.naturalTextWidth();
                lastLineTop = rect.top() + last.y();
            }
        } else {
            drawLine(&painter, laid->layout, QPointF(x, rect.top()), overlays, rect,
                     TabColumns * m_characterWidth, viewport());
        }
        if (selection && row >= selectionStart.row && row < selectionEnd.row) {
            // The newline is selected too.
            painter.fillRect(QRectF(end, lastLineTop, m_characterWidth, m_rowHeight),
                             pal.color(QPalette::Highlight));
            end += m_characterWidth;
        }
        if (laid->truncated) {
            painter.setPen(pal.color(QPalette::PlaceholderText));
            painter.drawText(QRectF(end + m_characterWidth / 2, lastLineTop, 2 * m_characterWidth,
                                    m_rowHeight),
                             Qt::AlignLeft | Qt::AlignVCenter, QStringLiteral("…"));
        }
    }
    pruneLayouts();
    if (showsLineNumbers()) {
        m_gutter->update();
    }
}

void OutputView::resizeEvent(QResizeEvent *event)
{
    QAbstractScrollArea::resizeEvent(event);
    updateScrollBars();
    updateGutter();
    updateNewRowsHint();
}

void OutputView::scrollContentsBy(int dx, int dy)
{
    // Rows move with m_topRow (scrollRows()), not with the scrollbar value: eviction changes
    // the value while the rows stay. Marker rows are centred, so sideways needs a full paint.
    Q_UNUSED(dy);
    if (dx != 0) {
        viewport()->update();
    }
}

void OutputView::keyPressEvent(QKeyEvent *event)
{
    if (event == QKeySequence::Copy) {
        copy();
        return;
    }
    if (event == QKeySequence::SelectAll) {
        selectAll();
        return;
    }
    if (event == QKeySequence::FindPrevious ||
        (event->key() == Qt::Key_F3 && (event->modifiers() & Qt::ShiftModifier))) {
        findPrevious();
        return;
    }
    if (event == QKeySequence::FindNext || event->key() == Qt::Key_F3) {
        findNext();
        return;
    }
    QScrollBar *vertical = verticalScrollBar();
    QScrollBar *horizontal = horizontalScrollBar();
    switch (event->key()) {
    case Qt::Key_Home:
        vertical->setValue(0);
        horizontal->setValue(0);
        break;
    case Qt::Key_End:
        setFollowTail(true);
        break;
    case Qt::Key_PageUp:
        vertical->triggerAction(QAbstractSlider::SliderPageStepSub);
        break;
    case Qt::Key_PageDown:
        vertical->triggerAction(QAbstractSlider::SliderPageStepAdd);
        break;
    case Qt::Key_Up:
        vertical->triggerAction(QAbstractSlider::SliderSingleStepSub);
        break;
    case Qt::Key_Down:
        vertical->triggerAction(QAbstractSlider::SliderSingleStepAdd);
        break;
    case Qt::Key_Left:
        horizontal->triggerAction(QAbstractSlider::SliderSingleStepSub);
        break;
    case Qt::Key_Right:
        horizontal->triggerAction(QAbstractSlider::SliderSingleStepAdd);
        break;
    default:
        QAbstractScrollArea::keyPressEvent(event);
        return;
    }
    event->accept();
}

void OutputView::mousePressEvent(QMouseEvent *event)
{
    if (event->button() != Qt::LeftButton || !m_capture) {
        QAbstractScrollArea::mousePressEvent(event);
        return;
    }
    const TextPosition pos = hitTest(event->position());
    m_lastMousePos = event->position();
    if (m_sinceDoubleClick.isValid() &&
        m_sinceDoubleClick.elapsed() < QApplication::doubleClickInterval() &&
        (event->position() - m_doubleClickPos).manhattanLength() <
                QApplication::startDragDistance()) {
        // Triple click: the whole row, newline included.
        m_sinceDoubleClick.invalidate();
        if (pos.row + 1 < displayEndRow()) {
            setSelection({pos.row, 0}, {pos.row + 1, 0});
        } else {
            setSelection({pos.row, 0}, {pos.row, rowLength(pos.row)});
        }
        m_selecting = false;
        event->accept();
        return;
    }
    if (event->modifiers() & Qt::ShiftModifier) {
        setSelection(m_anchor, pos);
    } else {
        setSelection(pos, pos);
    }
    m_selecting = true;
    event->accept();
}

void OutputView::mouseMoveEvent(QMouseEvent *event)
{
    if (!m_selecting) {
        QAbstractScrollArea::mouseMoveEvent(event);
        return;
    }
    m_lastMousePos = event->position();
    setSelection(m_anchor, hitTest(m_lastMousePos));
    const bool outside = m_lastMousePos.y() < 0 || m_lastMousePos.y() >= viewport()->height();
    if (outside && !m_autoScrollTimer->isActive()) {
        m_autoScrollTimer->start();
    } else if (!outside) {
        m_autoScrollTimer->stop();
    }
    event->accept();
}

void OutputView::mouseReleaseEvent(QMouseEvent *event)
{
    if (event->button() != Qt::LeftButton) {
        QAbstractScrollArea::mouseReleaseEvent(event);
        return;
    }
    if (m_selecting) {
        setSelection(m_anchor, hitTest(event->position()));
    }
    m_selecting = false;
    m_autoScrollTimer->stop();
    event->accept();
}

void OutputView::mouseDoubleClickEvent(QMouseEvent *event)
{
    if (event->button() != Qt::LeftButton || !m_capture) {
        QAbstractScrollArea::mouseDoubleClickEvent(event);
        return;
    }
    selectWordAt(hitTest(event->position()));
    m_selecting = false;
    m_sinceDoubleClick.start();
    m_doubleClickPos = event->position();
    event->accept();
}

void OutputView::contextMenuEvent(QContextMenuEvent *event)
{
    QMenu menu(this);
    QAction *copyAction = menu.addAction(tr("&Copy"), this, &OutputView::copy);
    copyAction->setShortcut(QKeySequence::Copy);
    copyAction->setEnabled(hasSelection());
    QAction *selectAllAction = menu.addAction(tr("Select &All"), this, &OutputView::selectAll);
    selectAllAction->setShortcut(QKeySequence::SelectAll);
    selectAllAction->setEnabled(m_capture && displayEndRow() > displayStartRow());
    if (!m_extraActions.isEmpty()) {
        menu.addSeparator();
        menu.addActions(m_extraActions);
    }
    menu.exec(event->globalPos());
}

qint64 OutputView::displayStartRow() const
{
    if (!m_capture) {
        return 0;
    }
    return m_capture->firstRow() - (m_capture->evictedBytes() > 0 ? 1 : 0);
}

qint64 OutputView::displayEndRow() const
{
    return m_capture ? m_capture->endRow() : 0;
}

bool OutputView::isEvictionMarker(qint64 row) const
{
    return m_capture && m_capture->evictedBytes() > 0 && row == m_capture->firstRow() - 1;
}

bool OutputView::isMarker(qint64 row) const
{
    if (!m_capture) {
        return false;
    }
    return isEvictionMarker(row) || m_capture->row(row).kind == OutputCapture::Row::Gap;
}

int OutputView::fullRowsPerPage() const
{
    return std::max(1, viewport()->height() / m_rowHeight);
}

int OutputView::paintedRowsPerPage() const
{
    return std::max(1, (viewport()->height() + m_rowHeight - 1) / m_rowHeight);
}

QByteArray OutputView::displayBytes(qint64 row, bool *truncated) const
{
    const OutputCapture::Row info = m_capture->row(row);
    QByteArray bytes = m_capture->rowText(row, MaxRowBytes);
    const bool cut = info.length > MaxRowBytes;
    if (cut) {
        OutputSearch::dropPartialUtf8Tail(&bytes);
    }
    if (truncated) {
        *truncated = cut;
    }
    return bytes;
}

QString OutputView::displayText(qint64 row) const
{
    if (isMarker(row)) {
        return markerText(row);
    }
    return Ansi::plainText(displayBytes(row));
}

QString OutputView::markerText(qint64 row) const
{
    if (isEvictionMarker(row)) {
        return tr("⋯ %1 bytes dropped (output exceeded the capture limit) ⋯")
                .arg(locale().toString(m_capture->evictedBytes()));
    }
    return tr("⋯ %1 bytes dropped ⋯").arg(locale().toString(m_capture->row(row).length));
}

QString OutputView::droppedLine(qint64 row) const
{
    const qint64 bytes =
            isEvictionMarker(row) ? m_capture->evictedBytes() : m_capture->row(row).length;
    return tr("[%1 bytes dropped]").arg(bytes);
}

qsizetype OutputView::rowLength(qint64 row) const
{
    if (!m_capture) {
        return 0;
    }
    if (isMarker(row)) {
        return 1;
    }
    if (const LaidOutRow *laid = cachedRow(row)) {
        return laid->layout.text().size();
    }
    return Ansi::plainText(displayBytes(row)).size();
}

void OutputView::resetState()
{
    m_layouts.clear();
    m_maxRowWidth = 0;
    m_anchor = m_cursor = {};
    m_selecting = false;
    m_autoScrollTimer->stop();
    m_frameTimer->stop();
    m_matches.clear();
    m_currentMatch = -1;
    m_matchesCapped = false;
    m_jumpFromRow = -1; // another capture: following its tail is not interrupted
    m_knownFirstRow = m_capture ? m_capture->firstRow() : 0;
    m_knownEndRow = m_capture ? m_capture->endRow() : 0;
    m_knownEvictedBytes = m_capture ? m_capture->evictedBytes() : 0;
    m_topRow = displayStartRow();
    horizontalScrollBar()->setValue(0);
    if (m_capture && !m_pattern.isEmpty()) {
        m_search->start(m_capture, m_pattern, m_knownFirstRow);
    } else {
        m_search->stop();
    }
    emitSearchChanged();
    Q_EMIT selectionChanged();
}

void OutputView::onFrame()
{
    if (!m_capture) {
        return;
    }
    const qint64 oldEndRow = m_knownEndRow;
    const bool everythingChanged = syncWithCapture();
    updateScrollBars(); // following the tail blits the rows that stay (scrollRows())
    m_search->resume();
    updateGutter();
    updateNewRowsHint();
    if (everythingChanged) {
        viewport()->update();
    } else {
        // The old last row may have grown; the rows after it are new.
        updateRowsFrom(oldEndRow - 1);
    }
}

// Drops what eviction took away; true when the capture was cleared or evicted, which changes
// the marker row and possibly the first row: then everything is repainted.
bool OutputView::syncWithCapture()
{
    const qint64 firstRow = m_capture->firstRow();
    const qint64 endRow = m_capture->endRow();
    const qint64 evicted = m_capture->evictedBytes();
    if (endRow < m_knownEndRow || firstRow < m_knownFirstRow || evicted < m_knownEvictedBytes) {
        // Not the capture we knew (rows went backwards): start over, searching again.
        resetState();
        return true;
    }
    const bool evictionChanged = firstRow != m_knownFirstRow || evicted != m_knownEvictedBytes;
    if (firstRow != m_knownFirstRow) {
        const auto firstKept = std::lower_bound(
                m_matches.cbegin(), m_matches.cend(), firstRow,
                [](const SearchMatch &match, qint64 row) { return match.row < row; });
        const int dropped = int(firstKept - m_matches.cbegin());
        if (dropped > 0) {
            m_matches.remove(0, dropped);
            m_currentMatch = m_currentMatch >= dropped ? m_currentMatch - dropped : -1;
            m_matchesCapped = false;
            m_search->forget(dropped);
            emitSearchChanged();
        }
        for (auto it = m_layouts.begin(); it != m_layouts.end();) {
            it = it->first < firstRow ? m_layouts.erase(it) : std::next(it);
        }
        const qint64 start = displayStartRow();
        const TextPosition clampedStart {start, 0};
        const bool hadSelection = hasSelection();
        m_anchor = std::max(m_anchor, clampedStart);
        m_cursor = std::max(m_cursor, clampedStart);
        if (hadSelection) {
            Q_EMIT selectionChanged();
        }
    }
    if (evictionChanged) {
        // Eviction may have cut the first row's start: its matches' columns no longer point
        // at their text. It is on its way out; its matches go now.
        qsizetype cut = 0;
        while (cut < m_matches.size() && m_matches.at(cut).row == firstRow) {
            ++cut;
        }
        if (cut > 0) {
            m_matches.remove(0, cut);
            m_currentMatch = m_currentMatch >= cut ? m_currentMatch - int(cut) : -1;
            m_matchesCapped = false;
            m_search->forget(cut);
            emitSearchChanged();
        }
    }
    m_knownFirstRow = firstRow;
    m_knownEndRow = endRow;
    m_knownEvictedBytes = evicted;
    return evictionChanged;
}

void OutputView::updateMetrics()
{
    const QFontMetricsF metrics(font());
    m_rowHeight = std::max(1, qCeil(metrics.height()));
    m_characterWidth = std::max<qreal>(1, metrics.horizontalAdvance(u'M'));
}

void OutputView::updateScrollBars()
{
    if (m_updatingScrollBars) {
        // A scrollbar appeared or vanished and resized the viewport while we were at it.
        m_scrollBarsDirty = true;
        return;
    }
    m_updatingScrollBars = true;
    do {
        m_scrollBarsDirty = false;
        const qint64 start = displayStartRow();
        const qint64 count = displayEndRow() - start;
        const int page = m_wrap ? std::max(1, rowsFitting(m_topRow) - 1) : fullRowsPerPage();
        const qint64 maxTop = m_wrap ? std::max<qint64>(0, tailTopRow() - start)
                                     : std::max<qint64>(0, count - page);
        const qint64 oldTop = m_topRow;
        m_topRow = m_followTail ? start + maxTop : std::clamp(m_topRow, start, start + maxTop);
        constexpr qint64 intMax = std::numeric_limits<int>::max();
        QScrollBar *vertical = verticalScrollBar();
        vertical->setRange(0, int(std::min(maxTop, intMax)));
        vertical->setPageStep(page);
        vertical->setSingleStep(1);
        vertical->setValue(int(std::min(m_topRow - start, intMax)));

        QScrollBar *horizontal = horizontalScrollBar();
        const int contentWidth = qCeil(m_maxRowWidth + 3 * m_characterWidth) + 2 * TextMargin;
        horizontal->setRange(0, m_wrap ? 0 : std::max(0, contentWidth - viewport()->width()));
        horizontal->setPageStep(viewport()->width());
        horizontal->setSingleStep(qCeil(m_characterWidth));
        scrollRows(oldTop);
    } while (m_scrollBarsDirty);
    m_updatingScrollBars = false;
}

// Rows that stay visible are moved on screen, not painted again: following a stream paints
// only the new rows.
void OutputView::scrollRows(qint64 oldTopRow)
{
    const qint64 delta = m_topRow - oldTopRow;
    if (delta == 0) {
        return;
    }
    if (m_wrap || qAbs(delta) >= paintedRowsPerPage()) {
        viewport()->update();
    } else {
        viewport()->scroll(0, int(-delta) * m_rowHeight);
    }
}

void OutputView::updateRowsFrom(qint64 row)
{
    if (m_wrap) {
        viewport()->update(); // rows have their own heights: not worth the arithmetic
        return;
    }
    const qint64 offset = std::max(row, m_topRow) - m_topRow;
    if (offset >= paintedRowsPerPage()) {
        return;
    }
    const int y = int(offset) * m_rowHeight;
    viewport()->update(0, y, viewport()->width(), viewport()->height() - y);
}

void OutputView::onVerticalScroll(int value)
{
    if (m_updatingScrollBars || !m_capture) {
        return;
    }
    const qint64 oldTop = m_topRow;
    m_topRow = displayStartRow() + value;
    // Anything that leaves the bottom pauses following; coming back to it resumes.
    updateFollowTail(value >= verticalScrollBar()->maximum());
    scrollRows(oldTop);
    updateNewRowsHint();
}

void OutputView::updateFollowTail(bool follow)
{
    if (m_followTail == follow) {
        return;
    }
    m_followTail = follow;
    if (!follow) {
        m_unfollowEndRow = displayEndRow();
    }
    updateNewRowsHint();
    Q_EMIT followTailChanged(follow);
}

void OutputView::scheduleHorizontalUpdate()
{
    // Widths are learnt while painting; scrollbars change after it, not during it.
    if (m_horizontalUpdatePending) {
        return;
    }
    m_horizontalUpdatePending = true;
    QTimer::singleShot(0, this, [this] {
        m_horizontalUpdatePending = false;
        updateScrollBars();
    });
}

QTextCharFormat OutputView::charFormat(const AnsiStyle &style) const
{
    const QPalette &pal = palette();
    QColor foreground = toColor(style.foreground, pal.color(QPalette::Text));
    QColor background = toColor(style.background, pal.color(QPalette::Base));
    bool fillBackground = style.background.kind != AnsiColor::Default;
    if (style.inverse) {
        std::swap(foreground, background);
        fillBackground = true;
    }
    if (style.faint) {
        foreground = blend(foreground, background, 0.5);
    }
    QTextCharFormat format;
    format.setForeground(foreground);
    if (fillBackground) {
        format.setBackground(background);
    }
    if (style.bold) {
        format.setFontWeight(QFont::Bold);
    }
    if (style.italic) {
        format.setFontItalic(true);
    }
    if (style.underline) {
        format.setFontUnderline(true);
    }
    if (style.strikeOut) {
        format.setFontStrikeOut(true);
    }
    return format;
}

// The SGR state at the start of `row`. Exact when the row above is laid out; otherwise an
// approximation: only the StateLookbackRows rows above are parsed (each up to MaxRowBytes),
// so a colour set further up and never reset is not carried. A gap resets the state.
AnsiStyle OutputView::stateBefore(qint64 row) const
{
    if (const LaidOutRow *above = cachedRow(row - 1)) {
        return above->endState;
    }
    AnsiStyle state;
    const qint64 first = std::max(m_capture->firstRow(), row - StateLookbackRows);
    for (qint64 r = first; r < row; ++r) {
        if (m_capture->row(r).kind == OutputCapture::Row::Gap) {
            state = AnsiStyle();
        } else {
            Ansi::parseLine(displayBytes(r), &state);
        }
    }
    return state;
}

OutputView::LaidOutRow *OutputView::cachedRow(qint64 row) const
{
    if (!m_capture || row < m_capture->firstRow() || row >= m_capture->endRow()) {
        return nullptr;
    }
    const auto it = m_layouts.find(row);
    if (it == m_layouts.end() || !sameData(it->second->row, m_capture->row(row)) ||
        it->second->wrapWidth != (m_wrap ? wrapWidth() : 0)) {
        return nullptr;
    }
    return it->second.get();
}

OutputView::LaidOutRow *OutputView::layoutRow(qint64 row, const AnsiStyle &startState)
{
    if (LaidOutRow *cached = cachedRow(row); cached && cached->startState == startState) {
        return cached;
    }
    bool truncated = false;
    AnsiStyle state = startState;
    const AnsiLine line = Ansi::parseLine(displayBytes(row, &truncated), &state);

    auto laid = std::make_unique<LaidOutRow>(line.text, font(), viewport());
    laid->row = m_capture->row(row);
    laid->startState = startState;
    laid->endState = state;
    laid->truncated = truncated;

    QTextOption option;
    option.setWrapMode(m_wrap ? QTextOption::WrapAtWordBoundaryOrAnywhere : QTextOption::NoWrap);
    option.setTabStopDistance(TabColumns * m_characterWidth);
    laid->layout.setTextOption(option);
    QList<QTextLayout::FormatRange> formats;
    for (const AnsiSpan &span : line.spans) {
        if (!span.style.isDefault()) {
            formats.append({int(span.start), int(span.length), charFormat(span.style)});
        }
    }
    laid->layout.setFormats(formats);
    laid->layout.setCacheEnabled(true);
    laid->layout.beginLayout();
    if (m_wrap) {
        // Lines of the row's height each, so that rows and lines share one grid.
        laid->wrapWidth = wrapWidth();
        int lines = 0;
        for (QTextLine textLine = laid->layout.createLine(); textLine.isValid();
             textLine = laid->layout.createLine()) {
            textLine.setLineWidth(laid->wrapWidth);
            textLine.setPosition(QPointF(0, lines * m_rowHeight));
            laid->width = std::max(laid->width, textLine.naturalTextWidth());
            ++lines;
        }
        laid->lines = std::max(1, lines);
        laid->layout.endLayout();
    } else {
        QTextLine textLine = laid->layout.createLine();
        if (textLine.isValid()) {
            textLine.setLineWidth(LineWidth);
            textLine.setPosition(QPointF(0, 0));
        }
        laid->layout.endLayout();
        laid->width = textLine.isValid() ? textLine.naturalTextWidth() : 0;
    }
    if (!m_wrap && laid->width > m_maxRowWidth) {
        m_maxRowWidth = laid->width;
        scheduleHorizontalUpdate();
    }

    LaidOutRow *result = laid.get();
    m_layouts[row] = std::move(laid);
    return result;
}

OutputView::LaidOutRow *OutputView::layoutFor(qint64 row)
{
    if (LaidOutRow *cached = cachedRow(row)) {
        return cached;
    }
    return layoutRow(row, stateBefore(row));
}

// Only the visible rows are laid out; each carries the SGR state of the row above.
void OutputView::layoutVisibleRows()
{
    const qint64 end = m_topRow + visibleRowCount();
    AnsiStyle state;
    bool haveState = false;
    for (qint64 row = std::max(m_topRow, m_capture->firstRow()); row < end; ++row) {
        if (isMarker(row)) {
            state = AnsiStyle();
            haveState = true;
            continue;
        }
        if (!haveState) {
            // Keep the state the top row was laid out with: scrolling stays consistent.
            const LaidOutRow *cached = cachedRow(row);
            state = cached ? cached->startState : stateBefore(row);
            haveState = true;
        }
        state = layoutRow(row, state)->endState;
    }
}

qreal OutputView::wrapWidth() const
{
    return std::max(8 * m_characterWidth, qreal(viewport()->width() - 2 * TextMargin));
}

int OutputView::rowLines(qint64 row)
{
    if (!m_wrap || !m_capture || isMarker(row) || row < m_capture->firstRow() ||
        row >= m_capture->endRow()) {
        return 1;
    }
    return layoutFor(row)->lines;
}

qint64 OutputView::tailTopRow()
{
    const qint64 start = displayStartRow();
    qint64 top = displayEndRow();
    int height = 0;
    while (top > start) {
        height += rowLines(top - 1) * m_rowHeight;
        if (height > viewport()->height() && top < displayEndRow()) {
            break; // the row above would not fit completely
        }
        --top;
    }
    return std::max(top, start);
}

int OutputView::rowsFitting(qint64 from)
{
    const qint64 end = displayEndRow();
    int rows = 0;
    for (int y = 0; from + rows < end && y < viewport()->height(); ++rows) {
        y += rowLines(from + rows) * m_rowHeight;
    }
    return rows;
}

int OutputView::rowTop(qint64 row)
{
    int y = 0;
    for (qint64 r = m_topRow; r < row; ++r) {
        y += rowLines(r) * m_rowHeight;
    }
    return y;
}

void OutputView::updateGutter()
{
    if (!showsLineNumbers()) {
        setViewportMargins(0, 0, 0, 0);
        return;
    }
    // At least three digits: no reflow for the first thousand rows.
    const int digits =
            std::max(3, int(QString::number(std::max<qint64>(1, displayEndRow())).size()));
    if (digits != m_gutterDigits) {
        m_gutterDigits = digits;
        const int width = qCeil(m_gutterDigits * m_characterWidth) + 2 * TextMargin;
        setViewportMargins(width, 0, 0, 0);
        if (m_wrap) {
            m_layouts.clear(); // the viewport got narrower
        }
        updateScrollBars();
    }
    const QRect area = viewport()->geometry();
    m_gutter->setGeometry(area.left() - viewportMargins().left(), area.top(),
                          viewportMargins().left(), area.height());
    m_gutter->update();
}

void OutputView::paintGutter(QPaintEvent *event)
{
    QPainter painter(m_gutter);
    const QPalette &pal = palette();
    const QColor base = pal.color(QPalette::Base);
    painter.fillRect(event->rect(), blend(base, pal.color(QPalette::Text), 0.05));
    painter.setPen(blend(base, pal.color(QPalette::Text), 0.2));
    painter.drawLine(m_gutter->width() - 1, event->rect().top(), m_gutter->width() - 1,
                     event->rect().bottom());
    if (!m_capture) {
        return;
    }
    painter.setFont(font());
    painter.setPen(pal.color(QPalette::PlaceholderText));
    const int rows = visibleRowCount();
    int y = 0;
    for (int i = 0; i < rows; ++i) {
        const qint64 row = m_topRow + i;
        if (!isMarker(row)) {
            // Numbers count from 1 over the whole output, as `less -N` does.
            painter.drawText(QRect(0, y, m_gutter->width() - TextMargin - 1, m_rowHeight),
                             Qt::AlignRight | Qt::AlignVCenter, QString::number(row + 1));
        }
        y += rowLines(row) * m_rowHeight;
    }
}

void OutputView::updateNewRowsHint()
{
    const qint64 rows = newRowsBelow();
    if (rows <= 0) {
        m_newRowsHint->hide();
        return;
    }
    //: shown over the output while it is not following; clicking it follows again
    m_newRowsHint->setText(tr("↓ %n new line(s) below", nullptr,
                              int(std::min<qint64>(rows, std::numeric_limits<int>::max()))));
    m_newRowsHint->adjustSize();
    const QRect area = viewport()->geometry();
    m_newRowsHint->move(area.right() - m_newRowsHint->width() - 2 * TextMargin,
                        area.bottom() - m_newRowsHint->height() - TextMargin);
    m_newRowsHint->show();
    m_newRowsHint->raise();
}

void OutputView::pruneLayouts()
{
    const qint64 margin = qint64(CachedPagesAround) * paintedRowsPerPage();
    const qint64 from = m_topRow - margin;
    const qint64 to = m_topRow + paintedRowsPerPage() + margin;
    if (qint64(m_layouts.size()) <= to - from) {
        return;
    }
    for (auto it = m_layouts.begin(); it != m_layouts.end();) {
        it = it->first < from || it->first >= to ? m_layouts.erase(it) : std::next(it);
    }
}

OutputView::TextPosition OutputView::hitTest(const QPointF &pos)
{
    const qint64 start = displayStartRow();
    const qint64 end = displayEndRow();
    if (!m_capture || end <= start) {
        return {};
    }
    qint64 row = m_topRow + qFloor(pos.y() / m_rowHeight);
    int lineIndex = 0;
    if (m_wrap && pos.y() >= 0) {
        row = m_topRow;
        int y = 0;
        while (row < end) {
            const int lines = rowLines(row);
            if (pos.y() < y + lines * m_rowHeight) {
                lineIndex = std::clamp(qFloor((pos.y() - y) / m_rowHeight), 0, lines - 1);
                break;
            }
            y += lines * m_rowHeight;
            ++row;
        }
    }
    if (row < start) {
        return {start, 0};
    }
    if (row >= end) {
        return {end - 1, rowLength(end - 1)};
    }
    if (isMarker(row)) {
        return {row, pos.x() * 2 > viewport()->width() ? 1 : 0};
    }
    const LaidOutRow *laid = layoutFor(row);
    const QTextLine line = laid->layout.lineAt(m_wrap ? lineIndex : 0);
    if (!line.isValid()) {
        return {row, 0};
    }
    const qreal x = pos.x() + (m_wrap ? 0 : horizontalScrollBar()->value()) - TextMargin;
    return {row, line.xToCursor(x)};
}

void OutputView::setSelection(const TextPosition &anchor, const TextPosition &cursor)
{
    if (anchor == m_anchor && cursor == m_cursor) {
        return;
    }
    const bool notify = hasSelection() || anchor != cursor;
    m_anchor = anchor;
    m_cursor = cursor;
    viewport()->update();
    if (notify) {
        Q_EMIT selectionChanged();
    }
}

void OutputView::selectWordAt(const TextPosition &pos)
{
    if (isMarker(pos.row)) {
        setSelection({pos.row, 0}, {pos.row, 1});
        return;
    }
    const QString text = layoutFor(pos.row)->layout.text();
    if (text.isEmpty()) {
        setSelection(pos, pos);
        return;
    }
    qsizetype at = std::min(pos.column, text.size() - 1);
    if (!isWordCharacter(text.at(at)) && at > 0 && isWordCharacter(text.at(at - 1))) {
        --at; // clicked just right of a word
    }
    if (!isWordCharacter(text.at(at))) {
        setSelection({pos.row, at}, {pos.row, at + 1});
        return;
    }
    qsizetype from = at;
    qsizetype to = at + 1;
    while (from > 0 && isWordCharacter(text.at(from - 1))) {
        --from;
    }
    while (to < text.size() && isWordCharacter(text.at(to))) {
        ++to;
    }
    setSelection({pos.row, from}, {pos.row, to});
}

void OutputView::autoScroll()
{
    if (!m_selecting) {
        m_autoScrollTimer->stop();
        return;
    }
    QScrollBar *vertical = verticalScrollBar();
    if (m_lastMousePos.y() < 0) {
        vertical->triggerAction(QAbstractSlider::SliderSingleStepSub);
    } else if (m_lastMousePos.y() >= viewport()->height()) {
        vertical->triggerAction(QAbstractSlider::SliderSingleStepAdd);
    }
    setSelection(m_anchor, hitTest(m_lastMousePos));
}

// Matches arrive in row order, a batch at a time; a growing last row is searched again, so
// its earlier matches are replaced.
void OutputView::onSearchFound(qint64 fromRow, const QList<OutputSearch::Match> &matches,
                               bool capped)
{
    const qint64 firstRow = m_capture ? m_capture->firstRow() : 0;
    qint64 firstChangedRow = std::numeric_limits<qint64>::max();
    while (!m_matches.isEmpty() && m_matches.constLast().row >= fromRow) {
        m_matches.removeLast();
        firstChangedRow = fromRow;
    }
    qsizetype evicted = 0;
    for (const SearchMatch &match : matches) {
        if (match.row > firstRow || (match.row == firstRow && firstRow == fromRow)) {
            m_matches.append(match);
            firstChangedRow = std::min(firstChangedRow, match.row);
        } else {
            ++evicted; // eviction took (or cut) its row while it was searched
        }
    }
    m_matchesCapped = capped;
    m_search->forget(evicted);
    if (m_currentMatch >= m_matches.size()) {
        m_currentMatch = -1;
    }
    if (m_jumpFromRow >= 0 && m_currentMatch < 0 && !m_matches.isEmpty()) {
        const auto it = std::lower_bound(
                m_matches.cbegin(), m_matches.cend(), m_jumpFromRow,
                [](const SearchMatch &match, qint64 row) { return match.row < row; });
        if (it != m_matches.cend()) {
            m_jumpFromRow = -1;
            scrollToMatch(int(it - m_matches.cbegin()));
        }
    }
    emitSearchChanged(); // when the search ended with nothing below, it takes the first
    updateRowsFrom(firstChangedRow);
}

void OutputView::emitSearchChanged()
{
    const int count = matchCount();
    const bool searching = isSearching();
    const int progress = searching ? searchProgress() : 0;
    if (count == m_emittedCount && m_currentMatch == m_emittedIndex &&
        searching == m_emittedSearching && progress == m_emittedProgress) {
        return;
    }
    if (!searching && m_jumpFromRow >= 0 && !m_matches.isEmpty()) {
        m_jumpFromRow = -1; // nothing at or below where we were: the first, as find wraps
        scrollToMatch(0); // emits again, with the current match
        return;
    }
    m_emittedCount = count;
    m_emittedIndex = m_currentMatch;
    m_emittedSearching = searching;
    m_emittedProgress = progress;
    Q_EMIT searchChanged(m_currentMatch, count, searching);
}

void OutputView::scrollToMatch(int index)
{
    m_currentMatch = index;
    const SearchMatch match = m_matches.at(index);
    updateFollowTail(false);
    if (m_wrap) {
        if (match.row < m_topRow || match.row >= m_topRow + rowsFitting(m_topRow) - 1) {
            // About half a viewport of rows above it.
            m_topRow = match.row;
            for (int y = 0; m_topRow > displayStartRow();) {
                y += rowLines(m_topRow - 1) * m_rowHeight;
                if (y > viewport()->height() / 2) {
                    break;
                }
                --m_topRow;
            }
        }
        updateScrollBars();
        viewport()->update();
        emitSearchChanged();
        return;
    }
    const int page = fullRowsPerPage();
    if (match.row < m_topRow || match.row >= m_topRow + page) {
        m_topRow = match.row - page / 2;
    }
    const LaidOutRow *laid = layoutFor(match.row);
    updateScrollBars();

    const QTextLine line = laid->layout.lineAt(0);
    if (line.isValid()) {
        QScrollBar *horizontal = horizontalScrollBar();
        const qreal left = line.cursorToX(int(match.start)) + TextMargin;
        const qreal right = line.cursorToX(int(match.start + match.length)) + TextMargin;
        const int width = viewport()->width();
        if (left < horizontal->value() || right > horizontal->value() + width) {
            horizontal->setValue(qRound(left - width / 3.0));
        }
    }
    viewport()->update();
    emitSearchChanged();
}
