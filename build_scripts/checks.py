"""Checks across records: citations, quotes, actors, ids and markings.

:func:`check_repository` is the whole verdict on a repository: the loading diagnostics
plus everything found here, sorted by file, line, column and code.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field

from . import quotes, tradecraft
from .capture import pages as pdf_pages
from .diagnostics import Diagnostic, Severity, code, make
from .model import Briefing, Citation, Loc, marking_rank
from .repo import Repository
from .schema import closest

UNKNOWN_SOURCE = code(
    "BRF301", "unknown-source", Severity.ERROR, "A citation names a source that does not exist",
    """
    `source` must be the id of an archived source: the name of a `sources/<id>.txt`
    file without its extension. The message suggests the closest existing id.
    """,
    failing="cites:\n  - source: yonhap-2024-11-03-borell-seoul\n    quote: to the next level",
    passing="cites:\n  - source: yonhap-2024-11-03-borrell-seoul\n    quote: to the next level",
)
QUOTE_NOT_FOUND = code(
    "BRF302", "quote-not-found", Severity.ERROR, "A quote does not occur in its source",
    """
    Every quote must be the source's own words. Before comparing, both are normalised:
    invisible format characters (soft hyphen, zero-width space and joiners) are dropped,
    then Unicode NFKC, runs of white space to one space, typographic quotes to `"` and
    `'`, every dash (and `--`) to `-`, and case. Spelling is not normalised:
    "Demilitarized" does not match "Demilitarised". An elision mark (`...`, `…`, `[...]`)
    splits the quote into parts that must all occur, in order.

    A quote (and each part of an elided one) must begin and end at word boundaries of
    the source: "lawful, the minister said" does not occur in "unlawful, the minister
    said". In scripts written without spaces between words (Chinese, Japanese, Thai, Lao,
    Khmer, Myanmar) every character boundary is a word boundary.

    A hyphen or soft hyphen that ends a line of the source between two letters is
    line-end hyphenation, read as one word: "secu-⏎rity" matches `security` and
    `secu-rity`.

    The hint shows the closest passage of the source, with its line and similarity (or
    the source's words when the quote occurs only inside a word), names a character that
    looks like another but is not (a Cyrillic `а` for a Latin `a`) by its code point, and
    names any other source in which the quote occurs word for word.
    """,
    failing="cites:\n  - source: yonhap-2024-11-03-borrell-seoul\n"
            "    quote: My visit today of the Demilitarized Zone",
    passing="cites:\n  - source: yonhap-2024-11-03-borrell-seoul\n"
            "    quote: My visit today of the Demilitarised Zone",
)
LINES_OUT_OF_RANGE = code(
    "BRF303", "lines-out-of-range", Severity.ERROR, "A `lines` range the source does not have",
    """
    `lines` names 1-based lines of the archived text, `"12"` or `"12-14"`; they must
    exist and the range must not run backwards.
    """,
    failing="cites:\n  - source: yonhap-2024-11-03-borrell-seoul\n    lines: \"90-95\"",
    passing="cites:\n  - source: yonhap-2024-11-03-borrell-seoul\n    lines: \"11-13\"",
)
QUOTE_OUTSIDE_LINES = code(
    "BRF304", "quote-outside-lines", Severity.ERROR, "A quote that is not within the cited lines",
    """
    When a citation gives both `quote` and `lines`, the quote must occur within those
    lines. The hint says on which line the quote actually is.
    """,
    failing="cites:\n  - source: yonhap-2024-11-03-borrell-seoul\n    quote: to the next level\n    lines: \"3\"",
    passing="cites:\n  - source: yonhap-2024-11-03-borrell-seoul\n    quote: to the next level\n    lines: \"13\"",
)
NO_ANCHOR = code(
    "BRF305", "citation-without-anchor", Severity.WARNING, "A citation with neither quote nor lines",
    """
    A citation that gives only a source cannot be checked and does not lead the reader
    to the passage. Add the `quote` that supports the claim (or the `lines`).
    """,
    failing="cites:\n  - source: yonhap-2024-11-03-borrell-seoul",
    passing="cites:\n  - source: yonhap-2024-11-03-borrell-seoul\n    quote: to the next level",
)
UNCITED_POSITION = code(
    "BRF306", "position-without-citation", Severity.ERROR, "A stated position with no citation",
    """
    A position records what an actor said or committed to; it must cite where they said
    it, with at least one citation.
    """,
    failing="positions:\n  - actor: josep-borrell\n    on: EU-ROK security\n    stance: Wants closer ties.",
    passing="positions:\n  - actor: josep-borrell\n    on: EU-ROK security\n    stance: Wants closer ties.\n"
            "    cites:\n      - source: yonhap-2024-11-03-borrell-seoul\n        quote: to the next level",
)
UNCITED_SOURCE = code(
    "BRF307", "uncited-source", Severity.WARNING, "An archived source that no briefing cites",
    """
    An archived source nobody cites is often a citation that was forgotten, or a source
    added under a different id than the one the briefing uses.
    """,
    failing="sources/old-capture.txt   (no citation names old-capture)",
    passing="cites:\n  - source: old-capture\n    quote: ...",
    failing_file="sources/old-capture.yaml",
)
QUOTE_TOO_SHORT = code(
    "BRF308", "quote-too-short", Severity.WARNING, "A quote of one word or less",
    """
    A quote of a single word, or of punctuation or a dash only (`the`, `.`, `—`), occurs
    in almost any source: it verifies nothing about the claim. An elided quote whose
    every part is one word or less counts as well. In scripts written without spaces
    between words, each character counts as a word. Quote the words that support the
    claim.
    """,
    failing="cites:\n  - source: yonhap-2024-11-03-borrell-seoul\n    quote: level",
    passing="cites:\n  - source: yonhap-2024-11-03-borrell-seoul\n    quote: to the next level",
)
PAGES_OUT_OF_RANGE = code(
    "BRF309", "page-out-of-range", Severity.ERROR, "A `page` the source does not have",
    """
    `page` names the page or pages of a source made from a PDF that the quote is on,
    `"3"` or `"3-4"`: page N is the text after the (N-1)th form feed of the archived
    text. The pages must exist and the range must not run backwards; a source that was
    not made from a PDF has no pages to cite.
    """,
    failing="cites:\n  - source: ministry-report-2024-11\n    quote: a phased withdrawal\n    page: \"90\"",
    passing="cites:\n  - source: ministry-report-2024-11\n    quote: a phased withdrawal\n    page: \"3\"",
)
QUOTE_OUTSIDE_PAGES = code(
    "BRF310", "quote-outside-page", Severity.ERROR, "A quote that is not on the cited page",
    """
    When a citation gives both `quote` and `page`, the quote must occur on that page (or
    within that range of pages) of the source. The hint says on which page it actually is.
    """,
    failing="cites:\n  - source: ministry-report-2024-11\n    quote: a phased withdrawal\n    page: \"4\"",
    passing="cites:\n  - source: ministry-report-2024-11\n    quote: a phased withdrawal\n    page: \"3\"",
)
AMBIGUOUS_QUOTE = code(
    "BRF311", "ambiguous-quote", Severity.WARNING, "A quote that occurs more than once in its source",
    """
    A quote that occurs in more than one place of its source, in a citation with neither
    `lines` nor `page` to say which, does not tell the reader which passage supports the
    claim, and its link lands on the first. The message names the line of each occurrence
    (of the first ten): add the `lines` of the one meant (or, in a source made from a PDF,
    its `page`), or quote more words, so that the quote occurs once.

    Occurrences are counted as quotes are matched: at word boundaries (an occurrence
    inside a word does not count), and for an elided quote, where all its parts occur in
    order. An occurrence counts when it begins after the start of the one before.
    """,
    failing="cites:\n  - source: yonhap-2024-11-03-borrell-seoul\n    quote: security and defense cooperation",
    passing="cites:\n  - source: yonhap-2024-11-03-borrell-seoul\n    quote: security and defense cooperation\n"
            "    lines: \"15\"",
)
UNKNOWN_ACTOR = code(
    "BRF401", "unknown-actor", Severity.ERROR, "A position's actor is not one of the key actors",
    """
    `positions[].actor` must be the `id` of an entry in the same briefing's
    `key_actors`, so the position appears on that actor's page.
    """,
    failing="key_actors:\n  - id: josep-borrell\n    name: Josep Borrell\npositions:\n  - actor: borrell",
    passing="key_actors:\n  - id: josep-borrell\n    name: Josep Borrell\npositions:\n  - actor: josep-borrell",
)
DUPLICATE_ID = code(
    "BRF402", "duplicate-id", Severity.ERROR, "The same id twice in one briefing",
    """
    Within a briefing, each key actor and each open question has its own id. A
    question re-assessed over time keeps its id across briefings, but appears once
    in each.
    """,
    failing="key_actors:\n  - id: cho-tae-yul\n    name: Cho Tae-yul\n  - id: cho-tae-yul\n    name: Cho Tae Yul",
    passing="key_actors:\n  - id: cho-tae-yul\n    name: Cho Tae-yul",
)
MARKING_LEAK = code(
    "BRF403", "marking-leak", Severity.ERROR, "A briefing cites a source more restricted than itself",
    """
    TLP labels are ordered CLEAR < GREEN < AMBER < AMBER+STRICT < RED. A briefing
    shows its quotes and links to its sources, so it may not cite a source whose
    marking is more restrictive than its own: raise the briefing's marking or cite
    another source.
    """,
    failing="marking: TLP:CLEAR\n...\n    cites:\n      - source: partner-report   # marked TLP:AMBER",
    passing="marking: TLP:AMBER\n...\n    cites:\n      - source: partner-report   # marked TLP:AMBER",
)
ACTOR_NAME_MISMATCH = code(
    "BRF404", "actor-name-mismatch", Severity.WARNING, "The same actor id has different names",
    """
    An actor id names one person or body across all briefings (their page gathers all
    their positions). Different `name`s for one id usually mean two people share an id,
    or a typo.
    """,
    failing="# a.yaml\n  - id: cho-tae-yul\n    name: Cho Tae-yul\n# b.yaml\n  - id: cho-tae-yul\n    name: Cho Tae-Yoon",
    passing="# a.yaml\n  - id: cho-tae-yul\n    name: Cho Tae-yul\n# b.yaml\n  - id: cho-tae-yul\n    name: Cho Tae-yul",
)
DATE_AFTER_ASOF = code(
    "BRF405", "date-after-as-of", Severity.WARNING, "A position or event dated after the briefing",
    """
    A briefing's `date` is the as-of date of the assessment; a position or timeline
    event dated later is usually a typo in one of the two dates.
    """,
    failing="date: 2024-11-04\ntimeline:\n  - date: 2024-12-03\n    event: Borrell visits the DMZ.",
    passing="date: 2024-11-04\ntimeline:\n  - date: 2024-11-03\n    event: Borrell visits the DMZ.",
)


@dataclass
class Result:
    """The verdict on a repository: diagnostics and what was counted."""

    diagnostics: list[Diagnostic]
    briefings: int
    sources: int
    citations: int

    @property
    def errors(self) -> int:
        return sum(d.severity is Severity.ERROR for d in self.diagnostics)

    @property
    def warnings(self) -> int:
        return sum(d.severity is Severity.WARNING for d in self.diagnostics)


@dataclass
class Found:
    """What a check found of quotes in source texts, each a pure function of a text, or of a
    text and a quote. Kept from one check to the next (``briefings serve`` in memory, a
    build in its cache: :mod:`.records`), so that an unchanged quote of an unchanged text is
    not searched for again. Only what the last check used is kept. The verdicts are keyed
    by a hash of the text, so that they can be kept on disk; the normal forms and hyphen
    tests (as large as the texts) are kept in memory only."""

    normalised: dict[str, str] = field(default_factory=dict)  # text -> its normal form
    hyphens: dict[str, quotes.Hyphen] = field(default_factory=dict)  # text -> its hyphen test
    digests: dict[str, bytes] = field(default_factory=dict)  # text -> its hash
    #: (hash of a text, a quote's parts) -> whether they occur in it, and more than once
    occurs: dict[tuple[bytes, tuple[str, ...]], bool] = field(default_factory=dict)
    again: dict[tuple[bytes, tuple[str, ...]], bool] = field(default_factory=dict)

    def verdicts(self) -> tuple[dict, dict]:
        """What may be kept on disk (no text in it)."""
        return self.occurs, self.again


def text_digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


@dataclass
class _State:
    repo: Repository
    diagnostics: list[Diagnostic] = field(default_factory=list)
    normalised: dict[str, str] = field(default_factory=dict)
    hyphen_tests: dict[str, quotes.Hyphen] = field(default_factory=dict)
    digests: dict[str, bytes] = field(default_factory=dict)
    cited: set[str] = field(default_factory=set)
    citations: int = 0
    before: Found = field(default_factory=Found)  # what the previous check found
    found: Found = field(default_factory=Found)  # what this one used

    def report(self, c, at: Loc, message: str, hint: str = "") -> None:
        self.diagnostics.append(make(c, at.file, at.line, at.column, message, hint))

    def norm(self, source_id: str) -> str:
        text = self.normalised.get(source_id)
        if text is None:
            raw = self.repo.sources[source_id].text or ""
            text = self.before.normalised.get(raw)
            if text is None:
                text = quotes.normalise(raw)
            self.normalised[source_id] = self.found.normalised[raw] = text
        return text

    def hyphen(self, source_id: str) -> quotes.Hyphen:
        """Which "-" of ``norm(source_id)`` are hyphens (mapped once, when first asked)."""
        test = self.hyphen_tests.get(source_id)
        if test is None:
            raw = self.repo.sources[source_id].text or ""
            test = self.before.hyphens.get(raw)
            if test is None:
                test = quotes.hyphens(raw)
            self.hyphen_tests[source_id] = self.found.hyphens[raw] = test
        return test

    def digest(self, source_id: str) -> bytes:
        digest = self.digests.get(source_id)
        if digest is None:
            raw = self.repo.sources[source_id].text or ""
            digest = self.digests[source_id] = self.before.digests.get(raw) or text_digest(raw)
            self.found.digests[raw] = digest
        return digest

    def occurs(self, parts: list[str] | tuple[str, ...], source_id: str) -> bool:
        """Whether ``parts`` occur, in order, in source ``source_id``."""
        key = (self.digest(source_id), tuple(parts))
        found = self.before.occurs.get(key)
        if found is None:
            found = quotes.find_parts(parts, self.norm(source_id), self.hyphen(source_id)) is not None
        self.found.occurs[key] = found
        return found

    def again(self, parts: tuple[str, ...], source_id: str) -> bool:
        """Whether ``parts`` occur in source ``source_id`` more than once."""
        key = (self.digest(source_id), tuple(parts))
        found = self.before.again.get(key)
        if found is None:
            found = quotes.more_than_once(parts, self.norm(source_id), self.hyphen(source_id))
        self.found.again[key] = found
        return found

    def find(self, parts, source_id: str):
        """Where ``parts`` occur in source ``source_id`` (see :func:`.quotes.find_parts`)."""
        return quotes.find_parts(parts, self.norm(source_id), self.hyphen(source_id))


def check_repository(repo: Repository, found: Found | None = None) -> Result:
    """Every diagnostic of ``repo``: loading problems and cross-record checks. ``found``:
    what the previous check of the repository found of its quotes (see :class:`Found`),
    replaced by what this one found."""
    state = _State(repo, list(repo.diagnostics), before=found or Found())
    for briefing in repo.briefings:
        _check_briefing(state, briefing)
    _check_actor_names(state)
    state.diagnostics.extend(tradecraft.check_tradecraft(repo))
    for source_id, source in repo.sources.items():
        if source_id not in state.cited:
            state.report(UNCITED_SOURCE, Loc(source.loc.file, 1, 1), f"no briefing cites source '{source_id}'",
                         "cite it where it supports a claim, or remove it if it was archived by mistake")
    if found is not None:
        found.normalised, found.hyphens, found.digests = state.found.normalised, state.found.hyphens, state.found.digests
        found.occurs, found.again = state.found.occurs, state.found.again
    return Result(sorted(state.diagnostics), len(repo.briefings), len(repo.sources), state.citations)


def _check_briefing(state: _State, briefing: Briefing) -> None:
    _check_unique(state, [(a.id, a.at("id")) for a in briefing.key_actors], "key actor")
    _check_unique(state, [(q.id, q.at("id")) for q in briefing.open_questions], "open question")
    _check_unique(state, [(a.id, a.at("id")) for a in briefing.assumptions], "assumption")
    _check_unique(state, [(j.id, j.at("id")) for j in briefing.key_judgments if j.id], "key judgment")
    actor_ids = [a.id for a in briefing.key_actors]
    actors_known = not any("id" in a.broken for a in briefing.key_actors)
    for position in briefing.positions:
        if actors_known and "actor" not in position.broken and position.actor not in actor_ids:
            guess = closest(position.actor, actor_ids)
            hint = (f"did you mean '{guess}'?" if guess else
                    f"add an entry with id: {position.actor} to key_actors")
            state.report(UNKNOWN_ACTOR, position.at("actor"),
                         f"actor '{position.actor}' is not one of this briefing's key_actors", hint)
        if not position.cites and "cites" not in position.broken:
            state.report(UNCITED_POSITION, position.at("cites"),
                         f"the position of '{position.actor}' on '{position.on}' cites no source",
                         "add a cites: list with the source and quote where the position was stated")
    for item, label in [(p, "position") for p in briefing.positions] + [(e, "timeline event") for e in briefing.timeline]:
        if item.date and briefing.date and item.date > briefing.date:
            state.report(DATE_AFTER_ASOF, item.at("date"),
                         f"this {label} is dated {item.date}, after the briefing's as-of date {briefing.date}",
                         "check both dates")
    for _, citation in briefing.citations():
        state.citations += 1
        _check_citation(state, briefing, citation)


def _check_unique(state: _State, ids: list[tuple[str, Loc]], what: str) -> None:
    seen: dict[str, Loc] = {}
    for value, at in ids:
        if value in seen:
            state.report(DUPLICATE_ID, at, f"the {what} id '{value}' is used twice in this briefing "
                         f"(first at line {seen[value].line})", "merge the two entries or give this one its own id")
        else:
            seen[value] = at


def _check_citation(state: _State, briefing: Briefing, citation: Citation) -> None:
    repo = state.repo
    if "source" in citation.broken:
        return
    source = repo.sources.get(citation.source)
    if source is None:
        state.cited.add(citation.source)
        if (repo.root / "sources" / f"{citation.source}.yaml").exists():
            return  # the source exists but did not load: its own diagnostics say why
        guess = closest(citation.source, list(repo.sources))
        hint = f"did you mean '{guess}'?" if guess else "archive the source with 'briefings source add' first"
        state.report(UNKNOWN_SOURCE, citation.at("source"), f"unknown source '{citation.source}'", hint)
        return
    state.cited.add(source.id)
    if marking_rank(source.marking) > marking_rank(briefing.marking):
        state.report(MARKING_LEAK, citation.at("source"),
                     f"source '{source.id}' is marked {source.marking}, more restricted than this "
                     f"briefing's {briefing.marking}",
                     f"raise the briefing's marking to {source.marking} or cite another source")
    text = source.text or ""
    span = None
    if citation.lines is not None:
        first, last = quotes.parse_lines(citation.lines)
        span = quotes.line_span(text, first, last)
        if span is None:
            total = quotes.count_lines(text)
            state.report(LINES_OUT_OF_RANGE, citation.at("lines"),
                         f"lines {citation.lines} do not exist in source '{source.id}' (it has {total} lines)"
                         if last >= first else f"the range {citation.lines} runs backwards",
                         f"use a range within 1-{total}, first line first")
            span = None
    if citation.page is not None:
        _check_page(state, source, citation)
    if citation.quote is not None:
        _check_quote(state, source.id, citation, span)
    elif citation.lines is None and not citation.broken & {"quote", "lines"}:
        state.report(NO_ANCHOR, citation.loc, f"this citation of '{source.id}' has neither quote nor lines",
                     "add the quote that supports the claim")


def _check_page(state: _State, source, citation: Citation) -> None:
    """``page``: pages the source has, on which the quote (when found at all) occurs."""
    assert citation.page is not None
    text = source.text or ""
    if not pdf_pages.has_pages(source):
        state.report(PAGES_OUT_OF_RANGE, citation.at("page"),
                     f"source '{source.id}' has no pages: it was not made from a PDF",
                     "drop page (cite lines instead)")
        return
    first, last = pdf_pages.parse_pages(citation.page)
    span = pdf_pages.page_span(text, first, last)
    if span is None:
        total = pdf_pages.count_pages(text)
        state.report(PAGES_OUT_OF_RANGE, citation.at("page"),
                     f"page {citation.page} does not exist in source '{source.id}' (it has {total} pages)"
                     if last >= first and first >= 1 else f"the page range {citation.page} is not valid",
                     f"use a page or range within 1-{total}, first page first")
        return
    if citation.quote is None or "quote" in citation.broken:
        return
    parts = quotes.quote_parts(citation.quote)
    if not parts or not state.occurs(parts, source.id):
        return  # not in the source at all: the quote's own check says so
    if quotes.find_in(parts, text[span[0]:span[1]]) is None:
        located = quotes.Mapped.build(text).locate(citation.quote)
        where = f"; the quote is on page {pdf_pages.page_at(text, located[0][0])}" if located else ""
        state.report(QUOTE_OUTSIDE_PAGES, citation.at("page"),
                     f"the quote is not on page {citation.page} of source '{source.id}'{where}",
                     "correct the page, or drop it and keep the quote")


def _check_quote(state: _State, source_id: str, citation: Citation, span: tuple[int, int] | None) -> None:
    assert citation.quote is not None
    at = citation.at("quote")
    parts = quotes.quote_parts(citation.quote)
    shown = _Shown(citation.quote)  # (shortened only for a message)
    if not parts:
        state.report(QUOTE_NOT_FOUND, at, "the quote has no words besides elision marks",
                     "quote the source's words")
        return
    short = quotes.too_short(parts)
    if short:
        state.report(QUOTE_TOO_SHORT, at,
                     f"the quote \"{shown}\" is one word or less{' in each part' if len(parts) > 1 else ''}: "
                     "it would occur in almost any source",
                     "quote the words of the source that support the claim")
    if not state.occurs(parts, source_id):
        haystack, hyphen = state.norm(source_id), state.hyphen(source_id)
        missing = quotes.first_missing(parts, haystack, hyphen)
        message = f"quote not found in source '{source_id}': \"{shown}\""
        if len(parts) > 1:
            message += f" (part {missing + 1} of {len(parts)}: \"{_shorten(parts[missing])}\")"
        text = state.repo.sources[source_id].text or ""
        inside = quotes.inside_word(parts, haystack, hyphen)
        near = None if inside is not None else quotes.closest_passage(parts[missing], text)
        hints = []
        if inside is not None:
            mapped = quotes.Mapped.build(text)
            first, after = mapped.span(*quotes.whole_words(mapped.text, *inside, mapped.hyphen))
            line = text.count("\n", 0, first) + 1
            hints.append(f"the source has it only inside a word: \"{_shorten(text[first:after], 160)}\" "
                         f"(line {line})")
        if near is not None:
            hints.append(f"closest passage (line {near.line}, {near.similarity:g}% similar): "
                         f"\"{_shorten(near.passage, 160)}\"")
            differences = quotes.word_differences(parts[missing], near.passage)
            if differences and len(differences) <= 3:
                hints.append("differs at " + ", ".join(
                    f"\"{q or '(nothing)'}\" where the source has \"{s or '(nothing)'}\""
                    + _lookalikes(q, s, citation.quote, near.passage) for q, s in differences))
        elsewhere = [other for other in state.repo.sources
                     if other != source_id and state.find(parts, other) is not None]
        if elsewhere:
            hints.append("the quote occurs verbatim in " + ", ".join(f"'{o}'" for o in elsewhere[:3])
                         + f": did you mean source: {elsewhere[0]}?")
        elif inside is not None:
            hints.append("quote whole words as the source has them")
        elif near is not None:
            hints.append("copy the words exactly as the source has them")
        state.report(QUOTE_NOT_FOUND, at, message, "; ".join(hints))
        return
    if not short and citation.lines is None and citation.page is None and not citation.broken & {"lines", "page"}:
        # (A quote too short to verify anything occurs all over: BRF308 says so already.)
        _check_repeated(state, source_id, citation, parts, shown)
    if span is not None:
        if quotes.find_in(parts, (state.repo.sources[source_id].text or "")[span[0]:span[1]]) is None:
            mapped = quotes.Mapped.build(state.repo.sources[source_id].text or "")
            located = mapped.locate(citation.quote)
            where = ""
            if located:
                line = mapped.original.count("\n", 0, located[0][0]) + 1
                where = f"; the quote starts on line {line}"
            state.report(QUOTE_OUTSIDE_LINES, citation.at("lines"),
                         f"the quote is not within lines {citation.lines} of source '{source_id}'{where}",
                         "correct the lines, or drop them and keep the quote")


def _check_repeated(state: _State, source_id: str, citation: Citation, parts: tuple[str, ...], shown: _Shown) -> None:
    """BRF311: a found quote that occurs again in its source, with nothing to say which.
    Mostly one more scan of the text; the rest only when the quote occurs again."""
    if not state.again(parts, source_id):
        return
    hyphen = state.hyphen(source_id)
    limit = 10  # occurrences named; beyond, "more than"
    source = state.repo.sources[source_id]
    text = source.text or ""
    mapped = hyphen.mapped if isinstance(hyphen, quotes.Hyphens) else quotes.Mapped.build(text)
    starts = mapped.occurrences(citation.quote, limit + 1)
    lines = list(dict.fromkeys(text.count("\n", 0, start) + 1 for start in starts[:limit]))
    where = (f"all on line {lines[0]}" if len(lines) == 1
             else f"lines {', '.join(map(str, lines[:-1]))} and {lines[-1]}")
    if len(starts) > limit:
        times, where = f"more than {limit} times", f"the first {limit} on {where}"
    else:
        times = "twice" if len(starts) == 2 else f"{len(starts)} times"
    # The hint names the lines (and pages) the first occurrence spans: those its link shows.
    spans = mapped.locate(citation.quote) or [(starts[0], starts[0] + 1)]
    last = text.count("\n", 0, spans[-1][1]) + 1
    hint = f'add lines: "{lines[0]}{f"-{last}" if last > lines[0] else ""}"'
    if pdf_pages.has_pages(source):
        first_page, last_page = pdf_pages.page_at(text, starts[0]), pdf_pages.page_at(text, spans[-1][1] - 1)
        hint += f' (or page: "{first_page}{f"-{last_page}" if last_page > first_page else ""}")'
    state.report(AMBIGUOUS_QUOTE, citation.at("quote"),
                 f"the quote \"{shown}\" occurs {times} in source '{source_id}' ({where})",
                 f"{hint} to say which (those of the first), or quote more words")


def _check_actor_names(state: _State) -> None:
    names: dict[str, tuple[str, str]] = {}
    for briefing in state.repo.briefings:
        for actor in briefing.key_actors:
            known = names.setdefault(actor.id, (actor.name, briefing.id))
            if known[0] != actor.name and known[1] != briefing.id:
                state.report(ACTOR_NAME_MISMATCH, actor.at("name"),
                             f"actor '{actor.id}' is named '{actor.name}' here but '{known[0]}' in "
                             f"briefing '{known[1]}'", "use one spelling of the name, or give each actor its own id")


def _lookalikes(quoted: str, source: str, quote: str, passage: str) -> str:
    """``": the quote has U+0430 ... where the source has U+0061 ..."`` for words that look alike."""
    pairs = quotes.lookalike_characters(quoted, source)[:3]
    named = [f"{_named(q, quote)} where the source has {_named(s, passage)}" for q, s in pairs]
    return f": the quote has {', and '.join(named)}" if named else ""


def _named(chars: str, written: str) -> str:
    """Code points and Unicode names of ``chars`` (normalised), as ``written`` has them."""
    def as_written(char: str) -> str:
        if char in written:
            return char
        return next((w for w in dict.fromkeys(written) if quotes.normalise(w) == char), char)

    return " + ".join(f"U+{ord(c):04X} {unicodedata.name(c, 'UNNAMED CHARACTER')}"
                      for c in map(as_written, chars)) or "nothing"


class _Shown:
    """A quote as a message shows it (:func:`_shorten`), made when a message is."""

    __slots__ = ("quote",)

    def __init__(self, quote: str) -> None:
        self.quote = quote

    def __str__(self) -> str:
        return _shorten(self.quote)


def _shorten(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
