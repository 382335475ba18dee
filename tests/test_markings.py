"""Markings: a public build (--max-marking) leaves no trace of restricted material anywhere."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import pytest

from build_scripts.cli import main

SECRET = "zqxwvamberword"  # planted in every field of the restricted records

RESTRICTED_TEXT = f"The {SECRET} channel moved shells from Rason in October.\nA second line.\n"

RESTRICTED_BRIEFING = f"""\
title: Shipments through the {SECRET} channel
date: 2024-11-06
status: published
marking: TLP:AMBER
authors: [R. Analyst]
tags: [{SECRET}tag, korea]
summary: The {SECRET} channel matters.
key_actors:
  - id: {SECRET}-actor
    name: Actor {SECRET}
    role: Broker {SECRET}
  - id: josep-borrell
    name: Josep Borrell
positions:
  - actor: {SECRET}-actor
    on: {SECRET} shipments
    stance: Denies the {SECRET} channel.
    cites:
      - source: {SECRET}-source
        quote: channel moved shells from Rason
  - actor: josep-borrell
    on: troops
    stance: Condemns the deployment ({SECRET}).
    cites:
      - source: yonhap-2024-11-03-borrell-seoul
        quote: Borrell strongly condemned North Korea's deployment of troops to Russia
open_questions:
  - id: {SECRET}-question
    question: Will the {SECRET} channel close?
    likelihood: unlikely
    cites:
      - source: {SECRET}-source
        lines: "2"
  - id: rok-lethal-aid-to-ukraine
    question: Will South Korea supply weapons to Ukraine?
    likelihood: likely
    change:
      from: roughly even chance
      reason: The {SECRET} view moved it.
    assessment: The {SECRET} view.
timeline:
  - date: 2024-10-15
    event: The {SECRET} channel opens.
    cites:
      - source: {SECRET}-source
        quote: "{SECRET} channel"
"""


def plant(root: Path) -> None:
    (root / "sources" / f"{SECRET}-source.txt").write_text(RESTRICTED_TEXT, encoding="utf-8")
    digest = hashlib.sha256(RESTRICTED_TEXT.encode()).hexdigest()
    (root / "sources" / f"{SECRET}-source.yaml").write_text(
        f"title: Report on the {SECRET} channel\npublished: 2024-11-05\npublisher: {SECRET} desk\n"
        f"marking: TLP:AMBER\nsha256: {digest}\n", encoding="utf-8")
    (root / "briefings" / f"{SECRET}-briefing.yaml").write_text(RESTRICTED_BRIEFING, encoding="utf-8")


def traces(site: Path) -> list[str]:
    """Every file of the site whose path or content (gzip opened) mentions the secret."""
    found = []
    for path in site.rglob("*"):
        if SECRET in path.relative_to(site).as_posix().lower():
            found.append(path.relative_to(site).as_posix())
        elif path.is_file():
            data = path.read_bytes()
            if data[:2] == b"\x1f\x8b":  # gzip: sitemap.xml.gz and Pagefind's index chunks
                data = gzip.decompress(data)
            if SECRET.encode() in data.lower():
                found.append(path.relative_to(site).as_posix())
    return found


@pytest.fixture
def restricted(example):
    plant(example.root)
    return example


def test_the_restricted_records_check_clean(restricted, capsys):
    assert main(["check", str(restricted.root)]) == 0


def test_a_full_build_contains_the_restricted_material(restricted, capsys):
    """The control: the word does reach an internal build, so the next test can fail."""
    assert main(["build", str(restricted.root)]) == 0
    site = restricted.root / "site"
    found = traces(site)
    assert any(path.startswith("pagefind/fragment/") for path in found)  # the search index
    assert any(path.startswith("pagefind/index/") for path in found)
    assert f"briefings/{SECRET}-briefing/index.html" in found
    # the public source the restricted briefing cites is marked as high as what it names
    html = (site / "sources" / "yonhap-2024-11-03-borrell-seoul" / "index.html").read_text(encoding="utf-8")
    assert "brf-banner--tlp-amber" in html


@pytest.mark.parametrize("ceiling", ["TLP:CLEAR", "TLP:GREEN"])
def test_a_public_build_leaves_no_trace_of_restricted_material(restricted, capsys, ceiling):
    assert main(["build", str(restricted.root), "--max-marking", ceiling]) == 0
    site = restricted.root / "site"
    assert traces(site) == []
    assert "up to " + ceiling in capsys.readouterr().out
    # what is public is still there, and no page is marked above the ceiling
    assert (site / "briefings" / "dprk-russia-alignment-2024-11" / "index.html").is_file()
    assert (site / "actors" / "josep-borrell" / "index.html").is_file()
    question = (site / "questions" / "rok-lethal-aid-to-ukraine" / "index.html").read_text(encoding="utf-8")
    assert "2024-11-06" not in question  # the restricted assessment is not in the history
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "brf-banner--tlp-amber" not in html and "brf-banner--tlp-red" not in html, page


def test_the_checker_refuses_a_briefing_that_would_leak(restricted, capsys):
    path = restricted.root / "briefings" / f"{SECRET}-briefing.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("marking: TLP:AMBER", "marking: TLP:CLEAR"),
                    encoding="utf-8")
    assert main(["build", str(restricted.root), "--max-marking", "TLP:CLEAR", "--format", "json"]) == 1
    out = capsys.readouterr().out
    assert '"code": "BRF' in out and "TLP:AMBER" in out
    assert not (restricted.root / "site").exists()
