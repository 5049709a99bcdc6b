// Server-sent events: SseParser against the WHATWG line rules, and SseSender over real HTTP on
// loopback with its pings on a manual clock (upstream frames and headers, §5.5).
#include "common/clock.h"
#include "http/apiserver.h"
#include "http/serversentevents.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPointer>
#include <QSignalSpy>
#include <QTest>

#include <memory>
#include <vector>

namespace {

const QByteArray token = QByteArrayLiteral("sse-test-token");

using Events = std::vector<SseParser::Event>;

QByteArray describe(const Events &events)
{
    QByteArray text;
    for (const SseParser::Event &event : events) {
        text += '[' + event.type + '|' + event.data + ']';
    }
    return text;
}

// Feeds `stream` cut after every `step` bytes.
Events parse(QByteArrayView stream, qsizetype step, bool *ok = nullptr)
{
    SseParser parser;
    Events events;
    bool fine = true;
    for (qsizetype at = 0; fine && at < stream.size(); at += step) {
        fine = parser.feed(stream.sliced(at, std::min(step, stream.size() - at)), &events);
    }
    if (ok) {
        *ok = fine;
    }
    return events;
}

} // namespace

class TestServerSentEvents : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void parser_data()
    {
        QTest::addColumn<QByteArray>("stream");
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("upstream data frame")
                << QByteArray("event: data\ndata: {\"a\":1}\n\n") << QByteArray("[data|{\"a\":1}]");
        QTest::newRow("ping has no data, no event")
                << QByteArray("event: ping\n\n") << QByteArray();
        QTest::newRow("unnamed is message")
                << QByteArray("data: x\n\n") << QByteArray("[message|x]");
        QTest::newRow("CRLF") << QByteArray("event: data\r\ndata: x\r\n\r\n")
                              << QByteArray("[data|x]");
        QTest::newRow("CR") << QByteArray("event: data\rdata: x\r\r") << QByteArray("[data|x]");
        QTest::newRow("multi-line data joined with LF")
                << QByteArray("data: a\ndata: b\n\n") << QByteArray("[message|a\nb]");
        QTest::newRow("no space after the colon")
                << QByteArray("data:x\n\n") << QByteArray("[message|x]");
        QTest::newRow("only one space is dropped")
                << QByteArray("data:  x\n\n") << QByteArray("[message| x]");
        QTest::newRow("comment") << QByteArray(": keep-alive\ndata: x\n\n")
                                 << QByteArray("[message|x]");
        QTest::newRow("field without a colon is an empty value")
                << QByteArray("data\n\n") << QByteArray("[message|]");
        QTest::newRow("id and retry are ignored")
                << QByteArray("id: 7\nretry: 10\ndata: x\n\n") << QByteArray("[message|x]");
        QTest::newRow("the type resets after an event")
                << QByteArray("event: data\ndata: a\n\ndata: b\n\n")
                << QByteArray("[data|a][message|b]");
        QTest::newRow("an unfinished event is not dispatched")
                << QByteArray("data: a\n\ndata: b\n") << QByteArray("[message|a]");
        QTest::newRow("blank lines alone dispatch nothing")
                << QByteArray("\n\n\r\n\r") << QByteArray();
    }

    void parser()
    {
        QFETCH(QByteArray, stream);
        QFETCH(QByteArray, expected);
        // Whole, and cut at every byte: a CR at the end of one chunk and its LF at the start
        // of the next are one line end.
        for (qsizetype step : {stream.size(), qsizetype(1), qsizetype(2), qsizetype(3)}) {
            bool ok = false;
            QCOMPARE(describe(parse(stream, std::max<qsizetype>(step, 1), &ok)), expected);
            QVERIFY(ok);
        }
    }

    void parserCapIsAnErrorThatStays()
    {
        SseParser parser(16);
        Events events;
        QVERIFY(parser.feed("data: short\n\n", &events));
        QCOMPARE(events.size(), size_t(1));
        QVERIFY(!parser.feed("data: 0123456789abcdefXYZ\n", &events));
        QVERIFY(parser.error().contains(QLatin1String("16 bytes")));
        QVERIFY(!parser.feed("\ndata: x\n\n", &events));
        QCOMPARE(events.size(), size_t(1));

        // A line without an end counts too: a server cannot grow our memory with one.
        SseParser lineParser(16);
        QVERIFY(!lineParser.feed(QByteArray(64, 'a'), &events));
    }

    void senderOverHttp()
    {
        ManualClock clock;
        ApiServer server(token);
        QPointer<SseSender> sender;
        server.addRoute(Http::Method::Get, QStringLiteral("/events"),
                        [&](const ApiRequest &, HttpResponder &responder) {
                            sender = new SseSender(std::move(responder), &clock, &server);
                            QVERIFY(sender->start());
                            QVERIFY(sender->sendData(QByteArrayLiteral("{\"n\":1}")));
                        });
        QString error;
        QVERIFY2(server.listen(QHostAddress::LocalHost, 0, &error), qPrintable(error));

        QNetworkAccessManager network;
        QNetworkRequest request(server.baseUrl().resolved(QUrl(QStringLiteral("/events"))));
        request.setRawHeader("Coder-Session-Token", token);
        std::unique_ptr<QNetworkReply> reply(network.get(request));
        QByteArray received;
        connect(reply.get(), &QNetworkReply::readyRead, this,
                [&] { received += reply->readAll(); });

        QTRY_VERIFY(received.contains("\n\n"));
        QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
        QCOMPARE(reply->rawHeader("Content-Type"), QByteArray("text/event-stream"));
        QCOMPARE(reply->rawHeader("Cache-Control"), QByteArray("no-cache"));
        QCOMPARE(reply->rawHeader("X-Accel-Buffering"), QByteArray("no"));
        QCOMPARE(received, QByteArray("event: data\ndata: {\"n\":1}\n\n"));

        // Pings every 15 s of the clock, and none before.
        QCOMPARE(clock.msecsToNextTimer(), qint64(SseSender::PingInterval.count()));
        clock.advance(SseSender::PingInterval - std::chrono::milliseconds(1));
        QTest::qWait(50); // nothing may arrive: a short real wait is the only way to see that
        QCOMPARE(received.count("event: ping"), 0);
        clock.advance(std::chrono::milliseconds(1));
        QTRY_COMPARE(received.count("event: ping\n\n"), 1);
        clock.advance(SseSender::PingInterval * 2);
        QTRY_COMPARE(received.count("event: ping\n\n"), 3);

        Events events;
        SseParser parser;
        QVERIFY(parser.feed(received, &events));
        QCOMPARE(describe(events), QByteArray("[data|{\"n\":1}]"));

        // The client goes: the sender learns it, once, and stops pinging.
        QVERIFY(sender);
        QSignalSpy closed(sender.data(), &SseSender::closed);
        reply->abort();
        QTRY_COMPARE(closed.count(), 1);
        QVERIFY(!sender->isOpen());
        QCOMPARE(clock.pendingTimers(), 0);
        QVERIFY(!sender->sendData("{}"));
        QCOMPARE(closed.count(), 1);
    }

    void senderEndFinishesTheResponse()
    {
        ManualClock clock;
        ApiServer server(token);
        QPointer<SseSender> sender;
        server.addRoute(Http::Method::Get, QStringLiteral("/events"),
                        [&](const ApiRequest &, HttpResponder &responder) {
                            sender = new SseSender(std::move(responder), &clock, &server);
                            QVERIFY(sender->start());
                            QVERIFY(sender->sendError(QByteArrayLiteral("{\"message\":\"no\"}")));
                            sender->end();
                        });
        QString error;
        QVERIFY2(server.listen(QHostAddress::LocalHost, 0, &error), qPrintable(error));
        QNetworkAccessManager network;
        QNetworkRequest request(server.baseUrl().resolved(QUrl(QStringLiteral("/events"))));
        request.setRawHeader("Coder-Session-Token", token);
        std::unique_ptr<QNetworkReply> reply(network.get(request));
        QSignalSpy finished(reply.get(), &QNetworkReply::finished);
        QTRY_COMPARE(finished.count(), 1);
        QCOMPARE(reply->error(), QNetworkReply::NoError);
        QCOMPARE(reply->readAll(), QByteArray("event: error\ndata: {\"message\":\"no\"}\n\n"));
        QCOMPARE(clock.pendingTimers(), 0);
    }

    void senderWithoutTokenNeverStarts()
    {
        ApiServer server(token);
        bool called = false;
        server.addRoute(Http::Method::Get, QStringLiteral("/events"),
                        [&](const ApiRequest &, HttpResponder &) { called = true; });
        QString error;
        QVERIFY2(server.listen(QHostAddress::LocalHost, 0, &error), qPrintable(error));
        QNetworkAccessManager network;
        std::unique_ptr<QNetworkReply> reply(network.get(
                QNetworkRequest(server.baseUrl().resolved(QUrl(QStringLiteral("/events"))))));
        QSignalSpy finished(reply.get(), &QNetworkReply::finished);
        QTRY_COMPARE(finished.count(), 1);
        QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 401);
        QVERIFY(!called);
    }
};

QTEST_GUILESS_MAIN(TestServerSentEvents)
#include "tst_serversentevents.moc"
