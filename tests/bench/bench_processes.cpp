// bench_processes: how fast process output is ingested, how much memory it takes and how
// responsive the event loop stays meanwhile. One measurement per run, so that the peak RSS of
// the process belongs to it; scripts/bench processes runs each (source, mode) separately and
// compares with `yes | head -c N | pv` and `cat FILE | pv` measured in the same session.
//
//   --bytes N              bytes to ingest (default 1 GiB); for --source file, the file size
//   --source yes|file      `yes | head -c N`, or `cat FILE` of 80-byte lines
//   --file PATH            the file for --source file (else one is generated in a temp dir)
//   --generate PATH        write N bytes of 80-byte lines (79 characters and '\n') and exit
//   --mode raw             QProcess read loop into a plain bounded ring, no line index
//   --mode headless        a real ProcessManager: head/tail buffer and OutputCapture with index
//   --mode agent           in-process Agent, ProcessClient and ProcessOutputStream feeding a
//                          local OutputCapture, as the view does, without widgets
//   --mode view            the same through a real ProcessesView shown offscreen (1200x800)
//   --json                 one JSON object on stdout instead of text
//
// Every mode runs an event-loop lag probe: a 5 ms single-shot timer that records how late it
// fires and re-arms itself. MB/s counts delivered bytes: what a stream reported dropped (its
// client fell behind the agent's bounded capture) was not ingested.
#include "agent/agent.h"
#include "outputview.h"
#include "process/managedprocess.h"
#include "process/outputcapture.h"
#include "process/processclient.h"
#include "process/processmanager.h"
#include "process/processoutputstream.h"
#include "processesview.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QProcess>
#include <QTemporaryDir>
#include <QTimer>
#include <QWindow>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace {

constexpr qint64 LineBytes = 80; // of the generated file, '\n' included
constexpr qint64 YesLineBytes = 2; // "y\n"

enum class Source { Yes, File };
enum class Mode { Raw, Headless, Agent, View };

struct Config
{
    qint64 bytes = qint64(1) << 30;
    Source source = Source::Yes;
    Mode mode = Mode::Headless;
    QString file;
    QString generate;
    bool json = false;
    int timeoutSeconds = 1800;
};

struct Measurement
{
    qint64 expectedBytes = 0;
    qint64 bytes = 0; // endOffset: data plus bytes reported dropped
    qint64 droppedBytes = 0;
    qint64 lines = 0;
    bool linesCounted = false; // rows of the capture; else bytes / known line length
    qint64 nanoseconds = 0;
    int captures = 1; // bounded stores of capBytes alive in this process
    qint64 capBytes = OutputCapture::DefaultCapBytes;
    int exitCode = 0;
    qint64 rssBeforeKiB = 0;
    qint64 peakRssKiB = 0;
    std::vector<qint64> lagsNs;
};

QString modeName(Mode mode)
{
    switch (mode) {
    case Mode::Raw:
        return QStringLiteral("raw");
    case Mode::Headless:
        return QStringLiteral("headless");
    case Mode::Agent:
        return QStringLiteral("agent");
    case Mode::View:
        return QStringLiteral("view");
    }
    return {};
}

// A field of /proc/self/status in KiB ("VmRSS", "VmHWM"); -1 when unreadable.
qint64 statusKiB(QByteArrayView field)
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly)) {
        return -1;
    }
    const QList<QByteArray> lines = status.readAll().split('\n');
    for (const QByteArray &line : lines) {
        if (line.startsWith(field) && line.size() > field.size() && line[field.size()] == ':') {
            return line.mid(field.size() + 1).trimmed().split(' ').value(0).toLongLong();
        }
    }
    return -1;
}

