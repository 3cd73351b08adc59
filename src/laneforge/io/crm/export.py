"""Find the CRM tables among the files and folders a user gave, tell the format, and read
them with the format's reader into one :class:`EventLog`."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from . import events, hubspot, olist, salesforce
from .assemble import Moment
from .common import Context, CrmDataError, Progress, normalize, sniff
from .eventlog import EventLog
from .mapping import CrmMap

READERS: dict[str, ModuleType] = {
    "salesforce": salesforce, "hubspot": hubspot, "events": events, "olist": olist,
}
FORMATS = ("auto", *READERS)

_LOOKED_FOR = ("Salesforce Lead.csv and LeadHistory.csv, a HubSpot contacts export, an events "
               "CSV with case_id, activity and timestamp, or Olist's "
               "olist_marketing_qualified_leads_dataset.csv")


def _by_name(path: Path) -> tuple[str, str] | None:
    stem = normalize(path.stem)
    if stem in salesforce.FILE_NAMES:
        return "salesforce", salesforce.FILE_NAMES[stem]
    if stem in olist.FILE_NAMES:
        return "olist", olist.FILE_NAMES[stem]
    return None


def classify(path: Path, encoding: str | None = None) -> tuple[str, str] | None:
    """(format, table) of one CSV file, by its name, else by its header; None: not known."""
    named = _by_name(path)
    if named is not None:
        return named
    header, _ = sniff(path, encoding)
    keys = {normalize(h) for h in header}
    for fmt in ("salesforce", "olist", "hubspot", "events"):
        table = READERS[fmt].recognize(keys)
        if table is not None:
            return fmt, table
    return None


def _candidates(paths: Sequence[Path]) -> list[tuple[Path, bool]]:
    """Every CSV to look at, with whether the user named it (a folder's others may be
    anything and are skipped when unknown)."""
    found: list[tuple[Path, bool]] = []
    for path in paths:
        if path.is_dir():
            inside = sorted(p for p in path.iterdir()
                            if p.is_file() and p.suffix.casefold() in (".csv", ".txt"))
            if not inside:
                raise CrmDataError(path, "the folder holds no CSV files (looked for "
                                         f"{_LOOKED_FOR})")
            found += [(p, False) for p in inside]
        elif not path.exists():
            raise CrmDataError(path, "no such file or folder")
        else:
            found.append((path, True))
    return found


def discover(
    paths: Sequence[str | os.PathLike[str]], fmt: str = "auto", encoding: str | None = None
) -> tuple[str, dict[str, list[Path]]]:
    """The export's format and its tables: table -> the files that hold it."""
    if fmt not in FORMATS:
        raise CrmDataError(None, f"unknown format {fmt!r} (expected one of: "
                                 f"{', '.join(FORMATS)})", field="format", label="option")
    given = [Path(p) for p in paths]
    if not given:
        raise CrmDataError(None, "no export files or folders given")
    tables: dict[str, dict[str, list[Path]]] = {}
    for path, named in _candidates(given):
        kind = classify(path, encoding)
        if kind is None or (fmt != "auto" and kind[0] != fmt):
            if named:
                what = "a CRM export laneforge reads" if kind is None else f"a {fmt} export"
                header, _ = sniff(path, encoding)
                shown = ", ".join(header[:8]) + (", ..." if len(header) > 8 else "")
                raise CrmDataError(path, f"is not {what} (its columns: {shown})")
            continue
        tables.setdefault(kind[0], {}).setdefault(kind[1], []).append(path)
    if not tables:
        raise CrmDataError(given[0], f"no CRM export found (looked for {_LOOKED_FOR})")
    if len(tables) > 1:
        seen = "; ".join(f"{name}: {', '.join(p.name for ps in t.values() for p in ps)}"
                         for name, t in tables.items())
        raise CrmDataError(given[0], f"the files are of different CRM formats ({seen}); "
                                     "give one export at a time, or --format")
    fmt, found = next(iter(tables.items()))
    for table in READERS[fmt].REQUIRED:
        if table not in found:
            folder = given[0] if given[0].is_dir() else given[0].parent
            missing = {"Lead": "Lead.csv", "LeadHistory": "LeadHistory.csv",
                       "contacts": "a contacts export", "events": "an events CSV",
                       "mql": "olist_marketing_qualified_leads_dataset.csv"}.get(table, table)
            raise CrmDataError(folder, f"the {fmt} export has no {missing}")
    return fmt, found


def detect_format(paths: Sequence[str | os.PathLike[str]]) -> str:
    """'salesforce', 'hubspot', 'events' or 'olist'; raises :class:`CrmDataError` if none."""
    return discover(paths)[0]


def read_export(
    paths: Sequence[str | os.PathLike[str]],
    *,
    format: str = "auto",  # the CLI's --format
    mapping: CrmMap | None = None,
    since: Moment = None,
    until: Moment = None,
    progress: Progress | None = None,
) -> EventLog:
    """Read a CRM export (files or folders) into one event log.

    ``mapping`` gives the export's time zone (and text encoding, and for an events CSV which
    activities are work); ``since``/``until`` keep the leads created in that window;
    ``progress(file name, bytes done, bytes total)`` is called as files are read.
    Raises :class:`CrmDataError` (one line: file, row, column) for anything it cannot use.
    """
    mapping = mapping or CrmMap()
    wanted = format if format != "auto" else (mapping.format or "auto")
    fmt, files = discover(paths, wanted, mapping.encoding)
    ctx = Context(
        timezone=mapping.timezone, encoding=mapping.encoding, progress=progress, since=since,
        until=until, activities=frozenset(a.casefold() for a in mapping.activities),
    )
    return READERS[fmt].read(files, ctx)
