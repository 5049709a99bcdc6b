#pragma once

#include <QWidget>

class QLabel;

// A centred title and explanation shown where a view has nothing to show yet, saying what will
// appear there and what makes it appear.
class EmptyStatePage : public QWidget
{
    Q_OBJECT
public:
    EmptyStatePage(const QString &title, const QString &explanation, QWidget *parent = nullptr);

    QString title() const;
    QString explanation() const;

private:
    QLabel *m_title;
    QLabel *m_explanation;
};
