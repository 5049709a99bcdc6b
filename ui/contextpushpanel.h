#pragma once

#include "context/contextpushstatus.h"

#include <QWidget>

class Clock;
class QLabel;
class QPushButton;
class QStackedWidget;
class QTimer;

// Where the push of context to the control plane stands: state, attempts, the last error, a
// live countdown to the next retry while backing off, and "Retry now".
class ContextPushPanel : public QWidget
{
    Q_OBJECT
public:
    // How often the countdown is redrawn while backing off.
    static constexpr int CountdownInterval = 100; // ms

    explicit ContextPushPanel(QWidget *parent = nullptr);

    void setStatus(const ContextPushStatus &status);
    ContextPushStatus status() const { return m_status; }
    // The clock the countdown reads (Clock::system() by default). Not owned.
    void setClock(Clock *clock);

    QString stateText() const;
    QString countdownText() const;
    bool isRetryEnabled() const;

    // "Next retry in 4.2 s" for `msecs` left; "Retrying…" once it is due.
    static QString countdownText(qint64 msecs);

Q_SIGNALS:
    void retryRequested();

private:
    void updateCountdown();

    Clock *m_clock;
    ContextPushStatus m_status;
    QStackedWidget *m_pages;
    QLabel *m_state;
    QLabel *m_attempts;
    QLabel *m_lastPushed;
    QLabel *m_lastError;
    QLabel *m_countdown;
    QLabel *m_watchProblems;
    QPushButton *m_retry;
    QTimer *m_tick;
};
