#include "agent.h"

#include "context/contextapi.h"
#include "context/contextmanager.h"
#include "context/contextpushloop.h"
#include "context/httpcontextpusher.h"
#include "http/apiserver.h"
#include "http/tokenfile.h"
#include "process/processapi.h"
#include "process/processmanager.h"

#include <QDir>
#include <QStandardPaths>

Agent::Agent(Options options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
{
    if (m_options.tokenFile.isEmpty()) {
        m_options.tokenFile = defaultTokenFile();
    }
    ProcessManager::Options processOptions;
    processOptions.workingDirectory = [this] { return m_options.workingDirectory; };
    processOptions.captureCapBytes = m_options.captureCapBytes;
    processOptions.captureBudgetBytes = m_options.captureBudgetBytes;
    processOptions.maxProcesses = m_options.maxProcesses;
    processOptions.clock = m_options.clock;
    m_processes = new ProcessManager(processOptions, this);
    connect(m_processes, &ProcessManager::closed, this, &Agent::stopped);

    ContextManager::Options contextOptions;
    contextOptions.workingDirectory = [this] { return m_options.workingDirectory; };
    contextOptions.homeDirectory = m_options.homeDirectory;
    contextOptions.initialSources = m_options.contextSources;
    contextOptions.includeBuiltinRoots = m_options.contextBuiltinRoots;
    contextOptions.clock = m_options.clock;
    m_context = new ContextManager(contextOptions, this);
}

Agent::~Agent() = default;

QString Agent::defaultTokenFile()
{
    return QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation))
            .filePath(QStringLiteral("agent-token"));
}

bool Agent::start(QString *error)
{
    const std::optional<QByteArray> token = TokenFile::loadOrCreate(m_options.tokenFile, error);
    if (!token) {
        return false;
    }
    m_token = *token;
    if (m_options.controlPlane.isValid()) {
        // Without a token of its own, the agent shows the control plane its agent token.
        const QByteArray pushToken =
                m_options.controlPlaneToken.isEmpty() ? m_token : m_options.controlPlaneToken;
        m_pusher = new HttpContextPusher(m_options.controlPlane, pushToken, this);
        ContextPushLoop::Options pushOptions;
        pushOptions.clock = m_options.clock;
        m_pushLoop = new ContextPushLoop(m_context, m_pusher, pushOptions, this);
    }
    m_server = new ApiServer(m_token, m_options.httpLimits, m_options.httpClock, this);
    m_processApi = new ProcessApi(m_processes, m_server, m_options.clock, this);
    m_contextApi = new ContextApi(m_context, m_pushLoop, m_server, this);
    if (!m_server->listen(m_options.address, m_options.port, error)) {
        return false;
    }
    m_context->start();
    if (m_pushLoop) {
        m_pushLoop->start();
    }
    return true;
}

void Agent::stop()
{
    m_context->close();
    m_processes->close();
}

QUrl Agent::url() const
{
    return m_server ? m_server->baseUrl() : QUrl();
}
