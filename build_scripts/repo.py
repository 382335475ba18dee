"""Read a briefing repository from disk: files, ids, pairing, encodings and digests.

:func:`load_repository` never raises for bad content: every problem with a file
becomes a diagnostic and the file is left out of the records.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import schema
from .diagnostics import Diagnostic, Severity, code, make
from .load import MAX_FILE_BYTES, decode, load_yaml
from .model import Briefing, Source
from .capture import originals as capture_originals

TEXT_WITHOUT_METADATA = code(
    "BRF201", "text-without-metadata", Severity.ERROR, "An archived text has no metadata file",
    """
    Every `sources/<id>.txt` needs a `sources/<id>.yaml` beside it with at least the
    source's `title` and `published` date. `briefings source add` writes both.
    """,
    failing="sources/yonhap-2024-11-03.txt   (and no sources/yonhap-2024-11-03.yaml)",
    passing="sources/yonhap-2024-11-03.txt\nsources/yonhap-2024-11-03.yaml",
    failing_file="sources/yonhap-2024-11-03.txt",
)
METADATA_WITHOUT_TEXT = code(
    "BRF202", "metadata-without-text", Severity.ERROR, "A source metadata file has no archived text",
    """
    `sources/<id>.yaml` describes the archived text `sources/<id>.txt`, which must exist:
    quotes are checked against it.
    """,
    failing="sources/yonhap-2024-11-03.yaml   (and no sources/yonhap-2024-11-03.txt)",
    passing="sources/yonhap-2024-11-03.txt\nsources/yonhap-2024-11-03.yaml",
    failing_file="sources/yonhap-2024-11-03.yaml",
)
DIGEST_MISMATCH = code(
    "BRF203", "sha256-mismatch", Severity.ERROR, "The archived text does not match its recorded sha256",
    """
    The `sha256` in a source's metadata pins the archived text. A mismatch means the
    text was edited after it was archived (archived texts are never rewritten) or the
    digest was mistyped. Restore the original capture, or if the capture itself was
    wrong, archive it again and update the digest (`sha256sum sources/<id>.txt`).
    """,
    failing="sha256: 0000000000000000000000000000000000000000000000000000000000000000",
    passing="sha256: a4ca4bd4d05bd2056454d6d11b960686b844f95bf54c6caaf39cdcc47fd3ea82",
    failing_file="sources/example.yaml",
)
EMPTY_SOURCE = code(
    "BRF204", "empty-source", Severity.ERROR, "An archived text is empty",
    """
    A source with no text cannot support any citation. Archive the captured text.
    """,
    failing="sources/example.txt   (0 bytes)",
    passing="sources/example.txt   (the captured article)",
    failing_file="sources/example.txt",
)
UNEXPECTED_FILE = code(
    "BRF205", "unexpected-file", Severity.ERROR, "A file that is not part of the repository format",
    """
    `briefings/` holds only `<id>.yaml` files and `sources/` only `<id>.txt` and
    `<id>.yaml` pairs. Anything else (a `.yml` file, a `.md` note, a sub-folder) would
    be silently ignored, so it is reported. Hidden files such as `.gitkeep` are allowed.
    """,
    failing="briefings/eu-visit.yml",
    passing="briefings/eu-visit.yaml",
    failing_file="briefings/eu-visit.yml",
)
OUTSIDE_LINK = code(
    "BRF206", "link-outside", Severity.ERROR, "A symbolic link that points outside the repository",
    """
    Files in `briefings/` and `sources/` must live in the repository: a symbolic link to
    a file elsewhere could publish anything on the machine that builds the site. Copy
    the file in instead.
    """,
    failing="sources/leak.txt -> /etc/passwd",
    passing="sources/article.txt   (a regular file)",
    failing_file="sources/leak.txt",
)
BAD_FILE_ID = code(
    "BRF207", "invalid-file-id", Severity.ERROR, "A file name that is not a valid id",
    """
    File names are ids: lowercase letters and digits joined by single hyphens, since
    they become web addresses (`/briefings/<id>/`). Rename the file.
    """,
    failing="briefings/EU_Visit 2024.yaml",
    passing="briefings/eu-visit-2024.yaml",
    failing_file="briefings/EU_Visit 2024.yaml",
)
UNREADABLE = code(
    "BRF208", "unreadable-file", Severity.ERROR, "A file that cannot be read",
    """
    The file exists but could not be read (permissions, a broken link, a device).
    The message gives the system's reason.
    """,
    failing="briefings/eu-visit.yaml   (permission denied)",
    passing="briefings/eu-visit.yaml   (readable)",
)
NOT_A_FOLDER = code(
    "BRF209", "not-a-folder", Severity.ERROR, "`briefings` or `sources` is not a folder",
    """
    `briefings/` and `sources/` are folders: one YAML file per briefing, one text and
    metadata pair per source. A regular file (or a link to one) by either name holds no
    records, so nothing in it would be checked or published. Move the file away and
    create the folder.
    """,
    failing="briefings        (a file)",
    passing="briefings/\n  eu-visit.yaml",
    failing_file="briefings",
)

MAX_SOURCE_BYTES = 20 * 1024 * 1024


@dataclass
class Repository:
    """Every record that loaded, and the diagnostics of loading."""

    root: Path
    briefings: list[Briefing] = field(default_factory=list)
    sources: dict[str, Source] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    #: A hash of the bytes each file (``briefings/x.yaml``, ``sources/x.txt``) was loaded from.
    digests: dict[str, str] = field(default_factory=dict)
    #: The cache it was loaded through, if any: a hash of each record's files.
    loaded: "LoadCache | None" = field(default=None, repr=False)


@dataclass
class LoadCache:
    """What each file loaded into, kept between loads of a repository being edited.

    A file is read again only when its size or modification time changed, or when it
    was modified so shortly before the last load that a save in the same clock tick
    could hide (then its content digest decides, as git does for "racily clean" files).
    ``changed`` names the files (relative keys) that loaded anew, or disappeared.
    """

    entries: dict[str, tuple[tuple, bytes, object, list[Diagnostic]]] = field(default_factory=dict)
    changed: set[str] = field(default_factory=set)
    seen: set[str] = field(default_factory=set)
    #: Whether a file whose size and time are unchanged is taken as unchanged (within one
    #: process only: see :mod:`.records`, which trusts the bytes alone).
    by_time: bool = True
    started: int = 0  # time.time_ns() when the current load began
    previous: int = 0  # ... and when the load before it began

    def stored(self, key: str, digest: bytes) -> tuple[object, list[Diagnostic]] | None:
        """What a previous process loaded the files of ``key`` into, if their hash was
        ``digest`` (see :mod:`.records`); this cache is of this process only."""
        return None

    def begin(self) -> None:
        self.changed, self.seen = set(), set()
        self.previous, self.started = self.started, time.time_ns()


RACY_NS = 2_000_000_000  # file times within this of a load are not trusted alone


def _stats(paths: tuple[Path, ...]) -> tuple | None:
    stats = []
    for path in paths:
        try:
            st = path.stat()
        except OSError:
            return None
        stats.append((st.st_size, st.st_mtime_ns, st.st_ino))
    return tuple(stats)


_READ = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)


def _digest(paths: tuple[Path, ...]) -> bytes | None:
    """A hash of the files ``paths``: each one's name, length and every byte."""
    digest = hashlib.blake2b(digest_size=16)
    for path in paths:
        try:
            fd = os.open(path, _READ)
        except OSError:
            return None
        try:
            size = 0
            while chunk := os.read(fd, 1 << 20):
                digest.update(chunk)
                size += len(chunk)
        except OSError:
            return None
        finally:
            os.close(fd)
        digest.update(b"\0" + path.name.encode("utf-8", "surrogateescape") + b"\0" + str(size).encode() + b"\0")
    return digest.digest()


