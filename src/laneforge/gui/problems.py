"""The problems dock: validation results as you edit; double-click selects the item."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QDockWidget, QHeaderView, QTreeWidget, QTreeWidgetItem, QWidget

from ..model import Problem
from .selection import Selection


class ProblemsDock(QDockWidget):
    select_requested = Signal(object)  # Selection

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Problems", parent)
        self.setObjectName("ProblemsDock")
        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["", "Problem", "Where"])
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.itemActivated.connect(self._on_item_activated)
        self.tree.setToolTip("Double-click a problem to select what it is about")
        self.setWidget(self.tree)
        self.problems: list[Problem] = []

    def set_problems(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        self.tree.clear()
        errors = sum(p.severity == "error" for p in problems)
        warnings = len(problems) - errors
        for problem in problems:
            mark = "●"
            item = QTreeWidgetItem([mark, problem.message, problem.subject])
            color = QColor("#D93025") if problem.severity == "error" else QColor("#E8A317")
            item.setForeground(0, color)
            item.setToolTip(0, problem.severity.capitalize())
            item.setToolTip(1, problem.message + (f"\n({problem.field})" if problem.field else ""))
            item.setData(0, Qt.ItemDataRole.UserRole, problem)
            self.tree.addTopLevelItem(item)
        if not problems:
            item = QTreeWidgetItem(["✓", "No problems: the process is ready to simulate.", ""])
            item.setForeground(0, QColor("#2E9E5B"))
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.tree.addTopLevelItem(item)
        title = "Problems"
        if problems:
            title += f" — {errors} error{'s' if errors != 1 else ''}, " \
                     f"{warnings} warning{'s' if warnings != 1 else ''}"
        self.setWindowTitle(title)

    def _on_item_activated(self, item: QTreeWidgetItem, column: int) -> None:
        problem = item.data(0, Qt.ItemDataRole.UserRole)
        if not isinstance(problem, Problem):
            return
        if problem.node:
            self.select_requested.emit(Selection(nodes=(problem.node,)))
        elif problem.edge:
            self.select_requested.emit(Selection(edges=(problem.edge,)))
        elif problem.lane:
            self.select_requested.emit(Selection(lanes=(problem.lane,)))
        else:
            self.select_requested.emit(Selection())
