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
    <name>AgentConnection</name>
    <message>
        <source>Connecting…</source>
        <translation>Verbinde …</translation>
    </message>
    <message>
        <source>Connected</source>
        <translation>Verbunden</translation>
    </message>
    <message>
        <source>Reconnecting in %1 s</source>
        <translation>Neuer Versuch in %1 s</translation>
    </message>
    <message>
        <source>Token refused</source>
        <translation>Token abgelehnt</translation>
    </message>
    <message>
        <source>Unreachable, retrying in %1 s</source>
        <translation>Nicht erreichbar, neuer Versuch in %1 s</translation>
    </message>
    <message>
        <source>HTTP %1: %2</source>
        <translation>HTTP %1: %2</translation>
    </message>
    <message>
        <source>no answer within %1 s</source>
        <translation>keine Antwort binnen %1 s</translation>
    </message>
</context>
<context>
    <name>ApiCall</name>
    <message>
        <source>The server sent invalid JSON.</source>
        <translation>Der Server hat ungültiges JSON gesendet.</translation>
    </message>
    <message>
        <source>Cannot reach the server.</source>
        <translation>Der Server ist nicht erreichbar.</translation>
    </message>
    <message>
        <source>The server answered %1.</source>
        <translation>Der Server hat mit %1 geantwortet.</translation>
    </message>
</context>
<context>
    <name>ApiServer</name>
    <message>
        <source>Cannot listen on %1:%2: %3</source>
        <translation>Auf %1:%2 kann nicht gelauscht werden: %3</translation>
    </message>
</context>
<context>
    <name>ClaimDialog</name>
    <message>
        <source>Claim %1</source>
        <translation>%1 übernehmen</translation>
    </message>
    <message>
        <source>The prebuilt workspace %1 becomes the new owner&apos;s. Once its claim build succeeds, its agent is told to reinitialize: its processes end and it starts again for the new owner.</source>
        <translation>Der vorab erstellte Arbeitsbereich %1 geht an den neuen Besitzer über. Sobald sein Übernahme-Build gelingt, erhält sein Agent die Anweisung, sich neu zu initialisieren: Seine Prozesse werden beendet, und er startet für den neuen Besitzer neu.</translation>
    </message>
    <message>
        <source>New owner</source>
        <translation>Neuer Besitzer</translation>
    </message>
    <message>
        <source>User name, e.g. alice</source>
        <translation>Benutzername, z. B. alice</translation>
    </message>
    <message>
        <source>&amp;Claim</source>
        <translation>Ü&amp;bernehmen</translation>
    </message>
    <message>
        <source>New &amp;owner:</source>
        <translation>&amp;Neuer Besitzer:</translation>
    </message>
    <message>
        <source>Enter the new owner&apos;s user name.</source>
        <translation>Geben Sie den Benutzernamen des neuen Besitzers ein.</translation>
    </message>
    <message>
        <source>A user name has letters, digits and inner dashes, at most 32.</source>
        <translation>Ein Benutzername besteht aus Buchstaben, Ziffern und Bindestrichen (nicht am Anfang oder Ende), höchstens 32 Zeichen.</translation>
    </message>
    <message>
        <source>The control plane is gone.</source>
        <translation>Die Steuerungsebene ist nicht mehr verfügbar.</translation>
    </message>
    <message>
        <source>The claim did not reach the control plane: %1</source>
        <translation>Die Übernahme hat die Steuerungsebene nicht erreicht: %1</translation>
    </message>
</context>
<context>
    <name>ConnectAgentDialog</name>
    <message>
        <source>Connect to Agent</source>
        <translation>Mit Agent verbinden</translation>
    </message>
    <message>
        <source>Agent URL</source>
        <translation>Agent-URL</translation>
    </message>
    <message>
        <source>http://workspace.example:7401</source>
        <translation>http://workspace.example:7401</translation>
    </message>
    <message>
        <source>Token</source>
        <translation>Token</translation>
    </message>
    <message>
        <source>The contents of the agent&apos;s token file</source>
        <translation>Der Inhalt der Token-Datei des Agenten</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Optional: shown in the sidebar</source>
        <translation>Optional: in der Seitenleiste angezeigt</translation>
    </message>
    <message>
        <source>The token is kept in the system keychain.</source>
        <translation>Das Token wird im Schlüsselbund des Systems aufbewahrt.</translation>
    </message>
    <message>
        <source>No keychain service is running: the token is kept in a file only you can read (%1).</source>
        <translation>Kein Schlüsselbund-Dienst läuft: Das Token wird in einer Datei aufbewahrt, die nur Sie lesen können (%1).</translation>
    </message>
    <message>
        <source>&amp;Test Connection</source>
        <translation>&amp;Verbindung testen</translation>
    </message>
    <message>
        <source>C&amp;onnect</source>
        <translation>Ver&amp;binden</translation>
    </message>
    <message>
        <source>&amp;URL:</source>
        <translation>&amp;URL:</translation>
    </message>
    <message>
        <source>To&amp;ken:</source>
        <translation>&amp;Token:</translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation>&amp;Name:</translation>
    </message>
    <message>
        <source>Enter the agent&apos;s http:// or https:// URL.</source>
        <translation>Geben Sie die http://- oder https://-URL des Agenten ein.</translation>
    </message>
    <message>
        <source>Enter the agent&apos;s token.</source>
        <translation>Geben Sie das Token des Agenten ein.</translation>
    </message>
    <message>
        <source>Asking %1…</source>
        <translation>Frage %1 …</translation>
    </message>
    <message numerus="yes">
        <source>Connected: the agent answered, with %n process(es).</source>
        <translation>
            <numerusform>Verbunden: Der Agent hat geantwortet, mit %n Prozess.</numerusform>
            <numerusform>Verbunden: Der Agent hat geantwortet, mit %n Prozessen.</numerusform>
        </translation>
    </message>
    <message>
        <source>The agent refused this token: %1</source>
        <translation>Der Agent hat dieses Token abgelehnt: %1</translation>
    </message>
    <message>
        <source>No answer: %1</source>
        <translation>Keine Antwort: %1</translation>
    </message>
    <message>
        <source>Connect to Control Plane</source>
        <translation>Mit Steuerungsebene verbinden</translation>
    </message>
    <message>
        <source>Control plane URL</source>
        <translation>URL der Steuerungsebene</translation>
    </message>
    <message>
        <source>http://controlplane.example:7080</source>
        <translation>http://controlplane.example:7080</translation>
    </message>
    <message>
        <source>The contents of the operator token file</source>
        <translation>Der Inhalt der Betreiber-Token-Datei</translation>
    </message>
    <message numerus="yes">
        <source>Connected: the control plane answered, with %n workspace(s).</source>
        <translation>
            <numerusform>Verbunden: Die Steuerungsebene hat geantwortet, mit %n Arbeitsbereich.</numerusform>
            <numerusform>Verbunden: Die Steuerungsebene hat geantwortet, mit %n Arbeitsbereichen.</numerusform>
        </translation>
    </message>
    <message>
        <source>The control plane refused this token (the operator token is needed): %1</source>
        <translation>Die Steuerungsebene hat dieses Token abgelehnt (das Betreiber-Token wird benötigt): %1</translation>
    </message>
</context>
<context>
    <name>ContextPushPanel</name>
    <message>
        <source>Push to the control plane</source>
        <translation>Übertragung an die Steuerungsebene</translation>
    </message>
    <message>
        <source>Pushing is off: start the agent with --control-plane URL to push context to a control plane.</source>
        <translation>Die Übertragung ist aus: Starten Sie den Agenten mit --control-plane URL, um den Kontext an eine Steuerungsebene zu übertragen.</translation>
    </message>
    <message>
        <source>Push state</source>
        <translation>Übertragungszustand</translation>
    </message>
    <message>
        <source>Attempts</source>
        <translation>Versuche</translation>
    </message>
    <message>
        <source>Last pushed</source>
        <translation>Zuletzt übertragen</translation>
    </message>
    <message>
        <source>Last error</source>
        <translation>Letzter Fehler</translation>
    </message>
    <message>
        <source>Next retry</source>
        <translation>Nächster Versuch</translation>
    </message>
    <message>
        <source>State:</source>
        <translation>Zustand:</translation>
    </message>
    <message>
        <source>Attempts:</source>
        <translation>Versuche:</translation>
    </message>
    <message>
        <source>Last pushed:</source>
        <translation>Zuletzt übertragen:</translation>
    </message>
    <message>
        <source>Last error:</source>
        <translation>Letzter Fehler:</translation>
    </message>
    <message>
        <source>&amp;Retry Now</source>
        <translation>&amp;Jetzt erneut versuchen</translation>
    </message>
    <message>
        <source>Retry now</source>
        <translation>Jetzt erneut versuchen</translation>
    </message>
    <message>
        <source>Push again now instead of waiting for the backoff to end.</source>
        <translation>Jetzt erneut übertragen, statt das Ende der Wartezeit abzuwarten.</translation>
    </message>
    <message>
        <source>Nothing pushed yet</source>
        <translation>Noch nichts übertragen</translation>
    </message>
    <message>
        <source>Version %1, accepted</source>
        <translation>Version %1, angenommen</translation>
    </message>
    <message>
        <source>Version %1, not accepted: the control plane waits for the next change</source>
        <translation>Version %1, nicht angenommen: Die Steuerungsebene wartet auf die nächste Änderung</translation>
    </message>
    <message>
        <source>None</source>
        <translation>Keine</translation>
    </message>
    <message>
        <source>Off</source>
        <translation>Aus</translation>
    </message>
    <message>
        <source>Idle: the control plane has the latest version</source>
        <translation>Ruhend: Die Steuerungsebene hat die neueste Version</translation>
    </message>
    <message>
        <source>Pushing…</source>
        <translation>Übertrage …</translation>
    </message>
    <message>
        <source>Backing off after a failed push</source>
        <translation>Wartezeit nach einer fehlgeschlagenen Übertragung</translation>
    </message>
    <message>
        <source>Stopped</source>
        <translation>Angehalten</translation>
    </message>
    <message>
        <source>Stopped: %1</source>
        <translation>Angehalten: %1</translation>
    </message>
    <message>
        <source>Retrying…</source>
        <translation>Neuer Versuch …</translation>
    </message>
    <message>
        <source>Next retry in %1 s</source>
        <translation>Nächster Versuch in %1 s</translation>
    </message>
    <message>
        <source>Waiting for the control plane to answer…</source>
        <translation>Warte auf die Antwort der Steuerungsebene …</translation>
    </message>
    <message>
        <source>Watcher problems</source>
        <translation>Probleme der Dateiüberwachung</translation>
    </message>
    <message>
        <source>Watcher degraded: %1</source>
        <translation>Dateiüberwachung eingeschränkt: %1</translation>
    </message>
    <message numerus="yes">
        <source>%n path(s) cannot be watched; their changes show at the next resync:</source>
        <translation>
            <numerusform>%n Pfad kann nicht überwacht werden; seine Änderungen erscheinen beim nächsten Neuauflösen:</numerusform>
            <numerusform>%n Pfade können nicht überwacht werden; ihre Änderungen erscheinen beim nächsten Neuauflösen:</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ContextResourceModel</name>
    <message>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message numerus="yes">
        <source>%n skipped</source>
        <translation>
            <numerusform>%n übersprungen</numerusform>
            <numerusform>%n übersprungen</numerusform>
        </translation>
    </message>
    <message>
        <source>%1
%2</source>
        <translation>%1
%2</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message numerus="yes">
        <source>%n byte(s)</source>
        <translation>
            <numerusform>%n Byte</numerusform>
            <numerusform>%n Bytes</numerusform>
        </translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Größe</translation>
    </message>
    <message>
        <source>Hash</source>
        <translation>Hash</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>Quelle</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Fehler</translation>
    </message>
    <message>
        <source>Instruction files</source>
        <translation>Anweisungsdateien</translation>
    </message>
    <message>
        <source>Skills</source>
        <translation>Skills</translation>
    </message>
    <message>
        <source>MCP configs</source>
        <translation>MCP-Konfigurationen</translation>
    </message>
    <message>
        <source>MCP servers</source>
        <translation>MCP-Server</translation>
    </message>
    <message>
        <source>Plugins</source>
        <translation>Plugins</translation>
    </message>
    <message>
        <source>Hooks</source>
        <translation>Hooks</translation>
    </message>
    <message>
        <source>Subagents</source>
        <translation>Subagenten</translation>
    </message>
    <message>
        <source>Commands</source>
        <translation>Befehle</translation>
    </message>
    <message>
        <source>Other</source>
        <translation>Sonstige</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>OK</translation>
    </message>
    <message>
        <source>Oversize</source>
        <translation>Zu groß</translation>
    </message>
    <message>
        <source>Unreadable</source>
        <translation>Nicht lesbar</translation>
    </message>
    <message>
        <source>Invalid</source>
        <translation>Ungültig</translation>
    </message>
    <message>
        <source>Excluded</source>
        <translation>Ausgeschlossen</translation>
    </message>
    <message>
        <source>Unknown</source>
        <translation>Unbekannt</translation>
    </message>
    <message>
        <source>built-in</source>
        <translation>eingebaut</translation>
    </message>
    <message>
        <source>working directory</source>
        <translation>Arbeitsverzeichnis</translation>
    </message>
