#pragma once

#include "contextsnapshot.h"

#include <QObject>

#include <functional>

// One push of a snapshot to the control plane (upstream PushRequest; Rev A keeps
// schema_version).
struct ContextPushRequest
{
    ContextSnapshot snapshot;
    bool initial = false;
    // The JSON body of POST /api/v2/workspaceagents/me/context-state: payloads (base64) only
    // for ok instruction files and skills; MCP config bytes never leave the agent.
    QJsonObject toJson() const;
};

struct ContextPushResult
{
    enum class Outcome {
        Accepted, // {"accepted": true}
        Rejected, // {"accepted": false}: success, no retry (upstream)
        Unimplemented, // the peer has no such endpoint: stop for this connection
        Failed, // anything else: retry with backoff
    };
    Outcome outcome = Outcome::Failed;
    QString error;
};

// Sends context pushes somewhere: HttpContextPusher to a control plane, fakes in tests.
// Exactly one call to `done` per push().
class ContextPusher : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;
    virtual void push(const ContextPushRequest &request,
                      std::function<void(const ContextPushResult &)> done) = 0;
    // Abandons the push in flight, if any; its `done` is not called.
    virtual void cancel() { }
};