// Lines of 79 printable characters and '\n', numbered so that no two are alike.
bool generateFile(const QString &path, qint64 bytes, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
        *error = QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    static constexpr char Filler[] = "INFO worker: processed request path=/api/v0/items status=200 "
                                     "bytes=4096 took=1.25ms ";
    static_assert(sizeof Filler - 1 >= 15 + LineBytes - 1 - 13, "a line's filler must fit");
    const qint64 lines = bytes / LineBytes;
    QByteArray block;
    block.reserve(1024 * 1024);
    char line[LineBytes + 1];
    for (qint64 i = 0; i < lines; ++i) {
        const int prefix = std::snprintf(line, sizeof line, "%012lld ", static_cast<long long>(i));
        std::memcpy(line + prefix, Filler + i % 16, size_t(LineBytes - 1 - prefix));
        line[LineBytes - 1] = '\n';
        block.append(line, LineBytes);
        if (block.size() + LineBytes > 1024 * 1024 || i + 1 == lines) {
            if (file.write(block) != block.size()) {
                *error = QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
                return false;
            }
            block.clear();
        }
    }
    return true;
}

QString shellQuote(const QString &text)
{
    QString quoted = text;
    quoted.replace(QLatin1Char('\''), QStringLiteral("'\\''"));
    return QLatin1Char('\'') + quoted + QLatin1Char('\'');
}

// How late a 5 ms timer fires, tick after tick: the delay anything else queued on the event
// loop (a paint, a click) would see. Single-shot and re-armed, so one late tick is counted once
// and the next one is not early to catch up.
class LagProbe
{
public:
    static constexpr qint64 IntervalMSecs = 5;

    explicit LagProbe(std::function<void()> onTick = {})
        : m_onTick(std::move(onTick))
    {
        m_timer.setSingleShot(true);
        m_timer.setTimerType(Qt::PreciseTimer);
        m_timer.setInterval(std::chrono::milliseconds(IntervalMSecs));
        QObject::connect(&m_timer, &QTimer::timeout, &m_timer, [this] { tick(); });
    }

    void start()
    {
        m_lagsNs.reserve(1 << 16);
        m_clock.start();
        m_armedAt = 0;
        m_timer.start();
    }

    std::vector<qint64> stop()
    {
        m_timer.stop();
        return std::move(m_lagsNs);
    }

private:
    void tick()
    {
        const qint64 now = m_clock.nsecsElapsed();
        m_lagsNs.push_back(std::max<qint64>(0, now - m_armedAt - IntervalMSecs * 1000 * 1000));
        if (m_onTick) {
            m_onTick();
        }
        m_armedAt = m_clock.nsecsElapsed();
        m_timer.start();
    }

    std::function<void()> m_onTick;
    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_armedAt = 0;
    std::vector<qint64> m_lagsNs;
};

// Runs `loop` until it quits, or fails after the timeout.
bool runLoop(QEventLoop &loop, int timeoutSeconds, QString *error)
{
    QTimer timeout;
    timeout.setSingleShot(true);
    QObject::connect(&timeout, &QTimer::timeout, &loop, [&loop] { loop.exit(2); });
    timeout.start(std::chrono::seconds(timeoutSeconds));
    const int code = loop.exec();
    if (code == 2) {
        *error = QStringLiteral("timed out after %1 s").arg(timeoutSeconds);
        return false;
    }
    if (code != 0 && error->isEmpty()) {
        *error = QStringLiteral("failed");
    }
    return code == 0;
}

// A plain bounded ring: what storing the bytes costs without a line index or a head/tail view.
class RawRing
{
public:
    explicit RawRing(qint64 capBytes)
        : m_cap(capBytes)
        , m_data(std::make_unique_for_overwrite<char[]>(size_t(capBytes)))
    { }

    void write(QByteArrayView data)
    {
        const char *from = data.data();
        qint64 size = data.size();
        m_total += size;
        while (size > 0) {
            const qint64 take = std::min(size, m_cap - m_position);
            std::memcpy(m_data.get() + m_position, from, size_t(take));
            m_position = (m_position + take) % m_cap;
            from += take;
            size -= take;
        }
    }

    qint64 total() const { return m_total; }

private:
    qint64 m_cap;
    std::unique_ptr<char[]> m_data;
    qint64 m_position = 0;
    qint64 m_total = 0;
};

