"""The site folder: a build replaces it whole, so it never builds into anything but its own site.

Each refused folder is refused with exit code 2 and one line that names the folder, says why
and what to do, before anything is written: every file around it is as it was, and nothing
was added (no staging folder either).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from build_scripts import cli, site, sitedir
from build_scripts.cli import main

MARKER = ".briefings-site"
WHOLE = "and a build replaces its site folder whole"
OWN_OPTION = "give --site-dir a folder of its own, such as site"
OWN_CONFIG = "set site_dir in mkdocs.yml to a folder of its own, such as site"
EMPTY_OPTION = "give --site-dir a new or empty folder"
EMPTY_CONFIG = "set site_dir in mkdocs.yml to a new or empty folder"
OLD_OPTION = "if so, delete it yourself and build again, or give --site-dir another folder"
OLD_CONFIG = "if so, delete it yourself and build again, or set site_dir in mkdocs.yml to another folder"
FOREIGN = "that folder is not empty and was not built by briefings (it has no .briefings-site file), " + WHOLE
OLD = ("that folder looks like a site built by an older version of briefings, which left no "
       ".briefings-site file in it, " + WHOLE)


@pytest.fixture
def repo(example):
    """The example repository, with a git history."""
    git = ["git", "-c", "user.name=K. Analyst", "-c", "user.email=k@example.org"]
    subprocess.run([*git, "init", "-q"], cwd=example.root, check=True)
    subprocess.run([*git, "add", "-A"], cwd=example.root, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "records"], cwd=example.root, check=True)
    return example


def snapshot(top: Path) -> dict[str, str]:
    """Every file, folder and link under ``top``: its content's digest, or what it is."""
    found = {}
    for folder, dirs, files in os.walk(top):
        for name in dirs + files:
            path = Path(folder) / name
            rel = path.relative_to(top).as_posix()
            if path.is_symlink():
                found[rel] = f"link to {os.readlink(path)}"
            elif path.is_dir():
                found[rel] = "folder"
            else:
                found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def set_site_dir(root: Path, value: str) -> None:
    config = root / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    assert "\nsite_dir: site\n" in text
    config.write_text(text.replace("\nsite_dir: site\n", f"\nsite_dir: {value}\n"), encoding="utf-8")


def thesis(root: Path) -> str:
    folder = root.parent / "Documents"
    folder.mkdir()
    (folder / "thesis.docx").write_bytes(b"PK\x03\x04 four years of work")
    return str(folder)


def old_site(root: Path) -> str:
    """A site an earlier version built: MkDocs' files, no marker."""
    for name in ("index.html", "404.html", "sitemap.xml"):
        (root / "site" / name).parent.mkdir(exist_ok=True)
        (root / "site" / name).write_text("<html></html>\n", encoding="utf-8")
    return "site"


def notes(root: Path) -> str:
    (root / "notes").mkdir()
    (root / "notes" / "todo.md").write_text("call Seoul\n", encoding="utf-8")
    return "notes"


def link_to(name: str):
    def make(root: Path) -> str:
        (root / "published").symlink_to(root / name if name != "." else root, target_is_directory=True)
        return "published"
    return make


B = "briefings/eu-rok-security-dialogue-2024-11.yaml"

