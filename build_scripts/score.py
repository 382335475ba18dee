"""The forecast record (SPEC 7): Brier scores of resolved questions, by team and by author,
and calibration of each ICD 203 term.

A question is scored once resolved ``yes`` or ``no``. Its forecast on each day, from its
first assessment (included) to its resolution date (excluded), is the midpoint of the
likelihood of the latest assessment dated on or before that day (drafts left out); its
score is the mean of (p - o)² over those days. :func:`score` takes the briefings as a
build publishes them, so that a public build scores only what it publishes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from .model import LIKELIHOOD_BANDS, LIKELIHOOD_MIDPOINTS, LIKELIHOODS, Briefing, Question, Resolution
from .report import printable


@dataclass(frozen=True)
class Assessment:
    """One non-draft assessment of a question that counts towards its score."""

    date: dt.date
    likelihood: str
    briefing: Briefing


@dataclass
class Scored:
    """A resolved question with its score."""

    id: str
    question: str
    outcome: str
    resolved: dt.date
    assessments: list[Assessment]
    brier: float

    @property
    def first(self) -> dt.date:
        return self.assessments[0].date

    @property
    def days(self) -> int:
        return (self.resolved - self.first).days

    def as_dict(self) -> dict:
        return {"id": self.id, "outcome": self.outcome, "resolved": self.resolved.isoformat(),
                "first": self.first.isoformat(), "days": self.days, "assessments": len(self.assessments),
                "brier": round(self.brier, 4)}


@dataclass
class TrackRecord:
    """The team's forecast record."""

    questions: list[Scored] = field(default_factory=list)
    authors: list[tuple[str, float, int]] = field(default_factory=list)  # name, Brier, questions
    calibration: list[tuple[str, int, int]] = field(default_factory=list)  # term, assessments, yes

    @property
    def brier(self) -> float | None:
        return sum(q.brier for q in self.questions) / len(self.questions) if self.questions else None

    def as_dict(self) -> dict:
        return {
            "questions": [q.as_dict() for q in self.questions],
            "brier": None if self.brier is None else round(self.brier, 4),
            "authors": [{"name": name, "brier": round(brier, 4), "questions": n} for name, brier, n in self.authors],
            "calibration": [{"likelihood": term, "midpoint": LIKELIHOOD_MIDPOINTS[term], "assessments": n, "yes": yes}
                            for term, n, yes in self.calibration],
        }


def brier(assessments: list[Assessment], outcome: str, resolved: dt.date) -> float | None:
    """The mean daily (p - o)² from the first assessment to ``resolved`` (excluded);
    ``None`` when there is no day to score (resolved on or before the first assessment)."""
    o = 1.0 if outcome == "yes" else 0.0
    total, days, current = 0.0, 0, 0
    day = assessments[0].date
    while day < resolved:
        while current + 1 < len(assessments) and assessments[current + 1].date <= day:
            current += 1
        total += (LIKELIHOOD_MIDPOINTS[assessments[current].likelihood] - o) ** 2
        days += 1
        day += dt.timedelta(days=1)
    return total / days if days else None


@dataclass
class Line:
    """A question's estimates over time, as its score counts them: each assessment is held
    from its date until the next one's, and the last until :attr:`end`."""

    id: str
    question: str  # as worded by its newest assessment
    assessments: list[Assessment]  # oldest first: non-draft, with a likelihood, before the resolution
    resolution: Resolution | None  # the first recorded, when the question is resolved

    @property
    def end(self) -> dt.date:
        """The resolution date of a resolved question (excluded from the score, as from the
        chart); otherwise the day after the latest assessment."""
        if self.resolution is not None:
            return self.resolution.date
        return self.assessments[-1].date + dt.timedelta(days=1)

    def held(self) -> list[tuple[Assessment, dt.date]]:
        """Each assessment with the date up to which it holds (excluded)."""
        ends = [a.date for a in self.assessments[1:]] + [self.end]
        return list(zip(self.assessments, ends))


def line(assessed: Iterable[tuple[Briefing, Question]]) -> Line | None:
    """The estimates over time of one question from its ``(briefing, question)`` assessments
    in any order, drafts and undated briefings left out; ``None`` when none is left."""
    kept = sorted(((b, q) for b, q in assessed if b.status != "draft" and b.date is not None),
                  key=lambda bq: (bq[0].date, bq[0].id))
    if not kept:
        return None
    resolution = next((q.resolution for _, q in kept if q.status == "resolved" and q.resolution is not None
                       and q.resolution.date is not None), None)
    counted = [Assessment(b.date, q.likelihood, b) for b, q in kept
               if q.likelihood is not None and (resolution is None or b.date < resolution.date)]
    return Line(kept[-1][1].id, kept[-1][1].question, counted, resolution)


def score(briefings: Iterable[Briefing]) -> TrackRecord:
    """The forecast record of ``briefings`` (those of a build: a public one's only)."""
    by_question: dict[str, list[tuple[Briefing, Question]]] = {}
    for briefing in briefings:
        for question in briefing.open_questions:
            by_question.setdefault(question.id, []).append((briefing, question))
    record = TrackRecord()
    for qid in sorted(by_question):
        found = line(by_question[qid])
        if found is None or not found.assessments or found.resolution is None \
                or found.resolution.outcome not in ("yes", "no"):
            continue
        value = brier(found.assessments, found.resolution.outcome, found.resolution.date)
        if value is not None:
            record.questions.append(Scored(qid, found.question, found.resolution.outcome, found.resolution.date,
                                           found.assessments, value))
    authors: dict[str, list[float]] = {}
    for scored in record.questions:
        for name in dict.fromkeys(a for assessment in scored.assessments for a in assessment.briefing.authors):
            authors.setdefault(name, []).append(scored.brier)
    record.authors = [(name, sum(values) / len(values), len(values)) for name, values in sorted(authors.items())]
    for term in LIKELIHOODS:
        made = [(a, q) for q in record.questions for a in q.assessments if a.likelihood == term]
        record.calibration.append((term, len(made), sum(q.outcome == "yes" for _, q in made)))
    return record


def as_text(record: TrackRecord) -> str:
    """A readable table of the scored questions, each with its assessments over time, the
    team's and each author's score, and the calibration of each term."""
    if not record.questions:
        return "No question is scored yet: a question is scored once it is resolved yes or no.\n"
    out = [f"{'question':40} {'outcome':7} {'first':10} {'resolved':10} {'days':>5} {'brier':>6}"]
    for q in record.questions:
        out.append(f"{q.id[:40]:40} {q.outcome:7} {q.first} {q.resolved} {q.days:>5} {q.brier:>6.4f}")
        out.extend(f"    {a.date}  {a.likelihood:20} ({LIKELIHOOD_MIDPOINTS[a.likelihood]:g})  {a.briefing.id}"
                   for a in q.assessments)
    out.append("")
    out.append(f"Team Brier score: {record.brier:.4f} over {len(record.questions)} "
               f"question{'s' if len(record.questions) != 1 else ''} (0 is perfect; always answering "
               "'roughly even chance' scores 0.25)")
    out.extend(f"  {printable(name)}: {value:.4f} over {n} question{'s' if n != 1 else ''}"
               for name, value, n in record.authors)  # (a name is the analysts' text: no escape codes)
    out.append("")
    out.append(f"{'likelihood':20} {'band':>7} {'assessments':>11} {'came true':>9}")
    for term, n, yes in record.calibration:
        share = f"{yes / n:.0%}" if n else "-"
        out.append(f"{term:20} {LIKELIHOOD_BANDS[term]:>7} {n:>11} {share:>9}")
    return "\n".join(out) + "\n"
