"""``briefings source add report.pdf``: pages in order, columns in reading order, quotes
checked on their ``page``, and the PDFs that are refused."""

from __future__ import annotations

import hashlib
from importlib import metadata
from pathlib import Path

import pytest
import yaml

from build_scripts import quotes
from build_scripts.capture import CaptureError, pdf

from conftest import run

FIXTURES = Path(__file__).resolve().parent / "data" / "capture" / "real"  # (test data only: see its README)
REPORT = FIXTURES / "pdfs" / "chelsea_pdta.pdf"
PAGE = FIXTURES / "pages" / "wired.com.burn.html"
DATA = Path(__file__).resolve().parent / "data" / "capture"
needs_fixtures = pytest.mark.skipif(not FIXTURES.is_dir(), reason="tests/data/capture/real is not here")


def briefing(cites: list[dict]) -> str:
    return yaml.safe_dump({
        "title": "Chelsea", "date": "2024-11-04", "status": "published", "marking": "TLP:CLEAR",
        "authors": ["K. Analyst"], "summary": "Plans.",
        "key_judgments": [{"judgment": "It will happen.", "likelihood": "likely", "confidence": "low",
                           "cites": cites}]}, allow_unicode=True, sort_keys=False)


def check(capsys, team: Path, cites: list[dict]) -> tuple[int, list[str]]:
    (team / "briefings" / "chelsea.yaml").write_text(briefing(cites), encoding="utf-8")
    code, out, _ = run(capsys, "check", str(team), "--format", "text")
    return code, [line for line in out.splitlines() if ": error " in line or ": warning " in line or " errors, " in line]


@needs_fixtures
def test_the_report_comes_out_page_by_page_in_order():
    captured = pdf.extract(REPORT.read_bytes())
    pages = captured.text.split("\f")
    assert len(pages) == 65
    assert pages[0] == "Plan directeur de transport actif\nde la municipalité de Chelsea\nRapport final\nJanvier 2021\n"
    assert pages[3] == "\n"  # a blank page stays a page
    # every page after the cover carries its printed number (PDF page N is printed N-1): none is lost or moved
    assert [page.split("\n")[1] for page in pages[4:12]] == [str(n) for n in range(4, 12)]
    assert "1.1. Pourquoi avons-nous besoin d’une révision?" in pages[5]
    assert "Comme ci-\ndessus, l'accès" in pages[18]  # a hyphen that ended a line keeps it, and the line
    assert captured.found == {"title": "Plan stratégique du sentier récréatif régional de Prescott et Russell",
                              "published": "2021-01-28"}  # (the document information names another plan)
    assert captured.extractor == f"pypdfium2 {metadata.version('pypdfium2')}"


@needs_fixtures
def test_source_add_of_the_report_and_quotes_on_their_page(team, capsys):
    code, out, err = run(capsys, "source", "add", str(REPORT), "--id", "chelsea-plan", "--title",
                         "Plan directeur de transport actif de la municipalité de Chelsea", "--reliability", "B",
                         "--path", str(team))
    assert (code, err) == (0, "")
    assert out == (
        "created sources/chelsea-plan.txt (the text of 65 pages, a form feed between pages)\n"
        "created sources/chelsea-plan.pdf (the PDF as captured; published beside the source's page)\n"
        "created sources/chelsea-plan.yaml (its metadata, and the sha256 of the text and the PDF)\n"
        "found in the PDF: published 2021-01-28\n"
        "next: read sources/chelsea-plan.txt to see that it holds the whole text (correct a wrong title or date "
        "in sources/chelsea-plan.yaml), cite it from a briefing with 'source: chelsea-plan' and a quote of its "
        "words (and 'page: N' for the PDF page it is on), then run 'briefings check'\n")
    assert (team / "sources" / "chelsea-plan.pdf").read_bytes() == REPORT.read_bytes()
    meta = yaml.safe_load((team / "sources" / "chelsea-plan.yaml").read_text(encoding="utf-8"))
    assert meta["original_sha256"] == hashlib.sha256(REPORT.read_bytes()).hexdigest()
    assert meta["extracted_with"].startswith("pypdfium2 ")
    assert run(capsys, "source", "add", str(PAGE), "--id", "wired", "--reliability", "B", "--path", str(team))[0] == 0
    good = [{"source": "chelsea-plan", "quote": "Il est important de mettre à jour le PDTA parce que", "page": "6"},
            # "ci-⏎dessus" is one word (line-end hyphenation), read with its hyphen or without
            {"source": "chelsea-plan", "quote": "ci-dessus, l'accès aux différentes", "page": 19},
            {"source": "chelsea-plan", "quote": "Comme ci- dessus", "page": "18-19"},
            {"source": "wired", "quote": "Last month, researchers at OpenAI in San Francisco revealed"}]
    assert check(capsys, team, good) == (0, ["1 briefing, 2 sources, 4 citations: 0 errors, 0 warnings"])
    wrong = [{"source": "chelsea-plan", "quote": "Il est important de mettre à jour le PDTA parce que", "page": "7"},
             {"source": "chelsea-plan", "quote": "Il est important de mettre à jour", "page": "66"},
             {"source": "chelsea-plan", "quote": "Il est important de mettre à jour", "page": "7-6"},
             {"source": "wired", "quote": "Last month, researchers at OpenAI", "page": "1"}]
    assert check(capsys, team, wrong) == (1, [
        "briefings/chelsea.yaml:15:11: error BRF310: the quote is not on page 7 of source 'chelsea-plan'; "
        "the quote is on page 6",
        "briefings/chelsea.yaml:18:11: error BRF309: page 66 does not exist in source 'chelsea-plan' (it has 65 pages)",
        "briefings/chelsea.yaml:21:11: error BRF309: the page range 7-6 is not valid",
        "briefings/chelsea.yaml:24:11: error BRF309: source 'wired' has no pages: it was not made from a PDF",
        "1 briefing, 2 sources, 4 citations: 4 errors, 0 warnings"])


