"""Build the site through the engine (MkDocs or ProperDocs): ``briefings build``.

A build never leaves a half-written or unchecked site behind: the repository is
checked first, the site is built into a folder beside ``site/``, and only a complete
build replaces the previous one.
"""

from __future__ import annotations

import ctypes
import gc
import hashlib
import logging
import os
import shutil
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from . import sitedir
from .cache import FOLDER, MANIFEST, BuildCache, CompiledTemplates, Previous, committed, link_tree, locked
from .checks import Result
from .interrupt import deferred
from .progress import INDEX, RENDER, SILENT, SWAP, WRITE, Progress
from .removal import Removals
from .render import template_failure
from .search import Indexer, SearchIndexError
from .repo import Repository

OFFLINE_PLUGIN = "material/offline"


def engine_log(name: str = "") -> logging.Logger:
    """The engine's logger ``name`` (MkDocs logs as ``mkdocs``, ProperDocs as ``properdocs``)."""
    import mkdocs

    return logging.getLogger(mkdocs.__name__ + name)


@contextmanager
def errors_logged(logger: logging.Logger):
    """The messages ``logger`` logs as errors meanwhile (a list that fills as they come)."""
    errors: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            errors.append(record.getMessage())

    handler = Collect(logging.ERROR)
    logger.addHandler(handler)
    try:
        yield errors
    finally:
        logger.removeHandler(handler)


class BuildFailed(Exception):
    """MkDocs could not build the site; the message says why (``logged``: MkDocs has logged
    the reason already, and the message only says that it gave up)."""

    logged = False


def aborted(exc: BaseException) -> bool:
    """Whether the engine gave up after logging why (its ``Abort``)."""
    from mkdocs.exceptions import Abort

    return isinstance(exc, Abort) or getattr(exc, "logged", False)


@contextmanager
def mkdocs_logging(verbose: bool = False):
    """Show MkDocs' messages as its own command line does (warnings and errors by default)."""
    logger = engine_log()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
    old_level, old_propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if verbose else logging.WARNING)
    logger.propagate = False
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")  # Material's notice about its successor
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
        logger.propagate = old_propagate


def load_config(root: Path, *, max_marking: str | None = None, offline: bool = False,
                checked: tuple[Repository, Result] | None = None, **overrides):
    """The MkDocs configuration of the repository at ``root``, adjusted for this build."""
    from mkdocs.config import load_config as mkdocs_load_config
    from mkdocs.exceptions import ConfigurationError

    config_file = root / "mkdocs.yml"
    if not config_file.is_file():
        raise BuildFailed(f"{config_file} does not exist: the site needs an mkdocs.yml")
    try:
        config = mkdocs_load_config(str(config_file), **overrides)
    except ConfigurationError as exc:
        raise BuildFailed(f"{config_file}: {exc}") from None
    plugin = config.plugins.get("briefings")
    if plugin is None:
        raise BuildFailed(f"{config_file}: the 'briefings' plugin is not enabled under 'plugins:'")
    if max_marking is not None:
        plugin.config.max_marking = max_marking
    plugin.checked = checked
    plugin.reported = checked is not None  # whoever checked has shown the diagnostics
    if offline:
        offline_plugin = config.plugins.get(OFFLINE_PLUGIN)
        if offline_plugin is None:
            raise BuildFailed(f"{config_file}: --offline needs Material's 'offline' plugin under 'plugins:'")
        offline_plugin.config.enabled = True
    return config


@dataclass
class Staged:
    """A site built beside its target, waiting for the rest of its search index and the swap."""

    staging: Path
    target: Path
    #: The build cache to keep the site in once it is swapped in (see :mod:`.cache`).
    cache: Path | None = None
    #: What its search index was made of (see :data:`.search.Indexed`), once it is written.
    indexed: dict | None = None
    #: What is left to index, for an incremental build (see :meth:`.search.Indexer.handed`).
    search: dict | None = None

    def as_json(self) -> dict:
        return {"staging": str(self.staging), "target": str(self.target),
                "cache": None if self.cache is None else str(self.cache), "indexed": self.indexed,
                "search": self.search}

    @classmethod
    def from_json(cls, data: dict) -> "Staged":
        return cls(Path(data["staging"]), Path(data["target"]),
                   None if data.get("cache") is None else Path(data["cache"]), data.get("indexed"),
                   data.get("search"))


