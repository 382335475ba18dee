"""site/feed.xml: the Atom feed of the published briefings of a build, newest first."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from build_scripts import __version__
from build_scripts.feed import feed_xml
from build_scripts.index import build_index
from build_scripts.repo import load_repository
from conftest import run
from test_markings import SECRET, plant

ATOM = "{http://www.w3.org/2005/Atom}"
DPRK, EU = "dprk-russia-alignment-2024-11", "eu-rok-security-dialogue-2024-11"


def build(capsys, root: Path, *options: str) -> Path:
    code, _, err = run(capsys, "build", str(root), "-q", *options)
    assert code == 0, err
    return root / "site"


def add_draft(root: Path) -> None:
    """A draft dated after every published briefing: the feed leaves it out."""
    (root / "briefings" / "next-look-2024-11.yaml").write_text(
        "title: A draft of the next look\ndate: 2024-11-09\nstatus: draft\nmarking: TLP:CLEAR\n"
        "authors: [K. Analyst]\nsummary: Not written yet.\n", encoding="utf-8")


def test_the_exact_feed_of_a_small_repository(repo):
    index = build_index(load_repository(repo.root))
    assert feed_xml(index, "North Desk", "https://intel.example.org/desk").decode() == f"""\
<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
  <id>urn:uuid:e7dbbf6e-84c4-58ed-b93a-6602ff7c4864</id>
  <title>North Desk</title>
  <updated>2024-11-04T00:00:00+00:00</updated>
  <author>
    <name>North Desk</name>
  </author>
  <link href="https://intel.example.org/desk/feed.xml" rel="self" type="application/atom+xml"/>
  <link href="https://intel.example.org/desk/" rel="alternate" type="text/html"/>
  <generator version="{__version__}">briefings</generator>
  <entry>
    <id>urn:uuid:8a82afb6-5cad-5e7c-ac05-198a65171845</id>
    <title>EU and Korea</title>
    <updated>2024-11-04T00:00:00+00:00</updated>
    <author>
      <name>K. Analyst</name>
    </author>
    <link href="https://intel.example.org/desk/briefings/b/"/>
    <summary type="html">&lt;p&gt;Borrell visits Seoul.&lt;/p&gt;</summary>
    <category term="TLP:CLEAR" scheme="https://www.first.org/tlp/" label="TLP:CLEAR"/>
    <category term="korea"/>
    <category term="eu"/>
    <published>2024-11-04T00:00:00+00:00</published>
  </entry>
