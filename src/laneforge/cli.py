"""The ``laneforge`` command: open the app, or validate, summarise, simulate, compare, export.

Bad input of any kind exits 2 with one line on stderr naming the file and the field; no
command ever prints a traceback for a user's mistake.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from . import __version__
from .bundled import template_path
from .io import ProcessFileError, load_process
from .model import Process, validate

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


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


COMMANDS: dict[str, tuple[str, Callable[[argparse.Namespace], int]]] = {
    "validate": ("check a process file and list its problems", cmd_validate),
    "info": ("print a readable summary of a process", cmd_info),
}


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
    return parser


def _open_app(argv: Sequence[str]) -> int:
    parser = _Parser(prog="laneforge", description="Open the laneforge desktop app.")
    parser.add_argument("--version", action="version", version=f"laneforge {__version__}")
    parser.add_argument("file", metavar="FILE", nargs="?",
                        help="a .lane.json process (default: the lead-lifecycle template)")
    args = parser.parse_args(list(argv))
    if args.file is not None and not Path(args.file).exists():
        raise UsageError(f"{args.file}: no such file")
    return cmd_info(argparse.Namespace(file=args.file))


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    try:
        if arguments and (arguments[0] in COMMANDS or arguments[0] in ("-h", "--help")):
            args = _build_parser().parse_args(arguments)
            return COMMANDS[args.command][1](args)
        return _open_app(arguments)
    except UsageError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("laneforge: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
