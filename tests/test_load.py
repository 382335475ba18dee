"""The YAML loader: positions kept, bad input turned into diagnostics in bounded time."""

from __future__ import annotations

import time

import pytest

from build_scripts.load import MAX_FILE_BYTES, load_yaml


def codes(text: str | bytes) -> list[tuple[int, int, str]]:
    data = text.encode() if isinstance(text, str) else text
    _, problems = load_yaml(data, "briefings/x.yaml")
    return [(d.line, d.column, d.code) for d in problems]


def test_positions_of_keys_and_values_are_one_based():
    node, problems = load_yaml(b"title: EU\ncites:\n  - source: a\n    quote: 'x y'\n", "f.yaml")
    assert problems == []
    assert node.keys == {"title": (1, 1), "cites": (2, 1)}
    title = node.value["title"]
    assert (title.kind, title.value, title.line, title.column) == ("str", "EU", 1, 8)
    citation = node.value["cites"].value[0]
    assert (citation.line, citation.column) == (3, 5)
    assert citation.keys == {"source": (3, 5), "quote": (4, 5)}
    quote = citation.value["quote"]
    assert (quote.value, quote.line, quote.column) == ("x y", 4, 12)


def test_yes_and_on_keys_stay_text():
    node, problems = load_yaml(b"on: x\nyes: y\n", "f.yaml")
    assert problems == []
    assert list(node.value) == ["on", "yes"]


def test_syntax_error_points_at_the_problem():
    assert codes("title: 'unclosed\ndate: 2024-11-04\n") == [(3, 1, "BRF001")]
    assert codes("title: a: b\n") == [(1, 9, "BRF001")]


def test_tab_indentation_is_a_syntax_error():
    assert codes("cites:\n\t- source: a\n") == [(2, 1, "BRF001")]


def test_duplicate_key_is_reported_at_the_second_key():
    assert codes("title: a\ndate: 2024-11-04\ntitle: b\n") == [(3, 1, "BRF002")]


def test_not_utf8_names_the_line_and_column_of_the_bad_byte():
    assert codes(b"title: ok\nsummary: caf\xe9\n") == [(2, 13, "BRF003")]


def test_byte_order_mark_is_accepted():
    node, problems = load_yaml("\ufefftitle: EU\n".encode(), "f.yaml")
    assert problems == [] and node.value["title"].value == "EU"


def test_crlf_line_endings_keep_lines_right():
    node, problems = load_yaml(b"title: EU\r\nsummary: s\r\n", "f.yaml")
    assert problems == [] and node.keys["summary"] == (2, 1)


@pytest.mark.parametrize("tagged", [
    "title: !!python/object/apply:os.system ['echo pwned']\n",
    "title: !!python/name:os.system\n",
    "title: !include other.yaml\n",
    "title: !!binary aGVsbG8=\n",
    "title: !!set {a, b}\n",
])
def test_tags_beyond_safe_yaml_are_refused(tagged):
    assert codes(tagged) == [(1, 8, "BRF004")]


def test_alias_bomb_is_refused_quickly():
    bomb = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in "bcdefghi":
        previous = chr(ord(level) - 1)
        bomb.append(f"{level}: &{level} [" + ",".join([f"*{previous}"] * 9) + "]")
    started = time.perf_counter()
    found = codes("\n".join(bomb) + "\n")
    assert time.perf_counter() - started < 2
    assert [c for _, _, c in found] == ["BRF005"]


def test_deep_nesting_is_refused():
    assert [c for *_, c in codes("a: " + "[" * 200 + "]" * 200 + "\n")] == ["BRF005"]


def test_huge_file_is_refused_before_parsing():
    assert codes(b"title: " + b"x" * (MAX_FILE_BYTES + 1)) == [(1, 1, "BRF005")]


@pytest.mark.parametrize("text", ["", "   \n", "# only a comment\n"])
def test_empty_file(text):
    assert codes(text) == [(1, 1, "BRF006")]


def test_top_level_list_is_not_a_record():
    assert codes("- title: a\n") == [(1, 1, "BRF006")]


def test_non_text_key():
    assert codes("? [a, b]\n: value\ntitle: x\n") == [(1, 3, "BRF007")]


def test_multiple_documents_are_a_syntax_error():
    assert [c for *_, c in codes("title: a\n---\ntitle: b\n")] == ["BRF001"]


def test_bidi_controls_are_reported_where_each_one_is():
    text = "title: 'EU \u202eand Korea'\n# a comment \u2066hidden\u2069\nsummary: |\n  Seoul \u202d\n"
    assert codes(text) == [(1, 12, "BRF008"), (2, 13, "BRF008"), (2, 20, "BRF008"), (4, 9, "BRF008")]
    _, problems = load_yaml(text.encode(), "briefings/x.yaml")
    assert problems[0].message == "invisible bidirectional control U+202E RIGHT-TO-LEFT OVERRIDE"
    assert problems[0].hint == "delete it: it makes the text display otherwise than it is stored"


@pytest.mark.parametrize("char", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e",
                                  "\u2066", "\u2067", "\u2068", "\u2069"])
def test_every_bidi_control_is_refused(char):
    assert codes(f"title: ok\r\nsummary: a{char}b\r\n") == [(2, 11, "BRF008")]


def test_other_invisible_characters_are_not_bidi_controls():
    assert codes("title: secu\u00adrity de\u200bfense \u200e\n") == []


def test_a_bidi_control_written_as_an_escape_is_reported_at_its_value():
    assert codes('title: ok\nsummary: "to the next \\u202elevel"\n') == [(2, 10, "BRF008")]


def test_a_file_full_of_bidi_controls_is_reported_in_bounded_output():
    found = codes("title: " + "\u202e" * 5000 + "\n")
    assert len(found) == 100 and found[0] == (1, 8, "BRF008") and found[-1] == (1, 107, "BRF008")
    _, problems = load_yaml(("title: " + "\u202e" * 5000 + "\n").encode(), "briefings/x.yaml")
    assert problems[-1].message.endswith(", and 4,900 more after it in this file")
