"""The quote normaliser, pinned by examples and by properties over the archived sources."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from build_scripts import quotes

ROOT = Path(__file__).resolve().parent.parent
TEXTS = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "sources").glob("*.txt"))]


@pytest.mark.parametrize("raw,normal", [
    ("\u201cTo the Next\u00a0Level,\u201d", '"to the next level,"'),
    ("Zone \u2013 DMZ \u2014 between", "zone - dmz - between"),
    ("Zone -- DMZ --- between", "zone - dmz - between"),
    ("minus \u2212 sign", "minus - sign"),
    ("it\u2019s \u2018x\u2019", "it's 'x'"),
    ("line\r\n\tbreak", "line break"),
    ("\uff21\uff22\uff23 \ufb01ne", "abc fine"),
    ("wait\u2026", "wait..."),
    ("Stra\u00dfe", "strasse"),
])
def test_normalise_examples(raw, normal):
    assert quotes.normalise(raw) == normal


def test_spelling_is_not_normalised():
    assert quotes.find_parts(quotes.quote_parts("Demilitarized"), quotes.normalise("Demilitarised")) is None


@pytest.mark.parametrize("quote,parts", [
    ("a ... b", ["a", "b"]),
    ("a \u2026 b", ["a", "b"]),
    ("a [...] b [\u2026] c", ["a", "b", "c"]),
    ("... a", ["a"]),
])
def test_elision_marks_split_quotes(quote, parts):
    assert list(quotes.quote_parts(quote)) == parts


_TYPOGRAPHIC = {"'": ["\u2019", "\u2018", "'"], '"': ["\u201c", "\u201d", '"'],
                "\u2019": ["'", "\u2019"], "\u201c": ['"', "\u201c"], "\u201d": ['"', "\u201d"],
                "-": ["-", "\u2013", "\u2014", "--"], "\u2013": ["-", "--", "\u2014"],
                "\u2014": ["-", "\u2013"]}
_SEPARATORS = [" ", "  ", "\n", " \n  ", "\t"]
# Invisible format characters (Unicode category Cf) that a copy and paste may carry along.
_FORMAT = ["\u00ad", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u202e", "\u2066"]


@st.composite
def retyped_run(draw):
    """A run of a source's words, re-typed the way an analyst might paste it."""
    text = draw(st.sampled_from(TEXTS))
    words = text.split()
    length = draw(st.integers(3, 16))
    start = draw(st.integers(0, len(words) - length))
    run = words[start:start + length]
    retyped = []
    for word in run:
        chars = "".join(draw(st.sampled_from(_TYPOGRAPHIC[c])) if c in _TYPOGRAPHIC else c for c in word)
        case = draw(st.sampled_from([str, str.upper, str.lower, str.title]))
        chars = case(chars)
        if draw(st.integers(0, 4)) == 0:  # now and then an invisible character inside the word
            at = draw(st.integers(0, len(chars)))
            chars = chars[:at] + draw(st.sampled_from(_FORMAT)) + chars[at:]
        retyped.append(chars)
    quote = retyped[0] + "".join(draw(st.sampled_from(_SEPARATORS)) + w for w in retyped[1:])
    return text, run, quote


@settings(max_examples=300, deadline=None)
@given(retyped_run())
def test_any_retyped_run_of_source_words_matches(case):
    text, _, quote = case
    assert quotes.find_parts(quotes.quote_parts(quote), quotes.normalise(text)) is not None


@settings(max_examples=300, deadline=None)
@given(retyped_run(), st.data())
def test_a_changed_word_does_not_match(case, data):
    text, run, _ = case
    candidates = [i for i, w in enumerate(run) if sum(ch.isalpha() for ch in w) >= 3]
    assume(candidates)
    index = data.draw(st.sampled_from(candidates))
    word = run[index]
    cut = data.draw(st.integers(1, len(word) - 1))
    changed = word[:cut] + "q" + word[cut:]
    assume(quotes.normalise(changed) not in quotes.normalise(text))
    quote = " ".join(run[:index] + [changed] + run[index + 1:])
    assert quotes.find_parts(quotes.quote_parts(quote), quotes.normalise(text)) is None


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=200))
def test_mapped_text_is_the_normal_form(text):
    assert quotes.Mapped.build(text).text == quotes.normalise(text)


