"""The one schema of briefing and source records, declared as typed fields.

The same declaration validates loaded YAML (turning :class:`~build_scripts.load.Node`
trees into typed records with positions, and every mistake into a diagnostic) and
generates the JSON Schema that editors use (:func:`json_schema`).
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass
from typing import Any

from . import model
from .diagnostics import Diagnostic, Severity, code, make
from .load import Node, describe
from .model import Loc

MISSING_KEY = code(
    "BRF101", "missing-key", Severity.ERROR, "A required key is missing",
    """
    Briefings need `title`, `date`, `status`, `marking`, `authors` and `summary`; source
    metadata needs `title` and `published`; list items have required keys of their own
    (a citation needs `source`, a key actor `id` and `name`...). The position is the
    start of the mapping that lacks the key.
    """,
    failing="title: EU and Korea\ndate: 2024-11-04\nstatus: draft\nmarking: TLP:CLEAR\nauthors: [K. Analyst]",
    passing="title: EU and Korea\ndate: 2024-11-04\nstatus: draft\nmarking: TLP:CLEAR\n"
            "authors: [K. Analyst]\nsummary: Borrell visits Seoul.",
)
UNKNOWN_KEY = code(
    "BRF102", "unknown-key", Severity.ERROR, "A key that the format does not know",
    """
    Every key must be one the format defines; a misspelt key would otherwise be
    silently ignored and its content lost from the site. The message names the closest
    known key.
    """,
    failing="title: EU and Korea\nsumary: Borrell visits Seoul.",
    passing="title: EU and Korea\nsummary: Borrell visits Seoul.",
)
WRONG_TYPE = code(
    "BRF103", "wrong-type", Severity.ERROR, "A value of the wrong type",
    """
    Each key expects a type: text, a date, a list or a mapping. YAML guesses types from
    the way a value is written, so `on: yes` is a boolean and `title: 1984` a number:
    put such text in quotes.
    """,
    failing="authors: K. Analyst",
    passing="authors: [K. Analyst]",
)
BAD_VALUE = code(
    "BRF104", "invalid-value", Severity.ERROR, "A value outside the allowed list",
    """
    Some keys take one of a fixed list of values: `status`, `marking` (TLP 2.0 labels),
    `likelihood` (ICD 203 terms), `confidence`, `reliability` (Admiralty A-F). The
    message lists them and suggests the closest.
    """,
    failing="likelihood: probable",
    passing="likelihood: likely",
)
BAD_DATE = code(
    "BRF105", "invalid-date", Severity.ERROR, "A date that is not a real YYYY-MM-DD date",
    """
    Dates are written `YYYY-MM-DD` and must exist in the calendar.
    """,
    failing="date: 2024-13-45",
    passing="date: 2024-11-04",
)
BAD_ID = code(
    "BRF106", "invalid-id", Severity.ERROR, "An id that is not lowercase words joined by hyphens",
    """
    Ids (file names, actor ids, question ids) are lowercase letters and digits joined
    by single hyphens, like `josep-borrell` or `rok-lethal-aid-to-ukraine`: they become
    web addresses. A file whose name is not a valid id is an error, never skipped.
    """,
    failing="key_actors:\n  - id: Josep_Borrell\n    name: Josep Borrell",
    passing="key_actors:\n  - id: josep-borrell\n    name: Josep Borrell",
)
BAD_URL = code(
    "BRF107", "invalid-url", Severity.ERROR, "A URL that is not http or https",
    """
    A source's `url` is where it was captured from; only `http://` and `https://`
    addresses are allowed (a `javascript:` or `file:` address would be unsafe on the
    site).
    """,
    failing="url: javascript:alert(1)",
    passing="url: https://www.example.org/news/borrell-seoul",
    failing_file="sources/example.yaml",
)
EMPTY_TEXT = code(
    "BRF108", "empty-text", Severity.ERROR, "A text value that is empty",
    """
    A key that is written must say something: an empty `stance:` or `quote: ''` is a
    placeholder left behind. Fill it in or remove the key.
    """,
    failing="title: ''",
    passing="title: EU and Korea",
)
BAD_FORMAT = code(
    "BRF109", "invalid-format", Severity.ERROR, "A value that does not have the expected form",
    """
    Some values have a fixed form: `lines` is `"12"` or `"12-14"`, `sha256` is 64
    hexadecimal digits, `language` a BCP 47 tag such as `en` or `ko-KR`.
    """,
    failing="cites:\n  - source: yonhap-2024-11-03-borrell-seoul\n    lines: 12 to 14",
    passing="cites:\n  - source: yonhap-2024-11-03-borrell-seoul\n    lines: \"12-14\"",
)

ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")  # fullmatch only: ``$`` lets a final newline through
_INVALID = object()


class Context:
    """What a validation run collects: the file it is in and the diagnostics found."""

    def __init__(self, file: str):
        self.file = file
        self.diagnostics: list[Diagnostic] = []

    def loc(self, node: Node) -> model.Loc:
        return model.Loc(self.file, node.line, node.column)

    def report(self, c, node: Node | tuple[int, int], message: str, hint: str = "") -> None:
        line, column = (node.line, node.column) if isinstance(node, Node) else node
        self.diagnostics.append(make(c, self.file, line, column, message, hint))


def closest(word: str, choices: list[str] | tuple[str, ...]) -> str | None:
    """The closest of ``choices`` to ``word``, if any is close enough to suggest."""
    lowered = {c.lower(): c for c in choices}
    if word.lower() in lowered:
        return lowered[word.lower()]
    found = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[found[0]] if found else None


KeyPath = tuple  # the keys and list indexes leading to a value, formatted only for messages


def fmt(path: KeyPath) -> str:
    """``("cites", 0, "quote")`` → ``cites[0].quote``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or "the file"


