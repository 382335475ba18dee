"""The records cache: unchanged files are not parsed again, and nothing stale is ever checked.

Every file is read and hashed on every load; a record is taken from the pack only when its
files' bytes are those it was loaded from. The verdict is always the one a load without the
cache gives (the checks themselves always run on every record; a quote is not searched for
again in a text the previous check searched it in).
"""

from __future__ import annotations

import os
import subprocess

from build_scripts import checks, records
from build_scripts.checks import check_repository
from build_scripts.pipeline import load_and_check
from build_scripts.repo import load_repository

from conftest import run

DPRK = "briefings/dprk-russia-alignment-2024-11.yaml"
QUOTE = "potential supply of weaponry to Ukraine"
NOT_FOUND = "BRF302"


def verdict(root):
    """(file, line, column, code, message, hint) of each diagnostic, loaded without the cache."""
    return [(d.file, d.line, d.column, d.code, d.message, d.hint)
            for d in check_repository(load_repository(root)).diagnostics]


def cached_verdict(root):
    return [(d.file, d.line, d.column, d.code, d.message, d.hint) for d in load_and_check(root)[1].diagnostics]


def loaded_anew(root) -> set[str]:
    """The records the next load parses again (the others come from the pack)."""
    stored = records.Stored(root)
    try:
        load_repository(root, stored)
    finally:
        stored.close()
    return stored.changed


def test_a_second_load_parses_only_what_changed(example):
    root = example.root
    assert cached_verdict(root) == verdict(root)
    assert (root / ".briefings-cache" / records.PACK).is_file()
    assert loaded_anew(root) == set()
    path = root / DPRK
    path.write_text(path.read_text(encoding="utf-8").replace("summary: |\n", "summary: |\n  Edited.\n", 1),
                    encoding="utf-8")
    assert loaded_anew(root) == {DPRK}


def test_a_pack_of_many_new_records_is_written_beside_the_check_and_read_by_the_next_load(example, monkeypatch):
    monkeypatch.setattr(records, "WRITE_BESIDE_FROM", 1)
    writers = []
    beside = records.Stored._write_beside

    def spied(self):
        started = beside(self)
        writers.append(self.writer if started else None)
        return started

    monkeypatch.setattr(records.Stored, "_write_beside", spied)
    root = example.root
    assert cached_verdict(root) == verdict(root)
    assert len(writers) == 1 and writers[0] not in (None, 0, os.getpid())  # (a forked copy wrote it)
    assert not list((root / ".briefings-cache").glob("*.tmp"))
    assert loaded_anew(root) == set()  # its pack holds every record


def test_a_pack_is_written_here_when_this_process_holds_too_much_to_copy(example, monkeypatch):
    monkeypatch.setattr(records, "WRITE_BESIDE_FROM", 1)
    monkeypatch.setattr(records, "WRITE_BESIDE_MEMORY", 1)
    root = example.root
    assert cached_verdict(root) == verdict(root)
    assert loaded_anew(root) == set()


def test_a_file_changed_with_its_old_size_and_time_is_loaded_anew(example):
    """A copy that keeps the file's size and modification time (cp -p, an editor's
    backup) is still seen: files are trusted by their bytes, never by their time."""
    root = example.root
    cached_verdict(root)
    path = root / DPRK
    before = path.stat()
    text = path.read_text(encoding="utf-8")
    assert QUOTE in text
    path.write_text(text.replace(QUOTE, QUOTE.replace("weaponry", "weapondry")[:len(QUOTE)], 1), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size and path.stat().st_mtime_ns == before.st_mtime_ns
    found = cached_verdict(root)
    assert found == verdict(root)
    assert [(file, code) for file, _, _, code, _, _ in found if code == "BRF302"] == [(DPRK, "BRF302")]


def test_the_diagnostics_of_loading_are_kept_with_the_record(example, capsys):
    root = example.root
    path = root / DPRK
    path.write_text(path.read_text(encoding="utf-8").replace("summary: |", "sumary: |", 1), encoding="utf-8")
    first = run(capsys, "check", str(root))
    assert first[0] == 1 and "BRF1" in first[1]
    assert loaded_anew(root) == set()
    assert run(capsys, "check", str(root)) == first


def test_a_pack_that_is_damaged_or_not_this_builds_is_not_read(example, monkeypatch):
    root = example.root
    cached_verdict(root)
    pack = root / ".briefings-cache" / records.PACK
    whole = pack.read_bytes()
    every = {DPRK, "briefings/eu-rok-security-dialogue-2024-11.yaml",
             "sources/yonhap-2024-11-03-borrell-seoul", "sources/borrell-alarm-dprk-russia-2024-11-04"}
    for damaged in (b"garbage", whole.replace(records.MAGIC, b"BRFREC9\n", 1), whole[:40], whole[:-100],
                    whole[:8] + (2**64 - 1).to_bytes(8, "little") + whole[16:]):
        pack.write_bytes(damaged)
        assert loaded_anew(root) == every
        assert cached_verdict(root) == verdict(root)  # (and the pack is written anew)
    at = whole.index(b"Borrell")  # inside the first record kept (sorted by key: DPRK's briefing)
    pack.write_bytes(whole[:at] + b"X" + whole[at + 1:])
    assert loaded_anew(root) == {DPRK}  # its seal no longer matches: that one is parsed again
    pack.write_bytes(whole)
    pack.chmod(0o666)  # another user could have written it
    assert loaded_anew(root) == every
    pack.chmod(0o600)
    assert loaded_anew(root) == set()
    monkeypatch.setattr(records, "code_key", lambda: "another version of the tool")
    assert loaded_anew(root) == every


def test_a_pack_another_user_sealed_is_never_read(example, monkeypatch, tmp_path):
    """The pack holds pickles: one this user's key did not seal (brought by a checkout, a
    copy, a case-insensitive file system) is never loaded."""
    from build_scripts import sealed

    root = example.root
    cached_verdict(root)
    assert loaded_anew(root) == set()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "another-user"))
    sealed._key.cache_clear()
    try:
        assert len(loaded_anew(root)) == 4
        assert (tmp_path / "another-user" / "briefings-as-code" / "cache-key").stat().st_mode & 0o777 == 0o600
    finally:
        monkeypatch.undo()
        sealed._key.cache_clear()


