"""A build that is stopped: by Ctrl-C (SIGINT), SIGTERM or SIGKILL, while it renders the pages
or while Pagefind indexes them, built in its own process or with a child process.

Each is stopped as a user would stop it, then checked: its exit code and its one line, the
previous site unchanged, no process of it left running; what a killed build left is removed
by the next build, which succeeds.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from build_scripts.cli import main

#: ``briefings build`` as its console script runs it, with the size above which it builds
#: in a child process as the first argument.
BRIEFINGS = "import sys; from build_scripts import cli; cli.CHILD_ABOVE_BYTES = int(sys.argv.pop(1)); cli.run()"
#: A home page whose template takes half a minute to render.
SLOW_TEMPLATE = "{% for i in range(100000) %}{% for k in range(5) %}{% for j in range(1000) %}{% endfor %}{% endfor %}{% endfor %}"
#: Pagefind that takes half a minute to start: its Python wrapper sleeps before it runs the binary.
SLOW_PAGEFIND = """\
import os, sys, time
if os.environ.get("SLOW_PAGEFIND") and sys.orig_argv[1:3] == ["-m", "pagefind"]:
    time.sleep(30)
"""
INTERRUPTED = "briefings: interrupted while building the site; the previous site is unchanged\n"
TERMINATED = "briefings: terminated while building the site; the previous site is unchanged\n"


def processes(*words: str) -> dict[int, str]:
    """The running processes whose command line holds every one of ``words``."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z" and all(word in command for word in words):
            found[int(entry.name)] = command
    return found


def wait_for(predicate, seconds: float = 30, what: str = ""):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"waited {seconds} s for {what}")


def staged(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name.startswith((".site.new-", ".site.old-")))


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def repo(example, tmp_path):
    """The example repository with a previous site, and a sitecustomize that slows Pagefind."""
    (tmp_path / "hook").mkdir()
    (tmp_path / "hook" / "sitecustomize.py").write_text(SLOW_PAGEFIND, encoding="utf-8")
    from build_scripts import sitedir

    (example.root / "site").mkdir()
    sitedir.mark(example.root / "site")
    example.write("site/index.html", "<html>the previous site</html>\n")
    return example


