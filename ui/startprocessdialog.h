#pragma once

#include "process/processclient.h"

#include <QDialog>

class QCheckBox;
class QCompleter;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QTableWidget;

// "Start process…": command, working directory (with a folder picker for the local agent),
// environment, optional chat id and the background flag. Errors show inline, next to their
// field, and OK stays disabled until the request is valid.
class StartProcessDialog : public QDialog
{
    Q_OBJECT
public:
    explicit StartProcessDialog(bool localAgent, QWidget *parent = nullptr);

    ProcessClient::StartRequest request() const;
    void setRequest(const ProcessClient::StartRequest &request);
    // Shows an error from the agent (for example a working directory that does not exist).
    void showServerError(const QString &message);
    bool isValid() const;

    // The commands started from this dialog, the most recent first, at most HistorySize,
    // kept in QSettings. Up and Down in an empty or one-line command browse them, and typing
    // offers the ones that start with what is typed.
    static constexpr int HistorySize = 50;
    static QStringList history();
    static void clearHistory();
    // Records the command in the history, then accepts.
    void accept() override;

protected:
    // Enter starts, Shift+Enter is a new line; history and completion keys.
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void setCommand(const QString &command);
    void offerCompletions();

    void validate();
    void addEnvironmentRow(const QString &key = {}, const QString &value = {});

    bool m_localAgent;
    bool m_commandTyped = false; // an empty command is an error only after one was typed
    QPlainTextEdit *m_command;
    QLabel *m_commandError;
    QLineEdit *m_workDir;
    QLabel *m_workDirError;
    QTableWidget *m_environment;
    QLabel *m_environmentError;
    QLineEdit *m_chatId;
    QLabel *m_chatIdError;
    QCheckBox *m_background;
    QLabel *m_serverError;
    QDialogButtonBox *m_buttons;
    QCompleter *m_completer;
    QStringList m_history;
    int m_historyIndex = -1; // browsing position with Up and Down; -1 is the text being typed
    QString m_typed; // what was typed before browsing
    bool m_settingCommand = false;
};
