#pragma once

#include <QString>

// Versions of this build and of the libraries it runs on, for --version, About and bug reports.
namespace BuildInfo {

QString applicationVersion();
// The Qt the binary runs on, which may be newer than the one it was built against.
QString qtRuntimeVersion();
QString qtBuildVersion();
// One line per component, as `companiond --version` prints it.
QString versionReport();

} // namespace BuildInfo