def _wrong(ctx: Context, node: Node, path: KeyPath, expected: str, hint: str = "") -> object:
    ctx.report(WRONG_TYPE, node, f"{fmt(path)}: expected {expected}, but found {describe(node)}", hint)
    return _INVALID


Defs = dict  # the ``$defs`` of a JSON Schema being generated, filled by the records in it


class Type:
    """A kind of value: converts a node, or reports why it cannot."""

    def convert(self, node: Node, ctx: Context, path: KeyPath) -> Any:
        raise NotImplementedError

    def json(self, defs: Defs) -> dict[str, Any]:
        """The JSON Schema of the values that :meth:`convert` accepts."""
        raise NotImplementedError


class Text(Type):
    def __init__(self, description: str = "text", markdown: bool = False):
        self.description = description
        self.markdown = markdown

    def convert(self, node: Node, ctx: Context, path: KeyPath) -> Any:
        if node.kind != "str":
            hint = "put the text in quotes" if node.kind in ("int", "float", "bool", "timestamp") else ""
            return _wrong(ctx, node, path, "text", hint)
        value = str(node.value)
        if not value.strip():
            ctx.report(EMPTY_TEXT, node, f"{fmt(path)}: the text is empty", "write the text or remove the key")
            return _INVALID
        return value

    def json(self, defs: Defs) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "string", "minLength": 1, "pattern": r"\S"}
        if self.markdown:
            schema["contentMediaType"] = "text/markdown"
        return schema


class Pattern(Text):
    """Text of a fixed form; with ``numbers``, a bare number YAML reads as one is taken too."""

    def __init__(self, regex: str, form: str, example: str, numbers: bool = False):
        super().__init__()
        self.regex = re.compile(regex)
        self.form = form
        self.example = example
        self.numbers = numbers

    def convert(self, node: Node, ctx: Context, path: KeyPath) -> Any:
        if self.numbers and node.kind == "int" and self.regex.fullmatch(str(node.value)):
            return str(node.value)
        value = super().convert(node, ctx, path)
        if value is _INVALID:
            return value
        # fullmatch, as ``$`` alone would let a trailing newline (a YAML block scalar) through
        if not self.regex.fullmatch(value):
            ctx.report(BAD_FORMAT, node, f"{fmt(path)}: expected {self.form}, but found {value!r}",
                       f"write it like {self.example}")
            return _INVALID
        return value

    def json(self, defs: Defs) -> dict[str, Any]:
        text = {"type": "string", "pattern": self.regex.pattern}
        if self.numbers:
            return {"anyOf": [text, {"type": "integer", "minimum": 1}]}
        return text


