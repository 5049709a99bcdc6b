#include "contextwatchbackend.h"

#include <QFile>
#include <QFileSystemWatcher>

#include <cerrno>
#include <sys/inotify.h>
#include <unistd.h>

namespace {

class FileSystemWatchBackend : public ContextWatchBackend
{
public:
    explicit FileSystemWatchBackend(QObject *parent)
        : ContextWatchBackend(parent)
        , m_watcher(new QFileSystemWatcher(this))
    {
        connect(m_watcher, &QFileSystemWatcher::directoryChanged, this,
                &ContextWatchBackend::directoryChanged);
        connect(m_watcher, &QFileSystemWatcher::fileChanged, this,
                &ContextWatchBackend::fileChanged);
    }

    QHash<QString, int> addPaths(const QStringList &paths) override
    {
        QHash<QString, int> errors;
        if (paths.isEmpty()) {
            return errors;
        }
        const QStringList failed = m_watcher->addPaths(paths);
        if (failed.isEmpty()) {
            return errors;
        }
        const int probe = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
        for (const QString &path : failed) {
            int error = probe < 0 ? errno : 0;
            if (probe >= 0) {
                const int wd =
                        ::inotify_add_watch(probe, QFile::encodeName(path).constData(), IN_ATTRIB);
                error = wd < 0 ? errno : EINVAL; // it worked here: Qt refused for its own reasons
            }
            errors.insert(path, error);
        }
        if (probe >= 0) {
            ::close(probe);
        }
        return errors;
    }

    void removePaths(const QStringList &paths) override
    {
        if (!paths.isEmpty()) {
            m_watcher->removePaths(paths);
        }
    }

    QStringList directories() const override { return m_watcher->directories(); }
    QStringList files() const override { return m_watcher->files(); }

private:
    QFileSystemWatcher *m_watcher;
};

} // namespace

ContextWatchBackend *ContextWatchBackend::createDefault(QObject *parent)
{
    return new FileSystemWatchBackend(parent);
}