_TRICKY = ("ae Z-\u0301\u0308\u0316\u1100\u1161\u11a8\uac00\ufb01\u2026\u00a0\u2013\u201c\u00df\u0130\u3099\u304b\uff21\n"
           "\u00ad\u200b\u200d\ufeff\u202e")


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=st.sampled_from(_TRICKY), max_size=40))
def test_mapped_text_is_the_normal_form_with_composing_characters(text):
    assert quotes.Mapped.build(text).text == quotes.normalise(text)


@settings(max_examples=200, deadline=None)
@given(retyped_run())
def test_located_span_of_a_quote_covers_its_words(case):
    text, run, quote = case
    spans = quotes.Mapped.build(text).locate(quote)
    assert spans is not None
    located = text[spans[0][0]:spans[-1][1]]
    assert quotes.normalise(located).strip() == quotes.normalise(" ".join(run)).strip()


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=st.sampled_from(_TRICKY.replace("\u2026", "") + "  b-\u2014\u2019"), max_size=40),
       st.data())
def test_located_span_maps_back_through_folding_and_collapsed_runs(text, data):
    # (Without "…", an elision mark once normalised.) Words as line-end hyphenation is read:
    # "Z-⏎Z" is one word.
    mapped = quotes.Mapped.build(text)
    read = text
    for start, end in reversed(quotes.line_end_hyphens(text)):
        read = read[:start] + read[end:]
    words = [w for w in read.split() if quotes.normalise(w).strip(" -")]
    assume(words)
    quote = data.draw(st.sampled_from(words))
    spans = mapped.locate(quote)
    assert spans is not None
    (first, after), = spans
    assert 0 <= first <= after <= len(text)
    assert quotes.normalise(quote).strip() in quotes.normalise(text[first:after])
    assert mapped.origin(len(mapped.text)) == len(text)


def test_closest_passage_reports_line_and_similarity():
    near = quotes.closest_passage(quotes.quote_parts("invest more in piece")[0], TEXTS[1])
    assert near is not None
    assert near.passage.endswith("invest more in peace")
    assert 80 < near.similarity < 100
    assert near.line == TEXTS[1][: TEXTS[1].index("invest more in peace")].count("\n") + 1


@pytest.mark.parametrize("text,first,last,expected", [
    ("a\nb\nc\n", 2, 2, "b"), ("a\nb\nc", 2, 3, "b\nc"), ("a\r\nb\r\n", 1, 1, "a"),
])
def test_line_span(text, first, last, expected):
    start, end = quotes.line_span(text, first, last)
    assert text[start:end] == expected


def test_line_span_out_of_range():
    assert quotes.line_span("a\nb\n", 3, 3) is None
    assert quotes.count_lines("a\nb\n") == 2 and quotes.count_lines("a\nb") == 2


# --- word boundaries -----------------------------------------------------------------

def matches(quote: str, source: str) -> bool:
    return quotes.find_in(quotes.quote_parts(quote), source) is not None


