<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE" sourcelanguage="en">
<context>
    <name>AboutDialog</name>
    <message>
        <source>About Workspace Companion</source>
        <translation>Über Workspace Companion</translation>
    </message>
    <message>
        <source>Workspace Companion %1
Qt %2 (built against %3)
KSyntaxHighlighting %4</source>
        <translation>Workspace Companion %1
Qt %2 (erstellt mit %3)
KSyntaxHighlighting %4</translation>
    </message>
    <message>
        <source>Workspace Companion</source>
        <translation>Workspace Companion</translation>
    </message>
    <message>
        <source>Runs the agent side and the chat runtime of AI-assisted cloud development workspaces, and shows you what they do.</source>
        <translation>Betreibt die Agentenseite und die Chat-Laufzeit KI-gestützter Cloud-Entwicklungsumgebungen und zeigt Ihnen, was sie tun.</translation>
    </message>
    <message>
        <source>Versions</source>
        <translation>Versionen</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Workspace Companion</source>
        <translation>Workspace Companion</translation>
    </message>
    <message>
        <source>No workspaces connected</source>
        <translation>Keine Arbeitsbereiche verbunden</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Views</source>
        <translation>Ansichten</translation>
    </message>
    <message>
        <source>&amp;Context</source>
        <translation>&amp;Kontext</translation>
    </message>
    <message>
        <source>No context resources yet</source>
        <translation>Noch keine Kontextressourcen</translation>
    </message>
    <message>
        <source>The instruction files (AGENTS.md, CLAUDE.md, .cursorrules), MCP configs (.mcp.json) and skills (SKILL.md) that a workspace&apos;s agent resolves appear here, with the reason for every file that was skipped.</source>
        <translation>Hier erscheinen die Anweisungsdateien (AGENTS.md, CLAUDE.md, .cursorrules), MCP-Konfigurationen (.mcp.json) und Skills (SKILL.md), die der Agent eines Arbeitsbereichs auflöst, mit dem Grund für jede übersprungene Datei.</translation>
    </message>
    <message>
        <source>&amp;Processes</source>
        <translation>&amp;Prozesse</translation>
    </message>
    <message>
        <source>No processes yet</source>
        <translation>Noch keine Prozesse</translation>
    </message>
    <message>
        <source>Processes that you or an AI chat start on a workspace&apos;s agent appear here, with their live output and exit codes. You will be able to start and signal them by hand.</source>
        <translation>Hier erscheinen Prozesse, die Sie oder ein KI-Chat auf dem Agenten eines Arbeitsbereichs starten, mit ihrer Live-Ausgabe und ihren Exit-Codes. Sie werden sie von Hand starten und ihnen Signale senden können.</translation>
    </message>
    <message>
        <source>&amp;Runners</source>
        <translation>&amp;Runner</translation>
    </message>
    <message>
        <source>No chat runners yet</source>
        <translation>Noch keine Chat-Runner</translation>
    </message>
    <message>
        <source>The chat runtime&apos;s runners appear here with their state, lease and heartbeat, once a control plane is running chats.</source>
        <translation>Sobald eine Steuerungsebene Chats ausführt, erscheinen hier die Runner der Chat-Laufzeit mit Zustand, Lease und Heartbeat.</translation>
    </message>
    <message>
        <source>R&amp;einit events</source>
        <translation>R&amp;einit-Ereignisse</translation>
    </message>
    <message>
        <source>No reinit events yet</source>
        <translation>Noch keine Reinit-Ereignisse</translation>
    </message>
    <message>
        <source>When a prebuilt workspace is claimed, its agent is told to restart. Each such event, and what the agent did with it, appears here.</source>
        <translation>Wird ein vorab erstellter Arbeitsbereich übernommen, erhält sein Agent die Anweisung, neu zu starten. Jedes solche Ereignis erscheint hier, zusammen mit dem, was der Agent daraufhin getan hat.</translation>
    </message>
    <message>
        <source>Workspaces</source>
        <translation>Arbeitsbereiche</translation>
    </message>
    <message>
        <source>No workspaces</source>
        <translation>Keine Arbeitsbereiche</translation>
    </message>
    <message>
        <source>This machine&apos;s agent and the workspaces of connected control planes are listed here.</source>
        <translation>Hier werden der Agent dieses Rechners und die Arbeitsbereiche verbundener Steuerungsebenen aufgeführt.</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;Datei</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>&amp;Ansicht</translation>
    </message>
    <message>
        <source>Show &amp;Sidebar</source>
        <translation>&amp;Seitenleiste anzeigen</translation>
    </message>
    <message>
        <source>&amp;Colour Scheme</source>
        <translation>&amp;Farbschema</translation>
    </message>
    <message>
        <source>Follow &amp;System</source>
        <translation>&amp;System folgen</translation>
    </message>
    <message>
        <source>&amp;Light</source>
        <translation>&amp;Hell</translation>
    </message>
    <message>
        <source>&amp;Dark</source>
        <translation>&amp;Dunkel</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Hilfe</translation>
    </message>
    <message>
        <source>&amp;About Workspace Companion</source>
        <translation>Über &amp;Workspace Companion</translation>
    </message>
    <message>
        <source>About &amp;Qt</source>
        <translation>Über &amp;Qt</translation>
    </message>
    <message>
        <source>Cannot create folder %1</source>
        <translation>Ordner %1 kann nicht angelegt werden</translation>
    </message>
