"""``briefings new`` and ``briefings source add``: what they write, print and refuse."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest
import yaml


from build_scripts.repo import load_repository
from conftest import run

# Typographic quotes, an en dash, a CRLF line end and no final newline: copied as they are.
CAPTURE = "Seoul, Nov. 3 (Yonhap) \u2014 Borrell said ties must go \u201cto the next level.\u201d\r\nEnd".encode()
ADD = ("source", "add", "--id", "yonhap-borrell", "--title", "Borrell: EU-ROK ties \"to the next level\"",
       "--published", "2024-11-03", "--publisher", "Yonhap", "--url", "https://en.yna.co.kr/view/AEN2024",
       "--reliability", "B")


@pytest.fixture(autouse=True)
def environment(monkeypatch, tmp_path):
    """A known git author, and the text format whatever CI runs this under."""
    config = tmp_path / "gitconfig"
    config.write_text("[user]\n\tname = K. Analyst\n", encoding="utf-8")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    return config


@pytest.fixture
def capture(tmp_path) -> Path:
    path = tmp_path / "capture.txt"
    path.write_bytes(CAPTURE)
    return path


def uncommented(skeleton: str) -> str:
    """The skeleton with its commented sections turned on."""
    head, sep, sections = skeleton.partition("# key_actors:")
    lines = (sep + sections).split("\n")
    return head + "\n".join("" if line == "#" else line.removeprefix("# ") for line in lines)


# briefings new

HEADER = """\
# yaml-language-server: $schema=../schemas/briefing.schema.json
title: 'EU visit: "next level" ties'
date: 2024-11-05            # as-of date of the assessment
status: draft               # draft | published | superseded
marking: TLP:CLEAR          # TLP:CLEAR | TLP:GREEN | TLP:AMBER | TLP:AMBER+STRICT | TLP:RED
authors: [K. Analyst]
tags: []                    # topics, lowercase-with-hyphens: [korea, eu]
summary: |                  # Markdown: the bottom line up front
  TODO: what happened, what it means, and what we judge will happen next.

