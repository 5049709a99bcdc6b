#pragma once

#include <QHash>
#include <QObject>
#include <QStringList>

// What ContextWatcher watches with: adds and removes paths, says why an add failed (errno:
// ENOSPC is the inotify limit, anything else is that path's own problem), and reports changes.
// The default watches with inotify; tests substitute failures.
class ContextWatchBackend : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;

    // Adds `paths`; returns the errno of each that could not be added.
    virtual QHash<QString, int> addPaths(const QStringList &paths) = 0;
    virtual void removePaths(const QStringList &paths) = 0;
    virtual QStringList directories() const = 0;
    virtual QStringList files() const = 0;
    // How many paths are watched; asked at every publish, so without building the lists.
    virtual int count() const { return int(directories().size() + files().size()); }

    // inotify on the event loop, by a path's bytes (ContextPaths::toRaw), with
    // QFileSystemWatcher's events: a folder's entries, a file's content and attributes.
    static ContextWatchBackend *createDefault(QObject *parent = nullptr);

Q_SIGNALS:
    void directoryChanged(const QString &path);
    void fileChanged(const QString &path);
};
