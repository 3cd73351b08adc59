"""Crash recovery: the open document is written to a recovery file every minute; a clean exit
removes it, so one found at start-up means the last session ended unexpectedly."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QStandardPaths

from ..app.core import ProcessFileError, atomic_write_text, dumps, load_process
from ..model import Process

AUTOSAVE_MS = 60_000


def recovery_dir() -> Path:
    override = os.environ.get("LANEFORGE_RECOVERY_DIR")
    if override:
        return Path(override)
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base or Path.home() / ".laneforge") / "recovery"


@dataclass
class Recovered:
    process: Process
    original: Path | None
    saved_at: float
    file: Path


class RecoveryStore:
    """One recovery file per running window (named by process id) and its metadata."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or recovery_dir()
        self.file = self.folder / f"session-{os.getpid()}.lane.json"
        self.meta = self.file.with_suffix(".meta")

    def save(self, process: Process, original: Path | None) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        atomic_write_text(self.file, dumps(process))
        atomic_write_text(self.meta, json.dumps({
            "original": str(original) if original else None, "saved_at": time.time(),
        }))

    def clear(self) -> None:
        for path in (self.file, self.meta):
            path.unlink(missing_ok=True)

    def leftovers(self) -> list[Recovered]:
        """Recovery files from sessions that did not exit cleanly, newest first."""
        found: list[Recovered] = []
        if not self.folder.is_dir():
            return found
        for file in self.folder.glob("session-*.lane.json"):
            if file == self.file:
                continue
            meta_file = file.with_suffix(".meta")
            try:
                meta = json.loads(meta_file.read_text()) if meta_file.exists() else {}
                process = load_process(file)
            except (ProcessFileError, ValueError, OSError):
                continue
            original = Path(meta["original"]) if meta.get("original") else None
            found.append(Recovered(process, original, float(meta.get("saved_at", 0.0)), file))
        found.sort(key=lambda r: -r.saved_at)
        return found

    @staticmethod
    def discard(recovered: Recovered) -> None:
        recovered.file.unlink(missing_ok=True)
        recovered.file.with_suffix(".meta").unlink(missing_ok=True)
