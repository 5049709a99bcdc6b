#include "errorbar.h"

#include <QApplication>
#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QToolButton>

ErrorBar::ErrorBar(QWidget *parent)
    : QFrame(parent)
    , m_label(new QLabel(this))
{
    setFrameShape(QFrame::StyledPanel);
    setAccessibleName(tr("Error"));
    m_label->setObjectName(QStringLiteral("errorMessage"));
    m_label->setAccessibleName(tr("Error"));
    m_label->setWordWrap(true);
    m_label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *dismiss = new QToolButton(this);
    dismiss->setObjectName(QStringLiteral("dismissErrorButton"));
    dismiss->setText(tr("Dismiss"));
    dismiss->setAccessibleName(tr("Dismiss"));
    dismiss->setAutoRaise(true);
    connect(dismiss, &QToolButton::clicked, this, &ErrorBar::clear);
    auto *layout = new QHBoxLayout(this);
    layout->addWidget(m_label, 1);
    layout->addWidget(dismiss);
    applyPalette();
    hide();
}

void ErrorBar::showMessage(const QString &message)
{
    m_label->setText(message);
    show();
}

void ErrorBar::clear()
{
    hide();
    m_label->clear();
}

QString ErrorBar::message() const
{
    return isVisibleTo(parentWidget()) ? m_label->text() : QString();
}

void ErrorBar::applyErrorPalette(QWidget *widget, const QPalette &base)
{
    QPalette p = base;
    const bool dark = base.color(QPalette::Window).lightness() < 128;
    p.setColor(QPalette::Window, dark ? QColor(0x5c, 0x1f, 0x1f) : QColor(0xfd, 0xe7, 0xe7));
    p.setColor(QPalette::WindowText, dark ? QColor(0xff, 0xe0, 0xe0) : QColor(0x7a, 0x12, 0x12));
    widget->setAutoFillBackground(true);
    widget->setPalette(p);
}

void ErrorBar::changeEvent(QEvent *event)
{
    QFrame::changeEvent(event);
    if (event->type() == QEvent::PaletteChange && !m_applying) {
        applyPalette();
    }
}

void ErrorBar::applyPalette()
{
    // Derived from the surroundings, not from our own (already red) palette.
    m_applying = true;
    applyErrorPalette(this, parentWidget() ? parentWidget()->palette() : QApplication::palette());
    m_applying = false;
}

void ErrorBar::setProblem(const QString &problem)
{
    if (!problem.isEmpty()) {
        showMessage(problem);
    } else if (!m_problem.isEmpty() && message() == m_problem) {
        clear();
    }
    m_problem = problem;
}
