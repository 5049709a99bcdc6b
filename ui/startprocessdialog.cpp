#include "startprocessdialog.h"

#include <QAbstractItemView>
#include <QCheckBox>
#include <QCompleter>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSet>
#include <QSettings>
#include <QTableWidget>
#include <QToolButton>
#include <QUuid>
#include <QVBoxLayout>

#include <algorithm>

namespace {

QLabel *errorLabel(const QString &objectName, QWidget *parent)
{
    auto *label = new QLabel(parent);
    label->setObjectName(objectName);
    label->setWordWrap(true);
    label->setVisible(false);
    QPalette p = label->palette();
    // Readable on light and dark palettes alike.
    p.setColor(QPalette::WindowText,
               p.color(QPalette::Base).lightness() > 128 ? QColor(0xb0, 0x1c, 0x1c)
                                                         : QColor(0xff, 0x8a, 0x80));
    label->setPalette(p);
    return label;
}

void showError(QLabel *label, const QString &text)
{
    label->setText(text);
    label->setVisible(!text.isEmpty());
}

} // namespace

StartProcessDialog::StartProcessDialog(bool localAgent, QWidget *parent)
    : QDialog(parent)
    , m_localAgent(localAgent)
{
    setObjectName(QStringLiteral("startProcessDialog"));
    setWindowTitle(tr("Start Process"));

    m_command = new QPlainTextEdit(this);
    m_command->setObjectName(QStringLiteral("commandEdit"));
    m_command->setAccessibleName(tr("Command"));
    m_command->setPlaceholderText(tr("Run with sh -c, for example: npm test"));
    m_command->setTabChangesFocus(true);
    m_command->setFixedHeight(m_command->fontMetrics().lineSpacing() * 4);
    m_command->setToolTip(tr("Enter starts the process, Shift+Enter adds a line. Up and Down "
                             "go through the commands started before."));
    m_command->installEventFilter(this);
    m_history = history();
    m_completer = new QCompleter(m_history, this);
    m_completer->setObjectName(QStringLiteral("commandCompleter"));
    m_completer->setWidget(m_command);
    m_completer->setCompletionMode(QCompleter::PopupCompletion);
    m_completer->setCaseSensitivity(Qt::CaseSensitive);
    m_completer->setModelSorting(QCompleter::UnsortedModel); // most recent first
    connect(m_completer, qOverload<const QString &>(&QCompleter::activated), this,
            &StartProcessDialog::setCommand);
    m_completer->popup()->installEventFilter(this); // after the completer's: runs first
    m_commandError = errorLabel(QStringLiteral("commandError"), this);

    m_workDir = new QLineEdit(this);
    m_workDir->setObjectName(QStringLiteral("workDirEdit"));
    m_workDir->setAccessibleName(tr("Working directory"));
    m_workDir->setPlaceholderText(tr("The agent's working directory"));
    auto *browse = new QToolButton(this);
    browse->setObjectName(QStringLiteral("browseWorkDirButton"));
    browse->setText(tr("Browse…"));
    browse->setAccessibleName(tr("Choose working directory"));
    browse->setEnabled(localAgent);
    browse->setToolTip(localAgent
                               ? tr("Choose a folder on this machine")
                               : tr("Folders of a remote workspace cannot be browsed from here"));
    connect(browse, &QToolButton::clicked, this, [this] {
        const QString dir =
                QFileDialog::getExistingDirectory(this, tr("Working Directory"), m_workDir->text());
        if (!dir.isEmpty()) {
            m_workDir->setText(dir);
        }
    });
    auto *workDirRow = new QHBoxLayout;
    workDirRow->addWidget(m_workDir);
    workDirRow->addWidget(browse);
    m_workDirError = errorLabel(QStringLiteral("workDirError"), this);

    m_environment = new QTableWidget(0, 2, this);
    m_environment->setObjectName(QStringLiteral("environmentTable"));
    m_environment->setAccessibleName(tr("Environment variables"));
    m_environment->setHorizontalHeaderLabels({tr("Name"), tr("Value")});
    m_environment->horizontalHeader()->setStretchLastSection(true);
    m_environment->verticalHeader()->hide();
    m_environment->setMinimumHeight(110);
    auto *addVariable = new QPushButton(tr("Add Variable"), this);
    addVariable->setObjectName(QStringLiteral("addVariableButton"));
    auto *removeVariable = new QPushButton(tr("Remove"), this);
    removeVariable->setObjectName(QStringLiteral("removeVariableButton"));
    connect(addVariable, &QPushButton::clicked, this, [this] {
        addEnvironmentRow();
        m_environment->editItem(m_environment->item(m_environment->rowCount() - 1, 0));
    });
    connect(removeVariable, &QPushButton::clicked, this, [this] {
        if (m_environment->currentRow() >= 0) {
            m_environment->removeRow(m_environment->currentRow());
            validate();
        }
    });
    connect(m_environment, &QTableWidget::itemChanged, this, &StartProcessDialog::validate);
    auto *envButtons = new QVBoxLayout;
    envButtons->addWidget(addVariable);
    envButtons->addWidget(removeVariable);
    envButtons->addStretch();
    auto *envRow = new QHBoxLayout;
    envRow->addWidget(m_environment);
    envRow->addLayout(envButtons);
    m_environmentError = errorLabel(QStringLiteral("environmentError"), this);

    m_chatId = new QLineEdit(this);
    m_chatId->setObjectName(QStringLiteral("chatIdEdit"));
    m_chatId->setAccessibleName(tr("Chat ID"));
    m_chatId->setPlaceholderText(tr("Optional: the UUID of the chat this process belongs to"));
    m_chatIdError = errorLabel(QStringLiteral("chatIdError"), this);

    m_background = new QCheckBox(tr("Run in the &background"), this);
    m_background->setObjectName(QStringLiteral("backgroundCheck"));
    m_background->setToolTip(
            tr("Marks the process as a background process, as AI chats do for servers "
               "and watchers."));

    m_serverError = errorLabel(QStringLiteral("serverError"), this);

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("&Start"));
    m_buttons->button(QDialogButtonBox::Ok)->setObjectName(QStringLiteral("startButton"));
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *form = new QFormLayout;
    form->addRow(tr("&Command:"), m_command);
    form->addRow(QString(), m_commandError);
    // Rows that hold a layout get no buddy from QFormLayout, and a label without one shows
    // its "&" literally: set the buddies by hand.
    auto *workDirLabel = new QLabel(tr("&Working directory:"), this);
    workDirLabel->setBuddy(m_workDir);
    form->addRow(workDirLabel, workDirRow);
    form->addRow(QString(), m_workDirError);
    auto *environmentLabel = new QLabel(tr("&Environment:"), this);
    environmentLabel->setBuddy(m_environment);
    form->addRow(environmentLabel, envRow);
    form->addRow(QString(), m_environmentError);
    form->addRow(tr("C&hat ID:"), m_chatId);
    form->addRow(QString(), m_chatIdError);
    form->addRow(QString(), m_background);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_serverError);
    layout->addWidget(m_buttons);
    setMinimumWidth(560);

    connect(m_command, &QPlainTextEdit::textChanged, this, &StartProcessDialog::validate);
    connect(m_command, &QPlainTextEdit::textChanged, this, [this] {
        if (!m_settingCommand) {
            m_historyIndex = -1;
            offerCompletions();
        }
    });
    connect(m_workDir, &QLineEdit::textChanged, this, &StartProcessDialog::validate);
    connect(m_chatId, &QLineEdit::textChanged, this, &StartProcessDialog::validate);
    validate();
}

