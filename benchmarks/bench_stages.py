"""Where the floor and ``briefings build`` spend their time, stage by stage, without a profiler.

``bench_build.py`` gives two totals; this script says which of MkDocs' stages differ. It
runs the floor's ``mkdocs build`` (the same pages as static Markdown files) and then
``briefings build`` (in one process, as a small repository is built), each in a fresh
interpreter, and adds up the wall-clock time spent in each stage:

    nice -n 10 python benchmarks/bench_stages.py --briefings 1000

The repository and the floor's pages are prepared by ``bench_build.py``, as for its own
runs. Pagefind is left out of both: it is the same function on the same pages.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_build import FLOOR_CONFIG, FLOOR_DIR, _shown  # noqa: E402

#: (label, module, attribute) of each timed stage; a stage nested in another is indented.
STAGES = (
    ("load and check the records", "build_scripts.pipeline", "load_and_check"),
    ("MkDocs: read the page sources", "mkdocs.structure.pages", "Page.read_source"),
    ("MkDocs: Markdown to HTML", "mkdocs.structure.pages", "Page.render"),
    ("MkDocs: theme template and write", "mkdocs.commands.build", "_build_page"),
    ("MkDocs: list the files", "mkdocs.commands.build", "get_files"),
    ("MkDocs: navigation", "mkdocs.commands.build", "get_navigation"),
)
#: MkDocs events whose plugins' time is shown (the briefings plugin's work lives there).
EVENTS = ("config", "pre_build", "files", "env", "page_markdown", "page_content", "page_context",
          "post_page", "post_build")


def _measure(mode: str, repo: Path) -> dict:
    """Run one build in this process and return the seconds of each stage."""
    import importlib

    import mkdocs.plugins

    spent: dict[str, float] = defaultdict(float)

    def timed(owner, name: str, label: str) -> None:
        function = getattr(owner, name)

        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[label] += time.perf_counter() - started

        setattr(owner, name, wrapper)

    for label, module, attribute in STAGES:
        owner = importlib.import_module(module)
        *path, name = attribute.split(".")
        for part in path:
            owner = getattr(owner, part)
        timed(owner, name, label)
    run_event = mkdocs.plugins.PluginCollection.run_event

    def event(self, name, *args, **kwargs):
        started = time.perf_counter()
        try:
            return run_event(self, name, *args, **kwargs)
        finally:
            if name in EVENTS:
                spent[f"plugins: on_{name}"] += time.perf_counter() - started

    mkdocs.plugins.PluginCollection.run_event = event
    import build_scripts.plugin
    import build_scripts.site

    def no_index(*args, **kwargs) -> None:  # the same for both: left out
        return None

    build_scripts.site.index_site = build_scripts.plugin.index_site = no_index
    started = time.perf_counter()
    if mode == "floor":
        from mkdocs.commands.build import build
        from mkdocs.config import load_config

        build(load_config(str(repo / FLOOR_CONFIG), site_dir=str(repo / FLOOR_DIR / "site")))
    else:
        from build_scripts import cli

        cli.CHILD_ABOVE_BYTES = 1 << 62  # in this process, so that its stages are seen
        code = cli.main(["build", str(repo)])
        if code:
            raise SystemExit(f"briefings build failed ({code})")
    spent["in all (Pagefind left out)"] = time.perf_counter() - started
    return dict(spent)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--briefings", type=int, default=1000)
    parser.add_argument("--measure", choices=("floor", "build"), help=argparse.SUPPRESS)
    parser.add_argument("--repo", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        os.environ["NO_MKDOCS_2_WARNING"] = "1"
        print(json.dumps(_measure(args.measure, args.repo)))
        return 0
    # bench_build.py generates (or reuses) the repository and renders the floor's pages
    # afresh, from the current templates; its last line names the repository.
    prepared = subprocess.run([sys.executable, str(HERE / "bench_build.py"), "--briefings", str(args.briefings),
                               "--prepare-only"], check=True, stdout=subprocess.PIPE, text=True).stdout
    repo = Path(json.loads(prepared.strip().splitlines()[-1])[0])
    results = {}
    for mode in ("floor", "build"):
        print(f"measuring the {mode} ...", file=sys.stderr)
        done = subprocess.run([sys.executable, __file__, "--measure", mode, "--repo", str(repo)],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, check=True)
        results[mode] = json.loads(done.stdout.strip().splitlines()[-1])
    labels = [label for label, *_ in STAGES] + [f"plugins: on_{name}" for name in EVENTS]
    labels.append("in all (Pagefind left out)")
    print(f"{'stage (wall-clock seconds)':40s} {'floor':>8s} {'build':>8s}")
    for label in labels:
        floor, build = results["floor"].get(label, 0.0), results["build"].get(label, 0.0)
        if floor >= 0.05 or build >= 0.05:
            print(f"{label:40s} {floor:8.2f} {build:8.2f}")
    print(f"repository: {_shown(repo)}")
    print(f"reproduce:  nice -n 10 python benchmarks/bench_stages.py --briefings {args.briefings}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
