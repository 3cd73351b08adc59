#!/usr/bin/env bash
# Smoke test of the built one-folder application (make package-check; not part of make test).
#
#   bash packaging/check.sh [dist/laneforge]
#
# Runs the bundle's own executable headless (QT_QPA_PLATFORM=offscreen) in a throw-away HOME:
# --version, validate and info on every bundled template, exports (SVG, PNG, PDF, PowerPoint,
# BPMN and back), a short simulation with --json (serial and with 2 worker processes), an
# HTML and a PDF report, and the desktop app started offscreen (with the default template
# and with a template file) which must stay up until it is stopped. Also checks that every
# Qt library the bundled plugins link to is in the bundle. Prints the bundle size; exits 1 if
# anything failed.

set -u

BUNDLE=${1:-dist/laneforge}
EXE=$BUNDLE/laneforge
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

if [[ ! -x $EXE ]]; then
    echo "no bundle at $BUNDLE: run 'make package' first" >&2
    exit 1
fi
EXE=$(cd "$BUNDLE" && pwd)/laneforge
TEMPLATES_DIR=$(cd "$BUNDLE" && pwd)/_internal/laneforge/processes

# shellcheck source=packaging/checklib.sh
source "$ROOT/packaging/checklib.sh"
check_begin laneforge-check
fresh_user
OUT=$WORK/out
mkdir -p "$OUT"

echo "laneforge package check: $EXE"

# --- version ---------------------------------------------------------------------------------
version=$("$EXE" --version 2>&1)
expected=$(sed -n 's/^version = "\(.*\)"/\1/p' "$ROOT/pyproject.toml" 2>/dev/null | head -1)
echo "$version" >"$WORK/log"
if [[ $version == "laneforge ${expected:-}"* && $version != *unknown* ]]; then
    ok "--version: $version"
else
    fail "--version printed '$version', expected 'laneforge ${expected:-<version>}'"
fi
run "--help" "$EXE" --help

# --- every bundled template ------------------------------------------------------------------
shopt -s nullglob
templates=("$TEMPLATES_DIR"/*.lane.json)
if [[ ${#templates[@]} -eq 0 ]]; then
    : >"$WORK/log"
    fail "no templates in $TEMPLATES_DIR"
fi
for template in "${templates[@]}"; do
    name=$(basename "$template" .lane.json)
    run "validate $name" "$EXE" validate "$template"
    run "info $name" "$EXE" info "$template"
done
run "info (default template, found through laneforge.bundled)" "$EXE" info

# --- exports ---------------------------------------------------------------------------------
main=$TEMPLATES_DIR/lead-lifecycle.lane.json
[[ -f $main ]] || main=${templates[0]:-missing}
run "export SVG" "$EXE" export "$main" -o "$OUT/diagram.svg"
expect_file "  diagram.svg" "$OUT/diagram.svg" "<svg\|<?xml"
run "export PNG" "$EXE" export "$main" -o "$OUT/diagram.png"
expect_file "  diagram.png" "$OUT/diagram.png" "PNG"
run "export PDF" "$EXE" export "$main" -o "$OUT/diagram.pdf"
expect_file "  diagram.pdf" "$OUT/diagram.pdf" "%PDF"
run "export PowerPoint (python-pptx templates)" "$EXE" export "$main" -o "$OUT/diagram.pptx"
expect_file "  diagram.pptx" "$OUT/diagram.pptx" "PK"
run "export BPMN" "$EXE" export "$main" -o "$OUT/diagram.bpmn"
run "import BPMN (defusedxml)" "$EXE" import "$OUT/diagram.bpmn" -o "$OUT/imported.lane.json"
run "validate the imported process" "$EXE" validate "$OUT/imported.lane.json"

# --- simulation ------------------------------------------------------------------------------
run "simulate --json (3 replications, 30 days)" \
    "$EXE" simulate "$main" -r 3 --horizon 30d --warmup 0d --seed 7 --json "$OUT/results.json"
expect_file "  results.json" "$OUT/results.json" "{"
run "simulate --jobs 2 (worker processes of the frozen app)" \
    "$EXE" simulate "$main" -r 2 --horizon 14d --warmup 0d --jobs 2
run "export PNG tinted with the results" \
    "$EXE" export "$main" --with-results "$OUT/results.json" -o "$OUT/tinted.png"
run "report HTML with charts (matplotlib)" \
    "$EXE" report "$main" --results "$OUT/results.json" -o "$OUT/report.html"
expect_file "  report.html" "$OUT/report.html" "<!DOCTYPE\|<!doctype\|<html"
run "report PDF" "$EXE" report "$main" --results "$OUT/results.json" -o "$OUT/report.pdf"
expect_file "  report.pdf" "$OUT/report.pdf" "%PDF"
"$EXE" validate "$OUT/nope.lane.json" >"$WORK/log" 2>&1
code=$?
if [[ $code -eq 2 && $(wc -l <"$WORK/log") -eq 1 ]]; then
    ok "a missing file exits 2 with one line: $(cat "$WORK/log")"
else
    fail "a missing file: exit $code, expected 2 and one line"
fi

"$EXE" simulate "$main" -r 1 --scheduler tcp://127.0.0.1:1 >"$WORK/log" 2>&1
code=$?
if [[ $code -eq 2 ]] && grep -q "dask" "$WORK/log" && ! grep -q "Traceback" "$WORK/log"; then
    ok "dask is not bundled: --scheduler exits 2 with a message"
else
    fail "--scheduler without dask: exit $code, expected 2 and a message"
fi

# --- the desktop app, offscreen --------------------------------------------------------------
gui_up "app offscreen (default template)" "$EXE"
gui_up "app offscreen opening revops-swimlane" "$EXE" "$TEMPLATES_DIR/revops-swimlane.lane.json"

# --- libraries -------------------------------------------------------------------------------
# every Qt, PySide6 and Python library a bundled binary needs must be inside the bundle;
# system libraries (libwayland-client, libGL, ...) may be missing on a build machine
missing=$(find "$BUNDLE/_internal" -name '*.so*' -type f -print0 \
    | xargs -0 -n 20 ldd 2>/dev/null | awk '/not found/ {print $1}' | sort -u)
bundled_missing=$(grep -E '^lib(Qt6|pyside6|shiboken6|python3)' <<<"$missing")
if [[ -z $bundled_missing ]]; then
    ok "no Qt/PySide6/Python library missing from the bundle"
else
    echo "$bundled_missing" >"$WORK/log"
    fail "libraries missing from the bundle"
fi
others=$(grep -vE '^lib(Qt6|pyside6|shiboken6|python3)' <<<"$missing" | tr '\n' ' ')
[[ -n ${others// /} ]] && echo "note  system libraries not on this machine (used when present): $others"

# --- summary ---------------------------------------------------------------------------------
size=$(du -sh "$BUNDLE" | cut -f1)
echo "bundle: $BUNDLE, $size, $(find "$BUNDLE" -type f | wc -l) files"
check_end
