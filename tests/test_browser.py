"""The example site in a real browser (Debian's chromium driven by Playwright).

Served over HTTP like a published site, and opened from file:// like the offline build
on an air-gapped network. A screenshot of a briefing page is saved in ``test-artifacts/``.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import threading
from pathlib import Path

import pytest

from build_scripts.cli import main

from conftest import ROOT

playwright_sync = pytest.importorskip("playwright.sync_api")

ARTIFACTS = ROOT / "test-artifacts"
BRIEFING = "briefings/dprk-russia-alignment-2024-11/"
PAGES = ["", "briefings/", BRIEFING, "sources/yonhap-2024-11-03-borrell-seoul/",
         "actors/josep-borrell/", "questions/rok-lethal-aid-to-ukraine/", "tags/", "guide/"]


def chromium_path() -> str:
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file():
            return candidate
    pytest.fail("chromium is not installed: bash tests/run installs Debian's chromium package")


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    """The example site built twice: for a server, and offline for file://."""
    root = tmp_path_factory.mktemp("example")
    for folder in ("briefings", "sources", "templates"):
        shutil.copytree(ROOT / folder, root / folder)
    shutil.copy(ROOT / "mkdocs.yml", root / "mkdocs.yml")
    assert main(["build", str(root), "--site-dir", str(root / "site")]) == 0
    assert main(["build", str(root), "--offline", "--site-dir", str(root / "offline")]) == 0
    return root


@pytest.fixture(scope="module")
def base_url(sites):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(Quiet, directory=str(sites / "site")))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    with playwright_sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(),
                                    args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                                          "--allow-file-access-from-files"])
        yield browser
        browser.close()


class Watched:
    """A page that records page errors, console errors, dialogs and every request."""

    def __init__(self, browser):
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None)
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))


@pytest.fixture
def watched(browser):
    w = Watched(browser)
    yield w
    w.page.close()


def search(page, word: str):
    """Type ``word`` into the site's search box; the result links (Pagefind or Material's)."""
    pagefind = page.locator(".pagefind-ui__search-input")
    if pagefind.count():
        pagefind.first.press_sequentially(word, delay=30)
        results = page.locator(".pagefind-ui__result")
    else:
        box = page.locator("input.md-search__input")
        box.click()
        box.press_sequentially(word, delay=30)
        results = page.locator(".md-search-result__item")
    results.first.locator("a").first.wait_for(timeout=15000)  # Pagefind fills results in as they load
    return results


SOURCE_RESULT = ".pagefind-ui__result-link[href*='sources/'], .md-search-result__item a[href*='sources/']"


def word_only_in_sources() -> str:
    """A distinctive word of a source text that no briefing uses."""
    briefing_text = " ".join(p.read_text(encoding="utf-8") for p in (ROOT / "briefings").glob("*.yaml")).lower()
    words = set()
    for path in (ROOT / "sources").glob("*.txt"):
        words |= {w for w in re.findall(r"[A-Za-z]{9,}", path.read_text(encoding="utf-8"))}
    candidates = sorted(w for w in words if w.lower() not in briefing_text)
    assert candidates
    return candidates[0]


def test_the_home_page_lists_every_briefing_newest_first(watched, base_url):
    watched.page.goto(base_url)
    titles = watched.page.locator(".brf-card__title").all_inner_texts()
    assert titles == ["North Korea and Russia move from alignment to wartime alliance",
                      'EU and South Korea move to take security ties "to the next level"']
    assert watched.errors == []


def test_clicking_a_citation_lands_on_its_quoted_passage(watched, base_url):
    page = watched.page
    page.goto(base_url + BRIEFING)
    citation = page.locator("a.citation[href*='#passage-']").first
    tooltip = citation.get_attribute("title")
    citation.click()
    page.wait_for_url(re.compile(r"/sources/.+#passage-\d+-\d+$"))
    target = page.locator(":target")
    assert "quoted" in target.get_attribute("class").split()
    assert target.is_visible()
    box = target.bounding_box()
    assert box is not None and 0 <= box["y"] < 900
    quoted_words = re.sub(r"[^\w ]", " ", target.inner_text()).split()
    assert quoted_words[0].lower() in tooltip.lower()  # the tooltip showed this very quote
    assert watched.errors == []


