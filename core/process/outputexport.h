#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

class OutputCapture;

// A process's captured output as plain text, for Copy All and Save: escape sequences removed
// and "[N bytes dropped]" where bytes were dropped. In two steps, so the GUI thread only copies
// bytes, and the conversion and writing run on a worker.
namespace OutputExport {

struct Part
{
    QByteArray data; // retained bytes, or empty for a gap
    qint64 droppedBytes = 0; // a gap: bytes dropped here
};

struct Snapshot
{
    qint64 evictedBytes = 0; // dropped from the front to stay within the cap
    QList<Part> parts;
};

// Copies the retained bytes (a few large copies, split only at gaps). Not thread-safe: call it
// where the capture lives.
Snapshot take(const OutputCapture &capture);
// Any thread. A line that is still growing at the end gets no newline.
QString plainText(const Snapshot &snapshot);
// Any thread: plainText() in UTF-8, written atomically.
[[nodiscard]] bool write(const Snapshot &snapshot, const QString &path, QString *error);

} // namespace OutputExport
