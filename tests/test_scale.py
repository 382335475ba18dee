"""The scale scenarios of the benchmarks, small (50 briefings), so a regression fails CI.

The figures themselves are measured by the scripts of ``benchmarks/`` (never timed here):
this checks that the same paths work and keep their shape — a valid synthetic corpus,
a full build with its chunked search, a preview that rebuilds only what a save changed,
and a first search query that transfers a small part of the index.
"""

from __future__ import annotations

import functools
import http.server
import logging
import sys
import threading

import pytest

from build_scripts.cli import main
from build_scripts.site import PreviewBuilder

from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from generate import generate  # noqa: E402

BRIEFINGS = 50


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("scale") / "repo"
    generate(root, BRIEFINGS, BRIEFINGS * 3)
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
    assert len(list((built / "pagefind" / "fragment").iterdir())) > BRIEFINGS * 3


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
        assert not done["full"]
        assert 1 <= done["rebuilt"] < total / 10
        page = tmp_path / "preview" / "briefings" / path.stem / "index.html"
        assert "Freshly edited - " in page.read_text(encoding="utf-8")
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
            page.goto(base)
            page.wait_for_load_state("networkidle")
            sizes: list[int] = []
            page.on("requestfinished", lambda request: sizes.append(request.sizes()["responseBodySize"]))
            results = search(page, "minister")
            assert results.count() > 0
            page.wait_for_load_state("networkidle")
            browser.close()
    finally:
        server.shutdown()
    transferred = sum(sizes)
    assert 0 < transferred < 1_000_000
    assert transferred < index_bytes / 2  # only the chunks the query needs
