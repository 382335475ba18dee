"""What a build shows as it goes: a live display on a terminal, a line per stage with its time
into a pipe or in CI, nothing with -q; the same whether its pages are built in this process
or in a child process; diagnostics and the one line of a stopped build as before."""

from __future__ import annotations

import fcntl
import io
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from build_scripts import progress
from build_scripts.cli import main
from build_scripts.progress import CHECK, INDEX, RENDER, SWAP, WRITE

#: ``briefings build`` as its console script runs it, with the size above which it builds
#: in a child process as the first argument.
BRIEFINGS = "import sys; from build_scripts import cli; cli.CHILD_ABOVE_BYTES = int(sys.argv.pop(1)); cli.run()"
UNCITED = "Words nobody cites yet.\n"
WARNING = """\
sources/not-cited-yet.yaml:1:1: warning BRF307: no briefing cites source 'not-cited-yet'
 1 | title: Archived, not yet cited
   | ^
  = hint: cite it where it supports a claim, or remove it if it was archived by mistake

2 briefings, 3 sources, 54 citations: 0 errors, 1 warning
"""
INTERRUPTED = "briefings: interrupted while building the site; the previous site is unchanged\n"


def stage_lines(site: Path, sources: int = 2) -> list[str]:
    """The lines of a build of the example into ``site``, its times as ``T``."""
    pages = pages_of(site)
    return [f"checked 2 briefings, {sources} sources in T s", f"rendered {pages} pages in T s",
            f"wrote {pages} pages in T s", f"indexed {searched_pages_of(site)} pages for the search in T s",
            "replaced the site in T s"]


def timeless(text: str) -> str:
    return re.sub(r" in \d+\.\d s$", " in T s", text, flags=re.MULTILINE)


def pages_of(site: Path) -> int:
    """The pages MkDocs wrote (every HTML file but the search's and the 404 page)."""
    return sum(1 for p in site.rglob("*.html") if p.name != "404.html" and "pagefind" not in p.parts)


def searched_pages_of(site: Path) -> int:
    """The pages the search indexes (those that do not only list others)."""
    return sum(1 for p in site.rglob("*.html") if "pagefind" not in p.parts and b"data-pagefind-body" in p.read_bytes())


@pytest.fixture
def outside_ci(monkeypatch):
    for name in ("CI", "GITHUB_ACTIONS"):
        monkeypatch.delenv(name, raising=False)


def add_uncited_source(example) -> None:
    example.write("sources/not-cited-yet.txt", UNCITED)
    example.write("sources/not-cited-yet.yaml", "title: Archived, not yet cited\npublished: 2024-11-05\n")


def slow_pages(example, loops: int = 2_000_000) -> None:
    """Make every generated page take some 0.15 s to render (the example's take three seconds)."""
    for template in (example.root / "templates" / "pages").glob("[!_]*.j2"):
        template.write_text(f"{{% for i in range({loops // 1000}) %}}{{% for j in range(1000) %}}{{% endfor %}}"
                            "{% endfor %}" + template.read_text(encoding="utf-8"),
                            encoding="utf-8")


# Into a pipe: a line per stage

def test_piped_a_build_says_each_stage_and_its_time_in_order(example, capfd, build_process):
    assert main(["build", str(example.root), "--site-dir", str(example.root / "site")]) == 0
    out, err = capfd.readouterr()
    assert timeless(err).splitlines() == stage_lines(example.root / "site")
    assert re.fullmatch(r"(.* in \d+\.\d s\n){5}", err)
    assert out.startswith("Built the site into ") and out.endswith(": 2 briefings, 2 sources, 54 citations checked.\n")


@pytest.mark.parametrize("flag", ["-q", "--quiet"])
def test_quiet_shows_no_progress(example, capfd, build_process, flag):
    assert main(["build", str(example.root), flag]) == 0
    out, err = capfd.readouterr()
    assert err == ""
    assert out.startswith("Built the site into ") and out.endswith(" 2 briefings, 2 sources, 54 citations checked.\n")


def test_diagnostics_are_printed_once_whole_between_the_stages(example, capfd, build_process):
    add_uncited_source(example)
    assert main(["build", str(example.root), "--format", "text"]) == 0
    err = capfd.readouterr().err
    lines = stage_lines(example.root / "site", sources=3)
    assert timeless(err) == lines[0] + "\n" + WARNING + "\n".join(lines[1:]) + "\n"


def test_quiet_diagnostics_are_printed_as_before(example, capfd, build_process):
    add_uncited_source(example)
    assert main(["build", str(example.root), "--format", "text", "-q"]) == 0
    assert capfd.readouterr().err == WARNING


