#include "processapi.h"

#include "http/apiserver.h"
#include "http/chatcontext.h"
#include "http/jsonresponse.h"
#include "managedprocess.h"
#include "outputstreamsession.h"
#include "processmanager.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QWebSocket>

Q_DECLARE_LOGGING_CATEGORY(lcProcess)

using Method = Http::Method;
using Status = Http::Status;
using JsonResponse::goQuoted;

struct ProcessApi::Waiter
{
    HttpResponder responder;
    QPointer<ManagedProcess> process;
    QMetaObject::Connection connection;
    std::unique_ptr<Clock::Timer> timer;
};

namespace {

const QString invalidJson = QStringLiteral("Request body must be valid JSON.");

QString chatIdOf(const ApiRequest &request)
{
    const auto chat = ChatContext::fromHeaders(request.headers());
    return chat ? chat->chatIdString() : QString();
}

// Go's decoder message for a field of the wrong JSON type.
QString typeError(const QString &field, const QJsonValue &value, const QString &goType)
{
    static const char *names[] = {"null", "bool", "number", "string", "array", "object"};
    const int t = value.type() == QJsonValue::Bool ? 1
            : value.type() == QJsonValue::Double   ? 2
            : value.type() == QJsonValue::String   ? 3
            : value.type() == QJsonValue::Array    ? 4
            : value.type() == QJsonValue::Object   ? 5
                                                   : 0;
    return QStringLiteral("json: cannot unmarshal %1 into Go struct field %2 of type %3")
            .arg(QLatin1String(names[t]), field, goType);
}

QJsonObject outputBody(const ManagedProcess &process)
{
    // Info before output, as upstream: a reader that sees running=false sees the final output.
    const ProcessInfo info = process.info();
    const HeadTailBuffer::Output output = process.headTail().output();
    QJsonObject body {{QStringLiteral("output"), QString::fromUtf8(output.text)},
                      {QStringLiteral("running"), info.running}};
    if (output.truncation) {
        body.insert(
                QStringLiteral("truncated"),
                QJsonObject {{QStringLiteral("original_bytes"), output.truncation->originalBytes},
                             {QStringLiteral("retained_bytes"), output.truncation->retainedBytes},
                             {QStringLiteral("omitted_bytes"), output.truncation->omittedBytes},
                             {QStringLiteral("strategy"), HeadTailBuffer::Truncation::strategy()}});
    }
    if (info.exitCode) {
        body.insert(QStringLiteral("exit_code"), *info.exitCode);
    }
    return body;
}

// Upstream's chat isolation for one process: a chat request sees its own chat's processes and
// those started without a chat; a request without a chat sees everything.
bool visibleToChat(const QString &processChat, const QString &requestChat)
{
    return requestChat.isEmpty() || processChat.isEmpty() || processChat == requestChat;
}

void notFound(HttpResponder &responder, const QString &id)
{
    JsonResponse::message(responder, Status::NotFound,
                          QStringLiteral("Process %1 not found.").arg(goQuoted(id)));
}

} // namespace

ProcessApi::ProcessApi(ProcessManager *manager, ApiServer *server, Clock *clock, QObject *parent)
    : QObject(parent)
    , m_manager(manager)
    , m_clock(clock ? clock : Clock::system())
{
    const auto bind = [this](void (ProcessApi::*handler)(const ApiRequest &, HttpResponder &)) {
        return [this, handler](const ApiRequest &request, HttpResponder &responder) {
            if (!m_manager) {
                JsonResponse::message(responder, Status::ServiceUnavailable,
                                      QStringLiteral("The process manager is gone."));
                return;
            }
            (this->*handler)(request, responder);
        };
    };
    server->addRoute(Method::Post, QStringLiteral("/api/v0/processes/start"),
                     bind(&ProcessApi::handleStart));
    server->addRoute(Method::Get, QStringLiteral("/api/v0/processes/list"),
                     bind(&ProcessApi::handleList));
    server->addRoute(Method::Get, QStringLiteral("/api/v0/processes/{id}/output"),
                     bind(&ProcessApi::handleOutput));
    server->addRoute(Method::Post, QStringLiteral("/api/v0/processes/{id}/signal"),
                     bind(&ProcessApi::handleSignal));
    server->addWebSocketRoute(
            QStringLiteral("/api/v0/processes/{id}/stream"),
            [this](std::unique_ptr<QWebSocket> socket, const ApiRequest &request) {
                handleStream(std::move(socket), request);
            });
    server->addWebSocketRoute(
            QStringLiteral("/api/v0/processes/watch"),
            [this](std::unique_ptr<QWebSocket> socket, const ApiRequest &request) {
                handleWatch(std::move(socket), request);
            });
}

