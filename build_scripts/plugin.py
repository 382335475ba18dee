"""The ``briefings`` MkDocs plugin: check the repository, then hand the rendered pages to MkDocs.

All the work happens in :mod:`.checks`, :mod:`.index` and :mod:`.render`; this module
only connects them to MkDocs events, so another static-site engine needs another
thin adapter and nothing else.

```yaml
plugins:
  - search
  - briefings:
      templates: templates      # page templates in templates/pages/
      max_marking: TLP:RED      # public builds: leave out everything above this
```
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import json
import logging
from collections.abc import Callable
import os
import tempfile
import threading
import typing
from pathlib import Path

import jinja2
import mkdocs
from mkdocs.config import config_options as opt
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.toc import get_toc

from . import sitedir
from .checks import Result, check_repository
from .diagnostics import Severity
from .index import build_index
from .model import TLP_ORDER
from .pagehtml import anchor_ids
from .progress import SILENT, WRITE, Progress
from .render import Page, RenderError, Renderer, Utf8Loader, bounded_range, environment, plan_pages
from .repo import LoadCache, Repository, load_repository
from .report import as_text
from .search import PART_TEXT, SearchIndexError, index_site
from .watchdog import Watchdog

log = logging.getLogger(f"{mkdocs.__name__}.plugins.briefings")  # (ProperDocs: properdocs.plugins...)

WATCHED = ("briefings", "sources", "templates")


class Preview:
    """What ``briefings serve`` keeps between rebuilds, so that a save rebuilds only what changed.

    Records load from a cache of unchanged files; a page is rendered again only when a
    file it shows changed (or it lists everything), and handed to MkDocs as modified
    only when its Markdown differs; the search index keeps the entries of the pages
    that were not rebuilt.
    """

    def __init__(self) -> None:
        self.cache = LoadCache()
        self.mapped: dict = {}  # source text -> its quote map
        self.writer: threading.Thread | None = None
        #: Warnings shown already (by ``briefings serve`` or an earlier rebuild): shown once.
        self.reported: set = set()
        self.reset()

    def wait(self) -> None:
        """Let the search index of the previous rebuild finish writing."""
        if self.writer is not None:
            self.writer.join()
            self.writer = None

    def reset(self) -> None:
        self.wait()
        self.pages: dict[str, tuple[Page, frozenset[str] | None]] = {}
        self.files: dict[str, _PreviewFile] = {}
        self.env = None
        self.search_docs: list[dict] | None = None
        self.rendered = 0
        self.rebuilt: set[str] = set()
        #: Files whose dependent pages wait for the second pass of a save (see _preview_files).
        self.carry: set[str] = set()

    def file(self, config, path: str, markdown: str, modified: bool) -> "_PreviewFile":
        """The page's file, kept from one rebuild to the next (making 5,000 MkDocs files
        anew costs a second of path parsing on every save)."""
        file = self.files.get(path)
        if file is None:
            file = self.files[path] = _PreviewFile.generated(config, path, content=markdown)
        elif modified:
            file.content_string = markdown
        file.modified = modified
        return file


class _PreviewFile(File):
    """A generated page that MkDocs' dirty build rebuilds only when its Markdown changed."""

    modified = True

    def is_modified(self) -> bool:
        return self.modified


def _page_of(key: str) -> str:
    """The page of a record file: briefings/x.yaml -> briefings/x.md, sources/x -> sources/x.md."""
    return (key[:-len(".yaml")] if key.endswith(".yaml") else key) + ".md"


def _render(renderer: Renderer, plan, watchdog: Watchdog | None = None,
            direct: dict[str, Page] | None = None) -> str:
    """The page's Markdown for MkDocs to read: for an HTML page, only its front matter (its
    HTML waits in ``direct`` until :meth:`BriefingsPlugin.on_page_content` hands it over)."""
    if watchdog is not None:
        watchdog.kick()
    try:
        page = renderer.render(plan)
    except RenderError as exc:
        raise PluginError(f"cannot render the pages: {exc}") from None
    if page.html is not None and direct is not None:
        direct[page.path] = page
    return page.markdown