</context>
<context>
    <name>ContextView</name>
    <message>
        <source>Context</source>
        <translation>Kontext</translation>
    </message>
    <message>
        <source>No agent connected</source>
        <translation>Kein Agent verbunden</translation>
    </message>
    <message>
        <source>The instruction files (AGENTS.md, CLAUDE.md, .cursorrules), MCP configs (.mcp.json) and skills (SKILL.md) that a workspace&apos;s agent resolves appear here, with the reason for every file that was skipped. Select a workspace in the sidebar to see its context.</source>
        <translation>Hier erscheinen die Anweisungsdateien (AGENTS.md, CLAUDE.md, .cursorrules), MCP-Konfigurationen (.mcp.json) und Skills (SKILL.md), die der Agent eines Arbeitsbereichs auflöst, mit dem Grund für jede übersprungene Datei. Wählen Sie in der Seitenleiste einen Arbeitsbereich, um seinen Kontext zu sehen.</translation>
    </message>
    <message>
        <source>Re&amp;sync</source>
        <translation>Neu &amp;auflösen</translation>
    </message>
    <message>
        <source>Resolve the context again now (F5)</source>
        <translation>Den Kontext jetzt neu auflösen (F5)</translation>
    </message>
    <message>
        <source>Context actions</source>
        <translation>Kontextaktionen</translation>
    </message>
    <message>
        <source>Filter resources</source>
        <translation>Ressourcen filtern</translation>
    </message>
    <message>
        <source>Filter by name, path, source or error</source>
        <translation>Nach Name, Pfad, Quelle oder Fehler filtern</translation>
    </message>
    <message>
        <source>Push and timeline</source>
        <translation>Übertragung und Verlauf</translation>
    </message>
    <message>
        <source>Could not retry the push: %1</source>
        <translation>Die Übertragung konnte nicht erneut versucht werden: %1</translation>
    </message>
    <message>
        <source>Push</source>
        <translation>Übertragung</translation>
    </message>
    <message>
        <source>Timeline</source>
        <translation>Verlauf</translation>
    </message>
    <message>
        <source>Snapshot</source>
        <translation>Momentaufnahme</translation>
    </message>
    <message>
        <source>Snapshot version</source>
        <translation>Version der Momentaufnahme</translation>
    </message>
    <message>
        <source>Aggregate hash</source>
        <translation>Gesamt-Hash</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>Kopieren</translation>
    </message>
    <message>
        <source>Copy the aggregate hash</source>
        <translation>Den Gesamt-Hash kopieren</translation>
    </message>
    <message>
        <source>Copy the whole aggregate hash</source>
        <translation>Den vollständigen Gesamt-Hash kopieren</translation>
    </message>
    <message>
        <source>Resolving</source>
        <translation>Auflösung läuft</translation>
    </message>
    <message>
        <source>Payload bytes of the aggregate cap</source>
        <translation>Nutzdaten-Bytes der Gesamtgrenze</translation>
    </message>
    <message>
        <source>The bytes of every OK resource count against the agent&apos;s %1 aggregate cap; resources beyond it are excluded.</source>
        <translation>Die Bytes jeder Ressource mit Status OK zählen gegen die Gesamtgrenze des Agenten von %1; Ressourcen darüber hinaus werden ausgeschlossen.</translation>
    </message>
    <message>
        <source>Resources of the count cap</source>
        <translation>Ressourcen der Anzahlgrenze</translation>
    </message>
    <message>
        <source>A snapshot holds at most %1 resources; the rest are excluded.</source>
        <translation>Eine Momentaufnahme enthält höchstens %1 Ressourcen; der Rest wird ausgeschlossen.</translation>
    </message>
    <message>
        <source>Snapshot error</source>
        <translation>Fehler der Momentaufnahme</translation>
    </message>
    <message>
        <source>Aggregate hash:</source>
        <translation>Gesamt-Hash:</translation>
    </message>
    <message>
        <source>Scan roots</source>
        <translation>Suchwurzeln</translation>
    </message>
    <message>
        <source>Your scan roots</source>
        <translation>Ihre Suchwurzeln</translation>
    </message>
    <message>
        <source>Folder to add</source>
        <translation>Hinzuzufügender Ordner</translation>
    </message>
    <message>
        <source>/path/to/folder or ~/folder</source>
        <translation>/pfad/zum/ordner oder ~/ordner</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>Durchsuchen …</translation>
    </message>
    <message>
        <source>Browse for a folder</source>
        <translation>Einen Ordner suchen</translation>
    </message>
    <message>
        <source>Add a Scan Root</source>
        <translation>Suchwurzel hinzufügen</translation>
    </message>
    <message>
        <source>&amp;Add</source>
        <translation>&amp;Hinzufügen</translation>
    </message>
    <message>
        <source>Add scan root</source>
        <translation>Suchwurzel hinzufügen</translation>
    </message>
    <message>
        <source>Remove scan root</source>
        <translation>Suchwurzel entfernen</translation>
    </message>
    <message>
        <source>Scan root error</source>
        <translation>Fehler bei der Suchwurzel</translation>
    </message>
    <message>
        <source>Roots the agent always scans</source>
        <translation>Wurzeln, die der Agent immer durchsucht</translation>
    </message>
    <message>
        <source>Folders you add are scanned before the agent&apos;s own roots.</source>
        <translation>Ordner, die Sie hinzufügen, werden vor den eigenen Wurzeln des Agenten durchsucht.</translation>
    </message>
    <message>
        <source>Always scanned</source>
        <translation>Immer durchsucht</translation>
    </message>
    <message>
        <source>No context resources found</source>
        <translation>Keine Kontextressourcen gefunden</translation>
    </message>
    <message>
        <source>No AGENTS.md, CLAUDE.md, .cursorrules, .mcp.json or skills/&lt;name&gt;/SKILL.md was found in the scan roots. Add a folder on the left, or create one of these files.</source>
        <translation>In den Suchwurzeln wurde keine AGENTS.md, CLAUDE.md, .cursorrules, .mcp.json oder skills/&lt;name&gt;/SKILL.md gefunden. Fügen Sie links einen Ordner hinzu oder legen Sie eine dieser Dateien an.</translation>
    </message>
    <message>
        <source>Context resources</source>
        <translation>Kontextressourcen</translation>
    </message>
    <message>
        <source>Resource details</source>
        <translation>Details der Ressource</translation>
    </message>
    <message>
        <source>Select a resource to see why it was included or skipped, and its content.</source>
        <translation>Wählen Sie eine Ressource, um zu sehen, warum sie aufgenommen oder übersprungen wurde, und ihren Inhalt.</translation>
    </message>
    <message>
        <source>Resource</source>
        <translation>Ressource</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Why it was skipped</source>
        <translation>Warum sie übersprungen wurde</translation>
    </message>
    <message>
        <source>Id</source>
        <translation>Kennung</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Größe</translation>
    </message>
    <message>
        <source>Content hash</source>
        <translation>Inhalts-Hash</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>Quelle</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>Beschreibung</translation>
    </message>
    <message>
        <source>About the content</source>
        <translation>Zum Inhalt</translation>
    </message>
    <message>
        <source>Content</source>
        <translation>Inhalt</translation>
    </message>
    <message>
        <source>Id:</source>
        <translation>Kennung:</translation>
    </message>
    <message>
        <source>Size:</source>
        <translation>Größe:</translation>
    </message>
    <message>
        <source>Copy the content hash</source>
        <translation>Den Inhalts-Hash kopieren</translation>
    </message>
    <message>
        <source>Hash:</source>
        <translation>Hash:</translation>
    </message>
    <message>
        <source>Source:</source>
        <translation>Quelle:</translation>
    </message>
    <message>
        <source>Description:</source>
        <translation>Beschreibung:</translation>
    </message>
    <message>
        <source>Snapshot timeline</source>
        <translation>Verlauf der Momentaufnahmen</translation>
    </message>
    <message>
        <source>Version</source>
        <translation>Version</translation>
    </message>
    <message>
        <source>Published</source>
        <translation>Veröffentlicht</translation>
    </message>
    <message>
        <source>Changes</source>
        <translation>Änderungen</translation>
    </message>
    <message>
        <source>Hash</source>
        <translation>Hash</translation>
    </message>
    <message>
        <source>Connecting to %1…</source>
        <translation>Verbindung zu %1 …</translation>
    </message>
    <message>
        <source>A built-in root: scanned on every resolve, it cannot be removed here.</source>
        <translation>Eine eingebaute Wurzel: Sie wird bei jeder Auflösung durchsucht und kann hier nicht entfernt werden.</translation>
    </message>
    <message>
        <source>The agent&apos;s working directory</source>
        <translation>Das Arbeitsverzeichnis des Agenten</translation>
    </message>
    <message>
        <source>%1 (built-in)</source>
        <translation>%1 (eingebaut)</translation>
    </message>
    <message>
        <source>%1 (working directory)</source>
        <translation>%1 (Arbeitsverzeichnis)</translation>
    </message>
    <message>
        <source>Enter an absolute folder path, or one that starts with ~.</source>
        <translation>Geben Sie einen absoluten Ordnerpfad ein oder einen, der mit ~ beginnt.</translation>
    </message>
    <message>
        <source>The agent did not add this folder: %1</source>
        <translation>Der Agent hat diesen Ordner nicht hinzugefügt: %1</translation>
    </message>
    <message>
        <source>The agent did not remove %1: %2</source>
        <translation>Der Agent hat %1 nicht entfernt: %2</translation>
    </message>
    <message>
        <source>Could not resync: %1</source>
        <translation>Neuauflösung fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>Your scan root %1</source>
        <translation>Ihre Suchwurzel %1</translation>
    </message>
    <message>
        <source>no changes</source>
        <translation>keine Änderungen</translation>
    </message>
    <message>
        <source>+%1 −%2 ~%3</source>
        <translation>+%1 −%2 ~%3</translation>
    </message>
    <message>
        <source>v%1</source>
        <translation>v%1</translation>
    </message>
    <message numerus="yes">
        <source>%n added, </source>
        <translation>
            <numerusform>%n hinzugefügt, </numerusform>
            <numerusform>%n hinzugefügt, </numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n removed, </source>
        <translation>
            <numerusform>%n entfernt, </numerusform>
            <numerusform>%n entfernt, </numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n changed</source>
        <translation>
            <numerusform>%n geändert</numerusform>
            <numerusform>%n geändert</numerusform>
        </translation>
    </message>
    <message>
        <source>Timeline (%1)</source>
        <translation>Verlauf (%1)</translation>
    </message>
    <message>
        <source>Resolving…</source>
        <translation>Auflösung läuft …</translation>
    </message>
    <message>
        <source>Reconnecting to the agent…</source>
        <translation>Verbindung zum Agenten wird wiederhergestellt …</translation>
    </message>
    <message>
        <source>Version %1</source>
        <translation>Version %1</translation>
    </message>
    <message>
        <source>No snapshot yet</source>
        <translation>Noch keine Momentaufnahme</translation>
    </message>
    <message>
        <source>—</source>
        <translation>—</translation>
    </message>
    <message>
        <source>Payload %1 of %2</source>
        <translation>Nutzdaten %1 von %2</translation>
    </message>
    <message>
        <source>%1 of %2 resources</source>
        <translation>%1 von %2 Ressourcen</translation>
    </message>
    <message>
        <source>Snapshot error: %1</source>
        <translation>Fehler der Momentaufnahme: %1</translation>
    </message>
    <message>
        <source>%1 · %2</source>
        <translation>%1 · %2</translation>
    </message>
    <message>
        <source>Why it was skipped: %1</source>
        <translation>Warum sie übersprungen wurde: %1</translation>
    </message>
    <message>
        <source>the agent gave no reason</source>
        <translation>der Agent hat keinen Grund genannt</translation>
    </message>
    <message>
        <source>Note: %1</source>
        <translation>Hinweis: %1</translation>
    </message>
    <message>
        <source>%1 (%2 bytes)</source>
        <translation>%1 (%2 Bytes)</translation>
    </message>
    <message>
        <source>SHA-256 of the content: %1</source>
        <translation>SHA-256 des Inhalts: %1</translation>
    </message>
    <message>
        <source>Name: %1</source>
        <translation>Name: %1</translation>
    </message>
    <message>
        <source>None</source>
        <translation>Keine</translation>
    </message>
    <message>
        <source>MCP configs may hold secrets; their bytes never leave the agent. Only the hash and size are shared.</source>
        <translation>MCP-Konfigurationen können Geheimnisse enthalten; ihre Bytes verlassen den Agenten nie. Nur Hash und Größe werden weitergegeben.</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Lade …</translation>
    </message>
    <message>
        <source>Could not load the content: %1</source>
        <translation>Der Inhalt konnte nicht geladen werden: %1</translation>
    </message>
    <message>
        <source>The agent keeps no content for a skipped resource; the reason above says why this one was skipped.</source>
        <translation>Für eine übersprungene Ressource behält der Agent keinen Inhalt; der Grund oben sagt, warum diese übersprungen wurde.</translation>
    </message>
    <message>
        <source>This kind of resource has no file content to show.</source>
        <translation>Diese Art von Ressource hat keinen Dateiinhalt zum Anzeigen.</translation>
    </message>
    <message>
        <source>Could not read %1: %2</source>
        <translation>%1 konnte nicht gelesen werden: %2</translation>
    </message>
    <message>
        <source>Read from this machine&apos;s disk: the bytes of an MCP config never leave the agent.</source>
        <translation>Von der Festplatte dieses Rechners gelesen: Die Bytes einer MCP-Konfiguration verlassen den Agenten nie.</translation>
    </message>
    <message>
        <source>Read from this machine&apos;s disk: the agent keeps no content for a skipped resource.</source>
        <translation>Von der Festplatte dieses Rechners gelesen: Für eine übersprungene Ressource behält der Agent keinen Inhalt.</translation>
    </message>
    <message>
        <source>Only the first %1 of %2 are shown.</source>
        <translation>Nur die ersten %1 von %2 werden angezeigt.</translation>
    </message>
    <message>
        <source>The agent&apos;s working directory, walked to depth 8 for instruction files, .mcp.json and skills.</source>
        <translation>Das Arbeitsverzeichnis des Agenten, bis Tiefe 8 nach Anweisungsdateien, .mcp.json und Skills durchsucht.</translation>
    </message>
    <message>
        <source>Cause</source>
        <translation>Anlass</translation>
    </message>
    <message>
        <source>Not read: %1</source>
        <translation>Nicht gelesen: %1</translation>
    </message>
    <message>
        <source>Agent started</source>
        <translation>Agent gestartet</translation>
    </message>
    <message>
        <source>File change</source>
        <translation>Dateiänderung</translation>
    </message>
    <message>
        <source>File change: %1</source>
        <translation>Dateiänderung: %1</translation>
    </message>
    <message>
        <source>Periodic rescan</source>
        <translation>Regelmäßige Neusuche</translation>
    </message>
    <message>
        <source>Resync</source>
        <translation>Neu aufgelöst</translation>
    </message>
    <message>
        <source>Source added</source>
        <translation>Quelle hinzugefügt</translation>
    </message>
    <message>
        <source>Source added: %1</source>
        <translation>Quelle hinzugefügt: %1</translation>
    </message>
    <message>
        <source>Source removed</source>
        <translation>Quelle entfernt</translation>
    </message>
    <message>
        <source>Source removed: %1</source>
        <translation>Quelle entfernt: %1</translation>
    </message>
    <message>
        <source>Push retry</source>
        <translation>Erneute Übertragung</translation>
    </message>
    <message>
        <source>Unknown</source>
        <translation>Unbekannt</translation>
    </message>
    <message>
        <source>Remove Scan Root</source>
        <translation>Suchwurzel entfernen</translation>
    </message>
    <message>
        <source>Re&amp;move</source>
        <translation>Ent&amp;fernen</translation>
    </message>
    <message>
        <source>Could not restore your scan root %1: %2</source>
        <translation>Ihre Suchwurzel %1 konnte nicht wiederhergestellt werden: %2</translation>
    </message>
    <message>
        <source>Where it was found</source>
        <translation>Wo sie gefunden wurde</translation>
    </message>
    <message>
        <source>from the %1</source>
        <translation>aus: %1</translation>
    </message>
    <message>
        <source>from your scan root %1</source>
        <translation>aus Ihrer Suchwurzel %1</translation>
    </message>
    <message>
        <source>Stored by the control plane</source>
        <translation>Von der Steuerungsebene gespeichert</translation>
    </message>
    <message>
        <source>%1 has stored no context for this agent yet.</source>
        <translation>%1 hat für diesen Agenten noch keinen Kontext gespeichert.</translation>
    </message>
    <message>
        <source>%1 stores version %2 (%3).</source>
        <translation>%1 speichert Version %2 (%3).</translation>
    </message>
    <message>
        <source>%1 stores version %2 (%3): behind the agent&apos;s version %4.</source>
        <translation>%1 speichert Version %2 (%3): älter als die Version %4 des Agenten.</translation>
    </message>
    <message>
        <source>%1 stores version %2 (%3), from before the agent restarted.</source>
        <translation>%1 speichert Version %2 (%3), von vor dem Neustart des Agenten.</translation>
    </message>
    <message>
        <source>%1 stores version %2 (%3): in sync.</source>
        <translation>%1 speichert Version %2 (%3): auf dem aktuellen Stand.</translation>
    </message>
