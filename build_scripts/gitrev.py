"""Read a briefing repository as it is at a git revision, without touching the checkout.

Git is asked only for what a commit holds (``git rev-parse``, ``git ls-tree``,
``git cat-file --batch``): the working tree, the index and the refs are never written.
The files of ``briefings/`` and ``sources/`` at that commit are written into a temporary
folder of our own and loaded from there by the loader the checker uses
(:func:`.repo.load_repository`), so a revision loads exactly as a checkout of it would;
the folder is removed once loaded.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from .diagnostics import Severity
from .load import MAX_FILE_BYTES
from .repo import MAX_SOURCE_BYTES, LoadCache, Repository, load_repository
from .schema import ID_PATTERN

FOLDERS = ("briefings", "sources")
#: The loader reads at most one byte past its limit, so a larger blob is written cut there.
_KEPT_BYTES = max(MAX_FILE_BYTES, MAX_SOURCE_BYTES) + 1
_ENV = {"GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0"}


class RevisionError(Exception):
    """A revision that cannot be compared; the message says why and what to do."""


@dataclass(frozen=True)
class Revision:
    """A side of the comparison: a commit, or the working tree when ``commit`` is None."""

    name: str
    commit: str | None

    @property
    def short(self) -> str:
        return self.commit[:12] if self.commit else "the working tree"


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", "-C", str(root), *args], stdin=subprocess.DEVNULL, capture_output=True,
                              env={**os.environ, **_ENV}, timeout=600)
    except FileNotFoundError:
        raise RevisionError("git is not installed: install git to compare revisions") from None
    except subprocess.TimeoutExpired:
        raise RevisionError(f"git took too long to answer in {root}") from None


def _first_line(data: bytes) -> str:
    text = data.decode("utf-8", "replace").strip()
    return text.splitlines()[0] if text else "git failed"


def require_git_repository(root: Path) -> None:
    """Refuse a folder that is missing or not inside a git repository."""
    if not root.is_dir():
        raise RevisionError(f"{root} is not a folder; give the repository with --path")
    done = _git(root, "rev-parse", "--git-dir")
    if done.returncode != 0:
        raise RevisionError(f"{root} is not in a git repository ({_first_line(done.stderr)}); "
                            "briefings diff compares git revisions: run it in a clone of the team's repository")


def resolve(root: Path, name: str) -> Revision:
    """The commit that ``name`` (a branch, tag, commit or expression such as ``HEAD~1``) names."""
    if not name or name.startswith("-") or any(c in name for c in "\0\n"):
        raise RevisionError(f"{name!r} is not a git revision; give a branch, tag or commit, such as main or HEAD~1")
    done = _git(root, "rev-parse", "--verify", "--quiet", f"{name}^{{commit}}")
    commit = done.stdout.decode("ascii", "replace").strip()
    if done.returncode != 0 or not commit:
        raise RevisionError(f"{name!r} is not a revision of the git repository in {root.resolve()}; give a branch, "
                            "tag or commit ('git log --oneline' lists commits; in a shallow clone, fetch the "
                            "history first: git fetch --unshallow)")
    return Revision(name, commit)


def has_records(root: Path, revision: Revision) -> bool:
    """Whether ``root`` holds a ``briefings/`` or ``sources/`` folder at ``revision``."""
    if revision.commit is None:
        return any(os.path.lexists(root / name) for name in FOLDERS)
    done = _git(root, "ls-tree", revision.commit, "--", *FOLDERS)
    return done.returncode == 0 and bool(done.stdout.strip())


def load_revision(root: Path, revision: Revision, cache: LoadCache | None = None) -> Repository:
    """The records of ``root`` at ``revision`` (the working tree as it is on disk when it has
    no commit), loaded by the checker's loader. Raises :class:`RevisionError` when a file of
    a briefing or source does not load, naming the file and line.

    With ``cache`` (one for both revisions), a file whose bytes are those of a file of the
    same name loaded before is not parsed again: both revisions then hold the same record."""
    if revision.commit is None:
        for name in FOLDERS:
            if (root / name).is_symlink() and not (root / name).resolve().is_relative_to(root.resolve()):
                raise RevisionError(_linked_folder(name, "in the working tree"))
        repo = load_repository(root, cache)
    else:
        folder = Path(tempfile.mkdtemp(prefix="briefings-diff-"))
        try:
            _materialise(root, revision.commit, folder)
            repo = load_repository(folder, cache)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        repo.root = root.resolve()
    repo.loaded = None  # (the cache belongs to the comparison)
    _require_loaded(repo, revision)
    return repo


def _linked_folder(name: str, where: str) -> str:
    return (f"{name} is a symbolic link {where}: its records would be read from wherever it points; "
            f"make {name}/ a folder of the repository")


def _entries(root: Path, commit: str) -> list[tuple[str, str, str]]:
    """(mode, object, path) of every file under ``briefings/`` and ``sources/`` at ``commit``."""
    done = _git(root, "ls-tree", "-r", "-z", commit, "--", *FOLDERS)
    if done.returncode != 0:
        raise RevisionError(f"cannot list the files of {commit[:12]}: {_first_line(done.stderr)}")
    found = []
    for entry in done.stdout.split(b"\0"):
        if not entry:
            continue
        info, _, raw_path = entry.partition(b"\t")
        mode, kind, obj = info.decode("ascii").split(" ")
        path = raw_path.decode("utf-8", "surrogateescape")
        parts = path.split("/")
        if kind != "blob" or parts[0] not in FOLDERS or any(p in ("", ".", "..") for p in parts):
            continue  # (a submodule, or a path git itself would not check out)
        found.append((mode, obj, path))
    return found


def _materialise(root: Path, commit: str, folder: Path) -> None:
    """Write the files of ``briefings/`` and ``sources/`` at ``commit`` under ``folder``."""
    entries = _entries(root, commit)
    for name in FOLDERS:  # (a folder of that commit, even empty, is a folder here)
        if any(path.startswith(name + "/") for _, _, path in entries):
            (folder / name).mkdir(exist_ok=True)
    try:
        process = subprocess.Popen(["git", "-C", str(root), "cat-file", "--batch"], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env={**os.environ, **_ENV})
    except FileNotFoundError:
        raise RevisionError("git is not installed: install git to compare revisions") from None
    assert process.stdin is not None and process.stdout is not None
    request = b"".join(obj.encode("ascii") + b"\n" for _, obj, _ in entries)

    def send() -> None:
        try:
            process.stdin.write(request)  # type: ignore[union-attr]
        except BrokenPipeError:
            pass
        finally:
            process.stdin.close()  # type: ignore[union-attr]

    writer = threading.Thread(target=send, daemon=True)
    writer.start()
    links = []
    try:
        for mode, obj, path in entries:
            header = process.stdout.readline().split()
            if len(header) != 3 or header[1] != b"blob":
                raise RevisionError(f"git could not read {path} at {commit[:12]}")
            size = int(header[2])
            target = folder / path
            target.parent.mkdir(parents=True, exist_ok=True)
            if mode == "120000" and "/" not in path:
                raise RevisionError(_linked_folder(path, f"at {commit[:12]}"))
            if mode == "120000":  # a symbolic link: made once every file is written (see below)
                links.append((target, process.stdout.read(size).decode("utf-8", "surrogateescape")))
            else:
                _copy(process.stdout, size, target)
            process.stdout.read(1)  # the newline after each object
    finally:
        process.stdout.close()
        process.wait()
        writer.join()
    # Links last, so that no folder written above is reached through one; the loader then
    # refuses a link that leads outside this folder, as it does in a checkout.
    for target, points_to in links:
        os.symlink(points_to, target)


def _copy(stream, size: int, target: Path) -> None:
    """Write ``size`` bytes of ``stream`` to a new file ``target`` (past the loader's limit: dropped)."""
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    with os.fdopen(fd, "wb") as out:
        left = size
        while left:
            chunk = stream.read(min(left, 1 << 20))
            if not chunk:
                raise RevisionError(f"git stopped while writing {target.name}")
            if out.tell() < _KEPT_BYTES:
                out.write(chunk[: _KEPT_BYTES - out.tell()])
            left -= len(chunk)


def _require_loaded(repo: Repository, revision: Revision) -> None:
    """Refuse a revision in which a briefing or source file did not load into a record."""
    loaded = {f"briefings/{b.id}.yaml" for b in repo.briefings}
    loaded |= {f"sources/{s}{ext}" for s in repo.sources for ext in (".yaml", ".txt")}
    failed = [d for d in repo.diagnostics if d.severity is Severity.ERROR and d.file not in loaded
              and _record_file(d.file)]
    if failed:
        first = failed[0]
        where = "in the working tree" if revision.commit is None else f"at {revision.name} ({revision.short})"
        more = f" (and {len(failed) - 1} more problem{'s' if len(failed) > 2 else ''})" if len(failed) > 1 else ""
        hint = f" ({first.hint})" if first.hint else ""
        raise RevisionError(f"the records {where} do not load: {first.file}:{first.line}:{first.column}: "
                            f"{first.message}{hint}{more}; fix them ('briefings check' shows every problem) "
                            "or compare another revision")


def _record_file(rel: str) -> bool:
    """Whether ``rel`` is the file of a briefing or source record (``briefings/<id>.yaml``...)."""
    folder, _, name = rel.partition("/")
    stem, ext = os.path.splitext(name)
    wanted = (".yaml",) if folder == "briefings" else (".yaml", ".txt") if folder == "sources" else ()
    return ext in wanted and "/" not in name and ID_PATTERN.fullmatch(stem) is not None
