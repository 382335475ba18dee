"""The ``briefings`` command: each verb loads the repository and calls one function."""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import os
import signal
import subprocess
import sys
import threading
import typing
from pathlib import Path

from . import __version__, interrupt, pipeline
from .checks import Result
from .model import TLP_ORDER
from .repo import Repository, load_repository
from .report import FORMATS, exit_code, render, step_summary

EXIT_USAGE = 2


class CannotRun(Exception):
    """The command could not do its work (exit code 2); the message says why."""


def run_check(root: Path) -> Result:
    """Load and check the repository at ``root``."""
    return load_and_check(root)[1]


def load_and_check(root: Path) -> tuple[Repository, Result]:
    """The repository at ``root`` and the verdict on it."""
    _require_repository(root)
    return pipeline.load_and_check(root)


def _require_repository(root: Path) -> None:
    if not root.is_dir():
        raise CannotRun(f"{root} is not a folder")
    if not (root / "briefings").exists() and not (root / "sources").exists():  # (a file: BRF209)
        raise CannotRun(f"{root} is not a briefing repository: it has no briefings/ or sources/ folder")


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


#: Set for the child process of ``briefings build``: the file it hands the staged site over in.
HANDOFF = "BRIEFINGS_BUILD_HANDOFF"
#: Set for the child process too: the process token of the build (its parent), which
#: staging folders are named for (see :mod:`.sitedir`).
OWNER = "BRIEFINGS_BUILD_OWNER"
#: Repositories whose records and sources take more bytes than this (about 400 briefings)
#: are checked and rendered in a child process; smaller ones are built in this process,
#: where a second interpreter would cost more time than the memory it gives back.
CHILD_ABOVE_BYTES = 10_000_000


def cmd_build(args: argparse.Namespace) -> int:
    """Check and build the site. For a large repository a child process checks, renders and
    indexes the pages (it lets go of the records before the last parts of the search index
    are made); this one then swaps the site in. The child's memory (every record, every
    MkDocs page) goes back to the system when it exits.

    The site folder is checked first, before the repository is: a folder that a build must
    not replace is refused before anything is read or written."""
    from .sitedir import UnsafeSiteDir, site_target

    handoff = os.environ.get(HANDOFF)
    _require_repository(Path(args.path))
    try:
        target = site_target(Path(args.path), args.site_dir)
    except UnsafeSiteDir as exc:
        raise CannotRun(str(exc)) from None
    with _progress(args, handoff) as progress, _leftovers(Path(args.path), handoff):
        if handoff is None and _size_over(Path(args.path), CHILD_ABOVE_BYTES):
            return _build_in_child(args, target, progress)
        rendered = _check_and_render(args, progress)
        if isinstance(rendered, int):
            return rendered
        staged, summary = rendered
        if handoff is not None:
            Path(handoff).write_text(json.dumps({**staged.as_json(), "summary": summary}), encoding="utf-8")
            return 0
        return _finish(staged, summary, progress)


def _leftovers(root: Path, handoff: str | None):
    """What stopped builds left in the cache's trash, removed while this one runs (see
    :mod:`.removal`), by the parent of a build in a child process; not in a cache git tracks."""
    from .cache import FOLDER, committed
    from .removal import TRASH, Removals

    if handoff is not None:
        return contextlib.nullcontext()
    removals = Removals(root / FOLDER)
    if (root / FOLDER / TRASH).is_dir() and not committed(root / FOLDER):
        removals.leftovers()
    return removals


def _progress(args: argparse.Namespace, handoff: str | None):
    """What shows the build's progress on standard error: the child process of a large build
    sends it to its parent, which shows it (see :mod:`.progress`)."""
    from .progress import SILENT, Relay, for_build

    if args.quiet:
        return SILENT
    return Relay(sys.stderr) if handoff is not None else for_build(sys.stderr, verbose=args.verbose)


