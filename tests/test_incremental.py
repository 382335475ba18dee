"""Incremental builds: after each kind of edit, the site is byte for byte a clean build's.

A build keeps its site in the build cache (``.briefings-cache/``); the next one starts
from it and builds again only the pages whose content changed. Each test builds, edits,
builds again, and compares the site with a clean build of the same repository (``--clean``,
into another folder); it also checks that the previous site, whose files the incremental
build started from as hard links, was not written into.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import run

DPRK = "briefings/dprk-russia-alignment-2024-11.yaml"
EU = "briefings/eu-rok-security-dialogue-2024-11.yaml"
YONHAP = "sources/yonhap-2024-11-03-borrell-seoul.yaml"


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder``: its path and a hash of its bytes."""
    return {path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).digest()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def inode(site: Path, page: str) -> int:
    """The inode of a page's file (``page/index.html``; ``page.html`` in an offline site)."""
    path = site / page / "index.html"
    return os.stat(path if path.exists() else site / f"{page}.html").st_ino


def replace(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {rel}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def edit_briefing(root: Path) -> None:
    replace(root, DPRK, "summary: |\n", "summary: |\n  An edited first sentence.\n")


def edit_source(root: Path) -> None:
    replace(root, YONHAP, "title: EU's Borrell vows", "title: EU's Borrell promises")


def edit_source_text(root: Path) -> None:
    text_file = root / YONHAP.replace(".yaml", ".txt")
    before = text_file.read_bytes()
    text_file.write_bytes(before + b"A last line added to the archived text.\n")
    replace(root, YONHAP, hashlib.sha256(before).hexdigest(), hashlib.sha256(text_file.read_bytes()).hexdigest())


def edit_actor(root: Path) -> None:
    replace(root, EU, "name: Josep Borrell", "name: Josep Borrell Fontelles")


def edit_question(root: Path) -> None:
    replace(root, EU, "question: Will South Korea supply weapons to Ukraine?",
            "question: Will South Korea supply lethal weapons to Ukraine?")


def edit_page_template(root: Path) -> None:
    (root / "templates/pages/source.md.j2").open("a", encoding="utf-8").write("\n<p>brf-template-edit</p>\n")


def edit_theme(root: Path) -> None:
    (root / "templates/overrides/main.html").open("a", encoding="utf-8").write("\n{# brf-theme-edit #}\n")


def delete_briefing(root: Path) -> None:
    (root / DPRK).unlink()


def rename_briefing(root: Path) -> None:
    (root / EU).rename(root / "briefings/eu-rok-dialogue-2024-11.yaml")


def add_briefing(root: Path) -> None:
    text = (root / EU).read_text(encoding="utf-8").replace("title: ", "title: A second look at ", 1)
    (root / "briefings/eu-rok-second-look-2024-11.yaml").write_text(text, encoding="utf-8")


EDITS = [edit_briefing, edit_source, edit_source_text, edit_actor, edit_question, edit_page_template, edit_theme, delete_briefing, rename_briefing,
         add_briefing]


def build(capsys, root: Path, *options: str) -> str:
    code, out, err = run(capsys, "build", str(root), "-q", *options)
    assert code == 0, err
    return out


@pytest.mark.parametrize("edit", EDITS, ids=lambda edit: edit.__name__)
def test_an_incremental_build_equals_a_clean_build(example, capsys, tmp_path, edit):
    root, site = example.root, example.root / "site"
    build(capsys, root)
    before = tree(site)
    shutil.copytree(site, tmp_path / "previous", copy_function=os.link)  # the files the next build starts from
    edit(root)
    build(capsys, root)
    build(capsys, root, "--clean", "--site-dir", str(tmp_path / "clean"))
    assert tree(site) == tree(tmp_path / "clean")
    assert tree(tmp_path / "previous") == before  # nothing was written into the previous site's files


def test_a_briefing_superseded_by_another_changes_the_other_page_too(example, capsys, tmp_path):
    """The successor's page names what it supersedes: its file is unchanged, and it shares no
    open question with the briefing that now names it as ``superseded_by``."""
    root = example.root
    early = "briefings/dprk-early-2024-11.yaml"
    (root / early).write_text("title: An early note\ndate: 2024-11-01\nstatus: published\nmarking: TLP:CLEAR\n"
                              "authors: [K. Analyst]\nsummary: A first note.\n", encoding="utf-8")
    build(capsys, root)
    replace(root, early, "status: published", "status: superseded\nsuperseded_by: dprk-russia-alignment-2024-11")
    build(capsys, root)
    build(capsys, root, "--clean", "--site-dir", str(tmp_path / "clean"))
    assert tree(root / "site") == tree(tmp_path / "clean")
    successor = root / "site/briefings/dprk-russia-alignment-2024-11/index.html"
    assert "An early note" in successor.read_text(encoding="utf-8")


def test_only_the_pages_that_changed_are_built_again(example, capsys, build_process):
    root, site = example.root, example.root / "site"
    build(capsys, root)
    kept = {page: inode(site, page) for page in ("briefings/eu-rok-security-dialogue-2024-11",
                                                 "briefings/dprk-russia-alignment-2024-11",
                                                 "actors/josep-borrell", "guide")}
    edit_briefing(root)
    build(capsys, root)
    now = {page: inode(site, page) for page in kept}
    assert now["briefings/eu-rok-security-dialogue-2024-11"] == kept["briefings/eu-rok-security-dialogue-2024-11"]
    assert now["briefings/dprk-russia-alignment-2024-11"] != kept["briefings/dprk-russia-alignment-2024-11"]
    assert now["guide"] != kept["guide"]  # a static page is built every time
    assert (root / ".briefings-cache" / ".gitignore").read_text(encoding="utf-8").endswith("\n*\n")


def test_a_clean_build_builds_every_page(example, capsys):
    root, site = example.root, example.root / "site"
    build(capsys, root)
    page = "briefings/eu-rok-security-dialogue-2024-11"
    first = inode(site, page)
    build(capsys, root)
    assert inode(site, page) == first
    build(capsys, root, "--clean")
    assert inode(site, page) != first


def test_a_damaged_cache_is_not_used(example, capsys, tmp_path):
    root = example.root
    build(capsys, root)
    (manifest,) = root.glob(".briefings-cache/*/manifest.json")
    manifest.write_text("{not json", encoding="utf-8")
    edit_briefing(root)
    build(capsys, root)
    build(capsys, root, "--clean", "--site-dir", str(tmp_path / "clean"))
    assert tree(root / "site") == tree(tmp_path / "clean")


def test_each_kind_of_build_has_a_cache_of_its_own(example, capsys, tmp_path):
    root = example.root
    build(capsys, root)
    build(capsys, root, "--max-marking", "TLP:CLEAR", "--site-dir", str(tmp_path / "public"))
    assert len(list(root.glob(".briefings-cache/*/manifest.json"))) == 2
    edit_briefing(root)
    build(capsys, root, "--max-marking", "TLP:CLEAR", "--site-dir", str(tmp_path / "public"))
    build(capsys, root, "--max-marking", "TLP:CLEAR", "--clean", "--site-dir", str(tmp_path / "clean"))
    assert tree(tmp_path / "public") == tree(tmp_path / "clean")


def test_the_search_index_keeps_the_parts_whose_pages_did_not_change(example, capsys, tmp_path):
    root = example.root
    replace(root, "mkdocs.yml", "      search: pagefind", "      search: pagefind\n      search_part_text: 20000")
    build(capsys, root)
    bundle = root / "site" / "pagefind"
    parts = sorted(path.name for path in bundle.glob("part-*"))
    assert len(parts) >= 3
    before = {path: path.stat().st_ino for path in bundle.rglob("*") if path.is_file()}
    edit_briefing(root)
    build(capsys, root)
    kept = [path for path, number in before.items() if path.exists() and path.stat().st_ino == number]
    assert {path.relative_to(bundle).parts[0] for path in kept} & set(parts)  # some parts were not indexed again
    build(capsys, root, "--clean", "--site-dir", str(tmp_path / "clean"))
    assert tree(root / "site") == tree(tmp_path / "clean")


def test_an_offline_build_is_always_a_clean_one(example, capsys, tmp_path):
    """Material's search, which an offline site uses, indexes the pages the engine builds."""
    root, site = example.root, example.root / "site"
    build(capsys, root, "--offline")
    page = "briefings/eu-rok-security-dialogue-2024-11"
    first = inode(site, page)
    edit_briefing(root)
    build(capsys, root, "--offline")
    assert inode(site, page) != first
    build(capsys, root, "--offline", "--clean", "--site-dir", str(tmp_path / "clean"))
    assert tree(site) == tree(tmp_path / "clean")


def test_a_cache_committed_to_git_is_never_used(example, capsys, tmp_path):
    """A pull request could commit a cache whose pages say anything: a build ignores it."""
    root, site = example.root, example.root / "site"
    build(capsys, root)
    (manifest,) = root.glob(".briefings-cache/*/manifest.json")
    planted = manifest.parent / "site" / "briefings" / "dprk-russia-alignment-2024-11" / "index.html"
    planted.unlink()  # (a hard link to the site's page: replaced, not written into)
    planted.write_text("<script>planted</script>", encoding="utf-8")
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-f", ".briefings-cache", "briefings", "sources", "templates", "mkdocs.yml"],
                   check=True)
    subprocess.run([*git, "commit", "-qm", "planted"], check=True)
    build(capsys, root)  # (nothing changed: a cache in use would keep the planted page)
    assert "planted" not in (site / "briefings" / "dprk-russia-alignment-2024-11" / "index.html").read_text(
        encoding="utf-8")
    build(capsys, root, "--clean", "--site-dir", str(tmp_path / "clean"))
    assert tree(site) == tree(tmp_path / "clean")


