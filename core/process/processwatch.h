#pragma once

#include "processinfo.h"

#include <QObject>

class Clock;
class ProcessClient;
class ReconnectingWebSocket;

// The client side of GET /api/v0/processes/watch: every tracked process on (re)connect, then
// each start, exit and removal as it happens.
class ProcessWatch : public QObject
{
    Q_OBJECT
public:
    ProcessWatch(ProcessClient *client, Clock *clock, QObject *parent = nullptr);
    ~ProcessWatch() override;

    void open();
    void close();
    bool isConnected() const;

Q_SIGNALS:
    void snapshotReceived(const QList<ProcessInfo> &processes);
    void processChanged(const ProcessInfo &process);
    void processRemoved(const QString &id);
    void connectedChanged(bool connected);

private:
    void onText(const QString &message);

    ReconnectingWebSocket *m_socket;
};
