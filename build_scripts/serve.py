"""Preview the site while it is edited: ``briefings serve``.

The engine's live-reload server serves a site built into a temporary folder, and
rebuilds it through the build's own stages on every save in ``briefings/``, ``sources/``,
``templates/`` or ``mkdocs.yml``: only what changed (see :mod:`.preview`). A rebuild that
fails leaves the last good site served, and every page says why (``preview.js``).
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import time
import urllib.parse
from contextlib import contextmanager
from pathlib import Path

from .cache import link_tree
from .render import template_failure
from .site import BuildFailed, aborted, dirty_notice_dropped, engine_log, errors_logged, load_config, mkdocs_logging

#: The preview's report of its last rebuild, in its site: ``{"error": null or why it failed}``.
STATUS = "briefings-preview.json"
#: ``extra:`` of the preview's configuration: where that report is (the theme shows it).
PREVIEW_FLAG = "briefings_preview"


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
        self.serve_url: str | None = None
        self.last: dict = {}

    def config(self):
        """The configuration of the next rebuild."""
        overrides = {"site_dir": str(self.site_dir), "strict": False}
        if self.dev_addr:
            overrides["dev_addr"] = self.dev_addr
        config = load_config(self.root, max_marking=self.max_marking, **overrides)
        config.plugins["briefings"].preview = self.preview
        config.extra[PREVIEW_FLAG] = STATUS  # the pages say why a rebuild failed (preview.js)
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
        config = self.config()
        if not full:  # the 404 page and the sitemap list no generated page: the first build's stay
            config.theme.static_templates.difference_update({"404.html", "sitemap.xml"})
        with self._kept_if_failed(full and self.theme is not None):
            mkdocs_build(config, serve_url=self.serve_url, dirty=not full)
        self.theme = theme
        self.last = {"full": full, "rendered": self.preview.rendered, "rebuilt": len(self.preview.rebuilt),
                     "seconds": time.perf_counter() - start, "pending": bool(self.preview.carry)}
        if not self.last["pending"]:
            self.preview.settle()  # (once the second pass is done: not while the reader waits)
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
        link_tree(self.site_dir, kept)
        try:
            yield
        except BaseException:
            shutil.rmtree(self.site_dir, ignore_errors=True)
            kept.rename(self.site_dir)
            raise
        finally:
            shutil.rmtree(kept, ignore_errors=True)


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


def _say_status(site_dir: Path, error: str | None) -> None:
    """Write what every page of the preview shows of the last rebuild (:data:`STATUS`)."""
    status = site_dir / STATUS
    status.parent.mkdir(parents=True, exist_ok=True)
    status.write_text(json.dumps({"error": error}), encoding="utf-8")


def serve(root: Path, *, dev_addr: str | None = None, max_marking: str | None = None,
          open_in_browser: bool = False, shown: list | None = None) -> None:
    """Serve the site and rebuild what changed on every save in briefings/, sources/ or templates/.

    ``shown``: the diagnostics the caller has printed already (each is printed once).
    """
    from mkdocs.livereload import LiveReloadServer

    log = engine_log(".plugins.briefings")
    work = Path(tempfile.mkdtemp(prefix="briefings-serve-"))
    site_dir, again = work / "site", work / "again"  # (a file written into again/: rebuild once more)
    again.mkdir()
    builder = PreviewBuilder(root, site_dir, max_marking=max_marking, dev_addr=dev_addr)
    builder.preview.reported.update(shown or ())
    try:
        with mkdocs_logging(verbose=False), dirty_notice_dropped():
            engine_log().setLevel(logging.INFO)
            config = builder.config()
            host, port = config.dev_addr
            mount_path = urllib.parse.urlsplit(config.site_url or "/").path
            builder.serve_url = f"http://{host}:{port}{mount_path}"
            _require_free(host, port)
            try:
                builder(full=True)
            except Exception as exc:
                raise BuildFailed(_failure(exc, root)) from None
            _say_status(site_dir, None)
            failed = False

            def rebuild() -> None:
                nonlocal failed
                try:
                    # (MkDocs logs the reasons of an aborted build before it gives up)
                    with errors_logged(engine_log()) as errors:
                        done = builder(full=failed)
                except Exception as exc:  # never let the server wait for a build that will not come
                    failed = True
                    error = _failure(exc, root)
                    if aborted(exc) and errors:  # MkDocs logged the reason, then gave up
                        error = errors[-1]
                    _say_status(site_dir, error)
                    log.error(f"the preview was not rebuilt: {error}")
                    log.error("it shows the last good build until the problem is fixed")
                    return
                failed = False
                _say_status(site_dir, None)
                log.info(f"rebuilt {done['rebuilt']} page(s) in {done['seconds']:.2f} s"
                         + ("; now the pages that show them" if done["pending"] else ""))
                if done["pending"]:  # (the server reloads the browsers, then rebuilds again)
                    (again / "pass").write_text(str(time.monotonic_ns()), encoding="utf-8")

            server = LiveReloadServer(builder=rebuild, host=host, port=port, root=str(site_dir),
                                      mount_path=mount_path)
            server.watch(str(again))
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
        shutil.rmtree(work, ignore_errors=True)
