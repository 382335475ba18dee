"""Start a briefing from a skeleton, and archive a source with its metadata.

A source is archived from a text file, a saved web page, a PDF or an http(s) address;
:mod:`.capture` makes the text of the last three and finds their metadata.

Neither function overwrites anything: each refuses when a file it would write exists.
What they write is checked first by the same loader and schema as ``briefings check``,
so a value the checker would reject is refused before any file is written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import capture, schema
from .capture import fetch, ids
from .diagnostics import Diagnostic
from .load import MAX_FILE_BYTES, decode, load_yaml
from .repo import MAX_SOURCE_BYTES

BRIEFING_SCHEMA = "# yaml-language-server: $schema=../schemas/briefing.schema.json"
SOURCE_SCHEMA = "# yaml-language-server: $schema=../schemas/source.schema.json"
TITLE_PLACEHOLDER = "TODO: the briefing's headline"
AUTHOR_PLACEHOLDER = "TODO: your name"

#: The keys of source metadata, in the order they are written.
SOURCE_KEYS = ("title", "published", "publisher", "url", "retrieved", "language", "reliability", "marking")


class Refused(Exception):
    """Nothing was written; the message says why and what to do instead."""


def today() -> str:
    """Today's date, YYYY-MM-DD."""
    return dt.date.today().isoformat()


def new_briefing(root: Path, briefing_id: str, date: str, title: str | None = None,
                 authors: list[str] | None = None) -> str:
    """Write the skeleton of briefing ``briefing_id`` as of ``date`` (YYYY-MM-DD).

    Returns its repository-relative path.
    """
    _check_id(briefing_id, "briefing")
    _check_repository(root)
    rel = f"briefings/{briefing_id}.yaml"
    _refuse_existing(root / rel, rel, "choose another id, or edit the existing briefing")
    text = briefing_skeleton(title or TITLE_PLACEHOLDER, date, authors or default_authors(root))
    _validate(text, rel, schema.BRIEFING, {"title": "--title", "date": "--date"}, "the briefing", id=briefing_id)
    (root / "briefings").mkdir(exist_ok=True)
    _write_new(root / rel, text.encode("utf-8"), rel)
    return rel


def briefing_skeleton(title: str, date: str, authors: list[str]) -> str:
    """The text of a new draft briefing: the required keys, then every section commented out."""
    return f"""\
{BRIEFING_SCHEMA}
title: {_scalar(_one_line(title, "--title"))}
date: {_date_or_text(date, "--date"):<22}# as-of date of the assessment
status: draft               # draft | published | superseded
marking: TLP:CLEAR          # TLP:CLEAR | TLP:GREEN | TLP:AMBER | TLP:AMBER+STRICT | TLP:RED
authors: {_scalar([_one_line(a, "the author") for a in authors])}
tags: []                    # topics, lowercase-with-hyphens: [korea, eu]
summary: |                  # Markdown: the bottom line up front
  TODO: what happened, what it means, and what we judge will happen next.
{SECTIONS}"""