bool runRaw(const QString &command, const Config &config, Measurement *m, QString *error)
{
    RawRing ring(m->capBytes);
    QProcess process;
    // As ManagedProcess does: one merged pipe, no stdin.
    process.setProgram(QStringLiteral("sh"));
    process.setArguments({QStringLiteral("-c"), command});
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.setStandardInputFile(QProcess::nullDevice());
    QEventLoop loop;
    QElapsedTimer clock;
    QObject::connect(&process, &QProcess::readyReadStandardOutput, &loop,
                     [&] { ring.write(process.readAllStandardOutput()); });
    QObject::connect(&process, &QProcess::finished, &loop,
                     [&](int exitCode, QProcess::ExitStatus status) {
                         ring.write(process.readAllStandardOutput());
                         m->nanoseconds = clock.nsecsElapsed();
                         m->exitCode = status == QProcess::NormalExit ? exitCode : -1;
                         loop.quit();
                     });
    LagProbe probe;
    m->rssBeforeKiB = statusKiB("VmRSS");
    probe.start();
    clock.start();
    QObject::connect(&process, &QProcess::errorOccurred, &loop, [&](QProcess::ProcessError e) {
        if (e == QProcess::FailedToStart) {
            *error = process.errorString();
            loop.exit(1);
        }
    });
    process.start();
    const bool ok = runLoop(loop, config.timeoutSeconds, error);
    m->lagsNs = probe.stop();
    m->bytes = ring.total();
    return ok;
}

bool runHeadless(const QString &command, const Config &config, Measurement *m, QString *error)
{
    QTemporaryDir dir;
    ProcessManager::Options options;
    const QString workDir = dir.path();
    options.workingDirectory = [workDir] { return workDir; };
    options.captureCapBytes = m->capBytes;
    ProcessManager manager(options);
    ProcessManager::StartRequest request;
    request.command = command;

    QEventLoop loop;
    QElapsedTimer clock;
    LagProbe probe;
    m->rssBeforeKiB = statusKiB("VmRSS");
    probe.start();
    clock.start();
    ManagedProcess *process = manager.start(request, error);
    if (!process) {
        return false;
    }
    QObject::connect(process, &ManagedProcess::finished, &loop, [&] {
        m->nanoseconds = clock.nsecsElapsed();
        loop.quit();
    });
    const bool ok = runLoop(loop, config.timeoutSeconds, error);
    m->lagsNs = probe.stop();
    const OutputCapture &capture = process->capture();
    m->bytes = capture.endOffset();
    m->lines = capture.endRow();
    m->linesCounted = true;
    m->exitCode = process->info().exitCode.value_or(-1);
    return ok;
}

struct AgentFixture
{
    QTemporaryDir dir;
    std::unique_ptr<Agent> agent;
    std::unique_ptr<ProcessClient> client;

    bool start(qint64 capBytes, QString *error)
    {
        Agent::Options options;
        options.workingDirectory = dir.path();
        options.tokenFile = dir.filePath(QStringLiteral("token"));
        options.captureCapBytes = capBytes;
        agent = std::make_unique<Agent>(options);
        if (!agent->start(error)) {
            return false;
        }
        client = std::make_unique<ProcessClient>(agent->url(), agent->token());
        // One request first, as a client that is already connected: the first request sets up
        // the network stack (tens of milliseconds), which is no part of the ingest.
        QEventLoop loop;
        ApiCall *call = client->listProcesses();
        QObject::connect(call, &ApiCall::finished, &loop, [&loop] { loop.quit(); });
        QObject::connect(call, &ApiCall::failed, &loop, [&loop, error](const ApiError &e) {
            *error = e.toString();
            loop.exit(1);
        });
        return runLoop(loop, 30, error);
    }
};

void readCapture(const OutputCapture &capture, Measurement *m)
{
    m->bytes = capture.endOffset();
    m->droppedBytes = capture.endOffset() - capture.retainedBytes() - capture.evictedBytes();
    m->lines = capture.endRow();
    m->linesCounted = true;
}

