#include "reinitclient.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QUrlQuery>

Q_LOGGING_CATEGORY(lcReinit, "companion.reinit")

ReinitClient::ReinitClient(QUrl controlPlane, QByteArray agentToken, QObject *parent)
    : QObject(parent)
    , m_url(std::move(controlPlane))
    , m_token(std::move(agentToken))
    , m_parser(64 * 1024)
{
    m_url.setPath(m_url.path().chopped(m_url.path().endsWith(QLatin1Char('/')) ? 1 : 0) +
                  QStringLiteral("/api/v2/workspaceagents/me/reinit"));
    m_url.setQuery(QStringLiteral("wait=true"));
}

ReinitClient::~ReinitClient()
{
    abort();
}

void ReinitClient::start()
{
    abort();
    m_done = false;
    m_parser = SseParser(64 * 1024);
    QNetworkRequest request(m_url);
    request.setRawHeader("Coder-Session-Token", m_token);
    request.setRawHeader("Accept", "text/event-stream");
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    m_reply = m_network.get(request);
    connect(m_reply, &QNetworkReply::readyRead, this, &ReinitClient::onReadyRead);
    connect(m_reply, &QNetworkReply::finished, this, &ReinitClient::onFinished);
}

void ReinitClient::abort()
{
    if (QNetworkReply *reply = m_reply.data()) {
        m_reply = nullptr;
        reply->disconnect(this);
        reply->abort();
        reply->deleteLater();
    }
}

void ReinitClient::fail(int status, const QString &error)
{
    m_done = true;
    abort();
    Q_EMIT failed(status, error);
}

void ReinitClient::onReadyRead()
{
    if (!m_reply || m_done) {
        return;
    }
    const int status = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status != 200) {
        return; // the error body is read whole in onFinished()
    }
    std::vector<SseParser::Event> events;
    const bool ok = m_parser.feed(m_reply->readAll(), &events);
    for (const SseParser::Event &event : events) {
        if (event.type == "ping") {
            continue;
        }
        if (event.type == "error") {
            fail(0, QStringLiteral("unexpected server sent event type error"));
            return;
        }
        if (event.type != "data") {
            fail(0,
                 QStringLiteral("unexpected server sent event type %1")
                         .arg(QString::fromUtf8(event.type)));
            return;
        }
        QString error;
        const std::optional<ReinitEvent> decoded = ReinitEvent::decode(event.data, &error);
        if (!decoded) {
            fail(0, error);
            return;
        }
        m_done = true;
        abort();
        Q_EMIT received(*decoded);
        return;
    }
    if (!ok) {
        fail(0, m_parser.error());
    }
}

void ReinitClient::onFinished()
{
    QNetworkReply *reply = m_reply.data();
    if (!reply || m_done) {
        return;
    }
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status == 200) {
        onReadyRead();
        if (!m_done) {
            fail(0, QStringLiteral("The reinit stream ended without an event."));
        }
        return;
    }
    if (status == 0) {
        fail(0, reply->errorString());
        return;
    }
    const QJsonObject body = QJsonDocument::fromJson(reply->readAll()).object();
    const QString message = body.value(QStringLiteral("message")).toString();
    fail(status,
         message.isEmpty() ? QStringLiteral("HTTP %1").arg(status)
                           : QStringLiteral("HTTP %1: %2").arg(status).arg(message));
}

// ---- ReinitLoop ----

ReinitLoop::ReinitLoop(QUrl controlPlane, QByteArray agentToken, Clock *clock, QObject *parent)
    : QObject(parent)
    , m_clock(clock ? clock : Clock::system())
    , m_client(std::move(controlPlane), std::move(agentToken))
{
    connect(&m_client, &ReinitClient::received, this, [this](const ReinitEvent &event) {
        m_running = false;
        m_failures = 0; // retrier.Reset(): the next wait starts at once
        schedule(std::chrono::milliseconds(0));
        Q_EMIT eventReceived(event);
    });
    connect(&m_client, &ReinitClient::failed, this, [this](int status, const QString &error) {
        m_running = false;
        if (status == 409) {
            qCInfo(lcReinit).noquote()
                    << "received terminal 409, stopping reinit polling:" << error;
            m_stopped = true;
            m_timer.reset();
            Q_EMIT stoppedForGood(error);
            return;
        }
        ++m_failures;
        const std::chrono::milliseconds retry = backoff(m_failures);
        qCWarning(lcReinit).noquote()
                << "waiting for reinit:" << error << "- retrying in" << retry.count() << "ms";
        schedule(retry);
        Q_EMIT attemptFailed(status, error, retry);
    });
}

std::chrono::milliseconds ReinitLoop::backoff(int failures)
{
    if (failures <= 0) {
        return std::chrono::milliseconds(0);
    }
    qint64 delay = FirstBackoff.count();
    for (int i = 1; i < failures && delay < MaxBackoff.count(); ++i) {
        delay *= 2;
    }
    return std::chrono::milliseconds(qMin(delay, qint64(MaxBackoff.count())));
}

void ReinitLoop::start()
{
    if (m_stopped || m_running || m_timer) {
        return;
    }
    schedule(std::chrono::milliseconds(0));
}

void ReinitLoop::stop()
{
    m_stopped = true;
    m_timer.reset();
    m_client.abort();
    m_running = false;
}

void ReinitLoop::hold()
{
    m_held = true;
    m_timer.reset();
}

void ReinitLoop::release()
{
    if (!std::exchange(m_held, false) || m_running) {
        return;
    }
    schedule(std::chrono::milliseconds(0));
}

void ReinitLoop::schedule(std::chrono::milliseconds delay)
{
    if (m_stopped || m_held) {
        return;
    }
    m_timer = m_clock->callAfter(delay, this, [this] { attempt(); });
}

void ReinitLoop::attempt()
{
    m_timer.reset();
    if (m_stopped) {
        return;
    }
    m_running = true;
    m_client.start();
}
