"""The records cache: what each file of ``briefings/`` and ``sources/`` loaded into, kept
between builds, so that a build after one edit parses one file, not thousands.

``.briefings-cache/records.pack`` holds, for each record (``briefings/x.yaml``;
``sources/x``: its metadata, text and original), a hash of the bytes of its files, and the
record and the load's diagnostics as they came out of them. A build reads every file and
hashes it (a file is trusted by its bytes, never by its modification time: a copy that
keeps an older time is still seen); a record whose hash is the one kept is taken from the
cache, any other is loaded anew. Every check then runs on every record, as without the
cache. The pack is only for this tool's code as it is now (``key``): when the code, Python
or a library that parses changes, the records are loaded anew.

The records are kept as Python pickles, as Sphinx keeps its build environment: a pack is
read only when it is a regular file of the user running the build, that nobody else may
write, and that git does not track (a pack that came with a commit is never read).
Deleting it is always safe.
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import stat
import struct
import typing
from pathlib import Path

from . import cache
from .cache import FOLDER, committed, locked
from .repo import LoadCache

PACK = "records.pack"
MAGIC = b"BRFREC1\n"
_HEADER = struct.Struct("<Q")  # the length of the index that follows the magic
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
        #: by record key: (hash of its files, offset and length of its pickle in the pack)
        self.kept: dict[str, tuple[bytes, int, int]] = {}
        self.pack: typing.BinaryIO | None = None
        self.base = 0
        if read:
            self._open()

    def _open(self) -> None:
        path = self.folder / PACK
        try:
            handle = open(path, "rb")
        except OSError:
            return
        try:
            st = os.fstat(handle.fileno())
            if not stat.S_ISREG(st.st_mode) or st.st_uid != os.getuid() or st.st_mode & 0o022 \
                    or os.path.islink(path) or committed(self.folder):
                raise ValueError("not a pack this build made")
            if handle.read(len(MAGIC)) != MAGIC:
                raise ValueError("not a pack")
            (length,) = _HEADER.unpack(handle.read(_HEADER.size))
            header = json.loads(handle.read(length))
            if header.get("key") != self.key:
                raise ValueError("another version's pack")
            self.kept = {key: (bytes.fromhex(digest), offset, size)
                         for key, (digest, offset, size) in header["records"].items()}
            self.base = len(MAGIC) + _HEADER.size + length
        except (OSError, ValueError, TypeError, KeyError, AttributeError, struct.error):
            handle.close()
            self.kept = {}
            return
        self.pack = handle

    def stored(self, key: str, digest: bytes):
        """The record and diagnostics kept for ``key`` if its files' hash is ``digest``."""
        found = self.kept.get(key)
        if found is None or found[0] != digest or self.pack is None:
            return None
        try:
            data = os.pread(self.pack.fileno(), found[2], self.base + found[1])
            record, diagnostics = pickle.loads(data)
        except Exception:  # (a damaged pack: the file is loaded anew)
            return None
        return record, diagnostics

    def save(self) -> None:
        """Write the pack of this load: the records kept unchanged are copied as they are."""
        if not self.changed and set(self.kept) == set(self.entries) and self.pack is not None:
            return
        try:
            self.folder.mkdir(exist_ok=True)
            from .cache import _ignored_by_git

            _ignored_by_git(self.folder)
            with locked(self.folder / "records"):
                self._write()
        except OSError:
            pass  # a cache that cannot be written is no cache

    def _write(self) -> None:
        fresh = self.folder / f"{PACK}.{os.getpid()}"
        records, blobs = {}, []
        offset = 0
        for key in sorted(self.entries):
            _, digest, record, diagnostics = self.entries[key]
            kept = self.kept.get(key)
            if kept is not None and kept[0] == digest and self.pack is not None and key not in self.changed:
                data = os.pread(self.pack.fileno(), kept[2], self.base + kept[1])
            else:
                data = pickle.dumps((record, diagnostics), protocol=pickle.HIGHEST_PROTOCOL)
            records[key] = (digest.hex(), offset, len(data))
            blobs.append(data)
            offset += len(data)
        header = json.dumps({"key": self.key, "records": records}).encode()
        try:
            with open(fresh, "wb") as out:
                os.fchmod(out.fileno(), 0o600)
                out.write(MAGIC + _HEADER.pack(len(header)) + header)
                out.writelines(blobs)
            fresh.replace(self.folder / PACK)
        finally:
            with contextlib.suppress(OSError):
                fresh.unlink()

    def close(self) -> None:
        if self.pack is not None:
            self.pack.close()
            self.pack = None
