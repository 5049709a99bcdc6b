#pragma once

#include <QByteArray>
#include <QObject>
#include <QPointer>
#include <QString>

#include <functional>
#include <memory>

// Publish and subscribe on named channels, in memory or over PostgreSQL's LISTEN/NOTIFY.
// Publishing never blocks. Messages reach a subscriber on its context object's thread, in the
// order published; a subscriber that falls behind loses the oldest and learns how many.
class PubSub : public QObject
{
    Q_OBJECT
public:
    // NOTIFY's limit is 8000 bytes with the channel; both backends keep to this so that what
    // works embedded works on PostgreSQL.
    static constexpr qsizetype MaxPayloadBytes = 7600;
    // PostgreSQL identifiers are at most 63 bytes.
    static constexpr qsizetype MaxChannelBytes = 63;

    struct Listener
    {
        std::function<void(const QByteArray &payload)> message;
        // `count` messages were lost; -1: an unknown number may have been (a reconnect).
        std::function<void(qint64 count)> lost;
    };

    // Cancels its subscription when cancelled or destroyed (at most once).
    class Subscription
    {
    public:
        Subscription() = default;
        explicit Subscription(std::function<void()> cancel)
            : m_cancel(std::move(cancel))
        { }
        Subscription(Subscription &&other) noexcept
            : m_cancel(std::exchange(other.m_cancel, {}))
        { }
        Subscription &operator=(Subscription &&other) noexcept
        {
            if (this != &other) {
                cancel();
                m_cancel = std::exchange(other.m_cancel, {});
            }
            return *this;
        }
        ~Subscription() { cancel(); }
        void cancel()
        {
            if (auto cancel = std::exchange(m_cancel, {})) {
                cancel();
            }
        }
        bool isActive() const { return bool(m_cancel); }

    private:
        std::function<void()> m_cancel;
    };

    using PublishDone = std::function<void(const QString &error)>;

    explicit PubSub(QObject *parent = nullptr)
        : QObject(parent)
    { }

    // `done` (optional; in `context`'s thread) gets an empty error once the message is out.
    virtual void publish(const QString &channel, const QByteArray &payload,
                         QObject *context = nullptr, PublishDone done = {}) = 0;
    [[nodiscard]] virtual Subscription subscribe(const QString &channel, QObject *context,
                                                 Listener listener) = 0;

    // An empty string, or why the channel or payload cannot be published.
    static QString validate(const QString &channel, const QByteArray &payload);

Q_SIGNALS:
    // The PostgreSQL backend's link: up or down (with the reason).
    void connectionChanged(bool connected, const QString &error);
};
