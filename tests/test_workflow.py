"""The GitHub Actions workflow: actionlint finds nothing, and it runs the commands it should."""

from __future__ import annotations

import json
import os
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
