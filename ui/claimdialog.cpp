#include "claimdialog.h"

#include "controlplane/controlplaneclient.h"
#include "http/apicall.h"
#include "store/records.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

ClaimDialog::ClaimDialog(ControlPlaneClient *client, const QString &workspaceId,
                         const QString &workspaceName, QWidget *parent)
    : QDialog(parent)
    , m_client(client)
    , m_workspaceId(workspaceId)
{
    setObjectName(QStringLiteral("claimDialog"));
    setWindowTitle(tr("Claim %1").arg(workspaceName));

    auto *explanation = new QLabel(
            tr("The prebuilt workspace %1 becomes the new owner's. Once its claim build "
               "succeeds, its agent is told to reinitialize: its processes end and it starts "
               "again for the new owner.")
                    .arg(workspaceName),
            this);
    explanation->setWordWrap(true);
    m_owner = new QLineEdit(this);
    m_owner->setObjectName(QStringLiteral("claimOwnerEdit"));
    m_owner->setAccessibleName(tr("New owner"));
    m_owner->setPlaceholderText(tr("User name, e.g. alice"));
    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("claimError"));
    m_error->setWordWrap(true);
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_error->hide();

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    m_claim = buttons->addButton(tr("&Claim"), QDialogButtonBox::AcceptRole);
    m_claim->setObjectName(QStringLiteral("claimButton"));
    m_claim->setDefault(true);
    connect(buttons, &QDialogButtonBox::accepted, this, &ClaimDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *form = new QFormLayout;
    form->addRow(tr("New &owner:"), m_owner);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(explanation);
    layout->addLayout(form);
    layout->addWidget(m_error);
    layout->addWidget(buttons);
    setMinimumWidth(460);
    connect(m_owner, &QLineEdit::textChanged, this, &ClaimDialog::validate);
    validate();
}

QString ClaimDialog::owner() const
{
    return m_owner->text().trimmed();
}

QString ClaimDialog::errorText() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

QString ClaimDialog::validationError(const QString &owner)
{
    if (owner.isEmpty()) {
        return tr("Enter the new owner's user name.");
    }
    if (!Records::isValidName(owner)) {
        return tr("A user name has letters, digits and inner dashes, at most 32.");
    }
    return {};
}

void ClaimDialog::validate()
{
    const QString error = validationError(owner());
    m_error->setText(m_owner->text().isEmpty() ? QString() : error);
    m_error->setVisible(!m_owner->text().isEmpty() && !error.isEmpty());
    m_claim->setEnabled(error.isEmpty() && !m_busy);
}

void ClaimDialog::accept()
{
    if (!validationError(owner()).isEmpty() || m_busy) {
        return;
    }
    if (!m_client) {
        m_error->setText(tr("The control plane is gone."));
        m_error->show();
        return;
    }
    m_busy = true;
    m_claim->setEnabled(false);
    m_error->hide();
    ApiCall *call = m_client->claim(m_workspaceId, owner());
    connect(call, &ApiCall::finished, this, [this] {
        m_busy = false;
        Q_EMIT claimed(m_workspaceId, owner());
        QDialog::accept();
    });
    connect(call, &ApiCall::failed, this, [this](const ApiError &error) {
        m_busy = false;
        m_error->setText(error.fromServer && !error.message.isEmpty()
                                 ? error.message +
                                         (error.detail.isEmpty()
                                                  ? QString()
                                                  : QStringLiteral(" (%1)").arg(error.detail))
                                 : tr("The claim did not reach the control plane: %1")
                                           .arg(error.toString()));
        m_error->show();
        validate();
    });
}
