#pragma once

#include "http.h"
#include "httpresponder.h"

#include <QJsonValue>
#include <QString>

class QWebSocket;

// Writes JSON answers in Coder's shapes: any value, or codersdk.Response
// {"message", "detail"} for errors and plain messages. The one place responses are formatted.
namespace JsonResponse {

using Status = Http::Status;

void write(HttpResponder &responder, Status status, const QJsonValue &body);
// `detail` is omitted when empty, as Go's omitempty does.
void message(HttpResponder &responder, Status status, const QString &message,
             const QString &detail = {});
QByteArray encode(const QJsonValue &body);
// One JSON text message on a WebSocket (the stream and watch extensions).
void send(QWebSocket *socket, const QJsonObject &message);
// A string quoted as Go's %q does, for messages that must match upstream's byte for byte.
QString goQuoted(const QString &text);

} // namespace JsonResponse
