#pragma once

#include <QByteArrayView>
#include <QString>

#include <functional>

// Who a request's token says its caller is. An agent's own server knows one caller, its
// owner (Operator); a control plane knows its operator and each workspace agent by its token.
struct Identity
{
    enum class Role { None, Operator, Agent };
    Role role = Role::None;
    QString subject; // the agent's id for Role::Agent

    bool isValid() const { return role != Role::None; }
};

// Maps a presented token (never empty) to its identity; Role::None for an unknown token. Runs
// on the server's thread for every request, before its body is read: it must not block.
using Authenticator = std::function<Identity(QByteArrayView token)>;
