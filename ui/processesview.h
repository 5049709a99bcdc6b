#pragma once

#include "process/outputsearch.h"

#include "process/processclient.h"
#include "process/processresources.h"

#include <QPointer>
#include <QSet>
#include <QWidget>

#include <memory>

class ElidedLabel;
class EmptyStatePage;
class ErrorBar;
class OutputCapture;
class OutputView;
class ProcessFilterModel;
class ProcessListModel;
class ProcessOutputStream;
class ProcessWatch;
class QAction;
class QFrame;
class ElidedLabel;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QSplitter;
class QStackedWidget;
class QTableView;
class QTimer;
class QToolButton;

// The Processes view: the agent's processes (live), starting and signalling them, and the
// output of the selected one, either in full (streamed, coloured, searchable) or as an AI
// client sees it through the upstream API (head and tail with the omitted-bytes marker).
class ProcessesView : public QWidget
{
    Q_OBJECT
public:
    explicit ProcessesView(QWidget *parent = nullptr);
    ~ProcessesView() override;

    // The agent to show; nullptr shows the empty state. `local` enables the folder picker and
    // says whether paths are on this machine. Not owned.
    void setClient(ProcessClient *client, bool local);
    ProcessClient *client() const { return m_client; }

    ProcessListModel *model() const { return m_model; }
    OutputView *outputView() const { return m_output; }
    QTableView *table() const { return m_table; }
    QString selectedProcessId() const;
    void selectProcess(const QString &id);

    // Starts a process as the dialog does, remembering it for the exit notification.
    void startProcess(const ProcessClient::StartRequest &request);
    // Writes the output as plain text, off the GUI thread; outputSaved() tells how it went.
    void saveOutput(const QString &path);
    // Where Save Output proposes to write `fileName`: the last folder saved to, or Downloads.
    static QString defaultSavePath(const QString &fileName);
    void setAiClientView(bool on);
    bool isAiClientView() const;
    QString aiClientText() const;
    QString exitBannerText() const;
    QString errorText() const;
    // Why the agent does not answer (a refused token, no route to it), shown in place in the
    // error bar until it answers again; empty clears it.
    void setConnectionProblem(const QString &problem);
    // Bytes of output kept per process here (the agent keeps its own).
    void setCaptureCapBytes(qint64 bytes) { m_captureCap = bytes; }

    // Start, Terminate, Kill, Restart and Clear Exited, for the window's Process menu: their
    // shortcuts work anywhere in the window.
    QList<QAction *> processActions() const;
    // Processes of this machine's agent still running: quitting the app ends them.
    int runningLocalCount() const;

public Q_SLOTS:
    void showStartDialog();
    void terminateSelected();
    // The same command, folder and environment as a new process; a running one is terminated
    // first and the new one starts when it has exited.
    void restartSelected();
    void clearExited();
    // Asks for confirmation first (a window-modal question with objectName "killConfirmation").
    void killSelected();

Q_SIGNALS:
    // A process started from this view exited.
    void notificationRequested(const QString &title, const QString &message);
    void processStarted(const QString &id);
    // A save finished; `error` is empty on success.
    void outputSaved(const QString &path, const QString &error);

private:
    void createActions();
    QWidget *createOutputPane();
    void showError(const QString &message);
    void clearError();
    void onSelectionChanged();
    void openOutput(const QString &id);
    void closeOutput();
    void updateActions();
    void updateBanner();
    void updateTableState();
    void refreshAiView();
    void onProcessUpdated(const QString &id);
    void signalSelected(const QString &signal);
    // The search box in "What an AI client sees": its text is at most 32 KiB and a bit, so it
    // is searched here, at once. Count only recounts (after a refresh).
    enum class AiFind { First, Next, Previous, Count };
    void findInAiText(AiFind how);
    void setColumnShown(int column, bool shown);
    void updateResourceSampling();
    OutputSearch::Pattern searchPattern() const;
    void applySearch();
    void showSearchState(int current, int count, bool searching);
    // "3 matches", "2 of 3", with "+" when the search stopped at its cap.
    static QString matchText(int current, int count, bool capped);

    QPointer<ProcessClient> m_client;
    bool m_local = false;
    qint64 m_captureCap;
    ProcessListModel *m_model;
    ProcessFilterModel *m_proxy;
    ProcessWatch *m_watch = nullptr;

    QStackedWidget *m_pages;
    EmptyStatePage *m_noAgent;
    QStackedWidget *m_tablePages;
    QTableView *m_table;
    QLineEdit *m_filter;
    ErrorBar *m_errorBar;
    QLabel *m_connection;

    ElidedLabel *m_outputTitle;
    QStackedWidget *m_outputPages;
    OutputView *m_output;
    QPlainTextEdit *m_aiText;
    QLabel *m_aiSummary;
    QToolButton *m_aiToggle;
    QToolButton *m_followButton;
    QLineEdit *m_search;
    QToolButton *m_matchCase;
    QToolButton *m_regex;
    QLabel *m_matches;
    QLabel *m_banner;
    QTimer *m_aiRefresh;
    ProcessResources *m_resources;
    QTimer *m_resourceTimer;

    QAction *m_startAction;
    QAction *m_terminateAction;
    QAction *m_killAction;
    QAction *m_restartAction;
    QAction *m_clearExitedAction;
    QAction *m_saveAction;
    QAction *m_findAction;
    QAction *m_wrapAction;
    QAction *m_lineNumbersAction;

    QString m_outputId;
    QString m_pendingSelection; // started here; select it when the watch delivers its row
    std::unique_ptr<OutputCapture> m_capture;
    ProcessOutputStream *m_stream = nullptr;
    QSet<QString> m_startedHere;
    QSet<QString> m_finishedIds;
    // What started each process from here (the agent does not list the environment), and the
    // restarts waiting for a process to exit; both forget a process with its row.
    QHash<QString, ProcessClient::StartRequest> m_requests;
    QHash<QString, ProcessClient::StartRequest> m_pendingRestarts;
};