</context>
<context>
    <name>ControlPlaneClient</name>
    <message>
        <source>No token.</source>
        <translation>Kein Token.</translation>
    </message>
</context>
<context>
    <name>ElidedLabel</name>
    <message>
        <source>&amp;Copy</source>
        <translation>&amp;Kopieren</translation>
    </message>
</context>
<context>
    <name>ErrorBar</name>
    <message>
        <source>Error</source>
        <translation>Fehler</translation>
    </message>
    <message>
        <source>Dismiss</source>
        <translation>Schließen</translation>
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
        <source>&amp;Processes</source>
        <translation>&amp;Prozesse</translation>
    </message>
    <message>
        <source>&amp;Runners</source>
        <translation>&amp;Runner</translation>
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
    <message>
        <source>This machine</source>
        <translation>Dieser Rechner</translation>
    </message>
    <message>
        <source>The agent in this app
%1
Token file: %2</source>
        <translation>Der Agent in dieser Anwendung
%1
Token-Datei: %2</translation>
    </message>
    <message>
        <source>This machine&apos;s agent: %1</source>
        <translation>Agent dieses Rechners: %1</translation>
    </message>
    <message>
        <source>This machine&apos;s agent is not running: %1</source>
        <translation>Der Agent dieses Rechners läuft nicht: %1</translation>
    </message>
    <message>
        <source>Proce&amp;ss</source>
        <translation>Pro&amp;zess</translation>
    </message>
    <message>
        <source>Quit Workspace Companion</source>
        <translation>Workspace Companion beenden</translation>
    </message>
    <message numerus="yes">
        <source>%n process(es) are running. Quitting ends them.</source>
        <translation>
            <numerusform>%n Prozess läuft noch. Beim Beenden wird er ebenfalls beendet.</numerusform>
            <numerusform>%n Prozesse laufen noch. Beim Beenden werden sie ebenfalls beendet.</numerusform>
        </translation>
    </message>
    <message>
        <source>Their process groups get SIGTERM, and SIGKILL after 3 s.</source>
        <translation>Ihre Prozessgruppen erhalten SIGTERM und nach 3 s SIGKILL.</translation>
    </message>
    <message>
        <source>&amp;Connect to Agent…</source>
        <translation>Mit Agent &amp;verbinden …</translation>
    </message>
    <message>
        <source>Copy Agent &amp;URL</source>
        <translation>Agent-&amp;URL kopieren</translation>
    </message>
    <message>
        <source>Copied</source>
        <translation>Kopiert</translation>
    </message>
    <message>
        <source>The URL of %1 is on the clipboard.</source>
        <translation>Die URL von %1 ist in der Zwischenablage.</translation>
    </message>
    <message>
        <source>Copy Agent &amp;Token</source>
        <translation>Agent-&amp;Token kopieren</translation>
    </message>
    <message>
        <source>The token of %1 is on the clipboard: it grants full control of that agent.</source>
        <translation>Das Token von %1 ist in der Zwischenablage: Es gewährt volle Kontrolle über diesen Agenten.</translation>
    </message>
    <message>
        <source>&amp;Remove Agent</source>
        <translation>Agent ent&amp;fernen</translation>
    </message>
    <message>
        <source>Agent added</source>
        <translation>Agent hinzugefügt</translation>
    </message>
    <message>
        <source>The token of %1 is kept in %2.</source>
        <translation>Das Token von %1 wird in %2 aufbewahrt.</translation>
    </message>
    <message>
        <source>The token of %1 could not be kept (%2): connect again after a restart.</source>
        <translation>Das Token von %1 konnte nicht aufbewahrt werden (%2): Verbinden Sie nach einem Neustart erneut.</translation>
    </message>
    <message>
        <source>Agent %1: %2</source>
        <translation>Agent %1: %2</translation>
    </message>
    <message>
        <source>%1
%2</source>
        <translation>%1
%2</translation>
    </message>
    <message>
        <source>%1 refused the token (%2). Connect again with the agent&apos;s current token: File &gt; Connect to Agent….</source>
        <translation>%1 hat das Token abgelehnt (%2). Verbinden Sie erneut mit dem aktuellen Token des Agenten: Datei &gt; Mit Agent verbinden ….</translation>
    </message>
    <message>
        <source>%1 does not answer (%2). Retrying in %3 s.</source>
        <translation>%1 antwortet nicht (%2). Neuer Versuch in %3 s.</translation>
    </message>
    <message>
        <source>The token of %1 could not be read (%2). Connect again: File &gt; Connect to Agent….</source>
        <translation>Das Token von %1 konnte nicht gelesen werden (%2). Verbinden Sie erneut: Datei &gt; Mit Agent verbinden ….</translation>
    </message>
    <message>
        <source>Connect to Control &amp;Plane…</source>
        <translation>Mit &amp;Steuerungsebene verbinden …</translation>
    </message>
    <message>
        <source>Remove Control Pla&amp;ne</source>
        <translation>Steuerungsebe&amp;ne entfernen</translation>
    </message>
    <message>
        <source>&amp;Workspace</source>
        <translation>Arbe&amp;itsbereich</translation>
    </message>
    <message>
        <source>&amp;Claim…</source>
        <translation>Ü&amp;bernehmen …</translation>
    </message>
    <message>
        <source>Show &amp;Reinit Events</source>
        <translation>&amp;Reinit-Ereignisse anzeigen</translation>
    </message>
    <message>
        <source>Prebuilt</source>
        <translation>Vorab erstellt</translation>
    </message>
    <message>
        <source>Claimed</source>
        <translation>Übernommen</translation>
    </message>
    <message>
        <source>Regular</source>
        <translation>Regulär</translation>
    </message>
    <message>
        <source>%1  [%2]</source>
        <translation>%1  [%2]</translation>
    </message>
    <message>
        <source>No agent</source>
        <translation>Kein Agent</translation>
    </message>
    <message>
        <source>Agent connected</source>
        <translation>Agent verbunden</translation>
    </message>
    <message>
        <source> · owner %1</source>
        <translation> · Besitzer %1</translation>
    </message>
    <message>
        <source> · %1 build %2</source>
        <translation> · Build %1: %2</translation>
    </message>
    <message>
        <source> · last build failed</source>
        <translation> · letzter Build fehlgeschlagen</translation>
    </message>
    <message>
        <source>Context behind: stored v%1, agent v%2</source>
        <translation>Kontext veraltet: gespeichert v%1, Agent v%2</translation>
    </message>
    <message>
        <source>connecting…</source>
        <translation>verbinde …</translation>
    </message>
    <message numerus="yes">
        <source>%n workspace(s)</source>
        <translation>
            <numerusform>%n Arbeitsbereich</numerusform>
            <numerusform>%n Arbeitsbereiche</numerusform>
        </translation>
    </message>
    <message>
        <source>unreachable</source>
        <translation>nicht erreichbar</translation>
    </message>
    <message>
        <source>token refused</source>
        <translation>Token abgelehnt</translation>
    </message>
    <message>
        <source>Workspace %1 (%2)
Agent %3 %4
Stored context: %5</source>
        <translation>Arbeitsbereich %1 (%2)
