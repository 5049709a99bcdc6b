// bench_http: the servers scripts/bench http loads with wrk. Two implementations of the same two
// routes behind the same token gate, so one run compares them:
//   new          ApiServer (llhttp connections, StrictJson bodies): what the agent runs
//   qhttpserver  the previous gate, on Qt 6.8's QHttpServer with QJsonDocument bodies
// Routes: GET /api/v0/bench/trivial and POST /api/v0/bench/json (a start-process body decoded
// and answered as the process API would, without starting anything).
//   bench_http --serve new|qhttpserver --token TOKEN    prints "PORT <n>", serves until killed
//   bench_http --smoke                                  both servers, each route once (CTest)
// and the two clients of the memory rows, against a running companiond agent:
//   bench_http --blast PORT --bytes N [--token TOKEN]  a POST declaring N body bytes, then N
//                                                       bytes as fast as the server takes them
//   bench_http --processes PORT --token TOKEN --count N --bytes B
//                                                       N processes that each print B bytes;
//                                                       returns when all have exited
#include "http/apiserver.h"
#include "http/jsonresponse.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QHttpServer>
#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTcpServer>
#include <QTcpSocket>
#include <QUuid>

#include <memory>
#include <vector>

#include <cstdio>

namespace {

const QStringList startFields {QStringLiteral("command"), QStringLiteral("workdir"),
                               QStringLiteral("env"), QStringLiteral("background")};

QJsonObject startAnswer()
{
    return {{QStringLiteral("id"), QUuid::createUuid().toString(QUuid::WithoutBraces)},
            {QStringLiteral("started"), true}};
}

// Both return the port, or 0.
quint16 startNew(const QByteArray &token)
{
    auto *server = new ApiServer(token, qApp);
    server->addRoute(Http::Method::Get, QStringLiteral("/api/v0/bench/trivial"),
                     [](const ApiRequest &, HttpResponder &responder) {
                         JsonResponse::write(responder, Http::Status::Ok,
                                             QJsonObject {{QStringLiteral("ok"), true}});
                     });
    server->addRoute(
            Http::Method::Post, QStringLiteral("/api/v0/bench/json"),
            [](const ApiRequest &request, HttpResponder &responder) {
                QString error;
                const auto body = request.decodeStruct(
                        startFields, QStringLiteral("workspacesdk.StartProcessRequest"), &error);
                if (!body || body->value(QStringLiteral("command")).toString().isEmpty()) {
                    JsonResponse::message(responder, Http::Status::BadRequest,
                                          QStringLiteral("Request body must be valid JSON."),
                                          error);
                    return;
                }
                JsonResponse::write(responder, Http::Status::Ok, startAnswer());
            });
    QString error;
    if (!server->listen(QHostAddress::LocalHost, 0, &error)) {
        std::fprintf(stderr, "%s\n", qPrintable(error));
        return 0;
    }
    return server->port();
}

// The gate as it was before llhttp (ApiServer on QHttpServer's missing handler): the same
// checks, in the same order, after QHttpServer has read the whole request.
bool sameSecret(const QByteArray &a, const QByteArray &b)
{
    const QByteArray ha = QCryptographicHash::hash(a, QCryptographicHash::Sha256);
    const QByteArray hb = QCryptographicHash::hash(b, QCryptographicHash::Sha256);
    unsigned char diff = 0;
    for (qsizetype i = 0; i < ha.size(); ++i) {
        diff |= static_cast<unsigned char>(ha[i] ^ hb[i]);
    }
    return diff == 0;
}

void writeJson(QHttpServerResponder &responder, QHttpServerResponder::StatusCode status,
               const QJsonObject &body)
{
    QHttpHeaders headers;
    headers.append(QHttpHeaders::WellKnownHeader::ContentType, "application/json");
    responder.write(QJsonDocument(body).toJson(QJsonDocument::Compact) + '\n', headers, status);
}

quint16 startQHttpServer(const QByteArray &token)
{
    using Status = QHttpServerResponder::StatusCode;
    auto *http = new QHttpServer(qApp);
    http->setMissingHandler(
            qApp, [token](const QHttpServerRequest &request, QHttpServerResponder &responder) {
                const QByteArray presented =
                        request.headers().value("Coder-Session-Token").toByteArray();
                if (presented.isEmpty() || !sameSecret(presented, token)) {
                    writeJson(responder, Status::Unauthorized,
                              {{QStringLiteral("message"), QStringLiteral("Unauthorized.")}});
                    return;
                }
                if (request.body().size() > ApiServer::DefaultMaxBodyBytes) {
                    writeJson(responder, Status::PayloadTooLarge,
                              {{QStringLiteral("message"),
                                QStringLiteral("Request body too large.")}});
                    return;
                }
                const QString path = request.url().path(QUrl::FullyEncoded);
                const QStringList segments = path.split(QLatin1Char('/')).mid(1);
                if (request.method() == QHttpServerRequest::Method::Get &&
                    segments ==
                            QStringList {QStringLiteral("api"), QStringLiteral("v0"),
                                         QStringLiteral("bench"), QStringLiteral("trivial")}) {
                    writeJson(responder, Status::Ok, {{QStringLiteral("ok"), true}});
                    return;
                }
                if (request.method() == QHttpServerRequest::Method::Post &&
                    segments ==
                            QStringList {QStringLiteral("api"), QStringLiteral("v0"),
                                         QStringLiteral("bench"), QStringLiteral("json")}) {
                    QJsonParseError parseError;
                    const QJsonDocument document =
                            QJsonDocument::fromJson(request.body(), &parseError);
                    if (parseError.error != QJsonParseError::NoError || !document.isObject() ||
                        document.object().value(QStringLiteral("command")).toString().isEmpty()) {
                        writeJson(responder, Status::BadRequest,
                                  {{QStringLiteral("message"),
                                    QStringLiteral("Request body must be valid JSON.")}});
                        return;
                    }
                    writeJson(responder, Status::Ok, startAnswer());
                    return;
                }
                writeJson(responder, Status::NotFound,
                          {{QStringLiteral("message"), QStringLiteral("Route not found.")}});
            });
    auto *tcp = new QTcpServer(qApp);
    if (!tcp->listen(QHostAddress::LocalHost, 0) || !http->bind(tcp)) {
        std::fprintf(stderr, "cannot listen\n");
        return 0;
    }
    return tcp->serverPort();
}

// The smoke test: both servers in this process, each route once, each answer checked.
int smoke()
{
    const QByteArray token = QByteArrayLiteral("bench-token-0123456789abcdef0123456789");
    QNetworkAccessManager network;
    const auto call = [&](quint16 port, const QString &path, const QByteArray &body) {
        QNetworkRequest request(QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(port).arg(path)));
        request.setRawHeader("Coder-Session-Token", token);
        request.setHeader(QNetworkRequest::ContentTypeHeader,
                          QByteArrayLiteral("application/json"));
        std::unique_ptr<QNetworkReply> reply(body.isEmpty() ? network.get(request)
                                                            : network.post(request, body));
        QEventLoop loop;
        QObject::connect(reply.get(), &QNetworkReply::finished, &loop, &QEventLoop::quit);
        loop.exec();
        return reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    };
    bool ok = true;
    for (const quint16 port : {startNew(token), startQHttpServer(token)}) {
        ok = ok && port != 0 && call(port, QStringLiteral("/api/v0/bench/trivial"), {}) == 200 &&
                call(port, QStringLiteral("/api/v0/bench/json"), R"({"command":"true"})") == 200 &&
                call(port, QStringLiteral("/api/v0/bench/json"), R"({"command":""})") == 400;
    }
    std::printf("{\"smoke\":%s}\n", ok ? "true" : "false");
    return ok ? 0 : 1;
}