SECTIONS = """
# Uncomment the sections you need. Every claim cites an archived source by its id
# (its file name in sources/ without .txt; 'briefings source add' archives one) and the
# source's own words: typography, spacing and case do not matter, spelling does, and
# '...' leaves words out. 'lines' cites lines of the archived text instead.
#
# key_actors:                 # the people and bodies this briefing is about
#   - id: josep-borrell       # shared by all briefings: lowercase-with-hyphens
#     name: Josep Borrell
#     role: EU High Representative for Foreign Affairs and Security Policy
#     affiliation: European Union
#
# positions:                  # what an actor said or committed to
#   - actor: josep-borrell    # an id from key_actors
#     on: EU-ROK security and defence cooperation
#     stance: Wants to take security and defence cooperation with Seoul further.
#     date: 2024-11-03
#     cites:                  # at least one
#       - source: yonhap-2024-11-03-borrell-seoul
#         quote: 'taking the security and defense cooperation "to the next level."'
#         credibility: 1      # of the information, 1 confirmed by other sources | 2 probably
#                             # true | 3 possibly true | 4 doubtful | 5 improbable | 6 cannot be judged
#
# assumptions:                # what the judgments rest on that the sources do not show
#   - id: seoul-policy-stable # named by the judgments that rest on it
#     assumption: Seoul's aid to Ukraine follows its public statements.
#     linchpin: true          # a judgment stands or falls with it
#     if_wrong: Weapons could reach Ukraine without warning.   # required when linchpin
#
# key_judgments:
#   - id: non-lethal-near-term    # optional; stable within the briefing
#     judgment: Seoul will keep its aid to Ukraine non-lethal in the near term.
#     likelihood: likely      # almost no chance | very unlikely | unlikely |
#                             # roughly even chance | likely | very likely | almost certain
#     confidence: moderate    # low | moderate | high
#     assumptions: [seoul-policy-stable]   # ids from assumptions
#     alternatives:           # competing outcomes: the lower bounds of the judgment's
#                             # and the alternatives' bands add up to 100% at most
#       - hypothesis: Seoul sends defensive weapons within six months.
#         likelihood: unlikely
#         indicators:
#           - Seoul names specific weapon types
#     cites:
#       - source: yonhap-2024-11-03-borrell-seoul
#         quote: Over the past years ... significant progress
#
# open_questions:             # the same id in several briefings is one question, re-assessed
#   - id: rok-lethal-aid-to-ukraine
#     question: Will South Korea supply weapons to Ukraine?
#     status: open            # open | resolved | dropped
#     likelihood: roughly even chance
#     confidence: low
#     change:                 # required when the likelihood moved since the last assessment
#       from: unlikely        # the likelihood of the previous assessment
#       reason: Blinken warned that North Korean troops may soon join combat.   # Markdown
#     criteria: Seoul delivers weapons or ammunition to Ukraine.       # what counts as yes
#     resolves_by: 2025-06-30
#     # status: resolved needs resolution: {date: ..., outcome: yes | no | annulled}
#     assessment: |           # Markdown
#       Seoul has so far given Ukraine only **non-lethal** aid.
#     indicators:
#       - North Korean troops confirmed in combat against Ukrainian forces
#     cites:
#       - source: yonhap-2024-11-03-borrell-seoul
#         lines: "15"         # a line, or a range such as "15-17"
#
# timeline:
#   - date: 2024-11-03
#     event: Borrell visits the Demilitarized Zone.
#     cites:
#       - source: yonhap-2024-11-03-borrell-seoul
#         quote: My visit today of the Demilitarised Zone -- DMZ
#         note: The source spells it "Demilitarised" here.
#
# implications: |             # Markdown: what it means for the reader
#   Seoul's weapons are a lever held in reserve, not a supply to plan on.
"""


def default_authors(root: Path) -> list[str]:
    """The author git knows for ``root`` (``git config user.name``), else a placeholder."""
    try:
        done = subprocess.run(["git", "config", "user.name"], cwd=root, capture_output=True, text=True,
                              timeout=10)
    except (OSError, subprocess.SubprocessError):
        return [AUTHOR_PLACEHOLDER]
    name = done.stdout.strip() if done.returncode == 0 else ""
    return [name] if name and name.isprintable() else [AUTHOR_PLACEHOLDER]


@dataclass(frozen=True)
class Archived:
    """What ``briefings source add`` wrote, and what it found in the original."""

    id: str
    kind: str  # "txt", "html" or "pdf"
    text: str  # repository-relative paths of what was written
    metadata: str
    original: str | None = None
    #: Metadata taken from the original (or the fetch), by source key, in the order written.
    found: dict[str, str] = field(default_factory=dict)
    paragraphs: int = 0  # of a web page's text
    pages: int = 0  # of a PDF's


