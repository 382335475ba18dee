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
import filecmp
import functools
import gc
import html
import logging
import os
import tempfile
import typing
from collections.abc import Callable
from pathlib import Path

import jinja2
import mkdocs
from mkdocs.config import config_options as opt
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc
from mkdocs.utils import meta

from . import sitedir
from .ahead import Ahead
from .cache import Built, RecordDigests, nav_key, page_key
from .checks import Result, check_repository
from .chrome import Chrome
from .diagnostics import Severity
from .feed import feed_file
from .index import build_index
from .model import TLP_ORDER
from .pagehtml import anchor_ids
from .pdf import pdf_href
from .preview import DependsKeys
from .progress import SILENT, WRITE, Progress
from .render import Page as RenderedPage
from .render import PagePlan, RenderError, Renderer, Utf8Loader, bounded_range, environment, plan_pages
from .repo import Repository, load_repository
from .report import as_text
from .search import PART_TEXT, WORKERS, Indexer, SearchIndexError, resident
from .watchdog import Watchdog

if typing.TYPE_CHECKING:
    from .preview import Preview

log = logging.getLogger(f"{mkdocs.__name__}.plugins.briefings")  # (ProperDocs: properdocs.plugins...)

WATCHED = ("briefings", "sources", "templates")
#: A clean build of at least this many pages renders most of them in a second process,
#: while this one holds less than AHEAD_MEMORY (the worker starts as its copy, and
#: copies what it writes to: the build's memory stays under 1 GiB).
AHEAD_FROM = 200
AHEAD_MEMORY = 384 << 20


class _GeneratedFile(File):
    """A page of ours: an incremental build builds it again only when its content changed."""

    def is_modified(self) -> bool:
        page = self.page
        return page.modified() if isinstance(page, _GeneratedPage) else True


class _OriginalFile(File):
    """The original capture of a source (a PDF), published beside its page: copied again
    when its bytes differ from the copy in the site (a file moved in keeps an older time)."""

    def is_modified(self) -> bool:
        try:
            return not filecmp.cmp(self.abs_src_path, self.abs_dest_path, shallow=False)
        except OSError:
            return True


class _StaticPageFile(File):
    """A static page (the guide): an incremental build builds it again every time. There
    are few, and its neighbours in the navigation show its title, known only once read."""

    def is_modified(self) -> bool:
        return True


class _GeneratedPage(Page):
    """A page of ours, rendered when MkDocs reads it; its HTML goes to the theme as it is
    (no Markdown converter, and its front matter is the YAML the template wrote).

    ``make`` renders it; ``previous`` is what the build an incremental build starts from
    made of it, if it was there (:class:`.cache.Built`); ``depends`` the key of the records
    it shows (:func:`.cache.depends_key`); ``title`` the navigation's title. A page whose
    records are those of the previous build is not even rendered. A page that ``waits``
    (for the second pass of a preview, see :mod:`.preview`) is kept as it was.
    """

    waits = False
    held = False  # it waited, and may have changed

    def __init__(self, title: str | None, file: File, config, make: Callable[[], RenderedPage],
                 previous: Built | None = None, depends: str | None = None) -> None:
        super().__init__(title, file, config)
        self.config = config
        self.nav_title = title
        self.make = make
        self.previous = previous
        self.depends = depends
        self.rendered: RenderedPage | None = None
        self.key: str | None = None

    def _rendered(self) -> RenderedPage:
        if self.rendered is None:
            self.rendered = self.make()
            self.key = page_key(self.rendered, self.nav_title)
        return self.rendered

    def same_records(self) -> bool:
        """Whether the page shows the very records the build this one starts from showed."""
        return self.previous is not None and self.depends is not None and self.depends == self.previous.depends

    def modified(self) -> bool:
        """Whether the page differs from the build this one starts from."""
        if self.previous is None:
            return True
        if self.key is None and self.same_records():
            self.key = self.previous.key  # the same records through the same templates
            return False
        if self.waits:
            self.held = True
            return False
        if self.key is None:
            self._rendered()
        if self.key == self.previous.key:
            self.rendered = None  # the page is kept as it was built: let go of it
            return False
        return True

    def built(self) -> Built:
        if self.waits and self.key is None and self.previous is not None:  # not built: as it was
            return self.previous
        return Built(self.key or "", self.depends)

    def read_source(self, config) -> None:
        page = self._rendered()
        self.markdown, self.meta = meta.get_data(page.front)  # (the Markdown page: all of it)
        if page.html is not None:
            self.markdown = ""
            if page.title and self.nav_title is None:
                # as the engine reads a title from a heading: HTML text (its tags are markup)
                self.title = html.escape(page.title, quote=False)

    def render(self, config, files) -> None:
        page = self._rendered()
        if page.html is None:  # the check reference: Markdown
            super().render(config, files)
        else:
            self.content = page.html
            self.toc = get_toc(page.toc)
            self.present_anchor_ids = anchor_ids(page.html)
        self.rendered = None  # the page holds its content now


