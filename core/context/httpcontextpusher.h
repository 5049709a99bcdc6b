#pragma once

#include "contextpusher.h"

#include <QPointer>
#include <QUrl>

class ApiCall;
class ApiClient;

// Pushes snapshots to a control plane: POST {base}/api/v2/workspaceagents/me/context-state with
// the agent's token. 404, 405 and 501 mean the peer does not implement it.
class HttpContextPusher : public ContextPusher
{
    Q_OBJECT
public:
    HttpContextPusher(const QUrl &controlPlane, const QByteArray &token, QObject *parent = nullptr);
    ~HttpContextPusher() override;

    void push(const ContextPushRequest &request,
              std::function<void(const ContextPushResult &)> done) override;
    void cancel() override;
    QUrl endpoint() const;

private:
    ApiClient *m_api;
    QPointer<ApiCall> m_call;
};
