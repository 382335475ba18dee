"""``briefings check --format sarif``: the exact results, and the log checked by a real SARIF validator.

The validator is Microsoft's SARIF Multitool (npm package ``@microsoft/sarif-multitool``),
kept in a cache folder that ``tests/run`` fills; when it is missing and npm is there,
the test installs it the same way. Without npm the validating tests are skipped, saying so.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import jsonschema
import pytest

from build_scripts import __version__, reference
from build_scripts.cli import main
from conftest import BRIEFING, Repo

MULTITOOL_VERSION = "5.7.0"  # keep in step with tests/run
MULTITOOL_PACKAGE = f"@microsoft/sarif-multitool@{MULTITOOL_VERSION}"
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
MULTITOOL_HOME = CACHE / "briefings-as-code" / "sarif-multitool"
PLATFORM_PACKAGE = MULTITOOL_HOME / "node_modules" / "@microsoft" / "sarif-multitool-linux"

# SARIF2006 fetches every URI of the log over the network; tests make no requests.
VALIDATOR_CONFIG = """\
<?xml version="1.0" encoding="utf-8"?>
<Properties>
  <Properties Key="SARIF2006.UrisShouldBeReachable.Options">
    <Property Key="RuleEnabled" Value="Disabled" />
  </Properties>
</Properties>
"""
# The one finding accepted: the tool has no home page to name as its informationUri.
NO_HOME_PAGE = ("warning", "SARIF2005", "Warning_ProvideToolnformationUri")

# One error, one warning, and a misnamed file whose name must be escaped in the URI.
BROKEN = BRIEFING.replace("quote: to the next level", "quote: to the nest level").replace(
    'lines: "2"\n', 'lines: "2"\n      - source: src-b\n')


def sarif(capsys, root: Path, *extra: str) -> tuple[int, dict]:
    code = main(["check", str(root), "--format", "sarif", *extra])
    out, err = capsys.readouterr()
    assert err == ""
    return code, json.loads(out)


@pytest.fixture
def broken(repo: Repo) -> Repo:
    repo.write("briefings/b.yaml", BROKEN)
    repo.write("briefings/Old Notes.yaml", BRIEFING)
    return repo


def located(log: dict) -> list[tuple[str, str, str, int, int]]:
    """(ruleId, level, uri, startLine, startColumn) of every result."""
    out = []
    for result in log["runs"][0]["results"]:
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        out.append((result["ruleId"], result["level"], physical["artifactLocation"]["uri"],
                    physical["region"]["startLine"], physical["region"]["startColumn"]))
    return out


def test_results_of_a_broken_repository(broken, capsys):
    code, log = sarif(capsys, broken.root)
    assert code == 1
    assert log["$schema"].endswith("/sarif-schema-2.1.0.json")
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {
        "uri": broken.root.resolve().as_uri() + "/",
        "description": {"text": "The root of the briefing repository."}}}
    assert run["columnKind"] == "unicodeCodePoints"
    assert located(log) == [
        ("BRF207", "error", "briefings/Old%20Notes.yaml", 1, 1),
        ("BRF302", "error", "briefings/b.yaml", 18, 16),
        ("BRF305", "warning", "briefings/b.yaml", 25, 9),
    ]
    rules = run["tool"]["driver"]["rules"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    quote = run["results"][1]
    assert quote["message"]["text"] == (
        "quote not found in source 'src-a': \"to the nest level\"\n"
        'hint: closest passage (line 2, 94.1% similar): "to the next level."; differs at "nest" '
        'where the source has "next"; copy the words exactly as the source has them')


def test_every_code_is_a_rule_with_its_examples(repo, capsys):
    _, log = sarif(capsys, repo.root)
    driver = log["runs"][0]["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("briefings", __version__)
    codes = reference.codes()
    assert [r["id"] for r in driver["rules"]] == [c.id for c in codes]
    by_id = {r["id"]: r for r in driver["rules"]}
    quote = by_id["BRF302"]
    assert quote["name"] == "QuoteNotFound"
    assert quote["shortDescription"] == {"text": "A quote does not occur in its source"}
    assert quote["defaultConfiguration"] == {"level": "error"}
    assert by_id["BRF305"]["defaultConfiguration"] == {"level": "warning"}
    for c in codes:
        rule = by_id[c.id]
        assert rule["help"]["text"] == reference.explain(c)
        assert c.failing in rule["help"]["markdown"] and c.passing in rule["help"]["markdown"]
        assert rule["fullDescription"]["text"].split() == c.explanation.split()


def test_clean_repository_has_no_results_and_strict_fails_on_a_warning(repo, capsys):
    assert sarif(capsys, repo.root)[0] == 0
    assert sarif(capsys, repo.root)[1]["runs"][0]["results"] == []
    repo.write("briefings/b.yaml", BRIEFING.replace('lines: "2"\n', 'lines: "2"\n      - source: src-b\n'))
    assert sarif(capsys, repo.root)[0] == 0
    assert sarif(capsys, repo.root, "--strict")[0] == 1


def test_output_is_stable(broken, capsys):
    main(["check", str(broken.root), "--format", "sarif"])
    first = capsys.readouterr().out
    main(["check", str(broken.root), "--format", "sarif"])
    assert capsys.readouterr().out == first
    assert first.endswith("}\n")


def test_control_characters_are_escaped(repo, capsys):
    repo.write("briefings/b.yaml", BRIEFING.replace("quote: to the next level", 'quote: "to the \\e[31m level"'))
    assert main(["check", str(repo.root), "--format", "sarif"]) == 1
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\\u001b[31m" in out
    assert "\x1b[31m" in json.loads(out)["runs"][0]["results"][0]["message"]["text"]


def multitool() -> Path:
    """The SARIF Multitool's executable, installed into the cache folder with npm if missing."""
    binary = PLATFORM_PACKAGE / "Sarif.Multitool"
    if not binary.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm is not installed: cannot install @microsoft/sarif-multitool to validate SARIF")
        MULTITOOL_HOME.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=MULTITOOL_HOME.parent, prefix=".sarif-multitool-"))
        done = subprocess.run([npm, "install", "--no-save", "--no-audit", "--no-fund", "--prefix", str(staging),
                               MULTITOOL_PACKAGE], capture_output=True, text=True)
        assert done.returncode == 0, f"npm install {MULTITOOL_PACKAGE} failed:\n{done.stderr}"
        try:
            staging.rename(MULTITOOL_HOME)
        except OSError:  # installed meanwhile by another run
            shutil.rmtree(staging, ignore_errors=True)
    assert binary.exists(), f"{MULTITOOL_PACKAGE} has no Linux executable at {binary}"
    binary.chmod(binary.stat().st_mode | 0o100)  # npm may skip the package's own chmod script
    return binary


