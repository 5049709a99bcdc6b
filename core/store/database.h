#pragma once

#include <QException>
#include <QFuture>
#include <QObject>
#include <QPromise>
#include <QSqlDatabase>
#include <QString>

#include <functional>
#include <memory>
#include <optional>
#include <type_traits>

class QThread;

// A failed database operation, carried by the QFuture of Database::run().
class StoreError : public QException
{
public:
    enum class Kind { Database, NotFound, Conflict, Invalid };
    StoreError(Kind kind, QString message)
        : m_kind(kind)
        , m_message(std::move(message))
    { }
    Kind kind() const { return m_kind; }
    QString message() const { return m_message; }
    void raise() const override { throw *this; }
    StoreError *clone() const override { return new StoreError(*this); }

private:
    Kind m_kind;
    QString m_message;
};

// Where the data lives: `sqlite:PATH` (or a bare path) or `postgres://user:pass@host:port/db`.
struct DatabaseLocation
{
    enum class Engine { Sqlite, Postgres };
    Engine engine = Engine::Sqlite;
    QString sqlitePath;
    QString url; // postgres:// as given (libpq reads it as is)
    QString host;
    int port = 5432;
    QString databaseName;
    QString user;
    QString password;
    QString options; // Qt's "key=value;..." from the URL's query

    static std::optional<DatabaseLocation> parse(const QString &text, QString *error);
    // For logs and --help: the URL without its password.
    QString display() const;
};

// One connection on its own thread, so no query ever runs on the GUI thread or a server's
// event loop. run() queues a function that gets the connection; its result (or a StoreError,
// or any exception it threw) comes back in the QFuture, to be continued with
// .then(context, ...) on the caller's thread. Jobs run one at a time, in order.
class Database : public QObject
{
    Q_OBJECT
public:
    explicit Database(const DatabaseLocation &location, QObject *parent = nullptr);
    // Finishes the queued jobs, closes the connection, stops the thread.
    ~Database() override;

    const DatabaseLocation &location() const { return m_location; }
    DatabaseLocation::Engine engine() const { return m_location.engine; }

    // Opens the connection and runs the migrations: the schema version.
    QFuture<int> open();

    template<typename F>
    auto run(F &&job) -> QFuture<std::invoke_result_t<F, QSqlDatabase &>>
    {
        using T = std::invoke_result_t<F, QSqlDatabase &>;
        auto promise = std::make_shared<QPromise<T>>();
        QFuture<T> future = promise->future();
        promise->start();
        post([promise, job = std::forward<F>(job)](QSqlDatabase *db,
                                                   const QString &openError) mutable {
            try {
                if (!db) {
                    throw StoreError(StoreError::Kind::Database, openError);
                }
                if constexpr (std::is_void_v<T>) {
                    job(*db);
                } else {
                    promise->addResult(job(*db));
                }
            } catch (...) {
                promise->setException(std::current_exception());
            }
            promise->finish();
        });
        return future;
    }

    // Throws StoreError with the query's error when `ok` is false.
    static void check(bool ok, const QSqlQuery &query, const char *what);

private:
    // Runs `job` on the database thread with the open connection, or with null and the
    // reason it could not be opened.
    void post(std::function<void(QSqlDatabase *, const QString &)> job);

    QSqlDatabase connection(QString *error);

    DatabaseLocation m_location;
    QString m_connectionName;
    QThread *m_thread;
    QObject *m_worker;
};

// The schema: versioned migrations, applied in order at start, each in its own transaction.
namespace Migrations {
int latestVersion();
// Applies what is missing; returns the version. Throws StoreError.
int migrate(QSqlDatabase &db, DatabaseLocation::Engine engine);
} // namespace Migrations
