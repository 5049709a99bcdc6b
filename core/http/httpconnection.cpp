#include "httpconnection.h"

#include "apirequest.h"
#include "httpresponder.h"
#include "jsonresponse.h"

#include <QJsonObject>
#include <QLoggingCategory>
#include <QTcpSocket>
#include <QUrlQuery>

#include <poll.h>
#include <sys/socket.h>

Q_DECLARE_LOGGING_CATEGORY(lcHttp)

namespace {

// Read in slices of this size; the socket buffers at most as much (backpressure beyond it).
constexpr qint64 ReadChunkBytes = 64 * 1024;
// A client that sends requests but does not read the answers stops being read beyond this
// much unsent output (TCP holds it back), so its answers cannot pile up in our memory.
constexpr qint64 MaxUnsentBytes = 1024 * 1024;
// A long poll whose client filled our read buffer can no longer see the client leave through
// reads; it is checked this often instead.
constexpr std::chrono::seconds LivenessInterval {5};
// The request line and header lines may carry some bytes the field limits do not count
// (spaces, line ends): the raw head may exceed the two limits by this much.
constexpr qint64 HeadSlackBytes = 4 * 1024;

HttpConnection *connectionOf(llhttp_t *parser)
{
    return static_cast<HttpConnection *>(parser->data);
}

// QHttpHeaders keeps names in lower case; on the wire they are spelled as Go spells them
// ("Content-Type"), for clients that compare them literally.
void appendCanonicalName(QByteArray &out, QLatin1StringView name)
{
    bool upper = true;
    for (const char c : name) {
        out += upper && c >= 'a' && c <= 'z' ? char(c - 'a' + 'A') : c;
        upper = c == '-';
    }
}

QString seconds(std::chrono::milliseconds duration)
{
    return QString::number(double(duration.count()) / 1000.0);
}

} // namespace

const llhttp_settings_t *HttpConnection::settings()
{
    static const llhttp_settings_t s = [] {
        llhttp_settings_t init;
        llhttp_settings_init(&init);
        init.on_message_begin = &HttpConnection::onMessageBegin;
        init.on_url = &HttpConnection::onUrl;
        init.on_header_field = &HttpConnection::onHeaderField;
        init.on_header_field_complete = &HttpConnection::onHeaderFieldComplete;
        init.on_header_value = &HttpConnection::onHeaderValue;
        init.on_header_value_complete = &HttpConnection::onHeaderValueComplete;
        init.on_headers_complete = &HttpConnection::onHeadersComplete;
        init.on_body = &HttpConnection::onBody;
        init.on_chunk_header = &HttpConnection::onChunkHeader;
        init.on_message_complete = &HttpConnection::onMessageComplete;
        return init;
    }();
    return &s;
}

HttpConnection::HttpConnection(QTcpSocket *socket, const Owner &owner, const Limits &limits,
                               Clock *clock, QObject *parent)
    : QObject(parent)
    , m_socket(socket)
    , m_owner(owner)
    , m_limits(limits)
    , m_clock(clock)
    , m_peer(socket->peerAddress())
{
    socket->setParent(this);
    // Qt stops reading from the kernel beyond this: a client that sends faster than we parse
    // (or while a request is being handled) is held back by TCP, not by our memory.
    socket->setReadBufferSize(ReadChunkBytes);
    llhttp_init(&m_parser, HTTP_REQUEST, settings());
    m_parser.data = this;
    connect(socket, &QTcpSocket::readyRead, this, &HttpConnection::process);
    connect(socket, &QTcpSocket::bytesWritten, this, [this] {
        if (m_state == State::Closing) {
            halfCloseWhenFlushed();
        } else if (m_state == State::Waiting && m_socket &&
                   m_socket->bytesToWrite() <= MaxUnsentBytes) {
            scheduleProcess(); // answers drained: the next pipelined request may go
        }
    });
    // Queued: the socket can disconnect from inside our own write() or flush(), and the code
    // that called them must still find it.
    connect(socket, &QTcpSocket::disconnected, this, &HttpConnection::onDisconnected,
            Qt::QueuedConnection);
    // The header timeout of the first request counts from the accept, as Go's server does.
    arm(m_limits.headerTimeout);
    if (socket->bytesAvailable() > 0) {
        scheduleProcess();
    }
}

