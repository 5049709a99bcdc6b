#pragma once

#include "http.h"

#include <QByteArray>
#include <QHttpHeaders>
#include <QMetaObject>
#include <QPointer>

#include <functional>

class HttpConnection;
class QObject;

// The one answer a route handler owes a request. Movable, so a handler can keep it and answer
// later (a long poll); answering after the client left does nothing. A responder destroyed
// without an answer sends 500, so no client hangs on a handler that forgot.
class HttpResponder
{
public:
    HttpResponder() = default;
    HttpResponder(HttpResponder &&other) noexcept;
    HttpResponder &operator=(HttpResponder &&other) noexcept;
    HttpResponder(const HttpResponder &) = delete;
    HttpResponder &operator=(const HttpResponder &) = delete;
    ~HttpResponder();

    void write(const QByteArray &body, const QHttpHeaders &headers, Http::Status status);
    // A bodiless answer (204, say).
    void write(Http::Status status);
    // A streamed answer: the status and headers now, then chunks, then endStream() (or the
    // responder's destruction), which closes the connection. False when the client is gone.
    bool startStream(const QHttpHeaders &headers, Http::Status status = Http::Status::Ok);
    bool writeChunk(const QByteArray &data);
    void endStream();

    // False once answered, moved from, or when the client has gone.
    bool isPending() const;
    // Calls `callback` (in `context`'s thread, unless `context` is gone) if the client goes
    // away before the answer is written. At most one callback per responder.
    void onAbandoned(QObject *context, std::function<void()> callback);

private:
    friend class HttpConnection;
    HttpResponder(HttpConnection *connection, quint64 sequence);
    void unanswered();

    QPointer<HttpConnection> m_connection;
    quint64 m_sequence = 0;
    QMetaObject::Connection m_abandoned;
    bool m_streaming = false;
};