def test_a_failed_build_leaves_no_cache_that_misleads_the_next(example, capsys, tmp_path):
    root, site = example.root, example.root / "site"
    build(capsys, root)
    template = root / "templates/pages/actor.md.j2"
    good = template.read_text(encoding="utf-8")
    edit_briefing(root)
    template.write_text("{{ 1 // 0 }}\n" + good, encoding="utf-8")
    code, _, err = run(capsys, "build", str(root), "-q")
    assert code == 1 and "integer division or modulo by zero" in err
    template.write_text(good, encoding="utf-8")
    edit_source(root)
    build(capsys, root)
    build(capsys, root, "--clean", "--site-dir", str(tmp_path / "clean"))
    assert tree(site) == tree(tmp_path / "clean")


def test_a_tampered_manifest_removes_nothing_outside_the_site(example, capsys, tmp_path):
    root = example.root
    build(capsys, root)
    (manifest,) = root.glob(".briefings-cache/*/manifest.json")
    outside = tmp_path / "keep.txt"
    outside.write_text("mine\n", encoding="utf-8")
    data = json.loads(manifest.read_text(encoding="utf-8"))
    data["files"] += [str(outside), "../../keep.txt", "../" * 8 + str(outside).lstrip("/"), "briefings", 1, None]
    manifest.write_text(json.dumps(data), encoding="utf-8")
    build(capsys, root)
    assert outside.read_text(encoding="utf-8") == "mine\n"
    assert (root / "site" / "briefings" / "eu-rok-security-dialogue-2024-11" / "index.html").is_file()


