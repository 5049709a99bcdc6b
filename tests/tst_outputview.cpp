// The output pane offscreen: ANSI colours reach the screen and only SGR survives, follow tail,
// search in slices, mouse selection and copy, gap and eviction markers, a huge line, and one
// repaint per frame however often output arrives.
#include "common/translationloader.h"
#include "outputview.h"
#include "process/outputcapture.h"

#include <QApplication>
#include <QClipboard>
#include <QDir>
#include <QElapsedTimer>
#include <QFontMetricsF>
#include <QImage>
#include <QScreen>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTest>
#include <QToolButton>
#include <QWheelEvent>

#include <functional>

namespace {

// The view draws text this far from the viewport's left edge.
constexpr int TextMargin = 4;

QByteArray numberedRows(int from, int count)
{
    QByteArray data;
    for (int i = from; i < from + count; ++i) {
        data += "row " + QByteArray::number(i) + '\n';
    }
    return data;
}

bool hasPixel(const QImage &image, const std::function<bool(const QColor &)> &matches)
{
    for (int y = 0; y < image.height(); ++y) {
        for (int x = 0; x < image.width(); ++x) {
            if (matches(image.pixelColor(x, y))) {
                return true;
            }
        }
    }
    return false;
}

bool isNear(const QColor &color, const QColor &target, int tolerance)
{
    return qAbs(color.red() - target.red()) <= tolerance &&
            qAbs(color.green() - target.green()) <= tolerance &&
            qAbs(color.blue() - target.blue()) <= tolerance;
}

bool isRed(const QColor &color)
{
    return color.red() >= 150 && color.green() <= 60 && color.blue() <= 60;
}

class PaintCounter : public QObject
{
public:
    using QObject::QObject;
    int paints = 0;
    QRegion painted;

protected:
    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (event->type() == QEvent::Paint) {
            ++paints;
            painted += static_cast<QPaintEvent *>(event)->region();
        }
        return QObject::eventFilter(watched, event);
    }
};

} // namespace

class TestOutputView : public QObject
{
    Q_OBJECT
private:
    // Shows the view at a fixed size and returns once it is exposed.
    bool showView(OutputView *view, const OutputCapture *capture, QSize size = QSize(640, 320))
    {
        view->resize(size);
        view->setCapture(capture);
        view->show();
        return QTest::qWaitForWindowExposed(view);
    }

    // The point a little right of the left edge of character `column` of a visible row.
    QPoint characterPoint(const OutputView &view, qint64 row, int column)
    {
        const qreal width = QFontMetricsF(view.font()).horizontalAdvance(u'M');
        return QPoint(TextMargin + qRound(column * width) + 1, view.rowRect(row).center().y());
    }

private Q_SLOTS:
    void initTestCase()
    {
        QCOMPARE(QApplication::platformName(), QStringLiteral("offscreen"));
        // The English catalogue holds the plural forms ("3 new lines").
        QVERIFY(TranslationLoader::install(qApp, QLocale(QLocale::English)));
    }

    void basics()
    {
        OutputView view;
        QCOMPARE(view.objectName(), QStringLiteral("outputView"));
        QVERIFY(!view.accessibleName().isEmpty());
        QVERIFY(view.font().fixedPitch() || QFontInfo(view.font()).fixedPitch());
        QVERIFY(view.sizeHint().width() > 200);
        QVERIFY(view.sizeHint().height() > 100);
        QVERIFY(view.followTail());
        QCOMPARE(view.visibleText(), QString());
        QCOMPARE(view.plainText(), QString());
        view.setCapture(nullptr);
        view.captureChanged();
        view.selectAll();
        view.findNext();
        QVERIFY(!view.hasSelection());
    }

    void colouredLinesRenderInColour()
    {
        OutputCapture capture;
        capture.append("plain text only, no colour at all\n"
                       "\x1b[31mRED RED RED RED RED RED\x1b[0m\n"
                       "\x1b[38;2;0;128;255mTRUECOLOUR TRUECOLOUR\x1b[0m\n"
                       "\x1b[7minverse\x1b[27m \x1b[1mbold\x1b[22m \x1b[2mfaint\x1b[0m\n");
        OutputView view;
        QVERIFY(showView(&view, &capture));
        QCOMPARE(view.topRow(), 0);
        QCOMPARE(view.visibleRowCount(), 4);
        QCOMPARE(view.visibleText(),
                 QStringLiteral("plain text only, no colour at all\n"
                                "RED RED RED RED RED RED\n"
                                "TRUECOLOUR TRUECOLOUR\n"
                                "inverse bold faint"));

        const QImage image = view.viewport()->grab().toImage();
        const qreal ratio = image.devicePixelRatio();
        const auto rowImage = [&](qint64 row) {
            const QRect rect = view.rowRect(row);
            return image.copy(QRect(rect.topLeft() * ratio, rect.size() * ratio));
        };
        QVERIFY(!hasPixel(rowImage(0), isRed));
        QVERIFY(hasPixel(rowImage(1), isRed));
        QVERIFY(!hasPixel(rowImage(1),
                          [](const QColor &c) { return isNear(c, {0, 128, 255}, 40); }));
        QVERIFY(hasPixel(rowImage(2),
                         [](const QColor &c) { return isNear(c, {0, 128, 255}, 40); }));
        // Inverse paints the text colour as background.
        const QColor text = view.palette().color(QPalette::Text);
        QVERIFY(hasPixel(rowImage(3), [&](const QColor &c) { return isNear(c, text, 8); }));
    }

