"""``briefings source add page.html``: the main text of real saved pages, their metadata,
the id made from them, and every way a page is refused."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import trafilatura
import yaml

from build_scripts.capture import CaptureError, ids, webpage
from build_scripts.quotes import normalise

from conftest import run

FIXTURES = Path(__file__).resolve().parent / "data" / "capture" / "real"  # (test data only: see its README)
PAGES = FIXTURES / "pages"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8")) if FIXTURES.is_dir() else {}
needs_fixtures = pytest.mark.skipif(not FIXTURES.is_dir(), reason="tests/data/capture/real is not here")

ARTICLE = b"""<!doctype html><html lang="en-gb"><head><meta charset="utf-8">
<title>Ministry statement on the coastal patrol | Ministry of Examples</title>
<meta property="og:title" content="Ministry statement on the coastal patrol">
<meta property="og:site_name" content="Ministry of Examples">
<meta property="article:published_time" content="2024-11-03T09:00:00Z">
<link rel="canonical" href="https://www.example.org/news/coastal-patrol">
</head><body><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/about">About us</a></nav>
<article><h1>Ministry statement on the coastal patrol</h1>
<p>The ministry said on Tuesday that the coastal patrol agreement would enter into force next month,
after two years of talks between the neighbouring states and their coast guards.</p>
<p>Officials described the arrangement as a response to repeated incursions by unidentified vessels
in the strait, which fishermen have reported since the spring of last year.</p>
<p>Opposition members questioned whether the government had consulted the provinces; a spokeswoman
replied that consultations had taken place over several weeks with every coastal province.</p>
</article><footer>Copyright Ministry of Examples. Privacy policy. Contact.</footer></body></html>
"""


def written(team: Path) -> list[str]:
    return sorted(p.name for p in (team / "sources").iterdir())


# The six real pages

@needs_fixtures
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_pages_keep_the_article_and_leave_out_the_rest(name):
    expected = EXPECTED[name]
    captured = webpage.extract((PAGES / name).read_bytes())
    text = normalise(captured.text)
    assert [p for p in expected["with"] if normalise(p).strip() not in text] == []
    assert [p for p in expected["without"] if normalise(p).strip() in text] == []
    assert captured.found["title"].startswith(expected["title"])  # (one expected title is cut short)
    assert captured.found["published"] == expected["date"]
    assert captured.found["url"] == expected["url"]
    assert "\n\n" in captured.text and "\n\n\n" not in captured.text  # paragraphs: one blank line between


@needs_fixtures
def test_archived_text_holds_at_least_what_trafilatura_finds_with_its_defaults():
    ours = theirs = 0
    for name, expected in sorted(EXPECTED.items()):
        data = (PAGES / name).read_bytes()
        mine = normalise(webpage.extract(data).text)
        default = normalise(trafilatura.extract(data) or "")
        found = sum(normalise(p).strip() in mine for p in expected["with"])
        found_by_default = sum(normalise(p).strip() in default for p in expected["with"])
        assert found >= found_by_default, name
        ours, theirs = ours + found, theirs + found_by_default
    # trafilatura alone misses a story of the newsletter and a standfirst outside the article body
    assert (ours, theirs) == (17, 15)


@needs_fixtures
def test_every_passage_of_the_real_pages_is_quotable_by_briefings_check(team, capsys):
    cites = []
    for name, expected in sorted(EXPECTED.items()):
        source_id = name.split(".")[0].lower()
        assert run(capsys, "source", "add", str(PAGES / name), "--id", source_id, "--reliability", "B",
                   "--path", str(team))[0] == 0
        cites += [{"source": source_id, "quote": passage} for passage in expected["with"]]
    briefing = {"title": "Web pages", "date": "2024-11-04", "status": "published", "marking": "TLP:CLEAR",
                "authors": ["K. Analyst"], "summary": "Everything the pages say.",
                "key_judgments": [{"judgment": "The pages say it.", "likelihood": "likely",
                                   "confidence": "low", "cites": cites}]}
    (team / "briefings" / "pages.yaml").write_text(yaml.safe_dump(briefing, allow_unicode=True), encoding="utf-8")
    code, out, _ = run(capsys, "check", str(team), "--format", "text")
    assert (code, out.splitlines()[-1]) == (0, "1 briefing, 6 sources, 17 citations: 0 errors, 0 warnings")


@needs_fixtures
def test_source_add_of_a_real_page_writes_text_page_and_metadata(team, capsys):
    page = PAGES / "wired.com.burn.html"
    code, out, err = run(capsys, "source", "add", str(page), "--reliability", "B", "--path", str(team))
    sid = "wired-2020-01-21-ai-can-do-great-things"
    assert (code, err) == (0, "")
    assert out == (
        f"created sources/{sid}.txt (the page's main text: 26 paragraphs)\n"
        f"created sources/{sid}.html (the page as captured; kept in the repository, never published on the site)\n"
        f"created sources/{sid}.yaml (its metadata, and the sha256 of the text and the page)\n"
        "found in the page: title AI Can Do Great Things—if It Doesn't Burn the Planet; published 2020-01-21; "
        "publisher Wired; url https://www.wired.com/story/ai-great-things-burn-planet/; language en\n"
        f"next: read sources/{sid}.txt to see that it holds the whole text (correct a wrong title or date in "
        f"sources/{sid}.yaml), cite it from a briefing with 'source: {sid}' and a quote of its words, then run "
        "'briefings check'\n")
    text = (team / "sources" / f"{sid}.txt").read_bytes()
    original = page.read_bytes()
    assert (team / "sources" / f"{sid}.html").read_bytes() == original
    assert (team / "sources" / f"{sid}.yaml").read_text(encoding="utf-8") == (
        "# yaml-language-server: $schema=../schemas/source.schema.json\n"
        "title: AI Can Do Great Things—if It Doesn't Burn the Planet\n"
        "published: 2020-01-21\n"
        "publisher: Wired\n"
        "url: https://www.wired.com/story/ai-great-things-burn-planet/\n"
        "language: en\n"
        "reliability: B\n"
        "marking: TLP:CLEAR\n"
        f"sha256: {hashlib.sha256(text).hexdigest()}\n"
        f"original: {sid}.html\n"
        f"original_sha256: {hashlib.sha256(original).hexdigest()}\n"
        f"extracted_with: trafilatura {trafilatura.__version__}\n")
    code, out, _ = run(capsys, "check", str(team), "--format", "text")
    assert (code, out.splitlines()[-1]) == (0, "0 briefings, 1 source, 0 citations: 0 errors, 1 warning")


# A page of our own: what the command line says wins, what neither says is left out

def test_options_win_over_the_page_and_the_id_is_made_from_them(team, tmp_path, capsys):
    page = tmp_path / "statement.html"
    page.write_bytes(ARTICLE)
    code, out, _ = run(capsys, "source", "add", str(page), "--title", "Coastal patrol: the statement",
                       "--publisher", "MoE", "--path", str(team))
    assert code == 0
    assert "found in the page: published 2024-11-03; url https://www.example.org/news/coastal-patrol; " \
           "language en-GB\n" in out
    meta = yaml.safe_load((team / "sources" / "moe-2024-11-03-coastal-patrol-statement.yaml").read_text())
    assert (meta["title"], meta["publisher"], meta["language"]) == ("Coastal patrol: the statement", "MoE", "en-GB")
    text = (team / "sources" / "moe-2024-11-03-coastal-patrol-statement.txt").read_text(encoding="utf-8")
    assert text.startswith("Ministry statement on the coastal patrol\n\nThe ministry said on Tuesday")
    assert "Home" not in text and "Privacy" not in text
    assert text.count("\n\n") == 3  # the headline and three paragraphs
    # the same page again: the id made from it is taken, so it gets a number
    assert run(capsys, "source", "add", str(page), "--title", "Coastal patrol: the statement",
               "--publisher", "MoE", "--path", str(team))[0] == 0
    assert "moe-2024-11-03-coastal-patrol-statement-2.txt" in written(team)


def test_a_page_without_a_date_needs_published_and_writes_nothing(team, tmp_path, capsys):
    page = tmp_path / "undated.html"
    page.write_bytes(ARTICLE.replace(b'<meta property="article:published_time" content="2024-11-03T09:00:00Z">', b""))
    assert run(capsys, "source", "add", str(page), "--path", str(team)) == (2, "", (
        f"briefings: {page}: a published date was found neither in it nor on the command line; nothing was "
        "written: give --published YYYY-MM-DD\n"))
    bare = tmp_path / "bare.html"
    bare.write_bytes(b"<html><body><article>" + b"<p>" + b"Words of the article, and more words. " * 20
                     + b"</p></article></body></html>")
    assert run(capsys, "source", "add", str(bare), "--path", str(team)) == (2, "", (
        f"briefings: {bare}: a title and a published date was found neither in it nor on the command line; "
        "nothing was written: give --title \"...\" and --published YYYY-MM-DD\n"))
    assert written(team) == []
    assert run(capsys, "source", "add", str(bare), "--title", "Words", "--published", "2024-11-03",
               "--path", str(team))[0] == 0
    meta = yaml.safe_load((team / "sources" / "2024-11-03-words.yaml").read_text(encoding="utf-8"))
    assert sorted(meta) == ["extracted_with", "marking", "original", "original_sha256", "published", "sha256",
                            "title"]


def test_hostile_metadata_is_made_plain_text_of_one_line(team, tmp_path, capsys):
    page = tmp_path / "hostile.html"
    page.write_bytes(ARTICLE.replace(
        b'<meta property="og:title" content="Ministry statement on the coastal patrol">',
        '<meta property="og:title" content="Evil\u202e title\x1b[31m &lt;script&gt;alert(1)&lt;/script&gt;\n'
        'second line">'.encode()).replace(b'href="https://www.example.org/news/coastal-patrol"',
                                          b'href="javascript:alert(1)"'))
    code, out, _ = run(capsys, "source", "add", str(page), "--id", "hostile", "--path", str(team))
    assert code == 0
    assert "\x1b" not in out and "\u202e" not in out
    meta = yaml.safe_load((team / "sources" / "hostile.yaml").read_text(encoding="utf-8"))
    assert meta["title"] == "Evil title[31m <script>alert(1)</script> second line"
    assert "url" not in meta  # not an http(s) address
    assert run(capsys, "check", str(team), "--format", "text")[0] == 0


# Refused: each with exit 2, a message naming the file and the fix, and nothing written

@pytest.mark.parametrize("content, message", [
    (b"<html><head><title>Front page</title></head><body><nav><a href='/a'>A</a></nav></body></html>",
     "has no main text that could be found: is it the article's own page (not a front page, a login or "
     "cookie wall, or a page that shows its text only with JavaScript)? Save the article page again from "
     "the browser, or archive its text as a .txt file"),
    (b"%PDF-1.7\n%binary\n", "is a PDF, not a web page: rename it to .pdf"),
    (b"Just some words, no markup at all.\n", "is not a web page (no HTML in it): save the page from the "
     "browser as \"Web page, HTML only\", or archive its text as a .txt file"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "is not a web page (no HTML in it): save the page from the "
     "browser as \"Web page, HTML only\", or archive its text as a .txt file"),
    (b"  \n", "is empty; save the page or document again"),
])
def test_pages_that_cannot_be_archived(team, tmp_path, capsys, content, message):
    page = tmp_path / "capture.html"
    page.write_bytes(content)
    assert run(capsys, "source", "add", str(page), "--id", "x", "--title", "T", "--published", "2024-11-03",
               "--path", str(team)) == (2, "", f"briefings: {page}: {message}; nothing was written\n")
    assert written(team) == []


def test_a_200_mb_file_is_refused_unread(team, tmp_path, capsys):
    page = tmp_path / "huge.html"
    with open(page, "wb") as handle:
        handle.truncate(200 * 1024 * 1024)  # sparse: takes no disk space
    assert run(capsys, "source", "add", str(page), "--path", str(team)) == (2, "", (
        f"briefings: {page}: is larger than 50 MiB; archive a smaller copy (a PDF without its images, the "
        "article page alone); nothing was written\n"))
    assert written(team) == []


def test_other_kinds_of_file_are_refused(team, tmp_path, capsys):
    doc = tmp_path / "memo.docx"
    doc.write_bytes(b"PK\x03\x04")
    assert run(capsys, "source", "add", str(doc), "--path", str(team)) == (2, "", (
        f"briefings: {doc}: cannot archive a .docx file; archive a web page (.html), a PDF (.pdf) or a UTF-8 "
        "text file (.txt)\n"))
    missing = tmp_path / "gone.html"
    assert run(capsys, "source", "add", str(missing), "--path", str(team)) == (2, "", (
        f"briefings: {missing}: cannot be read: No such file or directory; nothing was written\n"))
    assert written(team) == []


@pytest.mark.parametrize("existing", ["coastal.txt", "coastal.html", "coastal.yaml"])
def test_never_overwrites_any_of_the_three_files(team, tmp_path, capsys, existing):
    page = tmp_path / "statement.html"
    page.write_bytes(ARTICLE)
    (team / "sources" / existing).write_text("mine\n", encoding="utf-8")
    assert run(capsys, "source", "add", str(page), "--id", "coastal", "--path", str(team)) == (2, "", (
        f"briefings: sources/{existing} already exists; nothing was written: choose another --id, or remove "
        "the existing source first\n"))
    assert written(team) == [existing]
    assert (team / "sources" / existing).read_text(encoding="utf-8") == "mine\n"


# Ids

@pytest.mark.parametrize("publisher, published, title, expected", [
    ("Yonhap", "2024-11-03", "Borrell says EU, S. Korea to take ties \"to the next level\"",
     "yonhap-2024-11-03-borrell-eu-s-korea-take"),
    ("Wired", "2020-01-21", "AI Can Do Great Things—if It Doesn't Burn the Planet",
     "wired-2020-01-21-ai-can-do-great-things"),
    ("axios.com", "2019-01-18", "Axios Future", "axios-2019-01-18-axios-future"),
    (None, "2021-01-28", "Plan stratégique du sentier récréatif", "2021-01-28-plan-strategique-sentier-recreatif"),
    ("ABC7 San Francisco", "2023-11-09", "Napa Co. enters exclusive agreement that could bring a resort",
     "abc7-san-francisco-2023-11-09-napa-co-enters-exclusive"),
    ("연합뉴스", None, "보렐", "source"),
])
def test_ids_from_publisher_date_and_title(publisher, published, title, expected):
    made = ids.make_id(publisher, published, title, lambda candidate: False)
    assert made == expected
    assert ids.make_id(publisher, published, title, lambda candidate: candidate in (expected, expected + "-2")) \
        == expected + "-3"


def test_extract_refuses_bytes_that_hold_no_html():
    with pytest.raises(CaptureError):
        webpage.extract(b"")


@pytest.mark.parametrize("data, kind", [
    (b"<!doctype html><html><body><p>About %PDF-1.4 files</p></body></html>", "html"),
    (b"junk before the header\n%PDF-1.4\n", "pdf"),
    (b"%PDF-1.7\n", "pdf"),
    (b"PK\x03\x04 a zip, a .docx", None),
    (b"plain words\n", None),
])
def test_what_the_content_itself_says_it_is(data, kind):
    from build_scripts.capture import sniff

    assert sniff(data) == kind
