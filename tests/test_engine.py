"""The site builds with either engine: ProperDocs (the default when installed) or MkDocs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from build_scripts.engine import ENV

#: Makes this process behave as if MkDocs were not installed: only ProperDocs is.
WITHOUT_MKDOCS = '''
import sys

class NoMkDocs:
    def find_spec(self, fullname, path=None, target=None):
        if fullname == "mkdocs" or fullname.startswith("mkdocs."):
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        return None

sys.meta_path.insert(0, NoMkDocs())
'''


def run(command: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess:
    inherited = {k: v for k, v in os.environ.items() if k != ENV}  # (the suite's own choice)
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={**inherited, "NO_MKDOCS_2_WARNING": "1", **env})


def site_files(site: Path) -> dict[str, bytes]:
    generator = re.compile(rb'<meta name="generator" content="[^"]*">')
    return {str(p.relative_to(site)): generator.sub(b"", p.read_bytes())
            for p in sorted(site.rglob("*")) if p.is_file() and p.suffix != ".gz"}


def test_both_engines_build_the_same_site(example, tmp_path):
    sites = {}
    for engine in ("properdocs", "mkdocs"):
        result = run(["briefings", "build", "--engine", engine, "--site-dir", str(tmp_path / engine)], example.root)
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
        sites[engine] = site_files(tmp_path / engine)
        generator = (tmp_path / engine / "index.html").read_text(encoding="utf-8")
        assert ("ProperDocs" in generator) == (engine == "properdocs")
    differing = [path for path in sites["mkdocs"] if sites["mkdocs"][path] != sites["properdocs"].get(path)
                 and not path.startswith("sitemap") and path != "guide/index.html"]
    assert sorted(sites["mkdocs"]) == sorted(sites["properdocs"])
    assert differing == []


def test_properdocs_is_the_default_when_installed_and_builds_without_mkdocs(example, tmp_path):
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(WITHOUT_MKDOCS, encoding="utf-8")
    env = {"PYTHONPATH": os.pathsep.join([str(hooks), *filter(None, [os.environ.get("PYTHONPATH")])])}
    blocked = run([sys.executable, "-c", "import mkdocs"], example.root, **env)
    assert "No module named 'mkdocs'" in blocked.stderr
    built = run(["briefings", "build", "--site-dir", str(tmp_path / "site")], example.root, **env)
    assert built.returncode == 0, built.stderr
    assert "ProperDocs" in (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    refused = run(["briefings", "build", "--engine", "mkdocs", "--site-dir", str(tmp_path / "other")],
                  example.root, **env)
    assert (refused.returncode, refused.stderr) == (2, (
        "briefings: mkdocs is not installed: install it with 'python3 -m pip install mkdocs', "
        "or build with --engine properdocs\n"))
    assert not (tmp_path / "other").exists()


def test_the_engine_is_kept_by_the_child_process_of_a_large_build(example, tmp_path):
    # Over 10 MB: the pages are rendered in a child process, whose default would be ProperDocs.
    briefing = (example.root / "briefings" / "eu-rok-security-dialogue-2024-11.yaml").read_text(encoding="utf-8")
    for n in range(6):
        example.write(f"briefings/padding-{n}.yaml", ("# " + "padding " * 100 + "\n") * 2_300 + briefing)
    result = run(["briefings", "build", "--engine", "mkdocs", "--site-dir", str(tmp_path / "site")], example.root)
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "site" / "briefings" / "padding-0" / "index.html").read_text(encoding="utf-8")
    assert '<meta name="generator" content="mkdocs-1.' in page


@pytest.mark.parametrize("command", ["properdocs", "mkdocs"])
def test_each_engine_s_own_command_builds_through_the_plugin(example, tmp_path, command):
    result = run([command, "build", "-f", "mkdocs.yml", "-d", str(tmp_path / "out")], example.root)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "briefings" / "dprk-russia-alignment-2024-11" / "index.html").is_file()
