#include "lazydialer.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QPointer>

#include <utility>

Q_DECLARE_LOGGING_CATEGORY(lcChat)

namespace {

QString wrapped(const QString &error)
{
    return QStringLiteral("dial with lazy validation: ") + error;
}

void release(std::optional<DialedAgent> &connection)
{
    if (connection && connection->release) {
        std::exchange(connection->release, {})();
    }
    connection.reset();
}

} // namespace

QString LazyDialer::noAgentMessage()
{
    return QStringLiteral("workspace has no running agent: the workspace is likely stopped. Use "
                          "the start_workspace tool to start it");
}

QString LazyDialer::dialTimeoutMessage()
{
    return QStringLiteral("connection to the workspace agent timed out. The agent may still be "
                          "reachable on the next attempt.");
}

QString LazyDialer::canceledMessage()
{
    return QStringLiteral("context canceled");
}

// One call of the dial function. Its completion callback holds it (not the LazyDial), so a
// dial that answers after the LazyDial finished or died can still have its connection
// released.
struct LazyDial::Attempt
{
    QString agentId;
    std::function<void()> cancel; // empty once done or cancelled
    bool done = false;
    // Nobody wants the result any more: a late success is released on arrival.
    bool stale = false;
    // A success that arrived while the lookup ran; released if it goes unused.
    std::optional<DialedAgent> connection;
    QString error;
};

LazyDial::LazyDial(QString agentId, QString workspaceId, LazyDialer::DialFunc dial,
                   LazyDialer::ValidateFunc validate, Clock *clock, Options options,
                   QObject *parent)
    : QObject(parent)
    , m_agentId(std::move(agentId))
    , m_workspaceId(std::move(workspaceId))
    , m_dial(std::move(dial))
    , m_validate(std::move(validate))
    , m_clock(clock ? clock : Clock::system())
    , m_options(options)
{ }

LazyDial::~LazyDial()
{
    m_phase = Phase::Finished;
    m_validationTimer.reset();
    m_timeoutTimer.reset();
    abandon(std::exchange(m_original, {}));
    abandon(std::exchange(m_redial, {}));
}

void LazyDial::start()
{
    if (m_phase != Phase::Idle) {
        return;
    }
    m_phase = Phase::Dialing;
    // The timers first: a dial function that answers at once finishes (and stops them) before
    // it returns.
    m_timeoutTimer = m_clock->callAfter(m_options.dialTimeout, this, [this] {
        qCDebug(lcChat) << "dial of agent" << m_agentId << "timed out";
        stop(LazyDialer::dialTimeoutMessage(), true);
    });
    m_validationTimer =
            m_clock->callAfter(m_options.validationDelay, this, [this] { onValidationDue(); });
    m_original = std::make_shared<Attempt>();
    m_original->agentId = m_agentId;
    dialAttempt(m_original);
}

void LazyDial::cancel()
{
    if (m_phase == Phase::Finished) {
        return;
    }
    stop(LazyDialer::canceledMessage(), false);
}

void LazyDial::dialAttempt(std::shared_ptr<Attempt> attempt)
{
    QPointer<LazyDial> self(this);
    auto done = [self, attempt](std::optional<DialedAgent> connection, const QString &error) {
        if (attempt->done) {
            qCWarning(lcChat) << "dial of agent" << attempt->agentId << "answered twice";
            release(connection);
            return;
        }
        attempt->done = true;
        attempt->cancel = {};
        if (attempt->stale || !self) {
            if (connection) {
                qCDebug(lcChat) << "releasing the late connection to agent" << attempt->agentId;
            }
            release(connection);
            return;
        }
        self->onAttemptDone(attempt, std::move(connection), error);
    };
    // The dial may answer, and this object may be deleted, before the call returns.
    std::function<void()> cancel = m_dial(attempt->agentId, std::move(done));
    if (!attempt->done) {
        attempt->cancel = std::move(cancel);
    }
}