class Id(Text):
    def convert(self, node: Node, ctx: Context, path: KeyPath) -> Any:
        value = super().convert(node, ctx, path)
        if value is _INVALID:
            return value
        if not ID_PATTERN.fullmatch(value):
            ctx.report(BAD_ID, node, f"{fmt(path)}: {value!r} is not a valid id",
                       f"use lowercase letters, digits and single hyphens, like {suggest_id(value)!r}")
            return _INVALID
        return value

    def json(self, defs: Defs) -> dict[str, Any]:
        return {"type": "string", "pattern": ID_PATTERN.pattern}


def suggest_id(text: str) -> str:
    """A valid id made from ``text`` (used in hints)."""
    slug = re.sub(r"[^a-z0-9]+", "-", re.sub(r"\.(ya?ml|txt)$", "", text.lower())).strip("-")
    return slug or "my-id"


class Url(Text):
    def convert(self, node: Node, ctx: Context, path: KeyPath) -> Any:
        value = super().convert(node, ctx, path)
        if value is _INVALID:
            return value
        if not re.fullmatch(r"https?://[^\s/$.?#][^\s]*", value, re.IGNORECASE):
            ctx.report(BAD_URL, node, f"{fmt(path)}: {value!r} is not an http(s) address",
                       "write the full address, starting with https://")
            return _INVALID
        return value

    def json(self, defs: Defs) -> dict[str, Any]:
        return {"type": "string", "pattern": r"^[Hh][Tt][Tt][Pp][Ss]?://[^\s/$.?#][^\s]*$"}


class Date(Type):
    def convert(self, node: Node, ctx: Context, path: KeyPath) -> Any:
        if node.kind not in ("timestamp", "str"):
            return _wrong(ctx, node, path, "a date (YYYY-MM-DD)")
        text = str(node.value).strip()
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            ctx.report(BAD_DATE, node, f"{fmt(path)}: expected a date written YYYY-MM-DD, but found {text!r}",
                       "write the date like 2024-11-04")
            return _INVALID
        try:
            return dt.date.fromisoformat(text)
        except ValueError as exc:
            ctx.report(BAD_DATE, node, f"{fmt(path)}: {text} is not a real date ({exc})",
                       "check the month (01-12) and the day of the month")
            return _INVALID

    def json(self, defs: Defs) -> dict[str, Any]:
        # The checker also takes a quoted date with spaces around it, and checks the
        # calendar (no 30 February), which a pattern cannot.
        return {"type": "string", "pattern": r"^\s*[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])\s*$"}


class Enum(Type):
    """One of ``values``; with ``numbers``, a bare integer YAML reads as one is taken too
    (``credibility: 2``)."""

    def __init__(self, values: tuple[str, ...], renamed: dict[str, str] | None = None, numbers: bool = False,
                 yes_no: bool = False, meanings: dict[str, str] | None = None):
        self.values = values
        self.meanings = meanings or {}  # value -> what it means (Markdown), shown by an editor on hover
        self.renamed = renamed or {}
        self.numbers = numbers
        self.yes_no = yes_no  # ``outcome: no``, which YAML reads as false, is "no"

    def convert(self, node: Node, ctx: Context, path: KeyPath) -> Any:
        if self.yes_no and node.kind == "bool" and (node.text or "").lower() in ("yes", "no"):
            return node.text.lower()  # (not ``on``, ``true``...: those are reported below)
        if not (node.kind == "str" or self.numbers and node.kind == "int" or self.yes_no and node.kind == "bool"):
            return _wrong(ctx, node, path, "one of " + ", ".join(self.values))
        value = str(node.text if node.kind == "bool" else node.value)
        if value in self.values:
            return value
        allowed = ", ".join(self.values)
        hint = self.renamed.get(value.upper()) or self.renamed.get(value)
        if hint is None:
            guess = closest(value, self.values)
            hint = f"did you mean '{guess}'?" if guess else f"use one of: {allowed}"
        ctx.report(BAD_VALUE, node, f"{fmt(path)}: {value!r} is not one of: {allowed}", hint)
        return _INVALID

    def json(self, defs: Defs) -> dict[str, Any]:
        extra = [int(v) for v in self.values] if self.numbers else [True, False] if self.yes_no else []
        schema: dict[str, Any] = {"enum": [*self.values, *extra]}
        if self.meanings:
            told = [self.meanings[v] for v in self.values]
            told += [self.meanings[str(v)] for v in extra] if self.numbers else told[:2] if self.yes_no else []
            schema["enumDescriptions"] = [re.sub(r"[*`]", "", t) for t in told]
            schema["markdownEnumDescriptions"] = told
        return schema


