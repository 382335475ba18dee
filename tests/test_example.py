"""The example repository: it checks clean, and a misquote is caught in every format."""

from __future__ import annotations

import json
import re

from build_scripts.cli import main

QUOTE = "visit is aimed at taking the security and defense cooperation"


def test_example_repository_is_clean(example, capsys):
    assert main(["check", str(example.root), "--strict", "--format", "json"]) == 0
    summary = json.loads(capsys.readouterr().out)["summary"]
    assert summary["errors"] == summary["warnings"] == 0
    assert summary["briefings"] >= 2 and summary["sources"] == 2 and summary["citations"] >= 20


def test_example_sources_are_the_seed_articles_unchanged(example):
    import hashlib
    from pathlib import Path

    seeds = Path(__file__).resolve().parents[2] / "shared" / "seeds"
    if not seeds.is_dir():
        seeds = Path("/work/shared/seeds")
    archived = {hashlib.sha256(p.read_bytes()).hexdigest() for p in (example.root / "sources").glob("*.txt")}
    if seeds.is_dir():
        assert archived == {hashlib.sha256(p.read_bytes()).hexdigest() for p in seeds.glob("*.txt")}
    assert archived == {"a4ca4bd4d05bd2056454d6d11b960686b844f95bf54c6caaf39cdcc47fd3ea82",
                        "3b743caca733e7dd0493910dbc0d631487744e7a0ed5b0e1246d21827481de9b"}


def misquote(example) -> int:
    """Change one word of a quote in the example; return the quote's line."""
    path = example.root / "briefings" / "eu-rok-security-dialogue-2024-11.yaml"
    text = path.read_text()
    lines = text.split("\n")
    index = next(i for i, line in enumerate(lines) if "quote:" in line and "the security and defense" in line)
    lines[index] = lines[index].replace("the security and defense", "the security and defence")
    path.write_text("\n".join(lines))
    return index + 1


def test_misquoted_word_fails_in_all_formats(example, capsys, monkeypatch):
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    line = misquote(example)
    file = "briefings/eu-rok-security-dialogue-2024-11.yaml"

    assert main(["check", str(example.root), "--format", "text"]) == 1
    out = capsys.readouterr().out
    assert re.search(rf"^{re.escape(file)}:{line}:\d+: error BRF302: ", out, re.MULTILINE)
    assert "closest passage (line 15, " in out
    assert 'differs at "defence" where the source has "defense"' in out

    assert main(["check", str(example.root), "--format", "github"]) == 1
    out = capsys.readouterr().out
    assert re.search(rf"^::error file={re.escape(file)},line={line},col=\d+,title=BRF302::", out, re.MULTILINE)

    assert main(["check", str(example.root), "--format", "json"]) == 1
    (d,) = json.loads(capsys.readouterr().out)["diagnostics"]
    assert (d["file"], d["line"], d["code"]) == (file, line, "BRF302")
    assert "closest passage (line 15, " in d["hint"]


def test_example_carries_the_analytic_tradecraft(example):
    """The example shows each tradecraft field in use: assumptions (linchpins say what if wrong),
    judgments that name them, alternatives, a change of line, resolution criteria, credibility
    grades and implications."""
    from build_scripts.repo import load_repository

    briefings = {b.id: b for b in load_repository(example.root).briefings}
    eu, dprk = briefings["eu-rok-security-dialogue-2024-11"], briefings["dprk-russia-alignment-2024-11"]
    for briefing in (eu, dprk):
        assert any(a.linchpin for a in briefing.assumptions)
        assert all(a.if_wrong for a in briefing.assumptions if a.linchpin)
        assert all(j.id for j in briefing.key_judgments)
        assert briefing.implications
        assert {c.credibility for _, c in briefing.citations()} - {None} <= {"1", "2", "3"}
    assert [(a.likelihood, len(a.cites)) for a in eu.key_judgments[2].alternatives] == [("unlikely", 1)]
    assert [a.likelihood for a in dprk.key_judgments[4].alternatives] == ["unlikely", "very unlikely"]
    before, after = (next(q for q in b.open_questions if q.id == "rok-lethal-aid-to-ukraine") for b in (eu, dprk))
    assert (before.likelihood, after.likelihood, after.change.from_) == ("unlikely", "roughly even chance", "unlikely")
    assert "Blinken warned that North Korean troops" in after.change.reason
    assert (before.criteria, before.resolves_by) == (after.criteria, after.resolves_by)
    assert after.resolves_by.isoformat() == "2025-06-30"


def test_the_change_of_line_is_required(example, capsys):
    """Without its change: block, the DPRK briefing's move from 'unlikely' is an error naming the
    briefing of 4 November."""
    path = example.root / "briefings" / "dprk-russia-alignment-2024-11.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("    change:\n")
    end = text.index("    criteria:", start)
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    assert text.count("\n    likelihood: roughly even chance\n") == 1
    line = text.split("\n").index("    likelihood: roughly even chance") + 1
    assert main(["check", str(example.root), "--format", "json"]) == 1
    (d,) = json.loads(capsys.readouterr().out)["diagnostics"]
    assert (d["file"], d["line"], d["column"], d["code"]) == (
        "briefings/dprk-russia-alignment-2024-11.yaml", line, 17, "BRF507")
    assert d["message"] == (
        "the likelihood of 'rok-lethal-aid-to-ukraine' moved from 'unlikely' in briefing "
        "'eu-rok-security-dialogue-2024-11' (2024-11-04) to 'roughly even chance', and nothing says why")
