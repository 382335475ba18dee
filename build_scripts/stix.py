"""The STIX 2.1 export: ``briefings export --format stix``.

A bundle for a threat-intelligence platform (OpenCTI, MISP), made with the OASIS ``stix2``
library from the records a build of the same ``--max-marking`` publishes
(:func:`.index.build_index`):

- the team, an ``identity`` (its name: ``site_name`` of ``mkdocs.yml``), which created
  every other object;
- a ``report`` per briefing, published on its date, whose ``object_refs`` are its notes
  and its actors, and whose ``external_references`` are the sources it cites;
- an ``identity`` per key actor;
- a ``note`` per key judgment and per open-question assessment, which carries the ICD 203
  likelihood and the analytic confidence (:func:`_assessed`), and each citation as an
  external reference holding its quote;
- the TLP 2.0 marking definitions (:data:`TLP_MARKINGS`) that its objects name;
- the ``extension-definition`` of the properties STIX has no place for (the likelihood, a
  briefing's status; :data:`EXTENSION_SCHEMA`), made by this tool's own ``identity``.

Everything is derived from the records: ids are UUIDv5 in :data:`NAMESPACE` of a key the
records fix, timestamps are the briefings' dates (those of the tool's own two objects, the
day the extension was defined), so two exports of the same repository are byte for byte
the same.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import urllib.parse
import uuid
from pathlib import Path
from typing import NamedTuple

import stix2

from .index import SiteIndex, build_index
from .model import LIKELIHOOD_BANDS, TLP_ORDER, Briefing, Citation, Source, marking_rank
from .render import grade
from .repo import Repository
from .sitedir import KEPT, replace_file

#: The namespace of every id this export makes: uuid5(NAMESPACE_URL, "urn:briefings-as-code:stix").
NAMESPACE = uuid.UUID("3ba1a343-b133-50e8-a34b-bb96d591d108")
#: The team's name when ``mkdocs.yml`` gives none.
DEFAULT_TEAM = "Briefings"
TLP_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
_TLP_IDS = {
    "TLP:CLEAR": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "TLP:GREEN": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "TLP:AMBER": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "TLP:AMBER+STRICT": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "TLP:RED": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
#: The TLP 2.0 marking definitions as OASIS publishes them (cti-stix-common-objects).
TLP_MARKINGS: dict[str, dict] = {
    label: {"type": "marking-definition", "spec_version": "2.1", "id": marking_id,
            "created": "2022-10-01T00:00:00.000Z", "name": label,
            "extensions": {TLP_EXTENSION: {"extension_type": "property-extension",
                                           "tlp_2_0": label.removeprefix("TLP:").lower()}}}
    for label, marking_id in _TLP_IDS.items()
}
#: STIX's Low/Med/High confidence scale (STIX 2.1, appendix A) for the analytic confidence.
CONFIDENCE_SCALE = {"low": 15, "moderate": 50, "high": 85}
#: The property extension of this export, and the tool that defines it (the same in every
#: export: a platform that receives several teams' exports sees one definition).
EXTENSION_ID = "extension-definition--" + str(uuid.uuid5(NAMESPACE, "extension-definition:briefings"))
TOOL_ID = "identity--" + str(uuid.uuid5(NAMESPACE, "identity:tool:briefings-as-code"))
_DEFINED = dt.datetime(2026, 12, 3, tzinfo=dt.timezone.utc)  # when the extension was defined
EXTENSION_SCHEMA = (
    "Properties of briefings kept as code, under extensions[<this id>] with extension_type "
    "property-extension. On a report: briefing_id (the record's id), status (draft, published "
    "or superseded), authors (list of names). On a note: kind (key-judgment or "
    "question-assessment), likelihood (an ICD 203 term: almost no chance, very unlikely, "
    "unlikely, roughly even chance, likely, very likely, almost certain), likelihood_band (its "
    "ICD 203 band, e.g. 55-80%), analytic_confidence (low, moderate or high; also the note's "
    "confidence on STIX's Low/Med/High scale: 15, 50, 85); of a question assessment also "
    "question_id, question_status (open, resolved or dropped) and outcome (yes, no or annulled) "
    "once resolved. On an identity of an actor: actor_id.")
#: The serialised bundle begins so: an existing file that does not is not a previous export.
_EXPORT_START = '{\n    "type": "bundle",\n    "id": "bundle--'


class Refused(Exception):
    """The export cannot be written where it was asked to be; the message says why."""


def stix_id(kind: str, *key: str) -> str:
    """The id of a ``kind`` object that ``key`` (record ids) names: the same key, the same id."""
    return f"{kind}--{uuid.uuid5(NAMESPACE, ':'.join((kind, *key)))}"


def team_name(root: Path) -> str:
    """The team that makes the export: ``site_name`` of ``root/mkdocs.yml``, else
    :data:`DEFAULT_TEAM`. An ``mkdocs.yml`` that cannot be read is refused, with its line."""
    import yaml

    class Loader(yaml.SafeLoader):  # (tags of the engine's, such as !ENV, are not read: None)
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    config = root / "mkdocs.yml"
    if not config.is_file():
        return DEFAULT_TEAM
    try:
        with config.open(encoding="utf-8") as handle:
            data = yaml.load(handle, Loader=Loader)  # noqa: S506 (a safe loader)
    except (OSError, UnicodeDecodeError) as exc:
        raise Refused(f"cannot read {config}: {getattr(exc, 'strerror', None) or exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise Refused(f"{config}{where}: not valid YAML ({getattr(exc, 'problem', None) or exc}); "
                      "fix it (the site does not build either)") from None
    name = data.get("site_name") if isinstance(data, dict) else None
    return " ".join(name.split()) if isinstance(name, str) and name.strip() else DEFAULT_TEAM


class Export(NamedTuple):
    text: str  # the bundle, as JSON
    reports: int  # how many briefings it holds


def export(repo: Repository, max_marking: str = TLP_ORDER[-1], team: str = DEFAULT_TEAM) -> Export:
    """The STIX 2.1 bundle of what a build up to ``max_marking`` publishes of ``repo``, a
    checked repository."""
    index = build_index(repo, max_marking)
    return Export(serialise(bundle(index, repo.root, team)), len(index.briefings))


def serialise(made: stix2.Bundle) -> str:
    """The bundle as the export writes it: indented JSON, UTF-8 text, one last newline."""
    return made.serialize(pretty=True, ensure_ascii=False) + "\n"


def _time(date: dt.date | None) -> dt.datetime:
    date = date or dt.date(1970, 1, 1)
    return dt.datetime(date.year, date.month, date.day, tzinfo=dt.timezone.utc)


def bundle(index: SiteIndex, root: Path, team: str) -> stix2.Bundle:
    """Every object of the export of ``index`` (see the module's documentation)."""
    briefings = sorted(index.briefings, key=lambda b: ((b.date or dt.date.min), b.id))
    if not briefings:
        return stix2.Bundle(id=stix_id("bundle", "empty"))
    clear = [_TLP_IDS["TLP:CLEAR"]]
    team_id = stix_id("identity", "team", team)
    objects: list = [
        stix2.Identity(id=TOOL_ID, name="briefings-as-code", identity_class="system", created_by_ref=TOOL_ID,
                       created=_DEFINED, modified=_DEFINED, object_marking_refs=clear,
                       description="Keeps intelligence briefings as records in git; defines the "
                                   "properties of their STIX export."),
        stix2.ExtensionDefinition(id=EXTENSION_ID, name="briefings", created_by_ref=TOOL_ID, created=_DEFINED,
                                  description="ICD 203 likelihood and analytic confidence of a judgment; "
                                              "a briefing's id, status and authors.",
                                  modified=_DEFINED, schema=EXTENSION_SCHEMA, version="1.0.0",
                                  extension_types=["property-extension"], object_marking_refs=clear),
        stix2.Identity(id=team_id, name=team, identity_class="organization", created_by_ref=team_id,
                       created=_time(briefings[0].date), modified=_time(briefings[0].date),
                       description="The analyst team that wrote these briefings.", object_marking_refs=clear),
    ]
    markings = {"TLP:CLEAR"}
    digests = _Digests(root)
    for entry in index.actors.values():
        named = sorted(entry.briefings, key=lambda b: (b.date or dt.date.min, b.id))
        marking = max((b.marking for b in named), key=marking_rank)  # as high as what names it
        markings.add(marking)
        actor = entry.actor
        objects.append(stix2.Identity(
            id=stix_id("identity", "actor", entry.id), name=actor.name, identity_class="unknown",
            description=", ".join(part for part in (actor.role, actor.affiliation) if part) or None,
            roles=[actor.role] if actor.role else None, created_by_ref=team_id,
            created=_time(named[0].date), modified=_time(named[-1].date),
            object_marking_refs=[_TLP_IDS[marking]], **_extension(actor_id=entry.id)))
    for briefing in briefings:
        markings.add(briefing.marking)
        objects.extend(_report(index, briefing, team_id, digests))
    objects.extend(stix2.MarkingDefinition(**TLP_MARKINGS[label]) for label in TLP_ORDER if label in markings)
    content = json.dumps([json.loads(o.serialize()) for o in objects], sort_keys=True, ensure_ascii=False)
    return stix2.Bundle(objects, id=stix_id("bundle", hashlib.sha256(content.encode()).hexdigest()))


def _extension(**properties) -> dict:
    """``properties`` (those that are set) in this export's property extension."""
    found = {key: value for key, value in properties.items() if value not in (None, [], "")}
    return {"extensions": {EXTENSION_ID: {"extension_type": "property-extension", **found}}}


def _report(index: SiteIndex, briefing: Briefing, team_id: str, digests: "_Digests") -> list:
    """The report of ``briefing``, preceded by its notes."""
    when = _time(briefing.date)
    report_id = stix_id("report", briefing.id)
    common = dict(created_by_ref=team_id, created=when, modified=when,
                  object_marking_refs=[_TLP_IDS[briefing.marking]], authors=list(briefing.authors) or None)
    cites = {id(cite.citation): cite for cite in index.by_briefing.get(briefing.id, [])}

    def references(citations: list[Citation]) -> list[dict] | None:
        found = [cites[id(c)] for c in citations if id(c) in cites]  # (those of the build)
        return [_reference(cite.source, digests, quoted=cite) for cite in found] or None

    notes = []
    for n, judgment in enumerate(briefing.key_judgments, 1):
        notes.append(stix2.Note(
            id=stix_id("note", briefing.id, "judgment", judgment.id or str(n)),
            abstract=f"Key judgment {n} of {briefing.title}", content=judgment.judgment,
            object_refs=[report_id], external_references=references(judgment.cites),
            **_assessed("key-judgment", judgment.likelihood, judgment.confidence), **common))
    for question in briefing.open_questions:
        outcome = question.resolution.outcome if question.resolution is not None else None
        notes.append(stix2.Note(
            id=stix_id("note", briefing.id, "question", question.id), abstract=question.question,
            content=question.question + (f"\n\n{question.assessment}" if question.assessment else ""),
            object_refs=[report_id], external_references=references(question.cites),
            **_assessed("question-assessment", question.likelihood, question.confidence, question_id=question.id,
                        question_status=question.status, outcome=outcome), **common))
    del common["authors"]  # (a report has none: they are in the extension)
    actors = [stix_id("identity", "actor", actor.id) for actor in briefing.key_actors if actor.id in index.actors]
    sources = {cite.source.id: cite.source for cite in index.by_briefing.get(briefing.id, [])}
    report = stix2.Report(
        id=report_id, name=briefing.title, description=briefing.summary, published=when,
        object_refs=[note.id for note in notes] + actors or [team_id], labels=list(briefing.tags) or None,
        external_references=[_reference(source, digests) for source in sources.values()] or None,
        **_extension(briefing_id=briefing.id, status=briefing.status, authors=list(briefing.authors)), **common)
    return [*notes, report]


def _assessed(kind: str, likelihood: str | None, confidence: str | None, **more) -> dict:
    """How a note carries its assessment: in the extension, ``likelihood`` (the ICD 203
    term), ``likelihood_band`` (its band, ``55-80%``) and ``analytic_confidence`` (low,
    moderate, high); the labels ``likelihood:<term>`` and ``confidence:<level>``; and STIX's
    own ``confidence`` on its Low/Med/High scale (15, 50, 85)."""
    labels = [kind] + ([f"likelihood:{likelihood}"] if likelihood else []) + (
        [f"confidence:{confidence}"] if confidence else [])
    return {"labels": labels, "confidence": CONFIDENCE_SCALE.get(confidence or ""),
            **_extension(kind=kind, likelihood=likelihood, analytic_confidence=confidence,
                         likelihood_band=LIKELIHOOD_BANDS.get(likelihood or ""), **more)}


def _reference(source: Source, digests: "_Digests", quoted=None) -> dict:
    """An archived source as an external reference; ``quoted`` (a numbered citation): with
    its quote (or lines) and its grade, ``B2``."""
    said = ", ".join(str(part) for part in (source.title, source.publisher, source.published) if part)
    if quoted is not None:
        citation, mark = quoted.citation, grade(quoted)
        where = f'"{citation.quote}"' if citation.quote else f"lines {citation.lines}" if citation.lines else ""
        said = " ".join(part for part in (where, f"({said})", mark) if part)
    elif source.reliability:
        said += f"; reliability {source.reliability}"
    found = {"source_name": source.publisher or source.title, "external_id": source.id, "description": said}
    if source.url:  # (as a URI: what is not ASCII, spaces and quotes percent-encoded)
        found["url"] = urllib.parse.quote(source.url, safe=_URI_SAFE)
    digest = digests.of(source)
    if digest:
        found["hashes"] = {"SHA-256": digest}
    return found


class _Digests:
    """The SHA-256 of each archived text's bytes, read once."""

    def __init__(self, root: Path) -> None:
        self.root, self.found = root, {}

    def of(self, source: Source) -> str | None:
        if source.id not in self.found:
            try:
                self.found[source.id] = hashlib.sha256((self.root / source.text_file).read_bytes()).hexdigest()
            except OSError:
                self.found[source.id] = source.sha256
        return self.found[source.id]


#: What a URL keeps as it is (RFC 3986's reserved and unreserved characters, and "%").
_URI_SAFE = ":/?#[]@!$&'()*+,;=%-._~"


def write(root: Path, output: Path, text: str) -> Path:
    """Write the export ``text`` to ``output``, replacing only a previous export; refused
    (:class:`Refused`) inside the repository's records, templates or ``.git``, onto a folder,
    or onto any other file. Returns where it was written."""
    target = output.resolve()
    for name in KEPT:
        folder = (root / name).resolve()
        if target == folder or target.is_relative_to(folder):
            raise Refused(f"{output}: an export is never written into {name}/ of the repository; "
                          "choose a file outside it (-o briefings.stix.json)")
    if target.is_dir():
        raise Refused(f"{output} is a folder; give a file name (-o {output / 'briefings.stix.json'})")
    if target.exists() and not target.is_file():  # (a FIFO or a device: never opened)
        raise Refused(f"{output} is not a regular file: an export is written only to a file; choose a file "
                      "name, or leave out -o to print it")
    if target.exists():
        try:
            with target.open("rb") as handle:
                start = handle.read(len(_EXPORT_START.encode())).decode("utf-8", "replace")
        except OSError as exc:
            raise Refused(f"cannot read {output}: {exc.strerror or exc}") from None
        if start != _EXPORT_START:
            raise Refused(f"{output} exists and is not a STIX export of briefings: it is never "
                          "overwritten; choose another name, or move it away")
    if not target.parent.is_dir():
        raise Refused(f"{output}: the folder {output.parent} does not exist")
    try:
        replace_file(target, text.encode("utf-8"))
    except OSError as exc:
        raise Refused(f"cannot write {output}: {exc.strerror or exc}") from None
    return target
