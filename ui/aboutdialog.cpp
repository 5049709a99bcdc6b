#include "aboutdialog.h"

#include "common/buildinfo.h"

#include <ksyntaxhighlighting_version.h>

#include <QDialogButtonBox>
#include <QIcon>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

AboutDialog::AboutDialog(QWidget *parent)
    : QDialog(parent)
{
    setObjectName(QStringLiteral("aboutDialog"));
    setWindowTitle(tr("About Workspace Companion"));

    m_versionText = tr("Workspace Companion %1\nQt %2 (built against %3)\nKSyntaxHighlighting %4")
                            .arg(BuildInfo::applicationVersion(), BuildInfo::qtRuntimeVersion(),
                                 BuildInfo::qtBuildVersion(),
                                 QStringLiteral(KSYNTAXHIGHLIGHTING_VERSION_STRING));

    auto *icon = new QLabel(this);
    icon->setPixmap(QIcon(QStringLiteral(":/icons/workspace-companion.svg")).pixmap(64, 64));
    icon->setAlignment(Qt::AlignCenter);

    auto *name = new QLabel(tr("Workspace Companion"), this);
    QFont nameFont = name->font();
    nameFont.setPointSizeF(nameFont.pointSizeF() * 1.5);
    nameFont.setBold(true);
    name->setFont(nameFont);
    name->setAlignment(Qt::AlignCenter);

    auto *description = new QLabel(
            tr("Runs the agent side and the chat runtime of AI-assisted cloud development "
               "workspaces, and shows you what they do."),
            this);
    description->setWordWrap(true);
    description->setAlignment(Qt::AlignCenter);

    auto *versions = new QLabel(m_versionText, this);
    versions->setObjectName(QStringLiteral("aboutVersions"));
    versions->setAlignment(Qt::AlignCenter);
    versions->setTextInteractionFlags(Qt::TextSelectableByMouse);
    versions->setAccessibleName(tr("Versions"));

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    buttons->button(QDialogButtonBox::Close)->setObjectName(QStringLiteral("aboutCloseButton"));
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(icon);
    layout->addWidget(name);
    layout->addWidget(description);
    layout->addSpacing(8);
    layout->addWidget(versions);
    layout->addWidget(buttons);
    setMinimumWidth(420);
}

QString AboutDialog::versionText() const
{
    return m_versionText;
}