def test_a_failed_build_ends_with_its_reason(example, capfd, build_process):
    template = example.root / "templates" / "pages" / "question.md.j2"
    template.write_text("{{ 1 // 0 }}\n" + template.read_text(encoding="utf-8"), encoding="utf-8")
    assert main(["build", str(example.root), "--format", "text"]) == 1
    err = capfd.readouterr().err
    first, rest = err.split("\n", 1)
    assert timeless(first) == "checked 2 briefings, 2 sources in T s"
    assert not re.search(r" in \d+\.\d s$", rest, flags=re.MULTILINE)  # the stage that failed has no line
    assert rest.endswith("; the previous site is unchanged\n")
    assert "templates/pages/question.md.j2:1: integer division or modulo by zero" in rest


@pytest.mark.parametrize("child", [False, True], ids=["in process", "in a child process"])
def test_ctrl_c_still_prints_its_one_line_after_the_stages_done(example, tmp_path, child):
    home = example.root / "templates" / "pages" / "home.md.j2"
    home.write_text("{% for i in range(100000) %}{% for k in range(5) %}{% for j in range(1000) %}{% endfor %}{% endfor %}{% endfor %}"
                    + home.read_text(encoding="utf-8"), encoding="utf-8")
    build = subprocess.Popen([sys.executable, "-c", BRIEFINGS, "0" if child else "1000000000", "build",
                              str(example.root)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not any(p.name.startswith(".site.new-") for p in example.root.iterdir()):
            assert time.monotonic() < deadline and build.poll() is None, "the build did not start rendering"
            time.sleep(0.05)
        time.sleep(0.5)
        os.killpg(build.pid, signal.SIGINT)  # as a terminal's Ctrl-C: to the whole process group
        out, err = build.communicate(timeout=60)
    finally:
        if build.poll() is None:
            os.killpg(build.pid, signal.SIGKILL)
            build.wait()
    assert (build.returncode, out) == (130, "")
    assert timeless(err) == "checked 2 briefings, 2 sources in T s\n" + INTERRUPTED


# On a terminal: a live display

def run_in_terminal(argv: list[str], cwd: Path, env: dict[str, str], columns: int = 120) -> tuple[int, str]:
    """Run ``argv`` with a pseudo-terminal as its standard streams; its exit code and output."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    process = subprocess.Popen(argv, cwd=cwd, env=env, stdin=follower, stdout=follower, stderr=follower,
                               start_new_session=True)
    os.close(follower)
    chunks = []
    deadline = time.monotonic() + 180
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 1)
            if not ready:
                continue
            try:
                data = os.read(leader, 65536)
            except OSError:  # EIO: every process of it has closed the terminal
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(leader)
        if process.poll() is None and time.monotonic() >= deadline:
            os.killpg(process.pid, signal.SIGKILL)
    return process.wait(timeout=60), b"".join(chunks).decode("utf-8", "replace")


def plain(output: str) -> str:
    """Terminal output without its control sequences (cursor moves, colours, carriage returns)."""
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\r", "", output)


@pytest.mark.parametrize("child", [False, True], ids=["in process", "in a child process"])
def test_a_terminal_shows_the_stage_its_pages_their_rate_and_an_estimate(example, child):
    add_uncited_source(example)
    slow_pages(example)
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "GITHUB_ACTIONS")}
    code, output = run_in_terminal([sys.executable, "-c", BRIEFINGS, "0" if child else "1000000000", "build",
                                    "--format", "text"], example.root, {**env, "TERM": "xterm-256color"})
    shown = plain(output)
    assert code == 0, shown
    pages = pages_of(example.root / "site")
    assert re.search(rf"rendering pages \S+ +\d+/{pages} +[\d,]+ pages/s +\d+:\d\d left", shown), shown
    for line in stage_lines(example.root / "site", sources=3):  # each finished stage stays on the screen
        assert re.search("✓ " + re.escape(line).replace("T", r"\d+\.\d") + "\n", shown), line
    assert WARNING in shown  # printed above the display, whole, once
    assert shown.count("warning BRF307") == 1
    assert shown.endswith("Built the site into site: 2 briefings, 3 sources, 54 citations checked.\n")
    assert "\x1b[?25h" in output[output.rindex("\x1b[?25l"):]  # the cursor is shown again


def test_a_terminal_in_ci_gets_lines(example):
    env = {**os.environ, "TERM": "xterm-256color", "CI": "true"}
    code, output = run_in_terminal([sys.executable, "-m", "build_scripts.cli", "build"], example.root, env)
    assert code == 0
    assert timeless(output.replace("\r\n", "\n")).splitlines()[:5] == stage_lines(example.root / "site")


# The pieces

class Recorded(progress.Progress):
    """Every call, in order."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def start(self, stage, total=None):
        self.calls.append(("start", stage.key, total))

    def set_total(self, total):
        self.calls.append(("total", total))

    def advance(self, count=1):
        self.calls.append(("advance", count))

    def finish(self, done=None):
        self.calls.append(("finish", done))


def test_lines_says_each_stage_once_it_is_done_and_not_one_that_failed():
    stream = io.StringIO()
    with progress.Lines(stream) as shown:
        shown.start(CHECK)
        shown.finish("checked 1 briefing, 4,000 sources")
        shown.start(RENDER)
        shown.set_total(4721)
        for _ in range(4721):
            shown.advance()
        shown.start(WRITE, 4721)  # (the stage before is finished)
        shown.advance(4721)
        shown.finish()
        shown.start(INDEX)
        shown.advance(12)
    assert timeless(stream.getvalue()) == ("checked 1 briefing, 4,000 sources in T s\n"
                                           "rendered 4,721 pages in T s\nwrote 4,721 pages in T s\n")


def test_the_relay_sends_its_events_in_order_and_counts_a_few_times_a_second():
    stream = io.StringIO()
    relay = progress.Relay(stream)
    relay.start(CHECK)
    relay.finish("checked 2 briefings, 2 sources")
    stream.write("a diagnostic\n")
    relay.start(RENDER)
    relay.set_total(10_000)
    started = time.monotonic()
    for _ in range(10_000):
        relay.advance()
    took = time.monotonic() - started
    relay.start(SWAP)
    relay.finish()
    recorded, other = Recorded(), []
    for line in stream.getvalue().splitlines(keepends=True):
        if not progress.replay(recorded, line):
            other.append(line)
    assert other == ["a diagnostic\n"]
    advances = [call[1] for call in recorded.calls if call[0] == "advance"]
    assert sum(advances) == 10_000 and len(advances) <= 2 + took * progress.REFRESH_PER_SECOND
    calls = [call for call in recorded.calls if call[0] != "advance"]
    assert calls == [("start", "check", None), ("finish", "checked 2 briefings, 2 sources"),
                     ("start", "render", None), ("total", 10_000), ("finish", None),
                     ("start", "swap", None), ("finish", None)]


def test_replay_leaves_other_lines_alone():
    recorded = Recorded()
    assert not progress.replay(recorded, "warning BRF307: ...\n")
    assert not progress.replay(recorded, progress.EVENT + "[\"start\", \"no such stage\", null]\n")
    assert not progress.replay(recorded, progress.EVENT + "not json\n")
    assert recorded.calls == []


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_display_is_chosen_for_where_the_output_goes(monkeypatch, outside_ci):
    monkeypatch.setenv("TERM", "xterm")
    assert progress.for_build(Tty(), quiet=True) is progress.SILENT
    assert type(progress.for_build(io.StringIO())) is progress.Lines
    assert type(progress.for_build(Tty())) is progress.Terminal
    assert type(progress.for_build(Tty(), verbose=True)) is progress.Lines  # (MkDocs' messages scroll)
    monkeypatch.setenv("TERM", "dumb")
    assert type(progress.for_build(Tty())) is progress.Lines
    monkeypatch.setenv("TERM", "xterm")
    for name, value in (("CI", "true"), ("GITHUB_ACTIONS", "true")):
        monkeypatch.setenv(name, value)
        assert type(progress.for_build(Tty())) is progress.Lines
        monkeypatch.delenv(name)
    monkeypatch.setenv("CI", "false")
    assert type(progress.for_build(Tty())) is progress.Terminal


def test_the_terminal_display_counts_pages_with_rate_and_estimate_and_prints_lines_above_it(capsys):
    from rich.console import Console

    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=100, color_system=None)
    before = sys.stdout, sys.stderr
    long_line = "briefings/x.yaml:12:9: error BRF302: " + "a long diagnostic, never wrapped " * 6
    with progress.Terminal(screen, console=console) as shown:
        shown.start(CHECK)
        shown.finish("checked 2 briefings, 2 sources")
        sys.stderr.write(long_line[:20])
        print(long_line[20:], file=sys.stderr)
        shown.start(RENDER)
        shown.set_total(4000)
        for _ in range(25):  # (five frames a second)
            shown.advance(100)
            time.sleep(0.05)
        sys.stderr.write("unfinished")
    assert (sys.stdout, sys.stderr) == before
    text = plain(screen.getvalue())
    assert "✓ checked 2 briefings, 2 sources in 0.0 s\n" in text
    assert long_line + "\n" in text
    assert re.search(r"rendering pages \S+ +\d{1,3}(,\d{3})?/4,000 +[\d,]+ pages/s +\d+:\d\d left", text), text
    assert "rendered" not in text  # a stage that did not finish leaves no line
    assert capsys.readouterr().err == "unfinished"  # (the rest of a line, once the display is gone)
