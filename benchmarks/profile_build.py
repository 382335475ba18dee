"""Profile ``briefings build`` in process, and say where its time and memory go.

Runs ``briefings build`` in process (what its child process and then itself do) under cProfile on the synthetic
repository of ``bench_build.py`` (generated or reused in ``benchmarks/results/``),
saves the profile (``benchmarks/results/profile-N.prof``, for ``python -m pstats`` or
snakeviz), and prints the time of each stage, then the top functions by cumulative
and by own time. cProfile slows pure-Python code more than C code: read the stages
as shares, not as wall-clock seconds.

    nice -n 10 python benchmarks/profile_build.py --briefings 1000 [--top 30]
    nice -n 10 python benchmarks/profile_build.py --briefings 1000 --memory

``--memory`` runs without the profiler and prints, after each stage, the resident
memory (current and peak) and the time the cyclic garbage collector took since the
previous stage (the more objects a build keeps alive, the longer each full collection).
``--freeze`` (with ``--memory``) calls ``gc.freeze()`` once the pages are rendered, to
measure what exempting the records, the index and the pages from collection would save.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import gc
import io
import json
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_build import RESULTS, reexec_on, repository, set_search  # noqa: E402  (puts the code first on sys.path)

#: Stages of a build: (label, file suffix, function name[, caller's file suffix, caller's name]);
#: the time is the function's cumulative time (only when called from that caller, if named).
STAGES = (
    ("briefings build, in all", "build_scripts/cli.py", "cmd_build"),
    ("load + check", "build_scripts/pipeline.py", "load_and_check"),
    ("  load", "build_scripts/repo.py", "load_repository"),
    ("  check", "build_scripts/checks.py", "check_repository"),
    ("MkDocs build (mkdocs.commands.build.build)", "mkdocs/commands/build.py", "build"),
    ("  config load", "build_scripts/site.py", "load_config"),
    ("  plugin on_pre_build: cross-reference (build_index)", "build_scripts/index.py", "build_index"),
    ("  pages rendered as MkDocs reads them (plugin _render)", "build_scripts/plugin.py", "_render"),
    ("    Jinja2 page templates (Template.render)", "jinja2/environment.py", "render",
     "build_scripts/render.py", "render"),
    ("    markdown_block (analyst Markdown: Python-Markdown + nh3)", "build_scripts/render.py", "markdown_block"),
    ("      Python-Markdown convert", "markdown/core.py", "convert", "build_scripts/render.py", "_markdown_block"),
    ("      nh3 sanitise", "build_scripts/render.py", "sanitise"),
    ("    source_text_html", "build_scripts/render.py", "source_text_html"),
    ("    SiteIndex.briefings_citing", "build_scripts/index.py", "briefings_citing"),
    ("    link (relative links between pages)", "build_scripts/render.py", "link"),
    ("  plugin on_files: File.generated", "mkdocs/structure/files.py", "generated"),
    ("  MkDocs get_files (docs_dir)", "mkdocs/structure/files.py", "get_files"),
    ("  MkDocs nav", "mkdocs/structure/nav.py", "get_navigation"),
    ("  MkDocs _populate_page (Markdown to HTML, per page)", "mkdocs/commands/build.py", "_populate_page"),
    ("    Page.render (Python-Markdown)", "mkdocs/structure/pages.py", "render"),
    ("      md_in_html preprocessor (HTML blocks through HTMLParser)", "markdown/extensions/md_in_html.py", "run",
     "markdown/core.py", "convert"),
    ("  MkDocs _build_page (theme template, per page)", "mkdocs/commands/build.py", "_build_page"),
    ("    theme template (Template.render)", "jinja2/environment.py", "render",
     "mkdocs/commands/build.py", "_build_page"),
    ("    get_context", "mkdocs/commands/build.py", "get_context"),
    ("    write_file", "mkdocs/utils/__init__.py", "write_file"),
    ("  copy static files", "mkdocs/structure/files.py", "copy_static_files"),
    ("  validate_anchor_links", "mkdocs/structure/pages.py", "validate_anchor_links"),
    ("  search: on_page_context (index each page)", "material/plugins/search/plugin.py", "on_page_context"),
    ("  search: on_post_build (write the index)", "material/plugins/search/plugin.py", "on_post_build"),
    ("  plugin on_pre_page", "build_scripts/plugin.py", "on_pre_page"),
    ("Pagefind, part by part (subprocesses: wall time)", "build_scripts/search.py", "index_site"),
    ("site swap (rename, remove old site)", "build_scripts/site.py", "_swap"),
)


def stage_table(stats: pstats.Stats) -> list[tuple[str, float, int]]:
    """(label, cumulative seconds, calls) of each stage found in ``stats``."""
    rows = []
    raw = stats.stats  # type: ignore[attr-defined]
    for label, suffix, name, *caller in STAGES:
        seconds, calls = 0.0, 0
        for (filename, _line, function), (_cc, nc, _tt, ct, callers) in raw.items():
            if function != name or not filename.replace("\\", "/").endswith(suffix):
                continue
            if not caller:
                seconds, calls = seconds + ct, calls + nc
                continue
            for (c_file, _c_line, c_function), (_c_cc, c_nc, _c_tt, c_ct) in callers.items():
                if c_function == caller[1] and c_file.replace("\\", "/").endswith(caller[0]):
                    seconds, calls = seconds + c_ct, calls + c_nc
        rows.append((label, seconds, calls))
    return rows


def top(stats: pstats.Stats, sort: str, n: int) -> str:
    stream = io.StringIO()
    stats.stream = stream  # type: ignore[attr-defined]
    stats.sort_stats(sort).print_stats(n)
    text = stream.getvalue()
    return text[text.index("   ncalls"):] if "   ncalls" in text else text


def rss() -> tuple[int, int]:
    """(current, peak) resident memory of this process, in MiB."""
    found = {}
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith(("VmRSS:", "VmHWM:")):
                key, value = line.split(":")
                found[key] = int(value.split()[0]) // 1024
    return found["VmRSS"], found["VmHWM"]


def memory_by_stage(root: Path, freeze: bool = False) -> None:
    """Build once, printing resident memory after each stage (wrapping the stages' functions)."""
    import mkdocs.commands.build as mkdocs_build

    from build_scripts import pipeline, plugin

    marks: list[tuple[str, float, tuple[int, int], float, list[int]]] = []
    started = time.perf_counter()
    collecting = {"since": 0.0, "seconds": 0.0, "counts": [0, 0, 0]}

    def on_gc(phase: str, info: dict) -> None:
        if phase == "start":
            collecting["since"] = time.perf_counter()
        else:
            collecting["seconds"] += time.perf_counter() - collecting["since"]
            collecting["counts"][info["generation"]] += 1

    gc.callbacks.append(on_gc)

    def mark(label: str) -> None:
        marks.append((label, time.perf_counter() - started, rss(), collecting["seconds"], list(collecting["counts"])))
        collecting["seconds"], collecting["counts"] = 0.0, [0, 0, 0]

    def after(owner, name: str, label: str, once: bool = False):
        original = getattr(owner, name)

        @functools.wraps(original)
        def wrapper(*args, **kwargs):
            if once and any(m[0] == label for m in marks):
                return original(*args, **kwargs)
            if once:  # mark before the first call: everything up to it has happened
                mark(label)
                return original(*args, **kwargs)
            result = original(*args, **kwargs)
            mark(label)
            return result

        setattr(owner, name, wrapper)

    mark("start (interpreter, imports)")
    after(pipeline, "load_and_check", "load + check")
    after(plugin.BriefingsPlugin, "on_pre_build", "plugin on_pre_build (index)")
    after(plugin.BriefingsPlugin, "on_files", "plugin on_files (render, File.generated)")
    if freeze:
        original_on_files = plugin.BriefingsPlugin.on_files

        def on_files_then_freeze(self, files, **kwargs):
            result = original_on_files(self, files, **kwargs)
            gc.freeze()  # what lives now (records, index, pages) is never scanned again
            return result

        plugin.BriefingsPlugin.on_files = on_files_then_freeze
    after(mkdocs_build, "_build_page", "pages read and converted (_populate_page of all)", once=True)
    after(plugin.BriefingsPlugin, "on_post_build", "pages built (_build_page of all) and search index written")
    code = build_in_process(root)
    mark("end (site swapped)")
    gc.callbacks.remove(on_gc)
    print(f"{'stage':<60} {'at s':>8} {'RSS MiB':>8} {'peak MiB':>9} {'gc s':>6}  collections (gen 0/1/2)")
    for label, at, (current, peak), gc_seconds, counts in marks:
        print(f"{label:<60} {at:8.1f} {current:8d} {peak:9d} {gc_seconds:6.1f}  {'/'.join(map(str, counts))}")
    print(f"garbage collection in all: {sum(m[3] for m in marks):.1f} s" + (" (gc.freeze() after on_files)" if freeze else ""))
    if code:
        raise SystemExit(code)


def build_in_process(root: Path) -> int:
    """``briefings build`` in this process: what its child process does (check, render,
    build and index the pages), then what it does itself (swap the site in)."""
    from build_scripts import cli, site

    with tempfile.TemporaryDirectory(prefix="profile-build-") as work:
        handoff = Path(work) / "staged.json"
        os.environ[cli.HANDOFF] = str(handoff)
        try:
            code = cli.main(["build", str(root)])
        finally:
            del os.environ[cli.HANDOFF]
        if code:
            return code
        data = json.loads(handoff.read_text(encoding="utf-8"))
    site.finish(site.Staged.from_json(data))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--briefings", type=int, default=1000)
    parser.add_argument("--citations", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--top", type=int, default=30, help="functions to list per ordering")
    parser.add_argument("--memory", action="store_true", help="resident memory by stage, no profiler")
    parser.add_argument("--freeze", action="store_true", help="with --memory: gc.freeze() after on_files")
    parser.add_argument("--search", choices=("material", "pagefind"),
                        help="set the briefings plugin's search option (default: as the project's mkdocs.yml has it)")
    parser.add_argument("--repo", type=Path, help="generate into (or reuse) this folder instead")
    parser.add_argument("--commit", metavar="REV",
                        help="profile a snapshot of this commit (e.g. HEAD) instead of the working tree")
    args = parser.parse_args(argv)
    reexec_on(args.commit, __file__)
    RESULTS.mkdir(parents=True, exist_ok=True)
    root = repository(args.briefings, 3 * args.briefings, args.citations, args.seed, args.repo).resolve()
    if args.search:
        set_search(root, args.search)
    if args.memory:
        memory_by_stage(root, args.freeze)
        return 0

    from build_scripts import cli

    print(f"profiling {Path(cli.__file__).parent}", file=sys.stderr)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    code = build_in_process(root)
    profiler.disable()
    wall = time.perf_counter() - started
    if code:
        print(f"briefings build exited with {code}", file=sys.stderr)
        return code
    out = RESULTS / f"profile-{args.briefings}.prof"
    profiler.dump_stats(str(out))
    stats = pstats.Stats(profiler)
    total = stats.total_tt  # type: ignore[attr-defined]

    print(f"briefings build of {args.briefings} briefings under cProfile: {wall:.1f} s wall, "
          f"{total:.1f} s profiled; saved {out.relative_to(HERE.parent)}")
    print(f"\n{'stage (cumulative time)':<58} {'seconds':>8} {'share':>6} {'calls':>8}")
    for label, seconds, calls in stage_table(stats):
        print(f"{label:<58} {seconds:8.1f} {100 * seconds / total:5.1f}% {calls:8d}")
    print(f"\n--- top {args.top} by cumulative time ---")
    print(top(stats, "cumulative", args.top))
    print(f"--- top {args.top} by own time (tottime) ---")
    print(top(stats, "tottime", args.top))
    print(f"--- top {args.top} by own time, build_scripts only ---")
    stream = io.StringIO()
    stats.stream = stream  # type: ignore[attr-defined]
    stats.sort_stats("tottime").print_stats("build_scripts", args.top)
    text = stream.getvalue()
    print(text[text.index("   ncalls"):] if "   ncalls" in text else text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
