"""Index a site with Pagefind while its pages are written: in parts, side by side, reused when unchanged.

Pagefind holds every page it indexes in memory until it writes the index, and peaks at
about 40 bytes per character of indexed text: one run over 5,000 briefings and their
15,000 sources would need several GiB. So the pages, in the order the engine writes
them, are cut into parts of about ``part_text`` characters (:func:`partition`), each
indexed by a Pagefind run of its own, and the browser merges them at query time with
Pagefind's ``mergeIndex``. The first part is the primary bundle in ``pagefind/``
(script, WebAssembly, UI); the others, in ``pagefind/part-N/``, hold only their index.
``pagefind/parts.js`` names them for the search box.

A part ends after a page whose path hashes to a number under its share of a part's text
(:func:`ends_part`): where parts end depends on the pages' paths and sizes, not on what
the others hold, so an edit changes the parts of the pages it changed and no other, and
a new page moves no end but its own part's. Pagefind runs over a folder that holds, for
each page of its part, only what it reads of the page (:func:`searched`: its language,
title and ``data-pagefind-body`` element on); a part's index depends on that alone.

A clean build hands each page over as the engine writes it (:meth:`Indexer.page`): a part
is indexed as soon as its last page is written, while the engine writes the next ones. An
incremental build (see :mod:`.cache`) keeps the index of every part whose pages Pagefind
reads as the previous build's did, and indexes the others once the site is written.
Either way the index is the same.
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
from .removal import Removals

BUNDLE = "pagefind"
#: Characters of page text per part: Pagefind peaks at about 160 MiB on these. Smaller
#: parts make an edit cheaper to index again, but every query fetches from every part.
PART_TEXT = 4_000_000
#: Pagefinds side by side once the site is written (one while the engine writes it): two,
#: or one on a single core (memory: two parts at a time).
WORKERS = max(1, min(2, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))
#: Leave out of the index: heading permalinks, citation backlinks, citation markers.
EXCLUDE = ".headerlink, .brf-backrefs, a.citation"
#: What a secondary part keeps: Pagefind's primary bundle serves the script and WebAssembly.
PART_FILES = ("pagefind-entry.json", "index", "fragment", "filter")
PARTS_SCRIPT = "parts.js"
#: Where each part's pages wait for their Pagefind run, inside the site (removed after).
WORK = ".pagefind-parts"
#: What a build's whole process tree may take: a part is indexed while the pages are
#: written only if this process, the run (about 40 bytes per character of the part's
#: text) and a margin for the rest fit in it; the others wait until the pages are.
MEMORY = 1 << 30
MARGIN = 96 << 20


def resident() -> int:
    """The memory this process holds now (resident set), in bytes; 0 if unknown."""
    try:
        return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return 0

_BODY = b"data-pagefind-body"
_TAG = re.compile(rb"<[^>]*>")
_DIGEST = re.compile(r"[0-9a-f]{32}")
_OPEN_TAG = re.compile(rb"<html\b[^>]*>", re.IGNORECASE)
_TITLE = re.compile(rb"<title\b[^>]*>.*?</title\s*>", re.IGNORECASE | re.DOTALL)


class SearchIndexError(Exception):
    """Pagefind is missing or failed; the message says which page set and why."""


def searched(data: bytes) -> bytes | None:
    """What Pagefind reads of a page that carries ``data-pagefind-body`` (``None``: it does
    not): its ``<html>`` tag (the language), its ``<title>``, and the page from the element
    that carries the marker on. The navigation and the header before it are left out; the
    whole page is kept when anything before the marker speaks to Pagefind."""
    at = data.find(_BODY)
    if at < 0:
        return None
    start = data.rfind(b"<", 0, at)
    if data.find(b"data-pagefind-", 0, start) >= 0 or start < 0:
        return data
    html, title = _OPEN_TAG.search(data, 0, start), _TITLE.search(data, 0, start)
    return b"".join((html.group() if html else b"<html>", b"<head>", title.group() if title else b"",
                     b"</head><body>", data[start:]))


def _measured(body: bytes) -> tuple[int, bytes]:
    """The length of a page's text (an upper bound of what is indexed) and a hash of what
    Pagefind reads of it."""
    return len(_TAG.sub(b"", body)), hashlib.blake2b(body, digest_size=16).digest()


@dataclass(frozen=True)
class IndexedPage:
    """A page Pagefind indexes: its path in the site, the length of its text, a hash of
    what Pagefind reads of it, and the file's stamp (size, modification time, inode) when
    it was read."""

    path: str
    text: int
    digest: bytes = b""
    stamp: tuple[int, int, int] = (0, 0, 0)


#: What a build's search index was made of: each part's key (:func:`part_key`), and each
#: page, ``{path: [size, mtime_ns, inode, text, digest]}`` (``text`` ``None``: a page
#: without the marker). A page file whose stamp is unchanged in the next build (an
#: incremental build starts from hard links to this site's files, and every file it writes
#: is written anew) is that very file: it is not read again.
Indexed = dict


def _order(path: str) -> list[str]:
    return path.split("/")  # (the order of Path objects: folder by folder)


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
                    if relative not in (BUNDLE, WORK):
                        folders.append((Path(entry.path), relative + "/"))
                elif entry.name.endswith(".html") and entry.is_file():
                    found.append((relative, entry.stat()))
    found.sort(key=lambda item: _order(item[0]))
    return found


def _scan(site: Path, known: dict | None = None) -> list[tuple[str, tuple[int, int, int], int | None, bytes]]:
    """Each HTML page of ``site`` (see :func:`_html_files`): its path, stamp, length of text
    (``None``: no marker) and hash of what Pagefind reads. ``known``: the pages of a
    previous build (see :data:`Indexed`); a file with the same stamp is not read again."""
    scanned, known = [], known or {}
    for path, st in _html_files(site):
        stamp = (st.st_size, st.st_mtime_ns, st.st_ino)
        was = known.get(path)
        if isinstance(was, list) and len(was) == 5 and tuple(was[:3]) == stamp \
                and (was[3] is None or isinstance(was[3], int)) and isinstance(was[4], str) \
                and _DIGEST.fullmatch(was[4]):
            text, digest = was[3], bytes.fromhex(was[4])
        else:
            body = searched((site / path).read_bytes())
            text, digest = _measured(body) if body is not None else (None, bytes(16))
        scanned.append((path, stamp, text, digest))
    return scanned


def indexed_pages(site: Path, known: dict | None = None) -> list[IndexedPage]:
    """Every page of ``site`` that Pagefind indexes (it carries ``data-pagefind-body``), in
    path order (``known``: see :func:`_scan`)."""
    return [IndexedPage(path, text, digest, stamp) for path, stamp, text, digest in _scan(site, known)
            if text is not None]


def _recorded(scanned) -> Indexed:
    return {path: [*stamp, text, digest.hex()] for path, stamp, text, digest in scanned}


def ends_part(path: str, text: int, held: int, part_text: int) -> bool:
    """Whether the page at ``path``, of ``text`` characters, is the last of its part, which
    holds ``held`` characters with it. Once a part holds half of ``part_text``, a page ends
    it by chance, as likely as its share of the other half (by a hash of its path: the same
    page ends a part every time); a part that holds twice ``part_text`` ends anyway. So parts
    hold about ``part_text`` characters, and where one ends depends on its own pages."""
    if held >= 2 * part_text:
        return True
    half = max(1, part_text // 2)
    if held < half:
        return False
    where = int.from_bytes(hashlib.blake2b(path.encode("utf-8", "surrogateescape"), digest_size=8).digest(), "big")
    return where * half < text << 64


def partition(pages: list[IndexedPage], part_text: int) -> list[list[IndexedPage]]:
    """The pages (in path order) cut into parts (see :func:`ends_part`)."""
    parts: list[list[IndexedPage]] = [[]]
    text = 0
    for page in pages:
        parts[-1].append(page)
        text += page.text
        if ends_part(page.path, page.text, text, part_text):
            parts.append([])
            text = 0
    return [part for part in parts if part]


def part_key(pages: list[IndexedPage], device: int = 0) -> str:
    """What a part's index depends on: what Pagefind reads of its pages, how Pagefind runs,
    and the file system it reads them from (``device``: the order in which Pagefind finds
    the files, which its index follows, is the file system's)."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{_pagefind_version()}\0{EXCLUDE}\0{device}\0".encode())
    for page in pages:
        digest.update(page.path.encode("utf-8", "surrogateescape") + b"\0" + page.digest)
    return digest.hexdigest()


def _pagefind_version() -> str:
    from importlib import metadata

    try:
        return metadata.version(BUNDLE)
    except metadata.PackageNotFoundError:
        return "-"


def _url(path: str) -> str:
    """The address Pagefind gives a page: its folder, for an ``index.html``."""
    return "/" + (path[: -len("index.html")] if path == "index.html" or path.endswith("/index.html") else path)


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


def _yielding():
    """How a Pagefind run starts: it dies with this process, and it yields the processor to
    the engine writing the pages (the run takes what the engine leaves)."""
    dies = die_with_parent(signal.SIGKILL)  # (a run leaves nothing to clean)

    def preexec() -> None:
        if dies is not None:
            dies()
        os.nice(10)

    return preexec


class _Part:
    """One part of the index: what Pagefind reads of each of its pages, written into a
    folder of its own as the pages come, then one Pagefind run over that folder."""

    def __init__(self, number: int, work: Path) -> None:
        self.number, self.pages, self.text = number, [], 0
        self.tree, self.output = work / f"site-{number}", work / f"part-{number}"
        self.process: subprocess.Popen | None = None
        self.closed = self.finished = False

    def add(self, page: IndexedPage, body: bytes) -> None:
        self.pages.append(page)
        self.text += page.text
        target = self.tree / page.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)

    def start(self, label: str) -> None:
        self.label = label
        self.log = tempfile.TemporaryFile(prefix="briefings-pagefind-")
        command = [*_pagefind(), "--site", str(self.tree), "--output-path", str(self.output),
                   "--silent", "--exclude-selectors", EXCLUDE]
        try:
            self.process = subprocess.Popen(command, stdout=self.log, stderr=self.log, preexec_fn=_yielding())
        except OSError as exc:
            self.log.close()
            self.finished = True
            raise SearchIndexError(f"cannot run Pagefind to index {label}: {exc}") from None

    def running(self) -> bool:
        return self.process is not None and not self.finished

    def done(self, removals: Removals) -> bool:
        """Whether its index is written (:class:`SearchIndexError` if Pagefind failed)."""
        if self.process.poll() is None:
            return False
        self.finished = True
        self.log.seek(0)
        detail = [line for line in self.log.read().decode("utf-8", "replace").splitlines() if line.strip()]
        self.log.close()
        if self.process.returncode != 0 or not (self.output / "pagefind-entry.json").is_file():
            hint = " (install it with: pip install 'pagefind[extended]')" if any("binary" in d for d in detail) else ""
            raise SearchIndexError(f"Pagefind could not index {self.label}{hint}: "
                                   f"{detail[-1] if detail else f'exit code {self.process.returncode}'}")
        removals.remove(self.tree)  # (what it read: a file per page, removed beside the build)
        return True

    def stop(self) -> None:
        if self.running():
            self.finished = True
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self.log.close()