class _LazyFile(File):
    """A generated page rendered when MkDocs reads it: the Markdown of the whole site is
    never in memory at once (and is dropped again once converted, see on_page_content)."""

    render: Callable[[], str]

    @property
    def content_string(self) -> str:
        return self.render() if self._content is None else super().content_string

    @content_string.setter
    def content_string(self, value: str) -> None:
        File.content_string.fset(self, value)

    @property
    def content_bytes(self) -> bytes:
        return self.content_string.encode()

    @content_bytes.setter
    def content_bytes(self, value: bytes) -> None:
        File.content_bytes.fset(self, value)


class BriefingsConfig(Config):
    templates = opt.Type(str, default="templates")
    max_marking = opt.Choice(TLP_ORDER, default=TLP_ORDER[-1])
    #: ``pagefind``: a chunked index that readers fetch piece by piece (large sites);
    #: ``material``: Material's own search, one index downloaded whole. Offline builds
    #: and the preview of ``briefings serve`` always use Material's.
    search = opt.Choice(("material", "pagefind"), default="material")
    #: Pagefind indexes the site in parts of at most this many characters of page text,
    #: one run at a time, so its memory stays bounded however large the site grows.
    search_part_text = opt.Type(int, default=PART_TEXT)
    #: Seconds a page may take to render (its template, then the theme's) before the build
    #: stops it: an endless loop in a template ends the build instead of hanging it.
    render_timeout = opt.Type((int, float), default=60)


