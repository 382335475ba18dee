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
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import gitrev
from .gitrev import Revision
from .model import (LIKELIHOOD_BANDS, TLP_ORDER, Actor, Alternative, Assumption, Briefing, Change as LineChange,
                    Citation, Event, Judgment, Position, Question, Resolution, Source, marking_rank)
from .pipeline import paused_gc
from .records import Stored
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


def _scalar(value: object) -> object:
    return value.isoformat() if isinstance(value, dt.date) else value


def _join(path: str, name: str) -> str:
    name = _NAMES.get(name, name)
    return f"{path}.{name}" if path else name


def _compare_record(before: object, after: object, path: str) -> list[Change]:
    changes: list[Change] = []
    for name in _fields(after):
        found = _compare_value(getattr(before, name), getattr(after, name), _join(path, name))
        if name in _MOVED and type(after) in _MAIN:
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
    return [Change(path, kind, _scalar(before), _scalar(after))]


def main_text(item: object) -> object:
    """What an item is shown by: its main text, a citation's reference, or the value itself."""
    if isinstance(item, Citation):
        return citation_dict(item)
    name = _MAIN.get(type(item))
    return getattr(item, name) if name else _scalar(item)


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
                shown = _scalar(value)
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


# --- Output -----------------------------------------------------------------------------

SHOWN_CHARS = 200  # of a text value in the text and markdown formats (JSON has it whole)
_MOVED = ("likelihood", "confidence")
_GROUPS = (("marking", "Marking"), ("status", "Status"), ("item-added", "Added"), ("item-removed", "Removed"),
           ("text", "Reworded"), ("citation-added", "Citations added"), ("citation-removed", "Citations removed"))


def lowered(entry: Entry) -> Change | None:
    """The change that lowered the entry's marking, if one did."""
    for change in entry.changes:
        if change.kind == "marking" and change.before in TLP_ORDER and change.after in TLP_ORDER \
                and marking_rank(str(change.after)) < marking_rank(str(change.before)):
            return change
    return None


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1].rstrip() + "…"


def excerpts(change: Change) -> tuple[object, object]:
    """The values of a change as shown: of a reworded text, each from a little before where
    the two first differ (so that a long summary's change is in view)."""
    if not (isinstance(change.before, str) and isinstance(change.after, str)):
        return change.before, change.after
    one, other = " ".join(change.before.split()), " ".join(change.after.split())
    same = next((i for i, (x, y) in enumerate(zip(one, other)) if x != y), min(len(one), len(other)))
    start = one.rfind(" ", 0, max(same - 60, 0)) + 1 if same > 80 else 0
    return (("…" if start else "") + one[start:], ("…" if start else "") + other[start:])


def _moves(diff: Diff) -> list[tuple[Entry, Change]]:
    """Moved likelihoods and confidences of the briefings shown; of a new briefing, the moves
    its open questions declare (``change.from``)."""
    found = [(e, c) for e in diff.briefings if not e.hidden for c in e.changes if c.kind in _MOVED]
    for entry in diff.briefings:
        if entry.change == "added" and not entry.hidden:
            for i, q in enumerate(entry.head.open_questions):  # type: ignore[union-attr]
                if q.change is not None and q.likelihood and q.change.from_ != q.likelihood:
                    label = q.id or i
                    found.append((entry, Change(f"open_questions[{label}].likelihood", "likelihood",
                                                q.change.from_, q.likelihood, q.question)))
    return found


# Markdown: what a record says is written as text, never as markup. Every character that
# could open markup, a link, an autolink, a mention (@), an issue reference (#), math ($)
# or an emoji (:) is a numeric character reference, which CommonMark reads as a literal.
_MD_ESCAPES = {c: f"&#{ord(c)};" for c in "\\`*_[]()!|~<>&:$={}"}
_MD_ESCAPES.update({"@": "&#64;&#8203;", "#": "&#35;&#8203;"})
_MD_TABLE = str.maketrans(_MD_ESCAPES)
_CODE = re.compile(r"[A-Za-z0-9_.\[\]-]+")