class Bool(Type):
    def convert(self, node: Node, ctx: Context, path: KeyPath) -> Any:
        if node.kind != "bool":
            hint = "write true or false, without quotes" if node.kind == "str" else ""
            return _wrong(ctx, node, path, "true or false", hint)
        return bool(node.value)

    def json(self, defs: Defs) -> dict[str, Any]:
        return {"type": "boolean"}


class ListOf(Type):
    def __init__(self, item: Type):
        self.item = item

    def convert(self, node: Node, ctx: Context, path: KeyPath) -> Any:
        if node.kind == "null":
            return []
        if node.kind != "seq":
            hint = "write a list: [first, second] or one '- item' per line"
            return _wrong(ctx, node, path, "a list", hint)
        items = []
        for index, child in enumerate(node.value):  # type: ignore[arg-type]
            value = self.item.convert(child, ctx, path + (index,))
            if value is not _INVALID:
                items.append(value)
        return items

    def json(self, defs: Defs) -> dict[str, Any]:
        # An empty value (``tags:``) is read as an empty list.
        return {"type": ["array", "null"], "items": self.item.json(defs)}


@dataclass(frozen=True)
class Field:
    """One key of a record. ``cited``: a later check requires at least one item (BRF306)."""

    type: Type
    required: bool = False
    doc: str = ""
    cited: bool = False
    attr: str = ""  # the record's attribute, when the key is not a Python name (``from``)


