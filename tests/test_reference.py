"""Every diagnostic code is documented, with a failing and a passing example."""

from __future__ import annotations

import re

from build_scripts import reference
from build_scripts.cli import main


def test_every_code_is_documented():
    codes = reference.codes()
    assert len(codes) >= 30
    assert len({c.name for c in codes}) == len(codes)
    for c in codes:
        assert re.fullmatch(r"BRF\d{3}", c.id)
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", c.name)
        assert c.title and c.explanation and c.failing and c.passing
        assert c.failing != c.passing


def test_reference_page_has_a_section_per_code():
    page = reference.markdown()
    for c in reference.codes():
        assert f"## {c.id} {c.name} {{#{c.id.lower()}}}" in page


def test_explain_command(capsys):
    assert main(["explain", "brf302"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("BRF302 quote-not-found (error): A quote does not occur in its source\n")
    assert "Fails (briefings/example.yaml):\n" in out and "Passes:\n" in out
    assert main(["explain", "BRF999"]) == 2


def test_codes_in_source_are_all_declared():
    """Every code a module emits is declared once (no stray literal codes)."""
    from pathlib import Path

    package = Path(reference.__file__).parent
    declared = {c.id for c in reference.codes()}
    for path in package.glob("*.py"):
        for found in re.findall(r'"(BRF\d{3})"', path.read_text()):
            assert found in declared, f"{path.name} uses undeclared {found}"