ProcessApi::~ProcessApi() = default;

std::optional<ProcessManager::StartRequest>
ProcessApi::parseStartRequest(const ApiRequest &request, QString *message, QString *detail)
{
    const auto reject = [&](const QString &why) {
        *message = invalidJson;
        *detail = why;
        return std::nullopt;
    };
    QString error;
    const std::optional<QJsonObject> body =
            request.decodeStruct({QStringLiteral("command"), QStringLiteral("workdir"),
                                  QStringLiteral("env"), QStringLiteral("background")},
                                 QStringLiteral("workspacesdk.StartProcessRequest"), &error);
    if (!body) {
        return reject(error);
    }
    ProcessManager::StartRequest start;
    const QJsonValue command = body->value(QStringLiteral("command"));
    const QJsonValue workDir = body->value(QStringLiteral("workdir"));
    const QJsonValue env = body->value(QStringLiteral("env"));
    const QJsonValue background = body->value(QStringLiteral("background"));
    if (!command.isUndefined() && !command.isNull() && !command.isString()) {
        return reject(typeError(QStringLiteral("StartProcessRequest.command"), command,
                                QStringLiteral("string")));
    }
    if (!workDir.isUndefined() && !workDir.isNull() && !workDir.isString()) {
        return reject(typeError(QStringLiteral("StartProcessRequest.workdir"), workDir,
                                QStringLiteral("string")));
    }
    if (!background.isUndefined() && !background.isNull() && !background.isBool()) {
        return reject(typeError(QStringLiteral("StartProcessRequest.background"), background,
                                QStringLiteral("bool")));
    }
    if (!env.isUndefined() && !env.isNull() && !env.isObject()) {
        return reject(typeError(QStringLiteral("StartProcessRequest.env"), env,
                                QStringLiteral("map[string]string")));
    }
    const QJsonObject envObject = env.toObject();
    for (auto it = envObject.begin(); it != envObject.end(); ++it) {
        if (!it.value().isString()) {
            return reject(typeError(QStringLiteral("StartProcessRequest.env"), it.value(),
                                    QStringLiteral("string")));
        }
        start.environment.append({it.key(), it.value().toString()});
    }
    start.command = command.toString();
    start.workDir = workDir.toString();
    start.background = background.toBool();
    start.chatId = chatIdOf(request);
    if (start.command.isEmpty()) {
        *message = QStringLiteral("Command is required.");
        detail->clear();
        return std::nullopt;
    }
    return start;
}

void ProcessApi::handleStart(const ApiRequest &request, HttpResponder &responder)
{
    QString message;
    QString detail;
    const std::optional<ProcessManager::StartRequest> start =
            parseStartRequest(request, &message, &detail);
    if (!start) {
        JsonResponse::message(responder, Status::BadRequest, message, detail);
        return;
    }
    QString error;
    ProcessManager::StartError failure = ProcessManager::StartError::None;
    ManagedProcess *process = m_manager->start(*start, &error, &failure);
    if (!process && failure == ProcessManager::StartError::TooMany) {
        JsonResponse::message(responder, Status::ServiceUnavailable,
                              QStringLiteral("Too many processes."), error);
        return;
    }
    if (!process) {
        JsonResponse::message(responder, Status::InternalServerError,
                              QStringLiteral("Failed to start process."), error);
        return;
    }
    JsonResponse::write(
            responder, Status::Ok,
            QJsonObject {{QStringLiteral("id"), process->id()}, {QStringLiteral("started"), true}});
}

