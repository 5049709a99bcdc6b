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

    // Gives `widget` the error colours derived from `base`.
    static void applyErrorPalette(QWidget *widget, const QPalette &base);

protected:
    void changeEvent(QEvent *event) override;

private:
    void applyPalette();

    QLabel *m_label;
    bool m_applying = false;
};
