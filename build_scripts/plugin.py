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

import logging
import os
from pathlib import Path

from mkdocs.config import config_options as opt
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files

from .checks import Result, check_repository
from .index import build_index
from .model import TLP_ORDER
from .render import RenderError, render_pages
from .repo import Repository, load_repository
from .report import as_text

log = logging.getLogger("mkdocs.plugins.briefings")

WATCHED = ("briefings", "sources", "templates")


class BriefingsConfig(Config):
    templates = opt.Type(str, default="templates")
    max_marking = opt.Choice(TLP_ORDER, default=TLP_ORDER[-1])


class BriefingsPlugin(BasePlugin[BriefingsConfig]):
    """Generates the briefing, source, actor, question and index pages."""

    def __init__(self) -> None:
        self.root: Path | None = None
        self.updated: dict[str, str] = {}
        #: Set by ``briefings build``, which has already loaded and checked the repository.
        self.checked: tuple[Repository, Result] | None = None

    def on_config(self, config):
        self.root = Path(config.config_file_path or ".").resolve().parent
        wanted = os.environ.get("BRIEFINGS_MAX_MARKING")  # set by 'briefings serve --max-marking'
        if wanted:
            if wanted not in TLP_ORDER:
                raise PluginError(f"BRIEFINGS_MAX_MARKING={wanted!r} is not one of {', '.join(TLP_ORDER)}")
            self.config.max_marking = wanted
        return config

    def on_pre_build(self, *, config) -> None:
        assert self.root is not None
        if self.checked is None:
            repo = load_repository(self.root)
            self.checked = repo, check_repository(repo)
        repo, result = self.checked
        if result.diagnostics:
            for line in as_text(result, self.root).rstrip("\n").split("\n"):
                (log.error if result.errors else log.warning)(line)
        if result.errors:
            raise PluginError(f"the briefings have {result.errors} error(s); nothing was built. "
                              "Fix them (see above, or run 'briefings check'), then build again.")
        self.index = build_index(repo, self.config.max_marking)

    def on_files(self, files: Files, *, config) -> Files:
        templates = self.root / self.config.templates
        if not (templates / "pages").is_dir():
            raise PluginError(f"no page templates: {templates / 'pages'} is not a folder")
        try:
            pages = render_pages(self.index, templates, config.use_directory_urls)
        except RenderError as exc:
            raise PluginError(f"cannot render the pages: {exc}") from None
        self.updated = {page.path: page.updated for page in pages if page.updated}
        for page in pages:
            existing = files.get_file_from_path(page.path)
            if existing is not None:
                raise PluginError(f"{config.docs_dir}/{page.path} clashes with a generated page; rename it")
            files.append(File.generated(config, page.path, content=page.markdown))
        return files

    def on_pre_page(self, page, *, config, files):
        updated = self.updated.get(page.file.src_uri)
        if updated:  # the sitemap's lastmod: when the records changed, not when the site was built
            page.update_date = updated
        return page

    def on_post_build(self, *, config) -> None:
        self.checked = None  # mkdocs serve reuses the plugin: load afresh on the next build

    def on_serve(self, server, *, config, builder):
        for folder in WATCHED:
            path = self.root / folder
            if path.is_dir():
                server.watch(str(path))
        return server
