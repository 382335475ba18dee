"""The site folder: which folders a build may replace, and what a stopped build left beside it.

A build replaces its site folder whole (see :mod:`.site`; ``mkdocs build`` empties it
first). So the folder must be new, empty, or a site this tool built, which it marks with a
:data:`MARKER` file; it may never be or hold the repository, one of its folders or a file.
:func:`check` says so before anything is written.

A build stages the new site in ``.<site>.new-<owner>-*`` beside the site folder and moves
the old one to ``.<site>.old-<owner>-*`` before removing it; ``<owner>`` names the build's
process (its pid and start time), so that a later build removes what a killed one left,
and only once that process is gone (:func:`remove_leftovers`).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

#: The file that marks a folder as a site of this tool.
MARKER = ".briefings-site"
MARKER_TEXT = ("This folder is a site built by `briefings build`, which replaces it whole on every build.\n"
               "Keep nothing else in it.\n")
#: The repository's own folders, which no output of the tool (a PDF, an export) is written into.
KEPT = ("briefings", "sources", "templates", ".git")
#: ... nor the site, which must not hold the build cache either.
PROTECTED = (*KEPT, ".briefings-cache")
DEFAULT_SITE_DIR = "site"


def replace_file(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` whole or not at all: through a new file beside it,
    renamed over it (a file it replaces, shared with a cached site, is never written into)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class UnsafeSiteDir(Exception):
    """A build must not replace this folder; nothing was written. The message says why and what to do."""


@dataclass(frozen=True)
class Origin:
    """Where the site folder was given, as messages name it and the way to change it."""

    shown: str  # "--site-dir ." / "site_dir: . in mkdocs.yml"
    change: str  # completed by "a folder of its own, such as site"

    @classmethod
    def option(cls, value: str | os.PathLike) -> "Origin":
        return cls(f"--site-dir {os.fspath(value)}", "give --site-dir")

    @classmethod
    def config(cls, value: str | os.PathLike) -> "Origin":
        return cls(f"site_dir: {os.fspath(value)} in mkdocs.yml", "set site_dir in mkdocs.yml to")

    @classmethod
    def mkdocs(cls) -> "Origin":
        return cls("site_dir of MkDocs", "set site_dir in mkdocs.yml (or mkdocs build --site-dir) to")


def configured(root: Path) -> tuple[str, str]:
    """``site_dir`` and ``docs_dir`` of the repository's mkdocs.yml, as written (MkDocs' defaults
    where it has none, or cannot be read: the build then says what is wrong with it)."""
    from mkdocs.exceptions import ConfigurationError
    from mkdocs.utils.yaml import yaml_load

    try:
        with open(root / "mkdocs.yml", "rb") as handle:
            data = yaml_load(handle)
    except (OSError, ConfigurationError):
        data = {}
    site_dir, docs_dir = data.get("site_dir", DEFAULT_SITE_DIR), data.get("docs_dir", "docs")
    return (site_dir if isinstance(site_dir, str) else DEFAULT_SITE_DIR,
            docs_dir if isinstance(docs_dir, str) else "docs")


def site_target(root: Path, option: Path | None) -> Path:
    """The folder ``briefings build`` builds into (``--site-dir``, else site_dir of mkdocs.yml),
    links resolved; :class:`UnsafeSiteDir` unless :func:`check` accepts it."""
    site_dir, docs_dir = configured(root)
    if option is not None:
        return check(root, option, root / docs_dir, Origin.option(option))
    return check(root, Path(site_dir), root / docs_dir, Origin.config(site_dir))


def config_target(root: Path, option: Path | None, config) -> Path:
    """:func:`site_target` for a loaded MkDocs configuration (whose paths are absolute)."""
    if option is not None:
        return check(root, option, Path(config.docs_dir), Origin.option(option))
    return check(root, Path(config.site_dir), Path(config.docs_dir), Origin.config(configured(root)[0]))


def guard_mkdocs(config) -> None:
    """For the plugin's ``on_config``: refuse (``PluginError``) a site_dir that MkDocs must not
    empty, and mark an accepted one as the site's (before MkDocs writes anything into it)."""
    from mkdocs.exceptions import PluginError

    root = Path(config.config_file_path or "mkdocs.yml").resolve().parent
    try:
        target = check(root, Path(config.site_dir), Path(config.docs_dir), Origin.mkdocs())
    except UnsafeSiteDir as exc:
        raise PluginError(str(exc)) from None
    if not (target / MARKER).is_file():
        target.mkdir(parents=True, exist_ok=True)
        mark(target)


