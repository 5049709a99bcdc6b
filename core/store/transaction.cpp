#include "transaction.h"

#include "database.h"

#include <QSqlError>

Transaction::Transaction(QSqlDatabase &db)
    : m_db(db)
{
    if (!m_db.transaction()) {
        throw StoreError(StoreError::Kind::Database,
                         QStringLiteral("begin: %1").arg(m_db.lastError().text()));
    }
}

Transaction::~Transaction()
{
    if (!m_done) {
        m_db.rollback();
    }
}

void Transaction::commit()
{
    if (!m_db.commit()) {
        throw StoreError(StoreError::Kind::Database,
                         QStringLiteral("commit: %1").arg(m_db.lastError().text()));
    }
    m_done = true;
}

QSqlQuery Transaction::exec(QSqlDatabase &db, const QString &sql, const QVariantList &values)
{
    QSqlQuery query(db);
    query.setForwardOnly(true);
    Database::check(query.prepare(sql), query, "prepare");
    for (const QVariant &value : values) {
        if (value.metaType() == QMetaType::fromType<QString>() && value.toString().isNull()) {
            query.addBindValue(QStringLiteral(""));
        } else {
            query.addBindValue(value);
        }
    }
    Database::check(query.exec(), query, "query");
    return query;
}
