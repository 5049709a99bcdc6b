#pragma once

#include <QByteArray>
#include <QLatin1StringView>

// The vocabulary of our HTTP layer: methods and status codes, shared by servers and clients.
namespace Http {

enum class Method { Unknown, Get, Head, Post, Put, Delete, Patch, Options };

// The codes our servers send, named as Qt names them.
enum class Status {
    Continue = 100,
    Ok = 200,
    Created = 201,
    Accepted = 202,
    NoContent = 204,
    BadRequest = 400,
    Unauthorized = 401,
    Forbidden = 403,
    NotFound = 404,
    MethodNotAllowed = 405,
    RequestTimeout = 408,
    Conflict = 409,
    Gone = 410,
    LengthRequired = 411,
    PayloadTooLarge = 413,
    UriTooLong = 414,
    UnsupportedMediaType = 415,
    UnprocessableEntity = 422,
    TooManyRequests = 429,
    RequestHeaderFieldsTooLarge = 431,
    InternalServerError = 500,
    NotImplemented = 501,
    BadGateway = 502,
    ServiceUnavailable = 503,
    GatewayTimeout = 504,
    HttpVersionNotSupported = 505,
};

// "GET", "POST", ...; "UNKNOWN" for Method::Unknown.
QLatin1StringView methodName(Method method);
// Method from its token as sent ("GET"); Unknown for anything else.
Method methodFromName(QByteArrayView name);
// The reason phrase of a status line ("Not Found"); "Unknown" for codes not listed above.
QLatin1StringView reasonPhrase(int status);

} // namespace Http