class _DirtyNotice(logging.Filter):
    """Drops the warning MkDocs logs when a build starts from the previous site: an
    incremental build knows what changed (and a strict build would stop on it). It is the
    one warning the build function itself logs; others come from the modules it calls."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.levelno == logging.WARNING and record.funcName == "build")


@contextmanager
def dirty_notice_dropped():
    logger, notice = engine_log(".commands.build"), _DirtyNotice()
    logger.addFilter(notice)
    try:
        yield
    finally:
        logger.removeFilter(notice)


def build_cache(root: Path, config, offline: bool, pdf: bool = False) -> BuildCache:
    """The cache of this kind of build: keyed by what the engine's configuration holds
    beyond ``mkdocs.yml`` itself (the command line's options, the environment's values),
    and by the static pages of its docs folder (``pdf``: and the PDF libraries' versions)."""
    options = {name: repr(value) for name, value in sorted(config.items())
               if name not in ("site_dir", "config_file_path", "plugins", "theme", "strict", "dev_addr")}
    options["plugins"] = {name: repr(sorted(dict(plugin.config).items()))
                          for name, plugin in config.plugins.items() if hasattr(plugin, "config")}
    options["theme"] = repr(sorted(dict(config.theme).items()))
    options["offline"] = offline
    if pdf:
        from .pdf import engine_versions

        options["pdf"] = engine_versions()
    folders = [Path(config.docs_dir), root / config.plugins["briefings"].config.templates]
    if config.theme.custom_dir:
        folders.append(Path(config.theme.custom_dir))
    return BuildCache(root, options, folders)


def build(root: Path, *, site_dir: Path | None = None, max_marking: str | None = None,
          offline: bool = False, checked: tuple[Repository, Result] | None = None,
          verbose: bool = False) -> Path:
    """Build the site into ``site_dir`` (default: the config's), replacing it only on success."""
    return finish(build_pages(root, site_dir=site_dir, max_marking=max_marking, offline=offline,
                              checked=checked, verbose=verbose))


def build_pages(root: Path, *, site_dir: Path | None = None, max_marking: str | None = None,
                offline: bool = False, checked: tuple[Repository, Result] | None = None,
                verbose: bool = False, strict: bool = False, owner: str | None = None,
                progress: Progress = SILENT, incremental: bool = True, pdf: bool = False) -> Staged:
    """Build every page of the site beside ``site_dir``; :func:`finish` indexes and swaps it in.

    ``site_dir`` (``--site-dir``; default: the config's) must be one a build may replace
    (:func:`.sitedir.check`, else :class:`.sitedir.UnsafeSiteDir`). ``owner``: the process
    token of the build, which the staging folder is named for (default: this process).

    ``strict``: MkDocs' warnings fail the build too (``strict:`` of mkdocs.yml is not read:
    warnings stop a build only when asked to on the command line).

    ``progress`` is shown the pages as they are rendered, then written (by the plugin).

    ``incremental``: start from the site of the previous build of the same kind, kept in
    the build cache (:mod:`.cache`), and build again only the pages that changed.

    ``pdf``: write each briefing's PDF beside its page (:func:`_write_pdfs`).
    """
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.exceptions import MkDocsException

    progress.start(RENDER)  # (how many: once the plugin has planned them)
    with mkdocs_logging(verbose), Removals(root / FOLDER) as removals:
        config = load_config(root, max_marking=max_marking, offline=offline, checked=checked, strict=strict)
        target = sitedir.config_target(root, site_dir, config)  # (UnsafeSiteDir: nothing written)
        plugin = config.plugins["briefings"]
        staging = _stage(target, owner)
        try:  # (from the staging folder's first moment: a stop anywhere after removes it)
            config.site_dir = str(staging)
            plugin.defer_search = True
            plugin.progress = progress
            plugin.pdf = pdf
            records = checked[0] if pdf and checked is not None else None  # (the PDFs are made from them)
            del checked  # the plugin lets go of the records once the site is written
            cache = build_cache(root, config, offline, pdf) if _incremental(config) else None
            # (only with the plugins an incremental build knows: another may change the theme's environment)
            plugin.compiled = CompiledTemplates(root, cache.code, read=incremental) if cache is not None else None
            previous = Previous()
            if cache is not None and incremental:
                with locked(cache.folder):
                    previous = _start_from(cache, cache.previous(), staging)
            if cache is not None and previous.site is None:
                _forget(cache, removals)  # (a clean build: the cache's copy of the site is of no use)
            plugin.previous = previous.pages if previous.site is not None else None
            plugin.previous_nav, plugin.previous_search = previous.nav, previous.search
            with dirty_notice_dropped():
                mkdocs_build(config, dirty=previous.site is not None)
            if pdf:
                plugin.outputs |= _write_pdfs(root, plugin, records, staging, progress)
            _remove_stale(staging, previous.files - plugin.outputs)
            if cache is not None:
                cache.prepare(plugin.built(), plugin.outputs, staging, plugin.nav)
            # (what is left to index: once the records are let go of, where the site is swapped in)
            try:
                search = plugin.search.handed() if plugin.search is not None else None
            except SearchIndexError as exc:
                raise BuildFailed(str(exc)) from None
        except (MkDocsException, OSError) as exc:
            shutil.rmtree(staging, ignore_errors=True)
            failed = BuildFailed(str(exc) or type(exc).__name__)
            failed.logged = aborted(exc)
            raise failed from None
        except Exception as exc:  # a theme template's own code failed (or the watchdog stopped it)
            shutil.rmtree(staging, ignore_errors=True)
            where = template_failure(exc, root)
            if where is None:
                raise
            raise BuildFailed(where) from None
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        finally:
            plugin.stop_watchdog()
            plugin.stop_ahead()
            plugin.stop_search()  # (a build that failed: its Pagefind runs end)
    progress.finish()  # (the pages are written, and indexed)
    return Staged(staging, target, None if cache is None else cache.folder, None, search)


#: The plugins an incremental build may run with: they write nothing into the site but
#: through the engine (whose files are replaced, never written into).
INCREMENTAL_PLUGINS = frozenset({"briefings", "search", "material/search", "offline", "material/offline"})


def _incremental(config) -> bool:
    """Whether a build of ``config`` may start from the previous one (see :mod:`.cache`).

    Not when the site searches with Material's search, which indexes the pages as the
    engine builds them (the others would be left out), nor when ``nav:`` is not set (the
    navigation then lists every page, by a title known only once it is read), nor with a
    plugin that may write into the site by itself."""
    offline = config.plugins.get(OFFLINE_PLUGIN)
    return (config.plugins["briefings"].config.search == "pagefind" and not (offline and offline.config.enabled)
            and config.nav is not None and set(config.plugins) <= INCREMENTAL_PLUGINS)


def _write_pdfs(root: Path, plugin, records: Repository | None, site: Path, progress: Progress) -> set[str]:
    """Write the PDF of every briefing the build publishes into ``site`` (see :mod:`.pdf`);
    one the build this one starts from made of the same content is kept."""
    from .model import marking_rank
    from .pdf import PdfError, write_site_pdfs
    from .repo import load_repository

    repo, ceiling = records if records is not None else load_repository(root), plugin.config.max_marking
    progress.start(WRITE, sum(1 for b in repo.briefings if marking_rank(b.marking) <= marking_rank(ceiling)))
    try:
        written = write_site_pdfs(repo, ceiling, root / plugin.config.templates, site, progress.advance)
    except PdfError as exc:
        raise BuildFailed(str(exc)) from None
    progress.finish(f"wrote {len(written)} PDF{'s' if len(written) != 1 else ''} of briefings")
    return written


def _start_from(cache: BuildCache, previous: Previous, staging: Path) -> Previous:
    """Make ``staging`` the previous site, if there is one to reuse: the cache's, moved
    there (or linked, where it cannot be moved)."""
    if previous.site is None or BuildCache.take(cache.folder, staging):
        return previous
    try:
        link_tree(previous.site, staging)
    except OSError:  # (a cache that cannot be read is no cache)
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        sitedir.mark(staging)
        return Previous()
    return previous


def _forget(cache: BuildCache, removals: Removals) -> None:
    """Remove the cache's copy of the site (beside the build), which a build that does not
    start from it replaces: its manifest first, so that no build reads half of it."""
    if committed(cache.folder.parent) or not (cache.folder / "site").is_dir():
        return  # (a cache git tracks is never read, nor removed)
    with locked(cache.folder):
        try:
            (cache.folder / MANIFEST).unlink(missing_ok=True)
        except OSError:
            return
        removals.remove(cache.folder / "site", move=True)


def _remove_stale(site: Path, stale: set[str]) -> None:
    """Remove the files of pages gone since the previous build, and folders left empty.

    The names come from the cache's manifest: only a file inside ``site`` is removed."""
    inside = site.resolve()
    for name in sorted(stale):
        if not isinstance(name, str) or os.path.isabs(name) or ".." in Path(name).parts:
            continue
        path = site / name
        if not path.parent.resolve().is_relative_to(inside) or path.is_dir():
            continue
        path.unlink(missing_ok=True)
        for folder in path.parents:
            if folder == site:
                break
            try:
                folder.rmdir()
            except OSError:
                break


def _stage(target: Path, owner: str | None) -> Path:
    """A new staging folder beside ``target``, once what killed builds left there is removed."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        sitedir.remove_leftovers(target)
        return sitedir.new_staging(target, owner)
    except OSError as exc:
        raise BuildFailed(f"cannot write beside {target}: {exc.strerror or exc}") from None


def finish(staged: Staged, progress: Progress = SILENT) -> Path:
    """Index what is left to index (see :meth:`.search.Indexer.handed`), then swap the staged
    site in (the build cache keeps it with what its search index was made of)."""
    try:
        if staged.search is not None:
            progress.start(INDEX)
            _release_memory()
            staged.indexed = Indexer.taking(staged.staging, staged.search).finish(progress)
        progress.start(SWAP)
        if not sitedir.replaceable(staged.target):
            raise BuildFailed(f"{staged.target} was changed during the build: it holds files that briefings "
                              "did not build; move them away, then build again")
        # (another build into the same folder, of another kind, swaps in after this one has
        # kept its own site: the cache of a public build never holds another build's pages)
        with locked(_target_lock(staged)):
            old = _swap(staged.staging, staged.target)
            if staged.cache is not None:
                with locked(staged.cache):
                    BuildCache.commit(staged.cache, staged.staging, staged.target, staged.indexed, old)
            elif old is not None:
                shutil.rmtree(old, ignore_errors=True)
        progress.finish()
    except (OSError, SearchIndexError) as exc:
        _discard(staged)
        raise BuildFailed(str(exc) or type(exc).__name__) from None
    except BaseException:
        _discard(staged)
        raise
    return staged.target


def _target_lock(staged: Staged) -> Path | None:
    """The lock of the site folder a build swaps into (in the build cache's folder)."""
    if staged.cache is None:
        return None
    name = hashlib.blake2b(str(staged.target).encode("utf-8", "surrogateescape"), digest_size=8).hexdigest()
    return staged.cache.parent / "locks" / name


def _discard(staged: Staged) -> None:
    """Remove what a build that failed staged, its prepared manifest included."""
    shutil.rmtree(staged.staging, ignore_errors=True)
    if staged.cache is not None:
        BuildCache.discard(staged.cache, staged.staging)


def _release_memory() -> None:
    """Hand the memory of the finished build back to the system before Pagefind runs."""
    from .quotes import quote_parts
    from .render import clear_caches

    quote_parts.cache_clear()
    clear_caches()
    gc.collect()
    try:
        ctypes.CDLL(None).malloc_trim(0)  # glibc keeps freed memory otherwise
    except (AttributeError, OSError):
        pass


def _swap(staging: Path, target: Path) -> Path | None:
    """Replace ``target`` by ``staging`` with two renames; returns where the old site went.

    A signal waits until it is done: the site is never left half swapped, and once swapped
    the build is complete. (If the new site cannot be moved in, the old one is put back.)
    """
    with deferred():
        old = None
        try:
            if target.exists() or target.is_symlink():
                old = sitedir.old_name(target)
                target.rename(old)
            staging.chmod(0o755)
            staging.rename(target)
        except OSError as exc:
            if old is not None and old.exists() and not target.exists():
                old.rename(target)
            raise BuildFailed(f"cannot move the new site into {target}: {exc.strerror or exc}") from None
        return old
