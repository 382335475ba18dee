"""The render core: golden pages of the example repository, escaping, links and passages."""

from __future__ import annotations

import datetime
import functools
import hashlib
import html.parser
import os
import re
from pathlib import Path

import markdown
import pytest
import yaml

from build_scripts.checks import check_repository
from build_scripts.index import build_index
from build_scripts.render import (markdown_block, markdown_inline, markdown_text, relative_link,
                                  render_pages, sanitise, source_text_html, text_fragment_url)
from build_scripts.repo import load_repository

from conftest import BRIEFING, ROOT

GOLDEN = Path(__file__).parent / "golden" / "pages"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def example_pages(directory_urls: bool = True) -> dict[str, str]:
    index = build_index(load_repository(ROOT))
    return {page.path: page.text for page in render_pages(index, ROOT / "templates", directory_urls)}


def test_the_example_pages_match_their_golden_files():
    pages = example_pages()
    if UPDATE:
        for path, text in pages.items():
            (GOLDEN / path).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / path).write_text(text, encoding="utf-8")
    golden = {str(p.relative_to(GOLDEN)): p.read_text(encoding="utf-8") for p in GOLDEN.rglob("*.md")}
    assert sorted(pages) == sorted(golden), "pages added or removed: run UPDATE_GOLDEN=1 pytest tests/test_render.py"
    for path, text in pages.items():
        assert text == golden[path], f"{path} differs from its golden file (UPDATE_GOLDEN=1 to accept)"


def test_every_section_page_and_record_page_is_generated():
    pages = example_pages()
    assert {"index.md", "briefings/index.md", "sources/index.md", "actors/index.md",
            "questions/index.md", "tags/index.md", "guide/checks.md"} <= set(pages)
    assert "briefings/dprk-russia-alignment-2024-11.md" in pages
    assert "sources/yonhap-2024-11-03-borrell-seoul.md" in pages
    assert "actors/josep-borrell.md" in pages
    assert "questions/rok-lethal-aid-to-ukraine.md" in pages


def test_rendering_twice_gives_the_same_bytes():
    assert example_pages() == example_pages()


def test_pages_carry_the_date_their_records_last_changed():
    index = build_index(load_repository(ROOT))
    updated = {page.path: page.updated for page in render_pages(index, ROOT / "templates")}
    assert updated["briefings/dprk-russia-alignment-2024-11.md"] == "2024-11-05"
    assert updated["index.md"] == "2024-11-05"
    assert updated["questions/rok-lethal-aid-to-ukraine.md"] == "2024-11-05"
    assert updated["guide/checks.md"] is None  # static: MkDocs gives it the build date


def test_citations_are_numbered_in_reading_order():
    page = example_pages()["briefings/dprk-russia-alignment-2024-11.md"]
    numbers = [int(n) for n in __import__("re").findall(r'class="citation" id="cite-(\d+)"', page)]
    assert numbers == list(range(1, len(numbers) + 1))


@pytest.mark.parametrize("directory_urls, here, there, expected", [
    (True, "briefings/a.md", "sources/s.md", "../../sources/s/"),
    (True, "index.md", "briefings/a.md", "briefings/a/"),
    (True, "briefings/a.md", "index.md", "../../"),
    (True, "briefings/a.md", "briefings/a.md", "./"),
    (False, "briefings/a.md", "sources/s.md", "../sources/s.html"),
    (False, "index.md", "briefings/a.md", "briefings/a.html"),
    (False, "briefings/index.md", "tags/index.md", "../tags/index.html"),
])
def test_relative_links_work_with_and_without_directory_urls(directory_urls, here, there, expected):
    assert relative_link(here, there, directory_urls) == expected


def test_relative_link_from_a_section_index():
    # briefings/index.md is served at briefings/, so a sibling page is one level down
    assert relative_link("briefings/index.md", "briefings/a.md", True) == "a/"


def test_text_fragment_of_a_short_and_a_long_passage():
    assert text_fragment_url("https://x.org/a#top", "to the next-level") == \
        "https://x.org/a#:~:text=to%20the%20next%2Dlevel"
    long = "one two three four five six seven eight nine ten"
    assert text_fragment_url("https://x.org/a", long) == \
        "https://x.org/a#:~:text=one%20two%20three%20four,seven%20eight%20nine%20ten"


