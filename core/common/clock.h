#pragma once

#include <QObject>

#include <chrono>
#include <functional>
#include <memory>

// Time for everything that waits: reaping ages, wait caps, backoffs, heartbeats. Production code
// uses Clock::system(); tests use ManualClock and advance time in milliseconds, so a 30 s
// backoff or a 5 min wait is tested without waiting.
class Clock
{
public:
    // A pending call; destroying it cancels the call.
    class Timer
    {
    public:
        virtual ~Timer() = default;
    };

    virtual ~Clock() = default;

    virtual qint64 nowMSecs() const = 0; // milliseconds since the Unix epoch
    qint64 nowSecs() const { return nowMSecs() / 1000; }

    // Calls `callback` once, after `delay`, on the thread of `context`, unless `context` is
    // destroyed or the returned Timer is destroyed first.
    [[nodiscard]] virtual std::unique_ptr<Timer> callAfter(std::chrono::milliseconds delay,
                                                           QObject *context,
                                                           std::function<void()> callback) = 0;

    // The wall clock with QTimer.
    static Clock *system();
};

// A clock that moves only when told. Timers fire from advance(), in due order.
class ManualClock : public Clock
{
public:
    explicit ManualClock(qint64 startMSecs = 1'700'000'000'000);
    ~ManualClock() override;

    qint64 nowMSecs() const override { return m_now; }
    std::unique_ptr<Timer> callAfter(std::chrono::milliseconds delay, QObject *context,
                                     std::function<void()> callback) override;

    // Moves time forward, firing every timer that falls due, including timers those callbacks
    // start within the interval.
    void advance(std::chrono::milliseconds by);
    // Pending timers, for tests that check something is (or is not) scheduled.
    int pendingTimers() const;
    // Milliseconds until the next timer fires, or -1 when none is pending.
    qint64 msecsToNextTimer() const;

private:
    struct Entry;
    class ManualTimer;
    std::vector<std::shared_ptr<Entry>> m_entries;
    qint64 m_now;
    quint64 m_sequence = 0;
};
