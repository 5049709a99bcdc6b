#pragma once

#include "common/clock.h"
#include "httpresponder.h"

#include <QByteArray>
#include <QObject>
#include <QString>

#include <chrono>
#include <memory>
#include <optional>
#include <vector>

// Server-sent events as upstream frames them (coderd/httpapi ServerSentEventSender):
// `event: data\ndata: <json>\n\n`, and `event: ping\n\n` every 15 s so that proxies and the
// client see a live connection.
class SseSender : public QObject
{
    Q_OBJECT
public:
    static constexpr std::chrono::milliseconds PingInterval {15'000};

    // Takes the responder; `clock` drives the pings (null: the system clock).
    SseSender(HttpResponder responder, Clock *clock, QObject *parent = nullptr);
    ~SseSender() override;

    // Sends the headers. False when the client has gone already.
    bool start();
    bool sendData(const QByteArray &json);
    bool sendError(const QByteArray &json);
    void end();
    bool isOpen() const { return m_open; }

    static QByteArray dataFrame(const QByteArray &json);

Q_SIGNALS:
    // The client went away or the stream ended. Emitted once.
    void closed();

private:
    bool send(const QByteArray &frame);
    void schedulePing();
    void close();

    HttpResponder m_responder;
    Clock *m_clock;
    std::unique_ptr<Clock::Timer> m_ping;
    bool m_open = false;
    bool m_closedEmitted = false;
};

// An incremental parser of a text/event-stream (the WHATWG rules: LF, CRLF or CR line ends,
// `:` comments, one optional space after the colon, multi-line data joined with LF).
class SseParser
{
public:
    struct Event
    {
        QByteArray type; // "message" when the stream named none
        QByteArray data;
    };

    explicit SseParser(qsizetype maxEventBytes = 1024 * 1024);

    // Parses `bytes`; complete events go to `events`. An event over the cap is an error and
    // the parser stays failed.
    bool feed(QByteArrayView bytes, std::vector<Event> *events);
    QString error() const { return m_error; }

private:
    void line(QByteArrayView line, std::vector<Event> *events);

    qsizetype m_max;
    QByteArray m_line;
    bool m_skipLf = false;
    QByteArray m_type;
    QByteArray m_data;
    bool m_hasData = false;
    QString m_error;
};