def load_repository(root: Path, cache: LoadCache | None = None) -> Repository:
    """Read ``briefings/`` and ``sources/`` under ``root`` (with ``cache``: only what changed)."""
    root = root.resolve()
    repo = Repository(root, loaded=cache)
    if cache is not None:
        cache.begin()
    _load_sources(repo, cache)
    _load_briefings(repo, cache)
    if cache is not None:
        for gone in set(cache.entries) - cache.seen:
            del cache.entries[gone]
            cache.changed.add(gone)
    return repo


def _cached(repo: Repository, cache: LoadCache | None, key: str, paths: tuple[Path, ...], load):
    """``load()`` (returning a record or None) unless ``cache`` holds the same files' result."""
    if cache is None:
        return load()
    cache.seen.add(key)
    stats = _stats(paths) if cache.by_time else ()
    found = cache.entries.get(key)
    if found is not None and stats and found[0] == stats \
            and max(mtime for _, mtime, _ in stats) < cache.previous - RACY_NS:
        repo.diagnostics.extend(found[3])
        return found[2]
    digest = _digest(paths) if stats is not None else None
    if found is not None and digest is not None and found[1] == digest:
        cache.entries[key] = (stats, digest, found[2], found[3])
        repo.diagnostics.extend(found[3])
        return found[2]
    kept = cache.stored(key, digest) if found is None and digest is not None else None
    if kept is not None:  # (what the previous build loaded the same bytes into: see :mod:`.records`)
        cache.entries[key] = (stats, digest, *kept)
        repo.diagnostics.extend(kept[1])
        return kept[0]
    cache.changed.add(key)
    before = len(repo.diagnostics)
    record = load()
    if digest is not None:
        cache.entries[key] = (stats, digest, record, repo.diagnostics[before:])
    return record


