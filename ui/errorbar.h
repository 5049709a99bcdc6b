#pragma once

#include <QFrame>

class QLabel;

// A dismissable bar for errors from the agent: a red panel that reads in light and dark
// palettes, follows palette changes, and whose text can be selected and copied.
class ErrorBar : public QFrame
{
    Q_OBJECT
public:
    explicit ErrorBar(QWidget *parent = nullptr);

    void showMessage(const QString &message);
    void clear();
    // The message shown, or empty while hidden.
    QString message() const;
    // A standing problem (an agent that does not answer): shown until replaced by another
    // problem or cleared with an empty one; an error shown since then is left alone.
    void setProblem(const QString &problem);

    // Gives `widget` the error colours derived from `base`.
    static void applyErrorPalette(QWidget *widget, const QPalette &base);

protected:
    void changeEvent(QEvent *event) override;

private:
    void applyPalette();

    QLabel *m_label;
    bool m_applying = false;
    QString m_problem;
};
