"""Checks of analytic tradecraft (ICD 203): what each judgment rests on, its
alternatives, a change of analytic line, resolved questions, successors, and how the
claims are sourced.

:func:`check_tradecraft` is called by :func:`.checks.check_repository`; it only reads
records (no source text), so it costs next to nothing beside the quote checks.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .diagnostics import Diagnostic, Severity, code, make
from .model import LIKELIHOOD_RANGES, Briefing, Citation, Loc, Question, Record
from .repo import Repository
from .schema import closest

_B = "briefings/example.yaml"
_CITE = "    cites:\n      - source: yonhap-2024-11-03-borrell-seoul\n        quote: to the next level"

UNSUPPORTED_JUDGMENT = code(
    "BRF501", "judgment-without-basis", Severity.ERROR, "A published key judgment that neither cites nor assumes",
    """
    ICD 203 asks that a judgment show what it rests on. In a `published` briefing every
    key judgment cites at least one source or names at least one of the briefing's
    `assumptions`. Drafts are not held to this rule yet.
    """,
    failing="status: published\nkey_judgments:\n  - judgment: Seoul keeps its aid non-lethal.\n    likelihood: likely",
    passing="status: published\nkey_judgments:\n  - judgment: Seoul keeps its aid non-lethal.\n    likelihood: likely\n"
            + _CITE,
)
LINCHPIN_WITHOUT_IF_WRONG = code(
    "BRF502", "linchpin-without-if-wrong", Severity.ERROR, "A linchpin assumption that does not say what if it is wrong",
    """
    A linchpin assumption is one a judgment stands or falls with. Say what follows if it
    proves wrong (`if_wrong`), so that the reader knows what to watch.
    """,
    failing="assumptions:\n  - id: seoul-policy-stable\n    assumption: Seoul's aid follows its statements.\n"
            "    linchpin: true",
    passing="assumptions:\n  - id: seoul-policy-stable\n    assumption: Seoul's aid follows its statements.\n"
            "    linchpin: true\n    if_wrong: Lethal aid could come without warning.",
)
UNKNOWN_ASSUMPTION = code(
    "BRF503", "unknown-assumption", Severity.ERROR, "A judgment names an assumption the briefing does not have",
    """
    `key_judgments[].assumptions` lists ids from the same briefing's `assumptions`. The
    message suggests the closest id.
    """,
    failing="assumptions:\n  - id: seoul-policy-stable\n    assumption: Seoul's aid follows its statements.\n"
            "key_judgments:\n  - judgment: Seoul keeps its aid non-lethal.\n    assumptions: [seoul-policy]",
    passing="assumptions:\n  - id: seoul-policy-stable\n    assumption: Seoul's aid follows its statements.\n"
            "key_judgments:\n  - judgment: Seoul keeps its aid non-lethal.\n    assumptions: [seoul-policy-stable]",
)
BANDS_EXCEED = code(
    "BRF504", "alternatives-exceed-certainty", Severity.ERROR, "A judgment and its alternatives add up to more than 100%",
    """
    A judgment and its `alternatives` are competing outcomes: at most one of them comes
    true. Each ICD 203 term is a band of probability (*likely* is 55-80%); the lower
    bounds of the judgment's band and of its alternatives' bands may not add up to more
    than 100%.
    """,
    failing="key_judgments:\n  - judgment: Seoul keeps its aid non-lethal.\n    likelihood: likely\n"
            "    alternatives:\n      - hypothesis: Seoul sends weapons.\n        likelihood: likely",
    passing="key_judgments:\n  - judgment: Seoul keeps its aid non-lethal.\n    likelihood: likely\n"
            "    alternatives:\n      - hypothesis: Seoul sends weapons.\n        likelihood: unlikely",
)
WEAK_SOURCING = code(
    "BRF505", "weakly-sourced-judgment", Severity.WARNING, "A key judgment whose sources are all of low or unknown reliability",
    """
    When every source a key judgment cites has an Admiralty reliability of D, E or F, or
    none recorded, the judgment rests on sources nobody vouches for. Grade the sources
    (`reliability:` in `sources/<id>.yaml`), cite a more reliable one, or lower the
    confidence and say why.
    """,
    failing="# sources/yonhap-2024-11-03-borrell-seoul.yaml\nreliability: E",
    passing="# sources/yonhap-2024-11-03-borrell-seoul.yaml\nreliability: B",
)
COMBINED_EXPRESSION = code(
    "BRF506", "likelihood-with-confidence", Severity.WARNING, "One sentence states both a likelihood and a confidence level",
    """
    ICD 203 asks that likelihood (how probable an outcome is: *likely*, *roughly even
    chance*) and analytic confidence (how sound the basis is: *moderate confidence*) not
    be combined in one sentence, so that neither is read as the other. The check reads
    every Markdown field, sentence by sentence.
    """,
    failing="summary: Seoul will likely keep its aid non-lethal (moderate confidence).",
    passing="summary: Seoul will likely keep its aid non-lethal. We hold this with moderate confidence.",
)
CHANGE_MISSING = code(
    "BRF507", "change-of-line-unexplained", Severity.ERROR, "A question's likelihood moved without a `change`",
    """
    When an open question's likelihood differs from its previous assessment (the one in
    the latest briefing dated before this one that assesses the same id; drafts do not
    count), ICD 203 asks that the change be explained: add `change:` with `from:` (the
    previous likelihood) and `reason:`. The message names the previous briefing, its date
    and its likelihood; the hint is the block to paste.
    """,
    failing="open_questions:\n  - id: rok-lethal-aid-to-ukraine\n    question: Will South Korea supply weapons?\n"
            "    likelihood: roughly even chance   # 'unlikely' in the previous briefing",
    passing="open_questions:\n  - id: rok-lethal-aid-to-ukraine\n    question: Will South Korea supply weapons?\n"
            "    likelihood: roughly even chance\n    change:\n      from: unlikely\n"
            "      reason: Blinken warned that North Korean troops in Kursk might soon join combat.",
)
CHANGE_FROM_WRONG = code(
    "BRF508", "change-from-mismatch", Severity.ERROR, "`change.from` is not the previous likelihood",
    """
    `change.from` must be the likelihood of the question's previous assessment, so that
    the record of the line is right. The message names the previous briefing.
    """,
    failing="    likelihood: roughly even chance\n    change:\n      from: very unlikely   # it was 'unlikely'\n"
            "      reason: ...",
    passing="    likelihood: roughly even chance\n    change:\n      from: unlikely\n      reason: ...",
)
CHANGE_UNMOVED = code(
    "BRF509", "change-without-move", Severity.WARNING, "A `change` where the likelihood did not move",
    """
    `change` explains a move of the likelihood since the previous assessment. When the
    likelihood is the one of the previous assessment, or there is no previous assessment,
    the block says something that did not happen: remove it (explain a new reasoning in
    `assessment`).
    """,
    failing="    likelihood: unlikely   # also 'unlikely' in the previous briefing\n    change:\n"
            "      from: unlikely\n      reason: ...",
    passing="    likelihood: unlikely\n    assessment: New reporting does not move the line.",
)
RESOLUTION_MISSING = code(
    "BRF510", "resolution-missing", Severity.ERROR, "A resolved question without its `resolution`, or the reverse",
    """
    `status: resolved` needs a `resolution` (`date`, `outcome`: yes, no or annulled, and
    optionally `note` and `cites`); a `resolution` belongs only to a resolved question.
    """,
    failing="    status: resolved",
    passing="    status: resolved\n    resolution:\n      date: 2025-03-01\n      outcome: no",
)
RESOLUTION_EARLY = code(
    "BRF511", "resolution-before-assessment", Severity.ERROR, "A resolution dated before the question was first assessed",
    """
    A question resolves after it was asked: the resolution's date may not be before the
    question's first assessment (the earliest briefing, drafts aside, that assesses it).
    """,
    failing="date: 2024-11-04\n...\n    resolution:\n      date: 2024-10-01\n      outcome: no",
    passing="date: 2024-11-04\n...\n    resolution:\n      date: 2025-03-01\n      outcome: no",
)
RESOLUTION_REVERSED = code(
    "BRF512", "resolution-reversed", Severity.ERROR, "A resolved question reopened or resolved otherwise later",
    """
    Once a briefing resolves a question, later briefings that assess it keep it resolved,
    with the same outcome: a forecast record cannot be rewritten. If the resolution was a
    mistake, correct the briefing that made it.
    """,
    failing="# resolved 'no' in an earlier briefing\n    status: open",
    passing="# resolved 'no' in an earlier briefing\n    status: resolved\n    resolution:\n"
            "      date: 2025-03-01\n      outcome: no",
)
RESOLUTION_LATE = code(
    "BRF515", "resolution-after-briefing", Severity.ERROR, "A resolution dated after the briefing that records it",
    """
    A briefing records a resolution that has happened: its date may not be later than the
    briefing's own. A later date would be a forecast written down as a fact, and it would
    stretch the question's score over days nobody had assessed yet.
    """,
    failing="date: 2025-03-01\n...\n    resolution:\n      date: 2025-06-30\n      outcome: no",
    passing="date: 2025-07-02\n...\n    resolution:\n      date: 2025-06-30\n      outcome: no",
)
SUCCESSOR_MISSING = code(
    "BRF513", "superseded-without-successor", Severity.ERROR, "A superseded briefing that does not name its successor",
    """
    `status: superseded` needs `superseded_by`, the id of the briefing that replaces it,
    so that a reader who lands on the old one is sent on. `superseded_by` is only for a
    superseded briefing.
    """,
    failing="status: superseded",
    passing="status: superseded\nsuperseded_by: eu-rok-security-dialogue-2024-12",
)
BAD_SUCCESSOR = code(
    "BRF514", "unknown-successor", Severity.ERROR, "`superseded_by` names no briefing dated on or after this one",
    """
    `superseded_by` must be the id of another briefing (its file name in `briefings/`
    without `.yaml`) dated on or after the superseded one.
    """,
    failing="date: 2024-11-04\nstatus: superseded\nsuperseded_by: eu-rok-security-dialog",
    passing="date: 2024-11-04\nstatus: superseded\nsuperseded_by: eu-rok-security-dialogue-2024-12",
)
DERIVED_CITED_TOGETHER = code(
    "BRF312", "derived-source-cited-together", Severity.WARNING, "A claim cites a source beside one that re-reports it",
    """
    A source whose `derived_from` names another re-reports it (a wire story reprinted, a
    translation): the two are one report, not two. Citing both for one claim makes the
    claim look better corroborated than it is. Cite the original, or an independent
    source.
    """,
    failing="# sources/daily-reprint.yaml: derived_from: [yonhap-2024-11-03-borrell-seoul]\n"
            "    cites:\n      - source: yonhap-2024-11-03-borrell-seoul\n      - source: daily-reprint",
    passing="    cites:\n      - source: yonhap-2024-11-03-borrell-seoul",
)
UNKNOWN_DERIVED = code(
    "BRF313", "unknown-derived-source", Severity.ERROR, "`derived_from` names a source that does not exist",
    """
    `derived_from` lists the ids of archived sources this one re-reports; each must be
    another source of the repository.
    """,
    failing="derived_from: [yonhap-2024-11-03-borell-seoul]",
    passing="derived_from: [yonhap-2024-11-03-borrell-seoul]",
    failing_file="sources/daily-reprint.yaml",
)

Report = Callable[..., None]
_WEAK = {"D", "E", "F", None}


@dataclass(frozen=True)
class _Assessed:
    """One assessment of an open question: the briefing it is in, and the question there."""

    briefing: Briefing
    question: Question

    @property
    def named(self) -> str:
        return f"briefing '{self.briefing.id}' ({self.briefing.date})"


def check_tradecraft(repo: Repository) -> list[Diagnostic]:
    """Every tradecraft diagnostic of ``repo`` (unsorted)."""
    found: list[Diagnostic] = []

    def report(c, at: Loc, message: str, hint: str = "") -> None:
        found.append(make(c, at.file, at.line, at.column, message, hint))

    by_id = {b.id: b for b in repo.briefings}
    for briefing in repo.briefings:
        _check_basis(repo, briefing, report)
        _check_alternatives(briefing, report)
        _check_derived(repo, briefing, report)
        _check_successor(by_id, briefing, report)
        for at, text in _markdown_fields(briefing):
            _check_combined(repo, at, text, report)
    _check_questions(repo, report)
    _check_sources(repo, report)
    return found


def _check_sources(repo: Repository, report: Report) -> None:
    """``derived_from`` names other sources, and no two re-report each other."""
    for source in repo.sources.values():
        for index, other in enumerate(source.derived_from):
            if other == source.id or other not in repo.sources:
                guess = None if other == source.id else closest(other, [s for s in repo.sources if s != source.id])
                report(UNKNOWN_DERIVED, source.at(f"derived_from.{index}"),
                       f"derived_from names '{other}', " + ("this source itself" if other == source.id
                                                            else "which is not an archived source"),
                       f"did you mean '{guess}'?" if guess else "name the id of the source this one re-reports")
            elif source.id in _originals(repo, other):
                report(UNKNOWN_DERIVED, source.at(f"derived_from.{index}"),
                       f"'{other}' re-reports this source in turn (derived_from): each cannot be the other's origin",
                       "keep derived_from on the source that re-reports, and remove it from the original")


def _check_basis(repo: Repository, briefing: Briefing, report: Report) -> None:
    """Assumptions: linchpins say what if wrong; judgments name existing ones, and rest on
    something; their sources are not all of low reliability."""
    for assumption in briefing.assumptions:
        if assumption.linchpin and not assumption.if_wrong and "if_wrong" not in assumption.broken:
            report(LINCHPIN_WITHOUT_IF_WRONG, assumption.at("linchpin"),
                   f"the linchpin assumption '{assumption.id}' does not say what follows if it is wrong",
                   "add if_wrong: what would happen, and what to watch for")
    known = [a.id for a in briefing.assumptions]
    complete = not any("id" in a.broken for a in briefing.assumptions)
    for judgment in briefing.key_judgments:
        for index, name in enumerate(judgment.assumptions):
            if complete and name not in known:
                guess = closest(name, known)
                report(UNKNOWN_ASSUMPTION, judgment.at(f"assumptions.{index}"),
                       f"assumption '{name}' is not one of this briefing's assumptions",
                       f"did you mean '{guess}'?" if guess else f"add an entry with id: {name} to assumptions")
        if (briefing.status == "published" and not judgment.cites and not judgment.assumptions
                and not judgment.broken & {"cites", "assumptions"}):
            report(UNSUPPORTED_JUDGMENT, judgment.at("judgment"),
                   "this key judgment of a published briefing neither cites a source nor names an assumption",
                   "add cites: with the evidence, or assumptions: with the ids of what it rests on")
        graded = [repo.sources[c.source] for c in judgment.cites if c.source in repo.sources]
        if graded and all(s.reliability in _WEAK for s in graded):
            grades = ", ".join(f"'{s.id}' {s.reliability or 'ungraded'}" for s in graded)
            report(WEAK_SOURCING, judgment.at("cites"),
                   f"every source this key judgment cites is of low or unknown reliability ({grades})",
                   "grade the sources (reliability: A-F), cite a more reliable one, or lower the confidence")


def _check_alternatives(briefing: Briefing, report: Report) -> None:
    for judgment in briefing.key_judgments:
        if not judgment.alternatives:
            continue
        terms = ([("the judgment", judgment.likelihood)] if judgment.likelihood else []) + [
            (f"alternative {n}", a.likelihood) for n, a in enumerate(judgment.alternatives, 1) if a.likelihood]
        total = sum(LIKELIHOOD_RANGES[term][0] for _, term in terms)
        if total > 100:
            shown = ", ".join(f"{what} {term} ({LIKELIHOOD_RANGES[term][0]}-{LIKELIHOOD_RANGES[term][1]}%)"
                              for what, term in terms)
            report(BANDS_EXCEED, judgment.at("alternatives"),
                   f"the judgment and its alternatives are competing outcomes, but their likelihoods add up to "
                   f"at least {total}%: {shown}",
                   "lower a likelihood, or drop an alternative that is not exclusive of the judgment")


def _check_derived(repo: Repository, briefing: Briefing, report: Report) -> None:
    for _, item in briefing.claims():
        cites: list[Citation] = item.cites
        cited = {c.source for c in cites}
        if len(cited) < 2:
            continue
        reported: set[str] = set()
        for citation in cites:
            source = repo.sources.get(citation.source)
            if source is None or source.id in reported:
                continue
            for original in _originals(repo, source.id):
                if original in cited and original != source.id and original not in reported:
                    reported.add(source.id)
                    report(DERIVED_CITED_TOGETHER, citation.at("source"),
                           f"source '{source.id}' re-reports '{original}' (derived_from), which this claim also "
                           "cites: they are one report, not two",
                           f"cite '{original}' alone, or add an independent source")
                    break


def _originals(repo: Repository, source_id: str) -> list[str]:
    """The sources ``source_id`` re-reports, at one remove or more (``derived_from``
    followed), nearest first; a cycle is followed once round."""
    found: list[str] = []
    queue = list(repo.sources[source_id].derived_from) if source_id in repo.sources else []
    while queue:
        other = queue.pop(0)
        if other in found or other not in repo.sources:
            continue
        found.append(other)
        queue.extend(repo.sources[other].derived_from)
    return found


def _check_successor(by_id: dict[str, Briefing], briefing: Briefing, report: Report) -> None:
    if "status" in briefing.broken or "superseded_by" in briefing.broken:
        return
    successor = briefing.superseded_by
    if briefing.status == "superseded" and successor is None:
        report(SUCCESSOR_MISSING, briefing.at("status"), "a superseded briefing must name its successor",
               "add superseded_by: <id of the briefing that replaces this one>")
        return
    if successor is None:
        return
    if briefing.status != "superseded":
        report(SUCCESSOR_MISSING, briefing.at("superseded_by"),
               f"superseded_by is given, but the status is '{briefing.status}'",
               "set status: superseded, or remove superseded_by")
        return
    found = by_id.get(successor)
    at = briefing.at("superseded_by")
    if found is None or found is briefing:
        others = [b for b in by_id if b != briefing.id]
        guess = None if found is briefing else closest(successor, others)
        report(BAD_SUCCESSOR, at, f"superseded_by names '{successor}', "
               + ("this briefing itself" if found is briefing else "which is not a briefing of the repository"),
               f"did you mean '{guess}'?" if guess else "name the id of the briefing that replaces this one")
    elif found.date and briefing.date and found.date < briefing.date:
        report(BAD_SUCCESSOR, at, f"the successor '{successor}' is dated {found.date}, before this briefing "
               f"({briefing.date})", "a briefing is superseded by a later one: check the id and both dates")
    else:
        chain, seen = [successor], {briefing.id}
        while found is not None and found.status == "superseded" and found.superseded_by and found.id not in seen:
            seen.add(found.id)
            chain.append(found.superseded_by)
            found = by_id.get(found.superseded_by)
        if found is not None and found.id in seen:
            report(BAD_SUCCESSOR, at, "the chain of successors comes back round: " + " -> ".join([briefing.id, *chain]),
                   "the last briefing of a chain replaces the others and is not superseded itself")


# -- open questions across briefings -----------------------------------------------------

def _check_questions(repo: Repository, report: Report) -> None:
    """Change of analytic line and resolutions, question by question, in date order."""
    assessed: dict[str, list[_Assessed]] = {}
    for briefing in repo.briefings:
        if briefing.date is None:
            continue
        for question in briefing.open_questions:
            if "id" not in question.broken:
                assessed.setdefault(question.id, []).append(_Assessed(briefing, question))
    for line in assessed.values():
        line.sort(key=lambda a: (a.briefing.date, a.briefing.id))
        counted = [a for a in line if a.briefing.status != "draft"]
        days = [a.briefing.date for a in counted]  # (in order: what is earlier is found by bisection)
        for current in line:
            before = bisect.bisect_left(days, current.briefing.date)
            earlier = counted[:before]
            previous = earlier[-1] if earlier else None
            tied = [a for a in counted[bisect.bisect_left(days, previous.briefing.date):before]
                    if a.question.likelihood != previous.question.likelihood] if previous else []
            same_day = counted[before:bisect.bisect_right(days, current.briefing.date)]
            _check_change(current, previous, report, tied)
            _check_resolution(current, counted, earlier, report, same_day)
    for briefing in repo.briefings:
        if briefing.date is None:  # (its date is broken: only the one-briefing rules)
            for question in briefing.open_questions:
                _check_resolution(_Assessed(briefing, question), [], [], report, [])


def _check_change(current: _Assessed, previous: _Assessed | None, report: Report,
                  tied: list[_Assessed] = ()) -> None:
    """``previous``: the assessment a change is measured from (the last of its day by
    briefing id); ``tied``: others of that day that give another likelihood, which the
    messages name, since the day's record disagrees with itself."""
    question = current.question
    change = question.change
    also = "".join(f"; the same day, briefing '{a.briefing.id}' gives '{a.question.likelihood}'" for a in tied)
    if "likelihood" in question.broken:
        return
    if question.likelihood is None:
        if change is not None:
            report(CHANGE_UNMOVED, question.at("change"),
                   f"question '{question.id}' gives no likelihood, so it has none that moved",
                   "add the likelihood, or remove change:")
        return
    before = previous.question.likelihood if previous is not None else None
    if before is None:
        if change is not None:
            report(CHANGE_UNMOVED, question.at("change"),
                   f"question '{question.id}' has no earlier assessment with a likelihood to change from"
                   + (f" (the previous one, in {previous.named}, gives none)" if previous else ""),
                   "remove change:, or say in assessment: how the line was reached")
        return
    if before == question.likelihood:
        if change is not None:
            report(CHANGE_UNMOVED, question.at("change"),
                   f"the likelihood of '{question.id}' did not move: it is '{before}' here and in "
                   f"{previous.named}{also}", "remove change:, or correct the likelihood")
        return
    if change is None:
        if "change" not in question.broken:
            report(CHANGE_MISSING, question.at("likelihood"),
                   f"the likelihood of '{question.id}' moved from '{before}' in {previous.named} to "
                   f"'{question.likelihood}', and nothing says why{also}",
                   f'add under the question: change: {{from: {before}, reason: "why the judgment moved"}}')
    elif change.from_ != before and "from" not in change.broken:
        report(CHANGE_FROM_WRONG, change.at("from"),
               f"change.from is '{change.from_}', but the previous assessment of '{question.id}', in "
               f"{previous.named}, is '{before}'{also}", f"write from: {before}")


