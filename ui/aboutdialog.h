#pragma once

#include <QDialog>

// Help > About: what the app is, and the versions of the app, Qt and KSyntaxHighlighting.
class AboutDialog : public QDialog
{
    Q_OBJECT
public:
    explicit AboutDialog(QWidget *parent = nullptr);

    // The plain-text version lines, as shown (also handy for bug reports and tests).
    QString versionText() const;

private:
    QString m_versionText;
};
