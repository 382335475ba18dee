"""Cache files that hold code (pickled records, compiled templates), sealed with a key of the user's.

The build cache lives under the repository (``.briefings-cache/``, ignored by git), and a
repository's files come from whoever can push to it: a checkout can still bring a file
there (a folder spelled another way on a case-insensitive file system, a tarball, a copy of
someone's working tree). Loading a pickle or a compiled template runs code, so every such
file carries an HMAC-SHA256 made with a key kept outside the repository, readable by the
user only (``$XDG_CACHE_HOME/briefings-as-code/cache-key``, else ``~/.cache/...``): a file
that this user's builds did not write is never loaded, wherever it came from. Without a
usable key (no writable home folder), nothing is cached.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path

MAC_BYTES = 32
_KEY_BYTES = 32
_READ = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)


def key_path() -> Path | None:
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = os.path.join(os.environ.get("HOME") or Path.home(), ".cache")
        except (RuntimeError, KeyError):  # (no home folder to be found)
            return None
    return _key_in(base)


@functools.lru_cache(maxsize=8)
def _key_in(base: str) -> Path:
    """(a path made once: asked for each record a build reads)"""
    return Path(base) / "briefings-as-code" / "cache-key"


@functools.lru_cache(maxsize=None)
def _key(path: Path | None) -> bytes | None:
    if path is None:
        return None
    for _ in range(2):
        found = read_regular(path, private=True)
        if found is not None and len(found) == _KEY_BYTES:
            return found
        if found is not None:
            return None  # (not a key this tool made: left alone)
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fresh = path.with_name(f"{path.name}.{os.getpid()}")
            write_private(fresh, secrets.token_bytes(_KEY_BYTES), replace=False)
            try:
                os.link(fresh, path)  # (made once: two builds at once agree on the first)
            except FileExistsError:
                pass
            finally:
                fresh.unlink(missing_ok=True)
        except OSError:
            return None
    return None


def key() -> bytes | None:
    """The user's key (made on first use), or ``None`` when it cannot be kept."""
    return _key(key_path())


def mac(data: bytes) -> bytes | None:
    secret = key()
    return None if secret is None else hmac.new(secret, data, hashlib.sha256).digest()


def valid(data: bytes, seal: bytes) -> bool:
    made = mac(data)
    return made is not None and hmac.compare_digest(made, seal)


def open_regular(path: Path) -> int | None:
    """A descriptor of ``path`` if it is a regular file (not a link, a FIFO or a device:
    opened without blocking), else ``None``."""
    try:
        fd = os.open(path, _READ)
    except OSError:
        return None
    try:
        if stat.S_ISREG(os.fstat(fd).st_mode):
            return fd
    except OSError:
        pass
    os.close(fd)
    return None


def mine(st: os.stat_result, forbidden: int) -> bool:
    """Whether the file of ``st`` is the user's, with none of the mode bits ``forbidden``."""
    return st.st_uid == getattr(os, "getuid", lambda: st.st_uid)() and not st.st_mode & forbidden


def read_regular(path: Path, private: bool = False) -> bytes | None:
    """The bytes of the regular file ``path`` (``private``: only if the user's, and nobody
    else may read or write it), else ``None``."""
    fd = open_regular(path)
    if fd is None:
        return None
    try:
        if private and not mine(os.fstat(fd), 0o077):
            return None
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


def write_private(path: Path, data: bytes, replace: bool = True) -> None:
    """Write ``path`` readable by the user only (``replace``: through a temporary file
    renamed over it, so that a reader sees the old file or the new one)."""
    target = path.with_name(f"{path.name}.{os.getpid()}.tmp") if replace else path
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        if replace:
            os.replace(target, path)
    except BaseException:
        if replace:
            target.unlink(missing_ok=True)
        raise


def seal(data: bytes) -> bytes | None:
    """``data`` behind its HMAC, or ``None`` without a key."""
    made = mac(data)
    return None if made is None else made + data


def unseal(blob: bytes | None) -> bytes | None:
    """What :func:`seal` sealed, if this user's key sealed it."""
    if blob is None or len(blob) < MAC_BYTES:
        return None
    data = blob[MAC_BYTES:]
    return data if valid(data, blob[:MAC_BYTES]) else None
