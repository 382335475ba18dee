"""Half the pages of a clean build rendered in a second process: the same site, the same errors."""

from __future__ import annotations

import os

import pytest

import build_scripts.plugin as plugin
from build_scripts.ahead import Ahead
from build_scripts.cli import main

from test_build_failures import BROKEN_TEMPLATES, break_template
from test_incremental import tree


def test_a_worker_renders_three_items_in_five_and_hands_each_over():
    assert [number for number in range(12) if Ahead.ahead(number)] == [1, 2, 4, 6, 7, 9, 11]
    ahead = Ahead(list(range(7)), lambda n: {"square": n * n, "pid": os.getpid()}, patience=30)
    try:
        taken = {number: ahead.take(number) for number in (6, 1, 4, 2)}
    finally:
        ahead.close()
    assert {number: page["square"] for number, page in taken.items()} == {1: 1, 2: 4, 4: 16, 6: 36}
    assert {page["pid"] for page in taken.values()} != {os.getpid()}  # (rendered in the worker)
    assert ahead.take(7) is None  # (closed: rendered here)


def test_an_item_the_worker_cannot_render_is_rendered_here():
    def render(number):
        if number == 2:
            raise ValueError("not this one")
        return number

    ahead = Ahead(list(range(6)), render, patience=30)
    try:
        assert [ahead.take(1), ahead.take(2), ahead.take(4)] == [1, None, 4]
    finally:
        ahead.close()


def test_a_stuck_worker_is_given_up_on():
    def render(number):
        while number == 1:
            pass
        return number

    ahead = Ahead(list(range(4)), render, patience=0.5)
    try:
        assert ahead.take(1) is None and ahead.take(2) is None
    finally:
        ahead.close()


def test_a_site_rendered_ahead_is_the_site_rendered_in_one_process(example, tmp_path, monkeypatch, capsys):
    assert main(["build", str(example.root), "-q", "--site-dir", str(tmp_path / "one")]) == 0
    monkeypatch.setattr(plugin, "AHEAD_FROM", 1)
    started = []
    monkeypatch.setattr(plugin, "Ahead", type("Counted", (Ahead,), {
        "__init__": lambda self, *args: (started.append(len(args[0])), Ahead.__init__(self, *args))[1]}))
    assert main(["build", str(example.root), "-q", "--clean", "--site-dir", str(tmp_path / "two")]) == 0
    assert started and started[0] > 10
    assert tree(tmp_path / "one") == tree(tmp_path / "two")


@pytest.mark.parametrize("case", ["division by zero", "endless loop in a page template"])
def test_a_template_that_fails_ahead_is_named_as_it_is_without(example, capfd, monkeypatch, case):
    monkeypatch.setattr(plugin, "AHEAD_FROM", 1)
    name, prefix, expected = BROKEN_TEMPLATES[case]
    break_template(example, name, prefix)
    assert main(["build", str(example.root), "--format", "text"]) == 1
    err = capfd.readouterr().err
    assert expected in err, err
    assert "Traceback" not in err
    assert not (example.root / "site").exists()
