#include "chatworker.h"

#include "chatstore.h"
#include "runnermanager.h"

#include "store/database.h"

#include <QDateTime>
#include <QLoggingCategory>
#include <QTimeZone>
#include <QUuid>

Q_DECLARE_LOGGING_CATEGORY(lcChat)

ChatWorker::ChatWorker(ChatStore *store, PubSub *pubsub, TaskStarter *starter, Clock *clock,
                       const ChatRuntimeOptions &options, QString workerId, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_pubsub(pubsub)
    , m_clock(clock ? clock : Clock::system())
    , m_options(options)
    , m_workerId(std::move(workerId))
    , m_manager(new RunnerManager(store, pubsub, starter, m_clock, options, this))
{
    connect(m_manager, &RunnerManager::shutdownFinished, this, &ChatWorker::shutdownFinished);
}

ChatWorker::~ChatWorker()
{
    m_stopping = true;
}

bool ChatWorker::start(QString *error)
{
    if (m_workerId.isEmpty() || QUuid::fromString(m_workerId).isNull()) {
        if (error) {
            *error = QStringLiteral("chatworker: worker ID is required");
        }
        return false;
    }
    if (m_started) {
        return true;
    }
    m_started = true;
    PubSub::Listener listener;
    listener.message = [this](const QByteArray &payload) {
        QString why;
        if (!ChatMessages::decodeOwnership(payload, &why)) {
            qCDebug(lcChat) << "chatworker undecodable ownership hint:" << why;
            return;
        }
        wake();
    };
    listener.lost = [this](qint64) { wake(); };
    m_ownership = m_pubsub->subscribe(ChatMessages::ownershipChannel(), this, std::move(listener));
    m_manager->start();
    wake();
    scheduleAcquisition();
    archiveOnce();
    return true;
}

void ChatWorker::shutdown()
{
    m_stopping = true;
    m_ownership.cancel();
    m_acquisitionTimer.reset();
    m_archiveTimer.reset();
    m_manager->shutdown();
}

void ChatWorker::scheduleAcquisition()
{
    m_acquisitionTimer = m_clock->callAfter(m_options.acquisitionInterval, this, [this] {
        scheduleAcquisition();
        wake();
    });
}

void ChatWorker::wake()
{
    if (m_stopping || !m_started) {
        return;
    }
    if (m_acquiring) {
        m_wakeAgain = true; // a wake channel of one: any number of wakes, one more pass
        return;
    }
    acquireOnce();
}

void ChatWorker::acquireOnce()
{
    m_acquiring = true;
    m_seen.clear();
    m_acquiredInPass = 0;
    nextPage();
}

void ChatWorker::nextPage()
{
    if (m_stopping) {
        passDone();
        return;
    }
    m_store->acquisitionCandidates(m_options.staleAfter.count(), m_options.acquisitionBatchSize)
            .then(this,
                  [this](const QList<ChatRecord> &candidates) {
                      m_page.clear();
                      for (const ChatRecord &chat : candidates) {
                          if (!m_seen.contains(chat.id)) {
                              m_seen.insert(chat.id);
                              m_page << chat;
                          }
                      }
                      m_pageSize = int(candidates.size());
                      m_pageIndex = 0;
                      if (m_page.isEmpty()) {
                          passDone(); // nothing new: stop rather than loop on the same rows
                          return;
                      }
                      acquireNext();
                  })
            .onFailed(this, [this](const StoreError &error) {
                if (!m_stopping) {
                    qCWarning(lcChat) << "chatworker acquisition failed:" << error.message();
                }
                passDone();
            });
}

void ChatWorker::acquireNext()
{
    if (m_stopping) {
        passDone();
        return;
    }
    if (m_pageIndex >= m_page.size()) {
        if (m_pageSize < m_options.acquisitionBatchSize) {
            passDone(); // a short page: that was all
        } else {
            nextPage();
        }
        return;
    }
    const ChatRecord candidate = m_page.at(m_pageIndex++);
    const QString runnerId = QUuid::createUuid().toString(QUuid::WithoutBraces);
    const bool takenOver = candidate.isOwned();
    m_store->acquire(candidate.id, m_workerId, runnerId, m_options.staleAfter.count())
            .then(this,
                  [this, runnerId, takenOver](const std::optional<ChatRecord> &chat) {
                      if (chat) {
                          QString error;
                          if (m_manager->spawn({chat->id, m_workerId, runnerId, takenOver},
                                               &error)) {
                              ++m_acquiredInPass;
                              if (takenOver) {
                                  qCInfo(lcChat) << "chatworker took over chat" << chat->id
                                                 << "from a stale lease";
                              }
                              Q_EMIT acquired(*chat, runnerId);
                          } else {
                              // Acquired but not run: give it back at once for another worker.
                              qCWarning(lcChat) << "chatworker spawn failed:" << error;
                              m_store->release({chat->id, runnerId}, m_workerId);
                          }
                      }
                      acquireNext();
                  })
            .onFailed(this, [this](const StoreError &error) {
                // One candidate's failure is not the pass's.
                if (!m_stopping) {
                    qCWarning(lcChat) << "chatworker acquire failed:" << error.message();
                }
                acquireNext();
            });
}

void ChatWorker::passDone()
{
    m_acquiring = false;
    Q_EMIT acquisitionPassFinished(m_acquiredInPass);
    if (std::exchange(m_wakeAgain, false) && !m_stopping) {
        // On the next turn of the event loop, so that a flood of hints cannot recurse.
        QMetaObject::invokeMethod(this, &ChatWorker::wake, Qt::QueuedConnection);
    }
}

qint64 ChatWorker::autoArchiveCutoff(qint64 nowMSecs, int days)
{
    const QDateTime now = QDateTime::fromMSecsSinceEpoch(nowMSecs, QTimeZone::UTC);
    const QDateTime midnight = now.date().startOfDay(QTimeZone::UTC);
    return midnight.toMSecsSinceEpoch() - qint64(days) * 24 * 60 * 60 * 1000;
}

void ChatWorker::archiveOnce()
{
    if (m_stopping || m_archiving || m_options.autoArchiveDays <= 0) {
        return;
    }
    m_archiving = true;
    m_archiveTimer.reset(); // no overlap: the next run is timed from this one's end
    const qint64 cutoff = autoArchiveCutoff(m_clock->nowMSecs(), m_options.autoArchiveDays);
    m_store->autoArchive(cutoff, m_options.archiveBatchSize)
            .then(this,
                  [this](const QList<ChatRecord> &chats) {
                      m_archiving = false;
                      if (!chats.isEmpty()) {
                          qCInfo(lcChat) << "chatworker auto-archived" << chats.size() << "chats";
                          Q_EMIT archived(chats);
                      }
                      if (chats.size() >= m_options.archiveBatchSize) {
                          archiveOnce(); // a full batch: more may wait
                          return;
                      }
                      scheduleArchive();
                  })
            .onFailed(this, [this](const StoreError &error) {
                m_archiving = false;
                if (!m_stopping) {
                    qCWarning(lcChat) << "chatworker auto-archive failed:" << error.message();
                }
                scheduleArchive();
            });
}

void ChatWorker::scheduleArchive()
{
    if (m_stopping) {
        return;
    }
    m_archiveTimer = m_clock->callAfter(m_options.archiveInterval, this, [this] { archiveOnce(); });
}
