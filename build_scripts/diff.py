"""What changed between two revisions of a repository, by meaning rather than by line (SPEC 8).

Briefings and sources are matched by id. Items of a briefing's lists are matched by
their ``id`` where they have one (actors, assumptions, key judgments, open questions)
and by content otherwise: first an identical item, then the most similar one by its
main text (a reworded stance or event), at least 60% alike. A briefing whose file was
renamed is one whose old id is gone and whose new id appears with the same content, or
with the same title and date: it is reported as changed, with ``renamed_from``.

A path names an item by its id, or by its 0-based position (in the revision that has it:
the head for an item added or kept, the base for one removed). A citation is matched by
the passage it points at (source, quote, lines, page): a new grade or note is a change of
that citation, a new quote one citation removed and one added. Lists of plain text
(authors, tags, indicators) are compared as multisets: a move is no change.

With a ``max_marking``, a briefing or source above it in either revision (a briefing's
marking counting the markings of the sources it cites, an invalid marking counting as
TLP:RED) is reported by its marking and its change only, and a record shown does not name
it (a successor, a source re-reported: ``None`` in its place).

The revisions are read by :mod:`.gitrev`; the comparison is written out by :mod:`.diffreport`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import hashlib
from dataclasses import dataclass, field

from .gitrev import Revision
from .model import (TLP_ORDER, Actor, Alternative, Assumption, Briefing, Change as LineChange,
                    Citation, Event, Judgment, Position, Question, Resolution, Source, marking_rank)
from .repo import Repository

KINDS = ("likelihood", "confidence", "marking", "status", "text", "citation-added", "citation-removed",
         "item-added", "item-removed")
SIMILAR = 0.6
_KIND_OF = {"likelihood": "likelihood", "confidence": "confidence", "marking": "marking", "status": "status"}
#: the field whose text stands for an item (what an added or removed item is shown by)
_MAIN = {Actor: "name", Position: "stance", Assumption: "assumption", Alternative: "hypothesis",
         Judgment: "judgment", Question: "question", Event: "event", Resolution: "outcome", LineChange: "reason"}
_SKIP = {"loc", "locs", "broken", "id", "text", "text_file"}
_NAMES = {"from_": "from"}
#: the changes a reviewer reads first
MOVED = ("likelihood", "confidence")


@dataclass(frozen=True)
class Change:
    """One change of meaning at ``path`` (SPEC 8): ``kind`` is one of :data:`KINDS`."""

    path: str
    kind: str
    before: object = None
    after: object = None
    #: of a moved likelihood or confidence: the judgment or question it is of (for the reader)
    subject: str | None = field(default=None, compare=False)

    def as_dict(self) -> dict[str, object]:
        return {"path": self.path, "kind": self.kind, "from": self.before, "to": self.after}


@dataclass
class Entry:
    """A briefing or source that was added, removed or changed; ``hidden`` above the marking."""

    id: str
    title: str
    marking: str
    change: str  # added | removed | changed
    changes: list[Change] = field(default_factory=list)
    renamed_from: str | None = None
    hidden: bool = False
    base: object = None  # the record in each revision (None where it is absent)
    head: object = None


@dataclass
class Diff:
    """Every briefing and source that changed between ``base`` and ``head``."""

    base: Revision
    head: Revision
    briefings: list[Entry]
    sources: list[Entry]
    max_marking: str | None = None

    def as_dict(self) -> dict[str, object]:
        """The JSON of SPEC 8."""
        return {"base": self.base.commit, "head": self.head.commit,
                "briefings": [_entry_dict(e) for e in self.briefings],
                "sources": [_entry_dict(e) for e in self.sources]}


def _entry_dict(entry: Entry) -> dict[str, object]:
    shown: dict[str, object] = {"id": None if entry.hidden else entry.id,
                                "title": None if entry.hidden else entry.title,
                                "marking": entry.marking, "change": entry.change}
    if entry.renamed_from and not entry.hidden:
        shown["renamed_from"] = entry.renamed_from
    shown["changes"] = [c.as_dict() for c in entry.changes]
    return shown


def compare(base_repo: Repository, head_repo: Repository, base: Revision, head: Revision,
            max_marking: str | None = None) -> Diff:
    """Compare the records of two revisions (see the module's docstring)."""
    ceiling = marking_rank(max_marking) if max_marking else len(TLP_ORDER)
    old = {b.id: b for b in base_repo.briefings}
    new = {b.id: b for b in head_repo.briefings}
    pairs = [(old.get(i), new.get(i)) for i in sorted(old.keys() & new.keys())]
    gone = [old[i] for i in sorted(old.keys() - new.keys())]
    came = [new[i] for i in sorted(new.keys() - old.keys())]
    contents = {b.id: _plain(b) for b in came}
    for before in list(gone):
        content = _plain(before)
        after = next((b for b in came if contents[b.id] == content), None) \
            or next((b for b in came if (b.title, b.date) == (before.title, before.date)), None)
        if after is not None:
            gone.remove(before)
            came.remove(after)
            pairs.append((before, after))
    pairs += [(b, None) for b in gone] + [(None, b) for b in came]
    briefings = []
    for before, after in pairs:
        entry = _briefing_entry(before, after, base_repo, head_repo, ceiling)
        if entry is not None:
            briefings.append(entry)
    sources = []
    for sid in sorted(base_repo.sources.keys() | head_repo.sources.keys()):
        entry = _source_entry(base_repo.sources.get(sid), head_repo.sources.get(sid), ceiling)
        if entry is not None:
            sources.append(entry)
    if max_marking:
        _unname({b.id for r in (base_repo, head_repo) for b in r.briefings if _briefing_rank(b, r) > ceiling},
                briefings, "superseded_by")
        _unname({s.id for r in (base_repo, head_repo) for s in r.sources.values() if rank(s) > ceiling}, sources,
                "derived_from")
    return Diff(base, head, _ordered(briefings), _ordered(sources), max_marking)


def _unname(hidden: set[str], entries: list[Entry], key: str) -> None:
    """Where a record shown names one that is not (its successor, a source it re-reports),
    the id is left out: ``None`` in its place."""
    for entry in entries:
        entry.changes = [Change(c.path, c.kind, None if c.before in hidden else c.before,
                                None if c.after in hidden else c.after)
                         if c.path.split("[")[0] == key else c for c in entry.changes]


def _ordered(entries: list[Entry]) -> list[Entry]:
    """By id; the hidden ones last, by marking and change, so that no place among the others says their id."""
    shown = sorted((e for e in entries if not e.hidden), key=lambda e: e.id)
    hidden = sorted((e for e in entries if e.hidden), key=lambda e: (marking_rank(e.marking), e.change))
    return shown + hidden


def rank(record: Briefing | Source) -> int:
    """How restricted a record is (an invalid marking counts as the most restrictive)."""
    if "marking" in record.broken or record.marking not in TLP_ORDER:
        return len(TLP_ORDER) - 1
    return marking_rank(record.marking)


def _briefing_rank(briefing: Briefing, repo: Repository) -> int:
    cited = (repo.sources.get(c.source) for _, c in briefing.citations())
    return max([rank(briefing), *(rank(s) for s in cited if s is not None)])


def _briefing_entry(before: Briefing | None, after: Briefing | None, base_repo: Repository,
                    head_repo: Repository, ceiling: int) -> Entry | None:
    if before is after:  # (the same bytes: one record, loaded once)
        return None
    changes = _compare_record(before, after, "") if before and after else []
    renamed = before.id if before and after and before.id != after.id else None
    if before and after and not changes and not renamed:
        return None
    ranks = [_briefing_rank(b, r) for b, r in ((before, base_repo), (after, head_repo)) if b is not None]
    record = after or before
    assert record is not None
    change = "changed" if before and after else "added" if after else "removed"
    entry = Entry(record.id, record.title, record.marking, change, changes, renamed, base=before, head=after)
    if max(ranks) > ceiling:
        entry.marking = TLP_ORDER[max(ranks)]
        entry.hidden, entry.title = True, ""
        entry.changes = [c for c in changes if c.path == "marking"]
    return entry


_SOURCE_FIELDS = ("title", "published", "publisher", "url", "retrieved", "language", "reliability", "marking",
                  "sha256", "original", "original_sha256", "extracted_with", "derived_from")


def _source_entry(before: Source | None, after: Source | None, ceiling: int) -> Entry | None:
    changes: list[Change] = []
    if before is after:
        return None
    if before and after:
        for name in _SOURCE_FIELDS:
            changes += _compare_value(getattr(before, name), getattr(after, name), name)
        digests = [hashlib.sha256((s.text or "").encode()).hexdigest() for s in (before, after)]
        if digests[0] != digests[1]:
            changes.append(Change("text", "text", *digests))
        if not changes:
            return None
    present = [s for s in (before, after) if s is not None]
    top = max(rank(s) for s in present)
    record = after or before
    assert record is not None
    change = "changed" if before and after else "added" if after else "removed"
    entry = Entry(record.id, record.title, record.marking, change, changes, base=before, head=after)
    if top > ceiling:
        entry.marking = TLP_ORDER[top]
        entry.hidden, entry.title = True, ""
        entry.changes = [c for c in changes if c.path == "marking"]
    return entry


def _fields(record: object) -> list[str]:
    return [f.name for f in dataclasses.fields(record) if f.name not in _SKIP]  # type: ignore[arg-type]


def _plain(value: object) -> object:
    """A value without its positions: what two records are compared by."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__, tuple((n, _plain(getattr(value, n))) for n in _fields(value)))
    if isinstance(value, list):
        return tuple(_plain(v) for v in value)
    return value


def scalar(value: object) -> object:
    return value.isoformat() if isinstance(value, dt.date) else value


def _join(path: str, name: str) -> str:
    name = _NAMES.get(name, name)
    return f"{path}.{name}" if path else name


def _compare_record(before: object, after: object, path: str) -> list[Change]:
    changes: list[Change] = []
    for name in _fields(after):
        found = _compare_value(getattr(before, name), getattr(after, name), _join(path, name))
        if name in MOVED and type(after) in _MAIN:
            found = [dataclasses.replace(c, subject=str(main_text(after))) for c in found]
        changes += found
    return changes


def _compare_value(before: object, after: object, path: str) -> list[Change]:
    if isinstance(before, list) or isinstance(after, list):
        return _compare_list(before or [], after or [], path)  # type: ignore[arg-type]
    record = before if dataclasses.is_dataclass(before) else after
    if dataclasses.is_dataclass(record):
        if before is None:
            return [Change(path, "item-added", None, main_text(after))]
        if after is None:
            return [Change(path, "item-removed", main_text(before), None)]
        return _compare_record(before, after, path)
    if before == after:
        return []
    kind = _KIND_OF.get(path.rsplit(".", 1)[-1], "text")
    return [Change(path, kind, scalar(before), scalar(after))]


def main_text(item: object) -> object:
    """What an item is shown by: its main text, a citation's reference, or the value itself."""
    if isinstance(item, Citation):
        return citation_dict(item)
    name = _MAIN.get(type(item))
    return getattr(item, name) if name else scalar(item)


def citation_dict(citation: Citation) -> dict[str, str]:
    """A citation's fields that are set, as JSON."""
    return {n: getattr(citation, n) for n in ("source", "quote", "lines", "page", "credibility", "note")
            if getattr(citation, n) is not None}


def _compare_list(before: list, after: list, path: str) -> list[Change]:
    if not any(dataclasses.is_dataclass(v) for v in (*before, *after)):
        return _compare_strings(before, after, path)
    cites = any(isinstance(v, Citation) for v in (*before, *after))
    added, removed = ("citation-added", "citation-removed") if cites else ("item-added", "item-removed")
    changes: list[Change] = []
    for b, a in match(before, after, _cited if cites else _main_text_of):
        item = after[a] if a is not None else before[b]  # type: ignore[index]
        label = item.id if getattr(item, "id", None) else (a if a is not None else b)
        where = f"{path}[{label}]"
        if b is None:
            changes.append(Change(where, added, None, main_text(after[a])))  # type: ignore[index]
        elif a is None:
            changes.append(Change(where, removed, main_text(before[b]), None))
        else:
            changes += _compare_record(before[b], after[a], where)
    return changes


def _compare_strings(before: list, after: list, path: str) -> list[Change]:
    """Plain values (authors, tags, indicators) compared as a multiset: moves are no change."""
    changes = []
    for ours, theirs, kind, to_side in ((after, before, "item-added", True), (before, after, "item-removed", False)):
        left = [_plain(v) for v in theirs]
        for i, value in enumerate(ours):
            if _plain(value) in left:
                left.remove(_plain(value))
            else:
                shown = scalar(value)
                changes.append(Change(f"{path}[{i}]", kind, None if to_side else shown, shown if to_side else None))
    return changes


def _cited(citation: Citation) -> tuple:
    """What a citation points at: two that point at the same passage are one citation."""
    return (citation.source, citation.quote, citation.lines, citation.page)


def _main_text_of(item: object) -> str:
    return str(main_text(item))


def match(before: list, after: list, key=_main_text_of) -> list[tuple[int | None, int | None]]:
    """Pairs of positions (base, head) of the same item; ``None`` on the side that lacks it.

    By id where an item has one; otherwise an identical item, then (for citations) one
    with the same ``key``, or the most similar by ``key`` (at least :data:`SIMILAR`). Kept
    and added items come in head order, then the removed ones in base order."""
    pairs: dict[int, int] = {}
    ids: dict[str, int] = {}
    for i, item in enumerate(before):
        if getattr(item, "id", None):
            ids.setdefault(item.id, i)
    for a, item in enumerate(after):
        if getattr(item, "id", None) and item.id in ids:
            pairs[a] = ids.pop(item.id)
    free_b = [i for i in range(len(before)) if i not in pairs.values()]
    free_a = [i for i in range(len(after)) if i not in pairs]

    def pair(a: int, b: int) -> None:
        pairs[a] = b
        free_a.remove(a)
        free_b.remove(b)

    def allowed(a: int, b: int) -> bool:  # (two different ids are two different items)
        return not (getattr(after[a], "id", None) and getattr(before[b], "id", None))

    for test in (lambda x, y: _plain(x) == _plain(y), lambda x, y: key(x) == key(y)):
        for a in list(free_a):
            same = next((b for b in free_b if allowed(a, b) and test(before[b], after[a])), None)
            if same is not None:
                pair(a, same)
    if key is _main_text_of:
        scored = sorted((-_similarity(before[b], after[a]), a, b) for a in free_a for b in free_b if allowed(a, b))
        for score, a, b in scored:
            if -score >= SIMILAR and a in free_a and b in free_b:
                pair(a, b)
    matched = set(pairs.values())
    return [(pairs.get(a), a) for a in range(len(after))] + \
        [(b, None) for b in range(len(before)) if b not in matched]


def _similarity(one: object, other: object) -> float:
    if type(one) is not type(other):
        return 0.0
    return difflib.SequenceMatcher(None, str(main_text(one)), str(main_text(other)), autojunk=False).ratio()
