"""How PDF text libraries read real documents: the measurements behind the choice of PDFium.

    python3 benchmarks/bench_pdf_text.py [REPORT.pdf]

REPORT.pdf defaults to the 65-page report of ../shared/fixtures/capture/pdfs/. The second
document is tests/data/capture/two-columns.pdf: two justified columns, soft hyphens at line
ends, a running header and footer. Libraries that are not installed are skipped.
"""

from __future__ import annotations

import re
import unicodedata
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT.parent / "shared" / "fixtures" / "capture" / "pdfs" / "chelsea_pdta.pdf"
COLUMNS = ROOT / "tests" / "data" / "capture" / "two-columns.pdf"
HYPHENATED = ("agreement", "arrangement", "government", "spokeswoman", "consultations")


def pypdf_pages(path: Path) -> list[str]:
    import pypdf

    return [page.extract_text() or "" for page in pypdf.PdfReader(path).pages]


def pdfplumber_pages(path: Path) -> list[str]:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return [page.extract_text() or "" for page in pdf.pages]


def pdfminer_pages(path: Path) -> list[str]:
    from pdfminer.high_level import extract_text

    return extract_text(path).split("\f")[:-1] or [""]


def pypdfium2_pages(path: Path) -> list[str]:
    from build_scripts.capture import pdf

    return pdf.extract(path.read_bytes()).text.split("\f")


LIBRARIES = {"pypdf": pypdf_pages, "pdfplumber": pdfplumber_pages, "pdfminer.six": pdfminer_pages,
             "pypdfium2 (as archived)": pypdfium2_pages}


def flat(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split())


def columns(pages: list[str]) -> dict[str, object]:
    text = pages[0]
    marks = [text.find(m) for m in ("LEFT-START", "LEFT-END", "RIGHT-START", "RIGHT-END")]
    left, right = flat(text[marks[0]:marks[1]]), flat(text[marks[2]:marks[3]])
    in_order = (-1 not in marks and marks == sorted(marks) and left.count("Officials described") == 3
                and "Opposition" not in left and right.count("Opposition members") == 3)
    whole = sum(flat(text).count(word) for word in HYPHENATED)  # the title has one more
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    header = next((n for n, line in enumerate(lines) if line.startswith("Ministry of Examples")), -1)
    return {"columns in order": in_order, f"soft-hyphenated words whole (of {3 * len(HYPHENATED) + 1})": whole,
            "header at line": f"{header + 1} of {len(lines)}"}


def report(pages: list[str]) -> dict[str, object]:
    text = "\f".join(pages)
    return {"pages": len(pages),
            "'Service des loisirs' whole (p. 2)": "Service des loisirs" in flat(pages[1]) if len(pages) > 1 else False,
            "'ci-dessus' at a line end (p. 19)": bool(re.search(r"ci-\s*\n\s*dessus", pages[18])) if len(pages) > 18 else False,
            "characters": len(text)}


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else REPORT
    for name, pages_of in LIBRARIES.items():
        try:
            started = time.perf_counter()
            pages = pages_of(path)
            seconds = time.perf_counter() - started
            two = pages_of(COLUMNS)
        except ImportError:
            print(f"{name}: not installed")
            continue
        figures = {"seconds for the report": f"{seconds:.2f}", **report(pages), **columns(two)}
        print(f"{name}: " + "; ".join(f"{k} {v}" for k, v in figures.items()))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
