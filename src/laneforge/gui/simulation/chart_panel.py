"""A matplotlib figure embedded in Qt with Copy and Save as PNG/SVG buttons."""

from __future__ import annotations

from pathlib import Path

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from PySide6.QtCore import QMimeData
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ...render.charts import to_png, to_svg


class ChartPanel(QWidget):
    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.figure: Figure | None = None
        self.canvas: FigureCanvasQTAgg | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        self.holder = QVBoxLayout()
        layout.addLayout(self.holder, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.copy_button = QPushButton("Copy")
        self.copy_button.setToolTip("Copy the chart as an image")
        self.copy_button.clicked.connect(self.copy)
        self.save_button = QPushButton("Save…")
        self.save_button.setToolTip("Save the chart as PNG or SVG")
        self.save_button.clicked.connect(self.save_dialog)
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.save_button)
        layout.addLayout(buttons)

    def set_figure(self, figure: Figure) -> None:
        if self.canvas is not None:
            self.holder.removeWidget(self.canvas)
            self.canvas.deleteLater()
        self.figure = figure
        self.canvas = FigureCanvasQTAgg(figure)
        self.canvas.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.canvas.setMinimumHeight(150)
        self.holder.addWidget(self.canvas)
        self.canvas.draw_idle()

    def copy(self) -> None:
        if self.figure is None:
            return
        image = QImage.fromData(to_png(self.figure))
        mime = QMimeData()
        mime.setImageData(image)
        mime.setData("image/svg+xml", to_svg(self.figure).encode())
        QGuiApplication.clipboard().setMimeData(mime)

    def save(self, path: Path) -> None:
        if self.figure is None:
            return
        from ...atomic import atomic_write_bytes, atomic_write_text

        if path.suffix.lower() == ".svg":
            atomic_write_text(path, to_svg(self.figure))
        else:
            atomic_write_bytes(path, to_png(self.figure))

    def save_dialog(self) -> None:
        path, chosen = QFileDialog.getSaveFileName(
            self, "Save chart", str(Path.home() / f"{self.name}.png"),
            "PNG image (*.png);;SVG drawing (*.svg)")
        if path:
            target = Path(path)
            if target.suffix.lower() not in (".png", ".svg"):
                target = target.with_suffix(".svg" if "SVG" in chosen else ".png")
            self.save(target)

