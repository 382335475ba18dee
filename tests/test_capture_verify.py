"""``briefings source verify``: archived texts against what their extractor makes of the
originals now; and what ``briefings check`` holds the originals to."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from build_scripts.capture import webpage

from test_capture_html import ARTICLE

from conftest import run

PDF = Path(__file__).resolve().parent / "data" / "capture" / "two-columns.pdf"
TRAFILATURA = webpage.extractor()


@pytest.fixture
def team(tmp_path, capsys) -> Path:
    """A repository with a web page, a PDF and a text file archived."""
    root = tmp_path / "team"
    (root / "briefings").mkdir(parents=True)
    (root / "sources").mkdir()
    page = tmp_path / "statement.html"
    page.write_bytes(ARTICLE)
    text = tmp_path / "memo.txt"
    text.write_text("A memo.\n", encoding="utf-8")
    for args in ([str(page), "--id", "coastal"], [str(PDF), "--id", "patrol"],
                 [str(text), "--id", "memo", "--title", "Memo", "--published", "2024-11-03"]):
        assert run(capsys, "source", "add", *args, "--path", str(root))[0] == 0
    return root


def test_every_archived_text_is_what_its_original_gives(team, capsys):
    pdfium = next(line for line in (team / "sources" / "patrol.yaml").read_text().splitlines()
                  if line.startswith("extracted_with: ")).removeprefix("extracted_with: ")
    assert run(capsys, "source", "verify", "--path", str(team)) == (0, (
        f"ok: coastal: the archived text is what {TRAFILATURA} makes of sources/coastal.html\n"
        "skipped: memo: archived from a text file; no original to verify\n"
        f"ok: patrol: the archived text is what {pdfium} makes of sources/patrol.pdf\n"
        "2 sources verified: 2 match; 1 without an original\n"), "")
    assert run(capsys, "source", "verify", "patrol", "--path", str(team)) == (0, (
        f"ok: patrol: the archived text is what {pdfium} makes of sources/patrol.pdf\n"
        "1 source verified: 1 match\n"), "")


def test_an_edited_text_is_a_mismatch(team, capsys):
    path = team / "sources" / "coastal.txt"
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[2] = lines[2].replace("next month", "next year")
    path.write_text("\n".join(lines), encoding="utf-8")
    assert run(capsys, "source", "verify", "coastal", "--path", str(team)) == (1, (
        f"MISMATCH: coastal: sources/coastal.txt differs from what {TRAFILATURA} makes of sources/coastal.html "
        "now, from line 3 on\n"
        "1 source verified: 0 match, 1 does not\n"), "")


def test_another_extractor_version_is_named(team, capsys):
    path = team / "sources" / "coastal.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(f"extracted_with: {TRAFILATURA}",
                                                             "extracted_with: trafilatura 1.0.0"), encoding="utf-8")
    assert run(capsys, "source", "verify", "coastal", "--path", str(team)) == (0, (
        f"warning: coastal: extracted with trafilatura 1.0.0, verified with {TRAFILATURA}; a difference may "
        "come from the new version\n"
        f"ok: coastal: the archived text is what {TRAFILATURA} makes of sources/coastal.html\n"
        "1 source verified: 1 match\n"), "")


def test_a_replaced_original_fails(team, capsys):
    (team / "sources" / "coastal.html").write_bytes(ARTICLE.replace(b"next month", b"next year"))
    assert run(capsys, "source", "verify", "--path", str(team))[0:2] == (1, (
        "FAILED: coastal: sources/coastal.html is not the original that was archived (its sha256 differs from "
        "original_sha256)\n"
        "skipped: memo: archived from a text file; no original to verify\n"
        f"ok: patrol: the archived text is what {_pdfium(team)} makes of sources/patrol.pdf\n"
        "2 sources verified: 1 match, 1 does not; 1 without an original\n"))


def _pdfium(team: Path) -> str:
    meta = (team / "sources" / "patrol.yaml").read_text(encoding="utf-8")
    return meta.split("extracted_with: ")[1].strip()


def test_unknown_ids_are_a_usage_error(team, capsys):
    assert run(capsys, "source", "verify", "coastl", "--path", str(team)) == (
        2, "", "briefings: unknown source 'coastl'; did you mean 'coastal'?\n")
    assert run(capsys, "source", "verify", "--path", str(team / "nowhere")) == (
        2, "", f"briefings: {team / 'nowhere'} is not a folder\n")


# briefings check and the originals

def test_check_holds_originals_to_their_digest_and_name(team, capsys):
    assert run(capsys, "check", str(team), "--format", "text")[0] == 0
    (team / "sources" / "patrol.pdf").write_bytes(PDF.read_bytes() + b"\n% appended\n")
    (team / "sources" / "stray.html").write_bytes(ARTICLE)
    meta = team / "sources" / "coastal.yaml"
    meta.write_text("\n".join(line for line in meta.read_text().splitlines()
                              if not line.startswith("original_sha256")) + "\n", encoding="utf-8")
    code, out, _ = run(capsys, "check", str(team), "--format", "text")
    digest = hashlib.sha256(PDF.read_bytes() + b"\n% appended\n").hexdigest()
    assert code == 1
    assert [line for line in out.splitlines() if ": error " in line] == [
        "sources/coastal.yaml:9:11: error BRF210: original needs its original_sha256",
        f"sources/patrol.yaml:7:18: error BRF211: sources/patrol.pdf has sha256 {digest}, not the recorded "
        f"{PDF_DIGEST}",
        "sources/stray.html:1:1: error BRF205: sources/stray.html is not the original of any source",
    ]


PDF_DIGEST = hashlib.sha256(PDF.read_bytes()).hexdigest()


def test_check_refuses_an_original_of_another_name_or_missing(team, capsys):
    meta = team / "sources" / "coastal.yaml"
    text = meta.read_text(encoding="utf-8")
    meta.write_text(text.replace("original: coastal.html", "original: other.html"), encoding="utf-8")
    (team / "sources" / "patrol.pdf").unlink()
    code, out, _ = run(capsys, "check", str(team), "--format", "text")
    assert code == 1
    assert [line for line in out.splitlines() if ": error " in line] == [
        "sources/coastal.html:1:1: error BRF205: sources/coastal.html is not the original of any source",
        "sources/coastal.yaml:9:11: error BRF210: original must be coastal.html or coastal.pdf (the source's own "
        "id), not other.html",
        "sources/patrol.yaml:6:11: error BRF210: sources/patrol.pdf does not exist",
    ]