</context>
<context>
    <name>QObject</name>
    <message>
        <source>Screenshot written to %1</source>
        <translation>Bildschirmfoto gespeichert unter %1</translation>
    </message>
    <message>
        <source>Cannot write screenshot %1: %2</source>
        <translation>Bildschirmfoto %1 kann nicht gespeichert werden: %2</translation>
    </message>
</context>
<context>
    <name>companiond</name>
    <message>
        <source>Headless Workspace Companion: runs a workspace agent or a control plane.</source>
        <translation>Workspace Companion ohne Oberfläche: betreibt einen Arbeitsbereichs-Agenten oder eine Steuerungsebene.</translation>
    </message>
    <message>
        <source>Displays version information.</source>
        <translation>Zeigt Versionsinformationen an.</translation>
    </message>
    <message>
        <source>The subcommand to run. None exists yet in this version: agent and server are being added.</source>
        <translation>Der auszuführende Unterbefehl. In dieser Version gibt es noch keinen: agent und server kommen hinzu.</translation>
    </message>
    <message>
        <source>Unknown command: %1. Run companiond --help.</source>
        <translation>Unbekannter Befehl: %1. Siehe companiond --help.</translation>
    </message>
</context>
<context>
    <name>main</name>
    <message>
        <source>Desktop app for AI-assisted development workspaces.</source>
        <translation>Desktop-Anwendung für KI-gestützte Entwicklungsumgebungen.</translation>
    </message>
    <message>
        <source>User interface language, for example de or en.</source>
        <translation>Sprache der Oberfläche, zum Beispiel de oder en.</translation>
    </message>
    <message>
        <source>code</source>
        <translation>Code</translation>
    </message>
    <message>
        <source>Colour scheme: system, light or dark.</source>
        <translation>Farbschema: system, light oder dark.</translation>
    </message>
    <message>
        <source>scheme</source>
        <translation>Schema</translation>
    </message>
    <message>
        <source>Write a PNG of the main window once it is shown.</source>
        <translation>Speichert ein PNG des Hauptfensters, sobald es angezeigt wird.</translation>
    </message>
    <message>
        <source>file</source>
        <translation>Datei</translation>
    </message>
    <message>
        <source>Quit once the screenshot is written.</source>
        <translation>Beendet das Programm, sobald das Bildschirmfoto gespeichert ist.</translation>
    </message>
    <message>
        <source>Unknown colour scheme: %1</source>
        <translation>Unbekanntes Farbschema: %1</translation>
    </message>
</context>
</TS>
