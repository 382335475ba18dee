"""Cross-references of a repository: what the pages need to link everything together.

Built from checked records (and a marking ceiling for public builds), it numbers each
briefing's citations, finds each quoted passage in its source, and gathers actors,
questions and tags across briefings. It knows nothing of HTML or MkDocs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from . import quotes
from .model import (Actor, Briefing, Citation, Position, Question, Source, TLP_ORDER,
                    marking_rank)
from .repo import Repository


@dataclass
class Passage:
    """A cited stretch of a source: one or more spans (elided quotes have several)."""

    id: str
    spans: list[tuple[int, int]]
    quote: str | None
    cited_by: list["Cite"] = field(default_factory=list)

    @property
    def start(self) -> int:
        return self.spans[0][0]


@dataclass
class Cite:
    """One citation of a briefing, numbered in reading order; ``passage``: where it
    points in its source's text (found when first asked for: see :class:`Passages`)."""

    number: int
    briefing: Briefing
    citation: Citation
    source: Source
    located: Passage | None = None
    passages: "Passages | None" = field(default=None, repr=False, compare=False)

    @property
    def passage(self) -> Passage | None:
        if self.passages is not None:
            self.passages.get(self.source.id)  # (finds those of its source, once)
        return self.located


class Passages(Mapping):
    """The cited passages of each source, in text order, found in its text when first
    asked for: a build that renders a few pages maps the texts of their sources only.

    ``pending``: by source id, the citations that point into its text (by quote or
    lines), newest briefing first, the order in which a passage lists its citers.
    ``mapped`` caches each text's quote map between builds (keyed by the text)."""

    def __init__(self, sources: dict[str, Source], pending: dict[str, list[Cite]],
                 mapped: dict[str, quotes.Mapped] | None = None) -> None:
        self.sources, self.pending, self.mapped = sources, pending, mapped
        self.found: dict[str, list[Passage]] = {}

    def __getitem__(self, source_id: str) -> list[Passage]:
        found = self.found.get(source_id)
        if found is None:
            if source_id not in self.pending:
                raise KeyError(source_id)
            found = self.found[source_id] = self._find(source_id)
        return found

    def __iter__(self):
        return iter(self.pending)

    def __len__(self) -> int:
        return len(self.pending)

    def of(self, source_id: str) -> "SourcePassages":
        """The passages of one source, found only once a page uses them."""
        return SourcePassages(self, source_id)

    def cited(self, source_id: str) -> int:
        """How many citations point into the source's text (each has its passage)."""
        return len(self.pending.get(source_id, ()))

    def _find(self, source_id: str) -> list[Passage]:
        # The text's normal form (as long as the text) is let go of once its passages are
        # found, unless the preview keeps them all in ``mapped`` between rebuilds.
        text = self.sources[source_id].text or ""
        mapped = self.mapped.get(text) if self.mapped is not None else None
        passages: dict[tuple[int, int], Passage] = {}
        for cite in self.pending[source_id]:
            if cite.citation.quote is not None:
                if mapped is None:
                    mapped = quotes.Mapped.build(text)
                    if self.mapped is not None:
                        self.mapped[text] = mapped
                spans = mapped.locate(cite.citation.quote)
            else:
                first, last = quotes.parse_lines(cite.citation.lines)
                span = quotes.line_span(text, first, last)
                spans = [span] if span else None
            if spans:
                key = (spans[0][0], spans[-1][1])
                passage = passages.get(key)
                if passage is None:
                    passage = passages[key] = Passage(f"passage-{key[0]}-{key[1]}", spans, cite.citation.quote)
                passage.cited_by.append(cite)
                cite.located = passage
        return sorted(passages.values(), key=lambda p: p.spans[0])


class SourcePassages(Sequence):
    """The cited passages of one source (see :class:`Passages`), found when first used."""

    def __init__(self, passages: Passages, source_id: str) -> None:
        self.passages, self.source_id = passages, source_id

    def __getitem__(self, at):
        return self.passages.get(self.source_id, [])[at]

    def __len__(self) -> int:
        return len(self.passages.get(self.source_id, []))


@dataclass
class ActorEntry:
    id: str
    actor: Actor  # as described by the newest briefing
    positions: list[tuple[Briefing, Position]] = field(default_factory=list)
    briefings: list[Briefing] = field(default_factory=list)


@dataclass
class QuestionEntry:
    id: str
    question: str  # as worded by the newest briefing
    assessments: list[tuple[Briefing, Question]] = field(default_factory=list)  # newest first

    @property
    def latest(self) -> Question:
        return self.assessments[0][1]


