// ApiServer on a socketpair: HTTP/1.1 answers, every handler answers, no connection outlives it.
//
// Input: a flags byte, three split bytes, then the bytes the client sends.
//   flags & 3        how many of the split bytes cut the payload into writes
//   flags & 4        advance the clock after each write by delays[(flags >> 4) & 7]
//   flags & 8        half-close the client's side after the last write, before reading on
#include "common/clock.h"
#include "fuzzinput.h"
#include "http/apiserver.h"
#include "http/jsonresponse.h"
#include "http/strictjson.h"

#include <QAbstractEventDispatcher>
#include <QCoreApplication>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QPointer>
#include <QTcpSocket>
#include <QWebSocket>

#include <cerrno>
#include <csignal>
#include <memory>
#include <vector>

#include <sys/socket.h>
#include <unistd.h>

using namespace std::chrono_literals;

namespace {

using Method = Http::Method;
using Status = Http::Status;

const QByteArray Token = QByteArrayLiteral("fuzz-token");

// A handler that keeps its responder and answers when the clock says so. `settled` turns true
// when it answers or when the connection says the client left; one of the two must happen.
struct Delayed
{
    std::shared_ptr<HttpResponder> responder;
    std::unique_ptr<Clock::Timer> timer;
    std::shared_ptr<bool> settled;
};

struct Server
{
    ManualClock clock;
    QObject context; // parent of WebSockets, context of delayed answers
    std::unique_ptr<ApiServer> api;
    std::vector<Delayed> delayed;
};

Server *server = nullptr;

// Small limits, so that short inputs reach every refusal (414, 431, 413).
ApiServer::Limits limits()
{
    ApiServer::Limits limits;
    limits.maxBodyBytes = 4096;
    limits.connection.maxHeaders = 16;
    limits.connection.maxHeaderBytes = 2048;
    limits.connection.maxUrlBytes = 512;
    limits.maxConnections = 4;
    limits.maxConnectionsPerPeer = 2;
    limits.maxWebSocketMessageBytes = 1024;
    return limits;
}

void addRoutes(Server &s)
{
    ApiServer &api = *s.api;
    api.addRoute(
            Method::Get, QStringLiteral("/api/v0/items/{id}"),
            [](const ApiRequest &request, HttpResponder &responder) {
                JsonResponse::write(
                        responder, Status::Ok,
                        QJsonObject {{QStringLiteral("id"), request.param(QStringLiteral("id"))},
                                     {QStringLiteral("query"), request.query().toString()}});
            });
    api.addRoute(Method::Delete, QStringLiteral("/api/v0/items/{id}"),
                 [](const ApiRequest &, HttpResponder &responder) {
                     responder.write(Status::NoContent);
                 });
    const auto decode = [](const ApiRequest &request, HttpResponder &responder) {
        QString error;
        const std::optional<QJsonObject> body = StrictJson::decodeStruct(
                request.body(), {QStringLiteral("name"), QStringLiteral("count")},
                QStringLiteral("fuzz.Item"), &error);
        if (!body) {
            JsonResponse::message(responder, Status::BadRequest,
                                  QStringLiteral("Request body must be valid JSON."), error);
            return;
        }
        JsonResponse::write(responder, Status::Ok, *body);
    };
    api.addRoute(Method::Post, QStringLiteral("/api/v0/items"), decode);
    ApiServer::RouteOptions small;
    small.maxBodyBytes = 16;
    api.addRoute(Method::Post, QStringLiteral("/api/v0/small"), decode, small);
    // GET /api/v0/slow/{ms}: answered `ms` milliseconds later, on the clock.
    api.addRoute(Method::Get, QStringLiteral("/api/v0/slow/{ms}"),
                 [&s](const ApiRequest &request, HttpResponder &responder) {
                     const int ms =
                             std::clamp(request.param(QStringLiteral("ms")).toInt(), 0, 120'000);
                     auto held = std::make_shared<HttpResponder>(std::move(responder));
                     auto settled = std::make_shared<bool>(false);
                     held->onAbandoned(&s.context, [settled] { *settled = true; });
                     auto timer = s.clock.callAfter(
                             std::chrono::milliseconds(ms), &s.context, [held, settled, ms] {
                                 if (held->isPending()) {
                                     JsonResponse::write(*held, Status::Ok,
                                                         QJsonObject {{QStringLiteral("ms"), ms}});
                                     *settled = true;
                                 }
                             });
                     s.delayed.push_back(
                             Delayed {std::move(held), std::move(timer), std::move(settled)});
                 });
    api.addWebSocketRoute(
            QStringLiteral("/api/v0/ws"),
            [&s](std::unique_ptr<QWebSocket> socket, const ApiRequest &request) {
                QWebSocket *ws = socket.release();
                ws->setParent(&s.context);
                QObject::connect(ws, &QWebSocket::disconnected, ws, &QObject::deleteLater);
                QObject::connect(ws, &QWebSocket::textMessageReceived, ws,
                                 [ws](const QString &text) { ws->sendTextMessage(text); });
                QObject::connect(ws, &QWebSocket::binaryMessageReceived, ws,
                                 [ws](const QByteArray &bytes) { ws->sendBinaryMessage(bytes); });
                ws->sendTextMessage(request.path());
            });
}

// The client's end of the socketpair: what it sends, and the start of what it read.
class Client
{
public:
    explicit Client(int fd)
        : m_fd(fd)
    { }
    ~Client() { closeFd(); }

    bool isOpen() const { return m_fd >= 0; }
    void closeFd()
    {
        if (m_fd >= 0) {
            ::close(m_fd);
            m_fd = -1;
        }
    }

    // Writes what the socket takes now; returns the bytes written.
    qsizetype send(QByteArrayView data)
    {
        if (m_fd < 0 || data.isEmpty()) {
            return 0;
        }
        const ssize_t n =
                ::send(m_fd, data.data(), size_t(data.size()), MSG_NOSIGNAL | MSG_DONTWAIT);
        return n > 0 ? qsizetype(n) : 0;
    }
    void halfClose() { ::shutdown(m_fd, SHUT_WR); }

    // Reads what the server wrote; returns whether anything came.
    bool drain()
    {
        bool any = false;
        char buffer[16384];
        while (m_fd >= 0) {
            const ssize_t n = ::recv(m_fd, buffer, sizeof buffer, MSG_DONTWAIT);
            if (n <= 0) {
                break;
            }
            any = true;
            if (m_received.size() < 65536) {
                m_received.append(buffer, qsizetype(n));
            }
        }
        return any;
    }
    const QByteArray &received() const { return m_received; }

private:
    int m_fd;
    QByteArray m_received;
};

// Runs the event loop until nothing happened for a few rounds (or a round limit).
void pump(Client &client)
{
    QAbstractEventDispatcher *dispatcher = QAbstractEventDispatcher::instance();
    int idle = 0;
    for (int round = 0; round < 256 && idle < 3; ++round) {
        QCoreApplication::sendPostedEvents();
        bool busy = dispatcher->processEvents(QEventLoop::AllEvents);
        QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
        busy = client.drain() || busy;
        idle = busy ? 0 : idle + 1;
    }
}

// Every answer starts with an HTTP/1.1 status line; a handler never forgets to answer.
void checkAnswers(const QByteArray &received)
{
    if (received.isEmpty()) {
        return;
    }
    FUZZ_CHECK(received.startsWith("HTTP/1.1 "));
    FUZZ_CHECK(!received.contains("The request was not answered."));
}

void setUp()
{
    static int argc = 1;
    static char name[] = "fuzz_http_request";
    static char *argv[] = {name, nullptr};
    std::signal(SIGPIPE, SIG_IGN);
    qputenv("QT_NO_GLIB", "1");
    QLoggingCategory::setFilterRules(QStringLiteral("companion.*=false"));
    new QCoreApplication(argc, argv); // for the process's lifetime
    server = new Server;
    server->api = std::make_unique<ApiServer>(Token, limits(), &server->clock);
    addRoutes(*server);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!server) {
        setUp();
    }
    FuzzInput input(data, size);
    const uint8_t flags = input.byte();
    uint8_t splits[3] = {input.byte(), input.byte(), input.byte()};
    const QByteArrayView payload = input.rest();

    int fds[2];
    FUZZ_CHECK(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
    auto *socket = new QTcpSocket;
    FUZZ_CHECK(socket->setSocketDescriptor(fds[0]));
    QPointer<QTcpSocket> watched(socket);
    server->api->addConnection(socket);
    FUZZ_CHECK(server->api->connectionCount() == 1);
    Client client(fds[1]);

    static constexpr std::chrono::milliseconds delays[] = {0ms,     500ms,   1999ms,  2000ms,
                                                           10000ms, 30001ms, 60000ms, 120000ms};
    const int pieces = 1 + (flags & 3);
    std::sort(splits, splits + (pieces - 1));
    qsizetype written = 0;
    for (int piece = 0; piece < pieces; ++piece) {
        const qsizetype end = piece + 1 < pieces
                ? std::max(written, payload.size() * splits[piece] / 256)
                : payload.size();
        while (written < end && client.isOpen()) {
            const qsizetype n = client.send(payload.sliced(written, end - written));
            if (n == 0) {
                pump(client); // the socket is full (or the server closed it)
                if (client.send(payload.sliced(written, end - written)) == 0) {
                    break;
                }
                continue;
            }
            written += n;
        }
        pump(client);
        if (flags & 4) {
            server->clock.advance(delays[(flags >> 4) & 7]);
            pump(client);
        }
    }
    if (flags & 8) {
        client.halfClose();
        pump(client);
    }
    checkAnswers(client.received());
    if (qEnvironmentVariableIsSet("FUZZ_HTTP_VERBOSE")) { // what the server answered, to debug
        std::fprintf(stderr, "%s\n---\n", client.received().constData());
    }

    // The client goes; time runs on until every timeout could have fired. Nothing may stay.
    client.closeFd();
    for (int second = 0; second < 200 && server->api->connectionCount() > 0; ++second) {
        pump(client);
        server->clock.advance(1s);
    }
    pump(client);
    if (server->api->connectionCount() != 0) {
        std::fprintf(stderr, "%d connections left after the client closed\n",
                     server->api->connectionCount());
        if (watched) {
            std::fprintf(stderr, "its socket is still open, in state %d\n", int(watched->state()));
        }
    }
    FUZZ_CHECK(server->api->connectionCount() == 0);
    FUZZ_CHECK(server->context.findChildren<QWebSocket *>().isEmpty());
    for (const Delayed &delayed : server->delayed) {
        FUZZ_CHECK(*delayed.settled);
    }
    server->delayed.clear();
    server->clock.advance(0ms); // drops the cancelled timers
    return 0;
}
