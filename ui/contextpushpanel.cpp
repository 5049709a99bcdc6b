#include "contextpushpanel.h"

#include "common/clock.h"

#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QScrollArea>
#include <QStackedWidget>
#include <QTimer>
#include <QVBoxLayout>

namespace {

QLabel *valueLabel(const QString &objectName, const QString &accessibleName, QWidget *parent)
{
    auto *label = new QLabel(parent);
    label->setObjectName(objectName);
    label->setAccessibleName(accessibleName);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    label->setWordWrap(true);
    return label;
}

} // namespace

ContextPushPanel::ContextPushPanel(QWidget *parent)
    : QWidget(parent)
    , m_clock(Clock::system())
    , m_tick(new QTimer(this))
{
    setObjectName(QStringLiteral("pushPanel"));
    setAccessibleName(tr("Push to the control plane"));

    m_pages = new QStackedWidget(this);
    auto *disabled = new QLabel(tr("Pushing is off: start the agent with --control-plane URL to "
                                   "push context to a control plane."),
                                m_pages);
    disabled->setObjectName(QStringLiteral("pushDisabledNote"));
    disabled->setWordWrap(true);
    disabled->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    disabled->setMargin(8);
    m_pages->addWidget(disabled);

    auto *details = new QWidget(m_pages);
    auto *form = new QFormLayout;
    m_state = valueLabel(QStringLiteral("pushState"), tr("Push state"), details);
    m_attempts = valueLabel(QStringLiteral("pushAttempts"), tr("Attempts"), details);
    m_lastPushed = valueLabel(QStringLiteral("pushLastVersion"), tr("Last pushed"), details);
    m_lastError = valueLabel(QStringLiteral("pushLastError"), tr("Last error"), details);
    m_countdown = valueLabel(QStringLiteral("pushCountdown"), tr("Next retry"), details);
    form->addRow(tr("State:"), m_state);
    form->addRow(tr("Attempts:"), m_attempts);
    form->addRow(tr("Last pushed:"), m_lastPushed);
    form->addRow(tr("Last error:"), m_lastError);
    m_retry = new QPushButton(tr("&Retry Now"), details);
    m_retry->setObjectName(QStringLiteral("retryPushButton"));
    m_retry->setAccessibleName(tr("Retry now"));
    m_retry->setToolTip(tr("Push again now instead of waiting for the backoff to end."));
    connect(m_retry, &QPushButton::clicked, this, &ContextPushPanel::retryRequested);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_retry);
    buttons->addSpacing(8);
    buttons->addWidget(m_countdown, 1);
    auto *detailsLayout = new QVBoxLayout(details);
    detailsLayout->addLayout(form);
    detailsLayout->addLayout(buttons);
    detailsLayout->addStretch(1);
    // A short pane scrolls instead of squeezing the rows into each other.
    auto *scroll = new QScrollArea(m_pages);
    scroll->setObjectName(QStringLiteral("pushDetailsScroll"));
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setWidgetResizable(true);
    scroll->setWidget(details);
    m_pages->addWidget(scroll);

    // The watcher's troubles concern every agent, pushing or not.
    m_watchProblems = valueLabel(QStringLiteral("watchProblems"), tr("Watcher problems"), this);
    m_watchProblems->setMargin(8);
    m_watchProblems->hide();

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_pages);
    layout->addWidget(m_watchProblems);

    m_tick->setInterval(CountdownInterval);
    connect(m_tick, &QTimer::timeout, this, &ContextPushPanel::updateCountdown);
    setStatus(ContextPushStatus());
}

void ContextPushPanel::setClock(Clock *clock)
{
    m_clock = clock ? clock : Clock::system();
    updateCountdown();
}

void ContextPushPanel::setStatus(const ContextPushStatus &status)
{
    using State = ContextPushStatus::State;
    m_status = status;
    m_pages->setCurrentIndex(status.state == State::Disabled ? 0 : 1);
    m_state->setText(stateText());
    m_attempts->setText(QLocale().toString(status.attempts));
    if (status.lastPushedVersion == 0) {
        m_lastPushed->setText(tr("Nothing pushed yet"));
    } else if (status.lastAccepted) {
        m_lastPushed->setText(tr("Version %1, accepted").arg(status.lastPushedVersion));
    } else {
        m_lastPushed->setText(tr("Version %1, not accepted: the control plane waits for the "
                                 "next change")
                                      .arg(status.lastPushedVersion));
    }
    m_lastError->setText(status.lastError.isEmpty() ? tr("None") : status.lastError);
    QStringList problems;
    if (!status.watchDegradation.isEmpty()) {
        problems.append(tr("Watcher degraded: %1").arg(status.watchDegradation));
    }
    if (!status.watchFailures.isEmpty()) {
        problems.append(tr("%n path(s) cannot be watched; their changes show at the next resync:",
                           nullptr, int(status.watchFailures.size())));
        for (const QString &failure : status.watchFailures) {
            problems.append(QStringLiteral("  ") + failure);
        }
    }
    m_watchProblems->setText(problems.join(QLatin1Char('\n')));
    m_watchProblems->setVisible(!problems.isEmpty());
    m_retry->setEnabled(status.state == State::BackingOff);
    if (status.state == State::BackingOff) {
        m_tick->start();
    } else {
        m_tick->stop();
    }
    updateCountdown();
}

QString ContextPushPanel::stateText() const
{
    using State = ContextPushStatus::State;
    switch (m_status.state) {
    case State::Disabled:
        return tr("Off");
    case State::Idle:
        return tr("Idle: the control plane has the latest version");
    case State::Pushing:
        return tr("Pushing…");
    case State::BackingOff:
        return tr("Backing off after a failed push");
    case State::Stopped:
        return m_status.stopReason.isEmpty() ? tr("Stopped")
                                             : tr("Stopped: %1").arg(m_status.stopReason);
    }
    return {};
}

QString ContextPushPanel::countdownText() const
{
    return m_countdown->text();
}

bool ContextPushPanel::isRetryEnabled() const
{
    return m_retry->isEnabled();
}

QString ContextPushPanel::countdownText(qint64 msecs)
{
    if (msecs <= 0) {
        return tr("Retrying…");
    }
    // Rounded up, so that "0.0 s" never shows while the retry is still pending.
    const double seconds = double((msecs + 99) / 100) / 10.0;
    return tr("Next retry in %1 s").arg(QLocale().toString(seconds, 'f', 1));
}

void ContextPushPanel::updateCountdown()
{
    if (m_status.state != ContextPushStatus::State::BackingOff || m_status.nextRetryAtMSecs <= 0) {
        m_countdown->setText(m_status.state == ContextPushStatus::State::Pushing
                                     ? tr("Waiting for the control plane to answer…")
                                     : QString());
        return;
    }
    // The agent's clock set the time; a remote agent's clock may differ from ours a little.
    m_countdown->setText(countdownText(m_status.nextRetryAtMSecs - m_clock->nowMSecs()));
}
