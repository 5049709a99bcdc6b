#include "commands.h"

#include "http/apiclient.h"
#include "http/reconnectingwebsocket.h"
#include "http/tokenfile.h"

#include <QCommandLineParser>
#include <QDateTime>
#include <QEventLoop>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUuid>

namespace {
class Text
{
    Q_DECLARE_TR_FUNCTIONS(companiond)
};

struct Reply
{
    QJsonValue body;
    std::optional<ApiError> error;
};

Reply wait(ApiCall *call)
{
    Reply reply;
    QEventLoop loop;
    QObject::connect(call, &ApiCall::finished, &loop, [&](const QJsonValue &body) {
        reply.body = body;
        loop.quit();
    });
    QObject::connect(call, &ApiCall::failed, &loop, [&](const ApiError &error) {
        reply.error = error;
        loop.quit();
    });
    loop.exec();
    return reply;
}

void printJson(const QJsonValue &value)
{
    const QJsonDocument document =
            value.isArray() ? QJsonDocument(value.toArray()) : QJsonDocument(value.toObject());
    std::fputs(document.toJson(QJsonDocument::Indented).constData(), stdout);
    std::fflush(stdout);
}

// Columns as wide as their widest cell.
void printTable(const QStringList &header, const QList<QStringList> &rows)
{
    QList<qsizetype> widths;
    for (const QString &h : header) {
        widths << h.size();
    }
    for (const QStringList &row : rows) {
        for (qsizetype i = 0; i < row.size() && i < widths.size(); ++i) {
            widths[i] = qMax(widths[i], row[i].size());
        }
    }
    const auto line = [&](const QStringList &cells) {
        QString text;
        for (qsizetype i = 0; i < cells.size(); ++i) {
            text += i + 1 < cells.size() ? cells[i].leftJustified(widths[i] + 2) : cells[i];
        }
        printLine(stdout, text);
    };
    line(header);
    for (const QStringList &row : rows) {
        line(row);
    }
}

QString time(const QJsonValue &msecs)
{
    if (msecs.isNull() || msecs.toInteger() == 0) {
        return QStringLiteral("-");
    }
    return QDateTime::fromMSecsSinceEpoch(msecs.toInteger()).toString(Qt::ISODate);
}

int fail(const ApiError &error)
{
    printLine(stderr, error.toString());
    return error.status == 401 || error.status == 403 ? 3 : 1;
}

QStringList eventRow(const QJsonObject &e)
{
    return {QString::number(e.value(QStringLiteral("id")).toInteger()),
            time(e.value(QStringLiteral("at"))),
            e.value(QStringLiteral("workspace_id")).toString(),
            e.value(QStringLiteral("kind")).toString(),
            e.value(QStringLiteral("new_owner_id")).toString(),
            e.value(QStringLiteral("detail")).toString()};
}

// A request made while following failed: a refused token ends the follow; anything else is
// said and left to the next reconnect.
void followFailed(const ApiError &error, int *status)
{
    if (error.status == 401 || error.status == 403) {
        *status = fail(error);
        QCoreApplication::quit();
        return;
    }
    printLine(stderr, error.toString());
}

// Follows /api/v2/events until Ctrl+C, through restarts of the control plane: `connected`
// runs at each (re)connect, to fill the gap; `message` gets every message. Returns the exit
// status.
int followEvents(ApiClient &api, const std::function<void(bool again)> &connected,
                 const std::function<void(const QJsonObject &)> &message, int *status)
{
    ReconnectingWebSocket socket(
            [&api] { return api.webSocketRequest(QStringLiteral("/api/v2/events")); }, nullptr);
    bool everConnected = false;
    QObject::connect(&socket, &ReconnectingWebSocket::connectedChanged, &socket,
                     [&](bool isConnected) {
                         if (!isConnected) {
                             return;
                         }
                         if (!everConnected) {
                             printLine(stderr, Text::tr("Following live events; Ctrl+C stops."));
                         }
                         connected(std::exchange(everConnected, true));
                     });
    QObject::connect(&socket, &ReconnectingWebSocket::retrying, &socket,
                     [](const QString &reason, std::chrono::milliseconds delay) {
                         printLine(stderr,
                                   Text::tr("Event stream lost (%1); reconnecting in %2 ms.")
                                           .arg(reason)
                                           .arg(delay.count()));
                     });
    QObject::connect(
            &socket, &ReconnectingWebSocket::closedByServer, &socket,
            [status](const QString &reason) {
                printLine(stderr,
                          Text::tr("The control plane closed the event stream: %1").arg(reason));
                *status = 1;
                QCoreApplication::quit();
            });
    QObject::connect(&socket, &ReconnectingWebSocket::textMessageReceived, &socket,
                     [&message](const QString &text) {
                         message(QJsonDocument::fromJson(text.toUtf8()).object());
                     });
    socket.open();
    const int code = QCoreApplication::exec();
    return *status ? *status : code;
}

// Text from the API for a terminal: control characters (escape sequences, carriage returns,
// NUL) shown as \uXXXX rather than acted on; new lines and tabs kept.
QString terminalSafe(const QString &text)
{
    QString safe;
    safe.reserve(text.size());
    for (const QChar c : text) {
        if ((c.category() == QChar::Other_Control || c.category() == QChar::Other_Format) &&
            c != QLatin1Char('\n') && c != QLatin1Char('\t')) {
            safe += QStringLiteral("\\u%1").arg(c.unicode(), 4, 16, QLatin1Char('0'));
        } else {
            safe += c;
        }
    }
    return safe;
}

// A JSON scalar as `chats get` prints it: null as "-".
QString scalarText(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::String:
        return terminalSafe(value.toString());
    case QJsonValue::Bool:
        return value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    case QJsonValue::Double:
        return QString::number(value.toInteger());
    default:
        return QStringLiteral("-");
    }
}

