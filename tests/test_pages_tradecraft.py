"""The tradecraft fields on the pages (SPEC 3, "Analytic tradecraft"; SPEC 6).

A small repository uses every tradecraft field; its site is built and each element is
looked for in the HTML. The class names are stable (tests and a team's styles rely on
them):

Briefing page (``/briefings/<id>/``)
    ``.brf-superseded`` the notice of a superseded briefing, ``a.brf-superseded__link`` to
    its successor; ``.brf-supersedes`` on the successor, ``a.brf-supersedes__link`` back.
    ``.brf-judgment`` (``id="judgment-<id>"`` when the judgment has an id) holds
    ``dl.brf-basis``: ``a.brf-basis__assumption`` links to ``#assumption-<id>``, and the
    judgment's citations; ``.brf-alternatives`` with one ``.brf-alternative`` each
    (``.brf-alternative__hypothesis``, a ``.brf-likelihood`` badge with its ``.brf-band``).
    ``ol.brf-assumptions`` of ``li.brf-assumption#assumption-<id>`` (a linchpin also has
    ``.brf-assumption--linchpin`` and a ``.brf-linchpin`` mark), ``.brf-if-wrong``.
    ``.brf-implications``. Each ``a.citation`` ends with its grade, ``span.brf-grade``
    (``B2``: the source's reliability, the citation's credibility), each reference carries a
    ``.brf-grade`` badge, and ``.brf-grades-legend`` explains the letters and digits shown.
Briefing and question pages
    ``.brf-change`` (``.brf-change__line``: from → to, ``.brf-change__reason``),
    ``dl.brf-terms`` (``.brf-criteria``, ``.brf-resolves-by``), ``.brf-resolution``
    (``.brf-outcome--<yes|no|annulled>``, ``.brf-resolution__date``, ``.brf-resolution__note``,
    ``.brf-resolution__evidence``).
"""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from build_scripts.checks import check_repository
from build_scripts.cli import main
from build_scripts.index import build_index
from build_scripts.render import plan_pages, render_pages
from build_scripts.repo import load_repository

from conftest import ROOT, SOURCE_A, SOURCE_B, source_meta
from test_site import parse

OLD = """\
title: First look at the aid question
date: 2024-10-01
status: superseded
superseded_by: new
marking: TLP:CLEAR
authors: [K. Analyst]
summary: The first look.
open_questions:
  - id: lethal-aid
    question: Will Seoul send weapons?
    status: open
    likelihood: unlikely
    confidence: low
    resolves_by: 2025-03-31
    criteria: An *official* announcement of a first delivery.
  - id: troops-in-combat
    question: Will the troops fight?
    status: open
    likelihood: likely
"""

NEW = """\
title: Second look at the aid question
date: 2024-11-04
status: published
marking: TLP:CLEAR
authors: [K. Analyst]
summary: The second look.
assumptions:
  - id: policy-stable
    assumption: Seoul's policy follows its *public* statements.
    linchpin: true
    if_wrong: Weapons could come **without warning**.
    cites:
      - source: src-a
        quote: all possible scenarios
        credibility: 3
  - id: no-escalation
    assumption: The troops stay in Russia.
key_judgments:
  - id: non-lethal
    judgment: Seoul keeps its aid non-lethal.
    likelihood: likely
    confidence: moderate
    assumptions: [policy-stable, no-escalation]
    cites:
      - source: src-a
        quote: to the next level
        credibility: 2
    alternatives:
      - hypothesis: Seoul sends *defensive* weapons.
        likelihood: unlikely
        indicators: [A cabinet decision]
        cites:
          - source: src-b
            lines: "2"
  - judgment: The cooperation deepens.
    assumptions: [no-escalation]
open_questions:
  - id: lethal-aid
    question: Will Seoul send weapons?
    status: open
    likelihood: roughly even chance
    confidence: low
    change:
      from: unlikely
      reason: The triggers Seoul named are *closer*.
    criteria: A first delivery, announced by the **ministry**.
    cites:
      - source: src-a
        quote: including weapons
  - id: troops-in-combat
    question: Will the troops fight?
    status: resolved
    likelihood: likely
    resolution:
      date: 2024-11-03
      outcome: yes
      note: Reported *in combat*.
      cites:
        - source: src-b
          quote: North Korean troops may soon join combat
          credibility: 1
implications: |
  Allies should **plan** for a change of policy.
"""