class Rec(Type):
    """A mapping with known keys, converted into the record class ``cls``."""

    def __init__(self, cls: type, fields: dict[str, Field], title: str, doc: str = "",
                 snippets: list[dict[str, Any]] | None = None, needs: tuple[tuple[str, Any, str, bool], ...] = ()):
        self.cls = cls
        self.fields = fields
        self.title = title
        self.doc = doc
        self.snippets = snippets or []  # an editor's completions of a new record (``defaultSnippets``)
        # (key, value, other, only): ``other`` is required when ``key`` is ``value`` (with
        # ``only``, allowed only then): the checker's rules, told to the JSON Schema too
        self.needs = needs

    def convert(self, node: Node, ctx: Context, path: KeyPath, **extra: Any) -> Any:
        if node.kind != "map":
            return _wrong(ctx, node, path, f"a mapping ({self.title})")
        values: dict[str, Any] = {}
        locs: dict[str, model.Loc] = {}
        assert node.keys is not None
        children: dict[str, Node] = node.value  # type: ignore[assignment]
        broken: set[str] = set()
        file = ctx.file
        for key, child in children.items():
            spec = self.fields.get(key)
            if spec is None:
                guess = closest(key, list(self.fields))
                hint = f"did you mean '{guess}'?" if guess else "known keys: " + ", ".join(self.fields)
                ctx.report(UNKNOWN_KEY, node.keys[key], f"{fmt(path + (key,))}: unknown key in {self.title}", hint)
                continue
            value = spec.type.convert(child, ctx, path + (key,))
            locs[key] = Loc(file, child.line, child.column)
            if child.kind == "seq" and isinstance(spec.type, ListOf) and not isinstance(spec.type.item, Rec):
                for index, item in enumerate(child.value):  # type: ignore[arg-type]
                    locs[f"{key}.{index}"] = Loc(file, item.line, item.column)  # (``at("tags.0")``)
            if value is _INVALID:
                broken.add(key)
                continue
            values[spec.attr or key] = value
        for key, spec in self.fields.items():
            if spec.required and key not in children:
                where = f"{fmt(path)} " if path else ""
                ctx.report(MISSING_KEY, node, f"{where}missing required key '{key}' ({spec.doc})".strip(),
                           f"add '{key}:' to this {self.title}")
                broken.add(key)
        # A record with broken keys is still built (with defaults), so that later checks
        # see it and do not report knock-on errors; ``broken`` tells them what to skip.
        return self.cls(loc=ctx.loc(node), locs=locs, broken=frozenset(broken), **values, **extra)

    def json(self, defs: Defs) -> dict[str, Any]:
        """A reference to this record's schema, which goes into ``defs`` once."""
        name = self.title.replace(" ", "_")
        if name not in defs:
            defs[name] = {}  # taken before recursing, should a record ever contain itself
            defs[name] = self.schema(defs)
        return {"$ref": f"#/$defs/{name}"}

    def schema(self, defs: Defs) -> dict[str, Any]:
        """The JSON Schema of this record itself."""
        properties = {}
        for key, f in self.fields.items():
            prop = {"description": f.doc, "markdownDescription": _markdown_doc(f), **f.type.json(defs)} \
                if f.doc else f.type.json(defs)
            if f.cited:
                prop.update({"type": "array", "minItems": 1})
            properties[key] = prop
        schema: dict[str, Any] = {"title": self.title[:1].upper() + self.title[1:]}
        if self.doc:
            schema["description"] = self.doc
        schema.update({
            "type": "object",
            "properties": properties,
            "required": [k for k, f in self.fields.items() if f.required or f.cited],
            "additionalProperties": False,
        })
        if self.needs:
            schema["allOf"] = [rule for key, value, other, only in self.needs for rule in (
                {"if": {"properties": {key: {"const": value}}, "required": [key]}, "then": {"required": [other]}},
                *([{"if": {"required": [other]}, "then": {"properties": {key: {"const": value}}, "required": [key]}}]
                  if only else []),
            )]
        if self.snippets:
            schema["defaultSnippets"] = self.snippets
        return schema


def _markdown_doc(f: Field) -> str:
    """A field's documentation for an editor's hover: its text, and what each value means."""
    meanings = getattr(f.type, "meanings", None)
    if not meanings:
        return f.doc[:1].upper() + f.doc[1:] + "."
    return (f.doc[:1].upper() + f.doc[1:] + ":\n\n"
            + "\n".join(f"- `{value}`: {meaning}" for value, meaning in meanings.items()))


_MARKING = Enum(model.TLP_ORDER, meanings={
    "TLP:CLEAR": "TLP 2.0: disclosure is not limited",
    "TLP:GREEN": "TLP 2.0: limited disclosure, within the recipient's community",
    "TLP:AMBER": "TLP 2.0: limited disclosure, to the recipient's organisation and its clients on a need-to-know basis",
    "TLP:AMBER+STRICT": "TLP 2.0: limited disclosure, to the recipient's organisation only",
    "TLP:RED": "TLP 2.0: for the eyes and ears of individual recipients only, no further disclosure",
}, renamed={
    "TLP:WHITE": "TLP:WHITE was renamed TLP:CLEAR in TLP 2.0; write TLP:CLEAR",
    "CLEAR": "write the full label: TLP:CLEAR", "GREEN": "write the full label: TLP:GREEN",
    "AMBER": "write the full label: TLP:AMBER", "RED": "write the full label: TLP:RED",
    "AMBER+STRICT": "write the full label: TLP:AMBER+STRICT",
})
_LIKELIHOOD = Enum(model.LIKELIHOODS, meanings={
    term: f"{low}-{high}% (ICD 203)" for term, (low, high) in model.LIKELIHOOD_RANGES.items()})
