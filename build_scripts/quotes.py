"""Quote matching: the normalisation of SPEC 3, elisions, and the closest passage.

A quote matches a source when, after both are normalised the same way (invisible format
characters dropped, Unicode NFKC, white space runs to one space, typographic quotes to
ASCII, every dash and ``--`` to ``-``, case folded), each part of the quote between
elision marks occurs in the source, in order, beginning and ending at word boundaries.

In a source, line-end hyphenation is read first, before the format characters are
dropped: a hyphen or soft hyphen that ends a line between two letters goes, with the line
break and the white space around it, so that "secu-⏎rity" reads "security"; a quote may
still write it "secu-rity" or "secu- rity" (:func:`find_parts`, given the text's
:class:`Hyphens`).
"""

from __future__ import annotations

import bisect
import difflib
import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from rapidfuzz import fuzz

_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212\u2e3a\u2e3b\ufe58\ufe63\uff0d"
_DOUBLE = "\u201c\u201d\u201e\u201f\u00ab\u00bb\u2033\u2036\u301d\u301e\u301f\uff02"
_SINGLE = "\u2018\u2019\u201a\u201b\u2032\u2035\u2039\u203a\uff07\u02bc"
_REPLACEMENT = {**{c: "-" for c in _DASHES}, **{c: '"' for c in _DOUBLE}, **{c: "'" for c in _SINGLE}}
_SPACES = re.compile(r"\s+")
_OTHER_SPACE = re.compile(r"[^\S ]")
_ASCII_SPACES = str.maketrans({c: " " for c in "\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"})
_DASH_RUN = re.compile(r"-{2,}")
_ELISION = re.compile(r"\s*(?:\[\s*\.\.\.\s*\]|\.\.\.)\s*")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


# Where Unicode puts its format characters (category Cf); the category decides, so a newer
# Unicode database that moves a character in or out of Cf is followed.
_FORMAT_BLOCKS = ((0x00AD, 0x00AD), (0x0600, 0x0605), (0x061C, 0x061C), (0x06DD, 0x06DD),
                  (0x070F, 0x070F), (0x0890, 0x0891), (0x08E2, 0x08E2), (0x180E, 0x180E),
                  (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0xFEFF, 0xFEFF),
                  (0xFFF9, 0xFFFB), (0x110BD, 0x110BD), (0x110CD, 0x110CD), (0x13430, 0x1343F),
                  (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0001, 0xE0001), (0xE0020, 0xE007F))
FORMAT_CHARS = "".join(chr(c) for first, last in _FORMAT_BLOCKS for c in range(first, last + 1)
                       if unicodedata.category(chr(c)) == "Cf")
_FORMAT_SET = frozenset(FORMAT_CHARS)


def _char_class(chars: str) -> str:
    """A regular expression character class body of ``chars``, as ranges."""
    body, codes = [], sorted(map(ord, chars))
    while codes:
        first = last = codes.pop(0)
        while codes and codes[0] == last + 1:
            last = codes.pop(0)
        body.append(re.escape(chr(first)) + (f"-{re.escape(chr(last))}" if last > first else ""))
    return "".join(body)


_BMP_FORMAT = _char_class("".join(c for c in FORMAT_CHARS if c <= "\uffff"))
_FORMAT = re.compile(f"[{_char_class(FORMAT_CHARS)}]+")
# A few format characters lie beyond U+FFFF; a class of the others plus one range for all
# of those planes compiles to a bitmap and one comparison, faster to scan than the exact
# class (the few characters beyond U+FFFF it finds are told apart by _typographic).
_MAYBE_FORMAT = re.compile(f"[{_BMP_FORMAT}\U00010000-\U0010ffff]")
_TYPOGRAPHIC = re.compile(f"[{re.escape(_DASHES + _DOUBLE + _SINGLE)}{_BMP_FORMAT}\U00010000-\U0010ffff]")


# What each character _TYPOGRAPHIC finds becomes (beyond U+FFFF, most stay themselves).
_TYPOGRAPHIC_TO = {**_REPLACEMENT, **dict.fromkeys(FORMAT_CHARS, "")}


def _typographic(match: re.Match) -> str:
    char = match[0]
    return _TYPOGRAPHIC_TO.get(char, char)


def _fold(text: str) -> str:
    if text.isascii():
        return text.lower()
    normal = unicodedata.normalize("NFKC", text)
    # A regular expression touches only the few typographic and format characters;
    # str.translate would rebuild every character of a mostly-ASCII text.
    replaced = _TYPOGRAPHIC.sub(_typographic, normal)
    if len(replaced) != len(normal):
        # Format characters were dropped. They go before NFKC, so that what they stood
        # between composes (e, U+200B, U+0301 is é): fold again without them.
        return _fold(_FORMAT.sub("", text))
    return replaced.casefold()


