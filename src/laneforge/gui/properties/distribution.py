"""A reusable editor for a duration distribution, with a live "mean 2.5 h" read-out."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter, ValidationError
from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from ...model import MISSING, Duration, DurationDist, describe_hours, format_hours
from .base import Form, hint, set_error, tidy_message

FAMILIES = (
    ("fixed", "Fixed"),
    ("exponential", "Exponential"),
    ("triangular", "Triangular"),
    ("uniform", "Uniform"),
    ("normal", "Normal"),
    ("lognormal", "Lognormal"),
    ("empirical", "Empirical"),
)

#: parameter fields per family: (key, label, tooltip)
PARAMS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "fixed": (("value", "Duration", "Always exactly this long, e.g. 30m, 2.5h, 3d."),),
    "exponential": (("mean", "Mean", "Average time; most cases are quick, a few take much "
                                      "longer (typical of waiting for a reply)."),),
    "triangular": (
        ("min", "Shortest", "The quickest it ever takes, e.g. 15m."),
        ("mode", "Most likely", "The time it usually takes, e.g. 25m."),
        ("max", "Longest", "The slowest it ever takes, e.g. 40m."),
    ),
    "uniform": (
        ("min", "Shortest", "Any time between shortest and longest is equally likely."),
        ("max", "Longest", "Any time between shortest and longest is equally likely."),
    ),
    "normal": (
        ("mean", "Mean", "Average time (never below zero)."),
        ("sd", "Spread (sd)", "Standard deviation: how far times typically are from the mean."),
    ),
    "lognormal": (
        ("mean", "Mean", "Average time; skewed to the right like most work times."),
        ("sd", "Spread (sd)", "Standard deviation around the mean."),
    ),
    "empirical": (("values", "Values", "Measured times, comma separated (15m, 20m, 45m); "
                                       "each is drawn equally often."),),
}

_ADAPTER: TypeAdapter[Any] = TypeAdapter(DurationDist)


def family_of(value: Any) -> str:
    if isinstance(value, dict) and value.get("dist") in PARAMS:
        return str(value["dist"])
    return "fixed"


def parse_duration_text(text: str) -> Any:
    """The file value for a typed duration: numbers stay numbers, else the text as typed."""
    text = text.strip()
    Duration.parse(text)
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if number.is_integer() else number


def validate_dist(value: Any) -> tuple[Any, str | None]:
    """(model object, None) or (None, message) for a duration distribution's JSON."""
    try:
        return _ADAPTER.validate_python(value), None
    except ValidationError as exc:
        error = exc.errors()[0]
        return None, tidy_message(str(error.get("msg", "invalid value")).removeprefix(
            "Value error, "))


def describe_mean(value: Any) -> str:
    if value is MISSING or value is None:
        return "no time"
    dist, message = validate_dist(value)
    if message:
        return "—"
    return f"mean {describe_hours(float(dist.mean))}"


def convert(value: Any, family: str) -> Any:
    """A value of ``family`` with about the same mean as ``value`` (a sensible start)."""
    dist, _ = validate_dist(value) if value not in (MISSING, None) else (None, None)
    mean = float(dist.mean) if dist is not None and float(dist.mean) > 0 else 1.0

    def text(hours: float) -> str:
        return format_hours(round(hours * 60) / 60 if hours >= 1 / 60 else hours)

    if family == "fixed":
        return text(mean)
    if family == "exponential":
        return {"dist": "exponential", "mean": text(mean)}
    if family == "triangular":
        return {"dist": "triangular", "min": text(mean * 0.5), "mode": text(mean),
                "max": text(mean * 1.5)}
    if family == "uniform":
        return {"dist": "uniform", "min": text(mean * 0.5), "max": text(mean * 1.5)}
    if family in ("normal", "lognormal"):
        return {"dist": family, "mean": text(mean), "sd": text(mean * 0.25)}
    return {"dist": "empirical", "values": [text(mean)]}


