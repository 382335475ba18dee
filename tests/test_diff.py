"""``briefings diff``: a git repository built here, commit by commit, compared by meaning."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest

from conftest import SOURCE_A, SOURCE_B, run, source_meta

GOLDEN = Path(__file__).parent / "golden" / "diff"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
PLANTED = "Quetzalcoatlus"  # a word only the restricted briefing and source hold
SECRET_TEXT = f"Internal note.\nThe {PLANTED} channel reports movement.\n"
HOSTILE = "<img src=x onerror=alert(1)> [x](javascript:alert(1)) @octocat #1 <script>alert(1)</script>"

BRIEFING = """\
title: EU and Korea
date: 2024-11-04
status: published
marking: TLP:CLEAR
authors: [K. Analyst]
tags: [korea]
summary: Borrell visits Seoul.
key_actors:
  - id: josep-borrell
    name: Josep Borrell
positions:
  - actor: josep-borrell
    on: security
    stance: Wants closer ties.
    cites:
      - source: src-a
        quote: to the next level
key_judgments:
  - id: ties-deepen
    judgment: Security ties will deepen.
    likelihood: likely
    confidence: low
    cites:
      - source: src-a
        quote: to the next level
open_questions:
  - id: rok-lethal-aid-to-ukraine
    question: Will South Korea supply weapons to Ukraine?
    likelihood: unlikely
    confidence: low
    cites:
      - source: src-a
        quote: all possible scenarios
timeline:
  - date: 2024-11-03
    event: Troops move.
    cites:
      - source: src-b
        lines: "2"
"""

RESTRICTED = f"""\
title: {PLANTED} sighting
date: 2024-11-04
status: published
marking: TLP:AMBER
authors: [K. Analyst]
summary: The {PLANTED} channel is active.
timeline:
  - date: 2024-11-03
    event: {PLANTED} reports movement.
    cites:
      - source: src-secret
        quote: channel reports movement
"""

GREEN = """\
title: Seoul's options
date: 2024-11-04
status: draft
marking: TLP:GREEN
authors: [K. Analyst]
summary: Seoul keeps its options open.
"""

OLD_NAME = """\
title: The DMZ visit
date: 2024-11-03
status: published
marking: TLP:CLEAR
authors: [K. Analyst]
summary: Borrell tours the DMZ.
"""

NEW_BRIEFING = f"""\
title: "Follow-up {HOSTILE}"
date: 2024-11-05
status: draft
marking: TLP:CLEAR
authors: [K. Analyst]
summary: A follow-up.
open_questions:
  - id: rok-lethal-aid-to-ukraine
    question: Will South Korea supply weapons to Ukraine?
    likelihood: roughly even chance
    confidence: low
    change:
      from: unlikely
      reason: Troops move.
