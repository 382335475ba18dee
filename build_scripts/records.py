"""The records cache: what each file of ``briefings/`` and ``sources/`` loaded into, kept
between builds, so that a build after one edit parses one file, not thousands.

``.briefings-cache/records.pack`` holds, for each record (``briefings/x.yaml``;
``sources/x``: its metadata, text and original), a hash of the bytes of its files, and the
record and the load's diagnostics as they came out of them. A build reads every file and
hashes it (a file is trusted by its name, length and bytes, never by its modification
time: a copy that keeps an older time is still seen); a record whose hash is the one kept
is taken from the cache, any other is loaded anew. The checks across records then run on
every record, as without the cache, except that a quote is not searched for again in a
source text it was found in (or not) by the previous build: ``quotes.pickle`` keeps those
verdicts, by a hash of the text and the quote (:class:`.checks.Found`). Both are only for
this tool's code as it is now (``key``): when the code, Python or a library that parses
changes, the records are loaded anew and every quote is searched for.

The records are kept as Python pickles, as Sphinx keeps its build environment, and a
pickle is code: the pack's index and each record are sealed with the user's key (see
:mod:`.sealed`), and a pack git tracks, or that another user could write, is never read.
The load's own diagnostics (a YAML error, an unknown key, a digest that does not match)
are a function of the same bytes, and are kept with the record. Deleting it is always safe.
"""

from __future__ import annotations

import json
import os
import pickle
import signal
import struct
import sys
from pathlib import Path

from . import cache, sealed
from .cache import FOLDER, committed, locked
from .checks import Found
from .repo import LoadCache

PACK = "records.pack"
#: What the last check found of each quote in its source (:class:`.checks.Found`).
VERDICTS = "quotes.pickle"
MAGIC = b"BRFREC3\n"
_HEADER = struct.Struct("<Q")  # where the index is (it follows the records, sealed)
#: A load of at least this many records new to the pack has a copy of this process
#: (a fork) pickle and write them while this one checks them (about 2 s at 1,000
#: briefings), when this one holds less than WRITE_BESIDE_MEMORY (at 5,000 it does not).
WRITE_BESIDE_FROM = 500
WRITE_BESIDE_MEMORY = 384 << 20
#: The libraries whose version changes what a file loads into.
LIBRARIES = ("pyyaml", "rapidfuzz")


def code_key() -> str:
    """What a record depends on besides its files' bytes: this tool's code, Python's version
    and those of the libraries that parse (see :func:`.cache.code_key`)."""
    return cache.code_key(LIBRARIES)


