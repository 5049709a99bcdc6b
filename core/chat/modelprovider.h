#pragma once

#include "chatrecord.h"
#include "lazydialer.h"

#include <QList>
#include <QString>

#include <functional>

struct GenerationRequest
{
    QString chatId;
    QString title;
    QList<ChatMessageRecord> history; // oldest first, queued ones excluded
    DialedAgent agent; // the workspace agent, dialled (its tools run there)
};

struct GenerationResult
{
    enum class Kind { Answer, Retryable, Final };
    Kind kind = Kind::Final;
    QString content; // Answer: the assistant's message
    QString error; // Retryable and Final: readable, for the chat's last_error
};

// A language model the generation task asks for the next assistant message. The
// OpenAI-compatible client implements it; a control plane without one ends generations with
// "no model provider configured".
class ModelProvider
{
public:
    using Done = std::function<void(const GenerationResult &)>;
    virtual ~ModelProvider() = default;
    // Calls `done` exactly once, also after the returned canceller ran.
    virtual std::function<void()> generate(const GenerationRequest &request, Done done) = 0;
};
