"""The desktop app (PySide6): main window, swim-lane canvas, docks, undo commands."""