_CONFIDENCE = Enum(model.CONFIDENCES, meanings={
    "low": "questionable or fragmentary information, poorly corroborated, or sources of doubtful reliability",
    "moderate": "credibly sourced and plausible, but not corroborated enough for high confidence",
    "high": "well-corroborated information from proven sources; the judgment could still be wrong",
})
LINES = Pattern(r"^(\d+)(-(\d+))?$", "a line number or range such as \"12\" or \"12-14\"", '"12-14"',
                numbers=True)
PAGES = Pattern(r"^(\d+)(-(\d+))?$", "a page number or range such as \"3\" or \"3-4\"", '"3-4"',
                numbers=True)

CITATION = Rec(model.Citation, {
    "source": Field(Id(), True, "id of the cited source: the file name in sources/ without .txt"),
    "quote": Field(Text(), doc="exact words of the source (typography, spacing and case are normalised; '...' elides)"),
    "lines": Field(LINES, doc='1-based line or range of the source text, "12" or "12-14"'),
    "page": Field(PAGES, doc='of a source made from a PDF: the page or pages the quote is on, "3" or "3-4"'),
    "credibility": Field(Enum(model.CREDIBILITIES, numbers=True, meanings=model.CREDIBILITY_MEANINGS),
                         doc="Admiralty information credibility, 1 (confirmed) to 6 (cannot be judged)"),
    "note": Field(Text(), doc="a remark on the citation (shown with it)"),
}, "citation", "A source that supports the claim: its id, and the quote or lines that do.", snippets=[
    {"label": "citation", "description": "a source and the exact words that support the claim",
     "body": {"source": "$1", "quote": "$2"}},
])
CITES = ListOf(CITATION)

ACTOR = Rec(model.Actor, {
    "id": Field(Id(), True, "actor id, shared across briefings: lowercase-with-hyphens"),
    "name": Field(Text(), True, "full name"),
    "role": Field(Text(), doc="office or function at the time of the briefing"),
    "affiliation": Field(Text(), doc="state, organisation or group"),
}, "key actor", "A person or body the briefing is about.")

POSITION = Rec(model.Position, {
    "actor": Field(Id(), True, "id of one of this briefing's key_actors"),
    "on": Field(Text(), True, "the issue the position is about"),
    "stance": Field(Text(markdown=True), True, "what the actor said or committed to"),
    "date": Field(Date(), doc="when the position was stated"),
    "cites": Field(CITES, doc="the sources where the position is stated (at least one)", cited=True),
}, "position", "What a key actor said or committed to, with where they said it.")

ASSUMPTION = Rec(model.Assumption, {
    "id": Field(Id(), True, "assumption id, named by the judgments that rest on it"),
    "assumption": Field(Text(markdown=True), True, "what the judgments take as true that the sources do not show"),
    "linchpin": Field(Bool(), doc="true when a judgment stands or falls with it"),
    "if_wrong": Field(Text(markdown=True), doc="what follows if it proves wrong; required for a linchpin"),
    "cites": Field(CITES, doc="sources that bear on it (optional)"),
}, "assumption", "A premise the judgments rest on that the evidence does not show (ICD 203).",
    needs=(("linchpin", True, "if_wrong", False),))

ALTERNATIVE = Rec(model.Alternative, {
    "hypothesis": Field(Text(markdown=True), True, "a competing outcome"),
    "likelihood": Field(_LIKELIHOOD, True, "ICD 203 likelihood of this outcome"),
    "indicators": Field(ListOf(Text()), doc="what would show that this outcome is coming"),
    "cites": Field(CITES, doc="the evidence for it"),
}, "alternative", "An outcome that competes with the judgment, with its likelihood (ICD 203).")