    void paletteChangeRepaintsWithNewColours()
    {
        OutputCapture capture;
        capture.append("\x1b[7minverse inverse inverse\x1b[0m\n");
        OutputView view;
        QVERIFY(showView(&view, &capture));
        QPalette palette = view.palette();
        palette.setColor(QPalette::Text, QColor(0, 200, 0));
        view.setPalette(palette);
        const QImage image = view.viewport()->grab().toImage();
        QVERIFY(hasPixel(image, [](const QColor &c) { return isNear(c, {0, 200, 0}, 4); }));
    }

    void onlySgrSurvives()
    {
        OutputCapture capture;
        capture.append("\x1b[2J\x1b[H\x1b]0;window title\x07hello \x1b[1mworld\x1b[0m\x1b[K\n"
                       "\x1b[?25lnext\x1b[?25h \x1b[3Aline\x1b[10G\n");
        OutputView view;
        QVERIFY(showView(&view, &capture));
        const QString text = view.visibleText();
        QVERIFY2(!text.contains(u'\x1b'), qPrintable(text));
        QVERIFY2(!text.contains(QStringLiteral("title")), qPrintable(text));
        QVERIFY2(!text.contains(QStringLiteral("[?25")), qPrintable(text));
        QVERIFY2(text.startsWith(QStringLiteral("hello world\nnext")), qPrintable(text));
        QVERIFY(!view.plainText().contains(u'\x1b'));
    }