def _check_and_render(args: argparse.Namespace, progress):
    """The staged site and the summary to print, or the exit code when nothing was built."""
    from .site import BuildFailed
    from .sitedir import UnsafeSiteDir

    root = Path(args.path)
    _require_repository(root)
    loaded = {"checked": pipeline.check(root, progress, cached=not args.clean)}  # handed over below: the build lets go of it
    result = loaded["checked"][1]
    if result.diagnostics:
        _emit(result, args.format, root, sys.stderr if args.format == "text" else None)
    if exit_code(result, args.strict):
        print(f"briefings: nothing was built: fix the {'problems' if args.strict else 'errors'} above, "
              "then build again", file=sys.stderr)
        return 1
    options = pipeline.Options(site_dir=args.site_dir, max_marking=args.max_marking, offline=args.offline,
                               strict=args.strict, verbose=args.verbose, incremental=not args.clean,
                               owner=os.environ.get(OWNER), pdf=args.pdf)
    try:
        staged = pipeline.render(root, loaded.pop("checked"), options, progress)
    except UnsafeSiteDir as exc:
        raise CannotRun(str(exc)) from None
    except BuildFailed as exc:
        reason = "" if exc.logged else f": {exc}"  # (MkDocs logged the reason)
        print(f"briefings: the site was not built{reason}; the previous site is unchanged", file=sys.stderr)
        return 1
    kind = "offline site" if args.offline else "site"
    subset = f" (public subset: up to {args.max_marking})" if args.max_marking else ""
    summary = (f"Built the {kind}{subset} into {_shown(staged.target)}: {result.briefings} briefings, "
               f"{result.sources} sources, {result.citations} citations checked.\n")
    if args.pdf:
        summary += "Each briefing's PDF is beside its page: briefings/<id>/<id>.pdf.\n"
    if args.offline:
        summary += f"Open {_shown(staged.target / 'index.html')} in a browser; it needs no server and no network.\n"
    return staged, summary


def _finish(staged, summary: str, progress) -> int:
    """Index the search, swap the site in and say so (once the progress display has ended)."""
    from .site import BuildFailed

    try:
        pipeline.publish(staged, progress)
    except BuildFailed as exc:
        print(f"briefings: the site was not built: {exc}; the previous site is unchanged", file=sys.stderr)
        return 1
    progress.close()
    sys.stdout.write(summary)
    return 0


def _size_over(root: Path, limit: int) -> bool:
    """Whether the files under ``briefings/`` and ``sources/`` take more than ``limit`` bytes."""
    total = 0
    folders = [root / "briefings", root / "sources"]
    while folders:
        try:
            entries = list(os.scandir(folders.pop()))
        except OSError:
            continue  # a missing folder: the check names it
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    folders.append(Path(entry.path))
                elif entry.is_file():
                    total += entry.stat().st_size
            except OSError:
                continue
            if total > limit:
                return True
    return False


def _build_in_child(args: argparse.Namespace, target: Path, progress) -> int:
    """Check and render in a child process, which hands the staged site over through a pipe
    (nothing to leave behind) and its progress through its standard error (shown here on
    ``progress``); then index and swap it in here."""
    from .site import Staged
    from .sitedir import process_token, remove_own

    owner = process_token()
    read_end, write_end = os.pipe()
    with os.fdopen(read_end, "rb") as handoff:
        # (read as it comes: what it hands over may not fit in the pipe's buffer)
        received: list[bytes] = []
        reader = threading.Thread(target=lambda: received.append(handoff.read()), daemon=True)
        reader.start()
        try:
            code = _run_relayed([sys.executable, "-m", "build_scripts.cli", *args.argv],
                                {**os.environ, HANDOFF: f"/dev/fd/{write_end}", OWNER: owner},
                                pass_fds=(write_end,), progress=progress)
            reader.join()
            handed = received[0] if received else b""
        except BaseException:
            remove_own(target, owner)  # what the child staged, if it could not remove it itself
            raise
    if code in (128 + signal.SIGINT, 128 + signal.SIGTERM):  # the child alone was stopped
        remove_own(target, owner)
        raise interrupt.Interrupted(code - 128)
    if code < 0:
        remove_own(target, owner)
        name = signal.Signals(-code).name if -code in signal.valid_signals() else f"signal {-code}"
        memory = " (out of memory?)" if -code == signal.SIGKILL else ""
        print(f"briefings: the site was not built: the process building its pages was killed by {name}{memory}; "
              "the previous site is unchanged", file=sys.stderr)
        return 1
    if code != 0 or not handed:
        remove_own(target, owner)
        return code or 1
    data = json.loads(handed)
    return _finish(Staged.from_json(data), data["summary"], progress)


