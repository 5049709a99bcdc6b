#include "http.h"

#include <array>
#include <utility>

namespace Http {

namespace {

constexpr std::array<std::pair<Method, QLatin1StringView>, 7> methods {{
        {Method::Get, QLatin1StringView("GET")},
        {Method::Head, QLatin1StringView("HEAD")},
        {Method::Post, QLatin1StringView("POST")},
        {Method::Put, QLatin1StringView("PUT")},
        {Method::Delete, QLatin1StringView("DELETE")},
        {Method::Patch, QLatin1StringView("PATCH")},
        {Method::Options, QLatin1StringView("OPTIONS")},
}};

} // namespace

QLatin1StringView methodName(Method method)
{
    for (const auto &[m, name] : methods) {
        if (m == method) {
            return name;
        }
    }
    return QLatin1StringView("UNKNOWN");
}

Method methodFromName(QByteArrayView name)
{
    for (const auto &[m, text] : methods) {
        if (name == QByteArrayView(text.data(), text.size())) {
            return m;
        }
    }
    return Method::Unknown;
}

QLatin1StringView reasonPhrase(int status)
{
    switch (Status(status)) {
    case Status::Continue:
        return QLatin1StringView("Continue");
    case Status::Ok:
        return QLatin1StringView("OK");
    case Status::Created:
        return QLatin1StringView("Created");
    case Status::Accepted:
        return QLatin1StringView("Accepted");
    case Status::NoContent:
        return QLatin1StringView("No Content");
    case Status::BadRequest:
        return QLatin1StringView("Bad Request");
    case Status::Unauthorized:
        return QLatin1StringView("Unauthorized");
    case Status::Forbidden:
        return QLatin1StringView("Forbidden");
    case Status::NotFound:
        return QLatin1StringView("Not Found");
    case Status::MethodNotAllowed:
        return QLatin1StringView("Method Not Allowed");
    case Status::RequestTimeout:
        return QLatin1StringView("Request Timeout");
    case Status::Conflict:
        return QLatin1StringView("Conflict");
    case Status::Gone:
        return QLatin1StringView("Gone");
    case Status::LengthRequired:
        return QLatin1StringView("Length Required");
    case Status::PayloadTooLarge:
        return QLatin1StringView("Content Too Large");
    case Status::UriTooLong:
        return QLatin1StringView("URI Too Long");
    case Status::UnsupportedMediaType:
        return QLatin1StringView("Unsupported Media Type");
    case Status::UnprocessableEntity:
        return QLatin1StringView("Unprocessable Content");
    case Status::TooManyRequests:
        return QLatin1StringView("Too Many Requests");
    case Status::RequestHeaderFieldsTooLarge:
        return QLatin1StringView("Request Header Fields Too Large");
    case Status::InternalServerError:
        return QLatin1StringView("Internal Server Error");
    case Status::NotImplemented:
        return QLatin1StringView("Not Implemented");
    case Status::BadGateway:
        return QLatin1StringView("Bad Gateway");
    case Status::ServiceUnavailable:
        return QLatin1StringView("Service Unavailable");
    case Status::GatewayTimeout:
        return QLatin1StringView("Gateway Timeout");
    case Status::HttpVersionNotSupported:
        return QLatin1StringView("HTTP Version Not Supported");
    }
    return QLatin1StringView("Unknown");
}

} // namespace Http
