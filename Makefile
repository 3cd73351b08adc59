# laneforge: `make run` opens the app, `make test` runs the whole suite.
# Both create .venv with the project and its test extras on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint bench clean package package-check icons wheel

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "laneforge needs Python 3.11 or newer (found " + sys.version.split()[0] + ")")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/laneforge

test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/lint-imports
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -n 2

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_engine.py

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache

# --- packaging (see packaging/README.md); not part of `make test` ----------------------------

PYINSTALLER := $(VENV)/.pyinstaller

$(PYINSTALLER): $(STAMP)
	$(BIN)/python -m pip install --quiet 'pyinstaller>=6.10'
	@touch $(PYINSTALLER)

# dist/laneforge/: a one-folder application built from packaging/laneforge.spec
package: $(PYINSTALLER)
	rm -rf build/pyinstaller dist/laneforge
	$(BIN)/python -m PyInstaller --noconfirm --log-level WARN \
		--workpath build/pyinstaller --distpath dist packaging/laneforge.spec
	@du -sh dist/laneforge

# runs the built bundle headless: --version, validate, export, simulate, the GUI offscreen
package-check:
	@test -x dist/laneforge/laneforge || { echo "no bundle in dist/laneforge: run 'make package' first" >&2; exit 1; }
	bash packaging/check.sh dist/laneforge

# resources/icons/laneforge-<size>.png rendered from resources/laneforge.svg with Qt
icons: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python packaging/make_icons.py

# wheel and sdist into dist/, then a fresh venv installs the wheel and runs it headless
wheel: $(STAMP)
	$(BIN)/python -m pip install --quiet build
	rm -f dist/*.whl dist/*.tar.gz
	$(BIN)/python -m build --outdir dist .
	bash packaging/check_wheel.sh dist