Agent %3 %4
Gespeicherter Kontext: %5</translation>
    </message>
    <message>
        <source>version %1, %2</source>
        <translation>Version %1, %2</translation>
    </message>
    <message>
        <source>none</source>
        <translation>keiner</translation>
    </message>
    <message>
        <source>%1 is a regular workspace: reinit does not apply. Its agent&apos;s reinit stream answers 409 and the agent stops polling.</source>
        <translation>%1 ist ein regulärer Arbeitsbereich: Reinit gilt hier nicht. Der Reinit-Stream seines Agenten antwortet mit 409, und der Agent hört auf abzufragen.</translation>
    </message>
    <message>
        <source>%1 is prebuilt and unclaimed: claiming it (Workspace &gt; Claim…) tells its agent to reinitialize for the new owner.</source>
        <translation>%1 ist vorab erstellt und noch nicht übernommen: Eine Übernahme (Arbeitsbereich &gt; Übernehmen …) weist seinen Agenten an, sich für den neuen Besitzer neu zu initialisieren.</translation>
    </message>
    <message>
        <source>%1 was claimed by %2: its agent reinitialized for them once; a replayed claim is ignored.</source>
        <translation>%1 wurde von %2 übernommen: Sein Agent hat sich einmal für diesen Besitzer neu initialisiert; eine wiederholte Übernahme wird ignoriert.</translation>
    </message>
    <message>
        <source>Workspace %1 on %2</source>
        <translation>Arbeitsbereich %1 auf %2</translation>
    </message>
    <message>
        <source>Control plane added</source>
        <translation>Steuerungsebene hinzugefügt</translation>
    </message>
    <message>
        <source>The claim for %1 is being built; its agent reinitializes when it succeeds (Reinit events).</source>
        <translation>Die Übernahme für %1 wird gebaut; der Agent initialisiert sich neu, sobald sie gelingt (Reinit-Ereignisse).</translation>
    </message>
    <message>
        <source>Control plane</source>
        <translation>Steuerungsebene</translation>
    </message>
    <message>
        <source>The token of %1 could not be read (%2): connect again.</source>
        <translation>Das Token von %1 konnte nicht gelesen werden (%2): Verbinden Sie erneut.</translation>
    </message>
    <message>
        <source>Agent last seen %1</source>
        <translation>Agent zuletzt gesehen: %1</translation>
    </message>
    <message>
        <source>Agent never connected</source>
        <translation>Agent nie verbunden</translation>
    </message>
    <message>
        <source>Cha&amp;t</source>
        <translation>&amp;Chat</translation>
    </message>
    <message>
        <source>Show &amp;Runners</source>
        <translation>&amp;Runner anzeigen</translation>
    </message>
</context>
<context>
    <name>ManagedProcess</name>
    <message>
        <source>The process has no id.</source>
        <translation>Der Prozess hat keine Kennung.</translation>
    </message>
</context>
<context>
    <name>NewChatDialog</name>
    <message>
        <source>New Chat</source>
        <translation>Neuer Chat</translation>
    </message>
    <message>
        <source>%1 on %2</source>
        <translation>%1 auf %2</translation>
    </message>
    <message>
        <source>What the chat is about</source>
        <translation>Worum es im Chat geht</translation>
    </message>
    <message>
        <source>Optional: without a first message the chat waits.</source>
        <translation>Optional: Ohne erste Nachricht wartet der Chat.</translation>
    </message>
    <message>
        <source>&amp;Workspace:</source>
        <translation>Arbeits&amp;bereich:</translation>
    </message>
    <message>
        <source>&amp;Title:</source>
        <translation>&amp;Titel:</translation>
    </message>
    <message>
        <source>First &amp;message:</source>
        <translation>Erste &amp;Nachricht:</translation>
    </message>
    <message>
        <source>&amp;Start Chat</source>
        <translation>Chat &amp;starten</translation>
    </message>
    <message>
        <source>No workspace to start a chat on: connect a control plane with at least one workspace.</source>
        <translation>Kein Arbeitsbereich für einen Chat: Verbinden Sie eine Steuerungsebene mit mindestens einem Arbeitsbereich.</translation>
    </message>
    <message>
        <source>The control plane is gone.</source>
        <translation>Die Steuerungsebene ist nicht mehr verbunden.</translation>
    </message>
    <message>
        <source>Cannot start the chat: %1</source>
        <translation>Der Chat kann nicht gestartet werden: %1</translation>
    </message>
</context>
<context>
    <name>OutputSearch</name>
    <message>
        <source>%1 at character %2</source>
        <extracomment>%1 is PCRE2&apos;s description of the error, %2 the character where it is</extracomment>
        <translation>%1 bei Zeichen %2</translation>
    </message>
</context>
<context>
    <name>OutputView</name>
    <message>
        <source>Process output</source>
        <translation>Prozessausgabe</translation>
    </message>
    <message>
        <source>&amp;Copy</source>
        <translation>&amp;Kopieren</translation>
    </message>
    <message>
        <source>Select &amp;All</source>
        <translation>&amp;Alles auswählen</translation>
    </message>
    <message>
        <source>⋯ %1 bytes dropped (output exceeded the capture limit) ⋯</source>
        <translation>⋯ %1 Bytes verworfen (die Ausgabe überschritt die Aufzeichnungsgrenze) ⋯</translation>
    </message>
    <message>
        <source>⋯ %1 bytes dropped ⋯</source>
        <translation>⋯ %1 Bytes verworfen ⋯</translation>
    </message>
    <message>
        <source>[%1 bytes dropped]</source>
        <translation>[%1 Bytes verworfen]</translation>
    </message>
    <message>
        <source>Follow the output again (End)</source>
        <translation>Der Ausgabe wieder folgen (Ende)</translation>
    </message>
    <message numerus="yes">
        <source>↓ %n new line(s) below</source>
        <extracomment>shown over the output while it is not following; clicking it follows again</extracomment>
        <translation>
            <numerusform>↓ %n neue Zeile darunter</numerusform>
            <numerusform>↓ %n neue Zeilen darunter</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ProcessListModel</name>
    <message>
        <source>Running</source>
        <translation>Läuft</translation>
    </message>
    <message>
        <source>Exited %1</source>
        <translation>Beendet %1</translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation>%1 s</translation>
    </message>
    <message>
        <source>%1 min %2 s</source>
        <translation>%1 min %2 s</translation>
    </message>
    <message>
        <source>%1 h %2 min</source>
        <translation>%1 h %2 min</translation>
    </message>
    <message>
        <source>ID</source>
        <translation>ID</translation>
    </message>
    <message>
        <source>Command</source>
        <translation>Befehl</translation>
    </message>
    <message>
        <source>Working directory</source>
        <translation>Arbeitsverzeichnis</translation>
    </message>
    <message>
        <source>Chat</source>
        <translation>Chat</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Zustand</translation>
    </message>
    <message>
        <source>Started</source>
        <translation>Gestartet</translation>
    </message>
    <message>
        <source>Duration</source>
        <translation>Dauer</translation>
    </message>
    <message>
        <source>Terminating…</source>
        <translation>Wird beendet …</translation>
    </message>
    <message>
        <source>Killing…</source>
        <translation>Wird sofort beendet …</translation>
    </message>
    <message>
        <source>Terminated (%1)</source>
        <translation>Beendet (%1)</translation>
    </message>
    <message>
        <source>Killed (%1)</source>
        <translation>Sofort beendet (%1)</translation>
    </message>
    <message>
        <source>Ended (%1)</source>
        <translation>Abgebrochen (%1)</translation>
    </message>
    <message>
        <source>Ended by a signal</source>
        <translation>Durch ein Signal beendet</translation>
    </message>
    <message>
        <source>Ended by a signal after %1</source>
        <translation>Nach %1 durch ein Signal beendet</translation>
    </message>
    <message>
        <source>Exited with code %1 after %2</source>
        <translation>Nach %2 mit Code %1 beendet</translation>
    </message>
    <message>
        <source>sent from outside the agent</source>
        <translation>von außerhalb des Agenten gesendet</translation>
    </message>
    <message>
        <source>sent by the agent&apos;s shutdown</source>
        <translation>vom Herunterfahren des Agenten gesendet</translation>
    </message>
    <message>
        <source>sent by you</source>
        <translation>von Ihnen gesendet</translation>
    </message>
    <message>
        <source>Terminated by %1 after %2, %3.</source>
        <translation>Nach %2 durch %1 beendet, %3.</translation>
    </message>
    <message>
        <source>Killed by %1 after %2, %3.</source>
        <translation>Nach %2 durch %1 sofort beendet, %3.</translation>
    </message>
    <message>
        <source>Ended by %1 after %2, %3.</source>
        <translation>Nach %2 durch %1 abgebrochen, %3.</translation>
    </message>
    <message>
        <source>%1 %</source>
        <extracomment>CPU use of a process, percent of one core; %1 is the number</extracomment>
        <translation>%1 %</translation>
    </message>
    <message>
        <source>PID</source>
        <translation>PID</translation>
    </message>
    <message>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <source>Memory</source>
        <extracomment>resident memory (RSS) of the process group</extracomment>
        <translation>Speicher</translation>
    </message>
</context>
<context>
    <name>ProcessesView</name>
    <message>
        <source>Processes</source>
        <translation>Prozesse</translation>
    </message>
    <message>
        <source>No agent connected</source>
        <translation>Kein Agent verbunden</translation>
    </message>
    <message>
        <source>Processes that you or an AI chat start on a workspace&apos;s agent appear here, with their live output and exit codes. Select a workspace in the sidebar to see its processes.</source>
        <translation>Hier erscheinen Prozesse, die Sie oder ein KI-Chat auf dem Agenten eines Arbeitsbereichs starten, mit Live-Ausgabe und Exit-Codes. Wählen Sie in der Seitenleiste einen Arbeitsbereich, um seine Prozesse zu sehen.</translation>
    </message>
    <message>
        <source>Filter processes</source>
        <translation>Prozesse filtern</translation>
    </message>
    <message>
        <source>Filter by command, folder, chat or id</source>
        <translation>Nach Befehl, Ordner, Chat oder Kennung filtern</translation>
    </message>
    <message>
        <source>Copy ID</source>
        <translation>Kennung kopieren</translation>
    </message>
    <message>
        <source>Copy Command</source>
        <translation>Befehl kopieren</translation>
    </message>
    <message>
        <source>No processes yet</source>
        <translation>Noch keine Prozesse</translation>
    </message>
    <message>
        <source>Start one with Start Process (Ctrl+N). Processes that AI chats start through the agent&apos;s API appear here too, as they start.</source>
        <translation>Starten Sie einen mit „Prozess starten“ (Strg+N). Prozesse, die KI-Chats über die API des Agenten starten, erscheinen hier ebenfalls, sobald sie starten.</translation>
    </message>
    <message>
        <source>&amp;Start Process…</source>
        <translation>Prozess &amp;starten …</translation>
    </message>
    <message>
        <source>&amp;Terminate</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <source>Send SIGTERM to the process group (Ctrl+T)</source>
        <translation>SIGTERM an die Prozessgruppe senden (Strg+T)</translation>
    </message>
    <message>
        <source>&amp;Kill…</source>
        <translation>Sofort b&amp;eenden …</translation>
    </message>
    <message>
        <source>Send SIGKILL to the process group (Ctrl+K)</source>
        <translation>SIGKILL an die Prozessgruppe senden (Strg+K)</translation>
    </message>
    <message>
        <source>Save Output…</source>
        <translation>Ausgabe speichern …</translation>
    </message>
    <message>
        <source>Save Output</source>
        <translation>Ausgabe speichern</translation>
    </message>
    <message>
        <source>Find in Output</source>
        <translation>In der Ausgabe suchen</translation>
    </message>
    <message>
        <source>Select a process to see its output.</source>
        <translation>Wählen Sie einen Prozess, um seine Ausgabe zu sehen.</translation>
    </message>
    <message>
        <source>What an AI client sees</source>
        <translation>Was ein KI-Client sieht</translation>
    </message>
    <message>
        <source>Show the output exactly as the agent&apos;s process API gives it to an AI chat: the first and last 16 KiB, long lines cut, and a marker for what was left out.</source>
        <translation>Zeigt die Ausgabe genau so, wie die Prozess-API des Agenten sie einem KI-Chat liefert: die ersten und letzten 16 KiB, lange Zeilen gekürzt und eine Markierung für das Ausgelassene.</translation>
    </message>
    <message>
        <source>Follow</source>
        <translation>Folgen</translation>
    </message>
    <message>
        <source>Keep the newest output in view. Scrolling up pauses it; End resumes.</source>
        <translation>Hält die neueste Ausgabe im Blick. Hochscrollen hält das an; Ende setzt es fort.</translation>
    </message>
    <message>
        <source>Search output</source>
        <translation>Ausgabe durchsuchen</translation>
    </message>
    <message>
        <source>Search output (Ctrl+F)</source>
        <translation>Ausgabe durchsuchen (Strg+F)</translation>
    </message>
    <message>
        <source>Previous</source>
        <translation>Vorheriger</translation>
    </message>
    <message>
        <source>Previous match (Shift+F3)</source>
        <translation>Vorheriger Treffer (Umschalt+F3)</translation>
    </message>
    <message>
        <source>Next</source>
        <translation>Nächster</translation>
    </message>
    <message>
        <source>Next match (F3, Enter)</source>
        <translation>Nächster Treffer (F3, Eingabe)</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>Kopieren</translation>
    </message>
    <message>
        <source>Copy the selection, or all output when nothing is selected</source>
        <translation>Kopiert die Auswahl, oder die ganze Ausgabe, wenn nichts ausgewählt ist</translation>
    </message>
    <message>
        <source>Output as an AI client sees it</source>
        <translation>Ausgabe, wie ein KI-Client sie sieht</translation>
    </message>
    <message>
        <source>Process state</source>
        <translation>Prozesszustand</translation>
    </message>
    <message>
        <source>No matches</source>
        <translation>Keine Treffer</translation>
    </message>
    <message numerus="yes">
        <source>%n match(es)</source>
        <translation>
            <numerusform>%n Treffer</numerusform>
            <numerusform>%n Treffer</numerusform>
        </translation>
    </message>
    <message>
        <source>+</source>
        <translation>+</translation>
    </message>
    <message>
        <source>%1 of %2%3</source>
        <translation>%1 von %2%3</translation>
    </message>
    <message>
        <source>Reconnecting to the agent…</source>
        <translation>Verbindung zum Agenten wird wiederhergestellt …</translation>
    </message>
    <message>
        <source>Connecting to %1…</source>
        <translation>Verbindung zu %1 …</translation>
    </message>
    <message>
        <source>Could not start the process: %1</source>
        <translation>Der Prozess konnte nicht gestartet werden: %1</translation>
    </message>
    <message>
        <source>Kill Process</source>
        <translation>Prozess sofort beenden</translation>
    </message>
    <message>
        <source>Kill “%1” and every process it started?</source>
        <translation>„%1“ und alle von ihm gestarteten Prozesse sofort beenden?</translation>
    </message>
    <message>
        <source>SIGKILL cannot be caught: the processes get no chance to clean up. Terminate asks them to stop instead.</source>
        <translation>SIGKILL lässt sich nicht abfangen: Die Prozesse können nicht aufräumen. „Beenden“ bittet sie stattdessen, sich zu beenden.</translation>
    </message>
    <message>
        <source>&amp;Kill</source>
        <translation>Sofort b&amp;eenden</translation>
    </message>
    <message>
        <source>Could not send %1: %2</source>
        <translation>%1 konnte nicht gesendet werden: %2</translation>
    </message>
    <message>
        <source>%1