def md(value: object) -> str:
    """``value`` as inline Markdown text that renders literally (on one line, shortened)."""
    if value is None:
        return "*none*"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return _md_citation(value)
    if value in TLP_ORDER:
        return str(value)
    text = "".join(_visible(c) for c in _shorten(str(value))).translate(_MD_TABLE)
    return text.replace("www.", "www&#46;").replace("WWW.", "WWW&#46;")


def _visible(char: str) -> str:
    """A control or invisible format character (a bidirectional override would reorder the
    comment around it) as its code point; any other character as it is."""
    return f"U+{ord(char):04X}" if not char.isprintable() else char


def _md_citation(citation: dict) -> str:
    where = "".join(f", {k} {md(citation[k])}" for k in ("lines", "page") if k in citation)
    quote = f": “{md(citation['quote'])}”" if "quote" in citation else ""
    return f"{_code(str(citation['source']))}{where}{quote}"


def _code(value: str) -> str:
    """An id or path as code; one with any other character (it cannot have: ids are checked
    when loaded) as text."""
    return f"`{value}`" if _CODE.fullmatch(value) else md(value)


def _md_term(change: Change, value: object) -> str:
    if value is None:
        return "*none*"
    band = LIKELIHOOD_BANDS.get(str(value)) if change.kind == "likelihood" else None
    return f"**{md(value)}**" + (f" ({band})" if band else "")


def _md_name(entry: Entry, kind: str) -> str:
    if entry.hidden:
        return f"A {entry.marking} {kind} (not shown: above the marking of this report)"
    return f"{md(entry.title)} ({_code(entry.id)})"


def as_markdown(diff: Diff) -> str:
    """The diff for a pull request: lowered markings first, then moved judgments, then each
    briefing's added, removed and reworded items, then the sources."""
    out = ["## What changed in the briefings", "",
           f"Compared `{diff.base.short}` with " + (f"`{diff.head.short}`" if diff.head.commit else "the working tree")
           + (f"; briefings and sources above {diff.max_marking} are not shown." if diff.max_marking else "."), ""]
    if not diff.briefings and not diff.sources:
        return "\n".join(out + ["No briefing or source changed.", ""])
    warnings = [(e, k, c) for k, entries in (("briefing", diff.briefings), ("source", diff.sources))
                for e in entries if (c := lowered(e)) is not None]
    if warnings:
        out += ["> [!WARNING]", "> **Marking lowered.** Once merged, these are shared more widely: check that "
                "every source and word in them may be.", ">"]
        out += [f"> - {_md_name(e, k)}: {c.before} → {c.after}" for e, k, c in warnings]
        out.append("")
    moves = _moves(diff)
    if moves:
        out += ["### Judgments that moved", ""]
        out += [f"- {_md_name(e, 'briefing')} · {_code(c.path)}" + (f" ({md(c.subject)})" if c.subject else "")
                + f": {_md_term(c, c.before)} → {_md_term(c, c.after)}" for e, c in moves]
        out.append("")
    if diff.briefings:
        out += ["### Briefings", ""]
        for entry in diff.briefings:
            out += _md_briefing(entry)
    if diff.sources:
        out += ["### Sources", ""]
        out += [_md_source(entry) for entry in diff.sources]
        out.append("")
    return "\n".join(out)


def _md_briefing(entry: Entry) -> list[str]:
    if entry.hidden:
        return [f"- A {entry.marking} briefing was {entry.change} (not shown: above the marking of this report)", ""]
    what = f"renamed from {_code(entry.renamed_from)}" if entry.renamed_from else entry.change
    lines = [f"#### {md(entry.title)}", "", f"{_code(entry.id)}: {what}"]
    record = entry.head or entry.base
    if entry.change != "changed":
        status, date = md(record.status), md(_scalar(record.date))  # type: ignore[union-attr]
        lines[-1] += f" ({entry.marking}, {status}, dated {date})"
    lines.append("")
    for kind, label in _GROUPS:
        found = [c for c in entry.changes if c.kind == kind]
        if not found:
            continue
        lines.append(f"- **{label}:**")
        for c in found:
            if kind in ("text", "status", "marking"):
                before, after = excerpts(c)
                lines.append(f"  - {_code(c.path)}: {md(before)} → {md(after)}")
            else:
                lines.append(f"  - {_code(c.path)}: {md(c.after if c.before is None else c.before)}")
    if any(c.kind not in _MOVED for c in entry.changes):
        lines.append("")
    return lines


