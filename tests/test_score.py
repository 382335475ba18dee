"""The forecast record (SPEC 7): the arithmetic against figures worked out by hand, and
``briefings score``."""

from __future__ import annotations

import json

import pytest

from build_scripts import score
from conftest import BRIEFING, run, source_meta

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
    assess(repo, "annulled", "2024-11-05", "likely", qid="gone",
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


def test_briefings_score_on_the_example_has_nothing_scored(capsys):
    from conftest import ROOT

    assert run(capsys, "score", str(ROOT)) == (
        0, "No question is scored yet: a question is scored once it is resolved yes or no.\n", "")


@pytest.mark.parametrize("broken,message", [
    (True, "briefings: the repository has 1 error: the forecast record is scored only from records that check; "
           "run 'briefings check' and fix them first\n"),
])
def test_briefings_score_refuses_a_repository_with_errors(repo, capsys, broken, message):
    spec_example(repo)
    assess(repo, "d1", "2024-11-06", "roughly even chance")  # the change of line is gone: BRF507
    assert run(capsys, "score", str(repo.root)) == (2, "", message)


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
            "brf-outcome--no\">no</span></td><td><time datetime=\"2024-11-05\">2024-11-05</time></td><td><time "
            "datetime=\"2024-11-08\">2024-11-08</time></td><td>3</td><td>2</td><td>0.2019</td></tr>") in page
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
