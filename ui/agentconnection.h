#pragma once

#include "common/clock.h"

#include <QObject>
#include <QUrl>

#include <memory>

class ContextClient;
class ProcessClient;

// One agent the app shows: this machine's, or a remote one with its URL and token. It owns
// the clients every view uses for it, and knows whether the agent answers: it asks
// (GET /api/v0/processes/list) at once, then every 15 s, and after a failure again after 1, 2,
// 4 … 30 s, with a countdown for the sidebar.
class AgentConnection : public QObject
{
    Q_OBJECT
public:
    enum class State { Connecting, Connected, Reconnecting, AuthFailed, Unreachable };
    Q_ENUM(State)

    struct Options
    {
        QString id; // stable, for settings and the token store
        QString name;
        QUrl url;
        QByteArray token;
        bool local = false;
        bool remembered = false; // listed again at the next start, its token kept
        Clock *clock = nullptr; // Clock::system() by default
    };
    // Clients the app already made (this machine's agent), or none: the connection makes them.
    AgentConnection(Options options, ProcessClient *processes = nullptr,
                    ContextClient *context = nullptr, QObject *parent = nullptr);
    ~AgentConnection() override;

    QString id() const { return m_options.id; }
    QString name() const { return m_options.name; }
    QUrl url() const { return m_options.url; }
    QByteArray token() const { return m_options.token; }
    bool isLocal() const { return m_options.local; }
    bool isRemembered() const { return m_options.remembered; }
    ProcessClient *processes() const { return m_processes; }
    ContextClient *context() const { return m_context; }

    State state() const { return m_state; }
    // The reason of the last failure ("HTTP 401: ...", "Connection refused").
    QString lastError() const { return m_lastError; }
    // Seconds until the next attempt while Reconnecting, Unreachable or AuthFailed.
    int secondsToRetry() const;
    // "Connected", "Reconnecting in 4 s", "Token refused", "Unreachable, retrying in 30 s".
    QString stateText() const;

    // Asks now (and starts the cycle); again now after a failure.
    void check();
    // A token that arrived later (a keychain read), or a problem reading it.
    void setToken(const QByteArray &token);
    void setTokenError(const QString &error) { m_tokenError = error; }
    QString tokenError() const { return m_tokenError; }

    // An agent that takes longer than this to answer the probe counts as not answering.
    static constexpr std::chrono::milliseconds ProbeTimeout {10000};

    static constexpr std::chrono::milliseconds HealthyInterval {15000};
    static constexpr std::chrono::milliseconds MaxBackoff {30000};

Q_SIGNALS:
    // Also once a second during a countdown.
    void stateChanged();

private:
    void setState(State state, const QString &error);
    void failed(int status, const QString &error);
    void schedule(std::chrono::milliseconds delay);
    void tick();

    Options m_options;
    Clock *m_clock;
    std::unique_ptr<ProcessClient> m_ownedProcesses;
    std::unique_ptr<ContextClient> m_ownedContext;
    ProcessClient *m_processes;
    ContextClient *m_context;
    State m_state = State::Connecting;
    QString m_lastError;
    int m_failures = 0;
    qint64 m_retryAtMSecs = 0;
    bool m_inFlight = false;
    quint64 m_probe = 0; // the probe whose answer counts; a late one is ignored
    QString m_tokenError;
    std::unique_ptr<Clock::Timer> m_timeout;
    std::unique_ptr<Clock::Timer> m_next;
    std::unique_ptr<Clock::Timer> m_tick;
};