@pytest.mark.parametrize("hostile, absent", [
    ("<script>alert(1)</script>", "<script"),
    ('<img src=x onerror="alert(1)">', "onerror"),
    ("[click](javascript:alert(1))", "javascript:"),
    ('<iframe src="https://evil.example"></iframe>', "<iframe"),
    ("<!-- secret comment -->", "secret comment"),
    ('<a href="https://ok.example" onclick="x()">ok</a>', "onclick"),
    ('<p style="background:url(x)">s</p>', "style="),
])
def test_analyst_markdown_is_sanitised(hostile, absent):
    assert absent not in str(markdown_block(hostile))


def test_safe_markdown_survives_sanitising():
    html = str(markdown_block("Some **bold**, a [link](https://example.org) and `code`.\n\n- item"))
    assert '<strong>bold</strong>' in html
    assert '<a href="https://example.org" rel="noopener noreferrer">link</a>' in html
    assert "<code>code</code>" in html and "<li>item</li>" in html


def test_inline_markdown_drops_the_paragraph():
    assert str(markdown_inline("a *b*")) == "a <em>b</em>"
    assert str(markdown_inline("one\n\ntwo")) == "<p>one</p>\n<p>two</p>"


def test_text_in_a_heading_stays_text():
    title = 'Talks on *arms* <script>x()</script> [l](javascript:y) & {#id} #1'
    rendered = markdown.markdown("# " + markdown_text(title), extensions=["attr_list", "toc"])
    assert "<script>" not in rendered and "<em>" not in rendered and "<a " not in rendered
    assert "Talks on *arms* &lt;script&gt;x()&lt;/script&gt; [l](javascript:y) &amp; {#id} #1" in rendered


def test_sanitise_keeps_only_http_links():
    assert 'href' not in sanitise('<a href="data:text/html,x">x</a>')
    assert 'href="mailto:a@b.org"' in sanitise('<a href="mailto:a@b.org">x</a>')


def test_source_text_is_escaped_and_passages_are_wrapped(repo):
    repo.write("sources/src-a.txt", "Intro <script>alert(1)</script> then to the next level & more.\n")
    repo.write("sources/src-a.yaml", "title: A\npublished: 2024-11-03\n")
    index = build_index(load_repository(repo.root))
    source = index.sources["src-a"]
    html = str(source_text_html(source, index.passages["src-a"], lambda to, anchor="": f"{to}#{anchor}"))
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    start = source.text.index("to the next level")
    passage_id = f"passage-{start}-{start + len('to the next level')}"
    assert f'<mark class="quoted" id="{passage_id}">to the next level</mark>' in html
    assert 'href="briefings/b.md#cite-1"' in html
    assert "&amp; more." in html


def test_overlapping_passages_each_keep_an_element_with_their_id(repo):
    text = "alpha beta gamma delta epsilon\n"
    repo.write("sources/src-a.txt", text)
    repo.write("sources/src-a.yaml", "title: A\npublished: 2024-11-03\n")
    repo.write("briefings/b.yaml", BRIEFING_TWO_QUOTES)
    index = build_index(load_repository(repo.root))
    html = str(source_text_html(index.sources["src-a"], index.passages["src-a"], lambda to, anchor="": "#"))
    assert len(index.passages["src-a"]) == 2
    for passage in index.passages["src-a"]:
        assert f'id="{passage.id}"' in html
    assert html.count('class="quoted"') >= 3  # alpha-beta | beta-gamma split at every boundary


BRIEFING_TWO_QUOTES = """\
title: Two quotes
date: 2024-11-04
status: draft
marking: TLP:CLEAR
authors: [K. Analyst]
summary: x
key_judgments:
  - judgment: One.
    cites:
      - source: src-a
        quote: alpha beta gamma
      - source: src-a
        quote: beta gamma delta
      - source: src-b
        lines: "1"
"""


# --- Hostile records: markup in every text field that reaches a page -----------------------

def payload(field: str) -> str:
    """Markup that runs script wherever a page reads it as HTML, or leaves an element read as
    text (``<title>``); ``field`` says which ran."""
    return (f"{field}: </title><img src=x onerror=\"window.__pwned='{field}'\">"
            f"<script>window.__pwned='{field}'</script><img src=y onerror=alert('{field}')>")


def title_payload(field: str) -> str:
    """A payload without double quotes or parentheses: it fits in a Markdown link title."""
    return f"<img src=x onerror=window.__pwned='{field}'><img src=y onerror=window.onerror=alert;throw'{field}'>"


