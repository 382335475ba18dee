"""Time the closest-passage search of a quote that does not match, before and after.

A quote that does not occur in its source gets the closest passage of the source in
its hint (``quotes.closest_passage``). This times it for quotes of 100 B, 6.6 KB and
20 KB against a 1 MB synthetic source, of two kinds: a passage of another text (pasted
from the wrong article: nothing in the source is close, the aligner's worst case) and
a passage of the source with two words changed. It also times ``check_repository`` on
a repository with that source and 200 matching quotes of about 100 B (the hot path,
which the word boundary check is on), and with the unrelated 6.6 KB quote; with
``--repo DIR`` also ``check_repository`` alone (after loading, best of three) on that
repository, such as one made by ``generate.py``. Each figure is taken in a fresh
process, which also gives its peak memory (resident set).

The code at ``--base`` (a git revision, default HEAD, taken with ``git archive``) and
the working tree take turns, base then working tree, round after round:

    python3 benchmarks/bench_closest.py [--base HEAD] [--rounds 2] [--timeout 300] [--repo DIR]
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SOURCE_BYTES = 1_000_000
QUOTE_SIZES = {"100 B": 100, "6.6 KB": 6_600, "20 KB": 20_000}
KINDS = ("unrelated", "two words changed")
CASES = [f"closest, {name}, {kind}" for kind in KINDS for name in QUOTE_SIZES] + [
    "check, 200 matching quotes", "check, 6.6 KB, unrelated"]


def source_text(seed: int = 0) -> str:
    """About 1 MB of sentences in lines of some 80 words, the same for every run."""
    rng = random.Random(seed)
    words = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 10)))
             for _ in range(4000)]
    lines, size = [], 0
    while size < SOURCE_BYTES:
        line = " ".join(rng.choice(words) for _ in range(80)) + "."
        lines.append(line)
        size += len(line) + 1
    return "\n".join(lines) + "\n"


def misquote(text: str, size: int, kind: str) -> str:
    """A quote of about ``size`` characters that ``text`` does not hold, of ``kind``."""
    if kind == "unrelated":
        text = source_text(seed=5)  # another article, with other words
    start = text.index(" ", len(text) // 2) + 1
    words = text[start:start + size].split()[:-1]
    if kind != "unrelated":
        for index in (len(words) // 3, 2 * len(words) // 3):
            words[index] = words[index][::-1] + "x"
    return " ".join(words)


def run_case(case: str) -> float:
    """Seconds one case takes with the ``build_scripts`` on ``sys.path``."""
    from build_scripts import quotes
    from build_scripts.checks import check_repository
    from build_scripts.repo import load_repository

    if case.startswith("check only, "):
        repo = load_repository(Path(case.removeprefix("check only, ")))
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            check_repository(repo)
            best = min(best, time.perf_counter() - started)
        return best
    text = source_text()
    if case.startswith("closest"):
        _, size, kind = case.split(", ")
        part = quotes.quote_parts(misquote(text, QUOTE_SIZES[size], kind))[0]
        started = time.perf_counter()
        quotes.closest_passage(part, text)
        return time.perf_counter() - started
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        (root / "sources").mkdir()
        (root / "briefings").mkdir()
        (root / "sources" / "big.txt").write_text(text, encoding="utf-8")
        (root / "sources" / "big.yaml").write_text("title: Big\npublished: 2024-11-03\n", encoding="utf-8")
        if case == "check, 200 matching quotes":
            rng = random.Random(1)
            found = []
            for _ in range(200):
                start = text.index(" ", rng.randrange(len(text) - 200)) + 1
                found.append(" ".join(text[start:start + 100].split()[:-1]))
        else:
            found = [misquote(text, 6_600, "unrelated")]
        cites = "".join(f"      - source: big\n        quote: {json.dumps(q)}\n" for q in found)
        (root / "briefings" / "b.yaml").write_text(
            "title: B\ndate: 2024-11-04\nstatus: draft\nmarking: TLP:CLEAR\nauthors: [A]\nsummary: s\n"
            f"key_judgments:\n  - judgment: J.\n    likelihood: likely\n    confidence: low\n    cites:\n{cites}",
            encoding="utf-8")
        started = time.perf_counter()
        result = check_repository(load_repository(root))
        seconds = time.perf_counter() - started
        expected = 0 if case == "check, 200 matching quotes" else 1
        assert result.errors == expected, [d.message for d in result.diagnostics][:3]
        return seconds


def child(case: str, code: Path) -> None:
    import build_scripts

    assert Path(build_scripts.__file__).resolve().is_relative_to(code.resolve()), build_scripts.__file__
    seconds = run_case(case)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(json.dumps({"seconds": seconds, "peak_mib": peak}))


def measure(code: Path, case: str, timeout: float) -> dict:
    """Run one case in a fresh interpreter that imports ``build_scripts`` from ``code``."""
    try:
        done = subprocess.run([sys.executable, __file__, "--child", case, "--code", str(code)],
                              capture_output=True, text=True, timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        return {"seconds": None, "peak_mib": None}
    return json.loads(done.stdout.strip().splitlines()[-1])


def snapshot(rev: str, dest: Path) -> str:
    """Extract ``build_scripts`` of ``rev`` into ``dest``; its short commit id."""
    sha = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", rev],
                         capture_output=True, text=True, check=True).stdout.strip()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", sha, "build_scripts"],
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return sha


def shown(figure: dict | None, timeout: float) -> str:
    if figure is None or figure["seconds"] is None:
        return f"> {timeout:g} s"
    return f"{figure['seconds']:.3f} s, {figure['peak_mib']:.0f} MiB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="HEAD", help="git revision to compare with (default HEAD)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=300, help="seconds before a case is given up")
    parser.add_argument("--repo", type=Path, help="also time check_repository alone on this repository")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--code", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sys.path.insert(0, str(args.code))
        child(args.child, args.code)
        return 0

    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch)
        sha = snapshot(args.base, base)
        sides = {f"base {sha}": base, "working tree": ROOT}
        cases = CASES + ([f"check only, {args.repo.resolve()}"] if args.repo else [])
        best: dict[tuple[str, str], dict] = {}
        for round_number in range(1, args.rounds + 1):
            for case in cases:
                for side, code in sides.items():  # base, then working tree, case by case
                    figure = measure(code, case, args.timeout)
                    print(f"round {round_number}  {side:<14} {case:<36} {shown(figure, args.timeout)}",
                          flush=True)
                    kept = best.get((side, case))
                    if kept is None or (figure["seconds"] is not None and
                                        (kept["seconds"] is None or figure["seconds"] < kept["seconds"])):
                        best[(side, case)] = figure
    names = list(sides)
    print(f"\nmachine: {platform.machine()}, Python {platform.python_version()}; "
          f"source {SOURCE_BYTES / 1e6:g} MB; best of {args.rounds} rounds, peak memory of that run")
    print(f"| case | {names[0]} | {names[1]} |")
    print("|---|---|---|")
    for case in cases:
        print(f"| {case} | {shown(best.get((names[0], case)), args.timeout)} "
              f"| {shown(best.get((names[1], case)), args.timeout)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
