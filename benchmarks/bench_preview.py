"""Time edit-to-preview in ``briefings serve``: save one briefing, rebuild what changed.

    python benchmarks/bench_preview.py --briefings 1000 [--edits 3]

Builds the preview of a synthetic repository once (like ``briefings serve`` at start),
then edits one briefing's stance at a time and times each rebuild: the time from the
save to the changed page being written, which is when the browser reloads. The pages
that show the briefing (actors, questions, sources, indexes) follow in a second rebuild,
timed apart. Between an edit's second pass and the next save the script pauses
(``--pause``, 3 s), as an analyst reads the page: the preview writes its search index in
the background meanwhile.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from build_scripts.serve import PreviewBuilder  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--briefings", type=int, default=1000)
    parser.add_argument("--edits", type=int, default=3)
    parser.add_argument("--pause", type=float, default=3.0,
                        help="seconds before each save, after the previous rebuild (default 3)")
    parser.add_argument("--repo", type=Path, help="an existing generated repository (copied, never edited)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)

    work = Path(tempfile.mkdtemp(prefix="bench-preview-"))
    repo = work / "repo"
    if args.repo:
        shutil.copytree(args.repo, repo, ignore=shutil.ignore_patterns("site", "floor", "logs-*"))
    else:
        from generate import generate  # the synthetic repository generator

        generate(repo, args.briefings, args.briefings * 3)
    builder = PreviewBuilder(repo, work / "site")
    start = time.perf_counter()
    first = builder(full=True)
    print(f"first build: {first['rebuilt']} pages in {time.perf_counter() - start:.1f} s")
    briefings = sorted((repo / "briefings").glob("*.yaml"))
    seconds: list[float] = []
    for n in range(args.edits):
        time.sleep(args.pause)  # an analyst reads the page before the next save
        path = briefings[(n * 37) % len(briefings)]
        text = path.read_text(encoding="utf-8")
        at = text.index("stance: ") + len("stance: ")
        path.write_text(text[:at] + f"Edited {n} - " + text[at:], encoding="utf-8")
        done = builder()  # the first pass: the saved briefing's own page, when the browser reloads
        page = work / "site" / "briefings" / path.stem / "index.html"
        assert f"Edited {n} - " in page.read_text(encoding="utf-8"), "the edit is not on the page"
        then = builder() if done["pending"] else None  # the pages that show it, which serve starts at once
        seconds.append(done["seconds"])
        print(f"edit {n + 1} ({path.name}): page shown in {done['seconds']:.2f} s "
              f"(rebuilt {done['rebuilt']}); "
              + (f"then {then['rebuilt']} dependent pages in {then['seconds']:.2f} s "
                 f"(rendered {then['rendered']})" if then else "nothing else to rebuild"))
    worst = max(seconds)
    print(f"target: the saved page shown in <= 1 s: worst {worst:.2f} s ({'met' if worst <= 1 else 'NOT met'})")
    print(f"reproduce: python benchmarks/bench_preview.py --briefings {args.briefings} --edits {args.edits} "
          f"--pause {args.pause:g}")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
