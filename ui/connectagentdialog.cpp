#include "connectagentdialog.h"

#include "http/apiclient.h"

#include "tokenstore.h"

#include "http/apicall.h"
#include "process/processclient.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QJsonArray>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

ConnectAgentDialog::ConnectAgentDialog(QWidget *parent)
    : ConnectAgentDialog(Target::Agent, parent)
{ }

ConnectAgentDialog::ConnectAgentDialog(Target target, QWidget *parent)
    : QDialog(parent)
    , m_target(target)
{
    const bool plane = target == Target::ControlPlane;
    setObjectName(plane ? QStringLiteral("connectControlPlaneDialog")
                        : QStringLiteral("connectAgentDialog"));
    setWindowTitle(plane ? tr("Connect to Control Plane") : tr("Connect to Agent"));

    m_url = new QLineEdit(this);
    m_url->setObjectName(QStringLiteral("agentUrlEdit"));
    m_url->setAccessibleName(plane ? tr("Control plane URL") : tr("Agent URL"));
    m_url->setPlaceholderText(plane ? tr("http://controlplane.example:7080")
                                    : tr("http://workspace.example:7401"));
    m_token = new QLineEdit(this);
    m_token->setObjectName(QStringLiteral("agentTokenEdit"));
    m_token->setAccessibleName(tr("Token"));
    m_token->setEchoMode(QLineEdit::Password);
    m_token->setPlaceholderText(plane ? tr("The contents of the operator token file")
                                      : tr("The contents of the agent's token file"));
    m_name = new QLineEdit(this);
    m_name->setObjectName(QStringLiteral("agentNameEdit"));
    m_name->setAccessibleName(tr("Name"));
    m_name->setPlaceholderText(tr("Optional: shown in the sidebar"));

    auto *storage = new QLabel(this);
    storage->setObjectName(QStringLiteral("tokenStorageNote"));
    storage->setWordWrap(true);
    storage->setText(TokenStore::keychainAvailable()
                             ? tr("The token is kept in the system keychain.")
                             : tr("No keychain service is running: the token is kept in a file "
                                  "only you can read (%1).")
                                       .arg(TokenStore::fallbackPath(QStringLiteral("…"))
                                                    .section(QLatin1Char('/'), 0, -2)));

    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("connectError"));
    m_error->setWordWrap(true);
    m_testResult = new QLabel(this);
    m_testResult->setObjectName(QStringLiteral("testResult"));
    m_testResult->setWordWrap(true);
    m_testResult->setTextFormat(Qt::PlainText);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    m_test = buttons->addButton(tr("&Test Connection"), QDialogButtonBox::ActionRole);
    m_test->setObjectName(QStringLiteral("testConnectionButton"));
    m_connect = buttons->addButton(tr("C&onnect"), QDialogButtonBox::AcceptRole);
    m_connect->setObjectName(QStringLiteral("connectButton"));
    m_connect->setDefault(true);
    connect(m_test, &QPushButton::clicked, this, &ConnectAgentDialog::testConnection);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *form = new QFormLayout;
    form->addRow(tr("&URL:"), m_url);
    form->addRow(tr("To&ken:"), m_token);
    form->addRow(QString(), storage);
    form->addRow(tr("&Name:"), m_name);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_error);
    layout->addWidget(m_testResult);
    layout->addWidget(buttons);
    setMinimumWidth(520);

    connect(m_url, &QLineEdit::textChanged, this, &ConnectAgentDialog::validate);
    connect(m_token, &QLineEdit::textChanged, this, &ConnectAgentDialog::validate);
    validate();
}

ConnectAgentDialog::~ConnectAgentDialog()
{
    delete m_probe; // its call goes with it
    delete m_planeProbe;
}

QString ConnectAgentDialog::name() const
{
    const QString typed = m_name->text().trimmed();
    return typed.isEmpty() ? defaultName(url()) : typed;
}

QString ConnectAgentDialog::defaultName(const QUrl &url)
{
    return url.port() > 0 ? QStringLiteral("%1:%2").arg(url.host()).arg(url.port()) : url.host();
}

QUrl ConnectAgentDialog::url() const
{
    return QUrl::fromUserInput(m_url->text().trimmed());
}

QByteArray ConnectAgentDialog::token() const
{
    return m_token->text().trimmed().toUtf8();
}

void ConnectAgentDialog::setFields(const QString &name, const QUrl &url, const QByteArray &token)
{
    m_name->setText(name);
    m_url->setText(url.toString());
    m_token->setText(QString::fromUtf8(token));
}

QString ConnectAgentDialog::validationError(const QUrl &url, const QByteArray &token)
{
    if (!url.isValid() || url.host().isEmpty() ||
        (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https"))) {
        return tr("Enter the agent's http:// or https:// URL.");
    }
    if (token.isEmpty()) {
        return tr("Enter the agent's token.");
    }
    return {};
}

void ConnectAgentDialog::validate()
{
    const bool typed = !m_url->text().trimmed().isEmpty() || !m_token->text().isEmpty();
    const QString error = validationError(url(), token());
    m_error->setText(typed ? error : QString());
    m_error->setVisible(typed && !error.isEmpty());
    m_connect->setEnabled(error.isEmpty());
    m_test->setEnabled(error.isEmpty());
    m_testResult->clear();
}

void ConnectAgentDialog::testConnection()
{
    if (!validationError(url(), token()).isEmpty()) {
        return;
    }
    m_testResult->setText(tr("Asking %1…").arg(url().toString()));
    if (m_target == Target::ControlPlane) {
        delete m_planeProbe;
        m_planeProbe = new ApiClient(url(), token());
        ApiCall *call = m_planeProbe->get(QStringLiteral("/api/v2/workspaces"));
        connect(call, &ApiCall::finished, this, [this](const QJsonValue &body) {
            const qsizetype count =
                    body.toObject().value(QStringLiteral("workspaces")).toArray().size();
            m_testResult->setText(tr("Connected: the control plane answered, with %n "
                                     "workspace(s).",
                                     nullptr, int(count)));
        });
        connect(call, &ApiCall::failed, this, [this](const ApiError &error) {
            m_testResult->setText(
                    error.status == 401 || error.status == 403
                            ? tr("The control plane refused this token (the operator token is "
                                 "needed): %1")
                                      .arg(error.toString())
                            : tr("No answer: %1").arg(error.toString()));
        });
        return;
    }
    delete m_probe;
    m_probe = new ProcessClient(url(), token());
    ApiCall *call = m_probe->listProcesses();
    connect(call, &ApiCall::finished, this, [this](const QJsonValue &body) {
        const qsizetype count = body.toObject().value(QStringLiteral("processes")).toArray().size();
        m_testResult->setText(
                tr("Connected: the agent answered, with %n process(es).", nullptr, int(count)));
    });
    connect(call, &ApiCall::failed, this, [this](const ApiError &error) {
        m_testResult->setText(error.status == 401 || error.status == 403
                                      ? tr("The agent refused this token: %1").arg(error.toString())
                                      : tr("No answer: %1").arg(error.toString()));
    });
}
