#!/usr/bin/env bash
# Install the laneforge application for the current user (no root needed), or remove it.
#
#   packaging/linux/install.sh                 install dist/laneforge (built by `make package`)
#   packaging/linux/install.sh --uninstall     remove everything this script installed
#   dist/laneforge/install.sh                  the same script, copied into the bundle
#
# Installs:
#   ~/.local/opt/laneforge/                          the one-folder application
#   ~/.local/bin/laneforge                           a launcher
#   ~/.local/share/applications/laneforge.desktop    the menu entry, opens *.lane.json
#   ~/.local/share/icons/hicolor/NxN/apps/laneforge.png and scalable/apps/laneforge.svg
#   ~/.local/share/mime/packages/laneforge-mime.xml  *.lane.json = application/x-laneforge-process
# (~/.local/share is $XDG_DATA_HOME when that is set.) Running it again replaces the previous
# installation; steps whose tools are missing (xdg-mime, update-mime-database, ...) are
# skipped with a message.

set -euo pipefail

APP=laneforge
MIME_TYPE=application/x-laneforge-process
ICON_SIZES=(16 24 32 48 64 128 256 512)
LAUNCHER_MARK="# laneforge launcher written by install.sh"

DATA_HOME=${XDG_DATA_HOME:-$HOME/.local/share}
OPT_DIR=$HOME/.local/opt/$APP
BIN_DIR=$HOME/.local/bin
LAUNCHER=$BIN_DIR/$APP
APPS_DIR=$DATA_HOME/applications
ICONS_DIR=$DATA_HOME/icons/hicolor
MIME_DIR=$DATA_HOME/mime
MIME_XML_NAME=laneforge-mime.xml

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

usage() {
    cat <<EOF
usage: $0 [--uninstall] [--bundle DIR] [--force]

Installs the laneforge application for $(id -un) under ~/.local (no root needed).
  --bundle DIR   the bundle to install (default: the bundle this script sits in, else
                 dist/laneforge of this checkout, built by 'make package')
  --uninstall    remove the application, launcher, menu entry, icons and file type
  --force        replace a ~/.local/bin/laneforge that this script did not write
EOF
}

say() { printf '%s\n' "$*"; }
skip() { printf 'skipped: %s\n' "$*"; }
have() { command -v "$1" >/dev/null 2>&1; }

# Where the bundle and the desktop files are: beside this script when it runs from inside a
# bundle (dist/laneforge/install.sh, ~/.local/opt/laneforge/install.sh), else in the checkout.
locate() {
    if [[ -z ${BUNDLE:-} ]]; then
        if [[ -x $HERE/$APP && -d $HERE/_internal ]]; then
            BUNDLE=$HERE
        else
            BUNDLE=$HERE/../../dist/$APP
        fi
    fi
    if [[ -f $HERE/$APP.desktop ]]; then
        SHARE=$HERE
    else
        SHARE=$HERE/share
    fi
}

refresh_caches() {
    if have update-desktop-database; then
        update-desktop-database -q "$APPS_DIR" 2>/dev/null || true
    fi
    if have gtk-update-icon-cache; then
        gtk-update-icon-cache -q -f -t "$ICONS_DIR" 2>/dev/null || true
    fi
    touch "$ICONS_DIR" 2>/dev/null || true  # icon themes notice a changed folder
}

install_mime() {
    local xml=$1
    if have xdg-mime; then
        # xdg-mime copies it to $MIME_DIR/packages and runs update-mime-database
        if xdg-mime install --mode user --novendor "$xml"; then
            xdg-mime default "$APP.desktop" "$MIME_TYPE" 2>/dev/null \
                || skip "making laneforge the default app for *.lane.json (xdg-mime default failed)"
            say "registered *.lane.json as $MIME_TYPE (xdg-mime)"
            return
        fi
        say "xdg-mime install failed; trying update-mime-database"
    fi
    mkdir -p "$MIME_DIR/packages"
    install -m 644 "$xml" "$MIME_DIR/packages/$MIME_XML_NAME"
    if have update-mime-database; then
        update-mime-database "$MIME_DIR"
        say "registered *.lane.json as $MIME_TYPE (update-mime-database)"
    else
        skip "update-mime-database and xdg-mime not found: $MIME_DIR/packages/$MIME_XML_NAME" \
            "is in place but the MIME database was not rebuilt (install shared-mime-info)"
    fi
}

uninstall_mime() {
    local xml=$MIME_DIR/packages/$MIME_XML_NAME
    if [[ -f $xml ]]; then
        if have xdg-mime && xdg-mime uninstall --mode user "$xml" \
                2>/dev/null; then
            :
        fi
        rm -f "$xml"
        if have update-mime-database; then
            update-mime-database "$MIME_DIR"
        else
            skip "update-mime-database not found: the MIME cache in $MIME_DIR was not rebuilt"
        fi
    fi
    # the default-application line xdg-mime default wrote
    local list=${XDG_CONFIG_HOME:-$HOME/.config}/mimeapps.list
    if [[ -f $list ]] && grep -q "^$MIME_TYPE=" "$list"; then
        sed -i "\\|^$MIME_TYPE=|d" "$list"
    fi
}