bool runAgent(const QString &command, const Config &config, Measurement *m, QString *error)
{
    AgentFixture fixture;
    if (!fixture.start(m->capBytes, error)) {
        return false;
    }
    m->captures = 2; // the agent's and the client's
    OutputCapture capture(m->capBytes);
    QEventLoop loop;
    QElapsedTimer clock;
    LagProbe probe;
    m->rssBeforeKiB = statusKiB("VmRSS");
    probe.start();
    clock.start();
    ProcessClient::StartRequest request;
    request.command = command;
    ApiCall *call = fixture.client->startProcess(request);
    QObject::connect(call, &ApiCall::failed, &loop, [&](const ApiError &apiError) {
        *error = apiError.toString();
        loop.exit(1);
    });
    QObject::connect(call, &ApiCall::finished, &loop, [&](const QJsonValue &body) {
        const QString id = body.toObject().value(QStringLiteral("id")).toString();
        ProcessOutputStream *stream = fixture.client->openStream(id, 0);
        // What ProcessesView does with a stream, minus the widget.
        QObject::connect(stream, &ProcessOutputStream::dataReceived, &loop,
                         [&](qint64, const QByteArray &data) { capture.append(data); });
        QObject::connect(stream, &ProcessOutputStream::dropped, &loop,
                         [&](qint64, qint64 bytes, const QString &) { capture.appendGap(bytes); });
        QObject::connect(stream, &ProcessOutputStream::exited, &loop, [&](int exitCode, qint64) {
            m->nanoseconds = clock.nsecsElapsed();
            m->exitCode = exitCode;
            loop.quit();
        });
        QObject::connect(stream, &ProcessOutputStream::errorOccurred, &loop,
                         [&](const QString &message) {
                             *error = message;
                             loop.exit(1);
                         });
    });
    const bool ok = runLoop(loop, config.timeoutSeconds, error);
    m->lagsNs = probe.stop();
    readCapture(capture, m);
    return ok;
}

bool runView(const QString &command, const Config &config, Measurement *m, QString *error)
{
    AgentFixture fixture;
    if (!fixture.start(m->capBytes, error)) {
        return false;
    }
    m->captures = 2; // the agent's and the view's
    auto view = std::make_unique<ProcessesView>();
    view->setCaptureCapBytes(m->capBytes);
    view->resize(1200, 800);
    view->setClient(fixture.client.get(), true);
    view->show();

    QEventLoop loop;
    {
        // Exposed, as a person would find the view.
        QTimer poll;
        QObject::connect(&poll, &QTimer::timeout, &loop, [&] {
            if (view->windowHandle() && view->windowHandle()->isExposed()) {
                loop.quit();
            }
        });
        poll.start(10);
        if (!runLoop(loop, 30, error)) {
            return false;
        }
    }

    QElapsedTimer clock;
    // The view's stream is private; its capture shows when everything arrived, checked at
    // every probe tick (5 ms, small against the run).
    LagProbe probe([&] {
        const OutputCapture *capture = view->outputView()->capture();
        if (capture && capture->endOffset() >= m->expectedBytes && m->nanoseconds == 0) {
            m->nanoseconds = clock.nsecsElapsed();
            loop.quit();
        }
    });
    m->rssBeforeKiB = statusKiB("VmRSS");
    probe.start();
    clock.start();
    ProcessClient::StartRequest request;
    request.command = command;
    view->startProcess(request);
    const bool ok = runLoop(loop, config.timeoutSeconds, error);
    m->lagsNs = probe.stop();
    if (const OutputCapture *capture = view->outputView()->capture()) {
        readCapture(*capture, m);
    }
    if (!view->errorText().isEmpty()) {
        *error = view->errorText();
        return false;
    }
    view.reset();
    return ok;
}

double percentileMSecs(std::vector<qint64> sorted, double fraction)
{
    if (sorted.empty()) {
        return 0;
    }
    std::sort(sorted.begin(), sorted.end());
    const auto index = size_t(fraction * double(sorted.size() - 1) + 0.5);
    return double(sorted[std::min(index, sorted.size() - 1)]) / 1e6;
}

