#pragma once

#include <QByteArrayView>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>
#include <QStringList>

#include <optional>

// JSON as Go's encoding/json reads request bodies, on simdjson: strict RFC 8259 (no byte-order
// mark, no raw control characters, no invalid escapes, valid UTF-8), and, as json.Decoder,
// only the first value counts: whatever follows it is ignored.
namespace StrictJson {

// The first JSON value of `data`. On failure `error` says why; an empty body is "EOF", as
// Go's decoder words it.
std::optional<QJsonValue> parseFirstValue(QByteArrayView data, QString *error);

// Decodes the first value into a Go struct with the given JSON field names: keys match a field
// exactly or case-insensitively, a later key overwrites an earlier one, other keys are ignored,
// and a top-level null leaves every field unset. The result holds the matched fields under
// their own names. `goType` names the struct in errors ("workspacesdk.StartProcessRequest").
// QJsonDocument::fromJson, except that a string or key starting with U+FEFF keeps it, as Go's
// decoder does (Qt's reader drops it). A byte-order mark before the document is still skipped.
QJsonDocument qtDocument(QByteArrayView json, QJsonParseError *error);

std::optional<QJsonObject> decodeStruct(QByteArrayView data, const QStringList &fields,
                                        const QString &goType, QString *error);

} // namespace StrictJson
