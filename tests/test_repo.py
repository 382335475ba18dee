"""Reading the repository: pairing, ids, digests, encodings, links and stray files."""

from __future__ import annotations

import os

from conftest import SOURCE_A, SOURCE_B, source_meta


def test_text_without_metadata(repo):
    repo.write("sources/lonely.txt", "Some text.\n")
    assert repo.found() == [("sources/lonely.txt", 1, 1, "BRF201")]


def test_metadata_without_text(repo):
    repo.write("sources/lonely.yaml", "title: T\npublished: 2024-11-03\n")
    assert repo.found() == [("sources/lonely.yaml", 1, 1, "BRF202")]


def test_sha256_mismatch_points_at_the_digest(repo):
    repo.write("sources/src-a.txt", SOURCE_A.replace("Line one", "Line 1"))
    assert repo.found() == [("sources/src-a.yaml", 3, 9, "BRF203")]


def test_sha256_is_optional(repo):
    repo.write("sources/src-a.yaml", "title: A source\npublished: 2024-11-03\n")
    assert repo.found() == []


def test_empty_source_text(repo):
    repo.write("sources/src-b.txt", "")
    repo.write("sources/src-b.yaml", "title: T\npublished: 2024-11-03\n")
    assert repo.found() == [("sources/src-b.txt", 1, 1, "BRF204")]


def test_source_text_not_utf8(repo):
    repo.write("sources/src-b.txt", b"Caf\xe9 talk.\nsecond\n")
    repo.write("sources/src-b.yaml", "title: T\npublished: 2024-11-03\n")
    assert repo.found() == [("sources/src-b.txt", 1, 4, "BRF003")]


def test_source_with_bom_and_crlf_still_matches_quotes_and_lines(repo):
    text = "\ufeffLine one.\r\nNorth Korean troops\r\n  may soon join combat.\r\n"
    repo.write("sources/src-b.txt", text.encode("utf-8"))
    repo.write("sources/src-b.yaml", "title: T\npublished: 2024-11-03\n")
    repo.write("briefings/b.yaml", repo.root.joinpath("briefings/b.yaml").read_text().replace(
        'lines: "2"', 'lines: "2-3"\n        quote: troops may soon join'))
    assert repo.found() == []


def test_unexpected_files(repo):
    repo.write("briefings/notes.md", "# notes\n")
    repo.write("briefings/other.yml", "title: x\n")
    repo.write("sources/scan.pdf", b"%PDF")
    repo.write("briefings/.gitkeep", "")
    (repo.root / "briefings" / "drafts").mkdir()
    found = repo.found()
    assert found == [
        ("briefings/drafts", 1, 1, "BRF205"),
        ("briefings/notes.md", 1, 1, "BRF205"),
        ("briefings/other.yml", 1, 1, "BRF205"),
        ("sources/scan.pdf", 1, 1, "BRF205"),
    ]
    hints = {d.file: d.hint for d in repo.check().diagnostics}
    assert hints["briefings/other.yml"] == "rename it to other.yaml"