QString percent(const QString &text)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(text));
}

QString age(const QJsonValue &ms)
{
    const qint64 value = ms.toInteger(-1);
    return value < 0 ? QStringLiteral("-") : QStringLiteral("%1 ms").arg(value);
}

QStringList chatRow(const QJsonObject &c)
{
    const QString error = c.value(QStringLiteral("last_error")).toString();
    return {c.value(QStringLiteral("id")).toString(),
            c.value(QStringLiteral("title")).toString(),
            c.value(QStringLiteral("workspace_id")).toString(),
            c.value(QStringLiteral("status")).toString() +
                    (c.value(QStringLiteral("archived")).toBool() ? QStringLiteral(" (archived)")
                                                                  : QString()),
            c.value(QStringLiteral("worker_id")).toString(QStringLiteral("-")),
            time(c.value(QStringLiteral("updated_at"))),
            error.isEmpty() ? QStringLiteral("-") : error};
}

QStringList runnerRow(const QJsonObject &r)
{
    QStringList flags;
    for (const char *flag : {"taken_over", "cleaning", "archived"}) {
        if (r.value(QLatin1String(flag)).toBool()) {
            flags << QLatin1String(flag);
        }
    }
    return {r.value(QStringLiteral("chat_id")).toString(),
            r.value(QStringLiteral("worker_id")).toString(),
            r.value(QStringLiteral("runner_id")).toString(),
            r.value(QStringLiteral("status")).toString(QStringLiteral("-")),
            r.value(QStringLiteral("task")).toString(QStringLiteral("-")),
            QString::number(r.value(QStringLiteral("snapshot_version")).toInteger()),
            QString::number(r.value(QStringLiteral("history_version")).toInteger()),
            age(r.value(QStringLiteral("heartbeat_age_ms"))),
            QString::number(r.value(QStringLiteral("queue_depth")).toInt()),
            QString::number(r.value(QStringLiteral("dropped_hints")).toInteger()),
            time(r.value(QStringLiteral("task_retrying_since"))),
            flags.isEmpty() ? QStringLiteral("-") : flags.join(QLatin1Char(','))};
}