do_install() {
    locate
    if [[ ! -x $BUNDLE/$APP ]]; then
        say "no laneforge bundle at $BUNDLE: build it with 'make package' (or pass --bundle DIR)" >&2
        exit 1
    fi
    BUNDLE=$(cd "$BUNDLE" && pwd)
    local resources=$BUNDLE/_internal/laneforge/resources
    for needed in "$SHARE/$APP.desktop" "$SHARE/$MIME_XML_NAME" "$resources/laneforge.svg"; do
        [[ -f $needed ]] || { say "missing $needed" >&2; exit 1; }
    done
    if [[ -e $LAUNCHER ]] && ! grep -qF "$LAUNCHER_MARK" "$LAUNCHER" 2>/dev/null \
            && [[ ${FORCE:-0} != 1 ]]; then
        say "$LAUNCHER exists and was not written by this script (a pip install?);" \
            "remove it or run again with --force" >&2
        exit 1
    fi

    # 1. the application, replaced as a whole (unless this script runs from the installed copy)
    if [[ $BUNDLE != "$(mkdir -p "$OPT_DIR" && cd "$OPT_DIR" && pwd)" ]]; then
        local staging=$OPT_DIR.new.$$
        rm -rf "$staging"
        cp -a "$BUNDLE" "$staging"
        # keep the desktop files with the installed copy, so its install.sh --uninstall works
        mkdir -p "$staging/share"
        cp "$SHARE/$APP.desktop" "$SHARE/$MIME_XML_NAME" "$staging/share/"
        cp "$HERE/install.sh" "$staging/install.sh" 2>/dev/null || true
        rm -rf "$OPT_DIR"
        mv "$staging" "$OPT_DIR"
    fi
    say "installed the application in $OPT_DIR ($(du -sh "$OPT_DIR" | cut -f1))"

    # 2. the launcher
    mkdir -p "$BIN_DIR"
    cat >"$LAUNCHER" <<EOF
#!/bin/sh
$LAUNCHER_MARK; remove with: $OPT_DIR/install.sh --uninstall
exec "$OPT_DIR/$APP" "\$@"
EOF
    chmod 755 "$LAUNCHER"
    say "launcher: $LAUNCHER"
    case ":$PATH:" in
        *":$BIN_DIR:"*) ;;
        *) say "note: $BIN_DIR is not on your PATH; the menu entry works anyway" ;;
    esac

    # 3. the menu entry, with the full path so it works whatever the session's PATH is
    mkdir -p "$APPS_DIR"
    sed -e "s|^Exec=$APP |Exec=\"$OPT_DIR/$APP\" |" -e "s|^TryExec=.*|TryExec=$OPT_DIR/$APP|" \
        "$SHARE/$APP.desktop" >"$APPS_DIR/$APP.desktop"
    chmod 644 "$APPS_DIR/$APP.desktop"
    say "menu entry: $APPS_DIR/$APP.desktop"

    # 4. icons
    for size in "${ICON_SIZES[@]}"; do
        local png=$resources/icons/$APP-$size.png
        if [[ -f $png ]]; then
            install -D -m 644 "$png" "$ICONS_DIR/${size}x${size}/apps/$APP.png"
        else
            skip "icon $png not in the bundle"
        fi
    done
    install -D -m 644 "$resources/laneforge.svg" "$ICONS_DIR/scalable/apps/$APP.svg"
    say "icons: $ICONS_DIR/{16x16..512x512,scalable}/apps/$APP.*"

    # 5. the file type
    install_mime "$SHARE/$MIME_XML_NAME"
    refresh_caches
    say "done: start laneforge from the applications menu, or run '$LAUNCHER [FILE]'"
}

do_uninstall() {
    if [[ -f $LAUNCHER ]]; then
        if grep -qF "$LAUNCHER_MARK" "$LAUNCHER"; then
            rm -f "$LAUNCHER"
        else
            say "left $LAUNCHER alone: this script did not write it"
        fi
    fi
    rm -f "$APPS_DIR/$APP.desktop"
    for size in "${ICON_SIZES[@]}"; do
        rm -f "$ICONS_DIR/${size}x${size}/apps/$APP.png"
    done
    rm -f "$ICONS_DIR/scalable/apps/$APP.svg"
    uninstall_mime
    if [[ -d $ICONS_DIR ]]; then refresh_caches; fi
    rm -rf "$OPT_DIR"
    rmdir "$(dirname "$OPT_DIR")" 2>/dev/null || true  # ~/.local/opt, if now empty
    say "removed laneforge from $OPT_DIR, $LAUNCHER, $APPS_DIR, $ICONS_DIR and $MIME_DIR"
}

main() {
    local action=install
    while [[ $# -gt 0 ]]; do
        case $1 in
            --uninstall) action=uninstall ;;
            --bundle) BUNDLE=${2:?--bundle needs a folder}; shift ;;
            --bundle=*) BUNDLE=${1#--bundle=} ;;
            --force) FORCE=1 ;;
            -h|--help) usage; exit 0 ;;
            *) usage >&2; exit 2 ;;
        esac
        shift
    done
    "do_$action"
}

main "$@"