@dataclass
class SiteIndex:
    briefings: list[Briefing]  # newest first
    sources: dict[str, Source]
    by_briefing: dict[str, list[Cite]]  # each briefing's citations, numbered
    passages: Passages  # by source id, in text order
    actors: dict[str, ActorEntry]
    questions: dict[str, QuestionEntry]
    tags: dict[str, list[Briefing]]
    max_marking: str
    citing: dict[str, list[Briefing]] = field(default_factory=dict)  # by source id, newest first
    #: by briefing id, the briefings that name it as their ``superseded_by``, newest first
    supersedes: dict[str, list[Briefing]] = field(default_factory=dict)
    _cites: dict[int, Cite] | None = field(default=None, repr=False)
    _by_id: dict[str, Briefing] | None = field(default=None, repr=False)

    def briefing(self, briefing_id: str | None) -> Briefing | None:
        """The briefing of that id, ``None`` when there is none (or it was left out of the build)."""
        if self._by_id is None:
            self._by_id = {b.id: b for b in self.briefings}
        return self._by_id.get(briefing_id) if briefing_id else None

    def successor(self, briefing: Briefing) -> Briefing | None:
        """The briefing that supersedes ``briefing``, when it is in the build."""
        return self.briefing(briefing.superseded_by)

    def cite_of(self, briefing: Briefing, citation: Citation) -> Cite:
        """The numbered citation of ``briefing`` that is ``citation``."""
        if self._cites is None:
            self._cites = {id(c.citation): c for cites in self.by_briefing.values() for c in cites}
        return self._cites[id(citation)]

    def sources_of(self, briefing: Briefing) -> list[Source]:
        seen: dict[str, Source] = {}
        for cite in self.by_briefing[briefing.id]:
            seen.setdefault(cite.source.id, cite.source)
        return list(seen.values())

    def briefings_citing(self, source_id: str) -> list[Briefing]:
        """The briefings that cite the source, newest first."""
        return self.citing.get(source_id, [])


def _newest_first(briefing: Briefing) -> tuple:
    return (-(briefing.date or dt.date.min).toordinal(), briefing.id)


def timeline(briefing: Briefing) -> list:
    """The briefing's events in date order (as the page shows them)."""
    return sorted(briefing.timeline, key=lambda event: event.date or dt.date.min)


def reading_order(briefing: Briefing) -> list[Citation]:
    """The briefing's citations in the order a reader meets them on its page: each key
    judgment's, then its alternatives'; the assumptions'; the positions'; each open
    question's, then its resolution's; the timeline's (every one of
    :meth:`.Briefing.citations`)."""
    found: list[Citation] = []
    for judgment in briefing.key_judgments:
        found.extend(judgment.cites)
        for alternative in judgment.alternatives:
            found.extend(alternative.cites)
    for item in (*briefing.assumptions, *briefing.positions):
        found.extend(item.cites)
    for question in briefing.open_questions:
        found.extend(question.cites)
        if question.resolution is not None:
            found.extend(question.resolution.cites)
    for event in timeline(briefing):
        found.extend(event.cites)
    return found


def build_index(repo: Repository, max_marking: str = TLP_ORDER[-1],
                mapped: dict[str, quotes.Mapped] | None = None) -> SiteIndex:
    """Cross-reference the records of ``repo`` whose marking is at most ``max_marking``.

    ``mapped`` caches each source text's quote map between builds (keyed by the text).
    """
    ceiling = marking_rank(max_marking)
    sources = {sid: s for sid, s in sorted(repo.sources.items()) if marking_rank(s.marking) <= ceiling}
    briefings = sorted((b for b in repo.briefings if marking_rank(b.marking) <= ceiling), key=_newest_first)

    by_briefing: dict[str, list[Cite]] = {}
    citing: dict[str, list[Briefing]] = {}
    pending: dict[str, list[Cite]] = {}  # by source id: the citations that point into its text
    passages = Passages(sources, pending, mapped)
    for briefing in briefings:
        numbered = []
        for citation in reading_order(briefing):
            source = sources.get(citation.source)
            if source is None:  # left out of a public build, or never existed (checked earlier)
                continue
            cite = Cite(len(numbered) + 1, briefing, citation, source)
            numbered.append(cite)
            if citation.quote is not None or citation.lines is not None:
                pending.setdefault(source.id, []).append(cite)
                cite.passages = passages
        by_briefing[briefing.id] = numbered
        for cite in numbered:
            cited = citing.setdefault(cite.source.id, [])
            if not cited or cited[-1] is not briefing:
                cited.append(briefing)  # briefings come newest first

    actors: dict[str, ActorEntry] = {}
    questions: dict[str, QuestionEntry] = {}
    tags: dict[str, list[Briefing]] = {}
    supersedes: dict[str, list[Briefing]] = {}
    for briefing in briefings:  # newest first, so the first description seen is the newest
        for actor in briefing.key_actors:
            entry = actors.setdefault(actor.id, ActorEntry(actor.id, actor))
            entry.briefings.append(briefing)
        for position in briefing.positions:
            if position.actor in actors:
                actors[position.actor].positions.append((briefing, position))
        for question in briefing.open_questions:
            qentry = questions.setdefault(question.id, QuestionEntry(question.id, question.question))
            qentry.assessments.append((briefing, question))
        for tag in briefing.tags:
            tags.setdefault(tag, []).append(briefing)
        if briefing.superseded_by:
            supersedes.setdefault(briefing.superseded_by, []).append(briefing)
    for entry in actors.values():
        entry.positions.sort(key=lambda bp: (bp[1].date or bp[0].date or dt.date.min, bp[0].id))

    return SiteIndex(
        briefings=briefings,
        sources=sources,
        by_briefing=by_briefing,
        passages=passages,
        actors=dict(sorted(actors.items(), key=lambda kv: kv[1].actor.name.lower())),
        questions=dict(sorted(questions.items())),
        tags=dict(sorted(tags.items())),
        max_marking=max_marking,
        citing=citing,
        supersedes=supersedes,
    )

