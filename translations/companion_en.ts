<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="en">
<context>
    <name>ConnectAgentDialog</name>
    <message numerus="yes">
        <source>Connected: the agent answered, with %n process(es).</source>
        <translation>
            <numerusform>Connected: the agent answered, with %n process.</numerusform>
            <numerusform>Connected: the agent answered, with %n processes.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Connected: the control plane answered, with %n workspace(s).</source>
        <translation>
            <numerusform>Connected: the control plane answered, with %n workspace.</numerusform>
            <numerusform>Connected: the control plane answered, with %n workspaces.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ContextPushPanel</name>
    <message numerus="yes">
        <source>%n path(s) cannot be watched; their changes show at the next resync:</source>
        <translation>
            <numerusform>%n path cannot be watched; its changes show at the next resync:</numerusform>
            <numerusform>%n paths cannot be watched; their changes show at the next resync:</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ContextResourceModel</name>
    <message numerus="yes">
        <source>%n skipped</source>
        <translation>
            <numerusform>%n skipped</numerusform>
            <numerusform>%n skipped</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n byte(s)</source>
        <translation>
            <numerusform>%n byte</numerusform>
            <numerusform>%n bytes</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ContextView</name>
    <message numerus="yes">
        <source>%n added, </source>
        <translation>
            <numerusform>%n added, </numerusform>
            <numerusform>%n added, </numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n removed, </source>
        <translation>
            <numerusform>%n removed, </numerusform>
            <numerusform>%n removed, </numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n changed</source>
        <translation>
            <numerusform>%n changed</numerusform>
            <numerusform>%n changed</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message numerus="yes">
        <source>%n process(es) are running. Quitting ends them.</source>
        <translation>
            <numerusform>%n process is running. Quitting ends it.</numerusform>
            <numerusform>%n processes are running. Quitting ends them.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n workspace(s)</source>
        <translation>
            <numerusform>%n workspace</numerusform>
            <numerusform>%n workspaces</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>OutputView</name>
    <message numerus="yes">
        <source>↓ %n new line(s) below</source>
        <extracomment>shown over the output while it is not following; clicking it follows again</extracomment>
        <translation>
            <numerusform>↓ %n new line below</numerusform>
            <numerusform>↓ %n new lines below</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ProcessesView</name>
    <message numerus="yes">
        <source>%n match(es)</source>
        <translation>
            <numerusform>%n match</numerusform>
            <numerusform>%n matches</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ReinitEventsView</name>
    <message numerus="yes">
        <source>%n event(s)</source>
        <translation>
            <numerusform>%n event</numerusform>
            <numerusform>%n events</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>RunnersView</name>
    <message numerus="yes">
        <source>%1 of %n chat(s)</source>
        <translation>
            <numerusform>%1 of %n chat</numerusform>
            <numerusform>%1 of %n chats</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n chat(s)</source>
        <translation>
            <numerusform>%n chat</numerusform>
            <numerusform>%n chats</numerusform>
        </translation>
    </message>
</context>
</TS>
