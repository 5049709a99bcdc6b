#pragma once

#include "common/clock.h"
#include "contextpusher.h"
#include "contextpushstatus.h"

#include <QObject>
#include <QPointer>

#include <chrono>
#include <memory>

class ContextManager;

// Pushes each new snapshot to the control plane, as the seed's RunPush: the first successful
// push is initial; failures retry the same request with a doubling backoff (250 ms to 30 s);
// accepted=false counts as success; "unimplemented" stops the loop; a change made during a
// backoff is pushed once the retry succeeds; closing the manager stops it.
class ContextPushLoop : public QObject
{
    Q_OBJECT
public:
    static constexpr std::chrono::milliseconds DefaultInitialBackoff {
            250}; // upstream DefaultPushInitialBackoff
    static constexpr std::chrono::milliseconds DefaultMaxBackoff {
            30000}; // upstream DefaultPushMaxBackoff

    using State = ContextPushStatus::State;
    using Status = ContextPushStatus;

    struct Options
    {
        std::chrono::milliseconds initialBackoff = DefaultInitialBackoff;
        std::chrono::milliseconds maxBackoff = DefaultMaxBackoff;
        Clock *clock = nullptr;
    };

    // `pusher` must outlive the loop or be its child.
    ContextPushLoop(ContextManager *manager, ContextPusher *pusher, Options options,
                    QObject *parent = nullptr);
    ~ContextPushLoop() override;

    void start();
    Status status() const { return m_status; }
    State state() const { return m_status.state; }
    // During a backoff: retry now instead of waiting.
    void retryNow();

    static QString stateName(State state) { return ContextPushStatus::stateName(state); }

Q_SIGNALS:
    void statusChanged(const ContextPushStatus &status);
    // Each push attempt, with the request's version and initial flag (for logs and tests).
    void pushAttempted(quint64 version, bool initial, int attempt);

private:
    void onSnapshotChanged();
    void pushLatest();
    void send();
    void onResult(const ContextPushResult &result);
    void setState(State state);
    void stop(const QString &reason);

    QPointer<ContextManager> m_manager;
    QPointer<ContextPusher> m_pusher;
    Options m_options;
    Clock *m_clock;
    Status m_status;
    bool m_started = false;
    bool m_initial = true;
    bool m_pending = false; // a newer snapshot arrived while pushing or backing off
    ContextPushRequest m_request;
    std::chrono::milliseconds m_backoff;
    std::unique_ptr<Clock::Timer> m_retryTimer;
};
