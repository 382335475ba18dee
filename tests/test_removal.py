"""What a build replaces is removed beside the build, which waits for it before it ends."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from build_scripts.cache import FOLDER
from build_scripts.removal import TRASH, Removals
from conftest import run


def tree(root: Path, name: str) -> Path:
    folder = root / name
    (folder / "deep" / "er").mkdir(parents=True)
    (folder / "deep" / "er" / "page.html").write_text("x", encoding="utf-8")
    return folder


def test_a_clean_build_leaves_nothing_of_what_it_replaced(example, capsys):
    root = example.root
    assert run(capsys, "build", str(root), "-q")[0] == 0
    assert run(capsys, "build", str(root), "-q", "--clean")[0] == 0
    cache_sites = list((root / FOLDER).glob("*/site"))
    assert len(cache_sites) == 1  # the cache holds this build's site, as hard links
    assert (cache_sites[0] / "index.html").stat().st_ino == (root / "site" / "index.html").stat().st_ino
    assert not (root / FOLDER / TRASH).exists() or not list((root / FOLDER / TRASH).iterdir())
    assert not list(root.glob(".site.old-*")) and not list((root / "site").glob(".pagefind*"))
    assert run(capsys, "build", str(root), "-q")[0] == 0  # (and the next build starts from it)


def test_a_folder_moved_out_of_the_way_is_gone_at_once_and_removed_by_the_time_it_is_waited_for(tmp_path):
    cache = tmp_path / FOLDER
    cache.mkdir()
    folder = tree(tmp_path, "site-copy")
    with Removals(cache) as removals:
        removals.remove(folder, move=True)
        assert not folder.exists()
        removals.remove(tmp_path / "missing")  # (nothing there: nothing happens)
    assert list((cache / TRASH).iterdir()) == []


def test_what_a_stopped_build_left_in_the_trash_is_removed_by_the_next_build(example, capsys):
    root = example.root
    (root / FOLDER).mkdir()
    tree(root / FOLDER / TRASH, "site-123-456")
    assert run(capsys, "build", str(root), "-q")[0] == 0
    assert list((root / FOLDER / TRASH).iterdir()) == []


def test_a_trash_that_is_a_link_is_neither_followed_nor_emptied(tmp_path):
    cache = tmp_path / FOLDER
    cache.mkdir()
    elsewhere = tmp_path / "elsewhere"
    tree(elsewhere, "keep")
    (cache / TRASH).symlink_to(elsewhere, target_is_directory=True)
    folder = tree(tmp_path, "old-site")
    with Removals(cache) as removals:
        removals.remove(folder, move=True)  # removed where it is
        removals.leftovers()
    assert not folder.exists()
    assert sorted(os.listdir(elsewhere)) == ["keep"]


def test_the_trash_of_a_cache_git_tracks_is_left_alone(example, capsys):
    root = example.root
    kept = tree(root / FOLDER / TRASH, "someones")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "add", "-f", f"{FOLDER}/{TRASH}"], check=True)
    assert run(capsys, "build", str(root), "-q")[0] == 0
    assert (kept / "deep" / "er" / "page.html").is_file()
