"""Removing what a build replaces, beside the build: thousands of files removed in line cost it seconds.

A folder to remove (the cache's copy of the site a clean build does not start from, what
Pagefind read of each part of the index) is removed by an ``rm`` process at low priority
while the build goes on, and the build waits for its removals before it ends. A folder
that must be gone at once is first moved into the build cache's trash (a rename), and
removed there. What a stopped build left in the trash, the next build removes the same way.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

TRASH = "trash"


class Removals:
    """The removals of one process of a build, waited for when it leaves the ``with`` block.

    ``cache``: the build cache's folder (``.briefings-cache``), whose ``trash`` folder takes
    what is moved out of the way; not a link, nor a cache git tracks (the caller says)."""

    def __init__(self, cache: Path | None = None) -> None:
        self.cache = cache
        self.running: list[subprocess.Popen] = []

    def __enter__(self) -> "Removals":
        return self

    def __exit__(self, *exc) -> None:
        self.wait()

    def remove(self, path: Path, move: bool = False) -> None:
        """Remove the folder ``path`` beside the build; ``move``: gone from where it is at once."""
        if not path.exists() and not path.is_symlink():
            return
        if path.is_symlink() or not path.is_dir():
            path.unlink(missing_ok=True)
            return
        if move:
            path = self._moved(path)
        rm = shutil.which("rm")
        if rm is not None:
            try:
                process = subprocess.Popen([rm, "-rf", "--", str(path)], stdin=subprocess.DEVNULL,
                                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            except OSError:
                process = None
            if process is not None:
                try:
                    os.setpriority(os.PRIO_PROCESS, process.pid, 10)  # (it takes what the build leaves)
                except OSError:
                    pass
                self.running.append(process)
                return
        shutil.rmtree(path, ignore_errors=True)

    def leftovers(self) -> None:
        """Remove what stopped builds left in the trash."""
        trash = self._trash()
        if trash is not None and trash.is_dir():
            for entry in sorted(trash.iterdir()):
                self.remove(entry)

    def wait(self) -> None:
        for process in self.running:
            process.wait()
        self.running = []

    def _trash(self) -> Path | None:
        if self.cache is None or self.cache.is_symlink() or not self.cache.is_dir():
            return None
        trash = self.cache / TRASH
        return None if trash.is_symlink() or (trash.exists() and not trash.is_dir()) else trash

    def _moved(self, path: Path) -> Path:
        """``path`` moved into the trash (where it is, if it cannot be)."""
        trash = self._trash()
        if trash is None:
            return path
        try:
            trash.mkdir(exist_ok=True)
            if trash.is_symlink() or not trash.is_dir():
                return path
            moved = trash / f"{path.name}-{os.getpid()}-{time.monotonic_ns()}"
            path.rename(moved)
        except OSError:  # (another file system: removed where it is)
            return path
        return moved