class BriefingsPlugin(BasePlugin[BriefingsConfig]):
    """Generates the briefing, source, actor, question and index pages."""

    def __init__(self) -> None:
        self.root: Path | None = None
        self.updated: dict[str, str] = {}
        self.spill: typing.BinaryIO | None = None
        self.spilled: dict[str, tuple[int, int]] = {}  # page -> (offset, length) in the spill file
        #: Set by ``briefings build``, which has already loaded and checked the repository.
        self.checked: tuple[Repository, Result] | None = None
        #: Set by ``briefings serve``: state kept between rebuilds.
        self.preview: Preview | None = None
        #: Set by ``briefings build``, which indexes the search once the build has let go
        #: of its memory (Pagefind's own peak is then all there is).
        self.defer_search = False
        self.frozen = False  # gc.freeze() is in effect for this build
        #: Set by ``briefings build``: it has printed the check's diagnostics already.
        self.reported = False
        self.watchdog: Watchdog | None = None
        self.direct: dict[str, Page] = {}  # rendered HTML pages until MkDocs reaches them
        #: Set by ``briefings build``: shown each page as it is rendered, then written.
        self.progress: Progress = SILENT

    def on_config(self, config):
        sitedir.guard_mkdocs(config)  # mkdocs build empties site_dir: never the repository
        self.root = Path(config.config_file_path or ".").resolve().parent
        offline = config.plugins.get("material/offline")
        if offline is not None and offline.config.enabled:
            self.config.search = "material"  # Pagefind fetches its index: not from file://
        if self.preview is not None:
            self.config.search = "material"  # its index is merged page by page on rebuilds
        material_search = config.plugins.get("material/search")
        if self.config.search == "pagefind":
            if material_search is not None:
                material_search.config.enabled = False
            config.extra["briefings_search"] = "pagefind"
        return config

    def on_pre_build(self, *, config) -> None:
        assert self.root is not None
        self.watchdog = Watchdog(self.config.render_timeout).start()
        if self.checked is None:
            repo = load_repository(self.root, self.preview.cache if self.preview else None)
            self.checked = repo, check_repository(repo)
        repo, result = self.checked
        if not self.reported:
            self._report(result)
        if result.errors:
            raise PluginError(f"the briefings have {result.errors} error(s); nothing was built. "
                              "Fix them (see above, or run 'briefings check'), then build again.")
        if result.warnings and config.strict:
            raise PluginError(f"the briefings have {result.warnings} warning(s) and the build is strict; "
                              "nothing was built. Fix them (see above), or build without strict.")
        self.index = build_index(repo, self.config.max_marking, self.preview.mapped if self.preview else None)
        self.watchdog.kick()

    def _report(self, result: Result) -> None:
        """Log the check's diagnostics, each once: a preview logs only those not shown before.

        Warnings go out at the level of information: they never stop a build (MkDocs'
        ``strict`` counts warnings it logs), unless the build is strict (see on_pre_build).
        """
        if self.preview is not None:
            shown = self.preview.reported
            result = dataclasses.replace(result, diagnostics=[
                d for d in result.diagnostics if d not in shown or d.severity is Severity.ERROR])
            self.preview.reported = shown | set(result.diagnostics)
        if result.diagnostics:
            for line in as_text(result, self.root).rstrip("\n").split("\n"):
                (log.error if result.errors else log.info)(line)

    def on_files(self, files: Files, *, config) -> Files:
        templates = self.root / self.config.templates
        if not (templates / "pages").is_dir():
            raise PluginError(f"no page templates: {templates / 'pages'} is not a folder")
        from .capture.originals import published  # PDF originals, beside their source's page

        for uri, path in published(self.index.sources.values(), self.root):
            self._add(files, config, File.generated(config, uri, abs_src_path=str(path)))
        if self.preview is not None:
            return self._preview_files(files, config, templates)
        # What lives now (records, cross-references, MkDocs' configuration) lives until the
        # build ends: the cyclic garbage collector need not scan it again for every page.
        gc.freeze()
        self.frozen = True
        renderer = Renderer(self.index, templates, config.use_directory_urls)
        self.updated = {}
        for plan in plan_pages(self.index):
            file = File.generated(config, plan.path, content="")
            file.__class__, file._content = _LazyFile, None
            file.render = functools.partial(_render, renderer, plan, self.watchdog, self.direct)
            if plan.updated:
                self.updated[plan.path] = str(plan.updated)
            self._add(files, config, file)
        self.progress.set_total(len(files.documentation_pages()))
        return files

    def _direct(self, path: str) -> Page | None:
        """The HTML page rendered for ``path``, if it is one of ours."""
        if self.preview is not None:
            kept = self.preview.pages.get(path)
            return kept[0] if kept is not None and kept[0].html is not None else None
        return self.direct.pop(path, None)

    def on_env(self, env, *, config, files):
        # Jinja checks each template's file for changes every time a page includes it
        # (Material's base template includes some forty partials): one stat call each.
        # Templates do not change during a build, and the preview makes a new environment
        # when one does.
        env.auto_reload = False
        if type(env.loader) is jinja2.FileSystemLoader:  # a template that is not UTF-8: file and line
            env.loader = Utf8Loader(env.loader.searchpath)
        env.globals["range"] = bounded_range  # (a loop in C would escape the watchdog)
        self.progress.start(WRITE, len(files.documentation_pages()))  # (every page is rendered now)
        return env

    def _kick(self) -> None:
        if self.watchdog is not None:
            self.watchdog.kick()

    def stop_watchdog(self) -> None:
        if self.watchdog is not None:
            self.watchdog.stop()
            self.watchdog = None

    def _add(self, files: Files, config, file: File) -> None:
        if file.src_uri in files.src_uris:  # (a dict lookup: get_file_from_path parses a path)
            raise PluginError(f"{config.docs_dir}/{file.src_uri} clashes with a generated page; rename it")
        files.append(file)

    def _preview_files(self, files: Files, config, templates: Path) -> Files:
        preview = self.preview
        # A save is shown in two passes: first the pages of the saved files themselves (the
        # page the analyst is looking at), then every other page that shows them (actors,
        # questions, sources, the indexes), in a second rebuild that ``briefings serve``
        # starts at once. ``carry`` holds the saved files between the two.
        changed = preview.cache.changed | preview.carry
        first_pass = bool(changed) and not preview.carry
        own = {_page_of(key) for key in changed}
        deferred = False
        if preview.env is None:  # compiled templates are kept until a template changes
            preview.env = environment(templates)
        renderer = Renderer(self.index, templates, config.use_directory_urls, preview.env)
        pages: dict[str, tuple[Page, frozenset[str] | None]] = {}
        preview.rendered = 0
        for plan in plan_pages(self.index):
            before = preview.pages.get(plan.path)
            stale = (before is None or plan.depends is None or plan.depends != before[1]
                     or not plan.depends.isdisjoint(changed))
            if stale and first_pass and before is not None and plan.path not in own:
                deferred = True  # shown as it was until the second pass
                pages[plan.path] = before
                self._add(files, config, preview.file(config, plan.path, before[0].markdown, modified=False))
                continue
            try:
                page = renderer.render(plan) if stale else before[0]
            except RenderError as exc:
                raise PluginError(f"cannot render the pages: {exc}") from None
            preview.rendered += stale
            pages[plan.path] = (page, plan.depends)
            modified = before is None or before[0].text != page.text
            self._add(files, config, preview.file(config, page.path, page.markdown, modified))
        preview.pages = pages
        preview.carry = set(changed) if deferred else set()
        self.updated = {path: page.updated for path, (page, _) in pages.items() if page.updated}
        preview.rebuilt = set()
        return files

    # MkDocs converts every page to HTML before it writes any, so a large site would sit
    # whole in memory. Each generated page's HTML waits in one temporary file instead (one
    # file: creating thousands of small ones costs seconds), from its conversion until its
    # turn to be written, and its Markdown is dropped once converted.

    def on_page_content(self, html, *, page, config, files):
        self._kick()
        self.progress.advance()  # rendered
        direct = self._direct(page.file.src_uri)
        if direct is not None:  # our HTML, as it is: it never went through Markdown
            html = direct.html
            page.toc = get_toc(direct.toc)
            page.present_anchor_ids = anchor_ids(html)
        if self.preview is None and page.file.generated_by == "briefings":
            page.markdown = ""  # (not None: the title is read from the rendered page)
            page.file._content = None
            if self.spill is None:
                self.spill = tempfile.TemporaryFile(prefix="briefings-pages-")
            data = html.encode("utf-8")
            self.spill.seek(0, os.SEEK_END)
            self.spilled[page.file.src_uri] = (self.spill.tell(), len(data))
            self.spill.write(data)
            return ""
        return html

    @event_priority(100)  # before any other plugin (search) reads the page's HTML
    def on_page_context(self, context, *, page, config, nav):
        self._kick()
        where = self.spilled.pop(page.file.src_uri, None)
        if where is not None:
            self.spill.seek(where[0])
            page.content = self.spill.read(where[1]).decode("utf-8")
        return context

    def on_post_page(self, output, *, page, config):
        self._kick()
        self.progress.advance()  # written
        if self.preview is not None:
            self.preview.rebuilt.add(page.url)
        elif page.file.generated_by == "briefings":
            page.content = None  # written: nothing needs the HTML any more
        return output

    def _unfreeze(self) -> None:
        if self.frozen:
            gc.unfreeze()
            self.frozen = False

    def _clean_spill(self) -> None:
        if self.spill is not None:
            self.spill.close()  # (a temporary file: removed on close)
        self.spill, self.spilled = None, {}

    def on_build_error(self, *, error) -> None:
        self.stop_watchdog()
        self._clean_spill()
        self._unfreeze()

    def on_pre_page(self, page, *, config, files):
        self._kick()
        updated = self.updated.get(page.file.src_uri)
        if updated:  # the sitemap's lastmod: when the records changed, not when the site was built
            page.update_date = updated
        return page

    def on_post_build(self, *, config) -> None:
        self.stop_watchdog()
        self.checked = None  # mkdocs serve reuses the plugin: load afresh on the next build
        self._clean_spill()
        self._unfreeze()
        self.index = None
        if self.config.search == "pagefind" and not self.defer_search:
            try:
                parts = index_site(Path(config.site_dir), self.config.search_part_text)
            except SearchIndexError as exc:
                raise PluginError(str(exc)) from None
            log.debug("search index written in %d part(s)", parts)
        if self.preview is not None:
            self._merge_search_index(Path(config.site_dir) / "search" / "search_index.json")

    def _merge_search_index(self, path: Path) -> None:
        """Keep the search entries of the pages a dirty rebuild did not render again.

        The merged index is written in the background: the changed page is ready (and the
        browser reloads) without waiting for the whole index to be serialised.
        """
        preview = self.preview
        preview.wait()
        if not path.is_file():
            return
        data = json.loads(path.read_text(encoding="utf-8"))
        if preview.search_docs is None:
            preview.search_docs = data.get("docs", [])
            return
        kept = [doc for doc in preview.search_docs if doc.get("location", "").split("#")[0] not in preview.rebuilt]
        data["docs"] = preview.search_docs = kept + data.get("docs", [])
        if preview.carry:  # the second pass follows at once and writes the whole index
            return

        def write() -> None:
            staging = path.with_name(path.name + ".new")
            staging.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
            os.replace(staging, path)

        preview.writer = threading.Thread(target=write, name="search-index", daemon=True)
        preview.writer.start()

    def on_serve(self, server, *, config, builder):
        for folder in WATCHED:
            path = self.root / folder
            if path.is_dir():
                server.watch(str(path))
        return server
