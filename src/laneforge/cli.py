"""The ``laneforge`` command: open the app, or validate, summarise, simulate, compare, export.

Bad input of any kind exits 2 with one line on stderr naming the file and the field; no
command ever prints a traceback for a user's mistake.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from . import __version__
from .app.core import ProcessFileError, load_process
from .bundled import template_path
from .model import Process, validate

if TYPE_CHECKING:
    from .app.core import Results

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
#: seconds to wait for a dask scheduler before giving up
SCHEDULER_TIMEOUT = 10


class UsageError(Exception):
    """Bad options or bad input: reported as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


def _load(path: str) -> Process:
    try:
        return load_process(path)
    except ProcessFileError as exc:
        raise UsageError(str(exc)) from None


# --- commands --------------------------------------------------------------------------------


def cmd_validate(args: argparse.Namespace) -> int:
    process = _load(args.file)
    problems = validate(process)
    for problem in problems:
        print(f"{args.file}: {problem}")
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    if not problems:
        print(f"{args.file}: valid, no problems")
    else:
        print(f"{args.file}: {errors} error(s), {warnings} warning(s)")
    return EXIT_PROBLEMS if errors else EXIT_OK


def cmd_info(args: argparse.Namespace) -> int:
    from .app.summary import summarize

    path = args.file or str(template_path())
    process = _load(path)
    print(summarize(process, validate(process), title=f"{process.name}  ({path})"))
    return EXIT_OK