def validate(log_file: Path, tmp_path: Path) -> list[tuple[str, str, str]]:
    """(level, rule, message id) of every error and warning the Multitool finds in ``log_file``.

    It runs its schema validation, its SARIF rules and GitHub code scanning's rules.
    """
    config = tmp_path / "validator.xml"
    config.write_text(VALIDATOR_CONFIG)
    report = tmp_path / "validation.sarif"
    report.unlink(missing_ok=True)
    env = {**os.environ, "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT": "1", "DOTNET_CLI_TELEMETRY_OPTOUT": "1"}
    done = subprocess.run(
        [str(multitool()), "validate", "--rule-kind", "Sarif;Gh;Ghas", "--level", "Error;Warning",
         "--config", str(config), "--output", str(report), str(log_file)],
        capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    (run,) = json.loads(report.read_text(encoding="utf-8"))["runs"]
    notifications = [n for inv in run.get("invocations", [])
                     for n in inv.get("toolExecutionNotifications", []) + inv.get("toolConfigurationNotifications", [])
                     if n.get("level", "warning") in ("error", "warning")
                     and n.get("descriptor", {}).get("id") != "WRN999.RuleExplicitlyDisabled"]
    assert notifications == [], notifications
    return [(r.get("level", "warning"), r["ruleId"], r["message"].get("id", r["message"].get("text")))
            for r in run.get("results", [])]


def test_the_sarif_multitool_accepts_the_log(broken, capsys, tmp_path):
    _, log = sarif(capsys, broken.root)
    log_file = tmp_path / "check.sarif"
    log_file.write_text(json.dumps(log), encoding="utf-8")
    assert validate(log_file, tmp_path) == [NO_HOME_PAGE]


def test_the_sarif_multitool_catches_a_broken_log(broken, capsys, tmp_path):
    """The validation is real: a log without a tool name and result locations fails it."""
    _, log = sarif(capsys, broken.root)
    del log["runs"][0]["tool"]["driver"]["name"]
    log_file = tmp_path / "bad.sarif"
    log_file.write_text(json.dumps(log), encoding="utf-8")
    assert [(level, rule) for level, rule, _ in validate(log_file, tmp_path)] == [("error", "JSON1002")]
    _, log = sarif(capsys, broken.root)
    del log["runs"][0]["results"][0]["locations"]
    log_file.write_text(json.dumps(log), encoding="utf-8")
    assert ("error", "GH1015") in [(level, rule) for level, rule, _ in validate(log_file, tmp_path)]


def test_the_log_validates_against_the_sarif_schema(broken, capsys):
    """The SARIF 2.1.0 JSON schema the Multitool ships, applied with jsonschema."""
    schema = json.loads((multitool().parent / "sarif-2.1.0.json").read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    _, log = sarif(capsys, broken.root)
    errors = [f"{e.json_path}: {e.message}" for e in validator_class(schema).iter_errors(log)]
    assert errors == []
    log["runs"][0]["results"][0]["level"] = "fatal"
    assert not validator_class(schema).is_valid(log)


def test_the_example_repository_validates(example, capsys, tmp_path):
    code, log = sarif(capsys, example.root)
    assert code == 0
    log_file = tmp_path / "example.sarif"
    log_file.write_text(json.dumps(log), encoding="utf-8")
    assert validate(log_file, tmp_path) == [NO_HOME_PAGE]


def test_sarif_is_a_listed_format(capsys):
    with pytest.raises(SystemExit):
        main(["check", "--help"])
    assert "sarif" in capsys.readouterr().out