QJsonObject toJson(const Config &config, const Measurement &m)
{
    const double seconds = double(m.nanoseconds) / 1e9;
    const double maxLag = m.lagsNs.empty()
            ? 0
            : double(*std::max_element(m.lagsNs.begin(), m.lagsNs.end())) / 1e6;
    return {
            {QStringLiteral("benchmark"), QStringLiteral("processes")},
            {QStringLiteral("mode"), modeName(config.mode)},
            {QStringLiteral("source"),
             config.source == Source::Yes ? QStringLiteral("yes") : QStringLiteral("file")},
            {QStringLiteral("bytes"), m.bytes},
            {QStringLiteral("expected_bytes"), m.expectedBytes},
            {QStringLiteral("dropped_bytes"), m.droppedBytes},
            {QStringLiteral("lines"), m.lines},
            {QStringLiteral("lines_counted"), m.linesCounted},
            {QStringLiteral("seconds"), seconds},
            // Only what arrived counts: bytes the stream skipped (dropped) were not ingested.
            {QStringLiteral("mb_per_s"),
             seconds > 0 ? double(m.bytes - m.droppedBytes) / 1e6 / seconds : 0.0},
            {QStringLiteral("lines_per_s"), seconds > 0 ? double(m.lines) / seconds : 0.0},
            {QStringLiteral("exit_code"), m.exitCode},
            {QStringLiteral("cap_bytes"), m.capBytes},
            {QStringLiteral("captures"), m.captures},
            {QStringLiteral("rss_before_kib"), m.rssBeforeKiB},
            {QStringLiteral("peak_rss_kib"), m.peakRssKiB},
            {QStringLiteral("lag_ticks"), qint64(m.lagsNs.size())},
            {QStringLiteral("lag_p50_ms"), percentileMSecs(m.lagsNs, 0.50)},
            {QStringLiteral("lag_p99_ms"), percentileMSecs(m.lagsNs, 0.99)},
            {QStringLiteral("lag_max_ms"), maxLag},
    };
}

std::optional<Config> parseArguments(const QStringList &arguments, QString *error)
{
    QCommandLineParser parser;
    const QCommandLineOption bytes(QStringLiteral("bytes"), QString(), QStringLiteral("N"));
    const QCommandLineOption source(QStringLiteral("source"), QString(),
                                    QStringLiteral("yes|file"));
    const QCommandLineOption file(QStringLiteral("file"), QString(), QStringLiteral("PATH"));
    const QCommandLineOption generate(QStringLiteral("generate"), QString(),
                                      QStringLiteral("PATH"));
    const QCommandLineOption mode(QStringLiteral("mode"), QString(), QStringLiteral("MODE"));
    const QCommandLineOption json(QStringLiteral("json"), QString());
    const QCommandLineOption timeout(QStringLiteral("timeout"), QString(), QStringLiteral("S"));
    parser.addOptions({bytes, source, file, generate, mode, json, timeout});
    if (!parser.parse(arguments)) {
        *error = parser.errorText();
        return std::nullopt;
    }
    Config config;
    bool ok = true;
    if (parser.isSet(bytes)) {
        config.bytes = parser.value(bytes).toLongLong(&ok);
        if (!ok || config.bytes <= 0) {
            *error = QStringLiteral("--bytes wants a positive number");
            return std::nullopt;
        }
    }
    if (parser.isSet(timeout)) {
        config.timeoutSeconds = parser.value(timeout).toInt(&ok);
        if (!ok || config.timeoutSeconds <= 0) {
            *error = QStringLiteral("--timeout wants a positive number of seconds");
            return std::nullopt;
        }
    }
    const QString sourceName = parser.value(source);
    if (sourceName == QLatin1String("file")) {
        config.source = Source::File;
    } else if (!sourceName.isEmpty() && sourceName != QLatin1String("yes")) {
        *error = QStringLiteral("--source is yes or file");
        return std::nullopt;
    }
    const QString modeText = parser.value(mode);
    const Mode modes[] = {Mode::Raw, Mode::Headless, Mode::Agent, Mode::View};
    const auto found = std::find_if(std::begin(modes), std::end(modes),
                                    [&](Mode m) { return modeName(m) == modeText; });
    if (found != std::end(modes)) {
        config.mode = *found;
    } else if (!modeText.isEmpty()) {
        *error = QStringLiteral("--mode is raw, headless, agent or view");
        return std::nullopt;
    }
    config.file = parser.value(file);
    config.generate = parser.value(generate);
    config.json = parser.isSet(json);
    return config;
}

