"""The token view: replay one replication's leads on the diagram at an adjustable speed.

A compact control bar (play/pause, speed, a time slider with the simulated date, leads in
process, close) drives a TokenOverlayItem on the DiagramScene at about 30 frames a second.
Nothing here edits the process: the overlay only reads the layout and the Replay.
"""

from __future__ import annotations

from PySide6.QtCore import QElapsedTimer, QEvent, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPalette, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSlider,
    QToolButton,
    QWidget,
)

from ...app.replay import Replay
from ..canvas.scene import DiagramScene
from .token_overlay import TokenOverlayItem

FRAME_MS = 33
#: simulated hours per real second, with their labels
SPEEDS = [("1 hour / s", 1.0), ("4 hours / s", 4.0), ("1 day / s", 24.0),
          ("1 week / s", 168.0)]
DEFAULT_SPEED = 4.0
SLIDER_STEPS_PER_HOUR = 60  # the slider moves by simulated minutes


def media_icon(name: str, color: QColor, size: int = 16) -> QIcon:
    """Play, pause and close glyphs in the palette's text colour (legible light and dark)."""
    icon = QIcon()
    for scale in (1.0, 2.0):
        pixmap = QPixmap(int(size * scale), int(size * scale))
        pixmap.setDevicePixelRatio(scale)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.scale(size / 16.0, size / 16.0)
        if name == "play":
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(color)
            painter.drawPolygon(QPolygonF([QPointF(4, 2.5), QPointF(13.5, 8), QPointF(4, 13.5)]))
        elif name == "pause":
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(color)
            painter.drawRoundedRect(3.5, 2.5, 3.2, 11, 1, 1)
            painter.drawRoundedRect(9.3, 2.5, 3.2, 11, 1, 1)
        else:
            pen = QPen(color, 1.6)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            painter.setPen(pen)
            painter.drawLine(QPointF(4, 4), QPointF(12, 12))
            painter.drawLine(QPointF(12, 4), QPointF(4, 12))
        painter.end()
        icon.addPixmap(pixmap)
    return icon