HttpConnection::~HttpConnection()
{
    m_timer.reset();
    if (!m_answered) {
        Q_EMIT abandoned(m_sequence);
    }
}

void HttpConnection::refuse(Http::Status status, const QString &message, const QString &detail)
{
    m_keepAlive = false;
    sendError(status, message, detail);
}

bool HttpConnection::isPending(quint64 sequence) const
{
    return !m_answered && sequence == m_sequence && m_socket && m_state == State::Handling;
}

// ---- llhttp callbacks: they only collect and judge; the connection acts in process() ----

int HttpConnection::onMessageBegin(llhttp_t *parser)
{
    HttpConnection *c = connectionOf(parser);
    c->m_head = Head();
    c->m_field.clear();
    c->m_value.clear();
    c->m_headerBytes = 0;
    c->m_headerCount = 0;
    c->m_verdict = Verdict();
    c->m_body = QByteArray();
    c->m_keepAlive = true;
    c->m_failMessage.clear();
    return 0;
}

int HttpConnection::onUrl(llhttp_t *parser, const char *at, size_t length)
{
    HttpConnection *c = connectionOf(parser);
    if (c->m_head.target.size() + qint64(length) > c->m_limits.maxUrlBytes) {
        return c->fail(Http::Status::UriTooLong, QStringLiteral("Request URI too long."),
                       QStringLiteral("The request target is limited to %1 bytes.")
                               .arg(c->m_limits.maxUrlBytes));
    }
    c->m_head.target.append(at, qsizetype(length));
    return 0;
}

int HttpConnection::onHeaderField(llhttp_t *parser, const char *at, size_t length)
{
    HttpConnection *c = connectionOf(parser);
    c->m_headerBytes += qint64(length);
    if (c->m_headerBytes > c->m_limits.maxHeaderBytes) {
        return c->fail(Http::Status::RequestHeaderFieldsTooLarge,
                       QStringLiteral("Request header fields too large."),
                       QStringLiteral("The header fields are limited to %1 bytes in all.")
                               .arg(c->m_limits.maxHeaderBytes));
    }
    if (c->m_state == State::Head) {
        c->m_field.append(at, qsizetype(length));
    }
    return 0;
}

int HttpConnection::onHeaderFieldComplete(llhttp_t *parser)
{
    HttpConnection *c = connectionOf(parser);
    if (++c->m_headerCount > c->m_limits.maxHeaders) {
        return c->fail(Http::Status::RequestHeaderFieldsTooLarge,
                       QStringLiteral("Request header fields too large."),
                       QStringLiteral("A request may have at most %1 header fields.")
                               .arg(c->m_limits.maxHeaders));
    }
    return 0;
}

int HttpConnection::onHeaderValue(llhttp_t *parser, const char *at, size_t length)
{
    HttpConnection *c = connectionOf(parser);
    c->m_headerBytes += qint64(length);
    if (c->m_headerBytes > c->m_limits.maxHeaderBytes) {
        return c->fail(Http::Status::RequestHeaderFieldsTooLarge,
                       QStringLiteral("Request header fields too large."),
                       QStringLiteral("The header fields are limited to %1 bytes in all.")
                               .arg(c->m_limits.maxHeaderBytes));
    }
    if (c->m_state == State::Head) {
        c->m_value.append(at, qsizetype(length));
    }
    return 0;
}

int HttpConnection::onHeaderValueComplete(llhttp_t *parser)
{
    HttpConnection *c = connectionOf(parser);
    // Trailer fields of a chunked body come through here too. The gate never saw them, so
    // they must not become headers (RFC 9110 6.5.1): counted against the limits, then dropped.
    if (c->m_state != State::Head) {
        return 0;
    }
    // llhttp has checked the name's token characters and the value's bytes; OWS is ours.
    if (!c->m_head.headers.append(c->m_field, c->m_value.trimmed())) {
        return c->fail(
                Http::Status::BadRequest, QStringLiteral("Bad request."),
                QStringLiteral("Invalid header field %1.").arg(QString::fromLatin1(c->m_field)));
    }
    c->m_field.clear();
    c->m_value.clear();
    return 0;
}

