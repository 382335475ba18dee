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
from test_render import write_hostile_repository

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
    tooltip = citation.get_attribute("data-brf-tip")
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


def hostile_repository(root: Path, tooltips: bool) -> Path:
    """The hostile repository of the render tests, with the project's templates and mkdocs.yml;
    with ``tooltips``, Material's ``content.tooltips`` is turned on (as a team may do)."""
    write_hostile_repository(root)
    shutil.copytree(ROOT / "templates", root / "templates")
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    if tooltips and "- content.tooltips" not in config:
        config, found = re.subn(r"(?m)^(  features:\n)", r"\1    - content.tooltips\n", config)
        assert found == 1
    (root / "mkdocs.yml").write_text(config, encoding="utf-8")
    return root


def serve(folder: Path) -> tuple[str, http.server.ThreadingHTTPServer]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/", server


@pytest.fixture(scope="module")
def hostile_sites(tmp_path_factory):
    """The hostile repository built with the project's mkdocs.yml ("own"), and with Material's
    ``content.tooltips`` turned on ("tooltips"), each served over HTTP; and the offline build
    with the project's mkdocs.yml, opened from file:// ("offline")."""
    urls, servers = {}, []
    for name in ("own", "tooltips"):
        root = hostile_repository(tmp_path_factory.mktemp(f"hostile-{name}"), tooltips=name == "tooltips")
        assert main(["build", str(root), "--site-dir", str(root / "site")]) == 0
        urls[name], server = serve(root / "site")
        servers.append(server)
        if name == "own":
            assert main(["build", str(root), "--offline", "--site-dir", str(root / "offline")]) == 0
            urls["offline"] = (root / "offline").as_uri() + "/"
    yield urls
    for server in servers:
        server.shutdown()


@pytest.fixture(scope="module")
def hostile_site(hostile_sites):
    return hostile_sites["own"]


@pytest.mark.parametrize("path", ["", "briefings/hostile/", "sources/hostile-source/", "actors/mallory/",
                                  "tags/", "sources/", "actors/", "briefings/hostile-superseded/",
                                  "questions/hostile-question/", "questions/hostile-resolved/"])
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
    assert page.title().startswith("Hostile <script>window.__pwned = 'title'</script> *text* title: </title><img")
    assert "secret comment" not in page.content()


#: What a reader may point at: every link, everything with a tooltip (ours or a title), and
#: text cut short (Material gives a truncated .md-ellipsis a title: the whole text).
POINTABLE = "a, [title], [data-brf-tip], .md-ellipsis, .brf-ellipsis"
HOSTILE_RECORD_PAGES = ["briefings/hostile/", "sources/hostile-source/", "actors/mallory/",
                        "questions/hostile-question/", "questions/hostile-resolved/", "briefings/hostile-superseded/"]


def _point(page, selector: str) -> tuple[int, int]:
    count = page.evaluate("""selector => {
        window.__targets = [...document.querySelectorAll(selector)].filter(
            e => e.getClientRects().length && getComputedStyle(e).visibility !== "hidden");
        return window.__targets.length;
    }""", selector)
    pointed = citations = 0
    for number in range(count):
        point = page.evaluate("""number => {
            const e = window.__targets[number];
            if (!e.closest(".md-header")) e.scrollIntoView({block: "center", inline: "center"});
            const r = e.getClientRects()[0], x = r.left + r.width / 2, y = r.top + r.height / 2;
            const hit = document.elementFromPoint(x, y);  // what the pointer would be on
            return hit && (hit === e || e.contains(hit)) ? {x, y, citation: e.matches("a.citation")} : null;
        }""", number)
        if point is None:  # covered, or out of reach: not what a reader can point at
            continue
        page.mouse.move(point["x"], point["y"])
        page.evaluate("number => window.__targets[number].focus()", number)
        pointed += 1
        citations += point["citation"]
    return pointed, citations


def point_at_everything(page) -> tuple[int, int]:
    """Move the pointer onto every visible link, tooltip and text cut short of the page, and
    focus each; then onto the header once scrolled (it shows the page title then).
    Returns (elements pointed at, citations among them)."""
    pointed, citations = _point(page, POINTABLE)
    page.evaluate("window.scrollTo(0, document.body.scrollHeight / 2)")
    page.wait_for_timeout(400)
    header, _ = _point(page, ".md-header :is(" + POINTABLE + ")")
    page.keyboard.press("Escape")
    page.wait_for_timeout(500)  # an <img onerror> runs once its request has failed
    return pointed + header, citations