def _run_relayed(command: list[str], env: dict[str, str], pass_fds: tuple[int, ...] = (),
                 progress=None) -> int:
    """Run ``command``, passing its output on line by line as it comes; the progress it
    reports among its standard error (:class:`.progress.Relay`) is shown on ``progress``.

    ``pass_fds`` are handed over to the child (and closed here). The child runs in its own
    process group, so that a Ctrl-C reaches it once, from here: this process passes SIGINT
    and SIGTERM on and waits for the child to clean up. It dies with this process.
    """
    try:
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   encoding="utf-8", errors="replace", pass_fds=pass_fds, process_group=0,
                                   preexec_fn=interrupt.die_with_parent(signal.SIGTERM))
    finally:
        for fd in pass_fds:
            os.close(fd)

    from .progress import SILENT, replay

    def relay(stream, to, events=None) -> None:
        for line in stream:
            if events is None or not replay(events, line):
                to.write(line)
                to.flush()

    threads = [threading.Thread(target=relay, args=(process.stdout, sys.stdout), daemon=True),
               threading.Thread(target=relay, args=(process.stderr, sys.stderr, progress or SILENT), daemon=True)]
    for thread in threads:
        thread.start()
    try:
        code = process.wait()
    except KeyboardInterrupt as stop:
        if process.poll() is None:
            process.send_signal(interrupt.signal_of(stop))
        process.wait()  # while it removes what it had staged (a second signal waits: see interrupt.handled)
        for thread in threads:
            thread.join()
        raise
    for thread in threads:
        thread.join()
    return code


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def cmd_serve(args: argparse.Namespace) -> int:
    from .serve import serve
    from .site import BuildFailed

    root = Path(args.path)
    _, result = load_and_check(root)
    if result.diagnostics:
        _emit(result, "text", root, sys.stderr)
    if result.errors:
        print("briefings: fix the errors above, then serve again", file=sys.stderr)
        return 1
    try:
        serve(root.resolve(), dev_addr=args.dev_addr, max_marking=args.max_marking, open_in_browser=args.open,
              shown=result.diagnostics)
    except BuildFailed as exc:
        print(f"briefings: cannot serve the site: {exc}", file=sys.stderr)
        return 1
    return 0


def _checked(root: Path, refused: str) -> Repository:
    """The repository at ``root``, when it checks without error; otherwise its diagnostics
    are shown and the command cannot run (``refused``: what it did not do)."""
    repo, result = load_and_check(root)
    if result.errors:
        _emit(result, "text", root, sys.stderr)
        raise CannotRun(f"{refused}: the repository has {result.errors} error{'s' if result.errors != 1 else ''}; "
                        "fix them (see above), then run it again")
    return repo


def cmd_score(args: argparse.Namespace) -> int:
    from . import score

    repo = _checked(Path(args.path), "nothing was scored")
    record = score.score(repo.briefings)
    print(json.dumps(record.as_dict(), ensure_ascii=False, indent=2) if args.format == "json"
          else score.as_text(record), end="\n" if args.format == "json" else "")
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    from .diffreport import run
    from .gitrev import RevisionError

    try:
        sys.stdout.write(run(Path(args.path), args.base, args.head, args.format, args.max_marking))
    except RevisionError as exc:
        raise CannotRun(str(exc)) from None
    return 0


def cmd_pdf(args: argparse.Namespace) -> int:
    from . import pdf
    from .sitedir import replace_file

    root = Path(args.path)
    repo = _checked(root, "no PDF was written")
    try:
        target = pdf.output_target(root, args.output, args.id)
        made = pdf.briefing_pdf(repo, args.id, root / "templates", args.max_marking)
        replace_file(target, made.data)
    except pdf.PdfError as exc:
        raise CannotRun(str(exc)) from None
    except OSError as exc:
        raise CannotRun(f"cannot write the PDF: {exc.strerror or exc}") from None
    print(f"wrote {_shown(target)}: {made.pages} page{'s' if made.pages != 1 else ''}, "
          f"marked {made.marking} at the top and bottom of each")
    return 0


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


def cmd_export(args: argparse.Namespace) -> int:
    from . import stix

    root = Path(args.path)
    repo = _checked(root, "nothing was exported")
    try:
        made = stix.export(repo, args.max_marking or TLP_ORDER[-1], stix.team_name(root))
        if args.output is None or str(args.output) == "-":
            sys.stdout.write(made.text)
        else:
            written = stix.write(root, args.output, made.text)
            subset = f" (public subset: up to {args.max_marking})" if args.max_marking else ""
            print(f"wrote {_shown(written)}: a STIX 2.1 bundle of {made.reports} briefing"
                  f"{'s' if made.reports != 1 else ''}{subset}")
    except stix.Refused as exc:
        raise CannotRun(str(exc)) from None
    return 0


