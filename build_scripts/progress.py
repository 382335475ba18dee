"""What a build shows as it goes: its stage, and a count of pages with a rate and an estimate.

The build reports through one interface, :class:`Progress`: a stage starts (with the number
of pages it counts, once that is known), advances page by page, and finishes. How that is
shown is up to the implementation (:func:`for_build` picks one):

- :data:`SILENT` shows nothing (``briefings build -q``);
- :class:`Lines` writes one line per stage with its time, ``rendered 4,721 pages in 12.3 s``
  (in CI, into a pipe or a log);
- :class:`Terminal` draws the running stage live with rich (its bar, pages counted, their
  rate, the time left) and leaves each finished stage as a line above it;
- :class:`Relay` is what the child process of a large build reports through: it sends the
  events to the parent, whose :func:`replay` shows them on the parent's display.

Counting a page adds to an integer; a display reads the count on its own clock (rich's
refresh thread; the relay a few times a second), never once per page.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from dataclasses import dataclass
from typing import TextIO


@dataclass(frozen=True)
class Stage:
    """One stage of a build, as its user would name it."""

    key: str  #: its name between processes
    doing: str  #: shown while it runs
    done: str  #: its line once finished (``{count}``: the pages it counted)


CHECK = Stage("check", "checking briefings and sources", "checked briefings and sources")
RENDER = Stage("render", "rendering pages", "rendered {count} pages")
WRITE = Stage("write", "writing pages", "wrote {count} pages")
INDEX = Stage("index", "indexing the search", "indexed {count} pages for the search")
SWAP = Stage("swap", "replacing the site", "replaced the site")
STAGES = {stage.key: stage for stage in (CHECK, RENDER, WRITE, INDEX, SWAP)}


class Progress:
    """Receives the progress of a build. This class itself shows nothing (:data:`SILENT`).

    Use it as a context manager around the build: a display ends with it.
    """

    def start(self, stage: Stage, total: int | None = None) -> None:
        """``stage`` begins, counting ``total`` pages (if known); the stage that ran is finished."""

    def set_total(self, total: int) -> None:
        """The running stage counts ``total`` pages (known once they are planned)."""

    def advance(self, count: int = 1) -> None:
        """``count`` more pages of the running stage are done."""

    def finish(self, done: str | None = None) -> None:
        """The running stage is done; ``done`` says what it did (default: its :attr:`Stage.done`)."""

    def close(self) -> None:
        """End the display. A stage still running (it failed, or the build was stopped) ends
        without a line: the message that stopped it says why."""

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


#: Shows nothing (and keeps nothing: one instance serves every build).
SILENT = Progress()


def for_build(stream: TextIO, *, quiet: bool = False, verbose: bool = False) -> Progress:
    """How a build shows its progress on ``stream`` (its standard error): nothing when
    ``quiet``; a live display on a terminal, outside CI; else a line per stage (also with
    ``verbose``, whose stream of messages would push a live display along line by line)."""
    if quiet:
        return SILENT
    if verbose or in_ci() or not _is_terminal(stream):
        return Lines(stream)
    return Terminal(stream)


def counted(number: int, word: str) -> str:
    """``1 briefing``, ``4,721 briefings``."""
    return f"{number:,} {word}{'' if number == 1 else 's'}"


def in_ci() -> bool:
    """Whether this runs in continuous integration (``$CI`` or ``$GITHUB_ACTIONS``)."""
    return bool(os.environ.get("GITHUB_ACTIONS")) or os.environ.get("CI", "").lower() not in ("", "0", "false")


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty() and os.environ.get("TERM", "") not in ("dumb", "unknown")
    except (AttributeError, ValueError):  # (no isatty, or closed)
        return False


class _Timed(Progress):
    """Counts and times each stage; subclasses show it."""

    def __init__(self) -> None:
        self.stage: Stage | None = None
        self.count = 0
        self.total: int | None = None
        self._began = 0.0

    def start(self, stage: Stage, total: int | None = None) -> None:
        self.finish()
        self.stage, self.count, self.total, self._began = stage, 0, total, time.perf_counter()
        self._started()

    def set_total(self, total: int) -> None:
        self.total = total
        self._sized()

    def advance(self, count: int = 1) -> None:
        self.count += count

    def finish(self, done: str | None = None) -> None:
        stage, self.stage = self.stage, None
        if stage is None:
            return
        seconds = time.perf_counter() - self._began
        self._finished(f"{done or stage.done.format(count=f'{self.count:,}')} in {seconds:.1f} s")

    def close(self) -> None:
        self.stage = None

    def _started(self) -> None:
        pass

    def _sized(self) -> None:
        pass

    def _finished(self, line: str) -> None:
        pass


class Lines(_Timed):
    """One line per finished stage with its time, on ``stream``."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self.stream = stream

    def _finished(self, line: str) -> None:
        self.stream.write(line + "\n")
        self.stream.flush()


#: How often a display shows the count anew (rich's refresh thread; the relay's messages).
#: A frame takes rich about half a millisecond; five a second cost about 1 % of a core.
REFRESH_PER_SECOND = 5


