"""``briefings source verify``: does each archived text still equal what its extractor makes
of its original?

The text is made again from the original with the installed extractor and compared
byte for byte. When the installed extractor is not the one recorded (``extracted_with``),
a difference may come from the new version rather than from the files: the verdict says
which versions were compared.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from ..model import Source
from . import CaptureError, KINDS, extract, extractor, read_original


@dataclass(frozen=True)
class Verdict:
    """What verifying one source found."""

    id: str
    status: str  # "same", "different", "no original", "failed"
    message: str
    warning: str | None = None  # the installed extractor is not the recorded one

    @property
    def mismatch(self) -> bool:
        return self.status in ("different", "failed")


def verify(root: Path, source: Source) -> Verdict:
    """Re-extract ``source``'s original and compare the result with its archived text."""
    if not source.original:
        return Verdict(source.id, "no original", f"{source.id}: archived from a text file; no original to verify")
    rel = f"sources/{source.original}"
    kind = KINDS[Path(source.original).suffix]
    installed = extractor(kind)
    warning = None
    if source.extracted_with and source.extracted_with != installed:
        warning = (f"{source.id}: extracted with {source.extracted_with}, verified with {installed}; a "
                   "difference may come from the new version")
    try:
        data = read_original(root / rel)
    except CaptureError as exc:
        return Verdict(source.id, "failed", f"{source.id}: {rel} {exc}", warning)
    if source.original_sha256 and hashlib.sha256(data).hexdigest() != source.original_sha256.lower():
        return Verdict(source.id, "failed", f"{source.id}: {rel} is not the original that was archived "
                       "(its sha256 differs from original_sha256)", warning)
    try:
        made = extract(data, kind).text
    except CaptureError as exc:
        return Verdict(source.id, "failed", f"{source.id}: {installed} cannot read {rel}: it {exc}", warning)
    archived = source.text or ""
    if made == archived:
        return Verdict(source.id, "same", f"{source.id}: the archived text is what {installed} makes of {rel}",
                       warning)
    line = _first_difference(archived, made)
    return Verdict(source.id, "different", f"{source.id}: {source.text_file} differs from what {installed} "
                   f"makes of {rel} now, from line {line} on", warning)


def _first_difference(a: str, b: str) -> int:
    for number, (x, y) in enumerate(zip(a.split("\n"), b.split("\n")), 1):
        if x != y:
            return number
    return min(a.count("\n"), b.count("\n")) + 1


def report(verdicts: list[Verdict]) -> str:
    """The verdicts as lines of text, then a summary line."""
    lines = []
    for v in verdicts:
        if v.warning:
            lines.append(f"warning: {v.warning}")
        label = {"same": "ok", "different": "MISMATCH", "failed": "FAILED", "no original": "skipped"}[v.status]
        lines.append(f"{label}: {v.message}")
    checked = [v for v in verdicts if v.status != "no original"]
    bad = sum(v.mismatch for v in verdicts)
    skipped = len(verdicts) - len(checked)
    summary = f"{len(checked)} source{'s' if len(checked) != 1 else ''} verified: {len(checked) - bad} match"
    summary += f", {bad} do{'es' if bad == 1 else ''} not" if bad else ""
    summary += f"; {skipped} without an original" if skipped else ""
    return "\n".join(lines + [summary]) + "\n"