def add_source(root: Path, file: str | Path, source_id: str | None, metadata: Mapping[str, str | None],
               fetcher: Callable[[str], "fetch.Fetched"] | None = None) -> Archived:
    """Archive ``file`` (a text file, a saved web page, a PDF, or an http(s) address) as source
    ``source_id`` (made from the publisher, date and title when ``None``).

    ``metadata`` holds the values of :data:`SOURCE_KEYS` as written on the command line
    (``None`` when not given); values it lacks are taken from the original where it has
    them. ``fetcher`` downloads an address (default :func:`.capture.fetch.fetch`).
    """
    if source_id is not None:
        _check_id(source_id, "source")
    _check_repository(root)
    shown = str(file)
    values = {key: metadata.get(key) for key in SOURCE_KEYS}
    found: dict[str, str] = {}
    original: bytes | None = None
    result: capture.Capture | None = None
    try:
        if fetch.is_web_address(shown):
            fetched = (fetcher or fetch.fetch)(shown)
            kind, original = fetched.kind, fetched.data
            result = capture.extract(original, kind)
            found.update({"url": fetched.url, "retrieved": today()})
        else:
            path = Path(file)
            kind = "txt" if path.suffix.lower() == ".txt" else capture.kind_of(path)
            if kind is None:
                raise Refused(f"{shown}: cannot archive a {path.suffix or 'file without an extension'} file; "
                              "archive a web page (.html), a PDF (.pdf) or a UTF-8 text file (.txt)")
            if kind != "txt":
                original = capture.read_original(path)
                capture.check_kind(original, kind)
                result = capture.extract(original, kind)
    except capture.CaptureError as exc:
        raise Refused(f"{shown} {exc}; nothing was written" if fetch.is_web_address(shown)
                      else f"{shown}: {exc}; nothing was written") from None
    if result is None:
        data = _read_text(Path(file))
        if values["language"] is None:
            values["language"] = "en"
    else:
        data = result.text.encode("utf-8")
        found = {**result.found, **found}
        if len(data) > MAX_SOURCE_BYTES:
            raise Refused(f"{shown}: its text is larger than {MAX_SOURCE_BYTES // (1024 * 1024)} MiB; "
                          "archive the relevant part of the document only")
    taken = {key: value for key, value in found.items() if values.get(key) is None}
    values.update(taken)
    missing = [key for key in ("title", "published") if values.get(key) is None]
    if missing:
        what = " and ".join({"title": "a title", "published": "a published date"}[k] for k in missing)
        options = " and ".join({"title": '--title "..."', "published": "--published YYYY-MM-DD"}[k] for k in missing)
        raise Refused(f"{shown}: {what} was found neither in it nor on the command line; nothing was "
                      f"written: give {options}")
    if source_id is None:
        source_id = ids.make_id(values["publisher"], values["published"], values["title"],
                                lambda candidate: _source_taken(root, candidate))
    text_rel, meta_rel = f"sources/{source_id}.txt", f"sources/{source_id}.yaml"
    original_rel = f"sources/{source_id}{capture.EXTENSIONS[kind]}" if original is not None else None
    for rel in (text_rel, original_rel, meta_rel):
        if rel is not None:
            _refuse_existing(root / rel, rel, "choose another --id, or remove the existing source first")
    provenance = {} if original is None else {
        "original": original_rel.removeprefix("sources/"),
        "original_sha256": hashlib.sha256(original).hexdigest(),
        "extracted_with": result.extractor,
    }
    meta = source_metadata(values, hashlib.sha256(data).hexdigest(), provenance)
    _validate(meta, meta_rel, schema.SOURCE, {k: f"--{k}" for k in SOURCE_KEYS}, "the source",
              id=source_id, text_file=text_rel)
    (root / "sources").mkdir(exist_ok=True)
    written: list[Path] = []
    try:
        for rel, content in ((text_rel, data), (original_rel, original), (meta_rel, meta.encode("utf-8"))):
            if rel is not None:
                _write_new(root / rel, content, rel)
                written.append(root / rel)
    except BaseException:  # (an interrupt too: nothing is left half written)
        for path in written:
            path.unlink()
        raise
    return Archived(source_id, kind, text_rel, meta_rel, original_rel,
                    {key: str(values[key]) for key in SOURCE_KEYS if key in taken},
                    paragraphs=len(result.text.split("\n\n")) if kind == "html" else 0,
                    pages=result.text.count("\f") + 1 if kind == "pdf" else 0)


