#pragma once

#include <QObject>
#include <QPointer>

#include <memory>

class ManagedProcess;
class QWebSocket;

// Serves GET /api/v0/processes/{id}/stream?offset=N (our extension): the full capture from byte
// offset N, then live output, then an exit frame, over one WebSocket.
//
// Frames. Binary: 8-byte big-endian absolute offset, then output bytes. Text (JSON):
//   {"type":"hello","offset":N,"start_offset":S,"end_offset":E,"running":bool}
//   {"type":"dropped","offset":N,"bytes":B,"reason":"evicted"}   bytes [N, N+B) no longer exist
//   {"type":"exit","exit_code":C,"exited_at_unix":T,"end_offset":E}  then a normal close
// Memory per client stays bounded: data is pulled from the capture only while the socket has
// less than HighWaterBytes queued. A client that falls so far behind that the capture dropped
// its position gets a "dropped" frame and continues from the oldest retained byte.
class OutputStreamSession : public QObject
{
    Q_OBJECT
public:
    static constexpr qint64 HighWaterBytes = 1024 * 1024;
    static constexpr qint64 FrameBytes = 256 * 1024;

    OutputStreamSession(std::unique_ptr<QWebSocket> socket, ManagedProcess *process, qint64 offset,
                        QObject *parent = nullptr);
    ~OutputStreamSession() override;

    qint64 nextOffset() const { return m_next; }

Q_SIGNALS:
    void done();

private:
    void pump();
    void finish();

    std::unique_ptr<QWebSocket> m_socket;
    QPointer<ManagedProcess> m_process;
    qint64 m_next = 0;
    bool m_exitSent = false;
    bool m_pumpQueued = false;
};
