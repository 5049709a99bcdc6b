#pragma once

#include <QByteArray>
#include <QString>

// The .mcp.json check of the resolver: whether a file has the shape upstream accepts, judged
// as Go's encoding/json decodes it. Its own file because of RapidJSON (see core/CMakeLists.txt).
namespace McpConfig {

// Why `content` is not a valid .mcp.json; empty when it is.
QString shapeError(const QByteArray &content);

} // namespace McpConfig
