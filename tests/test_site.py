"""The built site: `mkdocs build --strict`, `briefings build`, every internal link and anchor."""

from __future__ import annotations

import gzip
import json
import os
import re
import posixpath
import subprocess
import sys
import urllib.parse
from html.parser import HTMLParser
from pathlib import Path

import pytest

from build_scripts import cli
from build_scripts.cli import main



class Links(HTMLParser):
    """Every href/src of a page, every id, and which ids carry class ``quoted``."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str, dict]] = []  # (tag, url, attrs)
        self.ids: set[str] = set()
        self.quoted: set[str] = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
            if "quoted" in (a.get("class") or "").split():
                self.quoted.add(a["id"])
        for key in ("href", "src"):
            if a.get(key) is not None:
                self.refs.append((tag, a[key], a))


def parse(path: Path) -> Links:
    links = Links()
    links.feed(path.read_text(encoding="utf-8"))
    return links


def resolve(site: Path, page: Path, url: str) -> tuple[Path, str]:
    """The file and fragment a relative URL of ``page`` points to."""
    parts = urllib.parse.urlsplit(url)
    target = posixpath.normpath(posixpath.join(page.parent.relative_to(site).as_posix(),
                                               urllib.parse.unquote(parts.path))) if parts.path else \
        page.relative_to(site).as_posix()
    path = site / target
    if path.is_dir() or url.endswith("/"):
        path = path / "index.html"
    return path, urllib.parse.unquote(parts.fragment)


@pytest.fixture(params=["in process", "in a child process"])
def build_process(request, monkeypatch):
    """Build a small repository as a large one is built too: its pages in a child process.

    Yields the commands the build ran as child processes.
    """
    spawned: list[list[str]] = []
    relay = cli._run_relayed

    def spy(command, env, **options):
        spawned.append(command)
        return relay(command, env, **options)

    monkeypatch.setattr(cli, "_run_relayed", spy)
    if request.param == "in a child process":
        monkeypatch.setattr(cli, "CHILD_ABOVE_BYTES", 0)
    yield spawned


@pytest.fixture
def built(example, capsys):
    assert main(["build", str(example.root)]) == 0
    capsys.readouterr()
    return example.root / "site"


def test_mkdocs_build_strict_builds_the_example(example, tmp_path):
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "out")],
                            cwd=example.root, capture_output=True, text=True,
                            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr
    assert (tmp_path / "out" / "briefings" / "dprk-russia-alignment-2024-11" / "index.html").is_file()


def test_briefings_build_reports_what_it_built(example, capsys, build_process):
    assert main(["build", str(example.root)]) == 0
    assert len(build_process) == (0 if cli.CHILD_ABOVE_BYTES else 1)
    out = capsys.readouterr().out
    assert out.endswith("2 briefings, 2 sources, 54 citations checked.\n")
    for url in ("index.html", "briefings/index.html", "briefings/eu-rok-security-dialogue-2024-11/index.html",
                "sources/yonhap-2024-11-03-borrell-seoul/index.html", "actors/josep-borrell/index.html",
                "questions/rok-lethal-aid-to-ukraine/index.html", "tags/index.html", "guide/index.html",
                "guide/checks/index.html", "pagefind/pagefind-ui.js", "pagefind/pagefind-entry.json"):
        assert (example.root / "site" / url).is_file(), url


def test_pages_that_list_others_stay_out_of_the_search_index(built):
    """A query finds a briefing on its own page, not again on each list that names it."""
    pages = {p.relative_to(built).as_posix() for p in built.rglob("*.html") if not p.is_relative_to(built / "pagefind")}
    searched = {p for p in pages if b"data-pagefind-body" in (built / p).read_bytes()}
    assert pages - searched == {"index.html", "briefings/index.html", "sources/index.html", "actors/index.html",
                                "questions/index.html", "tags/index.html", "404.html"}
    entry = json.loads((built / "pagefind" / "pagefind-entry.json").read_text(encoding="utf-8"))
    assert sum(language["page_count"] for language in entry["languages"].values()) == len(searched)


def test_every_internal_link_and_anchor_of_the_site_resolves(built):
    broken = []
    pages = {p: parse(p) for p in built.rglob("*.html")}
    for page, links in pages.items():
        if page.name == "404.html":  # served for any path, so its links are absolute
            continue
        for tag, url, _ in links.refs:
            if urllib.parse.urlsplit(url).scheme or url.startswith(("//", "mailto:")):
                continue
            target, fragment = resolve(built, page, url)
            if not target.exists():
                broken.append((page.relative_to(built).as_posix(), url))
            elif fragment and target.suffix == ".html" and fragment not in pages[target].ids \
                    and not fragment.startswith(":~:"):
                broken.append((page.relative_to(built).as_posix(), url))
    assert broken == []


def test_every_citation_lands_on_a_quoted_passage_of_its_source(built):
    briefing = built / "briefings" / "dprk-russia-alignment-2024-11" / "index.html"
    links = parse(briefing)
    citations = [(url, a) for tag, url, a in links.refs if "citation" in (a.get("class") or "").split()
                 and a.get("id", "").startswith("cite-")]
    # every citation, those of assumptions, alternatives and resolutions too
    assert len(citations) == len(dprk_briefing().citations())
    for url, attrs in citations:
        target, fragment = resolve(built, briefing, url)
        assert target.parent.parent.name == "sources"
        if fragment:
            assert fragment in parse(target).quoted, url
        assert attrs["data-brf-tip"] and attrs["aria-description"] == attrs["data-brf-tip"]  # the quote, as text
        assert "title" not in attrs  # (Material's tooltips would show a title as HTML)


def dprk_briefing():
    from build_scripts.repo import load_repository
    from conftest import ROOT

    return next(b for b in load_repository(ROOT).briefings if b.id == "dprk-russia-alignment-2024-11")


def test_the_source_page_escapes_its_text_and_links_back(built):
    page = built / "sources" / "yonhap-2024-11-03-borrell-seoul" / "index.html"
    html = page.read_text(encoding="utf-8")
    assert html.count('class="quoted"') >= 10
    assert 'href="../../briefings/eu-rok-security-dialogue-2024-11/#cite-' in html


def test_no_page_loads_anything_from_outside_the_site(built):
    outside = []
    for page in built.rglob("*.html"):
        for tag, url, attrs in parse(page).refs:
            loads = tag in ("script", "img", "iframe", "source", "video", "audio") or \
                (tag == "link" and attrs.get("rel") not in ("canonical", "alternate"))
            if loads and (urllib.parse.urlsplit(url).scheme or url.startswith("//")):
                outside.append((page.relative_to(built).as_posix(), tag, url))
    assert outside == []
    css = "".join(p.read_text(encoding="utf-8") for p in built.rglob("*.css"))
    assert "fonts.googleapis" not in css and "@import url(http" not in css


def test_a_failed_build_leaves_the_previous_site_untouched(example, capsys, build_process):
    assert main(["build", str(example.root)]) == 0
    site = example.root / "site"
    before = {p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    path = example.root / "briefings" / "eu-rok-security-dialogue-2024-11.yaml"
    text = path.read_text(encoding="utf-8")
    assert "defense cooperation" in text
    path.write_text(text.replace("defense cooperation", "defence cooperation"), encoding="utf-8")
    capsys.readouterr()
    assert main(["build", str(example.root), "--format", "text"]) == 1
    err = capsys.readouterr().err
    assert "error BRF302" in err and err.endswith("nothing was built: fix the errors above, then build again\n")
    after = {p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    assert after == before
    assert sorted(p.name for p in example.root.iterdir() if p.name.startswith(".site")) == []


def test_a_broken_template_fails_the_build_and_keeps_the_old_site(example, capsys, build_process):
    assert main(["build", str(example.root)]) == 0
    marker = (example.root / "site" / "index.html").read_bytes()
    template = example.root / "templates" / "pages" / "home.md.j2"
    template.write_text(template.read_text(encoding="utf-8") + "{{ no_such_variable }}\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["build", str(example.root)]) == 1
    err = capsys.readouterr().err
    assert "home.md.j2" in err and "no_such_variable" in err and "Traceback" not in err
    assert (example.root / "site" / "index.html").read_bytes() == marker


def test_the_offline_build_works_from_the_file_system(example, capsys):
    assert main(["build", str(example.root), "--offline"]) == 0
    site = example.root / "site"
    assert (site / "briefings" / "eu-rok-security-dialogue-2024-11.html").is_file()  # no directory URLs
    assert (site / "search" / "search_index.js").read_text(encoding="utf-8").startswith("var __index = ")
    scripts = [url for tag, url, _ in parse(site / "index.html").refs if tag == "script"]
    assert "assets/javascripts/iframe-worker.js" in scripts
    assert (site / "assets" / "javascripts" / "iframe-worker.js").is_file()


def test_two_builds_of_the_same_input_are_identical_but_for_the_guide_dates(example, tmp_path, capsys,
                                                                           monkeypatch):
    assert main(["build", str(example.root), "--site-dir", str(tmp_path / "one")]) == 0
    monkeypatch.setattr(cli, "CHILD_ABOVE_BYTES", 0)  # as a large repository is built
    assert main(["build", str(example.root), "--site-dir", str(tmp_path / "two")]) == 0

    def files(root: Path) -> dict:
        found = {}
        for p in root.rglob("*"):
            if p.is_file():
                data = gzip.decompress(p.read_bytes()) if p.suffix == ".gz" else p.read_bytes()
                # static pages (the guide) carry the build date; generated pages their records' dates
                found[p.relative_to(root).as_posix()] = re.sub(
                    rb"(/guide/(checks/)?</loc>\s*<lastmod>)[0-9-]+", rb"\1DATE", data)
        return found

    one, two = files(tmp_path / "one"), files(tmp_path / "two")
    assert one == two


def test_check_and_build_never_touch_briefings_or_sources(example, capsys):
    def tree() -> dict:
        return {p.relative_to(example.root).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
                for folder in ("briefings", "sources") for p in (example.root / folder).rglob("*")}

    before = tree()
    assert main(["check", str(example.root)]) == 0
    assert main(["build", str(example.root)]) == 0
    assert main(["build", str(example.root), "--offline", "--max-marking", "TLP:CLEAR"]) == 0
    assert tree() == before


def test_every_page_has_its_own_title(built):
    import re

    def title(url: str) -> str:
        return re.search(r"<title>(.*?)</title>", (built / url).read_text(encoding="utf-8")).group(1)

    assert title("briefings/dprk-russia-alignment-2024-11/index.html") == \
        "North Korea and Russia move from alignment to wartime alliance - Briefings"
    assert title("sources/yonhap-2024-11-03-borrell-seoul/index.html") == \
        "EU's Borrell vows to advance security, defense ties with S. Korea - Briefings"
    assert title("actors/josep-borrell/index.html") == "Josep Borrell - Briefings"
    assert title("guide/checks/index.html") == "Check reference - Briefings"
