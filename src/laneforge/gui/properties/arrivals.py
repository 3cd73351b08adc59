"""The source part of the node editor: arrival streams and attribute overrides."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ...model import MISSING, BatchArrivals, IntervalArrivals, Rate, RateArrivals, format_hours
from ...model.rate_text import per_day_text
from .base import (
    Editor,
    Form,
    format_number,
    hint,
    is_invalid,
    section,
    set_error,
    set_tip,
    tidy_message,
)
from .distribution import DistributionEditor, parse_duration_text
from .node_parts import NodePart
from .pairs import PairList
from .touch_fields import SourceChannelFields
from .values import format_spec, parse_spec
from .widgets import double_spin, grow_row, push_button, spin_box

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
TYPES = (("rate", "Poisson rate"), ("interarrival", "Interarrival distribution"),
         ("batch", "Batch"))


def stream_type(stream: Any) -> str:
    if isinstance(stream, dict):
        for key, _text in TYPES:
            if key in stream:
                return key
    return "rate"


def stream_per_hour(stream: Any) -> float:
    classes = {"rate": RateArrivals, "interarrival": IntervalArrivals, "batch": BatchArrivals}
    try:
        return float(classes[stream_type(stream)].model_validate(stream).mean_per_hour)
    except ValueError:
        return 0.0


def weekday_volumes(node: Any) -> list[float] | None:
    """New leads per day for each weekday (Monday first), or None without a profile."""
    arrivals = node.arrival_list() if hasattr(node, "arrival_list") else []
    if not any(getattr(a, "profile", None) for a in arrivals):
        return None
    days = [0.0] * 7
    for arrival in arrivals:
        if isinstance(arrival, RateArrivals):
            for i, factor in enumerate(arrival.weekday_factors()):
                days[i] += arrival.rate.per_hour * 24.0 * factor
        else:
            days = [d + arrival.mean_per_hour * 24.0 for d in days]
    return days


def volume_text(node: Any) -> str:
    """The source's mean rate over the week (the canvas shows the same figure), with the
    weekday profile beside it: what each weekday brings."""
    per_hour = float(getattr(node, "mean_rate_per_hour", 0.0))
    streams = node.arrival_list() if hasattr(node, "arrival_list") else []
    once = any(isinstance(a, BatchArrivals) and a.every is None for a in streams)
    if not per_hour:
        text = "No steady flow of leads"
    else:
        text = (f"On average {per_day_text(per_hour)} over the week "
                f"({per_hour * 168:,.0f} a week)")
        days = weekday_volumes(node)
        if days is not None:
            text += ("; weekday profile applied: "
                     + " · ".join(f"{name[:3]} {per_day_text(v / 24.0).removesuffix('/day')}"
                                  for name, v in zip(DAY_NAMES, days, strict=True))
                     + " a day")
    if once:
        text += " (one-off batches not counted)"
    return text + "."


def convert_stream(stream: Any, kind: str) -> dict[str, Any]:
    """A stream of ``kind`` with about the same volume as ``stream``."""
    per_hour = stream_per_hour(stream) or 10 / 24
    if kind == "rate":
        return {"rate": f"{format_number(round(per_hour * 24, 1))}/day"}
    if kind == "interarrival":
        return {"interarrival": {"dist": "exponential", "mean": format_hours(1 / per_hour)}}
    return {"batch": max(1, round(per_hour * 168)), "first": "0h", "every": "1w"}


class StreamEditor(Editor):
    """One arrival stream: its type and that type's fields."""

    stream_committed = Signal(object, bool)  # new JSON, whether from a spin box (merges)
    remove_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.value: Any = {}
        self._emitted: Any = {}
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        self.caption = QLabel()
        self.caption.setProperty("role", "hint")
        column.addWidget(self.caption)
        form = Form()
        column.addLayout(form)
        self.type = QComboBox()
        for key, text in TYPES:
            self.type.addItem(text, key)
        self.remove = push_button("Remove", "Remove this arrival stream")
        form.add("Type", self.type,
                 "Poisson rate: leads arrive at random at an average rate (web forms, "
                 "inbound calls). Interarrival: the time between two leads follows a "
                 "distribution. Batch: many leads at once (a trade-show list, a purchased list).",
                 field=grow_row(self.type, self.remove))
        self.type.activated.connect(self._on_type_activated)
        self.remove.clicked.connect(self.remove_requested)
        # rate
        self.rate = QLineEdit()
        self.rate.setPlaceholderText("e.g. 40/day")
        form.add("Rate", self.rate,
                 "Average number of new leads per period: 10/h, 40/day, 120/week or "
                 "500/month (30 days).")
        self.rate.editingFinished.connect(self._on_rate_finished)
        self.profile = [double_spin(0, 20, 2, 0.05) for _ in DAYS]
        self.profile_row = QWidget()
        grid = QGridLayout(self.profile_row)
        grid.setContentsMargins(0, 2, 0, 0)
        grid.setHorizontalSpacing(4)
        grid.setVerticalSpacing(1)
        caption = QLabel("Weekday weights (1 = an average day)")
        caption.setProperty("role", "hint")
        caption.setToolTip("How the volume spreads over the week: each day's weight "
                           "multiplies the rate.")
        grid.addWidget(caption, 0, 0, 1, len(DAYS))
        for column_index, (day, spin) in enumerate(zip(DAYS, self.profile, strict=True)):
            label = QLabel(day.capitalize())
            label.setProperty("role", "hint")
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            grid.addWidget(label, 1, column_index)
            spin.setButtonSymbols(QDoubleSpinBox.ButtonSymbols.NoButtons)
            spin.setAlignment(Qt.AlignmentFlag.AlignCenter)
            spin.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
            spin.setMinimumWidth(spin.fontMetrics().horizontalAdvance("0.00") + 8)
            set_tip(spin, f"Weight of {DAY_NAMES[column_index]}: 1 is an average day, 1.3 a "
                          "busy day, 0.1 a quiet weekend day.")
            spin.valueChanged.connect(self._on_profile_changed)
            grid.addWidget(spin, 2, column_index)
            grid.setColumnStretch(column_index, 1)
        form.add_wide(self.profile_row)
        # interarrival
        self.interval = DistributionEditor(
            "The time between two consecutive leads.", allow_empty=False)
        self.interval.value_committed.connect(self._on_interval_committed)
        form.add_wide(self.interval)
        # batch
        self.batch = spin_box(1, 1_000_000, suffix=" leads")
        form.add("Batch size", self.batch, "How many leads arrive at once (e.g. the badge "
                 "scans of a trade show).")
        self.batch.valueChanged.connect(self._on_batch_changed)
        self.first = QLineEdit()
        self.first.setPlaceholderText("0h (at the start)")
        form.add("First batch", self.first,
                 "When the first batch arrives, counted from the start of the simulation "
                 "(e.g. 30d).")
        self.first.editingFinished.connect(self._on_batch_field_finished)
        self.every = QLineEdit()
        self.every.setPlaceholderText("e.g. 90d")
        self.once = QCheckBox("Once")
        self.once.setToolTip("Only one batch, no repeats.")
        self.every_row = grow_row(self.every, self.once)
        form.add("Repeat every", self.every,
                 "Time between batches (a quarterly event: 90d).", field=self.every_row)
        self.every.editingFinished.connect(self._on_batch_field_finished)
        self.once.toggled.connect(self._on_batch_field_finished)
        self.form = form
        self._error_target: QWidget = self.rate

    def set_stream(self, value: Any, removable: bool, caption: str = "") -> None:
        self.value = value
        self.caption.setText(caption)
        self.caption.setVisible(bool(caption))
        kind = stream_type(value)
        self.show_choice(self.type, [(t, k) for k, t in TYPES], kind)
        self.remove.setVisible(removable)
        rows = {"rate": (self.rate, self.profile_row), "interarrival": (self.interval,),
                "batch": (self.batch, self.first, self.every_row)}
        for row_kind, widgets in rows.items():
            for widget in widgets:
                self.form.setRowVisible(widget, row_kind == kind)
        for edit in (self.rate, self.first, self.every, *self.profile):
            if is_invalid(edit) and not edit.isVisibleTo(self):
                set_error(edit, None)
        if kind == "rate":
            self.show_text(self.rate, str(value.get("rate", "")))
            profile = value.get("profile") or {}
            for day, spin in zip(DAYS, self.profile, strict=True):
                self.show_value(spin, float(profile.get(day, 1.0)))
        elif kind == "interarrival":
            self.interval.set_value(value.get("interarrival", MISSING))
        else:
            self.show_value(self.batch, int(value.get("batch", 1)))
            self.show_text(self.first, str(value.get("first", "")))
            every = value.get("every")
            self.show_checked(self.once, every is None)
            self.show_text(self.every, "" if every is None else str(every))
            self.every.setEnabled(every is not None)

    def remember_committed(self, _value: Any) -> None:
        """The stream this editor last emitted is now the model's."""
        self.value = self._emitted
        for widget in (self.type, self.rate, *self.profile, self.batch, self.first, self.every,
                       self.once):
            self.remember(widget)
        self.interval.remember_committed(self.value.get("interarrival", MISSING))

    def show_error(self, message: str) -> None:
        if self._error_target is self.interval:
            self.interval.show_error(message)
        else:
            set_error(self._error_target, message)

    def _emit(self, value: dict[str, Any], target: QWidget, spin: bool = False) -> None:
        self._error_target = target
        self._emitted = value
        if value != self.value:
            self.stream_committed.emit(value, spin)

    def _on_type_activated(self, _index: int) -> None:
        kind = self.type.currentData()
        if kind != stream_type(self.value):
            self._emit(convert_stream(self.value, kind), self.type)

    def _on_rate_finished(self) -> None:
        text = self.rate.text().strip()
        try:
            Rate.parse(text)
        except ValueError as exc:
            set_error(self.rate, str(exc))
            return
        set_error(self.rate, None)
        self._emit({**self.value, "rate": text}, self.rate)

    def _on_profile_changed(self, _value: float) -> None:
        old = self.value.get("profile") or {}
        profile: dict[str, float] = {}
        for day, spin in zip(DAYS, self.profile, strict=True):
            weight = round(spin.value(), 2)
            if day in old or weight != 1.0:
                profile[day] = int(weight) if weight.is_integer() else weight
        value = {k: v for k, v in self.value.items() if k != "profile"}
        if profile:
            value["profile"] = profile
        self._emit(value, self.sender() or self.profile[0], spin=True)

    def _on_interval_committed(self, value: Any) -> None:
        self._emit({**self.value, "interarrival": value}, self.interval)

    def _on_batch_changed(self, value: int) -> None:
        self._emit({**self.value, "batch": value}, self.batch, spin=True)

    def _on_batch_field_finished(self) -> None:
        value = dict(self.value)
        for key, edit in (("first", self.first), ("every", self.every)):
            text = edit.text().strip()
            if key == "every" and self.once.isChecked():
                value.pop("every", None)
                set_error(edit, None)
                continue
            if not text:
                if key == "every":
                    text = "30d"
                else:
                    value.pop("first", None)
                    continue
            try:
                value[key] = parse_duration_text(text)
            except ValueError as exc:
                set_error(edit, tidy_message(str(exc)))
                return
            set_error(edit, None)
        self.every.setEnabled(not self.once.isChecked())
        sender = self.sender()
        self._emit(value, sender if isinstance(sender, QLineEdit) else self.every)


