#pragma once

#include "http/apiserver.h"

#include <QHostAddress>
#include <QObject>
#include <QUrl>

#include <memory>

class ApiServer;
class Clock;
class ContextApi;
class ContextManager;
class ContextPushLoop;
class ContextPusher;
class ProcessApi;
class ProcessManager;

// One workspace agent: the HTTP API server with its token, and the subsystems it serves.
// `companiond agent` runs one headless; the desktop app runs one in process for this machine.
class Agent : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        QHostAddress address = QHostAddress::LocalHost;
        quint16 port = 0; // 0: any free port
        QString workingDirectory;
        QString tokenFile; // created 0600 with a new token when missing
        qint64 captureCapBytes = 64 * 1024 * 1024;
        qint64 captureBudgetBytes = qint64(1) << 30; // all processes' captures together
        int maxProcesses = 1000;
        ApiServer::Limits httpLimits; // sizes, timeouts and connection caps of the HTTP server
        Clock *httpClock = nullptr; // drives the HTTP timeouts; null: the system clock
        Clock *clock = nullptr;
        // Context resources.
        QStringList contextSources; // trusted user sources (--source), not validated
        bool contextBuiltinRoots = true; // ~/.coder, ~/.coder/skills, ~/.claude/plugins/cache
        QString homeDirectory; // empty: the user's home
        // Where to push context snapshots (empty: no pushing), and the token for it.
        QUrl controlPlane;
        QByteArray controlPlaneToken;
    };

    explicit Agent(Options options, QObject *parent = nullptr);
    ~Agent() override;

    // Reads or creates the token and starts listening.
    [[nodiscard]] bool start(QString *error);
    // Ends every process (TERM, grace, KILL); emits stopped() when done.
    void stop();

    QUrl url() const;
    QString tokenFile() const { return m_options.tokenFile; }
    QByteArray token() const { return m_token; }
    QString workingDirectory() const { return m_options.workingDirectory; }
    ProcessManager *processManager() const { return m_processes; }
    ContextManager *contextManager() const { return m_context; }
    ContextPushLoop *contextPushLoop() const { return m_pushLoop; }
    ApiServer *server() const { return m_server; }

    // The default token file: <app data>/agent-token.
    static QString defaultTokenFile();

Q_SIGNALS:
    void stopped();

private:
    Options m_options;
    QByteArray m_token;
    ApiServer *m_server = nullptr;
    ProcessManager *m_processes = nullptr;
    ProcessApi *m_processApi = nullptr;
    ContextManager *m_context = nullptr;
    ContextPusher *m_pusher = nullptr;
    ContextPushLoop *m_pushLoop = nullptr;
    ContextApi *m_contextApi = nullptr;
};
