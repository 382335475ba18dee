"""``briefings source add https://...``: a page or a PDF fetched from a local HTTP server
this test starts on 127.0.0.1 (never the internet), and every way a fetch fails."""

from __future__ import annotations

import datetime as dt
import http.server
import threading
import time
from pathlib import Path

import pytest
import yaml

from build_scripts.capture import fetch

from test_capture_html import ARTICLE

from conftest import run

PDF = (Path(__file__).resolve().parent / "data" / "capture" / "two-columns.pdf").read_bytes()


class Handler(http.server.BaseHTTPRequestHandler):
    routes = {
        "/article": (200, {"Content-Type": "text/html; charset=utf-8"}, ARTICLE),
        "/report.pdf": (200, {"Content-Type": "application/pdf"}, PDF),
        "/download": (200, {"Content-Type": "application/octet-stream"}, PDF),
        "/image.png": (200, {"Content-Type": "image/png"}, b"\x89PNG\r\n\x1a\n\x00\x00"),
        "/moved": (301, {"Location": "/article"}, b""),
        "/to-file": (302, {"Location": "file:///etc/passwd"}, b""),
        "/to-ftp": (302, {"Location": "ftp://127.0.0.1/report.pdf"}, b""),
        "/loop": (302, {"Location": "/loop"}, b""),
        "/missing": (404, {"Content-Type": "text/html"}, b"<p>Not here</p>"),
        "/huge": (200, {"Content-Type": "text/html", "Content-Length": str(200 * 1024 * 1024)}, b"<p>"),
    }

    def do_GET(self):  # noqa: N802 (the name http.server calls)
        if self.path == "/slow":
            time.sleep(2)
        if self.path == "/endless":  # no Content-Length: bytes until the client gives up
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            try:
                for _ in range(1000):
                    self.wfile.write(b"<p>" + b"x" * 65536)
            except OSError:
                pass
            return
        status, headers, body = self.routes.get(self.path, (404, {}, b""))
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        if "Content-Length" not in headers:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:
            pass

    def log_message(self, *args):  # quiet
        pass


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_a_fetched_page_is_archived_with_its_address_and_today(team, server, capsys):
    code, out, err = run(capsys, "source", "add", f"{server}/moved", "--id", "coastal", "--path", str(team))
    today = dt.date.today().isoformat()
    assert (code, err) == (0, "")
    assert out.splitlines()[:4] == [
        "created sources/coastal.txt (the page's main text: 4 paragraphs)",
        "created sources/coastal.html (the page as captured; kept in the repository, never published on the site)",
        "created sources/coastal.yaml (its metadata, and the sha256 of the text and the page)",
        "found in the page: title Ministry statement on the coastal patrol; published 2024-11-03; publisher "
        f"Ministry of Examples; url {server}/article; retrieved {today}; language en-GB"]
    assert (team / "sources" / "coastal.html").read_bytes() == ARTICLE
    meta = yaml.safe_load((team / "sources" / "coastal.yaml").read_text(encoding="utf-8"))
    # the address it came from (after the redirect), not the canonical link of the page
    assert (meta["url"], str(meta["retrieved"])) == (f"{server}/article", today)
    assert run(capsys, "check", str(team), "--format", "text")[0] == 0


@pytest.mark.parametrize("path", ["/report.pdf", "/download"])
def test_a_fetched_pdf_is_archived_as_a_pdf(team, server, capsys, path):
    code, out, _ = run(capsys, "source", "add", server + path, "--id", "statement", "--published", "2024-11-03",
                       "--path", str(team))
    assert code == 0
    assert out.startswith("created sources/statement.txt (the text of 1 page, a form feed between pages)\n")
    assert (team / "sources" / "statement.pdf").read_bytes() == PDF


def test_options_win_over_the_fetch(team, server, capsys):
    assert run(capsys, "source", "add", f"{server}/article", "--id", "coastal", "--url",
               "https://www.example.org/news/coastal-patrol", "--retrieved", "2024-11-04", "--path", str(team))[0] == 0
    meta = yaml.safe_load((team / "sources" / "coastal.yaml").read_text(encoding="utf-8"))
    assert (meta["url"], str(meta["retrieved"])) == ("https://www.example.org/news/coastal-patrol", "2024-11-04")


@pytest.mark.parametrize("path, message", [
    ("/missing", "answered 404 Not Found; check the address, or save the page from the browser and archive the file"),
    ("/to-file", "redirects to file:///etc/passwd, which is not an http or https address: refused"),
    ("/to-ftp", "redirects to ftp://127.0.0.1/report.pdf, which is not an http or https address: refused"),
    ("/image.png", "sends image/png, which is neither a web page nor a PDF"),
    ("/huge", "is 209,715,200 bytes, more than the 50 MiB an original may have"),
])
def test_fetches_that_fail(team, server, capsys, path, message):
    url = server + path
    assert run(capsys, "source", "add", url, "--id", "x", "--title", "T", "--published", "2024-11-03",
               "--path", str(team)) == (2, "", f"briefings: {url} {message}; nothing was written\n")
    assert list((team / "sources").iterdir()) == []


def test_endless_redirects_fail(team, server, capsys):
    assert run(capsys, "source", "add", f"{server}/loop", "--path", str(team)) == (2, "", (
        f"briefings: {server}/loop redirects in a loop or more than 10 times; open it in the browser, save the "
        "page and archive the file; nothing was written\n"))
    assert list((team / "sources").iterdir()) == []


def test_a_server_that_does_not_answer_in_time(team, server, capsys, monkeypatch):
    monkeypatch.setattr(fetch, "TIMEOUT", 0.3)
    url = f"{server}/slow"
    assert run(capsys, "source", "add", url, "--path", str(team)) == (2, "", (
        f"briefings: {url} did not answer within 0.3 seconds; try again later, or save the page from the "
        "browser and archive the file; nothing was written\n"))


def test_a_download_larger_than_the_limit_is_stopped(team, server, capsys, monkeypatch):
    monkeypatch.setattr(fetch, "LIMIT", 1024 * 1024)
    url = f"{server}/endless"
    assert run(capsys, "source", "add", url, "--path", str(team)) == (2, "", (
        f"briefings: {url} sends more than the 1 MiB an original may have; nothing was written\n"))


@pytest.mark.parametrize("url, message", [
    ("http://127.0.0.1:1/article", "refused the connection; check the address"),
    ("https://", "is not an http or https address"),
    ("http://127.0.0.1/a b", "has a space or a control character; copy the address again from the browser"),
])
def test_addresses_that_cannot_be_fetched(team, capsys, url, message):
    assert run(capsys, "source", "add", url, "--path", str(team)) == (
        2, "", f"briefings: {url} {message}; nothing was written\n")
