#include "process/processresources.h"

#include "common/clock.h"

#include <QDir>
#include <QFile>
#include <QSet>
#include <QtConcurrent/QtConcurrentRun>

#include <unistd.h>

#include <cerrno>
#include <charconv>

namespace {

bool parseNumber(QByteArrayView field, auto *value)
{
    const auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), *value);
    return error == std::errc() && end == field.data() + field.size();
}

} // namespace

std::optional<ProcessResources::Stat> ProcessResources::parseStat(QByteArrayView line)
{
    // "pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime
    // stime cutime cstime priority nice threads itrealvalue starttime vsize rss ..."
    const qsizetype open = line.indexOf('(');
    if (open <= 0) {
        return std::nullopt;
    }
    // Only on a non-empty view: Qt 6.8's lastIndexOf(char) reads one byte of an empty view
    // that has a data pointer (found by fuzz_proc_stat).
    const qsizetype close = line.lastIndexOf(')');
    if (close < open) {
        return std::nullopt;
    }
    Stat stat;
    if (!parseNumber(line.first(open).trimmed(), &stat.pid) || stat.pid <= 0) {
        return std::nullopt;
    }
    // Fields after the name, from 3 (state) on.
    QList<QByteArrayView> fields;
    const QByteArrayView rest = line.sliced(close + 1);
    qsizetype at = 0;
    while (at < rest.size() && fields.size() < 22) {
        while (at < rest.size() && (rest[at] == ' ' || rest[at] == '\n')) {
            ++at;
        }
        qsizetype end = at;
        while (end < rest.size() && rest[end] != ' ' && rest[end] != '\n') {
            ++end;
        }
        if (end > at) {
            fields.append(rest.sliced(at, end - at));
        }
        at = end;
    }
    if (fields.size() < 22) {
        return std::nullopt;
    }
    // Field n of the man page is fields[n - 3].
    quint64 utime = 0;
    quint64 stime = 0;
    quint64 cutime = 0;
    quint64 cstime = 0;
    stat.state = fields.at(0).front();
    if (!parseNumber(fields.at(1), &stat.parent) || !parseNumber(fields.at(2), &stat.group) ||
        !parseNumber(fields.at(11), &utime) || !parseNumber(fields.at(12), &stime) ||
        !parseNumber(fields.at(13), &cutime) || !parseNumber(fields.at(14), &cstime) ||
        !parseNumber(fields.at(21), &stat.rssPages)) {
        return std::nullopt;
    }
    // With the reaped children's time: a make of short compiler runs moves their time to
    // the parent as each one is waited for.
    stat.ticks = utime + stime + cutime + cstime;
    return stat;
}

std::optional<ProcessResources::Stat> ProcessResources::readStat(qint64 pid)
{
    QFile file(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!file.open(QIODevice::ReadOnly)) {
        return std::nullopt;
    }
    return parseStat(file.read(4096));
}

QHash<qint64, ProcessResources::Totals> ProcessResources::readGroups(const QList<qint64> &groups,
                                                                     const QString &procRoot)
{
    QHash<qint64, Totals> totals;
    if (groups.isEmpty()) {
        return totals;
    }
    const QSet<qint64> wanted(groups.cbegin(), groups.cend());
    const QStringList entries = QDir(procRoot).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &entry : entries) {
        if (entry.isEmpty() || !entry.front().isDigit()) {
            continue;
        }
        QFile file(procRoot + QLatin1Char('/') + entry + QLatin1StringView("/stat"));
        if (!file.open(QIODevice::ReadOnly)) {
            continue; // it exited meanwhile
        }
        const std::optional<Stat> stat = parseStat(file.read(4096));
        if (!stat || !wanted.contains(stat->group)) {
            continue;
        }
        Totals &group = totals[stat->group];
        group.ticks += stat->ticks;
        group.rssPages += stat->rssPages;
        ++group.processes;
    }
    return totals;
}

ProcessResources::Usage ProcessResources::usage(const std::optional<Totals> &before,
                                                const Totals &now, qint64 elapsedMSecs,
                                                long ticksPerSecond, long pageBytes)
{
    Usage usage;
    usage.rssBytes = now.rssPages * pageBytes;
    // A process of the group that exited takes its ticks along: never less than nothing.
    if (before && elapsedMSecs > 0 && ticksPerSecond > 0 && now.ticks >= before->ticks) {
        usage.cpuPercent = double(now.ticks - before->ticks) * 100000.0 /
                (double(ticksPerSecond) * double(elapsedMSecs));
    } else if (before && elapsedMSecs > 0) {
        usage.cpuPercent = 0;
    }
    return usage;
}

ProcessResources::ProcessResources(Clock *clock, QObject *parent)
    : QObject(parent)
    , m_clock(clock ? clock : Clock::system())
{
    connect(&m_watcher, &QFutureWatcherBase::finished, this, &ProcessResources::onRead);
}

ProcessResources::~ProcessResources()
{
    m_watcher.waitForFinished(); // reads a few hundred small files at most
}

void ProcessResources::sample(const QList<qint64> &groups)
{
    if (m_watcher.isRunning()) {
        return;
    }
    m_watcher.setFuture(QtConcurrent::run([groups] {
        Reading reading;
        reading.totals = readGroups(groups);
        return reading;
    }));
}

void ProcessResources::reset()
{
    m_last = Reading();
}

void ProcessResources::onRead()
{
    Reading reading = m_watcher.result();
    // Read on this thread when the files were just read: the pool may have kept the task
    // waiting behind a resolve, and that wait is not part of the interval.
    reading.atMSecs = m_clock->nowMSecs();
    static const long ticksPerSecond = ::sysconf(_SC_CLK_TCK);
    static const long pageBytes = ::sysconf(_SC_PAGESIZE);
    QHash<qint64, Usage> usage;
    for (auto it = reading.totals.cbegin(); it != reading.totals.cend(); ++it) {
        const auto before = m_last.totals.constFind(it.key());
        usage.insert(it.key(),
                     ProcessResources::usage(
                             before == m_last.totals.cend() ? std::nullopt
                                                            : std::optional<Totals>(*before),
                             *it, reading.atMSecs - m_last.atMSecs, ticksPerSecond, pageBytes));
    }
    m_last = reading;
    Q_EMIT sampled(usage);
}