int run(const Config &config)
{
    QString error;
    if (!config.generate.isEmpty()) {
        if (!generateFile(config.generate, config.bytes, &error)) {
            std::fprintf(stderr, "bench_processes: %s\n", qPrintable(error));
            return 1;
        }
        return 0;
    }

    Measurement m;
    QTemporaryDir scratch;
    QString command;
    if (config.source == Source::Yes) {
        m.expectedBytes = config.bytes;
        command = QStringLiteral("yes | head -c %1").arg(config.bytes);
    } else {
        QString path = config.file;
        if (path.isEmpty()) {
            path = scratch.filePath(QStringLiteral("lines.txt"));
            if (!generateFile(path, config.bytes, &error)) {
                std::fprintf(stderr, "bench_processes: %s\n", qPrintable(error));
                return 1;
            }
        }
        m.expectedBytes = QFileInfo(path).size();
        command = QStringLiteral("cat ") + shellQuote(path);
    }

    bool ok = false;
    switch (config.mode) {
    case Mode::Raw:
        ok = runRaw(command, config, &m, &error);
        break;
    case Mode::Headless:
        ok = runHeadless(command, config, &m, &error);
        break;
    case Mode::Agent:
        ok = runAgent(command, config, &m, &error);
        break;
    case Mode::View:
        ok = runView(command, config, &m, &error);
        break;
    }
    m.peakRssKiB = statusKiB("VmHWM");
    if (!m.linesCounted) {
        m.lines = m.bytes / (config.source == Source::Yes ? YesLineBytes : LineBytes);
    }
    if (ok && m.bytes != m.expectedBytes) {
        error = QStringLiteral("ingested %1 bytes, expected %2").arg(m.bytes).arg(m.expectedBytes);
        ok = false;
    }
    if (!ok) {
        std::fprintf(stderr, "bench_processes: %s: %s\n", qPrintable(modeName(config.mode)),
                     qPrintable(error));
        return 1;
    }

    const QJsonObject result = toJson(config, m);
    if (config.json) {
        std::printf("%s\n", QJsonDocument(result).toJson(QJsonDocument::Compact).constData());
    } else {
        std::printf("%-8s %-4s %14lld bytes %8.2f s %9.1f MB/s %12.0f lines/s (%s) peak RSS "
                    "%.1f MiB (%.1f before) lag p50 %.2f p99 %.2f max %.2f ms\n",
                    qPrintable(result.value(QStringLiteral("mode")).toString()),
                    qPrintable(result.value(QStringLiteral("source")).toString()),
                    static_cast<long long>(m.bytes),
                    result.value(QStringLiteral("seconds")).toDouble(),
                    result.value(QStringLiteral("mb_per_s")).toDouble(),
                    result.value(QStringLiteral("lines_per_s")).toDouble(),
                    m.linesCounted ? "counted" : "computed", double(m.peakRssKiB) / 1024,
                    double(m.rssBeforeKiB) / 1024,
                    result.value(QStringLiteral("lag_p50_ms")).toDouble(),
                    result.value(QStringLiteral("lag_p99_ms")).toDouble(),
                    result.value(QStringLiteral("lag_max_ms")).toDouble());
    }
    return 0;
}

} // namespace

int main(int argc, char *argv[])
{
    QStringList arguments;
    for (int i = 0; i < argc; ++i) {
        arguments.append(QString::fromLocal8Bit(argv[i]));
    }
    QString error;
    const std::optional<Config> config = parseArguments(arguments, &error);
    if (!config) {
        std::fprintf(stderr, "bench_processes: %s\n", qPrintable(error));
        return 64;
    }
    // Debug and info logs (a line per request and process) are noise here; QT_LOGGING_RULES
    // still wins.
    QLoggingCategory::setFilterRules(
            QStringLiteral("companion.*.debug=false\ncompanion.*.info=false"));
    // Only the view needs widgets; the other modes measure a plain event loop, as companiond's.
    std::unique_ptr<QCoreApplication> app;
    if (config->mode == Mode::View) {
        if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) {
            qputenv("QT_QPA_PLATFORM", "offscreen");
        }
        app = std::make_unique<QApplication>(argc, argv);
    } else {
        app = std::make_unique<QCoreApplication>(argc, argv);
    }
    return run(*config);
}
