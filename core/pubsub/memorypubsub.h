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
