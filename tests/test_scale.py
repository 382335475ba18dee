"""The scale scenarios of the benchmarks, small (50 briefings), so a regression fails CI.

The figures themselves are measured by the scripts of ``benchmarks/`` (never timed here):
this checks that the same paths work and keep their shape — a valid synthetic corpus,
a full build with its chunked search, a preview that rebuilds only what a save changed,
and a first search query that transfers a small part of the index.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import http.server
import logging
import re
import sys
import threading

import pytest

from build_scripts.cli import main
from build_scripts.serve import PreviewBuilder

from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from generate import generate  # noqa: E402

BRIEFINGS = 50
#: Small index parts, so this corpus is indexed in several, as 5,000 briefings are.
PART_TEXT = 300_000
#: A word that only the last source text holds (the source pages come last but for tags).
LAST_WORD = "quokkaglyph"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("scale") / "repo"
    generate(root, BRIEFINGS, BRIEFINGS * 3)
    config = root / "mkdocs.yml"
    text, found = re.subn(r"(?m)^(\s*)search: pagefind.*$", rf"\g<0>\n\1search_part_text: {PART_TEXT}",
                          config.read_text(encoding="utf-8"))
    assert found == 1
    config.write_text(text, encoding="utf-8")
    last = sorted((root / "sources").glob("*.txt"))[-1]
    body = last.read_bytes() + f"\nA closing word: {LAST_WORD}.\n".encode()
    last.write_bytes(body)
    meta = last.with_suffix(".yaml")
    meta.write_text(re.sub(r'sha256: "[0-9a-f]+"', f'sha256: "{hashlib.sha256(body).hexdigest()}"',
                           meta.read_text(encoding="utf-8")), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def built(corpus):
    assert main(["build", str(corpus), "--site-dir", str(corpus / "site")]) == 0
    return corpus / "site"


def test_the_synthetic_corpus_checks_clean(corpus, capsys):
    assert main(["check", str(corpus), "--format", "json"]) == 0
    assert '"errors": 0' in capsys.readouterr().out


def test_the_build_has_every_page_and_a_chunked_search_index(built):
    assert len(list((built / "briefings").glob("*/index.html"))) >= BRIEFINGS * 0.9  # less the restricted ones
    assert len(list((built / "sources").glob("*/index.html"))) >= BRIEFINGS * 3 * 0.9
    assert not (built / "search" / "search_index.json").exists()  # no index every reader downloads whole
    fragments = list((built / "pagefind").glob("**/fragment/*.pf_fragment"))
    assert len(fragments) > BRIEFINGS * 3
    parts = sorted((built / "pagefind").glob("part-*"))
    assert len(parts) >= 3  # indexed in parts, each by its own Pagefind run
    assert not list((built / "pagefind").glob("part-*/*.js"))  # one copy of the script, in the primary bundle


def test_a_word_from_another_index_part_is_found(built):
    from test_browser import Quiet, chromium_path

    playwright = pytest.importorskip("playwright.sync_api")
    last = sorted((built.parent / "sources").glob("*.txt"))[-1].stem
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(built)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        with playwright.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
            page = browser.new_page()
            fetched: list[str] = []
            page.on("requestfinished", lambda request: fetched.append(request.url))
            page.goto(base + "briefings/")
            page.locator(".pagefind-ui__search-input").press_sequentially(LAST_WORD, delay=10)
            page.locator(".pagefind-ui__result-link").first.wait_for(timeout=15000)
            links = page.locator(".pagefind-ui__result-link").evaluate_all("links => links.map(a => a.href)")
            browser.close()
    finally:
        server.shutdown()
    assert links[0] == f"{base}sources/{last}/"  # the page, then the section holding the word
    assert all(link.startswith(links[0]) for link in links)
    # the page is in a part of the index other than the first, which the search box merged in
    url = f'"url":"/sources/{last}/"'.encode()
    (part,) = [fragment.parent.parent.name for fragment in (built / "pagefind").glob("**/fragment/*.pf_fragment")
               if url in gzip.decompress(fragment.read_bytes())]
    assert part.startswith("part-")
    assert any(f"/pagefind/{part}/fragment/" in url for url in fetched)


def test_a_save_rebuilds_only_the_pages_that_show_the_briefing(corpus, tmp_path):
    logging.getLogger("mkdocs").setLevel(logging.ERROR)
    builder = PreviewBuilder(corpus, tmp_path / "preview")
    total = builder(full=True)["rebuilt"]
    path = sorted((corpus / "briefings").glob("*.yaml"))[7]
    original = path.read_text(encoding="utf-8")
    try:
        at = original.index("stance: ") + len("stance: ")
        path.write_text(original[:at] + "Freshly edited - " + original[at:], encoding="utf-8")
        done = builder()
        assert not done["full"] and done["pending"]
        # the saved briefing's page, shown first (and the guide's static page, built every time)
        assert builder.preview.rebuilt == {f"briefings/{path.stem}/", "guide/"}
        page = tmp_path / "preview" / "briefings" / path.stem / "index.html"
        assert "Freshly edited - " in page.read_text(encoding="utf-8")
        then = builder()
        assert not then["pending"]
        assert 1 <= then["rebuilt"] < total / 10  # its actors: they show its stances
        assert any(url.startswith("actors/") for url in builder.preview.rebuilt)
    finally:
        path.write_text(original, encoding="utf-8")


def test_a_first_search_transfers_a_small_part_of_the_index(built):
    from test_browser import Quiet, chromium_path, search, word_only_in_sources  # noqa: F401

    playwright = pytest.importorskip("playwright.sync_api")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(built)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    index_bytes = sum(p.stat().st_size for p in (built / "pagefind").rglob("*") if p.is_file())
    try:
        with playwright.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
            page = browser.new_page()
            sizes: list[int] = []  # all the search fetches, its preload at page load included
            page.on("requestfinished", lambda request: sizes.append(request.sizes()["responseBodySize"])
                    if "/pagefind/" in request.url else None)
            page.goto(base)
            page.wait_for_load_state("networkidle")
            results = search(page, "minister")
            assert results.count() > 0
            page.wait_for_load_state("networkidle")
            browser.close()
    finally:
        server.shutdown()
    transferred = sum(sizes)
    assert 0 < transferred < 1_000_000
    assert transferred < index_bytes / 2  # only the chunks the query needs


def test_the_home_page_lists_every_briefing_newest_first_the_older_ones_one_line_each(corpus, built):
    from build_scripts.index import build_index
    from build_scripts.repo import load_repository

    home = (built / "index.html").read_text(encoding="utf-8")
    listed = re.findall(r'class="brf-card__title[^"]*" href="briefings/([^/"]+)/"', home)
    assert listed == [briefing.id for briefing in build_index(load_repository(corpus)).briefings]
    assert home.count('class="brf-card"') == 12  # the newest with their summary
    assert home.count('<li><time datetime=') == len(listed) - 12
    assert len(home) < 200 * 1024  # light: a line, not a summary, per older briefing
