"""The text of a PDF, page by page, through PDFium (the pypdfium2 binding).

Pages are separated by a form feed (U+000C): page N is the text after the (N-1)th form
feed. Columns come out one after the other, as the document draws them; a word that a
line break hyphenated keeps its hyphen at the end of the line (``secu-`` ⏎ ``rity``), which
quotes match with or without it; soft hyphens that did not break a line are dropped. Only
text within the page's visible box is taken. Title and date come from the document
information, where present.
"""

from __future__ import annotations

import datetime as dt
import re
from importlib import metadata

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from . import Capture, CaptureError
from .clean import one_line

#: Characters of a page's text that a text file must not hold (the form feed separates pages).
_CONTROLS = re.compile("[\x00\x01\x03-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TRAILING = re.compile(r"[ \t]+$", re.MULTILINE)
_PDF_DATE = re.compile(r"^D?:?(\d{4})(\d{2})?(\d{2})?")
#: Document titles that name a file or a template, not the document.
_NO_TITLE = re.compile(r"(?i)^(untitled|microsoft (word|powerpoint) - .*|.*\.(docx?|odt|rtf|pdf|indd|pptx?|xlsx?))$")


def extractor() -> str:
    """``pypdfium2 <version>``: what makes the text."""
    return f"pypdfium2 {metadata.version('pypdfium2')}"


def extract(data: bytes) -> Capture:
    """The text of the PDF in ``data``, page by page, and its title and date."""
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code == pdfium_c.FPDF_ERR_PASSWORD:
            raise CaptureError(
                "is encrypted: it opens only with a password. Save a copy without the password "
                "(for example 'qpdf --decrypt --password=PASSWORD in.pdf out.pdf') and archive that") from None
        if code == pdfium_c.FPDF_ERR_SECURITY:
            raise CaptureError("is encrypted with a protection that cannot be opened here; save a copy "
                               "without it (print it to PDF) and archive that") from None
        raise CaptureError(f"is not a PDF that can be read ({exc}); save or download it again") from None
    try:
        pages = [_page_text(document, index) for index in range(len(document))]
        info = document.get_metadata_dict(skip_empty=True)
    except pdfium.PdfiumError as exc:
        raise CaptureError(f"cannot be read to the end ({exc}); save or download it again") from None
    finally:
        document.close()
    if not any(page.strip() for page in pages):
        raise CaptureError(
            f"has no text layer: its {len(pages)} page(s) hold only images (a scan?). Make its text "
            "searchable first (for example 'ocrmypdf scan.pdf text.pdf') and archive that")
    title = one_line(info.get("Title"))
    found = {
        "title": None if title is None or _NO_TITLE.fullmatch(title) else title,
        "published": _date(info.get("CreationDate")),
    }
    return Capture("pdf", "\f".join(pages), extractor(), {k: v for k, v in found.items() if v})


def _page_text(document: pdfium.PdfDocument, index: int) -> str:
    page = document[index]
    try:
        textpage = page.get_textpage()
        try:
            raw = textpage.get_text_bounded()  # the visible page box: nothing drawn outside it
        finally:
            textpage.close()
    finally:
        page.close()
    # PDFium ends lines with CR LF and reports a hyphen that ended a line as U+0002, joined
    # to the next line: the hyphen and the line break are put back.
    text = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\x02", "-\n")
    text = _TRAILING.sub("", _CONTROLS.sub("", text))
    return text.strip("\n") + "\n"


def _date(value: str | None) -> str | None:
    """``D:20210128160204-05'00'`` → ``2021-01-28`` (a full date only)."""
    match = _PDF_DATE.match(value or "")
    if match is None or not match.group(3):
        return None
    try:
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3))).isoformat()
    except ValueError:
        return None
