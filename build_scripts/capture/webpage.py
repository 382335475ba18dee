"""The main text and metadata of a saved web page, through trafilatura.

trafilatura finds the article's main text (menus, adverts, related links and comments
left out) and its metadata: title, date (through htmldate), site name and canonical URL.
Two gaps of its single-article model are filled here, each from the page's own visible
text:

- a page of several stories of one shape (a newsletter, a digest) yields every story,
  not only the first: when the article found sits in a block whose siblings share its
  tag and class, each sibling is extracted too, in page order;
- a standfirst that the page gives as its description and shows outside the article
  body (a common layout) is put first, when the text lacks it.

Paragraphs are separated by a blank line.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import urllib.parse
from importlib import metadata

import lxml.html
import trafilatura

from ..quotes import normalise
from . import Capture, CaptureError
from .clean import one_line

#: A page whose main text has fewer words than this has none (a menu, a cookie notice).
MIN_WORDS = 8
#: A sibling story shorter than this (in characters of extracted text) is not taken.
MIN_STORY = 200
#: Pages of more elements than this are taken as trafilatura finds them (the search for
#: sibling stories reads the text of every element).
MAX_ELEMENTS = 20_000
_SPACES = re.compile(r"\s+")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


def extractor() -> str:
    """``trafilatura <version>``: what makes the text."""
    return f"trafilatura {metadata.version('trafilatura')}"


def _options(**more) -> dict:
    return {
        "include_comments": False,  # readers' comments are not the article
        "include_tables": True,
        "date_extraction_params": {
            "original_date": True,
            "extensive_search": False,  # a date guessed from the page's text is no publication date
            "max_date": dt.date.today().isoformat(),
        },
        **more,
    }


def extract(data: bytes) -> Capture:
    """The main text of the page in ``data`` (bytes as saved), and its metadata."""
    tree = trafilatura.load_html(data)
    if tree is None:
        raise CaptureError("is not a web page that can be read; save it from the browser again")
    document = trafilatura.bare_extraction(copy.deepcopy(tree), with_metadata=True, **_options())
    text = document.text if document is not None else None
    if not text or len(text.split()) < MIN_WORDS:
        raise CaptureError(
            "has no main text that could be found: is it the article's own page (not a front page, "
            "a login or cookie wall, or a page that shows its text only with JavaScript)? Save the "
            "article page again from the browser, or archive its text as a .txt file")
    paragraphs = _stories(tree, text) or _paragraphs(text)
    lede = _standfirst(tree, paragraphs)
    if lede:
        paragraphs.insert(0, lede)
    found = {
        "title": one_line(document.title),
        "published": document.date if _is_date(document.date) else None,
        "publisher": one_line(document.sitename),
        "url": _web_url(document.url),
        "language": _language(tree),
    }
    return Capture("html", "\n\n".join(paragraphs) + "\n", extractor(),
                   {key: value for key, value in found.items() if value})


def _paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


def _flat(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def _stories(tree, text: str) -> list[str] | None:
    """Every story of a page of several stories of one shape, or ``None`` for an ordinary page."""
    lines = [_flat(line) for line in text.split("\n") if len(_flat(line)) >= 20]
    if not lines:
        return None
    first, last = lines[0][:60], lines[-1][-60:]
    box = None
    if sum(1 for _ in tree.iter()) > MAX_ELEMENTS:
        return None
    for element in tree.iter():  # document order: a descendant comes after its ancestors
        if isinstance(element.tag, str) and first in (flat := _flat(element.text_content())) and last in flat:
            box = element
    siblings = None
    while box is not None and box.getparent() is not None:
        kind = box.get("class")
        if kind:
            same = [s for s in box.getparent() if s.tag == box.tag and s.get("class") == kind]
            if len(same) >= 2:
                siblings = same
                break
        box = box.getparent()
    if siblings is None:
        return None
    stories: list[str] = []
    for sibling in siblings:
        page = lxml.html.fromstring("<html><body></body></html>")
        page.find("body").append(copy.deepcopy(sibling))
        story = trafilatura.bare_extraction(page, **_options(favor_recall=True))
        if story is not None and story.text and len(story.text.strip()) >= MIN_STORY:
            stories.extend(_paragraphs(story.text))
    return stories if len(stories) > 0 else None


def _standfirst(tree, paragraphs: list[str]) -> str | None:
    """The page's description, when the page shows it as text and the paragraphs lack it."""
    described = None
    for xpath in ('//meta[@property="og:description"]/@content', '//meta[@name="description"]/@content',
                  '//meta[@name="twitter:description"]/@content'):
        values = tree.xpath(xpath)
        if values and len(_flat(values[0])) >= 40:
            described = _flat(values[0])
            break
    if described is None or normalise(described) in normalise(" ".join(paragraphs)):
        return None
    body = tree.find("body")
    if body is None:
        return None
    for element in body.iter():
        if isinstance(element.tag, str) and element.tag not in ("script", "style", "noscript", "template") \
                and _flat(element.text or "") == described:
            return described
    return None


def _is_date(value: str | None) -> bool:
    try:
        return value is not None and dt.date.fromisoformat(value).isoformat() == value
    except ValueError:
        return False


def _web_url(value: str | None) -> str | None:
    """``value`` when it is an absolute http(s) address of one line, else ``None``."""
    if not value or not value.isprintable() or any(c.isspace() for c in value):
        return None
    parts = urllib.parse.urlsplit(value)
    return value if parts.scheme in ("http", "https") and parts.netloc else None


def _language(tree) -> str | None:
    """The page's language tag (``<html lang>``, else its content-language), BCP 47 style."""
    candidates = tree.xpath("/html/@lang") + tree.xpath("/html/@xml:lang", namespaces={
        "xml": "http://www.w3.org/XML/1998/namespace"}) + tree.xpath(
        '//meta[translate(@http-equiv, "CONTENT-LANGUAGE", "content-language")="content-language"]/@content')
    for value in candidates:
        tag = value.strip().replace("_", "-").split(",")[0].strip()
        if _LANGUAGE.fullmatch(tag):
            first, *rest = tag.split("-")
            return "-".join([first.lower(), *(part.upper() if len(part) == 2 else part for part in rest)])
    return None
