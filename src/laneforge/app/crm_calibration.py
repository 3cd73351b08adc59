"""The calibration use case, shared by ``laneforge calibrate`` and the app's wizard: read a CRM
export, tie its words to the process, fit, validate on the holdout, and write the results.

Each step is a function with plain callbacks for progress and Cancel, so the command line
runs them in a row and the wizard runs them page by page off the UI thread.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..atomic import atomic_write_text
from ..io import save_process
from ..io.crm import (
    CrmDataError,
    CrmMap,
    EventLog,
    ambiguous,
    check_mapping,
    load_mapping,
    read_export,
    save_mapping,
    suggest_mapping,
)
from ..io.crm.common import check_timezone
from ..model import Process
from .calibrate import Calibration, fit
from .calibration_report import write_calibration_report
from .holdout import (
    Validation,
    forget_breaches,
    measure,
    observed_markers,
    split_point,
    unseen_slas,
    validate_holdout,
)
from .observed import observed_from

StepProgress = Callable[[str, int, int], Any]  # (what, done, total)


@dataclass
class CalibrationRun:
    """Everything one calibration produced."""

    process: Process  # the input, unchanged
    log: EventLog
    mapping: CrmMap
    calibration: Calibration
    validation: Validation | None
    fit_until: pd.Timestamp

    @property
    def calibrated(self) -> Process:
        return self.calibration.process

    def fit_json(self) -> dict[str, Any]:
        data = self.calibration.to_fit_json()
        if self.validation is not None:
            data["validation"] = self.validation.to_json()
        return data


def load_export(paths: Sequence[str | os.PathLike[str]], *, format: str = "auto",
                map_path: str | os.PathLike[str] | None = None, since: Any = None,
                until: Any = None, progress: StepProgress | None = None,
                timezone: str | None = None) -> tuple[EventLog, CrmMap | None]:
    """The export read into one event log, and the mapping file if one is given (its time
    zone and format are the reader's). ``timezone`` overrides the mapping's zone (the
    wizard's time zone field); the returned mapping then carries it."""
    mapping = load_mapping(Path(map_path)) if map_path is not None else None
    if timezone is not None:
        try:
            check_timezone(timezone)
        except ValueError as exc:
            raise CrmDataError(None, str(exc), field="timezone", label="field") from None
        base = mapping.model_dump(exclude_unset=True) if mapping is not None else {}
        mapping = CrmMap.model_validate({**base, "timezone": timezone})
    log = read_export([Path(p) for p in paths], format=format, mapping=mapping,
                      since=since, until=until, progress=progress)
    return log, mapping if map_path is not None else None


def complete_mapping(log: EventLog, process: Process, given: CrmMap | None) -> CrmMap:
    """The given mapping with suggestions filling what it leaves out (given entries win).

    A CRM status the given mapping places anywhere (a stage, an outcome or a node) gets no
    suggested place besides: a status mapped to a nurture delay by hand must not also
    become a suggested nurture outcome."""
    suggested = suggest_mapping(log, process)
    if given is None:
        return suggested
    merged = suggested.model_dump()
    placed = {_status_key(v) for values in given.stages.values() for v in values}
    placed |= {_status_key(v) for v in (*given.outcomes, *given.nodes)}
    stages = {stage: [v for v in values if _status_key(v) not in placed]
              for stage, values in merged["stages"].items()}
    merged["stages"] = {stage: values for stage, values in stages.items() if values}
    for key in ("outcomes", "nodes"):
        merged[key] = {v: t for v, t in merged[key].items() if _status_key(v) not in placed}
    for key, value in given.model_dump(exclude_unset=True).items():
        if isinstance(value, dict):
            merged[key] = {**merged.get(key, {}), **value}
        else:
            merged[key] = value
    return CrmMap.model_validate(merged)


def _status_key(value: str) -> str:
    return " ".join(str(value).split()).casefold()  # as CrmMap's look-ups compare


def unmapped(log: EventLog, process: Process, mapping: CrmMap) -> list[str]:
    """What must still be mapped before a fit (empty: ready); raises CrmDataError for a
    mapping that names a node or lane the process does not have."""
    check_mapping(mapping, process, log)
    return ambiguous(mapping, log, process)


def run_calibration(process: Process, log: EventLog, mapping: CrmMap, *,
                    holdout: float = 0.2, replications: int = 10, seed: int | None = None,
                    progress: StepProgress | None = None,
                    should_stop: Callable[[], bool] | None = None,
                    jobs: int = 1) -> CalibrationRun:
    """Fit on the first ``1 - holdout`` of the export, then validate on the rest (its
    replications in ``jobs`` worker processes)."""
    fit_until = split_point(log, holdout)
    if progress is not None:
        progress("fitting", 0, 1)
    calibration = fit(process, log, mapping, fit_until=fit_until)
    if progress is not None:
        progress("fitting", 1, 1)
    validation = None
    calibrated = calibration.process
    markers = observed_markers(log, mapping, calibrated)
    if replications > 0:
        def step(done: int, total: int) -> None:
            if progress is not None:
                progress("validating", done, total)

        validation = validate_holdout(calibrated, log, mapping, fit_until=fit_until,
                                      replications=replications, seed=seed, progress=step,
                                      should_stop=should_stop, jobs=jobs, markers=markers)
    # the whole export's figures travel with the calibrated process (observed beside simulated)
    whole = forget_breaches(measure(calibrated, markers, log.start, log.end),
                            unseen_slas(calibrated, markers))
    calibrated.observed = observed_from(
        whole, source=describe_export(log), start=log.start, end=log.end,
        verdict=validation.verdict if validation is not None else None)
    return CalibrationRun(process, log, mapping, calibration, validation, fit_until)


def describe_export(log: EventLog) -> str:
    """"Salesforce export, 12,400 leads" for captions."""
    names = {"salesforce": "Salesforce", "hubspot": "HubSpot", "events": "Event log",
             "olist": "Olist"}
    return f"{names.get(log.format, log.format)} export, {len(log.cases):,} leads"


def arrivals_by_hour(log: EventLog) -> list[list[float]]:
    """Leads created per weekday (Monday first) and hour of the day, local time."""
    created = log.cases["created"].dropna()
    grid = np.zeros((7, 24))
    np.add.at(grid, (created.dt.day_of_week.to_numpy(), created.dt.hour.to_numpy()), 1.0)
    return grid.tolist()


def write_outputs(run: CalibrationRun, out: str | os.PathLike[str], *,
                  json_path: str | os.PathLike[str] | None = None,
                  report_path: str | os.PathLike[str] | None = None) -> None:
    """The calibrated process, FIT.json and the report; each written atomically."""
    save_process(run.calibrated, Path(out))
    if json_path is not None:
        atomic_write_text(Path(json_path), json.dumps(run.fit_json(), indent=2,
                                                      ensure_ascii=False, default=str) + "\n")
    if report_path is not None:
        write_calibration_report(run.process.name, run.fit_json(), run.validation,
                                 report_path, arrivals=arrivals_by_hour(run.log),
                                 reasons=run.calibration.reasons)


def _figure(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dict):
        return ", ".join(f"{k} {_figure(v)}" for k, v in value.items())
    return str(value)


def summary_text(run: CalibrationRun) -> str:
    """What the command line prints: the data, the changes, what stayed, the verdict."""
    log = run.log
    lines = [f"{describe_export(log)}, {log.start:%Y-%m-%d} to {log.end:%Y-%m-%d}; "
             f"fitted on data up to {run.fit_until:%Y-%m-%d}"]
    lines += [f"  {note}" for note in log.notes + run.calibration.notes]
    changes = run.calibration.changes
    lines.append(f"{len(changes)} change(s):" if changes else "No value changed.")
    width = max((len(c.path) for c in changes), default=0)
    for c in changes:
        ci = (f", 95 % {_figure(c.ci95[0])}–{_figure(c.ci95[1])}" if c.ci95 is not None
              else "")
        lines.append(f"  {c.path:<{width}}  {_figure(c.old)} → {_figure(c.new)}  "
                     f"(n = {c.n:,}{ci})")
    if run.calibration.not_calibrated:
        lines.append(f"{len(run.calibration.not_calibrated)} parameter(s) not covered by the "
                     "data, left as they were:")
        for path in run.calibration.not_calibrated:
            reason = run.calibration.reasons.get(path, "")
            lines.append(f"  {path}" + (f": {reason}" if reason else ""))
    v = run.validation
    if v is not None:
        passed = sum(c.ok for c in v.checks)
        lines.append(f"Validation on {v.fit_until:%Y-%m-%d} to {v.end:%Y-%m-%d} "
                     f"({v.replications} replications): {passed}/{len(v.checks)} checks ok, "
                     f"verdict {v.verdict.upper()}")
        lines.append(f"  {v.verdict_words()}")
        lines += [f"  not checked: {what}: {why}" for what, why in v.not_checked.items()]
    return "\n".join(lines)


__all__ = [
    "CalibrationRun",
    "CrmDataError",
    "CrmMap",
    "EventLog",
    "arrivals_by_hour",
    "check_timezone",
    "complete_mapping",
    "describe_export",
    "load_export",
    "load_mapping",
    "run_calibration",
    "save_mapping",
    "summary_text",
    "unmapped",
    "write_outputs",
]
