#include "outputexport.h"

#include "ansiparser.h"
#include "outputcapture.h"

#include <QCoreApplication>
#include <QSaveFile>

namespace OutputExport {

namespace {

QString droppedLine(qint64 bytes)
{
    // The output view's wording and translation.
    return QCoreApplication::translate("OutputView", "[%1 bytes dropped]").arg(bytes);
}

} // namespace

Snapshot take(const OutputCapture &capture)
{
    Snapshot snapshot;
    snapshot.evictedBytes = capture.evictedBytes();
    qint64 offset = capture.startOffset();
    const qint64 end = capture.endOffset();
    while (offset < end) {
        qint64 next = offset;
        QByteArray data = capture.read(offset, end - offset, &next);
        // The bytes returned sit at [next - size, next); anything before them was a gap.
        const qint64 dataStart = next - data.size();
        if (dataStart > offset) {
            snapshot.parts.append(Part {{}, dataStart - offset});
        }
        if (!data.isEmpty()) {
            snapshot.parts.append(Part {std::move(data), 0});
        }
        if (next <= offset) {
            break;
        }
        offset = next;
    }
    return snapshot;
}

QString plainText(const Snapshot &snapshot)
{
    QString text;
    if (snapshot.evictedBytes > 0) {
        text += droppedLine(snapshot.evictedBytes) + u'\n';
    }
    for (qsizetype i = 0; i < snapshot.parts.size(); ++i) {
        const Part &part = snapshot.parts.at(i);
        if (part.data.isEmpty()) {
            text += droppedLine(part.droppedBytes) + u'\n';
            continue;
        }
        QByteArrayView rest(part.data);
        while (!rest.isEmpty()) {
            const qsizetype newline = rest.indexOf('\n');
            if (newline < 0) {
                text += Ansi::plainText(rest);
                // A line cut by a gap is a row of its own; one still growing at the end is not
                // finished.
                if (i + 1 < snapshot.parts.size()) {
                    text += u'\n';
                }
                break;
            }
            text += Ansi::plainText(rest.first(newline));
            text += u'\n';
            rest = rest.sliced(newline + 1);
        }
    }
    return text;
}

bool write(const Snapshot &snapshot, const QString &path, QString *error)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        *error = QCoreApplication::translate("ProcessesView", "Cannot save %1: %2")
                         .arg(path, file.errorString());
        return false;
    }
    file.write(plainText(snapshot).toUtf8());
    if (!file.commit()) {
        *error = QCoreApplication::translate("ProcessesView", "Cannot save %1: %2")
                         .arg(path, file.errorString());
        return false;
    }
    return true;
}

} // namespace OutputExport