// Declares `bytes` of body, then sends them in 64 KiB writes as the socket drains, reading
// whatever the server answers meanwhile. Prints one JSON line.
int blast(quint16 port, qint64 bytes, const QByteArray &token)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!socket.waitForConnected(5000)) {
        std::fprintf(stderr, "cannot connect\n");
        return 1;
    }
    QByteArray head = "POST /api/v0/processes/start HTTP/1.1\r\nHost: bench\r\nContent-Length: " +
            QByteArray::number(bytes) + "\r\n";
    if (!token.isEmpty()) {
        head += "Coder-Session-Token: " + token + "\r\n";
    }
    socket.write(head + "\r\n");
    const QByteArray slice(64 * 1024, 'x');
    QByteArray answer;
    qint64 sent = 0;
    QElapsedTimer timer;
    timer.start();
    while (sent < bytes && socket.state() == QAbstractSocket::ConnectedState) {
        if (socket.bytesToWrite() < 4 * slice.size()) {
            const qint64 n = std::min<qint64>(slice.size(), bytes - sent);
            socket.write(slice.constData(), n);
            sent += n;
        }
        socket.waitForBytesWritten(100);
        answer += socket.readAll();
    }
    socket.waitForReadyRead(1000);
    answer += socket.readAll();
    const QByteArray status = answer.left(answer.indexOf("\r\n"));
    std::printf("{\"sent\":%lld,\"seconds\":%.3f,\"status_line\":\"%s\"}\n", sent,
                double(timer.elapsed()) / 1000.0, status.constData());
    return 0;
}