"""

ENV = {"GIT_AUTHOR_NAME": "K. Analyst", "GIT_AUTHOR_EMAIL": "analyst@example.org",
       "GIT_COMMITTER_NAME": "K. Analyst", "GIT_COMMITTER_EMAIL": "analyst@example.org",
       "GIT_AUTHOR_DATE": "2024-11-05T12:00:00Z", "GIT_COMMITTER_DATE": "2024-11-05T12:00:00Z",
       "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}


def git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args], cwd=root,
                          env={**os.environ, **ENV}, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def edit(root: Path, rel: str, old: str, new: str) -> None:
    text = (root / rel).read_text(encoding="utf-8")
    assert old in text, (rel, old)
    write(root, rel, text.replace(old, new, 1))


def commit(root: Path, message: str) -> str:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)
    return git(root, "rev-parse", "HEAD")


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> dict:
    """A repository with a commit for each kind of change, and an edit left uncommitted."""
    root = tmp_path_factory.mktemp("diff") / "team"
    root.mkdir()
    git(root, "init", "-q")
    for sid, text, extra in (("src-a", SOURCE_A, {}), ("src-b", SOURCE_B, {}),
                             ("src-secret", SECRET_TEXT, {"marking": "TLP:AMBER"})):
        write(root, f"sources/{sid}.txt", text)
        write(root, f"sources/{sid}.yaml", source_meta(text, **extra))
    for bid, text in (("b", BRIEFING), ("restricted", RESTRICTED), ("green", GREEN), ("old-name", OLD_NAME)):
        write(root, f"briefings/{bid}.yaml", text)
    base = commit(root, "The first briefings")

    edit(root, "briefings/b.yaml", "    likelihood: unlikely\n", "    likelihood: roughly even chance\n")
    edit(root, "briefings/b.yaml", "    likelihood: likely\n    confidence: low\n",
         "    likelihood: likely\n    confidence: moderate\n")
    edit(root, "briefings/b.yaml", "        quote: to the next level\nopen_questions:",
         '        quote: to the next level\n      - source: src-b\n        lines: "2"\nopen_questions:')
    edit(root, "briefings/b.yaml", "    cites:\n      - source: src-a\n        quote: all possible scenarios\n", "")
    edit(root, "briefings/green.yaml", "marking: TLP:GREEN", "marking: TLP:CLEAR")
    edit(root, "briefings/restricted.yaml", "is active.", f"is active again; {PLANTED} confirmed.")
    edit(root, "sources/src-secret.yaml", "title: A source\n", f"title: A source\npublisher: {PLANTED} desk\n")
    middle = commit(root, "Judgments move, a marking lowered")

    write(root, "briefings/new.yaml", NEW_BRIEFING)
    os.rename(root / "briefings/old-name.yaml", root / "briefings/dmz-visit.yaml")
    edit(root, "sources/src-b.yaml", "title: A source\n", "title: A source\npublisher: Yonhap\nreliability: B\n")
    head = commit(root, "A new briefing, one renamed, a source described")

    edit(root, "briefings/b.yaml", "summary: Borrell visits Seoul.", "summary: Borrell visits Seoul and the DMZ.")
    edit(root, "briefings/b.yaml", "tags: [korea]", "tags: [korea, eu]")
    return {"root": root, "base": base, "middle": middle, "head": head}


def diff(capsys, history: dict, *args: str) -> tuple[int, str, str]:
    return run(capsys, "diff", *args, "--path", str(history["root"]))


def test_json_from_base_to_head_is_exactly_the_changes(capsys, history):
    code, out, err = diff(capsys, history, history["base"], history["head"], "--format", "json")
    assert (code, err) == (0, "")
    assert json.loads(out) == {
        "base": history["base"], "head": history["head"],
        "briefings": [
            {"id": "b", "title": "EU and Korea", "marking": "TLP:CLEAR", "change": "changed", "changes": [
                {"path": "key_judgments[ties-deepen].confidence", "kind": "confidence", "from": "low",
                 "to": "moderate"},
                {"path": "key_judgments[ties-deepen].cites[1]", "kind": "citation-added", "from": None,
                 "to": {"source": "src-b", "lines": "2"}},
                {"path": "open_questions[rok-lethal-aid-to-ukraine].likelihood", "kind": "likelihood",
                 "from": "unlikely", "to": "roughly even chance"},
                {"path": "open_questions[rok-lethal-aid-to-ukraine].cites[0]", "kind": "citation-removed",
                 "from": {"source": "src-a", "quote": "all possible scenarios"}, "to": None}]},
            {"id": "dmz-visit", "title": "The DMZ visit", "marking": "TLP:CLEAR", "change": "changed",
             "renamed_from": "old-name", "changes": []},
            {"id": "green", "title": "Seoul's options", "marking": "TLP:CLEAR", "change": "changed", "changes": [
                {"path": "marking", "kind": "marking", "from": "TLP:GREEN", "to": "TLP:CLEAR"}]},
            {"id": "new", "title": f"Follow-up {HOSTILE}", "marking": "TLP:CLEAR", "change": "added", "changes": []},
            {"id": "restricted", "title": f"{PLANTED} sighting", "marking": "TLP:AMBER", "change": "changed",
             "changes": [{"path": "summary", "kind": "text", "from": f"The {PLANTED} channel is active.",
                          "to": f"The {PLANTED} channel is active again; {PLANTED} confirmed."}]}],
        "sources": [
            {"id": "src-b", "title": "A source", "marking": "TLP:CLEAR", "change": "changed", "changes": [
                {"path": "publisher", "kind": "text", "from": None, "to": "Yonhap"},
                {"path": "reliability", "kind": "text", "from": None, "to": "B"}]},
            {"id": "src-secret", "title": "A source", "marking": "TLP:AMBER", "change": "changed", "changes": [
                {"path": "publisher", "kind": "text", "from": None, "to": f"{PLANTED} desk"}]}],
    }


def test_json_of_the_working_tree_has_the_uncommitted_edit(capsys, history):
    code, out, err = diff(capsys, history, history["head"], "--format", "json")
    assert (code, err) == (0, "")
    assert json.loads(out) == {
        "base": history["head"], "head": None,
        "briefings": [{"id": "b", "title": "EU and Korea", "marking": "TLP:CLEAR", "change": "changed", "changes": [
            {"path": "tags[1]", "kind": "item-added", "from": None, "to": "eu"},
            {"path": "summary", "kind": "text", "from": "Borrell visits Seoul.",
             "to": "Borrell visits Seoul and the DMZ."}]}],
        "sources": [],
    }


def test_public_json_shows_a_restricted_briefing_by_its_marking_only(capsys, history):
    code, out, err = diff(capsys, history, history["base"], "--format", "json", "--max-marking", "TLP:CLEAR")
    assert (code, err) == (0, "")
    found = json.loads(out)
    assert [b["id"] for b in found["briefings"]] == ["b", "dmz-visit", "new", None, None]
    assert found["briefings"][3:] == [
        {"id": None, "title": None, "marking": "TLP:GREEN", "change": "changed", "changes": [
            {"path": "marking", "kind": "marking", "from": "TLP:GREEN", "to": "TLP:CLEAR"}]},
        {"id": None, "title": None, "marking": "TLP:AMBER", "change": "changed", "changes": []}]
    assert found["sources"] == [{"id": "src-b", "title": "A source", "marking": "TLP:CLEAR", "change": "changed",
                                 "changes": [{"path": "publisher", "kind": "text", "from": None, "to": "Yonhap"},
                                             {"path": "reliability", "kind": "text", "from": None, "to": "B"}]},
                                {"id": None, "title": None, "marking": "TLP:AMBER", "change": "changed", "changes": []}]


def test_a_public_record_does_not_name_a_restricted_one(tmp_path, capsys):
    """A successor or a re-reported source above the marking is not named by the record shown."""
    root = tmp_path / "team"
    root.mkdir()
    git(root, "init", "-q")
    write(root, "sources/src-secret.txt", SECRET_TEXT)
    write(root, "sources/src-secret.yaml", source_meta(SECRET_TEXT, marking="TLP:AMBER"))
    write(root, "sources/src-b.txt", SOURCE_B)
    write(root, "sources/src-b.yaml", source_meta(SOURCE_B))
    write(root, "briefings/x.yaml", OLD_NAME)
    write(root, "briefings/secret-successor.yaml", RESTRICTED)
    base = commit(root, "one")
    edit(root, "briefings/x.yaml", "status: published", "status: superseded\nsuperseded_by: secret-successor")
    edit(root, "sources/src-b.yaml", "title: A source\n", "title: A source\nderived_from: [src-secret]\n")
    code, out, _ = run(capsys, "diff", base, "--path", str(root), "--format", "json", "--max-marking", "TLP:CLEAR")
    assert code == 0
    found = json.loads(out)
    assert found["briefings"][0]["changes"] == [
        {"path": "status", "kind": "status", "from": "published", "to": "superseded"},
        {"path": "superseded_by", "kind": "text", "from": None, "to": None}]
    assert found["sources"][0]["changes"] == [{"path": "derived_from[0]", "kind": "item-added", "from": None,
                                               "to": None}]
    assert "secret" not in out
    assert "secret-successor" in run(capsys, "diff", base, "--path", str(root), "--format", "json")[1]


def test_a_briefing_citing_a_restricted_source_counts_as_restricted(tmp_path, capsys):
    """A public briefing that cites a TLP:AMBER source (a check error) leaks the source's words
    in its quotes: a public diff treats it as TLP:AMBER."""
    root = tmp_path / "team"
    root.mkdir()
    git(root, "init", "-q")
    write(root, "sources/src-secret.txt", SECRET_TEXT)
    write(root, "sources/src-secret.yaml", source_meta(SECRET_TEXT, marking="TLP:AMBER"))
    write(root, "briefings/x.yaml", OLD_NAME)
    base = commit(root, "one")
    edit(root, "briefings/x.yaml", "summary: Borrell tours the DMZ.\n", "summary: Borrell tours the DMZ.\ntimeline:\n"
         f"  - event: {PLANTED} moves.\n    cites:\n      - source: src-secret\n"
         "        quote: channel reports movement\n")
    code, out, _ = run(capsys, "diff", base, "--path", str(root), "--format", "json", "--max-marking", "TLP:CLEAR")
    assert code == 0
    assert json.loads(out)["briefings"] == [
        {"id": None, "title": None, "marking": "TLP:AMBER", "change": "changed", "changes": []}]


def _golden(name: str, text: str, history: dict) -> None:
    text = text.replace(history["base"][:12], "BASE")
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from its golden file (UPDATE_GOLDEN=1 to accept)"


def test_markdown_for_a_pull_request_matches_its_golden_file(capsys, history):
    code, out, err = diff(capsys, history, history["base"], "--format", "markdown")
    assert (code, err) == (0, "")
    _golden("pull-request.md", out, history)
    lines = out.splitlines()
    # The lowered marking comes first, then the moved judgments, then the briefings.
    assert lines.index("> [!WARNING]") < lines.index("### Judgments that moved") < lines.index("### Briefings")
    assert ("- EU and Korea (`b`) · `open_questions[rok-lethal-aid-to-ukraine].likelihood` (Will South Korea supply "
            "weapons to Ukraine?): **unlikely** (20-45%) → **roughly even chance** (45-55%)") in lines
    assert "> - Seoul's options (`green`): TLP:GREEN → TLP:CLEAR" in lines


def test_public_markdown_matches_its_golden_file(capsys, history):
    code, out, err = diff(capsys, history, history["base"], "--format", "markdown", "--max-marking", "TLP:CLEAR")
    assert (code, err) == (0, "")
    _golden("public.md", out, history)
    assert "- A TLP:AMBER briefing was changed (not shown: above the marking of this report)" in out


def test_markdown_never_renders_what_a_record_says_as_markup(capsys, history):
    out = diff(capsys, history, history["base"], "--format", "markdown")[1]
    assert "Follow-up" in out
    for markup in ("<img", "<script", "](javascript", "[x]", "@octocat", "#1 ", "onerror=alert(1)>"):
        assert markup not in out
    assert ("Follow-up &#60;img src&#61;x onerror&#61;alert&#40;1&#41;&#62; &#91;x&#93;&#40;javascript&#58;alert"
            "&#40;1&#41;&#41; &#64;&#8203;octocat &#35;&#8203;1") in out


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_a_restricted_briefing_leaves_no_word_in_a_public_diff(capsys, history, fmt):
    code, out, _ = diff(capsys, history, history["base"], "--format", fmt, "--max-marking", "TLP:CLEAR")
    assert code == 0
    assert PLANTED not in out and "restricted" not in out and "src-secret" not in out
    assert "TLP:AMBER" in out
    # ... which the full diff shows:
    assert PLANTED in diff(capsys, history, history["base"], "--format", fmt)[1]


def test_text_for_a_terminal(capsys, history):
    code, out, err = diff(capsys, history, history["base"], history["head"])
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == f"Compared {history['base'][:12]} with {history['head'][:12]}"
    for line in ("briefing b changed: EU and Korea",
                 "  key_judgments[ties-deepen].confidence: low -> moderate",
                 "  + key_judgments[ties-deepen].cites[1]: src-b, lines 2",
                 "  open_questions[rok-lethal-aid-to-ukraine].likelihood: unlikely (20-45%) -> "
                 "roughly even chance (45-55%)",
                 '  - open_questions[rok-lethal-aid-to-ukraine].cites[0]: src-a: "all possible scenarios"',
                 "briefing dmz-visit changed (renamed from old-name): The DMZ visit",
                 "  marking: TLP:GREEN -> TLP:CLEAR",
                 "  warning: the marking was lowered to TLP:CLEAR",
                 f"briefing new added: Follow-up {HOSTILE}",
                 "source src-b changed: A source",
                 "  reliability: (none) -> B"):
        assert line in out.splitlines(), line


def test_text_shows_control_characters_as_escapes(tmp_path, capsys):
    root = tmp_path / "team"
    root.mkdir()
    git(root, "init", "-q")
    write(root, "briefings/x.yaml", OLD_NAME)
    base = commit(root, "one")
    edit(root, "briefings/x.yaml", "summary: Borrell tours the DMZ.", 'summary: "Tours \\e[31mthe DMZ\\a."')
    out = run(capsys, "diff", base, "--path", str(root))[1]
    assert "\x1b" not in out and "\x07" not in out
    assert "summary: Borrell tours the DMZ. -> Tours \\u001b[31mthe DMZ\\u0007." in out


def test_markdown_shows_invisible_characters_by_their_code_point(tmp_path, capsys):
    root = tmp_path / "team"
    root.mkdir()
    git(root, "init", "-q")
    write(root, "briefings/x.yaml", OLD_NAME)
    base = commit(root, "one")
    edit(root, "briefings/x.yaml", "summary: Borrell tours the DMZ.", 'summary: "Tours \u202ethe DMZ\u200b."')
    out = run(capsys, "diff", base, "--path", str(root), "--format", "markdown")[1]
    assert "\u202e" not in out and "\u200b." not in out
    assert "  - `summary`: Borrell tours the DMZ. → Tours U+202Ethe DMZU+200B." in out.splitlines()


def test_nothing_changed(capsys, history):
    code, out, _ = diff(capsys, history, history["head"], history["head"], "--format", "markdown")
    assert code == 0
    assert out.endswith("No briefing or source changed.\n")
    assert diff(capsys, history, history["head"], "HEAD", "--format", "json")[1] == json.dumps(
        {"base": history["head"], "head": history["head"], "briefings": [], "sources": []}, indent=2) + "\n"


def test_neither_the_working_tree_nor_the_index_is_touched(capsys, history):
    root = history["root"]
    index = root / ".git" / "index"
    # (--no-optional-locks: git status itself would otherwise refresh the index's stat data)
    before = (git(root, "--no-optional-locks", "status", "--porcelain"), index.stat().st_mtime_ns,
              hashlib.sha256(index.read_bytes()).digest())
    listing = sorted(str(p.relative_to(root)) for p in root.rglob("*") if ".git" not in p.parts)
    for fmt in ("text", "markdown", "json"):
        assert diff(capsys, history, history["base"], "--format", fmt)[0] == 0
        assert diff(capsys, history, history["base"], history["middle"], "--format", fmt)[0] == 0
    after = (git(root, "--no-optional-locks", "status", "--porcelain"), index.stat().st_mtime_ns,
             hashlib.sha256(index.read_bytes()).digest())
    assert after == before
    assert sorted(str(p.relative_to(root)) for p in root.rglob("*") if ".git" not in p.parts) == listing
    assert before[0] == "M briefings/b.yaml"


def test_a_revision_that_does_not_exist(capsys, history):
    code, out, err = diff(capsys, history, "no-such-branch")
    assert (code, out) == (2, "")
    assert err.startswith("briefings: 'no-such-branch' is not a revision of the git repository in ")
    assert "Traceback" not in err


def test_a_folder_that_is_not_a_git_repository(capsys, tmp_path):
    code, out, err = run(capsys, "diff", "main", "--path", str(tmp_path))
    assert (code, out) == (2, "")
    assert err.startswith(f"briefings: {tmp_path} is not in a git repository")
    code, _, err = run(capsys, "diff", "main", "--path", str(tmp_path / "missing"))
    assert code == 2 and err == f"briefings: {tmp_path / 'missing'} is not a folder; give the repository with --path\n"


def test_a_git_repository_that_holds_no_briefings(capsys, tmp_path):
    root = tmp_path / "notes"
    root.mkdir()
    git(root, "init", "-q")
    write(root, "notes.txt", "not a briefing\n")
    base = commit(root, "notes")
    code, out, err = run(capsys, "diff", base, "--path", str(root))
    assert (code, out) == (2, "")
    assert err == (f"briefings: {root} is not a briefing repository: it has no briefings/ or sources/ folder in either "
                   "revision; give the repository's folder with --path\n")


def test_a_revision_whose_records_do_not_load(capsys, tmp_path):
    root = tmp_path / "team"
    root.mkdir()
    git(root, "init", "-q")
    write(root, "briefings/x.yaml", OLD_NAME)
    base = commit(root, "one")
    edit(root, "briefings/x.yaml", "title: The DMZ visit", "title: 'The DMZ visit")
    broken = commit(root, "broken")
    code, out, err = run(capsys, "diff", base, broken, "--path", str(root))
    assert (code, out) == (2, "")
    assert err.startswith(f"briefings: the records at {broken} ({broken[:12]}) do not load: briefings/x.yaml:")
    assert "fix them ('briefings check' shows every problem) or compare another revision" in err
    git(root, "checkout", "-q", base)
    write(root, "briefings/x.yaml", "title: [unclosed\n")
    code, _, err = run(capsys, "diff", base, "--path", str(root))
    assert code == 2 and err.startswith("briefings: the records in the working tree do not load: briefings/x.yaml:2:1:")


def test_a_link_in_a_revision_is_not_followed_out_of_it(capsys, tmp_path):
    root = tmp_path / "team"
    root.mkdir()
    git(root, "init", "-q")
    write(root, "briefings/x.yaml", OLD_NAME)
    base = commit(root, "one")
    secret = tmp_path / "secret.txt"
    secret.write_text(f"{PLANTED}\n", encoding="utf-8")
    (root / "sources").mkdir()
    os.symlink(secret, root / "sources" / "leak.txt")
    write(root, "sources/leak.yaml", "title: Leak\npublished: 2024-11-03\n")
    linked = commit(root, "a link")
    code, out, err = run(capsys, "diff", base, linked, "--path", str(root))
    assert (code, out) == (2, "")
    assert "sources/leak.txt:1:1: sources/leak.txt is a link to" in err and "outside the repository" in err
    assert PLANTED not in err


def test_a_folder_that_is_a_link_is_refused(capsys, tmp_path):
    root = tmp_path / "team"
    root.mkdir()
    git(root, "init", "-q")
    write(root, "briefings/x.yaml", OLD_NAME)
    base = commit(root, "one")
    elsewhere = tmp_path / "elsewhere"
    write(elsewhere, "x.yaml", OLD_NAME.replace("The DMZ visit", PLANTED))
    git(root, "rm", "-q", "-r", "briefings")
    os.symlink(elsewhere, root / "briefings")
    linked = commit(root, "a link")
    code, out, err = run(capsys, "diff", base, linked, "--path", str(root))
    assert (code, out) == (2, "")
    assert err == (f"briefings: briefings is a symbolic link at {linked[:12]}: its records would be read from "
                   "wherever it points; make briefings/ a folder of the repository\n")
    code, out, err = run(capsys, "diff", base, "--path", str(root))
    assert (code, out) == (2, "") and "briefings is a symbolic link in the working tree" in err and PLANTED not in err


def test_usage(capsys):
    with pytest.raises(SystemExit) as stop:
        run(capsys, "diff", "--help")
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: briefings diff BASE [HEAD] [--format text|markdown|json] [--path PATH] "
                          "[--max-marking TLP:...]\n")


def test_the_markdown_renders_as_text_only(capsys, history):
    """Rendered by a CommonMark renderer, what a record says makes no element and no link."""
    markdown_it = pytest.importorskip("markdown_it")
    out = diff(capsys, history, history["base"], "--format", "markdown")[1]
    html = markdown_it.MarkdownIt("commonmark").enable("table").render(out)
    assert "<img" not in html and "<script" not in html and "<a " not in html
    assert "Follow-up &lt;img src=x onerror=alert(1)&gt; [x](javascript:alert(1)) @\u200boctocat #\u200b1" in html


def test_items_without_an_id_are_matched_by_content(tmp_path, capsys):
    """A reordered list is no change, a reworded stance is one change, a new one is added; a
    renamed file edited at once is still a rename; a briefing deleted is removed."""
    root = tmp_path / "team"
    root.mkdir()
    git(root, "init", "-q")
    for sid, text in (("src-a", SOURCE_A), ("src-b", SOURCE_B)):
        write(root, f"sources/{sid}.txt", text)
        write(root, f"sources/{sid}.yaml", source_meta(text))
    two_events = BRIEFING + ('  - date: 2024-11-04\n    event: Talks open.\n    cites:\n      - source: src-b\n'
                             '        lines: "1"\n')
    write(root, "briefings/b.yaml", two_events)
    write(root, "briefings/old-name.yaml", OLD_NAME)
    write(root, "briefings/gone.yaml", GREEN)
    base = commit(root, "one")
    first, second = two_events.split("  - date: 2024-11-03\n")[1].split("  - date: 2024-11-04\n")
    text = two_events.replace("  - date: 2024-11-03\n" + first + "  - date: 2024-11-04\n" + second,
                              "  - date: 2024-11-04\n" + second + "  - date: 2024-11-03\n" + first)
    text = text.replace("stance: Wants closer ties.", "stance: Wants much closer ties.")
    text = text.replace("positions:\n", "positions:\n  - actor: josep-borrell\n    on: trade\n    stance: Wants a "
                        "new trade deal signed soon.\n    cites:\n      - source: src-b\n        lines: \"1\"\n")
    write(root, "briefings/b.yaml", text)
    os.rename(root / "briefings/old-name.yaml", root / "briefings/dmz-visit.yaml")
    edit(root, "briefings/dmz-visit.yaml", "summary: Borrell tours the DMZ.", "summary: Borrell tours the DMZ twice.")
    (root / "briefings/gone.yaml").unlink()
    new_text = SOURCE_B + "A line added on a second capture.\n"
    write(root, "sources/src-b.txt", new_text)
    write(root, "sources/src-b.yaml", source_meta(new_text))
    code, out, _ = run(capsys, "diff", base, "--path", str(root), "--format", "json")
    assert code == 0
    digests = [hashlib.sha256(t.encode()).hexdigest() for t in (SOURCE_B, new_text)]
    assert json.loads(out)["sources"] == [{"id": "src-b", "title": "A source", "marking": "TLP:CLEAR",
                                           "change": "changed", "changes": [
        {"path": "sha256", "kind": "text", "from": digests[0], "to": digests[1]},
        {"path": "text", "kind": "text", "from": digests[0], "to": digests[1]}]}]
    assert json.loads(out)["briefings"] == [
        {"id": "b", "title": "EU and Korea", "marking": "TLP:CLEAR", "change": "changed", "changes": [
            {"path": "positions[0]", "kind": "item-added", "from": None, "to": "Wants a new trade deal signed soon."},
            {"path": "positions[1].stance", "kind": "text", "from": "Wants closer ties.",
             "to": "Wants much closer ties."}]},
        {"id": "dmz-visit", "title": "The DMZ visit", "marking": "TLP:CLEAR", "change": "changed",
         "renamed_from": "old-name", "changes": [
             {"path": "summary", "kind": "text", "from": "Borrell tours the DMZ.",
              "to": "Borrell tours the DMZ twice."}]},
        {"id": "gone", "title": "Seoul's options", "marking": "TLP:GREEN", "change": "removed", "changes": []}]
    out = run(capsys, "diff", base, "--path", str(root), "--format", "markdown")[1]
    assert "`gone`: removed (TLP:GREEN, draft, dated 2024-11-04)" in out.splitlines()
    assert (f"- A source (`src-b`): changed: `sha256` {digests[0]} → {digests[1]}; the archived text changed"
            in out.splitlines())
