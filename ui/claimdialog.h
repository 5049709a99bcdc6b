#pragma once

#include <QDialog>
#include <QPointer>

class ControlPlaneClient;
class QLabel;
class QLineEdit;
class QPushButton;

// Workspace > Claim…: gives a prebuilt workspace to a user, as a person claiming it in Coder
// would. The dialog stays open until the control plane has accepted the claim, and shows its
// refusal (claimed already, not prebuilt, a bad name) in place.
class ClaimDialog : public QDialog
{
    Q_OBJECT
public:
    ClaimDialog(ControlPlaneClient *client, const QString &workspaceId,
                const QString &workspaceName, QWidget *parent = nullptr);

    QString owner() const;
    QString errorText() const;
    // Coder's user-name rule; empty when valid, else what is wrong.
    static QString validationError(const QString &owner);

public Q_SLOTS:
    void accept() override;

Q_SIGNALS:
    // The control plane accepted the claim (202): the claim build runs.
    void claimed(const QString &workspaceId, const QString &owner);

private:
    void validate();

    QPointer<ControlPlaneClient> m_client;
    QString m_workspaceId;
    QLineEdit *m_owner;
    QLabel *m_error;
    QPushButton *m_claim;
    bool m_busy = false;
};
