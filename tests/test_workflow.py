"""The GitHub Actions workflow: actionlint finds nothing, and it runs the commands it should."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sysconfig
from pathlib import Path

import pytest
import yaml

from conftest import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "briefings.yml"


def actionlint_binary() -> str:
    """The actionlint installed by the test extra (beside this Python's scripts first)."""
    beside = Path(sysconfig.get_path("scripts")) / "actionlint"
    found = str(beside) if beside.exists() else shutil.which("actionlint")
    if found is None:
        pytest.fail("actionlint is not installed: python3 -m pip install -e '.[test]'")
    return found


def actionlint(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([actionlint_binary(), "-no-color", str(path)], capture_output=True, text=True,
                          cwd=path.parent, timeout=120)


@pytest.fixture(scope="module")
def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def steps(workflow: dict, job: str) -> list[dict]:
    return workflow["jobs"][job]["steps"]


def runs(workflow: dict, job: str) -> list[str]:
    return [s["run"].strip() for s in steps(workflow, job) if "run" in s]


def using(workflow: dict, job: str, action: str) -> dict:
    """The one step of ``job`` that uses ``action`` (any version)."""
    found = [s for s in steps(workflow, job) if s.get("uses", "").split("@")[0] == action]
    assert len(found) == 1, f"{job} should use {action} once"
    return found[0]


def test_actionlint_finds_nothing():
    done = actionlint(WORKFLOW)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_actionlint_catches_a_broken_copy(tmp_path):
    text = WORKFLOW.read_text(encoding="utf-8")
    assert "steps.deployment.outputs.page_url" in text
    broken = tmp_path / "briefings.yml"
    broken.write_text(text.replace("steps.deployment.outputs.page_url", "steps.deploy.outputs.page_url"),
                      encoding="utf-8")
    done = actionlint(broken)
    assert done.returncode == 1
    line = 1 + text[: text.index("steps.deployment.outputs.page_url")].count("\n")
    assert f"briefings.yml:{line}:" in done.stdout
    assert 'property "deploy" is not defined' in done.stdout


def test_triggers(workflow):
    on = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert set(on) == {"pull_request", "push", "workflow_dispatch"}
    assert on["push"]["branches"] == ["main"]


def test_check_job_checks_uploads_sarif_and_builds(workflow):
    assert runs(workflow, "check") == [
        "python -m pip install -e .",
        "briefings check --format github",
        "briefings check --format sarif > briefings.sarif || test $? -eq 1",
        "briefings build",
    ]
    python = using(workflow, "check", "actions/setup-python")["with"]
    assert (python["python-version"], python["cache"]) == ("3.11", "pip")
    sarif_step = next(s for s in steps(workflow, "check") if "--format sarif" in s.get("run", ""))
    assert sarif_step["if"] == "always()"
    upload = using(workflow, "check", "github/codeql-action/upload-sarif")
    assert upload["if"].startswith("always()")
    assert upload["with"] == {"sarif_file": "briefings.sarif", "category": "briefings"}
    names = [s.get("uses", s.get("run", "")).split("@")[0] for s in steps(workflow, "check")]
    assert names.index("actions/checkout") == 0
    assert names.index("actions/cache") == names.index("briefings build") - 1
    assert names.index("github/codeql-action/upload-sarif") < names.index("briefings build")


@pytest.mark.parametrize("job", ["check", "deploy"])
def test_each_build_restores_and_saves_its_cache(workflow, job):
    cache = using(workflow, job, "actions/cache")["with"]
    assert cache["path"] == ".briefings-cache"  # what briefings build keeps (see build_scripts/cache.py)
    assert cache["key"] == "briefings-build-${{ github.job }}-${{ github.sha }}"  # saved after every run
    assert cache["restore-keys"] == "briefings-build-${{ github.job }}-"  # the newest of the job's


def test_deploy_job_publishes_pages_from_main_only(workflow):
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "check"
    assert "github.event_name == 'push'" in deploy["if"] and "refs/heads/main" in deploy["if"]
    assert deploy["environment"] == {"name": "github-pages", "url": "${{ steps.deployment.outputs.page_url }}"}
    assert deploy["concurrency"] == {"group": "pages", "cancel-in-progress": False}
    uses = [s["uses"].split("@")[0] for s in steps(workflow, "deploy") if "uses" in s]
    assert uses[-3:] == ["actions/configure-pages", "actions/upload-pages-artifact", "actions/deploy-pages"]
    assert using(workflow, "deploy", "actions/upload-pages-artifact")["with"] == {"path": "site"}
    assert using(workflow, "deploy", "actions/deploy-pages")["id"] == "deployment"
    # Pages is public: the published build leaves out everything above TLP:CLEAR.
    assert 'briefings build --max-marking "$PUBLIC_MARKING"' in runs(workflow, "deploy")
    assert deploy["env"]["PUBLIC_MARKING"] == "TLP:CLEAR"


def test_permissions_are_minimal(workflow):
    assert workflow["permissions"] == {}
    assert workflow["jobs"]["check"]["permissions"] == {
        "contents": "read", "security-events": "write", "actions": "read"}
    assert workflow["jobs"]["deploy"]["permissions"] == {
        "contents": "read", "pages": "write", "id-token": "write"}
    assert workflow["jobs"]["review"]["permissions"] == {"contents": "read"}
    assert workflow["jobs"]["comment"]["permissions"] == {"pull-requests": "write"}


def test_actions_are_github_s_own_or_pinned_to_a_commit(workflow):
    for job in workflow["jobs"]:
        for step in steps(workflow, job):
            if "uses" in step:
                action, _, ref = step["uses"].partition("@")
                assert action.split("/")[0] in ("actions", "github") or re.fullmatch("[0-9a-f]{40}", ref), step


def test_review_job_diffs_and_builds_the_public_site_of_a_pull_request(workflow):
    review = workflow["jobs"]["review"]
    assert review["if"] == "github.event_name == 'pull_request'"
    assert review["env"]["PUBLIC_MARKING"] == workflow["jobs"]["deploy"]["env"]["PUBLIC_MARKING"] == "TLP:CLEAR"
    checkout = using(workflow, "review", "actions/checkout")["with"]
    assert checkout == {"persist-credentials": False, "fetch-depth": 2}  # the merge commit and its base, HEAD^1
    diff = next(s for s in steps(workflow, "review") if s.get("id") == "diff")
    assert 'briefings diff HEAD^1 --format markdown --max-marking "$PUBLIC_MARKING"' in diff["run"]
    assert review["outputs"] == {"diff": "${{ steps.diff.outcome }}"}
    assert 'briefings build --max-marking "$PUBLIC_MARKING" --site-dir public-site --format text' in runs(
        workflow, "review")
    uploads = [s["with"] for s in steps(workflow, "review") if s.get("uses", "").startswith("actions/upload-artifact@")]
    assert [(u["name"], u["path"]) for u in uploads] == [("briefings-diff", "briefings-diff.md"),
                                                        ("public-site-preview", "public-site")]


def test_comment_job_runs_no_code_of_the_pull_request(workflow):
    comment = workflow["jobs"]["comment"]
    assert comment["needs"] == "review"
    assert "needs.review.outputs.diff == 'success'" in comment["if"]
    assert "github.event.pull_request.head.repo.full_name == github.repository" in comment["if"]
    assert [s.get("uses", "run").split("@")[0] for s in steps(workflow, "comment")] == [
        "actions/download-artifact", "run"]
    assert comment["steps"][1]["env"]["MARKER"] == "<!-- briefings-diff -->"


def run_step(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """A ``run:`` command, run by bash as the runner would (with the installed ``briefings``)."""
    env = {**os.environ, "GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(cwd / "summary.md"),
           "PATH": sysconfig.get_path("scripts") + os.pathsep + os.environ["PATH"]}
    return subprocess.run(["bash", "-e", "-c", command], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120)


def test_check_steps_on_the_example(example, workflow):
    check, sarif = runs(workflow, "check")[1:3]
    for command in (check, sarif):
        done = run_step(command, example.root)
        assert done.returncode == 0, (command, done.stdout, done.stderr)
    assert json.loads((example.root / "briefings.sarif").read_text(encoding="utf-8"))["version"] == "2.1.0"
    assert (example.root / "summary.md").read_text(encoding="utf-8").startswith("## Citation check passed")


def test_check_steps_on_a_broken_quote(example, workflow):
    """The check step fails with an annotation; the SARIF step still writes its log."""
    path = example.root / "briefings" / "eu-rok-security-dialogue-2024-11.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("quote: 'noting his visit", "quote: 'noting her visit"), encoding="utf-8")
    check, sarif = runs(workflow, "check")[1:3]
    done = run_step(check, example.root)
    assert done.returncode == 1
    assert "::error file=briefings/eu-rok-security-dialogue-2024-11.yaml,line=" in done.stdout
    assert "title=BRF302::" in done.stdout
    assert run_step(sarif, example.root).returncode == 0
    log = json.loads((example.root / "briefings.sarif").read_text(encoding="utf-8"))
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == ["BRF302"]


def git(root: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "K. Analyst", "GIT_AUTHOR_EMAIL": "analyst@example.org",
           "GIT_COMMITTER_NAME": "K. Analyst", "GIT_COMMITTER_EMAIL": "analyst@example.org",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", "-c", "commit.gpgsign=false", *args], cwd=root, env=env, check=True, capture_output=True)


def test_diff_step_on_a_pull_request_of_the_example(example, workflow):
    """On the merge commit of a pull request, the summary holds the public diff against its base."""
    root = example.root
    dprk = root / "briefings" / "dprk-russia-alignment-2024-11.yaml"
    eu = root / "briefings" / "eu-rok-security-dialogue-2024-11.yaml"
    dprk.write_text(dprk.read_text(encoding="utf-8").replace("marking: TLP:CLEAR", "marking: TLP:AMBER", 1),
                    encoding="utf-8")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    text = eu.read_text(encoding="utf-8")
    assert "    likelihood: unlikely\n    confidence: low\n    criteria:" in text
    eu.write_text(text.replace("    likelihood: unlikely\n    confidence: low\n    criteria:",
                               "    likelihood: unlikely\n    confidence: moderate\n    criteria:", 1), encoding="utf-8")
    title = "North Korea and Russia move from alignment to wartime alliance"
    dprk.write_text(dprk.read_text(encoding="utf-8").replace(title, "Restricted retitling"), encoding="utf-8")
    git(root, "commit", "-q", "-am", "the pull request")
    step = next(s for s in steps(workflow, "review") if s.get("id") == "diff")
    marking = workflow["jobs"]["review"]["env"]["PUBLIC_MARKING"]
    done = run_step(f"export PUBLIC_MARKING='{marking}'\n{step['run']}", root)
    assert done.returncode == 0, done.stderr
    summary = (root / "summary.md").read_text(encoding="utf-8")
    assert summary == (root / "briefings-diff.md").read_text(encoding="utf-8")
    assert summary.startswith("<!-- briefings-diff -->\n## What changed in the briefings\n")
    moved = ("`open_questions[rok-lethal-aid-to-ukraine].confidence` (Will South Korea supply weapons to Ukraine?): "
             "**low** → **moderate**")
    assert moved in summary
    assert "- A TLP:AMBER briefing was changed (not shown: above the marking of this report)" in summary
    assert "Restricted retitling" not in summary and "dprk-russia" not in summary and title not in summary
    # The preview the job uploads: the public site of the pull request.
    build = next(r for r in runs(workflow, "review") if r.startswith("briefings build"))
    done = run_step(f"export PUBLIC_MARKING='{marking}'\n{build}", root)
    assert done.returncode == 0, done.stderr
    site = root / "public-site"
    assert (site / "briefings" / "eu-rok-security-dialogue-2024-11" / "index.html").is_file()
    assert not (site / "briefings" / "dprk-russia-alignment-2024-11").exists()
    assert not any("Restricted retitling" in p.read_text(encoding="utf-8", errors="replace")
                   for p in site.rglob("*.html"))


FAKE_GH = """#!/bin/bash
printf '%s\\n' "$*" >> "$GH_LOG"
if [ "$*" = "api repos/team/briefings/issues/7/comments --paginate --jq $JQ" ]; then printf '%b' "$GH_IDS"; fi
for arg in "$@"; do [ "$arg" = "body=@comment.md" ] && cp comment.md sent.md; done
exit 0
"""


@pytest.mark.parametrize("ids, call", [
    ("4242\\n4343", "api --method PATCH repos/team/briefings/issues/comments/4242 -F body=@comment.md"),
    ("", "api --method POST repos/team/briefings/issues/7/comments -F body=@comment.md"),
])
def test_comment_step_edits_its_comment_or_writes_one(tmp_path, workflow, ids, call):
    step = steps(workflow, "comment")[1]
    jq = re.search(r"--jq '([^']*)'", step["run"]).group(1)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "gh").write_text(FAKE_GH, encoding="utf-8")
    (bin_dir / "gh").chmod(0o755)
    (tmp_path / "briefings-diff.md").write_text("<!-- briefings-diff -->\n## What changed\n", encoding="utf-8")
    env = {**os.environ, **step["env"], "GH_REPO": "team/briefings", "PR": "7", "GH_TOKEN": "x", "JQ": jq,
           "GH_LOG": str(tmp_path / "gh.log"), "GH_IDS": ids, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "gh.log").read_text(encoding="utf-8").splitlines() == [
        f"api repos/team/briefings/issues/7/comments --paginate --jq {jq}", call]
    assert (tmp_path / "sent.md").read_text(encoding="utf-8") == "<!-- briefings-diff -->\n## What changed\n"


def test_comment_step_cuts_a_long_diff_at_a_line(tmp_path, workflow):
    step = steps(workflow, "comment")[1]
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "gh").write_text(FAKE_GH, encoding="utf-8")
    (bin_dir / "gh").chmod(0o755)
    lines = [f"- `briefing-{i}` changed: the summary was reworded, €" for i in range(2000)]
    (tmp_path / "briefings-diff.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = {**os.environ, **step["env"], "GH_REPO": "team/briefings", "PR": "7", "GH_TOKEN": "x", "JQ": "",
           "GH_LOG": str(tmp_path / "gh.log"), "GH_IDS": "", "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    sent = (tmp_path / "sent.md").read_bytes()
    assert len(sent) <= 60100
    text = sent.decode("utf-8")  # (not cut inside a character)
    body, note = text.rsplit("\n\n", 1)
    assert note == "*Cut short: the whole diff is in the summary of the workflow run.*\n"
    assert body.splitlines() == lines[: len(body.splitlines())] and len(body.splitlines()) > 900