in %2
id %3</source>
        <translation>%1
in %2
Kennung %3</translation>
    </message>
    <message>
        <source>Output stream: %1</source>
        <translation>Ausgabestrom: %1</translation>
    </message>
    <message>
        <source>exited with code %1</source>
        <translation>endete mit Code %1</translation>
    </message>
    <message>
        <source>Process finished</source>
        <translation>Prozess beendet</translation>
    </message>
    <message>
        <source>%1 %2</source>
        <translation>%1 %2</translation>
    </message>
    <message>
        <source>An AI client gets all %1 bytes of this output.</source>
        <translation>Ein KI-Client erhält alle %1 Bytes dieser Ausgabe.</translation>
    </message>
    <message>
        <source>An AI client gets %1 of %2 bytes: the first and last 16 KiB; %3 bytes in between are omitted (strategy %4).</source>
        <translation>Ein KI-Client erhält %1 von %2 Bytes: die ersten und letzten 16 KiB; %3 Bytes dazwischen werden ausgelassen (Strategie %4).</translation>
    </message>
    <message>
        <source>Could not read the output: %1</source>
        <translation>Die Ausgabe konnte nicht gelesen werden: %1</translation>
    </message>
    <message>
        <source>Cannot save %1: %2</source>
        <translation>%1 kann nicht gespeichert werden: %2</translation>
    </message>
    <message>
        <source>No process is selected.</source>
        <translation>Kein Prozess ausgewählt.</translation>
    </message>
    <message>
        <source>The agent released this process&apos;s full output to keep all captures within its capture budget. The head and tail an AI client reads are kept: see “What an AI client sees”.</source>
        <translation>Der Agent hat die vollständige Ausgabe dieses Prozesses freigegeben, um alle Mitschnitte innerhalb seines Mitschnittbudgets zu halten. Anfang und Ende, die ein KI-Client liest, bleiben erhalten: siehe „Was ein KI-Client sieht“.</translation>
    </message>
    <message>
        <source>&amp;Restart</source>
        <translation>&amp;Neu starten</translation>
    </message>
    <message>
        <source>Run the same command in the same folder with the same environment (Ctrl+R)</source>
        <translation>Denselben Befehl im selben Ordner mit derselben Umgebung erneut ausführen (Strg+R)</translation>
    </message>
    <message>
        <source>Clear &amp;Exited</source>
        <translation>Beendete ent&amp;fernen</translation>
    </message>
    <message>
        <source>Remove the processes that have exited from the list</source>
        <translation>Die beendeten Prozesse aus der Liste entfernen</translation>
    </message>
    <message>
        <source>Output saved</source>
        <translation>Ausgabe gespeichert</translation>
    </message>
    <message>
        <source>Saved to %1</source>
        <translation>Gespeichert in %1</translation>
    </message>
    <message>
        <source>Find Next</source>
        <translation>Weitersuchen</translation>
    </message>
    <message>
        <source>Find Previous</source>
        <translation>Rückwärts suchen</translation>
    </message>
    <message>
        <source>ended by %1</source>
        <translation>wurde durch %1 beendet</translation>
    </message>
    <message>
        <source>ended by a signal</source>
        <translation>wurde durch ein Signal beendet</translation>
    </message>
    <message>
        <source>Match case</source>
        <translation>Groß-/Kleinschreibung beachten</translation>
    </message>
    <message>
        <source>Regular expression</source>
        <translation>Regulärer Ausdruck</translation>
    </message>
    <message>
        <source>Regular expression (Perl syntax, as grep -P)</source>
        <translation>Regulärer Ausdruck (Perl-Syntax, wie grep -P)</translation>
    </message>
    <message>
        <source>Wrap Long Lines</source>
        <translation>Lange Zeilen umbrechen</translation>
    </message>
    <message>
        <source>Show Line Numbers</source>
        <translation>Zeilennummern anzeigen</translation>
    </message>
    <message>
        <source>View</source>
        <translation>Ansicht</translation>
    </message>
    <message>
        <source>Output view options</source>
        <translation>Optionen der Ausgabeansicht</translation>
    </message>
    <message>
        <source>Wrap long lines (Alt+Z), line numbers (Ctrl+Shift+L)</source>
        <translation>Lange Zeilen umbrechen (Alt+Z), Zeilennummern (Strg+Umschalt+L)</translation>
    </message>
    <message>
        <source>Invalid regular expression: %1</source>
        <translation>Ungültiger regulärer Ausdruck: %1</translation>
    </message>
    <message>
        <source>Invalid pattern</source>
        <translation>Ungültiges Muster</translation>
    </message>
    <message>
        <source>Searching… %1%</source>
        <translation>Suche … %1 %</translation>
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
    <message>
        <source>Cannot read token file %1: %2</source>
        <translation>Token-Datei %1 kann nicht gelesen werden: %2</translation>
    </message>
    <message>
        <source>Token file %1 is not a regular file</source>
        <translation>Token-Datei %1 ist keine reguläre Datei</translation>
    </message>
    <message>
        <source>Cannot create folder %1</source>
        <translation>Ordner %1 kann nicht angelegt werden</translation>
    </message>
    <message>
        <source>Cannot create token file %1: %2</source>
        <translation>Token-Datei %1 kann nicht angelegt werden: %2</translation>
    </message>
    <message>
        <source>Cannot write token file %1: %2</source>
        <translation>Token-Datei %1 kann nicht geschrieben werden: %2</translation>
    </message>
    <message>
        <source>Make a new one: delete %1 and start again (a new random token is written), or write one yourself with: openssl rand -hex 32 &gt; %1 &amp;&amp; chmod 600 %1</source>
        <translation>Erzeugen Sie ein neues: Löschen Sie %1 und starten Sie neu (ein neues Zufallstoken wird geschrieben), oder schreiben Sie selbst eines mit: openssl rand -hex 32 &gt; %1 &amp;&amp; chmod 600 %1</translation>
    </message>
    <message>
        <source>Token file %1 is empty. %2</source>
        <translation>Die Token-Datei %1 ist leer. %2</translation>
    </message>
    <message>
        <source>The token in %1 has %2 characters; a token needs at least %3. %4</source>
        <translation>Das Token in %1 hat %2 Zeichen; ein Token braucht mindestens %3. %4</translation>
    </message>
    <message>
        <source>Token file %1 is a symbolic link; refusing to follow it. Point to the real file instead.</source>
        <translation>Die Token-Datei %1 ist ein symbolischer Link; ihm wird nicht gefolgt. Geben Sie stattdessen die echte Datei an.</translation>
    </message>
</context>
<context>
    <name>ReinitEventModel</name>
    <message>
        <source>Claim published</source>
        <translation>Übernahme veröffentlicht</translation>
    </message>
    <message>
        <source>Claim not published</source>
        <translation>Übernahme nicht veröffentlicht</translation>
    </message>
    <message>
        <source>Delivered to the agent</source>
        <translation>An den Agenten zugestellt</translation>
    </message>
    <message>
        <source>Reinitialized</source>
        <translation>Neu initialisiert</translation>
    </message>
    <message>
        <source>Ignored duplicate</source>
        <translation>Duplikat ignoriert</translation>
    </message>
    <message>
        <source>409: stopped polling</source>
        <translation>409: Abfragen beendet</translation>
    </message>
    <message>
        <source>Claim failed</source>
        <translation>Übernahme fehlgeschlagen</translation>
    </message>
    <message>
        <source>Transport error, retry in %1 s</source>
        <translation>Übertragungsfehler, neuer Versuch in %1 s</translation>
    </message>
    <message>
        <source>Transport error</source>
        <translation>Übertragungsfehler</translation>
    </message>
    <message>
        <source>prebuilds</source>
        <translation>Vorab-Builds</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Zeit</translation>
    </message>
    <message>
        <source>Control plane</source>
        <translation>Steuerungsebene</translation>
    </message>
    <message>
        <source>Workspace</source>
        <translation>Arbeitsbereich</translation>
    </message>
    <message>
        <source>Agent</source>
        <translation>Agent</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Grund</translation>
    </message>
    <message>
        <source>Previous owner</source>
        <translation>Vorheriger Besitzer</translation>
    </message>
    <message>
        <source>New owner</source>
        <translation>Neuer Besitzer</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>Ergebnis</translation>
    </message>
</context>
<context>
    <name>ReinitEventsView</name>
    <message>
        <source>Reinit events</source>
        <translation>Reinit-Ereignisse</translation>
    </message>
    <message>
        <source>Reinit loop warning</source>
        <translation>Warnung vor Reinit-Schleife</translation>
    </message>
    <message>
        <source>Search reinit events</source>
        <translation>Reinit-Ereignisse durchsuchen</translation>
    </message>
    <message>
        <source>Search workspace, owner, reason, outcome…</source>
        <translation>Arbeitsbereich, Besitzer, Grund, Ergebnis suchen …</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>Ergebnis</translation>
    </message>
    <message>
        <source>All outcomes</source>
        <translation>Alle Ergebnisse</translation>
    </message>
    <message>
        <source>Reinitialized</source>
        <translation>Neu initialisiert</translation>
    </message>
    <message>
        <source>Ignored duplicate</source>
        <translation>Duplikat ignoriert</translation>
    </message>
    <message>
        <source>409: stopped polling</source>
        <translation>409: Abfragen beendet</translation>
    </message>
    <message>
        <source>Claim failed</source>
        <translation>Übernahme fehlgeschlagen</translation>
    </message>
    <message>
        <source>Transport error</source>
        <translation>Übertragungsfehler</translation>
    </message>
    <message>
        <source>Delivered</source>
        <translation>Zugestellt</translation>
    </message>
    <message>
        <source>Claim published</source>
        <translation>Übernahme veröffentlicht</translation>
    </message>
    <message>
        <source>Claim not published</source>
        <translation>Übernahme nicht veröffentlicht</translation>
    </message>
    <message>
        <source>Show every workspace&apos;s events</source>
        <translation>Die Ereignisse aller Arbeitsbereiche anzeigen</translation>
    </message>
    <message>
        <source>E&amp;xport…</source>
        <translation>E&amp;xportieren …</translation>
    </message>
    <message>
        <source>Save the events shown as JSON lines</source>
        <translation>Die angezeigten Ereignisse als JSON Lines speichern</translation>
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
        <source>No events match</source>
        <translation>Keine passenden Ereignisse</translation>
    </message>
    <message>
        <source>Change the search or the filters to see more.</source>
        <translation>Ändern Sie die Suche oder die Filter, um mehr zu sehen.</translation>
    </message>
    <message>
        <source>Find in Reinit Events</source>
        <translation>In Reinit-Ereignissen suchen</translation>
    </message>
    <message>
        <source>Export Reinit Events</source>
        <translation>Reinit-Ereignisse exportieren</translation>
    </message>
    <message>
        <source>Workspace: %1</source>
        <translation>Arbeitsbereich: %1</translation>
    </message>
    <message>
        <source>&lt;b&gt;%1&lt;/b&gt; was reinitialized %2 times in the last 10 minutes: its agent may be in a reinit loop. &lt;a href=&quot;%3&quot;&gt;Show its events&lt;/a&gt;</source>
        <translation>&lt;b&gt;%1&lt;/b&gt; wurde in den letzten 10 Minuten %2-mal neu initialisiert: Sein Agent steckt womöglich in einer Reinit-Schleife. &lt;a href=&quot;%3&quot;&gt;Seine Ereignisse anzeigen&lt;/a&gt;</translation>
    </message>
    <message numerus="yes">
        <source>%n event(s)</source>
        <translation>
            <numerusform>%n Ereignis</numerusform>
            <numerusform>%n Ereignisse</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 of %2 events</source>
        <translation>%1 von %2 Ereignissen</translation>
    </message>
    <message>
        <source>No events are shown.</source>
        <translation>Es werden keine Ereignisse angezeigt.</translation>
    </message>
    <message>
        <source>JSON lines (*.jsonl);;All files (*)</source>
        <translation>JSON Lines (*.jsonl);;Alle Dateien (*)</translation>
    </message>
    <message>
        <source>Export failed</source>
        <translation>Export fehlgeschlagen</translation>
    </message>
    <message>
        <source>Cannot write %1: %2</source>
        <translation>%1 kann nicht geschrieben werden: %2</translation>
    </message>
    <message>
        <source>Events exported</source>
        <translation>Ereignisse exportiert</translation>
    </message>
    <message>
        <source>Saved to %1</source>
        <translation>Gespeichert in %1</translation>
    </message>
