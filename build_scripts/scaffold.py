"""Start a briefing from a skeleton, and archive a source text with its metadata.

Neither function overwrites anything: each refuses when a file it would write exists.
What they write is checked first by the same loader and schema as ``briefings check``,
so a value the checker would reject is refused before any file is written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import subprocess
from collections.abc import Mapping
from pathlib import Path

import yaml

from . import schema
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
#
# key_judgments:
#   - judgment: Seoul will keep its aid to Ukraine non-lethal in the near term.
#     likelihood: likely      # almost no chance | very unlikely | unlikely |
#                             # roughly even chance | likely | very likely | almost certain
#     confidence: moderate    # low | moderate | high
#     cites:
#       - source: yonhap-2024-11-03-borrell-seoul
#         quote: Over the past years ... significant progress
#
# open_questions:             # the same id in several briefings is one question, re-assessed
#   - id: rok-lethal-aid-to-ukraine
#     question: Will South Korea supply weapons to Ukraine?
#     status: open            # open | resolved | dropped
#     likelihood: unlikely
#     confidence: low
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


def add_source(root: Path, file: Path, source_id: str, metadata: Mapping[str, str | None]) -> tuple[str, str]:
    """Archive ``file`` as ``sources/<source_id>.txt`` with its metadata beside it.

    ``metadata`` holds the values of :data:`SOURCE_KEYS` as written on the command line
    (``None`` when not given). Returns the repository-relative paths of the text and the
    metadata file.
    """
    _check_id(source_id, "source")
    _check_repository(root)
    text_rel, meta_rel = f"sources/{source_id}.txt", f"sources/{source_id}.yaml"
    for rel in (text_rel, meta_rel):
        _refuse_existing(root / rel, rel, "choose another --id, or remove the existing source first")
    data = _read_text(file)
    meta = source_metadata(metadata, hashlib.sha256(data).hexdigest())
    _validate(meta, meta_rel, schema.SOURCE, {k: f"--{k}" for k in SOURCE_KEYS}, "the source",
              id=source_id, text_file=text_rel)
    (root / "sources").mkdir(exist_ok=True)
    _write_new(root / text_rel, data, text_rel)
    try:
        _write_new(root / meta_rel, meta.encode("utf-8"), meta_rel)
    except Refused:
        (root / text_rel).unlink()
        raise
    return text_rel, meta_rel


def source_metadata(metadata: Mapping[str, str | None], sha256: str) -> str:
    """The text of ``sources/<id>.yaml``: the schema line, the given values, the digest."""
    lines = [SOURCE_SCHEMA]
    for key in SOURCE_KEYS:
        value = metadata.get(key)
        if value is None:
            continue
        option = f"--{key}"
        dated = key in ("published", "retrieved")
        lines.append(f"{key}: {_date_or_text(value, option) if dated else _scalar(_one_line(value, option))}")
    lines.append(f"sha256: {sha256}")
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


def _check_id(value: str, what: str) -> None:
    if not schema.ID_PATTERN.fullmatch(value):  # (match: ``$`` lets a final newline through)
        raise Refused(f"{value!r} is not a valid {what} id: use lowercase letters, digits and single "
                      f"hyphens, like {schema.suggest_id(value)!r}")


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
