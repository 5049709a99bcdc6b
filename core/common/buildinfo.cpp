#include "buildinfo.h"

#include "companion_version.h"

#include <QtGlobal>

namespace BuildInfo {

QString applicationVersion()
{
    return QStringLiteral(COMPANION_VERSION_STRING);
}

QString qtRuntimeVersion()
{
    return QString::fromLatin1(qVersion());
}

QString qtBuildVersion()
{
    return QStringLiteral(QT_VERSION_STR);
}

QString versionReport()
{
    return QStringLiteral("%1 %2\nQt %3 (built against %4)")
            .arg(QStringLiteral(COMPANION_APPLICATION_NAME), applicationVersion(),
                 qtRuntimeVersion(), qtBuildVersion());
}

} // namespace BuildInfo
