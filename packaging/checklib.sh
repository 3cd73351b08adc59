# shellcheck shell=bash
# Shared helpers of packaging/check.sh and packaging/check_wheel.sh (sourced, not run).
#
# check_begin PREFIX: a throw-away work folder in $WORK (removed on exit) and counters.
# fresh_user: a user in $WORK (no settings, recent files or crash-recovery files from a real
# session) and headless Qt.
# ok/fail/run/expect_file/gui_up count results in PASSED and FAILED; check_end prints them and
# returns 1 if anything failed.

check_begin() {
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
    trap 'rm -rf "$WORK"' EXIT
    GUI_SECONDS=${GUI_SECONDS:-8}
    PASSED=0
    FAILED=0
    STARTED=$(date +%s)
}

fresh_user() {
    export HOME=$WORK/home XDG_CONFIG_HOME=$WORK/home/.config
    export XDG_DATA_HOME=$WORK/home/.local/share XDG_CACHE_HOME=$WORK/home/.cache
    export XDG_RUNTIME_DIR=$WORK/runtime MPLCONFIGDIR=$WORK/mpl
    mkdir -p "$HOME" "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
    export QT_QPA_PLATFORM=offscreen
    unset DISPLAY WAYLAND_DISPLAY
}

ok() {
    PASSED=$((PASSED + 1))
    printf 'ok    %s\n' "$1"
}

fail() {
    FAILED=$((FAILED + 1))
    printf 'FAIL  %s\n' "$1"
    [[ -s $WORK/log ]] && sed 's/^/      | /' "$WORK/log" | tail -20
}

# run DESCRIPTION COMMAND...: passes when the command exits 0 and prints no traceback
run() {
    local what=$1
    shift
    if "$@" >"$WORK/log" 2>&1 && ! grep -q "Traceback" "$WORK/log"; then
        ok "$what"
    else
        fail "$what (exit $?)"
    fi
}

# expect_file DESCRIPTION PATH MAGIC: the file exists and starts with MAGIC (a grep pattern)
expect_file() {
    if [[ -s $2 ]] && head -c 256 "$2" | LC_ALL=C grep -aq "$3"; then
        ok "$1 ($(du -h "$2" | cut -f1))"
    else
        : >"$WORK/log"
        fail "$1: $2 missing or not a $3 file"
    fi
}

# gui_up DESCRIPTION COMMAND...: the desktop app must still be running after GUI_SECONDS
# (timeout then stops it: exit 124) with no Python traceback and no Qt plugin error
gui_up() {
    local what=$1
    shift
    timeout -s TERM "$GUI_SECONDS" "$@" >"$WORK/log" 2>&1
    local code=$?
    if [[ $code -eq 124 ]] && ! grep -q "Traceback\|Could not load the Qt platform\|qt.qpa.plugin" \
            "$WORK/log"; then
        ok "$what: up for ${GUI_SECONDS} s, then stopped"
    elif [[ $code -eq 124 ]]; then
        fail "$what: errors on stderr"
    else
        fail "$what: exited with $code before ${GUI_SECONDS} s"
    fi
}

check_end() {
    echo "$PASSED passed, $FAILED failed in $(( $(date +%s) - STARTED )) s"
    [[ $FAILED -eq 0 ]]
}