@pytest.mark.parametrize("path", HOSTILE_RECORD_PAGES)
@pytest.mark.parametrize("config", ["own", "tooltips"])
def test_pointing_at_a_link_or_tooltip_runs_no_hostile_text(watched, hostile_sites, config, path):
    page = watched.page
    page.goto(hostile_sites[config] + path)
    page.wait_for_load_state("networkidle")
    pointed, citations = point_at_everything(page)
    assert pointed > 10
    if path in ("briefings/hostile/", "questions/hostile-question/", "actors/mallory/"):
        assert citations > 0
    assert watched.dialogs == []
    assert page.evaluate("window.__pwned") is None
    assert page.evaluate("document.querySelectorAll('article img, .md-tooltip img, .md-tooltip2 img').length") == 0
    assert watched.errors == []


@pytest.mark.parametrize("config", ["own", "tooltips", "offline"])
def test_search_results_show_hostile_text_as_text(watched, hostile_sites, config):
    page = watched.page
    page.goto(hostile_sites[config] + ("index.html" if config == "offline" else ""))
    results = search(page, "onerror")
    for link in results.locator("a").all():
        if link.is_visible():
            link.hover()
    page.wait_for_timeout(500)
    assert watched.dialogs == []
    assert page.evaluate("window.__pwned") is None
    assert "onerror" in results.first.inner_text()  # the markup shows, as text
    assert page.evaluate("document.querySelectorAll('.pagefind-ui img, .md-search-result img').length") == 0


def tooltip_of(page, element):
    """The tooltip that describes ``element`` (through aria-describedby), as a locator."""
    described = element.get_attribute("aria-describedby")
    assert described, "the element names no tooltip"
    tip = page.locator(f"#{described}")
    assert tip.get_attribute("role") == "tooltip"
    return tip


def test_a_citation_shows_its_source_and_quote_as_a_tooltip_on_hover_and_focus(watched, base_url, sites):
    page = watched.page
    for url in (base_url + BRIEFING, (sites / "offline" / "briefings" / "dprk-russia-alignment-2024-11.html").as_uri()):
        page.goto(url)
        citation = page.locator("a.citation[href*='#passage-']").first
        text = citation.get_attribute("data-brf-tip")
        assert text and text.startswith("“")  # the quote, then the source
        assert citation.get_attribute("aria-description") == text  # described without pointing at it too
        citation.hover()
        tip = tooltip_of(page, citation)
        tip.wait_for(state="visible", timeout=2000)
        assert tip.inner_text() == text
        near, box = citation.bounding_box(), tip.bounding_box()
        assert abs((box["y"] + box["height"] / 2) - (near["y"] + near["height"] / 2)) < 200
        assert 0 <= box["x"] and box["x"] + box["width"] <= 1280
        page.keyboard.press("Escape")  # dismissed without moving the pointer
        tip.wait_for(state="hidden", timeout=2000)
        page.mouse.move(5, 890)
        citation.focus()  # the keyboard shows it too
        tip = tooltip_of(page, citation)
        tip.wait_for(state="visible", timeout=2000)
        assert tip.inner_text() == text
        page.keyboard.press("Tab")  # the next citation: its own tooltip
        assert citation.get_attribute("aria-describedby") is None
        following = page.evaluate("document.activeElement.getAttribute('data-brf-tip')")
        if following:
            page.wait_for_function("t => document.getElementById('brf-tip').textContent === t", arg=following)
        page.evaluate("document.activeElement.blur()")
        tip.wait_for(state="hidden", timeout=2000)
    assert watched.errors == []


def test_a_hostile_quote_shows_in_the_tooltip_as_text(watched, hostile_sites):
    page = watched.page
    page.goto(hostile_sites["tooltips"] + "briefings/hostile/")
    citation = page.locator("a.citation").first
    citation.hover()
    tip = tooltip_of(page, citation)
    tip.wait_for(state="visible", timeout=2000)
    assert tip.inner_text() == citation.get_attribute("data-brf-tip")
    assert "<img src=x onerror=" in tip.inner_text()
    assert tip.evaluate("t => t.children.length") == 0
    page.wait_for_timeout(300)
    assert page.evaluate("window.__pwned") is None and watched.dialogs == []