class _ProgressBar:
    """A one-line progress bar on stderr, shown only when stderr is a terminal."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.enabled = sys.stderr.isatty()
        self.started = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        width = 28
        filled = round(width * done / total)
        elapsed = time.monotonic() - self.started
        left = elapsed / done * (total - done) if done else 0.0
        bar = "█" * filled + "░" * (width - filled)
        sys.stderr.write(f"\r{self.label} {bar} {done}/{total} replications, {left:.0f} s left ")
        sys.stderr.flush()
        if done == total:
            sys.stderr.write("\r" + " " * (len(self.label) + width + 40) + "\r")
            sys.stderr.flush()


def _simulate(process: Process, args: argparse.Namespace, scenario: str | None,
              label: str) -> Results:
    return _simulate_scenarios(process, args, [scenario], label)[0]


def _simulate_scenarios(process: Process, args: argparse.Namespace,
                        scenarios: Sequence[str | None], label: str) -> list[Results]:
    """Run ``scenarios`` (None: the baseline) in one pool, one progress bar for them all."""
    from .app.core import InvalidProcessError
    from .app.session import run_many
    from .model import ScenarioError
    from .model.errors import as_laneforge_error
    from .model.limits import check_run

    try:
        for scenario in dict.fromkeys(scenarios):
            check_run(process, scenario=scenario, horizon=args.horizon, warmup=args.warmup,
                      replications=args.replications, style="cli")
        return run_many(
            process, scenarios, replications=args.replications, seed=args.seed,
            horizon=args.horizon, warmup=args.warmup, jobs=args.jobs,
            executor=_executor(args), progress=_ProgressBar(label),
        )
    except InvalidProcessError as exc:
        raise UsageError(f"{args.file}: {exc}; run 'laneforge validate {args.file}'") from None
    except ScenarioError as exc:
        raise UsageError(f"{args.file}: {exc}") from None
    except Exception as exc:  # a laneforge error, or what a library raised inside the run
        mapped = as_laneforge_error(exc, process)
        if mapped is None:
            raise
        raise UsageError(f"{args.file}: {mapped}") from None


def _runs_for(process: Process, args: argparse.Namespace, *,
              every_scenario: bool) -> list[str | None]:
    from .app.session import runs_for
    from .model import ScenarioError

    try:
        return runs_for(process, args.scenario, every_scenario=every_scenario)
    except ScenarioError as exc:
        raise UsageError(f"{args.file}: {exc}") from None


def _executor(args: argparse.Namespace):
    if not getattr(args, "scheduler", None):
        return None
    try:
        from dask.distributed import Client
    except ImportError:
        if getattr(sys, "frozen", False):
            hint = "the desktop application does not include it; install laneforge with pip"
        else:
            hint = "pip install 'laneforge[distributed]'"
        raise UsageError(f"laneforge: --scheduler needs dask.distributed: {hint}") from None
    try:
        return Client(args.scheduler, timeout=SCHEDULER_TIMEOUT)
    except OSError as exc:
        raise UsageError(f"laneforge: cannot reach the scheduler {args.scheduler}: {exc}") from None


def cmd_simulate(args: argparse.Namespace) -> int:
    from .app.core import atomic_write_text
    from .app.textreport import format_results

    process = _load(args.file)
    results = _simulate(process, args, args.scenario, "Simulating")
    if args.json:
        try:
            atomic_write_text(args.json, results.to_json())
        except OSError as exc:
            raise UsageError(f"{args.json}: cannot write: {exc.strerror or exc}") from None
    print(format_results(results))
    return EXIT_OK


def cmd_compare(args: argparse.Namespace) -> int:
    from .app.textreport import format_comparison

    process = _load(args.file)
    scenarios = _runs_for(process, args, every_scenario=True)
    runs = _simulate_scenarios(process, args, scenarios, f"Comparing {len(scenarios)} runs")
    print(format_comparison(runs))
    return EXIT_OK


def cmd_capacity(args: argparse.Namespace) -> int:
    from .app.core import InvalidProcessError, estimate_capacity, reverse_funnel
    from .app.textreport import format_capacity
    from .model import ScenarioError, apply_scenario

    process = _load(args.file)
    try:
        if args.scenario:
            process = apply_scenario(process, args.scenario)
        estimate = estimate_capacity(process)
        funnel = None
        if args.won_per_month is not None:
            funnel = reverse_funnel(process, args.won_per_month,
                                    target_utilization=args.target / 100.0, estimate=estimate)
    except InvalidProcessError as exc:
        raise UsageError(f"{args.file}: {exc}; run 'laneforge validate {args.file}'") from None
    except (ScenarioError, ValueError) as exc:
        raise UsageError(f"{args.file}: {exc}") from None
    print(format_capacity(estimate, funnel))
    return EXIT_OK


def _load_results(path: str):
    from pydantic import ValidationError

    from .app.core import Results

    try:
        return Results.model_validate_json(Path(path).read_bytes())
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except (ValidationError, ValueError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else "not a results file"
        raise UsageError(f"{path}: not a laneforge results file ({first})") from None


def cmd_export(args: argparse.Namespace) -> int:
    process = _load(args.file)
    output = Path(args.output)
    suffix = output.suffix.lower()
    results = _load_results(args.with_results) if args.with_results else None
    if results is not None and results.process != process.name:
        raise UsageError(f"{args.with_results}: these are results of “{results.process}”, "
                         f"not of “{process.name}”")
    if not output.parent.exists():
        raise UsageError(f"{output}: the folder {output.parent} does not exist")
    try:
        if suffix in (".svg", ".png", ".pdf"):
            from .render.export import export_diagram
            from .render.paper import PageSetup
            from .render.theme import THEMES

            export_diagram(process, output, scale=args.scale, dpi=args.dpi,
                           transparent=args.transparent, theme=THEMES[args.theme],
                           results=results, page=PageSetup(args.page, args.orientation))
        elif suffix == ".pptx":
            from .render.pptx_export import PptxExportError, export_pptx

            try:
                export_pptx(process, output, results=results, title=args.title)
            except PptxExportError as exc:
                raise UsageError(f"laneforge: {exc}") from None
        elif suffix == ".bpmn" or output.name.endswith(".bpmn.xml"):
            from .app.core import save_bpmn

            save_bpmn(process, output)
        elif suffix in (".html", ".htm"):
            if results is None:
                raise UsageError("laneforge: an HTML export is a report; give --with-results "
                                 "RESULTS.json or use 'laneforge report'")
            from .app.report import write_report

            write_report(process, [results], output)
        else:
            raise UsageError(f"{output}: cannot export as '{suffix or output.name}'; use .svg, "
                             ".png, .pdf, .pptx, .bpmn or .html")
    except OSError as exc:
        raise UsageError(f"{output}: cannot write: {exc.strerror or exc}") from None
    print(f"wrote {output}")
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from .app.session import import_bpmn_process, save

    try:
        process, report = import_bpmn_process(args.file)
    except ProcessFileError as exc:
        raise UsageError(str(exc)) from None
    output = Path(args.output)
    if output.exists() and not args.force:
        raise UsageError(f"{output}: already exists; use --force to replace it")
    try:
        save(process, output)
    except ProcessFileError as exc:
        raise UsageError(str(exc)) from None
    print(f"wrote {output}: {len(process.lanes)} lanes, {len(process.nodes)} nodes, "
          f"{len(process.edges)} connections")
    for line in report.lines():
        print(line, file=sys.stderr)
    problems = validate(process)
    for problem in problems:
        print(f"{output}: {problem}")
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from .app.report import write_report

    process = _load(args.file)
    if args.results:
        runs = [_load_results(path) for path in args.results]
    else:
        scenarios = _runs_for(process, args, every_scenario=False)
        label = f"Simulating {len(scenarios)} runs" if len(scenarios) > 1 else "Simulating"
        runs = _simulate_scenarios(process, args, scenarios, label)
    try:
        write_report(process, runs, args.output, csv_folder=args.csv)
    except ValueError as exc:
        raise UsageError(f"laneforge: {exc}") from None
    except OSError as exc:
        raise UsageError(f"{args.output}: cannot write: {exc.strerror or exc}") from None
    print(f"wrote {args.output}")
    return EXIT_OK


class _StepBar:
    """Progress of a calibration's steps on stderr (reading files, fitting, validating),
    shown only when stderr is a terminal."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()
        self.width = 0

    def __call__(self, what: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        share = done / total if total else 1.0
        if what == "validating":
            text = f"Validating on the holdout: {done}/{total} replications"
        elif what == "fitting":
            text = "Fitting the process to the export…"
        else:
            text = f"Reading {what}: {100 * share:.0f} %"
        line = f"\r{text:<{max(self.width, len(text))}}"
        self.width = len(text)
        sys.stderr.write(line)
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled and self.width:
            sys.stderr.write("\r" + " " * self.width + "\r")
            sys.stderr.flush()


def _same_file(a: str, b: str) -> bool:
    try:
        return Path(a).resolve() == Path(b).resolve()
    except OSError:
        return False


def cmd_calibrate(args: argparse.Namespace) -> int:
    from .app import crm_calibration as cal
    from .app.crm_calibration import CrmDataError

    process = _load(args.file)
    if args.output is None and args.write_map is None:
        raise UsageError("laneforge calibrate: give -o OUT.lane.json for the calibrated process "
                         "(or only --write-map MAP.json to get a mapping to edit)")
    for option, path in (("-o", args.output), ("--json", args.json),
                         ("--report", args.report), ("--write-map", args.write_map)):
        if path is not None and _same_file(path, args.file):
            raise UsageError(f"{path}: {option} would overwrite the input process; "
                             "write to a new file")
    if args.report is not None and Path(args.report).suffix.lower() not in (".html", ".htm",
                                                                            ".pdf"):
        raise UsageError(f"{args.report}: --report writes .html or .pdf")
    bar = _StepBar()
    try:
        log, given = cal.load_export(args.data, format=args.format, map_path=args.map,
                                     since=args.since, until=args.until, progress=bar)
        mapping = cal.complete_mapping(log, process, given)
        if args.write_map is not None:
            cal.save_mapping(mapping, args.write_map)
            bar.close()
            print(f"wrote {args.write_map}: a suggested mapping for {cal.describe_export(log)}; "
                  "check it, then run with --map")
            if args.output is None:
                return EXIT_OK
        missing = cal.unmapped(log, process, mapping)
        if missing:
            where = args.map or "MAP.json"
            raise UsageError(f"{where}: map these before fitting: {'; '.join(missing)} "
                             "(--write-map MAP.json writes a suggestion to edit)")
        run = cal.run_calibration(process, log, mapping, holdout=args.holdout,
                                  replications=args.replications, seed=args.seed,
                                  progress=bar, jobs=args.jobs)
        bar.close()
        cal.write_outputs(run, args.output, json_path=args.json, report_path=args.report)
    except CrmDataError as exc:
        bar.close()
        raise UsageError(str(exc)) from None
    except ValueError as exc:
        bar.close()
        raise UsageError(f"laneforge calibrate: {exc}") from None
    except OSError as exc:
        bar.close()
        raise UsageError(f"{exc.filename or args.output}: cannot write: "
                         f"{exc.strerror or exc}") from None
    print(cal.summary_text(run))
    written = [p for p in (args.output, args.json, args.report) if p]
    print("wrote " + ", ".join(written))
    return EXIT_OK


def cmd_staff(args: argparse.Namespace) -> int:
    from .app.core import InvalidProcessError
    from .app.staffing import (
        StaffingError,
        TopUp,
        check_and_top_up,
        format_plan,
        round_text,
        staffing_plan,
        write_plan_json,
        write_process_with_roster,
    )

    process = _load(args.file)
    if args.json is not None and _same_file(args.json, args.file):
        raise UsageError(f"{args.json}: --json would overwrite the input process; "
                         "write to a new file")
    if not args.check:
        given = [name for name, value in (("--replications", args.replications),
                                          ("--seed", args.seed)) if value is not None]
        if given:
            raise UsageError(f"laneforge staff: {given[0]} goes with --check (the simulation "
                             "check of the roster)")
    try:
        plan = staffing_plan(process, args.lane, target=args.target,
                             service_level=args.service_level, answer=args.answer,
                             shifts=args.shifts, part_time_weight=args.part_time_cost,
                             days=args.days, hours=args.hours)
        top_up: TopUp | None = None
        if args.check:
            def simulate_fn(trial: Process, *, replications: int | None,
                            seed: int | None) -> Results:
                run = argparse.Namespace(**{**vars(args), "replications": replications,
                                            "seed": seed})
                return _simulate(trial, run, None, "Simulating the roster")

            def on_round(_index: int, round_: Any) -> None:
                print(round_text(plan, round_), flush=True)

            top_up = check_and_top_up(process, plan, simulate_fn,
                                      replications=args.replications, seed=args.seed,
                                      on_round=on_round)
    except InvalidProcessError as exc:
        raise UsageError(f"{args.file}: {exc}; run 'laneforge validate {args.file}'") from None
    except StaffingError as exc:
        raise UsageError(f"{args.file}: {exc}") from None
    final = top_up.plan if top_up is not None else plan
    written = []
    try:
        if args.write is not None:
            write_process_with_roster(process, final, args.write)
            written.append(args.write)
        if args.json is not None:
            write_plan_json(top_up if top_up is not None else plan, args.json)
            written.append(args.json)
    except OSError as exc:
        raise UsageError(f"{exc.filename or args.write or args.json}: cannot write: "
                         f"{exc.strerror or exc}") from None
    print(format_plan(final, top_up))
    if written:
        print("wrote " + ", ".join(written))
    return EXIT_OK


def cmd_forecast(args: argparse.Namespace) -> int:
    from .app import crm_calibration as cal
    from .app.forecast import ForecastError, forecast, summary_text
    from .app.forecast_backtest import backtest

    process = _load(args.file)
    for option, path in (("--json", args.json), ("--report", args.report)):
        if path is not None and _same_file(path, args.file):
            raise UsageError(f"{path}: {option} would overwrite the input process; "
                             "write to a new file")
    try:
        log, given = cal.load_export(args.data, map_path=args.map)
        mapping = cal.complete_mapping(log, process, given)
        result = forecast(process, log, mapping, as_of=args.as_of, until=args.until,
                          target=args.target, scenarios=args.scenario or (),
                          replications=args.replications, seed=args.seed, jobs=args.jobs,
                          name=args.file)
        if args.backtest is not None:
            result.backtest, result.backtest_rows = backtest(
                process, log, mapping, kind=args.backtest,
                replications=max(20, args.replications // 4), seed=result.seed,
                jobs=args.jobs)
        if args.json is not None:
            from .app.forecast_report import write_forecast_results

            write_forecast_results(result, args.json)
        if args.report is not None and Path(args.report).suffix.lower() == ".pptx":
            from .app.forecast_slides import write_forecast_pptx

            write_forecast_pptx(result, args.report,
                                labels={node.id: node.label for node in process.nodes})
        elif args.report is not None:
            from .app.forecast_report import write_forecast_report

            write_forecast_report(result, args.report)
    except (cal.CrmDataError, ForecastError) as exc:
        raise UsageError(str(exc)) from None
    except ValueError as exc:
        raise UsageError(f"laneforge forecast: {exc}") from None
    except OSError as exc:
        raise UsageError(f"{exc.filename or args.json}: cannot write: "
                         f"{exc.strerror or exc}") from None
    print(summary_text(result))
    written = [p for p in (args.json, args.report) if p]
    if written:
        print("wrote " + ", ".join(written))
    return EXIT_OK


COMMANDS: dict[str, tuple[str, Callable[[argparse.Namespace], int]]] = {
    "validate": ("check a process file and list its problems", cmd_validate),
    "info": ("print a readable summary of a process", cmd_info),
    "simulate": ("simulate lead flow and print the results", cmd_simulate),
    "compare": ("simulate scenarios side by side", cmd_compare),
    "capacity": ("load per lane without simulating, and staff for a target", cmd_capacity),
    "export": ("the diagram as SVG, PNG, PDF, PowerPoint or BPMN, headless", cmd_export),
    "import": ("a BPMN 2.0 file into a process", cmd_import),
    "report": ("an HTML or PDF report of a run or a scenario comparison", cmd_report),
    "calibrate": ("fit a process to a CRM export and validate it on held-out data",
                  cmd_calibrate),
    "staff": ("the cheapest weekly roster of a lane that meets a service target", cmd_staff),
    "forecast": ("won deals from today's pipeline, with what-ifs and a backtest",
                 cmd_forecast),
}


def _whole_number(text: str, least: int, words: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < least:
        raise argparse.ArgumentTypeError(f"must be {words}, got {value}")
    return value


def _positive_int(text: str) -> int:
    return _whole_number(text, 1, "at least 1")


def _non_negative_int(text: str) -> int:
    return _whole_number(text, 0, "0 or more")


def _duration(text: str) -> str:
    from .model import Duration

    try:
        Duration.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def _run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE")
    parser.add_argument("--replications", "-r", type=_positive_int, metavar="N")
    parser.add_argument("--seed", type=_non_negative_int, metavar="S")
    parser.add_argument("--horizon", type=_duration, metavar="DURATION", help="e.g. 90d")
    parser.add_argument("--warmup", type=_duration, metavar="DURATION", help="e.g. 14d")
    parser.add_argument("--jobs", "-j", type=_positive_int, default=os.cpu_count() or 1,
                        metavar="N", help="replications in parallel processes "
                        "(default: the cores of this machine)")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="a dask.distributed scheduler to run replications on")


def _build_parser() -> _Parser:
    parser = _Parser(
        prog="laneforge",
        description="Map lead processes as swim lanes and simulate lead flow through them.",
    )
    parser.add_argument("--version", action="version", version=f"laneforge {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    validate_parser = sub.add_parser("validate", help=COMMANDS["validate"][0])
    validate_parser.add_argument("file", metavar="FILE")
    info = sub.add_parser("info", help=COMMANDS["info"][0])
    info.add_argument("file", metavar="FILE", nargs="?")
    simulate = sub.add_parser("simulate", help=COMMANDS["simulate"][0])
    _run_options(simulate)
    simulate.add_argument("--scenario", metavar="NAME")
    simulate.add_argument("--json", metavar="OUT", help="write the results as JSON")
    compare = sub.add_parser("compare", help=COMMANDS["compare"][0])
    _run_options(compare)
    compare.add_argument("--scenario", metavar="NAME", action="append",
                         help="repeat for each run; 'baseline' is the process unchanged")
    capacity = sub.add_parser("capacity", help=COMMANDS["capacity"][0])
    capacity.add_argument("file", metavar="FILE")
    capacity.add_argument("--scenario", metavar="NAME")
    capacity.add_argument("--won-per-month", type=_positive_float, metavar="N",
                          help="target of won deals a month: leads and staff needed")
    capacity.add_argument("--target", type=_percent, default=85.0, metavar="PERCENT",
                          help="load to plan staff for (default 85)")
    export = sub.add_parser("export", help=COMMANDS["export"][0])
    export.add_argument("file", metavar="FILE")
    export.add_argument("-o", "--output", required=True, metavar="OUT",
                        help="OUT.svg, .png, .pdf, .pptx or .bpmn")
    export.add_argument("--with-results", metavar="RESULTS.json",
                        help="tint the diagram with results from 'simulate --json'")
    export.add_argument("--scale", type=_positive_float, default=2.0,
                        help="PNG scale (default 2: twice the canvas size)")
    export.add_argument("--dpi", type=_positive_float, help="PNG resolution instead of --scale")
    export.add_argument("--transparent", action="store_true", help="PNG without background")
    export.add_argument("--theme", choices=["light", "dark"], default="light")
    export.add_argument("--title", help="the slide title of a PowerPoint export")
    export.add_argument("--page", type=_page_size, default="A4", metavar="SIZE",
                        help="PDF paper: A4 (default), A3, Letter, Legal, Tabloid or 11x17")
    export.add_argument("--orientation", type=_orientation, default="landscape",
                        metavar="landscape|portrait|auto",
                        help="PDF orientation (default landscape; auto: the larger drawing)")
    import_parser = sub.add_parser("import", help=COMMANDS["import"][0])
    import_parser.add_argument("file", metavar="IN.bpmn")
    import_parser.add_argument("-o", "--output", required=True, metavar="OUT.lane.json")
    import_parser.add_argument("--force", action="store_true", help="replace OUT if it exists")
    report = sub.add_parser("report", help=COMMANDS["report"][0])
    _run_options(report)
    report.add_argument("-o", "--output", required=True, metavar="OUT", help="OUT.html or .pdf")
    report.add_argument("--scenario", metavar="NAME", action="append",
                        help="repeat to compare scenarios against the baseline")
    report.add_argument("--results", metavar="RESULTS.json", action="append",
                        help="report saved results instead of simulating (repeat to compare)")
    report.add_argument("--csv", metavar="FOLDER", help="also write every table as CSV")
    _calibrate_options(sub.add_parser("calibrate", help=COMMANDS["calibrate"][0]))
    _staff_options(sub.add_parser("staff", help=COMMANDS["staff"][0]))
    _forecast_options(sub.add_parser("forecast", help=COMMANDS["forecast"][0]))
    return parser


def _staff_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="PROCESS.lane.json")
    parser.add_argument("--lane", required=True, metavar="LANE", help="the lane's id")
    parser.add_argument("--target", metavar="SLA_ID>=SHARE",
                        help="an SLA of the process and the share to meet, e.g. "
                        "'mql_followup>=0.9' (quoted) or mql_followup=0.9 (default: the "
                        "lane's SLA and its target)")
    parser.add_argument("--service-level", type=_share, metavar="SHARE",
                        help="instead of --target: the share answered within --answer")
    parser.add_argument("--answer", type=_duration, metavar="DURATION",
                        help="with --service-level: the answer time, e.g. 4h or 20m")
    parser.add_argument("--shifts", default="8h,4h", metavar="LENGTHS",
                        help="shift lengths starting on the hour (default 8h,4h; the shorter "
                        "are part-time)")
    parser.add_argument("--part-time-cost", type=_positive_float, default=1.0, metavar="X",
                        help="cost of a part-time hour as a multiple of a full-time hour")
    parser.add_argument("--days", metavar="DAYS",
                        help="days shifts may run, e.g. mon-fri (default: the lane calendar's)")
    parser.add_argument("--hours", metavar="HH:MM-HH:MM",
                        help="window shifts lie in, e.g. 08:00-18:00 (default: the lane "
                        "calendar's hours)")
    parser.add_argument("--write", metavar="OUT.lane.json",
                        help="save a copy of the process with the roster on the lane")
    parser.add_argument("--json", metavar="OUT", help="write the plan as JSON")
    parser.add_argument("--check", action="store_true",
                        help="simulate the process with the roster and add people while the "
                        "SLA falls short (needs --target or the lane's SLA)")
    parser.add_argument("--replications", "-r", type=_positive_int, metavar="N",
                        help="with --check: replications per simulation (default: the "
                        "process's)")
    parser.add_argument("--seed", type=_non_negative_int, metavar="S",
                        help="with --check: the simulations' seed (default: the process's)")
    parser.add_argument("--jobs", "-j", type=_positive_int, default=os.cpu_count() or 1,
                        metavar="N", help="with --check: replications in parallel processes")
    parser.set_defaults(horizon=None, warmup=None, scheduler=None)


def _calibrate_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="PROCESS.lane.json")
    parser.add_argument("data", metavar="DATA", nargs="+", help="export files or folders")
    parser.add_argument("-o", "--output", metavar="OUT.lane.json",
                        help="the calibrated process (the input is never changed)")
    parser.add_argument("--map", metavar="MAP.json", help="how the CRM's words name the process")
    parser.add_argument("--write-map", metavar="MAP.json",
                        help="write the mapping suggested by name similarity (alone: only that)")
    parser.add_argument("--format", default="auto",
                        choices=["auto", "salesforce", "hubspot", "events", "olist"])
    parser.add_argument("--since", type=_date, metavar="DATE",
                        help="only leads created on or after DATE")
    parser.add_argument("--until", type=_date, metavar="DATE",
                        help="only leads created before DATE")
    parser.add_argument("--holdout", type=_share, default=0.2, metavar="SHARE",
                        help="the last share of the export kept for validation (default 0.2)")
    parser.add_argument("--replications", "-r", type=_non_negative_int, default=10,
                        metavar="N", help="replications of the validation (0: do not validate)")
    parser.add_argument("--seed", type=_non_negative_int, metavar="S")
    parser.add_argument("--jobs", "-j", type=_positive_int, default=os.cpu_count() or 1,
                        metavar="N", help="the validation's replications in parallel "
                        "processes (default: the cores of this machine)")
    parser.add_argument("--json", metavar="FIT.json", help="write what was fitted as JSON")
    parser.add_argument("--report", metavar="REPORT", help="REPORT.html or .pdf")


def _forecast_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="PROCESS.lane.json", help="a calibrated process")
    parser.add_argument("data", metavar="DATA", nargs="+", help="export files or folders")
    parser.add_argument("--map", metavar="MAP.json", help="how the CRM's words name the process")
    parser.add_argument("--as-of", type=_date, metavar="DATE",
                        help="the snapshot's date (default: the export's end)")
    parser.add_argument("--until", type=_date, metavar="DATE",
                        help="forecast up to DATE (default: the end of the quarter)")
    parser.add_argument("--target", type=_non_negative_float, metavar="N",
                        help="won deals to reach: the chance of reaching it")
    parser.add_argument("--scenario", action="append", metavar="NAME",
                        help="a what-if of the process (repeatable)")
    parser.add_argument("--replications", "-r", type=_positive_int, default=200, metavar="N")
    parser.add_argument("--seed", type=_non_negative_int, metavar="S")
    parser.add_argument("--jobs", "-j", type=_positive_int, default=os.cpu_count() or 1,
                        metavar="N")
    parser.add_argument("--json", metavar="OUT.json", help="write the forecast as JSON")
    parser.add_argument("--report", metavar="R.html|R.pptx",
                        help="an HTML report, or PowerPoint slides for a .pptx name")
    parser.add_argument("--backtest", nargs="?", const="month", choices=["month", "quarter"],
                        help="replay the forecast at each past month (or quarter)")


