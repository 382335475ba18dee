"""The command line: exit codes and the exact output of each format."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from build_scripts.cli import main
from conftest import BRIEFING, run

BROKEN = BRIEFING.replace("quote: to the next level", "quote: to the nest level").replace(
    'lines: "2"\n', 'lines: "2"\n      - source: src-b\n')

TEXT = """\
briefings/b.yaml:18:16: error BRF302: quote not found in source 'src-a': "to the nest level"
 18 |         quote: to the nest level
    |                ^
  = hint: closest passage (line 2, 94.1% similar): "to the next level."; differs at "nest" where the source has "next"; copy the words exactly as the source has them

briefings/b.yaml:25:9: warning BRF305: this citation of 'src-b' has neither quote nor lines
 25 |       - source: src-b
    |         ^
  = hint: add the quote that supports the claim

1 briefing, 2 sources, 3 citations: 1 error, 1 warning
"""

GITHUB = """\
::error file=briefings/b.yaml,line=18,col=16,title=BRF302::quote not found in source 'src-a': "to the nest level"%0Aclosest passage (line 2, 94.1%25 similar): "to the next level."; differs at "nest" where the source has "next"; copy the words exactly as the source has them
::warning file=briefings/b.yaml,line=25,col=9,title=BRF305::this citation of 'src-b' has neither quote nor lines%0Aadd the quote that supports the claim
1 briefing, 2 sources, 3 citations: 1 error, 1 warning
"""


def test_clean_repository_exits_zero(repo, capsys, monkeypatch):
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    assert run(capsys, "check", str(repo.root)) == (0, "1 briefing, 2 sources, 2 citations: 0 errors, 0 warnings\n", "")


def test_text_format(repo, capsys):
    repo.write("briefings/b.yaml", BROKEN)
    assert run(capsys, "check", str(repo.root), "--format", "text") == (1, TEXT, "")


def test_github_format_and_step_summary(repo, capsys, monkeypatch, tmp_path):
    repo.write("briefings/b.yaml", BROKEN)
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert run(capsys, "check", str(repo.root), "--format", "github") == (1, GITHUB, "")
    table = summary.read_text()
    assert table.splitlines()[:6] == [
        "## Citation check failed", "",
        "1 briefing, 2 sources, 3 citations: 1 error, 1 warning", "",
        "| | Code | Where | Problem | Fix |", "|---|---|---|---|---|",
    ]
    assert "| ❌ | `BRF302` | `briefings/b.yaml:18:16` |" in table
    assert len(table.splitlines()) == 8


def test_github_is_the_default_under_github_actions(repo, capsys, monkeypatch):
    repo.write("briefings/b.yaml", BROKEN)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    assert run(capsys, "check", str(repo.root)) == (1, GITHUB, "")


def test_json_format(repo, capsys):
    repo.write("briefings/b.yaml", BROKEN)
    code, out, _ = run(capsys, "check", str(repo.root), "--format", "json")
    assert code == 1
    assert json.loads(out) == {
        "diagnostics": [
            {"severity": "error", "code": "BRF302", "file": "briefings/b.yaml", "line": 18, "column": 16,
             "message": "quote not found in source 'src-a': \"to the nest level\"",
             "hint": 'closest passage (line 2, 94.1% similar): "to the next level."; differs at "nest" '
                     'where the source has "next"; copy the words exactly as the source has them'},
            {"severity": "warning", "code": "BRF305", "file": "briefings/b.yaml", "line": 25, "column": 9,
             "message": "this citation of 'src-b' has neither quote nor lines",
             "hint": "add the quote that supports the claim"},
        ],
        "summary": {"briefings": 1, "sources": 2, "citations": 3, "errors": 1, "warnings": 1},
    }


def test_strict_fails_on_warnings(repo, capsys):
    repo.write("briefings/b.yaml", BRIEFING.replace('lines: "2"\n', 'lines: "2"\n      - source: src-b\n'))
    assert run(capsys, "check", str(repo.root), "--format", "json")[0] == 0
    assert run(capsys, "check", str(repo.root), "--format", "json", "--strict")[0] == 1


def test_usage_errors_exit_two(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["check", "--format", "xml"])
    assert exc.value.code == 2
    assert "invalid choice: 'xml'" in capsys.readouterr().err


def test_not_a_repository_exits_two(tmp_path, capsys):
    assert run(capsys, "check", str(tmp_path)) == (
        2, "", f"briefings: {tmp_path} is not a briefing repository: it has no briefings/ or sources/ folder\n")
    assert run(capsys, "check", str(tmp_path / "missing"))[0] == 2


def test_hostile_text_in_yaml_is_shown_safely(repo, capsys):
    repo.write("briefings/b.yaml", BRIEFING.replace("title: EU and Korea", "title: [\x1b[31mred"))
    code, out, _ = run(capsys, "check", str(repo.root), "--format", "text")
    assert code == 1
    assert "\x1b" not in out


def test_console_script_runs(repo):
    done = subprocess.run([sys.executable, "-m", "build_scripts.cli", "check", str(repo.root), "--format", "json"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["summary"]["errors"] == 0


def test_console_script_says_everything_before_it_exits(repo):
    # The command exits without Python's teardown: what it printed into a pipe must still
    # arrive whole, and its exit code unchanged.
    repo.write("briefings/b.yaml", BRIEFING.replace("title: EU and Korea", "title: [unclosed"))
    done = subprocess.run([sys.executable, "-m", "build_scripts.cli", "check", str(repo.root), "--format", "json"],
                          capture_output=True, text=True)
    assert done.returncode == 1
    assert json.loads(done.stdout)["summary"]["errors"] >= 1
    missing = subprocess.run([sys.executable, "-m", "build_scripts.cli", "check", str(repo.root / "missing")],
                             capture_output=True, text=True)
    assert (missing.returncode, missing.stdout) == (2, "")
    assert missing.stderr == f"briefings: {repo.root / 'missing'} is not a folder\n"


@pytest.mark.parametrize("argv", [["check"], ["explain", "BRF302"], ["score"], ["export"]])
def test_an_output_that_cannot_be_written_is_said_in_one_line(argv):
    """A full disk is not a traceback, nor an exit code that means the check found errors."""
    from conftest import ROOT

    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "build_scripts.cli", *argv], cwd=ROOT, stdout=full,
                              stderr=subprocess.PIPE, text=True)
    assert (done.returncode, done.stderr.splitlines()[-1:]) == (2, ["briefings: cannot write the output: "
                                                                     "No space left on device"])
    assert "Traceback" not in done.stderr