class Stored(LoadCache):
    """A :class:`.repo.LoadCache` that starts from the pack of the previous build."""

    def __init__(self, root: Path, read: bool = True) -> None:
        super().__init__(by_time=False)
        self.folder = root / FOLDER
        self.key = code_key()
        #: by record key: (hash of its files, offset and length of its pickle, its seal)
        self.kept: dict[str, tuple[bytes, int, int, bytes]] = {}
        self.fd: int | None = None
        self._verdicts: tuple[dict, dict] | None = None  # as read, by :meth:`found`
        self.writer = 0  # the process writing the pack beside this one (see :meth:`save`)
        if read:
            self._open()

    def _open(self) -> None:
        fd = sealed.open_regular(self.folder / PACK)
        if fd is None:
            return
        try:
            st = os.fstat(fd)
            if not sealed.mine(st, 0o022) or committed(self.folder):
                raise ValueError("not a pack this user's builds made")
            start = os.pread(fd, len(MAGIC) + _HEADER.size, 0)
            if start[:len(MAGIC)] != MAGIC:
                raise ValueError("not a pack")
            (at,) = _HEADER.unpack(start[len(MAGIC):])
            if not len(start) <= at <= st.st_size:
                raise ValueError("a pack cut short")
            index = sealed.unseal(os.pread(fd, st.st_size - at, at))
            header = json.loads(index) if index is not None else None
            if not isinstance(header, dict) or header.get("key") != self.key:
                raise ValueError("another version's pack, or not sealed with this user's key")
            self.kept = {key: (bytes.fromhex(digest), offset, size, bytes.fromhex(seal))
                         for key, (digest, offset, size, seal) in header["records"].items()
                         if isinstance(offset, int) and isinstance(size, int) and 0 <= offset <= offset + size <= at}
        except (OSError, ValueError, TypeError, KeyError, AttributeError, struct.error):
            os.close(fd)
            self.kept = {}
            return
        self.fd = fd

    def _blob(self, key: str) -> bytes | None:
        """The sealed pickle of ``key`` in the pack, if intact."""
        found = self.kept.get(key)
        if found is None or self.fd is None:
            return None
        try:
            data = os.pread(self.fd, found[2], found[1])
        except OSError:
            return None
        return data if sealed.valid(data, found[3]) else None

    def stored(self, key: str, digest: bytes):
        """The record and diagnostics kept for ``key`` if its files' hash is ``digest``."""
        found = self.kept.get(key)
        data = self._blob(key) if found is not None and found[0] == digest else None
        if data is None:
            return None
        try:
            record, diagnostics = pickle.loads(data)
        except Exception:  # (sealed, yet unreadable: the file is loaded anew)
            return None
        return record, diagnostics

    def save(self) -> None:
        """Write the pack of this load: the records kept unchanged are copied as they are.
        Many records to pickle (a first or clean build's) are written by a copy of this
        process while this one checks (see :meth:`_write_beside`); :meth:`close` waits for it."""
        if not self.changed and set(self.kept) == set(self.entries) and self.fd is not None:
            return
        if sealed.key() is None:
            return  # (no key: nothing is kept)
        if len(self.changed) >= WRITE_BESIDE_FROM and self._write_beside():
            return
        try:
            self.folder.mkdir(exist_ok=True)
            cache.ignored_by_git(self.folder)
            with locked(self.folder / "records"):
                self._write()
        except OSError:
            pass  # a cache that cannot be written is no cache

    def _write_beside(self) -> bool:
        """Write the pack in a forked copy of this process (whether it started): only while
        this one holds under WRITE_BESIDE_MEMORY, as the copy holds what it pickles again."""
        from .search import resident

        if not hasattr(os, "fork") or not 0 < resident() < WRITE_BESIDE_MEMORY:
            return False
        sys.stdout.flush(), sys.stderr.flush()
        try:
            pid = os.fork()
        except OSError:
            return False
        if pid == 0:  # the copy: writes the pack, and ends without running any of this process's exit code
            code = 1
            try:
                signal.signal(signal.SIGINT, signal.default_int_handler)  # (stopped: its temporary file is removed)
                self.folder.mkdir(exist_ok=True)
                cache.ignored_by_git(self.folder)
                with locked(self.folder / "records"):
                    self._write()
                code = 0
            except BaseException:
                pass  # a cache that cannot be written is no cache
            finally:
                os._exit(code)
        self.writer = pid
        return True

    def _write(self) -> None:
        """Stream every record into a new pack (its index last), then rename it over the old.
        The records kept unchanged are copied as they are, a run of them at a time, with
        their seals: what reads them checks the seals."""
        fresh = self.folder / f"{PACK}.{os.getpid()}.tmp"
        records = {}
        fd = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o600)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(MAGIC + _HEADER.pack(0))
                run = [0, 0]  # where a run of unchanged records starts in the old pack, and ends
                for key in sorted(self.entries):
                    _, digest, record, diagnostics = self.entries[key]
                    kept = self.kept.get(key)
                    if self.fd is not None and kept is not None and kept[0] == digest and key not in self.changed:
                        if kept[1] != run[1]:
                            self._copy(out, *run)
                            run = [kept[1], kept[1]]
                        run[1] += kept[2]
                        records[key] = (digest.hex(), out.tell() + run[1] - run[0] - kept[2], kept[2], kept[3].hex())
                        continue
                    self._copy(out, *run)
                    run = [0, 0]
                    data = pickle.dumps((record, diagnostics), protocol=pickle.HIGHEST_PROTOCOL)
                    seal = sealed.mac(data)
                    if seal is None:
                        return
                    records[key] = (digest.hex(), out.tell(), len(data), seal.hex())
                    out.write(data)
                self._copy(out, *run)
                at = out.tell()
                index = sealed.seal(json.dumps({"key": self.key, "records": records}).encode())
                if index is None:
                    return
                out.write(index)
                out.seek(len(MAGIC))
                out.write(_HEADER.pack(at))
            fresh.replace(self.folder / PACK)
        finally:
            fresh.unlink(missing_ok=True)

    def _copy(self, out, start: int, end: int) -> None:
        """Copy bytes ``start`` to ``end`` of the old pack to ``out``."""
        while start < end:
            chunk = os.pread(self.fd, min(end - start, 1 << 24), start)
            if not chunk:
                raise OSError("the pack was cut short")
            out.write(chunk)
            start += len(chunk)

    def found(self) -> Found:
        """What the previous build's check found of each quote (nothing if it cannot be read)."""
        found = Found()
        if self.fd is None:  # (no pack of this code: no verdicts of it either)
            return found
        data = sealed.unseal(sealed.read_regular(self.folder / VERDICTS, private=True))
        try:
            key, occurs, again = pickle.loads(data) if data is not None else (None, {}, {})
        except Exception:  # (sealed, yet unreadable: every quote is searched for)
            return found
        if key == self.key and isinstance(occurs, dict) and isinstance(again, dict):
            found.occurs, found.again = occurs, again
        self._verdicts = (found.occurs, found.again)
        return found

    def keep(self, found: Found) -> None:
        """Keep what this check found for the next build (when it found anything new)."""
        if (found.occurs, found.again) == self._verdicts or sealed.key() is None:
            return
        data = sealed.seal(pickle.dumps((self.key, found.occurs, found.again), protocol=pickle.HIGHEST_PROTOCOL))
        try:
            self.folder.mkdir(exist_ok=True)
            cache.ignored_by_git(self.folder)
            with locked(self.folder / "records"):
                if data is not None:
                    sealed.write_private(self.folder / VERDICTS, data)
        except OSError:
            pass  # a cache that cannot be written is no cache

    def close(self) -> None:
        if self.writer:
            try:
                os.waitpid(self.writer, 0)
            except ChildProcessError:
                pass
            self.writer = 0
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