// Starts `count` processes that each print `bytes` bytes of 80-byte lines, then waits for each
// with output?wait=true.
int loadProcesses(quint16 port, const QByteArray &token, int count, qint64 bytes)
{
    QNetworkAccessManager network;
    const QString base = QStringLiteral("http://127.0.0.1:%1/api/v0/processes/").arg(port);
    const auto request = [&](const QString &path) {
        QNetworkRequest r(QUrl(base + path));
        r.setRawHeader("Coder-Session-Token", token);
        r.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
        r.setTransferTimeout(0);
        return r;
    };
    const QString command =
            QStringLiteral("yes 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
                           "0123456789 | head -c %1")
                    .arg(bytes);
    const QByteArray body =
            QJsonDocument(QJsonObject {{QStringLiteral("command"), command}}).toJson();
    QElapsedTimer timer;
    timer.start();
    QStringList ids;
    for (int i = 0; i < count; ++i) {
        std::unique_ptr<QNetworkReply> reply(network.post(request(QStringLiteral("start")), body));
        QEventLoop loop;
        QObject::connect(reply.get(), &QNetworkReply::finished, &loop, &QEventLoop::quit);
        loop.exec();
        const QString id = QJsonDocument::fromJson(reply->readAll())
                                   .object()
                                   .value(QStringLiteral("id"))
                                   .toString();
        if (id.isEmpty()) {
            std::fprintf(stderr, "start %d failed: HTTP %d\n", i,
                         reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt());
            return 1;
        }
        ids.append(id);
    }
    int pending = int(ids.size());
    QEventLoop loop;
    std::vector<std::unique_ptr<QNetworkReply>> waits;
    for (const QString &id : std::as_const(ids)) {
        waits.emplace_back(network.get(request(id + QStringLiteral("/output?wait=true"))));
        QObject::connect(waits.back().get(), &QNetworkReply::finished, &loop, [&] {
            if (--pending == 0) {
                loop.quit();
            }
        });
    }
    loop.exec();
    std::printf("{\"processes\":%d,\"bytes_each\":%lld,\"seconds\":%.3f}\n", count, bytes,
                double(timer.elapsed()) / 1000.0);
    return 0;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    const QCommandLineOption serve(QStringLiteral("serve"), QStringLiteral("new or qhttpserver"),
                                   QStringLiteral("impl"));
    const QCommandLineOption token(QStringLiteral("token"), QStringLiteral("the token"),
                                   QStringLiteral("token"));
    const QCommandLineOption blastOption(QStringLiteral("blast"), QStringLiteral("port"),
                                         QStringLiteral("port"));
    const QCommandLineOption processes(QStringLiteral("processes"), QStringLiteral("port"),
                                       QStringLiteral("port"));
    const QCommandLineOption bytes(QStringLiteral("bytes"), QStringLiteral("bytes"),
                                   QStringLiteral("n"));
    const QCommandLineOption count(QStringLiteral("count"), QStringLiteral("processes"),
                                   QStringLiteral("n"));
    const QCommandLineOption smokeOption(QStringLiteral("smoke"), QStringLiteral("self-test"));
    parser.addOptions({serve, token, blastOption, processes, bytes, count, smokeOption});
    parser.addHelpOption();
    parser.process(app);
    const QByteArray secret = parser.value(token).toUtf8();
    if (parser.isSet(smokeOption)) {
        return smoke();
    }
    if (parser.isSet(blastOption)) {
        return blast(quint16(parser.value(blastOption).toUInt()), parser.value(bytes).toLongLong(),
                     secret);
    }
    if (parser.isSet(processes)) {
        return loadProcesses(quint16(parser.value(processes).toUInt()), secret,
                             parser.value(count).toInt(), parser.value(bytes).toLongLong());
    }
    if (secret.isEmpty()) {
        std::fprintf(stderr, "--token is required\n");
        return 2;
    }
    const QString impl = parser.value(serve);
    if (impl != QLatin1String("new") && impl != QLatin1String("qhttpserver")) {
        std::fprintf(stderr, "--serve new|qhttpserver\n");
        return 2;
    }
    const quint16 port = impl == QLatin1String("new") ? startNew(secret) : startQHttpServer(secret);
    if (port == 0) {
        return 1;
    }
    std::printf("PORT %d\n", int(port));
    std::fflush(stdout);
    return QCoreApplication::exec();
}
