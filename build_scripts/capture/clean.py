"""Metadata found in an original, made fit for a metadata file: one line, no hidden characters."""

from __future__ import annotations

import re
import unicodedata

#: Found text longer than this is cut at a word (a page's title can be anything).
MAX_FOUND = 300
_SPACES = re.compile(r"\s+")


def one_line(value: object) -> str | None:
    """``value`` as one line of visible text: control and format characters (bidirectional
    controls among them) dropped, white space runs to one space; ``None`` when nothing is left."""
    if not isinstance(value, str):
        return None
    kept = "".join(c for c in value if c.isspace() or unicodedata.category(c) not in ("Cc", "Cf", "Co", "Cs"))
    text = _SPACES.sub(" ", kept).strip()
    if len(text) > MAX_FOUND:
        text = text[:MAX_FOUND].rsplit(" ", 1)[0].rstrip(" ,;:-") + "…"
    return text or None
