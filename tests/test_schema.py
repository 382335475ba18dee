"""The declarative schema: each rule with a failing and a passing case, pinned by position."""

from __future__ import annotations

import pytest

from conftest import BRIEFING

B = "briefings/b.yaml"


def test_the_base_fixture_is_clean(repo):
    assert repo.found() == []


def test_missing_required_key_points_at_the_mapping(repo):
    repo.write(B, BRIEFING.replace("summary: Borrell visits Seoul.\n", ""))
    assert repo.found() == [(B, 1, 1, "BRF101")]
    assert "missing required key 'summary'" in repo.check().diagnostics[0].message


def test_missing_key_inside_a_list_item(repo):
    repo.write(B, BRIEFING.replace("    name: Josep Borrell\n", ""))
    assert repo.found() == [(B, 9, 5, "BRF101")]


def test_unknown_key_names_the_closest(repo):
    repo.write(B, BRIEFING.replace("summary:", "sumary:"))
    found = repo.check().diagnostics
    assert [(d.file, d.line, d.column, d.code) for d in found] == [(B, 1, 1, "BRF101"), (B, 7, 1, "BRF102")]
    unknown = next(d for d in found if d.code == "BRF102")
    assert unknown.hint == "did you mean 'summary'?"


def test_unknown_key_in_a_citation(repo):
    repo.write(B, BRIEFING.replace("        quote: to the next level", "        qoute: to the next level"))
    assert repo.found() == [(B, 17, 9, "BRF305"), (B, 18, 9, "BRF102")]


def test_wrong_type(repo):
    repo.write(B, BRIEFING.replace("authors: [K. Analyst]", "authors: K. Analyst"))
    (d,) = repo.check().diagnostics
    assert (d.file, d.line, d.column, d.code) == (B, 5, 10, "BRF103")
    assert d.message == "authors: expected a list, but found the text 'K. Analyst'"


def test_boolean_where_text_is_expected_gets_a_quoting_hint(repo):
    repo.write(B, BRIEFING.replace("    on: security", "    on: yes"))
    (d,) = repo.check().diagnostics
    assert (d.line, d.column, d.code) == (13, 9, "BRF103")
    assert d.hint == "put the text in quotes"


@pytest.mark.parametrize("old,new,line,column,hint", [
    ("status: published", "status: final", 3, 9, "use one of: draft, published, superseded"),
    ("marking: TLP:CLEAR", "marking: TLP:WHITE", 4, 10,
     "TLP:WHITE was renamed TLP:CLEAR in TLP 2.0; write TLP:CLEAR"),
    ("marking: TLP:CLEAR", "marking: amber", 4, 10, "write the full label: TLP:AMBER"),
    ("status: published", "status: Published", 3, 9, "did you mean 'published'?"),
])
def test_enumerations(repo, old, new, line, column, hint):
    repo.write(B, BRIEFING.replace(old, new))
    (d,) = [d for d in repo.check().diagnostics if d.code == "BRF104"]
    assert (d.file, d.line, d.column, d.hint) == (B, line, column, hint)


def test_likelihood_and_confidence(repo):
    repo.write(B, BRIEFING.replace("status: published", "status: draft")  # (a draft's judgment may rest on nothing)
               + "key_judgments:\n  - judgment: J.\n    likelihood: probable\n    confidence: medium\n")
    found = [(f, l, c, code) for f, l, c, code in repo.found()]
    assert found == [(B, 27, 17, "BRF104"), (B, 28, 17, "BRF104")]


@pytest.mark.parametrize("value,message", [
    ("2024-13-45", "date: 2024-13-45 is not a real date"),
    ("2024-02-30", "date: 2024-02-30 is not a real date"),
    ("4 Nov 2024", "date: expected a date written YYYY-MM-DD"),
])
def test_impossible_and_malformed_dates(repo, value, message):
    repo.write(B, BRIEFING.replace("date: 2024-11-04", f"date: {value}"))
    (d,) = repo.check().diagnostics
    assert (d.line, d.column, d.code) == (2, 7, "BRF105")
    assert d.message.startswith(message)


def test_quoted_date_is_accepted(repo):
    repo.write(B, BRIEFING.replace("date: 2024-11-04", "date: '2024-11-04'"))
    assert repo.found() == []


def test_invalid_ids(repo):
    repo.write(B, BRIEFING.replace("  - id: josep-borrell", "  - id: Josep_Borrell")
               .replace("tags: [korea, eu]", "tags: [korea, EU Policy]"))
    assert repo.found() == [(B, 6, 15, "BRF106"), (B, 9, 9, "BRF106")]


def test_url_must_be_http(repo):
    repo.write("sources/src-a.yaml", repo.root.joinpath("sources/src-a.yaml").read_text()
               + "url: javascript:alert(1)\n")
    assert repo.found() == [("sources/src-a.yaml", 4, 6, "BRF107")]


def test_empty_text(repo):
    repo.write(B, BRIEFING.replace("title: EU and Korea", "title: ''"))
    assert repo.found() == [(B, 1, 8, "BRF108")]


@pytest.mark.parametrize("value", ['"12 to 14"', '"a"', '"-3"'])
def test_lines_format(repo, value):
    repo.write(B, BRIEFING.replace('lines: "2"', f"lines: {value}"))
    assert repo.found() == [(B, 24, 16, "BRF109")]


def test_lines_as_bare_number(repo):
    repo.write(B, BRIEFING.replace('lines: "2"', "lines: 2"))
    assert repo.found() == []


def test_sha256_and_language_format(repo):
    meta = "title: A source\npublished: 2024-11-03\nsha256: abc\nlanguage: english!\n"
    repo.write("sources/src-a.yaml", meta)
    assert repo.found() == [("sources/src-a.yaml", 3, 9, "BRF109"), ("sources/src-a.yaml", 4, 11, "BRF109")]