class DistributionEditor(QWidget):
    """Family combo, parameter fields as duration texts and a live mean read-out.

    ``value_committed`` carries the new JSON value (MISSING for an empty fixed duration when
    ``allow_empty``); invalid parameters are marked at their field and never emitted.
    """

    value_committed = Signal(object)

    def __init__(self, tip: str, parent: QWidget | None = None, *,
                 allow_empty: bool = True) -> None:
        super().__init__(parent)
        self.allow_empty = allow_empty
        self._value: Any = MISSING
        self._shown = False
        self._last_edit: QLineEdit | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.form = Form()
        layout.addLayout(self.form)
        self.family = QComboBox()
        for key, text in FAMILIES:
            self.family.addItem(text, key)
        self.form.add("Distribution", self.family,
                      f"{tip} Choose Fixed for a constant time, or a distribution when the "
                      "time varies from lead to lead.")
        self.labels: list[QLabel] = []
        self.fields: list[QLineEdit] = []
        for _ in range(3):
            edit = QLineEdit()
            self.form.add("", edit, "")
            label = self.form.labelForField(edit)
            assert isinstance(label, QLabel)
            self.labels.append(label)
            self.fields.append(edit)
            edit.editingFinished.connect(self._on_editing_finished)
            edit.textEdited.connect(self._on_text_edited)
        self.readout = hint()
        self.readout.setObjectName("mean_readout")
        self.form.addRow("", self.readout)
        self.family.activated.connect(self._on_family_activated)
        self._layout_family("fixed")

    # --- showing ---------------------------------------------------------------------------
    def reset_shown(self) -> None:
        """Show the next value afresh (another node was chosen)."""
        self._shown = False

    def remember_committed(self, value: Any) -> None:
        self._value = value
        self._shown = True

    def set_value(self, value: Any, *, force: bool = False) -> None:
        """Show a model value; kept as is when it did not change (text being typed stays)."""
        if self._shown and not force and value == self._value and type(value) is type(
                self._value):
            return
        self._value = value
        self._shown = True
        family = family_of(value)
        with QSignalBlocker(self.family):
            self.family.setCurrentIndex(self.family.findData(family))
        self._layout_family(family)
        for (key, _label, _tip), edit in zip(PARAMS[family], self.fields, strict=False):
            text = self._param_text(value, family, key)
            if edit.text() != text:
                with QSignalBlocker(edit):
                    edit.setText(text)
                    edit.setCursorPosition(0)
            set_error(edit, None)
        self._show_readout(describe_mean(value))

    @staticmethod
    def _param_text(value: Any, family: str, key: str) -> str:
        if value is MISSING or value is None:
            return ""
        if family == "fixed":
            return str(value)
        if key == "values":
            return ", ".join(str(v) for v in value.get("values", []))
        item = value.get(key)
        return "" if item is None else str(item)

    def _layout_family(self, family: str) -> None:
        params = PARAMS[family]
        for index, (label, edit) in enumerate(zip(self.labels, self.fields, strict=True)):
            visible = index < len(params)
            self.form.setRowVisible(edit, visible)
            if not visible:
                set_error(edit, None)
                continue
            key, text, tip = params[index]
            label.setText(text)
            for widget in (label, edit):
                widget.setToolTip(tip)
                widget.setProperty("baseToolTip", tip)
            edit.setPlaceholderText("e.g. 15m, 20m, 45m" if key == "values" else "e.g. 30m")

    # --- editing ---------------------------------------------------------------------------
    def candidate(self) -> tuple[Any, QLineEdit | None, str | None]:
        """(value, None, None) from the fields, or (None, field, message) if one is wrong."""
        family = self.family.currentData()
        params = PARAMS[family]
        texts = {key: edit.text().strip()
                 for (key, _l, _t), edit in zip(params, self.fields, strict=False)}
        if family == "fixed":
            if not texts["value"]:
                if self.allow_empty:
                    return MISSING, None, None
                return None, self.fields[0], "Enter a duration such as 30m"
            try:
                return parse_duration_text(texts["value"]), None, None
            except ValueError as exc:
                return None, self.fields[0], tidy_message(str(exc))
        base = dict(self._value) if family_of(self._value) == family else {"dist": family}
        for index, (key, _label, _tip) in enumerate(params):
            edit = self.fields[index]
            try:
                if key == "values":
                    parts = [p for p in texts[key].replace(";", ",").split(",") if p.strip()]
                    if not parts:
                        return None, edit, "Enter at least one duration"
                    base[key] = [parse_duration_text(part) for part in parts]
                elif not texts[key]:
                    return None, edit, "Enter a duration such as 30m"
                else:
                    base[key] = parse_duration_text(texts[key])
            except ValueError as exc:
                return None, edit, tidy_message(str(exc))
        _dist, message = validate_dist(base)
        if message:
            return None, self._last_edit or self.fields[0], message
        return base, None, None

    def _show_readout(self, text: str) -> None:
        self.readout.setText(text)
        self.form.setRowVisible(self.readout, bool(text))

    def _on_text_edited(self, _text: str) -> None:
        value, _field, message = self.candidate()
        self._show_readout("" if message else describe_mean(value))

    def _on_editing_finished(self) -> None:
        sender = self.sender()
        if isinstance(sender, QLineEdit):
            self._last_edit = sender
        self.commit()

    def commit(self) -> None:
        value, field, message = self.candidate()
        for edit in self.fields:
            set_error(edit, message if edit is field else None)
        if message:
            self._show_readout("")
            return
        self._show_readout(describe_mean(value))
        if value == self._value and type(value) is type(self._value):
            return
        self.value_committed.emit(value)

    def _on_family_activated(self, _index: int) -> None:
        family = self.family.currentData()
        if family == family_of(self._value) and self._value is not MISSING:
            return
        value = convert(self._value, family)
        self.set_value(value)
        self.value_committed.emit(value)

    def show_error(self, message: str) -> None:
        """An error the model found (after the fields' own checks): at the last edited field."""
        field = self._last_edit
        if field is None or not self.form.isRowVisible(field):
            field = self.fields[0]
        set_error(field, message)
