"""The touch fields of a task (channel, weight, cost, response rate) and a source's channel.

A task's touch is one small object in the file: typing a channel creates it, clearing the
channel removes it (a touch without a channel means nothing), and each number is its own
field, refused at the field when it is out of range.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QLineEdit

from ...model import MISSING
from ...model.types import is_identifier
from .base import Editor, Form, format_number, parse_number, section, set_error

CHANNEL_TIP = ("A channel is a name of letters, digits, '_' and '-' (email, phone, "
               "paid_search); results show won deals and cost per won deal by the channel of "
               "each lead's first and last touch.")


def _line(name: str, placeholder: str) -> QLineEdit:
    edit = QLineEdit()
    edit.setObjectName(name)
    edit.setPlaceholderText(placeholder)
    return edit


def _channel_error(text: str) -> str | None:
    if text and not is_identifier(text):
        return "Use letters, digits, '_' and '-', starting with a letter (e.g. email)"
    return None


class TaskTouchFields:
    """The "Touch" section of a task part: each pass through the task touches the lead."""

    NUMBERS = (
        ("weight", "Engagement +",
         "What each touch adds to the lead's engagement (which fades with the process's "
         "engagement half-life).", "0"),
        ("cost", "Touch cost",
         "Money each touch costs (postage, ad spend, credits), added to the run's cost and "
         "to the channel's cost in the attribution.", "0"),
        ("response_rate", "Response rate",
         "The chance, from 0 to 1, that the lead answers a touch (sets 'responded').", "0"),
    )

    def __init__(self, editor: Editor, path: Callable[[str], str],
                 label: Callable[[], str], *, required: bool = False) -> None:
        self.editor, self.path, self.label = editor, path, label
        #: a cadence's touch: its channel cannot be cleared (a cadence is its touches)
        self.required = required
        form = section("Touch", Form(), editor.column)  # type: ignore[attr-defined]
        self.channel = _line("touch_channel", "email" if required else "none (not a touch)")
        form.add("Channel", self.channel,
                 ("The channel of each of the cadence's touches. " if required else
                  "The channel each pass through this task touches the lead on; empty: the "
                  "task is no touch. ") + CHANNEL_TIP)
        self.channel.editingFinished.connect(self._on_channel_finished)
        self.numbers: dict[str, QLineEdit] = {}
        for key, text, tip, placeholder in self.NUMBERS:
            edit = _line(f"touch_{key}", placeholder)
            form.add(text, edit, tip)
            edit.editingFinished.connect(lambda key=key: self._on_number_finished(key))
            self.numbers[key] = edit

    def refresh(self) -> None:
        touch = self.editor.process.edit.get_value(self.path("touch"))
        touch = touch if isinstance(touch, dict) else {}
        self.editor.show_text(self.channel, str(touch.get("channel", "")))
        for key, edit in self.numbers.items():
            self.editor.show_text(edit, format_number(touch.get(key) or None))  # 0: empty
            edit.setEnabled(bool(touch))

    def _on_channel_finished(self) -> None:
        text = self.channel.text().strip()
        message = _channel_error(text)
        if not text and self.required:
            message = "A cadence touches the lead on a channel: enter one such as email"
        if message:
            set_error(self.channel, message)
            return
        if not text:
            self.editor.commit(self.channel, self.path("touch"), MISSING,
                               f"Make '{self.label()}' no touch")
        elif isinstance(self.editor.process.edit.get_value(self.path("touch")), dict):
            self.editor.commit(self.channel, self.path("touch.channel"), text,
                               f"Touch on {text} at '{self.label()}'")
        else:  # a new touch: the channel alone, the numbers 0 until given
            self.editor.commit(self.channel, self.path("touch"), {"channel": text},
                               f"Touch on {text} at '{self.label()}'")
        self.refresh()

    def _on_number_finished(self, key: str) -> None:
        edit = self.numbers[key]
        text = edit.text().strip()
        try:
            value: Any = parse_number(text) if text else MISSING
        except ValueError:
            set_error(edit, "Enter a number, or leave empty for 0")
            return
        self.editor.commit(edit, self.path(f"touch.{key}"), value,
                           f"Change touch {key.replace('_', ' ')} of '{self.label()}'")


class SourceChannelFields:
    """A source's channel (its leads' first touch) and what that touch adds to engagement."""

    def __init__(self, editor: Editor, path: Callable[[str], str],
                 label: Callable[[], str]) -> None:
        self.editor, self.path, self.label = editor, path, label
        form = section("Channel", Form(), editor.column)  # type: ignore[attr-defined]
        self.channel = _line("source_channel", "none (the arrival is no touch)")
        form.add("Channel", self.channel,
                 "The channel leads arrive by; their arrival is then their first touch. "
                 + CHANNEL_TIP)
        self.channel.editingFinished.connect(self._on_channel_finished)
        self.weight = _line("source_touch_weight", "0")
        form.add("Engagement +", self.weight,
                 "What the arriving touch adds to the lead's engagement.")
        self.weight.editingFinished.connect(self._on_weight_finished)

    def refresh(self) -> None:
        edit = self.editor.process.edit
        channel = edit.get_value(self.path("channel"))
        self.editor.show_text(self.channel, channel if isinstance(channel, str) else "")
        weight = edit.get_value(self.path("touch_weight"))
        self.editor.show_text(self.weight, format_number(None if weight is MISSING else weight))

    def _on_channel_finished(self) -> None:
        text = self.channel.text().strip()
        message = _channel_error(text)
        if message:
            set_error(self.channel, message)
            return
        self.editor.commit(self.channel, self.path("channel"), text or MISSING,
                           f"Set the channel of '{self.label()}' to {text or 'none'}")

    def _on_weight_finished(self) -> None:
        text = self.weight.text().strip()
        try:
            value: Any = parse_number(text) if text else MISSING
        except ValueError:
            set_error(self.weight, "Enter a number, or leave empty for 0")
            return
        self.editor.commit(self.weight, self.path("touch_weight"), value,
                           f"Change the touch weight of '{self.label()}'")