void StartProcessDialog::addEnvironmentRow(const QString &key, const QString &value)
{
    const int row = m_environment->rowCount();
    m_environment->insertRow(row);
    m_environment->setItem(row, 0, new QTableWidgetItem(key));
    m_environment->setItem(row, 1, new QTableWidgetItem(value));
}

void StartProcessDialog::validate()
{
    showError(m_serverError, {});
    // An empty command is only an error once the user could have typed one.
    const bool emptyCommand = m_command->toPlainText().trimmed().isEmpty();
    m_commandTyped = m_commandTyped || !emptyCommand;
    showError(m_commandError, emptyCommand && m_commandTyped ? tr("Enter a command.") : QString());

    const QString dir = m_workDir->text().trimmed();
    QString workDirError;
    if (!dir.isEmpty() && m_localAgent) {
        const QFileInfo info(dir);
        if (!info.isAbsolute()) {
            workDirError = tr("Use an absolute path.");
        } else if (!info.isDir()) {
            workDirError = tr("This folder does not exist.");
        }
    }
    showError(m_workDirError, workDirError);

    static const QRegularExpression name(QStringLiteral("^[A-Za-z_][A-Za-z0-9_]*$"));
    QString envError;
    QSet<QString> seen;
    for (int row = 0; row < m_environment->rowCount() && envError.isEmpty(); ++row) {
        const QString key = m_environment->item(row, 0)
                ? m_environment->item(row, 0)->text().trimmed()
                : QString();
        if (key.isEmpty()) {
            envError = tr("Row %1: enter a variable name.").arg(row + 1);
        } else if (!name.match(key).hasMatch()) {
            envError = tr("Row %1: %2 is not a valid variable name (letters, digits and _, not "
                          "starting "
                          "with a digit).")
                               .arg(row + 1)
                               .arg(key);
        } else if (seen.contains(key)) {
            envError = tr("Row %1: %2 is set twice.").arg(row + 1).arg(key);
        }
        seen.insert(key);
    }
    showError(m_environmentError, envError);

    const QString chat = m_chatId->text().trimmed();
    showError(m_chatIdError,
              !chat.isEmpty() && QUuid::fromString(chat).isNull()
                      ? tr("A chat ID is a UUID, for example 5c0f6b1e-8d4b-4e38-9a47-2f1c3f0f2b7e.")
                      : QString());

    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(isValid());
}

bool StartProcessDialog::isValid() const
{
    return !m_command->toPlainText().trimmed().isEmpty() && m_workDirError->text().isEmpty() &&
            m_environmentError->text().isEmpty() && m_chatIdError->text().isEmpty();
}

