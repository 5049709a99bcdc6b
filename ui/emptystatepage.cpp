#include "emptystatepage.h"

#include <QLabel>
#include <QVBoxLayout>

EmptyStatePage::EmptyStatePage(const QString &title, const QString &explanation, QWidget *parent)
    : QWidget(parent)
    , m_title(new QLabel(title, this))
    , m_explanation(new QLabel(explanation, this))
{
    QFont titleFont = m_title->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.4);
    titleFont.setBold(true);
    m_title->setFont(titleFont);
    m_title->setAlignment(Qt::AlignCenter);
    m_title->setObjectName(QStringLiteral("emptyStateTitle"));

    m_explanation->setWordWrap(true);
    m_explanation->setAlignment(Qt::AlignCenter);
    m_explanation->setMaximumWidth(560);
    m_explanation->setObjectName(QStringLiteral("emptyStateExplanation"));
    m_explanation->setTextInteractionFlags(Qt::TextSelectableByMouse);

    // A fixed-width column between stretches: a word-wrapped label added with an alignment
    // flag loses its height-for-width and gets clipped.
    auto *column = new QVBoxLayout;
    column->addWidget(m_title);
    column->addSpacing(8);
    column->addWidget(m_explanation);
    auto *row = new QHBoxLayout;
    row->addStretch(1);
    row->addLayout(column, 4);
    row->addStretch(1);
    auto *layout = new QVBoxLayout(this);
    layout->addStretch(2);
    layout->addLayout(row);
    layout->addStretch(3);

    setAccessibleName(title);
    setAccessibleDescription(explanation);
}

QString EmptyStatePage::title() const
{
    return m_title->text();
}

QString EmptyStatePage::explanation() const
{
    return m_explanation->text();
}
