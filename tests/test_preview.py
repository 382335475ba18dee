"""`briefings serve`: after the first build, a save rebuilds only the pages it changes."""

from __future__ import annotations

import json
import logging

import pytest

from build_scripts.serve import PreviewBuilder

BRIEFING = "briefings/eu-rok-security-dialogue-2024-11.yaml"
#: The static pages (the guide's), built on every rebuild: their titles show on their neighbours.
STATIC = {"guide/"}


def rebuilt(builder) -> set[str]:
    """The generated pages the last rebuild built again."""
    return builder.preview.rebuilt - STATIC


@pytest.fixture
def preview(example, tmp_path):
    logging.getLogger("mkdocs").setLevel(logging.ERROR)
    builder = PreviewBuilder(example.root, tmp_path / "preview")
    first = builder(full=True)
    assert first["full"] and first["rebuilt"] > 20
    return builder


def edit(root, rel, old, new):
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def search_locations(builder) -> set[str]:
    builder.preview.wait()
    data = json.loads((builder.site_dir / "search" / "search_index.json").read_text(encoding="utf-8"))
    return {doc["location"].split("#")[0] for doc in data["docs"]}


def test_nothing_changed_rebuilds_nothing(preview):
    done = preview()
    assert not done["full"]
    # but the static pages of the guide, built every time: their titles show on their neighbours
    assert preview.preview.rebuilt == STATIC


def test_a_saved_briefing_shows_its_page_first_then_the_pages_that_show_it(example, preview):
    before = search_locations(preview)
    actor_page = preview.site_dir / "actors" / "josep-borrell" / "index.html"
    actor_before = actor_page.read_bytes()
    edit(example.root, BRIEFING, "Wants to", "Wants very much to")

    first = preview()  # the page being edited, at once
    assert not first["full"] and first["pending"]
    html = (preview.site_dir / "briefings" / "eu-rok-security-dialogue-2024-11" / "index.html").read_text(
        encoding="utf-8")
    assert "Wants very much to" in html
    assert rebuilt(preview) == {"briefings/eu-rok-security-dialogue-2024-11/"}
    assert actor_page.read_bytes() == actor_before

    second = preview()  # then what shows it: its actors, questions, sources and the indexes
    assert not second["full"] and not second["pending"]
    assert "Wants very much to" in actor_page.read_text(encoding="utf-8")
    assert "actors/josep-borrell/" in preview.preview.rebuilt
    assert "briefings/eu-rok-security-dialogue-2024-11/" not in preview.preview.rebuilt
    assert "briefings/dprk-russia-alignment-2024-11/" not in preview.preview.rebuilt
    assert "actors/sergei-lavrov/" not in preview.preview.rebuilt
    assert second["rebuilt"] < 10
    preview()
    assert rebuilt(preview) == set()  # and then nothing is left to do
    # the search index still covers every page
    assert search_locations(preview) == before


def test_a_broken_quote_keeps_the_last_good_preview(example, preview):
    page = preview.site_dir / "briefings" / "eu-rok-security-dialogue-2024-11" / "index.html"
    good = page.read_bytes()
    edit(example.root, BRIEFING, "taking the security and defense", "taking the security and defence")
    with pytest.raises(Exception):
        preview()
    assert page.read_bytes() == good
    edit(example.root, BRIEFING, "taking the security and defence", "taking the security and defense")
    preview()
    assert rebuilt(preview) == set()  # back as it was: nothing to rebuild


def test_a_changed_theme_override_shows_on_the_next_rebuild(example, preview):
    # The theme's compiled templates are kept between saves, and do not look at their
    # files again by themselves: the preview must notice the change.
    path = example.root / "templates" / "overrides" / "main.html"
    path.write_text(path.read_text(encoding="utf-8").replace(
        '<p class="brf-banner brf-banner--foot ', '<p class="brf-changed-theme brf-banner brf-banner--foot '),
        encoding="utf-8")
    assert preview()["full"]
    assert "brf-changed-theme" in (preview.site_dir / "actors" / "josep-borrell" / "index.html").read_text(
        encoding="utf-8")


def test_a_changed_template_rebuilds_everything(example, preview):
    path = example.root / "templates" / "pages" / "actor.md.j2"
    path.write_text(path.read_text(encoding="utf-8") + "\n<p class=\"brf-new\">new footer</p>\n", encoding="utf-8")
    done = preview()
    assert done["full"]
    assert "brf-new" in (preview.site_dir / "actors" / "josep-borrell" / "index.html").read_text(encoding="utf-8")


def test_an_edit_saved_with_an_error_shows_once_the_error_is_fixed(example, preview):
    """A rebuild that fails on the records has loaded them: the edit that came with the
    error still shows, on every page that shows it, once a later save fixes the error."""
    edit(example.root, BRIEFING, "Wants to", "Wants very much to")
    broken = example.root / "briefings" / "a-new-draft.yaml"
    broken.write_text("title: [unclosed\n", encoding="utf-8")
    with pytest.raises(Exception):
        preview()
    broken.unlink()
    while preview()["pending"]:
        pass
    for page in ("briefings/eu-rok-security-dialogue-2024-11", "actors/josep-borrell"):
        assert "Wants very much to" in (preview.site_dir / page / "index.html").read_text(encoding="utf-8"), page