ProcessClient::StartRequest StartProcessDialog::request() const
{
    ProcessClient::StartRequest r;
    r.command = m_command->toPlainText().trimmed();
    r.workDir = m_workDir->text().trimmed();
    for (int row = 0; row < m_environment->rowCount(); ++row) {
        const auto *key = m_environment->item(row, 0);
        const auto *value = m_environment->item(row, 1);
        if (key && !key->text().trimmed().isEmpty()) {
            r.environment.append({key->text().trimmed(), value ? value->text() : QString()});
        }
    }
    const QUuid chat = QUuid::fromString(m_chatId->text().trimmed());
    r.chatId = chat.isNull() ? QString() : chat.toString(QUuid::WithoutBraces);
    r.background = m_background->isChecked();
    return r;
}

void StartProcessDialog::setRequest(const ProcessClient::StartRequest &r)
{
    m_command->setPlainText(r.command);
    m_workDir->setText(r.workDir);
    m_environment->setRowCount(0);
    for (const auto &[key, value] : r.environment) {
        addEnvironmentRow(key, value);
    }
    m_chatId->setText(r.chatId);
    m_background->setChecked(r.background);
    validate();
}

namespace {
const QString historyKey = QStringLiteral("startProcess/history");
} // namespace

QStringList StartProcessDialog::history()
{
    return QSettings().value(historyKey).toStringList().mid(0, HistorySize);
}

void StartProcessDialog::clearHistory()
{
    QSettings().remove(historyKey);
}

void StartProcessDialog::accept()
{
    if (!isValid()) {
        return;
    }
    const QString command = request().command;
    QStringList list = history();
    list.removeAll(command);
    list.prepend(command);
    QSettings().setValue(historyKey, list.mid(0, HistorySize));
    QDialog::accept();
}

void StartProcessDialog::setCommand(const QString &command)
{
    m_settingCommand = true;
    m_command->setPlainText(command);
    m_command->moveCursor(QTextCursor::End);
    m_settingCommand = false;
}

void StartProcessDialog::offerCompletions()
{
    const QString text = m_command->toPlainText();
    if (text.isEmpty() || text.contains(QLatin1Char('\n')) || m_history.isEmpty()) {
        m_completer->popup()->hide();
        return;
    }
    m_completer->setCompletionPrefix(text);
    if (m_completer->completionCount() == 0 ||
        (m_completer->completionCount() == 1 && m_completer->currentCompletion() == text)) {
        m_completer->popup()->hide();
        return;
    }
    QRect rect = m_command->cursorRect();
    rect.setWidth(m_command->width());
    m_completer->complete(rect);
}

bool StartProcessDialog::eventFilter(QObject *watched, QEvent *event)
{
    QAbstractItemView *popup = m_completer->popup();
    if ((watched != m_command && watched != popup) || event->type() != QEvent::KeyPress) {
        return QDialog::eventFilter(watched, event);
    }
    auto *key = static_cast<QKeyEvent *>(event);
    const Qt::KeyboardModifiers modifiers = key->modifiers() & ~Qt::KeypadModifier;
    const bool enter = key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter;
    if (enter && popup->isVisible() && modifiers == Qt::ShiftModifier) {
        popup->hide(); // a new line, as without the list
        m_command->insertPlainText(QStringLiteral("\n"));
        return true;
    }
    if (enter && popup->isVisible()) {
        // Enter in the list picks the highlighted command (QCompleter would hand the key to
        // the text, which makes it a new line); with nothing highlighted it starts.
        const QModelIndex current = popup->currentIndex();
        popup->hide();
        if (current.isValid()) {
            setCommand(current.data().toString());
        } else if (watched == popup) {
            accept();
        }
        if (current.isValid() || watched == popup) {
            return true;
        }
    }
    if (watched == popup) {
        return QDialog::eventFilter(watched, event); // navigation is the completer's
    }
    if (enter && modifiers == Qt::ShiftModifier) {
        m_command->insertPlainText(QStringLiteral("\n")); // not the U+2028 Qt would insert
        return true;
    }
    if (enter && modifiers == Qt::NoModifier) {
        accept(); // refuses an invalid request; its errors are already shown
        return true;
    }
    const bool up = key->key() == Qt::Key_Up;
    if ((up || key->key() == Qt::Key_Down) && modifiers == Qt::NoModifier && !popup->isVisible() &&
        (m_historyIndex >= 0 || !m_command->toPlainText().contains(QLatin1Char('\n')))) {
        if (m_historyIndex < 0) {
            m_typed = m_command->toPlainText();
        }
        const int next = std::clamp(m_historyIndex + (up ? 1 : -1), -1, int(m_history.size()) - 1);
        if (next != m_historyIndex) {
            m_historyIndex = next;
            setCommand(next < 0 ? m_typed : m_history.at(next));
        }
        return true;
    }
    return QDialog::eventFilter(watched, event);
}

void StartProcessDialog::showServerError(const QString &message)
{
    showError(m_serverError, message);
}
