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
{ }

HttpResponder &HttpResponder::operator=(HttpResponder &&other) noexcept
{
    if (this != &other) {
        unanswered();
        m_connection = std::exchange(other.m_connection, nullptr);
        m_sequence = other.m_sequence;
        m_abandoned = std::exchange(other.m_abandoned, {});
    }
    return *this;
}

HttpResponder::~HttpResponder()
{
    unanswered();
}

void HttpResponder::unanswered()
{
    if (isPending()) {
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
