"""The search index in parts: how pages are split, and what each part's bundle holds."""

from __future__ import annotations

import hashlib
import json
import shutil

import pytest

from build_scripts.search import (IndexedPage, Indexer, SearchIndexError, ends_part, index_site, indexed_pages,
                                  partition, searched)


def pages(*sizes: int) -> list[IndexedPage]:
    return [IndexedPage(f"p{number:03}/index.html", size) for number, size in enumerate(sizes)]


def test_parts_are_runs_of_pages_in_path_order_each_ending_where_a_page_path_says():
    every = pages(*[10] * 100)
    parts = partition(every, 250)
    assert [page for part in parts for page in part] == every
    assert 2 <= len(parts) <= 10  # about 1,000 characters at 250 a part
    for part in parts:
        held = 0
        for page in part[:-1]:
            held += page.text
            assert not ends_part(page.path, page.text, held, 250)
        assert part is parts[-1] or ends_part(part[-1].path, part[-1].text, held + part[-1].text, 250)
    assert partition(every, 250) == parts  # the same paths, the same parts


def test_a_part_holds_at_most_twice_its_text():
    parts = partition(pages(*[100] * 400), 1000)
    assert max(sum(page.text for page in part) for part in parts) == 2000  # (some part runs that long)


def test_a_new_page_leaves_the_other_parts_as_they_were():
    before = partition(pages(*[10] * 100), 300)
    new = IndexedPage("p050a/index.html", 10)
    after = partition(sorted(pages(*[10] * 100) + [new], key=lambda page: page.path), 300)
    kept = [part for part in after if new not in part]
    assert all(part in before for part in kept)
    assert len(before) - len([part for part in before if part in kept]) == 1  # the part it joined


def test_no_page_means_no_part():
    assert partition([], 100) == []


def test_one_part_when_everything_fits():
    assert partition(pages(1, 2), 10**6) == [pages(1, 2)]


def test_pagefind_reads_the_language_the_title_and_the_marked_element_on():
    page = (b"<!doctype html><html lang='fr' class='x'><head><meta charset='utf-8'><title>T &amp; U</title>"
            b"<link rel='stylesheet' href='a.css'></head><body><nav>menu</nav><main data-pagefind-body>"
            b"<h1>T</h1></main><footer>end</footer></body></html>")
    assert searched(page) == (b"<html lang='fr' class='x'><head><title>T &amp; U</title></head><body>"
                              b"<main data-pagefind-body><h1>T</h1></main><footer>end</footer></body></html>")
    assert searched(page.replace(b"<nav>", b"<nav data-pagefind-filter='kind:x'>")) == \
        page.replace(b"<nav>", b"<nav data-pagefind-filter='kind:x'>")  # (it speaks to Pagefind: all of it)
    assert searched(b"<html><body><p>no marker</p></body></html>") is None


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
    assert found["page-1/index.html"][1] == hashlib.blake2b(searched(edited.read_bytes()), digest_size=16).digest()


def tree(folder):
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def test_pages_indexed_as_they_are_written_make_the_index_of_the_written_site(tmp_path):
    site, fresh = tmp_path / "site", tmp_path / "fresh"
    written = {f"page-{number}/index.html": _page(f"word{number} " * 50) for number in range(12)}
    written["404.html"] = _page("not found")
    written["about/index.html"] = _page("unmarked", body=False)
    indexer = Indexer(site, part_text=800)
    order = sorted(written)  # (the order of the index: here path order, as index_site's)
    indexer.expect(order)
    for path in [*order[:4], order[5], order[4], *order[6:]]:  # (one out of turn)
        (site / path).parent.mkdir(parents=True, exist_ok=True)
        (site / path).write_text(written[path], encoding="utf-8")
        indexer.page(path, written[path].encode())
    assert indexer.streaming and any(part.process is not None for part in indexer.parts)  # (begun meanwhile)
    streamed = indexer.finish()
    shutil.copytree(site, fresh, ignore=shutil.ignore_patterns("pagefind"))
    again = index_site(fresh, part_text=800)
    assert again["parts"] == streamed["parts"] and len(streamed["parts"]) >= 3
    assert {path: entry[3:] for path, entry in again["pages"].items()} == \
        {path: entry[3:] for path, entry in streamed["pages"].items()}
    assert tree(fresh / "pagefind") == tree(site / "pagefind")
    assert streamed["pages"]["about/index.html"][3:] == [None, "00" * 16]