def test_two_columns_come_out_one_after_the_other_with_their_words_whole(team, capsys):
    captured = pdf.extract((DATA / "two-columns.pdf").read_bytes())
    text = captured.text
    left, right = text.index("LEFT-START"), text.index("RIGHT-START")
    assert left < text.index("LEFT-END") < right < text.index("RIGHT-END")
    assert "Opposition" not in text[left:right]
    assert text.count("agreement") == 4 and text.count("spokeswoman") == 3  # soft hyphens that did not break
    assert "incur\u2010\nsions" in text  # a hyphen at a line end stays, with the line end
    assert captured.found["title"] == "Coastal patrol statement"
    assert run(capsys, "source", "add", str(DATA / "two-columns.pdf"), "--id", "coastal", "--reliability", "B",
               "--path", str(team))[0] == 0
    cites = [{"source": "coastal", "quote": "incursions by unidentified vessels. LEFT-END", "page": "1"},
             {"source": "coastal", "quote": "RIGHT-START Opposition members questioned whether the government had "
                                            "consulted the provinces"}]
    (team / "briefings" / "coastal.yaml").write_text(briefing(cites), encoding="utf-8")
    code, out, _ = run(capsys, "check", str(team), "--format", "text")
    assert (code, out.splitlines()[-1]) == (0, "1 briefing, 1 source, 2 citations: 0 errors, 0 warnings")


@pytest.mark.parametrize("title, kept", [
    ("Rapport final", True), ("Microsoft Word - rapport.docx", False), ("rapport_final_v3.pdf", False),
    ("Untitled", False), ("  ", False)])
def test_titles_that_name_a_file_are_not_taken(title, kept):
    assert (pdf._NO_TITLE.fullmatch(title.strip()) is None and bool(title.strip())) == kept


@pytest.mark.parametrize("value, date", [
    ("D:20210128160204-05'00'", "2021-01-28"), ("D:2021", None), ("D:20211340", None), ("", None), (None, None)])
def test_dates_from_the_document_information(value, date):
    assert pdf._date(value) == date


@pytest.mark.parametrize("name, content, message", [
    ("scan.pdf", None, "has no text layer: its 1 page(s) hold only images (a scan?). Make its text searchable "
     "first (for example 'ocrmypdf scan.pdf text.pdf') and archive that"),
    ("encrypted.pdf", None, "is encrypted: it opens only with a password. Save a copy without the password (for "
     "example 'qpdf --decrypt --password=PASSWORD in.pdf out.pdf') and archive that"),
    ("page.pdf", b"<!doctype html><html><body><p>Hello</p></body></html>",
     "is a web page: rename it to .html"),
    ("notes.pdf", b"Some notes\n", "is not a PDF (it does not start with %PDF-): save the document as PDF again"),
    ("broken.pdf", b"%PDF-1.4\nnothing else\n",
     "is not a PDF that can be read (Failed to load document (PDFium: Data format error).); save or download "
     "it again"),
])
def test_pdfs_that_cannot_be_archived(team, tmp_path, capsys, name, content, message):
    path = DATA / name if content is None else tmp_path / name
    if content is not None:
        path.write_bytes(content)
    assert run(capsys, "source", "add", str(path), "--title", "T", "--published", "2024-11-03",
               "--path", str(team)) == (2, "", f"briefings: {path}: {message}; nothing was written\n")
    assert list((team / "sources").iterdir()) == []


def test_extract_refuses_what_pdfium_cannot_open():
    with pytest.raises(CaptureError, match="is not a PDF that can be read"):
        pdf.extract(b"%PDF-1.7\n")


def test_quotes_read_across_the_line_end_hyphens_a_pdf_keeps(team, capsys):
    assert run(capsys, "source", "add", str(DATA / "two-columns.pdf"), "--id", "coastal", "--reliability", "B",
               "--path", str(team))[0] == 0
    cites = [{"source": "coastal", "quote": "a response to repeated incursions by unidentified vessels", "page": "1"},
             {"source": "coastal", "quote": "a response to repeated incur-sions by unidentified vessels"},
             {"source": "coastal", "quote": "a response to repeated incur- sions by unidentified vessels",
              "lines": "8-11"}]
    (team / "briefings" / "coastal.yaml").write_text(briefing(cites), encoding="utf-8")
    code, out, _ = run(capsys, "check", str(team), "--format", "text")
    # The column repeats its paragraph: the quote without page or lines is ambiguous (BRF311),
    # and the lines the hint names are those of the first, the hyphenated word's two lines too.
    assert (code, [line for line in out.splitlines() if " warning " in line or " errors, " in line]) == (0, [
        "briefings/coastal.yaml:17:12: warning BRF311: the quote \"a response to repeated incur-sions by "
        "unidentified vessels\" occurs 3 times in source 'coastal' (lines 8, 16 and 24)",
        "1 briefing, 1 source, 3 citations: 0 errors, 1 warning"])
    assert '= hint: add lines: "8-11" (or page: "1") to say which (those of the first), or quote more words' in out
    text = (team / "sources" / "coastal.txt").read_text(encoding="utf-8")
    (first, after), = quotes.Mapped.build(text).locate(cites[1]["quote"])
    assert text[first:after] == "a\nresponse to repeated incur\u2010\nsions by unidentified\nvessels"