def test_a_pack_committed_to_git_is_never_read(example):
    root = example.root
    cached_verdict(root)
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-f", ".briefings-cache", "briefings", "sources"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "with a pack"], check=True)
    assert len(loaded_anew(root)) == 4


def test_a_clean_build_reads_no_pack(example, capsys, monkeypatch):
    root = example.root
    assert run(capsys, "build", str(root), "-q")[0] == 0

    stored = records.Stored.stored

    def refuse(self, key, digest):
        assert stored(self, key, digest) is None, "a clean build took a record from the records cache"

    monkeypatch.setattr(records.Stored, "stored", refuse)
    assert run(capsys, "build", str(root), "-q", "--clean")[0] == 0


def test_an_original_renamed_or_changed_anywhere_is_checked_anew(repo):
    """A source's record covers its original too: renamed (same bytes, the name it
    must have) or changed past its first 20 MiB, it is loaded, and checked, anew."""
    import hashlib

    from conftest import SOURCE_A, source_meta

    def codes():
        found = cached_verdict(repo.root)
        assert found == verdict(repo.root)
        return [code for file, _, _, code, _, _ in found if file == "sources/src-a.yaml"]

    body = b"<html><body>captured</body></html>"
    repo.write("sources/src-a.html", body)
    repo.write("sources/src-a.yaml", source_meta(SOURCE_A, original="src-a.pdf",
                                                 original_sha256=hashlib.sha256(body).hexdigest()))
    assert codes() == ["BRF210"]  # sources/src-a.pdf does not exist
    (repo.root / "sources" / "src-a.html").rename(repo.root / "sources" / "src-a.pdf")
    assert codes() == []
    big = b"%PDF-1.4\n" + b"0" * (21 * 1024 * 1024)
    repo.write("sources/src-a.pdf", big)
    repo.write("sources/src-a.yaml", source_meta(SOURCE_A, original="src-a.pdf",
                                                 original_sha256=hashlib.sha256(big).hexdigest()))
    assert codes() == []
    repo.write("sources/src-a.pdf", big[:-1] + b"1")  # an update appended past 20 MiB
    assert codes() == ["BRF211"]


def searched_texts(monkeypatch) -> list[str]:
    """The sources whose whole text a check searches quotes in from now on."""
    searched: list[str] = []
    norm = checks._State.norm
    monkeypatch.setattr(checks._State, "norm", lambda state, source_id: searched.append(source_id) or norm(state, source_id))
    return searched


def test_a_quote_is_not_searched_for_again_in_the_text_it_was_found_in(example, monkeypatch):
    root = example.root
    assert cached_verdict(root) == verdict(root)
    assert (root / ".briefings-cache" / records.VERDICTS).is_file()
    searched = searched_texts(monkeypatch)
    assert cached_verdict(root) == []
    assert searched == []
    # A source text changed: its quotes are searched for in it again, and one no longer found is an error.
    text = root / "sources" / "borrell-alarm-dprk-russia-2024-11-04.txt"
    text.write_text(text.read_text(encoding="utf-8").replace(QUOTE, "potential supply of arms to Ukraine"),
                    encoding="utf-8")
    found = cached_verdict(root)
    assert searched[0] == "borrell-alarm-dprk-russia-2024-11-04"  # (then the other source, for a did-you-mean)
    assert found == verdict(root)
    assert {(f, code) for f, _, _, code, _, _ in found if code == NOT_FOUND} == {
        (DPRK, NOT_FOUND), ("briefings/eu-rok-security-dialogue-2024-11.yaml", NOT_FOUND)}


def test_verdicts_of_another_version_or_user_are_not_read(example, monkeypatch):
    root = example.root
    cached_verdict(root)
    kept = root / ".briefings-cache" / records.VERDICTS
    kept.write_bytes(kept.read_bytes()[:-1] + b"x")  # (its seal no longer holds)
    searched = searched_texts(monkeypatch)
    assert cached_verdict(root) == verdict(root)
    assert searched
