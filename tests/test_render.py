"""The render core: golden pages of the example repository, escaping, links and passages."""

from __future__ import annotations

import os
from pathlib import Path

import markdown
import pytest

from build_scripts.index import build_index
from build_scripts.render import (markdown_block, markdown_inline, markdown_text, relative_link,
                                  render_pages, sanitise, source_text_html, text_fragment_url)
from build_scripts.repo import load_repository

from conftest import BRIEFING, ROOT

GOLDEN = Path(__file__).parent / "golden" / "pages"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def example_pages(directory_urls: bool = True) -> dict[str, str]:
    index = build_index(load_repository(ROOT))
    return {page.path: page.markdown for page in render_pages(index, ROOT / "templates", directory_urls)}


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
