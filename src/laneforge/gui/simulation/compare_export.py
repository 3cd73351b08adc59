"""The comparison table as text: CSV with the raw numbers, tab-separated as shown (to paste)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from ...app.compare import VERDICT_WORDS, Row, format_delta, format_figure, run_name
from ...app.core import Results

#: the unit a CSV column holds for each kind of metric
UNITS = {"count": "count", "hours": "hours", "percent": "share (0-1)", "money": "money",
         "number": "number"}
__all__ = ["UNITS", "VERDICT_WORDS", "cell_text", "csv_text", "run_names", "shown_text"]


def run_names(runs: Sequence[Results]) -> list[str]:
    """Column titles: the scenario names, "Baseline" for the run without one."""
    return [run_name(run) for run in runs]


def cell_text(row: Row, column: int) -> tuple[str, str]:
    """(value, delta) as shown in a cell; the first column has no delta."""
    stat = row.values[column]
    value = format_figure(stat.mean if stat is not None else None, row.metric.kind, row.currency)
    delta = "" if column == 0 else format_delta(row.deltas[column], row.metric.kind,
                                                 row.currency)
    return value, delta


def _number(value: float | None) -> str:
    return "" if value is None else repr(round(value, 10))


def csv_text(runs: Sequence[Results], rows: Sequence[Row]) -> str:
    """Every KPI with, per run, its mean and 95 % interval, and the difference to the first."""
    names = run_names(runs)
    header = ["KPI", "unit"]
    for i, name in enumerate(names):
        header += [name, f"{name} 95% low", f"{name} 95% high"]
        if i:
            header += [f"{name} difference", f"{name} verdict"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        line = [row.metric.label, UNITS[row.metric.kind]]
        for i, stat in enumerate(row.values):
            if stat is None:
                line += ["", "", ""]
            else:
                line += [_number(stat.mean), _number(stat.ci95[0]), _number(stat.ci95[1])]
            if i:
                line += [_number(row.deltas[i]), VERDICT_WORDS[row.verdict(i)]]
        writer.writerow(line)
    return buffer.getvalue()


def shown_text(runs: Sequence[Results], rows: Sequence[Row]) -> str:
    """The table as shown, tab-separated, for pasting into a spreadsheet or a message."""
    lines = ["\t".join(["KPI", *run_names(runs)])]
    for row in rows:
        cells = [row.metric.label]
        for i in range(len(runs)):
            value, delta = cell_text(row, i)
            cells.append(f"{value} ({delta})" if delta else value)
        lines.append("\t".join(cells))
    return "\n".join(lines) + "\n"
