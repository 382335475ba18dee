"""Index a built site with Pagefind, in parts: bounded memory, side by side, reused when unchanged.

Pagefind holds every page it indexes in memory until it writes the index, and peaks at
about 40 bytes per character of indexed text: one run over 5,000 briefings and their
15,000 sources would need several GiB. So the pages are split into parts of about
``part_text`` characters (:func:`partition`); each part is indexed by its own Pagefind
run, as many side by side as the machine has cores, and the browser merges them at query
time with Pagefind's ``mergeIndex``. The first part is the primary bundle in
``pagefind/`` (script, WebAssembly, UI); the others, in ``pagefind/part-N/``, hold only
their index. ``pagefind/parts.js`` names them for the search box.

Each page goes to the part its path hashes to, so an edit changes the parts of the pages
it changed and no other: an incremental build (see :mod:`.cache`) keeps the index of every
part whose pages are byte for byte those of the previous build, and runs Pagefind only
for the others. A part's index depends on its pages alone, so the site is the same as
when every part is indexed anew. A small site is a single part, exactly what one plain
Pagefind run makes.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .interrupt import die_with_parent
from .progress import SILENT, Progress

BUNDLE = "pagefind"
#: Characters of page text per part: Pagefind peaks at about 160 MiB on these, and two
#: parts side by side stay well under the 1 GiB a build may take. Smaller parts make an
#: edit cheaper to index again (half the size: half a second less at 1,000 briefings),
#: but every query fetches from every part (at 2 million, 18 parts at 1,000 briefings,
#: a first query fetched 873 KB rather than 417 KB with 3 parts).
PART_TEXT = 4_000_000
#: Pagefind runs side by side: two, or one on a single core (memory: two parts at a time).
WORKERS = max(1, min(2, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))
#: Leave out of the index: heading permalinks, citation backlinks, citation markers.
EXCLUDE = ".headerlink, .brf-backrefs, a.citation"
#: What a secondary part keeps: Pagefind's primary bundle serves the script and WebAssembly.
PART_FILES = ("pagefind-entry.json", "index", "fragment", "filter")
PARTS_SCRIPT = "parts.js"

_BODY = b"data-pagefind-body"
_TAG = re.compile(rb"<[^>]*>")
_DIGEST = re.compile(r"[0-9a-f]{32}")


class SearchIndexError(Exception):
    """Pagefind is missing or failed; the message says which page set and why."""


@dataclass(frozen=True)
class IndexedPage:
    """A page Pagefind indexes: its path in the site, the length of its text from the
    ``data-pagefind-body`` marker on (an upper bound of what is indexed), a hash of its
    bytes, and the file's stamp (size, modification time, inode) when it was read."""

    path: str
    text: int
    digest: bytes = b""
    stamp: tuple[int, int, int] = (0, 0, 0)


#: What a build's search index was made of: each part's key (:func:`part_key`), and each
#: page as :func:`indexed_pages` found it, ``{path: [size, mtime_ns, inode, text, digest]}``
#: (or ``None`` for a page without the marker). A page file whose stamp is unchanged in the
#: next build (an incremental build starts from hard links to this site's files, and every
#: file it writes is written anew) is that very file: it is not read again.
Indexed = dict


def _html_files(site: Path) -> list[tuple[str, os.stat_result]]:
    """Each HTML file of ``site`` but Pagefind's own, in path order, with its status."""
    found = []
    folders = [(site, "")]
    while folders:
        folder, prefix = folders.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                relative = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    if relative != BUNDLE:
                        folders.append((Path(entry.path), relative + "/"))
                elif entry.name.endswith(".html") and entry.is_file():
                    found.append((relative, entry.stat()))
    found.sort(key=lambda item: item[0].split("/"))  # (the order of Path objects: part by part)
    return found


def _scan(site: Path, known: dict | None = None) -> list[tuple[str, tuple[int, int, int], int | None, bytes]]:
    """Each HTML page of ``site`` (see :func:`_html_files`): its path, stamp, length of
    text from the marker on (``None``: no marker) and hash. ``known``: the pages of a
    previous build (see :data:`Indexed`); a file with the same stamp is not read again."""
    scanned = []
    known = known or {}
    for path, st in _html_files(site):
        stamp = (st.st_size, st.st_mtime_ns, st.st_ino)
        was = known.get(path)
        if isinstance(was, list) and len(was) == 5 and tuple(was[:3]) == stamp \
                and (was[3] is None or isinstance(was[3], int)) and isinstance(was[4], str) \
                and _DIGEST.fullmatch(was[4]):
            text, digest = was[3], bytes.fromhex(was[4])
        else:
            data = (site / path).read_bytes()
            at = data.find(_BODY)
            text = len(_TAG.sub(b"", data[at:])) if at >= 0 else None
            digest = hashlib.blake2b(data, digest_size=16).digest()
        scanned.append((path, stamp, text, digest))
    return scanned