void LazyDial::onAttemptDone(const std::shared_ptr<Attempt> &attempt,
                             std::optional<DialedAgent> connection, const QString &error)
{
    if (attempt == m_redial) {
        if (connection) {
            succeed(std::move(*connection), m_switched);
        } else {
            fail(wrapped(error));
        }
        return;
    }
    Q_ASSERT(attempt == m_original);
    switch (m_phase) {
    case Phase::Dialing:
        if (connection) {
            succeed(std::move(*connection), false);
            return;
        }
        // A fast failure: the binding may be stale, so look it up now.
        qCDebug(lcChat) << "dial of agent" << m_agentId << "failed fast:" << error;
        m_validationTimer.reset();
        m_fastFailure = true;
        m_original->error = error;
        validate();
        return;
    case Phase::Validating:
        // The lookup decides what becomes of it.
        attempt->connection = std::move(connection);
        attempt->error = error;
        return;
    case Phase::Waiting:
        if (connection) {
            succeed(std::move(*connection), false);
        } else {
            fail(wrapped(error));
        }
        return;
    case Phase::Idle:
    case Phase::Redialing:
    case Phase::Finished:
        // The original is stale in these phases: its callback released the result.
        Q_ASSERT(false);
        return;
    }
}

void LazyDial::onValidationDue()
{
    if (m_phase != Phase::Dialing) {
        return;
    }
    qCDebug(lcChat) << "dial of agent" << m_agentId << "is slow: checking workspace"
                    << m_workspaceId;
    validate();
}

void LazyDial::validate()
{
    m_phase = Phase::Validating;
    QPointer<LazyDial> self(this);
    auto answered = std::make_shared<bool>(false);
    m_validate(m_workspaceId, [self, answered](const ValidateResult &result) {
        if (std::exchange(*answered, true)) {
            return;
        }
        if (self && self->m_phase == Phase::Validating) {
            self->onValidated(result);
        }
    });
}

void LazyDial::onValidated(const ValidateResult &result)
{
    const bool noAgent = result.kind == ValidateResult::Kind::NoAgent ||
            (result.kind == ValidateResult::Kind::Agent && result.agentId.isEmpty());
    if (noAgent) {
        // Terminal: a stopped workspace's dial would only hang until the timeout.
        fail(LazyDialer::noAgentMessage(), true);
        return;
    }
    const bool sameAgent =
            result.kind == ValidateResult::Kind::Agent && result.agentId == m_agentId;
    if (m_fastFailure) {
        if (result.kind == ValidateResult::Kind::Error) {
            fail(wrapped(result.error));
        } else {
            redial(result.agentId, !sameAgent);
        }
        return;
    }
    if (result.kind == ValidateResult::Kind::Error || sameAgent) {
        // Nothing proves the binding stale: the first dial goes on.
        if (result.kind == ValidateResult::Kind::Error) {
            qCDebug(lcChat) << "validation of workspace" << m_workspaceId
                            << "failed, waiting for the dial:" << result.error;
        }
        if (!m_original->done) {
            m_phase = Phase::Waiting;
        } else if (m_original->connection) {
            succeed(*std::exchange(m_original->connection, std::nullopt), false);
        } else {
            fail(wrapped(m_original->error));
        }
        return;
    }
    redial(result.agentId, true);
}

void LazyDial::redial(const QString &agentId, bool switched)
{
    if (switched) {
        qCDebug(lcChat) << "workspace" << m_workspaceId << "moved from agent" << m_agentId << "to"
                        << agentId;
    }
    abandon(m_original);
    m_phase = Phase::Redialing;
    m_switched = switched;
    m_redial = std::make_shared<Attempt>();
    m_redial->agentId = agentId;
    dialAttempt(m_redial);
}

void LazyDial::stop(const QString &error, bool timedOut)
{
    if (m_original && m_original->done && m_original->connection && !m_original->stale) {
        succeed(*std::exchange(m_original->connection, std::nullopt), false);
        return;
    }
    fail(error, false, timedOut);
}

void LazyDial::succeed(DialedAgent connection, bool switched)
{
    DialResult result;
    result.ok = true;
    result.connection = std::move(connection);
    result.switched = switched;
    finish(std::move(result));
}

void LazyDial::fail(const QString &error, bool noAgent, bool timedOut)
{
    DialResult result;
    result.noAgent = noAgent;
    result.timedOut = timedOut;
    result.error = error;
    finish(std::move(result));
}