int HttpConnection::onHeadersComplete(llhttp_t *parser)
{
    return connectionOf(parser)->headersComplete();
}

int HttpConnection::headersComplete()
{
    m_head.methodName = llhttp_method_name(llhttp_method_t(m_parser.method));
    m_head.method = Http::methodFromName(m_head.methodName);
    m_head.contentLength =
            (m_parser.flags & F_CONTENT_LENGTH) ? qint64(m_parser.content_length) : -1;
    m_head.upgrade = m_parser.upgrade != 0;
    m_http10 = m_parser.http_major == 1 && m_parser.http_minor == 0;
    m_keepAlive = llhttp_should_keep_alive(&m_parser) != 0 && !m_head.upgrade;
    if (m_parser.http_major != 1 || m_parser.http_minor > 1) {
        return fail(Http::Status::HttpVersionNotSupported,
                    QStringLiteral("HTTP version not supported."),
                    QStringLiteral("This server speaks HTTP/1.1 and HTTP/1.0."));
    }
    // The only transfer coding we decode is chunked (RFC 9112 6.1: anything else is 501).
    if (m_parser.flags & F_CHUNKED) {
        const QByteArray coding =
                m_head.headers.combinedValue(QHttpHeaders::WellKnownHeader::TransferEncoding);
        if (coding.trimmed().compare("chunked", Qt::CaseInsensitive) != 0) {
            return fail(Http::Status::NotImplemented,
                        QStringLiteral("Transfer coding not supported."),
                        QStringLiteral("Only \"Transfer-Encoding: chunked\" is understood, not "
                                       "\"%1\".")
                                .arg(QString::fromLatin1(coding)));
        }
    }
    // The absolute form (RFC 9112 3.2.2) names the same resource as its path.
    if (m_head.target.size() > 8 &&
        (m_head.target.startsWith("http://") || m_head.target.startsWith("https://"))) {
        const qsizetype authority = m_head.target.indexOf("//") + 2;
        const qsizetype slash = m_head.target.indexOf('/', authority);
        const qsizetype query = m_head.target.indexOf('?', authority);
        const qsizetype cut = slash >= 0 && (query < 0 || slash < query) ? slash : query;
        m_head.target = cut < 0                ? QByteArray("/")
                : m_head.target.at(cut) == '?' ? '/' + m_head.target.mid(cut)
                                               : m_head.target.mid(cut);
    }
    const qsizetype query = m_head.target.indexOf('?');
    const QByteArray path = query < 0 ? m_head.target : m_head.target.left(query);
    if (!path.startsWith('/')) {
        return fail(Http::Status::BadRequest, QStringLiteral("Bad request."),
                    QStringLiteral("The request target must be a path."));
    }
    m_head.path = QString::fromLatin1(path);

    m_verdict = m_owner.judge(m_head);
    switch (m_verdict.action) {
    case Verdict::Action::Refuse:
        return fail(m_verdict.status, m_verdict.message, m_verdict.detail);
    case Verdict::Action::WebSocket:
        // No body; llhttp_execute() returns HPE_PAUSED_UPGRADE at the end of the head.
        return 2;
    case Verdict::Action::Accept:
        break;
    }
    if (m_head.contentLength > m_verdict.maxBodyBytes) {
        return fail(Http::Status::PayloadTooLarge, QStringLiteral("Request body too large."),
                    QStringLiteral("The body has %1 bytes; the limit is %2 bytes.")
                            .arg(m_head.contentLength)
                            .arg(m_verdict.maxBodyBytes));
    }
    m_state = State::Body;
    if (m_head.contentLength > 0) {
        m_body.reserve(m_head.contentLength); // within the route's limit, checked above
    }
    const bool chunked = (m_parser.flags & F_CHUNKED) != 0;
    if (m_head.contentLength > 0 || chunked) {
        arm(m_limits.bodyStallTimeout);
        // The client waits for our word before it sends the body: it may have it.
        if (m_head.headers.value(QHttpHeaders::WellKnownHeader::Expect)
                    .compare("100-continue", Qt::CaseInsensitive) == 0) {
            m_socket->write("HTTP/1.1 100 Continue\r\n\r\n");
        }
    }
    return 0;
}

