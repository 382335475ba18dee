"""Cross-record checks: each with a passing and a failing case, pinned by position."""

from __future__ import annotations

import pytest

from build_scripts.checks import check_repository
from build_scripts.repo import load_repository

from conftest import BRIEFING, SOURCE_A, source_meta

B = "briefings/b.yaml"


def edit(repo, old: str, new: str) -> None:
    text = repo.root.joinpath(B).read_text()
    assert old in text
    repo.write(B, text.replace(old, new))


def test_unknown_source_suggests_the_closest(repo):
    edit(repo, "source: src-a", "source: src-c")
    (d,) = [d for d in repo.check().diagnostics if d.code == "BRF301"]
    assert (d.file, d.line, d.column) == (B, 17, 17)
    assert d.message == "unknown source 'src-c'"
    assert d.hint in ("did you mean 'src-a'?", "did you mean 'src-b'?")


@pytest.mark.parametrize("quote", [
    "to the next level",
    "TO THE NEXT LEVEL",
    "'cooperation \"to the next level.\"'",
    "'considering  \"all possible scenarios\" - including weapons'",
    "'considering \"all possible scenarios\" -- including'",
    "'The EU wants ... the next level'",
    "'The EU wants [...] next level [\u2026] Seoul is considering'",
    "'security and defense\n          cooperation'",
])
def test_quotes_that_match_after_normalisation(repo, quote):
    edit(repo, "quote: to the next level", f"quote: {quote}")
    assert repo.found() == []


def test_misquote_shows_closest_passage_and_similarity(repo):
    edit(repo, "quote: to the next level", "quote: take security and defence cooperation")
    (d,) = repo.check().diagnostics
    assert (d.file, d.line, d.column, d.code) == (B, 18, 16, "BRF302")
    assert d.message == "quote not found in source 'src-a': \"take security and defence cooperation\""
    assert d.hint.startswith('closest passage (line 2, ')
    assert '"take security and defense cooperation"' in d.hint
    assert 'differs at "defence" where the source has "defense"' in d.hint


def test_misquote_names_the_source_where_it_occurs_verbatim(repo):
    edit(repo, "quote: to the next level", "quote: troops may soon join combat")
    (d,) = repo.check().diagnostics
    assert d.code == "BRF302"
    assert d.hint.endswith("the quote occurs verbatim in 'src-b': did you mean source: src-b?")


def test_elided_parts_must_occur_in_order(repo):
    edit(repo, "quote: to the next level", "quote: 'the next level ... The EU wants'")
    (d,) = repo.check().diagnostics
    assert (d.line, d.column, d.code) == (18, 16, "BRF302")
    assert d.message.endswith('(part 2 of 2: "the eu wants")')


def test_quote_of_only_elision_marks(repo):
    edit(repo, "quote: to the next level", "quote: '...'")
    assert repo.found() == [(B, 18, 16, "BRF302")]


@pytest.mark.parametrize("lines,ok", [('"1-3"', True), ('"3"', True), ('"4"', False),
                                      ('"0"', False), ('"3-2"', False)])
def test_lines_range(repo, lines, ok):
    edit(repo, "source: src-a\n        quote: to the next level",
         f"source: src-a\n        lines: {lines}")
    assert repo.found() == ([] if ok else [(B, 18, 16, "BRF303")])


def test_quote_must_be_within_given_lines(repo):
    edit(repo, "quote: to the next level", 'quote: to the next level\n        lines: "3"')
    (d,) = repo.check().diagnostics
    assert (d.line, d.column, d.code) == (19, 16, "BRF304")
    assert d.message.endswith("; the quote starts on line 2")
    edit(repo, 'lines: "3"', 'lines: "2"')
    assert repo.found() == []


def test_citation_without_quote_or_lines_warns(repo):
    edit(repo, "      - source: src-a\n        quote: to the next level\n", "      - source: src-a\n")
    assert repo.found() == [(B, 17, 9, "BRF305")]
    assert repo.check().warnings == 1 and repo.check().errors == 0


@pytest.mark.parametrize("cites", ["    cites: []\n", ""])
def test_position_without_citation(repo, cites):
    edit(repo, "    cites:\n      - source: src-a\n        quote: to the next level\n", cites)
    found = repo.found()
    assert found[0][3] == "BRF306"
    assert found[0][:2] == (B, 16 if cites else 12)
    assert ("sources/src-a.yaml", 1, 1, "BRF307") in found


