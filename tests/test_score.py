"""The forecast record (SPEC 7): the arithmetic against figures worked out by hand, and
``briefings score``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from build_scripts import score
from conftest import BRIEFING, ROOT, run

QUESTION = """open_questions:
  - id: {qid}
    question: Will it happen?
    likelihood: {likelihood}
{extra}"""
RESOLVED = "    status: resolved\n    resolution:\n      date: {date}\n      outcome: {outcome}\n"


def assess(repo, name: str, date: str, likelihood: str, qid: str = "q", status: str = "published",
           extra: str = "", authors: str = "[K. Analyst]") -> None:
    text = (BRIEFING.replace("2024-11-03", "2024-10-01")  # (the position and event: before any briefing)
            .replace("date: 2024-11-04", f"date: {date}").replace("status: published", f"status: {status}")
            .replace("authors: [K. Analyst]", f"authors: {authors}")
            + QUESTION.format(qid=qid, likelihood=likelihood, extra=extra))
    repo.write(f"briefings/{name}.yaml", text)


def spec_example(repo) -> None:
    """SPEC 7: unlikely on day 0, roughly even chance on day 1, resolved no on day 3."""
    repo.write("briefings/b.yaml", BRIEFING.replace("2024-11-03", "2024-10-01"))
    assess(repo, "d0", "2024-11-05", "unlikely")
    assess(repo, "d1", "2024-11-06", "roughly even chance",
           extra="    change:\n      from: unlikely\n      reason: Why.\n")
    assess(repo, "d3", "2024-11-08", "roughly even chance", extra=RESOLVED.format(date="2024-11-08", outcome="no"))


def record(repo) -> score.TrackRecord:
    from build_scripts.repo import load_repository

    assert [d for d in repo.check().diagnostics if d.severity == "error"] == []
    return score.score(load_repository(repo.root).briefings)


def test_the_example_of_the_spec(repo):
    spec_example(repo)
    found = record(repo).as_dict()
    assert found["questions"] == [{"id": "q", "outcome": "no", "resolved": "2024-11-08", "first": "2024-11-05",
                                   "days": 3, "assessments": 2, "brier": 0.2019}]
    assert found["brier"] == 0.2019  # ((0.325)² + 0.5² + 0.5²) / 3 = 0.201875
    assert found["authors"] == [{"name": "K. Analyst", "brier": 0.2019, "questions": 1}]
    calibration = {c["likelihood"]: (c["midpoint"], c["assessments"], c["yes"]) for c in found["calibration"]}
    assert list(calibration) == ["almost no chance", "very unlikely", "unlikely", "roughly even chance", "likely",
                                 "very likely", "almost certain"]
    assert calibration["unlikely"] == (0.325, 1, 0) and calibration["roughly even chance"] == (0.5, 1, 0)
    assert calibration["likely"] == (0.675, 0, 0)


def test_a_draft_is_left_out(repo):
    spec_example(repo)
    assess(repo, "draft", "2024-11-07", "almost certain", status="draft",
           extra="    change:\n      from: roughly even chance\n      reason: A draft.\n")
    assert record(repo).as_dict()["brier"] == 0.2019


def test_annulled_and_open_questions_are_not_scored(repo):
    spec_example(repo)
    assess(repo, "annulled", "2024-11-09", "likely", qid="gone",
           extra=RESOLVED.format(date="2024-11-09", outcome="annulled"))
    assess(repo, "open", "2024-11-05", "likely", qid="still-open")
    assert [q["id"] for q in record(repo).as_dict()["questions"]] == ["q"]


def test_a_yes_and_the_team_mean(repo):
    spec_example(repo)
    # likely (0.675) for 2 days, then resolved yes: (0.325² × 2) / 2 = 0.105625
    assess(repo, "y0", "2024-11-01", "likely", qid="y", authors="[B. Analyst]")
    assess(repo, "y2", "2024-11-03", "likely", qid="y", authors="[B. Analyst]",
           extra=RESOLVED.format(date="2024-11-03", outcome="yes"))
    found = record(repo).as_dict()
    assert [(q["id"], q["brier"], q["assessments"]) for q in found["questions"]] == [("q", 0.2019, 2), ("y", 0.1056, 1)]
    assert found["brier"] == round((0.201875 + 0.105625) / 2, 4)
    assert found["authors"] == [{"name": "B. Analyst", "brier": 0.1056, "questions": 1},
                                {"name": "K. Analyst", "brier": 0.2019, "questions": 1}]
    likely = next(c for c in found["calibration"] if c["likelihood"] == "likely")
    assert (likely["assessments"], likely["yes"]) == (1, 1)


def test_a_public_scoring_leaves_out_a_restricted_assessment(repo):
    from build_scripts.index import build_index
    from build_scripts.repo import load_repository

    spec_example(repo)
    assess(repo, "secret", "2024-11-07", "almost certain",
           extra="    change:\n      from: roughly even chance\n      reason: Secret.\n")
    (repo.root / "briefings/secret.yaml").write_text(
        (repo.root / "briefings/secret.yaml").read_text().replace("TLP:CLEAR", "TLP:AMBER"))
    loaded = load_repository(repo.root)
    full = score.score(loaded.briefings).as_dict()["brier"]
    public = score.score(build_index(loaded, "TLP:CLEAR").briefings).as_dict()["brier"]
    assert (public, full) == (0.2019, round((0.325 ** 2 + 0.25 + 0.97 ** 2) / 3, 4))


def test_briefings_score_prints_the_record(repo, capsys):
    spec_example(repo)
    code, out, err = run(capsys, "score", str(repo.root), "--format", "json")
    assert (code, err) == (0, "")
    assert json.loads(out)["brier"] == 0.2019
    code, out, err = run(capsys, "score", str(repo.root))
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[:4] == [
        "question                                 outcome first      resolved    days  brier",
        "q                                        no      2024-11-05 2024-11-08     3 0.2019",
        "    2024-11-05  unlikely             (0.325)  d0",
        "    2024-11-06  roughly even chance  (0.5)  d1",
    ]
    assert "Team Brier score: 0.2019 over 1 question (0 is perfect; always answering 'roughly even chance' scores " \
           "0.25)" in lines


def test_an_authors_name_prints_without_its_escape_codes(repo, capsys):
    spec_example(repo)
    assess(repo, "d0", "2024-11-05", "unlikely", authors='["K. Analyst", "\\e[2J\\e[31mX\\e]0;title\\a"]')
    code, out, err = run(capsys, "score", str(repo.root))
    assert (code, err) == (0, "")
    assert "\x1b" not in out and "\x07" not in out
    assert "  \ufffd[2J\ufffd[31mX\ufffd]0;title\ufffd: 0.2019 over 1 question" in out.splitlines()


def test_briefings_score_on_the_example_has_nothing_scored(capsys):
    from conftest import ROOT

    assert run(capsys, "score", str(ROOT)) == (
        0, "No question is scored yet: a question is scored once it is resolved yes or no.\n", "")


def test_briefings_score_refuses_a_repository_with_errors(repo, capsys):
    spec_example(repo)
    assess(repo, "d1", "2024-11-06", "roughly even chance")  # the change of line is gone: BRF507
    code, out, err = run(capsys, "score", str(repo.root))
    assert (code, out) == (2, "")
    assert "error BRF507" in err
    assert err.endswith("briefings: nothing was scored: the repository has 1 error; fix them (see above), "
                        "then run it again\n")


def pages_of(repo, max_marking: str = "TLP:RED") -> dict[str, str]:
    from build_scripts.index import build_index
    from build_scripts.render import render_pages
    from build_scripts.repo import load_repository
    from conftest import ROOT

    return {p.path: p.text for p in render_pages(build_index(load_repository(repo.root), max_marking),
                                                 ROOT / "templates")}


def test_the_track_record_page(repo):
    spec_example(repo)
    page = pages_of(repo)["track-record/index.md"]
    assert '<span class="brf-score__label">Team Brier score</span> <strong>0.2019</strong> over 1 question' in page
    assert ("<tr><td><a href=\"../questions/q/\">Will it happen?</a></td><td><span class=\"brf-badge brf-outcome "
            "brf-outcome--no\">no</span></td><td>0.2019</td><td><time datetime=\"2024-11-05\">2024-11-05</time></td>"
            "<td><time datetime=\"2024-11-08\">2024-11-08</time></td><td>3</td><td>2</td></tr>") in page
    assert "<tr><td>K. Analyst</td><td>0.2019</td><td>1</td></tr>" in page
    chart = page[page.index("<svg"):page.index("</svg>")]
    assert 'role="img"' in chart and "<title id=\"brf-calibration-title\">" in chart and "<script" not in chart
    assert chart.count('class="brf-chart__band"') == 7 and chart.count('class="brf-chart__dot"') == 2
    assert "<title>unlikely: 0 of 1 came true</title>" in chart
    assert "<tr><td>roughly even chance</td><td>45-55%</td><td>1</td><td>0 of 1 (0%)</td></tr>" in page
    question = pages_of(repo)["questions/q.md"]
    assert "<strong>0.2019</strong> over 3 days and 2 assessments" in question


def test_the_track_record_of_a_public_build(repo):
    spec_example(repo)
    assess(repo, "secret", "2024-11-07", "almost certain",
           extra="    change:\n      from: roughly even chance\n      reason: Secret.\n")
    path = repo.root / "briefings/secret.yaml"
    path.write_text(path.read_text().replace("TLP:CLEAR", "TLP:AMBER"))
    assert "<strong>0.2019</strong>" in pages_of(repo, "TLP:CLEAR")["track-record/index.md"]
    assert "<strong>0.4322</strong>" in pages_of(repo)["track-record/index.md"]  # (0.105625 + 0.25 + 0.9409) / 3


def test_nothing_scored_yet(repo):
    assert "No question is scored yet." in pages_of(repo)["track-record/index.md"]


# --- The estimate over time on a question's page ------------------------------------------

def chart_of(page: str, name: str = "estimate") -> str:
    start = page.index(f'<svg class="brf-chart brf-chart--{name}"')
    return page[start:page.index("</svg>", start) + len("</svg>")]


def test_the_question_page_charts_what_the_score_counts(repo):
    spec_example(repo)
    assess(repo, "draft", "2024-11-07", "almost certain", status="draft",
           extra="    change:\n      from: roughly even chance\n      reason: A draft.\n")
    page = pages_of(repo)["questions/q.md"]
    chart = chart_of(page)
    # 3 days over 562 units: 187.3 a day; the draft of day 2 and the resolving briefing's own likelihood left out
    assert chart.count('class="brf-chart__band"') == 2 and chart.count('class="brf-chart__dot"') == 2
    assert '<path class="brf-chart__line" d="M48 157.5 H235.3 V126 H610"/>' in chart
    assert '<text class="brf-chart__resolution-label" x="610" y="16" text-anchor="end">resolved no, 2024-11-08</text>' \
        in chart
    assert ('<desc id="brf-estimate-desc">unlikely (20-45%) from 2024-11-05; roughly even chance (45-55%) from '
            "2024-11-06; resolved no, 2024-11-08. The table below gives the same figures.</desc>") in chart
    table = page[page.index('<details class="brf-chart-data">'):page.index("</details>")]
    rows = [row for row in table.split("\n") if row.startswith("<tr><td>")]
    assert rows == [
        '<tr><td><time datetime="2024-11-05">2024-11-05</time></td><td><time datetime="2024-11-06">2024-11-06</time>'
        "</td><td>unlikely</td><td>20-45%</td></tr>",
        '<tr><td><time datetime="2024-11-06">2024-11-06</time></td><td><time datetime="2024-11-08">2024-11-08</time>'
        "</td><td>roughly even chance</td><td>45-55%</td></tr>",
        '<tr><td><time datetime="2024-11-08">2024-11-08</time></td><td></td><td colspan="2">resolved no</td></tr>',
    ]


def test_a_public_question_page_charts_only_what_it_publishes(repo):
    spec_example(repo)
    assess(repo, "secret", "2024-11-07", "almost certain",
           extra="    change:\n      from: roughly even chance\n      reason: Secret.\n")
    path = repo.root / "briefings/secret.yaml"
    path.write_text(path.read_text().replace("TLP:CLEAR", "TLP:AMBER"))
    public, full = pages_of(repo, "TLP:CLEAR")["questions/q.md"], pages_of(repo)["questions/q.md"]
    assert chart_of(public).count('class="brf-chart__dot"') == 2 and "almost certain" not in public
    assert "<strong>0.2019</strong>" in public
    assert chart_of(full).count('class="brf-chart__dot"') == 3
    assert "<title>2024-11-07: almost certain (95-99%)</title>" in chart_of(full)


def test_an_open_question_is_charted_to_its_latest_assessment(repo):
    assess(repo, "o1", "2024-11-05", "likely", qid="open")
    assess(repo, "o2", "2024-11-08", "very likely", qid="open",
           extra="    change:\n      from: likely\n      reason: Why.\n")
    chart = chart_of(pages_of(repo)["questions/open.md"])
    # day 0 to day 4 (the day after the latest assessment): 140.5 a day; 0.675 at 216 - 180 × 0.675
    assert '<path class="brf-chart__line" d="M48 94.5 H469.5 V58.5 H610"/>' in chart
    assert "brf-chart__resolution" not in chart
    assert "; open, last assessed 2024-11-08." in chart
    assert "<td>still held</td><td>very likely</td><td>80-95%</td>" in pages_of(repo)["questions/open.md"]


def test_nothing_to_chart_without_a_likelihood(repo):
    assess(repo, "only-draft", "2024-11-05", "likely", qid="drafted", status="draft")
    page = pages_of(repo)["questions/drafted.md"]
    assert "<svg" not in page
    assert ('<p class="brf-empty">No assessment gives this question a likelihood (drafts aside): there is nothing '
            "to chart.</p>") in page


def test_the_charts_are_the_same_bytes_build_to_build(repo):
    spec_example(repo)
    first, second = pages_of(repo), pages_of(repo)
    assert first["questions/q.md"] == second["questions/q.md"]
    assert first["track-record/index.md"] == second["track-record/index.md"]


def test_hostile_question_text_and_note_are_escaped_in_the_charts_and_tables(repo):
    import html.parser

    hostile = "Will it </title><script>alert(1)</script> \"><svg onload=alert(2)> happen?"
    note = "Noted <script>alert(3)</script> \"><svg onload=alert(4)>"
    spec_example(repo)
    for name in ("d0", "d1", "d3"):
        path = repo.root / f"briefings/{name}.yaml"
        path.write_text(path.read_text().replace("question: Will it happen?", f"question: {json.dumps(hostile)}"))
    path = repo.root / "briefings/d3.yaml"
    path.write_text(path.read_text() + f"      note: {json.dumps(note)}\n")
    pages = pages_of(repo)
    escaped = "Will it &lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt; &#34;&gt;&lt;svg onload=alert(2)&gt; happen?"
    assert f'<title id="brf-estimate-title">Estimate over time: {escaped}</title>' in chart_of(pages["questions/q.md"])
    assert f'<a href="../questions/q/">{escaped}</a>' in pages["track-record/index.md"]

    class Elements(html.parser.HTMLParser):
        def __init__(self):
            super().__init__()
            self.found: list[tuple[str, dict]] = []

        def handle_starttag(self, tag, attrs):
            self.found.append((tag, dict(attrs)))

    for path in ("questions/q.md", "track-record/index.md"):
        parser = Elements()
        parser.feed(pages[path])
        assert [tag for tag, _ in parser.found if tag == "script"] == []
        assert [(tag, a) for tag, a in parser.found if tag == "svg" and not a.get("class", "").startswith("brf-chart")] \
            == []
        assert [(tag, name) for tag, a in parser.found for name in a if name.startswith("on")] == []
        assert "<script" not in pages[path] and "<svg onload" not in pages[path]


# --- The guide's worked example ---------------------------------------------------------------

WORKED = ROOT / "tests" / "data" / "forecast-record"
GUIDE = ROOT / "templates" / "docs" / "guide" / "index.md"


def worked_copy(tmp_path) -> Path:
    """The worked example's repository, copied (a command keeps its cache beside the records)."""
    import shutil

    copy = tmp_path / "worked"
    for folder in ("briefings", "sources"):
        shutil.copytree(WORKED / folder, copy / folder)
    return copy