def cmd_new(args: argparse.Namespace) -> int:
    from . import scaffold

    try:
        rel = scaffold.new_briefing(Path(args.path), args.id, args.date or scaffold.today(), title=args.title)
    except scaffold.Refused as exc:
        raise CannotRun(str(exc)) from None
    print(f"created {rel} (status draft, marking TLP:CLEAR)")
    print("next: write its title and summary, uncomment the sections you need, then run 'briefings check'")
    return 0


def cmd_source_add(args: argparse.Namespace) -> int:
    from . import scaffold

    metadata = {key: getattr(args, key) for key in scaffold.SOURCE_KEYS}
    try:
        archived = scaffold.add_source(Path(args.path), args.file, args.id, metadata)
    except scaffold.Refused as exc:
        raise CannotRun(str(exc)) from None
    print(scaffold.archived_report(archived, args.file), end="")
    return 0


def cmd_source_verify(args: argparse.Namespace) -> int:
    from .capture import verify
    from .schema import closest

    root = Path(args.path)
    _require_repository(root)
    sources = load_repository(root).sources
    for wanted in args.ids:
        if wanted not in sources:
            if (root / "sources" / f"{wanted}.yaml").exists():
                raise CannotRun(f"source '{wanted}' does not load; run 'briefings check' to see why")
            guess = closest(wanted, list(sources))
            raise CannotRun(f"unknown source '{wanted}'" + (f"; did you mean '{guess}'?" if guess else ""))
    chosen = [sources[i] for i in dict.fromkeys(args.ids)] if args.ids else list(sources.values())
    verdicts = [verify.verify(root, source) for source in chosen]
    print(verify.report(verdicts), end="")
    return 1 if any(v.mismatch for v in verdicts) else 0


def _default_format() -> str:
    return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"