def archived_report(archived: Archived, file: str | Path) -> str:
    """What ``briefings source add`` says it did: the files, the metadata found, the next step."""
    if archived.kind == "txt":
        lines = [f"created {archived.text} (a byte-identical copy of {file})",
                 f"created {archived.metadata} (its metadata and sha256)"]
    elif archived.kind == "html":
        lines = [f"created {archived.text} (the page's main text: {_count(archived.paragraphs, 'paragraph')})",
                 f"created {archived.original} (the page as captured; kept in the repository, never "
                 "published on the site)",
                 f"created {archived.metadata} (its metadata, and the sha256 of the text and the page)"]
    else:
        lines = [f"created {archived.text} (the text of {_count(archived.pages, 'page')}, a form feed between pages)",
                 f"created {archived.original} (the PDF as captured; published beside the source's page)",
                 f"created {archived.metadata} (its metadata, and the sha256 of the text and the PDF)"]
    if archived.found:
        where = "the page" if archived.kind == "html" else "the PDF"
        lines.append(f"found in {where}: " + "; ".join(f"{key} {value}" for key, value in archived.found.items()))
    if archived.kind == "txt":
        lines.append(f"next: cite it from a briefing with 'source: {archived.id}' and a quote of its words, "
                     "then run 'briefings check'")
    else:
        page = " (and 'page: N' for the PDF page it is on)" if archived.kind == "pdf" else ""
        lines.append(f"next: read {archived.text} to see that it holds the whole text (correct a wrong title or "
                     f"date in {archived.metadata}), cite it from a briefing with 'source: {archived.id}' and a "
                     f"quote of its words{page}, then run 'briefings check'")
    return "\n".join(lines) + "\n"


def _count(number: int, what: str) -> str:
    return f"{number:,} {what}{'' if number == 1 else 's'}"


def _source_taken(root: Path, candidate: str) -> bool:
    return any(os.path.lexists(root / "sources" / f"{candidate}{ext}") for ext in (".txt", ".yaml", ".html", ".pdf"))


def source_metadata(metadata: Mapping[str, str | None], sha256: str,
                    provenance: Mapping[str, str] | None = None) -> str:
    """The text of ``sources/<id>.yaml``: the schema line, the given values, the digest, and
    where the text came from (``original``, ``original_sha256``, ``extracted_with``)."""
    lines = [SOURCE_SCHEMA]
    for key in SOURCE_KEYS:
        value = metadata.get(key)
        if value is None:
            continue
        option = f"--{key}"
        dated = key in ("published", "retrieved")
        lines.append(f"{key}: {_date_or_text(value, option) if dated else _scalar(_one_line(value, option))}")
    lines.append(f"sha256: {sha256}")
    for key, value in (provenance or {}).items():
        lines.append(f"{key}: {_scalar(_one_line(value, key))}")
    return "\n".join(lines) + "\n"


def _read_text(file: Path) -> bytes:
    """The bytes of the text to archive, refused unless they are non-empty UTF-8."""
    try:
        with open(file, "rb") as handle:
            data = handle.read(MAX_SOURCE_BYTES + 1)
    except OSError as exc:
        raise Refused(f"cannot read {file}: {exc.strerror or exc}") from None
    if len(data) > MAX_SOURCE_BYTES:
        raise Refused(f"{file} is larger than {MAX_SOURCE_BYTES // (1024 * 1024)} MiB; "
                      "archive the relevant part of the document only")
    text, problem = decode(data, str(file))
    if problem is not None:
        raise Refused(f"{file} is not UTF-8 text: {problem.message} at line {problem.line}, "
                      f"column {problem.column}; {problem.hint}")
    assert text is not None
    if not text.strip():
        raise Refused(f"{file} is empty; archive the captured text")
    return data