def guide_section() -> str:
    text = GUIDE.read_text(encoding="utf-8")
    start = text.index("## Resolve a question and read the score")
    return text[start:text.index("\n## ", start + 1)]


def test_the_guide_shows_what_briefings_score_prints_for_its_worked_example(capsys, tmp_path):
    section = guide_section()
    shown = section[section.index("```text\n") + 8:section.index("```", section.index("```text\n") + 8)]
    worked = worked_copy(tmp_path)
    code, out, err = run(capsys, "score", str(worked))
    assert (code, out, err) == (0, shown, "")
    code, out, err = run(capsys, "score", str(worked), "--format", "json")
    found = json.loads(out)
    assert (code, err) == (0, "")
    assert found["questions"] == [{"id": "szohod-crossing-reopens", "outcome": "yes", "resolved": "2025-03-10",
                                   "first": "2025-03-03", "days": 7, "assessments": 2, "brier": 0.3056}]
    assert found["brier"] == 0.3056
    assert found["authors"] == [{"name": "A. Analyst", "brier": 0.3056, "questions": 1},
                                {"name": "B. Analyst", "brier": 0.3056, "questions": 1}]


def test_the_guide_s_arithmetic(tmp_path):
    from build_scripts.repo import load_repository

    section = guide_section()
    assert "(1 − 0.325)² = 0.455625" in section and (1 - 0.325) ** 2 == pytest.approx(0.455625)
    assert "(1 − 0.675)² = 0.105625" in section and (1 - 0.675) ** 2 == pytest.approx(0.105625)
    assert "(4 × 0.455625 + 3 × 0.105625) / 7 = 2.139375 / 7 = 0.3056" in section
    assert round((4 * 0.455625 + 3 * 0.105625) / 7, 4) == 0.3056
    # had the draft been published, it would count from 8 March
    copy = worked_copy(tmp_path)
    draft = copy / "briefings" / "szohod-crossing-draft.yaml"
    draft.write_text(draft.read_text(encoding="utf-8").replace("status: draft", "status: published"), encoding="utf-8")
    assert "(1 − 0.97)² = 0.0009 each, and the question\n0.2757" in section
    assert score.score(load_repository(copy).briefings).as_dict()["brier"] == 0.2757