def _md_source(entry: Entry) -> str:
    if entry.hidden:
        return f"- A {entry.marking} source was {entry.change} (not shown: above the marking of this report)"
    line = f"- {_md_name(entry, 'source')}: {entry.change}"
    if entry.change != "changed":
        return line + f" ({entry.marking})"
    parts = ["the archived text changed" if c.path == "text" else f"{_code(c.path)} {md(c.before)} → {md(c.after)}"
             for c in entry.changes]
    return line + ": " + "; ".join(parts)


def _plain_text(value: object) -> str:
    """``value`` for a terminal: one line, control characters shown as escapes."""
    if value is None:
        return "(none)"
    if isinstance(value, dict):
        where = "".join(f", {k} {value[k]}" for k in ("lines", "page") if k in value)
        value = f"{value['source']}{where}" + (f': "{value["quote"]}"' if "quote" in value else "")
    text = _shorten(str(_scalar(value)))
    return "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in text)


def as_text(diff: Diff) -> str:
    """The diff for a terminal."""
    head = diff.head.short if diff.head.commit else "the working tree"
    out = [f"Compared {diff.base.short} with {head}"
           + (f" (briefings and sources above {diff.max_marking} not shown)" if diff.max_marking else "")]
    if not diff.briefings and not diff.sources:
        out.append("No briefing or source changed.")
    for kind, entries in (("briefing", diff.briefings), ("source", diff.sources)):
        for entry in entries:
            if entry.hidden:
                out.append(f"a {entry.marking} {kind} was {entry.change} (not shown)")
            else:
                renamed = f" (renamed from {entry.renamed_from})" if entry.renamed_from else ""
                out.append(f"{kind} {entry.id} {entry.change}{renamed}: {_plain_text(entry.title)}")
            for c in entry.changes:
                values = [_plain_text(v) + (f" ({LIKELIHOOD_BANDS[v]})" if c.kind == "likelihood"
                                            and v in LIKELIHOOD_BANDS else "") for v in excerpts(c)]
                if c.kind in ("item-added", "citation-added"):
                    out.append(f"  + {c.path}: {values[1]}")
                elif c.kind in ("item-removed", "citation-removed"):
                    out.append(f"  - {c.path}: {values[0]}")
                else:
                    out.append(f"  {c.path}: {values[0]} -> {values[1]}")
            if lowered(entry):
                out.append(f"  warning: the marking was lowered to {lowered(entry).after}")  # type: ignore[union-attr]
    return "\n".join(out) + "\n"


def run(root: Path, base: str, head: str | None, fmt: str, max_marking: str | None) -> str:
    """``briefings diff``: the output (``fmt``: text, markdown or json) of comparing ``base``
    with ``head`` (None: the working tree) in the repository ``root``.

    Raises :class:`.gitrev.RevisionError` when it cannot compare them."""
    gitrev.require_git_repository(root)
    if max_marking is not None and max_marking not in TLP_ORDER:
        raise gitrev.RevisionError(f"--max-marking {max_marking!r} is not a TLP label; use one of "
                                   f"{', '.join(TLP_ORDER)}")
    before = gitrev.resolve(root, base)
    after = gitrev.resolve(root, head) if head is not None else Revision("the working tree", None)
    if not (gitrev.has_records(root, before) or gitrev.has_records(root, after)):
        raise gitrev.RevisionError(f"{root} is not a briefing repository: it has no briefings/ or sources/ folder in "
                                   "either revision; give the repository's folder with --path")
    with paused_gc():
        stored = Stored(root)  # (the checker's records cache, read only: its records of unchanged files)
        try:
            repos = [gitrev.load_revision(root, revision, stored) for revision in (before, after)]
        finally:
            stored.close()
    diff = compare(*repos, before, after, max_marking)
    if fmt == "json":
        return json.dumps(diff.as_dict(), ensure_ascii=False, indent=2) + "\n"
    return as_markdown(diff) if fmt == "markdown" else as_text(diff)
