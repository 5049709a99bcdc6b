#pragma once

#include <QObject>
#include <QPointer>

#include <chrono>
#include <optional>

class ApiRequest;
class ApiServer;
class ContextManager;
class ContextPushLoop;
class HttpResponder;
class QWebSocket;

// The agent's context API, compatible with Coder's agentcontext api.go:
//   GET/POST /api/v0/context/sources, GET/DELETE /api/v0/context/sources/{path},
//   POST /api/v0/context/resync
// and our extensions: GET /snapshot, GET /content?id=, GET /timeline, GET /push,
// POST /push/retry, and the WebSocket GET /watch (snapshots, push status and sources as they
// change). MCP config bytes are never served: /content answers 403 for them.
class ContextApi : public QObject
{
    Q_OBJECT
public:
    // How long POST /resync waits for its resolve before answering 504.
    static constexpr std::chrono::seconds ResyncTimeout {60};

    ContextApi(ContextManager *manager, ContextPushLoop *pushLoop, ApiServer *server,
               QObject *parent = nullptr);
    ~ContextApi() override;

    // The path of a POST /sources body, decoded and type-checked without side effects. On
    // failure `message` and `detail` are the 400 answer.
    static std::optional<QString> parseAddSourceRequest(const ApiRequest &request, QString *message,
                                                        QString *detail);

private:
    void handleListSources(const ApiRequest &request, HttpResponder &responder);
    void handleAddSource(const ApiRequest &request, HttpResponder &responder);
    void handleGetSource(const ApiRequest &request, HttpResponder &responder);
    void handleDeleteSource(const ApiRequest &request, HttpResponder &responder);
    void handleResync(const ApiRequest &request, HttpResponder &responder);
    void handleSnapshot(const ApiRequest &request, HttpResponder &responder);
    void handleContent(const ApiRequest &request, HttpResponder &responder);
    void handleTimeline(const ApiRequest &request, HttpResponder &responder);
    void handlePushStatus(const ApiRequest &request, HttpResponder &responder);
    void handlePushRetry(const ApiRequest &request, HttpResponder &responder);
    void handleWatch(QWebSocket *socket);

    QPointer<ContextManager> m_manager;
    QPointer<ContextPushLoop> m_pushLoop;
};