#: (test id, how it is given, the value or a function of the root that sets things up and
#:  returns it, the refused folder relative to the root, problem, fix)
CASES = [
    ("dot", "option", ".", ".", "that is the repository itself, " + WHOLE, OWN_OPTION),
    ("parent", "option", "..", "..", "that folder holds the repository, " + WHOLE, OWN_OPTION),
    ("briefings", "option", "briefings", "briefings", "that is the repository's briefings/ folder, " + WHOLE,
     OWN_OPTION),
    ("sources", "option", "sources", "sources", "that is the repository's sources/ folder, " + WHOLE, OWN_OPTION),
    ("templates", "option", "templates", "templates", "that is the repository's templates/ folder, " + WHOLE,
     OWN_OPTION),
    ("git", "option", ".git", ".git", "that is the repository's .git/ folder, " + WHOLE, OWN_OPTION),
    ("docs", "option", "templates/docs", "templates/docs",
     "that is the docs folder (docs_dir in mkdocs.yml), " + WHOLE, OWN_OPTION),
    ("in-briefings", "option", "briefings/site", "briefings/site",
     "that is inside the repository's briefings/ folder, which is no place for a site", OWN_OPTION),
    ("in-git", "option", ".git/site", ".git/site",
     "that is inside the repository's .git/ folder, which is no place for a site", OWN_OPTION),
    ("in-docs", "option", "templates/docs/site", "templates/docs/site",
     "that is inside the repository's templates/ folder, which is no place for a site", OWN_OPTION),
    ("config-file", "option", "mkdocs.yml", "mkdocs.yml", "that is a file, not a folder, and a build would "
     "replace it", OWN_OPTION),
    ("briefing-file", "option", B, B, "that is a file, not a folder, and a build would replace it", OWN_OPTION),
    ("under-a-file", "option", "mkdocs.yml/site", "mkdocs.yml/site",
     "{root}/mkdocs.yml is a file, not a folder", OWN_OPTION),
    ("absolute-user-folder", "option", thesis, "../Documents", FOREIGN, EMPTY_OPTION),
    ("other-folder", "option", notes, "notes", FOREIGN, EMPTY_OPTION),
    ("older-site", "option", old_site, "site", OLD, OLD_OPTION),
    ("link-to-root", "option", link_to("."), ".", "that is the repository itself, " + WHOLE, OWN_OPTION),
    ("link-to-sources", "option", link_to("sources"), "sources",
     "that is the repository's sources/ folder, " + WHOLE, OWN_OPTION),
    ("config-dot", "config", ".", ".", "that is the repository itself, " + WHOLE, OWN_CONFIG),
    ("config-parent", "config", "..", "..", "that folder holds the repository, " + WHOLE, OWN_CONFIG),
    ("config-briefings", "config", "briefings", "briefings",
     "that is the repository's briefings/ folder, " + WHOLE, OWN_CONFIG),
    ("config-sources", "config", "sources", "sources", "that is the repository's sources/ folder, " + WHOLE,
     OWN_CONFIG),
    ("config-git", "config", ".git", ".git", "that is the repository's .git/ folder, " + WHOLE, OWN_CONFIG),
    ("config-user-folder", "config", thesis, "../Documents", FOREIGN, EMPTY_CONFIG),
    ("config-older-site", "config", old_site, "site", OLD, OLD_CONFIG),
    ("config-link-to-root", "config", link_to("."), ".", "that is the repository itself, " + WHOLE, OWN_CONFIG),
]


def expected(root: Path, how: str, given: str, refused: str, problem: str, fix: str) -> str:
    folder = (root / refused).resolve()
    origin = f"--site-dir {given}" if how == "option" else f"site_dir: {given} in mkdocs.yml"
    if given == "published":
        origin += ", which links there"
    problem = problem.replace("{root}", str(root))
    return f"briefings: cannot build the site into {folder} ({origin}): {problem}; {fix}\n"


