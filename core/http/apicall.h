#pragma once

#include <QJsonValue>
#include <QObject>
#include <QPointer>

class QNetworkReply;

// The error of a failed API call: HTTP status (0 for transport errors) and Coder's
// {"message", "detail"} when the server sent them.
struct ApiError
{
    int status = 0;
    QString message;
    QString detail;
    bool fromServer = false; // message and detail are the server's, not ours
    // "message: detail", or the transport error, for one-line display.
    QString toString() const;
};
Q_DECLARE_METATYPE(ApiError)

// One HTTP request to an agent or control plane, as an async job: started(), then exactly one
// of finished(body) or failed(error). Deletes itself after either.
class ApiCall : public QObject
{
    Q_OBJECT
public:
    explicit ApiCall(QNetworkReply *reply, QObject *parent = nullptr);
    ~ApiCall() override;

    void abort();

Q_SIGNALS:
    void started();
    void finished(const QJsonValue &body, int status);
    void failed(const ApiError &error);

private:
    void onFinished();

    QPointer<QNetworkReply> m_reply;
};
