"""The originals kept beside archived texts: what ``briefings check`` holds them to, and
which of them a site publishes.

A source archived from a web page or a PDF names its original (``original: <id>.html``
or ``<id>.pdf``) and pins it with ``original_sha256``. Only PDF originals are published,
beside the source's page; a saved web page is never served by the site (it is an
untrusted page that would run in the site's origin).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from ..diagnostics import Diagnostic, Severity, code, make
from ..model import Source
from . import MAX_ORIGINAL_BYTES

#: Extensions of originals, as files in ``sources/``.
SUFFIXES = (".html", ".pdf")

BAD_ORIGINAL = code(
    "BRF210", "invalid-original", Severity.ERROR, "A source's original capture is missing or misnamed",
    """
    A source archived from a web page or a PDF keeps the capture beside its text:
    `original` names it (`<id>.html` or `<id>.pdf`, the source's own id) and
    `original_sha256` pins it; the one key needs the other. An `.html` or `.pdf` file in
    `sources/` that no source names as its original is reported too. `briefings source
    add` writes both keys and the file.
    """,
    failing="original: capture.html          # not <id>.html, and no original_sha256",
    passing="original: example.html\n"
            "original_sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    failing_file="sources/example.yaml",
)
ORIGINAL_MISMATCH = code(
    "BRF211", "original-sha256-mismatch", Severity.ERROR, "An original capture does not match its recorded sha256",
    """
    `original_sha256` pins the page or PDF the archived text was made from, so that
    anyone can later show that the text is what the original said. A mismatch means the
    original was replaced or edited after it was archived. Restore it from the
    repository's history (`git checkout -- sources/<id>.pdf`).
    """,
    failing="original_sha256: 0000000000000000000000000000000000000000000000000000000000000000",
    passing="original_sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    failing_file="sources/example.yaml",
)


def check(source: Source, meta_rel: str, found: Path | None) -> list[Diagnostic]:
    """The problems of ``source``'s original; ``found`` is the ``sources/<id>.html|pdf`` file
    beside it, if any."""
    problems: list[Diagnostic] = []

    def report(c, key: str, message: str, hint: str) -> None:
        at = source.at(key)
        problems.append(make(c, meta_rel, at.line, at.column, message, hint))

    if source.original is None:
        if source.original_sha256 is not None and "original" not in source.broken:
            report(BAD_ORIGINAL, "original_sha256", "original_sha256 is given but no original",
                   f"add original: {source.id}.html or {source.id}.pdf, or remove original_sha256")
        return problems
    if source.original.rsplit(".", 1)[0] != source.id:
        report(BAD_ORIGINAL, "original", f"original must be {source.id}.html or {source.id}.pdf (the "
               f"source's own id), not {source.original}", f"rename the file and write original: "
               f"{source.id}.{source.original.rsplit('.', 1)[1]}")
        return problems
    if source.original_sha256 is None:
        if "original_sha256" not in source.broken:
            report(BAD_ORIGINAL, "original", "original needs its original_sha256",
                   f"add original_sha256: the output of 'sha256sum sources/{source.original}'")
        return problems
    rel = f"sources/{source.original}"
    if found is None or found.name != source.original:
        report(BAD_ORIGINAL, "original", f"{rel} does not exist",
               "restore the original capture from the repository's history, or archive the source again")
        return problems
    try:
        with open(found, "rb") as handle:
            data = handle.read(MAX_ORIGINAL_BYTES + 1)
    except OSError as exc:
        report(BAD_ORIGINAL, "original", f"cannot read {rel}: {exc.strerror or exc}", "")
        return problems
    actual = hashlib.sha256(data).hexdigest()
    if actual != source.original_sha256.lower():
        report(ORIGINAL_MISMATCH, "original_sha256",
               f"{rel} has sha256 {actual}, not the recorded {source.original_sha256}",
               "restore the original as captured (git checkout -- " + rel + ")")
    return problems


def unclaimed(rel: str) -> tuple[str, str]:
    """Message and hint for an ``.html`` or ``.pdf`` in ``sources/`` that no source names."""
    stem = rel.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return (f"{rel} is not the original of any source",
            f"archive it with 'briefings source add {rel}', or name it as original in sources/{stem}.yaml")


def published(sources: Iterable[Source], root: Path) -> list[tuple[str, Path]]:
    """The originals a site publishes: ``(path in the site, file)`` for each PDF original of
    ``sources`` (the sources in the build). Web page originals are never published."""
    found = []
    for source in sources:
        if source.original and source.original.endswith(".pdf") and source.original == f"{source.id}.pdf":
            path = root / "sources" / source.original
            if path.is_file():
                found.append((f"sources/{source.original}", path))
    return found
