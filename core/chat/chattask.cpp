#include "chattask.h"

QString taskKindName(TaskKind kind)
{
    switch (kind) {
    case TaskKind::Generation:
        return QStringLiteral("generation");
    case TaskKind::Interrupt:
        return QStringLiteral("interrupt");
    case TaskKind::RequiresActionTimeout:
        return QStringLiteral("requires_action_timeout");
    case TaskKind::Abandon:
        return QStringLiteral("abandon");
    }
    return {};
}

TaskKind taskKindForState(const ChatState &state)
{
    if (state.archived) {
        return TaskKind::Abandon;
    }
    switch (state.status) {
    case ChatStatus::Running:
        return TaskKind::Generation;
    case ChatStatus::Interrupting:
        return TaskKind::Interrupt;
    case ChatStatus::RequiresAction:
        return TaskKind::RequiresActionTimeout;
    default:
        return TaskKind::Abandon;
    }
}