</context>
<context>
    <name>RunnerTableModel</name>
    <message>
        <source>Chat</source>
        <translation>Chat</translation>
    </message>
    <message>
        <source>Chat ID</source>
        <translation>Chat-ID</translation>
    </message>
    <message>
        <source>Control plane</source>
        <translation>Steuerungsebene</translation>
    </message>
    <message>
        <source>Workspace</source>
        <translation>Arbeitsbereich</translation>
    </message>
    <message>
        <source>Agent</source>
        <translation>Agent</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Worker</source>
        <translation>Worker</translation>
    </message>
    <message>
        <source>Runner</source>
        <translation>Runner</translation>
    </message>
    <message>
        <source>Task</source>
        <translation>Aufgabe</translation>
    </message>
    <message>
        <source>Snapshot</source>
        <translation>Snapshot</translation>
    </message>
    <message>
        <source>History</source>
        <translation>Verlauf</translation>
    </message>
    <message>
        <source>Heartbeat</source>
        <translation>Heartbeat</translation>
    </message>
    <message>
        <source>Queue</source>
        <translation>Warteschlange</translation>
    </message>
    <message>
        <source>Drops</source>
        <translation>Verworfen</translation>
    </message>
    <message>
        <source>%1, archived</source>
        <translation>%1, archiviert</translation>
    </message>
    <message>
        <source>%1 (retrying)</source>
        <translation>%1 (neuer Versuch)</translation>
    </message>
    <message>
        <source>cleaning up</source>
        <translation>wird aufgeräumt</translation>
    </message>
    <message>
        <source>%1 ms</source>
        <translation>%1 ms</translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation>%1 s</translation>
    </message>
    <message>
        <source>The lease was not renewed at its last heartbeat.</source>
        <translation>Die Lease wurde beim letzten Heartbeat nicht erneuert.</translation>
    </message>
    <message>
        <source>The lease is stale: another worker may take this chat over.</source>
        <translation>Die Lease ist veraltet: Ein anderer Worker darf diesen Chat übernehmen.</translation>
    </message>
</context>
<context>
    <name>RunnersView</name>
    <message>
        <source>Runners</source>
        <translation>Runner</translation>
    </message>
    <message>
        <source>&amp;New Chat…</source>
        <translation>&amp;Neuer Chat …</translation>
    </message>
    <message>
        <source>Start a chat on a workspace, for diagnostics (Ctrl+Shift+N)</source>
        <translation>Einen Chat auf einem Arbeitsbereich starten, zur Diagnose (Strg+Umschalt+N)</translation>
    </message>
    <message>
        <source>&amp;Interrupt Chat</source>
        <translation>Chat &amp;unterbrechen</translation>
    </message>
    <message>
        <source>End the selected chat&apos;s turn (Ctrl+Shift+I)</source>
        <translation>Den aktuellen Zug des ausgewählten Chats beenden (Strg+Umschalt+I)</translation>
    </message>
    <message>
        <source>&amp;Archive Chat</source>
        <translation>Chat archi&amp;vieren</translation>
    </message>
    <message>
        <source>Archive the selected chat; its runner lets it go (Ctrl+Shift+A)</source>
        <translation>Den ausgewählten Chat archivieren; sein Runner gibt ihn frei (Strg+Umschalt+A)</translation>
    </message>
    <message>
        <source>No chats yet</source>
        <translation>Noch keine Chats</translation>
    </message>
    <message>
        <source>Chats of the connected control planes appear here with the runner that holds each: its state, lease and heartbeat, task and event log. Start one with Chat &gt; New Chat… to see the runtime work.</source>
        <translation>Die Chats der verbundenen Steuerungsebenen erscheinen hier mit dem Runner, der sie jeweils hält: Zustand, Lease und Heartbeat, Aufgabe und Ereignisprotokoll. Starten Sie einen mit Chat &gt; Neuer Chat …, um die Laufzeit arbeiten zu sehen.</translation>
    </message>
    <message>
        <source>Search chats and runners</source>
        <translation>Chats und Runner durchsuchen</translation>
    </message>
    <message>
        <source>Search by title, id, workspace, worker or error</source>
        <translation>Nach Titel, ID, Arbeitsbereich, Worker oder Fehler suchen</translation>
    </message>
    <message>
        <source>Only stuc&amp;k runners</source>
        <translation>Nur hän&amp;gende Runner</translation>
    </message>
    <message>
        <source>A stale heartbeat, or a task retrying for more than a minute</source>
        <translation>Ein veralteter Heartbeat oder eine Aufgabe, die seit über einer Minute neu versucht wird</translation>
    </message>
    <message numerus="yes">
        <source>%1 of %n chat(s)</source>
        <translation>
            <numerusform>%1 von %n Chat</numerusform>
            <numerusform>%1 von %n Chats</numerusform>
        </translation>
    </message>
    <message>
        <source>Chats and runners</source>
        <translation>Chats und Runner</translation>
    </message>
    <message>
        <source>Runner event log</source>
        <translation>Ereignisprotokoll des Runners</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Zeit</translation>
    </message>
    <message>
        <source>Event</source>
        <translation>Ereignis</translation>
    </message>
    <message>
        <source>Detail</source>
        <translation>Details</translation>
    </message>
    <message numerus="yes">
        <source>%n chat(s)</source>
        <translation>
            <numerusform>%n Chat</numerusform>
            <numerusform>%n Chats</numerusform>
        </translation>
    </message>
    <message>
        <source>Cannot archive the chat: %1</source>
        <translation>Der Chat kann nicht archiviert werden: %1</translation>
    </message>
    <message>
        <source>Cannot interrupt the chat: %1</source>
        <translation>Der Chat kann nicht unterbrochen werden: %1</translation>
    </message>
</context>
<context>
    <name>StartProcessDialog</name>
    <message>
        <source>Start Process</source>
        <translation>Prozess starten</translation>
    </message>
    <message>
        <source>Command</source>
        <translation>Befehl</translation>
    </message>
    <message>
        <source>Run with sh -c, for example: npm test</source>
        <translation>Wird mit sh -c ausgeführt, zum Beispiel: npm test</translation>
    </message>
    <message>
        <source>Working directory</source>
        <translation>Arbeitsverzeichnis</translation>
    </message>
    <message>
        <source>The agent&apos;s working directory</source>
        <translation>Das Arbeitsverzeichnis des Agenten</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>Durchsuchen …</translation>
    </message>
    <message>
        <source>Choose working directory</source>
        <translation>Arbeitsverzeichnis wählen</translation>
    </message>
    <message>
        <source>Choose a folder on this machine</source>
        <translation>Einen Ordner auf diesem Rechner wählen</translation>
    </message>
    <message>
        <source>Folders of a remote workspace cannot be browsed from here</source>
        <translation>Ordner eines entfernten Arbeitsbereichs lassen sich von hier nicht durchsuchen</translation>
    </message>
    <message>
        <source>Working Directory</source>
        <translation>Arbeitsverzeichnis</translation>
    </message>
    <message>
        <source>Environment variables</source>
        <translation>Umgebungsvariablen</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>Wert</translation>
    </message>
    <message>
        <source>Add Variable</source>
        <translation>Variable hinzufügen</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Entfernen</translation>
    </message>
    <message>
        <source>Chat ID</source>
        <translation>Chat-Kennung</translation>
    </message>
    <message>
        <source>Optional: the UUID of the chat this process belongs to</source>
        <translation>Optional: die UUID des Chats, zu dem dieser Prozess gehört</translation>
    </message>
    <message>
        <source>Run in the &amp;background</source>
        <translation>Im Hinter&amp;grund ausführen</translation>
    </message>
    <message>
        <source>Marks the process as a background process, as AI chats do for servers and watchers.</source>
        <translation>Kennzeichnet den Prozess als Hintergrundprozess, wie KI-Chats es für Server und Beobachter tun.</translation>
    </message>
    <message>
        <source>&amp;Start</source>
        <translation>&amp;Starten</translation>
    </message>
    <message>
        <source>&amp;Command:</source>
        <translation>&amp;Befehl:</translation>
    </message>
    <message>
        <source>&amp;Working directory:</source>
        <translation>&amp;Arbeitsverzeichnis:</translation>
    </message>
    <message>
        <source>&amp;Environment:</source>
        <translation>&amp;Umgebung:</translation>
    </message>
    <message>
        <source>C&amp;hat ID:</source>
        <translation>C&amp;hat-Kennung:</translation>
    </message>
    <message>
        <source>Enter a command.</source>
        <translation>Geben Sie einen Befehl ein.</translation>
    </message>
    <message>
        <source>Use an absolute path.</source>
        <translation>Verwenden Sie einen absoluten Pfad.</translation>
    </message>
    <message>
        <source>This folder does not exist.</source>
        <translation>Dieser Ordner existiert nicht.</translation>
    </message>
    <message>
        <source>Row %1: enter a variable name.</source>
        <translation>Zeile %1: Geben Sie einen Variablennamen ein.</translation>
    </message>
    <message>
        <source>Row %1: %2 is not a valid variable name (letters, digits and _, not starting with a digit).</source>
        <translation>Zeile %1: %2 ist kein gültiger Variablenname (Buchstaben, Ziffern und _, nicht mit einer Ziffer beginnend).</translation>
    </message>
    <message>
        <source>Row %1: %2 is set twice.</source>
        <translation>Zeile %1: %2 ist doppelt gesetzt.</translation>
    </message>
    <message>
        <source>A chat ID is a UUID, for example 5c0f6b1e-8d4b-4e38-9a47-2f1c3f0f2b7e.</source>
        <translation>Eine Chat-Kennung ist eine UUID, zum Beispiel 5c0f6b1e-8d4b-4e38-9a47-2f1c3f0f2b7e.</translation>
    </message>
    <message>
        <source>Enter starts the process, Shift+Enter adds a line. Up and Down go through the commands started before.</source>
        <translation>Eingabe startet den Prozess, Umschalt+Eingabe fügt eine Zeile ein. Auf und Ab blättern durch die zuvor gestarteten Befehle.</translation>
    </message>
</context>
<context>
    <name>TokenStore</name>
    <message>
        <source>Cannot create %1</source>
        <translation>%1 kann nicht angelegt werden</translation>
    </message>
    <message>
        <source>Cannot write %1</source>
        <translation>%1 kann nicht geschrieben werden</translation>
    </message>
    <message>
        <source>the system keychain</source>
        <translation>dem Schlüsselbund des Systems</translation>
    </message>
    <message>
        <source>No token is stored for this agent.</source>
        <translation>Für diesen Agenten ist kein Token gespeichert.</translation>
    </message>
    <message>
        <source>%1 is not a private file (mode 0600, yours); it is not read.</source>
        <translation>%1 ist keine private Datei (Modus 0600, Ihnen gehörend); sie wird nicht gelesen.</translation>
    </message>
