"""Pages of an archived text made from a PDF: page N is the text after the (N-1)th form feed."""

from __future__ import annotations

from ..model import Source

FORM_FEED = "\f"


def has_pages(source: Source) -> bool:
    """Whether ``source``'s text is divided into pages (made from a PDF, or holding form feeds)."""
    return bool(source.original and source.original.endswith(".pdf")) or FORM_FEED in (source.text or "")


def parse_pages(value: str) -> tuple[int, int]:
    """``"3"`` → (3, 3); ``"3-4"`` → (3, 4)."""
    first, _, last = value.partition("-")
    return int(first), int(last or first)


def count_pages(text: str) -> int:
    """How many pages ``text`` has."""
    return text.count(FORM_FEED) + 1


def page_span(text: str, first: int, last: int) -> tuple[int, int] | None:
    """Where pages ``first`` to ``last`` lie in ``text`` (offsets), or ``None`` when it lacks them."""
    if first < 1 or last < first or last > count_pages(text):
        return None
    start = 0
    for _ in range(first - 1):
        start = text.index(FORM_FEED, start) + 1
    end = start
    for _ in range(last - first + 1):
        found = text.find(FORM_FEED, end)
        end = len(text) if found < 0 else found + 1
    return start, end


def page_at(text: str, offset: int) -> int:
    """The page that the character at ``offset`` is on."""
    return text.count(FORM_FEED, 0, offset) + 1
