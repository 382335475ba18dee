"""The search index in parts: how pages are split, and what each part's bundle holds."""

from __future__ import annotations

import pytest

from build_scripts.search import SearchIndexError, index_site, indexed_pages, partition


def test_pages_are_split_in_order_into_parts_within_the_budget():
    pages = [("a", 40), ("b", 50), ("c", 20), ("d", 90), ("e", 5)]
    assert partition(pages, 100) == [["a", "b"], ["c"], ["d", "e"]]


def test_a_page_larger_than_the_budget_is_a_part_on_its_own():
    assert partition([("a", 10), ("huge", 500), ("b", 10)], 100) == [["a"], ["huge"], ["b"]]


def test_no_page_means_no_part():
    assert partition([], 100) == []


def test_one_part_when_everything_fits():
    assert partition([("a", 1), ("b", 2)], 100) == [["a", "b"]]


def _page(text: str, body: bool = True) -> str:
    marker = " data-pagefind-body" if body else ""
    return f"<html lang='en'><head><title>{text[:10]}</title></head><body><nav>menu</nav><main{marker}><h1>{text[:10]}</h1><p>{text}</p></main></body></html>"


def test_only_pages_marked_for_search_count_and_only_their_text(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "index.html").write_text(_page("alpha " * 10), encoding="utf-8")
    (tmp_path / "404.html").write_text(_page("not found", body=False), encoding="utf-8")
    (tmp_path / "pagefind").mkdir()
    (tmp_path / "pagefind" / "old.html").write_text(_page("stale"), encoding="utf-8")
    [(path, text)] = indexed_pages(tmp_path)
    assert path == "a/index.html"
    assert len("alpha " * 10) < text < len("alpha " * 10) + 40  # the text, none of the markup


def test_a_site_indexed_in_parts_keeps_one_script_and_lists_its_parts(tmp_path):
    for number in range(6):
        (tmp_path / f"page-{number}").mkdir()
        (tmp_path / f"page-{number}" / "index.html").write_text(_page(f"word{number} " * 50), encoding="utf-8")
    assert index_site(tmp_path, part_text=800) == 3
    bundle = tmp_path / "pagefind"
    assert (bundle / "pagefind-ui.js").is_file() and (bundle / "wasm.en.pagefind").is_file()
    assert (bundle / "parts.js").read_text(encoding="utf-8").endswith(
        'window.briefingsSearchParts = ["part-1/", "part-2/"];\n')
    for part in ("part-1", "part-2"):
        names = sorted(path.name for path in (bundle / part).iterdir())
        assert names[:3] == ["fragment", "index", "pagefind-entry.json"] and names[3].endswith(".pf_meta")
        assert len(names) == 4  # no second copy of the script, UI or WebAssembly
    assert not (tmp_path / ".pagefind-parts").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["pagefind"] + [f"page-{n}" for n in range(6)])


def test_a_small_site_is_one_plain_pagefind_bundle(tmp_path):
    (tmp_path / "index.html").write_text(_page("hello world"), encoding="utf-8")
    assert index_site(tmp_path) == 1
    assert (tmp_path / "pagefind" / "parts.js").read_text(encoding="utf-8").endswith(
        "window.briefingsSearchParts = [];\n")
    assert not list((tmp_path / "pagefind").glob("part-*"))


def test_without_the_marker_pagefind_indexes_whole_pages_in_one_run(tmp_path):
    (tmp_path / "index.html").write_text("<html lang='en'><body><p>unmarked words</p></body></html>", encoding="utf-8")
    assert index_site(tmp_path, part_text=1) == 1
    assert list((tmp_path / "pagefind" / "fragment").iterdir())


def test_a_failed_pagefind_run_is_an_error_not_a_traceback(tmp_path, monkeypatch):
    (tmp_path / "index.html").write_text(_page("hello world"), encoding="utf-8")
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", "/bin/false")
    with pytest.raises(SearchIndexError, match=r"^Pagefind could not index the site: exit code 1$"):
        index_site(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.html"]