@pytest.mark.parametrize("quote,source,found", [
    ("lawful, the minister said", "The strike was unlawful, the minister said", False),
    ("unlawful, the minister said", "The strike was unlawful, the minister said", True),
    ("The strike was un", "The strike was unlawful", False),
    ("aid", "said", False),
    ("to the next level.", "taking it to the next level.", True),
    ('"to the next level."', "taking it \u201cto the next level.\u201d", True),
    ("5 million people", "2.5 million people", False),
    ("000 troops", "12,000 troops", False),
    ("2.5 million", "about 2.5 million people", True),
    ("North Korea", "North Korea\u2019s support", True),
    ("lethal aid", "non-lethal aid", False),  # a hyphen joins what it stands between
    ("lethal aid", "non\u2010lethal aid", False),  # U+2010 HYPHEN
    ("lethal aid", "non\u2011lethal aid", False),  # U+2011 NON-BREAKING HYPHEN
    ("lethal aid", "non-\u00adlethal aid", False),  # (a soft hyphen beside it is invisible)
    ("non", "a non-lethal aid", False),
    ("non-", "a non-lethal aid", False),
    ("15 people", "10-15 people", False),
    ("non-lethal aid", "non-lethal aid", True),
    ("non-lethal aid", "non\u2014lethal aid", True),  # every dash folds to "-"
    ("lethal aid", "non - lethal aid", True),  # a dash between spaces
    ("including the energy", "time--including the energy", True),  # "--" is a dash
    ("including the energy", "time\u2013including the energy", True),
    ("15 people", "10\u201315 people", False),  # an en dash between digits: a range, one number
    ("15 people", "10\u221215 people", False),
    ("5 \u00b0C", "\u22125 \u00b0C", False),  # a number's sign: "5" is not "-5"
    ("5 degrees", "at -5 degrees", False),
    ("5 degrees", "at (-5 degrees)", False),
    ("-5 degrees", "at -5 degrees", True),
    ("5 degrees", "at - 5 degrees", True),
    ("We can ... win this war", "We can't win this war", False),  # an apostrophe joins letters
    ("We can win", "We can\u2019t win", False),
    ("t win", "We can't win", False),
    ("North Korea", "North Korea's troops", True),  # but for the possessive 's
    ("North Korea", "North Korea\u2019s troops", True),
    ("Seoul's aid", "Seoul's aid", True),
    ("including the energy", "time\u2014including the energy", True),  # a dash without spaces
    ("caf", "caf\u00e9", False),
    ("cafe", "cafe\u0301 noir", False),  # a combining accent belongs to its letter
    ("\u0928\u092e", "\u0928\u092e\u0938\u094d\u0924\u0947", False),  # Devanagari: inside a word
    ("\u5b89\u5168", "\u4e2d\u56fd\u5b89\u5168\u4fdd\u969c", True),  # Chinese: every character boundary
    ("\u3067\u3059", "\u65e5\u672c\u8a9e\u3067\u3059", True),  # Japanese kana after kanji
    ("\u0e44\u0e17\u0e22", "\u0e1b\u0e23\u0e30\u0e40\u0e17\u0e28\u0e44\u0e17\u0e22\u0e21\u0e35", True),  # Thai
    ("\u0e01", "\u0e01\u0e34\u0e19", False),  # ... but not between a Thai letter and its vowel sign
    ("law ... said", "unlawful, it was said", False),  # each part of an elided quote
    ("unlawful ... said", "unlawful, it was said", True),
    ("it ... aid", "unlawful, it was said", False),
])
def test_a_quote_begins_and_ends_at_word_boundaries(quote, source, found):
    assert matches(quote, source) is found


def test_an_occurrence_inside_a_word_is_passed_over_for_a_later_one():
    text = quotes.normalise("It was unlawful, he said; lawful, she said.")
    (span,) = quotes.find_parts(quotes.quote_parts("lawful"), text)
    assert span == (text.index("; lawful") + 2, text.index("; lawful") + 8)
    assert quotes.inside_word(list(quotes.quote_parts("lawful")), text) is None
    assert quotes.first_missing(["lawful", "said"], text) == 2


def test_where_a_quote_occurs_only_inside_a_word():
    text = quotes.normalise("The strike was unlawful, the minister said")
    parts = list(quotes.quote_parts("lawful, the minister said"))
    inside = quotes.inside_word(parts, text)
    assert inside == (text.index("lawful"), len(text))
    assert quotes.whole_words(text, *inside) == (text.index("unlawful"), len(text))


def test_located_spans_use_the_same_word_boundaries():
    text = "The strike was unlawful, the minister said.\nLater: lawful, the minister said."
    mapped = quotes.Mapped.build(text)
    (first, after), = mapped.locate("lawful, the minister said")
    assert (first, text[first:after]) == (text.index(": lawful") + 2, "lawful, the minister said")
    assert quotes.Mapped.build("It was unlawful.").locate("lawful") is None


# --- invisible format characters ----------------------------------------------------

@pytest.mark.parametrize("raw,normal", [
    ("secu\u00adrity", "security"),
    ("part\u200bners", "partners"),
    ("zero\u200c\u200dwidth", "zerowidth"),
    ("word\u2060joiner", "wordjoiner"),
    ("\ufeffbyte order", "byte order"),
    ("left\u202eright\u2066x\u2069", "leftrightx"),
    ("e\u200b\u0301", "\u00e9"),  # dropped before NFKC, so the accent composes
])
def test_format_characters_are_ignored(raw, normal):
    assert quotes.normalise(raw) == normal


