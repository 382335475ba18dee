"""The forecast record's charts in a real browser (Debian's chromium driven by Playwright).

The guide's worked example (tests/data/forecast-record) built and served: the track record
and a resolved question's page, in the light and the dark scheme and as printed. Screenshots
are saved as /tmp/charts-*.png.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from build_scripts.cli import main

from conftest import ROOT
from test_browser import Watched, chromium_path, serve

playwright_sync = pytest.importorskip("playwright.sync_api")

WORKED = ROOT / "tests" / "data" / "forecast-record"
QUESTION = "questions/szohod-crossing-reopens/"
TRACK = "track-record/"
HOSTILE = "Will it </title><script>window.__pwned = 1</script> \"><svg onload=\"window.__pwned = 2\"> reopen?"


def worked_site(root: Path, question: str | None = None) -> Path:
    """The worked example with the project's templates and mkdocs.yml, its question worded
    ``question`` when given, built into ``root/site``."""
    for folder in ("briefings", "sources"):
        shutil.copytree(WORKED / folder, root / folder)
    shutil.copytree(ROOT / "templates", root / "templates")
    shutil.copy(ROOT / "mkdocs.yml", root / "mkdocs.yml")
    if question is not None:
        for path in (root / "briefings").glob("szohod-crossing-*.yaml"):
            text = path.read_text(encoding="utf-8").replace(
                "question: Will Borduria reopen the Szohod border crossing by 31 March 2025?",
                f"question: {json.dumps(question)}")
            path.write_text(text, encoding="utf-8")
    assert main(["build", str(root), "-q", "--site-dir", str(root / "site")]) == 0
    return root / "site"


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    """The worked example's site and one whose question is worded with hostile markup, served."""
    urls, servers = {}, []
    for name, question in (("worked", None), ("hostile", HOSTILE)):
        url, server = serve(worked_site(tmp_path_factory.mktemp(name), question))
        urls[name] = url
        servers.append(server)
    yield urls
    for server in servers:
        server.shutdown()


@pytest.fixture(scope="module")
def browser():
    with playwright_sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(),
                                    args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"])
        yield browser
        browser.close()


@pytest.fixture
def watched(browser):
    w = Watched(browser)
    yield w
    w.page.close()


#: Each chart part's colour (an SVG's fill or stroke, and the opacity it is painted with), and
#: the colour behind the chart: the nearest ancestor's background that is not transparent.
COLOURS = """svg => {
    const paint = (selector, property) => {
        const e = svg.querySelector(selector), s = getComputedStyle(e);
        return [s[property], parseFloat(s[property + 'Opacity'] || '1'), parseFloat(s.opacity)];
    };
    let e = svg, background = 'rgba(0, 0, 0, 0)';
    while (e && /rgba\\(.*, 0\\)$|transparent/.test(background)) {
        background = getComputedStyle(e).backgroundColor;
        e = e.parentElement;
    }
    if (/rgba\\(.*, 0\\)$|transparent/.test(background)) background = 'rgb(255, 255, 255)';  // the paper
    return {background, text: paint('text', 'fill'), band: paint('.brf-chart__band', 'fill'),
            line: paint(svg.querySelector('.brf-chart__line') ? '.brf-chart__line' : '.brf-chart__dot',
                        svg.querySelector('.brf-chart__line') ? 'stroke' : 'fill'),
            grid: paint('.brf-chart__grid', 'stroke')};
}"""


def rgb(css: str) -> tuple[float, float, float]:
    return tuple(float(v) for v in re.findall(r"[\d.]+", css)[:3])


def over(colour: list, background: tuple[float, float, float]) -> tuple[float, float, float]:
    """``colour`` ([css, paint opacity, element opacity]) as painted on ``background``."""
    alpha = colour[1] * colour[2]
    return tuple(alpha * c + (1 - alpha) * b for c, b in zip(rgb(colour[0]), background))


