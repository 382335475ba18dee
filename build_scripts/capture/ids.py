"""Source ids made from a source's publisher, date and title: ``yonhap-2024-11-03-borrell-seoul``."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

#: Words of a title (and of a publisher's name) that say little about the source.
STOPWORDS = frozenset("""
a an and are as at be but by for from has have in into is it its of on or over than that the their
this to was were will with after before about says said new
au aux avec dans de des du en et la le les pour par sur un une
""".split())
TITLE_WORDS = 5
PUBLISHER_WORDS = 3
#: Title words are left off while the id is longer than this.
MAX_LENGTH = 60
#: Parts of a web address that a publisher's name may carry (``axios.com``).
WEB_WORDS = frozenset({"www", "com", "org", "net", "int", "gov", "co", "uk"})
_NOT_WORD = re.compile(r"[^a-z0-9]+")


def words(text: str | None) -> list[str]:
    """The lowercase ASCII words of ``text`` (accents dropped), stopwords left out."""
    if not text:
        return []
    text = text.replace("'", "").replace("\u2019", "")  # "Doesn't" is one word
    spaced = "".join(c if unicodedata.category(c)[0] in "LMN" else " " for c in text)  # "Things—if" two
    ascii_text = unicodedata.normalize("NFKD", spaced).encode("ascii", "ignore").decode("ascii").lower()
    return [w for w in _NOT_WORD.split(ascii_text) if w and w not in STOPWORDS]


def make_id(publisher: str | None, published: str | None, title: str | None,
            taken: Callable[[str], bool]) -> str:
    """A valid id from the publisher, the date and the title, that ``taken`` does not refuse:
    ``publisher-date-title-words``, with ``-2``, ``-3`` ... added while it is taken."""
    parts = [w for w in words(publisher) if w not in WEB_WORDS][:PUBLISHER_WORDS]
    if published:
        parts.append(published)
    title_words = words(title)[:TITLE_WORDS]
    while len(title_words) > 1 and len("-".join(parts + title_words)) > MAX_LENGTH:
        title_words.pop()
    base = "-".join(parts + title_words) or "source"
    candidate, number = base, 1
    while taken(candidate):
        number += 1
        candidate = f"{base}-{number}"
    return candidate