int HttpConnection::onBody(llhttp_t *parser, const char *at, size_t length)
{
    HttpConnection *c = connectionOf(parser);
    if (c->m_body.size() + qint64(length) > c->m_verdict.maxBodyBytes) {
        return c->fail(
                Http::Status::PayloadTooLarge, QStringLiteral("Request body too large."),
                QStringLiteral("The body is limited to %1 bytes.").arg(c->m_verdict.maxBodyBytes));
    }
    c->m_body.append(at, qsizetype(length));
    // Only the deadline moves; the pending wake-up finds it later and sleeps on.
    c->m_deadline = c->m_clock->nowMSecs() + c->m_limits.bodyStallTimeout.count();
    return 0;
}

// A chunk announces its size before its bytes: one that cannot fit is refused now, as a
// Content-Length over the limit is, rather than after waiting for bytes that may never come.
int HttpConnection::onChunkHeader(llhttp_t *parser)
{
    HttpConnection *c = connectionOf(parser);
    const quint64 room = quint64(qMax<qint64>(0, c->m_verdict.maxBodyBytes - c->m_body.size()));
    if (parser->content_length > room) {
        return c->fail(
                Http::Status::PayloadTooLarge, QStringLiteral("Request body too large."),
                QStringLiteral("The body is limited to %1 bytes.").arg(c->m_verdict.maxBodyBytes));
    }
    return 0;
}

int HttpConnection::onMessageComplete(llhttp_t *parser)
{
    HttpConnection *c = connectionOf(parser);
    // A WebSocket upgrade is not dispatched: llhttp_execute() returns HPE_PAUSED_UPGRADE.
    return c->m_verdict.action == Verdict::Action::WebSocket ? 0 : HPE_PAUSED;
}

int HttpConnection::fail(Http::Status status, const QString &message, const QString &detail)
{
    m_failStatus = status;
    m_failMessage = message;
    m_failDetail = detail;
    return -1;
}

// ---- the connection ----

void HttpConnection::scheduleProcess()
{
    if (!m_processQueued) {
        m_processQueued = true;
        QMetaObject::invokeMethod(this, &HttpConnection::process, Qt::QueuedConnection);
    }
}

