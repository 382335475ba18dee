"""The failing and passing examples of the codes for quotes and folders do what they say.

tests/test_reference.py checks that every code has its examples; here the examples of
BRF008, BRF209, BRF302 and BRF308 are run against the example repository.
"""

from __future__ import annotations

import pytest
import yaml

from build_scripts.diagnostics import CATALOGUE
from build_scripts.load import load_yaml

BRIEFING = """\
title: Example
date: 2024-11-04
status: draft
marking: TLP:CLEAR
authors: [K. Analyst]
summary: An example.
key_judgments:
  - judgment: Something.
    likelihood: likely
    confidence: low
{cites}
"""


def codes_of_citation(example, snippet: str) -> list[str]:
    """The codes reported for a briefing whose one judgment has the example's ``cites:``."""
    cites = "\n".join("    " + line for line in snippet.splitlines())
    example.write("briefings/zz-example.yaml", BRIEFING.format(cites=cites))
    return [code for file, _, _, code in example.found() if file == "briefings/zz-example.yaml"]


@pytest.mark.parametrize("code", ["BRF302", "BRF308"])
def test_the_examples_of_quote_codes(example, code):
    c = CATALOGUE[code]
    assert yaml.safe_load(c.failing)["cites"]  # both are citations of the example repository
    assert code in codes_of_citation(example, c.failing)
    assert codes_of_citation(example, c.passing) == []


def test_the_examples_of_bidi_control():
    c = CATALOGUE["BRF008"]
    assert [d.code for d in load_yaml(c.failing.encode(), c.failing_file)[1]] == ["BRF008"]
    assert load_yaml(c.passing.encode(), c.failing_file)[1] == []


def test_the_examples_of_not_a_folder(example):
    c = CATALOGUE["BRF209"]
    assert c.failing_file == "briefings" and "(a file)" in c.failing
    assert not [d for d in example.check().diagnostics if d.code == "BRF209"]
    for path in (example.root / "briefings").iterdir():
        path.unlink()
    (example.root / "briefings").rmdir()
    example.write("briefings", "title: x\n")
    assert ("briefings", 1, 1, "BRF209") in example.found()
