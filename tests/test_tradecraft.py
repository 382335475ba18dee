"""The tradecraft rules (SPEC 3, "Analytic tradecraft"): each with a failing and a passing
case, pinned by (file, line, column, code)."""

from __future__ import annotations

import pytest

from conftest import BRIEFING, source_meta

B = "briefings/b.yaml"
CITE = "    cites:\n      - source: src-a\n        quote: to the next level\n"


def judgments(body: str) -> str:
    """The base briefing with ``body`` (YAML at the top level) appended: line 25 is its first."""
    return BRIEFING + body


def codes(repo, *wanted: str) -> list[tuple[str, int, int, str]]:
    return [f for f in repo.found() if not wanted or f[3] in wanted]


def message(repo, wanted: str) -> tuple[str, str]:
    (d,) = [d for d in repo.check().diagnostics if d.code == wanted]
    return d.message, d.hint


@pytest.fixture(autouse=True)
def graded(repo):
    """src-a graded B: a judgment citing it is not weakly sourced (BRF505 has tests of its own)."""
    from conftest import SOURCE_A
    repo.write("sources/src-a.yaml", source_meta(SOURCE_A, reliability="B"))


def test_base_lines():
    assert BRIEFING.count("\n") == 24


# -- BRF501: a published key judgment rests on something ----------------------------------

def test_published_judgment_without_basis(repo):
    repo.write(B, judgments("key_judgments:\n  - judgment: Seoul keeps its aid non-lethal.\n    likelihood: likely\n"))
    assert repo.found() == [(B, 26, 15, "BRF501")]
    assert message(repo, "BRF501") == (
        "this key judgment of a published briefing neither cites a source nor names an assumption",
        "add cites: with the evidence, or assumptions: with the ids of what it rests on")


@pytest.mark.parametrize("basis", [
    CITE,
    "    assumptions: [policy-stable]\n",
])
def test_published_judgment_with_a_basis(repo, basis):
    repo.write(B, judgments("assumptions:\n  - id: policy-stable\n    assumption: Policy follows statements.\n"
                            "key_judgments:\n  - judgment: Seoul keeps its aid non-lethal.\n" + basis))
    assert repo.found() == []


def test_a_draft_judgment_may_rest_on_nothing_yet(repo):
    repo.write(B, judgments("key_judgments:\n  - judgment: Seoul keeps its aid non-lethal.\n")
               .replace("status: published", "status: draft"))
    assert repo.found() == []


# -- BRF502 / BRF503 / duplicate ids: assumptions -----------------------------------------

def test_linchpin_needs_if_wrong(repo):
    repo.write(B, judgments("assumptions:\n  - id: policy-stable\n    assumption: Policy follows statements.\n"
                            "    linchpin: true\n"))
    assert repo.found() == [(B, 28, 15, "BRF502")]
    repo.write(B, judgments("assumptions:\n  - id: policy-stable\n    assumption: Policy follows statements.\n"
                            "    linchpin: true\n    if_wrong: Weapons could come without warning.\n"))
    assert repo.found() == []


def test_linchpin_is_true_or_false(repo):
    repo.write(B, judgments("assumptions:\n  - id: policy-stable\n    assumption: Policy.\n    linchpin: 'yes'\n"))
    assert repo.found() == [(B, 28, 15, "BRF103")]
    assert repo.check().diagnostics[0].hint == "write true or false, without quotes"


def test_judgment_names_an_unknown_assumption(repo):
    repo.write(B, judgments("assumptions:\n  - id: policy-stable\n    assumption: Policy follows statements.\n"
                            "key_judgments:\n  - judgment: J.\n    assumptions: [policy-stable, policy-stabel]\n"))
    assert repo.found() == [(B, 30, 34, "BRF503")]
    assert message(repo, "BRF503") == ("assumption 'policy-stabel' is not one of this briefing's assumptions",
                                       "did you mean 'policy-stable'?")


def test_assumption_and_judgment_ids_are_unique(repo):
    repo.write(B, judgments("assumptions:\n  - id: a-one\n    assumption: A.\n  - id: a-one\n    assumption: B.\n"
                            "key_judgments:\n  - id: j-one\n    judgment: J.\n    assumptions: [a-one]\n"
                            "  - id: j-one\n    judgment: K.\n    assumptions: [a-one]\n"))
    assert repo.found() == [(B, 28, 9, "BRF402"), (B, 34, 9, "BRF402")]


# -- BRF504: the band rule ----------------------------------------------------------------

