"""The theme's chrome kept once per folder: the very site a build that renders it on every page writes."""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import SimpleNamespace

import pytest

from build_scripts.chrome import Chrome
from conftest import run


def tree(folder: Path) -> dict[str, str]:
    return {path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file()}


@pytest.mark.parametrize("options", [(), ("--offline",)], ids=["site", "offline site"])
def test_a_site_with_the_chrome_kept_is_the_site_with_it_rendered_on_every_page(example, capsys, monkeypatch,
                                                                                tmp_path, options):
    calls: list[str] = []
    real = Chrome.__call__

    def counted(self, name, page, caller):
        calls.append(name)
        return real(self, name, page, caller)

    monkeypatch.setattr(Chrome, "__call__", counted)
    code, out, err = run(capsys, "build", str(example.root), "--site-dir", str(tmp_path / "kept"), "-q", *options)
    assert code == 0, err
    assert {"header", "header.end", "tabs", "config", "nav", "styles", "libs", "analytics", "scripts",
            "footer"} <= set(calls)

    monkeypatch.setattr(Chrome, "__call__", lambda self, name, page, caller: caller())
    code, out, err = run(capsys, "build", str(example.root), "--site-dir", str(tmp_path / "each"), "-q", "--clean", *options)
    assert code == 0, err
    assert tree(tmp_path / "kept") == tree(tmp_path / "each")


def page(url):
    return SimpleNamespace(url=url)


def test_pages_of_one_folder_share_it_and_a_page_of_the_navigation_has_its_own():
    kept = Chrome(["", "briefings/", "guide/", "guide/checks/"])
    assert kept.key(page("briefings/a/")) == kept.key(page("briefings/b/")) == "briefings/"
    assert kept.key(page("actors/x/")) == "actors/"
    assert kept.key(page("briefings/")) is None  # in the navigation
    assert kept.key(page("guide/")) is None
    assert kept.key(page("about/")) == "/"
    assert Chrome(["guide/a/b/"]).key(page("guide/a/")) is None  # holds a page of the navigation
    assert kept.key(page("briefings/a.html")) == kept.key(page("briefings/b.html")) == "briefings/"
    assert kept.key(None) is None  # a theme's page of its own (404.html)
    made = []
    assert kept("nav", page("briefings/a/"), lambda: made.append(1) or "A") == "A"
    assert kept("nav", page("briefings/b/"), lambda: made.append(2) or "B") == "A"
    assert kept("nav", page("actors/x/"), lambda: made.append(3) or "C") == "C"
    assert kept(None, page("briefings/c/"), lambda: made.append(4) or "D") == "D"  # never kept
    assert made == [1, 3, 4]