JUDGMENT = Rec(model.Judgment, {
    "id": Field(Id(), doc="judgment id, stable within the briefing"),
    "judgment": Field(Text(markdown=True), True, "the analytic judgment"),
    "likelihood": Field(_LIKELIHOOD, doc="ICD 203 likelihood term"),
    "confidence": Field(_CONFIDENCE, doc="analytic confidence: low, moderate or high"),
    "assumptions": Field(ListOf(Id()), doc="ids of this briefing's assumptions the judgment rests on"),
    "alternatives": Field(ListOf(ALTERNATIVE), doc="competing outcomes, with their likelihood"),
    "cites": Field(CITES, doc="the evidence"),
}, "key judgment", "An analytic judgment, with ICD 203 likelihood and confidence.", snippets=[
    {"label": "key judgment", "description": "a judgment with its likelihood, confidence and evidence",
     "body": {"id": "$1", "judgment": "$2", "likelihood": "${3|" + ",".join(model.LIKELIHOODS) + "|}",
              "confidence": "${4|low,moderate,high|}", "cites": [{"source": "$5", "quote": "$6"}]}},
])

CHANGE = Rec(model.Change, {
    "from": Field(_LIKELIHOOD, True, "the likelihood of the previous assessment", attr="from_"),
    "reason": Field(Text(markdown=True), True, "why the judgment moved (Markdown)"),
}, "change of line", "Why the likelihood moved since the question's previous assessment.")

RESOLUTION = Rec(model.Resolution, {
    "date": Field(Date(), True, "when the answer became known"),
    "outcome": Field(Enum(model.OUTCOMES, yes_no=True, meanings={
        "yes": "what the question asks happened", "no": "it did not happen by the time it had to",
        "annulled": "the question no longer made sense (it is left out of the scores)"}), True, "yes, no or annulled"),
    "note": Field(Text(markdown=True), doc="how it resolved (Markdown)"),
    "cites": Field(CITES, doc="the sources that show the outcome"),
}, "resolution", "How a resolved question was answered.")

QUESTION = Rec(model.Question, {
    "id": Field(Id(), True, "question id; the same id in several briefings is the same question"),
    "question": Field(Text(), True, "the question, ending with a question mark"),
    "status": Field(Enum(model.QUESTION_STATUSES), doc="open, resolved or dropped"),
    "likelihood": Field(_LIKELIHOOD, doc="ICD 203 likelihood that the answer is yes"),
    "confidence": Field(_CONFIDENCE, doc="analytic confidence: low, moderate or high"),
    "assessment": Field(Text(markdown=True), doc="the current assessment (Markdown)"),
    "indicators": Field(ListOf(Text()), doc="what would change the assessment"),
    "change": Field(CHANGE, doc="required when the likelihood moved since the previous assessment"),
    "criteria": Field(Text(markdown=True), doc='what counts as "yes" (Markdown)'),
    "resolves_by": Field(Date(), doc="the date by which the question is expected to resolve"),
    "resolution": Field(RESOLUTION, doc="required when status is resolved"),
    "cites": Field(CITES, doc="the evidence"),
}, "open question", "A question re-assessed across briefings; its id is shared by all of them.",
    needs=(("status", "resolved", "resolution", True),), snippets=[
    {"label": "open question", "description": "a question re-assessed across briefings",
     "body": {"id": "$1", "question": "$2", "status": "open",
              "likelihood": "${3|" + ",".join(model.LIKELIHOODS) + "|}", "confidence": "${4|low,moderate,high|}",
              "assessment": "$5", "cites": [{"source": "$6", "quote": "$7"}]}},
])

EVENT = Rec(model.Event, {
    "date": Field(Date(), True, "when it happened"),
    "event": Field(Text(markdown=True), True, "what happened"),
    "cites": Field(CITES, doc="the sources that report it"),
}, "timeline event", "A dated event.")