def check(root: Path, site_dir: Path, docs_dir: Path, origin: Origin) -> Path:
    """The site folder ``site_dir`` (relative: to ``root``), links resolved, if a build may replace it.

    Refused: the repository root or a folder that holds it; ``briefings/``, ``sources/``,
    ``templates/``, ``.git`` and the docs folder, a folder that holds one or is inside one;
    a file; a folder that is not empty and holds no :data:`MARKER`.
    """
    whole = "and a build replaces its site folder whole"
    own = f"{origin.change} a folder of its own, such as {DEFAULT_SITE_DIR}"
    empty = f"{origin.change} a new or empty folder"
    root = root.resolve()
    given = Path(os.path.normpath(site_dir if site_dir.is_absolute() else root / site_dir))
    target = given

    def refuse(problem: str, fix: str) -> UnsafeSiteDir:
        shown = origin.shown + (", which links there" if given != target else "")
        return UnsafeSiteDir(f"cannot build the site into {target} ({shown}): {problem}; {fix}")

    try:
        target = given.resolve()
        docs = (docs_dir if docs_dir.is_absolute() else root / docs_dir).resolve()
        named = [((root / name).resolve(), f"the repository's {name}/ folder") for name in PROTECTED]
    except (OSError, RuntimeError) as exc:  # a loop of links
        raise refuse(f"its path cannot be followed ({exc})", own) from None
    named.append((docs, "the docs folder (docs_dir in mkdocs.yml)"))
    caches = [parent for parent in (target, *target.parents) if parent.name == ".briefings-cache"]
    if caches and caches[-1] != root / ".briefings-cache":  # (the repository's own: refused below)
        raise refuse(f"it is inside {caches[-1]}, the build cache of a repository", own)
    if target == root:
        raise refuse(f"that is the repository itself, {whole}", own)
    if root.is_relative_to(target):
        raise refuse(f"that folder holds the repository, {whole}", own)
    for path, name in named:
        if target == path:
            raise refuse(f"that is {name}, {whole}", own)
        if path.is_relative_to(target):
            raise refuse(f"that folder holds {name}, {whole}", own)
    try:
        existing = next(p for p in (target, *target.parents) if p.exists() or p.is_symlink())
        is_dir = existing.is_dir()
    except OSError as exc:
        raise refuse(f"it cannot be looked at ({exc.strerror or exc})", own) from None
    if not is_dir:
        raise refuse("that is a file, not a folder, and a build would replace it" if existing == target
                     else f"{existing} is a file, not a folder", own)
    for path, name in named:
        if target.is_relative_to(path):
            raise refuse(f"that is inside {name}, which is no place for a site", own)
    if existing != target or is_ours(target):
        return target
    try:
        if _empty(target):
            return target
    except OSError as exc:
        raise refuse(f"its files cannot be listed ({exc.strerror or exc})", empty) from None
    if _looks_like_a_site(target):
        raise refuse(f"that folder looks like a site built by an older version of briefings, which left no "
                     f"{MARKER} file in it, {whole}",
                     f"if so, delete it yourself and build again, or {origin.change} another folder")
    raise refuse(f"that folder is not empty and was not built by briefings (it has no {MARKER} file), {whole}",
                 empty)


def is_ours(folder: Path) -> bool:
    """Whether ``folder`` is a site this tool built (it holds the marker)."""
    marker = folder / MARKER
    return marker.is_file() and not marker.is_symlink()


