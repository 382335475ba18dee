"""Fetch a web page or a PDF from an http(s) address, within bounds.

Redirects are followed only to http and https addresses; the whole download has a time
limit and a size limit. Every failure is a :class:`~build_scripts.capture.CaptureError`
whose message names the address and the cause.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from .. import __version__
from . import MAX_ORIGINAL_BYTES, CaptureError, sniff

#: Seconds to wait for the server at each step (connecting, each read).
TIMEOUT = 30.0
#: Seconds the whole download may take.
DEADLINE = 120.0
MAX_REDIRECTS = 10
USER_AGENT = f"briefings/{__version__} (archiving a source)"
_HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass(frozen=True)
class Fetched:
    """What an address answered: its bytes, their kind, and the address they came from."""

    data: bytes
    kind: str  # "html" or "pdf"
    url: str  # after redirects


def is_web_address(value: str) -> bool:
    """Whether ``value`` names an http or https address rather than a file."""
    return value.lower().startswith(("http://", "https://"))


class _Redirects(urllib.request.HTTPRedirectHandler):
    max_redirections = MAX_REDIRECTS

    def http_error_302(self, req, fp, code, msg, headers):
        location = headers.get("location") or headers.get("uri")
        if location:
            _refuse_other_schemes(urllib.parse.urljoin(req.full_url, location))
        return super().http_error_302(req, fp, code, msg, headers)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        _refuse_other_schemes(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _refuse_other_schemes(target: str) -> None:
    if urllib.parse.urlsplit(target).scheme.lower() not in ("http", "https"):
        raise CaptureError(f"redirects to {target}, which is not an http or https address: refused")


def _opener() -> urllib.request.OpenerDirector:
    opener = urllib.request.OpenerDirector()  # http and https only: no file:, ftp: or data: handler
    for handler in (urllib.request.ProxyHandler(), urllib.request.HTTPHandler(),
                    urllib.request.HTTPSHandler(context=ssl.create_default_context()),
                    _Redirects(), urllib.request.HTTPErrorProcessor(), urllib.request.HTTPDefaultErrorHandler()):
        opener.add_handler(handler)
    return opener


#: The most bytes a download may have.
LIMIT = MAX_ORIGINAL_BYTES


def fetch(url: str, timeout: float | None = None, deadline: float | None = None,
          limit: int | None = None) -> Fetched:
    """Download ``url``; refuse anything but a web page or a PDF, or more than ``limit`` bytes
    (defaults: :data:`TIMEOUT`, :data:`DEADLINE`, :data:`LIMIT`)."""
    timeout = TIMEOUT if timeout is None else timeout
    deadline = DEADLINE if deadline is None else deadline
    limit = LIMIT if limit is None else limit
    parts = urllib.parse.urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise CaptureError("is not an http or https address")
    if not url.isprintable() or any(c.isspace() for c in url):
        raise CaptureError("has a space or a control character; copy the address again from the browser")
    request = urllib.request.Request(url, headers={
        "User-Agent": USER_AGENT, "Accept": "text/html,application/xhtml+xml,application/pdf;q=0.9,*/*;q=0.1"})
    started = time.monotonic()
    try:
        with _opener().open(request, timeout=timeout) as response:
            final = response.geturl()
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > limit:
                raise CaptureError(f"is {int(declared):,} bytes, more than the {limit // (1024 * 1024)} MiB "
                                   "an original may have")
            chunks, size = [], 0
            read = getattr(response, "read1", response.read)  # what has come, not a full buffer
            while True:
                chunk = read(65536)
                if not chunk:
                    break
                size += len(chunk)
                if size > limit:
                    raise CaptureError(f"sends more than the {limit // (1024 * 1024)} MiB an original may have")
                if time.monotonic() - started > deadline:
                    raise CaptureError(f"took longer than {deadline:g} seconds to download; try again later, "
                                       "or save the page from the browser and archive the file")
                chunks.append(chunk)
            content_type = response.headers.get_content_type()
    except urllib.error.HTTPError as exc:
        if 300 <= exc.code < 400:
            raise CaptureError(f"redirects in a loop or more than {MAX_REDIRECTS} times; open it in the browser, "
                               "save the page and archive the file") from None
        reason = f" {exc.reason}" if exc.reason else ""
        raise CaptureError(f"answered {exc.code}{reason}; check the address, or save the page from the "
                           "browser and archive the file") from None
    except urllib.error.URLError as exc:
        raise CaptureError(_network_failure(exc.reason, timeout)) from None
    except (TimeoutError, socket.timeout):
        raise CaptureError(f"did not answer within {timeout:g} seconds; try again later, or save the "
                           "page from the browser and archive the file") from None
    except (http.client.HTTPException, OSError) as exc:
        raise CaptureError(f"broke off the connection ({exc.__class__.__name__}: {exc}); try again") from None
    data = b"".join(chunks)
    kind = sniff(data)
    if kind is None or (kind == "html" and content_type not in _HTML_TYPES):
        raise CaptureError(f"sends {content_type}, which is neither a web page nor a PDF")
    return Fetched(data, kind, final)


def _network_failure(reason: object, timeout: float) -> str:
    if isinstance(reason, CaptureError):
        return str(reason)
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return (f"did not answer within {timeout:g} seconds; try again later, or save the page from "
                "the browser and archive the file")
    if isinstance(reason, ssl.SSLCertVerificationError):
        return f"has a certificate that cannot be trusted ({reason.verify_message}): refused"
    if isinstance(reason, socket.gaierror):
        return "names a host that cannot be found; check the address"
    if isinstance(reason, ConnectionRefusedError):
        return "refused the connection; check the address"
    return f"cannot be reached: {getattr(reason, 'strerror', None) or reason}"
