#pragma once

#include "http/apirequest.h"
#include "http/http.h"
#include "http/httpresponder.h"
#include "store/database.h"

#include <QJsonObject>
#include <QStringList>

#include <functional>
#include <memory>
#include <optional>

// What the control plane's route handlers share: store failures as JSON errors, strict bodies,
// responders kept for an answer that comes later, and events-channel messages.
namespace ControlPlaneRoutes {

Http::Status statusOf(const StoreError &error);
QString messageOf(const StoreError &error);
// Answers a failed store future on `responder` (kept alive by the shared pointer).
std::function<void(const StoreError &)> answerFailure(std::shared_ptr<HttpResponder> responder);
// The body as a JSON object (as Go decodes it into a struct with `fields`, when given), or a
// 400 already answered.
std::optional<QJsonObject> readBody(const ApiRequest &request, HttpResponder &responder,
                                    const QStringList &fields = {}, const QString &goType = {});
std::shared_ptr<HttpResponder> keep(HttpResponder &responder);
QJsonObject eventMessage(const QString &type, const QJsonObject &fields);

} // namespace ControlPlaneRoutes
