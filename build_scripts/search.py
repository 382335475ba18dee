"""Index a site with Pagefind while its pages are written: in parts, side by side, reused when unchanged.

Pagefind holds every page it indexes in memory until it writes the index, and peaks at
about 40 bytes per character of indexed text: one index of 5,000 briefings and their
15,000 sources would need several GiB. So the pages, in path order, are cut into parts
of about ``part_text`` characters (:func:`partition`), each indexed by a Pagefind of its
own (:mod:`.searchservice`), and the browser merges them at query time with Pagefind's
``mergeIndex``. The first part is the primary bundle in ``pagefind/`` (script,
WebAssembly, UI); the others, in ``pagefind/part-N/``, hold only their index.
``pagefind/parts.js`` names them for the search box.

A part ends after a page whose path hashes to a multiple of the pages a part holds (or
once it holds twice its text): where the parts end depends on the pages' paths, not on
what the others hold, so an edit changes the part of the pages it changed and no other,
and a new page moves no boundary but its own. Pagefind is handed only what it reads of a
page (:func:`searched`: its language, title and the ``data-pagefind-body`` element on),
and a part's index depends on that and on the order of its pages alone.

A clean build indexes each page as the engine writes it (:meth:`Indexer.page`): a part
is handed to Pagefind page by page and written once complete, while the engine writes
the next ones. An incremental build (see :mod:`.cache`) keeps the index of every part
whose pages Pagefind reads as the previous build's did, and indexes the others once the
site is written. Either way the index is the same.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .progress import SILENT, Progress
from .searchservice import Service, ServiceError

BUNDLE = "pagefind"
#: Characters of page text per part: Pagefind peaks at about 160 MiB on these. Smaller
#: parts make an edit cheaper to index again, but every query fetches from every part.
PART_TEXT = 4_000_000
#: Pagefinds side by side once the site is written (one while the engine writes it): two,
#: or one on a single core (memory: two parts at a time).
WORKERS = max(1, min(2, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))
#: Leave out of the index: heading permalinks, citation backlinks, citation markers.
EXCLUDE = [".headerlink", ".brf-backrefs", "a.citation"]
#: What a secondary part keeps: Pagefind's primary bundle serves the script and WebAssembly.
PART_FILES = ("pagefind-entry.json", "index", "fragment", "filter")
PARTS_SCRIPT = "parts.js"

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
                    if relative != BUNDLE:
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
    holds ``held`` characters with it. A page ends its part by chance, as likely as its
    share of a part's text (by a hash of its path: the same page ends a part every time),
    so parts hold about ``part_text`` characters; a part that holds twice that ends anyway."""
    where = int.from_bytes(hashlib.blake2b(path.encode("utf-8", "surrogateescape"), digest_size=8).digest(), "big")
    return where * part_text < text << 64 or held >= 2 * part_text


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


