"""The records a repository holds, as typed values that keep where they were written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

TLP_ORDER = ("TLP:CLEAR", "TLP:GREEN", "TLP:AMBER", "TLP:AMBER+STRICT", "TLP:RED")
LIKELIHOODS = (
    "almost no chance", "very unlikely", "unlikely", "roughly even chance",
    "likely", "very likely", "almost certain",
)
#: ICD 203 percentage bands for each likelihood term.
LIKELIHOOD_BANDS = {
    "almost no chance": "1-5%", "very unlikely": "5-20%", "unlikely": "20-45%",
    "roughly even chance": "45-55%", "likely": "55-80%", "very likely": "80-95%",
    "almost certain": "95-99%",
}
CONFIDENCES = ("low", "moderate", "high")
STATUSES = ("draft", "published", "superseded")
QUESTION_STATUSES = ("open", "resolved", "dropped")
RELIABILITIES = ("A", "B", "C", "D", "E", "F")
#: ICD 203 bands as whole percentages (low, high); scores use :data:`LIKELIHOOD_MIDPOINTS`.
LIKELIHOOD_RANGES = {
    "almost no chance": (1, 5), "very unlikely": (5, 20), "unlikely": (20, 45),
    "roughly even chance": (45, 55), "likely": (55, 80), "very likely": (80, 95),
    "almost certain": (95, 99),
}
LIKELIHOOD_MIDPOINTS = {
    "almost no chance": 0.03, "very unlikely": 0.125, "unlikely": 0.325,
    "roughly even chance": 0.50, "likely": 0.675, "very likely": 0.875, "almost certain": 0.97,
}
OUTCOMES = ("yes", "no", "annulled")
CREDIBILITIES = ("1", "2", "3", "4", "5", "6")
CREDIBILITY_MEANINGS = {
    "1": "Confirmed by other sources", "2": "Probably true", "3": "Possibly true",
    "4": "Doubtful", "5": "Improbable", "6": "Truth cannot be judged",
}
RELIABILITY_MEANINGS = {
    "A": "Completely reliable", "B": "Usually reliable", "C": "Fairly reliable",
    "D": "Not usually reliable", "E": "Unreliable", "F": "Reliability cannot be judged",
}


def marking_rank(marking: str) -> int:
    """Position of a TLP label in the order CLEAR < GREEN < AMBER < AMBER+STRICT < RED."""
    return TLP_ORDER.index(marking)


class Loc(NamedTuple):
    """A 1-based position in a repository-relative file."""

    file: str
    line: int
    column: int


@dataclass(slots=True)
class Record:
    """Base of every record: where it starts, and where each of its keys' values is."""

    loc: Loc
    locs: dict[str, Loc] = field(default_factory=dict, repr=False)
    broken: frozenset[str] = frozenset()  # keys whose value was missing or invalid

    def at(self, key: str) -> Loc:
        """Where the value of ``key`` was written (the record itself when absent)."""
        return self.locs.get(key, self.loc)


@dataclass(slots=True)
class Citation(Record):
    source: str = ""
    quote: str | None = None
    lines: str | None = None
    page: str | None = None  # of a source made from a PDF: "3" or "3-4"
    credibility: str | None = None  # Admiralty information credibility "1".."6"
    note: str | None = None


@dataclass(slots=True)
class Actor(Record):
    id: str = ""
    name: str = ""
    role: str | None = None
    affiliation: str | None = None


@dataclass(slots=True)
class Position(Record):
    actor: str = ""
    on: str = ""
    stance: str = ""
    date: dt.date | None = None
    cites: list[Citation] = field(default_factory=list)


@dataclass(slots=True)
class Assumption(Record):
    id: str = ""
    assumption: str = ""
    linchpin: bool = False
    if_wrong: str | None = None
    cites: list[Citation] = field(default_factory=list)


@dataclass(slots=True)
class Alternative(Record):
    hypothesis: str = ""
    likelihood: str | None = None
    indicators: list[str] = field(default_factory=list)
    cites: list[Citation] = field(default_factory=list)


@dataclass(slots=True)
class Judgment(Record):
    id: str | None = None
    judgment: str = ""
    likelihood: str | None = None
    confidence: str | None = None
    assumptions: list[str] = field(default_factory=list)
    alternatives: list[Alternative] = field(default_factory=list)
    cites: list[Citation] = field(default_factory=list)


@dataclass(slots=True)
class Change(Record):
    """Why an open question's likelihood moved since its previous assessment."""

    from_: str = ""  # written ``from:``
    reason: str = ""


@dataclass(slots=True)
class Resolution(Record):
    date: dt.date | None = None
    outcome: str = ""
    note: str | None = None
    cites: list[Citation] = field(default_factory=list)


@dataclass(slots=True)
class Question(Record):
    id: str = ""
    question: str = ""
    status: str = "open"
    likelihood: str | None = None
    confidence: str | None = None
    assessment: str | None = None
    indicators: list[str] = field(default_factory=list)
    change: Change | None = None
    criteria: str | None = None
    resolves_by: dt.date | None = None
    resolution: Resolution | None = None
    cites: list[Citation] = field(default_factory=list)


@dataclass(slots=True)
class Event(Record):
    date: dt.date | None = None
    event: str = ""
    cites: list[Citation] = field(default_factory=list)


@dataclass(slots=True)
class Briefing(Record):
    id: str = ""
    title: str = ""
    date: dt.date | None = None
    status: str = "draft"
    marking: str = "TLP:CLEAR"
    authors: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    summary: str = ""
    key_actors: list[Actor] = field(default_factory=list)
    positions: list[Position] = field(default_factory=list)
    assumptions: list[Assumption] = field(default_factory=list)
    key_judgments: list[Judgment] = field(default_factory=list)
    open_questions: list[Question] = field(default_factory=list)
    timeline: list[Event] = field(default_factory=list)
    implications: str | None = None
    superseded_by: str | None = None

    def claims(self) -> Iterator[tuple[str, Record]]:
        """Every item of the briefing that cites, with the section it belongs to (a
        judgment's alternatives and a question's resolution count in their item's section)."""
        for section in ("positions", "assumptions", "key_judgments", "open_questions", "timeline"):
            for item in getattr(self, section):
                yield section, item
                for alternative in getattr(item, "alternatives", ()):
                    yield section, alternative
                resolution = getattr(item, "resolution", None)
                if resolution is not None:
                    yield section, resolution

    def citations(self) -> list[tuple[str, Citation]]:
        """Every citation of the briefing with the section it belongs to (see :meth:`claims`)."""
        return [(section, c) for section, item in self.claims() for c in item.cites]


@dataclass(slots=True)
class Source(Record):
    id: str = ""
    title: str = ""
    published: dt.date | None = None
    publisher: str | None = None
    url: str | None = None
    retrieved: dt.date | None = None
    language: str = "en"
    reliability: str | None = None
    marking: str = "TLP:CLEAR"
    sha256: str | None = None
    original: str | None = None  # <id>.html or <id>.pdf, kept beside the text
    original_sha256: str | None = None
    extracted_with: str | None = None
    derived_from: list[str] = field(default_factory=list)  # ids of sources this one re-reports
    text: str | None = None
    text_file: str = ""
