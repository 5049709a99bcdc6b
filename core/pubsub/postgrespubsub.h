#pragma once

#include "memorypubsub.h"

#include "common/clock.h"

#include <QHash>
#include <QSocketNotifier>

#include <deque>
#include <memory>

struct pg_conn;

// Pubsub over PostgreSQL's LISTEN/NOTIFY, so that control-plane replicas on one database hear
// each other. One libpq connection, non-blocking on the event loop (QSocketNotifier): LISTEN,
// UNLISTEN and pg_notify() go out one at a time in order. When the server goes away it
// reconnects with backoff (100 ms doubling to 10 s), LISTENs again and tells every subscriber
// that messages may have been lost. Fan-out to subscribers is a MemoryPubSub's.
class PostgresPubSub : public PubSub
{
    Q_OBJECT
public:
    // `url`: postgres://… as libpq reads it. `clock` drives the reconnect backoff.
    PostgresPubSub(const QString &url, Clock *clock = nullptr, QObject *parent = nullptr);
    ~PostgresPubSub() override;

    void start();
    bool isConnected() const { return m_connected; }
    QString lastError() const { return m_lastError; }
    // The delay of the next reconnect attempt (0 while connected).
    std::chrono::milliseconds reconnectDelay() const { return m_backoff; }

    void publish(const QString &channel, const QByteArray &payload, QObject *context = nullptr,
                 PublishDone done = {}) override;
    Subscription subscribe(const QString &channel, QObject *context, Listener listener) override;

    // "name" with embedded quotes doubled: channel names with '-' (UUIDs) need it.
    static QByteArray quoteIdentifier(const QString &name);

private:
    struct Command
    {
        QByteArray sql;
        QList<QByteArray> params;
        QPointer<QObject> context;
        PublishDone done;
        bool hasContext = false;
    };

    void connectNow();
    void pollConnect();
    void onReadable();
    void onWritable();
    void sendNext();
    void flush();
    void collectResults();
    void dispatchNotifications();
    void lose(const QString &error);
    void finishCommand(const QString &error);
    void enqueue(Command command);
    void setNotifiers(bool read, bool write);
    void dropNotifiers();

    QString m_url;
    Clock *m_clock;
    MemoryPubSub m_local;
    pg_conn *m_conn = nullptr;
    std::unique_ptr<QSocketNotifier> m_read;
    std::unique_ptr<QSocketNotifier> m_write;
    std::unique_ptr<Clock::Timer> m_retry;
    bool m_connecting = false;
    bool m_connected = false;
    bool m_everConnected = false;
    bool m_inFlight = false;
    std::deque<Command> m_queue;
    QHash<QString, int> m_listening; // channel → local subscribers
    std::chrono::milliseconds m_backoff {0};
    QString m_lastError;
};
