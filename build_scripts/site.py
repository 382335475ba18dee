"""Build and serve the site through MkDocs: ``briefings build`` and ``briefings serve``.

A build never leaves a half-written or unchecked site behind: the repository is
checked first, the site is built into a folder beside ``site/``, and only a complete
build replaces the previous one.
"""

from __future__ import annotations

import ctypes
import gc
import html
import logging
import os
import shutil
import sys
import tempfile
import time
import urllib.parse
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from . import sitedir
from .cache import BuildCache, Previous, link_tree
from .checks import Result
from .interrupt import deferred
from .progress import INDEX, RENDER, SILENT, SWAP, Progress
from .render import template_failure
from .repo import Repository
from .search import SearchIndexError, index_site

OFFLINE_PLUGIN = "material/offline"


def _engine_log(name: str = "") -> logging.Logger:
    """The engine's logger ``name`` (MkDocs logs as ``mkdocs``, ProperDocs as ``properdocs``)."""
    import mkdocs

    return logging.getLogger(mkdocs.__name__ + name)


class BuildFailed(Exception):
    """MkDocs could not build the site; the message says why."""


@contextmanager
def mkdocs_logging(verbose: bool = False):
    """Show MkDocs' messages as its own command line does (warnings and errors by default)."""
    logger = _engine_log()
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
    """A site built beside its target, waiting for its search index and the swap."""

    staging: Path
    target: Path
    search: bool  # index it with Pagefind
    part_text: int
    #: The build cache to keep the site in once it is swapped in (see :mod:`.cache`).
    cache: Path | None = None
    #: The keys of the search index's parts of the site it started from, if any.
    previous_search: list[str] | None = None

    def as_json(self) -> dict:
        return {"staging": str(self.staging), "target": str(self.target), "search": self.search,
                "part_text": self.part_text, "cache": None if self.cache is None else str(self.cache),
                "previous_search": self.previous_search}

    @classmethod
    def from_json(cls, data: dict) -> "Staged":
        return cls(Path(data["staging"]), Path(data["target"]), data["search"], data["part_text"],
                   None if data.get("cache") is None else Path(data["cache"]), data.get("previous_search"))