def _fold_groups(segment: str) -> list[tuple[int, str]]:
    """Fold ``segment`` in groups that normalise independently: (offset, folded text).

    A new group starts only at a character that does not compose with what precedes it,
    so folding the groups one by one gives exactly the fold of the whole segment.
    """
    groups: list[tuple[int, str]] = []
    start = 0
    for index in range(1, len(segment) + 1):
        if index < len(segment):
            char = segment[index]
            if unicodedata.combining(char) or (
                    _fold(segment[start:index + 1]) != _fold(segment[start:index]) + _fold(char)):
                continue
        groups.append((start, _fold(segment[start:index])))
        start = index
    return groups


def normalise(text: str, *, line_ends: bool = True) -> str:
    """The SPEC 3 normal form of ``text`` (not stripped).

    Line-end hyphenation (see :func:`line_end_hyphens`) is read away in the text of a
    source, not in a quote (``line_ends=False``), where a soft hyphen before a line break
    is as invisible as anywhere else, and "secu-⏎rity" reads "secu- rity", which matches.
    """
    if line_ends:
        text = _without(text, line_end_hyphens(text))
    folded = _fold(text)
    # Fast path for the common case: translate() is quick on ASCII text, and runs of
    # spaces are rare enough that repeated replace() beats a regular expression.
    folded = folded.translate(_ASCII_SPACES) if folded.isascii() else _OTHER_SPACE.sub(" ", folded)
    while "  " in folded:
        folded = folded.replace("  ", " ")
    return _DASH_RUN.sub("-", folded) if "--" in folded else folded


@functools.lru_cache(maxsize=1 << 16)
def quote_parts(quote: str) -> tuple[str, ...]:
    """The normalised parts of a quote between elision marks (empty parts dropped)."""
    return tuple(p for p in (part.strip() for part in _ELISION.split(normalise(quote, line_ends=False))) if p)


# Scripts written without spaces between words, where every character boundary is a word
# boundary: Thai, Lao, Myanmar, Khmer, kana, Bopomofo and Han (with its radicals, symbols
# such as 々 and the extension planes).
_UNSPACED = ((0x0E00, 0x0EFF), (0x1000, 0x109F), (0x1780, 0x17FF), (0x19E0, 0x19FF),
             (0x2E80, 0x2FDF), (0x3005, 0x3007), (0x3021, 0x3029), (0x3038, 0x303C),
             (0x3040, 0x30FF), (0x3100, 0x312F), (0x31A0, 0x31FF), (0x3400, 0x4DBF),
             (0x4E00, 0x9FFF), (0xA9E0, 0xA9FF), (0xAA60, 0xAA7F), (0xF900, 0xFAFF),
             (0xFF66, 0xFF9F), (0x1B000, 0x1B16F), (0x20000, 0x3FFFF))


def _unspaced(char: str) -> bool:
    code = ord(char)
    return any(first <= code <= last for first, last in _UNSPACED)


@functools.lru_cache(maxsize=1 << 14)
def _joined_unicode(before: str, after: str) -> bool:
    if unicodedata.category(after)[0] == "M":  # a mark belongs to the character before it
        return not before.isspace()
    return ((before.isalnum() or unicodedata.category(before)[0] == "M") and after.isalnum()
            and not _unspaced(before) and not _unspaced(after))


def _joined(before: str, after: str) -> bool:
    """Whether the boundary between two characters of a normalised text lies inside a word."""
    if before.isascii() and after.isascii():
        return before.isalnum() and after.isalnum()
    return _joined_unicode(before, after)


# Punctuation that joins the digits on both sides into one number (as Unicode's word
# boundaries do, UAX #29): "5 million" is not a quote of "2.5 million", nor "000" of
# "10,000".
_MID = ".,"
# An apostrophe between letters joins them into one word, where cutting there could invert
# the meaning ("We can" is not a quote of "We can't"), but for the possessive "'s":
# "North Korea" may be quoted from "North Korea's".
_JOINERS = "'"
# A hyphen between letters or digits joins them too ("lethal aid" is not a quote of
# "non-lethal aid", nor "15 people" of "10-15 people"). The normalised text writes every
# dash as "-", so which it was is asked of the original (``hyphen``, see Mapped.hyphen): a
# dash written without spaces separates words ("time—including"), as "--" does.
HYPHENS = "-\u2010\u2011\ufe63\uff0d"
_NUMBER_DASHES = "\u2012\u2013\u2212"  # figure dash, en dash, minus: between digits, one number
_SIGNS = "-\u2212\ufe63\uff0d"  # before a digit (and no letter or digit before): a number's sign

