"""Render most of a clean build's pages in a second process, while this one renders the rest.

The engine asks for its pages one at a time, in one process: rendering them takes one
core while the other waits. :class:`Ahead` forks a worker (a copy of this process, which
shares its records and compiled templates) that renders three pages of every five in the engine's
order, each one ahead of the engine's asking for it, and hands each over through a pipe;
this process renders the others as the engine asks, and takes the worker's as they come.
A page renders to the same HTML in either process.

A page the worker could not render (its template failed, or the worker is gone or stuck)
is rendered here instead, where a failure is reported as any other, with its template's
file and line.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pickle
import select
import signal
import struct
import sys
import typing
from collections.abc import Callable

from .interrupt import die_with_parent

T = typing.TypeVar("T")

_LENGTH = struct.Struct("!IQ")  # (the page's number, the length of what follows)


class Ahead(typing.Generic[T]):
    """Renders three in five of ``items`` (see :meth:`ahead`) with ``render`` in a
    forked worker; :meth:`take` gives each one's result. ``patience``: seconds to wait for
    the worker's next page before rendering here."""

    def __init__(self, items: list, render: Callable[[typing.Any], T], patience: float) -> None:
        self.patience, self.taken = patience, {}
        self.pending = b""
        read_end, write_end = os.pipe()
        dies = die_with_parent(signal.SIGKILL)
        sys.stdout.flush(), sys.stderr.flush()
        self.pid = os.fork()
        if self.pid == 0:  # the worker: renders, hands over, and ends without running any of this process's exit code
            code = 1
            try:
                os.close(read_end)
                if dies is not None:
                    dies()
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                _work(items, render, write_end)
                code = 0
            finally:
                os._exit(code)
        os.close(write_end)
        self.pipe = read_end
        with contextlib.suppress(OSError, AttributeError):  # (room for pages rendered ahead: 1 MiB, not 64 KiB)
            fcntl.fcntl(read_end, fcntl.F_SETPIPE_SZ, 1 << 20)

    @staticmethod
    def ahead(number: int) -> bool:
        """Whether the worker renders item ``number``: three of every five (1, 2 and 4, then
        6, 7 and 9...). This process does the engine's own work on every page besides."""
        return number % 5 in (1, 2, 4)

    def take(self, number: int) -> T | None:
        """The worker's result for item ``number`` (``None``: render it here)."""
        while number not in self.taken and self.pipe is not None:
            if not self._receive():
                self.close()
        return self.taken.pop(number, None)

    def _receive(self) -> bool:
        """Read what the worker handed over; whether it is still working."""
        ready, _, _ = select.select([self.pipe], [], [], self.patience)
        if not ready:
            return False  # (stuck: what is left is rendered here)
        chunk = os.read(self.pipe, 1 << 20)
        if not chunk:
            return False
        self.pending += chunk
        while len(self.pending) >= _LENGTH.size:
            number, length = _LENGTH.unpack_from(self.pending)
            if len(self.pending) < _LENGTH.size + length:
                break
            data = self.pending[_LENGTH.size:_LENGTH.size + length]
            self.pending = self.pending[_LENGTH.size + length:]
            self.taken[number] = pickle.loads(data) if length else None
        return True

    def close(self) -> None:
        """Stop the worker (if it still works) and let go of what it handed over."""
        if self.pipe is not None:
            os.close(self.pipe)
            self.pipe = None
        if self.pid:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(self.pid, 0)
            self.pid = 0


def _work(items: list, render: Callable, pipe: int) -> None:
    with os.fdopen(pipe, "wb") as out:
        for number, item in enumerate(items):
            if not Ahead.ahead(number):
                continue
            try:
                data = pickle.dumps(render(item), protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:  # (rendered again by the parent, which reports it)
                data = b""
            out.write(_LENGTH.pack(number, len(data)) + data)
