"""The ``briefings`` command: each verb loads the repository and calls one function."""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import sys
from pathlib import Path

from . import __version__
from .checks import Result, check_repository
from .repo import load_repository
from .report import FORMATS, exit_code, render, step_summary

EXIT_USAGE = 2


class CannotRun(Exception):
    """The command could not do its work (exit code 2); the message says why."""


def run_check(root: Path) -> Result:
    """Load and check the repository at ``root``."""
    if not root.is_dir():
        raise CannotRun(f"{root} is not a folder")
    if not (root / "briefings").is_dir() and not (root / "sources").is_dir():
        raise CannotRun(f"{root} is not a briefing repository: it has no briefings/ or sources/ folder")
    with paused_gc():
        return check_repository(load_repository(root))


@contextlib.contextmanager
def paused_gc():
    """Pause the cyclic garbage collector while records are loaded.

    Loading creates hundreds of thousands of small objects and no reference cycles worth
    collecting; the collector's repeated scans of them cost about a third of a check.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _emit(result: Result, fmt: str, root: Path, stream=None) -> None:
    stream = stream or sys.stdout
    stream.write(render(result, fmt, root))
    summary_path = os.environ.get("GITHUB_STEP_SUMMARY")
    if fmt == "github" and summary_path:
        try:
            with open(summary_path, "a", encoding="utf-8") as handle:
                handle.write(step_summary(result))
        except OSError as exc:
            print(f"briefings: cannot write the step summary to {summary_path}: {exc}", file=sys.stderr)


def cmd_check(args: argparse.Namespace) -> int:
    root = Path(args.path)
    result = run_check(root)
    _emit(result, args.format, root)
    return exit_code(result, args.strict)


def cmd_explain(args: argparse.Namespace) -> int:
    from . import reference

    known = {c.id: c for c in reference.codes()}
    if args.code is None:
        for c in known.values():
            print(f"{c.id}  {c.severity.value:<7}  {c.name:<26} {c.title}")
        return 0
    wanted = args.code.upper()
    if wanted not in known:
        raise CannotRun(f"unknown code {args.code!r}; 'briefings explain' lists them all")
    print(reference.explain(known[wanted]), end="")
    return 0


def _default_format() -> str:
    return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="briefings",
        description="Check intelligence briefings against their archived sources and build the site.",
    )
    parser.add_argument("--version", action="version", version=f"briefings {__version__}")
    verbs = parser.add_subparsers(dest="verb", metavar="COMMAND")
    verbs.required = True

    check = verbs.add_parser("check", help="check every briefing, source and citation",
                             description="Check every briefing, source and citation of the repository.")
    check.add_argument("path", nargs="?", default=".", help="the repository (default: the current folder)")
    check.add_argument("--format", choices=FORMATS, default=_default_format(),
                       help="output format (default: github under GitHub Actions, else text)")
    check.add_argument("--strict", action="store_true", help="fail on warnings too")
    check.set_defaults(func=cmd_check)

    explain = verbs.add_parser("explain", help="explain a diagnostic code, with examples",
                               description="Explain a diagnostic code (or list them all).")
    explain.add_argument("code", nargs="?", help="a code such as BRF302")
    explain.set_defaults(func=cmd_explain)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except CannotRun as exc:
        print(f"briefings: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