def test_a_page_the_indexer_did_not_expect_has_the_site_indexed_once_written(tmp_path):
    site = tmp_path / "site"
    indexer = Indexer(site, part_text=800)
    indexer.expect(["a/index.html"])
    for path in ("a/index.html", "b/index.html"):
        (site / path).parent.mkdir(parents=True, exist_ok=True)
        (site / path).write_text(_page(f"{path[0]}word " * 40), encoding="utf-8")
    indexer.page("a/index.html", (site / "a/index.html").read_bytes())
    assert sorted(indexer.finish()["pages"]) == ["a/index.html", "b/index.html"]
    fragments = b"".join(path.read_bytes() for path in (site / "pagefind").rglob("*.pf_fragment"))
    assert fragments and len(list((site / "pagefind").rglob("*.pf_fragment"))) == 2


def test_a_part_that_moved_keeps_its_index_at_its_new_place(tmp_path):
    for number in range(16):
        (tmp_path / f"page-{number:02}").mkdir()
        (tmp_path / f"page-{number:02}" / "index.html").write_text(_page(f"word{number} " * 50), encoding="utf-8")
    first = index_site(tmp_path, part_text=800)
    parts = partition(indexed_pages(tmp_path), 800)
    assert len(parts) >= 4
    for page in parts[1]:  # every page of the second part goes: the later parts move up one place
        shutil.rmtree(tmp_path / page.path.split("/")[0])
    bundle = tmp_path / "pagefind"
    before = {path.relative_to(bundle).as_posix(): path.stat().st_ino for path in bundle.rglob("*") if path.is_file()}
    again = index_site(tmp_path, part_text=800, previous=first)
    assert again["parts"] == [first["parts"][0], *first["parts"][2:]]
    for number in range(2, len(parts)):  # the very files, renamed
        for name, inode in before.items():
            if name.startswith(f"part-{number}/"):
                assert (bundle / f"part-{number - 1}" / name.split("/", 1)[1]).stat().st_ino == inode
    assert (bundle / "parts.js").read_text(encoding="utf-8").endswith(
        f"window.briefingsSearchParts = {json.dumps([f'part-{n}/' for n in range(1, len(parts) - 1)])};\n")
    fresh = tmp_path.parent / f"{tmp_path.name}-fresh"
    shutil.copytree(tmp_path, fresh, ignore=shutil.ignore_patterns("pagefind"))
    index_site(fresh, part_text=800)
    assert tree(fresh / "pagefind") == tree(bundle)


def test_an_index_handed_to_another_process_is_finished_there_as_it_would_be_here(tmp_path):
    site, fresh = tmp_path / "site", tmp_path / "fresh"
    written = {f"page-{number:02}/index.html": _page(f"word{number} " * 50) for number in range(14)}
    indexer = Indexer(site, part_text=800)
    indexer.expect(sorted(written))
    for path in sorted(written)[:-3]:  # (the last three written, never seen: read from the site)
        (site / path).parent.mkdir(parents=True, exist_ok=True)
        (site / path).write_text(written[path], encoding="utf-8")
        indexer.page(path, written[path].encode())
    for path in sorted(written)[-3:]:
        (site / path).parent.mkdir(parents=True, exist_ok=True)
        (site / path).write_text(written[path], encoding="utf-8")
    handed = json.loads(json.dumps(indexer.handed()))  # (as it goes from one process to the other)
    assert any(part["finished"] for part in handed["streamed"]) and not all(part["finished"] for part in handed["streamed"])
    indexed = Indexer.taking(site, handed).finish()
    shutil.copytree(site, fresh, ignore=shutil.ignore_patterns("pagefind"))
    assert index_site(fresh, part_text=800)["parts"] == indexed["parts"]
    assert tree(fresh / "pagefind") == tree(site / "pagefind")
    assert not (site / ".pagefind-parts").exists()
