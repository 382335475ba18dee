"""Index a built site with Pagefind, in parts small enough to keep memory bounded.

Pagefind holds every page it indexes in memory until it writes the index, and peaks at
about 40 bytes per character of indexed text: one run over 5,000 briefings and their
15,000 sources would need several GiB. So the pages are split, in path order, into parts
of at most ``part_text`` characters; each part is indexed by its own Pagefind run (one
after the other), and the browser merges them at query time with Pagefind's
``mergeIndex``. The first part is the primary bundle in ``pagefind/`` (script, WebAssembly,
UI); the others, in ``pagefind/part-N/``, hold only their index. ``pagefind/parts.js``
names them for the search box.

A small site is a single part, exactly what one plain Pagefind run makes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

from .interrupt import die_with_parent
from .progress import SILENT, Progress

BUNDLE = "pagefind"
#: Characters of page text per Pagefind run: Pagefind peaks at about 600 MiB on these.
PART_TEXT = 14_000_000
#: Leave out of the index: heading permalinks, citation backlinks, citation markers.
EXCLUDE = ".headerlink, .brf-backrefs, a.citation"
#: What a secondary part keeps: Pagefind's primary bundle serves the script and WebAssembly.
PART_FILES = ("pagefind-entry.json", "index", "fragment", "filter")

_BODY = b"data-pagefind-body"
_TAG = re.compile(rb"<[^>]*>")


class SearchIndexError(Exception):
    """Pagefind is missing or failed; the message says which page set and why."""


def indexed_pages(site: Path) -> list[tuple[str, int]]:
    """Every page Pagefind indexes (it carries ``data-pagefind-body``), in path order,
    with the length of its text from that marker on (an upper bound of what is indexed)."""
    pages = []
    for path in sorted(site.rglob("*.html")):
        relative = path.relative_to(site)
        if relative.parts[0] == BUNDLE:
            continue
        data = path.read_bytes()
        at = data.find(_BODY)
        if at >= 0:
            pages.append((relative.as_posix(), len(_TAG.sub(b"", data[at:]))))
    return pages


def partition(pages: Iterable[tuple[str, int]], part_text: int) -> list[list[str]]:
    """Consecutive runs of pages whose text adds up to at most ``part_text`` (a page
    larger than that is a part on its own)."""
    parts: list[list[str]] = [[]]
    size = 0
    for page, text in pages:
        if parts[-1] and size + text > part_text:
            parts.append([])
            size = 0
        parts[-1].append(page)
        size += text
    return parts if parts[0] else []


def _link_tree(site: Path, pages: list[str], tree: Path) -> None:
    """A folder holding only ``pages``, at their paths in the site (hard links: no copy)."""
    for page in pages:
        target = tree / page
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(site / page, target)
        except OSError:
            shutil.copyfile(site / page, target)


def _run_pagefind(tree: Path, output: Path, label: str) -> None:
    command = [sys.executable, "-m", BUNDLE, "--site", str(tree), "--output-path", str(output),
               "--silent", "--exclude-selectors", EXCLUDE]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=3600,
                              preexec_fn=die_with_parent(signal.SIGKILL))  # (it leaves nothing to clean)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SearchIndexError(f"cannot run Pagefind to index {label}: {exc}") from None
    if done.returncode != 0 or not (output / "pagefind-entry.json").is_file():
        detail = (done.stderr or done.stdout).strip().splitlines()
        hint = " (install it with: pip install 'pagefind[extended]')" if "binary" in (done.stderr or "") else ""
        raise SearchIndexError(f"Pagefind could not index {label}{hint}: "
                               f"{detail[-1] if detail else f'exit code {done.returncode}'}")


def index_site(site: Path, part_text: int = PART_TEXT, progress: Progress = SILENT) -> int:
    """Write the search bundle of ``site`` into ``site/pagefind``; return the number of parts.

    ``progress`` counts the pages indexed, part by part (of one part: once it is done)."""
    parts = partition(indexed_pages(site), part_text)
    if len(parts) > 1:
        progress.set_total(sum(map(len, parts)))
    bundle = site / BUNDLE
    work = site / ".pagefind-parts"
    shutil.rmtree(bundle, ignore_errors=True)
    shutil.rmtree(work, ignore_errors=True)
    try:
        if len(parts) <= 1:  # one run over the whole site: no copy, no merge
            _run_pagefind(site, bundle, "the site")
            progress.advance(sum(map(len, parts)))
        for number, pages in enumerate(parts if len(parts) > 1 else ()):
            tree, output = work / f"site-{number}", work / f"part-{number}"
            _link_tree(site, pages, tree)
            _run_pagefind(tree, output, f"part {number + 1} of {len(parts)} ({pages[0]} to {pages[-1]})")
            progress.advance(len(pages))
            shutil.rmtree(tree)
            if number == 0:
                output.rename(bundle)
                continue
            final = bundle / f"part-{number}"
            final.mkdir()
            for name in PART_FILES:
                if (output / name).exists():
                    (output / name).rename(final / name)
            for meta in output.glob("*.pf_meta"):
                meta.rename(final / meta.name)
            shutil.rmtree(output)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if not (bundle / "pagefind-ui.js").is_file():
        raise SearchIndexError("Pagefind wrote no search bundle: no page of the site carries data-pagefind-body")
    names = [f"part-{number}/" for number in range(1, len(parts))]
    (bundle / "parts.js").write_text(
        "// Written by `briefings build`: the index parts the search box merges.\n"
        f"window.briefingsSearchParts = {json.dumps(names)};\n", encoding="utf-8")
    return max(len(parts), 1)