def _entries(repo: Repository, folder: str) -> list[tuple[str, Path]]:
    """Regular files of ``folder`` (sorted, hidden ones skipped), refusing escapes."""
    base = repo.root / folder
    if not base.is_dir():
        if os.path.lexists(base):
            what = "a link to nothing" if not base.exists() else "a file"
            repo.diagnostics.append(make(
                NOT_A_FOLDER, folder, 1, 1, f"{folder} is {what}, not a folder",
                f"rename the file, then create the folder {folder}/ and put "
                + ("one <id>.yaml per briefing" if folder == "briefings" else "each source's <id>.txt and <id>.yaml")
                + " in it"))
        return []
    if base.is_symlink() and not base.resolve().is_relative_to(repo.root):
        repo.diagnostics.append(make(
            OUTSIDE_LINK, folder, 1, 1, f"{folder} is a link to {base.resolve()}, outside the repository",
            f"replace the link with the folder itself: the records of {folder}/ are kept in the repository"))
        return []
    found = []
    for entry in sorted(os.scandir(base), key=lambda e: e.name):
        rel = f"{folder}/{entry.name}"
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        if entry.is_symlink():
            target = path.resolve()
            if not target.is_relative_to(repo.root):
                repo.diagnostics.append(make(
                    OUTSIDE_LINK, rel, 1, 1, f"{rel} is a link to {target}, outside the repository",
                    "replace the link with a copy of the file"))
                continue
        if entry.is_dir():
            repo.diagnostics.append(make(
                UNEXPECTED_FILE, rel, 1, 1, f"{rel} is a folder; {folder}/ holds only files",
                f"move its files directly into {folder}/"))
            continue
        found.append((rel, path))
    return found


def _read(repo: Repository, rel: str, path: Path, limit: int) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        repo.diagnostics.append(make(UNREADABLE, rel, 1, 1, f"cannot read {rel}: {exc.strerror or exc}"))
        return None
    repo.digests[rel] = hashlib.blake2b(data, digest_size=16).hexdigest()
    return data


def _stem_ok(repo: Repository, rel: str, stem: str) -> bool:
    if schema.ID_PATTERN.fullmatch(stem):
        return True
    repo.diagnostics.append(make(
        BAD_FILE_ID, rel, 1, 1, f"the file name {stem!r} is not a valid id",
        f"rename it to {schema.suggest_id(stem)!r} plus its extension"))
    return False


def _load_briefings(repo: Repository, cache: LoadCache | None = None) -> None:
    for rel, path in _entries(repo, "briefings"):
        stem, ext = os.path.splitext(path.name)
        if ext != ".yaml":
            hint = f"rename it to {stem}.yaml" if ext == ".yml" else "briefings/ holds only <id>.yaml files"
            repo.diagnostics.append(make(UNEXPECTED_FILE, rel, 1, 1, f"{rel} is not a briefing file", hint))
            continue
        if not _stem_ok(repo, rel, stem):
            continue
        briefing = _cached(repo, cache, rel, (path,), lambda: _load_briefing(repo, rel, path, stem))
        if briefing is not None:
            repo.briefings.append(briefing)


def _load_briefing(repo: Repository, rel: str, path: Path, stem: str) -> Briefing | None:
    data = _read(repo, rel, path, MAX_FILE_BYTES)
    if data is None:
        return None
    node, problems = load_yaml(data, rel)
    repo.diagnostics.extend(problems)
    if node is None:
        return None
    ctx = schema.Context(rel)
    briefing = schema.BRIEFING.convert(node, ctx, (), id=stem)
    repo.diagnostics.extend(ctx.diagnostics)
    return briefing if isinstance(briefing, Briefing) else None


