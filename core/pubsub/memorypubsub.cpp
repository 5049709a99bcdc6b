#include "memorypubsub.h"

#include <QMetaObject>
#include <QThread>

struct MemoryPubSub::Subscriber
{
    QPointer<QObject> context;
    Listener listener;
    // Guarded by the hub's mutex.
    std::deque<QByteArray> queue;
    qint64 lost = 0;
    bool unknownLoss = false;
    bool drainQueued = false;
    bool delivering = false; // inside deliverFromEventLoop's call of its listener
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
    // Told first: what the publisher does once its message is out happens before any listener
    // acts on it (the reinit log reads claim_published, then delivered).
    if (done) {
        QMetaObject::invokeMethod(
                context ? context : this, [done, error] { done(error); }, Qt::QueuedConnection);
    }
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
}

void MemoryPubSub::deliverFromEventLoop(const QString &channel, const QByteArray &payload)
{
    if (!validate(channel, payload).isEmpty()) {
        return;
    }
    std::vector<std::shared_ptr<Subscriber>> now;
    {
        QMutexLocker lock(&m_mutex);
        QThread *thread = QThread::currentThread();
        for (auto it = m_subscribers.constFind(channel);
             it != m_subscribers.cend() && it.key() == channel; ++it) {
            const std::shared_ptr<Subscriber> &subscriber = it.value();
            // In order: only when nothing is waiting for it, and no loss is to be told first.
            if (subscriber->context && subscriber->context->thread() == thread &&
                subscriber->queue.empty() && !subscriber->drainQueued && !subscriber->delivering &&
                subscriber->lost == 0 && !subscriber->unknownLoss) {
                subscriber->delivering = true;
                now.push_back(subscriber);
                continue;
            }
            if (qsizetype(subscriber->queue.size()) >= m_capacity) {
                subscriber->queue.pop_front();
                ++subscriber->lost;
            }
            subscriber->queue.push_back(payload);
            scheduleDrain(subscriber);
        }
    }
    // A listener may end the hub itself (its owner going away).
    const QPointer<MemoryPubSub> hub(this);
    for (const std::shared_ptr<Subscriber> &subscriber : now) {
        if (!hub) {
            return;
        }
        bool cancelled = false;
        {
            QMutexLocker lock(&m_mutex);
            cancelled = subscriber->cancelled;
        }
        // What arrives meanwhile (the listener publishing, say) is queued behind this one.
        if (!cancelled && (!subscriber->context.isNull())) {
            subscriber->listener.message(payload);
        }
        if (!hub) {
            return;
        }
        QMutexLocker lock(&m_mutex);
        subscriber->delivering = false;
        if (!subscriber->queue.empty()) {
            scheduleDrain(subscriber);
        }
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
