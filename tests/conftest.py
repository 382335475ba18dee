"""Shared fixtures: a small valid repository written into a temporary folder."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from build_scripts import engine

engine.select()  # the default engine, for the builds run in this process (before anything imports one)
from build_scripts import cli
from build_scripts.checks import Result, check_repository
from build_scripts.repo import load_repository

ROOT = Path(__file__).resolve().parent.parent

SOURCE_A = (
    "Line one of the archive.\n"
    "The EU wants to take security and defense cooperation \u201cto the next level.\u201d\n"
    "Seoul is considering \u201call possible scenarios\u201d \u2013 including weapons.\n"
)
SOURCE_B = "Another text entirely.\nNorth Korean troops may soon join combat.\n"

BRIEFING = """\
title: EU and Korea
date: 2024-11-04
status: published
marking: TLP:CLEAR
authors: [K. Analyst]
tags: [korea, eu]
summary: Borrell visits Seoul.
key_actors:
  - id: josep-borrell
    name: Josep Borrell
positions:
  - actor: josep-borrell
    on: security
    stance: Wants closer ties.
    date: 2024-11-03
    cites:
      - source: src-a
        quote: to the next level
timeline:
  - date: 2024-11-03
    event: Troops move.
    cites:
      - source: src-b
        lines: "2"
"""


def source_meta(text: str, **extra: str) -> str:
    lines = ["title: A source", "published: 2024-11-03",
             f"sha256: {hashlib.sha256(text.encode()).hexdigest()}"]
    lines += [f"{k}: {v}" for k, v in extra.items()]
    return "\n".join(lines) + "\n"


class Repo:
    """A temporary repository that tests edit file by file."""

    def __init__(self, root: Path):
        self.root = root

    def write(self, rel: str, content: str | bytes) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    def check(self) -> Result:
        return check_repository(load_repository(self.root))

    def found(self) -> list[tuple[str, int, int, str]]:
        """(file, line, column, code) of every diagnostic."""
        return [(d.file, d.line, d.column, d.code) for d in self.check().diagnostics]


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    r = Repo(tmp_path / "repo")
    r.write("sources/src-a.txt", SOURCE_A)
    r.write("sources/src-a.yaml", source_meta(SOURCE_A))
    r.write("sources/src-b.txt", SOURCE_B)
    r.write("sources/src-b.yaml", source_meta(SOURCE_B))
    r.write("briefings/b.yaml", BRIEFING)
    return r


@pytest.fixture
def example(tmp_path: Path) -> Repo:
    """A copy of the example repository of this project."""
    target = tmp_path / "example"
    for folder in ("briefings", "sources", "templates"):
        shutil.copytree(ROOT / folder, target / folder)
    shutil.copy(ROOT / "mkdocs.yml", target / "mkdocs.yml") if (ROOT / "mkdocs.yml").exists() else None
    return Repo(target)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """The ``briefings`` command run in this process: (exit code, stdout, stderr)."""
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def team(tmp_path) -> Path:
    """An empty briefing repository."""
    root = tmp_path / "team"
    (root / "briefings").mkdir(parents=True)
    (root / "sources").mkdir()
    return root


@pytest.fixture(params=["in process", "in a child process"])
def build_process(request, monkeypatch):
    """Build in this process, or (as a large repository is built) in a child process."""
    if request.param == "in a child process":
        monkeypatch.setattr(cli, "CHILD_ABOVE_BYTES", 0)
    return request.param
