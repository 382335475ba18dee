"""Quote matching: the normalisation of SPEC 3, elisions, and the closest passage.

A quote matches a source when, after both are normalised the same way (Unicode NFKC,
white space runs to one space, typographic quotes to ASCII, every dash and ``--`` to
``-``, case folded), each part of the quote between elision marks occurs in the
source, in order.
"""

from __future__ import annotations

import bisect
import difflib
import functools
import re
import unicodedata
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


_TYPOGRAPHIC = re.compile(f"[{re.escape(_DASHES + _DOUBLE + _SINGLE)}]")


def _fold(text: str) -> str:
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKC", text)
    # A regular expression touches only the few typographic characters; str.translate
    # would rebuild every character of a mostly-ASCII text.
    return _TYPOGRAPHIC.sub(lambda m: _REPLACEMENT[m.group()], text).casefold()


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


def normalise(text: str) -> str:
    """The SPEC 3 normal form of ``text`` (not stripped)."""
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
    return tuple(p for p in (part.strip() for part in _ELISION.split(normalise(quote))) if p)


def find_parts(parts: list[str], haystack: str) -> list[tuple[int, int]] | None:
    """Spans of each part found in order in ``haystack``, or ``None`` with the first miss."""
    spans: list[tuple[int, int]] = []
    start = 0
    for part in parts:
        found = haystack.find(part, start)
        if found < 0:
            return None
        spans.append((found, found + len(part)))
        start = found + len(part)
    return spans


def first_missing(parts: list[str], haystack: str) -> int:
    """Index of the first part that does not occur (in order) in ``haystack``."""
    start = 0
    for index, part in enumerate(parts):
        found = haystack.find(part, start)
        if found < 0:
            return index
        start = found + len(part)
    return len(parts)


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


@dataclass
class Mapped:
    """A normalised text that knows, for each of its characters, where it came from."""

    original: str
    text: str
    folded: _Offsets = field(repr=False, compare=False)  # folded position -> original
    kept: _Offsets = field(repr=False, compare=False)  # text position -> folded
    located: dict = field(default_factory=dict, repr=False, compare=False)  # quote -> spans

    @classmethod
    def build(cls, original: str) -> "Mapped":
        chars: list[str] = []
        folded = _Offsets()
        length = 0  # of the folded text so far
        position = 0  # in ``original``

        def emit_ascii(stop: int) -> None:
            nonlocal length
            folded.add(length, position)
            chars.append(original[position:stop].lower())
            length += stop - position

        if not _FOLDS_OTHERWISE.search(original):  # the common case: one fold, no breakpoint
            chars.append(_ONLY_ONE_TO_ONE.sub(_one_to_one, original).lower())
            length = position = len(original)
        for run in _NON_ASCII.finditer(original, position):
            if _ONLY_ONE_TO_ONE.fullmatch(run.group()):
                emit_ascii(run.start())
                chars.append(run.group().translate(_ONE_TO_ONE))
                length += len(run.group())
                position = run.end()
                continue
            # The ASCII character before a run may compose with it (e + U+0301 = é).
            start = max(position, run.start() - 1)
            emit_ascii(start)
            for offset, group in _fold_groups(original[start:run.end()]):
                for index in range(len(group)):
                    folded.add(length + index, start + offset)
                chars.append(group)
                length += len(group)
            position = run.end()
        emit_ascii(len(original))
        folded.add(length, len(original))
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
        return cls(original, _OTHER_SPACE.sub(" ", "".join(pieces)), folded, kept)

    def origin(self, index: int) -> int:
        """Index in ``original`` of ``text[index]`` (``len(original)`` at the end)."""
        return self.folded[self.kept[index]]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The span of ``original`` that produced ``text[start:end]``, trimmed of spaces."""
        first, after = self.origin(start), self.origin(end)
        # A match that ends inside what one character folded to (ß → ss) takes it whole.
        while start < end < len(self.text) and self.origin(end - 1) == after:
            end += 1
            after = self.origin(end)
        while after > first and self.original[after - 1].isspace():
            after -= 1
        return first, after

    def locate(self, quote: str) -> list[tuple[int, int]] | None:
        """Original spans of each part of ``quote``, or ``None`` when it does not occur."""
        found = self.located.get(quote, False)
        if found is False:
            spans = find_parts(quote_parts(quote), self.text)
            found = None if spans is None else [self.span(start, end) for start, end in spans]
            self.located[quote] = found
        return None if found is None else list(found)


@dataclass(frozen=True)
class Closest:
    """The passage of a source that best matches a quote, and how similar it is (0-100)."""

    passage: str
    similarity: float
    line: int


def closest_passage(part: str, original: str) -> Closest | None:
    """The passage of ``original`` most similar to the normalised quote ``part``."""
    mapped = Mapped.build(original)
    if not part or not mapped.text.strip():
        return None
    found = fuzz.partial_ratio_alignment(part, mapped.text)
    if found is None:
        return None
    start, end = found.dest_start, found.dest_end
    # Widen to whole words so the passage reads naturally.
    while start > 0 and mapped.text[start - 1] not in " \n":
        start -= 1
    while end < len(mapped.text) and mapped.text[end] not in " \n":
        end += 1
    first, after = mapped.span(start, min(end, len(mapped.text)))
    passage = _SPACES.sub(" ", original[first:after]).strip()
    if part[:1].isalnum():
        passage = passage.lstrip(_EDGE_PUNCTUATION)
    if part[-1:].isalnum():
        passage = passage.rstrip(_EDGE_PUNCTUATION)
    return Closest(passage, round(found.score, 1), original.count("\n", 0, first) + 1)


_EDGE_PUNCTUATION = " ,;:\"'" + _DOUBLE + _SINGLE


def word_differences(part: str, passage: str) -> list[tuple[str, str]]:
    """Pairs (quoted words, source words) where a normalised quote and passage differ.

    Punctuation at the edges of words is ignored here, so that the pairs name the words
    that were mistyped rather than the comma beside them.
    """
    def words(text: str) -> list[str]:
        return [w for w in (w.strip(_WORD_EDGES) for w in text.split()) if w]

    quoted, source = words(part), words(normalise(passage))
    matcher = difflib.SequenceMatcher(a=quoted, b=source, autojunk=False)
    return [(" ".join(quoted[i1:i2]), " ".join(source[j1:j2]))
            for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]


_WORD_EDGES = ".,;:!?\"'()[]"


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
