"""The pre-commit hook: this repository's local hook, and the hook other repositories use."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import yaml
from pre_commit.clientlib import load_config, load_manifest

from conftest import ROOT

BRIEFING = "briefings/eu-rok-security-dialogue-2024-11.yaml"
QUOTE = "quote: 'noting his visit"


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=Test", "-c", "user.email=test@example.invalid",
                    "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args],
                   cwd=cwd, check=True, capture_output=True)


def pre_commit(cwd: Path, *args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "PRE_COMMIT"))}
    env.update(PRE_COMMIT_HOME=str(home), PATH=sysconfig.get_path("scripts") + os.pathsep + env["PATH"])
    return subprocess.run([sys.executable, "-m", "pre_commit", *args, "--color", "never"], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture
def briefing_repo(tmp_path: Path) -> Path:
    """A git repository with the example briefings and sources, and this repository's hook config."""
    root = tmp_path / "team"
    root.mkdir()
    for folder in ("briefings", "sources"):
        shutil.copytree(ROOT / folder, root / folder)
    shutil.copy(ROOT / ".pre-commit-config.yaml", root / ".pre-commit-config.yaml")
    (root / "notes.txt").write_text("not a briefing\n", encoding="utf-8")
    git(root, "init", "-q")
    git(root, "add", "-A")
    return root


def break_quote(root: Path) -> int:
    """Change one quoted word of the example briefing; return the quote's line."""
    path = root / BRIEFING
    text = path.read_text(encoding="utf-8")
    assert text.count(QUOTE) == 1
    path.write_text(text.replace(QUOTE, "quote: 'noting her visit"), encoding="utf-8")
    return text[: text.index(QUOTE)].count("\n") + 1


def test_config_is_a_local_system_hook():
    load_config(str(ROOT / ".pre-commit-config.yaml"))  # raises when pre-commit would reject it
    (repo,) = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))["repos"]
    (hook,) = repo["hooks"]
    assert repo["repo"] == "local"
    assert {k: hook[k] for k in ("id", "entry", "language", "pass_filenames", "files")} == {
        "id": "briefings-check", "entry": "briefings check", "language": "system",
        "pass_filenames": False, "files": "^(briefings|sources)/"}


def test_manifest_declares_the_hook():
    (hook,) = load_manifest(str(ROOT / ".pre-commit-hooks.yaml"))
    assert {k: hook[k] for k in ("id", "entry", "language", "pass_filenames", "files", "always_run")} == {
        "id": "briefings-check", "entry": "briefings check", "language": "python",
        "pass_filenames": False, "files": "^(briefings|sources)/", "always_run": False}


def test_local_hook_passes_then_fails_on_a_broken_quote(briefing_repo, tmp_path):
    home = tmp_path / "pre-commit-home"
    done = pre_commit(briefing_repo, "run", "--all-files", home=home)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "briefings check" in done.stdout and "Passed" in done.stdout

    line = break_quote(briefing_repo)
    git(briefing_repo, "add", BRIEFING)
    done = pre_commit(briefing_repo, "run", home=home)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Failed" in done.stdout
    assert f"{BRIEFING}:{line}:16: error BRF302: quote not found in source 'yonhap-2024-11-03-borrell-seoul'" \
        in done.stdout


def test_local_hook_skips_commits_without_briefings_or_sources(briefing_repo, tmp_path):
    home = tmp_path / "pre-commit-home"
    git(briefing_repo, "commit", "-q", "-m", "example", "--no-verify")
    break_quote(briefing_repo)  # not staged: pre-commit sets it aside while the hooks run
    (briefing_repo / "notes.txt").write_text("still not a briefing\n", encoding="utf-8")
    git(briefing_repo, "add", "notes.txt")
    done = pre_commit(briefing_repo, "run", home=home)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "(no files to check)Skipped" in done.stdout


def hook_repository(target: Path) -> str:
    """A committed copy of what pre-commit installs from this project; returns its commit."""
    target.mkdir()
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy(ROOT / name, target / name)
    shutil.copytree(ROOT / "build_scripts", target / "build_scripts",
                    ignore=shutil.ignore_patterns("__pycache__"))
    git(target, "init", "-q")
    git(target, "add", "-A")
    git(target, "commit", "-q", "-m", "hook")
    done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=target, check=True, capture_output=True, text=True)
    return done.stdout.strip()


def test_the_published_hook_installs_and_runs(briefing_repo, tmp_path):
    """Another repository's config names this project and the hook id, as in the README.

    pre-commit clones the project, installs it and its dependencies into a fresh
    virtualenv with pip, from the package index configured on the machine (about half a
    minute; the second run reuses the environment), then runs ``briefings check``.
    """
    hooks = tmp_path / "hooks"
    rev = hook_repository(hooks)
    (briefing_repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hooks}\n    rev: {rev}\n    hooks:\n      - id: briefings-check\n", encoding="utf-8")
    git(briefing_repo, "add", ".pre-commit-config.yaml")
    home = tmp_path / "pre-commit-home"
    done = pre_commit(briefing_repo, "run", "--all-files", home=home)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "briefings check" in done.stdout and "Passed" in done.stdout

    line = break_quote(briefing_repo)
    git(briefing_repo, "add", BRIEFING)
    done = pre_commit(briefing_repo, "run", home=home)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"{BRIEFING}:{line}:16: error BRF302:" in done.stdout