class Indexer:
    """Writes the search bundle of ``site`` into ``site/pagefind`` (see the module).

    ``previous``: what the index of the build ``site`` starts from (whose ``pagefind/`` it
    holds) was made of. ``workers``: Pagefind runs side by side once the site is written."""

    def __init__(self, site: Path, part_text: int = PART_TEXT, previous: Indexed | None = None,
                 workers: int | None = None) -> None:
        self.site, self.part_text, self.workers = site, part_text, workers or WORKERS
        self.previous = previous if isinstance(previous, dict) and (site / BUNDLE / PARTS_SCRIPT).is_file() else {}
        self.bundle, self.work = site / BUNDLE, site / WORK
        self.order: list[str] | None = None
        self.streaming = False
        self.next = 0  # the first page of the order not yet in a part
        self.bodies: dict[str, bytes | None] = {}  # what Pagefind reads of the pages come before their turn
        self.parts: list[_Part] = []
        self.progress, self.indexed = SILENT, 0
        self.removals = Removals()  # (what Pagefind read of each part, once indexed)

    def expect(self, paths) -> None:
        """``paths``: every HTML page the site will hold, in the order the engine writes
        them, which is the order of the index (by default: path order). A clean build (no
        previous index) indexes them as they come (:meth:`page`); an incremental one once
        they are written, when what changed is known."""
        self.order = list(dict.fromkeys(paths))
        self.streaming = not self.previous
        if self.streaming:
            _remove_parts(self.bundle, keep=set())  # (what a build into this folder left)
            self._fresh_work()

    def handed(self) -> dict:
        """What another process needs to finish this index (see :meth:`taking`), once the
        pages are written: the parts of a clean build (those indexed, and the others, whose
        pages wait in the work folder), once the runs of this process are done; what an
        incremental build starts from."""
        if self.streaming and {path for path, _ in _html_files(self.site)} == set(self.order):
            self._take_rest()
            while any(part.running() for part in self.parts):
                if not self._schedule(0):
                    time.sleep(0.01)
            self.removals.wait()
            parts = [{"pages": [[page.path, page.text, page.digest.hex()] for page in part.pages],
                      "finished": part.finished} for part in self.parts]
        else:
            self.stop()
            self.streaming, parts = False, None
        return {"part_text": self.part_text, "previous": self.previous, "order": self.order,
                "streamed": parts, "indexed": self.indexed}

    @classmethod
    def taking(cls, site: Path, handed: dict) -> "Indexer":
        """The index of ``site`` that :meth:`handed` handed over."""
        indexer = cls(site, handed["part_text"], handed["previous"])
        indexer.order, indexer.indexed = handed["order"], handed["indexed"]
        if handed["streamed"] is not None:
            indexer.streaming, indexer.next = True, len(indexer.order)
            for number, part in enumerate(handed["streamed"]):
                taken = _Part(number, indexer.work)
                taken.pages = [IndexedPage(path, text, bytes.fromhex(digest)) for path, text, digest in part["pages"]]
                taken.text, taken.closed, taken.finished = sum(page.text for page in taken.pages), True, part["finished"]
                indexer.parts.append(taken)
        return indexer

    def _fresh_work(self) -> None:
        shutil.rmtree(self.work, ignore_errors=True)
        self.work.mkdir(parents=True)

    def page(self, path: str, html: bytes) -> None:
        """The page at ``path`` is written: it holds ``html``."""
        if not self.streaming:
            return
        self.bodies[path] = searched(html)
        while self.next < len(self.order) and self.order[self.next] in self.bodies:
            self._take(self.order[self.next], self.bodies.pop(self.order[self.next]))
        self._schedule(1 if self._room() else 0)  # (the engine takes the other core)

    def _take_rest(self) -> None:
        """Once every page is written: take those not seen yet (read from the site), and close the last part."""
        for path in self.order[self.next:]:
            self._take(path, self.bodies.pop(path) if path in self.bodies else
                       searched((self.site / path).read_bytes()))
        if self.parts:
            self.parts[-1].closed = True

    def _room(self) -> bool:
        """Whether a Pagefind run fits beside this process while the pages are written."""
        waiting = next((part for part in self.parts if part.closed and part.process is None and not part.finished), None)
        return waiting is not None and resident() + 40 * waiting.text + MARGIN <= MEMORY

    def _take(self, path: str, body: bytes | None) -> None:
        """Add the next page of the order to the last part (``body``: what Pagefind reads of
        it, ``None`` if nothing)."""
        self.next += 1
        if body is None:
            return
        page = IndexedPage(path, *_measured(body))
        if not self.parts or self.parts[-1].closed:
            self.parts.append(_Part(len(self.parts), self.work))
        part = self.parts[-1]
        part.add(page, body)
        part.closed = ends_part(page.path, page.text, part.text, self.part_text)

    def _schedule(self, workers: int) -> bool:
        """Start the parts that are complete, ``workers`` at a time; move in those done.
        Whether one was."""
        finished = False
        for part in self.parts:
            if part.running() and part.done(self.removals):
                _move_in(part.output, self.bundle, part.number)
                finished = True
                self.indexed += len(part.pages)
                self.progress.advance(len(part.pages))
        running = sum(part.running() for part in self.parts)
        for part in self.parts:
            if running >= workers:
                break
            if part.closed and part.process is None and not part.finished:
                part.start(self._label(part))
                running += 1
        return finished

    def _label(self, part: _Part) -> str:
        if len(self.parts) == 1:
            return "the site"
        return f"part {part.number + 1} ({part.pages[0].path} to {part.pages[-1].path})"

    def finish(self, progress: Progress = SILENT) -> Indexed:
        """Index what is left, once every page is written; return what the index was made
        of (see :data:`Indexed`). ``progress`` counts the pages indexed (or kept)."""
        try:
            return self._finish(progress)
        finally:
            self.stop()
            shutil.rmtree(self.work, ignore_errors=True)

    def _finish(self, progress: Progress) -> Indexed:
        self.progress, files = progress, _html_files(self.site)
        order = self.order if self.order is not None and set(self.order) == {path for path, _ in files} \
            else [path for path, _ in files]  # (pages the engine did not name: path order)
        device = os.stat(self.site).st_dev
        if self.streaming and order is self.order:
            self._take_rest()
        if self.streaming and order is self.order and self.parts:
            seen = {page.path: page for part in self.parts for page in part.pages}
            scanned = [(path, (st.st_size, st.st_mtime_ns, st.st_ino),
                        *((seen[path].text, seen[path].digest) if path in seen else (None, bytes(16))))
                       for path, st in files]
            keys = [part_key(part.pages, device) for part in self.parts]
            progress.set_total(len(seen))
            progress.advance(self.indexed)
        else:
            keys, scanned = self._plan(order, device, progress)
        while any(not part.finished for part in self.parts):
            if not self._schedule(self.workers):
                time.sleep(0.01)
        if not (self.bundle / "pagefind-ui.js").is_file():
            raise SearchIndexError("Pagefind wrote no search bundle: no page of the site carries data-pagefind-body")
        names = [f"part-{number}/" for number in range(1, len(keys))]
        script = self.bundle / PARTS_SCRIPT
        script.unlink(missing_ok=True)  # (a hard link to the previous build's: written anew, not into it)
        script.write_text("// Written by `briefings build`: the index parts the search box merges.\n"
                          f"window.briefingsSearchParts = {json.dumps(names)};\n", encoding="utf-8")
        return {"parts": keys, "pages": _recorded(scanned)}

    def _plan(self, order: list[str], device: int, progress: Progress) -> tuple[list[str], list]:
        """The parts of the written site, in ``order``: those whose key is the previous
        build's are kept, the others are set to be indexed."""
        self.stop()
        self.parts = []
        self._fresh_work()
        previous = self.previous
        scanned = _scan(self.site, previous.get("pages") if isinstance(previous.get("pages"), dict) else None)
        found = {path: IndexedPage(path, text, digest, stamp) for path, stamp, text, digest in scanned}
        marked = [found[path] for path in order if found[path].text is not None]
        whole = not marked  # (no page marked: Pagefind indexes every page whole, and so one part of them all)
        if whole:
            marked = [IndexedPage(path, 0, hashlib.blake2b((self.site / path).read_bytes(), digest_size=16).digest())
                      for path in order]
        parts = [marked] if whole and marked else partition(marked, self.part_text)
        keys = [part_key(pages, device) for pages in parts]
        kept = _kept(keys, previous.get("parts") if isinstance(previous.get("parts"), list) else [])
        self._rearrange(kept)
        stale = [number for number in range(len(parts)) if number not in kept]
        progress.set_total(len(marked))
        progress.advance(len(marked) - sum(len(parts[number]) for number in stale))
        for number, pages in enumerate(parts):
            part = _Part(number, self.work)
            part.finished = number not in stale
            if not part.finished:
                for page in pages:
                    data = (self.site / page.path).read_bytes()
                    part.add(page, data if whole else searched(data))
                part.closed = True
            self.parts.append(part)
        return keys, scanned

    def _rearrange(self, kept: dict[int, int]) -> None:
        """Leave in the bundle the index of each part kept, at its new place (``kept``: the
        previous place of each), and nothing else."""
        moved = {}
        for number, was in kept.items():
            if number != was:
                moved[number] = self.work / f"moved-{number}"
                if was == 0:  # (the first part's index, without the script that serves every part)
                    moved[number].mkdir()
                    for entry in [*(self.bundle / name for name in PART_FILES), *self.bundle.glob("*.pf_meta")]:
                        if entry.exists():
                            entry.rename(moved[number] / entry.name)
                else:
                    (self.bundle / f"part-{was}").rename(moved[number])
        _remove_parts(self.bundle, keep={number for number, was in kept.items() if number == was})
        for number, folder in moved.items():
            folder.rename(self.bundle / f"part-{number}")

    def stop(self) -> None:
        """Stop every Pagefind still running (and wait for what removes what they read)."""
        for part in self.parts:
            part.stop()
        self.removals.wait()


def _kept(keys: list[str], before: list) -> dict[int, int]:
    """The parts (by number) whose index the previous build's (``before``: its parts' keys)
    holds, each with its number there: at the same place, or elsewhere (but for the first
    part, whose bundle also serves the script: one from elsewhere is indexed anew)."""
    was: dict = {}
    for number, key in enumerate(before):
        if isinstance(key, str):
            was.setdefault(key, number)
    return {number: number if number < len(before) and before[number] == key else was[key]
            for number, key in enumerate(keys)
            if (number < len(before) and before[number] == key) or (number > 0 and key in was)}


def index_site(site: Path, part_text: int = PART_TEXT, progress: Progress = SILENT,
               previous: Indexed | None = None, workers: int | None = None) -> Indexed:
    """Write the search bundle of the written ``site``, its pages in path order (see
    :class:`Indexer`)."""
    return Indexer(site, part_text, previous, workers).finish(progress)


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
