"""Write the JSON Schema files that editors use to check and complete records as they are typed.

Every record starts with ``# yaml-language-server: $schema=../schemas/<kind>.schema.json``;
this module writes those files from the one declaration in :mod:`build_scripts.schema`::

    python -m build_scripts.jsonschema_files [ROOT]      # ROOT: the repository, default .

A test fails when the committed files differ from what this writes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .schema import json_schema

KINDS = ("briefing", "source")
FOLDER = "schemas"


def path(kind: str) -> str:
    """Where the schema of ``kind`` records lives, relative to the repository root."""
    return f"{FOLDER}/{kind}.schema.json"


def render() -> dict[str, str]:
    """The text of every schema file, by repository-relative path."""
    return {path(kind): json.dumps(json_schema(kind), ensure_ascii=False, indent=2) + "\n" for kind in KINDS}


def write(root: Path) -> list[str]:
    """Write the schema files under ``root``; return the paths whose content changed."""
    changed = []
    for rel, text in render().items():
        target = root / rel
        if target.exists() and target.read_text(encoding="utf-8") == text:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8", newline="\n")
        changed.append(rel)
    return changed


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) > 1 or any(a.startswith("-") for a in args):
        print("usage: python -m build_scripts.jsonschema_files [ROOT]", file=sys.stderr)
        return 2
    root = Path(args[0] if args else ".")
    changed = write(root)
    for rel in changed:
        print(f"wrote {rel}")
    if not changed:
        print("schemas are up to date")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
