"""The JSON Schema files in schemas/: generated, valid for every example, and agreeing with the checker.

Records are read for the schema the way the checker reads them (YAML 1.1 types), except
that dates stay text, as an editor reads them. Patterns are applied with JSON Schema's
own (ECMA-262) meaning of ``$``, the end of the text; Python's would also match before
a final newline.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from build_scripts import jsonschema_files
from build_scripts.schema import JSON_SCHEMA_DIALECT
from conftest import BRIEFING, ROOT, SOURCE_A, source_meta

B = "briefings/b.yaml"
S = "sources/src-a.yaml"
REGENERATE = "run 'python -m build_scripts.jsonschema_files' and commit schemas/"

_CONSTRUCT = yaml.constructor.SafeConstructor()
_AS_TEXT = {"tag:yaml.org,2002:str", "tag:yaml.org,2002:timestamp"}


def as_json(node: yaml.Node) -> object:
    """The JSON value of a composed YAML node, with dates kept as text."""
    if isinstance(node, yaml.MappingNode):
        return {str(key.value): as_json(value) for key, value in node.value}
    if isinstance(node, yaml.SequenceNode):
        return [as_json(item) for item in node.value]
    if node.tag in _AS_TEXT:
        return node.value
    return _CONSTRUCT.construct_object(node, deep=True)


def read(text: str) -> object:
    return as_json(yaml.compose(text, Loader=yaml.SafeLoader))


def _ecma_pattern(validator, pattern: str, instance, schema):
    if validator.is_type(instance, "string"):
        anchored = pattern[:-1] + r"\Z" if pattern.endswith("$") and not pattern.endswith("\\$") else pattern
        if not re.search(anchored, instance):
            yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")


def validator(kind: str) -> jsonschema.protocols.Validator:
    schema = json.loads((ROOT / jsonschema_files.path(kind)).read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    assert cls is jsonschema.Draft202012Validator
    cls.check_schema(schema)
    ecma = jsonschema.validators.extend(cls, {"pattern": _ecma_pattern})
    return ecma(schema, format_checker=cls.FORMAT_CHECKER)


def schema_errors(kind: str, text: str) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator(kind).iter_errors(read(text))]


# (a) the committed files are what the generator writes

def test_committed_schema_files_are_up_to_date():
    for rel, text in jsonschema_files.render().items():
        committed = ROOT / rel
        assert committed.exists(), f"{rel} is missing: {REGENERATE}"
        assert committed.read_text(encoding="utf-8") == text, f"{rel} is out of date: {REGENERATE}"


def test_generator_writes_stable_files(tmp_path):
    assert jsonschema_files.write(tmp_path) == ["schemas/briefing.schema.json", "schemas/source.schema.json"]
    assert jsonschema_files.write(tmp_path) == []
    for kind in jsonschema_files.KINDS:
        text = (tmp_path / jsonschema_files.path(kind)).read_text(encoding="utf-8")
        assert text.endswith("}\n") and text.startswith('{\n  "$schema": ')
        schema = json.loads(text)
        assert schema["$schema"] == JSON_SCHEMA_DIALECT == "https://json-schema.org/draft/2020-12/schema"
        assert schema["$id"].endswith(f"/schemas/{kind}.schema.json")
        assert schema["title"] and schema["description"]


def test_generator_command_line(tmp_path, capsys):
    assert jsonschema_files.main([str(tmp_path)]) == 0
    assert capsys.readouterr().out == "wrote schemas/briefing.schema.json\nwrote schemas/source.schema.json\n"
    assert jsonschema_files.main([str(tmp_path)]) == 0
    assert capsys.readouterr().out == "schemas are up to date\n"
    assert jsonschema_files.main(["--help"]) == 2


def test_every_key_is_described_and_closed():
    def walk(schema: dict, where: str) -> None:
        if schema.get("type") == "object":
            assert schema["additionalProperties"] is False, where
            for key, prop in schema["properties"].items():
                assert prop.get("description"), f"{where}.{key} has no description"
        for sub in schema.get("$defs", {}).values():
            walk(sub, where + " $defs")

    for kind in jsonschema_files.KINDS:
        walk(json.loads(jsonschema_files.render()[jsonschema_files.path(kind)]), kind)


# (b) every example record validates

EXAMPLES = sorted((ROOT / "briefings").glob("*.yaml")) + sorted((ROOT / "sources").glob("*.yaml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_example_records_validate(path: Path):
    kind = "briefing" if path.parent.name == "briefings" else "source"
    text = path.read_text(encoding="utf-8")
    assert text.split("\n", 1)[0] == f"# yaml-language-server: $schema=../schemas/{kind}.schema.json"
    assert schema_errors(kind, text) == []


def test_there_are_examples_of_both_kinds():
    assert {p.parent.name for p in EXAMPLES} == {"briefings", "sources"}


# (c) the schema rejects what the checker rejects

ASSUMPTION = "assumptions:\n  - id: policy-stable\n    assumption: Policy follows statements.\n"
JUDGMENT = (ASSUMPTION + "key_judgments:\n  - judgment: Seoul stays non-lethal.\n    likelihood: likely\n"
            "    confidence: moderate\n    assumptions: [policy-stable]\n")
ALTERNATIVE = "    alternatives:\n      - hypothesis: Seoul sends weapons.\n        likelihood: unlikely\n"
RESOLUTION = "    resolution:\n      date: 2024-11-04\n      outcome: no\n"
QUESTION = "open_questions:\n  - id: rok-lethal-aid\n    question: Will Seoul send weapons?\n    status: open\n"
DIGEST = "sha256: " + hashlib.sha256(SOURCE_A.encode()).hexdigest()
DECIMAL = "sha256: " + "1234567890" * 6 + "1234"  # 64 decimal digits: YAML reads them as a number

REJECTED = [
    # kind, what, old, new, the checker's codes for the file
    ("briefing", "unknown top-level key", "summary:", "sumary:", ["BRF101", "BRF102"]),
    ("briefing", "unknown key in a citation", "quote: to the next level", "qoute: to the next level",
     ["BRF305", "BRF102"]),
    ("briefing", "unknown key in a key actor", "    name: Josep Borrell\n",
     "    name: Josep Borrell\n    title: EU HR\n", ["BRF102"]),
    ("briefing", "status not in the list", "status: published", "status: final", ["BRF104"]),
    ("briefing", "marking of TLP 1.0", "marking: TLP:CLEAR", "marking: TLP:WHITE", ["BRF104"]),
    ("briefing", "marking without prefix", "marking: TLP:CLEAR", "marking: amber", ["BRF104"]),
    ("briefing", "likelihood not ICD 203", "timeline:", JUDGMENT.replace("likely", "probable") + "timeline:",
     ["BRF104"]),
    ("briefing", "confidence not in the list", "timeline:", JUDGMENT.replace("moderate", "medium") + "timeline:",
     ["BRF104"]),
    ("briefing", "question status not in the list", "timeline:", QUESTION.replace("open\n", "closed\n") + "timeline:",
     ["BRF104"]),
    ("briefing", "linchpin without if_wrong", "timeline:",
     JUDGMENT.replace("statements.\n", "statements.\n    linchpin: true\n") + "timeline:", ["BRF502"]),
    ("briefing", "linchpin that is text", "timeline:",
     JUDGMENT.replace("statements.\n", "statements.\n    linchpin: 'yes'\n") + "timeline:", ["BRF103"]),
    ("briefing", "alternative without likelihood", "timeline:",
     JUDGMENT + ALTERNATIVE.replace("        likelihood: unlikely\n", "") + "timeline:", ["BRF101"]),
    ("briefing", "resolved question without resolution", "timeline:",
     QUESTION.replace("open\n", "resolved\n") + "timeline:", ["BRF510"]),
    ("briefing", "resolution of an open question", "timeline:", QUESTION + RESOLUTION + "timeline:", ["BRF510"]),
    ("briefing", "outcome not yes, no or annulled", "timeline:",
     QUESTION.replace("open\n", "resolved\n") + RESOLUTION.replace("no\n", "maybe\n") + "timeline:", ["BRF104"]),
    ("briefing", "change without reason", "timeline:",
     QUESTION + "    change:\n      from: unlikely\n" + "timeline:", ["BRF101", "BRF509"]),
    ("briefing", "superseded without superseded_by", "status: published", "status: superseded", ["BRF513"]),
    ("briefing", "superseded_by of a published briefing", "timeline:", "superseded_by: b\ntimeline:", ["BRF513"]),
    ("briefing", "credibility not 1-6", "quote: to the next level", "quote: to the next level\n        credibility: 7",
     ["BRF104"]),
    ("briefing", "authors as a single text", "authors: [K. Analyst]", "authors: K. Analyst", ["BRF103"]),
    ("briefing", "an author that is a number", "authors: [K. Analyst]", "authors: [K. Analyst, 7]", ["BRF103"]),
    ("briefing", "title that YAML reads as a number", "title: EU and Korea", "title: 1984", ["BRF103"]),
    ("briefing", "text that YAML reads as a boolean", "    on: security", "    on: yes", ["BRF103"]),
    ("briefing", "key actor that is not a mapping", "  - id: josep-borrell\n    name: Josep Borrell\n",
     "  - Josep Borrell\n", ["BRF103", "BRF401"]),
    ("briefing", "cites that is a mapping", '    cites:\n      - source: src-b\n        lines: "2"',
     '    cites:\n      source: src-b\n      lines: "2"', ["BRF103", "BRF307"]),
    ("briefing", "impossible month", "date: 2024-11-04", "date: 2024-13-04", ["BRF105"]),
    ("briefing", "date not written YYYY-MM-DD", "date: 2024-11-04", "date: 4 Nov 2024", ["BRF105"]),
    ("briefing", "date with a time", "date: 2024-11-04", "date: 2024-11-04 10:00:00", ["BRF105"]),
    ("briefing", "event date with a one-digit day", "  - date: 2024-11-03\n    event:",
     "  - date: 2024-11-3\n    event:", ["BRF105"]),
    ("briefing", "actor id with capitals", "  - id: josep-borrell", "  - id: Josep_Borrell", ["BRF106"]),
    ("briefing", "tag with a space", "tags: [korea, eu]", "tags: [korea, EU Policy]", ["BRF106"]),
    ("briefing", "source id with a double hyphen", "      - source: src-b", "      - source: src--b",
     ["BRF106", "BRF307"]),
    ("briefing", "id written as a block scalar (ends with a newline)", "  - id: josep-borrell",
     "  - id: |\n      josep-borrell", ["BRF106"]),
    ("briefing", "empty title", "title: EU and Korea", "title: ''", ["BRF108"]),
    ("briefing", "blank summary", "summary: Borrell visits Seoul.", "summary: '   '", ["BRF108"]),
    ("briefing", "lines not a range", 'lines: "2"', 'lines: "2 to 3"', ["BRF109"]),
    ("briefing", "line zero", 'lines: "2"', "lines: 0", ["BRF303"]),
    ("briefing", "missing required key", "summary: Borrell visits Seoul.\n", "", ["BRF101"]),
    ("briefing", "key actor without a name", "    name: Josep Borrell\n", "", ["BRF101"]),
    ("briefing", "citation without a source", "      - source: src-b\n        lines:",
     "      - note: see line 2\n        lines:", ["BRF101", "BRF307"]),
    ("briefing", "position without citations", "    cites:\n      - source: src-a\n        quote: to the next level\n",
     "", ["BRF306", "BRF307"]),
    ("briefing", "a list instead of a mapping", BRIEFING, "- title: EU and Korea\n", ["BRF006", "BRF307", "BRF307"]),
    ("source", "unknown key", "published:", "publshed:", ["BRF101", "BRF102"]),
    ("source", "reliability not A-F", "title: A source", "title: A source\nreliability: G", ["BRF104"]),
    ("source", "marking without prefix", "title: A source", "title: A source\nmarking: RED", ["BRF104"]),
    ("source", "url that is not http", "title: A source", "title: A source\nurl: javascript:alert(1)", ["BRF107"]),
    ("source", "url with a trailing newline", "title: A source",
     'title: A source\nurl: "https://example.org/a\\n"', ["BRF107"]),
    ("source", "impossible day", "published: 2024-11-03", "published: 2024-11-32", ["BRF105"]),
    ("source", "short sha256", DIGEST, "sha256: abc", ["BRF109"]),
    ("source", "sha256 that YAML reads as a number", DIGEST, DECIMAL, ["BRF103"]),
    ("source", "language that is not BCP 47", "title: A source", "title: A source\nlanguage: english!", ["BRF109"]),
    ("source", "empty publisher", "title: A source", "title: A source\npublisher: ''", ["BRF108"]),
]

ACCEPTED = [
    ("briefing", "the fixture as it is", "", ""),
    ("briefing", "a quoted date", "date: 2024-11-04", "date: '2024-11-04'"),
    ("briefing", "a quoted date with spaces", "date: 2024-11-04", "date: ' 2024-11-04 '"),
    ("briefing", "lines as a bare number", 'lines: "2"', "lines: 2"),
    ("briefing", "a line range", 'lines: "2"', 'lines: "1-2"'),
    ("briefing", "an empty list written as nothing", "tags: [korea, eu]", "tags:"),
    ("briefing", "no authors", "authors: [K. Analyst]", "authors: []"),
    ("briefing", "a judgment and a question", "timeline:", JUDGMENT + QUESTION + "timeline:"),
    ("briefing", "every tradecraft key", "timeline:",
     JUDGMENT.replace("statements.\n", "statements.\n    linchpin: true\n    if_wrong: Weapons come.\n")
     .replace("  - judgment:", "  - id: non-lethal\n    judgment:") + ALTERNATIVE
     + QUESTION.replace("open\n", "resolved\n") + "    criteria: Arms *delivered*.\n    resolves_by: 2025-06-30\n"
     + RESOLUTION + "implications: Watch Seoul.\ntimeline:"),
    ("briefing", "credibility as a number and as text", "quote: to the next level",
     "quote: to the next level\n        credibility: 2\n      - source: src-a\n        quote: to the next level\n"
     "        credibility: '6'"),
    ("briefing", "Markdown text", "summary: Borrell visits Seoul.", "summary: |\n  **Borrell** visits Seoul.\n"),
    ("source", "every optional key", "title: A source",
     "title: A source\npublisher: Yonhap\nurl: https://example.org/a?b=1\nretrieved: 2024-11-05\n"
     "language: ko-KR\nreliability: B\nmarking: TLP:CLEAR"),
]

LOOSER = [
    # what a schema cannot know: the calendar, other files
    ("source", "30 February", "published: 2024-11-03", "published: 2024-02-30", ["BRF105"]),
    ("briefing", "a source that does not exist", "      - source: src-b", "      - source: src-c",
     ["BRF301", "BRF307"]),
    ("briefing", "a quote that is not in the source", "quote: to the next level", "quote: to the nest level",
     ["BRF302"]),
    ("briefing", "alternatives beyond certainty", "timeline:",
     JUDGMENT + ALTERNATIVE.replace("unlikely", "likely") + "timeline:", ["BRF504"]),
    ("briefing", "an assumption the briefing does not have", "timeline:",
     JUDGMENT.replace("[policy-stable]", "[policy]") + "timeline:", ["BRF503"]),
    ("source", "derived from a source that does not exist", "title: A source",
     "title: A source\nderived_from: [src-c]", ["BRF313"]),
    ("briefing", "an actor that is not a key actor", "  - actor: josep-borrell", "  - actor: cho-tae-yul",
     ["BRF401"]),
]


def edit(repo, kind: str, old: str, new: str) -> tuple[str, str]:
    """Apply the change to the fixture's briefing or to src-a's metadata; return (file, text)."""
    if kind == "briefing":
        file, base = B, BRIEFING
    else:
        file, base = S, source_meta(SOURCE_A)
    assert old in base, old
    text = base.replace(old, new, 1) if old else base
    repo.write(file, text)
    return file, text


def codes(repo) -> list[str]:
    return [code for _, _, _, code in repo.found()]


@pytest.mark.parametrize("kind,what,old,new,expected", REJECTED, ids=[r[1] for r in REJECTED])
def test_schema_rejects_what_the_checker_rejects(repo, kind, what, old, new, expected):
    _, text = edit(repo, kind, old, new)
    assert codes(repo) == expected
    assert schema_errors(kind, text) != [], f"the schema accepts {what}"


@pytest.mark.parametrize("kind,what,old,new", ACCEPTED, ids=[a[1] for a in ACCEPTED])
def test_schema_accepts_what_the_checker_accepts(repo, kind, what, old, new):
    _, text = edit(repo, kind, old, new)
    assert codes(repo) == []
    assert schema_errors(kind, text) == []


@pytest.mark.parametrize("kind,what,old,new,expected", LOOSER, ids=[x[1] for x in LOOSER])
def test_what_only_the_checker_can_tell(repo, kind, what, old, new, expected):
    _, text = edit(repo, kind, old, new)
    assert codes(repo) == expected
    assert schema_errors(kind, text) == []


def test_every_enumeration_of_the_checker_is_in_the_schema():
    from build_scripts import model

    briefing = json.loads(jsonschema_files.render()["schemas/briefing.schema.json"])
    source = json.loads(jsonschema_files.render()["schemas/source.schema.json"])
    defs = briefing["$defs"]
    assert briefing["properties"]["status"]["enum"] == list(model.STATUSES)
    assert briefing["properties"]["marking"]["enum"] == source["properties"]["marking"]["enum"] == list(model.TLP_ORDER)
    assert defs["key_judgment"]["properties"]["likelihood"]["enum"] == list(model.LIKELIHOODS)
    assert defs["open_question"]["properties"]["confidence"]["enum"] == list(model.CONFIDENCES)
    assert defs["open_question"]["properties"]["status"]["enum"] == list(model.QUESTION_STATUSES)
    assert source["properties"]["reliability"]["enum"] == list(model.RELIABILITIES)


def test_an_editor_explains_the_bands_and_grades_on_hover():
    briefing = json.loads(jsonschema_files.render()["schemas/briefing.schema.json"])
    source = json.loads(jsonschema_files.render()["schemas/source.schema.json"])
    defs = briefing["$defs"]
    likelihood = defs["key_judgment"]["properties"]["likelihood"]
    assert dict(zip(likelihood["enum"], likelihood["enumDescriptions"]))["likely"] == "55-80% (ICD 203)"
    assert "- `roughly even chance`: 45-55% (ICD 203)" in likelihood["markdownDescription"]
    marking = briefing["properties"]["marking"]
    assert dict(zip(marking["enum"], marking["enumDescriptions"]))["TLP:AMBER+STRICT"] == (
        "TLP 2.0: limited disclosure, to the recipient's organisation only")
    reliability = source["properties"]["reliability"]
    assert dict(zip(reliability["enum"], reliability["enumDescriptions"]))["B"] == "Usually reliable"
    credibility = defs["citation"]["properties"]["credibility"]
    assert credibility["enum"] == ["1", "2", "3", "4", "5", "6", 1, 2, 3, 4, 5, 6]
    assert dict(zip(credibility["enum"], credibility["enumDescriptions"]))[2] == "Probably true"
    assert briefing["properties"]["summary"]["markdownDescription"] == "Bottom line up front (Markdown)."


def test_an_editor_offers_a_new_judgment_question_and_citation():
    defs = json.loads(jsonschema_files.render()["schemas/briefing.schema.json"])["$defs"]
    assert [s["label"] for s in defs["key_judgment"]["defaultSnippets"]] == ["key judgment"]
    assert [s["label"] for s in defs["open_question"]["defaultSnippets"]] == ["open question"]
    assert defs["citation"]["defaultSnippets"][0]["body"] == {"source": "$1", "quote": "$2"}
    body = defs["key_judgment"]["defaultSnippets"][0]["body"]
    assert set(body) <= set(defs["key_judgment"]["properties"])
    assert body["likelihood"] == "${3|almost no chance,very unlikely,unlikely,roughly even chance,likely,very likely," \
                                 "almost certain|}"