def _engine_option(parser: argparse.ArgumentParser) -> None:
    from .engine import ENGINES, ENV

    parser.add_argument("--engine", choices=ENGINES,
                        help=f"the static-site engine (default: ${ENV}, else properdocs when it is "
                             "installed, else mkdocs)")


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
    check.set_defaults(func=cmd_check, doing="checking the repository")

    build = verbs.add_parser("build", help="check, then build the site into site/",
                             description="Check the repository, then build the site. Nothing is built "
                                         "when a check fails, and the previous site is replaced only "
                                         "by a complete build.")
    build.add_argument("path", nargs="?", default=".", help="the repository (default: the current folder)")
    build.add_argument("--max-marking", choices=TLP_ORDER, metavar="TLP:...",
                       help="public build: leave out every briefing and source above this marking")
    build.add_argument("--offline", action="store_true",
                       help="a site that works opened from the file system (file://), search included")
    build.add_argument("--site-dir", type=Path, help="where to build (default: site/ of mkdocs.yml)")
    build.add_argument("--format", choices=FORMATS, default=_default_format(),
                       help="format of the check's diagnostics")
    build.add_argument("--strict", action="store_true", help="do not build when the check warns")
    build.add_argument("--clean", action="store_true",
                       help="build every page anew, not only those that changed since the last build "
                            "(the cache in .briefings-cache/ is renewed)")
    build.add_argument("--verbose", action="store_true", help="show every message of MkDocs")
    build.add_argument("-q", "--quiet", action="store_true",
                       help="show no progress (diagnostics and errors are still shown)")
    build.add_argument("--pdf", action="store_true",
                       help="also write each briefing as a PDF beside its page (briefings/<id>/<id>.pdf)")
    _engine_option(build)
    build.set_defaults(func=cmd_build, doing="building the site; the previous site is unchanged")

    serve = verbs.add_parser("serve", help="preview the site, rebuilt on every change",
                             description="Serve the site at http://127.0.0.1:8000/ and rebuild it "
                                         "whenever briefings/, sources/ or templates/ change.")
    serve.add_argument("path", nargs="?", default=".", help="the repository (default: the current folder)")
    serve.add_argument("--dev-addr", metavar="IP:PORT", help="address to serve on (default 127.0.0.1:8000)")
    serve.add_argument("--max-marking", choices=TLP_ORDER, metavar="TLP:...",
                       help="preview the public subset up to this marking")
    serve.add_argument("--open", action="store_true", help="open the site in the default browser")
    _engine_option(serve)
    serve.set_defaults(func=cmd_serve)

    scores = verbs.add_parser("score", help="the forecast record: Brier scores of resolved questions",
                              description="Score the resolved questions (Brier), by team and by author, and the "
                                          "calibration of each ICD 203 likelihood term.")
    scores.add_argument("path", nargs="?", default=".", help="the repository (default: the current folder)")
    scores.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    scores.set_defaults(func=cmd_score, doing="scoring the forecast record")

    diff = verbs.add_parser(
        "diff", help="what changed between two revisions, by meaning: judgments, markings, citations",
        usage="%(prog)s BASE [HEAD] [--format text|markdown|json] [--path PATH] [--max-marking TLP:...]",
        description="Compare the briefings and sources at git revision BASE with HEAD (default: the working "
                    "tree, uncommitted edits included), by meaning rather than by line: moved likelihoods and "
                    "confidences, lowered markings, added, removed and reworded items, citations, renamed "
                    "briefings, changed sources. Neither the working tree nor the index is touched. Exit 2 "
                    "when a revision does not exist or its records do not load.")
    diff.add_argument("base", metavar="BASE", help="the revision to compare from: a branch, tag or commit")
    diff.add_argument("head", metavar="HEAD", nargs="?",
                      help="the revision to compare to (default: the working tree as it is on disk)")
    diff.add_argument("--format", choices=("text", "markdown", "json"), default="text",
                      help="text for a terminal, markdown for a pull request, json (default: text)")
    diff.add_argument("--path", default=".", help="the repository (default: the current folder)")
    diff.add_argument("--max-marking", choices=TLP_ORDER, metavar="TLP:...",
                      help="show a briefing or source above this marking (in either revision) only by its "
                           "marking and its change")
    diff.set_defaults(func=cmd_diff, doing="comparing the revisions")

    pdfs = verbs.add_parser("pdf", help="write one briefing as a PDF, its TLP label on every page",
                            description="Write the briefing ID as a PDF: its TLP label at the top and the bottom "
                                        "of every page, everything its page shows, its citations as numbered "
                                        "endnotes with the quote and the source. Nothing is written when a "
                                        "check fails (exit 2).")
    pdfs.add_argument("id", metavar="ID", help="the briefing id, such as eu-rok-security-dialogue-2024-11")
    pdfs.add_argument("-o", "--output", type=Path, metavar="FILE",
                      help="write to FILE, or into FILE/ when it is a folder (default: ID.pdf in the current "
                           "folder); only a PDF is overwritten")
    pdfs.add_argument("--max-marking", choices=TLP_ORDER, metavar="TLP:...",
                      help="as a public build: refuse a briefing above this marking")
    pdfs.add_argument("--path", default=".", help="the repository (default: the current folder)")
    pdfs.set_defaults(func=cmd_pdf, doing="writing the PDF")

    explain = verbs.add_parser("explain", help="explain a diagnostic code, with examples",
                               description="Explain a diagnostic code (or list them all).")
    explain.add_argument("code", nargs="?", help="a code such as BRF302")
    explain.set_defaults(func=cmd_explain)

    export = verbs.add_parser("export", help="export the briefings as a STIX 2.1 bundle",
                              description="Write the briefings as a STIX 2.1 bundle for a threat-intelligence "
                                          "platform: a report per briefing, a note per key judgment and question "
                                          "assessment, an identity per actor, the TLP 2.0 markings. Two exports "
                                          "of the same records are identical. Nothing is exported when a check "
                                          "fails (exit 2).")
    export.add_argument("path", nargs="?", default=".", help="the repository (default: the current folder)")
    export.add_argument("--format", choices=("stix",), default="stix", help="the export's format (default: stix)")
    export.add_argument("--max-marking", choices=TLP_ORDER, metavar="TLP:...",
                        help="public export: leave out every briefing and source above this marking")
    export.add_argument("-o", "--output", type=Path, metavar="FILE",
                        help="write to FILE (default: standard output); only a previous export is overwritten")
    export.set_defaults(func=cmd_export, doing="exporting the briefings; nothing was written")

    new = verbs.add_parser("new", help="start a briefing from a skeleton",
                           description="Write briefings/ID.yaml: a draft with every section as a "
                                       "commented example. An existing file is never overwritten.")
    new.add_argument("id", help="the briefing id, such as eu-rok-security-dialogue-2024-11")
    new.add_argument("--title", help="the briefing's headline")
    new.add_argument("--date", metavar="YYYY-MM-DD", help="as-of date of the assessment (default: today)")
    new.add_argument("--path", default=".", help="the repository (default: the current folder)")
    new.set_defaults(func=cmd_new)

    source = verbs.add_parser("source", help="archive sources",
                              description="Archive source texts with their metadata.")
    source_verbs = source.add_subparsers(dest="source_verb", metavar="COMMAND")
    source_verbs.required = True
    add = source_verbs.add_parser(
        "add", help="archive a web page, a PDF, a web address or a text file as a source",
        description="Archive FILE as sources/ID.txt with its metadata in sources/ID.yaml. A text file "
                    "(.txt) is copied byte for byte; of a saved web page (.html) the article's main text "
                    "is kept, of a PDF the text page by page, and the original beside it "
                    "(sources/ID.html or .pdf); an http(s) address is downloaded first. Title, date, "
                    "publisher, address and language are taken from the original where the options do "
                    "not give them. Existing files are never overwritten.")
    add.add_argument("file", metavar="FILE", help="a .html, .pdf or UTF-8 .txt file, or an http(s) address")
    add.add_argument("--id", help="the source id, such as yonhap-2024-11-03-borrell-seoul "
                                  "(default: made from the publisher, date and title)")
    add.add_argument("--title", help="headline or document title (default: the original's)")
    add.add_argument("--published", metavar="YYYY-MM-DD", help="date the source was published (default: the original's)")
    add.add_argument("--publisher", help="outlet or issuing body")
    add.add_argument("--url", help="where it was captured from (http or https)")
    add.add_argument("--retrieved", metavar="YYYY-MM-DD", help="date it was captured")
    add.add_argument("--language", help="BCP 47 language tag (default: the page's, else en)")
    add.add_argument("--reliability", metavar="A-F", help="Admiralty source reliability, A to F")
    add.add_argument("--marking", default="TLP:CLEAR", metavar="TLP:...", help="TLP label (default: TLP:CLEAR)")
    add.add_argument("--path", default=".", help="the repository (default: the current folder)")
    add.set_defaults(func=cmd_source_add, doing="archiving the source; nothing was written")
    verify = source_verbs.add_parser(
        "verify", help="check that archived texts are still what their originals give",
        description="Make the text of each source archived from a web page or a PDF again from its "
                    "original, and compare it with the archived text. Exit 1 when one differs.")
    verify.add_argument("ids", nargs="*", metavar="ID", help="the sources to verify (default: all)")
    verify.add_argument("--path", default=".", help="the repository (default: the current folder)")
    verify.set_defaults(func=cmd_source_verify)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    with interrupt.handled():  # SIGTERM too unwinds the command, removing what it had staged
        try:
            if hasattr(args, "engine"):  # before anything imports the engine
                from .engine import EngineMissing, select

                try:
                    select(args.engine)
                except EngineMissing as exc:
                    raise CannotRun(str(exc)) from None
            return args.func(args)
        except CannotRun as exc:
            print(f"briefings: {exc}", file=sys.stderr)
            return EXIT_USAGE
        except OSError as exc:
            if exc.errno not in _FULL:
                raise
            print(f"briefings: cannot write {exc.filename or 'the output'}: {exc.strerror}", file=sys.stderr)
            return EXIT_USAGE
        except KeyboardInterrupt as stop:
            signum = interrupt.signal_of(stop)
            if HANDOFF not in os.environ:  # (the child of a build: its parent says it)
                what = "interrupted" if signum == signal.SIGINT else "terminated"
                print(f"briefings: {what} while {getattr(args, 'doing', f'running briefings {args.verb}')}",
                      file=sys.stderr)
            return 128 + signum


def run() -> typing.NoReturn:
    """The ``briefings`` command: :func:`main`, then an exit without Python's teardown.

    Freeing a large repository's records object by object at exit took seconds (4.6 s at
    5,000 briefings) for memory the system takes back at once. Everything the command
    writes is closed by then; only the standard streams need flushing.
    """
    code = main()
    try:
        sys.stdout.flush()
    except OSError as exc:  # (what it printed did not all reach its output)
        if exc.errno in _FULL:
            print(f"briefings: cannot write the output: {exc.strerror}", file=sys.stderr)
            code = EXIT_USAGE
    except ValueError:  # a closed pipe: nothing more can be said
        pass
    try:
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    os._exit(code)


#: Why a write fails that the user can put right (a full disk, a quota, a device error);
#: a closed pipe is not one of them (the reader has what it wanted).
_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EFBIG)


if __name__ == "__main__":  # pragma: no cover
    run()