def alternatives(judgment: str, *likelihoods: str) -> str:
    alts = "".join(f"      - hypothesis: Outcome {n}.\n        likelihood: {term}\n"
                   for n, term in enumerate(likelihoods, 1))
    return judgments("key_judgments:\n  - judgment: Seoul keeps its aid non-lethal.\n"
                     f"    likelihood: {judgment}\n" + CITE + "    alternatives:\n" + alts)


def test_alternatives_beyond_certainty(repo):
    repo.write(B, alternatives("likely", "likely"))
    assert repo.found() == [(B, 32, 7, "BRF504")]
    assert message(repo, "BRF504")[0] == (
        "the judgment and its alternatives are competing outcomes, but their likelihoods add up to at least 110%: "
        "the judgment likely (55-80%), alternative 1 likely (55-80%)")


def test_alternatives_at_exactly_certainty_and_below(repo):
    repo.write(B, alternatives("likely", "unlikely", "very unlikely", "almost no chance"))  # 55+20+5+1 = 81
    assert repo.found() == []
    repo.write(B, alternatives("likely", "roughly even chance"))  # 55+45 = 100: not more
    assert repo.found() == []


def test_alternatives_of_a_judgment_without_likelihood(repo):
    repo.write(B, alternatives("likely", "very likely", "unlikely").replace("    likelihood: likely\n", ""))
    assert repo.found() == []  # 80 + 20: the judgment without a likelihood counts nothing
    repo.write(B, alternatives("likely", "very likely", "roughly even chance").replace("    likelihood: likely\n", ""))
    assert repo.found() == [(B, 31, 7, "BRF504")]


def test_an_alternative_needs_a_likelihood(repo):
    repo.write(B, alternatives("likely", "unlikely").replace("        likelihood: unlikely\n", ""))
    assert repo.found() == [(B, 32, 9, "BRF101")]


# -- BRF505: weak sourcing ----------------------------------------------------------------

@pytest.mark.parametrize("grade,found", [("D", [(B, 29, 7, "BRF505")]), (None, [(B, 29, 7, "BRF505")]),
                                         ("B", [])])
def test_judgment_on_weak_sources(repo, grade, found):
    from conftest import SOURCE_A
    repo.write("sources/src-a.yaml", source_meta(SOURCE_A, **({"reliability": grade} if grade else {})))
    repo.write(B, judgments("key_judgments:\n  - judgment: J.\n    likelihood: likely\n" + CITE))
    assert repo.found() == found
    if found:
        assert message(repo, "BRF505")[0] == ("every source this key judgment cites is of low or unknown reliability "
                                              f"('src-a' {grade or 'ungraded'})")


# -- BRF506: likelihood and confidence in one sentence ------------------------------------

def test_likelihood_and_confidence_in_one_sentence(repo):
    repo.write(B, BRIEFING.replace("summary: Borrell visits Seoul.",
                                   "summary: |\n  Borrell visits Seoul. Seoul will likely keep its aid\n"
                                   "  non-lethal (moderate confidence). Nothing else."))
    assert codes(repo, "BRF506") == [(B, 8, 25, "BRF506")]
    assert message(repo, "BRF506")[0] == (
        "this sentence states both a likelihood ('likely') and a confidence level ('moderate confidence'): "
        "\"Seoul will likely keep its aid non-lethal (moderate confidence).\"")


@pytest.mark.parametrize("summary", [
    "Seoul will likely keep its aid non-lethal. We hold this with moderate confidence.",
    "Seoul will likely keep its aid non-lethal.\n\n  Our confidence is high.",
    "An unlikelyhood of high-confidence."  # neither is a term on its own
])
def test_likelihood_and_confidence_apart(repo, summary):
    repo.write(B, BRIEFING.replace("summary: Borrell visits Seoul.", f"summary: |\n  {summary}"))
    assert codes(repo, "BRF506") == []


def test_confidence_stated_as_a_clause(repo):
    repo.write(B, BRIEFING.replace("summary: Borrell visits Seoul.",
                                   "summary: Combat is very likely, and our confidence is low."))
    assert codes(repo, "BRF506") == [(B, 7, 10, "BRF506")]


# -- BRF507 / BRF508 / BRF509: change of analytic line ------------------------------------

def question_briefing(date: str, status: str, likelihood: str, change: str = "") -> str:
    return (BRIEFING.replace("date: 2024-11-04", f"date: {date}").replace("status: published", f"status: {status}")
            .replace("  - date: 2024-11-03\n    event", "  - date: 2024-10-01\n    event")
            .replace("    date: 2024-11-03\n", "    date: 2024-10-01\n")
            + "open_questions:\n  - id: rok-arms\n    question: Will Seoul send weapons?\n"
            f"    likelihood: {likelihood}\n" + change)


