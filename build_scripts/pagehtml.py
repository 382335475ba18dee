"""Generated pages as HTML: headings with their ids and permalinks, and the table of contents.

The page templates write HTML; only their headings need what a Markdown converter would
add (an id, a permalink, an entry in the table of contents the theme shows). Templates
call ``toc.heading(level, text)``; the collected entries become the page's table of
contents. Nothing here knows the site engine: the entries are plain data.
"""

from __future__ import annotations

import html
import re

from markdown.extensions.toc import nest_toc_tokens, slugify, unique
from markupsafe import Markup

_FRONT_MATTER = re.compile(r"\A(---\n.*?\n---\n)\n*", re.S)
_ID = re.compile(r'\sid="([^"]+)"')


class Toc:
    """The headings of one page, in order: the table of contents, its title and ids."""

    def __init__(self) -> None:
        self.flat: list[dict] = []
        self.used: set[str] = set()
        self.title_text: str | None = None  # the first level-1 heading, as plain text

    def heading(self, level: int, text: object) -> Markup:
        """An ``<hN>`` with an id and a permalink; record text is escaped."""
        plain = " ".join(str(text).split())
        shown = str(text) if isinstance(text, Markup) else html.escape(plain, quote=False)
        if isinstance(text, Markup):
            plain = html.unescape(Markup(text).striptags())
        anchor = unique(slugify(plain, "-"), self.used)
        self.flat.append({"level": level, "id": anchor, "name": shown, "children": []})
        if level == 1 and self.title_text is None:
            self.title_text = plain
        return Markup(f'<h{level} id="{anchor}">{shown}<a class="headerlink" href="#{anchor}" '
                      f'title="Permanent link">&para;</a></h{level}>')

    def tokens(self) -> list[dict]:
        """The table of contents as nested entries (level, id, name, children)."""
        return nest_toc_tokens([dict(entry, children=[]) for entry in self.flat])


def split_front_matter(text: str) -> tuple[str, str]:
    """``(front matter, body)`` of a rendered page (the front matter with its ``---`` lines)."""
    found = _FRONT_MATTER.match(text)
    if found is None:
        return "", text
    return found.group(1), text[found.end():]


def anchor_ids(body: str) -> set[str]:
    """Every ``id`` of the page's HTML: what links into the page may point at."""
    return set(_ID.findall(body))
