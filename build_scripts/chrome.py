"""The theme's chrome, rendered once per folder: the parts of a page that its neighbours share.

Material renders, around every page's content, the tabs, the navigation, the header and a
configuration script; on a site of thousands of pages that are in no navigation of their
own (a briefing, a source, an actor), this chrome is the same text on every page of one
folder, and it was half the time the theme took. ``templates/overrides`` wraps each such
part in ``{% call kept("name") %}...{% endcall %}``; the plugin gives the templates a
:class:`Chrome` for the build (``briefings_chrome``), which renders each part once per
folder and hands the same text to the next page of that folder. Without it (a plain
Material build of the templates) every page renders its own: the same text.

Why the text is the same: the chrome shows the navigation's pages (their titles, which
is active) and links to them and to the site's assets, each link relative to the page.
For a page the navigation does not hold, none of its items is active, and a link to a
page or asset outside the page's own folder reads the same from every page of the parent
folder (``briefings/a/`` and ``briefings/b/`` both reach ``briefings/`` as ``../``). A page
the navigation holds, or one that holds a page of the navigation in its folder, gets
chrome of its own.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterable


class Chrome:
    """The chrome parts of one build, each rendered once per folder (see the module)."""

    def __init__(self, nav_urls: Iterable[str]) -> None:
        self.nav_urls = frozenset(nav_urls)
        self.kept: dict[tuple[str, str], str] = {}

    def key(self, page) -> str | None:
        """The folder whose pages share this page's chrome; ``None``: the page's own."""
        url = getattr(page, "url", None)
        if not isinstance(url, str) or url in self.nav_urls or url.startswith(("/", ".")) or "://" in url:
            return None
        if url.endswith("/"):  # briefings/a/ (directory addresses): a folder of its own
            if any(nav.startswith(url) for nav in self.nav_urls):
                return None
            return posixpath.dirname(url[:-1]) + "/"
        return posixpath.dirname(url) + "/"  # briefings/a.html

    def __call__(self, name: str | None, page, caller: Callable[[], str]) -> str:
        folder = self.key(page) if name else None  # (no name: the page's own, see main.html)
        if folder is None:
            return caller()
        kept = self.kept.get((name, folder))
        if kept is None:
            kept = self.kept[name, folder] = caller()
        return kept
