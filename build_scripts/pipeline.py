"""The build, stage by stage: load → check → index → plan → render → engine → search → swap.

Each stage is a function of its own module; this module runs them in order for
``briefings build``, and says where each one lives:

1. **load** (:func:`.repo.load_repository`): the records of ``briefings/`` and
   ``sources/``, each problem with its file, line and column.
2. **check** (:func:`.checks.check_repository`): every check across records, each quote
   against its source. Errors stop the build here; so do warnings when it is strict.
3. **index** (:func:`.index.build_index`), **plan** (:func:`.render.plan_pages`) and
   **render** (:class:`.render.Renderer`): what the build publishes, cross-referenced;
   every generated page and the records it shows; each page's HTML. The engine's plugin
   (:mod:`.plugin`) runs them as the engine asks for its pages, so that no more than one
   page at a time is held in memory, and an incremental build renders only the pages
   whose records changed (:mod:`.cache`); a clean build renders three pages in five in a
   second process, ahead of the engine's asking (:mod:`.ahead`).
4. **engine** (:func:`.site.build_pages`): MkDocs or ProperDocs (:mod:`.engine`) puts each
   page in the theme, beside the site it will replace.
5. **search** (:class:`.search.Indexer`): Pagefind indexes the site in parts, a clean
   build's as the engine writes its pages, an incremental build's changed parts once they
   are written.
6. **swap** (:func:`.site.finish`): the new site replaces the old one whole, and the build
   cache keeps it.

``briefings build`` runs :func:`check` and :func:`render` in a child process for a large
repository (which lets go of the records before the last parts of the index are made),
and :func:`publish` in itself. ``progress`` is told of each stage as it starts and ends (:mod:`.progress`).
"""

from __future__ import annotations

import contextlib
import gc
import typing
from dataclasses import dataclass
from pathlib import Path

from .checks import Result, check_repository
from .progress import CHECK, SILENT, Progress, counted
from .repo import Repository, load_repository

if typing.TYPE_CHECKING:  # (the engine's stages load the engine: only when a site is built)
    from .site import Staged


@dataclass(frozen=True)
class Options:
    """How to build: the command line's options of ``briefings build``."""

    site_dir: Path | None = None
    max_marking: str | None = None
    offline: bool = False
    strict: bool = False
    verbose: bool = False
    incremental: bool = True
    #: Write each briefing's PDF beside its page (``--pdf``).
    pdf: bool = False
    #: The process token the staging folder is named for (a child process: its parent's).
    owner: str | None = None


def load_and_check(root: Path, cached: bool = True) -> tuple[Repository, Result]:
    """Stages 1 and 2: the repository at ``root`` and the verdict on it. Each file is read
    and hashed; the records of files whose bytes are those of the previous build come from
    the records cache with what loading them reported (:mod:`.records`; not when ``cached``
    is false: they are all loaded anew, and kept for the next). The checks across records
    run on every record either way."""
    from .records import Stored

    with paused_gc():
        stored = Stored(root, read=cached)
        try:
            repo = load_repository(root, stored)
            stored.save()
            found = stored.found()
            result = check_repository(repo, found)
            stored.keep(found)
        finally:
            stored.close()
        return repo, result


def check(root: Path, progress: Progress = SILENT, cached: bool = True) -> tuple[Repository, Result]:
    """Stages 1 and 2, shown on ``progress``."""
    progress.start(CHECK)
    checked = load_and_check(root, cached)
    result = checked[1]
    progress.finish(f"checked {counted(result.briefings, 'briefing')}, {counted(result.sources, 'source')}")
    return checked


def render(root: Path, checked: tuple[Repository, Result], options: Options,
           progress: Progress = SILENT) -> Staged:
    """Stages 3 to 5: every page built beside the site, and indexed (see :func:`.site.build_pages`)."""
    from .site import build_pages

    handed = [checked]
    del checked  # (the build lets go of the records once the pages are written: this frame holds none)
    with frozen_gc():
        return build_pages(root.resolve(), site_dir=options.site_dir, max_marking=options.max_marking,
                           offline=options.offline, checked=handed.pop(), verbose=options.verbose,
                           strict=options.strict, owner=options.owner, progress=progress,
                           incremental=options.incremental, pdf=options.pdf)


def publish(staged: Staged, progress: Progress = SILENT) -> Path:
    """Stage 6: the swap (see :func:`.site.finish`)."""
    from .site import finish

    return finish(staged, progress)


@contextlib.contextmanager
def frozen_gc():
    """Exempt what lives now (the checked records) from the cyclic garbage collector while
    the site is built: they live until it is, and every full collection would scan them
    again (a third of a second each at 1,000 briefings)."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@contextlib.contextmanager
def paused_gc():
    """Pause the cyclic garbage collector while records are loaded and checked, and then
    leave what lives on out of its scans (frozen: it lives as long as the build).

    Loading creates hundreds of thousands of small objects and next to no reference cycles
    (about 150 unreachable objects after a load of 1,000 briefings); the collector's scans of
    them would cost about a third of a check, and its first one after the pause 0.2 s.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
