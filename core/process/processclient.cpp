#include "processclient.h"

#include "processoutputstream.h"
#include "processwatch.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QUrlQuery>

ProcessClient::ProcessClient(const QUrl &baseUrl, const QByteArray &token, QObject *parent)
    : QObject(parent)
    , m_api(new ApiClient(baseUrl, token, this))
{ }

ProcessClient::~ProcessClient() = default;

ApiCall *ProcessClient::startProcess(const StartRequest &start)
{
    QJsonObject body {{QStringLiteral("command"), start.command}};
    if (!start.workDir.isEmpty()) {
        body.insert(QStringLiteral("workdir"), start.workDir);
    }
    if (!start.environment.isEmpty()) {
        QJsonObject env;
        for (const auto &[key, value] : start.environment) {
            env.insert(key, value);
        }
        body.insert(QStringLiteral("env"), env);
    }
    if (start.background) {
        body.insert(QStringLiteral("background"), true);
    }
    QNetworkRequest r = m_api->request(QStringLiteral("/api/v0/processes/start"));
    if (!start.chatId.isEmpty()) {
        r.setRawHeader("Coder-Chat-Id", start.chatId.toUtf8());
    }
    return m_api->post(r, body);
}

ApiCall *ProcessClient::listProcesses()
{
    return m_api->get(QStringLiteral("/api/v0/processes/list"));
}

ApiCall *ProcessClient::processOutput(const QString &id, bool wait)
{
    return m_api->get(QStringLiteral("/api/v0/processes/%1/output").arg(id),
                      wait ? QStringLiteral("wait=true") : QString());
}

ApiCall *ProcessClient::signalProcess(const QString &id, const QString &signal)
{
    const QJsonObject body {{QStringLiteral("signal"), signal}};
    return m_api->post(QStringLiteral("/api/v0/processes/%1/signal").arg(id), body);
}

ProcessOutputStream *ProcessClient::openStream(const QString &id, qint64 offset, QObject *parent)
{
    auto *stream = new ProcessOutputStream(this, id, m_api->clock(), parent ? parent : this);
    stream->open(offset);
    return stream;
}

ProcessWatch *ProcessClient::watch(QObject *parent)
{
    auto *watch = new ProcessWatch(this, m_api->clock(), parent ? parent : this);
    watch->open();
    return watch;
}