def _nav_titles(nav) -> dict[str, str | None]:
    """Each page ``nav:`` of mkdocs.yml names, with the title it gives (``Home: index.md``)."""
    titles: dict[str, str | None] = {}
    items = list(nav or [])
    while items:
        item = items.pop()
        if isinstance(item, str):
            titles.setdefault(item, None)
        elif isinstance(item, dict):
            for title, value in item.items():
                if isinstance(value, str):
                    titles[value] = title
                elif isinstance(value, list):
                    items.extend(value)
        elif isinstance(item, list):
            items.extend(item)
    return titles


class BriefingsConfig(Config):
    templates = opt.Type(str, default="templates")
    max_marking = opt.Choice(TLP_ORDER, default=TLP_ORDER[-1])
    #: ``pagefind``: a chunked index that readers fetch piece by piece (large sites);
    #: ``material``: Material's own search, one index downloaded whole. Offline builds
    #: and the preview of ``briefings serve`` always use Material's.
    search = opt.Choice(("material", "pagefind"), default="material")
    #: Pagefind indexes the site in parts of about this many characters of page text, as
    #: many side by side as there are cores, so its memory stays bounded however large the
    #: site grows (see :mod:`.search`).
    search_part_text = opt.Type(int, default=PART_TEXT)
    #: Seconds a page may take to render (its template, then the theme's) before the build
    #: stops it: an endless loop in a template ends the build instead of hanging it.
    render_timeout = opt.Type((int, float), default=60)


