#pragma once

#include "common/clock.h"
#include "http.h"

#include <QByteArray>
#include <QHash>
#include <QHostAddress>
#include <QHttpHeaders>
#include <QObject>
#include <QPointer>

#include <llhttp.h>

#include <functional>
#include <memory>

class ApiRequest;
class HttpResponder;
class QTcpSocket;

// One client connection of an ApiServer: llhttp parses its bytes on the event loop, and each
// request is judged when its headers are complete, before any body byte is buffered. Owns the
// socket until it closes or is handed to the WebSocket server; enforces the size limits and
// the header, body-stall and keep-alive timeouts, and closes by lingering, so a refused
// client still reads its answer.
class HttpConnection : public QObject
{
    Q_OBJECT
public:
    struct Limits
    {
        int maxHeaders = 100;
        qint64 maxHeaderBytes = 64 * 1024;
        qint64 maxUrlBytes = 8 * 1024;
        std::chrono::milliseconds headerTimeout {10'000};
        std::chrono::milliseconds bodyStallTimeout {30'000};
        std::chrono::milliseconds idleTimeout {60'000};
        // How long a closing connection drains what the client still sends, so that the
        // client reads our answer before the close (no reset while it is still writing).
        std::chrono::milliseconds lingerTimeout {2'000};
    };

    // What the owner decides for a request whose headers are complete.
    struct Verdict
    {
        enum class Action { Accept, Refuse, WebSocket };
        Action action = Action::Refuse;
        // Refuse: the answer.
        Http::Status status = Http::Status::NotFound;
        QString message;
        QString detail;
        // Accept: the body limit, and the owner's route handle.
        qint64 maxBodyBytes = 0;
        int route = -1;
        QHash<QString, QString> params;
    };

    struct Head
    {
        Http::Method method = Http::Method::Unknown;
        QByteArray methodName; // the token as sent ("PURGE" is Method::Unknown)
        QByteArray target; // as sent; the absolute form is reduced to its path and query
        QString path; // percent-encoded, without the query
        QHttpHeaders headers;
        // -1 when the length is not declared (chunked, or no body).
        qint64 contentLength = -1;
        bool upgrade = false; // Connection: upgrade, with an Upgrade header
    };

    struct Owner
    {
        std::function<Verdict(const Head &head)> judge;
        std::function<void(int route, const ApiRequest &request, HttpResponder &responder)>
                dispatch;
        // Takes the socket, with the upgrade request unread in it.
        std::function<void(QTcpSocket *socket)> upgrade;
    };

    HttpConnection(QTcpSocket *socket, const Owner &owner, const Limits &limits, Clock *clock,
                   QObject *parent = nullptr);
    ~HttpConnection() override;

    // Answers at once with `status` and closes: the server is full.
    void refuse(Http::Status status, const QString &message, const QString &detail);

    QHostAddress peerAddress() const { return m_peer; }

    // For HttpResponder.
    void respond(quint64 sequence, Http::Status status, const QHttpHeaders &headers,
                 const QByteArray &body);
    bool isPending(quint64 sequence) const;
    // A streamed answer (chunked; server-sent events): the head now, chunks as they come, and
    // the end, which closes the connection. The client leaving is `abandoned`, as for a poll.
    bool startStream(quint64 sequence, Http::Status status, const QHttpHeaders &headers);
    bool writeChunk(quint64 sequence, const QByteArray &data);
    void endStream(quint64 sequence);
    // Unread bytes a stream may queue for a client before it is dropped.
    static constexpr qint64 MaxStreamBacklogBytes = 1024 * 1024;

Q_SIGNALS:
    // The client left, or the connection closed, before the pending request was answered.
    void abandoned(quint64 sequence);
    // The connection is done: the socket is closed or handed over. Emitted once.
    void finished();

private:
    enum class State { Waiting, Head, Body, Handling, Closing, Done };

    static int onMessageBegin(llhttp_t *parser);
    static int onUrl(llhttp_t *parser, const char *at, size_t length);
    static int onHeaderField(llhttp_t *parser, const char *at, size_t length);
    static int onHeaderFieldComplete(llhttp_t *parser);
    static int onHeaderValue(llhttp_t *parser, const char *at, size_t length);
    static int onHeaderValueComplete(llhttp_t *parser);
    static int onHeadersComplete(llhttp_t *parser);
    static int onBody(llhttp_t *parser, const char *at, size_t length);
    static int onChunkHeader(llhttp_t *parser);
    static int onMessageComplete(llhttp_t *parser);
    static const llhttp_settings_t *settings();

    int headersComplete();
    int fail(Http::Status status, const QString &message, const QString &detail = {});
    void process();
    void scheduleProcess();
    void dispatch();
    void handOff(qsizetype headEnd);
    void sendError(Http::Status status, const QString &message, const QString &detail);
    void writeResponse(Http::Status status, const QHttpHeaders &headers, const QByteArray &body,
                       bool close);
    void closeLingering();
    void halfCloseWhenFlushed();
    void finish();
    void arm(std::chrono::milliseconds delay);
    void onTimer();
    void onDeadline();
    void onDisconnected();
    bool peerHasLeft() const;
    bool hasPipelinedInput() const;

    QPointer<QTcpSocket> m_socket;
    Owner m_owner;
    Limits m_limits;
    Clock *m_clock;
    QHostAddress m_peer;
    llhttp_t m_parser;
    State m_state = State::Waiting;
    // One wake-up at a time, due at m_timerDue; the state's deadline may be later (it moved
    // since), or 0 when nothing is due.
    std::unique_ptr<Clock::Timer> m_timer;
    qint64 m_timerDue = 0;
    qint64 m_deadline = 0;

    // Read but not yet parsed (pipelined bytes wait here while a request is handled).
    QByteArray m_input;
    qsizetype m_inputPos = 0;
    // The raw bytes of the request head so far: for the size limit, and to give an upgrade
    // request back to the socket for the WebSocket server.
    QByteArray m_headRaw;
    bool m_requestStarted = false;

    // The request being parsed.
    Head m_head;
    QByteArray m_field;
    QByteArray m_value;
    qint64 m_headerBytes = 0;
    int m_headerCount = 0;
    Verdict m_verdict;
    QByteArray m_body;
    bool m_keepAlive = true;
    bool m_http10 = false;
    // Set by a callback that refuses the request.
    Http::Status m_failStatus = Http::Status::BadRequest;
    QString m_failMessage;
    QString m_failDetail;

    quint64 m_sequence = 0;
    bool m_answered = true;
    bool m_streaming = false;
    bool m_processQueued = false;
    bool m_halfClosed = false;
};
