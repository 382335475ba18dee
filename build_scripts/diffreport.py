"""``briefings diff`` as a reviewer reads it (SPEC 8): the comparison of :mod:`.diff` as
text for a terminal, Markdown for a pull request, or JSON.

Everything a record holds is untrusted: in the Markdown it is written as text (HTML
characters as entities, ``@`` and ``#`` kept from becoming mentions and references,
invisible and control characters by their code point).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from . import gitrev
from .diff import MOVED, Change, Diff, Entry, compare, scalar
from .gitrev import Revision
from .model import LIKELIHOOD_BANDS, TLP_ORDER, marking_rank
from .pipeline import paused_gc
from .records import Stored

SHOWN_CHARS = 200  # of a text value in the text and markdown formats (JSON has it whole)
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
    found = [(e, c) for e in diff.briefings if not e.hidden for c in e.changes if c.kind in MOVED]
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
        status, date = md(record.status), md(scalar(record.date))  # type: ignore[union-attr]
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
    if any(c.kind not in MOVED for c in entry.changes):
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
    text = _shorten(str(scalar(value)))
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
