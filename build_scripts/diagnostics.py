"""Diagnostics: the frozen data every check yields, and the catalogue of codes.

A check never prints, logs or exits: it returns :class:`Diagnostic` values. Only the
command line turns them into text and an exit code (see :mod:`build_scripts.report`).

Every code is declared once with :func:`code`, next to the check that emits it, with
a one-line title and a failing and a passing example. The reference page of the site
is generated from this catalogue, so a code cannot exist undocumented.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Code:
    """A stable diagnostic code with its user documentation."""

    id: str
    name: str
    severity: Severity
    title: str
    explanation: str
    failing: str
    passing: str
    failing_file: str = "briefings/example.yaml"


CATALOGUE: dict[str, Code] = {}


def code(
    id: str,
    name: str,
    severity: Severity,
    title: str,
    explanation: str,
    failing: str,
    passing: str,
    failing_file: str = "briefings/example.yaml",
) -> Code:
    """Declare a diagnostic code; each id may be declared only once."""
    if id in CATALOGUE:
        raise ValueError(f"diagnostic code {id} declared twice")
    declared = Code(id, name, severity, title, explanation.strip(), failing.strip("\n"),
                    passing.strip("\n"), failing_file)
    CATALOGUE[id] = declared
    return declared


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem, at a 1-based line and column of a repository-relative file."""

    file: str
    line: int
    column: int
    code: str
    severity: Severity = field(compare=False)
    message: str = field(compare=False)
    hint: str = field(default="", compare=False)

    def as_dict(self) -> dict[str, object]:
        return {
            "severity": self.severity.value,
            "code": self.code,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "message": self.message,
            "hint": self.hint,
        }


def make(c: Code, file: str, line: int, column: int, message: str, hint: str = "") -> Diagnostic:
    """Build a diagnostic of code ``c`` with its declared severity."""
    return Diagnostic(file, max(line, 1), max(column, 1), c.id, c.severity, message, hint)
