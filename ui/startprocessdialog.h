#pragma once

#include "process/processclient.h"

#include <QDialog>

class QCheckBox;
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

private:
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
};
