#pragma once

#include "context/contextclient.h"

#include <QFutureWatcher>
#include <QPointer>
#include <QSet>
#include <QWidget>

class Clock;
class ContextPushPanel;
class ContextResourceFilterModel;
class ContextResourceModel;
class EmptyStatePage;
class ErrorBar;
class QAction;
class QFrame;
class ElidedLabel;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QStackedWidget;
class QTabWidget;
class QToolButton;
class QTreeView;
class QTreeWidget;

namespace KSyntaxHighlighting {
class SyntaxHighlighter;
}

// The Context view: what an agent resolves as context for AI tools and why. The snapshot
// header (version, aggregate hash, cap usage), the scan roots with add and remove, the resources
// grouped by kind with the reason for every skipped one, the selected resource's content
// (highlighted), the push to the control plane, and the timeline of the last versions.
class ContextView : public QWidget
{
    Q_OBJECT
public:
    explicit ContextView(QWidget *parent = nullptr);
    ~ContextView() override;

    // The agent to show; nullptr shows the empty state. `local` means the agent runs on this
    // machine: its MCP configs are read from disk (their bytes never leave an agent) and the
    // folder picker is offered. Not owned; opens the client's watch stream if it is closed.
    void setClient(ContextClient *client, bool local);
    ContextClient *client() const { return m_client; }
    bool isLocal() const { return m_local; }
    // The roots every resolve scans besides the user's sources, listed for information and used
    // to attribute resources. Only known for this machine's agent; setClient() clears them.
    void setFixedRoots(const QStringList &builtinRoots, const QString &workingDirectory);
    // What the push countdown reads (Clock::system() by default). Not owned.
    void setClock(Clock *clock);

    ContextResourceModel *model() const { return m_model; }
    QTreeView *tree() const { return m_tree; }
    QPlainTextEdit *contentView() const { return m_content; }
    KSyntaxHighlighting::SyntaxHighlighter *highlighter() const { return m_highlighter; }
    ContextPushPanel *pushPanel() const { return m_pushPanel; }
    QTreeWidget *timeline() const { return m_timeline; }

    QString selectedResourceId() const;
    // Selects (and shows) the resource; false when it is not in the snapshot.
    bool selectResource(const QString &id);
    // The name of the highlighting definition of the shown content ("Markdown", "JSON"), or
    // empty when no content is shown.
    QString contentDefinitionName() const;
    // Why no content is shown (MCP secrets, skipped, loading), or a note about the content.
    QString contentNote() const;
    QString detailErrorText() const;
    QString sourceErrorText() const;
    QString errorText() const;
    // Why the agent does not answer (a refused token, no route to it), shown in place in the
    // error bar until it answers again; empty clears it.
    void setConnectionProblem(const QString &problem);
    QStringList sources() const;
    // What the control plane `planeName` stored for this agent (version 0: nothing yet), shown
    // beside the agent's own as in sync or behind; an empty name hides it (no control plane
    // knows this agent).
    void setStoredState(const QString &planeName, qint64 version, const QString &hashHex);
    QString storedStateText() const;
    // The agent's own snapshot: version (0 before the first) and aggregate hash in hex.
    quint64 snapshotVersion() const;
    QString snapshotHashHex() const;
    // Behind: an older version, or the same version with another hash.
    static bool storedIsBehind(qint64 storedVersion, const QString &storedHash,
                               quint64 agentVersion, const QString &agentHash);

public Q_SLOTS:
    void addSource(const QString &path);
    void removeSelectedSource();
    void resync();

protected:
    void changeEvent(QEvent *event) override;

private:
    struct LocalRead
    {
        quint64 generation = 0;
        QString path;
        QByteArray bytes;
        qint64 size = 0;
        QString error;
    };

    QWidget *createHeader(QWidget *parent);
    QWidget *createSourcesPane(QWidget *parent);
    QWidget *createResourcePane(QWidget *parent);
    QWidget *createDetailPane(QWidget *parent);
    QWidget *createTimeline(QWidget *parent);
    void applyTheme();
    void showError(const QString &message);
    void clearError();
    void validateSourceInput();
    void showSourceError(const QString &message);

    void onSnapshot(const ContextSnapshot &snapshot);
    void onSources(const QStringList &sources);
    void onTimeline(const QList<ContextTimelineEntry> &timeline);
    static QString causeText(const ContextTimelineEntry &entry);
    void onResolving(bool resolving);
    void onConnected(bool connected);
    void updateHeader();
    void updateResourcePages();
    void updateFixedRoots();

    void onSelectionChanged();
    void showResource(const ContextResource &resource);
    void clearDetail();
    void loadContent(const ContextResource &resource);
    void readLocalFile(const QString &path);
    void onLocalRead();
    void showContent(const QString &text, const QString &definitionName, const QString &note);
    void showContentNote(const QString &note);

    QPointer<ContextClient> m_client;
    bool m_local = false;
    bool m_openedWatch = false;
    QStringList m_builtinRoots;
    QString m_workingDirectory;
    ContextSnapshot m_snapshot;
    QString m_detailId;
    ContextResource m_detailResource;
    quint64 m_contentGeneration = 0; // bumped for every content load; stale answers are dropped
    QFutureWatcher<LocalRead> *m_readWatcher;
    QSet<quint64> m_expandedVersions;
    QString m_contentDefinition;

    ContextResourceModel *m_model;
    ContextResourceFilterModel *m_proxy;

    QStackedWidget *m_pages;
    EmptyStatePage *m_noAgent;
    QAction *m_resyncAction;
    QLineEdit *m_filter;
    QLabel *m_connection;
    ErrorBar *m_errorBar;
    // This machine's scan roots persist in QSettings: given back to the agent (through its
    // API, so they are validated again) when its first list arrives, saved at every list after.
    QStringList m_sourcesToRestore;
    bool m_sourcesRestored = true;

    QLabel *m_version;
    QLabel *m_hash;
    QToolButton *m_copyHash;
    QLabel *m_resolving;
    QProgressBar *m_payloadBar;
    QProgressBar *m_countBar;
    QLabel *m_snapshotError;
    QLabel *m_storedState = nullptr;
    QString m_storedPlane;
    qint64 m_storedVersion = 0;
    QString m_storedHash;
    void updateStoredState();

    QListWidget *m_sourceList;
    QLineEdit *m_sourceEdit;
    QToolButton *m_browse;
    QPushButton *m_addSource;
    QPushButton *m_removeSource;
    QLabel *m_sourceError;
    QListWidget *m_fixedRoots;

    QStackedWidget *m_resourcePages;
    QTreeView *m_tree;

    QStackedWidget *m_detailPages;
    ElidedLabel *m_detailTitle;
    QLabel *m_detailStatusIcon;
    QLabel *m_detailStatus;
    QLabel *m_detailError;
    ElidedLabel *m_idLabel;
    QLabel *m_sizeLabel;
    ElidedLabel *m_hashLabel;
    ElidedLabel *m_sourceLabel;
    QLabel *m_sourceOrigin;
    QLabel *m_descriptionLabel;
    QLabel *m_contentNote;
    QPlainTextEdit *m_content;
    KSyntaxHighlighting::SyntaxHighlighter *m_highlighter;

    QTabWidget *m_bottomTabs;
    ContextPushPanel *m_pushPanel;
    QTreeWidget *m_timeline;
};