    void followTail()
    {
        OutputCapture capture;
        OutputView view;
        QVERIFY(showView(&view, &capture));
        QSignalSpy followChanged(&view, &OutputView::followTailChanged);

        for (int batch = 0; batch < 20; ++batch) {
            capture.append(numberedRows(batch * 500, 500));
            view.captureChanged();
            QTRY_COMPARE(view.topRow() + view.visibleRowCount(), capture.endRow());
            QVERIFY(view.visibleText().endsWith(QStringLiteral("row %1").arg(batch * 500 + 499)));
        }
        QCOMPARE(capture.endRow(), 10'000);
        QVERIFY(view.topRow() > 9'900);
        QVERIFY(view.followTail());
        QCOMPARE(followChanged.count(), 0);

        // The wheel pauses following; new output leaves the view where it is.
        const QPointF centre = view.viewport()->rect().center();
        QWheelEvent wheel(centre, view.viewport()->mapToGlobal(centre), QPoint(), QPoint(0, 120),
                          Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
        QApplication::sendEvent(view.viewport(), &wheel);
        QCOMPARE(followChanged.count(), 1);
        QCOMPARE(followChanged.last().at(0).toBool(), false);
        QVERIFY(!view.followTail());
        const qint64 pausedTop = view.topRow();
        QVERIFY(pausedTop + view.visibleRowCount() < capture.endRow());
        capture.append(numberedRows(10'000, 100));
        view.captureChanged();
        QTRY_COMPARE(view.verticalScrollBar()->maximum() + view.verticalScrollBar()->pageStep(),
                     10'100);
        QCOMPARE(view.topRow(), pausedTop);

        // End resumes.
        QTest::keyClick(&view, Qt::Key_End);
        QCOMPARE(followChanged.count(), 2);
        QVERIFY(view.followTail());
        QCOMPARE(view.topRow() + view.visibleRowCount(), capture.endRow());
        QVERIFY(view.visibleText().endsWith(QStringLiteral("row 10099")));

        // PageUp pauses, and dragging the scrollbar back to the bottom resumes.
        QTest::keyClick(&view, Qt::Key_PageUp);
        QVERIFY(!view.followTail());
        QScrollBar *scrollBar = view.verticalScrollBar();
        scrollBar->setValue(scrollBar->maximum() - 1);
        QVERIFY(!view.followTail());
        scrollBar->setValue(scrollBar->maximum());
        QVERIFY(view.followTail());
        QCOMPARE(followChanged.count(), 4);

        // Up pauses, Down to the very bottom resumes, Ctrl+End too.
        QTest::keyClick(&view, Qt::Key_Up);
        QVERIFY(!view.followTail());
        QTest::keyClick(&view, Qt::Key_Down);
        QVERIFY(view.followTail());
        QTest::keyClick(&view, Qt::Key_Home);
        QCOMPARE(view.topRow(), 0);
        QVERIFY(!view.followTail());
        QVERIFY(view.visibleText().startsWith(QStringLiteral("row 0\nrow 1\n")));
        QTest::keyClick(&view, Qt::Key_End, Qt::ControlModifier);
        QVERIFY(view.followTail());
        capture.append(numberedRows(10'100, 3));
        view.captureChanged();
        QTRY_VERIFY(view.visibleText().endsWith(QStringLiteral("row 10102")));
    }

    void search()
    {
        OutputCapture capture;
        QByteArray data;
        QList<qint64> matchRows;
        int expectedSensitive = 0;
        for (int i = 0; i < 50'000; ++i) {
            data += "line " + QByteArray::number(i) + ": see the tree";
            if (i % 7 == 0) {
                data += " found a needle here";
                matchRows.append(i);
            }
            if (i % 1000 == 3) {
                data += " Needle and NEEDLE";
                matchRows.append(i);
                matchRows.append(i);
                ++expectedSensitive;
            }
            data += '\n';
        }
        const int expected = int(matchRows.size());
        capture.append(data);
        OutputView view;
        QVERIFY(showView(&view, &capture));
        QSignalSpy searchChanged(&view, &OutputView::searchChanged);

        const auto currentMatchVisible = [&] {
            const qint64 row = matchRows.at(view.currentMatchIndex());
            return view.topRow() <= row && row < view.topRow() + view.visibleRowCount() &&
                    view.visibleText().contains(QStringLiteral("line %1: see the tree").arg(row));
        };

        // Typing jumps to the first match at or below the top of the view (following the
        // tail: the last page), and so stops following.
        const qint64 topBefore = view.topRow();
        view.setSearchText(QStringLiteral("needle"));
        QVERIFY(view.isSearching());
        QCOMPARE(searchChanged.first().at(2).toBool(), true);
        QTRY_VERIFY(!view.isSearching());
        QCOMPARE(view.matchCount(), expected);
        QVERIFY(!view.matchesCapped());
        const qsizetype firstBelow =
                std::lower_bound(matchRows.cbegin(), matchRows.cend(), topBefore) -
                matchRows.cbegin();
        QCOMPARE(view.currentMatchIndex(), int(firstBelow));
        QCOMPARE(searchChanged.last().at(0).toInt(), int(firstBelow));
        QCOMPARE(searchChanged.last().at(1).toInt(), expected);
        QCOMPARE(searchChanged.last().at(2).toBool(), false);
        QVERIFY(currentMatchVisible());
        QVERIFY(!view.followTail());

        // From the top: the first match, the next one, then around the end and back.
        QTest::keyClick(&view, Qt::Key_Home);
        view.setSearchText(QString());
        QCOMPARE(view.currentMatchIndex(), -1);
        view.setSearchText(QStringLiteral("needle"));
        QTRY_COMPARE(view.currentMatchIndex(), 0);
        QTRY_VERIFY(!view.isSearching());
        QCOMPARE(searchChanged.last().at(0).toInt(), 0);
        QVERIFY(currentMatchVisible());
        QTest::keyClick(&view, Qt::Key_F3);
        QCOMPARE(view.currentMatchIndex(), 1);
        QTest::keyClick(&view, Qt::Key_F3, Qt::ShiftModifier);
        QCOMPARE(view.currentMatchIndex(), 0);
        view.findPrevious(); // wraps to the last match, far below
        QCOMPARE(view.currentMatchIndex(), expected - 1);
        QVERIFY(currentMatchVisible());
        QVERIFY(!view.followTail());
        view.findNext(); // and back around to the first
        QCOMPARE(view.currentMatchIndex(), 0);
        QCOMPARE(view.topRow(), 0);

        // A match in the middle is scrolled into view.
        for (int i = 0; i < 1234; ++i) {
            view.findNext();
        }
        QCOMPARE(view.currentMatchIndex(), 1234);
        QVERIFY(currentMatchVisible());
        QVERIFY(view.topRow() > 0);

        // Typing on looks from the current match's row: the next "Needle" (rows 3, 1003, ...)
        // at or below it.
        qint64 sensitiveRow = 3;
        int sensitiveIndex = 0;
        while (sensitiveRow < matchRows.at(1234)) {
            sensitiveRow += 1000;
            ++sensitiveIndex;
        }
        view.setSearchText(QStringLiteral("Needle"), Qt::CaseSensitive);
        QTRY_VERIFY(!view.isSearching());
        QCOMPARE(view.matchCount(), expectedSensitive);
        QCOMPARE(view.currentMatchIndex(), sensitiveIndex);
        QVERIFY(view.visibleText().contains(
                QStringLiteral("line %1: see the tree").arg(sensitiveRow)));

        // Appended rows are searched too.
        capture.append("one more Needle\n");
        view.captureChanged();
        QTRY_COMPARE(view.matchCount(), expectedSensitive + 1);

        // Too many matches: the first MaxMatches are kept, and the view says so.
        view.setSearchText(QStringLiteral("e"));
        QTRY_VERIFY(!view.isSearching());
        QCOMPARE(view.matchCount(), OutputView::MaxMatches);
        QVERIFY(view.matchesCapped());

        view.setSearchText(QString());
        QCOMPARE(view.matchCount(), 0);
        QVERIFY(!view.matchesCapped());
        QCOMPARE(searchChanged.last().at(1).toInt(), 0);
        QCOMPARE(searchChanged.last().at(2).toBool(), false);
    }

    void regexSearchAndProgress()
    {
        // 20 MiB: searched in 1 MiB batches on a pool thread, so progress is seen on the way.
        OutputCapture capture;
        QByteArray data;
        const QByteArray line = "INFO request 0000 served in 12 ms by worker-07 (cache hit)\n";
        int expected = 0;
        for (int i = 0; data.size() < 20 * 1024 * 1024; ++i) {
            QByteArray row = line;
            if (i % 997 == 0) {
                row.replace("INFO", "\x1b[31mERROR\x1b[0m");
                ++expected;
            }
            data += row;
        }
        capture.append(data);
        OutputView view;
        QVERIFY(showView(&view, &capture));
        QList<int> progress;
        connect(&view, &OutputView::searchChanged, &view, [&](int, int, bool searching) {
            if (searching) {
                progress.append(view.searchProgress());
            }
        });
        QElapsedTimer clock;
        clock.start();
        view.setSearchText(QStringLiteral("^error request \\d+"), Qt::CaseInsensitive, true);
        QVERIFY(view.searchError().isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(!view.isSearching(), 60000);
        qInfo("20 MiB searched for a regular expression in %lld ms", qint64(clock.elapsed()));
        QCOMPARE(view.matchCount(), expected); // ANSI codes are not part of the text
        QVERIFY(std::any_of(progress.cbegin(), progress.cend(),
                            [](int p) { return p > 0 && p < 100; }));
        QVERIFY(std::is_sorted(progress.cbegin(), progress.cend()));

        // Case matters when asked; an empty match ("x*") is not a match.
        OutputCapture small;
        small.append("\x1b[31mERROR\x1b[0m request 1 (cache hit)\nINFO request 2\n");
        view.setCapture(&small);
        view.setSearchText(QStringLiteral("^error"), Qt::CaseInsensitive, true);
        QTRY_VERIFY(!view.isSearching());
        QCOMPARE(view.matchCount(), 1);
        view.setSearchText(QStringLiteral("^error"), Qt::CaseSensitive, true);
        QTRY_VERIFY(!view.isSearching());
        QCOMPARE(view.matchCount(), 0);
        view.setSearchText(QStringLiteral("x*"), Qt::CaseSensitive, true);
        QTRY_VERIFY(!view.isSearching());
        QCOMPARE(view.matchCount(), 0);

        // An expression that does not compile searches nothing and says why.
        view.setSearchText(QStringLiteral("(unclosed"), Qt::CaseInsensitive, true);
        QVERIFY(!view.isSearching());
        QCOMPARE(view.matchCount(), 0);
        QVERIFY2(view.searchError().contains(QLatin1String("character")),
                 qPrintable(view.searchError()));
        // The same text, not as an expression, is plain text.
        view.setSearchText(QStringLiteral("(cache"), Qt::CaseInsensitive, false);
        QVERIFY(view.searchError().isEmpty());
        QTRY_VERIFY(!view.isSearching());
        QCOMPARE(view.matchCount(), 1);
        view.setCapture(nullptr);
    }

    void searchFollowsAGrowingLastRowAndGaps()
    {
        OutputCapture capture;
        capture.append("a needle\nhalf a nee");
        OutputView view;
        QVERIFY(showView(&view, &capture));
        view.setSearchText(QStringLiteral("needle"));
        QTRY_VERIFY(!view.isSearching());
        QCOMPARE(view.matchCount(), 1);
        // The last row grows into a match, then past it: found once, not twice.
        capture.append("dle and");
        view.captureChanged();
        QTRY_COMPARE(view.matchCount(), 2);
        capture.append(" more needle\n");
        view.captureChanged();
        QTRY_COMPARE(view.matchCount(), 3);
        QTRY_VERIFY(!view.isSearching());
        // A gap is a marker, not text; the row after it is searched.
        capture.appendGap(4096);
        capture.append("needle after the gap\n");
        view.captureChanged();
        QTRY_COMPARE(view.matchCount(), 4);
    }

    void wrapLineNumbersAndNewRowsHint()
    {
        OutputCapture capture;
        QByteArray data;
        for (int i = 0; i < 200; ++i) {
            data += "row " + QByteArray::number(i);
            if (i % 10 == 0) {
                data += ' ' + QByteArray(300, 'w');
            }
            data += '\n';
        }
        capture.append(data);
        OutputView view;
        QVERIFY(showView(&view, &capture));
        const int rowHeight = view.rowRect(199).height();
        QVERIFY(rowHeight > 0);
        QTRY_VERIFY(view.horizontalScrollBar()->maximum() > 0); // 300 w's do not fit

        // Wrapping: no sideways scrolling, a long row takes several lines, the last row
        // still ends at the bottom while following.
        view.setWrapLines(true);
        QVERIFY(view.wrapsLines());
        QTRY_COMPARE(view.horizontalScrollBar()->maximum(), 0);
        QVERIFY(view.followTail());
        const QRect last = view.rowRect(199);
        QVERIFY(last.isValid());
        QVERIFY(last.bottom() < view.viewport()->height());
        QVERIFY(view.visibleText().endsWith(QLatin1String("row 199")));
        const QRect wrapped = view.rowRect(190);
        QVERIFY(wrapped.isValid());
        QVERIFY2(wrapped.height() >= 3 * rowHeight, qPrintable(QString::number(wrapped.height())));
        // A double click on the row's second line selects its word of w's: hits map to lines.
        QTest::mouseDClick(view.viewport(), Qt::LeftButton, {},
                           QPoint(view.viewport()->width() / 2, wrapped.top() + rowHeight * 3 / 2));
        QCOMPARE(view.selectedText(), QString(300, u'w'));
        // Page Up moves by what the page shows, and follows no more.
        QTest::keyClick(&view, Qt::Key_PageUp);
        QVERIFY(!view.followTail());
        QVERIFY(view.topRow() < 190);

        // Line numbers: a gutter beside the viewport, counting from 1.
        view.setShowLineNumbers(true);
        QVERIFY(view.lineNumberWidth() > 0);
        auto *gutter = view.findChild<QWidget *>(QStringLiteral("outputLineNumbers"));
        QVERIFY(gutter && gutter->isVisible());
        QCOMPARE(view.viewport()->geometry().left(), gutter->geometry().right() + 1);
        view.setShowLineNumbers(false);
        QCOMPARE(view.lineNumberWidth(), 0);
        QVERIFY(gutter->isHidden());

        // Not following: rows that arrive below are counted in a hint that follows again.
        view.setWrapLines(false);
        QTest::keyClick(&view, Qt::Key_Home);
        QVERIFY(!view.followTail());
        QCOMPARE(view.newRowsBelow(), 0);
        capture.append("new 1\nnew 2\nnew 3\n");
        view.captureChanged();
        QTRY_COMPARE(view.newRowsBelow(), 3);
        auto *hint = view.findChild<QToolButton *>(QStringLiteral("newRowsHint"));
        QVERIFY(hint);
        QTRY_VERIFY(hint->isVisible());
        QCOMPARE(hint->text(), QStringLiteral("↓ 3 new lines below"));
        QVERIFY(view.viewport()->geometry().contains(hint->geometry()));
        QTest::mouseClick(hint, Qt::LeftButton);
        QVERIFY(view.followTail());
        QVERIFY(hint->isHidden());
        QVERIFY(view.visibleText().endsWith(QLatin1String("new 3")));
    }

    void dragSelectionCopies()
    {
        OutputCapture capture;
        capture.append("alpha one\nbravo two\n\x1b[32mcharlie\x1b[0m three\ndelta four\n");
        OutputView view;
        QVERIFY(showView(&view, &capture));
        QWidget *viewport = view.viewport();
        QSignalSpy selectionChanged(&view, &OutputView::selectionChanged);

        // Whole rows: from the left edge of row 1 to past the end of row 2.
        QTest::mousePress(viewport, Qt::LeftButton, {}, QPoint(1, view.rowRect(1).center().y()));
        QTest::mouseMove(viewport, QPoint(viewport->width() - 2, view.rowRect(2).center().y()));
        QTest::mouseRelease(viewport, Qt::LeftButton, {},
                            QPoint(viewport->width() - 2, view.rowRect(2).center().y()));
        QVERIFY(view.hasSelection());
        QVERIFY(selectionChanged.count() > 0);
        QCOMPARE(view.selectedText(), QStringLiteral("bravo two\ncharlie three"));
        QApplication::clipboard()->clear();
        view.copy();
        QCOMPARE(QApplication::clipboard()->text(), QStringLiteral("bravo two\ncharlie three"));

        // Character accurate: from "two" to the end of "charlie".
        QTest::mousePress(viewport, Qt::LeftButton, {}, characterPoint(view, 1, 6));
        QTest::mouseMove(viewport, characterPoint(view, 2, 4));
        QTest::mouseMove(viewport, characterPoint(view, 2, 7));
        QTest::mouseRelease(viewport, Qt::LeftButton, {}, characterPoint(view, 2, 7));
        QCOMPARE(view.selectedText(), QStringLiteral("two\ncharlie"));

        // Shift-click extends from the anchor.
        QTest::mouseClick(viewport, Qt::LeftButton, Qt::ShiftModifier, characterPoint(view, 3, 5));
        QCOMPARE(view.selectedText(), QStringLiteral("two\ncharlie three\ndelta"));

        // Ctrl+C copies, Ctrl+A selects everything.
        QTest::keyClick(&view, Qt::Key_C, Qt::ControlModifier);
        QCOMPARE(QApplication::clipboard()->text(), QStringLiteral("two\ncharlie three\ndelta"));
        QTest::keyClick(&view, Qt::Key_A, Qt::ControlModifier);
        QCOMPARE(view.selectedText(),
                 QStringLiteral("alpha one\nbravo two\ncharlie three\ndelta four"));

        // A plain click clears the selection.
        QTest::mouseClick(viewport, Qt::LeftButton, {}, characterPoint(view, 0, 2));
        QVERIFY(!view.hasSelection());
        QCOMPARE(view.selectedText(), QString());
    }

    void doubleAndTripleClick()
    {
        OutputCapture capture;
        capture.append("error in /src/main.cpp:12 here\nsecond row\n");
        OutputView view;
        QVERIFY(showView(&view, &capture));
        QWidget *viewport = view.viewport();

        const QPoint inPath = characterPoint(view, 0, 14);
        QTest::mousePress(viewport, Qt::LeftButton, {}, inPath);
        QTest::mouseRelease(viewport, Qt::LeftButton, {}, inPath);
        QTest::mouseDClick(viewport, Qt::LeftButton, {}, inPath);
        QTest::mouseRelease(viewport, Qt::LeftButton, {}, inPath);
        QCOMPARE(view.selectedText(), QStringLiteral("/src/main.cpp"));

        QTest::mouseClick(viewport, Qt::LeftButton, {}, inPath);
        QCOMPARE(view.selectedText(), QStringLiteral("error in /src/main.cpp:12 here\n"));
    }

    void gapAndEvictionMarkers()
    {
        OutputCapture capture(256 * 1024);
        capture.append("before the gap\n");
        capture.appendGap(1'234'567);
        capture.append("after the gap\n");
        OutputView view;
        QVERIFY(showView(&view, &capture));
        const QLocale locale = view.locale();
        const QString gapMarker =
                QStringLiteral("⋯ %1 bytes dropped ⋯").arg(locale.toString(qint64(1'234'567)));
        QCOMPARE(view.visibleText(),
                 QStringLiteral("before the gap\n") + gapMarker +
                         QStringLiteral("\nafter the gap"));
        view.selectAll();
        QCOMPARE(view.selectedText(),
                 QStringLiteral("before the gap\n[1234567 bytes dropped]\nafter the gap"));
        QCOMPARE(view.plainText(),
                 QStringLiteral("before the gap\n[1234567 bytes dropped]\nafter the gap\n"));

        // Overflow the cap: the oldest rows go, and a first marker row says how much.
        for (int batch = 0; batch < 20; ++batch) {
            capture.append(numberedRows(batch * 5000, 5000));
            view.captureChanged();
        }
        QVERIFY(capture.evictedBytes() > 0);
        QTRY_VERIFY(view.visibleText().endsWith(QStringLiteral("row 99999")));
        QTest::keyClick(&view, Qt::Key_Home);
        QCOMPARE(view.topRow(), capture.firstRow() - 1);
        const QString evictionMarker =
                QStringLiteral("⋯ %1 bytes dropped (output exceeded the capture limit) ⋯")
                        .arg(locale.toString(capture.evictedBytes()));
        QVERIFY2(view.visibleText().startsWith(evictionMarker + u'\n'),
                 qPrintable(view.visibleText().left(200)));
        QVERIFY(!view.visibleText().contains(QStringLiteral("gap")));
        QVERIFY(view.plainText().startsWith(
                QStringLiteral("[%1 bytes dropped]\n").arg(capture.evictedBytes())));
        QVERIFY(!view.plainText().contains(u'⋯'));

        // Paused at the top while more is evicted: the view stays at the first retained row.
        QVERIFY(!view.followTail());
        const qint64 firstRowBefore = capture.firstRow();
        capture.append(numberedRows(100'000, 20'000));
        view.captureChanged();
        QVERIFY(capture.firstRow() > firstRowBefore);
        QTRY_COMPARE(view.topRow(), capture.firstRow() - 1);
        QVERIFY(view.visibleText().startsWith(
                QStringLiteral("⋯ %1 bytes dropped").arg(locale.toString(capture.evictedBytes()))));
        const OutputCapture::Row first = capture.row(capture.firstRow());
        QVERIFY(view.visibleText().contains(
                QString::fromLatin1(capture.rowText(capture.firstRow(), first.length))));

        // Search matches in evicted rows are dropped.
        view.setSearchText(QStringLiteral("row 1"));
        QTRY_VERIFY(!view.isSearching());
        const int matches = view.matchCount();
        QVERIFY(matches > 0);
        capture.append(numberedRows(120'000, 20'000));
        view.captureChanged();
        QTRY_VERIFY(!view.isSearching() && view.matchCount() != matches);
        int expected = 0;
        for (qint64 row = capture.firstRow(); row < capture.endRow(); ++row) {
            expected += capture.rowText(row).count("row 1");
        }
        QCOMPARE(view.matchCount(), expected);
    }

    void evictionInsideTheFirstLine()
    {
        // A line with no newline longer than the cap: eviction cuts into row 0, so the
        // eviction marker is row -1. It must show, copy and scroll like any other marker.
        OutputCapture capture(64 * 1024);
        const QByteArray chunk(4096, 'z');
        for (int i = 0; i < 64; ++i) {
            capture.append(chunk);
        }
        QVERIFY(capture.evictedBytes() > 0);
        QCOMPARE(capture.firstRow(), qint64(0));
        OutputView view;
        QVERIFY(showView(&view, &capture));
        QTest::keyClick(&view, Qt::Key_Home);
        QCOMPARE(view.topRow(), qint64(-1));
        QVERIFY2(view.visibleText().startsWith(
                         QStringLiteral("⋯ %1 bytes dropped")
                                 .arg(view.locale().toString(capture.evictedBytes()))),
                 qPrintable(view.visibleText().left(120)));
        QVERIFY(view.plainText().startsWith(
                QStringLiteral("[%1 bytes dropped]\nzzz").arg(capture.evictedBytes())));
        capture.append("\nnext line\n");
        view.captureChanged();
        QTest::keyClick(&view, Qt::Key_End);
        QTRY_VERIFY(view.visibleText().endsWith(QStringLiteral("next line")));
    }

    void hugeLineStaysUsable()
    {
        OutputCapture capture;
        const QByteArray huge(5 * 1024 * 1024, 'x');
        capture.append("start\n");
        capture.append(huge);
        capture.append("\nend\n");
        OutputView view;
        QVERIFY(showView(&view, &capture));
        const QStringList lines = view.visibleText().split(u'\n');
        QCOMPARE(lines.size(), 3);
        QCOMPARE(lines.at(0), QStringLiteral("start"));
        QVERIFY(lines.at(1).size() <= OutputView::MaxRowBytes);
        QVERIFY(lines.at(1).size() > 1000);
        QCOMPARE(lines.at(2), QStringLiteral("end"));

        // Painting, scrolling sideways, selecting and searching stay cheap.
        QVERIFY(!view.viewport()->grab().isNull());
        QTRY_VERIFY(view.horizontalScrollBar()->maximum() > 0);
        QTest::keyClick(&view, Qt::Key_Right);
        QVERIFY(view.horizontalScrollBar()->value() > 0);
        view.setSearchText(QStringLiteral("xx"));
        QTRY_VERIFY(!view.isSearching());
        QCOMPARE(view.matchCount(), int(OutputView::MaxRowBytes / 2));

        // Copy and Save still get the whole line.
        view.selectAll();
        QCOMPARE(view.selectedText().size(), 6 + huge.size() + 4);
        QCOMPARE(view.plainText().size(), 6 + huge.size() + 5);

        // A growing huge last row is laid out capped on every frame.
        for (int i = 0; i < 20; ++i) {
            capture.append(QByteArray(256 * 1024, 'y'));
            view.captureChanged();
            QCoreApplication::processEvents();
        }
        QTRY_VERIFY(view.visibleText().endsWith(QStringLiteral("yyyy")));
        QVERIFY(view.visibleText().split(u'\n').constLast().size() <= OutputView::MaxRowBytes);
    }

    void repaintsAreCoalesced()
    {
        OutputCapture capture;
        capture.append(numberedRows(0, 100));
        OutputView view;
        QVERIFY(showView(&view, &capture));
        QTRY_VERIFY(view.visibleText().endsWith(QStringLiteral("row 99")));
        PaintCounter counter;
        view.viewport()->installEventFilter(&counter);

        for (int i = 0; i < 1000; ++i) {
            capture.append(numberedRows(100 + i, 1));
            view.captureChanged();
        }
        QTRY_VERIFY(counter.paints > 0);
        QTRY_VERIFY(view.visibleText().endsWith(QStringLiteral("row 1099")));
        QVERIFY2(counter.paints <= 3, qPrintable(QString::number(counter.paints)));

        // Streaming with the event loop running: about one paint per 16 ms frame.
        counter.paints = 0;
        QElapsedTimer clock;
        clock.start();
        for (int i = 0; i < 1000; ++i) {
            capture.append(numberedRows(1100 + i, 1));
            view.captureChanged();
            QCoreApplication::processEvents();
        }
        QTRY_VERIFY(view.visibleText().endsWith(QStringLiteral("row 2099")));
        const qint64 frames = clock.elapsed() / 16 + 3;
        QVERIFY2(counter.paints <= frames,
                 qPrintable(QStringLiteral("%1 paints in %2 ms")
                                    .arg(counter.paints)
                                    .arg(clock.elapsed())));
        QVERIFY(counter.paints < 1000);
    }

    void followingPaintsOnlyNewRows()
    {
        OutputCapture capture;
        capture.append(numberedRows(0, 1000));
        OutputView view;
        QVERIFY(showView(&view, &capture));
        QTRY_VERIFY(view.visibleText().endsWith(QStringLiteral("row 999")));
        PaintCounter counter;
        view.viewport()->installEventFilter(&counter);

        // The rows that stay are moved on screen; only the new ones are painted.
        capture.append(numberedRows(1000, 2));
        view.captureChanged();
        QTRY_VERIFY(counter.paints > 0);
        QTRY_VERIFY(view.visibleText().endsWith(QStringLiteral("row 1001")));
        const QRect painted = counter.painted.boundingRect();
        QVERIFY2(painted.height() <= 4 * view.rowRect(view.topRow()).height(),
                 qPrintable(QStringLiteral("%1 of %2 pixels high")
                                    .arg(painted.height())
                                    .arg(view.viewport()->height())));

        // What the blit left on screen is what a full paint draws.
        const QImage onScreen = view.screen()->grabWindow(view.winId()).toImage();
        const QImage rendered = view.grab().toImage();
        QCOMPARE(onScreen.convertToFormat(QImage::Format_RGB32),
                 rendered.convertToFormat(QImage::Format_RGB32));
    }

    void longRowsDrawOnlyTheVisibleCharacters()
    {
        // 400 tab-aligned groups, then a red block at column 3200: drawn from a layout of the
        // visible characters only, the block stays where the tab stops of the whole row put it.
        OutputCapture capture;
        capture.append(QByteArray("ab\t").repeated(400));
        capture.append("\x1b[41mRRRR\x1b[0m ");
        capture.append(QByteArray(200, 't'));
        capture.append("\n");
        OutputView view;
        QVERIFY(showView(&view, &capture));
        const qreal characterWidth = QFontMetricsF(view.font()).horizontalAdvance(u'M');
        const qreal blockX = 3200 * characterWidth;
        // The left edge falls inside a tab, so the drawn characters start mid-group.
        const int scroll = qRound(blockX - 96);
        QTRY_VERIFY(view.horizontalScrollBar()->maximum() >= scroll);
        view.horizontalScrollBar()->setValue(scroll);

        const QImage image = view.viewport()->grab().toImage();
        const qreal ratio = image.devicePixelRatio();
        const int y = qRound(view.rowRect(0).center().y() * ratio);
        int firstRed = -1;
        int lastRed = -1;
        for (int x = 0; x < image.width(); ++x) {
            if (isRed(image.pixelColor(x, y))) {
                lastRed = x;
                if (firstRed < 0) {
                    firstRed = x;
                }
            }
        }
        const qreal expectedLeft = TextMargin + blockX - scroll;
        QVERIFY2(qAbs(firstRed / ratio - expectedLeft) <= 3,
                 qPrintable(QStringLiteral("red from %1, expected %2")
                                    .arg(firstRed)
                                    .arg(expectedLeft)));
        QVERIFY(qAbs((lastRed - firstRed + 1) / ratio - 4 * characterWidth) <= 3);
        QCOMPARE(view.visibleText(),
                 QStringLiteral("ab\t").repeated(400) + QStringLiteral("RRRR ") +
                         QString(200, u't'));
    }

    void screenshot()
    {
        OutputCapture capture;
        capture.append(
                "$ cmake --build build/dev\n"
                "[1/4] \x1b[32mBuilding CXX object core/process/outputcapture.cpp.o\x1b[0m\n"
                "[2/4] \x1b[32mBuilding CXX object ui/outputview.cpp.o\x1b[0m\n"
                "\x1b[1mui/outputview.cpp:42:7:\x1b[0m \x1b[1;35mwarning:\x1b[0m unused variable "
                "'\x1b[1mframe\x1b[0m' [\x1b[35m-Wunused-variable\x1b[0m]\n"
                "\x1b[1mui/outputview.cpp:97:12:\x1b[0m \x1b[1;31merror:\x1b[0m no member named "
                "'\x1b[1mpaint\x1b[0m' in 'OutputView'\n"
                "\tfirst\tsecond\tthird (tab stops every 8 columns)\n"
                "\x1b[38;2;255;128;0mtruecolour orange\x1b[0m, \x1b[38;5;39m256-colour "
                "blue\x1b[0m, "
                "\x1b[4munderlined\x1b[0m, \x1b[3mitalic\x1b[0m, \x1b[9mstruck\x1b[0m, "
                "\x1b[2mfaint\x1b[0m, \x1b[7minverse\x1b[0m, \x1b[30;43m black on yellow "
                "\x1b[0m\n");
        capture.appendGap(1'234'567);
        capture.append("ninja: build stopped: subcommand failed.\n");
        OutputView view;
        QVERIFY(showView(&view, &capture, QSize(760, 260)));
        view.setSearchText(QStringLiteral("outputview"));
        QTRY_VERIFY(!view.isSearching());
        view.findNext();
        QTest::mousePress(view.viewport(), Qt::LeftButton, {}, characterPoint(view, 0, 2));
        QTest::mouseRelease(view.viewport(), Qt::LeftButton, {}, characterPoint(view, 0, 7));

        const QImage image = view.grab().toImage();
        QVERIFY(QDir().mkpath(QStringLiteral(COMPANION_SCREENSHOT_DIR)));
        QVERIFY(image.save(QStringLiteral(COMPANION_SCREENSHOT_DIR "/outputview.png")));

        QSet<QRgb> colours;
        for (int y = 0; y < image.height(); y += 2) {
            for (int x = 0; x < image.width(); x += 2) {
                colours.insert(image.pixel(x, y));
            }
        }
        QVERIFY2(colours.size() > 20, qPrintable(QString::number(colours.size())));
        QVERIFY(hasPixel(image, isRed));
        QVERIFY(hasPixel(image, [](const QColor &c) { return isNear(c, {255, 128, 0}, 40); }));
    }
};

QTEST_MAIN(TestOutputView)
#include "tst_outputview.moc"