def _check_resolution(current: _Assessed, counted: list[_Assessed], earlier: list[_Assessed],
                      report: Report, same_day: list[_Assessed]) -> None:
    """``counted``: the question's non-draft assessments in date order; ``earlier``: those
    dated before ``current``; ``same_day``: those of its date."""
    question, resolution = current.question, current.question.resolution
    if "status" in question.broken or "resolution" in question.broken:
        return
    if question.status == "resolved" and resolution is None:
        report(RESOLUTION_MISSING, question.at("status"), f"question '{question.id}' is resolved but has no resolution",
               "add resolution: with date: and outcome: (yes, no or annulled)")
    elif question.status != "resolved" and resolution is not None:
        report(RESOLUTION_MISSING, question.at("resolution"),
               f"question '{question.id}' has a resolution, but its status is '{question.status}'",
               "set status: resolved, or remove the resolution")
    dates = [counted[0].briefing.date] if counted else []
    dates += [current.briefing.date] if current.briefing.date else []
    if resolution is not None and resolution.date and dates and resolution.date < min(dates):
        first = min(dates)
        report(RESOLUTION_EARLY, resolution.at("date"),
               f"the resolution is dated {resolution.date}, before the question's first assessment ({first})",
               "check the resolution's date")
    if resolution is not None and resolution.date and current.briefing.date \
            and resolution.date > current.briefing.date:
        report(RESOLUTION_LATE, resolution.at("date"),
               f"the resolution is dated {resolution.date}, after this briefing ({current.briefing.date})",
               "record the resolution in a briefing dated on or after the day it resolved, or correct its date")
    same_day = [a for a in same_day if a is not current and resolution is not None
                and a.question.resolution is not None]
    settled = next((a for a in earlier + same_day if a.question.status == "resolved"
                    and a.question.resolution is not None and a.question.resolution.outcome), None)
    if settled is None:
        return
    outcome = settled.question.resolution.outcome
    if question.status != "resolved":
        report(RESOLUTION_REVERSED, question.at("status"),
               f"question '{question.id}' was resolved '{outcome}' in {settled.named}; it stays resolved",
               f"write status: resolved with the same resolution (outcome: {outcome})")
    elif resolution is not None and resolution.outcome and resolution.outcome != outcome:
        report(RESOLUTION_REVERSED, resolution.at("outcome"),
               f"question '{question.id}' was resolved '{outcome}' in {settled.named}, not '{resolution.outcome}'",
               f"write outcome: {outcome}, or correct the earlier briefing")


