"""The search index in parts: how pages are split, and what each part's bundle holds."""

from __future__ import annotations

import hashlib
import shutil

import pytest

from build_scripts.search import IndexedPage, SearchIndexError, index_site, indexed_pages, partition


def pages(*sizes: int) -> list[IndexedPage]:
    return [IndexedPage(f"p{number:03}/index.html", size) for number, size in enumerate(sizes)]


def test_as_many_parts_as_the_text_needs_each_page_where_its_path_hashes():
    parts = partition(pages(*[10] * 100), 250)
    assert len(parts) == 4  # 1,000 characters, 250 a part
    assert sorted(page.path for part in parts for page in part) == sorted(page.path for page in pages(*[10] * 100))
    assert all(part == sorted(part, key=lambda page: page.path) for part in parts)
    assert all(15 <= len(part) <= 35 for part in parts)  # (a hash spreads them)


def test_a_new_page_leaves_the_other_parts_as_they_were():
    before = partition(pages(*[10] * 100), 300)
    after = partition(pages(*[10] * 100) + [IndexedPage("zz-new/index.html", 10)], 300)  # 4 parts still
    changed = [number for number, (old, new) in enumerate(zip(before, after)) if old != new]
    assert len(changed) == 1 and IndexedPage("zz-new/index.html", 10) in after[changed[0]]


def test_no_page_means_no_part():
    assert partition([], 100) == []


def test_one_part_when_everything_fits():
    assert partition(pages(1, 2), 100) == [pages(1, 2)]


def _page(text: str, body: bool = True) -> str:
    marker = " data-pagefind-body" if body else ""
    return f"<html lang='en'><head><title>{text[:10]}</title></head><body><nav>menu</nav><main{marker}><h1>{text[:10]}</h1><p>{text}</p></main></body></html>"


def test_only_pages_marked_for_search_count_and_only_their_text(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "index.html").write_text(_page("alpha " * 10), encoding="utf-8")
    (tmp_path / "404.html").write_text(_page("not found", body=False), encoding="utf-8")
    (tmp_path / "pagefind").mkdir()
    (tmp_path / "pagefind" / "old.html").write_text(_page("stale"), encoding="utf-8")
    [(path, text, _)] = [(page.path, page.text, page.digest) for page in indexed_pages(tmp_path)]
    assert path == "a/index.html"
    assert len("alpha " * 10) < text < len("alpha " * 10) + 40  # the text, none of the markup


def test_a_site_indexed_in_parts_keeps_one_script_and_lists_its_parts(tmp_path):
    for number in range(6):
        (tmp_path / f"page-{number}").mkdir()
        (tmp_path / f"page-{number}" / "index.html").write_text(_page(f"word{number} " * 50), encoding="utf-8")
    assert len(index_site(tmp_path, part_text=800)["parts"]) == 3
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
    assert len(index_site(tmp_path)["parts"]) == 1
    assert (tmp_path / "pagefind" / "parts.js").read_text(encoding="utf-8").endswith(
        "window.briefingsSearchParts = [];\n")
    assert not list((tmp_path / "pagefind").glob("part-*"))


def test_without_the_marker_pagefind_indexes_whole_pages_in_one_run(tmp_path):
    (tmp_path / "index.html").write_text("<html lang='en'><body><p>unmarked words</p></body></html>", encoding="utf-8")
    assert len(index_site(tmp_path, part_text=1)["parts"]) == 1
    assert list((tmp_path / "pagefind" / "fragment").iterdir())


def test_a_failed_pagefind_run_is_an_error_not_a_traceback(tmp_path, monkeypatch):
    (tmp_path / "index.html").write_text(_page("hello world"), encoding="utf-8")
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", "/bin/false")
    with pytest.raises(SearchIndexError, match=r"^Pagefind could not index the site: exit code 1$"):
        index_site(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.html"]


def test_an_unchanged_part_is_kept_and_the_others_indexed_anew(tmp_path):
    for number in range(6):
        (tmp_path / f"page-{number}").mkdir()
        (tmp_path / f"page-{number}" / "index.html").write_text(_page(f"word{number} " * 50), encoding="utf-8")
    keys = index_site(tmp_path, part_text=800)
    bundle = tmp_path / "pagefind"
    before = {path: path.stat().st_ino for path in bundle.rglob("*") if path.is_file()}
    edited = next(p for p in indexed_pages(tmp_path) if p.path == "page-4/index.html")
    (tmp_path / edited.path).write_text(_page("changed " * 50), encoding="utf-8")
    again = index_site(tmp_path, part_text=800, previous=keys)
    changed = [number for number, (old, new) in enumerate(zip(keys["parts"], again["parts"])) if old != new]
    assert len(changed) == 1
    for path, number in before.items():  # the files of the other parts are the very same files
        part = path.relative_to(bundle).parts[0]
        if part.startswith("part-") and int(part[5:]) not in changed:
            assert path.stat().st_ino == number
    fresh = tmp_path.parent / "fresh"
    shutil.copytree(tmp_path, fresh, ignore=shutil.ignore_patterns("pagefind"))
    assert index_site(fresh, part_text=800)["parts"] == again["parts"]
    assert tree(fresh / "pagefind") == tree(bundle)  # the same as a build that indexed every part


def test_a_page_file_with_the_stamp_it_had_is_not_read_again(tmp_path):
    for number in range(3):
        (tmp_path / f"page-{number}").mkdir()
        (tmp_path / f"page-{number}" / "index.html").write_text(_page(f"word{number} " * 50), encoding="utf-8")
    state = index_site(tmp_path, part_text=800)
    assert sorted(state["pages"]) == [f"page-{n}/index.html" for n in range(3)]
    known = {path: [*entry[:3], 7, "00" * 16] for path, entry in state["pages"].items()}  # (not what they hold)
    edited = tmp_path / "page-1" / "index.html"
    edited.unlink()
    edited.write_text(_page("changed " * 50), encoding="utf-8")  # written anew: another inode
    found = {page.path: (page.text, page.digest) for page in indexed_pages(tmp_path, known)}
    assert found["page-0/index.html"] == found["page-2/index.html"] == (7, bytes(16))  # taken as recorded
    assert found["page-1/index.html"][1] == hashlib.blake2b(edited.read_bytes(), digest_size=16).digest()


def tree(folder):
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in folder.rglob("*") if path.is_file()}
