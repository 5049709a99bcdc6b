#include "outputstreamsession.h"

#include "http/jsonresponse.h"
#include "managedprocess.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTimer>
#include <QWebSocket>
#include <QtEndian>

OutputStreamSession::OutputStreamSession(std::unique_ptr<QWebSocket> socket,
                                         ManagedProcess *process, qint64 offset, QObject *parent)
    : QObject(parent)
    , m_socket(std::move(socket))
    , m_process(process)
{
    const OutputCapture &capture = process->capture();
    m_next = std::clamp<qint64>(offset, 0, capture.endOffset());
    JsonResponse::send(m_socket.get(),
                       {{QStringLiteral("type"), QStringLiteral("hello")},
                        {QStringLiteral("offset"), m_next},
                        {QStringLiteral("start_offset"), capture.startOffset()},
                        {QStringLiteral("end_offset"), capture.endOffset()},
                        {QStringLiteral("running"), process->isRunning()}});

    const auto schedule = [this] {
        // Coalesce: a flood emits outputAppended per read; one pump per event-loop pass is enough.
        if (!m_pumpQueued) {
            m_pumpQueued = true;
            QTimer::singleShot(0, this, [this] {
                m_pumpQueued = false;
                pump();
            });
        }
    };
    connect(process, &ManagedProcess::outputAppended, this, schedule);
    connect(process, &ManagedProcess::finished, this, schedule);
    connect(process, &QObject::destroyed, this, &OutputStreamSession::finish);
    connect(m_socket.get(), &QWebSocket::bytesWritten, this, schedule);
    connect(m_socket.get(), &QWebSocket::disconnected, this, [this] { Q_EMIT done(); });
    schedule();
}

OutputStreamSession::~OutputStreamSession() = default;

void OutputStreamSession::pump()
{
    if (!m_process || m_socket->state() != QAbstractSocket::ConnectedState) {
        return;
    }
    const OutputCapture &capture = m_process->capture();
    while (m_next < capture.endOffset() && m_socket->bytesToWrite() < HighWaterBytes) {
        if (m_next < capture.startOffset()) {
            JsonResponse::send(m_socket.get(),
                               {{QStringLiteral("type"), QStringLiteral("dropped")},
                                {QStringLiteral("offset"), m_next},
                                {QStringLiteral("bytes"), capture.startOffset() - m_next},
                                {QStringLiteral("reason"), QStringLiteral("evicted")}});
            m_next = capture.startOffset();
            continue;
        }
        qint64 next = m_next;
        const QByteArray data = capture.read(m_next, FrameBytes, &next);
        if (data.isEmpty()) {
            if (next <= m_next) {
                break; // nothing readable: wait for more
            }
            m_next = next; // skip a gap (the server capture has none; be safe)
            continue;
        }
        QByteArray frame(8, Qt::Uninitialized);
        qToBigEndian<quint64>(quint64(m_next), frame.data());
        frame.append(data);
        m_socket->sendBinaryMessage(frame);
        m_next += data.size();
    }
    if (!m_process->isRunning() && m_next >= capture.endOffset() && !m_exitSent) {
        m_exitSent = true;
        const ProcessInfo info = m_process->info();
        JsonResponse::send(m_socket.get(),
                           {{QStringLiteral("type"), QStringLiteral("exit")},
                            {QStringLiteral("exit_code"), info.exitCode.value_or(-1)},
                            {QStringLiteral("exited_at_unix"), info.exitedAtUnix.value_or(0)},
                            {QStringLiteral("end_offset"), capture.endOffset()}});
        m_socket->close(QWebSocketProtocol::CloseCodeNormal, QStringLiteral("process exited"));
    }
}

void OutputStreamSession::finish()
{
    if (m_socket->state() == QAbstractSocket::ConnectedState) {
        m_socket->close(QWebSocketProtocol::CloseCodeGoingAway, QStringLiteral("process removed"));
    }
    Q_EMIT done();
}
