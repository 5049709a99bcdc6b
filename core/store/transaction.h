#pragma once

#include <QSqlDatabase>
#include <QSqlQuery>
#include <QVariantList>

// BEGIN … COMMIT on a Database job's connection, rolled back when it goes out of scope
// uncommitted (a StoreError thrown by a check on the way).
class Transaction
{
public:
    explicit Transaction(QSqlDatabase &db);
    ~Transaction();
    Transaction(const Transaction &) = delete;
    Transaction &operator=(const Transaction &) = delete;
    void commit();

    // A prepared query with `values` bound in order; throws StoreError on failure. A null
    // QString binds as '' (text columns are NOT NULL, '' for none).
    static QSqlQuery exec(QSqlDatabase &db, const QString &sql, const QVariantList &values = {});

private:
    QSqlDatabase &m_db;
    bool m_done = false;
};