# Uncomment the sections you need.\
"""
NEXT = "next: write its title and summary, uncomment the sections you need, then run 'briefings check'\n"


def test_new_writes_a_draft(team, capsys):
    assert run(capsys, "new", "eu-visit", "--title", 'EU visit: "next level" ties', "--date", "2024-11-05",
               "--path", str(team)) == (
        0, "created briefings/eu-visit.yaml (status draft, marking TLP:CLEAR)\n" + NEXT, "")
    text = (team / "briefings" / "eu-visit.yaml").read_text(encoding="utf-8")
    assert text.startswith(HEADER)
    for section in ("key_actors", "positions", "assumptions", "key_judgments", "open_questions", "timeline",
                    "implications"):
        assert f"\n# {section}:" in text
    assert yaml.safe_load(text)["title"] == 'EU visit: "next level" ties'


def test_the_skeleton_passes_the_check(team, capsys):
    assert run(capsys, "new", "eu-visit", "--path", str(team))[0] == 0
    assert run(capsys, "check", str(team), "--format", "json", "--strict")[0] == 0
    text = (team / "briefings" / "eu-visit.yaml").read_text(encoding="utf-8")
    assert "title: 'TODO: the briefing''s headline'\n" in text


def uncommented_skeleton(example, capsys) -> Path:
    """The skeleton written into the example, dated the day after its first briefing, uncommented."""
    assert run(capsys, "new", "eu-visit", "--date", "2024-11-05", "--path", str(example.root))[0] == 0
    path = example.root / "briefings" / "eu-visit.yaml"
    path.write_text(uncommented(path.read_text(encoding="utf-8")), encoding="utf-8")
    return path


def test_the_examples_of_the_skeleton_pass_the_check(example, capsys):
    """Uncommented, every example section is valid and its citations match the example sources."""
    text = uncommented_skeleton(example, capsys).read_text(encoding="utf-8")
    assert "\ntimeline:\n" in text and "\nimplications: |" in text
    code, out, _ = run(capsys, "check", str(example.root), "--format", "text", "--strict")
    assert (code, out) == (0, "3 briefings, 2 sources, 58 citations: 0 errors, 0 warnings\n")


def test_the_uncommented_skeleton_carries_the_tradecraft_fields(example, capsys):
    uncommented_skeleton(example, capsys)
    (briefing,) = [b for b in load_repository(example.root).briefings if b.id == "eu-visit"]
    (assumption,) = briefing.assumptions
    assert (assumption.id, assumption.linchpin, assumption.if_wrong) == (
        "seoul-policy-stable", True, "Weapons could reach Ukraine without warning.")
    (judgment,) = briefing.key_judgments
    assert (judgment.id, judgment.likelihood, judgment.assumptions) == ("non-lethal-near-term", "likely",
                                                                      ["seoul-policy-stable"])
    assert [(a.hypothesis, a.likelihood, a.indicators) for a in judgment.alternatives] == [
        ("Seoul sends defensive weapons within six months.", "unlikely", ["Seoul names specific weapon types"])]
    (question,) = briefing.open_questions
    assert (question.likelihood, question.change.from_, question.change.reason) == (
        "roughly even chance", "unlikely", "Blinken warned that North Korean troops may soon join combat.")
    assert (question.criteria, question.resolves_by) == (
        "Seoul delivers weapons or ammunition to Ukraine.", dt.date(2025, 6, 30))
    assert question.resolution is None
    assert [c.credibility for p in briefing.positions for c in p.cites] == ["1"]
    assert briefing.implications == "Seoul's weapons are a lever held in reserve, not a supply to plan on.\n"


@pytest.mark.parametrize(("written", "wrong", "line", "column", "code", "message"), [
    ("      from: unlikely ", "      from: very unlikely ", 63, 13, "BRF508",
     "change.from is 'very unlikely', but the previous assessment of 'rok-lethal-aid-to-ukraine', in briefing "
     "'eu-rok-security-dialogue-2024-11' (2024-11-04), is 'unlikely'"),
    ("        likelihood: unlikely\n", "        likelihood: likely\n", 48, 7, "BRF504",
     "the judgment and its alternatives are competing outcomes, but their likelihoods add up to at least 110%: "
     "the judgment likely (55-80%), alternative 1 likely (55-80%)"),
    ("    if_wrong: Weapons", "    # if_wrong: Weapons", 36, 15, "BRF502",
     "the linchpin assumption 'seoul-policy-stable' does not say what follows if it is wrong"),
    ("assumptions: [seoul-policy-stable]", "assumptions: [seoul-policy]", 45, 19, "BRF503",
     "assumption 'seoul-policy' is not one of this briefing's assumptions"),
])
def test_the_skeleton_examples_are_held_to_the_tradecraft_rules(example, capsys, written, wrong, line, column,
                                                               code, message):
    """Uncommented, the examples are live: their question re-assesses the example's (the change of line is
    checked against the briefing of 4 November), and each rule catches the mistake."""
    path = uncommented_skeleton(example, capsys)
    text = path.read_text(encoding="utf-8")
    assert text.count(written) == 1
    path.write_text(text.replace(written, wrong), encoding="utf-8")
    assert [(d.file, d.line, d.column, d.code, d.message) for d in example.check().diagnostics] == [
        ("briefings/eu-visit.yaml", line, column, code, message)]


def test_new_without_a_git_author_writes_a_placeholder(team, capsys, environment):
    environment.write_text("", encoding="utf-8")
    assert run(capsys, "new", "eu-visit", "--path", str(team))[0] == 0
    assert "\nauthors: ['TODO: your name']\n" in (team / "briefings" / "eu-visit.yaml").read_text(encoding="utf-8")


def test_new_never_overwrites(team, capsys):
    path = team / "briefings" / "eu-visit.yaml"
    path.write_text("title: mine\n", encoding="utf-8")
    assert run(capsys, "new", "eu-visit", "--path", str(team)) == (
        2, "", "briefings: briefings/eu-visit.yaml already exists; nothing was written: "
               "choose another id, or edit the existing briefing\n")
    assert path.read_text(encoding="utf-8") == "title: mine\n"


@pytest.mark.parametrize(("argv", "err"), [
    (["EU_Visit"], "briefings: 'EU_Visit' is not a valid briefing id: use lowercase letters, digits and "
                   "single hyphens, like 'eu-visit'\n"),
    (["eu-visit", "--date", "2024-11-31"],
     "briefings: cannot write the briefing; nothing was written:\n"
     "  --date: 2024-11-31 is not a real date (day is out of range for month); "
     "check the month (01-12) and the day of the month\n"),
    (["eu-visit", "--date", "5 Nov 2024"],
     "briefings: cannot write the briefing; nothing was written:\n"
     "  --date: expected a date written YYYY-MM-DD, but found '5 Nov 2024'; write the date like 2024-11-04\n"),
    (["eu-visit", "--title", "two\nlines"],
     "briefings: --title: 'two\\nlines' has a line break or a control character; write it on one line\n"),
    (["ab-" * 99 + "c"],  # (300 characters: longer than a file name may be)
     "briefings: the briefing id is 298 characters long; an id may have at most 100: shorten it, like "
     "'ab-ab-ab-ab-ab-ab-ab-ab-ab-ab-ab-ab-ab-ab-ab-ab-ab-ab-ab-ab'\n"),
])
def test_new_refuses_invalid_values(team, capsys, argv, err):
    assert run(capsys, "new", *argv, "--path", str(team)) == (2, "", err)
    assert list((team / "briefings").iterdir()) == []


@pytest.mark.parametrize("bad", ["abc\n", "abc\r\n", "\nabc", "abc\n\n"])
def test_new_refuses_an_id_with_a_line_break(team, capsys, bad):
    # ``$`` of the id pattern matches before a final newline: only a full match will do
    assert run(capsys, "new", bad, "--path", str(team)) == (
        2, "", f"briefings: {bad!r} is not a valid briefing id: use lowercase letters, digits and "
               "single hyphens, like 'abc'\n")
    assert list((team / "briefings").iterdir()) == []


def test_new_creates_the_briefings_folder_of_a_repository_with_sources_only(team, capsys):
    (team / "briefings").rmdir()
    assert run(capsys, "new", "eu-visit", "--path", str(team))[0] == 0
    assert [p.name for p in (team / "briefings").iterdir()] == ["eu-visit.yaml"]


def test_new_outside_a_repository(tmp_path, capsys):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert run(capsys, "new", "eu-visit", "--path", str(elsewhere)) == (
        2, "", f"briefings: {elsewhere} is not a briefing repository: it has no briefings/ or sources/ "
               "folder (create both to start one)\n")
    assert list(elsewhere.iterdir()) == []


# briefings source add

METADATA = f"""\
# yaml-language-server: $schema=../schemas/source.schema.json
title: 'Borrell: EU-ROK ties "to the next level"'
published: 2024-11-03
publisher: Yonhap
url: https://en.yna.co.kr/view/AEN2024
language: en
reliability: B
marking: TLP:CLEAR
sha256: {hashlib.sha256(CAPTURE).hexdigest()}
"""


def test_source_add_archives_the_text_and_writes_metadata(team, capture, capsys):
    assert run(capsys, *ADD, str(capture), "--path", str(team)) == (0, (
        f"created sources/yonhap-borrell.txt (a byte-identical copy of {capture})\n"
        "created sources/yonhap-borrell.yaml (its metadata and sha256)\n"
        "next: cite it from a briefing with 'source: yonhap-borrell' and a quote of its words, "
        "then run 'briefings check'\n"), "")
    assert (team / "sources" / "yonhap-borrell.txt").read_bytes() == CAPTURE
    assert (team / "sources" / "yonhap-borrell.yaml").read_text(encoding="utf-8") == METADATA
    code, out, _ = run(capsys, "check", str(team), "--format", "text")
    assert code == 0
    assert out.endswith("0 briefings, 1 source, 0 citations: 0 errors, 1 warning\n")  # BRF307: not cited yet


def test_source_add_writes_every_option(team, capture, capsys):
    assert run(capsys, "source", "add", str(capture), "--id", "memo", "--title", "yes", "--published",
               "2024-11-03", "--retrieved", "2024-11-04", "--language", "ko-KR", "--reliability", "F",
               "--marking", "TLP:AMBER+STRICT", "--path", str(team))[0] == 0
    meta = (team / "sources" / "memo.yaml").read_text(encoding="utf-8")
    assert meta.splitlines()[1:7] == ["title: 'yes'", "published: 2024-11-03", "retrieved: 2024-11-04",
                                      "language: ko-KR", "reliability: F", "marking: TLP:AMBER+STRICT"]
    assert run(capsys, "check", str(team), "--format", "json")[0] == 0


@pytest.mark.parametrize("existing", ["yonhap-borrell.txt", "yonhap-borrell.yaml"])
def test_source_add_never_overwrites(team, capture, capsys, existing):
    (team / "sources" / existing).write_text("mine\n", encoding="utf-8")
    assert run(capsys, *ADD, str(capture), "--path", str(team)) == (
        2, "", f"briefings: sources/{existing} already exists; nothing was written: "
               "choose another --id, or remove the existing source first\n")
    assert [p.name for p in (team / "sources").iterdir()] == [existing]
    assert (team / "sources" / existing).read_text(encoding="utf-8") == "mine\n"


def test_source_add_refuses_text_that_is_not_utf8(team, tmp_path, capsys):
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Caf\u00e9 talks\n".encode("latin-1"))
    assert run(capsys, *ADD, str(latin), "--path", str(team)) == (
        2, "", f"briefings: {latin} is not UTF-8 text: byte 0xE9 is not valid UTF-8 at line 1, column 4; "
               "re-save the file as UTF-8 (in VS Code: 'Save with Encoding' > UTF-8)\n")
    assert list((team / "sources").iterdir()) == []


def test_source_add_refuses_an_empty_or_missing_file(team, tmp_path, capsys):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b" \n")
    assert run(capsys, *ADD, str(empty), "--path", str(team)) == (
        2, "", f"briefings: {empty} is empty; archive the captured text\n")
    missing = tmp_path / "missing.txt"
    assert run(capsys, *ADD, str(missing), "--path", str(team)) == (
        2, "", f"briefings: cannot read {missing}: No such file or directory\n")
    assert list((team / "sources").iterdir()) == []


def test_source_add_checks_values_with_the_schema(team, capture, capsys):
    assert run(capsys, "source", "add", str(capture), "--id", "memo", "--title", "", "--published",
               "2024-02-30", "--url", "javascript:alert(1)", "--reliability", "b", "--marking", "amber",
               "--language", "e n", "--path", str(team)) == (2, "", (
        "briefings: cannot write the source; nothing was written:\n"
        "  --title: the text is empty; give the option a value\n"
        "  --published: 2024-02-30 is not a real date (day is out of range for month); "
        "check the month (01-12) and the day of the month\n"
        "  --url: 'javascript:alert(1)' is not an http(s) address; write the full address, starting with https://\n"
        "  --language: expected a BCP 47 language tag, but found 'e n'; write it like en or ko-KR\n"
        "  --reliability: 'b' is not one of: A, B, C, D, E, F; did you mean 'B'?\n"
        "  --marking: 'amber' is not one of: TLP:CLEAR, TLP:GREEN, TLP:AMBER, TLP:AMBER+STRICT, TLP:RED; "
        "write the full label: TLP:AMBER\n"), )
    assert list((team / "sources").iterdir()) == []


def test_source_add_refuses_an_invalid_id(team, capture, capsys):
    assert run(capsys, "source", "add", str(capture), "--id", "../escape", "--title", "T", "--published",
               "2024-11-03", "--path", str(team)) == (
        2, "", "briefings: '../escape' is not a valid source id: use lowercase letters, digits and single "
               "hyphens, like 'escape'\n")


def test_source_add_refuses_an_id_with_a_line_break(team, capture, capsys):
    assert run(capsys, "source", "add", str(capture), "--id", "yonhap-borrell\n", "--title", "T",
               "--published", "2024-11-03", "--path", str(team)) == (
        2, "", "briefings: 'yonhap-borrell\\n' is not a valid source id: use lowercase letters, digits and "
               "single hyphens, like 'yonhap-borrell'\n")
    assert list((team / "sources").iterdir()) == []


def test_a_file_whose_stem_ends_in_a_line_break_is_not_a_record(team, capsys):
    (team / "briefings" / "abc\n.yaml").write_text("title: x\n", encoding="utf-8")
    code, out, _ = run(capsys, "check", str(team), "--format", "json")
    assert code == 1
    assert [(d["code"], d["file"], d["message"]) for d in json.loads(out)["diagnostics"]] == [
        ("BRF207", "briefings/abc\n.yaml", "the file name 'abc\\n' is not a valid id")]


# Together: archive, cite, check.

CITING = """
timeline:
  - date: 2024-11-03
    event: Borrell says EU-ROK ties must go further.
    cites:
      - source: yonhap-borrell
        quote: Borrell said ties must go "to the next level."
"""


def test_a_scaffolded_source_and_briefing_pass_then_fail_on_a_broken_quote(team, capture, capsys):
    assert run(capsys, *ADD, str(capture), "--path", str(team))[0] == 0
    assert run(capsys, "new", "eu-visit", "--title", "EU visit", "--date", "2024-11-05", "--path", str(team))[0] == 0
    path = team / "briefings" / "eu-visit.yaml"
    text = path.read_text(encoding="utf-8") + CITING
    path.write_text(text, encoding="utf-8")
    assert run(capsys, "check", str(team), "--format", "text", "--strict") == (
        0, "1 briefing, 1 source, 1 citation: 0 errors, 0 warnings\n", "")

    path.write_text(text.replace("ties must go", "ties should go"), encoding="utf-8")
    line = text.split("\n").index('        quote: Borrell said ties must go "to the next level."') + 1
    code, out, _ = run(capsys, "check", str(team), "--format", "github")
    assert code == 1
    assert out.startswith(f"::error file=briefings/eu-visit.yaml,line={line},col=16,title=BRF302::"
                          "quote not found in source 'yonhap-borrell'")
    assert out.endswith("1 briefing, 1 source, 1 citation: 1 error, 0 warnings\n")
