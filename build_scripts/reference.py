"""The reference of every diagnostic code, generated from the catalogue."""

from __future__ import annotations

from . import checks as _checks  # noqa: F401  (declares the codes it emits)
from . import repo as _repo  # noqa: F401
from . import tradecraft as _tradecraft  # noqa: F401
from .diagnostics import CATALOGUE, Code


def codes() -> list[Code]:
    """Every declared code, in code order."""
    return [CATALOGUE[key] for key in sorted(CATALOGUE)]


def explain(c: Code) -> str:
    """Plain-text documentation of one code, for ``briefings explain``."""
    return (f"{c.id} {c.name} ({c.severity.value}): {c.title}\n\n{_dedent(c.explanation)}\n\n"
            f"Fails ({c.failing_file}):\n{_indent(c.failing)}\n\nPasses:\n{_indent(c.passing)}\n")


def markdown() -> str:
    """The reference page: one section per code with a failing and a passing example."""
    out = [
        "# Check reference",
        "",
        "Every problem `briefings check` reports has a stable code. Errors fail the check; "
        "warnings fail it only with `--strict`. Run `briefings explain CODE` for the same "
        "text in a terminal.",
        "",
        "| Code | Name | Severity | What it means |",
        "|---|---|---|---|",
    ]
    out += [f"| [{c.id}](#{c.id.lower()}) | `{c.name}` | {c.severity.value} | {c.title} |" for c in codes()]
    for c in codes():
        lang = "text" if c.failing_file.endswith(".txt") or "(" in c.failing else "yaml"
        out += [
            "", f"## {c.id} {c.name} {{#{c.id.lower()}}}", "",
            f"**{c.title}** ({c.severity.value})", "", _dedent(c.explanation), "",
            f"Fails, in `{c.failing_file}`:", "", f"```{lang}", c.failing, "```", "",
            "Passes:", "", f"```{lang}", c.passing, "```",
        ]
    return "\n".join(out) + "\n"


def _dedent(text: str) -> str:
    import textwrap

    return textwrap.dedent("    " + text).strip()


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())
