"""Stopping a command cleanly: Ctrl-C and SIGTERM unwind it, and its child processes die with it.

Python turns Ctrl-C (SIGINT) into :class:`KeyboardInterrupt`, so ``finally`` blocks remove
what a stopped build had staged; a SIGTERM (what ``kill``, CI runners and service managers
send) would end the process on the spot. :func:`handled` makes both raise
:class:`Interrupted`, once: a second signal while the command unwinds does not cut its
cleaning short. :func:`deferred` holds them off around a step that must not be cut in two
(the two renames that swap a site in). A process killed outright (SIGKILL) runs no code at
all: :func:`die_with_parent` has the kernel end its children then.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

SIGNALS = (signal.SIGINT, signal.SIGTERM)
_PR_SET_PDEATHSIG = 1


class Interrupted(KeyboardInterrupt):
    """A command was stopped by a signal (SIGINT or SIGTERM)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def signal_of(stop: KeyboardInterrupt) -> int:
    """The signal that raised ``stop`` (a plain KeyboardInterrupt: SIGINT)."""
    return getattr(stop, "signum", signal.SIGINT)


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextmanager
def handled() -> Iterator[None]:
    """Within: SIGINT and SIGTERM raise :class:`Interrupted`, the first of them only; the
    previous handlers are restored afterwards."""
    if not _in_main_thread():
        yield
        return
    stopping: list[int] = []

    def stop(signum, frame) -> None:
        if stopping:  # unwinding already: let it finish
            return
        stopping.append(signum)
        raise Interrupted(signum)

    # (a signal that was ignored, as in a shell's background job, stays ignored)
    previous = {signum: signal.signal(signum, stop) for signum in SIGNALS
                if signal.getsignal(signum) is not signal.SIG_IGN}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@contextmanager
def deferred() -> Iterator[list[int]]:
    """Within: SIGINT and SIGTERM wait; yields the list of those that came meanwhile.

    They are not raised afterwards: what is deferred is the last step of a command, done by then.
    """
    caught: list[int] = []
    if not _in_main_thread():
        yield caught
        return
    previous = {signum: signal.signal(signum, lambda signum, frame: caught.append(signum)) for signum in SIGNALS}
    try:
        yield caught
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def die_with_parent(signum: int) -> Callable[[], None] | None:
    """A ``preexec_fn`` for :mod:`subprocess` that has the kernel send ``signum`` to the child
    when this process dies, however it dies (Linux: ``prctl(PR_SET_PDEATHSIG)``; it holds
    across the child's ``exec``). None elsewhere.

    The kernel watches the thread that starts the child: start it from the main thread.
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def preexec() -> None:
        prctl(_PR_SET_PDEATHSIG, signum, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the kernel was told
            os.kill(os.getpid(), signum)

    return preexec