# -- likelihood and confidence in one sentence -------------------------------------------

_TERMS = "|".join(sorted((re.escape(t) for t in LIKELIHOOD_RANGES), key=len, reverse=True))
_LIKELIHOOD_TERM = re.compile(rf"(?<![\w-])(?:{_TERMS}|almost certainly)(?![\w-])", re.IGNORECASE)
_CONFIDENCE_LEVEL = re.compile(
    r"(?<![\w-])(?:(?:low|moderate|high)[\s-]+confidence|confidence\s+(?:is|was|remains|stays)\s+"
    r"(?:low|moderate|high))(?![\w-])", re.IGNORECASE)
_SENTENCE = re.compile(r"[^.!?\n]*(?:[.!?]+|\n|$)")  # (a line break alone is a paragraph's end)
_LINE_BREAK = re.compile(r"(?<!\n)\n(?![ \t]*\n)")  # one inside a paragraph


def _markdown_fields(briefing: Briefing) -> Iterator[tuple[Loc, str]]:
    """Every Markdown field of ``briefing`` with where its value starts."""
    def fields(record: Record, *keys: str) -> Iterator[tuple[Loc, str]]:
        for key in keys:
            value = getattr(record, key, None)
            if isinstance(value, str):
                yield record.at(key), value

    yield from fields(briefing, "summary", "implications")
    for item in briefing.positions:
        yield from fields(item, "stance")
    for item in briefing.assumptions:
        yield from fields(item, "assumption", "if_wrong")
    for judgment in briefing.key_judgments:
        yield from fields(judgment, "judgment")
        for alternative in judgment.alternatives:
            yield from fields(alternative, "hypothesis")
    for question in briefing.open_questions:
        yield from fields(question, "assessment", "criteria")
        if question.change is not None:
            yield from fields(question.change, "reason")
        if question.resolution is not None:
            yield from fields(question.resolution, "note")
    for event in briefing.timeline:
        yield from fields(event, "event")


