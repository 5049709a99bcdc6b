#pragma once

#include <QFrame>

// One line of text that never clips and never widens its pane: too long for its width, it is
// elided (in the middle by default: both ends of a path or a hash say the most) and its
// tooltip holds the whole text.
class ElidedLabel : public QFrame
{
    Q_OBJECT
public:
    explicit ElidedLabel(QWidget *parent = nullptr);

    QString text() const { return m_text; }
    void setText(const QString &text);
    Qt::TextElideMode elideMode() const { return m_mode; }
    void setElideMode(Qt::TextElideMode mode);
    // A tooltip shown whether or not the text is elided (it should hold the whole text);
    // without one, the tooltip is the text when it is elided.
    void setDetails(const QString &details);
    // The text as drawn at the current width.
    QString shownText() const;
    bool isElided() const { return shownText() != m_text; }

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void changeEvent(QEvent *event) override;
    void contextMenuEvent(QContextMenuEvent *event) override; // Copy, the whole text

private:
    void updateToolTip();

    QString m_text;
    QString m_details;
    Qt::TextElideMode m_mode = Qt::ElideMiddle;
};
