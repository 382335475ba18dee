"""Fuzzing: no input makes the loader, the checker or the renderer raise, and nothing runs."""

from __future__ import annotations

import markdown
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from build_scripts.checks import check_repository
from build_scripts.index import build_index
from build_scripts.load import MAX_FILE_BYTES
from build_scripts.render import render_pages
from build_scripts.repo import load_repository

from conftest import BRIEFING, ROOT, SOURCE_A, source_meta

FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

KEYS = ["title", "date", "status", "marking", "authors", "tags", "summary", "key_actors", "id", "name",
        "positions", "actor", "on", "stance", "cites", "source", "quote", "lines", "note", "key_judgments",
        "judgment", "likelihood", "confidence", "open_questions", "question", "timeline", "event", "published",
        "sha256", "url", "reliability", "&a", "*a", "<<", "!!python/object:os.system", "!!binary", "? ", "---"]
SCALARS = ["2024-11-04", "2024-13-45", "TLP:RED", "TLP:CLEAR", "likely", "src-a", "src-b", "'quoted'",
           '"dq \\u00e9"', "12-14", "0", "-1", "~", "null", "yes", "[", "]", "{", "}", "|", ">", "\t", "…",
           "<script>alert(1)</script>", "javascript:alert(1)", "../x", "\ufeff", "\r\n", "#c"]


def yamlish() -> st.SearchStrategy[str]:
    """Text shaped like a briefing: keys, indentation, scalars, flow and block markers."""
    line = st.tuples(st.integers(0, 8), st.sampled_from(["", "- "]), st.sampled_from(KEYS),
                     st.sampled_from([": ", ":", " "]), st.sampled_from(SCALARS) | st.text(max_size=12))
    return st.lists(line, max_size=30).map(
        lambda lines: "".join(" " * i + dash + key + sep + value + "\n" for i, dash, key, sep, value in lines))


def assert_well_formed(result) -> None:
    for d in result.diagnostics:
        assert d.file and d.line >= 1 and d.column >= 1 and d.code.startswith("BRF") and d.message


@FUZZ
@given(data=st.binary(max_size=400))
def test_any_bytes_as_a_briefing(repo, data):
    repo.write("briefings/b.yaml", data)
    assert_well_formed(repo.check())


@FUZZ
@given(text=yamlish())
def test_briefing_shaped_text(repo, text):
    repo.write("briefings/b.yaml", text)
    assert_well_formed(repo.check())


@FUZZ
@given(text=yamlish(), raw=st.binary(max_size=200))
def test_any_source_metadata_and_text(repo, text, raw):
    repo.write("sources/src-a.yaml", text)
    repo.write("sources/src-b.txt", raw)
    assert_well_formed(repo.check())


@FUZZ
@given(quote=st.text(max_size=60), lines=st.text(max_size=8))
def test_any_quote_and_lines(repo, quote, lines):
    escaped = quote.replace("\\", "\\\\").replace('"', '\\"')
    escaped_lines = lines.replace("\\", "\\\\").replace('"', '\\"')
    repo.write("briefings/b.yaml", BRIEFING.replace("quote: to the next level", f'quote: "{escaped}"')
               .replace('lines: "2"', f'lines: "{escaped_lines}"'))
    assert_well_formed(repo.check())


@FUZZ
@given(title=st.text(max_size=40), summary=st.text(max_size=80), name=st.text(min_size=1, max_size=20))
def test_any_text_renders_without_markup_escaping(repo, title, summary, name):
    """Whatever the analyst writes, the pages render, and no script or handler comes out."""
    def q(s: str) -> str:
        return '"' + "".join(c if c.isprintable() or c == " " else " " for c in s).replace("\\", "\\\\") \
            .replace('"', '\\"') + '"'

    repo.write("briefings/b.yaml", BRIEFING.replace("title: EU and Korea", f"title: {q(title) if title.strip() else 'x'}")
               .replace("summary: Borrell visits Seoul.", f"summary: {q(summary) if summary.strip() else 'x'}")
               .replace("name: Josep Borrell", f"name: {q(name) if name.strip() else 'x'}"))
    loaded = load_repository(repo.root)
    if check_repository(loaded).errors:
        return
    for page in render_pages(build_index(loaded), ROOT / "templates"):
        if page.path == "guide/checks.md":  # the reference shows unsafe examples as code
            continue
        html = markdown.markdown(page.text.split("---", 2)[-1], extensions=["attr_list", "md_in_html", "tables"])
        lowered = html.lower()
        assert "<script" not in lowered and 'href="javascript:' not in lowered
        assert " onerror=" not in lowered and " onclick=" not in lowered


def test_a_ten_megabyte_scalar_is_refused_before_parsing(repo):
    repo.write("briefings/b.yaml", "title: " + "x" * (10 * 1024 * 1024) + "\n")
    found = repo.found()
    assert ("briefings/b.yaml", 1, 1, "BRF005") in found
    assert MAX_FILE_BYTES < 10 * 1024 * 1024


def test_a_ten_megabyte_source_text_is_checked(repo):
    text = SOURCE_A + ("filler words of an archived page. " * 300_000)
    repo.write("sources/src-a.txt", text)
    repo.write("sources/src-a.yaml", source_meta(text))
    assert repo.found() == []


def test_a_symlink_in_briefings_pointing_outside_is_refused(repo, tmp_path):
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text(BRIEFING, encoding="utf-8")
    (repo.root / "briefings" / "linked.yaml").symlink_to(outside)
    codes = [code for file, _, _, code in repo.found() if file == "briefings/linked.yaml"]
    assert codes == ["BRF207"] or codes and codes[0].startswith("BRF2")