class _DirtyNotice(logging.Filter):
    """Drops the warning MkDocs logs when a build starts from the previous site: an
    incremental build knows what changed (and a strict build would stop on it). It is the
    one warning the build function itself logs; others come from the modules it calls."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.levelno == logging.WARNING and record.funcName == "build")


@contextmanager
def _dirty_notice_dropped():
    logger, notice = _engine_log(".commands.build"), _DirtyNotice()
    logger.addFilter(notice)
    try:
        yield
    finally:
        logger.removeFilter(notice)


def build_cache(root: Path, config, offline: bool) -> BuildCache:
    """The cache of this kind of build: keyed by what the engine's configuration holds
    beyond ``mkdocs.yml`` itself (the command line's options, the environment's values)."""
    options = {name: repr(value) for name, value in sorted(config.items())
               if name not in ("site_dir", "config_file_path", "plugins", "theme", "strict", "dev_addr")}
    options["plugins"] = {name: repr(sorted(dict(plugin.config).items()))
                          for name, plugin in config.plugins.items() if hasattr(plugin, "config")}
    options["offline"] = offline
    return BuildCache(root, options)


def build(root: Path, *, site_dir: Path | None = None, max_marking: str | None = None,
          offline: bool = False, checked: tuple[Repository, Result] | None = None,
          verbose: bool = False) -> Path:
    """Build the site into ``site_dir`` (default: the config's), replacing it only on success."""
    return finish(build_pages(root, site_dir=site_dir, max_marking=max_marking, offline=offline,
                              checked=checked, verbose=verbose))


def build_pages(root: Path, *, site_dir: Path | None = None, max_marking: str | None = None,
                offline: bool = False, checked: tuple[Repository, Result] | None = None,
                verbose: bool = False, strict: bool = False, owner: str | None = None,
                progress: Progress = SILENT, incremental: bool = True) -> Staged:
    """Build every page of the site beside ``site_dir``; :func:`finish` indexes and swaps it in.

    ``site_dir`` (``--site-dir``; default: the config's) must be one a build may replace
    (:func:`.sitedir.check`, else :class:`.sitedir.UnsafeSiteDir`). ``owner``: the process
    token of the build, which the staging folder is named for (default: this process).

    ``strict``: MkDocs' warnings fail the build too (``strict:`` of mkdocs.yml is not read:
    warnings stop a build only when asked to on the command line).

    ``progress`` is shown the pages as they are rendered, then written (by the plugin).

    ``incremental``: start from the site of the previous build of the same kind, kept in
    the build cache (:mod:`.cache`), and build again only the pages that changed.
    """
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.exceptions import MkDocsException

    progress.start(RENDER)  # (how many: once the plugin has planned them)
    with mkdocs_logging(verbose):
        config = load_config(root, max_marking=max_marking, offline=offline, checked=checked, strict=strict)
        target = sitedir.config_target(root, site_dir, config)  # (UnsafeSiteDir: nothing written)
        staging = _stage(target, owner)
        config.site_dir = str(staging)
        plugin = config.plugins["briefings"]
        plugin.defer_search = True
        plugin.progress = progress
        del checked  # the plugin lets go of the records once the site is written
        try:
            cache = build_cache(root, config, offline)
            previous = _start_from(cache, cache.previous() if incremental and _pagefind(config) else Previous(),
                                   staging)
            plugin.previous = previous.pages if previous.site is not None else None
            with _dirty_notice_dropped():
                mkdocs_build(config, dirty=previous.site is not None)
            _remove_stale(staging, previous.files - plugin.outputs)
            cache.prepare(plugin.built(), plugin.outputs)
        except (MkDocsException, OSError) as exc:
            shutil.rmtree(staging, ignore_errors=True)
            raise BuildFailed(str(exc) or type(exc).__name__) from None
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
    progress.finish()  # (the pages are written)
    # as on_config left it: offline builds and previews use Material's search
    return Staged(staging, target, plugin.config.search == "pagefind", plugin.config.search_part_text,
                  cache.folder, previous.search)


def _pagefind(config) -> bool:
    """Whether the site searches with Pagefind, which indexes the built site whole. (Material's
    search indexes the pages as the engine builds them: an incremental build, which builds
    only the pages that changed, would leave the others out; such builds are clean.)"""
    offline = config.plugins.get(OFFLINE_PLUGIN)
    return config.plugins["briefings"].config.search == "pagefind" and not (offline and offline.config.enabled)


def _start_from(cache: BuildCache, previous: Previous, staging: Path) -> Previous:
    """Make ``staging`` the previous site, if there is one to reuse: the cache's, moved
    there (or linked, where it cannot be moved)."""
    if previous.site is None or BuildCache.take(cache.folder, staging):
        return previous
    try:
        link_tree(previous.site, staging)
    except OSError:  # (a cache that cannot be read is no cache)
        shutil.rmtree(staging)
        staging.mkdir()
        sitedir.mark(staging)
        return Previous()
    return previous


def _remove_stale(site: Path, stale: set[str]) -> None:
    """Remove the files of pages gone since the previous build, and folders left empty."""
    for name in sorted(stale):
        path = site / name
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
    """Index the staged site for search (if it uses Pagefind), then swap it in."""
    try:
        if staged.search:
            progress.start(INDEX)
            _release_memory()
            search = index_site(staged.staging, staged.part_text, progress, staged.previous_search)
        else:
            search = []
        progress.start(SWAP)
        if not sitedir.replaceable(staged.target):
            raise BuildFailed(f"{staged.target} was changed during the build: it holds files that briefings "
                              "did not build; move them away, then build again")
        old = _swap(staged.staging, staged.target)
        if staged.cache is not None:
            BuildCache.commit(staged.cache, staged.target, search, old)
        elif old is not None:
            shutil.rmtree(old, ignore_errors=True)
        progress.finish()
    except (OSError, SearchIndexError) as exc:
        shutil.rmtree(staged.staging, ignore_errors=True)
        raise BuildFailed(str(exc) or type(exc).__name__) from None
    except BaseException:
        shutil.rmtree(staged.staging, ignore_errors=True)
        raise
    return staged.target


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


class _QuietDirtyNotice(logging.Filter):
    """The preview tracks what changed itself, so MkDocs' warning about dirty builds is moot."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "'dirty' build" not in record.getMessage()


def _theme_stamp(root: Path) -> tuple:
    """Modification times of mkdocs.yml and every template, static page and asset."""
    paths = [root / "mkdocs.yml", *sorted(p for p in (root / "templates").rglob("*") if p.is_file())] \
        if (root / "templates").is_dir() else [root / "mkdocs.yml"]
    stamps = []
    for path in paths:
        try:
            stamps.append((str(path), path.stat().st_mtime_ns))
        except OSError:
            pass
    return tuple(stamps)


class PreviewBuilder:
    """Builds the preview of ``briefings serve``: fully at first, then only what changed."""

    def __init__(self, root: Path, site_dir: Path, *, max_marking: str | None = None,
                 dev_addr: str | None = None) -> None:
        from .preview import Preview

        self.root, self.site_dir = root, site_dir
        self.max_marking, self.dev_addr = max_marking, dev_addr
        self.preview = Preview()
        self.theme: tuple | None = None
        self.theme_env: tuple | None = None
        self.serve_url: str | None = None
        self.last: dict = {}

    def config(self, stamp: tuple | None = None):
        """The configuration of the next rebuild (``stamp``: the theme's, if already taken)."""
        overrides = {"site_dir": str(self.site_dir), "strict": False}
        if self.dev_addr:
            overrides["dev_addr"] = self.dev_addr
        config = load_config(self.root, max_marking=self.max_marking, **overrides)
        config.plugins["briefings"].preview = self.preview
        # The theme's templates compile once per theme, not on every save (MkDocs makes a
        # new Jinja environment for each build, and compiling Material's takes most of a second).
        stamp = stamp if stamp is not None else _theme_stamp(self.root)
        if self.theme_env is None or self.theme_env[0] != stamp:
            self.theme_env = (stamp, config.theme.get_env())
        env = self.theme_env[1]
        config.theme.get_env = lambda: env
        if self.serve_url:
            config.site_url = self.serve_url
        return config

    def __call__(self, full: bool = False) -> dict:
        """Rebuild; returns what was done (pages rendered and rebuilt, seconds)."""
        from mkdocs.commands.build import build as mkdocs_build

        start = time.perf_counter()
        theme = _theme_stamp(self.root)
        full = full or theme != self.theme
        if full:
            self.preview.reset()
        config = self.config(theme)
        if not full:  # the 404 page and the sitemap list no generated page: keep the first build's
            config.theme.static_templates.difference_update({"404.html", "sitemap.xml"})
        with self._kept_if_failed(full and self.theme is not None):
            mkdocs_build(config, serve_url=self.serve_url, dirty=not full)
        self.theme = theme
        self.last = {"full": full, "rendered": self.preview.rendered, "rebuilt": len(self.preview.rebuilt),
                     "seconds": time.perf_counter() - start, "pending": bool(self.preview.carry)}
        return self.last


    @contextmanager
    def _kept_if_failed(self, keep: bool):
        """Put the previous site back if the build fails (a full build empties the folder first).

        The copy is of hard links: MkDocs removes every file before it writes a new one, so
        the copy keeps the previous files' content at no cost in disk or time.
        """
        if not keep:
            yield
            return
        kept = self.site_dir.with_name(self.site_dir.name + ".last-good")
        shutil.rmtree(kept, ignore_errors=True)
        shutil.copytree(self.site_dir, kept, copy_function=os.link)
        try:
            yield
        except BaseException:
            shutil.rmtree(self.site_dir, ignore_errors=True)
            kept.rename(self.site_dir)
            raise
        finally:
            shutil.rmtree(kept, ignore_errors=True)


@contextmanager
def _errors_logged():
    """The messages MkDocs logs as errors meanwhile (an aborted build logs its reasons first)."""
    errors: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            errors.append(record.getMessage())

    handler = Collect(logging.ERROR)
    logger = _engine_log()
    logger.addHandler(handler)
    try:
        yield errors
    finally:
        logger.removeHandler(handler)


def _rebuild_again(server, rebuild) -> None:
    """Have the live-reload server rebuild once more after reloading the browsers."""
    condition = getattr(server, "_rebuild_cond", None)
    if condition is None or not hasattr(server, "_want_rebuild"):  # another MkDocs: do it now
        rebuild()
        return
    with condition:
        server._want_rebuild = True
        condition.notify_all()


def _failure(exc: Exception, root: Path) -> str:
    """What went wrong in a build, in one line (file and line when a template failed)."""
    from mkdocs.exceptions import MkDocsException

    if isinstance(exc, (MkDocsException, BuildFailed)):
        return str(exc) or type(exc).__name__
    return template_failure(exc, root) or f"{exc} ({type(exc).__name__})"


def _require_free(host: str, port: int) -> None:
    """Refuse, before the first build, an address something else already serves on."""
    import socket

    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds
            probe.bind((host, port))
    except OSError as exc:
        raise BuildFailed(f"cannot serve on {host}:{port}: {exc.strerror or exc}; stop what serves "
                          "there, or give --dev-addr another address, such as 127.0.0.1:8001") from None


def _preview_server():
    """MkDocs' live-reload server, showing the last failed rebuild's reason on every page."""
    from mkdocs.livereload import LiveReloadServer

    class PreviewServer(LiveReloadServer):
        error: str | None = None

        def _inject_js_into_html(self, content: bytes, epoch: int) -> bytes:
            content = super()._inject_js_into_html(content, epoch)
            if not self.error:
                return content
            banner = ('<div role="alert" class="brf-preview-error" style="position:fixed;z-index:10;inset:0 0 auto 0;'
                      'padding:.8em 1.2em;background:#b00020;color:#fff;font:14px/1.4 sans-serif;'
                      'white-space:pre-wrap"><strong>The preview was not rebuilt</strong>; it shows the last '
                      f'good build. {html.escape(self.error)}</div>').encode()
            try:
                end = content.rindex(b"</body>")
            except ValueError:
                end = len(content)
            return content[:end] + banner + content[end:]

    return PreviewServer


def serve(root: Path, *, dev_addr: str | None = None, max_marking: str | None = None,
          open_in_browser: bool = False, shown: list | None = None) -> None:
    """Serve the site and rebuild what changed on every save in briefings/, sources/ or templates/.

    ``shown``: the diagnostics the caller has printed already (each is printed once).
    """
    log = _engine_log(".plugins.briefings")
    site_dir = Path(tempfile.mkdtemp(prefix="briefings-serve-"))
    builder = PreviewBuilder(root, site_dir, max_marking=max_marking, dev_addr=dev_addr)
    builder.preview.reported.update(shown or ())
    notice = _QuietDirtyNotice()
    _engine_log(".commands.build").addFilter(notice)
    try:
        with mkdocs_logging(verbose=False):
            _engine_log().setLevel(logging.INFO)
            config = builder.config()
            host, port = config.dev_addr
            mount_path = urllib.parse.urlsplit(config.site_url or "/").path
            builder.serve_url = f"http://{host}:{port}{mount_path}"
            _require_free(host, port)
            try:
                builder(full=True)
            except Exception as exc:
                raise BuildFailed(_failure(exc, root)) from None
            failed = False

            def rebuild() -> None:
                nonlocal failed
                try:
                    with _errors_logged() as errors:
                        done = builder(full=failed)
                except Exception as exc:  # never let the server wait for a build that will not come
                    failed = True
                    server.error = _failure(exc, root)
                    if server.error.startswith("Aborted with") and errors:  # MkDocs logged the reasons
                        server.error = " ".join(e for e in errors if not e.startswith("Error "))
                    log.error(f"the preview was not rebuilt: {server.error}")
                    log.error("it shows the last good build until the problem is fixed")
                    return
                failed, server.error = False, None
                log.info(f"rebuilt {done['rebuilt']} page(s) in {done['seconds']:.2f} s"
                         + ("; now the pages that show them" if done["pending"] else ""))
                if done["pending"]:
                    _rebuild_again(server, rebuild)

            server = _preview_server()(builder=rebuild, host=host, port=port, root=str(site_dir),
                                       mount_path=mount_path)
            for folder in ("briefings", "sources", "templates"):
                if (root / folder).is_dir():
                    server.watch(str(root / folder))
            server.watch(str(root / "mkdocs.yml"))
            try:
                server.serve(open_in_browser=open_in_browser)
            except KeyboardInterrupt:
                log.info("stopped")
            finally:
                server.shutdown()
    finally:
        _engine_log(".commands.build").removeFilter(notice)
        shutil.rmtree(site_dir, ignore_errors=True)