</context>
<context>
    <name>companiond</name>
    <message>
        <source>Address and port to listen on (default 127.0.0.1:0, a free port on loopback). Listening beyond loopback exposes the agent to the network: do it only behind a firewall or tunnel.</source>
        <translation>Adresse und Port, auf denen gelauscht wird (Vorgabe 127.0.0.1:0, ein freier Port auf Loopback). Außerhalb von Loopback ist der Agent im Netz erreichbar: nur hinter einer Firewall oder einem Tunnel.</translation>
    </message>
    <message>
        <source>host:port</source>
        <translation>Host:Port</translation>
    </message>
    <message>
        <source>Working directory for processes started without one (default: the current directory).</source>
        <translation>Arbeitsverzeichnis für Prozesse, die ohne eines gestartet werden (Vorgabe: das aktuelle Verzeichnis).</translation>
    </message>
    <message>
        <source>dir</source>
        <translation>Verzeichnis</translation>
    </message>
    <message>
        <source>File holding the agent token; created with a new random token and mode 0600 when missing (default: %1).</source>
        <translation>Datei mit dem Agenten-Token; fehlt sie, wird sie mit einem neuen Zufallstoken und Modus 0600 angelegt (Vorgabe: %1).</translation>
    </message>
    <message>
        <source>file</source>
        <translation>Datei</translation>
    </message>
    <message>
        <source>Bytes of full output kept per process (default 67108864, 64 MiB). The oldest bytes are dropped beyond it.</source>
        <translation>Bytes vollständiger Ausgabe, die je Prozess behalten werden (Vorgabe 67108864, 64 MiB). Darüber hinaus werden die ältesten Bytes verworfen.</translation>
    </message>
    <message>
        <source>bytes</source>
        <translation>Bytes</translation>
    </message>
    <message>
        <source>Invalid --listen value %1: expected host:port, for example 127.0.0.1:4000.</source>
        <translation>Ungültiger Wert für --listen: %1. Erwartet wird Host:Port, zum Beispiel 127.0.0.1:4000.</translation>
    </message>
    <message>
        <source>Working directory %1 does not exist.</source>
        <translation>Arbeitsverzeichnis %1 existiert nicht.</translation>
    </message>
    <message>
        <source>Invalid --capture-cap value %1: expected a byte count of at least 4096.</source>
        <translation>Ungültiger Wert für --capture-cap: %1. Erwartet wird eine Byte-Anzahl von mindestens 4096.</translation>
    </message>
    <message>
        <source>Agent listening on %1</source>
        <translation>Agent lauscht auf %1</translation>
    </message>
    <message>
        <source>Token file: %1</source>
        <translation>Token-Datei: %1</translation>
    </message>
    <message>
        <source>Working directory: %1</source>
        <translation>Arbeitsverzeichnis: %1</translation>
    </message>
    <message>
        <source>Signal %1: ending processes and stopping</source>
        <translation>Signal %1: Prozesse werden beendet, der Agent hält an</translation>
    </message>
    <message>
        <source>Headless Workspace Companion: runs a workspace agent or a control plane.</source>
        <translation>Workspace Companion ohne Oberfläche: betreibt einen Arbeitsbereichs-Agenten oder eine Steuerungsebene.</translation>
    </message>
    <message>
        <source>Displays version information.</source>
        <translation>Zeigt Versionsinformationen an.</translation>
    </message>
    <message>
        <source>Unknown command: %1. Run companiond --help.</source>
        <translation>Unbekannter Befehl: %1. Siehe companiond --help.</translation>
    </message>
    <message>
        <source>Runs a workspace agent: the process and context APIs over HTTP. Every request needs the agent token.</source>
        <translation>Betreibt einen Arbeitsbereichs-Agenten: die Prozess- und Kontext-APIs über HTTP. Jede Anfrage braucht das Agenten-Token.</translation>
    </message>
    <message>
        <source>Extra folder to scan for context resources (repeatable). Trusted: not limited to the allowed roots.</source>
        <translation>Zusätzlicher Ordner, der nach Kontextressourcen durchsucht wird (wiederholbar). Vertrauenswürdig: nicht auf die erlaubten Wurzeln beschränkt.</translation>
    </message>
    <message>
        <source>url</source>
        <translation>URL</translation>
    </message>
    <message>
        <source>Do not scan ~/.coder, ~/.coder/skills and ~/.claude/plugins/cache.</source>
        <translation>~/.coder, ~/.coder/skills und ~/.claude/plugins/cache nicht durchsuchen.</translation>
    </message>
    <message>
        <source>Invalid --control-plane value %1: expected an http(s) URL.</source>
        <translation>Ungültiger Wert für --control-plane: %1. Erwartet wird eine http(s)-URL.</translation>
    </message>
    <message>
        <source>Bytes of full output kept for all processes together (default 1073741824, 1 GiB). Beyond it the captures of the oldest exited processes are released first; AI clients&apos; head and tail views are kept.</source>
        <translation>Bytes vollständiger Ausgabe, die für alle Prozesse zusammen behalten werden (Vorgabe 1073741824, 1 GiB). Darüber hinaus werden zuerst die Mitschnitte der am längsten beendeten Prozesse freigegeben; Anfang und Ende für KI-Clients bleiben erhalten.</translation>
    </message>
    <message>
        <source>Seconds a client has to send a request&apos;s headers (default 10).</source>
        <translation>Sekunden, die ein Client hat, um die Kopfzeilen einer Anfrage zu senden (Vorgabe 10).</translation>
    </message>
    <message>
        <source>seconds</source>
        <translation>Sekunden</translation>
    </message>
    <message>
        <source>Seconds a request body may stall before the connection is closed (default 30).</source>
        <translation>Sekunden, die der Inhalt einer Anfrage stocken darf, bevor die Verbindung geschlossen wird (Vorgabe 30).</translation>
    </message>
    <message>
        <source>Seconds an idle keep-alive connection stays open (default 60).</source>
        <translation>Sekunden, die eine ruhende Keep-alive-Verbindung offen bleibt (Vorgabe 60).</translation>
    </message>
    <message>
        <source>Open connections in all, WebSockets included (default 1024); more get 503.</source>
        <translation>Offene Verbindungen insgesamt, WebSockets eingeschlossen (Vorgabe 1024); weitere erhalten 503.</translation>
    </message>
    <message>
        <source>count</source>
        <translation>Anzahl</translation>
    </message>
    <message>
        <source>Open connections from one client address (default 64); more get 503.</source>
        <translation>Offene Verbindungen von einer Client-Adresse (Vorgabe 64); weitere erhalten 503.</translation>
    </message>
    <message>
        <source>Invalid --capture-budget value %1: expected a byte count of at least the capture cap (%2).</source>
        <translation>Ungültiger Wert für --capture-budget: %1. Erwartet wird eine Byte-Anzahl von mindestens der Mitschnittgrenze (%2).</translation>
    </message>
    <message>
        <source>Invalid --%1 value %2: expected a whole number from 1 to %3.</source>
        <translation>Ungültiger Wert für --%1: %2. Erwartet wird eine ganze Zahl von 1 bis %3.</translation>
    </message>
    <message>
        <source>Warning: listening on %1 port %2, beyond loopback: every machine that can reach it may try the token.</source>
        <translation>Warnung: Es wird auf %1 Port %2 gelauscht, außerhalb von Loopback: Jeder Rechner, der ihn erreicht, kann das Token ausprobieren.</translation>
    </message>
    <message>
        <source>Agent listening on %1 port %2 (every address of this machine); locally at %3</source>
        <translation>Agent lauscht auf %1 Port %2 (jede Adresse dieses Rechners); lokal unter %3</translation>
    </message>
    <message>
        <source>Control plane of this agent&apos;s workspace, for example http://127.0.0.1:7080: the agent reports to it, pushes context snapshots and is reinitialized when its prebuilt workspace is claimed.</source>
        <translation>Steuerungsebene des Arbeitsbereichs dieses Agenten, zum Beispiel http://127.0.0.1:7080: Der Agent meldet sich bei ihr, überträgt Momentaufnahmen des Kontexts und wird neu initialisiert, wenn sein vorab erstellter Arbeitsbereich übernommen wird.</translation>
    </message>
    <message>
        <source>File holding this workspace&apos;s agent token for the control plane (from `companiond ctl workspaces create`; default: the agent token file).</source>
        <translation>Datei mit dem Agenten-Token dieses Arbeitsbereichs für die Steuerungsebene (aus `companiond ctl workspaces create`; Vorgabe: die Token-Datei des Agenten).</translation>
    </message>
    <message>
        <source>Workspace claimed by %1: reinitializing the agent</source>
        <translation>Arbeitsbereich von %1 übernommen: Der Agent wird neu initialisiert</translation>
    </message>
    <message>
        <source>Agent reinitialized; listening on %1</source>
        <translation>Agent neu initialisiert; lauscht auf %1</translation>
    </message>
    <message>
        <source>Reinit event for the current owner ignored</source>
        <translation>Reinit-Ereignis für den aktuellen Besitzer ignoriert</translation>
    </message>
    <message>
        <source>Reinit does not apply: %1</source>
        <translation>Reinit gilt hier nicht: %1</translation>
    </message>
    <message>
        <source>Control plane: %1</source>
        <translation>Steuerungsebene: %1</translation>
    </message>
    <message>
        <source>agent: run a workspace agent (companiond agent --help); server: run a control plane (companiond server --help); ctl: drive a control plane (companiond ctl --help).</source>
        <translation>agent: einen Arbeitsbereichs-Agenten betreiben (companiond agent --help); server: eine Steuerungsebene betreiben (companiond server --help); ctl: eine Steuerungsebene bedienen (companiond ctl --help).</translation>
    </message>
    <message>
        <source>Runs a control plane: workspaces, builds and agents, prebuild claims and the agent reinit stream. Operator requests need the operator token; agents use their own.</source>
        <translation>Betreibt eine Steuerungsebene: Arbeitsbereiche, Builds und Agenten, Übernahmen vorab erstellter Arbeitsbereiche und den Reinit-Stream der Agenten. Anfragen des Betreibers brauchen das Betreiber-Token; Agenten verwenden ihr eigenes.</translation>
    </message>
    <message>
        <source>Address and port to listen on (default 127.0.0.1:0, a free port on loopback).</source>
        <translation>Adresse und Port, auf denen gelauscht wird (Vorgabe 127.0.0.1:0, ein freier Port auf Loopback).</translation>
    </message>
    <message>
        <source>sqlite:PATH or postgres://user:password@host:port/db (default: SQLite in %1). Replicas share one PostgreSQL database.</source>
        <translation>sqlite:PFAD oder postgres://user:password@host:port/db (Vorgabe: SQLite in %1). Replikate teilen sich eine PostgreSQL-Datenbank.</translation>
    </message>
    <message>
        <source>File holding the operator token; created 0600 with a new token when missing (default: %1).</source>
        <translation>Datei mit dem Betreiber-Token; fehlt sie, wird sie mit einem neuen Token und Modus 0600 angelegt (Vorgabe: %1).</translation>
    </message>
    <message>
        <source>echo: every build&apos;s job succeeds at once (default); external: jobs wait for POST /api/v2/workspacebuilds/ID/complete.</source>
        <translation>echo: Der Job jedes Builds gelingt sofort (Vorgabe); external: Jobs warten auf POST /api/v2/workspacebuilds/ID/complete.</translation>
    </message>
    <message>
        <source>kind</source>
        <translation>Art</translation>
    </message>
    <message>
        <source>Invalid --listen value %1: expected host:port, for example 127.0.0.1:7080.</source>
        <translation>Ungültiger Wert für --listen: %1. Erwartet wird Host:Port, zum Beispiel 127.0.0.1:7080.</translation>
    </message>
    <message>
        <source>Invalid --provisioner value %1: echo or external.</source>
        <translation>Ungültiger Wert für --provisioner: %1. Erlaubt sind echo oder external.</translation>
    </message>
    <message>
        <source>Warning: listening beyond loopback, on %1 port %2.</source>
        <translation>Warnung: Es wird außerhalb von Loopback gelauscht, auf %1 Port %2.</translation>
    </message>
    <message>
        <source>Control plane listening on %1</source>
        <translation>Steuerungsebene lauscht auf %1</translation>
    </message>
    <message>
        <source>Operator token file: %1</source>
        <translation>Betreiber-Token-Datei: %1</translation>
    </message>
    <message>
        <source>Database: %1</source>
        <translation>Datenbank: %1</translation>
    </message>
    <message>
        <source>Signal %1: stopping</source>
        <translation>Signal %1: wird angehalten</translation>
    </message>
    <message>
        <source>The control plane (default: the URL the local `companiond server` wrote to %1).</source>
        <translation>Die Steuerungsebene (Vorgabe: die URL, die der lokale `companiond server` in %1 geschrieben hat).</translation>
    </message>
    <message>
        <source>The operator token file (default: %1).</source>
        <translation>Die Betreiber-Token-Datei (Vorgabe: %1).</translation>
    </message>
    <message>
        <source>Print exactly one JSON document (events --follow: one JSON object a line).</source>
        <translation>Genau ein JSON-Dokument ausgeben (events --follow: ein JSON-Objekt je Zeile).</translation>
    </message>
    <message>
        <source>Create a prebuilt workspace (owned by the prebuilds user until claimed).</source>
        <translation>Einen vorab erstellten Arbeitsbereich anlegen (er gehört bis zur Übernahme dem Benutzer prebuilds).</translation>
    </message>
    <message>
        <source>The owner&apos;s user name.</source>
        <translation>Der Benutzername des Besitzers.</translation>
    </message>
    <message>
        <source>user</source>
        <translation>Benutzer</translation>
    </message>
    <message>
        <source>id</source>
        <translation>Kennung</translation>
    </message>
    <message>
        <source>What to do (see above).</source>
        <translation>Was zu tun ist (siehe oben).</translation>
    </message>
    <message>
        <source>No control plane: pass --url http://HOST:PORT (no local `companiond server` has written %1).</source>
        <translation>Keine Steuerungsebene: Geben Sie --url http://HOST:PORT an (kein lokaler `companiond server` hat %1 geschrieben).</translation>
    </message>
    <message>
        <source>Unknown or incomplete command: %1. Run companiond ctl --help.</source>
        <translation>Unbekannter oder unvollständiger Befehl: %1. Siehe companiond ctl --help.</translation>
    </message>
    <message>
        <source>NAME</source>
        <translation>NAME</translation>
    </message>
    <message>
        <source>ID</source>
        <translation>ID</translation>
    </message>
    <message>
        <source>KIND</source>
        <translation>ART</translation>
    </message>
    <message>
        <source>OWNER</source>
        <translation>BESITZER</translation>
    </message>
    <message>
        <source>LATEST BUILD</source>
        <translation>LETZTER BUILD</translation>
    </message>
    <message>
        <source>AGENT SEEN</source>
        <translation>AGENT GESEHEN</translation>
    </message>
    <message>
        <source>CONTEXT</source>
        <translation>KONTEXT</translation>
    </message>
    <message>
        <source>The agent token is shown only now: keep it in a 0600 file for companiond agent --agent-token-file.</source>
        <translation>Das Agenten-Token wird nur jetzt angezeigt: Bewahren Sie es in einer Datei mit Modus 0600 für companiond agent --agent-token-file auf.</translation>
    </message>
    <message>
        <source>workspaces claim needs --owner USER.</source>
        <translation>workspaces claim braucht --owner BENUTZER.</translation>
    </message>
    <message>
        <source>Claimed %1 for %2: build #%3</source>
        <translation>%1 für %2 übernommen: Build #%3</translation>
    </message>
    <message>
        <source>%1: build #%2 (%3)</source>
        <translation>%1: Build #%2 (%3)</translation>
    </message>
    <message>
        <source>TIME</source>
        <translation>ZEIT</translation>
    </message>
    <message>
        <source>WORKSPACE</source>
        <translation>ARBEITSBEREICH</translation>
    </message>
    <message>
        <source>OUTCOME</source>
        <translation>ERGEBNIS</translation>
    </message>
    <message>
        <source>NEW OWNER</source>
        <translation>NEUER BESITZER</translation>
    </message>
    <message>
        <source>DETAIL</source>
        <translation>DETAIL</translation>
    </message>
    <message>
        <source>The control plane closed the event stream: %1</source>
        <translation>Die Steuerungsebene hat den Ereignis-Stream geschlossen: %1</translation>
    </message>
    <message>
        <source>Reconnected to the control plane; catching up from event %1.</source>
        <translation>Wieder mit der Steuerungsebene verbunden; hole ab Ereignis %1 nach.</translation>
    </message>
    <message>
        <source>Following live events; Ctrl+C stops.</source>
        <translation>Verfolge Live-Ereignisse; Strg+C beendet.</translation>
    </message>
    <message>
        <source>Event stream lost (%1); reconnecting in %2 ms.</source>
        <translation>Ereignisstrom verloren (%1); neuer Verbindungsversuch in %2 ms.</translation>
    </message>
    <message>
        <source>This replica&apos;s chat worker id (default: a new one at each start).</source>
        <translation>Die Chat-Worker-ID dieser Replik (Standard: bei jedem Start eine neue).</translation>
    </message>
    <message>
        <source>uuid</source>
        <translation>uuid</translation>
    </message>
    <message>
        <source>How often chat leases are renewed (default 9s).</source>
        <translation>Wie oft Chat-Leases erneuert werden (Standard 9s).</translation>
    </message>
    <message>
        <source>duration</source>
        <translation>Dauer</translation>
    </message>
    <message>
        <source>How old a lease&apos;s heartbeat is before another worker may take the chat over; stale heartbeats are also cleaned up this often (default 30s).</source>
        <translation>Wie alt der Heartbeat einer Lease sein muss, bevor ein anderer Worker den Chat übernehmen darf; so oft werden auch veraltete Heartbeats aufgeräumt (Standard 30s).</translation>
    </message>
    <message>
        <source>How often runners re-read their chats from the database (default 15s).</source>
        <translation>Wie oft Runner ihre Chats neu aus der Datenbank lesen (Standard 15s).</translation>
    </message>
    <message>
        <source>How often the worker looks for chats to run (default 30s).</source>
        <translation>Wie oft der Worker nach auszuführenden Chats sucht (Standard 30s).</translation>
    </message>
    <message>
        <source>Archive chats inactive for this many days (default 90; 0: never).</source>
        <translation>Chats archivieren, die so viele Tage inaktiv sind (Standard 90; 0: nie).</translation>
    </message>
    <message>
        <source>days</source>
        <translation>Tage</translation>
    </message>
    <message>
        <source>Invalid --worker-id value %1: expected a UUID.</source>
        <translation>Ungültiger Wert %1 für --worker-id: erwartet wird eine UUID.</translation>
    </message>
    <message>
        <source>Invalid --%1 value %2: expected a duration from 1ms to 24h, such as 500ms, 9s or 2m.</source>
        <translation>Ungültiger Wert %2 für --%1: erwartet wird eine Dauer von 1ms bis 24h, etwa 500ms, 9s oder 2m.</translation>
    </message>
    <message>
        <source>--stale-after (%1 ms) must be longer than --heartbeat-interval (%2 ms), or every lease goes stale between its renewals.</source>
        <translation>--stale-after (%1 ms) muss länger sein als --heartbeat-interval (%2 ms), sonst veraltet jede Lease zwischen ihren Erneuerungen.</translation>
    </message>
    <message>
        <source>Invalid --auto-archive-days value %1: expected a whole number from 0 to 36500.</source>
        <translation>Ungültiger Wert %1 für --auto-archive-days: erwartet wird eine ganze Zahl von 0 bis 36500.</translation>
    </message>
    <message>
        <source>Chat worker: %1</source>
        <translation>Chat-Worker: %1</translation>
    </message>
    <message>
        <source>CHAT</source>
        <translation>CHAT</translation>
    </message>
    <message>
        <source>WORKER</source>
        <translation>WORKER</translation>
    </message>
    <message>
        <source>RUNNER</source>
        <translation>RUNNER</translation>
    </message>
    <message>
        <source>STATUS</source>
        <translation>STATUS</translation>
    </message>
    <message>
        <source>TASK</source>
        <translation>AUFGABE</translation>
    </message>
    <message>
        <source>SNAPSHOT</source>
        <translation>SNAPSHOT</translation>
    </message>
    <message>
        <source>HISTORY</source>
        <translation>VERLAUF</translation>
    </message>
    <message>
        <source>HEARTBEAT</source>
        <translation>HEARTBEAT</translation>
    </message>
    <message>
        <source>QUEUE</source>
        <translation>WARTESCHLANGE</translation>
    </message>
    <message>
        <source>DROPPED</source>
        <translation>VERWORFEN</translation>
    </message>
    <message>
        <source>Drives a control plane&apos;s API.
