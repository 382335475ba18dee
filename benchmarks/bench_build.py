"""Time ``briefings build`` against the floor on a synthetic repository.

The floor is a plain ``mkdocs build`` of the very same pages as static Markdown files:
the pages ``briefings build`` generates are rendered once (untimed), written to a docs
folder beside copies of the static docs (``templates/docs/``), and built with the
repository's own ``mkdocs.yml`` less the ``briefings`` plugin, its ``docs_dir`` pointing
there. What ``briefings build`` spends beyond the floor is our own: load, check,
cross-reference, render, and handing the pages to MkDocs. The target is a build
within 1.2 times the floor, and a peak memory below 1 GiB at 5,000 briefings.

Both are timed as commands (a fresh interpreter each, wall clock, best of ``--runs``),
each with a fresh, empty site folder, taking turns: floor, build, floor, build... Memory: the peak of each command's largest process
(``wait4``) and of its whole process tree (``treepeak.py``, sampled: ``briefings build``
runs a child process and Pagefind). ``briefings check`` is measured the same way.

    nice -n 10 python benchmarks/bench_build.py --briefings 1000 [--runs 1]

The repository is generated into ``benchmarks/results/repo-N/`` (git ignores
``benchmarks/results/``) and reused while the generator and its arguments are unchanged;
its ``mkdocs.yml`` and ``templates/`` are refreshed from the project on every run. The
figures are also written to ``benchmarks/results/build-N.json``. ``--commit HEAD``
measures a snapshot of a commit (``benchmarks/results/code-SHA/``) rather than the
working tree, so that commits landing during a long run do not mix two versions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
RESULTS = HERE / "results"
#: Where build_scripts/, templates/ and mkdocs.yml come from: this checkout (whatever checkout
#: the editable install points at), or with --commit a snapshot of one commit (see snapshot()).
CODE = Path(os.environ.get("BRIEFINGS_BENCH_CODE") or PROJECT).resolve()
sys.path[:0] = [str(CODE), str(HERE)]
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(CODE), os.environ.get("PYTHONPATH")])),
       "BRIEFINGS_ENGINE": "mkdocs"}  # the engine of the floor: the build runs the same one

from generate import generate, install_site  # noqa: E402
from treepeak import Sampler  # noqa: E402

TARGET_RATIO = 1.2
TARGET_MEMORY = 1 << 30  # bytes, at 5,000 briefings
FLOOR_DIR = "floor"      # inside the generated repository: floor/docs, floor/site
FLOOR_CONFIG = "mkdocs.floor.yml"


# --- the repository ---------------------------------------------------------------------

def repository(briefings: int, sources: int, citations: int, seed: int, where: Path | None) -> Path:
    """The synthetic repository for these arguments: reused when up to date, else generated."""
    repo = where or RESULTS / f"repo-{briefings}"
    stamp = {"briefings": briefings, "sources": sources, "citations": citations, "seed": seed,
             "generator": hashlib.sha256((HERE / "generate.py").read_bytes()).hexdigest()}
    stamp_file = repo / ".generated.json"
    if stamp_file.is_file() and json.loads(stamp_file.read_text(encoding="utf-8")) == stamp:
        print(f"reusing {_shown(repo)}", file=sys.stderr)
        install_site(repo, CODE)  # the project's current mkdocs.yml and templates
        return repo
    print(f"generating {_shown(repo)}: {briefings} briefings, {sources} sources ...", file=sys.stderr)
    started = time.perf_counter()
    counts = generate(repo, briefings, sources, citations, seed)
    install_site(repo, CODE)
    print(f"  {', '.join(f'{k}={v}' for k, v in counts.items())} in {time.perf_counter() - started:.1f}s",
          file=sys.stderr)
    stamp_file.write_text(json.dumps(stamp, indent=2) + "\n", encoding="utf-8")
    return repo


def floor_config(config_text: str) -> tuple[str, bool]:
    """The repository's mkdocs.yml without the ``briefings`` plugin, its docs in floor/docs.

    Also whether the site searches with Pagefind (the plugin's ``search: pagefind``): the
    floor then does what the plugin does for it, Material's search off and
    ``extra.briefings_search`` set, and runs Pagefind after MkDocs.
    """
    lines = config_text.split("\n")
    out: list[str] = []
    removed: list[str] = []
    skipping_deeper_than: int | None = None
    for line in lines:
        indent = len(line) - len(line.lstrip(" "))
        if skipping_deeper_than is not None:
            if line.strip() and indent <= skipping_deeper_than:
                skipping_deeper_than = None
            else:
                removed.append(line)
                continue
        if re.match(r"\s*- briefings\s*:?\s*(#.*)?$", line):
            skipping_deeper_than = indent  # the entry and its indented options
            continue
        out.append(line)
    text = "\n".join(out)
    text, replaced = re.subn(r"(?m)^docs_dir:.*$", f"docs_dir: {FLOOR_DIR}/docs", text)
    if replaced != 1:
        raise ValueError("mkdocs.yml has no top-level docs_dir")
    pagefind = any(re.match(r"\s*search\s*:\s*pagefind\b", line) for line in removed)
    if pagefind:
        text, replaced = re.subn(r"(?m)^(\s*)- search\s*(#.*)?$", r"\1- search:\n\1    enabled: false", text)
        if replaced != 1:
            raise ValueError("mkdocs.yml: cannot find the plain '- search' plugin entry to turn off")
        if re.search(r"(?m)^extra:\s*(#.*)?$", text):
            text = re.sub(r"(?m)^extra:\s*(#.*)?$", "extra:\n  briefings_search: pagefind", text, count=1)
        else:
            text += "\nextra:\n  briefings_search: pagefind\n"
    return text, pagefind


def set_search(repo: Path, search: str) -> None:
    """Set the briefings plugin's ``search`` option in the repository's mkdocs.yml."""
    config = repo / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^(\s*)search:\s*(material|pagefind)\b.*\n", "", text)
    text, replaced = re.subn(r"(?m)^(\s*)- briefings:\s*(#.*)?\n((\1  +)\S.*\n)",
                             lambda m: f"{m.group(0)}{m.group(4)}search: {search}\n", text)
    if replaced != 1:
        raise ValueError(f"{config}: cannot find the options of the briefings plugin")
    config.write_text(text, encoding="utf-8", newline="\n")


def prepare_floor(repo: Path) -> tuple[int, int, float, bool]:
    """Write the generated pages as static files under floor/docs.

    Returns (generated pages, static pages, seconds to render, whether Pagefind searches).

    The pages are rendered exactly as the plugin renders them, through the same calls.
    """
    from mkdocs.config import load_config

    from build_scripts.index import build_index
    from build_scripts.render import render_pages
    from build_scripts.repo import load_repository

    root = repo.resolve()
    started = time.perf_counter()
    pages = render_pages(build_index(load_repository(root)), root / "templates", True)
    seconds = time.perf_counter() - started
    docs = root / FLOOR_DIR / "docs"
    shutil.rmtree(root / FLOOR_DIR, ignore_errors=True)
    shutil.copytree(root / "templates" / "docs", docs)
    static = sum(1 for _ in docs.rglob("*.md"))
    for page in pages:
        target = docs / page.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page.text, encoding="utf-8", newline="\n")
    config, pagefind = floor_config((root / "mkdocs.yml").read_text(encoding="utf-8"))
    (root / FLOOR_CONFIG).write_text(config, encoding="utf-8", newline="\n")
    loaded = load_config(str(root / FLOOR_CONFIG))
    if "briefings" in loaded.plugins or Path(loaded.docs_dir) != docs:
        raise RuntimeError(f"{root / FLOOR_CONFIG} still has the briefings plugin or the wrong docs_dir")
    return len(pages), static, seconds, pagefind


# --- measuring ----------------------------------------------------------------------------

def run(command: list[str], log: Path) -> tuple[float, int, int, int]:
    """Run ``command`` with output to ``log``; return (wall seconds, exit code, peak RSS of
    its largest process, peak RSS of its whole process tree sampled every 50 ms), in bytes."""
    with open(log, "wb") as handle:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, env=ENV, cwd=CODE)
        sampler = Sampler(process.pid)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        tree, single = sampler.stop()
    process.returncode = os.waitstatus_to_exitcode(status)
    return seconds, process.returncode, max(usage.ru_maxrss * 1024, single), tree  # ru_maxrss: kilobytes


def timed(name: str, commands: list[list[str]], runs: int, fresh: list[Path], logs: Path) -> dict:
    """Best wall time of ``runs`` runs of ``commands`` one after the other (each run after
    removing ``fresh``), and their peak memory."""
    best, peak, tree_peak, best_steps = float("inf"), 0, 0, []
    for attempt in range(runs):
        steps: list[dict] = []
        for path in fresh:
            shutil.rmtree(path, ignore_errors=True)
        seconds, rss = 0.0, 0
        for number, command in enumerate(commands):
            log = logs / f"{name}{'' if number == 0 else f'-{number + 1}'}.log"
            took, code, used, tree = run(command, log)
            tree_peak = max(tree_peak, tree)
            if code != 0:
                tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
                raise SystemExit(f"{' '.join(command)} exited with {code}:\n{tail}")
            seconds, rss = seconds + took, max(rss, used)
            if len(commands) > 1:
                print(f"    step {number + 1}: {took:.2f} s, peak {used / 2**20:.0f} MiB  ({' '.join(command[:4])} ...)",
                      file=sys.stderr)
                steps.append({"seconds": took, "peak_rss": used})
        print(f"  {name} run {attempt + 1}/{runs}: {seconds:.2f} s, peak {rss / 2**20:.0f} MiB", file=sys.stderr)
        if seconds < best:
            best_steps = steps
        best, peak = min(best, seconds), max(peak, rss)
    return {"seconds": best, "peak_rss": peak, "tree_peak_rss": tree_peak,
            **({"steps": best_steps} if best_steps else {})}


def _best(results: list[dict]) -> dict:
    """The fastest of several :func:`timed` results, with the highest memory peaks of all."""
    best = dict(min(results, key=lambda r: r["seconds"]))
    best["peak_rss"] = max(r["peak_rss"] for r in results)
    best["tree_peak_rss"] = max(r["tree_peak_rss"] for r in results)
    best["all_seconds"] = [r["seconds"] for r in results]
    return best


def edit_one_briefing(repo: Path, round_number: int) -> None:
    """Change the first line of the summary of the briefing in the middle (by name) of ``repo``."""
    names = sorted((repo / "briefings").glob("*.yaml"))
    path = names[len(names) // 2]
    text = path.read_text(encoding="utf-8")
    marker = "  Edited for the benchmark, round "
    lines = [line for line in text.split("\n") if not line.startswith(marker)]
    at = lines.index("summary: |") + 1
    lines.insert(at, f"{marker}{round_number + 1}.")
    path.write_text("\n".join(lines), encoding="utf-8")


def snapshot(revision: str) -> Path:
    """build_scripts/, templates/ and mkdocs.yml of ``revision``, extracted (once) to results/code-SHA/.

    Teammates commit while a long benchmark runs; a snapshot keeps every command of a run
    on the same code. Reads git; changes nothing in the checkout.
    """
    import io
    import tarfile

    sha = subprocess.run(["git", "rev-parse", "--short", revision], cwd=PROJECT, capture_output=True,
                         text=True, check=True).stdout.strip()
    dest = RESULTS / f"code-{sha}"
    if not (dest / ".commit").is_file():
        shutil.rmtree(dest, ignore_errors=True)
        archive = subprocess.run(["git", "archive", "--format=tar", sha, "build_scripts", "templates", "mkdocs.yml"],
                                 cwd=PROJECT, capture_output=True, check=True).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(dest, filter="data")
        (dest / ".commit").write_text(sha + "\n", encoding="ascii")
    return dest


def reexec_on(revision: str | None, script: str) -> None:
    """Run ``script`` again with the same arguments on a snapshot of ``revision`` (if not done yet)."""
    if revision is None or os.environ.get("BRIEFINGS_BENCH_CODE"):
        return
    dest = snapshot(revision)
    print(f"running on {_shown(dest)} (a snapshot of {revision})", file=sys.stderr)
    sys.stdout.flush()
    os.execve(sys.executable, [sys.executable, script, *sys.argv[1:]],
              {**os.environ, "BRIEFINGS_BENCH_CODE": str(dest)})


def code_state() -> dict:
    """The commit of the code measured and which of the files a build depends on differ from it."""
    if CODE != PROJECT:
        return {"commit": (CODE / ".commit").read_text(encoding="ascii").strip(), "uncommitted": [],
                "snapshot": _shown(CODE)}

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=PROJECT, capture_output=True, text=True)
        return done.stdout.rstrip("\n") if done.returncode == 0 else "unknown"

    changed = git("status", "--porcelain", "--", "build_scripts", "templates", "mkdocs.yml")
    return {"commit": git("rev-parse", "--short", "HEAD"),
            "uncommitted": sorted(line[3:] for line in changed.splitlines()) if changed != "unknown" else []}


def _bytes_under(path: Path) -> tuple[int, int]:
    """(files, bytes) under ``path``."""
    files = [f for f in path.rglob("*") if f.is_file()] if path.is_dir() else []
    return len(files), sum(f.stat().st_size for f in files)


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(PROJECT))
    except ValueError:
        return str(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--briefings", type=int, default=1000)
    parser.add_argument("--sources", type=int, default=None, help="default: 3 x briefings")
    parser.add_argument("--citations", type=int, default=10, help="citations per briefing (default 10)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--runs", type=int, default=None,
                        help="runs to take the best of (default: 3 up to 200 briefings, else 1)")
    parser.add_argument("--repo", type=Path, help="generate into (or reuse) this folder instead")
    parser.add_argument("--search", choices=("material", "pagefind"),
                        help="set the briefings plugin's search option (default: as the project's mkdocs.yml has it)")
    parser.add_argument("--commit", metavar="REV",
                        help="measure a snapshot of this commit (e.g. HEAD) instead of the working tree")
    parser.add_argument("--incremental", action="store_true",
                        help="also time, each round, a build after one briefing changed (from the cache of "
                             "the round's full build)")
    parser.add_argument("--prepare-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    reexec_on(args.commit, __file__)
    sources = args.sources if args.sources is not None else 3 * args.briefings
    runs = args.runs or (3 if args.briefings <= 200 else 1)
    RESULTS.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()

    import build_scripts

    used = subprocess.run([sys.executable, "-c", "import build_scripts; print(build_scripts.__file__)"],
                          env=ENV, cwd=CODE, capture_output=True, text=True, check=True).stdout.strip()
    if Path(used).parent != Path(build_scripts.__file__).parent or not Path(used).is_relative_to(CODE):
        raise SystemExit(f"the commands would run {used}, not {CODE / 'build_scripts'}")
    if args.prepare_only:  # in a child process, see below
        repo = repository(args.briefings, sources, args.citations, args.seed, args.repo).resolve()
        if args.search:
            set_search(repo, args.search)
        print("rendering the pages for the floor ...", file=sys.stderr)
        print(json.dumps([str(repo), *prepare_floor(repo)]))
        return 0
    # Generating and rendering take memory that this process would keep; a command it
    # starts would then report it as its own peak (a forked child starts as a copy).
    prepared = subprocess.run([sys.executable, __file__, *(sys.argv[1:] if argv is None else argv), "--prepare-only"],
                              env={**os.environ, "BRIEFINGS_BENCH_CODE": str(CODE)},
                              stdout=subprocess.PIPE, text=True, check=True).stdout
    repo_path, generated, static, render_seconds, pagefind = json.loads(prepared.strip().splitlines()[-1])
    repo = Path(repo_path)
    state = code_state()
    logs = RESULTS / f"logs-{args.briefings}"
    logs.mkdir(exist_ok=True)
    python = sys.executable
    site, floor_site = repo / "site", repo / FLOOR_DIR / "site"

    floor_commands = [[python, "-m", "mkdocs", "build", "-q", "-f", str(repo / FLOOR_CONFIG), "-d", str(floor_site)]]
    if pagefind:  # plain Pagefind over the built site, as its own command line runs it
        floor_commands.append([python, "-m", "pagefind", "--site", str(floor_site), "--silent"])

    check = timed("check", [[python, "-m", "build_scripts.cli", "check", str(repo)]], runs, [], logs)
    # The floor and the build take turns, so that a slow spell of a shared machine weighs on
    # both: each build is also compared with the floor run just before it.
    # A full build is a clean one (--clean: the build cache of the previous round is not used);
    # with --incremental, one briefing then changes and the site is built again from the cache.
    floors, builds, incrementals = [], [], []
    build_command = [python, "-m", "build_scripts.cli", "build", str(repo)]
    for attempt in range(runs):
        print(f"round {attempt + 1}/{runs}", file=sys.stderr)
        floors.append(timed("floor", floor_commands, 1, [floor_site], logs))
        builds.append(timed("build", [[*build_command, "--clean"]], 1, [site], logs))
        if args.incremental:
            edit_one_briefing(repo, attempt)
            incrementals.append(timed("incremental", [build_command], 1, [], logs))
    floor, build = _best(floors), _best(builds)
    pairs = [b["seconds"] / f["seconds"] for f, b in zip(floors, builds)]
    incremental = _best(incrementals) if incrementals else None
    incremental_pairs = [b["seconds"] / f["seconds"] for f, b in zip(floors, incrementals)]
    load_after = os.getloadavg()
    own_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    pages = generated + static
    index_file = site / "search" / "search_index.json"
    floor_index = floor_site / "search" / "search_index.json"
    index_bytes = index_file.stat().st_size if index_file.is_file() else None
    floor_index_bytes = floor_index.stat().st_size if floor_index.is_file() else None
    pagefind_files, pagefind_bytes = _bytes_under(site / "pagefind")
    ratio = build["seconds"] / floor["seconds"]
    reproduce = f"nice -n 10 python benchmarks/bench_build.py --briefings {args.briefings} --runs {runs}"
    if args.incremental:
        reproduce += " --incremental"
    if args.search:
        reproduce += f" --search {args.search}"
    if args.commit:
        reproduce += f" --commit {state['commit']}"
    if args.sources is not None:
        reproduce += f" --sources {args.sources}"
    if args.citations != 10 or args.seed:
        reproduce += f" --citations {args.citations} --seed {args.seed}"
    figures = {
        "date": dt.date.today().isoformat(),
        "code": state,
        "search": "pagefind" if pagefind else "material",
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "versions": {n: _version(n) for n in ("mkdocs", "mkdocs-material", "markdown", "jinja2", "nh3", "pagefind")},
        "briefings": args.briefings, "sources": sources, "citations": args.briefings * args.citations,
        "pages": pages, "generated_pages": generated, "static_pages": static, "runs": runs,
        "render_in_process_seconds": render_seconds,
        "check": check, "floor": floor, "build": build, "ratio": ratio, "ratio_by_round": pairs,
        **({"incremental": incremental, "incremental_ratio": incremental["seconds"] / floor["seconds"],
            "incremental_ratio_by_round": incremental_pairs} if incremental else {}),
        "search_index_bytes": index_bytes,
        "floor_search_index_bytes": floor_index_bytes,
        "pagefind_bundle": {"files": pagefind_files, "bytes": pagefind_bytes},
        "site_bytes": sum(f.stat().st_size for f in site.rglob("*") if f.is_file()),
        "load_average": {"before": load_before, "after": load_after},
        "bench_process_peak_rss": own_peak,
        "reproduce": reproduce,
    }
    (RESULTS / f"build-{args.briefings}.json").write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")

    mib = 2 ** 20
    print(f"machine:   {figures['machine']}; load average {load_before[0]:.1f} before, "
          f"{load_after[0]:.1f} after (other work on the machine makes timings noisy)")
    print("versions:  " + ", ".join(f"{k} {v}" for k, v in figures["versions"].items()))
    print(f"code:      commit {state['commit']}" + (f", uncommitted changes to {', '.join(state['uncommitted'])}"
                                                     if state["uncommitted"] else "")
          + (f" (snapshot in {state['snapshot']})" if "snapshot" in state else " (working tree)"))
    print(f"corpus:    {args.briefings} briefings, {sources} sources, {figures['citations']} citations")
    print(f"pages:     {pages} ({generated} generated, {static} static)")
    print(f"check:     {check['seconds']:.2f} s, peak {check['peak_rss'] / mib:.0f} MiB  (briefings check)")
    print(f"floor:     {floor['seconds']:.2f} s, peak {floor['peak_rss'] / mib:.0f} MiB  "
          f"(mkdocs build of the same pages as static files{' + Pagefind' if pagefind else ''}; best of {runs})")
    if "steps" in floor:
        (mk, pf), = [floor["steps"]]
        print(f"           = mkdocs build {mk['seconds']:.2f} s (peak {mk['peak_rss'] / mib:.0f} MiB) "
              f"+ Pagefind {pf['seconds']:.2f} s (peak {pf['peak_rss'] / mib:.0f} MiB)")
    print(f"build:     {build['seconds']:.2f} s, peak {build['peak_rss'] / mib:.0f} MiB  "
          f"(briefings build; best of {runs})")
    print(f"ratio:     {ratio:.2f} x the floor (target <= {TARGET_RATIO}); round by round "
          + ", ".join(f"{pair:.2f}" for pair in pairs))
    if incremental:
        print(f"one edit:  {incremental['seconds']:.2f} s, peak {incremental['peak_rss'] / mib:.0f} MiB  "
              f"(briefings build after one briefing changed); {incremental['seconds'] / floor['seconds']:.2f} x "
              "the floor; round by round " + ", ".join(f"{pair:.2f}" for pair in incremental_pairs))
    print(f"per page:  {1000 * build['seconds'] / pages:.1f} ms build, {1000 * floor['seconds'] / pages:.1f} ms floor")
    if index_bytes is not None:
        print(f"search:    site/search/search_index.json {index_bytes / mib:.1f} MiB "
              f"(floor's {(floor_index_bytes or 0) / mib:.1f} MiB); site {figures['site_bytes'] / mib:.0f} MiB")
    else:
        print(f"search:    Pagefind: site/pagefind/ {pagefind_files} files, {pagefind_bytes / mib:.1f} MiB "
              f"(no site/search/search_index.json); site {figures['site_bytes'] / mib:.0f} MiB")
    print(f"memory:    whole process tree (sampled): check {check['tree_peak_rss'] / mib:.0f} MiB, "
          f"build {build['tree_peak_rss'] / mib:.0f} MiB (target < 1024 at 5,000 briefings); peaks above are "
          f"each command's largest process (wait4)")
    print(f"reproduce: {reproduce}")
    memory_ok = args.briefings < 5000 or max(check["tree_peak_rss"], build["tree_peak_rss"]) < TARGET_MEMORY
    return 0 if ratio <= TARGET_RATIO and memory_ok else 1


if __name__ == "__main__":
    sys.exit(main())
