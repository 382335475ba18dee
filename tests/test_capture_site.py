"""Archived originals on the site: a PDF is published beside its source's page and linked
from it; a saved web page is never served, and the page says where it is kept."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import yaml

from build_scripts.capture import originals
from build_scripts.cli import main
from build_scripts.repo import load_repository

from test_capture_html import ARTICLE

PDF = Path(__file__).resolve().parent / "data" / "capture" / "two-columns.pdf"


@pytest.fixture
def archived(example, tmp_path, capsys):
    """The example repository with a web page and a PDF archived and cited."""
    root = example.root
    page = tmp_path / "statement.html"
    page.write_bytes(ARTICLE.replace(b"</article>", b"<script>alert('from the page')</script></article>"))
    assert main(["source", "add", str(page), "--id", "coastal-page", "--path", str(root)]) == 0
    assert main(["source", "add", str(PDF), "--id", "coastal-pdf", "--published", "2024-11-03",
                 "--path", str(root)]) == 0
    briefing = {"title": "Coastal patrol", "date": "2024-11-04", "status": "published", "marking": "TLP:CLEAR",
                "authors": ["K. Analyst"], "summary": "The patrol agreement.",
                "key_judgments": [{"judgment": "The patrol starts next month.", "likelihood": "likely",
                                   "confidence": "moderate", "cites": [
                                       {"source": "coastal-page", "quote": "would enter into force next month"},
                                       {"source": "coastal-pdf", "quote": "Opposition members questioned",
                                        "page": "1"}]}]}
    (root / "briefings" / "coastal-patrol.yaml").write_text(yaml.safe_dump(briefing), encoding="utf-8")
    capsys.readouterr()
    return root


def test_only_pdf_originals_are_published(archived):
    repo = load_repository(archived)
    assert originals.published(repo.sources.values(), archived) == [
        ("sources/coastal-pdf.pdf", archived / "sources" / "coastal-pdf.pdf")]


def test_the_site_links_the_pdf_and_never_serves_the_page(archived, capsys):
    assert main(["build", str(archived)]) == 0
    site = archived / "site"
    assert (site / "sources" / "coastal-pdf.pdf").read_bytes() == PDF.read_bytes()
    pdf_page = (site / "sources" / "coastal-pdf" / "index.html").read_text(encoding="utf-8")
    digest = hashlib.sha256(PDF.read_bytes()).hexdigest()
    assert ('<dt>Captured as</dt><dd><a class="brf-original-file" href="../../sources/coastal-pdf.pdf" '
            f'type="application/pdf">coastal-pdf.pdf</a>, the PDF the text was made from · sha256 <code '
            f'class="brf-digest">{digest}</code></dd><dt>Text extracted with</dt><dd>pypdfium2 ') in pdf_page
    html_page = (site / "sources" / "coastal-page" / "index.html").read_text(encoding="utf-8")
    assert ("<dt>Captured as</dt><dd><code>sources/coastal-page.html</code>, the page as it was saved: kept in "
            "the repository and never served by this site") in html_page
    served = [p for p in site.rglob("*") if p.is_file() and p.read_bytes() == (archived / "sources" /
                                                                                 "coastal-page.html").read_bytes()]
    assert served == []
    assert "alert('from the page')" not in "".join(p.read_text(encoding="utf-8", errors="replace")
                                                   for p in site.rglob("*.html"))


def test_a_public_build_leaves_out_the_pdf_of_a_restricted_source(archived, capsys):
    meta = archived / "sources" / "coastal-pdf.yaml"
    meta.write_text(meta.read_text(encoding="utf-8").replace("marking: TLP:CLEAR", "marking: TLP:AMBER"),
                    encoding="utf-8")
    brief = archived / "briefings" / "coastal-patrol.yaml"
    brief.write_text(brief.read_text(encoding="utf-8").replace("marking: TLP:CLEAR", "marking: TLP:AMBER"),
                     encoding="utf-8")
    assert main(["build", str(archived), "--max-marking", "TLP:GREEN"]) == 0
    assert not (archived / "site" / "sources" / "coastal-pdf.pdf").exists()
    assert not list((archived / "site").rglob("*.pdf"))
