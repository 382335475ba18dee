"""A bound on rendering: a page that takes too long (an endless loop in a template) is stopped.

Jinja templates compile to Python code, so a template that loops for ever holds the build
(or the preview's rebuild thread) for ever. A :class:`Watchdog` watches the thread that
started it: when that thread reports no progress (:meth:`Watchdog.kick`) for ``seconds``,
the watchdog raises :class:`RenderTimeout` in it, at the next Python instruction it runs.
"""

from __future__ import annotations

import ctypes
import threading
import time


class RenderTimeout(Exception):
    """Raised in the watched thread when it made no progress for the watchdog's time."""


_set_async_exc = ctypes.pythonapi["PyThreadState_SetAsyncExc"]
_set_async_exc.argtypes = (ctypes.c_ulong, ctypes.py_object)
_clear_async_exc = ctypes.pythonapi["PyThreadState_SetAsyncExc"]  # (a NULL exception clears)
_clear_async_exc.argtypes = (ctypes.c_ulong, ctypes.c_void_p)


class Watchdog:
    """Interrupts the thread that started it after ``seconds`` without a :meth:`kick`."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.fired = False
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._last = time.monotonic()
        self._target = 0
        self._thread: threading.Thread | None = None

    def start(self) -> "Watchdog":
        self._target = threading.get_ident()
        self.kick()
        self._thread = threading.Thread(target=self._watch, name="render-watchdog", daemon=True)
        self._thread.start()
        return self

    def kick(self) -> None:
        """The watched thread made progress: it has ``seconds`` again from now."""
        self._last = time.monotonic()

    def stop(self) -> None:
        """Stop watching. Once this returns, the watchdog raises nothing more."""
        with self._lock:
            self._stopped.set()
            if self.fired and threading.get_ident() == self._target:
                _clear_async_exc(self._target, None)  # not delivered yet: it is moot now
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()

    def _watch(self) -> None:
        poll = min(0.25, self.seconds / 4)
        while not self._stopped.wait(poll):
            with self._lock:
                if self._stopped.is_set() or time.monotonic() - self._last < self.seconds:
                    continue
                self.fired = True
                self._last = time.monotonic()  # raised again if it is swallowed somewhere
                _set_async_exc(self._target, RenderTimeout)

    def __enter__(self) -> "Watchdog":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
