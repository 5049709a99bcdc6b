#include "memorypubsub.h"

#include <QMetaObject>

struct MemoryPubSub::Subscriber
{
    QPointer<QObject> context;
    Listener listener;
    // Guarded by the hub's mutex.
    std::deque<QByteArray> queue;
    qint64 lost = 0;
    bool unknownLoss = false;
    bool drainQueued = false;
    bool cancelled = false;
};

MemoryPubSub::MemoryPubSub(qsizetype queueCapacity, QObject *parent)
    : PubSub(parent)
    , m_capacity(qMax<qsizetype>(1, queueCapacity))
{ }

MemoryPubSub::~MemoryPubSub()
{
    QMutexLocker lock(&m_mutex);
    for (const auto &subscriber : std::as_const(m_subscribers)) {
        subscriber->cancelled = true;
    }
}

void MemoryPubSub::publish(const QString &channel, const QByteArray &payload, QObject *context,
                           PublishDone done)
{
    const QString error = validate(channel, payload);
    if (error.isEmpty()) {
        QMutexLocker lock(&m_mutex);
        for (auto it = m_subscribers.constFind(channel);
             it != m_subscribers.cend() && it.key() == channel; ++it) {
            const std::shared_ptr<Subscriber> &subscriber = it.value();
            if (qsizetype(subscriber->queue.size()) >= m_capacity) {
                subscriber->queue.pop_front();
                ++subscriber->lost;
            }
            subscriber->queue.push_back(payload);
            scheduleDrain(subscriber);
        }
    }
    if (done) {
        QMetaObject::invokeMethod(
                context ? context : this, [done, error] { done(error); }, Qt::QueuedConnection);
    }
}

// With the mutex held.
void MemoryPubSub::scheduleDrain(const std::shared_ptr<Subscriber> &subscriber)
{
    if (subscriber->drainQueued || !subscriber->context) {
        return;
    }
    subscriber->drainQueued = true;
    QMetaObject::invokeMethod(
            subscriber->context.data(),
            [this, weak = std::weak_ptr<Subscriber>(subscriber)] {
                if (auto s = weak.lock()) {
                    drain(s);
                }
            },
            Qt::QueuedConnection);
}

void MemoryPubSub::reportUnknownLoss()
{
    QMutexLocker lock(&m_mutex);
    for (const auto &subscriber : std::as_const(m_subscribers)) {
        subscriber->unknownLoss = true;
        scheduleDrain(subscriber);
    }
}

void MemoryPubSub::drain(const std::shared_ptr<Subscriber> &subscriber)
{
    std::deque<QByteArray> batch;
    qint64 lost = 0;
    bool unknownLoss = false;
    {
        QMutexLocker lock(&m_mutex);
        if (subscriber->cancelled) {
            return;
        }
        batch.swap(subscriber->queue);
        lost = std::exchange(subscriber->lost, 0);
        unknownLoss = std::exchange(subscriber->unknownLoss, false);
        subscriber->drainQueued = false;
    }
    if (subscriber->listener.lost && (lost > 0 || unknownLoss)) {
        subscriber->listener.lost(unknownLoss ? -1 : lost);
    }
    for (const QByteArray &payload : batch) {
        // A listener may cancel its own subscription while handling a message.
        {
            QMutexLocker lock(&m_mutex);
            if (subscriber->cancelled) {
                return;
            }
        }
        subscriber->listener.message(payload);
    }
}

PubSub::Subscription MemoryPubSub::subscribe(const QString &channel, QObject *context,
                                             Listener listener)
{
    auto subscriber = std::make_shared<Subscriber>();
    subscriber->context = context;
    subscriber->listener = std::move(listener);
    {
        QMutexLocker lock(&m_mutex);
        m_subscribers.insert(channel, subscriber);
    }
    return Subscription([hub = QPointer<MemoryPubSub>(this), channel,
                         weak = std::weak_ptr<Subscriber>(subscriber)] {
        auto s = weak.lock();
        if (!hub || !s) {
            return;
        }
        QMutexLocker lock(&hub->m_mutex);
        s->cancelled = true;
        hub->m_subscribers.remove(channel, s);
    });
}

int MemoryPubSub::subscriberCount(const QString &channel) const
{
    QMutexLocker lock(&m_mutex);
    return int(m_subscribers.count(channel));
}
