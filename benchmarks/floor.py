"""Time "the floor" for a repository: the least any checker has to do.

That is reading every file under ``briefings/`` and ``sources/`` and parsing every
``.yaml`` with libyaml (``yaml.CSafeLoader``), nothing else. A checker's time is
best judged against this number.

    python benchmarks/floor.py REPO [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import yaml


def _read_all(repo: Path) -> int:
    """Read every file under briefings/ and sources/, parse each .yaml; return the file count."""
    count = 0
    load, loader = yaml.load, yaml.CSafeLoader
    for sub in ("briefings", "sources"):
        for folder, _dirs, files in os.walk(repo / sub):
            for name in files:
                with open(os.path.join(folder, name), encoding="utf-8") as handle:
                    text = handle.read()
                if name.endswith(".yaml"):
                    load(text, Loader=loader)
                count += 1
    return count


def floor_seconds(repo: Path, runs: int = 3) -> float:
    """Best wall-clock time, over *runs* runs, to read and parse the repository at *repo*."""
    if runs < 1:
        raise ValueError("runs must be at least 1")
    repo = Path(repo)
    if not (repo / "briefings").is_dir() or not (repo / "sources").is_dir():
        raise FileNotFoundError(f"{repo} has no briefings/ and sources/ folders")
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        _read_all(repo)
        best = min(best, time.perf_counter() - started)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("repo", type=Path, help="repository root (holds briefings/ and sources/)")
    parser.add_argument("--runs", type=int, default=3, help="runs to take the best of (default 3)")
    args = parser.parse_args(argv)
    try:
        seconds = floor_seconds(args.repo, args.runs)
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{seconds:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
