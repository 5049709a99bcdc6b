#pragma once

#include <QObject>

class Clock;
class ProcessClient;
class ReconnectingWebSocket;

// The client side of GET /api/v0/processes/{id}/stream: delivers every output byte exactly once,
// in order, across reconnects (it resumes from the last byte it received), and reports bytes
// the agent no longer had as dropped.
class ProcessOutputStream : public QObject
{
    Q_OBJECT
public:
    ProcessOutputStream(ProcessClient *client, const QString &id, Clock *clock,
                        QObject *parent = nullptr);
    ~ProcessOutputStream() override;

    void open(qint64 offset);
    void close();
    QString processId() const { return m_id; }
    // The next byte expected: everything before it was delivered or reported dropped.
    qint64 offset() const { return m_expected; }
    bool hasExited() const { return m_exited; }
    bool isConnected() const;
    int reconnects() const;

Q_SIGNALS:
    void dataReceived(qint64 offset, const QByteArray &data);
    void dropped(qint64 offset, qint64 bytes, const QString &reason);
    void exited(int exitCode, qint64 endOffset);
    void connectedChanged(bool connected);
    void errorOccurred(const QString &message);

private:
    void onText(const QString &message);
    void onBinary(const QByteArray &frame);

    QString m_id;
    ReconnectingWebSocket *m_socket;
    qint64 m_expected = 0;
    bool m_exited = false;
};
