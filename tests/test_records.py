"""The records cache: unchanged files are not parsed again, and nothing stale is ever checked.

Every file is read and hashed on every load; a record is taken from the pack only when its
files' bytes are those it was loaded from. The verdict is always the one a load without the
cache gives (the checks themselves always run on every record).
"""

from __future__ import annotations

import os
import subprocess

from build_scripts import records
from build_scripts.checks import check_repository
from build_scripts.pipeline import load_and_check
from build_scripts.repo import load_repository

from conftest import run

DPRK = "briefings/dprk-russia-alignment-2024-11.yaml"
QUOTE = "potential supply of weaponry to Ukraine"


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
    for damaged in (b"garbage", whole.replace(b"BRFREC1", b"BRFREC9", 1), whole[:40]):
        pack.write_bytes(damaged)
        assert loaded_anew(root) == every
        assert cached_verdict(root) == verdict(root)  # (and the pack is written anew)
    pack.write_bytes(whole[: len(whole) - 100])  # the last record cut short: that one is parsed again
    assert loaded_anew(root) == {max(every)}  # (the records are kept in key order)
    assert cached_verdict(root) == verdict(root)
    pack.chmod(0o666)  # another user could have written it
    assert len(loaded_anew(root)) == 4
    pack.chmod(0o600)
    assert loaded_anew(root) == set()
    monkeypatch.setattr(records, "code_key", lambda: "another version of the tool")
    assert len(loaded_anew(root)) == 4


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
