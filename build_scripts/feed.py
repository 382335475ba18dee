"""The site's Atom 1.0 feed, ``site/feed.xml``, made with ``feedgen``.

One entry per published briefing of the build (drafts and superseded briefings are left
out; a public build's index holds nothing above its marking), newest first: its title,
its date, its summary (the sanitised HTML the site shows), a link to its page, its
authors, its TLP label as a category (scheme :data:`TLP_SCHEME`) and its tags as
categories.

The feed is a function of the records: it is dated by its newest entry (1970-01-01 when
it has none), never by the build, so an incremental build writes the same bytes as a clean
one (it takes the summaries of unchanged briefings from the previous feed: :func:`feed_file`).
Links are absolute under ``site_url`` of ``mkdocs.yml``; without one they are relative
to the feed (``briefings/<id>/``), which a feed reader resolves against the feed's own
address. Ids are ``urn:uuid:`` names of the site's name and the briefing's id, so they
survive a change of address.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Collection, Mapping
from pathlib import Path

from . import __version__
from .index import SiteIndex
from .model import Briefing
from .render import markdown_block, page_url

FEED = "feed.xml"
_ATOM = "{http://www.w3.org/2005/Atom}"
#: The namespace of the feed's ids: uuid5(NAMESPACE_URL, "urn:briefings-as-code:feed").
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:briefings-as-code:feed")
TLP_SCHEME = "https://www.first.org/tlp/"
#: What XML 1.0 cannot hold (C0 controls but tab and line ends, surrogates, U+FFFE, U+FFFF).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def published(index: SiteIndex) -> list[Briefing]:
    """The briefings the feed lists: those of the build whose status is ``published``, newest first."""
    return [briefing for briefing in index.briefings if briefing.status == "published"]


def feed_xml(index: SiteIndex, site_name: str, site_url: str | None = None,
             directory_urls: bool = True, description: str | None = None,
             summaries: Mapping[str, str] | None = None, language: str = "en") -> bytes:
    """The Atom feed of the published briefings of ``index`` (UTF-8 XML). ``summaries``:
    by briefing id, the HTML of summaries known already (see :func:`previous_summaries`);
    ``language``: the feed's ``xml:lang`` (the theme's language)."""
    from feedgen.feed import FeedGenerator

    entries = published(index)
    base = (site_url.rstrip("/") + "/") if site_url else ""
    feed = FeedGenerator()
    feed.id(_urn("feed", site_name))
    feed.title(_xml(site_name))
    if description:
        feed.subtitle(_xml(description))
    feed.author({"name": _xml(site_name)})
    feed.link(href=base + FEED, rel="self", type="application/atom+xml")
    feed.link(href=base or "./", rel="alternate", type="text/html")
    feed.generator("briefings", version=__version__)
    feed.language(_xml(language))
    feed.updated(_time(entries[0].date if entries else None))
    for briefing in entries:
        entry = feed.add_entry(order="append")
        entry.id(_urn("briefing", site_name, briefing.id))
        entry.title(_xml(briefing.title))
        entry.published(_time(briefing.date))
        entry.updated(_time(briefing.date))
        entry.link(href=base + page_url(f"briefings/{briefing.id}.md", directory_urls), rel="alternate",
                   type="text/html")
        for author in briefing.authors:
            entry.author({"name": _xml(author)})
        known = summaries.get(briefing.id) if summaries else None
        entry.summary(known if known is not None else _xml(str(markdown_block(briefing.summary))), type="html")
        entry.category(term=briefing.marking, scheme=TLP_SCHEME, label=briefing.marking)
        for tag in briefing.tags:
            entry.category(term=_xml(tag))
    return feed.atom_str(pretty=True, encoding="UTF-8")


def feed_file(config, index: SiteIndex, unchanged: Collection[str] = ()):
    """``feed.xml`` as a file of the engine's build (written with the site's other files).

    ``unchanged``: the pages (``briefings/<id>.md``) whose records are those of the build
    whose site the build starts from (an incremental build): their summaries are taken
    from its feed rather than converted again (a second or two at 1,000 briefings)."""
    from mkdocs.structure.files import File

    ids = [b.id for b in published(index) if f"briefings/{b.id}.md" in unchanged]
    known = previous_summaries(Path(config.site_dir) / FEED, config.site_name, ids) if ids else {}
    content = feed_xml(index, config.site_name, config.site_url, config.use_directory_urls,
                       config.site_description, known, config.theme.get("language") or "en")
    return File.generated(config, FEED, content=content)


def previous_summaries(feed: Path, site_name: str, ids: Collection[str]) -> dict[str, str]:
    """By briefing id (of ``ids``), the summary of its entry in the ``feed`` a previous build
    wrote; none when there is no such feed, or it does not parse."""
    from lxml import etree

    try:
        root = etree.parse(str(feed), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
    except (OSError, etree.XMLSyntaxError):
        return {}
    found = {entry.findtext(f"{_ATOM}id"): entry.findtext(f"{_ATOM}summary")
             for entry in root.iterfind(f"{_ATOM}entry")}
    wanted = {_urn("briefing", site_name, briefing_id): briefing_id for briefing_id in ids}
    return {wanted[urn]: summary for urn, summary in found.items() if urn in wanted and summary is not None}


def _urn(*key: str) -> str:
    return f"urn:uuid:{uuid.uuid5(NAMESPACE, ':'.join(key))}"


def _time(date: dt.date | None) -> dt.datetime:
    date = date or dt.date(1970, 1, 1)
    return dt.datetime(date.year, date.month, date.day, tzinfo=dt.timezone.utc)


def _xml(text: str) -> str:
    """``text`` without the characters XML cannot carry (escaping is the library's)."""
    return _NOT_XML.sub("", text)
