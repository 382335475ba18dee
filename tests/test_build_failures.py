"""What a build does when something is wrong: warnings never stop it, a template that fails
or loops for ever is named by file and line, and the preview keeps serving its last good site."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import jinja2
import pytest

from build_scripts.cli import main
from build_scripts.watchdog import RenderTimeout, Watchdog

from test_serve import fetch, free_port, wait_for

UNCITED = "Words nobody cites yet.\n"


def add_uncited_source(example) -> None:
    example.write("sources/not-cited-yet.txt", UNCITED)
    example.write("sources/not-cited-yet.yaml", "title: Archived, not yet cited\npublished: 2024-11-05\n")


def test_a_warning_does_not_stop_the_build_and_is_printed_once(example, capfd, build_process):
    add_uncited_source(example)
    assert main(["check", str(example.root)]) == 0
    capfd.readouterr()
    assert main(["build", str(example.root), "--format", "text"]) == 0
    out, err = capfd.readouterr()
    assert err.count("warning BRF307: no briefing cites source 'not-cited-yet'") == 1, err
    assert "WARNING" not in err and "not built" not in err
    assert out.startswith("Built the site into ")
    assert (example.root / "site" / "sources" / "not-cited-yet" / "index.html").is_file()


def test_strict_makes_a_warning_stop_the_build(example, capfd, build_process):
    add_uncited_source(example)
    assert main(["build", str(example.root), "--strict", "--format", "text"]) == 1
    err = capfd.readouterr().err
    assert err.count("warning BRF307") == 1
    assert err.endswith("briefings: nothing was built: fix the problems above, then build again\n")
    assert not (example.root / "site").exists()


@pytest.mark.parametrize("strict, code", [([], 0), (["--strict"], 1)], ids=["plain", "strict"])
def test_mkdocs_build_logs_warnings_without_failing_unless_strict(example, tmp_path, strict, code):
    add_uncited_source(example)
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", *strict, "-d", str(tmp_path / "out")],
                            cwd=example.root, capture_output=True, text=True,
                            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode == code, result.stderr
    assert result.stderr.count("warning BRF307: no briefing cites source 'not-cited-yet'") == 1
    assert "Traceback" not in result.stderr
    if strict:
        assert "the briefings have 1 warning(s) and the build is strict; nothing was built" in result.stderr


LOOP = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"

BROKEN_TEMPLATES = {
    "division by zero": ("pages/question.md.j2", "{{ 1 // 0 }}\n",
                         "templates/pages/question.md.j2:1: integer division or modulo by zero (ZeroDivisionError)"),
    "endless recursion": ("pages/actor.md.j2", "{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}\n",
                          "templates/pages/actor.md.j2:1: a macro or include that calls itself without end "
                          "(maximum recursion depth exceeded)"),
    "not UTF-8": ("pages/source.md.j2", b"{# ok #}\n  \xff\xfe\n",
                  "templates/pages/source.md.j2:2: the file is not UTF-8 text: byte 0xff at column 3 cannot "
                  "be read; save the template as UTF-8"),
    "endless loop in a page template": ("pages/home.md.j2", LOOP + "\n",
                                        "templates/pages/home.md.j2:1: rendering was stopped after render_timeout"
                                        " seconds without progress"),
    "a loop in C": ("pages/home.md.j2", "{{ range(10**13) | sum }}\n",
                    "templates/pages/home.md.j2:1: range() of 10,000,000,000,000 items: a template may ask for "
                    "at most 100,000 (OverflowError)"),
    "a loop in C in the theme": ("overrides/main.html", "{{ range(10**13) | sum }}\n",
                                 "templates/overrides/main.html:1: range() of 10,000,000,000,000 items: a template "
                                 "may ask for at most 100,000 (OverflowError)"),
    "syntax error in the theme": ("overrides/main.html", "{% if %}\n",
                                  "templates/overrides/main.html:1: Expected an expression, got 'end of "
                                  "statement block'"),
    "endless loop in the theme": ("overrides/main.html", LOOP + "\n",
                                  "templates/overrides/main.html:1: rendering was stopped after render_timeout"
                                  " seconds without progress"),
    "not UTF-8 in the theme": ("overrides/main.html", b"\xc3\x28 {{ x }}\n",
                               "templates/overrides/main.html:1: the file is not UTF-8 text: byte 0xc3 at "
                               "column 1 cannot be read"),
}


def break_template(example, name: str, prefix: str | bytes) -> None:
    path = example.root / "templates" / name
    data = path.read_bytes()
    path.write_bytes((prefix if isinstance(prefix, bytes) else prefix.encode()) + data)
    config = example.root / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    assert "  - briefings:\n" in text
    config.write_text(text.replace("  - briefings:\n", "  - briefings:\n      render_timeout: 1.5\n"),
                      encoding="utf-8")


@pytest.mark.parametrize("case", BROKEN_TEMPLATES)
def test_a_failing_template_is_named_by_file_and_line(example, capfd, build_process, case):
    name, prefix, expected = BROKEN_TEMPLATES[case]
    break_template(example, name, prefix)
    started = time.monotonic()
    assert main(["build", str(example.root), "--format", "text"]) == 1
    assert time.monotonic() - started < 60
    err = capfd.readouterr().err
    assert expected in err, err
    assert "Traceback" not in err
    assert err.endswith("the previous site is unchanged\n")
    assert not (example.root / "site").exists()
    assert not [p for p in example.root.iterdir() if p.name.startswith(".site")]


def test_the_watchdog_stops_a_loop_in_any_thread_and_nothing_after_it_is_stopped():
    template = jinja2.Environment().from_string(LOOP)
    caught = []

    def render() -> None:
        try:
            with Watchdog(0.5):
                template.render()
        except RenderTimeout:
            caught.append(threading.current_thread().name)

    render()
    thread = threading.Thread(target=render, name="preview")
    thread.start()
    thread.join(30)
    assert caught == ["MainThread", "preview"]
    with Watchdog(0.3) as watchdog:
        for _ in range(8):  # kept alive by progress
            time.sleep(0.1)
            watchdog.kick()
    time.sleep(1.0)  # stopped: nothing is raised later


def banner(url: str) -> str | None:
    """The error the page shows, as a reader's browser shows it (None: no error shown)."""
    from test_browser import chromium_path

    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        page = browser.new_page()
        page.goto(url)
        page.wait_for_selector("html[data-brf-preview]", state="attached")  # (preview.js has read the report)
        shown = page.locator(".brf-preview-error")
        text = shown.inner_text() if shown.count() else None
        browser.close()
    return text


