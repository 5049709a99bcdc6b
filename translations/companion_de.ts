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
    <message>
        <source>Cannot serve HTTP on %1:%2</source>
        <translation>HTTP kann auf %1:%2 nicht bereitgestellt werden</translation>
    </message>
    <message>
        <source>Request body too large.</source>
        <translation>Anfrageinhalt zu groß.</translation>
    </message>
    <message>
        <source>The body has %1 bytes; the limit is %2 bytes.</source>
        <translation>Der Inhalt hat %1 Bytes; die Grenze liegt bei %2 Bytes.</translation>
    </message>
    <message>
        <source>Method not allowed.</source>
        <translation>Methode nicht erlaubt.</translation>
    </message>
    <message>
        <source>%1 is not supported on %2.</source>
        <translation>%1 wird auf %2 nicht unterstützt.</translation>
    </message>
    <message>
        <source>Route not found.</source>
        <translation>Route nicht gefunden.</translation>
    </message>
    <message>
        <source>No route for %1 %2.</source>
        <translation>Keine Route für %1 %2.</translation>
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
</context>
<context>
    <name>ManagedProcess</name>
    <message>
        <source>The process has no id.</source>
        <translation>Der Prozess hat keine Kennung.</translation>
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
</context>
<context>
    <name>ProcessListModel</name>
    <message>
        <source>Running</source>
        <translation>Läuft</translation>
    </message>
    <message>
        <source>Killed</source>
        <translation>Durch Signal beendet</translation>
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
        <source>Dismiss</source>
        <translation>Schließen</translation>
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
        <source>Searching…</source>
        <translation>Suche …</translation>
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
        <source>was killed</source>
        <translation>wurde durch ein Signal beendet</translation>
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
        <source>Killed by a signal after %1</source>
        <translation>Nach %1 durch ein Signal beendet</translation>
    </message>
    <message>
        <source>Exited with code %1 after %2</source>
        <translation>Nach %2 mit Code %1 beendet</translation>
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
        <source>Token file %1 is empty</source>
        <translation>Token-Datei %1 ist leer</translation>
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
        <translation>Im &amp;Hintergrund ausführen</translation>
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
</context>
<context>
    <name>companiond</name>
    <message>
        <source>Runs a workspace agent: the process API (and, later, context resources) over HTTP. Every request needs the agent token.</source>
        <translation>Betreibt einen Arbeitsbereichs-Agenten: die Prozess-API (und später Kontextressourcen) über HTTP. Jede Anfrage braucht das Agenten-Token.</translation>
    </message>
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
        <source>Warning: listening on %1, beyond loopback.</source>
        <translation>Warnung: Es wird auf %1 gelauscht, außerhalb von Loopback.</translation>
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
        <source>agent: run a workspace agent (companiond agent --help).</source>
        <translation>agent: einen Arbeitsbereichs-Agenten betreiben (companiond agent --help).</translation>
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
</context>
</TS>