@pytest.mark.parametrize("how, value, refused, problem, fix", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_site_folder_that_is_not_the_sites_own_is_refused_before_anything_is_written(
        repo, capfd, build_process, how, value, refused, problem, fix):
    root = repo.root
    given = value(root) if callable(value) else value
    argv = ["build", str(root)]
    if how == "option":
        argv += ["--site-dir", given]
    else:
        set_site_dir(root, given)
    top = root.parent
    before = snapshot(top)
    assert main(argv) == 2
    out, err = capfd.readouterr()
    assert (out, err) == ("", expected(root, how, given, refused, problem, fix))
    assert snapshot(top) == before


@pytest.mark.parametrize("given", [".", "briefings", "site"])
def test_the_command_refuses_in_its_own_process_too(repo, given):
    """The command as run (``python -m``), and its child process alone: one line, exit code 2."""
    old_site(repo.root)
    before = snapshot(repo.root.parent)
    for env in ({}, {cli.HANDOFF: str(repo.root.parent / "handoff.json")}):
        done = subprocess.run([sys.executable, "-m", "build_scripts.cli", "build", str(repo.root),
                               "--site-dir", given], capture_output=True, text=True, env={**os.environ, **env})
        assert (done.returncode, done.stdout) == (2, "")
        assert done.stderr.startswith(f"briefings: cannot build the site into {(repo.root / given).resolve()} "
                                      f"(--site-dir {given}): ") and done.stderr.count("\n") == 1, done.stderr
        assert snapshot(repo.root.parent) == before


def test_build_pages_refuses_as_well(repo):
    """The library call that the command and its child process make checks on its own."""
    before = snapshot(repo.root.parent)
    with pytest.raises(sitedir.UnsafeSiteDir) as refused:
        site.build_pages(repo.root, site_dir=Path("sources"))
    assert str(refused.value) == (f"cannot build the site into {repo.root / 'sources'} (--site-dir sources): "
                                  f"that is the repository's sources/ folder, {WHOLE}; {OWN_OPTION}")
    assert snapshot(repo.root.parent) == before


def test_a_site_is_built_twice_into_the_same_folder(repo, capfd, build_process):
    assert main(["build", str(repo.root)]) == 0
    assert (repo.root / "site" / MARKER).is_file()
    assert (repo.root / "site" / "index.html").is_file()
    assert main(["build", str(repo.root)]) == 0
    assert (repo.root / "site" / MARKER).is_file()
    assert sorted(p.name for p in repo.root.iterdir() if p.name.startswith(".site")) == []


@pytest.mark.parametrize("folder", ["new/deep/site", "empty", "../elsewhere/site"])
def test_a_site_is_built_into_a_new_or_empty_folder(repo, capfd, build_process, folder):
    (repo.root / "empty").mkdir()
    assert main(["build", str(repo.root), "--site-dir", folder]) == 0
    target = (repo.root / folder).resolve()
    assert (target / MARKER).is_file() and (target / "index.html").is_file()
    assert not [p for p in target.parent.iterdir() if p.name.startswith(f".{target.name}.")]


def test_a_site_folder_reached_through_a_link_is_built_where_the_link_leads(repo, capfd):
    (repo.root.parent / "www").mkdir()
    (repo.root / "published").symlink_to(repo.root.parent / "www", target_is_directory=True)
    assert main(["build", str(repo.root), "--site-dir", "published"]) == 0
    assert (repo.root / "published").is_symlink()
    assert (repo.root.parent / "www" / MARKER).is_file()
    assert main(["build", str(repo.root), "--site-dir", "published"]) == 0
    assert (repo.root / "published").is_symlink()


def test_the_marker_says_what_the_folder_is(repo, capfd):
    assert main(["build", str(repo.root)]) == 0
    assert (repo.root / "site" / MARKER).read_text(encoding="utf-8") == (
        "This folder is a site built by `briefings build`, which replaces it whole on every build.\n"
        "Keep nothing else in it.\n")


def test_mkdocs_build_refuses_through_the_plugin(repo):
    """The plugin's on_config calls :func:`sitedir.guard_mkdocs` before MkDocs cleans site_dir."""
    from mkdocs.exceptions import PluginError

    config = site.load_config(repo.root)
    config.site_dir = str(repo.root / "briefings")
    before = snapshot(repo.root.parent)
    with pytest.raises(PluginError) as refused:
        sitedir.guard_mkdocs(config)
    assert str(refused.value) == (
        f"cannot build the site into {repo.root / 'briefings'} (site_dir of MkDocs): that is the repository's "
        f"briefings/ folder, {WHOLE}; set site_dir in mkdocs.yml (or mkdocs build --site-dir) to a folder of "
        "its own, such as site")
    assert snapshot(repo.root.parent) == before
    config.site_dir = str(repo.root / "site")
    sitedir.guard_mkdocs(config)  # a new folder: it is the site's from now on
    assert (repo.root / "site" / MARKER).is_file()
    (repo.root / "site" / "index.html").write_text("<html></html>\n", encoding="utf-8")
    sitedir.guard_mkdocs(config)  # (a later build, as mkdocs serve makes them)


@pytest.mark.parametrize("given", ["briefings", ".git"])
def test_mkdocs_build_never_cleans_the_repository(repo, given):
    before = snapshot(repo.root.parent)
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-d", given], cwd=repo.root,
                          capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert done.returncode == 1
    assert f"cannot build the site into {repo.root / given} (site_dir of MkDocs)" in done.stderr
    assert snapshot(repo.root.parent) == before