class Terminal(_Timed):
    """A live display with rich on the terminal of ``stream``: the running stage, a bar, the
    pages counted, their rate and the time left. Each finished stage stays as a line above it.

    While it runs, what the build writes to the standard streams (diagnostics, MkDocs'
    messages, the child process's output) is printed above the display, line by line and as
    written (never wrapped by rich); a standard output that is not a terminal is left alone.
    """

    def __init__(self, stream: TextIO, console=None) -> None:
        from rich.console import Console

        super().__init__()
        self.console = console if console is not None else Console(file=stream, highlight=False)
        self._task = None  # rich's task of the running stage
        self._bar = _rich_bar(self)
        self._streams: tuple[TextIO, TextIO] | None = None

    def __enter__(self) -> "Terminal":
        self._streams = sys.stdout, sys.stderr
        self._bar.start()
        sys.stderr = _Above(self.console, sys.stderr)
        if _is_terminal(sys.stdout):
            sys.stdout = _Above(self.console, sys.stdout)
        return self

    def close(self) -> None:
        super().close()
        if self._streams is None:
            return
        self._bar.stop()  # (transient: a stage still running leaves nothing behind)
        for name, saved in zip(("stdout", "stderr"), self._streams):
            proxy = getattr(sys, name)
            if isinstance(proxy, _Above):
                proxy.drain()
                setattr(sys, name, saved)
        self._streams = None

    def _started(self) -> None:
        self._end_task()
        self._task = self._bar.add_task(self.stage.doing, total=self.total, counted="", rate="", left="")

    def _sized(self) -> None:
        if self._task is not None:
            self._bar.update(self._task, total=self.total)

    def _finished(self, line: str) -> None:
        from rich.text import Text

        self._end_task()
        mark = "✓ " if self.console.encoding.startswith("utf") else "+ "
        self.console.print(Text.assemble((mark, "green"), line), highlight=False)

    def _end_task(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            self._bar.remove_task(task)
            self._bar.refresh()

    def _sync(self) -> None:
        """Bring the display up to the count (rich's refresh thread calls it before each frame)."""
        task_id = self._task
        if task_id is None:
            return
        try:
            self._bar.update(task_id, completed=self.count)
            task = next((t for t in self._bar.tasks if t.id == task_id), None)
            if task is not None:
                self._bar.update(task_id, **_shown(task))
        except KeyError:  # the stage ended meanwhile (rich's tasks have their own lock)
            pass


def _shown(task) -> dict[str, str]:
    """The count, rate and estimate of a rich task, as text."""
    if task.total is None:
        return {"counted": "", "rate": "", "left": _clock(task.elapsed or 0)}
    speed, left = task.speed, task.time_remaining
    return {"counted": f"{task.completed:,.0f}/{task.total:,.0f}",
            "rate": f"{speed:,.0f} pages/s" if speed else "",
            "left": f"{_clock(left)} left" if speed and left is not None else ""}


def _clock(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds + 0.5), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02}:{seconds:02}" if hours else f"{minutes}:{seconds:02}"


def _rich_bar(owner: Terminal):
    """rich's progress display for ``owner``, which it brings up to the count before each frame."""
    from rich.progress import BarColumn, Progress as RichProgress, SpinnerColumn, TextColumn

    class Bar(RichProgress):
        def get_renderables(self):
            owner._sync()
            return super().get_renderables()

    return Bar(SpinnerColumn(), TextColumn("{task.description}", markup=False), BarColumn(bar_width=30),
               *(TextColumn(f"{{task.fields[{name}]}}", markup=False) for name in ("counted", "rate", "left")),
               console=owner.console, transient=True, redirect_stdout=False, redirect_stderr=False,
               refresh_per_second=REFRESH_PER_SECOND)


class _Above:
    """A standard stream while the display runs: each complete line written to it is printed
    above the display, exactly as written (rich's own redirection would wrap it)."""

    def __init__(self, console, stream: TextIO) -> None:
        self._console, self._stream = console, stream
        self._partial = ""
        self._lock = threading.Lock()

    def write(self, text: str) -> int:
        with self._lock:
            lines, newline, self._partial = (self._partial + text).rpartition("\n")
            if newline:
                self._console.out(lines, highlight=False)
        return len(text)

    def flush(self) -> None:
        pass  # (complete lines are printed at once; a partial one waits for its end)

    def drain(self) -> None:
        """Write what is left of a line to the stream itself."""
        with self._lock:
            if self._partial:
                self._stream.write(self._partial)
                self._stream.flush()
            self._partial = ""

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


#: Starts a line of the child's standard error that is an event of :class:`Relay` (a control
#: character no message starts with, and not one that ``str.splitlines`` splits at).
EVENT = "\x02briefings-progress "


class Relay(Progress):
    """The progress of the child process of a large build, sent to its parent as lines of its
    standard error: in order with the diagnostics and messages around them. Counts are sent
    at most :data:`REFRESH_PER_SECOND` times a second."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.running = False
        self.pending = 0
        self.due = 0.0

    def start(self, stage: Stage, total: int | None = None) -> None:
        self.finish()
        self.running, self.pending = True, 0
        self._send("start", stage.key, total)

    def set_total(self, total: int) -> None:
        self._send("total", total)

    def advance(self, count: int = 1) -> None:
        self.pending += count
        if time.monotonic() >= self.due:
            self._flush()

    def finish(self, done: str | None = None) -> None:
        if self.running:
            self._flush()
            self._send("finish", done)
            self.running = False

    def _flush(self) -> None:
        if self.pending:
            self._send("advance", self.pending)
            self.pending = 0

    def _send(self, *event) -> None:
        self.stream.write(EVENT + json.dumps(event) + "\n")
        self.stream.flush()
        self.due = time.monotonic() + 1 / REFRESH_PER_SECOND


def replay(progress: Progress, line: str) -> bool:
    """Show on ``progress`` the event of :class:`Relay` that ``line`` (of the child's standard
    error) is; whether it was one."""
    if not line.startswith(EVENT):
        return False
    try:
        name, *args = json.loads(line[len(EVENT):])
        if name == "start":
            progress.start(STAGES[args[0]], args[1])
        elif name == "total":
            progress.set_total(args[0])
        elif name == "advance":
            progress.advance(args[0])
        elif name == "finish":
            progress.finish(args[0])
        else:
            return False
    except (ValueError, KeyError, IndexError, TypeError):  # (not an event after all: shown as it is)
        return False
    return True
