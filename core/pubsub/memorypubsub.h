#pragma once

#include "pubsub.h"

#include <QHash>
#include <QMutex>

#include <deque>

// In-process pubsub (the embedded control plane): each subscriber has a bounded queue, drained
// on its context's thread; a full queue drops its oldest message and counts the loss, so a
// slow subscriber never blocks the publisher or grows without bound.
class MemoryPubSub : public PubSub
{
    Q_OBJECT
public:
    explicit MemoryPubSub(qsizetype queueCapacity = 1024, QObject *parent = nullptr);
    ~MemoryPubSub() override;

    void publish(const QString &channel, const QByteArray &payload, QObject *context = nullptr,
                 PublishDone done = {}) override;
    Subscription subscribe(const QString &channel, QObject *context, Listener listener) override;

    // As publish(), except that a subscriber on this thread with nothing queued gets the
    // message now, inside this call. Only for a caller at the top of an event handler (the
    // PostgreSQL backend's socket), never for code a listener could be inside of: it saves
    // the event loop round of a queued delivery (scripts/bench pubsub).
    void deliverFromEventLoop(const QString &channel, const QByteArray &payload);

    int subscriberCount(const QString &channel) const;
    // Tells every subscriber that an unknown number of messages may have been lost.
    void reportUnknownLoss();

private:
    struct Subscriber;
    void scheduleDrain(const std::shared_ptr<Subscriber> &subscriber);
    void drain(const std::shared_ptr<Subscriber> &subscriber);

    const qsizetype m_capacity;
    mutable QMutex m_mutex;
    QMultiHash<QString, std::shared_ptr<Subscriber>> m_subscribers;
};