class Build:
    """``briefings build`` started as a user starts it, in a session of its own (a terminal's
    Ctrl-C goes to its whole process group)."""

    def __init__(self, root: Path, hook: Path, *, child: bool, slow: str) -> None:
        self.root = root
        self.restore = lambda: None
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(hook), os.environ.get("PYTHONPATH", "")])}
        if slow == "search":
            env["SLOW_PAGEFIND"] = "1"
        # (-q: no progress lines before its one line; test_progress.py stops a build that shows them)
        self.process = subprocess.Popen([sys.executable, "-c", BRIEFINGS, "0" if child else "1000000000", "build",
                                         "-q", str(root)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True, env=env, start_new_session=True)

    def children(self) -> dict[int, str]:
        return processes("build_scripts.cli", str(self.root))

    def pagefind(self) -> dict[int, str]:
        return processes("pagefind", str(self.root))

    def stop(self, signum: int, group: bool = False) -> tuple[int, str, str]:
        if group:
            os.killpg(self.process.pid, signum)
        else:
            self.process.send_signal(signum)
        out, err = self.process.communicate(timeout=60)
        self.restore()
        return self.process.returncode, out, err

    def end(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


@pytest.fixture
def start(repo, tmp_path):
    builds: list[Build] = []
    home = repo.root / "templates" / "pages" / "home.md.j2"
    text = home.read_text(encoding="utf-8")

    def start(*, child: bool, slow: str) -> Build:
        if slow == "pages":
            home.write_text(SLOW_TEMPLATE + text, encoding="utf-8")
        build = Build(repo.root, tmp_path / "hook", child=child, slow=slow)
        build.restore = lambda: home.write_text(text, encoding="utf-8")
        builds.append(build)
        if slow == "pages":
            wait_for(lambda: staged(repo.root) or build.process.poll() is not None, what="the staging folder")
            if child:
                assert build.children(), "the pages are built in a child process"
        else:
            wait_for(lambda: build.pagefind() or build.process.poll() is not None, what="Pagefind")
        assert build.process.poll() is None, build.process.communicate()
        return build

    yield start
    for build in builds:
        build.end()
        build.restore()


SIGNALS = [
    pytest.param(signal.SIGINT, False, 130, INTERRUPTED, id="SIGINT"),
    pytest.param(signal.SIGINT, True, 130, INTERRUPTED, id="Ctrl-C"),  # to the whole process group
    pytest.param(signal.SIGTERM, False, 143, TERMINATED, id="SIGTERM"),
    pytest.param(signal.SIGKILL, False, -signal.SIGKILL, "", id="SIGKILL"),
]


@pytest.mark.parametrize("child", [False, True], ids=["in process", "in a child process"])
@pytest.mark.parametrize("slow", ["pages", "search"])
@pytest.mark.parametrize("signum, group, code, err", SIGNALS)
def test_a_stopped_build_leaves_the_site_and_nothing_else(repo, start, capfd, slow, child, signum, group, code,
                                                          err):
    site = repo.root / "site"
    before = tree(site)
    build = start(child=child, slow=slow)
    assert build.stop(signum, group) == (code, "", err)
    # nothing of it runs on: the child process and Pagefind die with it
    wait_for(lambda: not build.children() and not build.pagefind(), seconds=10,
             what="the build's processes to end")
    assert tree(site) == before
    if signum != signal.SIGKILL:
        assert staged(repo.root) == []  # it cleaned up as it stopped
    capfd.readouterr()
    assert main(["build", str(repo.root)]) == 0
    assert staged(repo.root) == []  # the next build removed what a killed one left
    assert (site / "index.html").is_file()


def test_a_child_process_killed_alone_is_reported_and_cleaned_up(repo, start):
    build = start(child=True, slow="pages")
    (child,) = build.children()
    os.kill(child, signal.SIGKILL)
    out, err = build.process.communicate(timeout=60)
    build.restore()
    assert (build.process.returncode, out, err) == (
        1, "", "briefings: the site was not built: the process building its pages was killed by SIGKILL "
               "(out of memory?); the previous site is unchanged\n")
    assert staged(repo.root) == []


# The pieces

def test_sigterm_raises_once_and_a_second_signal_waits():
    from build_scripts.interrupt import Interrupted, handled

    unwound = []
    with handled():
        with pytest.raises(Interrupted) as stopped:
            try:
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(5)
            finally:
                os.kill(os.getpid(), signal.SIGINT)  # while unwinding: ignored
                time.sleep(0.05)
                unwound.append(True)
    assert stopped.value.signum == signal.SIGTERM and unwound == [True]
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_an_ignored_signal_stays_ignored():
    from build_scripts.interrupt import handled

    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with handled():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)
    finally:
        signal.signal(signal.SIGINT, previous)


def test_deferred_signals_wait_for_the_step_to_end():
    from build_scripts.interrupt import deferred, handled

    with handled():
        with deferred() as caught:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.05)
        assert caught == [signal.SIGTERM]


def test_only_what_a_build_that_is_gone_left_is_removed(tmp_path):
    from build_scripts import sitedir

    target = tmp_path / "site"
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    me = sitedir.process_token()
    folders = {
        f".site.new-{gone}.1-abc": True,  # a killed build's staging
        f".site.old-{gone}.1-abc": True,  # a killed build's previous site, half removed
        f".site.new-{gone}.1-empty": True,  # killed as it made the folder
        f".site.new-{me}-abc": False,  # a build that runs
        ".site.new-abc": False,  # no owner: not provably ours
        f".site.new-{gone}.1-unmarked": False,  # not marked: not ours
        f".other.new-{gone}.1-abc": False,  # another site's
    }
    for name, ours in folders.items():
        (tmp_path / name).mkdir()
        if not name.endswith("-empty"):
            (tmp_path / name / "index.html").write_text("<html></html>\n", encoding="utf-8")
        if name.endswith("-abc") or name == ".site.new-abc":
            sitedir.mark(tmp_path / name)
    sitedir.remove_leftovers(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(name for name, ours in folders.items() if not ours)
