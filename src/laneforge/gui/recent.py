"""File ▸ Open recent: the list of recently used files, kept in the settings."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMenu

MAX_RECENT = 8
KEY = "recent"


class RecentFiles:
    """The recent files in ``settings``, shown in a menu whose entries call ``open_path``."""

    def __init__(self, settings: QSettings, open_path: Callable[[Path], object]) -> None:
        self.settings = settings
        self.open_path = open_path
        self.menu: QMenu | None = None

    def files(self) -> list[Path]:
        value = self.settings.value(KEY, [])
        items = [value] if isinstance(value, str) else list(value or [])
        return [Path(p) for p in items if p]

    def add(self, path: Path) -> None:
        items = [p for p in self.files() if p != path]
        items.insert(0, path)
        self.settings.setValue(KEY, [str(p) for p in items[:MAX_RECENT]])
        self.refresh()

    def clear(self) -> None:
        self.settings.setValue(KEY, [])
        self.refresh()

    def fill(self, menu: QMenu) -> None:
        """Make ``menu`` the one that lists the files (the menu builder calls this)."""
        self.menu = menu
        self.refresh()

    def refresh(self) -> None:
        menu = self.menu
        if menu is None:
            return
        menu.clear()
        files = self.files()
        for path in files:
            action = menu.addAction(path.name)
            action.setToolTip(str(path))
            action.triggered.connect(lambda checked=False, p=path: self.open_path(p))
        if not files:
            empty = menu.addAction("No recent files")
            empty.setEnabled(False)
        else:
            menu.addSeparator()
            menu.addAction("Clear list", self.clear)