#: Whether the "-" at an index of a normalised text stands for a hyphen of the original.
Hyphen = Callable[[int], bool]

#: A hyphen or soft hyphen that ends a line between two letters is line-end hyphenation.
LINE_END_HYPHENS = HYPHENS + "\u00ad"
# White space within a line, and format characters: they may stand around the line break.
_GAP = rf"(?:[^\S\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]|[{_char_class(FORMAT_CHARS)}])*"
_LINE_END = re.compile(rf"[{re.escape(LINE_END_HYPHENS)}]{_GAP}(?:\r\n|\n|\r){_GAP}(?=[^\W\d_])")
# A quick test first: a pattern that begins with one literal character is searched for by a
# fast scan, where a class of all the hyphens is ten times slower.
_ASCII_LINE_END = re.compile(rf"-{_GAP}[\n\r]")


def _may_break_words(text: str) -> bool:
    """Whether ``text`` may hold line-end hyphenation (a quick test: see :func:`line_end_hyphens`)."""
    return _ASCII_LINE_END.search(text) is not None or not text.isascii() and (
        "\u00ad" in text or "\u2010" in text or "\u2011" in text or "\ufe63" in text or "\uff0d" in text)


def _letter_before(text: str, index: int) -> bool:
    """Whether the character before ``index``, format characters and marks aside, is a letter."""
    while index > 0 and (text[index - 1] in _FORMAT_SET or unicodedata.category(text[index - 1])[0] == "M"):
        index -= 1
    return index > 0 and text[index - 1].isalpha()


def line_end_hyphens(text: str) -> list[tuple[int, int]]:
    """Spans of ``text`` that are line-end hyphenation, read away by :func:`normalise`.

    Each is a hyphen or soft hyphen that ends a line between two letters, with the line
    break ("\\r\\n", "\\n" or "\\r") and the white space and format characters around it.
    A blank line or a form feed (a page break) between the two letters is not hyphenation,
    nor is a hyphen beside a digit ("COVID-⏎19") or another dash ("--⏎").
    """
    if not _may_break_words(text):
        return []
    return [m.span() for m in _LINE_END.finditer(text)
            if _letter_before(text, m.start()) and text[m.end()].isalpha()]