def test_symlink_outside_the_repository_is_refused(repo, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0\n")
    os.symlink(secret, repo.root / "sources" / "leak.txt")
    repo.write("sources/leak.yaml", "title: T\npublished: 2024-11-03\n")
    assert repo.found() == [("sources/leak.txt", 1, 1, "BRF206"), ("sources/leak.yaml", 1, 1, "BRF202")]


def test_a_records_folder_linked_outside_the_repository_is_refused(repo, tmp_path):
    outside = tmp_path / "elsewhere"
    (repo.root / "briefings").rename(outside)
    os.symlink(outside, repo.root / "briefings")
    result = repo.check()
    assert [(d.file, d.line, d.column, d.code) for d in result.diagnostics if d.code == "BRF206"] == [
        ("briefings", 1, 1, "BRF206")]
    assert result.briefings == 0  # (nothing read through it)
    inside = repo.root / "kept"
    os.unlink(repo.root / "briefings")
    outside.rename(inside)
    os.symlink(inside, repo.root / "briefings")  # a link within the repository is fine
    assert repo.found() == []


def test_symlink_inside_the_repository_is_allowed(repo):
    os.symlink(repo.root / "briefings" / "b.yaml", repo.root / "briefings" / "b-copy.yaml")
    assert repo.found() == []


def test_file_names_must_be_ids(repo):
    repo.write("briefings/EU_Visit.yaml", "title: x\n")
    repo.write("sources/Bad Name.txt", "text\n")
    (d1, d2) = repo.check().diagnostics
    assert (d1.file, d1.code, d1.hint) == ("briefings/EU_Visit.yaml", "BRF207", "rename it to 'eu-visit' plus its extension")
    assert (d2.file, d2.code) == ("sources/Bad Name.txt", "BRF207")


def test_ids_that_try_to_escape_are_refused(repo):
    repo.write("briefings/b.yaml", repo.root.joinpath("briefings/b.yaml").read_text().replace(
        "source: src-a", "source: ../src-a"))
    assert repo.found() == [("briefings/b.yaml", 17, 17, "BRF106"), ("sources/src-a.yaml", 1, 1, "BRF307")]


def test_source_metadata_errors_do_not_cascade_into_unknown_source(repo):
    repo.write("sources/src-a.yaml", source_meta(SOURCE_A).replace("published: 2024-11-03", "published: soon"))
    assert repo.found() == [("sources/src-a.yaml", 2, 12, "BRF105")]


def test_briefings_that_is_a_file_is_an_error(repo):
    (repo.root / "briefings" / "b.yaml").unlink()
    (repo.root / "briefings").rmdir()
    repo.write("briefings", "title: x\n")
    found = repo.found()
    assert found[0] == ("briefings", 1, 1, "BRF209")
    (d,) = [d for d in repo.check().diagnostics if d.code == "BRF209"]
    assert d.message == "briefings is a file, not a folder"
    assert d.hint == "rename the file, then create the folder briefings/ and put one <id>.yaml per briefing in it"


def test_sources_that_is_a_link_to_nothing_is_an_error(repo, tmp_path):
    for name in ("src-a.txt", "src-a.yaml", "src-b.txt", "src-b.yaml"):
        (repo.root / "sources" / name).unlink()
    (repo.root / "sources").rmdir()
    os.symlink(tmp_path / "gone", repo.root / "sources")
    assert ("sources", 1, 1, "BRF209") in repo.found()
    (d,) = [d for d in repo.check().diagnostics if d.code == "BRF209"]
    assert d.message == "sources is a link to nothing, not a folder"


def test_a_file_instead_of_a_folder_fails_the_check_command(repo, capsys):
    import json

    from build_scripts.cli import main

    (repo.root / "briefings" / "b.yaml").unlink()
    (repo.root / "briefings").rmdir()
    repo.write("briefings", "title: x\n")
    assert main(["check", str(repo.root), "--format", "json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert {"severity": "error", "code": "BRF209", "file": "briefings", "line": 1, "column": 1,
            "message": "briefings is a file, not a folder",
            "hint": "rename the file, then create the folder briefings/ and put one <id>.yaml per briefing in it",
            } in out["diagnostics"]
    assert main(["check", str(repo.root)]) == 1
    assert "briefings:1:1: error BRF209: briefings is a file, not a folder" in capsys.readouterr().out


def test_bidi_controls_in_source_metadata_are_errors_but_ignored_in_texts(repo):
    text = SOURCE_A.replace("next level", "next \u202elevel\u202c")  # the quote's words
    repo.write("sources/src-a.txt", text)
    repo.write("sources/src-a.yaml", source_meta(text))
    repo.write("sources/src-b.yaml", source_meta(SOURCE_B, publisher="'Yonhap \u202eNews'"))
    assert repo.found() == [("sources/src-b.yaml", 4, 20, "BRF008")]