def three(repo, first: str, draft: str, last: str, change: str = "") -> None:
    repo.write("briefings/a-first.yaml", question_briefing("2024-11-01", "published", first))
    repo.write("briefings/b-draft.yaml", question_briefing("2024-11-10", "draft", draft))
    repo.write(B, question_briefing("2024-11-20", "published", last, change))
    repo.write("briefings/z-other-question.yaml", question_briefing("2024-11-15", "published", "likely")
               .replace("rok-arms", "other-question"))


def test_change_of_line_across_a_draft(repo):
    three(repo, "unlikely", "roughly even chance", "roughly even chance")
    # the draft does not count: the line moved from 'unlikely' (a-first) and nothing says why
    assert repo.found() == [("briefings/b-draft.yaml", 28, 17, "BRF507"), (B, 28, 17, "BRF507")]
    (draft, last) = [d for d in repo.check().diagnostics if d.code == "BRF507"]
    assert (last.message, last.hint) == (
        "the likelihood of 'rok-arms' moved from 'unlikely' in briefing 'a-first' (2024-11-01) to "
        "'roughly even chance', and nothing says why",
        'add under the question: change: {from: unlikely, reason: "why the judgment moved"}')


def test_change_of_line_explained(repo):
    three(repo, "unlikely", "unlikely", "roughly even chance",
          "    change:\n      from: unlikely\n      reason: Troops of the North entered combat.\n")
    assert repo.found() == []


def test_change_from_the_draft_is_wrong(repo):
    three(repo, "unlikely", "very unlikely", "roughly even chance",
          "    change:\n      from: very unlikely\n      reason: The draft said so.\n")
    assert [f for f in repo.found() if f[0] == B] == [(B, 30, 13, "BRF508")]
    assert message(repo, "BRF508") == (
        "change.from is 'very unlikely', but the previous assessment of 'rok-arms', in briefing 'a-first' "
        "(2024-11-01), is 'unlikely'", "write from: unlikely")


def test_change_where_the_line_did_not_move(repo):
    three(repo, "unlikely", "unlikely", "unlikely",
          "    change:\n      from: unlikely\n      reason: Nothing.\n")
    assert repo.found() == [(B, 30, 7, "BRF509")]


def test_change_with_no_previous_assessment(repo):
    repo.write(B, question_briefing("2024-11-20", "published", "likely",
                                    "    change:\n      from: unlikely\n      reason: First time.\n"))
    assert repo.found() == [(B, 30, 7, "BRF509")]
    assert message(repo, "BRF509")[0] == "question 'rok-arms' has no earlier assessment with a likelihood to change from"


def test_a_later_briefing_is_not_the_previous_one(repo):
    repo.write(B, question_briefing("2024-11-01", "published", "likely"))
    repo.write("briefings/later.yaml", question_briefing("2024-12-01", "published", "likely"))
    assert repo.found() == []


# -- BRF510 / BRF511 / BRF512: resolution -------------------------------------------------

RESOLVED = "    status: resolved\n    resolution:\n      date: {date}\n      outcome: {outcome}\n"


def test_resolved_needs_a_resolution_and_the_reverse(repo):
    repo.write(B, question_briefing("2024-11-20", "published", "likely", "    status: resolved\n"))
    assert repo.found() == [(B, 29, 13, "BRF510")]
    repo.write(B, question_briefing("2024-11-20", "published", "likely",
                                    RESOLVED.format(date="2024-11-20", outcome="no").replace("resolved", "open")))
    assert repo.found() == [(B, 31, 7, "BRF510")]
    repo.write(B, question_briefing("2024-11-20", "published", "likely", RESOLVED.format(date="2024-11-20",
                                                                                        outcome="no")))
    assert repo.found() == []


def test_resolution_outcome_is_yes_no_or_annulled(repo):
    repo.write(B, question_briefing("2024-11-20", "published", "likely", RESOLVED.format(date="2024-11-20",
                                                                                        outcome="maybe")))
    assert repo.found() == [(B, 32, 16, "BRF104")]


def test_resolution_before_the_first_assessment(repo):
    repo.write("briefings/a-first.yaml", question_briefing("2024-11-01", "published", "likely"))
    repo.write(B, question_briefing("2024-11-20", "published", "likely", RESOLVED.format(date="2024-10-15",
                                                                                        outcome="no")))
    assert repo.found() == [(B, 31, 13, "BRF511")]
    assert message(repo, "BRF511")[0] == ("the resolution is dated 2024-10-15, before the question's first "
                                          "assessment (2024-11-01)")