def test_uncited_source_warns(repo):
    text = "Unrelated.\n"
    repo.write("sources/src-c.txt", text)
    repo.write("sources/src-c.yaml", source_meta(text))
    assert repo.found() == [("sources/src-c.yaml", 1, 1, "BRF307")]


def test_unknown_actor(repo):
    edit(repo, "  - actor: josep-borrell", "  - actor: josep-borell")
    (d,) = repo.check().diagnostics
    assert (d.line, d.column, d.code, d.hint) == (12, 12, "BRF401", "did you mean 'josep-borrell'?")


def test_duplicate_actor_and_question_ids(repo):
    edit(repo, "    name: Josep Borrell\n", "    name: Josep Borrell\n  - id: josep-borrell\n    name: J. Borrell\n")
    repo.write(B, repo.root.joinpath(B).read_text() + (
        "open_questions:\n  - id: q-one\n    question: One?\n  - id: q-one\n    question: Two?\n"))
    assert repo.found() == [(B, 11, 9, "BRF402"), (B, 30, 9, "BRF402")]


def test_marking_leak(repo):
    repo.write("sources/src-a.yaml", source_meta(SOURCE_A, marking="TLP:AMBER"))
    (d,) = repo.check().diagnostics
    assert (d.line, d.column, d.code) == (17, 17, "BRF403")
    assert d.hint == "raise the briefing's marking to TLP:AMBER or cite another source"
    edit(repo, "marking: TLP:CLEAR", "marking: TLP:AMBER+STRICT")
    assert repo.found() == []


def test_actor_name_mismatch_across_briefings(repo):
    repo.write("briefings/c.yaml", BRIEFING.replace("    name: Josep Borrell", "    name: Josep Borell"))
    assert repo.found() == [("briefings/c.yaml", 10, 11, "BRF404")]


def test_dates_after_the_as_of_date_warn(repo):
    edit(repo, "    date: 2024-11-03\n    cites", "    date: 2024-11-30\n    cites")
    assert repo.found() == [(B, 15, 11, "BRF405")]


def test_every_problem_in_one_run(repo):
    edit(repo, "quote: to the next level", "quote: to the last level")
    edit(repo, "  - actor: josep-borrell", "  - actor: nobody")
    repo.write("briefings/c.yaml", "title: [unclosed\n")
    repo.write("sources/x.txt", "t\n")
    assert [code for *_, code in repo.found()] == ["BRF401", "BRF302", "BRF001", "BRF201"]


def with_source_a(repo, text: str) -> None:
    repo.write("sources/src-a.txt", text)
    repo.write("sources/src-a.yaml", source_meta(text))


def test_quote_found_only_inside_a_word_is_not_found(repo):
    with_source_a(repo, SOURCE_A + "The strike was unlawful, the minister said.\n")
    edit(repo, "quote: to the next level", "quote: lawful, the minister said")
    (d,) = repo.check().diagnostics
    assert (d.file, d.line, d.column, d.code) == (B, 18, 16, "BRF302")
    assert d.message == "quote not found in source 'src-a': \"lawful, the minister said\""
    assert d.hint == ('the source has it only inside a word: "unlawful, the minister said" (line 4); '
                      "quote whole words as the source has them")


def test_quote_that_begins_after_a_hyphen_is_not_found(repo):
    with_source_a(repo, SOURCE_A + "Seoul sent non-lethal aid; the talks went on\u2014including trade.\n")
    edit(repo, "quote: to the next level", "quote: lethal aid")
    (d,) = repo.check().diagnostics
    assert (d.file, d.line, d.column, d.code) == (B, 18, 16, "BRF302")
    assert d.hint == ('the source has it only inside a word: "non-lethal aid" (line 4); '
                      "quote whole words as the source has them")
    edit(repo, "quote: lethal aid", "quote: including trade")  # a dash written without spaces
    assert repo.found() == []


def test_each_part_of_an_elided_quote_must_be_whole_words(repo):
    edit(repo, "quote: to the next level", "quote: 'The EU wants ... ecurity and defense'")
    (d,) = repo.check().diagnostics
    assert (d.file, d.line, d.column, d.code) == (B, 18, 16, "BRF302")
    assert d.message.endswith('(part 2 of 2: "ecurity and defense")')
    assert d.hint.startswith('the source has it only inside a word: "security and defense" (line 2)')