QStringList runnerHeader()
{
    return {Text::tr("CHAT"),    Text::tr("WORKER"),         Text::tr("RUNNER"),
            Text::tr("STATUS"),  Text::tr("TASK"),           Text::tr("SNAPSHOT"),
            Text::tr("HISTORY"), Text::tr("HEARTBEAT"),      Text::tr("QUEUE"),
            Text::tr("DROPPED"), Text::tr("RETRYING SINCE"), Text::tr("FLAGS")};
}

void printCompact(const QJsonObject &object)
{
    printLine(stdout, QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact)));
}
} // namespace

int runCtl(QCoreApplication &app, const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
            Text::tr("Drives a control plane's API.\n"
                     "Commands:\n"
                     "  workspaces list\n"
                     "  workspaces create NAME [--prebuilt] [--owner USER]\n"
                     "  workspaces claim ID --owner USER\n"
                     "  workspaces stop ID | workspaces start ID\n"
                     "  events [--workspace ID] [--follow]\n"
                     "  chats create --workspace ID --title TEXT [--message TEXT]\n"
                     "  chats list [--archived] | chats get ID\n"
                     "  chats interrupt ID | chats archive ID\n"
                     "  runners [--follow]"));
    parser.addHelpOption();
    const QCommandLineOption url(QStringLiteral("url"),
                                 Text::tr("The control plane (default: the URL the local "
                                          "`companiond server` wrote to %1).")
                                         .arg(defaultServerUrlFile()),
                                 Text::tr("url"));
    const QCommandLineOption tokenFile(
            QStringLiteral("token-file"),
            Text::tr("The operator token file (default: %1).").arg(defaultOperatorTokenFile()),
            Text::tr("file"));
    const QCommandLineOption json(QStringLiteral("json"),
                                  Text::tr("Print exactly one JSON document (events --follow: one "
                                           "JSON object a line)."));
    const QCommandLineOption prebuilt(QStringLiteral("prebuilt"),
                                      Text::tr("Create a prebuilt workspace (owned by the "
                                               "prebuilds user until claimed)."));
    const QCommandLineOption owner(QStringLiteral("owner"), Text::tr("The owner's user name."),
                                   Text::tr("user"));
    const QCommandLineOption workspace(
            QStringLiteral("workspace"),
            Text::tr("A workspace (id or name): events shows only its events; chats create "
                     "puts the chat on its agent."),
            Text::tr("id"));
    const QCommandLineOption title(QStringLiteral("title"), Text::tr("The chat's title."),
                                   Text::tr("text"));
    const QCommandLineOption message(QStringLiteral("message"),
                                     Text::tr("The chat's first message (without one the chat "
                                              "waits)."),
                                     Text::tr("text"));
    const QCommandLineOption archived(QStringLiteral("archived"),
                                      Text::tr("chats list: archived chats too."));
    const QCommandLineOption follow(QStringLiteral("follow"),
                                    Text::tr("Keep printing new events (runners: changes) as "
                                             "they happen, one JSON object a line."));
    parser.addOptions(
            {url, tokenFile, json, prebuilt, owner, workspace, follow, title, message, archived});
    parser.addPositionalArgument(QStringLiteral("command"), Text::tr("What to do (see above)."));
    parser.process(arguments);
    const QStringList words = parser.positionalArguments();
    const bool asJson = parser.isSet(json);

    QString baseText = parser.value(url);
    if (baseText.isEmpty()) {
        QFile file(defaultServerUrlFile());
        if (file.open(QIODevice::ReadOnly)) {
            baseText = QString::fromUtf8(file.readAll()).trimmed();
        }
    }
    const QUrl base(baseText, QUrl::StrictMode);
    if (baseText.isEmpty() || !base.isValid() || !base.scheme().startsWith(QLatin1String("http"))) {
        printLine(stderr,
                  Text::tr("No control plane: pass --url http://HOST:PORT (no local "
                           "`companiond server` has written %1).")
                          .arg(defaultServerUrlFile()));
        return 2;
    }
    QString error;
    const std::optional<QByteArray> token = TokenFile::read(
            parser.isSet(tokenFile) ? parser.value(tokenFile) : defaultOperatorTokenFile(), &error);
    if (!token) {
        printLine(stderr, error);
        return 2;
    }
    ApiClient api(base, *token);
    const auto usage = [&] {
        printLine(stderr,
                  Text::tr("Unknown or incomplete command: %1. Run companiond ctl --help.")
                          .arg(words.join(QLatin1Char(' '))));
        return 2;
    };
    if (words.isEmpty()) {
        return usage();
    }

    if (words.value(0) == QLatin1String("workspaces")) {
        const QString verb = words.value(1);
        if (verb == QLatin1String("list") && words.size() == 2) {
            const Reply reply = wait(api.get(QStringLiteral("/api/v2/workspaces")));
            if (reply.error) {
                return fail(*reply.error);
            }
            if (asJson) {
                printJson(reply.body);
                return 0;
            }
            QList<QStringList> rows;
            for (const QJsonValue &v :
                 reply.body.toObject().value(QStringLiteral("workspaces")).toArray()) {
                const QJsonObject w = v.toObject();
                const QJsonObject build = w.value(QStringLiteral("latest_build")).toObject();
                const QJsonObject agent = w.value(QStringLiteral("agent")).toObject();
                const QJsonObject context = w.value(QStringLiteral("context_state")).toObject();
                rows << QStringList {
                        w.value(QStringLiteral("name")).toString(),
                        w.value(QStringLiteral("id")).toString(),
                        w.value(QStringLiteral("kind")).toString(),
                        w.value(QStringLiteral("owner_name")).toString(),
                        QStringLiteral("#%1 %2 %3")
                                .arg(build.value(QStringLiteral("build_number")).toInt())
                                .arg(build.value(QStringLiteral("transition")).toString(),
                                     build.value(QStringLiteral("job_status")).toString()),
                        time(agent.value(QStringLiteral("last_seen_at"))),
                        context.isEmpty()
                                ? QStringLiteral("-")
                                : QStringLiteral("v%1").arg(
                                          context.value(QStringLiteral("version")).toInteger())};
            }
            printTable({Text::tr("NAME"), Text::tr("ID"), Text::tr("KIND"), Text::tr("OWNER"),
                        Text::tr("LATEST BUILD"), Text::tr("AGENT SEEN"), Text::tr("CONTEXT")},
                       rows);
            return 0;
        }
        if (verb == QLatin1String("create") && words.size() == 3) {
            QJsonObject body {{QStringLiteral("name"), words.at(2)},
                              {QStringLiteral("prebuilt"), parser.isSet(prebuilt)}};
            if (parser.isSet(owner)) {
                body.insert(QStringLiteral("owner"), parser.value(owner));
            }
            const Reply reply = wait(api.post(QStringLiteral("/api/v2/workspaces"), body));
            if (reply.error) {
                return fail(*reply.error);
            }
            const QJsonObject w = reply.body.toObject();
            if (asJson) {
                printJson(w);
                return 0;
            }
            printLine(stdout,
                      QStringLiteral("id: %1").arg(w.value(QStringLiteral("id")).toString()));
            printLine(stdout,
                      QStringLiteral("agent_id: %1")
                              .arg(w.value(QStringLiteral("agent_id")).toString()));
            printLine(stdout,
                      QStringLiteral("agent_token: %1")
                              .arg(w.value(QStringLiteral("agent_token")).toString()));
            printLine(stderr,
                      Text::tr("The agent token is shown only now: keep it in a 0600 file "
                               "for companiond agent --agent-token-file."));
            return 0;
        }
        if (verb == QLatin1String("claim") && words.size() == 3) {
            if (!parser.isSet(owner)) {
                printLine(stderr, Text::tr("workspaces claim needs --owner USER."));
                return 2;
            }
            const Reply reply = wait(api.post(
                    QStringLiteral("/api/v2/workspaces/%1/claim")
                            .arg(QString::fromLatin1(QUrl::toPercentEncoding(words.at(2)))),
                    QJsonObject {{QStringLiteral("owner"), parser.value(owner)}}));
            if (reply.error) {
                return fail(*reply.error);
            }
            if (asJson) {
                printJson(reply.body);
            } else {
                printLine(stdout,
                          Text::tr("Claimed %1 for %2: build #%3")
                                  .arg(words.at(2), parser.value(owner))
                                  .arg(reply.body.toObject()
                                               .value(QStringLiteral("build_number"))
                                               .toInt()));
            }
            return 0;
        }
        if ((verb == QLatin1String("stop") || verb == QLatin1String("start")) &&
            words.size() == 3) {
            const Reply reply = wait(api.post(
                    QStringLiteral("/api/v2/workspaces/%1/builds")
                            .arg(QString::fromLatin1(QUrl::toPercentEncoding(words.at(2)))),
                    QJsonObject {{QStringLiteral("transition"), verb}}));
            if (reply.error) {
                return fail(*reply.error);
            }
            if (asJson) {
                printJson(reply.body);
            } else {
                printLine(stdout,
                          Text::tr("%1: build #%2 (%3)")
                                  .arg(words.at(2))
                                  .arg(reply.body.toObject()
                                               .value(QStringLiteral("build_number"))
                                               .toInt())
                                  .arg(verb));
            }
            return 0;
        }
        return usage();
    }

    if (words.value(0) == QLatin1String("events") && words.size() == 1) {
        QString workspaceId = parser.value(workspace);
        if (!workspaceId.isEmpty() && QUuid::fromString(workspaceId).isNull()) {
            const Reply reply = wait(api.get(
                    QStringLiteral("/api/v2/workspaces/%1")
                            .arg(QString::fromLatin1(QUrl::toPercentEncoding(workspaceId)))));
            if (reply.error) {
                return fail(*reply.error);
            }
            workspaceId = reply.body.toObject().value(QStringLiteral("id")).toString();
        }
        QString query;
        if (!workspaceId.isEmpty()) {
            query = QStringLiteral("workspace=") + workspaceId;
        }
        const Reply reply = wait(api.get(QStringLiteral("/api/v2/reinit-events"), query));
        if (reply.error) {
            return fail(*reply.error);
        }
        const QJsonArray events = reply.body.toObject().value(QStringLiteral("events")).toArray();
        if (!parser.isSet(follow)) {
            if (asJson) {
                printJson(reply.body);
                return 0;
            }
            QList<QStringList> rows;
            for (const QJsonValue &e : events) {
                rows << eventRow(e.toObject());
            }
            printTable({Text::tr("ID"), Text::tr("TIME"), Text::tr("WORKSPACE"),
                        Text::tr("OUTCOME"), Text::tr("NEW OWNER"), Text::tr("DETAIL")},
                       rows);
            return 0;
        }
        // --follow: the log so far, then live events, one JSON object a line. It outlives a
        // control plane restart: after each reconnect the log since the last printed id fills
        // the gap, and live events that arrive meanwhile wait for it, so the ids stay in order.
        qint64 lastId = 0;
        const auto print = [&](const QJsonObject &event) {
            const qint64 id = event.value(QStringLiteral("id")).toInteger();
            if (id <= lastId) {
                return; // seen in the log and live
            }
            lastId = id;
            printLine(stdout,
                      QString::fromUtf8(QJsonDocument(event).toJson(QJsonDocument::Compact)));
        };
        for (const QJsonValue &e : events) {
            print(e.toObject());
        }
        int status = 0;
        bool catchingUp = false;
        QList<QJsonObject> held;
        std::function<void()> catchUp = [&] {
            catchingUp = true;
            QString since = QStringLiteral("after=%1&limit=1000").arg(lastId);
            if (!query.isEmpty()) {
                since += QLatin1Char('&') + query;
            }
            ApiCall *call = api.get(QStringLiteral("/api/v2/reinit-events"), since);
            QObject::connect(call, &ApiCall::finished, &app, [&](const QJsonValue &body) {
                const QJsonArray page = body.toObject().value(QStringLiteral("events")).toArray();
                for (const QJsonValue &e : page) {
                    print(e.toObject());
                }
                if (page.size() == 1000) {
                    catchUp(); // more than a page happened while we were away
                    return;
                }
                catchingUp = false;
                for (const QJsonObject &event : std::as_const(held)) {
                    print(event);
                }
                held.clear();
            });
            QObject::connect(call, &ApiCall::failed, &app, [&](const ApiError &error) {
                catchingUp = false;
                // The socket is likely gone too; the next reconnect catches up again.
                followFailed(error, &status);
            });
        };
        return followEvents(
                api,
                [&](bool again) {
                    if (again) {
                        printLine(stderr,
                                  Text::tr("Reconnected to the control plane; catching "
                                           "up from event %1.")
                                          .arg(lastId));
                    }
                    catchUp();
                },
                [&](const QJsonObject &message) {
                    const QString type = message.value(QStringLiteral("type")).toString();
                    if (type == QLatin1String("lost") && !catchingUp) {
                        catchUp(); // the server's pubsub may have dropped some
                        return;
                    }
                    if (type != QLatin1String("reinit_event")) {
                        return;
                    }
                    const QJsonObject event = message.value(QStringLiteral("event")).toObject();
                    if (!workspaceId.isEmpty() &&
                        event.value(QStringLiteral("workspace_id")).toString() != workspaceId) {
                        return;
                    }
                    if (catchingUp) {
                        held << event;
                    } else {
                        print(event);
                    }
                },
                &status);
    }

    if (words.value(0) == QLatin1String("chats")) {
        const QString verb = words.value(1);
        // One chat as the API answers it, or its id alone (create) / a line.
        const auto answer = [&](const Reply &reply,
                                const std::function<void(const QJsonObject &)> &plain) {
            if (reply.error) {
                return fail(*reply.error);
            }
            if (asJson) {
                printJson(reply.body);
            } else {
                plain(reply.body.toObject());
            }
            return 0;
        };
        if (verb == QLatin1String("create") && words.size() == 2) {
            if (!parser.isSet(workspace) || !parser.isSet(title)) {
                printLine(stderr, Text::tr("chats create needs --workspace ID and --title TEXT."));
                return 2;
            }
            QJsonObject body {{QStringLiteral("workspace"), parser.value(workspace)},
                              {QStringLiteral("title"), parser.value(title)}};
            if (parser.isSet(message)) {
                body.insert(QStringLiteral("message"), parser.value(message));
            }
            return answer(wait(api.post(QStringLiteral("/api/v2/chats"), body)),
                          [](const QJsonObject &c) {
                              printLine(stdout, c.value(QStringLiteral("id")).toString());
                          });
        }
        if (verb == QLatin1String("list") && words.size() == 2) {
            return answer(wait(api.get(QStringLiteral("/api/v2/chats"),
                                       parser.isSet(archived) ? QStringLiteral("archived=true")
                                                              : QString())),
                          [](const QJsonObject &body) {
                              QList<QStringList> rows;
                              for (const QJsonValue &c :
                                   body.value(QStringLiteral("chats")).toArray()) {
                                  rows << chatRow(c.toObject());
                              }
                              printTable({Text::tr("ID"), Text::tr("TITLE"), Text::tr("WORKSPACE"),
                                          Text::tr("STATUS"), Text::tr("WORKER"),
                                          Text::tr("UPDATED"), Text::tr("LAST ERROR")},
                                         rows);
                          });
        }
        if (verb == QLatin1String("get") && words.size() == 3) {
            return answer(
                    wait(api.get(QStringLiteral("/api/v2/chats/%1").arg(percent(words.at(2))))),
                    [](const QJsonObject &c) {
                        for (const QString &key :
                             {QStringLiteral("id"), QStringLiteral("title"),
                              QStringLiteral("workspace_id"), QStringLiteral("agent_id"),
                              QStringLiteral("status"), QStringLiteral("worker_id"),
                              QStringLiteral("runner_id"), QStringLiteral("snapshot_version"),
                              QStringLiteral("history_version"), QStringLiteral("archived"),
                              QStringLiteral("last_error")}) {
                            printLine(stdout,
                                      QStringLiteral("%1: %2").arg(key, scalarText(c.value(key))));
                        }
                        for (const QJsonValue &m : c.value(QStringLiteral("messages")).toArray()) {
                            const QJsonObject o = m.toObject();
                            printLine(stdout,
                                      QStringLiteral("[%1%2] %3")
                                              .arg(o.value(QStringLiteral("role")).toString(),
                                                   o.value(QStringLiteral("queued")).toBool()
                                                           ? QStringLiteral(", queued")
                                                           : QString(),
                                                   terminalSafe(o.value(QStringLiteral("content"))
                                                                        .toString())));
                        }
                    });
        }
        if ((verb == QLatin1String("interrupt") || verb == QLatin1String("archive")) &&
            words.size() == 3) {
            return answer(
                    wait(api.post(
                            QStringLiteral("/api/v2/chats/%1/%2").arg(percent(words.at(2)), verb),
                            QJsonObject())),
                    [](const QJsonObject &c) {
                        printLine(stdout,
                                  QStringLiteral("%1: %2%3")
                                          .arg(c.value(QStringLiteral("id")).toString(),
                                               c.value(QStringLiteral("status")).toString(),
                                               c.value(QStringLiteral("archived")).toBool()
                                                       ? QStringLiteral(", archived")
                                                       : QString()));
                    });
        }
        return usage();
    }

    if (words.value(0) == QLatin1String("runners") && words.size() == 1) {
        const Reply reply = wait(api.get(QStringLiteral("/api/v2/chat-runners")));
        if (reply.error) {
            return fail(*reply.error);
        }
        const QJsonArray runners = reply.body.toObject().value(QStringLiteral("runners")).toArray();
        if (!parser.isSet(follow)) {
            if (asJson) {
                printJson(runners);
                return 0;
            }
            QList<QStringList> rows;
            for (const QJsonValue &r : runners) {
                rows << runnerRow(r.toObject());
            }
            printTable(runnerHeader(), rows);
            return 0;
        }
        // --follow: every runner once the live stream is open (the request above checked the
        // token), then each change as it is published (a removed runner has "removed": true),
        // one JSON object a line; after a reconnect or a lost message, every runner again.
        int status = 0;
        const std::function<void()> printAll = [&] {
            ApiCall *call = api.get(QStringLiteral("/api/v2/chat-runners"));
            QObject::connect(call, &ApiCall::finished, &app, [](const QJsonValue &body) {
                for (const QJsonValue &r :
                     body.toObject().value(QStringLiteral("runners")).toArray()) {
                    printCompact(r.toObject());
                }
            });
            QObject::connect(call, &ApiCall::failed, &app,
                             [&status](const ApiError &error) { followFailed(error, &status); });
        };
        return followEvents(
                api, [&](bool) { printAll(); },
                [&](const QJsonObject &message) {
                    const QString type = message.value(QStringLiteral("type")).toString();
                    if (type == QLatin1String("runner")) {
                        printCompact(message.value(QStringLiteral("runner")).toObject());
                    } else if (type == QLatin1String("runner_removed")) {
                        QJsonObject removed = message;
                        removed.remove(QStringLiteral("type"));
                        removed.insert(QStringLiteral("removed"), true);
                        printCompact(removed);
                    } else if (type == QLatin1String("lost")) {
                        printAll(); // the server's pubsub may have dropped some
                    }
                },
                &status);
    }
    return usage();
}