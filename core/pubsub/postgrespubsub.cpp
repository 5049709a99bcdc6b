#include "postgrespubsub.h"

#include <QPointer>

#include <QLoggingCategory>

#include <libpq-fe.h>

Q_LOGGING_CATEGORY(lcPubSub, "companion.pubsub")

namespace {
constexpr std::chrono::milliseconds FirstBackoff {100};
constexpr std::chrono::milliseconds MaxBackoff {10'000};
} // namespace

PostgresPubSub::PostgresPubSub(const QString &url, Clock *clock, QObject *parent)
    : PubSub(parent)
    , m_url(url)
    , m_clock(clock ? clock : Clock::system())
    , m_local(2048)
{ }

PostgresPubSub::~PostgresPubSub()
{
    m_read.reset();
    m_write.reset();
    if (m_conn) {
        PQfinish(m_conn);
    }
}

QByteArray PostgresPubSub::quoteIdentifier(const QString &name)
{
    QByteArray quoted = name.toUtf8();
    quoted.replace('"', "\"\"");
    return '"' + quoted + '"';
}

void PostgresPubSub::start()
{
    if (!m_conn && !m_retry) {
        connectNow();
    }
}

void PostgresPubSub::setNotifiers(bool read, bool write)
{
    if (m_read) {
        m_read->setEnabled(read);
    }
    if (m_write) {
        m_write->setEnabled(write);
    }
}

void PostgresPubSub::connectNow()
{
    m_retry.reset();
    m_conn = PQconnectStart(m_url.toUtf8().constData());
    if (!m_conn || PQstatus(m_conn) == CONNECTION_BAD) {
        lose(m_conn ? QString::fromUtf8(PQerrorMessage(m_conn)).trimmed()
                    : QStringLiteral("out of memory"));
        return;
    }
    m_connecting = true;
    const int fd = PQsocket(m_conn);
    m_read = std::make_unique<QSocketNotifier>(fd, QSocketNotifier::Read);
    m_write = std::make_unique<QSocketNotifier>(fd, QSocketNotifier::Write);
    connect(m_read.get(), &QSocketNotifier::activated, this, &PostgresPubSub::onReadable);
    connect(m_write.get(), &QSocketNotifier::activated, this, &PostgresPubSub::onWritable);
    // libpq asks to be polled once the socket is writable.
    setNotifiers(false, true);
}

void PostgresPubSub::pollConnect()
{
    switch (PQconnectPoll(m_conn)) {
    case PGRES_POLLING_READING:
        setNotifiers(true, false);
        return;
    case PGRES_POLLING_WRITING:
        setNotifiers(false, true);
        return;
    case PGRES_POLLING_FAILED:
        lose(QString::fromUtf8(PQerrorMessage(m_conn)).trimmed());
        return;
    case PGRES_POLLING_OK:
    default:
        break;
    }
    // The socket can change during connect (a second address tried).
    if (PQsocket(m_conn) != int(m_read->socket())) {
        dropNotifiers();
        const int fd = PQsocket(m_conn);
        m_read = std::make_unique<QSocketNotifier>(fd, QSocketNotifier::Read);
        m_write = std::make_unique<QSocketNotifier>(fd, QSocketNotifier::Write);
        connect(m_read.get(), &QSocketNotifier::activated, this, &PostgresPubSub::onReadable);
        connect(m_write.get(), &QSocketNotifier::activated, this, &PostgresPubSub::onWritable);
    }
    PQsetnonblocking(m_conn, 1);
    m_connecting = false;
    m_connected = true;
    m_backoff = std::chrono::milliseconds(0);
    m_lastError.clear();
    setNotifiers(true, false);
    qCInfo(lcPubSub) << "Connected to PostgreSQL for LISTEN/NOTIFY";
    // Listen again first: the commands still queued are publishes, sent after.
    std::deque<Command> listens;
    for (auto it = m_listening.cbegin(); it != m_listening.cend(); ++it) {
        listens.push_back({"LISTEN " + quoteIdentifier(it.key()), {}, {}, {}, false});
    }
    for (auto it = listens.rbegin(); it != listens.rend(); ++it) {
        m_queue.push_front(std::move(*it));
    }
    const bool reconnect = m_everConnected;
    m_everConnected = true;
    Q_EMIT connectionChanged(true, {});
    if (reconnect) {
        m_local.reportUnknownLoss();
    }
    sendNext();
}

void PostgresPubSub::onWritable()
{
    if (m_connecting) {
        pollConnect();
    } else {
        flush();
    }
}

void PostgresPubSub::onReadable()
{
    if (m_connecting) {
        pollConnect();
        return;
    }
    if (!m_conn) {
        return;
    }
    if (!PQconsumeInput(m_conn)) {
        lose(QString::fromUtf8(PQerrorMessage(m_conn)).trimmed());
        return;
    }
    collectResults();
    if (m_conn) {
        dispatchNotifications();
    }
}

void PostgresPubSub::collectResults()
{
    while (m_conn && m_inFlight && !PQisBusy(m_conn)) {
        QString error;
        while (PGresult *result = PQgetResult(m_conn)) {
            const ExecStatusType status = PQresultStatus(result);
            if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && error.isEmpty()) {
                error = QString::fromUtf8(PQresultErrorMessage(result)).trimmed();
            }
            PQclear(result);
            if (PQisBusy(m_conn)) {
                return; // the rest of this command's results are still on their way
            }
        }
        m_inFlight = false;
        finishCommand(error);
        sendNext();
    }
    if (m_conn && PQstatus(m_conn) == CONNECTION_BAD) {
        lose(QString::fromUtf8(PQerrorMessage(m_conn)).trimmed());
    }
}

