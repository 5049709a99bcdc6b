#include "contextwatchbackend.h"

#include "context/contextpaths.h"

#include <QSet>
#include <QSocketNotifier>

#include <cerrno>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

namespace {

// inotify directly rather than QFileSystemWatcher: it says why an add failed (errno), and it
// takes a path's bytes (ContextPaths::toRaw), where Qt's re-encoding loses a name that is not
// UTF-8. The events and the once-per-read coalescing are QFileSystemWatcher's.
class InotifyWatchBackend : public ContextWatchBackend
{
public:
    explicit InotifyWatchBackend(QObject *parent)
        : ContextWatchBackend(parent)
        , m_fd(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK))
        , m_initError(m_fd < 0 ? errno : 0)
    {
        if (m_fd >= 0) {
            m_notifier = new QSocketNotifier(m_fd, QSocketNotifier::Read, this);
            connect(m_notifier, &QSocketNotifier::activated, this,
                    &InotifyWatchBackend::readEvents);
        }
    }

    ~InotifyWatchBackend() override
    {
        if (m_fd >= 0) {
            delete m_notifier;
            ::close(m_fd); // drops every watch
        }
    }

    QHash<QString, int> addPaths(const QStringList &paths) override
    {
        QHash<QString, int> errors;
        for (const QString &path : paths) {
            if (m_watches.contains(path)) {
                continue;
            }
            if (m_fd < 0) {
                errors.insert(path, m_initError);
                continue;
            }
            const QByteArray raw = ContextPaths::toRaw(path);
            struct stat info;
            if (::stat(raw.constData(), &info) != 0) {
                errors.insert(path, errno);
                continue;
            }
            const bool isDirectory = S_ISDIR(info.st_mode);
            const uint32_t mask = isDirectory
                    ? (IN_ATTRIB | IN_MOVE | IN_CREATE | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF |
                       IN_ONLYDIR)
                    : (IN_ATTRIB | IN_MODIFY | IN_MOVE | IN_MOVE_SELF | IN_DELETE_SELF);
            // The kernel answers one descriptor per inode: two paths of a hard link share it,
            // and the mask must be the union (IN_MASK_ADD), not the last caller's.
            const int wd = ::inotify_add_watch(m_fd, raw.constData(), mask | IN_MASK_ADD);
            if (wd < 0) {
                errors.insert(path, errno);
                continue;
            }
            m_watches.insert(path, Watch {wd, isDirectory, info.st_dev, info.st_ino});
            m_paths[wd].append(path);
        }
        return errors;
    }

    void removePaths(const QStringList &paths) override
    {
        for (const QString &path : paths) {
            const auto found = m_watches.constFind(path);
            if (found == m_watches.cend()) {
                continue;
            }
            const int wd = found->wd;
            m_watches.erase(found);
            QStringList &shared = m_paths[wd];
            shared.removeAll(path);
            if (shared.isEmpty()) {
                m_paths.remove(wd);
                ::inotify_rm_watch(m_fd, wd);
            }
        }
    }

    QStringList directories() const override { return pathsWhere(true); }
    QStringList files() const override { return pathsWhere(false); }
    int count() const override { return int(m_watches.size()); }

private:
    struct Watch
    {
        int wd;
        bool isDirectory;
        dev_t device;
        ino_t inode;
    };

    QStringList pathsWhere(bool directories) const
    {
        QStringList list;
        for (auto it = m_watches.cbegin(); it != m_watches.cend(); ++it) {
            if (it->isDirectory == directories) {
                list.append(it.key());
            }
        }
        return list;
    }

    void readEvents()
    {
        // Every event queued now, each watch reported once: an editor's save is several.
        QList<int> order;
        QSet<int> gone;
        bool overflowed = false;
        alignas(inotify_event) char buffer[16384];
        for (;;) {
            const ssize_t n = ::read(m_fd, buffer, sizeof buffer);
            if (n <= 0) {
                break; // EAGAIN: drained
            }
            for (ssize_t at = 0; at + ssize_t(sizeof(inotify_event)) <= n;) {
                const auto *event = reinterpret_cast<const inotify_event *>(buffer + at);
                at += ssize_t(sizeof(inotify_event) + event->len);
                if (event->mask & IN_Q_OVERFLOW) {
                    overflowed = true; // events were lost: everything may have changed
                    continue;
                }
                if (event->wd < 0 || !m_paths.contains(event->wd)) {
                    continue; // a watch already removed
                }
                if (!order.contains(event->wd)) {
                    order.append(event->wd);
                }
                if (event->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT)) {
                    gone.insert(event->wd);
                } else if (event->mask & IN_ATTRIB) {
                    // One name of a hard link replaced (an editor's save): the watched inode
                    // lives on with a lower link count, and the name is another file now.
                    for (const QString &path : m_paths.value(event->wd)) {
                        struct stat now;
                        const Watch watch = m_watches.value(path);
                        if (::stat(ContextPaths::toRaw(path).constData(), &now) != 0 ||
                            now.st_ino != watch.inode || now.st_dev != watch.device) {
                            gone.insert(event->wd);
                        }
                    }
                }
            }
        }
        QList<std::pair<QString, bool>> changed;
        if (overflowed) {
            // A folder change makes the watcher walk again, which finds whatever was missed.
            for (auto it = m_watches.cbegin(); it != m_watches.cend(); ++it) {
                if (it->isDirectory) {
                    changed.append({it.key(), true});
                    break;
                }
            }
        }
        for (const int wd : std::as_const(order)) {
            const QStringList paths = m_paths.value(wd);
            for (const QString &path : paths) {
                changed.append({path, m_watches.value(path).isDirectory});
            }
            if (gone.contains(wd)) {
                // As QFileSystemWatcher: a path that went away is no longer watched, so the
                // next sync adds whatever now has its name.
                for (const QString &path : paths) {
                    m_watches.remove(path);
                }
                m_paths.remove(wd);
                ::inotify_rm_watch(m_fd, wd);
            }
        }
        for (const auto &[path, isDirectory] : std::as_const(changed)) {
            if (isDirectory) {
                Q_EMIT directoryChanged(path);
            } else {
                Q_EMIT fileChanged(path);
            }
        }
    }

    int m_fd;
    int m_initError;
    QSocketNotifier *m_notifier = nullptr;
    QHash<QString, Watch> m_watches;
    QHash<int, QStringList> m_paths;
};

} // namespace

ContextWatchBackend *ContextWatchBackend::createDefault(QObject *parent)
{
    return new InotifyWatchBackend(parent);
}
