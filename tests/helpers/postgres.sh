#!/usr/bin/env bash
# A throw-away PostgreSQL for the tests (a CTest fixture), on 127.0.0.1 and a free port.
#   postgres.sh start DIR     a new cluster (replacing any previous one); writes DIR/url,
#                             DIR/port and DIR/datadir, logs to DIR/log
#   postgres.sh stop DIR      stops it; succeeds when nothing runs
#   postgres.sh restart DIR   an immediate stop, then the same data dir on the same port
set -euo pipefail

die() {
    echo "postgres.sh: error: $*" >&2
    exit 1
}

[ $# = 2 ] || die "usage: postgres.sh start|stop|restart DIR"
cmd=$1
mkdir -p "$2"
dir=$(cd "$2" && pwd)
# pg_ctl fails in a working directory the server's user cannot enter.
cd /

# Debian keeps the server binaries off PATH; elsewhere they are on it.
bin=${PG_BIN:-$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n1)}
[ -d "$bin" ] || bin=$(dirname "$(command -v initdb || die "no PostgreSQL server (initdb) found")")

# PostgreSQL refuses to run as root: then the server is the postgres user's.
as_pg() { "$@"; }
if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || die "running as root, but there is no postgres user"
    if command -v setpriv >/dev/null; then
        as_pg() { setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"; }
    else
        as_pg() { runuser -u postgres -- "$@"; }
    fi
fi

log_tail() {
    echo "--- last lines of $dir/log:" >&2
    tail -n 30 "$dir/log" >&2 2>/dev/null || true
}

# Stops the server of data dir $1 if one runs from it; quietly when nothing does.
stop_server() {
    [ -f "$1/postmaster.pid" ] || return 0
    as_pg "$bin/pg_ctl" stop -D "$1" -m "$2" -w -t 30 >/dev/null 2>&1 && return 0
    # pg_ctl stop fails on a stale pid file too; only a live server is an error.
    if as_pg "$bin/pg_ctl" status -D "$1" >/dev/null 2>&1; then die "cannot stop the server in $1"; fi
}

# Starts data dir $1 on port $2; fails when the server does not come up. The server writes
# to pg_ctl's output: the log next to the data dir (DIR/log is it, or a link to it).
start_server() {
    local log fd
    log=$(dirname "$1")/log
    # The server outlives us: it must not hold open a pipe of whoever ran us (a caller
    # waiting for the end of our output would hang), so it gets no fd beyond 0-2.
    (
        for fd in /proc/self/fd/*; do
            fd=${fd##*/}
            if [ "$fd" -gt 2 ]; then eval "exec $fd>&-"; fi
        done
        as_pg "$bin/pg_ctl" start -D "$1" -w -t 30 -o "-p $2"
    ) >>"$log" 2>&1 </dev/null || return 1
    # pg_ctl -w waits for "ready" in postmaster.pid; this confirms TCP itself answers.
    for _ in $(seq 100); do
        "$bin/pg_isready" -q -h 127.0.0.1 -p "$2" -U postgres -d postgres -t 1 && return 0
        sleep 0.1
    done
    return 1
}

# TCP ports something listens on now (any address), from the kernel's tables.
listening_ports() {
    local local_address state
    cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | while read -r _ local_address _ state _; do
        if [ "$state" = 0A ]; then echo $((16#${local_address##*:})); fi
    done
}

datadir_of() { if [ -f "$dir/datadir" ]; then cat "$dir/datadir"; else echo "$dir/data"; fi; }

case "$cmd" in
start)
    # The previous cluster: its server stopped, its files gone (only what start created).
    old=$(datadir_of)
    for d in "$old" "$dir/data"; do stop_server "$d" immediate; done
    case "$old" in /tmp/companion-postgres.*/data) rm -rf "$(dirname "$old")" ;; esac
    rm -rf "$dir/data" "$dir/url" "$dir/port" "$dir/datadir" "$dir/log"

    # The cluster lives in DIR when the server's user can write there and the socket path
    # fits (about 107 bytes), else in a private directory under /tmp.
    home=$dir
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    if ! as_pg test -w "$dir" -a -x "$dir" || [ ${#dir} -gt 90 ]; then
        home=$(mktemp -d /tmp/companion-postgres.XXXXXX)
        [ "$(id -u)" = 0 ] && chown postgres: "$home"
        ln -s "$home/log" "$dir/log"
    fi
    as_pg touch "$home/log"

    as_pg "$bin/initdb" -D "$home/data" -A trust -U postgres --no-sync -E UTF8 --no-locale \
        >>"$home/log" 2>&1 || { log_tail; die "initdb failed"; }
    # Only a test's server: no durability, enough connections for parallel clients.
    cat >>"$home/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$home'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
EOF

    # A random first port, then the next ones: skip those known taken, and retry when
    # another process binds ours between the check and the start.
    port=$((20000 + RANDOM % 20000))
    started=
    for _ in $(seq 50); do
        if ! listening_ports | grep -qx "$port"; then
            log_size=$(stat -c %s "$home/log")
            if start_server "$home/data" "$port"; then
                started=1
                break
            fi
            tail -c +$((log_size + 1)) "$home/log" | grep -q 'could not bind\|could not create any TCP/IP sockets' ||
                { log_tail; die "the server did not start"; }
            stop_server "$home/data" immediate
        fi
        port=$((port >= 40000 ? 20000 : port + 1))
    done
    [ -n "$started" ] || { log_tail; die "no free port found"; }

    echo "$home/data" >"$dir/datadir"
    echo "$port" >"$dir/port"
    echo "postgres://postgres@127.0.0.1:$port/postgres" >"$dir/url"
    ;;
stop)
    stop_server "$(datadir_of)" fast
    ;;
restart)
    [ -f "$dir/port" ] || die "no cluster in $dir: run postgres.sh start first"
    data=$(datadir_of)
    stop_server "$data" immediate
    start_server "$data" "$(cat "$dir/port")" || { log_tail; die "the server did not restart"; }
    ;;
*)
    die "unknown command $cmd (start, stop or restart)"
    ;;
esac