class SourcePart(NodePart):
    """Where leads come from: one or more arrival streams, and attribute overrides."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        section("Arrivals", Form(), self.column)
        self.streams_box = QVBoxLayout()
        self.streams_box.setSpacing(10)
        self.column.addLayout(self.streams_box)
        self.streams: list[StreamEditor] = []
        buttons = QHBoxLayout()
        self.add_stream = push_button("Add stream", "Add another arrival stream to this "
                                      "source (e.g. a quarterly event on top of web traffic)")
        self.add_stream.clicked.connect(self._on_add_stream_clicked)
        buttons.addWidget(self.add_stream)
        buttons.addStretch(1)
        self.column.addLayout(buttons)
        self.volume = hint()
        self.volume.setObjectName("volume")
        self.column.addWidget(self.volume)
        self.channel = SourceChannelFields(self, self.path, lambda: self.label)
        form = section("Lead attributes", Form(), self.column)
        self.overrides = PairList(
            key_tip="A lead attribute declared for the process.",
            value_tip="Its value for leads from this source: a number, 'dist: normal, mean: "
                      "60, sd: 15', 'smb: 0.7, mid: 0.3', or a text.",
            placeholder="e.g. dist: normal, mean: 60, sd: 15", add_text="Add override",
            empty_text="Leads from here get the process's default attributes.",
            parse=lambda _key, text: parse_spec(text), display=format_spec,
            default=lambda key: self.process.edit.get_value(f"attributes.{key}"))
        self.overrides.setObjectName("overrides")
        self.overrides.items_committed.connect(self._on_overrides_committed)
        form.add_wide(self.overrides)

    def arrival_list(self) -> list[Any]:
        value = self.process.edit.get_value(self.path("arrivals"))
        if value is MISSING or value is None:
            return []
        return list(value) if isinstance(value, list) else [value]

    def refresh(self) -> None:
        streams = self.arrival_list()
        while len(self.streams) > len(streams):
            editor = self.streams.pop()
            editor.hide()
            editor.deleteLater()
        while len(self.streams) < len(streams):
            editor = StreamEditor()
            index = len(self.streams)
            editor.stream_committed.connect(
                lambda value, spin, i=index: self._on_stream_committed(i, value, spin))
            editor.remove_requested.connect(lambda i=index: self._on_remove_stream(i))
            self.streams_box.addWidget(editor)
            self.streams.append(editor)
        for number, (editor, stream) in enumerate(zip(self.streams, streams, strict=True), 1):
            editor.document = self.document
            caption = f"Stream {number} of {len(streams)}" if len(streams) > 1 else ""
            editor.set_stream(stream, removable=len(streams) > 1, caption=caption)
        self.volume.setText(volume_text(self.node) if streams
                            else "No arrivals: no lead starts here.")
        attributes = self.process.edit.get_value(self.path("attributes"))
        self.overrides.set_items(attributes if isinstance(attributes, dict) else {},
                                 list(self.process.attributes))
        self.channel.refresh()

    def _write(self, streams: list[Any], text: str, target: StreamEditor | None,
               spin: bool = False) -> None:
        value = MISSING if not streams else streams[0] if len(streams) == 1 else streams
        self.commit(target or self.add_stream, self.path("arrivals"), value, text, spin=spin)

    def _on_stream_committed(self, index: int, value: Any, spin: bool) -> None:
        streams = self.arrival_list()
        if index < len(streams):
            streams[index] = value
            self._write(streams, f"Change arrivals of '{self.label}'", self.streams[index],
                        spin)

    def _on_remove_stream(self, index: int) -> None:
        streams = self.arrival_list()
        if index < len(streams):
            del streams[index]
            self._write(streams, f"Remove arrival stream from '{self.label}'", None)

    def _on_add_stream_clicked(self) -> None:
        streams = [*self.arrival_list(), {"rate": "10/day"}]
        self._write(streams, f"Add arrival stream to '{self.label}'", None)

    def _on_overrides_committed(self, items: dict[str, Any], verb: str) -> None:
        text = {"Add": f"Add attribute override to '{self.label}'",
                "Remove": f"Remove attribute override from '{self.label}'"}.get(
                    verb, f"Change attributes of '{self.label}'")
        self.commit(self.overrides, self.path("attributes"), items or MISSING, text)