def tradecraft_repository(root: Path) -> Path:
    """Two briefings (one superseding the other) and two sources (one graded B), with every
    tradecraft field."""
    files = {
        "sources/src-a.txt": SOURCE_A, "sources/src-a.yaml": source_meta(SOURCE_A, reliability="B"),
        "sources/src-b.txt": SOURCE_B, "sources/src-b.yaml": source_meta(SOURCE_B),
        "briefings/old.yaml": OLD, "briefings/new.yaml": NEW,
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    if not (root / "templates").exists():
        shutil.copytree(ROOT / "templates", root / "templates")
        shutil.copy(ROOT / "mkdocs.yml", root / "mkdocs.yml")
    return root


class Tree(HTMLParser):
    """A page as elements: each start tag with its attributes, the text inside it, its parents."""

    VOID = {"br", "hr", "img", "input", "link", "meta", "source", "wbr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[dict] = []
        self.open: list[dict] = []

    def handle_starttag(self, tag, attrs):
        element = {"tag": tag, "attrs": dict(attrs), "text": "", "parents": list(self.open)}
        element["classes"] = set((element["attrs"].get("class") or "").split())
        self.elements.append(element)
        if tag not in self.VOID:
            self.open.append(element)

    def handle_endtag(self, tag):
        while self.open:
            if self.open.pop()["tag"] == tag:
                break

    def handle_data(self, data):
        for element in self.open:
            element["text"] += data

    def find(self, cls: str, inside: str | None = None) -> list[dict]:
        """Elements with class ``cls`` (inside an element with class ``inside``)."""
        return [e for e in self.elements if cls in e["classes"]
                and (inside is None or any(inside in p["classes"] for p in e["parents"]))]

    def one(self, cls: str, inside: str | None = None) -> dict:
        found = self.find(cls, inside)
        assert len(found) == 1, f".{cls}: {len(found)} elements"
        return found[0]

    def by_id(self, element_id: str) -> dict:
        (found,) = [e for e in self.elements if e["attrs"].get("id") == element_id]
        return found


def text(element: dict) -> str:
    return " ".join(element["text"].split())


def tree(html: str) -> Tree:
    parsed = Tree()
    parsed.feed(html)
    parsed.close()
    return parsed


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = tradecraft_repository(tmp_path_factory.mktemp("tradecraft"))
    errors = [d for d in check_repository(load_repository(root)).diagnostics if d.severity == "error"]
    assert errors == []
    assert main(["build", str(root), "-q"]) == 0
    return root / "site"


def page(site: Path, url: str) -> Tree:
    return tree((site / url / "index.html").read_text(encoding="utf-8"))


def test_the_repository_checks_without_a_warning(tmp_path):
    root = tradecraft_repository(tmp_path)
    assert [(d.code, d.message) for d in check_repository(load_repository(root)).diagnostics] == []


def test_assumptions_are_a_section_with_linchpins_marked_and_what_if_wrong(site):
    p = page(site, "briefings/new")
    assert "assumptions" in {e["attrs"].get("id") for e in p.elements if e["tag"] == "h2"}
    first, second = p.find("brf-assumption")
    assert first["attrs"]["id"] == "assumption-policy-stable" and second["attrs"]["id"] == "assumption-no-escalation"
    assert "brf-assumption--linchpin" in first["classes"] and "brf-assumption--linchpin" not in second["classes"]
    assert text(p.one("brf-linchpin", inside="brf-assumptions")) == "Linchpin"
    if_wrong = p.one("brf-if-wrong")
    assert text(if_wrong) == "If wrong: Weapons could come without warning."
    assert [e["tag"] for e in p.elements if if_wrong in e["parents"]] == ["span", "p", "strong"]  # Markdown
    (cite,) = [e for e in p.find("citation") if any("brf-assumption" in x["classes"] for x in e["parents"])]
    assert text(cite) == "3B3"  # the linchpin's own citation (after the judgments'), graded


def test_a_judgment_shows_its_basis_linked_to_the_assumptions_and_its_citations(site):
    p = page(site, "briefings/new")
    judgment = p.by_id("judgment-non-lethal")
    assert "brf-judgment" in judgment["classes"]
    links = [e for e in p.find("brf-basis__assumption") if judgment in e["parents"]]
    assert [e["attrs"]["href"] for e in links] == ["#assumption-policy-stable", "#assumption-no-escalation"]
    assert text(links[0]) == "Seoul's policy follows its public statements."  # as text, Markdown dropped
    assert [text(e) for e in p.find("brf-assumption__number", inside="brf-basis")] == ["A1", "A2", "A2"]
    assert [text(e) for e in p.find("brf-linchpin", inside="brf-basis")] == ["Linchpin"]
    evidence = [e for e in p.find("citation", inside="brf-basis") if judgment in e["parents"]]
    assert [e["attrs"]["id"] for e in evidence] == ["cite-1"]
    for anchor in ("assumption-policy-stable", "assumption-no-escalation"):
        p.by_id(anchor)  # the links land


def test_a_judgment_shows_its_alternatives_with_likelihood_and_band(site):
    p = page(site, "briefings/new")
    (alternative,) = p.find("brf-alternative")
    assert text(p.one("brf-alternative__hypothesis")).startswith("Seoul sends defensive weapons.")
    badge = [e for e in p.find("brf-likelihood") if alternative in e["parents"]]
    assert text(badge[0]) == "unlikely20-45%" and "brf-likelihood--unlikely" in badge[0]["classes"]
    assert [text(e) for e in p.find("brf-band") if alternative in e["parents"]] == ["20-45%"]
    assert "A cabinet decision" in text(alternative)
    (cite,) = [e for e in p.find("citation") if alternative in e["parents"]]
    assert text(cite) == "2"  # an ungraded source, no credibility: no grade


def test_implications_are_a_section_of_sanitised_markdown(site):
    p = page(site, "briefings/new")
    assert "implications" in {e["attrs"].get("id") for e in p.elements if e["tag"] == "h2"}
    assert text(p.one("brf-implications")) == "Allies should plan for a change of policy."
    assert [e["tag"] for e in p.elements if p.one("brf-implications") in e["parents"]] == ["p", "strong"]


def test_each_citation_shows_its_grade_and_the_page_explains_the_grades(site):
    p = page(site, "briefings/new")
    shown = {e["attrs"]["id"]: text(e) for e in p.find("citation") if "id" in e["attrs"]}
    # both; neither; both; the letter alone (no credibility); the digit alone (an ungraded source)
    assert shown == {"cite-1": "1B2", "cite-2": "2", "cite-3": "3B3", "cite-4": "4B", "cite-5": "51"}
    assert [text(e) for e in p.find("brf-grade", inside="citation")] == ["B2", "B3", "B", "1"]
    assert [text(e) for e in p.find("brf-grade", inside="brf-references")] == ["B2", "B3", "B", "1"]
    tip = p.by_id("cite-1")["attrs"]["data-brf-tip"]
    assert tip.endswith("Graded B2: source B, usually reliable; information 2, probably true")
    legend = p.one("brf-grades-legend")
    terms = [text(e) for e in p.elements if e["tag"] == "dt" and legend in e["parents"]]
    assert terms == ["B", "1", "2", "3"]  # the letters and digits shown, and only those
    meanings = [text(e) for e in p.elements if e["tag"] == "dd" and legend in e["parents"]]
    assert meanings[0] == "Source: usually reliable" and meanings[-1] == "Information: possibly true"


def test_citations_are_numbered_in_the_order_the_page_shows_them(site):
    html = (site / "briefings/new/index.html").read_text(encoding="utf-8")
    numbers = [int(n) for n in re.findall(r'class="citation" id="cite-(\d+)"', html)]
    assert numbers == [1, 2, 3, 4, 5]
    index = build_index(load_repository(site.parent))
    briefing = index.briefing("new")
    assert len(index.by_briefing["new"]) == len(briefing.citations())  # every citation is numbered


def test_a_superseded_briefing_links_to_its_successor_and_back(site):
    old = page(site, "briefings/old")
    notice = old.one("brf-superseded")
    assert "Second look at the aid question" in text(notice)
    assert old.one("brf-superseded__link")["attrs"]["href"] == "../../briefings/new/"
    assert old.find("brf-supersedes") == []
    new = page(site, "briefings/new")
    assert new.find("brf-superseded") == []
    assert text(new.one("brf-supersedes")).startswith("Supersedes First look at the aid question")
    assert new.one("brf-supersedes__link")["attrs"]["href"] == "../../briefings/old/"


@pytest.mark.parametrize("max_marking", ["TLP:RED", "TLP:CLEAR"])
def test_a_successor_marked_above_is_not_named(tmp_path, max_marking):
    root = tradecraft_repository(tmp_path)
    (root / "briefings/new.yaml").write_text(NEW.replace("marking: TLP:CLEAR", "marking: TLP:AMBER"), encoding="utf-8")
    index = build_index(load_repository(root), max_marking)
    pages = {p.path: p.text for p in render_pages(index, ROOT / "templates")}
    old = tree(pages["briefings/old.md"])
    assert "replaced by a later briefing." in text(old.one("brf-superseded"))
    assert old.find("brf-superseded__link") == [] and "Second look" not in pages["briefings/old.md"]
    if max_marking == "TLP:RED":  # the successor's own page names what it supersedes
        assert text(tree(pages["briefings/new.md"]).one("brf-supersedes__link")) == "First look at the aid question"
        (plan,) = [plan for plan in plan_pages(index) if plan.path == "briefings/old.md"]
        assert "briefings/new.yaml" in plan.depends  # (were it marked lower, the page would name it)


def test_the_successor_page_depends_on_the_briefing_it_supersedes(tmp_path):
    index = build_index(load_repository(tradecraft_repository(tmp_path)))
    depends = {plan.path: plan.depends for plan in plan_pages(index)}
    assert "briefings/old.yaml" in depends["briefings/new.md"]
    assert "briefings/new.yaml" in depends["briefings/old.md"]


def test_the_briefing_page_shows_a_change_of_line_criteria_and_a_resolution(site):
    p = page(site, "briefings/new")
    change = p.one("brf-change")
    before, after = [e for e in p.find("brf-likelihood") if change in e["parents"]]
    assert "brf-likelihood--unlikely" in before["classes"] and "brf-likelihood--roughly-even-chance" in after["classes"]
    assert text(p.one("brf-change__reason")) == "The triggers Seoul named are closer."
    assert text(p.one("brf-criteria")) == "A first delivery, announced by the ministry."
    resolution = p.one("brf-resolution")
    assert "brf-resolution--yes" in resolution["classes"]
    assert text(p.one("brf-outcome", inside="brf-resolution")) == "Outcome: yes"
    assert text(p.one("brf-resolution__date")) == "2024-11-03"
    assert text(p.one("brf-resolution__note")) == "Reported in combat."
    assert [e["attrs"].get("id") for e in p.find("citation", inside="brf-resolution")] == ["cite-5"]


def test_the_question_page_shows_each_change_of_line_and_the_latest_terms_and_resolution(site):
    p = page(site, "questions/lethal-aid")
    (change,) = p.find("brf-change", inside="brf-assessment")
    assert "2024-11-04" in text([e for e in change["parents"] if "brf-assessment" in e["classes"]][0])
    assert text(p.one("brf-change__line")) == "Line changed unlikely20-45% → to roughly even chance45-55%"
    assert text(p.one("brf-change__reason")) == "The triggers Seoul named are closer."
    terms = [e for e in p.find("brf-terms") if not any("brf-assessment" in x["classes"] for x in e["parents"])]
    assert len(terms) == 1
    # each from the newest assessment that has it: the criteria of 4 November, the date of 1 October
    assert text(p.one("brf-criteria")) == "A first delivery, announced by the ministry."
    assert text(p.one("brf-resolves-by")) == "2025-03-31"
    assert p.find("brf-resolution") == []

    q = page(site, "questions/troops-in-combat")
    assert q.one("brf-resolution")
    assert text(q.one("brf-outcome", inside="brf-resolution")) == "Outcome: yes"
    assert text(q.one("brf-resolution__date")) == "2024-11-03"
    assert text(q.one("brf-resolution__note")) == "Reported in combat."
    (cite,) = q.find("citation", inside="brf-resolution")
    assert cite["attrs"]["href"].startswith("../../sources/src-b/#passage-") and "id" not in cite["attrs"]
    assert "Second look at the aid question" in text(q.one("brf-resolution__recorded"))


def test_a_passage_cited_from_an_assumption_an_alternative_or_a_resolution_links_back(site):
    briefing = parse(site / "briefings/new/index.html")
    for number in (3, 2, 5):  # the assumption's, the alternative's, the resolution's
        (href,) = [url for tag, url, a in briefing.refs if a.get("id") == f"cite-{number}"]
        source, fragment = href.split("#")
        target = site / "briefings/new" / source / "index.html"
        links = parse(target)
        assert fragment in links.quoted
        assert f"../../briefings/new/#cite-{number}" in [url for _, url, _ in links.refs]


# --- Hostile text in every new field -------------------------------------------------------

def hostile(field: str) -> str:
    """Markup that runs script wherever a page reads it as HTML; ``field`` says which ran."""
    return (f"{field}: <script>window.__pwned='{field}'</script><img src=x onerror=\"alert('{field}')\">"
            f" [x](javascript:alert('{field}')) <a href=\"#\" onclick=\"alert('{field}')\">h</a>"
            f" <svg onload=\"alert('{field}')\"></svg> <iframe src=\"javascript:alert('{field}')\"></iframe>"
            f" [t](https://example.org/ \"<img src=y onerror=window.__pwned='{field}'>\")"
            f" <span title=\"<img src=z onerror=alert('{field}')>\">s</span>")


HOSTILE_FIELDS = ("assumption", "if_wrong", "hypothesis", "indicator", "reason", "criteria", "note", "implications")


def hostile_repository(root: Path) -> Path:
    tradecraft_repository(root)
    new = yaml.safe_load(NEW)
    assumption = new["assumptions"][0]
    assumption["assumption"], assumption["if_wrong"] = hostile("assumption"), hostile("if_wrong")
    alternative = new["key_judgments"][0]["alternatives"][0]
    alternative["hypothesis"], alternative["indicators"] = hostile("hypothesis"), [hostile("indicator")]
    question, resolved = new["open_questions"]
    question["change"]["reason"], question["criteria"] = hostile("reason"), hostile("criteria")
    resolved["resolution"]["note"] = hostile("note")
    resolved["resolution"]["outcome"] = "yes"  # (PyYAML read `yes` as true, and would write `true`, which is refused)
    new["implications"] = hostile("implications")
    (root / "briefings/new.yaml").write_text(yaml.safe_dump(new, sort_keys=False, allow_unicode=True, width=1 << 16),
                                             encoding="utf-8")
    return root


def test_no_hostile_markup_from_a_new_field_reaches_a_page(tmp_path):
    repo = load_repository(hostile_repository(tmp_path))
    assert [d for d in check_repository(repo).diagnostics if d.severity == "error"] == []
    pages = {p.path: p.text for p in render_pages(build_index(repo), ROOT / "templates")}
    for path in ("briefings/new.md", "questions/lethal-aid.md", "questions/troops-in-combat.md"):
        p = tree(pages[path])
        ours = [e for e in p.elements if e["tag"] == "svg" and "brf-chart" in (e["attrs"].get("class") or "").split()]
        assert len(ours) == (path != "briefings/new.md")  # the estimate chart, drawn at build time
        assert [e["tag"] for e in p.elements if e["tag"] in ("script", "img", "iframe", "svg", "style", "object")
                and not any(e is o for o in ours)] == []
        live = [(e["tag"], name, value) for e in p.elements for name, value in e["attrs"].items()
                if name.startswith("on") or (value or "").strip().lower().startswith("javascript:")
                or name == "title" and ("<" in (value or "") or "alert" in (value or ""))]
        assert live == [], path
    shown = " ".join(text(e) for e in tree(pages["briefings/new.md"]).elements if e["tag"] == "li")
    for field in HOSTILE_FIELDS:  # each field reached the page, as text
        assert f"{field}:" in pages["briefings/new.md"], field
    # the indicator is plain text: its markup shows, escaped
    assert "indicator: <script>window.__pwned='indicator'</script>" in shown
    # a Markdown link title becomes a text tooltip, never a title
    tips = [e["attrs"]["data-brf-tip"] for e in tree(pages["briefings/new.md"]).elements
            if "data-brf-tip" in e["attrs"]]
    for field in set(HOSTILE_FIELDS) - {"indicator"}:  # (a plain text field)
        assert f"<img src=y onerror=window.__pwned='{field}'>" in tips, field