def _check_combined(repo: Repository, at: Loc, text: str, report: Report) -> None:
    if "onfidence" not in text and "ONFIDENCE" not in text:
        return  # (the common case, told by a plain search)
    if not _CONFIDENCE_LEVEL.search(text) or not _LIKELIHOOD_TERM.search(text):
        return
    for sentence in _SENTENCE.finditer(_LINE_BREAK.sub(" ", text)):
        words = sentence.group()
        term, level = _LIKELIHOOD_TERM.search(words), _CONFIDENCE_LEVEL.search(words)
        if term and level:
            report(COMBINED_EXPRESSION, _where(repo, at, words.strip()),
                   f"this sentence states both a likelihood ('{term.group()}') and a confidence level "
                   f"('{level.group()}'): \"{_shorten(words.strip())}\"",
                   "state the confidence in a sentence of its own (ICD 203)")


def _where(repo: Repository, at: Loc, sentence: str) -> Loc:
    """The line and column of ``sentence`` in the file, looked for from the field's value
    (a block scalar spreads a sentence over lines); the field's position when not found."""
    words = sentence.split()[:4]
    if not words:
        return at
    try:
        lines = (repo.root / at.file).read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError):
        return at
    text = "\n".join(lines[at.line - 1:])
    found = re.compile(r"\s+".join(map(re.escape, words))).search(text, at.column - 1)
    if found is None:
        return at
    before = text[:found.start()]
    return Loc(at.file, at.line + before.count("\n"), found.start() - (before.rfind("\n") + 1) + 1)


def _shorten(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
