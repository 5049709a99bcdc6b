#pragma once

#include "reinitevent.h"

#include "common/clock.h"
#include "http/serversentevents.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QObject>
#include <QPointer>
#include <QUrl>

#include <chrono>
#include <memory>

// One wait for a reinit event (agentsdk WaitForReinit): GET
// /api/v2/workspaceagents/me/reinit?wait=true with the agent token, reading server-sent
// events until the first `data` event. A stream that ends without one is a failure, never an
// event.
class ReinitClient : public QObject
{
    Q_OBJECT
public:
    ReinitClient(QUrl controlPlane, QByteArray agentToken, QObject *parent = nullptr);
    ~ReinitClient() override;

    void start();
    void abort();
    bool isRunning() const { return m_reply != nullptr; }

Q_SIGNALS:
    void received(const ReinitEvent &event);
    // `status`: the HTTP status, 0 for a transport failure or a broken stream.
    void failed(int status, const QString &error);

private:
    void onReadyRead();
    void onFinished();
    void fail(int status, const QString &error);

    QUrl m_url;
    QByteArray m_token;
    QNetworkAccessManager m_network;
    QPointer<QNetworkReply> m_reply;
    SseParser m_parser;
    bool m_done = false;
};

// WaitForReinitLoop: wait after wait, with backoff from 100 ms to 10 s between failures (the
// first attempt, and the one after an event, go at once); a 409 stops it for good.
class ReinitLoop : public QObject
{
    Q_OBJECT
public:
    static constexpr std::chrono::milliseconds FirstBackoff {100};
    static constexpr std::chrono::milliseconds MaxBackoff {10'000};

    ReinitLoop(QUrl controlPlane, QByteArray agentToken, Clock *clock = nullptr,
               QObject *parent = nullptr);

    void start();
    void stop();
    bool isStopped() const { return m_stopped; }
    // No new wait until release(): the agent is acting on an event and has not told the
    // control plane yet, which would otherwise seed the same claim again.
    void hold();
    void release();
    // The delay before the next attempt after `failures` failures in a row.
    static std::chrono::milliseconds backoff(int failures);

Q_SIGNALS:
    void eventReceived(const ReinitEvent &event);
    // A failed attempt; the next one is in `retry`.
    void attemptFailed(int status, const QString &error, std::chrono::milliseconds retry);
    // 409: this workspace is never reinitialized; the loop is over.
    void stoppedForGood(const QString &message);

private:
    void attempt();
    void schedule(std::chrono::milliseconds delay);

    Clock *m_clock;
    ReinitClient m_client;
    std::unique_ptr<Clock::Timer> m_timer;
    int m_failures = 0;
    bool m_stopped = false;
    bool m_running = false;
    bool m_held = false;
};