def test_a_passage_links_back_to_the_citing_briefing(watched, base_url):
    page = watched.page
    page.goto(base_url + "sources/yonhap-2024-11-03-borrell-seoul/")
    page.locator(".brf-source-text a.brf-backref").first.click()
    page.wait_for_url(re.compile(r"/briefings/.+#cite-\d+$"))
    assert "citation" in page.locator(":target").get_attribute("class").split()


def test_search_finds_a_word_that_only_a_source_text_holds(watched, base_url):
    word = word_only_in_sources()
    watched.page.goto(base_url)
    search(watched.page, word)
    watched.page.locator(SOURCE_RESULT).first.wait_for(timeout=15000)  # a source page is found
    assert watched.errors == []


def test_a_two_letter_query_is_searched_once_the_reader_pauses(watched, base_url):
    watched.page.goto(base_url)
    box = watched.page.locator(".pagefind-ui__search-input")
    box.press_sequentially("EU", delay=30)
    results = watched.page.locator(".pagefind-ui__result")
    results.first.wait_for(timeout=15000)
    assert "for EU" in watched.page.locator(".pagefind-ui__message").inner_text()
    box.fill("")
    results.first.wait_for(state="detached", timeout=5000)
    assert watched.errors == []


def test_no_request_leaves_the_site_and_no_page_fails(watched, base_url):
    for path in PAGES:
        watched.page.goto(base_url + path)
        watched.page.wait_for_load_state("networkidle")
    search(watched.page, "Borrell")
    outside = [url for url in watched.requests if not url.startswith(base_url) and not url.startswith("data:")]
    assert outside == []
    assert watched.errors == []
    assert watched.dialogs == []


def test_the_offline_build_searches_and_cites_from_the_file_system(watched, sites):
    page = watched.page
    home = (sites / "offline" / "index.html").as_uri()
    page.goto(home)
    assert page.locator(".pagefind-ui").count() == 0  # Material's search, inlined: no fetch needed
    search(page, word_only_in_sources())
    page.locator(SOURCE_RESULT).first.wait_for(timeout=15000)
    page.goto((sites / "offline" / "briefings" / "dprk-russia-alignment-2024-11.html").as_uri())
    page.locator("a.citation[href*='#passage-']").first.click()
    page.wait_for_url(re.compile(r"/sources/.+\.html#passage-\d+-\d+$"))
    assert "quoted" in page.locator(":target").get_attribute("class").split()
    outside = [url for url in watched.requests if not url.startswith("file://") and not url.startswith("data:")]
    assert outside == []
    assert watched.errors == []


@pytest.mark.parametrize("path", PAGES)
def test_no_serious_accessibility_violation(watched, base_url, path):
    from axe_playwright_python.sync_playwright import Axe

    watched.page.goto(base_url + path)
    results = Axe().run(watched.page)
    serious = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
               for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == []


def test_screenshot_of_a_briefing_page(watched, base_url):
    ARTIFACTS.mkdir(exist_ok=True)
    watched.page.goto(base_url + BRIEFING)
    path = ARTIFACTS / "briefing.png"
    watched.page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 50_000
    watched.page.emulate_media(color_scheme="dark")
    watched.page.goto(base_url + "sources/yonhap-2024-11-03-borrell-seoul/#passage-0-1")
    watched.page.screenshot(path=str(ARTIFACTS / "source-dark.png"))


HOSTILE_TEXT = (
    "Archived page <script>window.__pwned = 'script'; alert('script')</script> with markup.\n"
    "<img src=x onerror=\"window.__pwned = 'img'; alert('img')\"> and <iframe src=\"javascript:alert('iframe')\"></iframe>\n"
    "<!-- an HTML comment --> <a href=\"javascript:alert('link')\">a link</a> <style>body{display:none}</style>\n"
)

