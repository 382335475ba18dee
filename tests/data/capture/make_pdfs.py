"""Write the small PDFs the capture tests read (run again only to change them):

    python3 tests/data/capture/make_pdfs.py

two-columns.pdf  a press statement set in two justified columns by Chromium, with a running
                 header and footer, and words hyphenated at line ends (soft hyphens)
scan.pdf         a page that holds only an image: no text layer
encrypted.pdf    two-columns.pdf, encrypted: it opens only with the password "secret"

It needs Playwright with Debian's chromium, and pypdf.
"""

from __future__ import annotations

import base64
import io
import zlib
import struct
from pathlib import Path

from playwright.sync_api import sync_playwright
from pypdf import PdfReader, PdfWriter

HERE = Path(__file__).resolve().parent
LEFT = ("The ministry said on Tuesday that the coastal patrol agree&shy;ment would enter into force next "
        "month. Officials described the arrange&shy;ment as a response to repeated incur&shy;sions by "
        "unidentified vessels. ") * 3
RIGHT = ("Opposition members questioned whether the govern&shy;ment had consulted the provinces. A "
         "spokes&shy;woman replied that consul&shy;tations had taken place over several weeks. ") * 3
STATEMENT = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Coastal patrol statement</title>
<style>body{{font:11pt/1.4 serif;margin:0}} .cols{{column-count:2;column-gap:2em;text-align:justify}}
h1{{font-size:14pt}}</style></head><body>
<h1>Statement on the coastal patrol agreement</h1>
<div class="cols"><p>LEFT-START {LEFT} LEFT-END</p><p>RIGHT-START {RIGHT} RIGHT-END</p></div>
</body></html>"""
HEADER = '<div style="font-size:8pt;width:100%;text-align:center">Ministry of Examples - press office</div>'
FOOTER = ('<div style="font-size:8pt;width:100%;text-align:center">Page <span class="pageNumber"></span> of '
          '<span class="totalPages"></span></div>')


def png(width: int, height: int) -> bytes:
    """A grey PNG image: what a scanner leaves of a page."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + bytes([128]) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def main() -> None:
    image = base64.b64encode(png(400, 560)).decode()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium")
        page = browser.new_page()
        page.set_content(STATEMENT)
        page.pdf(path=str(HERE / "two-columns.pdf"), format="A5", display_header_footer=True,
                 header_template=HEADER, footer_template=FOOTER,
                 margin={"top": "2cm", "bottom": "2cm", "left": "1.5cm", "right": "1.5cm"})
        page.set_content(f'<!doctype html><body style="margin:0"><img src="data:image/png;base64,{image}"></body>')
        page.pdf(path=str(HERE / "scan.pdf"), format="A5")
        browser.close()
    writer = PdfWriter(clone_from=PdfReader(HERE / "two-columns.pdf"))
    writer.encrypt(user_password="secret", owner_password="owner-secret", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    (HERE / "encrypted.pdf").write_bytes(out.getvalue())


if __name__ == "__main__":
    main()