void LazyDial::finish(DialResult result)
{
    m_phase = Phase::Finished;
    m_validationTimer.reset();
    m_timeoutTimer.reset();
    abandon(m_original);
    abandon(m_redial);
    // Last: the receiver may delete this object.
    Q_EMIT finished(result);
}

void LazyDial::abandon(const std::shared_ptr<Attempt> &attempt)
{
    if (!attempt || attempt->stale) {
        return;
    }
    attempt->stale = true;
    release(attempt->connection);
    // Called from a local: a canceller that answers at once clears attempt->cancel.
    if (std::function<void()> cancel = std::exchange(attempt->cancel, {})) {
        cancel();
    }
}

std::function<void()> httpDial(QNetworkAccessManager *network, const DialedAgent &endpoint,
                               LazyDialer::DialDone done)
{
    QUrl url = endpoint.apiUrl;
    QString path = url.path();
    while (path.endsWith(QLatin1Char('/'))) {
        path.chop(1);
    }
    url.setPath(path + QStringLiteral("/api/v0/processes/list"));
    QNetworkRequest request(url);
    request.setRawHeader("Coder-Session-Token", endpoint.token);
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);

    DialedAgent connection;
    connection.agentId = endpoint.agentId;
    connection.apiUrl = endpoint.apiUrl;
    connection.token = endpoint.token;
    connection.release = [] { };

    // `done` once, whether the reply finishes, is aborted, or is destroyed unfinished (its
    // network manager went first).
    auto pending = std::make_shared<LazyDialer::DialDone>(std::move(done));
    auto answer = [pending](std::optional<DialedAgent> result, const QString &error) {
        if (LazyDialer::DialDone callback = std::exchange(*pending, {})) {
            callback(std::move(result), error);
        }
    };

    QNetworkReply *reply = network->get(request);
    const QString target = url.toDisplayString();
    QObject::connect(reply, &QObject::destroyed, [answer] {
        answer(std::nullopt, QStringLiteral("the request was dropped unanswered"));
    });
    // An agent is not trusted with the control plane's memory: a reply past the cap ends it.
    auto tooLarge = std::make_shared<bool>(false);
    QObject::connect(reply, &QNetworkReply::downloadProgress, reply,
                     [reply, tooLarge](qint64 received, qint64 total) {
                         if (received > MaxDialReplyBytes || total > MaxDialReplyBytes) {
                             *tooLarge = true;
                             reply->abort();
                         }
                     });
    QObject::connect(
            reply, &QNetworkReply::finished, reply, [reply, answer, connection, target, tooLarge] {
                reply->deleteLater();
                const int status =
                        reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
                if (*tooLarge) {
                    answer(std::nullopt,
                           QStringLiteral("the agent at %1 answered more than %2 bytes")
                                   .arg(target)
                                   .arg(MaxDialReplyBytes));
                    return;
                }
                if (reply->error() == QNetworkReply::OperationCanceledError) {
                    answer(std::nullopt, LazyDialer::canceledMessage());
                    return;
                }
                if (status == 0) {
                    answer(std::nullopt,
                           QStringLiteral("cannot reach the agent at %1: %2")
                                   .arg(target, reply->errorString()));
                    return;
                }
                const QByteArray body = reply->isOpen() ? reply->readAll() : QByteArray();
                const QJsonDocument document = QJsonDocument::fromJson(body);
                if (status != 200) {
                    QString message =
                            QStringLiteral("the agent at %1 answered %2").arg(target).arg(status);
                    const QString detail =
                            document.object().value(QStringLiteral("message")).toString();
                    if (!detail.isEmpty()) {
                        message += QStringLiteral(": ") + detail.left(500);
                    }
                    answer(std::nullopt, message);
                    return;
                }
                if (!document.isObject()) {
                    answer(std::nullopt,
                           QStringLiteral("the agent at %1 answered without a JSON object")
                                   .arg(target));
                    return;
                }
                answer(connection, QString());
            });

    return [reply = QPointer<QNetworkReply>(reply)] {
        if (reply && !reply->isFinished()) {
            reply->abort();
        }
    };
}
