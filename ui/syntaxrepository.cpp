#include "syntaxrepository.h"

#include <KSyntaxHighlighting/Repository>

#include <QCoreApplication>
#include <QPointer>

KSyntaxHighlighting::Repository *SyntaxRepository::instance()
{
    static QPointer<KSyntaxHighlighting::Repository> repository;
    if (!repository) {
        Q_ASSERT(QCoreApplication::instance());
        repository = new KSyntaxHighlighting::Repository;
        repository->setParent(QCoreApplication::instance());
    }
    return repository;
}