def test_the_preview_keeps_serving_the_last_good_site_and_shows_why(example):
    port = free_port()
    server = subprocess.Popen(["briefings", "serve", "--dev-addr", f"127.0.0.1:{port}"], cwd=example.root,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    page = f"http://127.0.0.1:{port}/briefings/eu-rok-security-dialogue-2024-11/"
    status = f"http://127.0.0.1:{port}/briefings-preview.json"
    template = example.root / "templates" / "pages" / "briefing.md.j2"
    good = template.read_text(encoding="utf-8")
    config = example.root / "mkdocs.yml"
    good_config = config.read_text(encoding="utf-8")
    why = "templates/pages/briefing.md.j2:1: integer division or modulo by zero"
    try:
        assert wait_for(page, "Key actors"), "the site was not served"
        assert banner(page) is None
        template.write_text("{{ 1 // 0 }}\n" + good, encoding="utf-8")
        assert wait_for(status, why), "no error reported"
        assert "Key actors" in fetch(page)  # the last good page
        assert banner(page) == f"The preview was not rebuilt; it shows the last good build. cannot render the " \
                               f"pages: {why} (ZeroDivisionError)"
        template.write_text(good, encoding="utf-8")
        assert wait_for(status, '{"error": null}')
        assert banner(page) is None
        config.write_text(good_config + "\nnot: [valid\n", encoding="utf-8")
        assert wait_for(status, "mkdocs.yml"), "no error reported for mkdocs.yml"
        assert "mkdocs.yml" in banner(page)
        config.write_text(good_config, encoding="utf-8")
        assert wait_for(status, '{"error": null}')
    finally:
        server.terminate()
        try:
            output, _ = server.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            output, _ = server.communicate()
    assert "Traceback" not in output, output[-3000:]
    assert f"the preview was not rebuilt: cannot render the pages: {why} (ZeroDivisionError)" in output


def wait_for_absent(url: str, text: str, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        page = fetch(url)
        if page is not None and text not in page:
            return True
        time.sleep(0.3)
    return False


def test_serve_on_an_address_in_use_says_so_before_building(example):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(["briefings", "serve", "--dev-addr", f"127.0.0.1:{port}"], cwd=example.root,
                                capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr == (f"briefings: cannot serve the site: cannot serve on 127.0.0.1:{port}: Address already "
                             "in use; stop what serves there, or give --dev-addr another address, such as "
                             "127.0.0.1:8001\n")
    assert "Documentation built" not in result.stdout
