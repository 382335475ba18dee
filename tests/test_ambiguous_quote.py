"""BRF311: a quote that occurs more than once in its source, with neither ``lines`` nor
``page`` to say which, names the lines of each occurrence. Pinned by position and message."""

from __future__ import annotations

import pytest

from build_scripts import quotes
from build_scripts.checks import Found, check_repository, text_digest
from build_scripts.diagnostics import CATALOGUE
from build_scripts.repo import load_repository

from conftest import BRIEFING, source_meta
from test_quote_examples import codes_of_citation

B = "briefings/b.yaml"
QUOTE_AT = (B, 18, 16, "BRF311")  # where the fixture's briefing has its quote

TEXT = (
    "The ministry said on Tuesday that talks would resume.\n"  # 1
    "Officials gave no date.\n"  # 2
    "The ministry said on Tuesday that talks would resume.\n"  # 3
    "It was unlawful, the minister said.\n"  # 4
    "Lawful, the minister said, and final.\n"  # 5
    "Talks would resume, the ministry said on Tuesday.\n"  # 6
)


def cite(repo, quote: str, text: str = TEXT, extra: str = "") -> list:
    """The fixture's briefing citing ``quote`` (and ``extra`` keys) of src-a, now ``text``."""
    repo.write("sources/src-a.txt", text)
    repo.write("sources/src-a.yaml", source_meta(text))
    old = "        quote: to the next level\n"
    assert old in BRIEFING
    repo.write(B, BRIEFING.replace(old, f"        quote: {quote}\n{extra}"))
    return repo.check().diagnostics


def test_a_quote_that_occurs_twice_names_both_lines(repo):
    (d,) = cite(repo, "the ministry said on Tuesday that talks")
    assert (d.file, d.line, d.column, d.code) == QUOTE_AT
    assert d.message == ("the quote \"the ministry said on Tuesday that talks\" occurs twice in source 'src-a' "
                         "(lines 1 and 3)")
    assert d.hint == 'add lines: "1" to say which (those of the first), or quote more words'
    assert repo.check().warnings == 1 and repo.check().errors == 0


def test_three_times(repo):
    (d,) = cite(repo, "the ministry said on Tuesday")
    assert (d.file, d.line, d.column, d.code) == QUOTE_AT
    assert d.message == ("the quote \"the ministry said on Tuesday\" occurs 3 times in source 'src-a' "
                         "(lines 1, 3 and 6)")


def test_a_quote_that_occurs_once_is_not_ambiguous(repo):
    assert cite(repo, "Officials gave no date") == []


@pytest.mark.parametrize("lines", ['"1"', '"3"', '"1-3"'])
def test_lines_say_which(repo, lines):
    assert cite(repo, "the ministry said on Tuesday that talks", extra=f"        lines: {lines}\n") == []


def test_a_page_says_which(repo):
    text = "The ministry said on Tuesday.\n\fThe ministry said on Tuesday.\n"
    (d,) = cite(repo, "The ministry said on Tuesday", text)
    assert (d.file, d.line, d.column, d.code) == QUOTE_AT
    assert d.message == ("the quote \"The ministry said on Tuesday\" occurs twice in source 'src-a' "
                         "(lines 1 and 2)")
    assert d.hint == 'add lines: "1" (or page: "1") to say which (those of the first), or quote more words'
    assert cite(repo, "The ministry said on Tuesday", text, '        page: "2"\n') == []


def test_an_elided_quote_that_occurs_twice(repo):
    (d,) = cite(repo, "'The ministry said ... talks would resume'")
    assert (d.file, d.line, d.column, d.code) == QUOTE_AT
    assert d.message == ("the quote \"The ministry said ... talks would resume\" occurs twice in source 'src-a' "
                         "(lines 1 and 3)")


def test_an_elided_quote_whose_first_part_occurs_once_is_not_ambiguous(repo):
    # "the minister said" occurs twice, but only once after the one "Officials"
    assert cite(repo, "'Officials gave ... the minister said'") == []


def test_an_occurrence_inside_a_word_does_not_count(repo):
    # "unlawful, the minister said" (line 4) is not an occurrence of "lawful, the minister said"
    assert cite(repo, "lawful, the minister said") == []


def test_occurrences_on_one_line(repo):
    (d,) = cite(repo, "talks would resume soon", "Talks would resume soon. Talks would resume soon.\n")
    assert (d.file, d.line, d.column, d.code) == QUOTE_AT
    assert d.message == "the quote \"talks would resume soon\" occurs twice in source 'src-a' (all on line 1)"


def test_more_than_ten_occurrences(repo):
    (d,) = cite(repo, "talks would resume", "Talks would resume.\n" * 12)
    assert (d.file, d.line, d.column, d.code) == QUOTE_AT
    assert d.message == ("the quote \"talks would resume\" occurs more than 10 times in source 'src-a' "
                         "(the first 10 on lines 1, 2, 3, 4, 5, 6, 7, 8, 9 and 10)")


