#include "routehelpers.h"

#include "http/jsonresponse.h"

using Http::Status;

namespace ControlPlaneRoutes {

Http::Status statusOf(const StoreError &error)
{
    switch (error.kind()) {
    case StoreError::Kind::NotFound:
        return Status::NotFound;
    case StoreError::Kind::Conflict:
        return Status::Conflict;
    case StoreError::Kind::Invalid:
        return Status::BadRequest;
    case StoreError::Kind::Database:
        break;
    }
    return Status::ServiceUnavailable;
}

QString messageOf(const StoreError &error)
{
    switch (error.kind()) {
    case StoreError::Kind::NotFound:
        return QStringLiteral("Not found.");
    case StoreError::Kind::Conflict:
        return QStringLiteral("Conflict.");
    case StoreError::Kind::Invalid:
        return QStringLiteral("Invalid request.");
    case StoreError::Kind::Database:
        break;
    }
    return QStringLiteral("The database is not available.");
}

// Answers a failed store future on `responder` (kept alive by the shared pointer).
std::function<void(const StoreError &)> answerFailure(std::shared_ptr<HttpResponder> responder)
{
    return [responder](const StoreError &error) {
        JsonResponse::message(*responder, statusOf(error), messageOf(error), error.message());
    };
}

// The body as a JSON object (as Go decodes it into a struct with `fields`, when given), or a
// 400 already answered.
std::optional<QJsonObject> readBody(const ApiRequest &request, HttpResponder &responder,
                                    const QStringList &fields, const QString &goType)
{
    QString error;
    std::optional<QJsonObject> body = fields.isEmpty()
            ? request.jsonObject(&error)
            : request.decodeStruct(fields, goType, &error);
    if (!body) {
        JsonResponse::message(responder, Status::BadRequest, QStringLiteral("Invalid JSON."),
                              error);
    }
    return body;
}

std::shared_ptr<HttpResponder> keep(HttpResponder &responder)
{
    return std::make_shared<HttpResponder>(std::move(responder));
}

QJsonObject eventMessage(const QString &type, const QJsonObject &fields)
{
    QJsonObject message = fields;
    message.insert(QStringLiteral("type"), type);
    return message;
}

} // namespace ControlPlaneRoutes
