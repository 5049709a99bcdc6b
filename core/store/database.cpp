#include "database.h"

#include <QFile>
#include <QLoggingCategory>
#include <QSqlDriver>
#include <QSqlError>
#include <QSqlQuery>
#include <QThread>
#include <QUrl>
#include <QUrlQuery>
#include <QUuid>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcStore, "companion.store")

std::optional<DatabaseLocation> DatabaseLocation::parse(const QString &text, QString *error)
{
    DatabaseLocation location;
    if (text.startsWith(QLatin1String("postgres://")) ||
        text.startsWith(QLatin1String("postgresql://"))) {
        const QUrl url(text, QUrl::StrictMode);
        if (!url.isValid() || url.host().isEmpty()) {
            *error = QStringLiteral("Not a PostgreSQL URL: %1 (expected "
                                    "postgres://user:password@host:port/database).")
                             .arg(url.toDisplayString(QUrl::RemovePassword));
            return std::nullopt;
        }
        location.engine = Engine::Postgres;
        location.url = text;
        location.host = url.host();
        location.port = url.port(5432);
        location.databaseName = url.path().mid(1);
        if (location.databaseName.isEmpty()) {
            location.databaseName = QStringLiteral("postgres");
        }
        location.user = url.userName();
        location.password = url.password();
        QStringList options;
        const QUrlQuery query(url);
        for (const auto &[key, value] : query.queryItems(QUrl::FullyDecoded)) {
            options << key + QLatin1Char('=') + value;
        }
        location.options = options.join(QLatin1Char(';'));
        return location;
    }
    QString path = text;
    if (path.startsWith(QLatin1String("sqlite:"))) {
        path = path.mid(7);
        if (path.startsWith(QLatin1String("//"))) {
            path = path.mid(2);
        }
    }
    if (path.isEmpty()) {
        *error = QStringLiteral("The database is empty: give sqlite:PATH or postgres://….");
        return std::nullopt;
    }
    if (path.contains(QLatin1String("://"))) {
        *error = QStringLiteral("Unknown database URL %1: use sqlite:PATH or postgres://….")
                         .arg(path);
        return std::nullopt;
    }
    location.sqlitePath = path;
    return location;
}

QString DatabaseLocation::display() const
{
    if (engine == Engine::Sqlite) {
        return QStringLiteral("sqlite:") + sqlitePath;
    }
    return QUrl(url).toDisplayString(QUrl::RemovePassword);
}

Database::Database(const DatabaseLocation &location, QObject *parent)
    : QObject(parent)
    , m_location(location)
    , m_connectionName(QStringLiteral("companion-") +
                       QUuid::createUuid().toString(QUuid::WithoutBraces))
    , m_thread(new QThread)
    , m_worker(new QObject)
{
    m_thread->setObjectName(QStringLiteral("database"));
    m_worker->moveToThread(m_thread);
    m_thread->start();
}

Database::~Database()
{
    // The last job closes the connection on its own thread, as Qt SQL requires.
    const QString name = m_connectionName;
    QMetaObject::invokeMethod(
            m_worker,
            [worker = m_worker, name] {
                {
                    QSqlDatabase db = QSqlDatabase::database(name, false);
                    db.close();
                }
                QSqlDatabase::removeDatabase(name);
                delete worker;
                QThread::currentThread()->quit();
            },
            Qt::QueuedConnection);
    m_thread->wait();
    delete m_thread;
}

void Database::check(bool ok, const QSqlQuery &query, const char *what)
{
    if (!ok) {
        throw StoreError(
                StoreError::Kind::Database,
                QStringLiteral("%1: %2").arg(QLatin1String(what), query.lastError().text()));
    }
}

void Database::post(std::function<void(QSqlDatabase *, const QString &)> job)
{
    QMetaObject::invokeMethod(
            m_worker,
            [this, job = std::move(job)] {
                QString error;
                QSqlDatabase db = connection(&error);
                if (!db.isOpen()) {
                    job(nullptr, error);
                    return;
                }
                job(&db, {});
                // A dropped PostgreSQL connection: the next job reconnects.
                if (db.lastError().type() == QSqlError::ConnectionError) {
                    qCWarning(lcStore) << "Database connection lost:" << db.lastError().text();
                    db.close();
                }
            },
            Qt::QueuedConnection);
}

// On the database thread: the open connection, opened now if it is not (at the first job, and
// again after a failure such as a PostgreSQL restart).
QSqlDatabase Database::connection(QString *error)
{
    QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
    if (db.isValid() && db.isOpen()) {
        return db;
    }
    const bool sqlite = m_location.engine == DatabaseLocation::Engine::Sqlite;
    if (!db.isValid()) {
        db = QSqlDatabase::addDatabase(sqlite ? QStringLiteral("QSQLITE") : QStringLiteral("QPSQL"),
                                       m_connectionName);
    }
    if (sqlite) {
        // The database holds agent token hashes and every workspace's context: its owner's
        // alone. Created 0600 before SQLite opens it; SQLite gives -wal and -shm its mode.
        const QByteArray native = QFile::encodeName(m_location.sqlitePath);
        const int fd = ::open(native.constData(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd >= 0) {
            struct stat st {};
            if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077) != 0 &&
                st.st_uid == ::geteuid()) {
                ::fchmod(fd, S_IRUSR | S_IWUSR);
            }
            ::close(fd);
        }
        db.setDatabaseName(m_location.sqlitePath);
        db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
    } else {
        db.setHostName(m_location.host);
        db.setPort(m_location.port);
        db.setDatabaseName(m_location.databaseName);
        db.setUserName(m_location.user);
        db.setPassword(m_location.password);
        QString options = m_location.options;
        if (!options.contains(QLatin1String("connect_timeout"))) {
            options += (options.isEmpty() ? QString() : QStringLiteral(";")) +
                    QStringLiteral("connect_timeout=5");
        }
        db.setConnectOptions(options);
    }
    if (!db.open()) {
        *error = QStringLiteral("Cannot open %1: %2")
                         .arg(m_location.display(), db.lastError().text().trimmed());
        return db;
    }
    if (sqlite) {
        // WAL: readers never wait for the writer, and a crash loses no committed claim.
        QSqlQuery pragma(db);
        pragma.exec(QStringLiteral("PRAGMA journal_mode=WAL"));
        pragma.exec(QStringLiteral("PRAGMA foreign_keys=ON"));
        pragma.exec(QStringLiteral("PRAGMA synchronous=NORMAL"));
    }
    return db;
}

QFuture<int> Database::open()
{
    return run([engine = m_location.engine](QSqlDatabase &db) {
        return Migrations::migrate(db, engine);
    });
}