def _without(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` without the (sorted, disjoint) ``spans``."""
    if not spans:
        return text
    pieces, last = [], 0
    for start, end in spans:
        pieces.append(text[last:start])
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


# A hyphen of a quote between two letters, "secu-rity" or "secu- rity": where the source's
# line-end hyphenation was read away, it stands for nothing.
_QUOTED_HYPHEN = re.compile(r"(?<=[^\W\d_])- ?(?=[^\W\d_])")


@functools.lru_cache(maxsize=1 << 14)
def _hyphenated(part: str) -> re.Pattern | None:
    """``part`` as a pattern in which each hyphen between two letters is a group that is the
    hyphen or nothing (the caller checks that nothing stands where a line-end hyphen was);
    ``None`` when ``part`` has no such hyphen."""
    pieces, last = [], 0
    for hyphen in _QUOTED_HYPHEN.finditer(part):
        pieces += [re.escape(part[last:hyphen.start()]), f"({re.escape(hyphen[0])}|)"]
        last = hyphen.end()
    return re.compile("".join(pieces) + re.escape(part[last:])) if pieces else None


def _inside(text: str, index: int, hyphen: Hyphen | None = None) -> bool:
    """Whether ``index`` (0 < index < len(text)) of a normalised text falls inside a word."""
    before, after = text[index - 1], text[index]
    if before == "-" or after == "-":
        dash = index - 1 if before == "-" else index
        if hyphen is None or not 0 <= dash < len(text) - 1:
            return False
        left, right = dash > 0 and text[dash - 1].isalnum(), text[dash + 1]
        # between two words; or a number's sign, where a quote would begin after it
        return ((left and right.isalnum()) or (dash == index - 1 and not left and right.isdigit())) and hyphen(dash)
    if before in _MID:
        return index > 1 and text[index - 2].isdigit() and after.isdigit()
    if after in _MID:
        return index + 1 < len(text) and before.isdigit() and text[index + 1].isdigit()
    if before in _JOINERS:  # a quote that begins just after an apostrophe
        return index > 1 and text[index - 2].isalpha() and after.isalpha()
    if after in _JOINERS:  # a quote that ends just before one
        following = text[index + 1:index + 3]
        if after == "'" and following[:1] == "s" and not following[1:2].isalnum():
            return False  # the possessive 's
        return before.isalpha() and following[:1].isalpha()
    return _joined(before, after)


def _line_ends_of(part: str, hyphen: Hyphen | None) -> tuple[re.Pattern, frozenset[int]] | None:
    """The pattern of ``part`` (see :func:`_hyphenated`) and the line ends of the text, when
    both may let a hyphen of ``part`` stand for nothing; ``None`` when a plain search does."""
    if "-" not in part or not isinstance(hyphen, Hyphens):
        return None
    pattern = _hyphenated(part)
    return None if pattern is None or not hyphen.line_ends else (pattern, hyphen.line_ends)


def _next(part: str, haystack: str, start: int,
          hyphenated: tuple[re.Pattern, frozenset[int]] | None) -> tuple[int, int]:
    """The first span from ``start`` where ``part`` occurs in ``haystack``, word boundaries
    aside, or (-1, -1). ``hyphenated``: see :func:`_line_ends_of`."""
    if hyphenated is None:
        found = haystack.find(part, start)
        return found, found + len(part)
    pattern, ends = hyphenated
    match = pattern.search(haystack, start)
    while match is not None:
        if all(match.end(g) > match.start(g) or match.start(g) in ends for g in range(1, pattern.groups + 1)):
            return match.span()
        match = pattern.search(haystack, match.start() + 1)
    return -1, -1


def _find(part: str, haystack: str, start: int, hyphen: Hyphen | None) -> tuple[int, int] | None:
    """First span from ``start`` where ``part`` occurs in ``haystack`` at word boundaries."""
    hyphenated = _line_ends_of(part, hyphen) if "-" in part else None
    found, end = _next(part, haystack, start, hyphenated)
    while found >= 0:
        # Two character tests: mostly a space on either side, which needs no more.
        if not ((found > 0 and haystack[found - 1] != " " and _inside(haystack, found, hyphen))
                or (end < len(haystack) and haystack[end] != " " and _inside(haystack, end, hyphen))):
            return found, end
        found, end = _next(part, haystack, found + 1, hyphenated)
    return None


def find_parts(parts: list[str] | tuple[str, ...], haystack: str, hyphen: Hyphen | None = None,
               start: int = 0) -> list[tuple[int, int]] | None:
    """Spans of each part found in order, at word boundaries, in ``haystack`` from ``start``
    (or ``None``).

    A part may not begin or end inside a word of ``haystack``: "lawful" does not occur
    in "unlawful". An occurrence inside a word is passed over for a later one. Without
    ``hyphen`` (see :func:`hyphens`), a "-" of ``haystack`` never joins words; with the
    :class:`Hyphens` of the text, a hyphen of a part between two letters ("secu-rity",
    "secu- rity") also matches where line-end hyphenation was read away ("security").
    """
    spans: list[tuple[int, int]] = []
    for part in parts:
        span = _find(part, haystack, start, hyphen)
        if span is None:
            return None
        spans.append(span)
        start = span[1]
    return spans


def occurrences(parts: list[str] | tuple[str, ...], haystack: str, hyphen: Hyphen | None = None,
                limit: int = 2) -> list[int]:
    """Where in ``haystack`` the first ``limit`` occurrences of ``parts`` (in order, at word
    boundaries) begin: the first as :func:`find_parts` finds it, each next one searched for
    from just after the start of the one before (so two may overlap)."""
    starts: list[int] = []
    while len(starts) < limit:
        spans = find_parts(parts, haystack, hyphen, starts[-1] + 1 if starts else 0)
        if spans is None:
            break
        starts.append(spans[0][0])
    return starts


def more_than_once(parts: list[str] | tuple[str, ...], haystack: str, hyphen: Hyphen | None = None) -> bool:
    """Whether ``parts`` occur in ``haystack`` more than once, as :func:`occurrences` counts.

    Mostly one scan of ``haystack``: each occurrence begins where the first part is written,
    so a first part written only once (its last place, found from the end, is its first)
    occurs once at most. With the :class:`Hyphens` of the text, the answer is kept there.
    """
    memo = hyphen.again if isinstance(hyphen, Hyphens) else {}
    key = tuple(parts)
    again = memo.get(key)
    if again is None:
        first = parts[0]
        written_twice = haystack.find(first, 0, haystack.rfind(first) + len(first) - 1) >= 0
        again = (written_twice or _line_ends_of(first, hyphen) is not None) and len(
            occurrences(parts, haystack, hyphen, 2)) > 1
        memo[key] = again
    return again


def first_missing(parts: list[str], haystack: str, hyphen: Hyphen | None = None) -> int:
    """Index of the first part that does not occur (in order, at word boundaries) in ``haystack``."""
    return _first_missing(parts, haystack, hyphen)[0]


def _first_missing(parts: list[str], haystack: str, hyphen: Hyphen | None) -> tuple[int, int]:
    """The first part that does not occur, and where the search for it started."""
    start = 0
    for index, part in enumerate(parts):
        span = _find(part, haystack, start, hyphen)
        if span is None:
            return index, start
        start = span[1]
    return len(parts), start


def inside_word(parts: list[str], haystack: str, hyphen: Hyphen | None = None) -> tuple[int, int] | None:
    """Where the first missing part does occur, but only inside a word (a span of ``haystack``).

    ``None`` when the quote matches, or when its first missing part does not occur at all.
    """
    index, start = _first_missing(parts, haystack, hyphen)
    if index == len(parts):
        return None
    part = parts[index]
    found, end = _next(part, haystack, start, _line_ends_of(part, hyphen))
    return None if found < 0 else (found, end)


def whole_words(text: str, start: int, end: int, hyphen: Hyphen | None = None) -> tuple[int, int]:
    """The span ``start``..``end`` of a normalised text widened to the words it touches."""
    while 0 < start < len(text) and _inside(text, start, hyphen):
        start -= 1
    while 0 < end < len(text) and _inside(text, end, hyphen):
        end += 1
    return start, end


def find_in(parts: list[str] | tuple[str, ...], original: str) -> list[tuple[int, int]] | None:
    """:func:`find_parts` in a text as written (a page or lines of a source): normalised here."""
    return find_parts(parts, normalise(original), hyphens(original))


def hyphens(original: str) -> "Hyphens":
    """The ``hyphen`` test of ``normalise(original)``; it maps the text only when first asked."""
    return Hyphens(original)


class Hyphens:
    """What the normal form of a text does not show, asked of the text: whether a "-" of it
    was a hyphen (called with its index: :meth:`Mapped.hyphen`), and where line-end
    hyphenation was read away (:attr:`line_ends`). The text is mapped only when first
    asked (and for its line ends, only when it may have any).

    It also keeps which quotes occur in the text more than once (:attr:`again`, by their
    parts; see :func:`more_than_once`): ``briefings serve`` keeps a text's ``Hyphens``
    from one check to the next (``checks.Found``), so an unchanged quote of an unchanged
    text is not searched for again."""

    __slots__ = ("original", "_mapped", "_line_ends", "again")

    def __init__(self, original: str, mapped: "Mapped | None" = None) -> None:
        self.original = original
        self._mapped = mapped
        self._line_ends: frozenset[int] | None = None
        self.again: dict[tuple[str, ...], bool] = {}

    def __call__(self, index: int) -> bool:
        return self.mapped.hyphen(index)

    @property
    def mapped(self) -> "Mapped":
        """The text mapped (built when first asked)."""
        if self._mapped is None:
            self._mapped = Mapped.build(self.original)
        return self._mapped

    @property
    def line_ends(self) -> frozenset[int]:
        """Indexes of the normal form where line-end hyphenation was read away (see
        :attr:`Mapped.line_ends`)."""
        if self._line_ends is None:
            known = self._mapped is not None or _may_break_words(self.original)
            self._line_ends = self.mapped.line_ends if known else frozenset()
        return self._line_ends


def too_short(parts: tuple[str, ...] | list[str]) -> bool:
    """Whether every part of a quote is one word or less: it then verifies nothing.

    A word is a run between spaces holding a letter or digit; in a script written
    without spaces each of its characters counts as one.
    """
    for part in parts:
        words = 0
        for token in part.split(" "):
            if any(char.isalnum() for char in token):
                words += max(1, sum(1 for char in token if not char.isascii() and _unspaced(char)))
                if words > 1:
                    return False
    return True


_RUNS = re.compile(r"\s{2,}|-{2,}")
# Most typographic quotes and dashes fold to one ASCII character each and compose with
# nothing (no decomposition, not combining), so a run made only of them keeps every
# position and needs no breakpoint.
_ONE_TO_ONE_CHARS = "".join(
    c for c, r in _REPLACEMENT.items()
    if not unicodedata.decomposition(c) and not unicodedata.combining(c) and _fold(c) == r)
_ONE_TO_ONE = str.maketrans({c: _REPLACEMENT[c] for c in _ONE_TO_ONE_CHARS})
_ONLY_ONE_TO_ONE = re.compile(f"[{re.escape(_ONE_TO_ONE_CHARS)}]+")


def _one_to_one(match: re.Match) -> str:
    return match.group().translate(_ONE_TO_ONE)


_FOLDS_OTHERWISE = re.compile(f"[^\\x00-\\x7f{re.escape(_ONE_TO_ONE_CHARS)}]")


class _Offsets:
    """A map of positions that moves in step (slope one) between a few breakpoints.

    Only where the step breaks (a collapsed run, a character that folds to several)
    is a breakpoint stored, instead of one offset per character.
    """

    __slots__ = ("keys", "values")

    def __init__(self) -> None:
        self.keys: list[int] = [0]
        self.values: list[int] = [0]

    def add(self, key: int, value: int) -> None:
        """From ``key`` on, positions map to ``value`` onwards."""
        if self.values[-1] + key - self.keys[-1] == value:
            return  # already where the current step leads
        if self.keys[-1] == key:
            self.values[-1] = value
        else:
            self.keys.append(key)
            self.values.append(value)

    def __getitem__(self, key: int) -> int:
        at = bisect.bisect_right(self.keys, key) - 1
        return self.values[at] + key - self.keys[at]


def _visible(text: str, sites: list[tuple[int, int]]) -> tuple[str, _Offsets, list[int]]:
    """``text`` without its line-end hyphenation (``sites``) and format characters, the map
    of its positions back to ``text``, and where in it each of ``sites`` was."""
    drops = sorted([*sites, *(run.span() for run in _FORMAT.finditer(text))])
    site_ends = {end for _, end in sites}
    pieces: list[str] = []
    breaks: list[int] = []
    offsets = _Offsets()
    last = size = 0
    for start, end in drops:
        if end <= last:
            continue  # format characters within a site
        start = max(start, last)
        pieces.append(text[last:start])
        size += start - last
        offsets.add(size, end)
        last = end
        if end in site_ends:
            breaks.append(size)
    pieces.append(text[last:])
    return "".join(pieces), offsets, breaks


@dataclass
class Mapped:
    """A normalised text that knows, for each of its characters, where it came from."""

    original: str
    text: str
    folded: _Offsets = field(repr=False, compare=False)  # folded position -> visible
    kept: _Offsets = field(repr=False, compare=False)  # text position -> folded
    located: dict = field(default_factory=dict, repr=False, compare=False)  # quote -> spans
    # visible position (line-end hyphenation and format characters dropped) -> original;
    # None when nothing was dropped
    visible: _Offsets | None = field(default=None, repr=False, compare=False)
    #: Indexes of ``text`` where line-end hyphenation was read away: "secu-⏎rity" is
    #: "security", with the index of its "r" here.
    line_ends: frozenset[int] = field(default=frozenset(), repr=False, compare=False)

    @classmethod
    def build(cls, source: str) -> "Mapped":
        # Line-end hyphenation and format characters are dropped first; the rest maps
        # positions of what remains. (Format characters are among the characters that fold
        # otherwise, so that search comes first.)
        sites = line_end_hyphens(source)
        text, visible, breaks = source, None, []
        otherwise = _FOLDS_OTHERWISE.search(source)
        if sites or (otherwise and _MAYBE_FORMAT.search(source, otherwise.start()) and _FORMAT.search(source)):
            text, visible, breaks = _visible(source, sites)
            otherwise = _FOLDS_OTHERWISE.search(text)
        chars: list[str] = []
        folded = _Offsets()
        length = 0  # of the folded text so far
        position = 0  # in ``text``, the source without its format characters

        def emit_ascii(stop: int) -> None:
            nonlocal length
            folded.add(length, position)
            chars.append(text[position:stop].lower())
            length += stop - position

        if not otherwise:  # the common case: one fold, no breakpoint
            chars.append(_ONLY_ONE_TO_ONE.sub(_one_to_one, text).lower())
            length = position = len(text)
        for run in _NON_ASCII.finditer(text, position):
            if _ONLY_ONE_TO_ONE.fullmatch(run.group()):
                emit_ascii(run.start())
                chars.append(run.group().translate(_ONE_TO_ONE))
                length += len(run.group())
                position = run.end()
                continue
            # The ASCII character before a run may compose with it (e + U+0301 = é).
            start = max(position, run.start() - 1)
            emit_ascii(start)
            for offset, group in _fold_groups(text[start:run.end()]):
                for index in range(len(group)):
                    folded.add(length + index, start + offset)
                chars.append(group)
                length += len(group)
            position = run.end()
        emit_ascii(len(text))
        folded.add(length, len(text))
        folded_text = "".join(chars)
        # Collapse white space and dash runs to one character each.
        pieces: list[str] = []
        kept = _Offsets()
        last = 0
        size = 0
        # Only runs of two or more characters change the length; single white space
        # characters become a space in place.
        for run in _RUNS.finditer(folded_text):
            start, end = run.span()
            pieces.append(folded_text[last:start])
            pieces.append(" " if folded_text[start].isspace() else "-")
            size += start - last + 1
            kept.add(size, end)
            last = end
        pieces.append(folded_text[last:])
        normal = _OTHER_SPACE.sub(" ", "".join(pieces))
        # Where each line end went: the first index of the normal form from its next letter.
        line_ends = frozenset(bisect.bisect_left(range(len(normal) + 1), at, key=lambda i: folded[kept[i]])
                              for at in breaks)
        return cls(source, normal, folded, kept, visible=visible, line_ends=line_ends)

    def origin(self, index: int) -> int:
        """Index in ``original`` of ``text[index]`` (``len(original)`` at the end)."""
        at = self.folded[self.kept[index]]
        return at if self.visible is None else self.visible[at]

    def hyphen(self, index: int) -> bool:
        """Whether the "-" at ``text[index]`` was one hyphen in ``original`` (not a dash, not
        "--"), a figure dash, en dash or minus between digits ("10–15": a range), or the sign
        of a number ("-5")."""
        at = self.origin(index)
        following = self.origin(index + 1)
        char, text = self.original[at], self.text
        right = text[index + 1] if index + 1 < len(text) else ""
        if index > 0 and text[index - 1].isalnum():
            joins = char in HYPHENS or (char in _NUMBER_DASHES and text[index - 1].isdigit() and right.isdigit())
        else:  # a minus sign: "-5" is not "5"
            joins = char in _SIGNS and right.isdigit()
        return joins and all(c in _FORMAT_SET for c in self.original[at + 1:following])

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The span of ``original`` that produced ``text[start:end]``, trimmed of spaces."""
        first, after = self.origin(start), self.origin(end)
        # A match that ends inside what one character folded to (ß → ss) takes it whole.
        while start < end < len(self.text) and self.origin(end - 1) == after:
            end += 1
            after = self.origin(end)
        while after > first and (self.original[after - 1].isspace()
                                 or self.original[after - 1] in _FORMAT_SET):
            after -= 1
        return first, after

    def locate(self, quote: str) -> list[tuple[int, int]] | None:
        """Original spans of each part of ``quote``, or ``None`` when it does not occur."""
        found = self.located.get(quote, False)
        if found is False:
            spans = find_parts(quote_parts(quote), self.text, Hyphens(self.original, self))
            found = None if spans is None else [self.span(start, end) for start, end in spans]
            self.located[quote] = found
        return None if found is None else list(found)

    def occurrences(self, quote: str, limit: int) -> list[int]:
        """Where in ``original`` each of the first ``limit`` occurrences of ``quote`` begins
        (see :func:`occurrences`); the first is where :meth:`locate` puts it."""
        starts = occurrences(quote_parts(quote), self.text, Hyphens(self.original, self), limit)
        return [self.origin(at) for at in starts]


@dataclass(frozen=True)
class Closest:
    """The passage of a source that best matches a quote, and how similar it is (0-100)."""

    passage: str
    similarity: float
    line: int


#: At most this many characters of a quote are handed to the aligner, whose time grows
#: faster than the quote's length: a longer quote is placed by its head and its tail.
ALIGN_CAP = 256
#: The similarity of a longer quote is measured on its first and last this many characters.
SCORE_WINDOW = 1024


def _align(needle: str, haystack: str):
    """The best alignment of ``needle`` with a window of ``haystack`` (rapidfuzz's)."""
    return fuzz.partial_ratio_alignment(needle, haystack)


def _place_long(part: str, text: str, start: int) -> tuple[int, float]:
    """End and similarity of the passage of a quote longer than ``ALIGN_CAP`` from ``start``.

    The passage runs for the quote's length; its end is where the quote's tail aligns
    best near there. Both searches and the similarity take a bounded number of characters.
    """
    expected = min(len(text), start + len(part))
    tail = part[-ALIGN_CAP:]
    low = max(start, expected - len(tail) - ALIGN_CAP)
    high = min(len(text), expected + ALIGN_CAP)
    end = expected
    if high - low >= len(tail):
        found = _align(tail, text[low:high])
        if found is not None and found.score >= 50:
            end = low + found.dest_end
    passage = text[start:end]
    if len(part) <= SCORE_WINDOW:
        return end, fuzz.ratio(part, passage)
    return end, (fuzz.ratio(part[:SCORE_WINDOW], passage[:SCORE_WINDOW])
                 + fuzz.ratio(part[-SCORE_WINDOW:], passage[-SCORE_WINDOW:])) / 2


def closest_passage(part: str, original: str) -> Closest | None:
    """The passage of ``original`` most similar to the normalised quote ``part``.

    Its cost does not grow with the quote beyond ``ALIGN_CAP`` characters (but for
    reading the quote and copying the passage).
    """
    mapped = Mapped.build(original)
    if not part or not mapped.text.strip():
        return None
    found = _align(part[:ALIGN_CAP], mapped.text)
    if found is None:
        return None
    start, end, score = found.dest_start, found.dest_end, found.score
    if len(part) > ALIGN_CAP:
        end, score = _place_long(part, mapped.text, start)
    if score > 99.9 and mapped.text[start:end] != part:
        score = 99.9  # not the same text: do not let rounding say 100%
    # Widen to whole words so the passage reads naturally.
    while start > 0 and mapped.text[start - 1] not in " \n":
        start -= 1
    while end < len(mapped.text) and mapped.text[end] not in " \n":
        end += 1
    first, after = mapped.span(start, min(end, len(mapped.text)))
    written = original[first:after]  # read as it is matched: "secu-⏎rity" is "security"
    passage = _SPACES.sub(" ", _without(written, line_end_hyphens(written))).strip()
    if part[:1].isalnum():
        passage = passage.lstrip(_EDGE_PUNCTUATION)
    if part[-1:].isalnum():
        passage = passage.rstrip(_EDGE_PUNCTUATION)
    return Closest(passage, round(score, 1), original.count("\n", 0, first) + 1)


_EDGE_PUNCTUATION = " ,;:\"'" + _DOUBLE + _SINGLE


def word_differences(part: str, passage: str) -> list[tuple[str, str]]:
    """Pairs (quoted words, source words) where a normalised quote and passage differ.

    Punctuation at the edges of words is ignored here, so that the pairs name the words
    that were mistyped rather than the comma beside them.

    Only the words between the longest common beginning and end are compared; when more
    than ``MAX_DIFF_WORDS`` words remain on either side the result is empty (too many
    differences to list).
    """
    def words(text: str) -> list[str]:
        return [w for w in (w.strip(_WORD_EDGES) for w in text.split()) if w]

    quoted, source = words(part), words(normalise(passage))
    head = 0
    while head < min(len(quoted), len(source)) and quoted[head] == source[head]:
        head += 1
    tail = 0
    while tail < min(len(quoted), len(source)) - head and quoted[-1 - tail] == source[-1 - tail]:
        tail += 1
    quoted, source = quoted[head:len(quoted) - tail], source[head:len(source) - tail]
    if len(quoted) > MAX_DIFF_WORDS or len(source) > MAX_DIFF_WORDS:
        return []
    matcher = difflib.SequenceMatcher(a=quoted, b=source, autojunk=False)
    return [(" ".join(quoted[i1:i2]), " ".join(source[j1:j2]))
            for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]


_WORD_EDGES = ".,;:!?\"'()[]"
MAX_DIFF_WORDS = 400


def lookalike_characters(quoted: str, source: str) -> list[tuple[str, str]]:
    """The characters by which two words that look alike differ: pairs (quote's, source's).

    Words look alike when each difference is a character outside ASCII in place of
    another (a Cyrillic ``а`` for a Latin ``a``, an accented letter for a plain one) or
    added or left out where only characters outside ASCII are (an invisible mark);
    otherwise the list is empty, since the difference can be seen. Each pair is named once.
    """
    if quoted == source:
        return []
    matcher = difflib.SequenceMatcher(a=quoted, b=source, autojunk=False)
    pairs = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        q, s = quoted[i1:i2], source[j1:j2]
        if len(q) == len(s):
            pairs += [(a, b) for a, b in zip(q, s) if a != b]
            if any((a + b).isascii() for a, b in zip(q, s)):
                return []
        elif (q or s).isascii() or (q and s):
            return []
        else:
            pairs.append((q, s))
    return list(dict.fromkeys(pairs))


def count_lines(text: str) -> int:
    """Number of lines of ``text`` as an editor shows them (a final newline ends a line)."""
    if not text:
        return 0
    return text.count("\n") + (0 if text.endswith("\n") else 1)


def line_span(text: str, first: int, last: int) -> tuple[int, int] | None:
    """The character span of 1-based lines ``first``..``last`` of ``text``, if they exist."""
    if first < 1 or last < first or last > count_lines(text):
        return None
    start = 0
    for _ in range(first - 1):
        start = text.index("\n", start) + 1
    end = start
    for _ in range(last - first + 1):
        newline = text.find("\n", end)
        end = len(text) if newline < 0 else newline + 1
    while end > start and text[end - 1] in "\r\n":
        end -= 1
    return start, end


def parse_lines(value: str) -> tuple[int, int]:
    """``"12"`` → (12, 12); ``"12-14"`` → (12, 14)."""
    first, _, last = value.partition("-")
    return int(first), int(last or first)