HOSTILE_BRIEFING = """\
title: "Hostile <script>window.__pwned = 'title'</script> *text*"
date: 2024-11-04
status: draft
marking: TLP:CLEAR
authors: ["<img src=x onerror=alert('author')>"]
tags: [hostile]
summary: |
  Summary <script>window.__pwned = 'summary'; alert('summary')</script>
  [click me](javascript:alert('md-link')) <a href="#" onclick="alert('onclick')">handler</a>
  <iframe srcdoc="<script>parent.__pwned='srcdoc'</script>"></iframe> <!-- secret comment -->
  <img src=x onerror="window.__pwned = 'md-img'"> <svg onload="window.__pwned = 'svg'"></svg>
key_actors:
  - id: mallory
    name: "<b onmouseover=alert('actor')>Mallory</b>"
positions:
  - actor: mallory
    on: "<script>alert('on')</script>"
    stance: "Says <script>window.__pwned = 'stance'</script> things."
    cites:
      - source: hostile-source
        quote: "<script>window.__pwned = 'script'; alert('script')</script>"
key_judgments:
  - judgment: "A judgment with [a link](javascript:alert('judgment'))."
    cites:
      - source: hostile-source
        quote: "<a href=\\"javascript:alert('link')\\">a link</a>"
"""


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    import hashlib

    root = tmp_path_factory.mktemp("hostile")
    shutil.copytree(ROOT / "templates", root / "templates")
    shutil.copy(ROOT / "mkdocs.yml", root / "mkdocs.yml")
    (root / "sources").mkdir()
    (root / "briefings").mkdir()
    (root / "sources" / "hostile-source.txt").write_text(HOSTILE_TEXT, encoding="utf-8")
    (root / "sources" / "hostile-source.yaml").write_text(
        "title: \"<script>alert('source title')</script>\"\npublished: 2024-11-03\n"
        f"sha256: {hashlib.sha256(HOSTILE_TEXT.encode()).hexdigest()}\n", encoding="utf-8")
    (root / "briefings" / "hostile.yaml").write_text(HOSTILE_BRIEFING, encoding="utf-8")
    assert main(["build", str(root), "--site-dir", str(root / "site")]) == 0
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(Quiet, directory=str(root / "site")))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.mark.parametrize("path", ["", "briefings/hostile/", "sources/hostile-source/", "actors/mallory/",
                                  "tags/", "sources/", "actors/"])
def test_hostile_text_never_runs(watched, hostile_site, path):
    page = watched.page
    page.goto(hostile_site + path)
    page.wait_for_load_state("networkidle")
    content = page.locator("article.md-content__inner")
    content.hover()
    assert watched.dialogs == []
    assert page.evaluate("window.__pwned") is None
    # nothing in the content can run: no script, frame, handler attribute or javascript: link
    assert page.evaluate("""() => {
        const article = document.querySelector('article.md-content__inner');
        const bad = [];
        for (const el of article.querySelectorAll('*')) {
            if (['SCRIPT', 'IFRAME', 'OBJECT', 'EMBED', 'STYLE', 'SVG'].includes(el.tagName.toUpperCase())
                && !el.closest('.md-icon')) bad.push(el.tagName);
            for (const attr of el.attributes) {
                if (attr.name.startsWith('on')) bad.push(el.tagName + '@' + attr.name);
                if (/^\\s*javascript:/i.test(attr.value)) bad.push(el.tagName + '@' + attr.name + '=js');
            }
        }
        return bad;
    }""") == []
    assert watched.errors == []


def test_archived_markup_shows_as_text(watched, hostile_site):
    page = watched.page
    page.goto(hostile_site + "sources/hostile-source/")
    text = page.locator(".brf-source-text").inner_text()
    assert "<script>window.__pwned = 'script'; alert('script')</script>" in text
    assert "<!-- an HTML comment -->" in text
    assert "quoted" in page.locator(".brf-source-text mark.quoted").first.get_attribute("class")
    page.goto(hostile_site + "briefings/hostile/")
    assert "Hostile <script>window.__pwned = 'title'</script> *text*" in page.locator("h1").inner_text()
    assert "secret comment" not in page.content()
