#include "httpresponder.h"

#include "httpconnection.h"
#include "jsonresponse.h"

HttpResponder::HttpResponder(HttpConnection *connection, quint64 sequence)
    : m_connection(connection)
    , m_sequence(sequence)
{ }

HttpResponder::HttpResponder(HttpResponder &&other) noexcept
    : m_connection(std::exchange(other.m_connection, nullptr))
    , m_sequence(other.m_sequence)
    , m_abandoned(std::exchange(other.m_abandoned, {}))
    , m_streaming(std::exchange(other.m_streaming, false))
{ }

HttpResponder &HttpResponder::operator=(HttpResponder &&other) noexcept
{
    if (this != &other) {
        unanswered();
        m_connection = std::exchange(other.m_connection, nullptr);
        m_sequence = other.m_sequence;
        m_abandoned = std::exchange(other.m_abandoned, {});
        m_streaming = std::exchange(other.m_streaming, false);
    }
    return *this;
}

HttpResponder::~HttpResponder()
{
    unanswered();
}

void HttpResponder::unanswered()
{
    if (m_streaming) {
        endStream();
    } else if (isPending()) {
        JsonResponse::message(*this, Http::Status::InternalServerError,
                              QStringLiteral("The request was not answered."),
                              QStringLiteral("The handler dropped the request; this is a bug."));
    }
    QObject::disconnect(m_abandoned);
    m_connection = nullptr;
}

void HttpResponder::write(const QByteArray &body, const QHttpHeaders &headers, Http::Status status)
{
    QObject::disconnect(m_abandoned);
    if (HttpConnection *connection = m_connection.data()) {
        m_connection = nullptr;
        connection->respond(m_sequence, status, headers, body);
    }
}

void HttpResponder::write(Http::Status status)
{
    write({}, {}, status);
}

bool HttpResponder::startStream(const QHttpHeaders &headers, Http::Status status)
{
    HttpConnection *connection = m_connection.data();
    m_streaming = connection && connection->startStream(m_sequence, status, headers);
    return m_streaming;
}

bool HttpResponder::writeChunk(const QByteArray &data)
{
    HttpConnection *connection = m_connection.data();
    return m_streaming && connection && connection->writeChunk(m_sequence, data);
}

void HttpResponder::endStream()
{
    QObject::disconnect(m_abandoned);
    if (HttpConnection *connection = m_connection.data(); connection && m_streaming) {
        m_connection = nullptr;
        m_streaming = false;
        connection->endStream(m_sequence);
    }
}

bool HttpResponder::isPending() const
{
    return m_connection && m_connection->isPending(m_sequence);
}

void HttpResponder::onAbandoned(QObject *context, std::function<void()> callback)
{
    QObject::disconnect(m_abandoned);
    if (!m_connection) {
        return;
    }
    m_abandoned = QObject::connect(
            m_connection.data(), &HttpConnection::abandoned, context,
            [sequence = m_sequence, callback = std::move(callback)](quint64 which) {
                if (which == sequence) {
                    callback();
                }
            });
}