def test_the_worked_example_checks_clean(capsys, tmp_path):
    assert run(capsys, "check", str(worked_copy(tmp_path)), "--strict") == (
        0, "4 briefings, 3 sources, 6 citations: 0 errors, 0 warnings\n", "")


@pytest.mark.parametrize("path", ["questions/szohod-crossing-reopens.md", "track-record/index.md"])
def test_the_worked_example_s_pages_match_their_golden_files(path, tmp_path):
    import os

    from build_scripts.index import build_index
    from build_scripts.render import render_pages
    from build_scripts.repo import load_repository

    pages = {p.path: p.text for p in render_pages(build_index(load_repository(worked_copy(tmp_path))),
                                                                 ROOT / "templates")}
    golden = WORKED / "golden" / path
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(pages[path], encoding="utf-8")
    assert pages[path] == golden.read_text(encoding="utf-8"), f"{path} differs (UPDATE_GOLDEN=1 to accept)"


def test_dates_too_close_to_label_are_ticked_not_labelled():
    import datetime as dt
    import re

    from build_scripts import charts
    from build_scripts.model import Resolution

    start = dt.date(2025, 1, 1)
    terms = ["unlikely", "likely"]
    line = score.Line("q", "Q?", [score.Assessment(start + dt.timedelta(days=n), terms[n % 2], None)
                                  for n in range(12)],
                      Resolution(loc=None, date=start + dt.timedelta(days=12), outcome="yes"))
    svg = str(charts.estimate_chart(line))
    assert svg.count('class="brf-chart__axis"') == 13  # every assessment and the resolution ticked
    labels = re.findall(r'<text class="brf-chart__tick" x="([\d.]+)" y="235" text-anchor="(\w+)">([\d-]+)</text>', svg)
    assert [date for _, _, date in labels] == ["2025-01-01", "2025-01-04", "2025-01-06", "2025-01-08",
                                               "2025-01-10", "2025-01-13"]
    extents = [{"start": (x, x + 66), "end": (x - 66, x), "middle": (x - 33, x + 33)}[anchor]
               for x, anchor in ((float(x), anchor) for x, anchor, _ in labels)]
    assert all(b[0] - a[1] >= 12 for a, b in zip(extents, extents[1:]))  # none overlaps the next
    assert extents[0][0] >= 0 and extents[-1][1] <= charts.WIDTH


