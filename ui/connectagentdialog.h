#pragma once

#include <QByteArray>
#include <QDialog>
#include <QUrl>

class QLabel;
class QLineEdit;
class QPushButton;
class ApiClient;
class ProcessClient;

// File > Connect to Agent… and File > Connect to Control Plane…: a remote agent's or control
// plane's URL and token (and an optional name), with "Test connection", which asks it with
// that token and says what it answered. The note under the token says where it will be kept
// (keychain, or a private file).
class ConnectAgentDialog : public QDialog
{
    Q_OBJECT
public:
    enum class Target { Agent, ControlPlane };
    explicit ConnectAgentDialog(QWidget *parent = nullptr);
    explicit ConnectAgentDialog(Target target, QWidget *parent = nullptr);
    Target target() const { return m_target; }
    ~ConnectAgentDialog() override;

    QString name() const; // the URL's host:port when left empty
    QUrl url() const;
    QByteArray token() const;
    void setFields(const QString &name, const QUrl &url, const QByteArray &token);

    // What an agent is called when no name is given: its host:port.
    static QString defaultName(const QUrl &url);
    // An http(s) URL with a host, and a token: empty when valid, else what is wrong.
    static QString validationError(const QUrl &url, const QByteArray &token);

public Q_SLOTS:
    void testConnection();

private:
    void validate();

    QLineEdit *m_name;
    QLineEdit *m_url;
    QLineEdit *m_token;
    QLabel *m_error;
    QLabel *m_testResult;
    QPushButton *m_test;
    QPushButton *m_connect;
    ProcessClient *m_probe = nullptr;
    ApiClient *m_planeProbe = nullptr;
    Target m_target = Target::Agent;
};