def test_resolution_after_the_briefing_that_records_it(repo):
    repo.write(B, question_briefing("2024-11-20", "published", "likely", RESOLVED.format(date="2099-12-31",
                                                                                        outcome="yes")))
    assert repo.found() == [(B, 31, 13, "BRF515")]
    assert message(repo, "BRF515") == (
        "the resolution is dated 2099-12-31, after this briefing (2024-11-20)",
        "record the resolution in a briefing dated on or after the day it resolved, or correct its date")
    repo.write(B, question_briefing("2024-11-20", "published", "likely", RESOLVED.format(date="2024-11-20",
                                                                                        outcome="yes")))
    assert repo.found() == []


def test_a_resolved_question_stays_resolved(repo):
    repo.write("briefings/a-first.yaml", question_briefing("2024-11-01", "published", "likely",
                                                           RESOLVED.format(date="2024-11-01", outcome="no")))
    repo.write(B, question_briefing("2024-11-20", "published", "likely"))
    assert repo.found() == [(B, 26, 5, "BRF512")]
    repo.write(B, question_briefing("2024-11-20", "published", "likely",
                                    RESOLVED.format(date="2024-11-01", outcome="yes")))
    assert repo.found() == [(B, 32, 16, "BRF512")]
    assert message(repo, "BRF512") == (
        "question 'rok-arms' was resolved 'no' in briefing 'a-first' (2024-11-01), not 'yes'",
        "write outcome: no, or correct the earlier briefing")
    repo.write(B, question_briefing("2024-11-20", "published", "likely",
                                    RESOLVED.format(date="2024-11-01", outcome="no")))
    assert repo.found() == []


def test_resolves_by_and_criteria(repo):
    repo.write(B, question_briefing("2024-11-20", "published", "likely",
                                    "    resolves_by: 2025-06-30\n    criteria: Lethal arms *delivered*.\n"))
    assert repo.found() == []
    repo.write(B, question_briefing("2024-11-20", "published", "likely", "    resolves_by: mid-2025\n"))
    assert repo.found() == [(B, 29, 18, "BRF105")]


# -- BRF513 / BRF514: superseded briefings ------------------------------------------------

def test_superseded_needs_a_successor(repo):
    repo.write(B, BRIEFING.replace("status: published", "status: superseded"))
    assert repo.found() == [(B, 3, 9, "BRF513")]


def test_successor_only_for_superseded(repo):
    repo.write(B, BRIEFING + "superseded_by: b\n")
    assert repo.found() == [(B, 25, 16, "BRF513")]


@pytest.mark.parametrize("successor,date,found", [
    ("later", "2024-11-05", []),
    ("later", "2024-11-04", []),
    ("later", "2024-11-03", [(B, 25, 16, "BRF514")]),
    ("latr", "2024-11-05", [(B, 25, 16, "BRF514")]),
    ("b", "2024-11-05", [(B, 25, 16, "BRF514")]),
])
def test_successor_exists_and_is_not_older(repo, successor, date, found):
    repo.write(B, BRIEFING.replace("status: published", "status: superseded") + f"superseded_by: {successor}\n")
    repo.write("briefings/later.yaml", BRIEFING.replace("date: 2024-11-04", f"date: {date}")
               .replace("2024-11-03", "2024-11-01"))
    assert repo.found() == found


# -- credibility, derived_from (BRF312, BRF313) -------------------------------------------

def test_citation_credibility(repo):
    repo.write(B, BRIEFING.replace("        quote: to the next level\n",
                                   "        quote: to the next level\n        credibility: 2\n"))
    assert repo.found() == []
    repo.write(B, BRIEFING.replace("        quote: to the next level\n",
                                   "        quote: to the next level\n        credibility: 7\n"))
    assert repo.found() == [(B, 19, 22, "BRF104")]


def test_a_claim_citing_a_source_and_its_reprint(repo):
    from conftest import SOURCE_A
    repo.write("sources/reprint.txt", SOURCE_A)
    repo.write("sources/reprint.yaml", source_meta(SOURCE_A, derived_from="[src-a]"))
    repo.write(B, BRIEFING.replace("        quote: to the next level\n", "        quote: to the next level\n"
                                   "      - source: reprint\n        quote: to the next level\n"))
    assert repo.found() == [(B, 19, 17, "BRF312")]
    assert message(repo, "BRF312")[0] == ("source 'reprint' re-reports 'src-a' (derived_from), which this claim "
                                          "also cites: they are one report, not two")


