#include "clock.h"

#include <QDateTime>
#include <QPointer>
#include <QTimer>

#include <algorithm>

namespace {

class SystemTimer : public Clock::Timer
{
public:
    SystemTimer(std::chrono::milliseconds delay, QObject *context, std::function<void()> callback)
        : m_timer(new QTimer)
    {
        m_timer->setSingleShot(true);
        m_timer->setTimerType(Qt::PreciseTimer);
        QObject::connect(m_timer.get(), &QTimer::timeout, context, std::move(callback));
        m_timer->start(delay);
    }
    // Safe inside the timer's own callback: the QTimer is only stopped here, deleted later.
    ~SystemTimer() override
    {
        m_timer->stop();
        m_timer->disconnect();
        m_timer.release()->deleteLater();
    }

private:
    std::unique_ptr<QTimer> m_timer;
};

class SystemClock : public Clock
{
public:
    qint64 nowMSecs() const override { return QDateTime::currentMSecsSinceEpoch(); }
    std::unique_ptr<Timer> callAfter(std::chrono::milliseconds delay, QObject *context,
                                     std::function<void()> callback) override
    {
        return std::make_unique<SystemTimer>(delay, context, std::move(callback));
    }
};

} // namespace

Clock *Clock::system()
{
    static SystemClock clock;
    return &clock;
}

struct ManualClock::Entry
{
    qint64 due = 0;
    quint64 sequence = 0;
    QPointer<QObject> context;
    std::function<void()> callback;
    bool cancelled = false;
};

class ManualClock::ManualTimer : public Clock::Timer
{
public:
    explicit ManualTimer(std::shared_ptr<Entry> entry)
        : m_entry(std::move(entry))
    { }
    ~ManualTimer() override { m_entry->cancelled = true; }

private:
    std::shared_ptr<Entry> m_entry;
};

ManualClock::ManualClock(qint64 startMSecs)
    : m_now(startMSecs)
{ }

ManualClock::~ManualClock() = default;

std::unique_ptr<Clock::Timer> ManualClock::callAfter(std::chrono::milliseconds delay,
                                                     QObject *context,
                                                     std::function<void()> callback)
{
    auto entry = std::make_shared<Entry>();
    entry->due = m_now + std::max<qint64>(0, delay.count());
    entry->sequence = m_sequence++;
    entry->context = context;
    entry->callback = std::move(callback);
    m_entries.push_back(entry);
    return std::make_unique<ManualTimer>(entry);
}

void ManualClock::advance(std::chrono::milliseconds by)
{
    const qint64 target = m_now + by.count();
    for (;;) {
        std::erase_if(m_entries, [](const auto &e) { return e->cancelled || !e->context; });
        auto next = std::min_element(
                m_entries.begin(), m_entries.end(), [](const auto &a, const auto &b) {
                    return std::tie(a->due, a->sequence) < std::tie(b->due, b->sequence);
                });
        if (next == m_entries.end() || (*next)->due > target) {
            break;
        }
        std::shared_ptr<Entry> entry = *next;
        m_entries.erase(next);
        m_now = std::max(m_now, entry->due);
        entry->cancelled = true; // fired: a later destruction of its Timer is a no-op
        entry->callback();
    }
    m_now = target;
}

int ManualClock::pendingTimers() const
{
    return int(std::count_if(m_entries.begin(), m_entries.end(),
                             [](const auto &e) { return !e->cancelled && e->context; }));
}

qint64 ManualClock::msecsToNextTimer() const
{
    qint64 best = -1;
    for (const auto &e : m_entries) {
        if (!e->cancelled && e->context && (best < 0 || e->due - m_now < best)) {
            best = e->due - m_now;
        }
    }
    return best;
}