def test_a_cached_site_holding_a_link_is_not_used(example, capsys, tmp_path):
    root = example.root
    build(capsys, root)
    (manifest,) = root.glob(".briefings-cache/*/manifest.json")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "index.html").write_text("mine\n", encoding="utf-8")
    page = manifest.parent / "site" / "tags"
    shutil.rmtree(page)
    page.symlink_to(elsewhere)  # a build that followed it would write outside the site
    edit_briefing(root)
    build(capsys, root)
    assert (elsewhere / "index.html").read_text(encoding="utf-8") == "mine\n"
    build(capsys, root, "--clean", "--site-dir", str(tmp_path / "clean"))
    assert tree(root / "site") == tree(tmp_path / "clean")


def test_without_a_nav_every_build_is_clean(example, capsys, tmp_path):
    """The navigation then lists every page by its title, known once the page is read."""
    root, site = example.root, example.root / "site"
    config = root / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    start = text.index("\nnav:")
    end = text.index("\nplugins:")
    config.write_text(text[:start] + text[end:], encoding="utf-8")
    build(capsys, root)
    add_briefing(root)
    build(capsys, root)
    build(capsys, root, "--clean", "--site-dir", str(tmp_path / "clean"))
    assert tree(site) == tree(tmp_path / "clean")


def test_the_cache_key_holds_the_code_and_the_libraries(example, monkeypatch, tmp_path):
    from build_scripts import cache

    code = tmp_path / "code"
    shutil.copytree(Path(cache.__file__).parent, code, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache, "__file__", str(code / "cache.py"))
    key = cache.build_key(example.root, {})
    assert cache.build_key(example.root, {}) == key
    (code / "render.py").open("a", encoding="utf-8").write("\n# a fix\n")
    assert cache.build_key(example.root, {}) != key
    key = cache.build_key(example.root, {})
    monkeypatch.setattr(cache, "_version", lambda name: "9.9" if name == "nh3" else "1.0")
    assert cache.build_key(example.root, {}) != key


def test_a_page_the_navigation_names_by_its_title_changes_every_page(example, capsys, tmp_path):
    root, site = example.root, example.root / "site"
    replace(root, "mkdocs.yml", "  - Briefings: briefings/index.md\n",
            "  - Briefings: briefings/index.md\n  - briefings/eu-rok-security-dialogue-2024-11.md\n")
    build(capsys, root)
    replace(root, EU, "title: ", "title: Retitled, ")
    build(capsys, root)
    build(capsys, root, "--clean", "--site-dir", str(tmp_path / "clean"))
    assert tree(site) == tree(tmp_path / "clean")