def test_derived_from_names_existing_sources(repo):
    from conftest import SOURCE_A
    repo.write("sources/src-a.yaml", source_meta(SOURCE_A, derived_from="[src-b, src-c, src-a]"))
    assert repo.found() == [("sources/src-a.yaml", 4, 23, "BRF313"), ("sources/src-a.yaml", 4, 30, "BRF313")]


# -- what a hostile reading found ---------------------------------------------------------

def test_a_chain_of_successors_that_comes_back_round(repo):
    superseded = BRIEFING.replace("status: published", "status: superseded")
    repo.write(B, superseded + "superseded_by: c\n")
    repo.write("briefings/c.yaml", superseded + "superseded_by: b\n")
    assert repo.found() == [(B, 25, 16, "BRF514"), ("briefings/c.yaml", 25, 16, "BRF514")]
    (first, _) = [d for d in repo.check().diagnostics if d.code == "BRF514"]
    assert first.message == "the chain of successors comes back round: b -> c -> b"


def test_a_briefing_that_names_itself_gets_no_guess(repo):
    repo.write(B, BRIEFING.replace("status: published", "status: superseded") + "superseded_by: b\n")
    repo.write("briefings/bb.yaml", BRIEFING)
    assert message(repo, "BRF514") == ("superseded_by names 'b', this briefing itself",
                                       "name the id of the briefing that replaces this one")


def test_a_successor_written_as_a_file_name(repo):
    repo.write(B, BRIEFING.replace("status: published", "status: superseded") + "superseded_by: later.yaml\n")
    (d,) = repo.check().diagnostics
    assert (d.code, d.hint) == ("BRF106", "use lowercase letters, digits and single hyphens, like 'later'")


def test_a_re_report_at_one_remove(repo):
    from conftest import SOURCE_A
    for name, origin in (("reprint", "copy"), ("copy", "src-a")):
        repo.write(f"sources/{name}.txt", SOURCE_A)
        repo.write(f"sources/{name}.yaml", source_meta(SOURCE_A, derived_from=f"[{origin}]"))
    repo.write(B, BRIEFING.replace("        quote: to the next level\n", "        quote: to the next level\n"
                                   "      - source: reprint\n        quote: to the next level\n"))
    assert [f for f in repo.found() if f[3] != "BRF307"] == [(B, 19, 17, "BRF312")]


def test_two_sources_that_re_report_each_other(repo):
    from conftest import SOURCE_A, SOURCE_B
    repo.write("sources/src-a.yaml", source_meta(SOURCE_A, derived_from="[src-b]"))
    repo.write("sources/src-b.yaml", source_meta(SOURCE_B, derived_from="[src-a]"))
    assert repo.found() == [("sources/src-a.yaml", 4, 16, "BRF313"), ("sources/src-b.yaml", 4, 16, "BRF313")]


@pytest.mark.parametrize("written,found", [("no", []), ("YES", []), ("on", [(B, 32, 16, "BRF104")]),
                                           ("true", [(B, 32, 16, "BRF104")]), ("'no'", [])])
def test_an_outcome_is_yes_or_no_as_written(repo, written, found):
    repo.write(B, question_briefing("2024-11-20", "published", "likely", RESOLVED.format(date="2024-11-20",
                                                                                        outcome=written)))
    assert repo.found() == found


def test_a_change_on_a_question_without_likelihood(repo):
    repo.write(B, question_briefing("2024-11-20", "published", "likely",
                                    "    change:\n      from: unlikely\n      reason: Why.\n")
               .replace("    likelihood: likely\n", ""))
    assert repo.found() == [(B, 29, 7, "BRF509")]


def test_two_outcomes_on_one_day(repo):
    repo.write("briefings/a-first.yaml", question_briefing("2024-11-20", "published", "likely",
                                                           RESOLVED.format(date="2024-11-20", outcome="yes")))
    repo.write(B, question_briefing("2024-11-20", "published", "likely",
                                    RESOLVED.format(date="2024-11-20", outcome="no")))
    assert [f[3] for f in repo.found()] == ["BRF512", "BRF512"]


def test_two_assessments_of_one_day_that_disagree_are_both_named(repo):
    repo.write("briefings/a-one.yaml", question_briefing("2024-11-10", "published", "likely"))
    repo.write("briefings/a-two.yaml", question_briefing("2024-11-10", "published", "almost certain"))
    repo.write(B, question_briefing("2024-11-20", "published", "likely"))
    assert repo.found() == [(B, 28, 17, "BRF507")]
    assert message(repo, "BRF507")[0] == (
        "the likelihood of 'rok-arms' moved from 'almost certain' in briefing 'a-two' (2024-11-10) to 'likely', "
        "and nothing says why; the same day, briefing 'a-one' gives 'likely'")
