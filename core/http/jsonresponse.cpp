#include "jsonresponse.h"

#include <QHttpHeaders>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QWebSocket>

namespace JsonResponse {

QByteArray encode(const QJsonValue &body)
{
    QJsonDocument document;
    if (body.isArray()) {
        document = QJsonDocument(body.toArray());
    } else {
        document = QJsonDocument(body.toObject());
    }
    // Go's encoder ends the document with a newline; clients that compare bodies expect it.
    return document.toJson(QJsonDocument::Compact) + '\n';
}

void write(HttpResponder &responder, Status status, const QJsonValue &body)
{
    QHttpHeaders headers;
    headers.append(QHttpHeaders::WellKnownHeader::ContentType, "application/json");
    responder.write(encode(body), headers, status);
}

void message(HttpResponder &responder, Status status, const QString &message, const QString &detail)
{
    QJsonObject body {{QStringLiteral("message"), message}};
    if (!detail.isEmpty()) {
        body.insert(QStringLiteral("detail"), detail);
    }
    write(responder, status, body);
}

void send(QWebSocket *socket, const QJsonObject &message)
{
    socket->sendTextMessage(
            QString::fromUtf8(QJsonDocument(message).toJson(QJsonDocument::Compact)));
}

QString goQuoted(const QString &text)
{
    QString out;
    out.reserve(text.size() + 2);
    out += QLatin1Char('"');
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        switch (c.unicode()) {
        case '"':
            out += QLatin1String("\\\"");
            break;
        case '\\':
            out += QLatin1String("\\\\");
            break;
        case '\n':
            out += QLatin1String("\\n");
            break;
        case '\r':
            out += QLatin1String("\\r");
            break;
        case '\t':
            out += QLatin1String("\\t");
            break;
        default:
            if (c.unicode() < 0x20 || c.unicode() == 0x7f) {
                out += QStringLiteral("\\x%1").arg(c.unicode(), 2, 16, QLatin1Char('0'));
            } else if (c.unicode() >= 0xDC80 && c.unicode() <= 0xDCFF &&
                       !(i > 0 && text.at(i - 1).isHighSurrogate())) {
                // A file name's byte that is not UTF-8 (ContextPaths::fromRaw), as Go's %q.
                out += QStringLiteral("\\x%1").arg(c.unicode() - 0xDC00, 2, 16, QLatin1Char('0'));
            } else {
                out += c;
            }
        }
    }
    out += QLatin1Char('"');
    return out;
}

} // namespace JsonResponse