def test_a_theme_setting_from_the_environment_is_in_the_key(example, capsys, tmp_path, monkeypatch):
    root, site = example.root, example.root / "site"
    replace(root, "mkdocs.yml", "  language: en", "  language: !ENV [BRF_TEST_LANGUAGE, en]")
    build(capsys, root)
    monkeypatch.setenv("BRF_TEST_LANGUAGE", "de")
    build(capsys, root)
    build(capsys, root, "--clean", "--site-dir", str(tmp_path / "clean"))
    assert tree(site) == tree(tmp_path / "clean")
    assert '<html lang="de"' in (site / "index.html").read_text(encoding="utf-8")


def test_a_site_file_written_into_makes_the_next_build_clean(example, capsys, tmp_path):
    """site/ shares its files with the cache: an edit in place is seen, and not kept."""
    root, site = example.root, example.root / "site"
    build(capsys, root)
    page = site / "sources" / "yonhap-2024-11-03-borrell-seoul" / "index.html"
    with page.open("a", encoding="utf-8") as handle:
        handle.write("<!-- edited in place -->")
    build(capsys, root)
    assert "edited in place" not in page.read_text(encoding="utf-8")
    build(capsys, root, "--clean", "--site-dir", str(tmp_path / "clean"))
    assert tree(site) == tree(tmp_path / "clean")


def test_a_child_process_hands_over_more_than_a_pipe_holds(tmp_path):
    """A large build checks and renders in a child process, which hands the staged site
    over through a pipe: with the pages of the previous search index (some 500 here, more
    than the pipe's 64 KiB), the parent reads it while the child writes."""
    import sys

    from conftest import ROOT

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from generate import generate

    root = tmp_path / "repo"
    generate(root, 110, 330)
    command = [sys.executable, "-c", "import sys; from build_scripts import cli; cli.CHILD_ABOVE_BYTES = 0; "
               "sys.exit(cli.main(sys.argv[1:]))", "build", "-q", str(root)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    assert subprocess.run(command, env=env, timeout=300).returncode == 0
    replace(root, next(iter(sorted((root / "briefings").glob("*.yaml")))).relative_to(root).as_posix(),
            "summary: |\n", "summary: |\n  An edited first sentence.\n")
    done = subprocess.run(command, env=env, timeout=120, capture_output=True, text=True)
    assert done.returncode == 0  # (the corpus has warnings: sources of low reliability, repeated quotes)
    assert "Traceback" not in done.stderr and "error BRF" not in done.stderr
    manifest = json.loads(next((root / ".briefings-cache").glob("*/manifest.json")).read_text(encoding="utf-8"))
    assert len(json.dumps(manifest["search"])) > 65536
    subprocess.run([*command, "--clean", "--site-dir", str(tmp_path / "clean")], env=env, timeout=300, check=True)
    assert tree(root / "site") == tree(tmp_path / "clean")


def test_compiled_templates_are_kept_and_a_damaged_or_foreign_one_is_compiled_again(example, capsys, tmp_path):
    root, site = example.root, example.root / "site"
    build(capsys, root)
    compiled = sorted(root.glob(".briefings-cache/templates/*/*.code"))
    assert len(compiled) > 10  # ours and the theme's
    assert all(path.stat().st_mode & 0o777 == 0o600 for path in compiled)
    compiled[0].write_bytes(b"damaged")
    unsealed(compiled[1:])
    edit_briefing(root)
    build(capsys, root)
    build(capsys, root, "--clean", "--site-dir", str(tmp_path / "clean"))
    assert tree(site) == tree(tmp_path / "clean")


def unsealed(paths) -> None:
    """Each file's code kept, under a seal this user's key did not make."""
    for path in paths:
        data = path.read_bytes()
        path.write_bytes(bytes([data[0] ^ 1]) + data[1:])


def test_a_build_compiles_no_template_an_earlier_build_compiled(example, capsys, monkeypatch):
    import jinja2

    root = example.root
    build(capsys, root)
    compiled = []
    compile_source = jinja2.Environment.compile

    def counted(self, source, name=None, filename=None, *args, **kwargs):
        compiled.append(name)
        return compile_source(self, source, name, filename, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", counted)
    edit_briefing(root)
    build(capsys, root)
    # (but the language partials Material's search plugin reads in an environment of its own)
    assert [name for name in compiled if not name.startswith("partials/language")] == []
    unsealed(root.glob(".briefings-cache/templates/*/*.code"))
    edit_briefing(root)
    build(capsys, root)
    assert "main.html" in compiled and "briefing.md.j2" in compiled
    compiled.clear()
    build(capsys, root, "--clean")  # (reads no cache)
    assert "main.html" in compiled and "briefing.md.j2" in compiled