</feed>
"""


def test_a_build_writes_the_feed_of_its_published_briefings_newest_first(example, capsys):
    add_draft(example.root)
    site = build(capsys, example.root)
    parsed = feedparser.parse((site / "feed.xml").read_bytes())
    assert not parsed.bozo and parsed.version == "atom10"
    assert parsed.feed.title == "Briefings"  # site_name of mkdocs.yml
    assert parsed.feed.updated == "2024-11-05T00:00:00+00:00"  # the newest entry's date, not the build's
    titles = {b.id: b.title for b in load_repository(example.root).briefings}
    assert [e.title for e in parsed.entries] == [titles[DPRK], titles[EU]]  # the draft is left out
    assert [e.link for e in parsed.entries] == [f"briefings/{DPRK}/", f"briefings/{EU}/"]  # (no site_url)
    assert [e.published for e in parsed.entries] == ["2024-11-05T00:00:00+00:00", "2024-11-04T00:00:00+00:00"]
    for entry in parsed.entries:
        tlp = entry.tags[0]
        assert (tlp.term, tlp.scheme, tlp.label) == ("TLP:CLEAR", "https://www.first.org/tlp/", "TLP:CLEAR")
        assert [a.name for a in entry.authors] == ["K. Analyst"]
        assert (site / entry.link / "index.html").is_file()  # the link leads to the briefing's page
    eu = parsed.entries[1]
    assert [t.term for t in eu.tags[1:]] == ["korea", "eu", "dprk", "russia", "ukraine", "security-cooperation"]
    assert eu.summary.startswith("<p>EU High Representative <strong>Josep Borrell</strong> visited Seoul")
    # every page's head names the feed, relative to itself
    assert '<link rel="alternate" type="application/atom+xml" title="Briefings" href="feed.xml">' in \
        (site / "index.html").read_text(encoding="utf-8")
    pages = list(site.rglob("*.html"))
    assert len(pages) > 20
    for page in pages:
        depth = len(page.relative_to(site).parts) - 1
        href = "/feed.xml" if page.name == "404.html" else "../" * depth + "feed.xml"  # (404: from any folder)
        link = f'<link rel="alternate" type="application/atom+xml" title="Briefings" href="{href}">'
        assert link in page.read_text(encoding="utf-8"), page


def test_links_are_absolute_under_site_url(example, capsys):
    config = example.root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "site_name: Briefings\n", "site_name: Briefings\nsite_url: https://intel.example.org/team/\n"), encoding="utf-8")
    site = build(capsys, example.root)
    parsed = feedparser.parse((site / "feed.xml").read_bytes())
    assert [e.link for e in parsed.entries] == [f"https://intel.example.org/team/briefings/{DPRK}/",
                                                f"https://intel.example.org/team/briefings/{EU}/"]
    assert [link.href for link in parsed.feed.links] == ["https://intel.example.org/team/feed.xml",
                                                         "https://intel.example.org/team/"]


def test_the_feed_is_the_same_at_every_build(example, capsys, tmp_path):
    first = (build(capsys, example.root, "--clean") / "feed.xml").read_bytes()
    time.sleep(1.1)  # (a feed dated by its build would differ)
    build(capsys, example.root, "--site-dir", str(tmp_path / "again"))
    assert (tmp_path / "again" / "feed.xml").read_bytes() == first


def test_mkdocs_build_writes_the_feed_through_the_plugin(example, capsys, tmp_path):
    expected = (build(capsys, example.root) / "feed.xml").read_bytes()
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-d", str(tmp_path / "mk")],
                          cwd=example.root, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "mk" / "feed.xml").read_bytes() == expected


@pytest.fixture
def restricted(example):
    plant(example.root)
    return example


def test_a_full_build_lists_the_restricted_briefing(restricted, capsys):
    """The control: the planted word reaches the feed of a build without a ceiling."""
    feed = (build(capsys, restricted.root) / "feed.xml").read_bytes()
    assert SECRET.encode() in feed.lower()
    terms = [[t.term for t in e.tags][0] for e in feedparser.parse(feed).entries]
    assert terms == ["TLP:AMBER", "TLP:CLEAR", "TLP:CLEAR"]  # the restricted briefing is the newest


@pytest.mark.parametrize("ceiling", ["TLP:CLEAR", "TLP:GREEN"])
def test_a_public_build_lists_nothing_above_its_marking(restricted, capsys, ceiling):
    feed = (build(capsys, restricted.root, "--max-marking", ceiling) / "feed.xml").read_bytes()
    assert SECRET.encode() not in feed.lower() and b"AMBER" not in feed
    parsed = feedparser.parse(feed)
    assert [e.link for e in parsed.entries] == [f"briefings/{DPRK}/", f"briefings/{EU}/"]
    assert parsed.feed.updated == "2024-11-05T00:00:00+00:00"  # not the restricted briefing's date


HOSTILE = '</title><script>alert(1)</script>"><img src=x onerror=alert(1)> & ]]>'


def test_hostile_text_stays_text(repo):
    path = repo.root / "briefings" / "b.yaml"
    text = path.read_text(encoding="utf-8").replace("title: EU and Korea", 'title: "' + HOSTILE.replace('"', '\\"')
                                                    + '\\a"')
    text = text.replace("summary: Borrell visits Seoul.", "summary: |\n  Borrell <script>alert(1)</script> visits "
                        "[Seoul](javascript:alert(1)) <img src=x onerror=alert(1)>.")
    text = text.replace("authors: [K. Analyst]", f"authors: [{repr(HOSTILE)}]")
    path.write_text(text, encoding="utf-8")
    assert [d.code for d in repo.check().diagnostics if d.severity.value == "error"] == []
    xml = feed_xml(build_index(load_repository(repo.root)), "<b>Desk</b>")
    root = etree.fromstring(xml)  # well-formed XML (the BEL, which XML cannot hold, is dropped)
    entry = root.find(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == HOSTILE
    assert entry.findtext(f"{ATOM}author/{ATOM}name") == HOSTILE
    assert root.findtext(f"{ATOM}title") == "<b>Desk</b>"
    assert [element.tag for element in root.iter()] == [element.tag for element in root.iter()
                                                        if element.tag.startswith(ATOM)]  # no markup came in
    summary = entry.findtext(f"{ATOM}summary")
    assert "<script" not in summary and "javascript:" not in summary and "onerror" not in summary
    assert summary.startswith("<p>Borrell") and "Seoul" in summary
    parsed = feedparser.parse(xml)
    assert not parsed.bozo and parsed.entries[0].title == HOSTILE


def test_a_repository_without_published_briefings_has_an_empty_feed(repo):
    path = repo.root / "briefings" / "b.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("status: published", "status: draft"), encoding="utf-8")
    parsed = feedparser.parse(feed_xml(build_index(load_repository(repo.root)), "Briefings"))
    assert not parsed.bozo and parsed.entries == []
    assert parsed.feed.updated == "1970-01-01T00:00:00+00:00"


def test_an_incremental_build_converts_only_the_summaries_that_changed(example, capsys, tmp_path, monkeypatch):
    from build_scripts import feed, render

    (example.root / "briefings" / "unrelated-2024-10.yaml").write_text(
        "title: An unrelated note\ndate: 2024-10-01\nstatus: published\nmarking: TLP:CLEAR\n"
        "authors: [K. Analyst]\nsummary: An **unrelated** note.\n", encoding="utf-8")
    build(capsys, example.root)
    path = example.root / "briefings" / f"{EU}.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("summary: |\n", "summary: |\n  A new first line.\n", 1),
                    encoding="utf-8")
    converted = []
    monkeypatch.setattr(feed, "markdown_block", lambda text: converted.append(text) or render.markdown_block(text))
    site = build(capsys, example.root)
    # the other briefings' summaries come from the last feed: only the edited one is converted
    assert [text.split("EU High")[0] for text in converted] == ["A new first line.\n"]
    monkeypatch.undo()
    clean = build(capsys, example.root, "--clean", "--site-dir", str(tmp_path / "clean"))
    assert (site / "feed.xml").read_bytes() == (clean / "feed.xml").read_bytes()
    assert "<p>A new first line." in feedparser.parse((site / "feed.xml").read_bytes()).entries[1].summary


def test_a_superseded_briefing_leaves_the_feed_for_its_successor(repo):
    path = repo.root / "briefings" / "b.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("status: published", "status: superseded\n"
                                                             "superseded_by: b-update"), encoding="utf-8")
    repo.write("briefings/b-update.yaml", "title: EU and Korea, updated\ndate: 2024-11-05\nstatus: published\n"
               "marking: TLP:GREEN\nauthors: [K. Analyst]\nsummary: Borrell left Seoul.\n")
    assert [d.code for d in repo.check().diagnostics] == []
    parsed = feedparser.parse(feed_xml(build_index(load_repository(repo.root)), "Briefings"))
    assert [(e.title, e.link, e.tags[0].term) for e in parsed.entries] == [
        ("EU and Korea, updated", "briefings/b-update/", "TLP:GREEN")]