def _load_sources(repo: Repository, cache: LoadCache | None = None) -> None:
    texts: dict[str, tuple[str, Path]] = {}
    metas: dict[str, tuple[str, Path]] = {}
    originals: dict[str, Path] = {}  # sources/<id>.html and .pdf, by relative path
    for rel, path in _entries(repo, "sources"):
        stem, ext = os.path.splitext(path.name)
        if ext in capture_originals.SUFFIXES and schema.ID_PATTERN.fullmatch(stem):
            originals[rel] = path
            continue
        if ext not in (".txt", ".yaml"):
            hint = f"rename it to {stem}.yaml" if ext == ".yml" else "sources/ holds only <id>.txt and <id>.yaml pairs"
            repo.diagnostics.append(make(UNEXPECTED_FILE, rel, 1, 1, f"{rel} is not a source file", hint))
            continue
        if not _stem_ok(repo, rel, stem):
            continue
        (texts if ext == ".txt" else metas)[stem] = (rel, path)
    for stem in sorted(set(texts) | set(metas)):
        if stem not in metas:
            rel = texts[stem][0]
            repo.diagnostics.append(make(
                TEXT_WITHOUT_METADATA, rel, 1, 1, f"{rel} has no metadata file sources/{stem}.yaml",
                f"create sources/{stem}.yaml with its title and published date"))
            continue
        if stem not in texts:
            rel = metas[stem][0]
            repo.diagnostics.append(make(
                METADATA_WITHOUT_TEXT, rel, 1, 1, f"{rel} describes sources/{stem}.txt, which does not exist",
                f"archive the text as sources/{stem}.txt, or remove {rel}"))
            continue
        kept = tuple(originals[r] for r in (f"sources/{stem}.html", f"sources/{stem}.pdf") if r in originals)
        source = _cached(repo, cache, f"sources/{stem}", (metas[stem][1], texts[stem][1], *kept),
                         lambda: _checked_original(repo, _load_source(repo, stem, metas[stem], texts[stem]),
                                                   metas[stem][0], originals))
        if source is not None:
            repo.sources[stem] = source
    claimed = {f"sources/{s.original}" for s in repo.sources.values() if s.original}
    for rel in sorted(set(originals) - claimed):
        stem = os.path.splitext(rel)[0].removeprefix("sources/")
        if stem in metas and stem not in repo.sources:
            continue  # its source did not load: its own diagnostics say why
        message, hint = capture_originals.unclaimed(rel)
        repo.diagnostics.append(make(UNEXPECTED_FILE, rel, 1, 1, message, hint))


def _checked_original(repo: Repository, source: Source | None, meta_rel: str,
                      originals: dict[str, Path]) -> Source | None:
    """``source``, once the original capture it names is checked (see :mod:`.capture.originals`)."""
    if source is not None:
        named = originals.get(f"sources/{source.original}") if source.original else None
        repo.diagnostics.extend(capture_originals.check(source, meta_rel, named))
    return source


def _load_source(repo: Repository, stem: str, meta: tuple[str, Path],
                 text: tuple[str, Path]) -> Source | None:
    meta_rel, meta_path = meta
    text_rel, text_path = text
    data = _read(repo, meta_rel, meta_path, MAX_FILE_BYTES)
    raw = _read(repo, text_rel, text_path, MAX_SOURCE_BYTES)
    if data is None or raw is None:
        return None
    node, problems = load_yaml(data, meta_rel)
    repo.diagnostics.extend(problems)
    if node is None:
        return None
    ctx = schema.Context(meta_rel)
    source = schema.SOURCE.convert(node, ctx, (), id=stem, text_file=text_rel)
    repo.diagnostics.extend(ctx.diagnostics)
    if not isinstance(source, Source):
        return None
    if len(raw) > MAX_SOURCE_BYTES:
        repo.diagnostics.append(make(
            UNEXPECTED_FILE, text_rel, 1, 1,
            f"{text_rel} is larger than {MAX_SOURCE_BYTES // (1024 * 1024)} MiB",
            "archive the relevant part of the document only"))
        return None
    if source.sha256 is not None:
        actual = hashlib.sha256(raw).hexdigest()
        if actual != source.sha256.lower():
            at = source.at("sha256")
            repo.diagnostics.append(make(
                DIGEST_MISMATCH, meta_rel, at.line, at.column,
                f"{text_rel} has sha256 {actual}, not the recorded {source.sha256}",
                "restore the archived text as captured; if the capture was replaced on purpose, "
                "record the new digest"))
    decoded, problem = decode(raw, text_rel)
    if problem is not None:
        repo.diagnostics.append(problem)
        return None
    assert decoded is not None
    if not decoded.strip():
        repo.diagnostics.append(make(EMPTY_SOURCE, text_rel, 1, 1, f"{text_rel} is empty",
                                     "archive the captured text in it"))
        return None
    source.text = decoded
    return source