void HttpConnection::process()
{
    m_processQueued = false;
    if (m_state == State::Closing) {
        // Drain, so the client is not reset while it writes; nothing is kept.
        if (m_socket) {
            m_socket->skip(m_socket->bytesAvailable());
        }
        return;
    }
    while (m_socket &&
           (m_state == State::Waiting || m_state == State::Head || m_state == State::Body)) {
        if (m_state == State::Waiting && m_socket->bytesToWrite() > MaxUnsentBytes) {
            return; // again from bytesWritten
        }
        if (m_inputPos >= m_input.size()) {
            m_input.clear();
            m_inputPos = 0;
            if (m_socket->bytesAvailable() <= 0) {
                return;
            }
            m_input = m_socket->read(ReadChunkBytes);
            if (m_input.isEmpty()) {
                return;
            }
        }
        if (m_state == State::Waiting) {
            m_state = State::Head;
            m_headRaw.clear();
            if (m_sequence > 0) { // a keep-alive request: its own header timeout
                arm(m_limits.headerTimeout);
            }
        }
        const State before = m_state;
        const char *begin = m_input.constData() + m_inputPos;
        const size_t length = size_t(m_input.size() - m_inputPos);
        const llhttp_errno_t error = llhttp_execute(&m_parser, begin, length);
        const char *stop = error == HPE_OK ? begin + length : llhttp_get_error_pos(&m_parser);
        const qsizetype consumed = stop ? stop - begin : qsizetype(length);
        if (error == HPE_PAUSED_UPGRADE && m_verdict.action == Verdict::Action::WebSocket) {
            handOff(m_inputPos);
            return;
        }
        if (before == State::Head && m_state == State::Head) {
            m_headRaw.append(begin, consumed);
            if (m_headRaw.size() >
                m_limits.maxUrlBytes + m_limits.maxHeaderBytes + HeadSlackBytes) {
                sendError(Http::Status::RequestHeaderFieldsTooLarge,
                          QStringLiteral("Request header fields too large."),
                          QStringLiteral("The request head is limited to %1 bytes.")
                                  .arg(m_limits.maxUrlBytes + m_limits.maxHeaderBytes));
                return;
            }
        }
        m_inputPos += consumed;
        if (error == HPE_OK) {
            continue;
        }
        if (!m_failMessage.isEmpty()) {
            sendError(m_failStatus, m_failMessage, m_failDetail);
            return;
        }
        if (error == HPE_PAUSED || error == HPE_PAUSED_UPGRADE) {
            if (error == HPE_PAUSED) {
                llhttp_resume(&m_parser);
            }
            dispatch();
            return;
        }
        const char *reason = llhttp_get_error_reason(&m_parser);
        sendError(Http::Status::BadRequest, QStringLiteral("Bad request."),
                  QString::fromLatin1(reason ? reason : llhttp_errno_name(error)));
        return;
    }
}

void HttpConnection::dispatch()
{
    m_state = State::Handling;
    m_deadline = 0; // a handler may take its time: long polls are exempt
    m_headRaw = QByteArray();
    const qsizetype query = m_head.target.indexOf('?');
    ApiRequest request(
            m_head.method, m_head.path,
            QUrlQuery(query < 0 ? QString() : QString::fromLatin1(m_head.target.mid(query + 1))),
            m_head.headers, std::exchange(m_body, QByteArray()), m_peer);
    request.setParams(m_verdict.params);
    m_answered = false;
    HttpResponder responder(this, ++m_sequence);
    m_owner.dispatch(m_verdict.route, request, responder);
    // A long poll with pipelined bytes behind it: we no longer read, so a client that leaves
    // would go unseen (its end of stream waits behind the bytes). Check on the clock instead.
    if (m_state == State::Handling && hasPipelinedInput()) {
        arm(LivenessInterval);
    }
}

void HttpConnection::respond(quint64 sequence, Http::Status status, const QHttpHeaders &headers,
                             const QByteArray &body)
{
    if (!isPending(sequence)) {
        return;
    }
    if (m_streaming) {
        endStream(sequence); // a stream has its status line already
        return;
    }
    m_answered = true;
    qCInfo(lcHttp).noquote() << m_head.methodName << m_head.path << int(status);
    writeResponse(status, headers, body, !m_keepAlive);
    if (!m_keepAlive) {
        closeLingering();
        return;
    }
    m_state = State::Waiting;
    arm(m_limits.idleTimeout);
    scheduleProcess(); // pipelined requests, and bytes that arrived meanwhile
}

void HttpConnection::sendError(Http::Status status, const QString &message, const QString &detail)
{
    qCInfo(lcHttp).noquote() << (m_head.methodName.isEmpty() ? "-" : m_head.methodName.constData())
                             << (m_head.path.isEmpty() ? QStringLiteral("-") : m_head.path)
                             << int(status) << message;
    QJsonObject body {{QStringLiteral("message"), message}};
    if (!detail.isEmpty()) {
        body.insert(QStringLiteral("detail"), detail);
    }
    QHttpHeaders headers;
    headers.append(QHttpHeaders::WellKnownHeader::ContentType, "application/json");
    writeResponse(status, headers, JsonResponse::encode(body), true);
    closeLingering();
}