Commands:
  workspaces list
  workspaces create NAME [--prebuilt] [--owner USER]
  workspaces claim ID --owner USER
  workspaces stop ID | workspaces start ID
  events [--workspace ID] [--follow]
  chats create --workspace ID --title TEXT [--message TEXT]
  chats list [--archived] | chats get ID
  chats interrupt ID | chats archive ID
  runners [--follow]</source>
        <translation>Steuert die API einer Steuerungsebene.
Befehle:
  workspaces list
  workspaces create NAME [--prebuilt] [--owner BENUTZER]
  workspaces claim ID --owner BENUTZER
  workspaces stop ID | workspaces start ID
  events [--workspace ID] [--follow]
  chats create --workspace ID --title TEXT [--message TEXT]
  chats list [--archived] | chats get ID
  chats interrupt ID | chats archive ID
  runners [--follow]</translation>
    </message>
    <message>
        <source>A workspace (id or name): events shows only its events; chats create puts the chat on its agent.</source>
        <translation>Ein Arbeitsbereich (ID oder Name): events zeigt nur seine Ereignisse; chats create legt den Chat auf seinen Agenten.</translation>
    </message>
    <message>
        <source>The chat&apos;s title.</source>
        <translation>Der Titel des Chats.</translation>
    </message>
    <message>
        <source>text</source>
        <translation>Text</translation>
    </message>
    <message>
        <source>The chat&apos;s first message (without one the chat waits).</source>
        <translation>Die erste Nachricht des Chats (ohne sie wartet der Chat).</translation>
    </message>
    <message>
        <source>chats list: archived chats too.</source>
        <translation>chats list: auch archivierte Chats.</translation>
    </message>
    <message>
        <source>Keep printing new events (runners: changes) as they happen, one JSON object a line.</source>
        <translation>Neue Ereignisse (runners: Änderungen) laufend ausgeben, ein JSON-Objekt je Zeile.</translation>
    </message>
    <message>
        <source>chats create needs --workspace ID and --title TEXT.</source>
        <translation>chats create braucht --workspace ID und --title TEXT.</translation>
    </message>
    <message>
        <source>TITLE</source>
        <translation>TITEL</translation>
    </message>
    <message>
        <source>UPDATED</source>
        <translation>GEÄNDERT</translation>
    </message>
    <message>
        <source>LAST ERROR</source>
        <translation>LETZTER FEHLER</translation>
    </message>
    <message>
        <source>RETRYING SINCE</source>
        <translation>NEUER VERSUCH SEIT</translation>
    </message>
    <message>
        <source>FLAGS</source>
        <translation>MERKMALE</translation>
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
    <message>
        <source>View to open: context, processes, runners or reinit-events.</source>
        <translation>Zu öffnende Ansicht: context, processes, runners oder reinit-events.</translation>
    </message>
    <message>
        <source>view</source>
        <translation>Ansicht</translation>
    </message>
    <message>
        <source>Start COMMAND in this machine&apos;s agent and show it (repeatable).</source>
        <translation>Startet BEFEHL im Agenten dieses Rechners und zeigt ihn an (wiederholbar).</translation>
    </message>
    <message>
        <source>command</source>
        <translation>Befehl</translation>
    </message>
    <message>
        <source>Working directory of this machine&apos;s agent (default: the current directory).</source>
        <translation>Arbeitsverzeichnis des Agenten dieses Rechners (Vorgabe: das aktuelle Verzeichnis).</translation>
    </message>
    <message>
        <source>Not a folder: %1</source>
        <translation>Kein Ordner: %1</translation>
    </message>
    <message>
        <source>Unknown view: %1 (expected one of %2)</source>
        <translation>Unbekannte Ansicht: %1 (erwartet wird eine von %2)</translation>
    </message>
    <message>
        <source>This machine&apos;s agent: %1</source>
        <translation>Agent dieses Rechners: %1</translation>
    </message>
    <message>
        <source>Agent token file: %1</source>
        <translation>Token-Datei des Agenten: %1</translation>
    </message>
    <message>
        <source>Agent working directory: %1</source>
        <translation>Arbeitsverzeichnis des Agenten: %1</translation>
    </message>
    <message>
        <source>Signal %1: ending processes and quitting</source>
        <translation>Signal %1: Prozesse werden beendet, die Anwendung wird geschlossen</translation>
    </message>
    <message>
        <source>Also open the agent at URL (with --token-file), and show it.</source>
        <translation>Zusätzlich den Agenten unter URL öffnen (mit --token-file) und anzeigen.</translation>
    </message>
    <message>
        <source>The token of the --agent, read from FILE.</source>
        <translation>Das Token des --agent, aus DATEI gelesen.</translation>
    </message>
    <message>
        <source>--agent needs --token-file</source>
        <translation>--agent braucht --token-file</translation>
    </message>
    <message>
        <source>--token-file needs --agent</source>
        <translation>--token-file braucht --agent</translation>
    </message>
    <message>
        <source>The control plane did not start within 15 s.</source>
        <translation>Die Steuerungsebene ist nicht binnen 15 s gestartet.</translation>
    </message>
    <message>
        <source>Control plane: %1</source>
        <translation>Steuerungsebene: %1</translation>
    </message>
    <message>
        <source>Operator token file: %1</source>
        <translation>Betreiber-Token-Datei: %1</translation>
    </message>
    <message>
        <source>The control plane in this app did not start: %1</source>
        <translation>Die Steuerungsebene in dieser Anwendung ist nicht gestartet: %1</translation>
    </message>
    <message>
        <source>This machine&apos;s control plane</source>
        <translation>Steuerungsebene dieses Rechners</translation>
    </message>
</context>
</TS>