def md_payload(field: str) -> str:
    """A payload for a Markdown field: raw markup, a link title, raw title attributes."""
    return (f"{payload(field)} A [titled link](https://example.org/{field} \"{title_payload(field + '-md-title')}\")"
            f" and a [reference][ref-{field}];"
            f" <a href=\"https://example.org/\" title=\"{title_payload(field + '-raw-title')}\">raw</a>"
            f" <abbr title=\"{title_payload(field + '-abbr')}\">ABBR</abbr>"
            f" <span title=\"{title_payload(field + '-span')}\">span</span>\n\n"
            f"[ref-{field}]: https://example.org/ref \"{title_payload(field + '-ref-title')}\"\n")


HOSTILE_SOURCE_TEXT = (
    "Archived page <script>window.__pwned = 'script'; alert('script')</script> with markup.\n"
    "<img src=x onerror=\"window.__pwned = 'img'; alert('img')\"> and <iframe src=\"javascript:alert('iframe')\"></iframe>\n"
    "<!-- an HTML comment --> <a href=\"javascript:alert('link')\">a link</a> <style>body{display:none}</style>\n"
    + "".join(f"{payload(field)}\n" for field in ("quote", "judgment-quote", "question-quote", "event-quote"))
)


def _cite(field: str, **extra) -> dict:
    return {"source": "hostile-source", "quote": payload(field), **extra}


HOSTILE_BRIEFING = {
    "title": f"Hostile <script>window.__pwned = 'title'</script> *text* {payload('title')}",
    "date": datetime.date(2024, 11, 4),
    "status": "draft",
    "marking": "TLP:CLEAR",
    "authors": [payload("author"), "<img src=x onerror=alert('author')>"],
    "tags": ["hostile"],
    "summary": ("Summary <script>window.__pwned = 'summary'; alert('summary')</script>\n"
                "[click me](javascript:alert('md-link')) <a href=\"#\" onclick=\"alert('onclick')\">handler</a>\n"
                "<iframe srcdoc=\"<script>parent.__pwned='srcdoc'</script>\"></iframe> <!-- secret comment -->\n"
                "<img src=x onerror=\"window.__pwned = 'md-img'\"> <svg onload=\"window.__pwned = 'svg'\"></svg>\n"
                + md_payload("summary")),
    "key_actors": [{"id": "mallory", "name": f"<b onmouseover=alert('actor')>Mallory</b> {payload('actor-name')}",
                    "role": payload("actor-role"), "affiliation": payload("actor-affiliation")}],
    "positions": [{"actor": "mallory", "on": payload("position-on"), "stance": md_payload("stance"),
                   "date": datetime.date(2024, 11, 3),
                   "cites": [_cite("quote", note=payload("note")),
                             {"source": "hostile-source",
                              "quote": "<script>window.__pwned = 'script'; alert('script')</script>"}]}],
    "assumptions": [{"id": "hostile-assumption", "assumption": md_payload("assumption"), "linchpin": True,
                     "if_wrong": md_payload("if-wrong"), "cites": [_cite("quote", credibility="2")]}],
    "key_judgments": [{"id": "hostile-judgment", "judgment": md_payload("judgment"), "likelihood": "likely",
                       "confidence": "low", "assumptions": ["hostile-assumption"],
                       "alternatives": [{"hypothesis": md_payload("hypothesis"), "likelihood": "unlikely",
                                         "indicators": [payload("alternative-indicator")],
                                         "cites": [_cite("judgment-quote", credibility="6")]}],
                       "cites": [_cite("judgment-quote"), {"source": "hostile-source", "lines": "2",
                                                            "note": payload("lines-note")},
                                 {"source": "hostile-source",
                                  "quote": "<a href=\"javascript:alert('link')\">a link</a>"}]}],
    "open_questions": [{"id": "hostile-question", "question": payload("question"), "status": "open",
                        "likelihood": "unlikely", "confidence": "low", "assessment": md_payload("assessment"),
                        "indicators": [payload("indicator")], "cites": [_cite("question-quote")],
                        "change": {"from": "likely", "reason": md_payload("reason")},
                        "criteria": md_payload("criteria"), "resolves_by": datetime.date(2025, 6, 30)},
                       {"id": "hostile-resolved", "question": payload("resolved-question"), "status": "resolved",
                        "resolution": {"date": datetime.date(2024, 11, 4), "outcome": "no",
                                       "note": md_payload("resolution-note"), "cites": [_cite("question-quote")]}}],
    "implications": md_payload("implications"),
    "timeline": [{"date": datetime.date(2024, 11, 2), "event": md_payload("event"),
                  "cites": [_cite("event-quote", note=payload("event-note"))]}],
}