def contrast(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    """The WCAG contrast ratio of two sRGB colours."""
    def luminance(colour):
        linear = [(c / 255) / 12.92 if c / 255 <= 0.03928 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in colour]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def legible(page, selector: str) -> dict[str, float]:
    """The contrast with the chart's background of its text, line (or dots), band and grid."""
    colours = page.locator(selector).evaluate(COLOURS)
    background = rgb(colours["background"])
    return {part: round(contrast(over(colours[part], background), background), 1)
            for part in ("text", "line", "band", "grid")}


CHARTS = [(QUESTION, "svg.brf-chart--estimate",
           "Estimate over time: Will Borduria reopen the Szohod border crossing by 31 March 2025?"),
          (TRACK, "svg.brf-chart--calibration", "Calibration of the seven likelihood terms")]


@pytest.mark.parametrize("path,selector,name", CHARTS)
def test_a_chart_is_an_image_with_its_name_and_figures_and_no_script(watched, sites, path, selector, name):
    page = watched.page
    page.goto(sites["worked"] + path)
    page.wait_for_load_state("networkidle")
    chart = page.get_by_role("img", name=re.compile("^" + re.escape(name)))
    assert chart.count() == 1 and chart.evaluate("(e, selector) => e.matches(selector)", selector)
    box = chart.bounding_box()
    assert box["width"] > 400 and box["height"] > 150  # drawn, at a readable size
    described = chart.evaluate("e => e.getAttribute('aria-labelledby').split(' ').map("
                               "id => document.getElementById(id).textContent).join(' ')")
    assert described.startswith(name + " ") and "The table below gives the same figures." in described
    assert page.locator("article script, article iframe, article object, article embed").count() == 0
    assert chart.evaluate("e => [...e.querySelectorAll('*')].flatMap(c => [...c.attributes].map(a => a.name))"
                          ".filter(n => n.startsWith('on') || n.includes('href'))") == []
    outside = [url for url in watched.requests if not url.startswith(sites["worked"]) and not url.startswith("data:")]
    assert outside == [] and watched.errors == []


def test_the_question_chart_shows_the_figures_of_its_table(watched, sites):
    page = watched.page
    page.goto(sites["worked"] + QUESTION)
    chart = page.locator("svg.brf-chart--estimate")
    assert chart.locator("text.brf-chart__resolution-label").text_content() == "resolved yes, 2025-03-10"
    assert chart.locator("text.brf-chart__tick").all_text_contents() == [
        "0%", "25%", "50%", "75%", "100%", "2025-03-03", "2025-03-07", "2025-03-10"]
    assert [t.text_content() for t in chart.locator("circle.brf-chart__dot title").all()] == [
        "2025-03-03: unlikely (20-45%)", "2025-03-07: likely (55-80%)"]
    details = page.locator("details.brf-chart-data")
    details.locator("summary").click()
    rows = [r.inner_text().split("\t") for r in details.locator("tbody tr").all()]
    assert rows == [["2025-03-03", "2025-03-07", "unlikely", "20-45%"],
                    ["2025-03-07", "2025-03-10", "likely", "55-80%"],
                    ["2025-03-10", "", "resolved yes"]]
    assert "0.3056 over 7 days and 2 assessments" in page.locator(".brf-score--question").text_content()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path,selector,name", CHARTS)
def test_the_charts_read_in_the_light_and_the_dark_scheme(watched, sites, scheme, path, selector, name):
    page = watched.page
    page.emulate_media(color_scheme=scheme)
    page.goto(sites["worked"] + path)
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.body.dataset.mdColorScheme") == ("slate" if scheme == "dark" else "default")
    found = legible(page, selector)
    # text and line as WCAG asks of text and of graphics (4.5, 3); the band and grid seen apart from the page
    assert found["text"] >= 4.5 and found["line"] >= 3 and found["band"] >= 1.4 and found["grid"] >= 1.1, found
    stem = "question" if path == QUESTION else "track-record"
    page.locator(selector).screenshot(path=f"/tmp/charts-{stem}-{scheme}.png")
    page.screenshot(path=f"/tmp/charts-{stem}-{scheme}-page.png", full_page=True)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_charts_print_dark_on_white(watched, sites, scheme):
    page = watched.page
    page.emulate_media(color_scheme=scheme, media="print")
    for path, selector, _ in CHARTS:
        page.goto(sites["worked"] + path)
        colours = page.locator(selector).evaluate(COLOURS)
        white = (255.0, 255.0, 255.0)  # a printer leaves out backgrounds
        assert rgb(colours["text"][0]) == (0, 0, 0) and rgb(colours["line"][0]) == (0, 0, 0)
        assert contrast(over(colours["band"], white), white) >= 1.4
        stem = "question" if path == QUESTION else "track-record"
        page.locator(selector).screenshot(path=f"/tmp/charts-{stem}-print-{scheme}.png")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", [QUESTION, TRACK])
def test_no_serious_accessibility_violation_on_the_charted_pages(watched, sites, path, scheme):
    from axe_playwright_python.sync_playwright import Axe

    watched.page.emulate_media(color_scheme=scheme)
    watched.page.goto(sites["worked"] + path)
    results = Axe().run(watched.page)
    serious = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
               for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == []


@pytest.mark.parametrize("path", [QUESTION, TRACK])
def test_a_hostile_question_shows_in_the_chart_and_tables_as_text(watched, sites, path):
    page = watched.page
    page.goto(sites["hostile"] + path)
    page.wait_for_load_state("networkidle")
    page.locator("article").hover()
    for details in page.locator("details").all():
        details.locator("summary").click()
    page.wait_for_timeout(300)
    assert page.evaluate("window.__pwned") is None and watched.dialogs == [] and watched.errors == []
    assert page.evaluate("document.querySelectorAll('article script, article svg:not(.brf-chart)').length") == 0
    if path == QUESTION:
        title = page.locator("svg.brf-chart--estimate title").first.text_content()
        assert title == "Estimate over time: " + HOSTILE
        chart = page.get_by_role("img", name="Estimate over time: Will it </title><script>window.__pwned = 1")
        assert chart.count() == 1
    else:
        assert page.locator("article table a[href*='questions/']").first.inner_text() == HOSTILE