BRIEFING = Rec(model.Briefing, {
    "title": Field(Text(), True, "the briefing's headline"),
    "date": Field(Date(), True, "as-of date of the assessment, YYYY-MM-DD"),
    "status": Field(Enum(model.STATUSES), True, "draft, published or superseded"),
    "marking": Field(_MARKING, True, "TLP label: TLP:CLEAR, TLP:GREEN, TLP:AMBER, TLP:AMBER+STRICT or TLP:RED"),
    "authors": Field(ListOf(Text()), True, "the analysts who wrote it"),
    "tags": Field(ListOf(Id()), doc="topics, lowercase-with-hyphens"),
    "summary": Field(Text(markdown=True), True, "bottom line up front (Markdown)"),
    "key_actors": Field(ListOf(ACTOR), doc="the people and bodies the briefing is about"),
    "positions": Field(ListOf(POSITION), doc="stated positions of key actors"),
    "assumptions": Field(ListOf(ASSUMPTION), doc="what the judgments rest on that the sources do not show"),
    "key_judgments": Field(ListOf(JUDGMENT), doc="analytic judgments with likelihood and confidence"),
    "open_questions": Field(ListOf(QUESTION), doc="questions re-assessed across briefings"),
    "timeline": Field(ListOf(EVENT), doc="dated events"),
    "implications": Field(Text(markdown=True), doc="what it means for the reader (Markdown)"),
    "superseded_by": Field(Id(), doc="id of the briefing that replaces this one; required when status is superseded"),
}, "briefing", "An intelligence briefing: briefings/<id>.yaml.",
    needs=(("status", "superseded", "superseded_by", True),))

SOURCE = Rec(model.Source, {
    "title": Field(Text(), True, "headline or document title"),
    "published": Field(Date(), True, "date the source was published, YYYY-MM-DD"),
    "publisher": Field(Text(), doc="outlet or issuing body"),
    "url": Field(Url(), doc="where it was captured from (http/https only)"),
    "retrieved": Field(Date(), doc="date it was captured, YYYY-MM-DD"),
    "language": Field(Pattern(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$", "a BCP 47 language tag", "en or ko-KR"),
                      doc="BCP 47 language tag, default en"),
    "reliability": Field(Enum(model.RELIABILITIES, meanings=model.RELIABILITY_MEANINGS), doc="Admiralty source reliability, A (reliable) to F (cannot be judged)"),
    "marking": Field(_MARKING, doc="TLP label, default TLP:CLEAR"),
    "sha256": Field(Pattern(r"^[0-9a-fA-F]{64}$", "64 hexadecimal digits", "the output of 'sha256sum'"),
                    doc="hex SHA-256 digest of the .txt; when present it must match"),
    "original": Field(Pattern(r"^[a-z0-9]+(-[a-z0-9]+)*\.(html|pdf)$", "the file name <id>.html or <id>.pdf",
                              "yonhap-2024-11-03-borrell-seoul.html"),
                      doc="file name of the original capture kept beside the text: <id>.html or <id>.pdf"),
    "original_sha256": Field(Pattern(r"^[0-9a-fA-F]{64}$", "64 hexadecimal digits", "the output of 'sha256sum'"),
                             doc="hex SHA-256 digest of the original; required with original, and it must match"),
    "extracted_with": Field(Text(), doc="tool and version that made the .txt from the original, e.g. trafilatura 2.3.1"),
    "derived_from": Field(ListOf(Id()), doc="ids of sources this one re-reports (a wire story reprinted, a translation)"),
}, "source", "The metadata of an archived source text: sources/<id>.yaml beside sources/<id>.txt.")


JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def json_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of ``briefing`` or ``source`` files.

    Read as the checker reads YAML, it rejects every record that the declaration above
    rejects, and also a position without citations and line 0. It cannot say what needs
    other files or a calendar (quotes, ids that must exist, markings, 30 February): those
    stay the checker's alone.
    """
    root = {"briefing": BRIEFING, "source": SOURCE}[kind]
    defs: Defs = {}
    schema = root.schema(defs)
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": f"https://briefings-as-code.invalid/schemas/{kind}.schema.json",
        "title": schema.pop("title"),
        "description": f"{schema.pop('description')} Generated from build_scripts/schema.py "
                       "by 'python -m build_scripts.jsonschema_files'; do not edit by hand.",
        **schema,
        **({"$defs": dict(sorted(defs.items()))} if defs else {}),
    }
