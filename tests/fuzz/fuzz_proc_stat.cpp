// ProcessResources::parseStat: any bytes are a stat line or not, never a crash; a line made
// from numbers and a hostile command name gives those numbers back.
#include "fuzzinput.h"
#include "process/processresources.h"

#include <QByteArray>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzInput input(data, size);
    const uint8_t mode = input.byte();
    if (mode & 1) {
        const auto stat = ProcessResources::parseStat(input.rest());
        FUZZ_CHECK(!stat || stat->pid > 0);
        return 0;
    }
    const qint64 pid = 1 + input.u16();
    const qint64 group = input.u16();
    const quint64 utime = input.u16();
    const quint64 stime = input.u16();
    const qint64 rss = input.u16();
    // The kernel cuts comm at 15 bytes but any bytes may be in it, ")" and "(" included.
    const QByteArray comm = input.take(15).toByteArray().replace('\0', 'x');
    QByteArray line = QByteArray::number(pid) + " (" + comm + ") R 1 " + QByteArray::number(group) +
            " 0 0 -1 0 0 0 0 0 " + QByteArray::number(utime) + ' ' + QByteArray::number(stime) +
            " 0 0 20 0 1 0 5 100 " + QByteArray::number(rss) + " 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n";
    const auto stat = ProcessResources::parseStat(line);
    FUZZ_CHECK(stat);
    FUZZ_CHECK(stat->pid == pid && stat->group == group && stat->ticks == utime + stime &&
               stat->rssPages == rss);
    return 0;
}
