"""What a build replaced goes to the cache's trash, which the next build empties while it runs."""

from __future__ import annotations

import os
from pathlib import Path

from build_scripts.cache import FOLDER, TRASH, discard, emptying_trash
from conftest import run


def trash_of(root: Path) -> list[str]:
    trash = root / FOLDER / TRASH
    return sorted(entry.name for entry in trash.iterdir()) if trash.is_dir() else []


def test_a_clean_build_leaves_what_it_replaced_in_the_trash_and_the_next_build_removes_it(example, capsys):
    root = example.root
    assert run(capsys, "build", str(root), "-q")[0] == 0
    kinds = lambda names: sorted(name.split("-")[0] for name in names)  # noqa: E731
    assert kinds(trash_of(root)) == [".pagefind"]  # what Pagefind read (nothing replaced yet)
    first = (root / "site" / "index.html").stat().st_ino
    assert run(capsys, "build", str(root), "-q", "--clean")[0] == 0
    replaced = trash_of(root)
    # the site swapped out, and the cache's copy of it (a clean build links its own), and
    # what Pagefind read of this build's pages
    assert kinds(replaced) == [".pagefind", ".site.old", "site"], replaced
    assert any((root / FOLDER / TRASH / name / "index.html").stat().st_ino == first for name in replaced
               if not name.startswith(".pagefind"))
    assert run(capsys, "build", str(root), "-q", "--clean")[0] == 0
    again = trash_of(root)
    assert kinds(again) == [".pagefind", ".site.old", "site"] and not set(again) & set(replaced)  # the earlier ones are gone
    assert not list(root.glob(".site.old-*")) and not list((root / "site").glob(".pagefind*"))


def test_a_trash_that_is_a_link_is_neither_followed_nor_emptied(tmp_path):
    cache = tmp_path / FOLDER
    cache.mkdir()
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "keep").mkdir(parents=True)
    (cache / TRASH).symlink_to(elsewhere, target_is_directory=True)
    old = tmp_path / "old-site"
    (old / "page").mkdir(parents=True)
    discard(cache, old)
    assert not old.exists()  # removed where it is
    assert sorted(os.listdir(elsewhere)) == ["keep"]
    with emptying_trash(tmp_path):
        pass
    assert sorted(os.listdir(elsewhere)) == ["keep"]


def test_the_trash_is_emptied_by_the_time_the_build_ends(tmp_path):
    cache = tmp_path / FOLDER
    cache.mkdir()
    for name in ("a", "b"):
        folder = tmp_path / name
        (folder / "deep" / "er").mkdir(parents=True)
        (folder / "deep" / "er" / "page.html").write_text("x", encoding="utf-8")
        discard(cache, folder)
    assert len(trash_of(tmp_path)) == 2
    with emptying_trash(tmp_path):
        discard(cache, tmp_path / "missing")  # (nothing to discard: nothing happens)
    assert trash_of(tmp_path) == []
