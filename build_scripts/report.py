"""Turn diagnostics into text, GitHub workflow commands, JSON or SARIF, and decide the exit code."""

from __future__ import annotations

import json
import textwrap
import urllib.parse
from pathlib import Path
from typing import Any

from . import __version__, reference
from .checks import Result
from .diagnostics import Code, Diagnostic, Severity

FORMATS = ("text", "github", "json", "sarif")


def exit_code(result: Result, strict: bool) -> int:
    """0 when clean; 1 on an error (with ``strict``, on a warning too)."""
    if result.errors or (strict and result.warnings):
        return 1
    return 0


def summary_line(result: Result) -> str:
    def plural(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    return (f"{plural(result.briefings, 'briefing')}, {plural(result.sources, 'source')}, "
            f"{plural(result.citations, 'citation')}: {plural(result.errors, 'error')}, "
            f"{plural(result.warnings, 'warning')}")


def as_json(result: Result) -> str:
    return json.dumps({
        "diagnostics": [d.as_dict() for d in result.diagnostics],
        "summary": {"briefings": result.briefings, "sources": result.sources,
                    "citations": result.citations, "errors": result.errors,
                    "warnings": result.warnings},
    }, ensure_ascii=False, indent=2) + "\n"


def as_text(result: Result, root: Path) -> str:
    """Compiler-style output: the offending line with a caret under the column."""
    lines_of: dict[str, list[str]] = {}
    out: list[str] = []
    for d in result.diagnostics:
        out.append(f"{d.file}:{d.line}:{d.column}: {d.severity.value} {d.code}: {printable(d.message)}")
        source_line = _line(root, d.file, d.line, lines_of)
        if source_line is not None:
            number = str(d.line)
            gutter = " " * len(number)
            out.append(f" {number} | {source_line}")
            caret_at = len(source_line[: d.column - 1].expandtabs(1))
            out.append(f" {gutter} | {' ' * caret_at}^")
        if d.hint:
            out.append(f"  = hint: {printable(d.hint)}")
        out.append("")
    out.append(summary_line(result))
    return "\n".join(out) + "\n"


def _line(root: Path, file: str, line: int, cache: dict[str, list[str]]) -> str | None:
    if file not in cache:
        try:
            data = (root / file).read_bytes()
        except OSError:
            cache[file] = []
        else:
            text = data.decode("utf-8-sig", errors="replace")
            cache[file] = text.split("\n") if file.endswith(".yaml") else []
    lines = cache[file]
    if 1 <= line <= len(lines):
        shown = lines[line - 1].rstrip("\r")
        if len(shown) > 300:
            return None
        return printable(shown.expandtabs(1))
    return None


def printable(text: str) -> str:
    """Text safe to print to a terminal: control characters (escape codes) replaced."""
    return "".join(c if c.isprintable() else "\ufffd" for c in text)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def as_github(result: Result) -> str:
    """One workflow command per diagnostic, then the summary line."""
    out = []
    for d in result.diagnostics:
        kind = "error" if d.severity is Severity.ERROR else "warning"
        message = d.message + (f"\n{d.hint}" if d.hint else "")
        out.append(f"::{kind} file={_escape_property(d.file)},line={d.line},col={d.column},"
                   f"title={_escape_property(d.code)}::{_escape_data(message)}")
    out.append(summary_line(result))
    return "\n".join(out) + "\n"


def step_summary(result: Result) -> str:
    """A Markdown table of every diagnostic, for ``$GITHUB_STEP_SUMMARY``.

    GitHub shows at most 10 annotations of each kind per step; the summary lists all.
    """
    verdict = "failed" if result.errors else "passed"
    out = [f"## Citation check {verdict}", "", summary_line(result), ""]
    if result.diagnostics:
        out += ["| | Code | Where | Problem | Fix |", "|---|---|---|---|---|"]
        for d in result.diagnostics:
            icon = "❌" if d.severity is Severity.ERROR else "⚠️"
            out.append(f"| {icon} | `{d.code}` | `{d.file}:{d.line}:{d.column}` | "
                       f"{_cell(d.message)} | {_cell(d.hint)} |")
    return "\n".join(out) + "\n"


def _cell(text: str) -> str:
    return (text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
            .replace("<", "&lt;").replace(">", "&gt;"))


SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"


def as_sarif(result: Result, root: Path) -> str:
    """A SARIF 2.1.0 log for GitHub code scanning: one run, every code as a rule.

    Locations are relative to ``%SRCROOT%``, the repository root; columns count Unicode
    code points, as every position of the checker does.
    """
    rules = reference.codes()
    index = {c.id: i for i, c in enumerate(rules)}
    base = root.resolve().as_uri()
    log = {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [{
            "tool": {"driver": {
                "name": "briefings",
                "fullName": "briefings check",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": [_sarif_rule(c) for c in rules],
            }},
            "originalUriBaseIds": {SRCROOT: {
                "uri": base if base.endswith("/") else base + "/",
                "description": {"text": "The root of the briefing repository."},
            }},
            "columnKind": "unicodeCodePoints",
            "results": [_sarif_result(d, index) for d in result.diagnostics],
        }],
    }
    return json.dumps(log, ensure_ascii=False, indent=2) + "\n"


def _sarif_level(severity: Severity) -> str:
    return "error" if severity is Severity.ERROR else "warning"


def _sarif_rule(c: Code) -> dict[str, Any]:
    """A SARIF reporting descriptor: the code's documentation with its two examples."""
    explanation = textwrap.dedent("    " + c.explanation).strip()
    paragraphs = "\n\n".join(" ".join(p.split()) for p in explanation.split("\n\n"))
    lang = "text" if c.failing_file.endswith(".txt") or "(" in c.failing else "yaml"
    markdown = (f"**{c.title}** ({c.severity.value})\n\n{explanation}\n\n"
                f"Fails, in `{c.failing_file}`:\n\n```{lang}\n{c.failing}\n```\n\n"
                f"Passes:\n\n```{lang}\n{c.passing}\n```\n")
    return {
        "id": c.id,
        # SARIF names rules in PascalCase: quote-not-found -> QuoteNotFound.
        "name": "".join(part[:1].upper() + part[1:] for part in c.name.split("-")),
        "shortDescription": {"text": c.title},
        "fullDescription": {"text": paragraphs},
        "help": {"text": reference.explain(c), "markdown": markdown},
        "defaultConfiguration": {"level": _sarif_level(c.severity)},
    }


def _sarif_result(d: Diagnostic, index: dict[str, int]) -> dict[str, Any]:
    result: dict[str, Any] = {"ruleId": d.code}
    if d.code in index:
        result["ruleIndex"] = index[d.code]
    result.update({
        "level": _sarif_level(d.severity),
        "message": {"text": d.message + (f"\nhint: {d.hint}" if d.hint else "")},
        "locations": [{"physicalLocation": {
            # File names are ids in practice, but a misnamed file is reported too.
            "artifactLocation": {"uri": urllib.parse.quote(d.file), "uriBaseId": SRCROOT},
            "region": {"startLine": d.line, "startColumn": d.column},
        }}],
    })
    return result


def render(result: Result, fmt: str, root: Path) -> str:
    if fmt == "json":
        return as_json(result)
    if fmt == "sarif":
        return as_sarif(result, root)
    if fmt == "github":
        return as_github(result)
    return as_text(result, root)

