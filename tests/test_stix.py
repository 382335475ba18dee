"""briefings export --format stix: a STIX 2.1 bundle that the OASIS validator accepts,
identical from one export to the next, bounded by --max-marking as the site is."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from stix2validator import ValidationOptions, validate_string

from build_scripts import stix
from build_scripts.repo import load_repository
from conftest import run
from test_markings import SECRET, plant

#: The TLP 2.0 marking definitions exactly as OASIS publishes them (cti-stix-common-objects,
#: extension-definition-specifications/tlp-2.0), property order included.
PUBLISHED = {
    label: (
        '{"type": "marking-definition", "spec_version": "2.1", "id": "marking-definition--%s", '
        '"created": "2022-10-01T00:00:00.000Z", "name": "%s", "extensions": '
        '{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d": '
        '{"extension_type": "property-extension", "tlp_2_0": "%s"}}}' % (uuid, label, level))
    for label, uuid, level in [
        ("TLP:CLEAR", "94868c89-83c2-464b-929b-a1a8aa3c8487", "clear"),
        ("TLP:GREEN", "bab4a63c-aed9-4cf5-a766-dfca5abac2bb", "green"),
        ("TLP:AMBER", "55d920b0-5e8b-4f79-9ee9-91f868d9b421", "amber"),
        ("TLP:AMBER+STRICT", "939a9414-2ddd-4d32-a0cd-375ea402b003", "amber+strict"),
        ("TLP:RED", "e828b379-4e03-4974-9ac4-e53a884c97c1", "red"),
    ]
}
CLEAR = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"
AMBER = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
EU = "eu-rok-security-dialogue-2024-11"


def export(capsys, root: Path, *options: str) -> str:
    code, out, err = run(capsys, "export", str(root), *options)
    assert (code, err) == (0, "")
    return out


def objects(text: str, kind: str | None = None) -> list[dict]:
    return [o for o in json.loads(text)["objects"] if kind is None or o["type"] == kind]


def by_id(text: str) -> dict[str, dict]:
    return {o["id"]: o for o in objects(text)}


def warnings(text: str) -> list[str]:
    """What the OASIS validator says of the bundle: nothing but warnings, or the test fails."""
    result = validate_string(text, ValidationOptions(version="2.1", enforce_refs=True))
    assert result.errors == [] and result.is_valid, result.errors
    return result.warnings


def test_the_example_exports_a_bundle_that_validates(example, capsys):
    text = export(capsys, example.root)
    # The one warning: ids are UUIDv5 derived from the records (README, "STIX export").
    assert {w.split(": ", 1)[1].split(" ", 1)[0] for w in warnings(text)} == {"{103}"}
    assert all("is not a valid UUIDv4 ID" in w for w in warnings(text))
    reports = objects(text, "report")
    assert sorted(r["name"] for r in reports) == sorted(b.title for b in load_repository(example.root).briefings)
    eu = next(r for r in reports if r["extensions"][stix.EXTENSION_ID]["briefing_id"] == EU)
    assert eu["published"] == "2024-11-04T00:00:00Z" and eu["created"] == "2024-11-04T00:00:00.000Z"
    assert eu["object_marking_refs"] == [CLEAR]
    found = by_id(text)
    assert all(ref in found for ref in eu["object_refs"])  # (enforce_refs checked it too)
    kinds = [found[ref]["type"] for ref in eu["object_refs"]]
    assert kinds.count("identity") == 3  # Borrell, Cho Tae-yul, Kim Yong-hyun
    team = found[eu["created_by_ref"]]
    assert (team["name"], team["identity_class"]) == ("Briefings", "organization")  # site_name of mkdocs.yml


def test_each_key_judgment_and_question_assessment_is_a_note_with_its_likelihood(example, capsys):
    text = export(capsys, example.root)
    briefing = next(b for b in load_repository(example.root).briefings if b.id == EU)
    report = next(r for r in objects(text, "report") if r["name"] == briefing.title)
    notes = [n for n in objects(text, "note") if n["object_refs"] == [report["id"]]]
    judgments = [n for n in notes if "key-judgment" in n["labels"]]
    questions = [n for n in notes if "question-assessment" in n["labels"]]
    assert len(judgments) == len(briefing.key_judgments) and len(questions) == len(briefing.open_questions)
    assert sorted(n["id"] for n in notes) == sorted(r for r in report["object_refs"] if r.startswith("note--"))
    first = briefing.key_judgments[0]
    note = judgments[0]
    assert note["content"] == first.judgment
    assert note["authors"] == ["K. Analyst"]
    assert note["labels"] == ["key-judgment", f"likelihood:{first.likelihood}", f"confidence:{first.confidence}"]
    assert note["confidence"] == {"low": 15, "moderate": 50, "high": 85}[first.confidence]
    assert note["extensions"][stix.EXTENSION_ID] == {
        "extension_type": "property-extension", "kind": "key-judgment", "likelihood": "likely",
        "likelihood_band": "55-80%", "analytic_confidence": "moderate"}
    question = briefing.open_questions[0]
    assessed = next(n for n in questions if n["extensions"][stix.EXTENSION_ID]["question_id"] == question.id)
    assert assessed["extensions"][stix.EXTENSION_ID]["likelihood"] == question.likelihood
    assert assessed["abstract"] == question.question


def test_sources_are_external_references_with_the_digest_of_the_archived_text(example, capsys):
    text = export(capsys, example.root)
    source = "yonhap-2024-11-03-borrell-seoul"
    digest = hashlib.sha256((example.root / "sources" / f"{source}.txt").read_bytes()).hexdigest()
    report = next(r for r in objects(text, "report") if r["extensions"][stix.EXTENSION_ID]["briefing_id"] == EU)
    cited = {ref["external_id"]: ref for ref in report["external_references"]}
    assert cited[source] == {
        "source_name": "Yonhap", "external_id": source, "hashes": {"SHA-256": digest},
        "description": "EU's Borrell vows to advance security, defense ties with S. Korea, Yonhap, 2024-11-03; "
                       "reliability B"}
    # a note's references hold each citation's quote and its grade
    note = next(n for n in objects(text, "note") if n["object_refs"] == [report["id"]])
    quoted = [ref for ref in note["external_references"] if ref["external_id"] == source]
    assert quoted and all(ref["description"].startswith('"') and ref["hashes"] == {"SHA-256": digest}
                          for ref in quoted)


def test_the_exact_objects_of_a_small_repository(repo, capsys):
    text = export(capsys, repo.root)
    team = stix.stix_id("identity", "team", "Briefings")  # (no mkdocs.yml: the default name)
    actor = stix.stix_id("identity", "actor", "josep-borrell")
    assert [o["type"] for o in objects(text)] == [
        "identity", "extension-definition", "identity", "identity", "report", "marking-definition"]
    assert objects(text, "report") == [{
        "type": "report", "spec_version": "2.1", "id": stix.stix_id("report", "b"), "created_by_ref": team,
        "created": "2024-11-04T00:00:00.000Z", "modified": "2024-11-04T00:00:00.000Z", "name": "EU and Korea",
        "description": "Borrell visits Seoul.", "published": "2024-11-04T00:00:00Z", "object_refs": [actor],
        "object_marking_refs": [CLEAR], "labels": ["korea", "eu"],
        "external_references": [
            {"source_name": "A source", "description": "A source, 2024-11-03", "external_id": "src-a",
             "hashes": {"SHA-256": hashlib.sha256((repo.root / "sources/src-a.txt").read_bytes()).hexdigest()}},
            {"source_name": "A source", "description": "A source, 2024-11-03", "external_id": "src-b",
             "hashes": {"SHA-256": hashlib.sha256((repo.root / "sources/src-b.txt").read_bytes()).hexdigest()}}],
        "extensions": {stix.EXTENSION_ID: {"extension_type": "property-extension", "briefing_id": "b",
                                           "status": "published", "authors": ["K. Analyst"]}},
    }]
    assert by_id(text)[actor] == {
        "type": "identity", "spec_version": "2.1", "id": actor, "created_by_ref": team,
        "created": "2024-11-04T00:00:00.000Z", "modified": "2024-11-04T00:00:00.000Z", "name": "Josep Borrell",
        "identity_class": "unknown", "object_marking_refs": [CLEAR],
        "extensions": {stix.EXTENSION_ID: {"extension_type": "property-extension", "actor_id": "josep-borrell"}}}
    assert stix.stix_id("report", "b") == "report--dc501c0d-d581-565e-ac91-a3fbb18d3014"  # the ids never change


def test_two_exports_are_byte_for_byte_identical(example, capsys, tmp_path):
    first = export(capsys, example.root)
    assert export(capsys, example.root) == first
    code, out, _ = run(capsys, "export", str(example.root), "-o", str(tmp_path / "out.json"))
    assert code == 0 and out == f"wrote {tmp_path / 'out.json'}: a STIX 2.1 bundle of 2 briefings\n"
    assert (tmp_path / "out.json").read_text(encoding="utf-8") == first


def test_the_marking_definitions_are_those_oasis_publishes(restricted, capsys):
    text = export(capsys, restricted.root)
    markings = objects(text, "marking-definition")
    assert [m["name"] for m in markings] == ["TLP:CLEAR", "TLP:AMBER"]  # those the objects name, in TLP order
    for marking in markings:
        published = json.loads(PUBLISHED[marking["name"]])
        assert marking == published and list(marking) == list(published)
        assert json.dumps(marking) == PUBLISHED[marking["name"]]  # byte for byte, once spaced alike
    for label, published in PUBLISHED.items():
        assert json.dumps(stix.TLP_MARKINGS[label]) == published
    report = next(r for r in objects(text, "report") if SECRET in r["name"])
    assert report["object_marking_refs"] == [AMBER]
    for ref in report["object_refs"]:  # its notes, and its actors named only by it, are marked as it is
        if ref.startswith("note--") or SECRET in by_id(text)[ref]["name"]:
            assert by_id(text)[ref]["object_marking_refs"] == [AMBER], ref
    borrell = by_id(text)[stix.stix_id("identity", "actor", "josep-borrell")]
    assert borrell["object_marking_refs"] == [AMBER]  # named by the restricted briefing too: as high as it
    assert all(o.get("object_marking_refs") for o in objects(text) if o["type"] != "marking-definition")


@pytest.fixture
def restricted(example):
    plant(example.root)
    return example


def test_a_full_export_holds_the_restricted_briefing(restricted, capsys):
    """The control: the planted word reaches an export without a ceiling."""
    text = export(capsys, restricted.root)
    assert SECRET in text.lower() and AMBER in text
    assert warnings(text)


@pytest.mark.parametrize("ceiling", ["TLP:CLEAR", "TLP:GREEN"])
def test_a_public_export_holds_nothing_above_its_marking(restricted, capsys, tmp_path, ceiling):
    text = export(capsys, restricted.root, "--max-marking", ceiling)
    assert SECRET not in text.lower()
    assert AMBER not in text and "TLP:AMBER" not in text and "amber" not in text.lower()
    assert {m["name"] for m in objects(text, "marking-definition")} == {"TLP:CLEAR"}
    assert len(objects(text, "report")) == 2
    borrell = by_id(text)[stix.stix_id("identity", "actor", "josep-borrell")]
    assert borrell["object_marking_refs"] == [CLEAR]
    warnings(text)
    out = tmp_path / "public.json"
    code, said, _ = run(capsys, "export", str(restricted.root), "--max-marking", ceiling, "-o", str(out))
    assert code == 0 and said.endswith(f"(public subset: up to {ceiling})\n")
    assert SECRET.encode() not in out.read_bytes().lower()


HOSTILE = '</script><script>alert(1)</script>"><img src=x onerror=alert(1)> \\ \u2028'


def test_an_address_check_accepts_is_exported_as_a_uri(repo, capsys):
    meta = repo.root / "sources" / "src-a.yaml"
    meta.write_text(meta.read_text(encoding="utf-8") + "url: 'https://ko.wikipedia.org/wiki/대한민국?q=\"x\"'\n",
                    encoding="utf-8")
    out = export(capsys, repo.root)
    urls = [r["url"] for o in objects(out) for r in o.get("external_references", []) if "url" in r]
    assert set(urls) == {"https://ko.wikipedia.org/wiki/%EB%8C%80%ED%95%9C%EB%AF%BC%EA%B5%AD?q=%22x%22"}
    warnings(out)  # (valid: an address is a URI)


def test_hostile_text_survives_as_data(repo, capsys):
    briefing = repo.root / "briefings" / "b.yaml"
    text = briefing.read_text(encoding="utf-8")
    text = text.replace("title: EU and Korea", f"title: {json.dumps(HOSTILE)}")
    text = text.replace("name: Josep Borrell", f"name: {json.dumps(HOSTILE)}")
    text += f"key_judgments:\n  - judgment: {json.dumps(HOSTILE)}\n    likelihood: likely\n    confidence: low\n" \
            "    cites:\n      - source: src-a\n        quote: to the next level\n"
    briefing.write_text(text, encoding="utf-8")
    out = export(capsys, repo.root)
    warnings(out)
    assert objects(out, "report")[0]["name"] == HOSTILE
    assert objects(out, "note")[0]["content"] == HOSTILE
    assert by_id(out)[stix.stix_id("identity", "actor", "josep-borrell")]["name"] == HOSTILE
    assert '\\"><img src=x' in out and '\\\\ ' in out  # JSON-escaped, never raw


def test_a_repository_with_errors_is_not_exported(repo, capsys):
    (repo.root / "briefings" / "b.yaml").write_text("title: [unclosed\n", encoding="utf-8")
    code, out, err = run(capsys, "export", str(repo.root))
    assert (code, out) == (2, "")
    assert "briefings/b.yaml:2:1: error BRF001" in err
    assert err.endswith("briefings: nothing was exported: the repository has 1 error; fix them (see above), "
                        "then run it again\n")


def test_an_output_that_is_not_a_regular_file_is_refused_without_opening_it(repo, tmp_path, capsys):
    fifo = tmp_path / "export.json"
    os.mkfifo(fifo)  # (opened to be read, it would wait for a writer for ever)
    code, out, err = run(capsys, "export", str(repo.root), "-o", str(fifo))
    assert (code, out, err) == (2, "", f"briefings: {fifo} is not a regular file: an export is written only to a "
                                       "file; choose a file name, or leave out -o to print it\n")


def test_a_folder_that_is_not_a_repository(tmp_path, capsys):
    code, out, err = run(capsys, "export", str(tmp_path))
    assert (code, out) == (2, "")
    assert err == f"briefings: {tmp_path} is not a briefing repository: it has no briefings/ or sources/ folder\n"


def test_an_export_is_never_written_into_the_records(repo, capsys):
    def records() -> dict[Path, bytes]:
        return {p: p.read_bytes() for folder in ("briefings", "sources") for p in (repo.root / folder).rglob("*")}

    before = records()
    for folder in ("briefings", "sources"):
        target = repo.root / folder / "out.json"
        code, out, err = run(capsys, "export", str(repo.root), "-o", str(target))
        assert (code, out) == (2, "")
        assert err == (f"briefings: {target}: an export is never written into {folder}/ of the repository; "
                       "choose a file outside it (-o briefings.stix.json)\n")
    link = repo.root / "link.json"
    link.symlink_to(repo.root / "sources" / "src-a.txt")  # a link is followed first
    code, _, err = run(capsys, "export", str(repo.root), "-o", str(link))
    assert code == 2 and "never written into sources/" in err
    link.unlink()
    assert records() == before


def test_only_a_previous_export_is_overwritten(repo, capsys, tmp_path):
    notes = tmp_path / "notes.json"
    notes.write_text('{"type": "bundle", "mine": true}\n', encoding="utf-8")
    code, out, err = run(capsys, "export", str(repo.root), "-o", str(notes))
    assert (code, out) == (2, "")
    assert err == (f"briefings: {notes} exists and is not a STIX export of briefings: it is never overwritten; "
                   "choose another name, or move it away\n")
    assert notes.read_text(encoding="utf-8") == '{"type": "bundle", "mine": true}\n'
    target = tmp_path / "team.stix.json"
    assert run(capsys, "export", str(repo.root), "-o", str(target))[0] == 0
    (repo.root / "briefings" / "b.yaml").write_text(
        (repo.root / "briefings" / "b.yaml").read_text(encoding="utf-8").replace("EU and Korea", "EU and Japan"),
        encoding="utf-8")
    assert run(capsys, "export", str(repo.root), "-o", str(target))[0] == 0  # a previous export: replaced
    assert objects(target.read_text(encoding="utf-8"), "report")[0]["name"] == "EU and Japan"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.json", "repo", "team.stix.json"]  # no temporary left
    code, _, err = run(capsys, "export", str(repo.root), "-o", str(tmp_path))
    assert code == 2 and err == f"briefings: {tmp_path} is a folder; give a file name (-o {tmp_path}/briefings.stix.json)\n"
    code, _, err = run(capsys, "export", str(repo.root), "-o", str(tmp_path / "missing" / "x.json"))
    assert code == 2 and err == f"briefings: {tmp_path}/missing/x.json: the folder {tmp_path}/missing does not exist\n"


def test_the_team_is_named_by_mkdocs_yml(repo, capsys):
    (repo.root / "mkdocs.yml").write_text("site_name: North Desk\nplugins:\n  - offline:\n"
                                          "      enabled: !ENV [BRIEFINGS_OFFLINE, false]\n", encoding="utf-8")
    team = stix.stix_id("identity", "team", "North Desk")
    assert by_id(export(capsys, repo.root))[team]["name"] == "North Desk"
    (repo.root / "mkdocs.yml").write_text("site_name: North Desk\nnav: [\n", encoding="utf-8")
    code, out, err = run(capsys, "export", str(repo.root))
    assert (code, out) == (2, "")
    assert err.startswith(f"briefings: {repo.root / 'mkdocs.yml'}:3: not valid YAML (") and "fix it" in err


def test_an_empty_repository_exports_an_empty_bundle(team, capsys):
    text = export(capsys, team)
    assert json.loads(text) == {"type": "bundle", "id": stix.stix_id("bundle", "empty")}
    warnings(text)


def test_a_report_with_neither_notes_nor_actors_refers_to_the_team(team, capsys):
    (team / "briefings" / "note.yaml").write_text(
        "title: A short note\ndate: 2024-11-06\nstatus: draft\nmarking: TLP:GREEN\nauthors: [K. Analyst]\n"
        "summary: Nothing to judge yet.\n", encoding="utf-8")
    text = export(capsys, team)
    warnings(text)
    report = objects(text, "report")[0]
    assert report["object_refs"] == [stix.stix_id("identity", "team", "Briefings")]
    assert report["extensions"][stix.EXTENSION_ID]["status"] == "draft"
    assert [m["name"] for m in objects(text, "marking-definition")] == ["TLP:CLEAR", "TLP:GREEN"]