def test_a_public_build_s_pages_score_and_chart_only_what_it_publishes(repo, tmp_path):
    import shutil

    from build_scripts.cli import main

    spec_example(repo)
    assess(repo, "secret", "2024-11-07", "almost certain", authors="[S. Secret]",
           extra="    change:\n      from: roughly even chance\n      reason: Secret.\n")
    path = repo.root / "briefings/secret.yaml"
    path.write_text(path.read_text().replace("TLP:CLEAR", "TLP:AMBER"))
    assess(repo, "d3", "2024-11-08", "roughly even chance",  # back from the secret line, which a build checks too
           extra="    change:\n      from: almost certain\n      reason: Back.\n" + RESOLVED.format(date="2024-11-08",
                                                                                              outcome="no"))
    shutil.copytree(ROOT / "templates", repo.root / "templates")
    shutil.copy(ROOT / "mkdocs.yml", repo.root / "mkdocs.yml")
    built = {}
    for marking in ("TLP:CLEAR", "TLP:RED"):
        site = tmp_path / marking.replace(":", "-")
        assert main(["build", str(repo.root), "-q", "--max-marking", marking, "--site-dir", str(site)]) == 0
        built[marking] = {name: (site / name / "index.html").read_text(encoding="utf-8")
                          for name in ("track-record", "questions/q")}
    public, full = built["TLP:CLEAR"], built["TLP:RED"]
    assert "<strong>0.2019</strong>" in public["track-record"] and "S. Secret" not in public["track-record"]
    assert "<strong>0.4322</strong>" in full["track-record"] and "<td>S. Secret</td>" in full["track-record"]
    assert "<td>almost certain</td><td>95-99%</td><td>0</td><td>-</td>" in public["track-record"]
    assert chart_of(public["questions/q"]).count('class="brf-chart__dot"') == 2
    assert "almost certain" not in chart_of(public["questions/q"])
    assert "<strong>0.2019</strong>" in public["questions/q"]
    assert chart_of(full["questions/q"]).count('class="brf-chart__dot"') == 3


def test_an_annulled_question_is_charted_to_its_annulment_without_an_outcome(repo):
    assess(repo, "a0", "2024-11-05", "likely", qid="gone")
    assess(repo, "a1", "2024-11-07", "likely", qid="gone", extra=RESOLVED.format(date="2024-11-07", outcome="annulled"))
    page = pages_of(repo)["questions/gone.md"]
    chart = chart_of(page)
    assert '<text class="brf-chart__resolution-label" x="610" y="16" text-anchor="end">annulled, 2024-11-07</text>' \
        in chart
    assert "brf-chart__outcome" not in chart and chart.count('class="brf-chart__dot"') == 1
    assert '<td colspan="2">annulled</td>' in page and "Brier score" not in page