void ProcessApi::handleList(const ApiRequest &request, HttpResponder &responder)
{
    QList<ProcessInfo> infos = m_manager->list(chatIdOf(request));
    // Running first, then newest first (milliseconds break ties within a second).
    std::sort(infos.begin(), infos.end(), [](const ProcessInfo &a, const ProcessInfo &b) {
        if (a.running != b.running) {
            return a.running;
        }
        return a.startedAtMSecs > b.startedAtMSecs;
    });
    if (infos.size() > MaxListProcesses) {
        infos.resize(MaxListProcesses);
    }
    QJsonArray array;
    for (const ProcessInfo &info : std::as_const(infos)) {
        array.append(info.toJson());
    }
    JsonResponse::write(responder, Status::Ok, QJsonObject {{QStringLiteral("processes"), array}});
}

void ProcessApi::handleOutput(const ApiRequest &request, HttpResponder &responder)
{
    const QString id = request.param(QStringLiteral("id"));
    ManagedProcess *process = m_manager->process(id);
    if (!process) {
        notFound(responder, id);
        return;
    }
    if (!visibleToChat(process->chatId(), chatIdOf(request))) {
        notFound(responder, id);
        return;
    }
    const bool wait =
            request.query().queryItemValue(QStringLiteral("wait")) == QLatin1String("true");
    if (!wait || !process->isRunning()) {
        JsonResponse::write(responder, Status::Ok, outputBody(*process));
        return;
    }
    // Block without blocking the event loop: keep the responder until exit or the cap.
    auto waiter = std::make_unique<Waiter>(Waiter {std::move(responder), process, {}, {}});
    Waiter *raw = waiter.get();
    m_waiters.push_back(std::move(waiter));
    raw->connection =
            connect(process, &ManagedProcess::finished, this, [this, raw] { releaseWaiter(raw); });
    raw->timer = m_clock->callAfter(MaxWaitDuration, this, [this, raw] { releaseWaiter(raw); });
    // A client that gives up frees its waiter at once, not after five minutes.
    raw->responder.onAbandoned(this, [this, raw] { releaseWaiter(raw); });
}

void ProcessApi::releaseWaiter(Waiter *waiter)
{
    const auto it = std::find_if(m_waiters.begin(), m_waiters.end(),
                                 [waiter](const auto &w) { return w.get() == waiter; });
    if (it == m_waiters.end()) {
        return;
    }
    std::unique_ptr<Waiter> owned = std::move(*it);
    m_waiters.erase(it);
    disconnect(owned->connection);
    if (!owned->responder.isPending()) {
        return;
    }
    if (owned->process) {
        // A timed-out wait answers 200 with the current snapshot (running: true), as upstream.
        JsonResponse::write(owned->responder, Status::Ok, outputBody(*owned->process));
    } else {
        JsonResponse::message(owned->responder, Status::NotFound,
                              QStringLiteral("Process not found."));
    }
}

std::optional<ProcessManager::Signal>
ProcessApi::parseSignalRequest(const ApiRequest &request, QString *message, QString *detail)
{
    QString error;
    const std::optional<QJsonObject> body =
            request.decodeStruct({QStringLiteral("signal")},
                                 QStringLiteral("workspacesdk.SignalProcessRequest"), &error);
    if (!body) {
        *message = invalidJson;
        *detail = error;
        return std::nullopt;
    }
    const QJsonValue signalValue = body->value(QStringLiteral("signal"));
    if (!signalValue.isUndefined() && !signalValue.isNull() && !signalValue.isString()) {
        *message = invalidJson;
        *detail = typeError(QStringLiteral("SignalProcessRequest.signal"), signalValue,
                            QStringLiteral("string"));
        return std::nullopt;
    }
    const QString signalName = signalValue.toString();
    detail->clear();
    if (signalName.isEmpty()) {
        *message = QStringLiteral("Signal is required.");
        return std::nullopt;
    }
    if (signalName != QLatin1String("kill") && signalName != QLatin1String("terminate")) {
        *message = QStringLiteral("Unsupported signal %1. Use \"kill\" or \"terminate\".")
                           .arg(goQuoted(signalName));
        return std::nullopt;
    }
    return signalName == QLatin1String("kill") ? ProcessManager::Signal::Kill
                                               : ProcessManager::Signal::Terminate;
}