def part_key(pages: list[IndexedPage]) -> str:
    """What a part's index depends on: what Pagefind reads of its pages, in order, and how
    Pagefind runs."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{_pagefind_version()}\0{','.join(EXCLUDE)}\0".encode())
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


class _Part:
    """One part of the index: its pages, handed to a Pagefind of its own once it is started
    (what comes before waits here), then its files written into the bundle."""

    def __init__(self, number: int) -> None:
        self.number, self.pages, self.text = number, [], 0
        self.waiting: list[bytes | None] = []  # what Pagefind reads of each page not handed over
        self.service: Service | None = None
        self.closed, self.written, self.finished = False, None, False

    def add(self, page: IndexedPage, body: bytes | None) -> None:
        """Add a page (``body``: what Pagefind reads of it; ``None``: read from the site when started)."""
        self.pages.append(page)
        self.text += page.text
        if self.service is None:
            self.waiting.append(body)
        else:
            self.service.add(_url(page.path), body)

    def close(self) -> None:
        self.closed = True
        if self.service is not None:
            self.written = self.service.files()

    def start(self, site: Path, label: str) -> None:
        self.log = tempfile.TemporaryFile(prefix="briefings-pagefind-")
        try:
            self.service = Service(EXCLUDE, self.log)
        except ServiceError as exc:
            self.log.close()
            self.finished = True
            raise SearchIndexError(f"Pagefind could not index {label}: {exc}") from None
        for page, body in zip(self.pages, self.waiting):
            self.service.add(_url(page.path), body if body is not None else searched((site / page.path).read_bytes()))
        self.waiting = []
        if self.closed:
            self.close()

    def running(self) -> bool:
        return self.service is not None and not self.finished

    def done(self, bundle: Path, label: str) -> bool:
        """Whether its index is written into ``bundle`` (:class:`SearchIndexError` if
        Pagefind failed)."""
        if self.written is None or not self.service.answered(self.written):
            return False
        try:
            files = self.service.wait(self.written)["files"]
        except ServiceError as exc:
            self.stop()
            raise SearchIndexError(f"Pagefind could not index {label}: {self._detail() or exc}") from None
        self.service.close()
        self.log.close()
        self.finished = True
        _write_part(bundle, self.number, files)
        return True

    def _detail(self) -> str:
        self.log.seek(0)
        lines = [line for line in self.log.read().decode("utf-8", "replace").splitlines() if line.strip()]
        hint = " (install it with: pip install 'pagefind[extended]')" if any("binary" in d for d in lines) else ""
        return f"{lines[-1]}{hint}" if lines else ""

    def stop(self) -> None:
        if self.service is not None:
            self.service.kill()
            self.log.close()


class Indexer:
    """Writes the search bundle of ``site`` into ``site/pagefind`` (see the module).

    ``previous``: what the index of the build ``site`` starts from (whose ``pagefind/`` it
    holds) was made of. ``workers``: Pagefinds side by side once the site is written."""

    def __init__(self, site: Path, part_text: int = PART_TEXT, previous: Indexed | None = None,
                 workers: int | None = None) -> None:
        self.site, self.part_text, self.progress, self.indexed = site, part_text, SILENT, 0
        self.workers = workers or WORKERS
        self.previous = previous if isinstance(previous, dict) and (site / BUNDLE / PARTS_SCRIPT).is_file() else {}
        self.bundle = site / BUNDLE
        self.order: list[str] | None = None  # the pages to come, in path order (while they come)
        self.next = 0
        self.bodies: dict[str, bytes | None] = {}  # what Pagefind reads of pages come out of order
        self.parts: list[_Part] = []

    @property
    def streaming(self) -> bool:
        """Whether the pages are indexed as they come (see :meth:`expect`)."""
        return self.order is not None

    def expect(self, paths) -> None:
        """Index the pages as they come (:meth:`page`): ``paths`` are every HTML page the
        site will hold. Not when the site starts from a previous one (an incremental
        build): what changed is only known once it is written."""
        if self.previous:
            return
        self.order = sorted(set(paths), key=_order)
        _remove_parts(self.bundle, keep=set())  # (what a build into this folder left)

    def page(self, path: str, html: bytes) -> None:
        """The page at ``path`` is written: it holds ``html``."""
        if self.order is None:
            return
        self.bodies[path] = searched(html)
        while self.next < len(self.order) and self.order[self.next] in self.bodies:
            path = self.order[self.next]
            self.next += 1
            body = self.bodies.pop(path)
            if body is not None:
                self._add(IndexedPage(path, *_measured(body)), body)
        self._schedule(1)  # (the engine takes the other core)

    def _add(self, page: IndexedPage, body: bytes | None) -> None:
        if not self.parts or self.parts[-1].closed:
            self.parts.append(_Part(len(self.parts)))
        part = self.parts[-1]
        part.add(page, body)
        if ends_part(page.path, page.text, part.text, self.part_text):
            part.close()

    def _schedule(self, workers: int) -> bool:
        """Start the parts that wait, ``workers`` at a time, once those written are done;
        whether one was."""
        finished = False
        for part in self.parts:
            if part.running() and part.done(self.bundle, self._label(part)):
                finished = True
                self.indexed += len(part.pages)
                self.progress.advance(len(part.pages))
        running = sum(part.running() for part in self.parts)
        for part in self.parts:
            if running >= workers:
                break
            if part.service is None:
                part.start(self.site, self._label(part))
                running += 1
        return finished

    def _label(self, part: _Part) -> str:
        if len(self.parts) == 1 and part.closed:
            return "the site"
        return f"part {part.number + 1} ({part.pages[0].path} to {part.pages[-1].path})"

    def finish(self, progress: Progress = SILENT) -> Indexed:
        """Index what is left, once every page is written; return what the index was made
        of (see :data:`Indexed`). ``progress`` counts the pages indexed (or kept)."""
        try:
            return self._finish(progress)
        finally:
            self.stop()

    def _finish(self, progress: Progress) -> Indexed:
        self.progress = progress
        previous, files = self.previous, _html_files(self.site)
        if self.order is not None and [path for path, _ in files] == self.order:
            for path in self.order[self.next:]:  # (written, but not seen: read it)
                body = searched((self.site / path).read_bytes())
                if body is not None:
                    self._add(IndexedPage(path, *_measured(body)), body)
            seen = {page.path: page for part in self.parts for page in part.pages}
            scanned = [(path, (st.st_size, st.st_mtime_ns, st.st_ino), *((seen[path].text, seen[path].digest)
                        if path in seen else (None, bytes(16)))) for path, st in files]
            streamed = bool(seen)
        else:
            scanned = _scan(self.site, previous.get("pages") if isinstance(previous.get("pages"), dict) else None)
            streamed = False
        marked = [IndexedPage(path, text, digest, stamp) for path, stamp, text, digest in scanned if text is not None]
        progress.set_total(len(marked))
        progress.advance(self.indexed)
        if streamed:
            parts = [part.pages for part in self.parts]
            keys = [part_key(pages) for pages in parts]
        else:
            self.stop()
            self.parts, whole = [], not marked
            if whole:  # (no page marked: Pagefind indexes every page whole, and so one part of them all)
                marked = [IndexedPage(path, 0, hashlib.blake2b((self.site / path).read_bytes(), digest_size=16).digest())
                          for path, *_ in scanned]
            parts = [marked] if whole else partition(marked, self.part_text)
            keys = [part_key(pages) for pages in parts]
            before = previous.get("parts") if isinstance(previous.get("parts"), list) else []
            stale = [number for number, key in enumerate(keys) if number >= len(before) or before[number] != key]
            _remove_parts(self.bundle, keep=set(range(len(parts))) - set(stale))
            progress.advance(sum(len(parts[number]) for number in range(len(parts)) if number not in stale))
            for number, pages in enumerate(parts):
                part = _Part(number)
                for page in pages:
                    part.add(page, (self.site / page.path).read_bytes() if whole else None)
                part.close()
                part.finished = number not in stale
                self.parts.append(part)
        if self.parts and not self.parts[-1].closed:
            self.parts[-1].close()
        while any(not part.finished for part in self.parts):
            if not self._schedule(self.workers):
                time.sleep(0.005)
        if not (self.bundle / "pagefind-ui.js").is_file():
            raise SearchIndexError("Pagefind wrote no search bundle: no page of the site carries data-pagefind-body")
        names = [f"part-{number}/" for number in range(1, len(parts))]
        script = self.bundle / PARTS_SCRIPT
        script.unlink(missing_ok=True)  # (a hard link to the previous build's: written anew, not into it)
        script.write_text("// Written by `briefings build`: the index parts the search box merges.\n"
                          f"window.briefingsSearchParts = {json.dumps(names)};\n", encoding="utf-8")
        return {"parts": keys, "pages": _recorded(scanned)}

    def stop(self) -> None:
        """Stop every Pagefind still running."""
        for part in self.parts:
            if part.running():
                part.stop()
                part.finished = True


def index_site(site: Path, part_text: int = PART_TEXT, progress: Progress = SILENT,
               previous: Indexed | None = None, workers: int | None = None) -> Indexed:
    """Write the search bundle of the written ``site`` (see :class:`Indexer`)."""
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


def _write_part(bundle: Path, number: int, files: list[dict]) -> None:
    """Write the files of part ``number`` of the index into ``bundle``: all of them for the
    first (the primary bundle), only its index for the others (see :data:`PART_FILES`)."""
    folder = bundle if number == 0 else bundle / f"part-{number}"
    for file in files:
        path = Path(file["path"])
        if path.is_absolute() or ".." in path.parts or not path.parts:
            raise SearchIndexError(f"Pagefind named a file outside its bundle: {file['path']}")
        if number and path.parts[0] not in PART_FILES and path.suffix != ".pf_meta":
            continue
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.unlink(missing_ok=True)  # (a hard link to the previous build's: written anew, not into it)
        target.write_bytes(base64.b64decode(file["content"]))
