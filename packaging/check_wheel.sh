#!/usr/bin/env bash
# Check the wheel and sdist built by `python -m build` (make wheel; not part of make test).
#
#   bash packaging/check_wheel.sh [dist]
#
# The wheel must carry laneforge/processes and laneforge/resources (hatch force-include);
# a fresh virtual environment outside the checkout installs it from PyPI's dependencies, and
# its `laneforge` validates every template inside site-packages, exports SVG and PNG headless,
# simulates, and starts the app offscreen. Exits 1 if anything failed.

set -u

DIST=${1:-dist}
PYTHON=${PYTHON:-python3}
shopt -s nullglob
wheels=("$DIST"/laneforge-*.whl)
sdists=("$DIST"/laneforge-*.tar.gz)
if [[ ${#wheels[@]} -ne 1 || ${#sdists[@]} -ne 1 ]]; then
    echo "expected one wheel and one sdist in $DIST (python -m build --outdir $DIST .)" >&2
    exit 1
fi
WHEEL=$(cd "$(dirname "${wheels[0]}")" && pwd)/$(basename "${wheels[0]}")

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=packaging/checklib.sh
source "$ROOT/packaging/checklib.sh"
check_begin laneforge-wheel

echo "wheel: $(basename "$WHEEL") ($(du -h "$WHEEL" | cut -f1)); sdist: $(basename "${sdists[0]}") ($(du -h "${sdists[0]}" | cut -f1))"

# --- contents --------------------------------------------------------------------------------
"$PYTHON" -m zipfile -l "$WHEEL" >"$WORK/wheel.txt"
for member in laneforge/processes/lead-lifecycle.lane.json laneforge/resources/laneforge.svg \
        laneforge/resources/check.svg laneforge/resources/fonts/Inter-Regular.ttf \
        laneforge/resources/icons/laneforge-256.png laneforge/cli.py; do
    : >"$WORK/log"
    if grep -q " *$member " "$WORK/wheel.txt" || grep -q "^$member " "$WORK/wheel.txt"; then
        ok "wheel has $member"
    else
        fail "wheel lacks $member"
    fi
done
tar tzf "${sdists[0]}" >"$WORK/sdist.txt"
for member in pyproject.toml src/laneforge/cli.py processes/lead-lifecycle.lane.json \
        resources/laneforge.svg packaging/laneforge.spec; do
    : >"$WORK/log"
    if grep -q "^laneforge-[^/]*/$member$" "$WORK/sdist.txt"; then
        ok "sdist has $member"
    else
        fail "sdist lacks $member"
    fi
done

# --- a fresh venv, outside the checkout ------------------------------------------------------
cd "$WORK" || exit 1
run "fresh venv" "$PYTHON" -m venv "$WORK/venv"
run "pip install $(basename "$WHEEL")" "$WORK/venv/bin/python" -m pip install --quiet "$WHEEL"
LF=$WORK/venv/bin/laneforge
fresh_user

run "laneforge --version" "$LF" --version
sed 's/^/      /' "$WORK/log"
site=$("$WORK/venv/bin/python" -c 'import laneforge.bundled as b; print(b.templates_dir())')
if [[ $site == "$WORK/venv/"*"/site-packages/laneforge/processes" ]]; then
    ok "templates found inside site-packages: ${site#"$WORK"/}"
else
    : >"$WORK/log"
    fail "templates_dir() is $site, not inside the venv's site-packages"
fi
res=$("$WORK/venv/bin/python" -c 'import laneforge.bundled as b; print(b.resources_dir())')
if [[ -f $res/laneforge.svg && -f $res/fonts/Inter-Regular.ttf ]]; then
    ok "resources found inside site-packages"
else
    : >"$WORK/log"
    fail "resources_dir() $res lacks laneforge.svg or the fonts"
fi

for template in "$site"/*.lane.json; do
    run "validate $(basename "$template")" "$LF" validate "$template"
done
run "export SVG headless" "$LF" export "$site/lead-lifecycle.lane.json" -o "$WORK/x.svg"
run "export PNG headless" "$LF" export "$site/lead-lifecycle.lane.json" -o "$WORK/x.png"
if [[ -s $WORK/x.svg && -s $WORK/x.png ]]; then
    ok "x.svg and x.png written"
else
    : >"$WORK/log"
    fail "x.svg or x.png missing"
fi
run "simulate --json" "$LF" simulate "$site/lead-lifecycle.lane.json" -r 2 --horizon 14d \
    --warmup 0d --json "$WORK/r.json"
gui_up "app offscreen" "$LF"

check_end
