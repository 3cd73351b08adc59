"""The one internal event log that every CRM export becomes before anything is fitted.

Readers (Salesforce, HubSpot, a generic event-log CSV, Olist) each turn their files into an
:class:`EventLog`; calibration and validation in ``app/`` only ever see this shape, so a new
CRM format is a new reader and nothing else.

Times are naive ``datetime64[ns]`` in the export's local wall-clock time (the time zone of
MAP.json, UTC when it names none): timestamps written with a zone are converted to it, plain
dates are midnight there. Local time is what a team's working calendar and a weekday profile
are written in, so the fits compare like with like.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

#: ``events.kind`` values
STAGE = "stage"  # the case entered a CRM status / lifecycle stage / opportunity stage
ACTIVITY = "activity"  # work was logged on the case (a call, an email, a meeting)
OWNER = "owner"  # the case was (re)assigned; ``value`` is the new owner id
KINDS = (STAGE, ACTIVITY, OWNER)

#: column -> dtype of :attr:`EventLog.events`
EVENT_COLUMNS = {
    "case": "string",  # the lead's id (a converted lead's opportunity events carry the lead's id)
    "time": "datetime64[ns]",  # when it happened (local wall clock)
    "kind": "string",  # one of KINDS
    "value": "string",  # stage/status name, activity type, or new owner id (as the CRM wrote it)
    "subtype": "string",  # activity subtype (Salesforce TaskSubtype "Call"), else <NA>
    "end": "datetime64[ns]",  # when the activity ended, if the export says; else NaT
    "duration_h": "float64",  # the activity's length in hours if recorded (CallDurationInSeconds)
    "owner": "string",  # who did it / who owned the case then (user or queue id), else <NA>
}

#: column -> dtype of :attr:`EventLog.cases` (index: ``case``, string); a reader may add the
#: export's own attributes after these (Olist's ``business_segment``, an events CSV's extra
#: columns), as ``string`` columns named as in the file
CASE_COLUMNS = {
    "created": "datetime64[ns]",  # when the lead (or a deal without lead) was created
    "source": "string",  # the CRM's lead source value, else <NA>
    "owner": "string",  # the owner at export time (user or queue id), else <NA>
    "amount": "float64",  # the deal amount if there is one, else NaN
    "status": "string",  # the status / stage the case is in at export time
}

#: column -> dtype of :attr:`EventLog.owners` (index: owner id, string)
OWNER_COLUMNS = {
    "name": "string",
    "role": "string",  # role or department, <NA> when the user has none (integration users)
    "is_queue": "bool",  # a queue or group, not a person
}


@dataclass(frozen=True)
class SourceFile:
    """One file that was read: what a user sees on the wizard's "recognised" page."""

    path: Path
    table: str  # "Lead", "LeadHistory", "contacts", "events", ...
    rows: int
    columns: tuple[str, ...]  # as written in the file


@dataclass
class EventLog:
    """A CRM export as cases (leads), their events and the owners who worked them."""

    format: str  # "salesforce" | "hubspot" | "events" | "olist"
    cases: pd.DataFrame  # CASE_COLUMNS, index "case"
    events: pd.DataFrame  # EVENT_COLUMNS, sorted by case then time
    owners: pd.DataFrame  # OWNER_COLUMNS, index owner id
    start: pd.Timestamp  # the earliest time in the export
    end: pd.Timestamp  # the export's end: the latest time in it (cases open then are censored)
    timezone: str = "UTC"
    files: list[SourceFile] = field(default_factory=list)
    #: from when every case's history is in the export; None: all of it. Cases created before
    #: it may lack their early events (Salesforce keeps field history for 18 months)
    history_from: pd.Timestamp | None = None
    #: plain-words notes for the user: "history before 2025-03-01 is missing (18-month limit)"
    notes: list[str] = field(default_factory=list)

    @property
    def window(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        return self.start, self.end


def empty_events() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in EVENT_COLUMNS.items()})


def empty_cases() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=t) for c, t in CASE_COLUMNS.items()})
    frame.index = pd.Index([], dtype="string", name="case")
    return frame


def empty_owners() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=t) for c, t in OWNER_COLUMNS.items()})
    frame.index = pd.Index([], dtype="string", name="owner")
    return frame