HOSTILE_SOURCE = {
    "title": payload("source-title"),
    "publisher": payload("publisher"),
    "url": "https://example.org/a?b=\"><img/src=x/onerror=window.__pwned='url'>",
    "published": datetime.date(2024, 11, 3),
    "reliability": "C",
    "sha256": hashlib.sha256(HOSTILE_SOURCE_TEXT.encode()).hexdigest(),
}


def write_hostile_repository(root: Path) -> None:
    """A briefing, its actor, questions and source with a payload in every text field, and a
    briefing it supersedes."""
    (root / "sources").mkdir(parents=True, exist_ok=True)
    (root / "briefings").mkdir(parents=True, exist_ok=True)
    (root / "sources" / "hostile-source.txt").write_text(HOSTILE_SOURCE_TEXT, encoding="utf-8")
    dump = functools.partial(yaml.safe_dump, sort_keys=False, allow_unicode=True, width=1 << 16)
    (root / "sources" / "hostile-source.yaml").write_text(dump(HOSTILE_SOURCE), encoding="utf-8")
    (root / "briefings" / "hostile.yaml").write_text(dump(HOSTILE_BRIEFING), encoding="utf-8")
    superseded = {**{k: HOSTILE_BRIEFING[k] for k in ("title", "marking", "authors", "summary")},
                  "date": datetime.date(2024, 11, 1), "status": "superseded", "superseded_by": "hostile"}
    (root / "briefings" / "hostile-superseded.yaml").write_text(dump(superseded), encoding="utf-8")


class _Attributes(html.parser.HTMLParser):
    """Every attribute of every tag of a page: (tag, name, value as the browser reads it)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        self.found.extend((tag, name, value or "") for name, value in attrs)


def attributes(page: str) -> list[tuple[str, str, str]]:
    parser = _Attributes()
    parser.feed(page)
    parser.close()
    return parser.found


#: Attributes that may hold record text: no browser, screen reader or theme reads them as HTML.
TEXT_ONLY_ATTRIBUTES = {"data-brf-tip", "aria-description", "aria-label", "href"}


def test_record_text_reaches_no_title_or_other_attribute_read_as_html(tmp_path):
    write_hostile_repository(tmp_path)
    assert not [d for d in check_repository(load_repository(tmp_path)).diagnostics if d.severity == "error"]
    index = build_index(load_repository(tmp_path))
    pages = {page.path: page.text for page in render_pages(index, ROOT / "templates")}
    leaks = [(path, tag, name, value[:60]) for path, text in pages.items()
             for tag, name, value in attributes(text)
             if ("pwned" in value or "alert(" in value) and name not in TEXT_ONLY_ATTRIBUTES
             and not (name in ("id", "href") and re.fullmatch(r"#?[a-z0-9_-]+", value))]  # a heading's slug
    assert leaks == []
    titles = {value for text in pages.values() for tag, name, value in attributes(text) if name == "title"}
    assert not [title for title in titles if "<" in title or "pwned" in title or "alert" in title]
    tips = [value for text in pages.values() for tag, name, value in attributes(text) if name == "data-brf-tip"]
    assert any(payload("quote") in tip for tip in tips)  # the quote, as text, in our tooltip
    for field in ("summary", "stance", "judgment", "assessment", "event", "assumption", "if-wrong", "hypothesis",
                  "reason", "criteria", "resolution-note", "implications"):  # Markdown link titles too
        assert title_payload(f"{field}-md-title") in tips and title_payload(f"{field}-ref-title") in tips


def test_a_markdown_link_title_becomes_a_text_tooltip():
    rendered = str(markdown_block('[x](https://example.org/ "<img src=x onerror=alert(1)>") and [y][r]\n\n'
                                  '[r]: https://example.org/r "A & B"'))
    assert "title=" not in rendered
    assert 'data-brf-tip="&lt;img src=x onerror=alert(1)&gt;"' in rendered
    assert 'href="https://example.org/"' in rendered and ">x</a>" in rendered
    assert 'data-brf-tip="A &amp; B"' in rendered


@pytest.mark.parametrize("raw", [
    '<a href="https://example.org/" title="<img src=x onerror=alert(1)>">x</a>',
    '<abbr title="<img src=x onerror=alert(1)>">A</abbr>',
    '<span title="<img src=x onerror=alert(1)>">s</span>',
    '<p title="<img src=x onerror=alert(1)>">p</p>',
])
def test_the_sanitiser_strips_every_title_attribute(raw):
    assert "title" not in sanitise(raw)
    assert "title" not in str(markdown_block(raw))
