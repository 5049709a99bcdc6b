# Shared by every script in scripts/: where the toolchain lives and how to enter it.
# Sourced, not executed.

WC_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# The one package list. Changing it re-provisions the sysroot (its hash is the stamp).
WC_PACKAGES=(
    g++ cmake ninja-build git pkg-config
    qt6-base-dev qt6-websockets-dev qt6-httpserver-dev qt6-tools-dev qt6-l10n-tools
    qt6-svg-dev qt6-svg-plugins qt6-translations-l10n libqt6sql6-sqlite libqt6sql6-psql
    libkf6syntaxhighlighting-dev libssl-dev openssl libyaml-cpp-dev
    fonts-dejavu-core fontconfig xvfb xauth
    postgresql libpq-dev clang-format gdb valgrind libbenchmark-dev qtkeychain-qt6-dev
    pv procps findutils ca-certificates
    libllhttp-dev libsimdjson-dev rapidjson-dev wrk clang libclang-rt-19-dev llvm
)

WC_CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/workspace-companion
WC_SYSROOT=$WC_CACHE/sysroot-trixie
WC_MODE_FILE=$WC_CACHE/toolchain-mode

wc_log() { printf '[%s] %s\n' "$(basename "$0")" "$*" >&2; }
wc_die() {
    wc_log "error: $*"
    exit 1
}

wc_package_hash() { printf '%s\n' "${WC_PACKAGES[@]}" | sha256sum | cut -d' ' -f1; }

# Runs as root: directly when we are root, through sudo when it needs no password.
wc_as_root() {
    if [ "$(id -u)" = 0 ]; then
        "$@"
    elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
        sudo -n "$@"
    else
        return 126
    fi
}

wc_can_root() { [ "$(id -u)" = 0 ] || { command -v sudo >/dev/null && sudo -n true 2>/dev/null; }; }

# "native" or "sysroot", as decided by scripts/setup.
wc_mode() {
    if [ -f "$WC_MODE_FILE" ]; then
        cat "$WC_MODE_FILE"
    else
        echo none
    fi
}

# Runs CMD in the chosen toolchain. In sysroot mode: a private mount namespace, so every
# bind mount disappears with the command, even when it fails.
wc_in_toolchain() {
    local mode
    mode=$(wc_mode)
    if [ "$mode" = native ]; then
        "$@"
        return
    fi
    [ "$mode" = sysroot ] && [ -f "$WC_SYSROOT/.wc-stamp" ] || wc_die "no toolchain yet: run scripts/setup"
    local uid gid
    uid=${SUDO_UID:-$(id -u)}
    gid=${SUDO_GID:-$(id -g)}
    local cwd
    cwd=$(pwd)
    local home=${HOME:-/root}
    local xauth=${XAUTHORITY:-}
    local wayland_dir=${XDG_RUNTIME_DIR:-}
    # The inner script gets its inputs through the environment, so no quoting breaks them.
    WC_IN_SYSROOT=$WC_SYSROOT WC_IN_ROOT=$WC_ROOT WC_IN_CWD=$cwd WC_IN_HOME=$home \
        WC_IN_XAUTH=$xauth WC_IN_RUNTIME=$wayland_dir WC_IN_UID=$uid WC_IN_GID=$gid \
        wc_as_root unshare --mount --propagation private /bin/bash -c '
        set -e
        r=$WC_IN_SYSROOT
        bindto() { mkdir -p "$r$2"; mount --rbind "$1" "$r$2"; }
        mount -t proc proc "$r/proc"
        mount --rbind /dev "$r/dev"
        mount --rbind /sys "$r/sys"
        bindto /tmp /tmp
        bindto "$WC_IN_ROOT" "$WC_IN_ROOT"
        if [ -d "$WC_IN_HOME" ] && [ "$WC_IN_HOME" != / ]; then bindto "$WC_IN_HOME" "$WC_IN_HOME"; fi
        case "$WC_IN_CWD" in
            "$WC_IN_ROOT"*|/tmp*|"$WC_IN_HOME"*) ;;
            *) [ -d "$WC_IN_CWD" ] && bindto "$WC_IN_CWD" "$WC_IN_CWD" ;;
        esac
        if [ -n "$WC_IN_XAUTH" ] && [ -f "$WC_IN_XAUTH" ]; then
            mkdir -p "$r$(dirname "$WC_IN_XAUTH")"; touch "$r$WC_IN_XAUTH"
            mount --bind "$WC_IN_XAUTH" "$r$WC_IN_XAUTH"
        fi
        if [ -n "$WC_IN_RUNTIME" ] && [ -d "$WC_IN_RUNTIME" ]; then bindto "$WC_IN_RUNTIME" "$WC_IN_RUNTIME"; fi
        cp /etc/resolv.conf "$r/etc/resolv.conf" 2>/dev/null || true
        user=()
        [ "$WC_IN_UID" = 0 ] || user=(--userspec="$WC_IN_UID:$WC_IN_GID")
        unset LD_LIBRARY_PATH LD_PRELOAD QT_PLUGIN_PATH QML2_IMPORT_PATH
        export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
        exec chroot "${user[@]}" "$r" /bin/sh -c "cd \"\$0\" && exec \"\$@\"" "$WC_IN_CWD" "$@"
    ' wc-enter "$@"
}
