#pragma once

#include "http/apiclient.h"
#include "processinfo.h"

#include <QObject>
#include <QUrl>

class Clock;
class ProcessOutputStream;
class ProcessWatch;
class QNetworkRequest;

// The whole process API of an agent, local or remote, over HTTP and WebSocket. The UI uses it
// for the in-process agent exactly as for a remote one.
class ProcessClient : public QObject
{
    Q_OBJECT
public:
    struct StartRequest
    {
        QString command;
        QString workDir;
        QList<std::pair<QString, QString>> environment;
        bool background = false;
        QString chatId; // overrides the client's chat id for this start
    };

    ProcessClient(const QUrl &baseUrl, const QByteArray &token, QObject *parent = nullptr);
    ~ProcessClient() override;

    QUrl baseUrl() const { return m_api->baseUrl(); }
    ApiClient *api() const { return m_api; }
    // Requests carry Coder-Chat-Id when set.
    void setChatId(const QString &chatId) { m_api->setChatId(chatId); }
    QString chatId() const { return m_api->chatId(); }
    // Drives stream and watch reconnection backoff (tests use a ManualClock).
    void setClock(Clock *clock) { m_api->setClock(clock); }

    ApiCall *startProcess(const StartRequest &request);
    ApiCall *listProcesses();
    ApiCall *processOutput(const QString &id, bool wait = false);
    ApiCall *signalProcess(const QString &id, const QString &signal);

    // Full output from `offset`, then live; reconnects and resumes by itself.
    ProcessOutputStream *openStream(const QString &id, qint64 offset = 0,
                                    QObject *parent = nullptr);
    // The process list, then changes; reconnects by itself.
    ProcessWatch *watch(QObject *parent = nullptr);

private:
    ApiClient *m_api;
};
