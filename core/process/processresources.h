#pragma once

#include <QByteArrayView>
#include <QFutureWatcher>
#include <QHash>
#include <QList>
#include <QObject>
#include <QString>

#include <optional>

class Clock;

// CPU and memory of this machine's process groups, read from /proc. The agent starts each
// process in a group of its own, so a group's total is the command's, children included
// (`sh -c` itself does little).
class ProcessResources : public QObject
{
    Q_OBJECT
public:
    // The fields of /proc/PID/stat that a sample needs.
    struct Stat
    {
        qint64 pid = 0;
        char state = '?'; // R, S, Z, ...
        qint64 parent = 0; // ppid
        qint64 group = 0; // pgrp
        quint64 ticks = 0; // utime + stime, in clock ticks
        qint64 rssPages = 0;
    };
    // What the groups were at one moment.
    struct Totals
    {
        quint64 ticks = 0;
        qint64 rssPages = 0;
        int processes = 0;
    };
    struct Usage
    {
        double cpuPercent = -1; // of one core, as top shows it; -1 until two samples exist
        qint64 rssBytes = 0;
        friend bool operator==(const Usage &, const Usage &) = default;
    };

    // One /proc/PID/stat line; nullopt when it is not one. The command name may hold spaces
    // and parentheses: fields count from the last ')'. The agent's reaper and process groups
    // read their fields with it too.
    static std::optional<Stat> parseStat(QByteArrayView line);
    // parseStat() of /proc/PID/stat; nullopt when it cannot be read (the process is gone).
    static std::optional<Stat> readStat(qint64 pid);
    // Totals of the groups in `groups`, from every process under `procRoot`. Blocking: call it
    // off the GUI thread.
    static QHash<qint64, Totals> readGroups(const QList<qint64> &groups,
                                            const QString &procRoot = QStringLiteral("/proc"));
    // From two samples `elapsedMSecs` apart.
    static Usage usage(const std::optional<Totals> &before, const Totals &now, qint64 elapsedMSecs,
                       long ticksPerSecond, long pageBytes);

    explicit ProcessResources(Clock *clock = nullptr, QObject *parent = nullptr);
    ~ProcessResources() override;

    // Reads the groups on a pool thread, then emits sampled(). A sample asked for while one
    // runs is dropped: the next tick asks again.
    void sample(const QList<qint64> &groups);
    bool isSampling() const { return m_watcher.isRunning(); }
    // Forgets the last sample: after a pause, the next CPU value must not average over it.
    void reset();

Q_SIGNALS:
    // By group leader's pid; groups that no longer exist are missing.
    void sampled(const QHash<qint64, ProcessResources::Usage> &usage);

private:
    struct Reading
    {
        QHash<qint64, Totals> totals;
        qint64 atMSecs = 0;
    };
    void onRead();

    Clock *m_clock;
    Reading m_last;
    QFutureWatcher<Reading> m_watcher;
};
