#pragma once

// Helpers shared by the tests that start processes through the agent: command lines for the
// processtestapp helper (PROCESS_TEST_APP, set by companion_add_test's PROCESS_APP flag) and
// the bytes it writes.
#include <QByteArray>
#include <QFile>
#include <QString>

#include <algorithm>

namespace ProcessTest {

inline QString shellQuote(const QString &text)
{
    QString quoted = text;
    quoted.replace(QLatin1Char('\''), QStringLiteral("'\\''"));
    return QLatin1Char('\'') + quoted + QLatin1Char('\'');
}

// A command line that runs the helper executable.
inline QString app(const QString &arguments)
{
    return shellQuote(QStringLiteral(PROCESS_TEST_APP)) + QLatin1Char(' ') + arguments;
}

// A command that waits (in the child, not the test) until `file` exists, then runs `then`.
inline QString gated(const QString &file, const QString &then)
{
    return QStringLiteral("while [ ! -e %1 ]; do sleep 0.01; done; %2").arg(shellQuote(file), then);
}

inline void touch(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        qWarning("cannot create %s", qPrintable(path));
    }
}

// Exactly what `processtestapp flood total lineLength` writes.
inline QByteArray floodBytes(qint64 total, int lineLength = 80)
{
    QByteArray block(64 * 1024, Qt::Uninitialized);
    for (qsizetype i = 0; i < block.size(); ++i) {
        block[i] = (i % lineLength == lineLength - 1) ? '\n' : char('a' + i % 26);
    }
    QByteArray out;
    out.reserve(total);
    while (out.size() < total) {
        out.append(block.first(std::min<qsizetype>(total - out.size(), block.size())));
    }
    return out;
}

} // namespace ProcessTest
