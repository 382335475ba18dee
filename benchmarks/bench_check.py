"""Time ``briefings check`` against the floor on a synthetic repository.

The floor is reading every file and parsing every YAML with libyaml, nothing else
(``benchmarks/floor.py``). The target is a check within twice the floor, with no
error on the valid corpus.

    python benchmarks/bench_check.py --briefings 1000 [--runs 3] [--repo DIR]
"""

from __future__ import annotations

import argparse
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]  # this checkout's build_scripts, wherever the install points

from floor import floor_seconds  # noqa: E402
from generate import generate  # noqa: E402

from build_scripts.cli import run_check  # noqa: E402


def check_seconds(repo: Path, runs: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(runs):
        started = time.perf_counter()
        result = run_check(repo)
        best = min(best, time.perf_counter() - started)
    return best, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--briefings", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--repo", type=Path, help="generate into (or reuse) this folder")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        repo = args.repo or Path(scratch) / "repo"
        if not (repo / "briefings").is_dir():
            generate(repo, args.briefings, args.briefings * 3)
        floor = floor_seconds(repo, args.runs)
        check, result = check_seconds(repo, args.runs)
        started = time.perf_counter()
        cli = subprocess.run([sys.executable, "-m", "build_scripts.cli", "check", str(repo)],
                             capture_output=True, text=True)
        cli_seconds = time.perf_counter() - started

    ratio = check / floor
    print(f"machine:  {platform.machine()}, Python {platform.python_version()}")
    print(f"corpus:   {result.briefings} briefings, {result.sources} sources, {result.citations} citations")
    print(f"floor:    {floor:.2f} s  (read every file, parse every YAML with libyaml; best of {args.runs})")
    print(f"check:    {check:.2f} s  (briefings check, in process; best of {args.runs})")
    print(f"cli:      {cli_seconds:.2f} s  (briefings check as a command, interpreter start included)")
    print(f"ratio:    {ratio:.2f} x the floor (target <= 2.00)")
    print(f"verdict:  {result.errors} errors, {result.warnings} warnings, exit {cli.returncode}")
    print(f"reproduce: python benchmarks/bench_check.py --briefings {args.briefings} --runs {args.runs}")
    return 0 if ratio <= 2.0 and result.errors == 0 and cli.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
