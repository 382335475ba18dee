"""Load YAML into nodes that remember the 1-based line and column of every key and value.

Parsing uses libyaml (``CSafeLoader``) to compose a node graph; this module then turns
that graph into :class:`Node` values itself, so that it can refuse what safe YAML
should not carry (custom or Python tags, duplicate keys, alias bombs, deep nesting)
as diagnostics instead of exceptions.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Union

import yaml

from .diagnostics import Diagnostic, Severity, code, make

try:  # libyaml is the fast path; the pure-Python loader gives the same nodes.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_NODES = 100_000
MAX_DEPTH = 64

YAML_SYNTAX = code(
    "BRF001", "yaml-syntax", Severity.ERROR, "The file is not valid YAML",
    """
    The YAML parser could not read the file. The message says what it expected and
    the position points where it gave up; the real mistake is often just before it
    (an unclosed quote, a tab used for indentation, a missing space after a colon).
    """,
    failing="title: 'EU and Korea\ndate: 2024-11-04",
    passing="title: 'EU and Korea'\ndate: 2024-11-04",
)
DUPLICATE_KEY = code(
    "BRF002", "duplicate-key", Severity.ERROR, "A key appears twice in the same mapping",
    """
    YAML would silently keep only the last value, so a second `date:` would hide the
    first. Keep one of them.
    """,
    failing="date: 2024-11-04\ndate: 2024-11-05",
    passing="date: 2024-11-05",
)
NOT_UTF8 = code(
    "BRF003", "encoding", Severity.ERROR, "The file is not UTF-8 text",
    """
    Briefings, source metadata and archived texts must be saved as UTF-8. Re-save the
    file as UTF-8 in your editor (in VS Code: "Save with Encoding"). For an archived
    text, convert the capture (for example `iconv -f latin1 -t utf-8`) before adding it.
    """,
    failing="title: Caf\\xe9 talks   # byte 0xE9 is Latin-1, not UTF-8",
    passing="title: Café talks",
)
UNSAFE_TAG = code(
    "BRF004", "yaml-tag", Severity.ERROR, "A YAML tag that briefings do not allow",
    """
    Only plain YAML values are allowed: text, numbers, booleans, dates, lists and
    mappings. Tags such as `!!python/object` or `!include` could make a loader run code
    or read other files; they are refused. Remove the tag and write the value plainly.
    """,
    failing="title: !!python/object/apply:os.system ['id']",
    passing="title: EU and Korea",
)
TOO_LARGE = code(
    "BRF005", "yaml-too-large", Severity.ERROR, "The document is too large or too deeply nested",
    f"""
    A YAML file may be at most {MAX_FILE_BYTES // (1024 * 1024)} MiB, nest at most
    {MAX_DEPTH} levels deep and expand to at most {MAX_NODES:,} values once aliases
    (`*name`) are resolved. Beyond that the file is not a briefing but an attack or an
    accident ("billion laughs"). Split the content or remove the aliases.
    """,
    failing='a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n'
            'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n# ... and so on',
    passing="tags: [korea, eu]",
)
NOT_A_MAPPING = code(
    "BRF006", "not-a-mapping", Severity.ERROR, "The file is empty or not a mapping of keys",
    """
    A briefing or source metadata file is a YAML mapping: `key: value` lines at the top
    level. An empty file, a bare list or a single text is not a record.
    """,
    failing="- title: EU and Korea",
    passing="title: EU and Korea",
)
KEY_NOT_TEXT = code(
    "BRF007", "key-not-text", Severity.ERROR, "A mapping key is not plain text",
    """
    Keys are field names such as `title` or `cites`; a list, a mapping or a null as a
    key is a typing mistake (often a stray `?` or a missing colon).
    """,
    failing="? [title]\n: EU and Korea",
    passing="title: EU and Korea",
)

BIDI_CONTROL = code(
    "BRF008", "bidi-control", Severity.ERROR, "An invisible character that reorders the text",
    """
    Bidirectional embedding, override and isolate controls (U+202A to U+202E, U+2066 to
    U+2069) are invisible and make the text after them display in another order than
    it is stored ("Trojan Source"): a quote could read one way on screen and say
    another. They are refused anywhere in a briefing or source metadata file, comments
    included; the message gives the line and column of each. Delete them (most editors
    do not show them; VS Code marks them when `editor.unicodeHighlight` is on). In an
    archived source text they are simply ignored when quotes are matched.
    """,
    failing='quote: "to the next \\u202elevel"   # or the invisible character U+202E itself',
    passing='quote: "to the next level"',
)

Scalar = Union[str, int, float, bool, None]


@dataclass(slots=True)
class Node:
    """A YAML value with its position.

    ``kind`` is one of ``str``, ``int``, ``float``, ``bool``, ``null``, ``timestamp``
    (kept as its text), ``map`` (``value`` is ``dict[str, Node]``, ``keys`` holds each
    key's position) or ``seq`` (``value`` is ``list[Node]``).
    """

    kind: str
    value: object
    line: int
    column: int
    keys: dict[str, tuple[int, int]] | None = None
    text: str | None = None  # of a boolean: how it was written (``yes``, ``on``, ``true``...)


_SCALAR_KINDS = {
    "tag:yaml.org,2002:str": "str",
    "tag:yaml.org,2002:int": "int",
    "tag:yaml.org,2002:float": "float",
    "tag:yaml.org,2002:bool": "bool",
    "tag:yaml.org,2002:null": "null",
    "tag:yaml.org,2002:timestamp": "timestamp",
}
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_constructor = yaml.constructor.SafeConstructor()
_STR = "tag:yaml.org,2002:str"
_RESOLVABLE = frozenset(k for k in _Loader.yaml_implicit_resolvers if k)


class _FastLoader(_Loader):
    """libyaml's loader with a shortcut for the common case of resolving tags.

    Plain scalars whose first character cannot start a number, boolean, null or date
    are text; only the others go through PyYAML's regular expressions.
    """

    def resolve(self, kind, value, implicit):  # type: ignore[override]
        if kind is yaml.ScalarNode:
            if implicit[0]:
                if value and value[0] not in _RESOLVABLE:
                    return _STR
            elif implicit[1]:
                return _STR
        elif kind is yaml.MappingNode:
            return _MAP
        elif kind is yaml.SequenceNode:
            return _SEQ
        return super().resolve(kind, value, implicit)


class _Abort(Exception):
    """Raised inside the walk when the document must be given up as a whole."""

    def __init__(self, diagnostic: Diagnostic):
        self.diagnostic = diagnostic


def decode(data: bytes, file: str) -> tuple[str | None, Diagnostic | None]:
    """Decode UTF-8 (a byte-order mark is allowed and dropped); report the first bad byte."""
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        bad = data[exc.start : exc.start + 1].hex().upper()
        return None, make(
            NOT_UTF8, file, line, column,
            f"byte 0x{bad} is not valid UTF-8",
            "re-save the file as UTF-8 (in VS Code: 'Save with Encoding' > UTF-8)",
        )


def load_yaml(data: bytes, file: str) -> tuple[Node | None, list[Diagnostic]]:
    """Parse ``data`` (the bytes of ``file``) into a mapping :class:`Node`.

    Returns the node (``None`` when the file cannot be used at all) and the
    diagnostics found. Never raises for bad input.
    """
    if len(data) > MAX_FILE_BYTES:
        return None, [make(TOO_LARGE, file, 1, 1,
                           f"the file is {len(data):,} bytes; a YAML record may be at most "
                           f"{MAX_FILE_BYTES:,}", "split the content or archive it as a source text")]
    text, problem = decode(data, file)
    if problem is not None:
        return None, [problem]
    assert text is not None
    controls = [] if text.isascii() else bidi_controls(text, file)
    node, problems = _load_text(text, file)
    return node, controls + problems


_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
# ... and the line breaks of YAML 1.1, by which libyaml counts lines.
_BIDI_OR_BREAK = re.compile("(\r\n|[\r\n\x85\u2028\u2029])|[\u202a-\u202e\u2066-\u2069]")
MAX_BIDI_REPORTS = 100  # per file; a file full of them gets one more diagnostic that counts the rest


def bidi_controls(text: str, file: str) -> list[Diagnostic]:
    """One diagnostic for each bidirectional control character in ``text``, where it is."""
    if not _BIDI.search(text):
        return []
    found: list[Diagnostic] = []
    line, line_start, more = 1, 0, 0
    for match in _BIDI_OR_BREAK.finditer(text):
        if match.group(1):
            line, line_start = line + 1, match.end()
            continue
        if len(found) == MAX_BIDI_REPORTS:
            more += 1
            continue
        char = match.group()
        found.append(make(
            BIDI_CONTROL, file, line, match.start() - line_start + 1,
            f"invisible bidirectional control U+{ord(char):04X} {unicodedata.name(char)}",
            "delete it: it makes the text display otherwise than it is stored"))
    if more:
        last = found[-1]
        found[-1] = make(BIDI_CONTROL, file, last.line, last.column,
                         f"{last.message}, and {more:,} more after it in this file", last.hint)
    return found


def _load_text(text: str, file: str) -> tuple[Node | None, list[Diagnostic]]:
    try:
        deep = _too_deep(text)
        if deep is not None:
            return None, [make(TOO_LARGE, file, deep[0], deep[1],
                               f"the document nests more than {MAX_DEPTH} levels deep", "flatten the structure")]
        root = yaml.compose(text, Loader=_FastLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem_text = exc.problem or "invalid YAML"
        if exc.context:
            problem_text = f"{problem_text} ({exc.context})"
        return None, [make(YAML_SYNTAX, file, line, column, problem_text, _syntax_hint(problem_text))]
    except (yaml.YAMLError, RecursionError) as exc:
        return None, [make(YAML_SYNTAX, file, 1, 1, f"cannot parse YAML: {exc}".splitlines()[0])]
    if root is None:
        return None, [make(NOT_A_MAPPING, file, 1, 1, "the file is empty",
                           "write the record's keys, for example 'title: ...'")]
    walker = _Walker(file, text)
    try:
        node = walker.walk(root, 0)
    except _Abort as abort:
        return None, walker.diagnostics + [abort.diagnostic]
    if node.kind != "map":
        return None, walker.diagnostics + [make(
            NOT_A_MAPPING, file, node.line, node.column,
            f"expected a mapping of keys at the top level, but found {describe(node)}",
            "write the record as 'key: value' lines starting at the first column")]
    return node, walker.diagnostics


#: libyaml survives nesting ten thousand levels deep; reaching that takes at least two
#: bytes a level, so only larger documents need measuring before they are composed.
_DEEP_ENOUGH_TO_CRASH = 16_000
_OPEN = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_CLOSE = (yaml.SequenceEndEvent, yaml.MappingEndEvent)


def _too_deep(text: str) -> tuple[int, int] | None:
    """Where the nesting first exceeds ``MAX_DEPTH``, for documents that might nest deeply.

    libyaml composes recursively and would crash the interpreter on extreme nesting, so
    such documents are measured first from the parser's flat event stream.
    """
    if len(text) < _DEEP_ENOUGH_TO_CRASH:
        return None
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, _OPEN):
            depth += 1
            if depth > MAX_DEPTH:
                return event.start_mark.line + 1, event.start_mark.column + 1
        elif isinstance(event, _CLOSE):
            depth -= 1
    return None


def _syntax_hint(problem: str) -> str:
    if "tab" in problem:
        return "indent with spaces, never tabs"
    if "mapping values are not allowed" in problem:
        return "a value containing ': ' must be quoted, for example title: 'Seoul: day one'"
    if "found unexpected end of stream" in problem or "while scanning a quoted scalar" in problem:
        return "a quoted text is not closed; add the closing quote"
    return "check the line above as well: YAML often notices a mistake one line late"


def describe(node: Node) -> str:
    """Say what a node is, for 'expected X, but found Y' messages."""
    if node.kind == "map":
        return "a mapping"
    if node.kind == "seq":
        return "a list"
    if node.kind == "null":
        return "nothing (an empty value)"
    if node.kind == "timestamp":
        return f"the date {node.value}"
    shown = str(node.value)
    if len(shown) > 40:
        shown = shown[:37] + "..."
    names = {"str": "the text", "int": "the number", "float": "the number", "bool": "the boolean"}
    return f"{names[node.kind]} {shown!r}" if node.kind == "str" else f"{names[node.kind]} {shown}"


class _Walker:
    """Turns a composed libyaml node graph into :class:`Node` values, within bounds."""

    def __init__(self, file: str, text: str = ""):
        self.file = file
        self.text = text
        self.count = 0
        self.diagnostics: list[Diagnostic] = []

    def walk(self, node: yaml.Node, depth: int) -> Node:
        self.count += 1
        line, column = node.start_mark.line + 1, node.start_mark.column + 1
        if self.count > MAX_NODES:
            raise _Abort(make(TOO_LARGE, self.file, line, column,
                              f"the document expands to more than {MAX_NODES:,} values "
                              "(aliases repeated inside aliases?)",
                              "remove the '&anchor' / '*alias' repetitions"))
        if depth > MAX_DEPTH:
            raise _Abort(make(TOO_LARGE, self.file, line, column,
                              f"the document nests more than {MAX_DEPTH} levels deep",
                              "flatten the structure"))
        tag = node.tag
        if isinstance(node, yaml.ScalarNode):
            kind = _SCALAR_KINDS.get(tag)
            if kind is None:
                self._bad_tag(tag, line, column)
                return Node("str", node.value, line, column)
            if kind in ("str", "timestamp"):
                if kind == "str" and not node.value.isascii():
                    self._escaped_bidi(node, line, column)
                return Node(kind, node.value, line, column)
            try:
                value = _constructor.construct_object(node, deep=True)
            except (yaml.YAMLError, ValueError, OverflowError):
                return Node("str", node.value, line, column)
            return Node(kind, value, line, column, text=node.value if kind == "bool" else None)
        if isinstance(node, yaml.SequenceNode):
            if tag != _SEQ:
                self._bad_tag(tag, line, column)
            return Node("seq", [self.walk(item, depth + 1) for item in node.value], line, column)
        if tag != _MAP:
            self._bad_tag(tag, line, column)
        values: dict[str, Node] = {}
        keys: dict[str, tuple[int, int]] = {}
        for key_node, value_node in node.value:
            key_line, key_column = key_node.start_mark.line + 1, key_node.start_mark.column + 1
            if not isinstance(key_node, yaml.ScalarNode):
                self.count += 1
                self.diagnostics.append(make(
                    KEY_NOT_TEXT, self.file, key_line, key_column,
                    "a mapping key must be plain text, but found a "
                    + ("list" if isinstance(key_node, yaml.SequenceNode) else "mapping"),
                    "write the key as a plain word followed by a colon"))
                continue
            key = str(key_node.value)
            if key in values:
                first = keys[key]
                self.diagnostics.append(make(
                    DUPLICATE_KEY, self.file, key_line, key_column,
                    f"duplicate key '{key}' (first defined at line {first[0]})",
                    f"keep only one '{key}:' in this mapping"))
                self.walk(value_node, depth + 1)
                continue
            keys[key] = (key_line, key_column)
            values[key] = self.walk(value_node, depth + 1)
        return Node("map", values, line, column, keys)

    def _escaped_bidi(self, node: yaml.ScalarNode, line: int, column: int) -> None:
        """A bidirectional control written as an escape (``"\\u202e"``) in a value."""
        found = _BIDI.search(node.value)
        if found is None or _BIDI.search(self.text, node.start_mark.index, node.end_mark.index):
            return  # none, or written as itself: reported where it stands
        char = found.group()
        self.diagnostics.append(make(
            BIDI_CONTROL, self.file, line, column,
            f"this text holds the bidirectional control U+{ord(char):04X} {unicodedata.name(char)}, "
            "written as an escape", "delete the escape: it makes the text display otherwise than it is stored"))

    def _bad_tag(self, tag: str, line: int, column: int) -> None:
        shown = tag.replace("tag:yaml.org,2002:", "!!")
        self.diagnostics.append(make(
            UNSAFE_TAG, self.file, line, column,
            f"the tag '{shown}' is not allowed in a briefing repository",
            "remove the tag; write the value as plain text, a list or a mapping"))