def _non_negative_float(text: str) -> float:
    import math

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"must be a number of 0 or more, got {text}")
    return value


def _date(text: str) -> str:
    import datetime as dt

    try:
        dt.date.fromisoformat(text[:10])
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date like 2026-03-31, got {text!r}") from None
    return text


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a share like 0.2, got {text!r}") from None
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"must lie between 0 and 1, got {text}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be above 0, got {text}")
    return value


def _page_size(text: str) -> str:
    from .render.paper import PageError, page_name

    try:
        return page_name(text)
    except PageError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _orientation(text: str) -> str:
    from .render.paper import PageError, orientation_name

    try:
        return orientation_name(text)
    except PageError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _percent(text: str) -> float:
    value = _positive_float(text)
    if value > 100:
        raise argparse.ArgumentTypeError(f"must be at most 100, got {text}")
    return value


def _open_app(argv: Sequence[str]) -> int:
    parser = _Parser(prog="laneforge", description="Open the laneforge desktop app.")
    parser.add_argument("--version", action="version", version=f"laneforge {__version__}")
    parser.add_argument("file", metavar="FILE", nargs="?",
                        help="a .lane.json process (default: the lead-lifecycle template)")
    args = parser.parse_args(list(argv))
    if args.file is not None and not Path(args.file).exists():
        raise UsageError(f"{args.file}: no such file")
    from .gui.app import run

    return run(args.file)


def _safe_streams() -> None:
    """Make stdout and stderr unbreakable by a name: what cannot be encoded is replaced."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):  # a closed or detached stream
                reconfigure(errors="replace")


def main(argv: Sequence[str] | None = None) -> int:
    try:  # Ctrl+C while the model still loads is the same one line as later
        from .model.errors import LaneforgeError
    except KeyboardInterrupt:
        print("laneforge: interrupted", file=sys.stderr)
        return 130

    arguments = list(sys.argv[1:] if argv is None else argv)
    _safe_streams()
    try:
        if arguments and (arguments[0] in COMMANDS or arguments[0] in ("-h", "--help")):
            args = _build_parser().parse_args(arguments)
            return COMMANDS[args.command][1](args)
        return _open_app(arguments)
    except UsageError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    except LaneforgeError as exc:
        print(f"laneforge: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("laneforge: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
