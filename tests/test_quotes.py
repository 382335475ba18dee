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
        retyped.append(case(chars))
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


_TRICKY = "ae Z-\u0301\u0308\u0316\u1100\u1161\u11a8\uac00\ufb01\u2026\u00a0\u2013\u201c\u00df\u0130\u3099\u304b\uff21\n"


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
    # (Without "…", an elision mark once normalised.)
    mapped = quotes.Mapped.build(text)
    words = [w for w in text.split() if quotes.normalise(w).strip(" -")]
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
