"""The build cache: what an incremental build reuses of the previous one.

``.briefings-cache/`` under the repository (git ignores it; deleting it is always safe)
holds, for each kind of build (the full site, a public subset, an offline site), the site
that build last made and a manifest:

- ``key``: what every page depends on beyond its own content: this tool's version, the
  engine's and the theme's, the build's options, and every byte of ``mkdocs.yml`` and
  ``templates/``. When it differs, nothing is reused.
- ``pages``: each generated page's key (:func:`page_key`: a hash of everything the theme
  shows of it) and its records' (:func:`depends_key`); ``files``: every file the engine
  was handed for the site (pages, static pages, assets), whose files a later build
  removes when they are gone.

An incremental build starts from that site, renders only the pages whose records changed
(or that list them all), and builds again, through the engine, only the pages whose key
changed; files of pages that are gone are removed. The result is the site a clean build
makes, byte for byte (the suite checks it after each kind of edit).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import subprocess
import typing
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import jinja2

from . import __version__, sealed
from .render import Page

FOLDER = ".briefings-cache"
MANIFEST = "manifest.json"


def _next(folder: Path, staging: Path) -> Path:
    """Where a build keeps its manifest until its site (built in ``staging``) is swapped in:
    each build its own, should two run at once."""
    return folder / f"manifest.next{staging.name}.json"
#: Bump when what the cache holds changes meaning.
FORMAT = 1


def page_key(page: Page, title: str | None = None) -> str:
    """A hash of all the theme shows of a generated page (``title``: the navigation's)."""
    digest = hashlib.blake2b(digest_size=16)
    for part in (page.path, page.front, page.updated or "", page.html if page.html is not None else "\0",
                 json.dumps(page.toc, sort_keys=True), page.title or "", title or ""):
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0\1")
    return digest.hexdigest()


class Built(typing.NamedTuple):
    """What a build made of a generated page: its key, and the key of the records it shows
    (``None`` for a page that shows them all, or in the navigation: always rendered)."""

    key: str
    depends: str | None = None


class RecordDigests:
    """A hash of each record's files (``briefings/x.yaml``; ``sources/x``: its text and
    metadata): of the bytes the records were loaded from (``repo``; a preview's
    :class:`.repo.LoadCache` for the files it did not read again), else read when first
    asked for. (A file saved during a build then has the hash of what the build showed,
    and the next build sees the change.)"""

    def __init__(self, root: Path, repo=None, loaded=None) -> None:
        self.root = root
        self.known: dict[str, str] = {}
        self.repo, self.loaded = repo, loaded if loaded is not None else getattr(repo, "loaded", None)

    def __getitem__(self, key: str) -> str:
        found = self.known.get(key)
        paths = [key] if key.endswith(".yaml") else [f"{key}.txt", f"{key}.yaml"]
        if found is None and self.loaded is not None and key in self.loaded.entries:
            found = self.known[key] = self.loaded.entries[key][1].hex()
        if found is None and self.repo is not None and all(path in self.repo.digests for path in paths):
            found = self.known[key] = "+".join(self.repo.digests[path] for path in paths)
        if found is None:
            digest = hashlib.blake2b(digest_size=16)
            for path in paths:
                try:
                    digest.update((self.root / path).read_bytes())
                except OSError:
                    digest.update(b"\0missing")
                digest.update(b"\0\1")
            found = self.known[key] = digest.hexdigest()
        return found


def nav_key(items) -> str:
    """A hash of the navigation every page shows: each entry's kind, title and address."""
    digest = hashlib.blake2b(digest_size=16)
    pending = list(items)
    while pending:
        item = pending.pop(0)
        children = getattr(item, "children", None) or []
        digest.update(json.dumps([type(item).__name__, item.title, getattr(item, "url", None),
                                  len(children)]).encode() + b"\0")
        pending[:0] = children
    return digest.hexdigest()


def depends_key(plan, title: str | None, digests: RecordDigests) -> str | None:
    """A hash of what a page shows, when its plan names the records (see :class:`.render.PagePlan`):
    the same records through the same templates make the same page."""
    if plan.depends is None:
        return None
    parts = [plan.path, plan.template, plan.marking, str(plan.updated), title or "",
             *[f"{key}={digests[key]}" for key in sorted(plan.depends)], *plan.shows, ""]
    return hashlib.blake2b("\0\1".join(parts).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "-"


#: The libraries whose version changes what a page looks like.
LIBRARIES = ("mkdocs-material", "pymdown-extensions", "markdown", "jinja2", "markupsafe", "nh3", "pagefind",
             "pagefind-bin-extended")


def code_key(libraries: tuple[str, ...] = LIBRARIES) -> str:
    """This tool's code (every byte of it), Python's version, the engine's and ``libraries``'."""
    import sys

    import mkdocs

    digest = hashlib.blake2b(digest_size=16)
    stamp = {"format": FORMAT, "tool": __version__, "python": sys.version,
             "engine": [mkdocs.__name__, _version(mkdocs.__name__)],
             "libraries": {name: _version(name) for name in libraries}}
    digest.update(json.dumps(stamp, sort_keys=True).encode())
    code = Path(__file__).resolve().parent
    for path in sorted(code.rglob("*.py")):
        digest.update(f"{path.relative_to(code).as_posix()}\0".encode() + path.read_bytes() + b"\0\1")
    return digest.hexdigest()


def build_key(root: Path, options: dict, folders: list[Path] = (), code: str | None = None) -> str:
    """What every page of a build depends on besides its own records (see the module):
    this tool's code, the engine's, the theme's and the libraries' versions (``code``,
    default :func:`code_key`), the build's options, ``mkdocs.yml``, ``templates/`` and the
    other ``folders`` of templates and static pages (the docs folder, the theme's ``custom_dir``)."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(json.dumps({"code": code or code_key(), "options": options}, sort_keys=True).encode())
    files = [("mkdocs.yml", root / "mkdocs.yml")]
    for number, folder in enumerate([root / "templates", *folders]):
        if folder.is_dir():
            files += [(f"{number}:{folder}/{path.relative_to(folder)}", path)
                      for path in sorted(folder.rglob("*")) if path.is_file()]
    for name, path in files:
        digest.update(name.encode("utf-8", "surrogateescape") + b"\0")
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"\0missing")
        digest.update(b"\0\1")
    return digest.hexdigest()


@dataclass
class Previous:
    """The build an incremental build starts from (empty: there is none to reuse)."""

    pages: dict[str, Built] = field(default_factory=dict)
    files: set[str] = field(default_factory=set)
    site: Path | None = None
    #: What its search index was made of (see :data:`.search.Indexed`).
    search: dict | None = None
    #: A hash of its navigation (see :func:`nav_key`).
    nav: str | None = None


class BuildCache:
    """The cache of one kind of build of the repository at ``root``."""

    def __init__(self, root: Path, options: dict, folders: list[Path] = ()) -> None:
        name = hashlib.blake2b(json.dumps(options, sort_keys=True).encode(), digest_size=6).hexdigest()
        self.folder = root / FOLDER / name
        self.code = code_key()
        self.key = build_key(root, options, folders, self.code)

    def previous(self) -> Previous:
        """The last build of this kind, when it was made with the same key (and the cache
        is not in git: see :func:`committed`)."""
        if committed(self.folder.parent):
            return Previous()
        try:
            data = json.loads((self.folder / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return Previous()
        site = self.folder / "site"
        if not isinstance(data, dict) or data.get("key") != self.key or not site.is_dir():
            return Previous()
        try:
            pages = {path: Built(*built) for path, built in data.get("pages", {}).items()
                     if isinstance(built, list) and all(isinstance(part, (str, type(None))) for part in built)}
            files = {name for name in data.get("files", []) if isinstance(name, str)}
        except (TypeError, AttributeError):
            return Previous()
        if not _intact(site, data.get("stamps")):
            return Previous()
        search = data.get("search")
        if not (isinstance(search, dict) and isinstance(search.get("parts"), list)
                and all(isinstance(key, str) for key in search["parts"])):
            search = None
        nav = data.get("nav") if isinstance(data.get("nav"), str) else None
        return Previous(pages, files, site, search, nav)

    def prepare(self, pages: dict[str, Built], files: set[str], staging: Path, nav: str | None = None) -> None:
        """Write the manifest of the build just made, for :meth:`commit` once it is swapped in."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            ignored_by_git(self.folder.parent)
            manifest = {"key": self.key, "pages": pages, "files": sorted(files), "nav": nav}
            _next(self.folder, staging).write_text(json.dumps(manifest), encoding="utf-8")
        except OSError:
            pass  # a cache that cannot be written is no cache

    @staticmethod
    def discard(folder: Path, staging: Path) -> None:
        """Forget the manifest a build that failed prepared."""
        _next(folder, staging).unlink(missing_ok=True)

    @staticmethod
    def take(folder: Path, staging: Path) -> bool:
        """Move the cached site to ``staging`` (a folder holding only its marker), to build
        the next site in. The cache holds no site until :meth:`commit`."""
        try:
            (folder / MANIFEST).unlink()
            for entry in staging.iterdir():
                entry.unlink()
            staging.rmdir()
            (folder / "site").rename(staging)
        except OSError:
            return False
        return True

    @staticmethod
    def commit(folder: Path, staging: Path, site: Path, search: dict | None, old: Path | None = None) -> None:
        """Keep ``site`` in the cache ``folder`` as hard links, with the prepared manifest and
        what its search index was made of (``staging``: where it was built). ``old``: the
        site it replaced, which becomes the cache once made the same as ``site`` (only what
        changed is linked again), or is removed."""
        prepared = _next(folder, staging)
        fresh = folder / "site.new"
        try:
            shutil.rmtree(fresh, ignore_errors=True)
            manifest = json.loads(prepared.read_text(encoding="utf-8"))
            for left in folder.glob("manifest.next*.json"):  # (this build's, and any a killed build left)
                left.unlink(missing_ok=True)
            (folder / MANIFEST).unlink(missing_ok=True)  # (no manifest: a half-saved cache is never read)
            # (the old site shares with this one every file it did not build again: it
            # becomes the cache, only what changed linked anew; the cache's copy a build
            # did not start from is gone already: see :func:`.site.build_pages`)
            if old is not None and old.is_dir() and not old.is_symlink():
                mirror(site, old)
                old.rename(fresh)
                old = None
            else:
                link_tree(site, fresh)
            shutil.rmtree(folder / "site", ignore_errors=True)
            fresh.rename(folder / "site")
            kept = {**manifest, "search": search, "stamps": stamps(folder / "site")}
            (folder / MANIFEST).write_text(json.dumps(kept), encoding="utf-8")
        except (OSError, ValueError):
            shutil.rmtree(fresh, ignore_errors=True)
        finally:
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)


class CompiledTemplates:
    """The compiled page and theme templates, kept between builds in
    ``.briefings-cache/templates/`` (a Jinja bytecode cache: each template by its name and
    file, checked against its source's checksum and against this Python's and Jinja's
    version, as Jinja does). Compiling Material's templates and ours costs a build most of
    a second. A compiled template is code: each file is sealed with the user's key and
    loaded only if it is intact (see :mod:`.sealed`). An environment's settings change
    what its templates compile to: each environment has a folder of its own, named by
    them and by this tool's code (``code``: its :func:`code_key`). ``read``: false for a
    clean build, which only writes."""

    def __init__(self, root: Path, code: str, read: bool = True) -> None:
        self.folder, self.code, self.read = root / FOLDER / "templates", code, read

    def for_env(self, env) -> "_SealedBytecode":
        """A bytecode cache for the Jinja environment ``env``, as it is set up now."""
        settings = [self.code, type(env).__qualname__, sorted(env.extensions), env.block_start_string,
                    env.block_end_string, env.variable_start_string, env.variable_end_string,
                    env.comment_start_string, env.comment_end_string, env.line_statement_prefix,
                    env.line_comment_prefix, env.trim_blocks, env.lstrip_blocks, env.newline_sequence,
                    env.keep_trailing_newline, env.optimized, _described(env.autoescape)]
        name = hashlib.blake2b(json.dumps(settings, default=repr).encode(), digest_size=8).hexdigest()
        return _SealedBytecode(self.folder / name, self.read)


class _SealedBytecode(jinja2.BytecodeCache):
    """One environment's compiled templates in ``folder``, each file sealed (see :mod:`.sealed`)."""

    def __init__(self, folder: Path, read: bool) -> None:
        self.folder, self.read = folder, read

    def load_bytecode(self, bucket) -> None:
        code = sealed.unseal(sealed.read_regular(self.folder / f"{bucket.key}.code")) if self.read else None
        if code is not None:
            try:
                bucket.load_bytecode(io.BytesIO(code))
            except Exception:  # (it was sealed, yet cannot be read: compiled again)
                bucket.reset()

    def dump_bytecode(self, bucket) -> None:
        out = io.BytesIO()
        bucket.write_bytecode(out)
        data = sealed.seal(out.getvalue())
        if data is not None:
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                sealed.write_private(self.folder / f"{bucket.key}.code", data)
            except OSError:
                pass  # (not kept: compiled again next time)


def _described(value) -> str:
    """A setting that may be a function (Jinja's ``autoescape``): its name and what it closes over."""
    if not callable(value):
        return repr(value)
    cells = [cell.cell_contents for cell in getattr(value, "__closure__", None) or ()]
    return f"{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', '')}{cells!r}"


@contextlib.contextmanager
def locked(folder: Path | None):
    """Hold the lock of ``folder`` (a cache's: one build at a time reads or replaces it)."""
    try:
        import fcntl
    except ImportError:  # (no such locks here: builds of one kind at once are rare)
        fcntl = None
    if fcntl is None or folder is None:
        yield
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle = open(folder / ".lock", "a+b")
    except OSError:
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def stamps(site: Path) -> dict[str, list[int]] | None:
    """Each file of ``site`` with its size, modification time and inode; ``None`` when the
    folder holds anything but folders and regular files (a link could lead a build outside)."""
    found: dict[str, list[int]] = {}
    folders = [(str(site), "")]
    try:
        while folders:
            folder, prefix = folders.pop()
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        folders.append((entry.path, f"{prefix}{entry.name}/"))
                    elif entry.is_file(follow_symlinks=False):
                        st = entry.stat(follow_symlinks=False)
                        found[prefix + entry.name] = [st.st_size, st.st_mtime_ns, st.st_ino]
                    else:
                        return None
    except OSError:
        return None
    return found


def _intact(site: Path, recorded) -> bool:
    """Whether the cached ``site`` is as the build that kept it left it: no file written
    into since (``site/`` shares its files with it: an edit there is an edit here), added
    or removed, and no link in it."""
    return recorded is not None and stamps(site) == recorded


def committed(folder: Path) -> bool:
    """Whether git tracks a file in the cache ``folder``. Such a cache came with a commit,
    a pull request's perhaps, and could hold any page: it is never used."""
    try:
        done = subprocess.run(["git", "-C", str(folder.parent), "ls-files", "-z", "--", folder.name],
                              capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return False  # (no git: nothing is committed)
    return done.returncode == 0 and bool(done.stdout)


def ignored_by_git(folder: Path) -> None:
    """A ``.gitignore`` in the cache folder that ignores all of it."""
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# The build cache of briefings: safe to delete.\n*\n", encoding="utf-8")


def mirror(source: Path, target: Path) -> None:
    """Make the folder ``target`` hold what ``source`` holds, as hard links to its files,
    touching only what differs: a file of ``target`` that is not the very file of ``source``
    (another inode) is replaced, what ``source`` lacks is removed."""
    folders = [Path()]
    while folders:
        rel = folders.pop()
        here, there = source / rel, target / rel
        with os.scandir(here) as entries:
            wanted = {entry.name: entry for entry in entries}
        try:
            with os.scandir(there) as entries:
                present = {entry.name: entry for entry in entries}
        except FileNotFoundError:
            there.mkdir()
            present = {}
        for name, entry in present.items():
            if name not in wanted:
                _remove(entry)
        for name, entry in wanted.items():
            other = present.get(name)
            if entry.is_dir(follow_symlinks=False):
                if other is not None and not other.is_dir(follow_symlinks=False):
                    _remove(other)
                folders.append(rel / name)
                continue
            if other is not None:
                if not other.is_dir(follow_symlinks=False) and os.path.samestat(
                        entry.stat(follow_symlinks=False), other.stat(follow_symlinks=False)):
                    continue
                _remove(other)
            _link(entry.path, str(there / name))


def _remove(entry: os.DirEntry) -> None:
    if entry.is_dir(follow_symlinks=False):
        shutil.rmtree(entry.path)
    else:
        os.unlink(entry.path)


def _link(source: str, target: str) -> None:
    try:
        os.link(source, target, follow_symlinks=False)
    except OSError:
        shutil.copy2(source, target, follow_symlinks=False)


def link_tree(source: Path, target: Path) -> None:
    """A copy of the folder ``source`` at ``target`` made of hard links (copies where the
    file system has none)."""
    shutil.copytree(source, target, copy_function=_link, symlinks=True, dirs_exist_ok=True)