class BriefingsPlugin(BasePlugin[BriefingsConfig]):
    """Generates the briefing, source, actor, question and index pages."""

    def __init__(self) -> None:
        self.root: Path | None = None
        self.spill: typing.BinaryIO | None = None
        self.spilled: dict[str, tuple[int, int]] = {}  # page -> (offset, length) in the spill file
        #: Set by ``briefings build``, which has already loaded and checked the repository.
        self.checked: tuple[Repository, Result] | None = None
        #: Set by ``briefings serve``: state kept between rebuilds.
        self.preview: Preview | None = None  # (a :class:`.preview.Preview`)
        #: Set by ``briefings build``, which finishes the search index once the build has let
        #: go of its memory (and the stale pages of the site it started from are gone).
        self.defer_search = False
        #: Set by ``briefings build``: what the search index of the site it starts from was
        #: made of (see :class:`.search.Indexer`).
        self.previous_search: dict | None = None
        #: The search index, fed each page as it is written (Pagefind sites but previews).
        self.search: Indexer | None = None
        #: The second process that renders most pages of a clean build (see :mod:`.ahead`).
        self.ahead: Ahead | None = None
        #: Set by ``briefings build --pdf``, which writes each briefing's PDF: its page links to it.
        self.pdf = False
        self.frozen = False  # gc.freeze() is in effect for this build
        #: Set by ``briefings build``: it has printed the check's diagnostics already.
        self.reported = False
        self.watchdog: Watchdog | None = None
        #: Set by ``briefings build``: the compiled templates of earlier builds (see
        #: :class:`.cache.CompiledTemplates`).
        self.compiled = None
        #: Set by ``briefings build``: shown each page as it is rendered, then written.
        self.progress: Progress = SILENT
        #: Set by an incremental ``briefings build``: the key of each page of the build it
        #: starts from (see :mod:`.cache`); ``None``: a clean build.
        self.previous: dict[str, Built] | None = None
        self.pages: dict[str, _GeneratedPage] = {}
        #: The pages ``nav:`` names, with the titles it gives them (see :func:`_nav_titles`).
        self.nav_titles: dict[str, str | None] = {}
        #: The hash of the navigation of the build it starts from, and of this one's.
        self.previous_nav: str | None = None
        self.nav: str | None = None
        self.nav_urls: list[str] = []  # the address of each page of the navigation
        #: Every file of the site the engine writes (``dest_uri``), once the pages are read.
        self.outputs: set[str] = set()

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
            if self.preview is not None:
                self.preview.changed |= self.preview.cache.changed  # (until a rebuild plans its pages)
            self.checked = repo, check_repository(repo, self.preview.found if self.preview else None)
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
            self._add(files, config, _OriginalFile.generated(config, uri, abs_src_path=str(path)))
        preview, first_pass = self.preview, None
        if preview is not None:
            self.previous, self.previous_nav = preview.built, preview.nav
            first_pass = preview.first_pass()
            preview.rebuilt = set()
            if preview.env is None:  # compiled templates are kept until a template changes
                preview.env = environment(templates)
        else:
            # What lives now (records, cross-references, MkDocs' configuration) lives until the
            # build ends: the cyclic garbage collector need not scan it again for every page.
            gc.freeze()
            self.frozen = True
        if self.previous is not None:
            for file in files.documentation_pages():
                if file.generated_by or file.abs_src_path is None:
                    continue  # (a page another plugin made: it says itself whether it changed)
                files.remove(file)
                files.append(_StaticPageFile(file.src_uri, file.src_dir, file.dest_dir, file.use_directory_urls,
                                             inclusion=file.inclusion))
        env = preview.env if preview else environment(templates)
        env.globals["pdf_href"] = (functools.partial(pdf_href, directory_urls=config.use_directory_urls)
                                   if self.pdf else None)  # (briefing.md.j2 links to the PDF when set)
        if preview is None and self.compiled is not None:
            env.bytecode_cache = self.compiled.for_env(env)
        renderer = Renderer(self.index, templates, config.use_directory_urls, env)
        titles = self.nav_titles = _nav_titles(config.nav)
        digests = RecordDigests(self.root, self.checked[0] if self.checked else None, preview.cache if preview else None)
        self.pages, self.rendered = {}, 0
        keys = DependsKeys(preview)
        plans = list(plan_pages(self.index))
        for number, plan in enumerate(plans):
            new = functools.partial(_GeneratedFile.generated, config, plan.path, content="")
            file = preview.file(plan.path, new) if preview else new()
            self._add(files, config, file)
            title = titles.get(plan.path)
            # (a page the navigation names without a title is read every time: its title shows
            # on its neighbours)
            depends = None if plan.path in titles and title is None else keys.get(plan, title, digests)
            page = _GeneratedPage(title, file, config, functools.partial(self._render, renderer, plan, number),
                                  (self.previous or {}).get(plan.path), depends)
            page.waits = first_pass is not None and plan.path not in first_pass
            if plan.updated:  # the sitemap's lastmod: when the records changed, not when the site was built
                page.update_date = str(plan.updated)
            self.pages[plan.path] = page
        keys.done()
        if self.previous is None and preview is None and len(plans) >= AHEAD_FROM and WORKERS > 1 \
                and resident() < AHEAD_MEMORY:
            # (a clean build renders every page: three in five in a second process, see :mod:`.ahead`)
            self.ahead = Ahead(plans, renderer.render, self.config.render_timeout)
        unchanged = {path for path, page in self.pages.items() if page.same_records()}
        self._add(files, config, feed_file(config, self.index, unchanged))  # feed.xml (see :mod:`.feed`)
        self.progress.set_total(len(files.documentation_pages()))
        return files

    def on_nav(self, nav, *, config, files):
        """Every page shows the navigation: when it changed (a title, an address, a page
        come or gone), every page is built again."""
        for path, title in self.nav_titles.items():
            if title is None and path in self.pages:
                self.pages[path].read_source(config)  # (its title, which the navigation shows)
        self.nav = nav_key(nav.items)
        self.nav_urls = [page.url for page in nav.pages]
        if self.previous is not None and self.nav != self.previous_nav:
            for page in self.pages.values():
                page.previous = None
        return nav

    def _render(self, renderer: Renderer, plan: PagePlan, number: int) -> RenderedPage:
        self._kick()
        self.progress.advance()  # rendered
        self.rendered += 1
        if self.ahead is not None and Ahead.ahead(number):
            page = self.ahead.take(number)
            if page is not None:
                return page
        try:
            return renderer.render(plan)
        except RenderError as exc:
            raise PluginError(f"cannot render the pages: {exc}") from None

    def built(self) -> dict[str, Built]:
        """What this build made of each generated page (see :mod:`.cache`)."""
        return {path: page.built() for path, page in self.pages.items()}

    def on_env(self, env, *, config, files):
        # Jinja checks each template's file for changes every time a page includes it
        # (Material's base template includes some forty partials): one stat call each.
        # Templates do not change during a build, and the preview makes a new environment
        # when one does.
        env.auto_reload = False
        if type(env.loader) is jinja2.FileSystemLoader:  # a template that is not UTF-8: file and line
            env.loader = Utf8Loader(env.loader.searchpath)
        env.globals["range"] = bounded_range  # (a loop in C would escape the watchdog)
        env.globals["briefings_chrome"] = Chrome(self.nav_urls)  # (see :mod:`.chrome`)
        if self.preview is not None:
            env.bytecode_cache = self.preview.compiled
        elif self.compiled is not None:
            env.bytecode_cache = self.compiled.for_env(env)
        self.stop_ahead()  # (every page is read now)
        # An incremental build writes only the pages it read again.
        self.progress.start(WRITE, sum(1 for file in files.documentation_pages() if file.page.content is not None))
        self.outputs = {file.dest_uri for file in files}
        if self.config.search == "pagefind" and self.preview is None:
            # (about the order the engine writes them in: the theme's pages, then ours as planned,
            # then the static pages and any other, by path: their place in the engine's order
            # is not the same in every build)
            ours = [page.file.dest_uri for page in self.pages.values()]
            self.search = Indexer(Path(config.site_dir), self.config.search_part_text, self.previous_search)
            self.search.expect([*(name for name in config.theme.static_templates if name.endswith(".html")), *ours,
                                *sorted(uri for uri in self.outputs.difference(ours) if uri.endswith(".html"))])
        if self.previous is not None and self.preview is None:  # (a preview's site is its own)
            self._unlink_rewritten(files, config)
        return env

    @staticmethod
    def _unlink_rewritten(files: Files, config) -> None:
        """An incremental build starts from hard links to the previous site: each file the
        engine writes again is removed first, so that it is written anew, not into the
        previous site's file (which may still be served, and is kept in the cache)."""
        site = Path(config.site_dir)
        for file in files:
            if file.is_modified():
                (site / file.dest_uri).unlink(missing_ok=True)
        for name in (*config.theme.static_templates, *config.extra_templates):  # written every time
            for written in (name, f"{name}.gz"):
                (site / written).unlink(missing_ok=True)

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

    # MkDocs converts every page to HTML before it writes any, so a large site would sit
    # whole in memory. Each generated page's HTML waits in one temporary file instead (one
    # file: creating thousands of small ones costs seconds), from its conversion until its
    # turn to be written.

    @event_priority(-100)  # after any other plugin has seen it
    def on_page_content(self, html, *, page, config, files):
        self._kick()
        if not isinstance(page, _GeneratedPage):
            self.progress.advance()  # rendered (a page of ours counts as it is rendered)
        elif self.preview is None:
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

    def on_post_template(self, output_content, *, template_name, config):
        if self.search is not None and template_name in config.theme.static_templates:
            self._searched(template_name, output_content)  # (404.html: the site's own page)
        return output_content

    def _searched(self, path: str, output: str) -> None:
        try:  # (the bytes the engine writes)
            self.search.page(path, output.encode("utf-8", errors="xmlcharrefreplace"))
        except SearchIndexError as exc:
            raise PluginError(str(exc)) from None

    @event_priority(-100)  # what the engine writes: after any other plugin has changed it
    def on_post_page(self, output, *, page, config):
        self._kick()
        self.progress.advance()  # written
        if self.search is not None:
            self._searched(page.file.dest_uri, output)
        if self.preview is not None:
            self.preview.rebuilt.add(page.url)
        elif isinstance(page, _GeneratedPage):
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

    def finish_search(self, progress: Progress = SILENT) -> dict:
        """Finish the search index, once every file of the site is written (see
        :meth:`.search.Indexer.finish`); what it was made of."""
        search, self.search = self.search, None
        try:
            return search.finish(progress)
        except SearchIndexError as exc:
            raise PluginError(str(exc)) from None

    def stop_search(self) -> None:
        if self.search is not None:
            self.search.stop()
            self.search = None

    def stop_ahead(self) -> None:
        if self.ahead is not None:
            self.ahead.close()
            self.ahead = None

    def on_build_error(self, *, error) -> None:
        self.stop_ahead()
        self.stop_search()
        self.stop_watchdog()
        self._clean_spill()
        self._unfreeze()

    def on_post_build(self, *, config) -> None:
        self.stop_watchdog()
        self.checked = None  # mkdocs serve reuses the plugin: load afresh on the next build
        self._clean_spill()
        self._unfreeze()
        self.index = None
        if self.search is not None and not self.defer_search:
            indexed = self.finish_search()
            log.debug("search index written in %d part(s)", len(indexed["parts"]))
        if self.preview is not None:
            self.preview.built, self.preview.rendered = self.built(), self.rendered
            self.preview.nav = self.nav
            if not any(page.held for page in self.pages.values()):
                self.preview.carry = set()  # nothing waits for a second pass
            self.preview.merge_search_index(Path(config.site_dir) / "search" / "search_index.json")

    def on_serve(self, server, *, config, builder):
        for folder in WATCHED:
            path = self.root / folder
            if path.is_dir():
                server.watch(str(path))
        return server
