"""`briefings serve` and `mkdocs serve` serve the site and show an edit after a reload."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

BRIEFING = "briefings/eu-rok-security-dialogue-2024-11.yaml"
PAGE = "briefings/eu-rok-security-dialogue-2024-11/"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode("utf-8")
    except OSError:
        return None


def wait_for(url: str, text: str, seconds: float = 90) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        page = fetch(url)
        if page is not None and text in page:
            return True
        time.sleep(0.3)
    return False


@pytest.mark.parametrize("command", [
    ["briefings", "serve", "--dev-addr"],
    [sys.executable, "-m", "mkdocs", "serve", "--dev-addr"],
], ids=["briefings-serve", "mkdocs-serve"])
def test_serve_shows_an_edit(example, command):
    port = free_port()
    server = subprocess.Popen([*command, f"127.0.0.1:{port}"], cwd=example.root, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True,
                              env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    try:
        url = f"http://127.0.0.1:{port}/{PAGE}"
        assert wait_for(url, "Key actors"), "the site was not served"
        path = example.root / BRIEFING
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("Wants to", "Wants very much to", 1), encoding="utf-8")
        if not wait_for(url, "Wants very much to"):
            server.terminate()
            pytest.fail("the edit did not reach the served page:\n" + server.communicate(timeout=20)[0][-3000:])
        # ... and the pages that show it (for briefings serve, in a second rebuild)
        assert wait_for(f"http://127.0.0.1:{port}/actors/josep-borrell/", "Wants very much to")
    finally:
        server.terminate()
        try:
            output, _ = server.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            output, _ = server.communicate()
    assert "Traceback" not in output