def test_a_later_occurrence_at_word_boundaries_matches(repo):
    with_source_a(repo, SOURCE_A + "It was unlawful, the minister said; lawful, the judge said.\n")
    edit(repo, "quote: to the next level", "quote: lawful, the")
    assert repo.found() == []


def test_soft_hyphens_and_zero_width_characters_are_ignored_on_both_sides(repo):
    with_source_a(repo, SOURCE_A.replace("security", "secu\u00adrity").replace("defense", "de\u200bfense")
                  .replace("level", "le\u202evel"))
    edit(repo, "quote: to the next level", "quote: 'take security and defense cooperation \u201cto the next level'")
    assert repo.found() == []
    edit(repo, "quote: 'take security", "quote: 'take secu\u2060rity")
    assert repo.found() == []


def test_lookalike_characters_are_named_by_code_point(repo):
    edit(repo, "quote: to the next level", "quote: take security and d\u0435fense cooperation")
    (d,) = repo.check().diagnostics
    assert (d.file, d.line, d.column, d.code) == (B, 18, 16, "BRF302")
    assert ('differs at "d\u0435fense" where the source has "defense": the quote has U+0435 CYRILLIC '
            "SMALL LETTER IE where the source has U+0065 LATIN SMALL LETTER E; ") in d.hint


def test_an_invisible_mark_in_the_source_is_named(repo):
    with_source_a(repo, SOURCE_A.replace("defense", "de\u034ffense"))
    edit(repo, "quote: to the next level", "quote: take security and defense")
    (d,) = repo.check().diagnostics
    assert (d.file, d.line, d.column, d.code) == (B, 18, 16, "BRF302")
    assert 'the quote has nothing where the source has U+034F COMBINING GRAPHEME JOINER' in d.hint


def test_a_visible_misspelling_is_not_named_by_code_point(repo):
    edit(repo, "quote: to the next level", "quote: take security and defence cooperation")
    (d,) = repo.check().diagnostics
    assert "U+" not in d.hint


@pytest.mark.parametrize("quote", ["level", "'.'", "'\u2014'", "'next ... level'", "'\u201cto'"])
def test_quote_of_one_word_or_less_warns(repo, quote):
    edit(repo, "quote: to the next level", f"quote: {quote}")
    (d,) = repo.check().diagnostics
    assert (d.file, d.line, d.column, d.code) == (B, 18, 16, "BRF308")
    assert d.hint == "quote the words of the source that support the claim"


def test_a_short_quote_that_is_not_found_is_both(repo):
    edit(repo, "quote: to the next level", "quote: nowhere")
    assert repo.found() == [(B, 18, 16, "BRF302"), (B, 18, 16, "BRF308")]


def test_two_words_are_not_too_short(repo):
    edit(repo, "quote: to the next level", "quote: next level")
    assert repo.found() == []


def test_long_misquote_still_shows_the_closest_passage(repo):
    filler = " ".join(f"word{i}" for i in range(3000))
    with_source_a(repo, SOURCE_A + filler + "\n")
    quote = filler.replace("word1500 ", "wordx ")
    edit(repo, "quote: to the next level", f"quote: {quote}")
    (d,) = repo.check().diagnostics
    assert (d.file, d.line, d.column, d.code) == (B, 18, 16, "BRF302")
    assert d.hint.startswith("closest passage (line 4, 99.")
    assert '"word0 word1 word2' in d.hint


def test_what_a_check_found_is_reused_for_the_same_text_and_quote_only(repo):
    """The preview keeps what each check found of each quote (checks.Found): a quote an
    edit put out of its source, or a source an edit took it out of, is found missing."""
    from build_scripts.checks import Found

    def codes(found):
        return [(d.file, d.line, d.code) for d in check_repository(load_repository(repo.root), found).diagnostics]

    found = Found()
    assert codes(found) == codes(None) == []
    assert list(found.occurs.values()) == [True]
    text = SOURCE_A.replace("to the next level", "to a new level")
    repo.write("sources/src-a.txt", text)
    repo.write("sources/src-a.yaml", source_meta(text))
    assert codes(found) == codes(None) == [("briefings/b.yaml", 18, "BRF302")]
    repo.write("sources/src-a.txt", SOURCE_A)
    repo.write("sources/src-a.yaml", source_meta(SOURCE_A))
    repo.write("briefings/b.yaml", BRIEFING.replace("quote: to the next level", "quote: to the last level"))
    assert codes(found) == codes(None) == [("briefings/b.yaml", 18, "BRF302")]
    assert len(found.occurs) == 1  # (only what the last check used is kept)
