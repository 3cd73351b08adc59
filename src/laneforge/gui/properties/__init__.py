"""The properties dock: edits the selected node, connection or lane, or the whole process."""

from .dock import PropertiesDock

__all__ = ["PropertiesDock"]