def test_exactly_ten_occurrences(repo):
    (d,) = cite(repo, "talks would resume", "Talks would resume.\n" * 10)
    assert d.message == ("the quote \"talks would resume\" occurs 10 times in source 'src-a' "
                         "(lines 1, 2, 3, 4, 5, 6, 7, 8, 9 and 10)")


def test_an_occurrence_across_line_end_hyphenation_counts_and_the_hint_covers_its_lines(repo):
    text = "We take secu-\nrity seriously.\nWe take security seriously.\n"
    (d,) = cite(repo, "we take security seriously", text)
    assert (d.file, d.line, d.column, d.code) == QUOTE_AT
    assert d.message == "the quote \"we take security seriously\" occurs twice in source 'src-a' (lines 1 and 3)"
    assert d.hint == 'add lines: "1-2" to say which (those of the first), or quote more words'
    assert cite(repo, "we take security seriously", text, '        lines: "1-2"\n') == []


def test_a_quote_too_short_to_verify_anything_warns_only_that_it_is(repo):
    assert [d.code for d in cite(repo, "talks")] == ["BRF308"]


def test_a_quote_not_found_is_not_ambiguous(repo):
    assert [d.code for d in cite(repo, "the ministry said on Wednesday")] == ["BRF302"]


# --- the occurrences themselves (quotes.occurrences, Mapped.occurrences) -------------

def test_occurrences_are_original_offsets_the_first_where_locate_puts_it():
    text = "\u201cTalks  would\nresume. Talks would re\u00adsume.\nTALKS WOULD RESUME!"
    mapped = quotes.Mapped.build(text)
    starts = mapped.occurrences("talks would resume", 10)
    assert starts == [1, text.index("Talks would re\u00ad"), text.index("TALKS")]
    assert starts[0] == mapped.locate("talks would resume")[0][0]
    assert mapped.occurrences("talks would resume", 2) == starts[:2]
    assert mapped.occurrences("talks would stop", 10) == []


def test_occurrences_begin_after_the_start_of_the_one_before():
    # so two may overlap, as they are two places a reader could be sent to
    assert quotes.Mapped.build("ha ha ha").occurrences("ha ha", 10) == [0, 3]
    assert quotes.occurrences(["ha ha"], "ha ha ha", limit=10) == [0, 3]


def test_occurrences_of_an_elided_quote_begin_where_its_first_part_does():
    haystack = quotes.normalise("a said b. a said c. then b.")
    assert quotes.occurrences(list(quotes.quote_parts("a said ... b")), haystack, limit=10) == [0, 10]


def test_more_than_once_reads_line_end_hyphenation():
    text = "We take secu-\nrity seriously. We take security seriously. We take it."
    normal, hyphen = quotes.normalise(text), quotes.hyphens(text)
    both = [3, normal.index("take", 4)]
    for quote, starts in [("take security seriously", both), ("take secu-rity seriously", both[:1]),
                          ("take secu- rity seriously", both[:1])]:
        assert quotes.occurrences(quotes.quote_parts(quote), normal, hyphen, 10) == starts
    assert quotes.more_than_once(quotes.quote_parts("take security seriously"), normal, hyphen)
    assert not quotes.more_than_once(quotes.quote_parts("take secu-rity seriously"), normal, hyphen)
    assert not quotes.more_than_once(quotes.quote_parts("we take it"), normal, hyphen)
    assert not quotes.more_than_once(quotes.quote_parts("we take nothing"), normal, hyphen)
    assert hyphen.again == {("take security seriously",): True, ("take secu-rity seriously",): False,
                            ("we take it",): False, ("we take nothing",): False}


def test_a_check_after_another_keeps_what_it_found_of_each_text(repo, monkeypatch):
    cite(repo, "Officials gave no date")
    found = Found()
    loaded = load_repository(repo.root)
    assert check_repository(loaded, found).diagnostics == []
    key = (text_digest(TEXT), ("officials gave no date",))
    assert (found.occurs, found.again) == ({key: True}, {key: False})

    def searched(*args, **kwargs):
        raise AssertionError("searched for again")

    for name in ("find_parts", "more_than_once", "normalise", "hyphens"):
        monkeypatch.setattr(quotes, name, searched)
    assert check_repository(loaded, found).diagnostics == []  # ``briefings serve``: not searched for again
    assert (found.occurs, found.again) == ({key: True}, {key: False})


# --- the examples of the reference --------------------------------------------------

def test_the_examples_of_ambiguous_quote(example):
    c = CATALOGUE["BRF311"]
    assert codes_of_citation(example, c.failing) == ["BRF311"]
    assert codes_of_citation(example, c.passing) == []