def replaceable(folder: Path) -> bool:
    """Whether a build may still replace ``folder``: missing, empty or ours (checked again at the swap)."""
    if not folder.exists() and not folder.is_symlink():
        return True
    if not folder.is_dir() or folder.is_symlink():
        return False
    return is_ours(folder) or _empty(folder)


def _empty(folder: Path) -> bool:
    with os.scandir(folder) as entries:
        return next(entries, None) is None


def mark(folder: Path) -> None:
    """Mark ``folder`` as a site of this tool."""
    (folder / MARKER).write_text(MARKER_TEXT, encoding="utf-8")


def _looks_like_a_site(folder: Path) -> bool:
    """A site MkDocs built (an earlier version of this tool made no marker)."""
    return (folder / "index.html").is_file() and any(
        (folder / name).is_file() for name in ("sitemap.xml", "sitemap.xml.gz", "404.html"))


# What a stopped build leaves behind

def process_token(pid: int | None = None) -> str:
    """``<pid>.<start time>`` of a process (this one by default): a pid is reused, the pair is not."""
    pid = os.getpid() if pid is None else pid
    return f"{pid}.{_started(pid) or 0}"


def _started(pid: int) -> int | None:
    """When process ``pid`` started (clock ticks after boot); None when it is gone (or a zombie),
    0 where the system does not say (no /proc)."""
    try:
        data = Path(f"/proc/{pid}/stat").read_bytes()
    except FileNotFoundError:
        if not Path("/proc/self/stat").exists():
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return None
            except OSError:
                pass
            return 0
        return None
    except OSError:
        return 0
    fields = data[data.rindex(b")") + 2:].split()  # after "pid (name) ", which may hold spaces
    return None if fields[0] in (b"Z", b"X") else int(fields[19])


def _alive(token: str) -> bool:
    pid, _, start = token.partition(".")
    started = _started(int(pid))
    return started is not None and (started == 0 or int(start) in (0, started))


def new_staging(target: Path, owner: str | None = None) -> Path:
    """A new, marked folder beside ``target`` to build the site in, named for ``owner``
    (:func:`process_token` of the build; default: this process)."""
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-{owner or process_token()}-", dir=target.parent))
    try:
        mark(staging)
    except BaseException:  # (a stop while it is marked: the folder goes with it)
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return staging


def old_name(target: Path) -> Path:
    """A free name beside ``target`` to move the previous site to while it is removed."""
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-{process_token()}-", dir=target.parent))
    old.rmdir()
    return old


def leftovers(target: Path) -> list[Path]:
    """The staging and old folders beside ``target`` whose build is gone: marked (or still
    empty) folders named for a process that no longer runs."""
    named = re.compile(rf"\.{re.escape(target.name)}\.(?:new|old)-(\d+\.\d+)-[^/]+")
    found = []
    for entry in _entries(target.parent):
        match = named.fullmatch(entry.name)
        if match is None or not entry.is_dir(follow_symlinks=False) or _alive(match.group(1)):
            continue
        folder = Path(entry.path)
        try:
            if is_ours(folder) or _empty(folder):
                found.append(folder)
        except OSError:
            continue
    return sorted(found)


def remove_leftovers(target: Path) -> None:
    """Remove what builds that were killed left beside ``target`` (see :func:`leftovers`)."""
    for folder in leftovers(target):
        shutil.rmtree(folder, ignore_errors=True)


def remove_own(target: Path, owner: str) -> None:
    """Remove the staging folders beside ``target`` named for ``owner``, whose build process
    is known to be gone (``briefings build`` after its child process failed or was stopped)."""
    prefix = f".{target.name}.new-{owner}-"
    for entry in _entries(target.parent):
        if entry.name.startswith(prefix) and entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)


def _entries(folder: Path) -> list[os.DirEntry]:
    try:
        with os.scandir(folder) as entries:
            return list(entries)
    except OSError:
        return []