class TokenPlayer(QWidget):
    """Controls for a replay and the overlay it drives; ``stop()`` takes the overlay away."""

    closed = Signal()
    time_changed = Signal(float)
    playing_changed = Signal(bool)

    def __init__(self, scene: DiagramScene, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.scene = scene
        self.replay: Replay | None = None
        self.overlay: TokenOverlayItem | None = None
        self.time = 0.0
        self.speed = DEFAULT_SPEED
        self._timer = QTimer(self)
        self._timer.setInterval(FRAME_MS)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._on_timeout)
        self._clock = QElapsedTimer()
        self._build()
        self._set_enabled(False)
        scene.document.changed.connect(self._on_document_changed)
        scene.document.reset.connect(self._on_document_changed)

    # --- widgets -------------------------------------------------------------------------
    def _build(self) -> None:
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 6, 4)
        layout.setSpacing(8)
        self.play_button = QToolButton(self)
        self.play_button.setAutoRaise(True)
        self.play_button.clicked.connect(self._on_play_clicked)
        self.speed_box = QComboBox(self)
        for label, hours in SPEEDS:
            self.speed_box.addItem(label, hours)
        self.speed_box.setToolTip("Simulated time per second of replay")
        self.speed_box.setCurrentIndex([h for _, h in SPEEDS].index(DEFAULT_SPEED))
        self.speed_box.currentIndexChanged.connect(self._on_speed_box_changed)
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setMinimumWidth(160)
        self.slider.setSingleStep(SLIDER_STEPS_PER_HOUR)
        self.slider.setPageStep(24 * SLIDER_STEPS_PER_HOUR)
        self.slider.valueChanged.connect(self._on_slider_changed)
        self.date_label = QLabel(self)
        self.date_label.setMinimumWidth(self.fontMetrics().horizontalAdvance(
            "Wed 30 Sep 2026, 23:59 · day 999") + 4)
        self.leads_label = QLabel(self)
        self.leads_label.setMinimumWidth(self.fontMetrics().horizontalAdvance(
            "99,999 leads in process") + 4)
        self.leads_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.close_button = QToolButton(self)
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip("Close the token view")
        self.close_button.clicked.connect(self._on_close_clicked)
        for widget, stretch in ((self.play_button, 0), (self.speed_box, 0), (self.slider, 1),
                                (self.date_label, 0), (self.leads_label, 0),
                                (self.close_button, 0)):
            layout.addWidget(widget, stretch)
        self._show_playing(False)

    def _set_enabled(self, enabled: bool) -> None:
        for widget in (self.play_button, self.speed_box, self.slider):
            widget.setEnabled(enabled)

    def _show_playing(self, playing: bool) -> None:
        color = self.palette().color(QPalette.ColorRole.ButtonText)
        self.play_button.setIcon(media_icon("pause" if playing else "play", color))
        self.play_button.setToolTip("Pause" if playing else "Play")
        self.close_button.setIcon(media_icon("close", color))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._show_playing(self.playing)  # light or dark: redraw the glyphs
        super().changeEvent(event)

    # --- API -----------------------------------------------------------------------------
    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    def load(self, replay: Replay) -> None:
        """Show ``replay`` on the scene, from its start, paused."""
        self.pause()
        self._remove_overlay()
        self.replay = replay
        self.overlay = TokenOverlayItem(replay)
        self.scene.addItem(self.overlay)
        self.slider.blockSignals(True)
        self.slider.setRange(0, round(replay.duration * SLIDER_STEPS_PER_HOUR))
        self.slider.blockSignals(False)
        self.slider.setToolTip(
            f"New leads arrive until day {replay.horizon / 24:.0f}; the run goes on until day "
            f"{replay.duration / 24:.0f} to let the leads in process finish")
        self._set_enabled(True)
        self.seek(0.0)

    def play(self) -> None:
        if self.replay is None or self.playing:
            return
        if self.time >= self.replay.duration:
            self.seek(0.0)
        self._clock.start()
        self._timer.start()
        self._show_playing(True)
        self.playing_changed.emit(True)

    def pause(self) -> None:
        if not self.playing:
            return
        self._timer.stop()
        self._advance()  # count the time since the last frame
        self._show_playing(False)
        self.playing_changed.emit(False)

    def seek(self, hours: float) -> None:
        """Jump to ``hours`` after the start of the run (clamped to the run)."""
        if self.replay is None:
            return
        self.time = min(max(float(hours), 0.0), self.replay.duration)
        if self.playing:
            self._clock.restart()
        self._show_time()

    def set_speed(self, hours_per_second: float) -> None:
        """Play ``hours_per_second`` simulated hours per real second."""
        if hours_per_second <= 0:
            raise ValueError("the speed must be more than 0")
        if self.playing:
            self._advance()  # the time so far ran at the old speed
        self.speed = float(hours_per_second)
        values = [h for _, h in SPEEDS]
        self.speed_box.blockSignals(True)
        if self.speed in values:
            self.speed_box.setCurrentIndex(values.index(self.speed))
        else:
            self.speed_box.setCurrentIndex(-1)
        self.speed_box.blockSignals(False)
        self._show_time()

    def stop(self) -> None:
        """Stop playing and take the overlay off the diagram."""
        self.pause()
        self._remove_overlay()
        self._set_enabled(False)

    # --- playing -------------------------------------------------------------------------
    def _advance(self) -> None:
        if self.replay is None:
            return
        # nanoseconds: restart()'s whole milliseconds would drop up to 1 ms every frame
        elapsed = self._clock.nsecsElapsed() / 1e9
        self._clock.restart()
        self.time = min(self.time + elapsed * self.speed, self.replay.duration)
        self._show_time()

    def _on_timeout(self) -> None:
        self._advance()
        if self.replay is not None and self.time >= self.replay.duration:
            self.pause()

    def _show_time(self) -> None:
        replay = self.replay
        if replay is None:
            return
        if self.overlay is not None:
            self.overlay.set_time(self.time, self.speed)
        self.slider.blockSignals(True)
        self.slider.setValue(round(self.time * SLIDER_STEPS_PER_HOUR))
        self.slider.blockSignals(False)
        when = replay.datetime_at(self.time)
        day = int(self.time // 24) + 1
        self.date_label.setText(f"{when:%a} {when.day} {when:%b %Y, %H:%M} · day {day}")
        leads = replay.in_process_at(self.time)
        self.leads_label.setText(f"{leads:,} lead{'s' if leads != 1 else ''} in process")
        ended = replay.ended_between(-1.0, self.time)
        self.leads_label.setToolTip("Ended so far: " + (", ".join(
            f"{count:,} {outcome}" for outcome, count in sorted(ended.items())) or "none"))
        self.time_changed.emit(self.time)

    def _remove_overlay(self) -> None:
        if self.overlay is not None:
            if self.overlay.scene() is not None:
                self.overlay.scene().removeItem(self.overlay)
            self.overlay = None

    # --- handlers ------------------------------------------------------------------------
    def _on_play_clicked(self) -> None:
        if self.playing:
            self.pause()
        else:
            self.play()

    def _on_speed_box_changed(self, index: int) -> None:
        if index >= 0:
            self.set_speed(self.speed_box.itemData(index))

    def _on_slider_changed(self, value: int) -> None:
        self.seek(value / SLIDER_STEPS_PER_HOUR)

    def _on_close_clicked(self) -> None:
        self.stop()
        self.closed.emit()

    def _on_document_changed(self, _change: object = None) -> None:
        if self.overlay is not None:
            self.overlay.refresh()  # the scene has re-laid out: follow the new routes