#: The longest id a new record may have: its file name stays well within what file systems
#: take (255 bytes), and its pages' addresses readable.
MAX_ID = 100


def _check_id(value: str, what: str) -> None:
    if not schema.ID_PATTERN.fullmatch(value):  # (match: ``$`` lets a final newline through)
        raise Refused(f"{value!r} is not a valid {what} id: use lowercase letters, digits and single "
                      f"hyphens, like {schema.suggest_id(value)!r}")
    if len(value) > MAX_ID:
        raise Refused(f"the {what} id is {len(value)} characters long; an id may have at most {MAX_ID}: "
                      f"shorten it, like {value[:MAX_ID].rstrip('-')[:60].rstrip('-')!r}")


def _check_repository(root: Path) -> None:
    """Refuse a ``root`` that has neither ``briefings/`` nor ``sources/`` (a mistyped path)."""
    if not root.is_dir():
        raise Refused(f"{root} is not a folder")
    if not (root / "briefings").is_dir() and not (root / "sources").is_dir():
        raise Refused(f"{root} is not a briefing repository: it has no briefings/ or sources/ folder "
                      "(create both to start one)")


def _refuse_existing(path: Path, rel: str, advice: str) -> None:
    if path.exists() or path.is_symlink():
        raise Refused(f"{rel} already exists; nothing was written: {advice}")


def _write_new(path: Path, data: bytes, rel: str) -> None:
    try:
        with open(path, "xb") as handle:
            handle.write(data)
    except FileExistsError:
        raise Refused(f"{rel} already exists; nothing was written") from None
    except OSError as exc:
        raise Refused(f"cannot write {rel}: {exc.strerror or exc}") from None


def _validate(text: str, rel: str, record: schema.Rec, options: dict[str, str], what: str, **extra: str) -> None:
    """Refuse ``text`` unless the checker's loader and schema accept it without a problem.

    Each problem is told in terms of the command-line option that gave the value.
    """
    node, problems = load_yaml(text.encode("utf-8"), rel)
    if node is not None:
        ctx = schema.Context(rel)
        record.convert(node, ctx, (), **extra)
        problems = problems + ctx.diagnostics
    if problems:
        key_of_line = {n: line.split(":", 1)[0] for n, line in enumerate(text.split("\n"), 1)}
        told = [_as_option(d, key_of_line.get(d.line, ""), options) for d in problems]
        raise Refused(f"cannot write {what}; nothing was written:\n" + "\n".join(f"  {t}" for t in told))


def _as_option(d: Diagnostic, key: str, options: dict[str, str]) -> str:
    message, hint = d.message, d.hint
    if key in options and message.startswith(f"{key}: "):
        message = f"{options[key]}: {message[len(key) + 2:]}"
        if d.code == schema.EMPTY_TEXT.id:
            hint = "give the option a value"
    return f"{message}; {hint}" if hint else message


def _scalar(value: str | list[str]) -> str:
    """``value`` as one line of YAML flow: quoted when YAML would read it as something else."""
    text = yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=MAX_FILE_BYTES)
    return text.removesuffix("\n...\n").removesuffix("\n")


def _date_or_text(value: str, option: str) -> str:
    """A real ``YYYY-MM-DD`` date unquoted; anything else quoted, for the schema to reject."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    return _scalar(_one_line(value, option))


def _one_line(value: str, option: str) -> str:
    if not value.isprintable():
        raise Refused(f"{option}: {value!r} has a line break or a control character; write it on one line")
    return value