void ProcessApi::handleSignal(const ApiRequest &request, HttpResponder &responder)
{
    const QString id = request.param(QStringLiteral("id"));
    // Isolation before the body is even read, as upstream.
    if (const ManagedProcess *process = m_manager->process(id);
        process && !visibleToChat(process->chatId(), chatIdOf(request))) {
        notFound(responder, id);
        return;
    }
    QString message;
    QString detail;
    const std::optional<ProcessManager::Signal> signal =
            parseSignalRequest(request, &message, &detail);
    if (!signal) {
        JsonResponse::message(responder, Status::BadRequest, message, detail);
        return;
    }
    const QString signalName = *signal == ProcessManager::Signal::Kill
            ? QStringLiteral("kill")
            : QStringLiteral("terminate");
    QString error;
    switch (m_manager->sendSignal(id, *signal, &error)) {
    case ProcessManager::SignalResult::Sent:
        JsonResponse::message(responder, Status::Ok,
                              QStringLiteral("Signal %1 sent to process %2.")
                                      .arg(goQuoted(signalName), goQuoted(id)));
        return;
    case ProcessManager::SignalResult::NotFound:
        notFound(responder, id);
        return;
    case ProcessManager::SignalResult::NotRunning:
        JsonResponse::message(responder, Status::Conflict,
                              QStringLiteral("Process %1 is not running.").arg(goQuoted(id)));
        return;
    case ProcessManager::SignalResult::Failed:
        JsonResponse::message(responder, Status::InternalServerError,
                              QStringLiteral("Failed to signal process."), error);
        return;
    }
}

void ProcessApi::handleStream(std::unique_ptr<QWebSocket> socket, const ApiRequest &request)
{
    const QString id = request.param(QStringLiteral("id"));
    ManagedProcess *process = m_manager ? m_manager->process(id) : nullptr;
    if (!process || !visibleToChat(process->chatId(), chatIdOf(request))) {
        JsonResponse::send(socket.get(),
                           {{QStringLiteral("type"), QStringLiteral("error")},
                            {QStringLiteral("message"),
                             QStringLiteral("Process %1 not found.").arg(goQuoted(id))}});
        socket->close(QWebSocketProtocol::CloseCodePolicyViolated, QStringLiteral("not found"));
        socket.release()->deleteLater();
        return;
    }
    bool ok = false;
    qint64 offset = request.query().queryItemValue(QStringLiteral("offset")).toLongLong(&ok);
    if (!ok || offset < 0) {
        offset = 0;
    }
    auto *session = new OutputStreamSession(std::move(socket), process, offset, this);
    connect(session, &OutputStreamSession::done, session, &QObject::deleteLater);
}

void ProcessApi::handleWatch(std::unique_ptr<QWebSocket> socket, const ApiRequest &request)
{
    const QString chat = chatIdOf(request);
    QWebSocket *ws = socket.release();
    ws->setParent(this);
    connect(ws, &QWebSocket::disconnected, ws, &QObject::deleteLater);
    const auto visible = [chat](const ProcessInfo &info) {
        return visibleToChat(info.chatId, chat);
    };
    const auto send = [ws](const QJsonObject &o) { JsonResponse::send(ws, o); };
    QJsonArray all;
    for (const ProcessInfo &info : m_manager->processes()) {
        if (visible(info)) {
            all.append(info.toJson(ProcessInfo::Fields::Extended));
        }
    }
    send({{QStringLiteral("type"), QStringLiteral("snapshot")},
          {QStringLiteral("processes"), all}});
    const auto changed = [send, visible](ManagedProcess *process) {
        const ProcessInfo info = process->info();
        if (visible(info)) {
            send({{QStringLiteral("type"), QStringLiteral("process")},
                  {QStringLiteral("process"), info.toJson(ProcessInfo::Fields::Extended)}});
        }
    };
    connect(m_manager, &ProcessManager::processStarted, ws, changed);
    connect(m_manager, &ProcessManager::processFinished, ws, changed);
    connect(m_manager, &ProcessManager::processUpdated, ws, changed);
    connect(m_manager, &ProcessManager::processRemoved, ws, [send](const QString &id) {
        send({{QStringLiteral("type"), QStringLiteral("removed")}, {QStringLiteral("id"), id}});
    });
}