void PostgresPubSub::dispatchNotifications()
{
    // Listeners run inside this loop now: one may end this pubsub, or its connection.
    const QPointer<PostgresPubSub> self(this);
    while (m_conn) {
        PGnotify *notify = PQnotifies(m_conn);
        if (!notify) {
            return;
        }
        const QString channel = QString::fromUtf8(notify->relname);
        const QByteArray payload(notify->extra);
        PQfreemem(notify);
        m_local.deliverFromEventLoop(channel, payload);
        if (!self) {
            return;
        }
    }
}

void PostgresPubSub::finishCommand(const QString &error)
{
    if (m_queue.empty()) {
        return;
    }
    Command command = std::move(m_queue.front());
    m_queue.pop_front();
    if (command.done && (!command.hasContext || command.context)) {
        command.done(error);
    }
}

void PostgresPubSub::sendNext()
{
    if (!m_connected || m_inFlight || m_queue.empty()) {
        return;
    }
    const Command &command = m_queue.front();
    std::vector<const char *> values;
    for (const QByteArray &param : command.params) {
        values.push_back(param.constData());
    }
    if (!PQsendQueryParams(m_conn, command.sql.constData(), int(values.size()), nullptr,
                           values.data(), nullptr, nullptr, 0)) {
        lose(QString::fromUtf8(PQerrorMessage(m_conn)).trimmed());
        return;
    }
    m_inFlight = true;
    flush();
}

void PostgresPubSub::flush()
{
    if (!m_conn) {
        return;
    }
    const int pending = PQflush(m_conn);
    if (pending < 0) {
        lose(QString::fromUtf8(PQerrorMessage(m_conn)).trimmed());
        return;
    }
    setNotifiers(true, pending == 1);
}

// Notifiers are let go later: this may run in one of their activated() handlers.
void PostgresPubSub::dropNotifiers()
{
    for (std::unique_ptr<QSocketNotifier> *notifier : {&m_read, &m_write}) {
        if (QSocketNotifier *n = notifier->release()) {
            n->setEnabled(false);
            n->disconnect(this);
            n->deleteLater();
        }
    }
}

void PostgresPubSub::lose(const QString &error)
{
    const bool wasConnected = m_connected;
    dropNotifiers();
    if (m_conn) {
        PQfinish(m_conn);
        m_conn = nullptr;
    }
    m_connecting = false;
    m_connected = false;
    m_inFlight = false;
    m_lastError = error.isEmpty() ? QStringLiteral("connection lost") : error;
    // Publishes fail now rather than go out late; LISTENs are rebuilt from m_listening.
    std::deque<Command> failed;
    failed.swap(m_queue);
    for (Command &command : failed) {
        if (command.done && (!command.hasContext || command.context)) {
            command.done(QStringLiteral("Not connected to PostgreSQL: %1").arg(m_lastError));
        }
    }
    m_backoff = m_backoff.count() == 0 ? FirstBackoff : qMin(m_backoff * 2, MaxBackoff);
    qCWarning(lcPubSub).noquote() << "PostgreSQL pubsub:" << m_lastError << "- reconnecting in"
                                  << m_backoff.count() << "ms";
    if (wasConnected || !m_everConnected) {
        Q_EMIT connectionChanged(false, m_lastError);
    }
    m_retry = m_clock->callAfter(m_backoff, this, [this] { connectNow(); });
}

void PostgresPubSub::enqueue(Command command)
{
    m_queue.push_back(std::move(command));
    sendNext();
}

void PostgresPubSub::publish(const QString &channel, const QByteArray &payload, QObject *context,
                             PublishDone done)
{
    const QString error = validate(channel, payload);
    if (!error.isEmpty() || !m_connected) {
        if (done) {
            const QString why = error.isEmpty()
                    ? QStringLiteral("Not connected to PostgreSQL: %1").arg(m_lastError)
                    : error;
            QMetaObject::invokeMethod(
                    context ? context : this, [done, why] { done(why); }, Qt::QueuedConnection);
        }
        return;
    }
    enqueue({"SELECT pg_notify($1, $2)",
             {channel.toUtf8(), payload},
             context,
             std::move(done),
             context != nullptr});
}

PubSub::Subscription PostgresPubSub::subscribe(const QString &channel, QObject *context,
                                               Listener listener)
{
    Subscription local = m_local.subscribe(channel, context, std::move(listener));
    if (m_listening[channel]++ == 0 && m_connected) {
        enqueue({"LISTEN " + quoteIdentifier(channel), {}, {}, {}, false});
    }
    auto holder = std::make_shared<Subscription>(std::move(local));
    return Subscription([self = QPointer<PostgresPubSub>(this), channel, holder] {
        holder->cancel();
        if (!self) {
            return;
        }
        if (--self->m_listening[channel] <= 0) {
            self->m_listening.remove(channel);
            if (self->m_connected) {
                self->enqueue({"UNLISTEN " + quoteIdentifier(channel), {}, {}, {}, false});
            }
        }
    });
}