bool HttpConnection::startStream(quint64 sequence, Http::Status status, const QHttpHeaders &headers)
{
    if (!isPending(sequence) || m_streaming || m_head.method == Http::Method::Head) {
        return false;
    }
    qCInfo(lcHttp).noquote() << m_head.methodName << m_head.path << int(status) << "stream";
    m_streaming = true;
    m_keepAlive = false; // a stream ends with the connection
    writeResponse(status, headers, {}, true);
    return true;
}

bool HttpConnection::writeChunk(quint64 sequence, const QByteArray &data)
{
    if (!m_streaming || !isPending(sequence)) {
        return false;
    }
    // A client that does not read is dropped rather than buffered without bound.
    if (m_socket->bytesToWrite() > MaxStreamBacklogBytes) {
        qCInfo(lcHttp) << "Dropping a stream client that stopped reading:" << m_peer.toString();
        finish();
        return false;
    }
    if (data.isEmpty()) {
        return true; // an empty chunk would end the stream
    }
    if (m_http10) {
        m_socket->write(data);
    } else {
        m_socket->write(QByteArray::number(data.size(), 16) + "\r\n" + data + "\r\n");
    }
    m_socket->flush();
    return true;
}

void HttpConnection::endStream(quint64 sequence)
{
    if (!m_streaming || !isPending(sequence)) {
        return;
    }
    m_answered = true;
    if (!m_http10) {
        m_socket->write("0\r\n\r\n");
    }
    m_socket->flush();
    closeLingering();
}

void HttpConnection::writeResponse(Http::Status status, const QHttpHeaders &headers,
                                   const QByteArray &body, bool close)
{
    if (!m_socket) {
        return;
    }
    const int code = int(status);
    QByteArray out;
    out.reserve(160 + body.size());
    out += "HTTP/1.1 ";
    out += QByteArray::number(code);
    out += ' ';
    out += Http::reasonPhrase(code).latin1();
    out += "\r\n";
    for (qsizetype i = 0; i < headers.size(); ++i) {
        const QLatin1StringView name = headers.nameAt(i);
        // Framing is ours alone.
        if (name == QLatin1StringView("content-length") ||
            name == QLatin1StringView("connection") ||
            name == QLatin1StringView("transfer-encoding")) {
            continue;
        }
        appendCanonicalName(out, name);
        out += ": ";
        out += headers.valueAt(i);
        out += "\r\n";
    }
    const bool bodiless = code == 204 || code == 304 || code < 200;
    if (m_streaming) {
        if (!m_http10) {
            out += "Transfer-Encoding: chunked\r\n";
        }
    } else if (!bodiless) {
        out += "Content-Length: ";
        out += QByteArray::number(body.size());
        out += "\r\n";
    }
    if (close) {
        out += "Connection: close\r\n";
    } else if (m_http10) {
        out += "Connection: keep-alive\r\n";
    }
    out += "\r\n";
    if (!bodiless && m_head.method != Http::Method::Head) {
        out += body;
    }
    m_socket->write(out);
    // Out now, not at the next turn of the event loop: a client that half-closed after its
    // request would otherwise have the answer dropped with the socket.
    m_socket->flush();
}

void HttpConnection::closeLingering()
{
    if (m_state == State::Closing || m_state == State::Done) {
        return;
    }
    if (!m_answered) {
        m_answered = true;
        Q_EMIT abandoned(m_sequence);
    }
    m_state = State::Closing;
    m_input.clear();
    m_inputPos = 0;
    m_headRaw = QByteArray();
    m_body = QByteArray();
    arm(m_limits.lingerTimeout);
    halfCloseWhenFlushed();
    scheduleProcess(); // drains what is already buffered
}

void HttpConnection::halfCloseWhenFlushed()
{
    if (!m_socket || m_halfClosed) {
        return;
    }
    m_socket->flush();
    if (m_socket->bytesToWrite() > 0) {
        return; // again from bytesWritten
    }
    // Our side is done; the client reads the answer, then sees the end and closes.
    m_halfClosed = true;
    ::shutdown(int(m_socket->socketDescriptor()), SHUT_WR);
}