def _indexed(scanned) -> list[IndexedPage]:
    marked = [IndexedPage(path, text, digest, stamp) for path, stamp, text, digest in scanned if text is not None]
    # (no page marked: Pagefind indexes every page whole, and so one part of them all)
    return marked or [IndexedPage(path, 0, digest, stamp) for path, stamp, _, digest in scanned]


def indexed_pages(site: Path, known: dict | None = None) -> list[IndexedPage]:
    """Every page Pagefind indexes (it carries ``data-pagefind-body``), in path order, or
    every HTML page when none does (Pagefind then indexes them whole)."""
    return _indexed(_scan(site, known))


def partition(pages: list[IndexedPage], part_text: int) -> list[list[IndexedPage]]:
    """The pages in as many parts as their text needs at ``part_text`` characters a part,
    each page in the part its path hashes to (in path order within it). Parts with no page
    are left out."""
    if not pages:
        return []
    count = max(1, -(-sum(page.text for page in pages) // part_text))
    parts: list[list[IndexedPage]] = [[] for _ in range(count)]
    for page in pages:
        where = hashlib.blake2b(page.path.encode("utf-8", "surrogateescape"), digest_size=8).digest()
        parts[int.from_bytes(where, "big") % count].append(page)
    return [part for part in parts if part]


def part_key(pages: list[IndexedPage], device: int = 0) -> str:
    """What a part's index depends on: its pages' paths and bytes, how Pagefind runs, and
    the file system it reads them from (``device``: the order in which Pagefind finds the
    files, which its index follows, is the file system's)."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{_pagefind_version()}\0{EXCLUDE}\0{device}\0".encode())
    for page in pages:
        digest.update(page.path.encode("utf-8", "surrogateescape") + b"\0" + page.digest)
    return digest.hexdigest()


def _pagefind() -> tuple[str, ...]:
    """How to run Pagefind: its binary, as the ``pagefind`` package finds it (its
    ``PAGEFIND_BINARY_PATH`` first; one Python start less for each part), else through the
    package, which says what is missing."""
    try:
        from pagefind.service import get_executable

        found = get_executable()
    except (ImportError, OSError):
        found = None
    return (str(found),) if found is not None else (sys.executable, "-m", BUNDLE)


def _pagefind_version() -> str:
    from importlib import metadata

    try:
        return metadata.version(BUNDLE)
    except metadata.PackageNotFoundError:
        return "-"


def _link_tree(site: Path, pages: list[IndexedPage], tree: Path) -> None:
    """A folder holding only ``pages``, at their paths in the site (hard links: no copy)."""
    for page in pages:
        target = tree / page.path
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(site / page.path, target)
        except OSError:
            shutil.copyfile(site / page.path, target)


class _Run:
    """One Pagefind run over the pages of a part, linked into a folder of their own."""

    def __init__(self, site: Path, work: Path, number: int, pages: list[IndexedPage], label: str) -> None:
        self.number, self.pages, self.label = number, pages, label
        self.tree, self.output = work / f"site-{number}", work / f"part-{number}"
        _link_tree(site, pages, self.tree)
        self.log = tempfile.TemporaryFile(dir=work)
        command = [*_pagefind(), "--site", str(self.tree), "--output-path", str(self.output),
                   "--silent", "--exclude-selectors", EXCLUDE]
        try:
            self.process = subprocess.Popen(command, stdout=self.log, stderr=self.log,
                                            preexec_fn=die_with_parent(signal.SIGKILL))  # (leaves nothing to clean)
        except OSError as exc:
            raise SearchIndexError(f"cannot run Pagefind to index {label}: {exc}") from None

    def done(self) -> bool:
        if self.process.poll() is None:
            return False
        self.log.seek(0)
        detail = self.log.read().decode("utf-8", "replace").strip().splitlines()
        self.log.close()
        if self.process.returncode != 0 or not (self.output / "pagefind-entry.json").is_file():
            hint = " (install it with: pip install 'pagefind[extended]')" if any("binary" in d for d in detail) else ""
            raise SearchIndexError(f"Pagefind could not index {self.label}{hint}: "
                                   f"{detail[-1] if detail else f'exit code {self.process.returncode}'}")
        shutil.rmtree(self.tree)
        return True

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def index_site(site: Path, part_text: int = PART_TEXT, progress: Progress = SILENT,
               previous: Indexed | None = None, workers: int | None = None) -> Indexed:
    """Write the search bundle of ``site`` into ``site/pagefind``; return what it was made
    of (see :data:`Indexed`).

    ``previous``: what the index of the build ``site`` started from (whose ``pagefind/``
    it holds) was made of; a part whose key is unchanged is kept as it is. ``workers``: Pagefind runs
    side by side (default: the cores this process may use). ``progress`` counts the
    pages indexed (or kept), part by part.
    """
    previous = previous if isinstance(previous, dict) and (site / BUNDLE / PARTS_SCRIPT).is_file() else {}
    known = previous.get("pages") if isinstance(previous.get("pages"), dict) else None
    scanned = _scan(site, known)
    parts = partition(_indexed(scanned), part_text)
    device = os.stat(site).st_dev
    keys = [part_key(part, device) for part in parts]
    bundle, work = site / BUNDLE, site / ".pagefind-parts"
    previous = previous.get("parts") if isinstance(previous.get("parts"), list) else []
    stale = [number for number, key in enumerate(keys) if number >= len(previous) or previous[number] != key]
    progress.set_total(sum(map(len, parts)))
    progress.advance(sum(len(parts[number]) for number in range(len(parts)) if number not in stale))
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    workers = workers or WORKERS
    queue = [(number, parts[number]) for number in stale]
    running: list[_Run] = []
    try:
        _remove_parts(bundle, keep=set(range(len(parts))) - set(stale))
        while queue or running:
            while queue and len(running) < workers:
                number, pages = queue.pop(0)
                label = "the site" if len(parts) == 1 else \
                    f"part {number + 1} of {len(parts)} ({pages[0].path} to {pages[-1].path})"
                running.append(_Run(site, work, number, pages, label))
            finished = [run for run in running if run.done()]
            for run in finished:
                running.remove(run)
                _move_in(run.output, bundle, run.number)
                progress.advance(len(run.pages))
            if not finished:
                time.sleep(0.02)
    finally:
        for run in running:
            run.stop()
        shutil.rmtree(work, ignore_errors=True)
    if not (bundle / "pagefind-ui.js").is_file():
        raise SearchIndexError("Pagefind wrote no search bundle: no page of the site carries data-pagefind-body")
    names = [f"part-{number}/" for number in range(1, len(parts))]
    script = bundle / PARTS_SCRIPT
    script.unlink(missing_ok=True)  # (a hard link to the previous build's: written anew, not into it)
    script.write_text("// Written by `briefings build`: the index parts the search box merges.\n"
                      f"window.briefingsSearchParts = {json.dumps(names)};\n", encoding="utf-8")
    return {"parts": keys, "pages": {path: [*stamp, text, digest.hex()] for path, stamp, text, digest in scanned}}


def _remove_parts(bundle: Path, keep: set[int]) -> None:
    """Remove from ``bundle`` the index of every part not in ``keep`` (the first part's is
    the bundle's own files; a part beyond the new count goes too)."""
    if not bundle.exists():
        return
    if 0 not in keep:
        for entry in bundle.iterdir():
            if not re.fullmatch(r"part-\d+", entry.name):
                shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
    for entry in bundle.glob("part-*"):
        number = entry.name[len("part-"):]
        if not number.isdigit() or int(number) not in keep:
            shutil.rmtree(entry, ignore_errors=True)


def _move_in(output: Path, bundle: Path, number: int) -> None:
    """Put the index Pagefind wrote into ``output`` in its place in ``bundle``."""
    if number == 0:
        bundle.mkdir(exist_ok=True)
        for entry in output.iterdir():
            entry.rename(bundle / entry.name)
        output.rmdir()
        return
    final = bundle / f"part-{number}"
    final.mkdir(parents=True)
    for name in PART_FILES:
        if (output / name).exists():
            (output / name).rename(final / name)
    for meta in output.glob("*.pf_meta"):
        meta.rename(final / meta.name)
    shutil.rmtree(output)
