#include "serversentevents.h"

#include <QHttpHeaders>

SseSender::SseSender(HttpResponder responder, Clock *clock, QObject *parent)
    : QObject(parent)
    , m_responder(std::move(responder))
    , m_clock(clock ? clock : Clock::system())
{
    m_responder.onAbandoned(this, [this] { close(); });
}

SseSender::~SseSender()
{
    m_ping.reset();
    m_responder.endStream();
}

bool SseSender::start()
{
    QHttpHeaders headers;
    headers.append(QHttpHeaders::WellKnownHeader::ContentType, "text/event-stream");
    headers.append(QHttpHeaders::WellKnownHeader::CacheControl, "no-cache");
    headers.append("X-Accel-Buffering", "no");
    // "Connection: keep-alive" is upstream's; our HTTP layer owns Connection and sends close,
    // which is what a stream that ends with its connection means.
    m_open = m_responder.startStream(headers);
    if (!m_open) {
        close();
        return false;
    }
    schedulePing();
    return true;
}

QByteArray SseSender::dataFrame(const QByteArray &json)
{
    // Go's json.Encoder ends the document with a newline; the blank line ends the event.
    return "event: data\ndata: " + json + "\n\n";
}

bool SseSender::sendData(const QByteArray &json)
{
    return send(dataFrame(json));
}

bool SseSender::sendError(const QByteArray &json)
{
    return send("event: error\ndata: " + json + "\n\n");
}

bool SseSender::send(const QByteArray &frame)
{
    if (!m_open) {
        return false;
    }
    if (!m_responder.writeChunk(frame)) {
        close();
        return false;
    }
    return true;
}

void SseSender::schedulePing()
{
    m_ping = m_clock->callAfter(PingInterval, this, [this] {
        if (send("event: ping\n\n")) {
            schedulePing();
        }
    });
}

void SseSender::end()
{
    m_responder.endStream();
    close();
}

void SseSender::close()
{
    m_ping.reset();
    m_open = false;
    m_responder.endStream();
    if (!m_closedEmitted) {
        m_closedEmitted = true;
        Q_EMIT closed();
    }
}

// ---- SseParser ----

SseParser::SseParser(qsizetype maxEventBytes)
    : m_max(maxEventBytes)
{ }

bool SseParser::feed(QByteArrayView bytes, std::vector<Event> *events)
{
    if (!m_error.isEmpty()) {
        return false;
    }
    qsizetype start = 0;
    for (qsizetype i = 0; i < bytes.size(); ++i) {
        const char c = bytes.at(i);
        if (c != '\n' && c != '\r') {
            continue;
        }
        if (c == '\n' && m_skipLf && i == start && m_line.isEmpty()) {
            // The LF of a CRLF whose CR ended the previous line.
            m_skipLf = false;
            start = i + 1;
            continue;
        }
        m_line += bytes.sliced(start, i - start);
        line(m_line, events);
        m_line.clear();
        m_skipLf = c == '\r';
        start = i + 1;
        if (!m_error.isEmpty()) {
            return false;
        }
    }
    if (start < bytes.size()) {
        m_skipLf = false;
        m_line += bytes.sliced(start);
    }
    if (m_line.size() + m_data.size() > m_max) {
        m_error = QStringLiteral("An event is larger than %1 bytes.").arg(m_max);
        return false;
    }
    return true;
}

void SseParser::line(QByteArrayView text, std::vector<Event> *events)
{
    if (text.isEmpty()) {
        if (m_hasData) {
            if (m_data.endsWith('\n')) {
                m_data.chop(1);
            }
            events->push_back(
                    {m_type.isEmpty() ? QByteArray("message") : m_type, std::move(m_data)});
        }
        m_type.clear();
        m_data.clear();
        m_hasData = false;
        return;
    }
    if (text.startsWith(':')) {
        return; // a comment
    }
    const qsizetype colon = text.indexOf(':');
    const QByteArrayView field = colon < 0 ? text : text.first(colon);
    QByteArrayView value = colon < 0 ? QByteArrayView() : text.sliced(colon + 1);
    if (value.startsWith(' ')) {
        value = value.sliced(1);
    }
    if (field == "event") {
        m_type = value.toByteArray();
    } else if (field == "data") {
        m_data += value;
        m_data += '\n';
        m_hasData = true;
        if (m_data.size() > m_max) {
            m_error = QStringLiteral("An event is larger than %1 bytes.").arg(m_max);
        }
    }
    // "id" and "retry" have no use here; unknown fields are ignored, as the standard says.
}