void HttpConnection::handOff(qsizetype headEnd)
{
    // Everything of this request the socket gave us goes back, for QWebSocketServer to read
    // as if it were new: the head so far, this slice, and the pipelined rest.
    QByteArray raw = m_headRaw + m_input.mid(headEnd);
    qsizetype start = 0;
    while (start < raw.size() && (raw[start] == '\r' || raw[start] == '\n')) {
        ++start;
    }
    QTcpSocket *socket = m_socket.data();
    m_input.clear();
    m_inputPos = 0;
    m_headRaw = QByteArray();
    m_timer.reset();
    socket->disconnect(this);
    socket->setParent(nullptr);
    socket->setReadBufferSize(0);
    for (qsizetype i = raw.size() - 1; i >= start; --i) {
        socket->ungetChar(raw.at(i));
    }
    m_socket = nullptr;
    m_state = State::Done;
    qCDebug(lcHttp).noquote() << "WS" << m_head.path << "upgrade";
    m_owner.upgrade(socket);
    Q_EMIT finished();
    deleteLater();
}

void HttpConnection::arm(std::chrono::milliseconds delay)
{
    m_deadline = m_clock->nowMSecs() + delay.count();
    // A pending wake-up due no later than the new deadline will find it and sleep on: most
    // state changes of a keep-alive connection then create no timer at all.
    if (m_timer && m_timerDue <= m_deadline) {
        return;
    }
    m_timerDue = m_deadline;
    m_timer = m_clock->callAfter(delay, this, [this] { onTimer(); });
}

void HttpConnection::onTimer()
{
    m_timer.reset();
    if (m_deadline == 0) {
        return; // nothing is due (a request is being handled)
    }
    const qint64 now = m_clock->nowMSecs();
    if (now < m_deadline) {
        m_timerDue = m_deadline;
        m_timer = m_clock->callAfter(std::chrono::milliseconds(m_deadline - now), this,
                                     [this] { onTimer(); });
        return;
    }
    m_deadline = 0;
    onDeadline();
}

void HttpConnection::onDeadline()
{
    switch (m_state) {
    case State::Waiting:
        // Idle keep-alive, or a connection that never sent a byte: closed without a word.
        qCDebug(lcHttp) << "Closing idle connection from" << m_peer.toString();
        finish();
        return;
    case State::Head:
        sendError(Http::Status::RequestTimeout, QStringLiteral("Request timeout."),
                  QStringLiteral("The request headers were not complete within %1 s.")
                          .arg(seconds(m_limits.headerTimeout)));
        return;
    case State::Body: {
        sendError(Http::Status::RequestTimeout, QStringLiteral("Request timeout."),
                  QStringLiteral("The request body stalled for %1 s.")
                          .arg(seconds(m_limits.bodyStallTimeout)));
        return;
    }
    case State::Closing:
        finish();
        return;
    case State::Handling:
        if (peerHasLeft()) {
            qCDebug(lcHttp) << "Client left during a long poll:" << m_peer.toString();
            finish();
        } else if (hasPipelinedInput()) {
            arm(LivenessInterval);
        }
        return;
    case State::Done:
        return;
    }
}

bool HttpConnection::hasPipelinedInput() const
{
    return m_inputPos < m_input.size() || (m_socket && m_socket->bytesAvailable() > 0);
}

bool HttpConnection::peerHasLeft() const
{
    if (!m_socket || m_socket->state() != QAbstractSocket::ConnectedState) {
        return true;
    }
    pollfd fd {int(m_socket->socketDescriptor()), POLLRDHUP, 0};
    return ::poll(&fd, 1, 0) > 0 && (fd.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

void HttpConnection::onDisconnected()
{
    finish();
}

void HttpConnection::finish()
{
    if (m_state == State::Done) {
        return;
    }
    m_state = State::Done;
    m_timer.reset();
    if (!m_answered) {
        m_answered = true;
        Q_EMIT abandoned(m_sequence);
    }
    if (QTcpSocket *socket = m_socket.data()) {
        socket->disconnect(this);
        socket->abort();
        socket->deleteLater();
        m_socket = nullptr;
    }
    Q_EMIT finished();
    deleteLater();
}
