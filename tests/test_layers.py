"""Qt stays in the GUI: lower layers import with PySide6 blocked; render uses no widgets."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import laneforge

PACKAGE = Path(laneforge.__file__).resolve().parent

BLOCKED_IMPORT = textwrap.dedent(
    """
    import importlib
    import sys

    class BlockQt:
        '''Refuse PySide6 and shiboken6 as if they were not installed.'''

        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("PySide6", "shiboken6"):
                raise ImportError(f"{name} is blocked in this test")
            return None

    sys.meta_path.insert(0, BlockQt())
    for name in ("laneforge", "laneforge.model", "laneforge.io", "laneforge.sim",
                 "laneforge.app", "laneforge.app.summary", "laneforge.cli"):
        importlib.import_module(name)
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("PySide6", "shiboken6"))
    assert not loaded, loaded
    print("imported without Qt")
    """
)


def test_lower_layers_import_with_pyside6_blocked():
    result = subprocess.run([sys.executable, "-c", BLOCKED_IMPORT], capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "imported without Qt"


def test_the_blocker_does_block():
    """The check above is only worth something if the blocker really stops PySide6."""
    script = BLOCKED_IMPORT.split("for name in")[0] + "import PySide6.QtCore\n"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode != 0
    assert "PySide6.QtCore is blocked" in result.stderr or "PySide6 is blocked" in result.stderr


def test_model_imports_neither_simpy_nor_matplotlib():
    script = (
        "import sys, laneforge.model, laneforge.io\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('simpy', 'matplotlib', 'PySide6'))\n"
        "assert not bad, bad\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_ast_scan_finds_every_form_of_import(tmp_path):
    """The scan below is only worth something if it sees each way of importing widgets."""
    for source in ("import PySide6.QtWidgets", "from PySide6 import QtWidgets",
                   "from PySide6.QtWidgets import QWidget",
                   "def later():\n    from PySide6 import QtWidgets as w\n"):
        path = tmp_path / "module.py"
        path.write_text(source + "\n", encoding="utf-8")
        assert any(m.startswith("PySide6.QtWidgets") for m in _imported_modules(path)), source
    assert "networkx" in _imported_modules(PACKAGE / "model" / "process.py")


def test_render_uses_no_qt_widgets():
    files = sorted((PACKAGE / "render").rglob("*.py"))
    assert files, "the render package is missing"
    for path in files:
        widgets = {m for m in _imported_modules(path) if m.startswith("PySide6.QtWidgets")}
        assert not widgets, f"{path.relative_to(PACKAGE)} imports {sorted(widgets)}"


def test_only_gui_imports_pyside6():
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] in ("gui", "render"):
            continue
        qt = {m for m in _imported_modules(path) if m.split(".")[0] in ("PySide6", "shiboken6")}
        assert not qt, f"{relative} imports {sorted(qt)}"
