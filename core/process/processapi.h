#pragma once

#include "processmanager.h"

#include <QObject>
#include <QPointer>

#include <chrono>
#include <list>
#include <memory>
#include <optional>

class ApiRequest;
class ApiServer;
class Clock;
class ProcessManager;
class HttpResponder;
class QWebSocket;

// Coder's agent process API on an ApiServer, byte-compatible with agent/agentproc/api.go:
//   POST /api/v0/processes/start, GET /list, GET /{id}/output[?wait=true], POST /{id}/signal
// plus our WebSocket extensions GET /{id}/stream?offset=N (full output, resumable) and
// GET /watch (process list snapshot, then changes).
class ProcessApi : public QObject
{
    Q_OBJECT
public:
    // Upstream maxWaitDuration: a blocking output request waits at most this long.
    static constexpr std::chrono::minutes MaxWaitDuration {5};
    // Upstream maxListProcesses: the list is capped to keep LLM context small.
    static constexpr int MaxListProcesses = 10;

    ProcessApi(ProcessManager *manager, ApiServer *server, Clock *clock = nullptr,
               QObject *parent = nullptr);
    ~ProcessApi() override;

    int pendingWaiters() const { return int(m_waiters.size()); }

    // The body of POST /start (and the request's chat id) decoded and checked as upstream does,
    // without side effects. On failure `message` and `detail` are the 400 answer (detail may
    // be empty).
    static std::optional<ProcessManager::StartRequest>
    parseStartRequest(const ApiRequest &request, QString *message, QString *detail);
    // The body of POST /{id}/signal, likewise.
    static std::optional<ProcessManager::Signal>
    parseSignalRequest(const ApiRequest &request, QString *message, QString *detail);

private:
    struct Waiter;
    void handleStart(const ApiRequest &request, HttpResponder &responder);
    void handleList(const ApiRequest &request, HttpResponder &responder);
    void handleOutput(const ApiRequest &request, HttpResponder &responder);
    void handleSignal(const ApiRequest &request, HttpResponder &responder);
    void handleStream(std::unique_ptr<QWebSocket> socket, const ApiRequest &request);
    void handleWatch(std::unique_ptr<QWebSocket> socket, const ApiRequest &request);
    void releaseWaiter(Waiter *waiter);

    QPointer<ProcessManager> m_manager;
    Clock *m_clock;
    std::list<std::unique_ptr<Waiter>> m_waiters;
};
