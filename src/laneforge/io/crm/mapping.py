"""MAP.json: how a CRM's words (statuses, sources, owners, activity types) name a process's
stages, nodes and lanes. Every key is optional; see "Calibration from CRM data" in DESIGN.md.

CRM values are matched as written first, then ignoring case and surrounding spaces, so a
hand-written MAP.json with "marketing qualified" still finds "Marketing Qualified".
"""

from __future__ import annotations

import codecs
import json
import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ...atomic import atomic_write_text
from ..lanejson import _message, format_json, format_location
from .common import CrmDataError, check_timezone, read_head

FORMATS = ("salesforce", "hubspot", "events", "olist")


class CrmMap(BaseModel):
    """The mapping file. Keys are the CRM's values unless noted."""

    model_config = ConfigDict(extra="forbid")

    format: str | None = None  # "salesforce" | "hubspot" | "events" | "olist"; None: detect
    #: process stage name -> the CRM statuses / stages that mean it
    stages: dict[str, list[str]] = Field(default_factory=dict)
    #: CRM lead source -> source node id
    sources: dict[str, str] = Field(default_factory=dict)
    #: owner id, or "role:<role>" -> lane id
    owners: dict[str, str] = Field(default_factory=dict)
    #: CRM final status / stage -> end node id (or the outcome word of end nodes)
    outcomes: dict[str, str] = Field(default_factory=dict)
    #: CRM status that means "the lead is at this node" (a delay, a task) -> node id
    nodes: dict[str, str] = Field(default_factory=dict)
    #: CRM activity type -> task node id
    activities: dict[str, str] = Field(default_factory=dict)
    #: CRM activity types or subtypes that say a contact hit an out-of-date record
    #: ("Email bounced", "Wrong number"): they calibrate how fast contact data goes stale
    stale_activities: list[str] = Field(default_factory=list)
    #: CRM activity type or subtype -> the channel of the touch it records ("Email" ->
    #: "email", "Call" -> "call"): activities of tasks with a touch are touches anyway
    channels: dict[str, str] = Field(default_factory=dict)
    #: CRM activity types or subtypes that say the lead answered a touch ("Email replied",
    #: "Call connected"): they calibrate each touch's response rate
    responses: list[str] = Field(default_factory=list)
    #: IANA zone the export's local times are in
    timezone: str = "UTC"
    #: text encoding of the export's files; None: UTF-8 (with or without a byte-order mark)
    encoding: str | None = None

    @field_validator("format")
    @classmethod
    def _known_format(cls, value: str | None) -> str | None:
        if value is not None and value not in FORMATS:
            raise ValueError(f"unknown format {value!r} (expected one of: {', '.join(FORMATS)})")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        check_timezone(value)
        return value

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                codecs.lookup(value)
            except LookupError:
                raise ValueError(f"unknown text encoding {value!r}") from None
        return value

    # --- look-ups (exact, then ignoring case) ------------------------------------------------

    def stage_of(self, value: str) -> str | None:
        """The process stage a CRM status / stage means, or None."""
        return _find({v: stage for stage, values in self.stages.items() for v in values}, value)

    def source_of(self, value: str) -> str | None:
        return _find(self.sources, value)

    def outcome_of(self, value: str) -> str | None:
        return _find(self.outcomes, value)

    def node_of(self, value: str) -> str | None:
        return _find(self.nodes, value)

    def activity_of(self, value: str) -> str | None:
        return _find(self.activities, value)

    def channel_of(self, value: str) -> str | None:
        """The touch channel an activity type or subtype records, or None."""
        return _find(self.channels, value)

    def lane_of(self, owner: str, role: str | None = None) -> str | None:
        """The lane of an owner: by its id (a 15-character Salesforce id finds its
        18-character form and back), else by its role."""
        lane = _find(self.owners, owner)
        if lane is None and len(owner) in (15, 18):
            lane = next((v for k, v in self.owners.items()
                         if len(k) in (15, 18) and k[:15] == owner[:15]), None)
        if lane is None and role:
            lane = _find(self.owners, f"role:{role}")
        return lane


def _key(value: str) -> str:
    return " ".join(str(value).split()).casefold()


def _find(table: dict[str, str], value: str) -> str | None:
    if value in table:
        return table[value]
    wanted = _key(value)
    return next((v for k, v in table.items() if _key(k) == wanted), None)


def load_mapping(path: str | os.PathLike[str]) -> CrmMap:
    """Read MAP.json; any problem is one :class:`CrmDataError` naming the file and field."""
    file = Path(path)
    raw = read_head(file, "a MAP.json file")
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise CrmDataError(file, f"is not UTF-8 text (byte at position {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise CrmDataError(file, f"invalid JSON at line {exc.lineno} column {exc.colno}: "
                                 f"{exc.msg}") from None
    except RecursionError:
        raise CrmDataError(file, "invalid JSON: nested too deeply") from None
    if not isinstance(data, dict):
        raise CrmDataError(file, "expected a JSON object {...} at the top of the file")
    try:
        return CrmMap.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        loc, message = _message(errors[0])
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise CrmDataError(file, message + more, field=format_location(loc) or None,
                           label="field") from None


def save_mapping(mapping: CrmMap, path: str | os.PathLike[str]) -> None:
    """Write MAP.json atomically (every key, so a user sees what there is to fill in)."""
    atomic_write_text(path, format_json(mapping.model_dump(exclude_none=True)))
