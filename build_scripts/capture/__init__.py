"""Turn an original capture, a saved web page or a PDF, into the archived text of a source.

:func:`read_original` reads and checks a file, :func:`extract` makes its text and finds
its metadata, :func:`extractor` names the tool (and version) that does it. The same
function makes the text at ``briefings source add`` and again at ``briefings source
verify``, so the two can be compared.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

#: Originals larger than this are refused (a saved page with its images inlined, a long report).
MAX_ORIGINAL_BYTES = 50 * 1024 * 1024
#: The kind of original each file extension stands for.
KINDS = {".html": "html", ".htm": "html", ".pdf": "pdf"}
#: The extension an original of each kind is kept under, beside the text.
EXTENSIONS = {"html": ".html", "pdf": ".pdf"}


class CaptureError(Exception):
    """The original cannot be archived; the message says why and what to do instead.

    Messages read after the file's name: "page.html" + ": " + message.
    """


@dataclass(frozen=True)
class Capture:
    """What an original gives: its archived text, the extractor, and the metadata found."""

    kind: str  # "html" or "pdf"
    text: str
    extractor: str  # e.g. "trafilatura 2.3.1"
    #: Metadata found in the original, by source key (title, published, publisher, url, language).
    found: dict[str, str] = field(default_factory=dict)


def kind_of(path: Path) -> str | None:
    """``"html"`` or ``"pdf"`` for a file name with such an extension, else ``None``."""
    return KINDS.get(path.suffix.lower())


def read_original(path: Path) -> bytes:
    """The bytes of ``path``, refused when unreadable, empty or larger than the limit."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_ORIGINAL_BYTES + 1)
    except OSError as exc:
        raise CaptureError(f"cannot be read: {exc.strerror or exc}") from None
    if len(data) > MAX_ORIGINAL_BYTES:
        raise CaptureError(f"is larger than {MAX_ORIGINAL_BYTES // (1024 * 1024)} MiB; archive a smaller "
                           "copy (a PDF without its images, the article page alone)")
    if not data.strip():
        raise CaptureError("is empty; save the page or document again")
    return data


def sniff(data: bytes) -> str | None:
    """The kind the content itself shows: ``"pdf"``, ``"html"``, or ``None`` (something else)."""
    head = data[:1024]
    marker = head.find(b"%PDF-")  # (readers accept it anywhere in the first kilobyte)
    if marker >= 0 and b"<" not in head[:marker]:
        return "pdf"
    if _BINARY.intersection(head) or head.startswith(_OTHER_FORMATS):
        return None
    lowered = data[:65536].lower()
    if b"<html" in lowered or b"<body" in lowered or b"<!doctype html" in lowered or b"<p" in lowered:
        return "html"
    return None


_BINARY = frozenset(range(0, 9)) | frozenset(range(14, 27)) | frozenset(range(28, 32))
_OTHER_FORMATS = (b"PK\x03\x04", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"\xd0\xcf\x11\xe0", b"{\\rtf")


def check_kind(data: bytes, kind: str) -> None:
    """Refuse ``data`` unless its content is what its extension (``kind``) says."""
    found = sniff(data)
    if found == kind:
        return
    if found == "pdf":
        raise CaptureError("is a PDF, not a web page: rename it to .pdf")
    if kind == "pdf":
        what = "a web page" if found == "html" else "not a PDF (it does not start with %PDF-)"
        hint = "rename it to .html" if found == "html" else "save the document as PDF again"
        raise CaptureError(f"is {what}: {hint}")
    raise CaptureError("is not a web page (no HTML in it): save the page from the browser as "
                       "\"Web page, HTML only\", or archive its text as a .txt file")


def extract(data: bytes, kind: str) -> Capture:
    """The archived text of an original of ``kind`` and the metadata found in it."""
    if kind == "html":
        from . import webpage

        return webpage.extract(data)
    from . import pdf

    return pdf.extract(data)


def extractor(kind: str) -> str:
    """The tool and version that the installed libraries make the text of ``kind`` with."""
    if kind == "html":
        from . import webpage

        return webpage.extractor()
    from . import pdf

    return pdf.extractor()