def test_the_format_characters_are_exactly_unicode_category_cf():
    import sys
    import unicodedata
    expected = {chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"}
    assert set(quotes.FORMAT_CHARS) == expected


def test_a_quote_matches_a_source_with_soft_hyphens_and_zero_width_characters():
    text = "We take secu\u00adrity and de\u200bfense coop\u00ader\u2060ation further.\n"
    assert matches("security and defense cooperation", text)
    assert matches("secu\u200brity and defense", "security and defense")
    (first, after), = quotes.Mapped.build(text).locate("security and defense cooperation")
    assert text[first:after] == "secu\u00adrity and de\u200bfense coop\u00ader\u2060ation"


@settings(max_examples=300, deadline=None)
@given(retyped_run(), st.data())
def test_located_span_is_right_with_format_characters_in_the_source(case, data):
    text, run, quote = case
    chars = list(text)
    for _ in range(data.draw(st.integers(1, 20))):
        chars.insert(data.draw(st.integers(0, len(chars))), data.draw(st.sampled_from(_FORMAT)))
    spiked = "".join(chars)
    spans = quotes.Mapped.build(spiked).locate(quote)
    assert spans is not None
    located = spiked[spans[0][0]:spans[-1][1]]
    assert quotes.normalise(located).strip() == quotes.normalise(" ".join(run)).strip()
    assert located[:1] not in _FORMAT and located[-1:] not in _FORMAT


# --- quotes too short to verify anything --------------------------------------------

@pytest.mark.parametrize("quote,short", [
    ("the", True), (".", True), ("\u2014", True), ("-- !", True), ("U.S.", True),
    ("the ... and", True), ("next level", False), ("next level ... the", False),
    ("\u4e2d", True), ("\u4e2d\u56fd", False), ("non-lethal", True),
])
def test_a_quote_of_one_word_or_less_is_too_short(quote, short):
    assert quotes.too_short(quotes.quote_parts(quote)) is short


# --- characters that look alike -----------------------------------------------------

@pytest.mark.parametrize("quoted,source,pairs", [
    ("p\u0430rtners", "partners", [("\u0430", "a")]),  # Cyrillic a
    ("d\u0435f\u0435nse", "defense", [("\u0435", "e")]),  # twice, named once
    ("de\u034ffense", "defense", [("\u034f", "")]),  # an invisible mark
    ("d\u00e9fense", "defense", [("\u00e9", "e")]),
    ("defence", "defense", []),  # visibly different
    ("c\u043e-operation", "cooperation", []),  # a visible hyphen as well
    ("defense", "defense", []),
])
def test_lookalike_characters(quoted, source, pairs):
    assert quotes.lookalike_characters(quoted, source) == pairs


# --- bounded closest passage --------------------------------------------------------

def _long_source(words: int) -> str:
    import random
    rng = random.Random(7)
    vocabulary = ["security", "defense", "cooperation", "minister", "seoul", "brussels", "talks",
                  "troops", "border", "said", "the", "of", "and", "to", "in", "a", "dialogue"]
    lines = []
    for _ in range(words // 12):
        lines.append(" ".join(rng.choice(vocabulary) for _ in range(12)) + ".")
    return "\n".join(lines) + "\n"


def test_closest_passage_hands_the_aligner_a_bounded_part_of_long_quotes(monkeypatch):
    from rapidfuzz import fuzz
    text = _long_source(8000)
    handed: dict[int, list[tuple[int, int]]] = {}
    aligner, ratio = fuzz.partial_ratio_alignment, fuzz.ratio

    def spy_align(needle, haystack, *args, **kwargs):
        handed[size].append((len(needle), len(haystack)))
        return aligner(needle, haystack, *args, **kwargs)

    def spy_ratio(a, b, *args, **kwargs):
        handed[size].append((len(a), len(b)))
        return ratio(a, b, *args, **kwargs)

    monkeypatch.setattr(fuzz, "partial_ratio_alignment", spy_align)
    monkeypatch.setattr(fuzz, "ratio", spy_ratio)
    for size in (6_600, 20_000):
        handed[size] = []
        start = text.index("\n", len(text) // 3) + 1
        quote = quotes.normalise(text[start:start + size]).strip().replace("troops", "troupes")
        assert quotes.closest_passage(quote, text) is not None
    assert handed[6_600] == handed[20_000]  # the work does not grow with the quote
    for needle, haystack in handed[20_000]:
        assert min(needle, haystack) <= quotes.SCORE_WINDOW
        assert needle <= quotes.ALIGN_CAP or haystack <= quotes.SCORE_WINDOW


def test_closest_passage_of_a_long_quote_spans_the_quote():
    text = _long_source(8000)
    start = text.index("\n", len(text) // 2) + 1
    original = text[start:start + 6_600]
    original = original[:original.rindex(" ")]
    middle = original.index(" ", len(original) // 2)
    quote = quotes.normalise(original[:middle] + " unheard-of" + original[middle:])
    near = quotes.closest_passage(quote, text)
    assert near is not None
    assert near.line == text.count("\n", 0, start) + 1
    assert 95 < near.similarity < 100
    assert quotes.normalise(near.passage) == quotes.normalise(original)


# --- line-end hyphenation -----------------------------------------------------------

@pytest.mark.parametrize("source", [
    "We take secu-\nrity seriously.",  # a hyphen and LF
    "We take secu-\r\nrity seriously.",  # a hyphen and CRLF
    "We take secu-\rrity seriously.",
    "We take secu\u00ad\nrity seriously.",  # a soft hyphen (a format character, read first)
    "We take secu\u2010\nrity seriously.",  # U+2010 HYPHEN, as a PDF's text has it
    "We take secu-  \n  rity seriously.",  # white space after the hyphen, and before the next line
    "We take secu-\u200b\n\u2066rity seriously.",  # format characters (a bidi isolate too) beside it
])
def test_line_end_hyphenation_is_one_word(source):
    assert quotes.normalise(source) == "we take security seriously."
    assert matches("we take security seriously", source)
    assert matches("we take secu-rity seriously", source)  # as the source shows it
    # "secu- rity": as the source reads with its line break as a space (and as a quote written
    # across two lines of a YAML plain scalar reads); it matched before hyphenation was read
    assert matches("we take secu- rity seriously", source)
    for quote in ("we take secu", "we take secu-", "rity seriously"):  # inside the word
        assert not matches(quote, source)


@pytest.mark.parametrize("source,normal", [
    ("COVID-\n19 cases", "covid- 19 cases"),  # between a letter and a digit
    ("10-\n15 people", "10- 15 people"),
    ("secu-\n\nrity", "secu- rity"),  # a blank line: a paragraph ends there
    ("secu-\n\frity", "secu- rity"),  # a page break
    ("time --\nincluding", "time - including"),  # a dash
    ("time--\nincluding", "time- including"),
    ("time\u2014\nincluding", "time- including"),  # an em dash is no hyphen
    ("word -\nnext", "word - next"),
    ("secu-rity", "secu-rity"),  # a hyphen within a line stays
])
def test_what_is_not_line_end_hyphenation(source, normal):
    assert quotes.line_end_hyphens(source) == []
    assert quotes.normalise(source) == normal
    assert quotes.Mapped.build(source).line_ends == frozenset()


def test_a_letter_and_a_digit_across_a_line_end_hyphen_stay_apart():
    assert matches("COVID- 19 cases", "COVID-\n19 cases")
    assert not matches("COVID-19 cases", "COVID-\n19 cases")
    assert not matches("COVID19 cases", "COVID-\n19 cases")


@pytest.mark.parametrize("quote,source,found", [
    ("secu-rity", "security", False),  # spelling: a hyphen the source does not have
    ("security", "secu-rity", False),  # a hyphen within a line is the source's
    ("secu- rity", "secu-rity", False),
    ("lethal aid", "non-\nlethal aid", False),  # a quote may not begin inside the word
    ("non-lethal aid", "non-\nlethal aid", True),  # a compound that ends a line keeps its hyphen
    ("nonlethal aid", "non-\nlethal aid", True),  # ... and is read without it, as hyphenation is
    ("Franco-German talks", "Franco-\nGerman talks", True),
    ("secu-rity and cooperation", "secu-\nrity and coope-\nration", True),  # each as it is written
    ("secu- rity and coope-ration", "secu-\nrity and coope-\nration", True),
    ("security and cooperation", "secu-\nrity and coope-\nration", True),
    ("secu-rity ... cooperation", "secu-\nrity and coope-\nration", True),
    ("caf\u00e9-bar", "cafe\u0301-\nbar", True),  # a letter with its combining accent before the hyphen
    ("cafe\u0301bar", "cafe\u0301-\nbar", True),
])
def test_quotes_of_line_end_hyphenation(quote, source, found):
    assert matches(quote, source) is found


def test_a_quote_reads_its_own_line_breaks_as_spaces():
    # The rule is the source's: in a quote, a line break after a hyphen is white space, and
    # a soft hyphen before one as invisible as anywhere.
    assert quotes.quote_parts("secu-\nrity") == ("secu- rity",)
    assert quotes.quote_parts("sounds\u00ad\nalarm") == ("sounds alarm",)
    assert matches("secu-\nrity seriously", "We take secu-\nrity seriously.")


@pytest.mark.parametrize("quote", ["take security seriously", "take secu-rity seriously",
                                   "take secu- rity seriously", "TAKE SECU-RITY SERIOUSLY"])
def test_located_span_of_a_hyphenated_word_covers_the_hyphen_and_the_line_break(quote):
    text = "We take secu-\r\nrity seriously.\n"
    (first, after), = quotes.Mapped.build(text).locate(quote)
    assert text[first:after] == "take secu-\r\nrity seriously"
    (first, after), = quotes.Mapped.build(text).locate("we take security")
    assert text[first:after] == "We take secu-\r\nrity"


def test_the_closest_passage_reads_line_end_hyphenation():
    text = "We take secu-\nrity and defence seriously.\n"
    part = quotes.quote_parts("take security and defense seriously")[0]
    near = quotes.closest_passage(part, text)
    assert near is not None and near.passage == "take security and defence seriously."
    assert quotes.word_differences(part, near.passage) == [("defense", "defence")]


def test_the_line_ends_are_indexes_of_the_normal_form():
    text = "We take se\u00adcu-\n rity and coope\u2010\r\nration\ufb01 se-\nriously."
    mapped = quotes.Mapped.build(text)
    assert mapped.text == quotes.normalise(text) == "we take security and cooperationfi seriously."
    assert sorted(mapped.line_ends) == [mapped.text.index("rity"), mapped.text.index("ration"),
                                        mapped.text.index("riously")]
    assert quotes.hyphens(text).line_ends == mapped.line_ends


def test_a_text_without_line_end_hyphens_is_not_mapped_for_them(monkeypatch):
    def fail(text):
        raise AssertionError("mapped")

    monkeypatch.setattr(quotes.Mapped, "build", fail)
    assert quotes.hyphens("non-lethal aid, 10-15 people\nand more").line_ends == frozenset()
    text = quotes.normalise("a non-lethal aid")
    assert quotes.find_parts(["non-lethal aid"], text, quotes.hyphens("a non-lethal aid")) == [(2, 16)]


_BREAKS = ["-\n", "-\r\n", "\u00ad\n", "\u2010\n", "- \n", "-\n  "]


@settings(max_examples=300, deadline=None)
@given(retyped_run(), st.data())
def test_a_quote_matches_across_a_line_end_hyphen_inserted_in_any_word(case, data):
    _, run, quote = case
    cuts = [(i, j) for i, w in enumerate(run) for j in range(1, len(w)) if w[j - 1].isalpha() and w[j].isalpha()]
    assume(cuts)
    i, j = data.draw(st.sampled_from(cuts))
    words = list(run)
    words[i] = words[i][:j] + data.draw(st.sampled_from(_BREAKS)) + words[i][j:]
    source = "Before it. " + " ".join(words) + " after it."
    spans = quotes.Mapped.build(source).locate(quote)
    assert spans is not None
    located = source[spans[0][0]:spans[-1][1]]
    assert quotes.normalise(located).strip() == quotes.normalise(" ".join(run)).strip()
    assert quotes.find_in(quotes.quote_parts(quote), source) is not None
