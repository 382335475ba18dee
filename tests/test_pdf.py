"""Briefings as PDF (``briefings pdf``, ``briefings build --pdf``), read back with poppler.

Each PDF is read page by page with Debian's ``pdftotext``: the TLP label must be the first
and the last text of every page, every quote of the briefing must be in it, and a public
build's PDFs must hold no word of a restricted briefing.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from build_scripts import cli
from build_scripts.pdf import PdfRenderer
from build_scripts.index import build_index
from build_scripts.repo import load_repository
from conftest import ROOT, run
from test_incremental import edit_briefing, tree
from test_markings import SECRET, plant, traces

EU = "eu-rok-security-dialogue-2024-11"
DPRK = "dprk-russia-alignment-2024-11"
RESTRICTED = f"{SECRET}-briefing"


def pdftotext(pdf: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(["pdftotext", *pages, str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def pdfinfo(pdf: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", "-isodates", str(pdf)], capture_output=True, text=True, check=True).stdout
    return {key: value.strip() for key, _, value in (line.partition(":") for line in out.splitlines())}


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def flat(text: str) -> str:
    """Text as one line: a line broken after a hyphen or a slash joined again, white space runs to one."""
    return " ".join(re.sub(r"(?<=[-/])\n", "", text).split())


def copy_example(target: Path) -> Path:
    for folder in ("briefings", "sources", "templates"):
        shutil.copytree(ROOT / folder, target / folder)
    shutil.copy(ROOT / "mkdocs.yml", target / "mkdocs.yml")
    return target


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> dict[str, Path]:
    """The example with a restricted briefing planted, and the PDFs of two briefings."""
    root = copy_example(tmp_path_factory.mktemp("pdf") / "repo")
    plant(root)
    out = root.parent / "out"
    out.mkdir()
    for briefing in (EU, RESTRICTED):
        assert cli.main(["pdf", briefing, "--path", str(root), "-o", str(out)]) == 0
    return {"root": root, EU: out / f"{EU}.pdf", RESTRICTED: out / f"{RESTRICTED}.pdf"}


@pytest.mark.parametrize("briefing, label", [(EU, "TLP:CLEAR"), (RESTRICTED, "TLP:AMBER")])
def test_the_label_is_the_first_and_the_last_text_of_every_page(made, briefing, label):
    pdf = made[briefing]
    count = int(pdfinfo(pdf)["Pages"])
    assert count >= 2  # (the example's briefing runs over several pages)
    for page in range(1, count + 1):
        text = lines(pdftotext(pdf, page))
        assert text[0] == label, (page, text[:3])
        assert text[-1] == label, (page, text[-3:])
        assert f"Page {page} of {count}" in text, page
    # at the right of the header and the footer, 12 pt at least (DejaVu's words are 1.164 em high)
    box = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True,
                         text=True, check=True).stdout
    width = float(re.search(r'<page width="([\d.]+)" height="([\d.]+)"', box).group(1))
    words = [tuple(map(float, found)) for found in re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">' + re.escape(label) + "<", box)]
    labels = [(x0, y0, x1, y1) for x0, y0, x1, y1 in words if (y1 - y0) / 1.164 >= 11.99]
    assert len(labels) == 2 and all(x0 > width / 2 for x0, *_ in labels), words


def test_every_quote_of_the_briefing_is_in_its_notes(made):
    briefing = next(b for b in load_repository(made["root"]).briefings if b.id == EU)
    quotes = [c.quote for _, c in briefing.citations() if c.quote]
    assert len(quotes) > 20
    text = flat(pdftotext(made[EU]))
    for quote in quotes:
        assert " ".join(quote.split()) in text, quote


def test_a_note_gives_the_quote_the_source_and_its_grade(made):
    text = flat(pdftotext(made[EU]))
    notes = text[text.index("Notes 1. "):]
    assert notes.startswith(
        "Notes 1. “he arrived in Seoul to co-chair the first Strategic Dialogue with Foreign Minister Cho Tae-yul” "
        "EU's Borrell vows to advance security, defense ties with S. Korea, Yonhap, 2024-11-03. Grade B1 "
        "Note: The 4 November report confirms that the first Strategic Dialogue was held. 2. ")
    assert "How to read the grades" not in notes  # (a label in capitals in the PDF)
    assert "HOW TO READ THE GRADES" in notes and "B Source: usually reliable" in notes


def test_the_cover_line_and_the_icd_203_legend(made):
    first = flat(pdftotext(made[EU], 1))
    assert first.startswith('TLP:CLEAR EU and South Korea move to take security ties "to the next level" '
                            "Marking TLP:CLEAR As of 2024-11-04 Status published By K. Analyst")
    assert "likely 55-80% moderate confidence" in first
    text = flat(pdftotext(made[EU]))
    assert ("Term (ICD 203) Probability almost no chance 1-5% very unlikely 5-20% unlikely 20-45% roughly even "
            "chance 45-55% likely 55-80% very likely 80-95% almost certain 95-99%") in text
    for section in ("Bottom line", "Key judgments", "Assumptions", "Implications", "Key actors",
                    "Stated positions", "Open questions", "Timeline", "Sources", "Notes"):
        assert section in text or section.upper() in text, section


def test_a_pdf_holds_nothing_marked_above_its_own_label(made):
    """The restricted briefing assesses a question the public ones assess too: a full site's
    index counts three assessments of it, the TLP:CLEAR PDF only the two it may name."""
    assert len(build_index(load_repository(made["root"])).questions["rok-lethal-aid-to-ukraine"].assessments) == 3
    text = flat(pdftotext(made[EU]))
    assert re.findall(r"\(\d+ assessments over time\)", text) == ["(2 assessments over time)"]
    assert SECRET not in text.lower()


def test_the_metadata_carry_the_title_the_authors_and_the_marking(made):
    info = pdfinfo(made[RESTRICTED])
    assert info["Title"] == f"Shipments through the {SECRET} channel"
    assert info["Author"] == "R. Analyst"
    assert info["Subject"] == f"TLP:AMBER: Shipments through the {SECRET} channel"
    assert info["Keywords"] == f"TLP:AMBER, {SECRET}tag, korea"
    assert info["CreationDate"] == info["ModDate"] == "2024-11-06T00:00:00Z"  # the briefing's date
    assert info["Tagged"] == "yes"  # (its structure, for screen readers)


def test_the_fonts_are_embedded(made):
    out = subprocess.run(["pdffonts", str(made[EU])], capture_output=True, text=True, check=True).stdout
    fonts = out.splitlines()[2:]
    assert fonts and all(re.search(r"\s+yes\s+yes\s+yes\s+\d+\s+\d+$", row) for row in fonts), out
    assert any("Briefing-Sans" in row for row in fonts)


def test_two_renders_are_identical(made, tmp_path, capsys):
    again = tmp_path / "again.pdf"
    code, out, err = run(capsys, "pdf", EU, "--path", str(made["root"]), "-o", str(again))
    assert (code, err) == (0, "")
    assert out == f"wrote {again}: 6 pages, marked TLP:CLEAR at the top and bottom of each\n"
    assert again.read_bytes() == made[EU].read_bytes()


def _colour_near(pixel, colour, tolerance=40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour))


@pytest.mark.parametrize("briefing, colour", [(EU, (255, 255, 255)), (RESTRICTED, (255, 192, 0))])
def test_the_label_is_in_its_colour_on_black(made, tmp_path, briefing, colour):
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(made[briefing]), str(tmp_path / "p")],
                   check=True)
    (png,) = tmp_path.glob("p*.png")
    image = Image.open(png).convert("RGB")
    width, height = image.size
    for top in (0, int(height * 0.9)):  # the header and the footer, at the right
        box = image.crop((width // 2, top, width, top + int(height * 0.1)))
        counted = box.getcolors(maxcolors=box.width * box.height)
        black = sum(n for n, pixel in counted if _colour_near(pixel, (0, 0, 0), 20))
        coloured = sum(n for n, pixel in counted if _colour_near(pixel, colour))
        assert black > 500 and coloured > 100, (top, black, coloured)


def test_a_public_build_writes_no_pdf_above_its_marking(made, tmp_path, capsys):
    site = tmp_path / "public"
    code, out, err = run(capsys, "build", str(made["root"]), "-q", "--pdf", "--max-marking", "TLP:CLEAR",
                         "--site-dir", str(site))
    assert code == 0, err
    written = sorted(path.relative_to(site).as_posix() for path in site.rglob("*.pdf"))
    assert written == [f"briefings/{DPRK}/{DPRK}.pdf", f"briefings/{EU}/{EU}.pdf"]
    for pdf in site.rglob("*.pdf"):
        assert SECRET not in pdftotext(pdf).lower(), pdf
    assert traces(site) == []
    # the control: the word is in the restricted briefing's own PDF, which a full build writes
    full = tmp_path / "full"
    assert run(capsys, "build", str(made["root"]), "-q", "--pdf", "--site-dir", str(full))[0] == 0
    restricted = full / "briefings" / RESTRICTED / f"{RESTRICTED}.pdf"
    assert SECRET in pdftotext(restricted) and lines(pdftotext(restricted, 1))[0] == "TLP:AMBER"
    assert restricted.read_bytes() == made[RESTRICTED].read_bytes()  # what briefings pdf writes
    # and in a full build too, the public briefings' PDFs hold nothing above their label
    assert (full / "briefings" / EU / f"{EU}.pdf").read_bytes() == made[EU].read_bytes()


def test_briefings_pdf_refuses_a_briefing_above_the_marking(made, tmp_path, capsys):
    code, out, err = run(capsys, "pdf", RESTRICTED, "--path", str(made["root"]), "--max-marking", "TLP:GREEN",
                         "-o", str(tmp_path / "x.pdf"))
    assert (code, out) == (2, "")
    assert err == (f"briefings: briefing '{RESTRICTED}' is marked TLP:AMBER, above --max-marking TLP:GREEN: "
                   "its PDF is not written\n")
    assert not (tmp_path / "x.pdf").exists()


def test_an_unknown_id_is_refused_with_the_closest(made, tmp_path, capsys):
    code, out, err = run(capsys, "pdf", "eu-rok-security-dialog", "--path", str(made["root"]))
    assert (code, out) == (2, "")
    assert err == f"briefings: unknown briefing 'eu-rok-security-dialog'; did you mean '{EU}'?\n"


def test_a_repository_with_errors_makes_no_pdf(example, tmp_path, capsys):
    path = example.root / "briefings" / f"{EU}.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("co-chair the first Strategic Dialogue'",
                                                              "co-chair the second Strategic Dialogue'", 1),
                    encoding="utf-8")
    code, out, err = run(capsys, "pdf", EU, "--path", str(example.root), "-o", str(tmp_path / "x.pdf"))
    assert (code, out) == (2, "")
    assert "error BRF302" in err
    assert err.endswith("briefings: no PDF was written: the repository has 1 error; fix them (see above), "
                        "then run it again\n")
    assert not (tmp_path / "x.pdf").exists()


@pytest.mark.parametrize("output, message", [
    ("sources/x.pdf", "cannot write {o}: it is inside sources/ of the repository, which holds the records; "
                      "write the PDF elsewhere (-o FILE)"),
    ("templates/pdf", "cannot write {o}/" + EU + ".pdf: it is inside templates/ of the repository, which holds "
                      "what the site is made of; write the PDF elsewhere (-o FILE)"),
    ("missing/x.pdf", "cannot write {o}: the folder {root}/missing does not exist; create it first, or name "
                      "another file with -o"),
    ("notes.txt", "cannot write {o}: it exists and is not a PDF, so it is not replaced; name another file with -o"),
])
def test_briefings_pdf_writes_only_where_it_may(example, capsys, output, message):
    root = example.root
    (root / "notes.txt").write_text("my notes\n", encoding="utf-8")
    before = tree(root)
    target = str(root / output)
    code, out, err = run(capsys, "pdf", EU, "--path", str(root), "-o", target)
    assert (code, out, err) == (2, "", f"briefings: {message.format(o=target, root=root)}\n")
    after = {name: digest for name, digest in tree(root).items() if not name.startswith(".briefings-cache/")}
    assert after == before  # (the check keeps its records cache, as briefings check does)


HOSTILE_TEXT = "Line one.\nThe minister said the <script>alert(1)</script> plan was final.\n"
HOSTILE_BRIEFING = """\
title: '<script>alert(1)</script> and "><img src=x onerror=alert(2)>'
date: 2024-11-04
status: published
marking: TLP:CLEAR
authors: ['<b>Mallory</b>']
summary: |
  A [link](javascript:alert(3)), an <img src="http://example.org/x.png"> image and **bold**.

  <script>alert(4)</script>
key_actors:
  - id: m
    name: <i>M</i>
positions:
  - actor: m
    on: '"><svg onload=alert(5)>'
    stance: Says so.
    cites:
      - source: src-h
        quote: the <script>alert(1)</script> plan
"""


def hostile_repo(root: Path) -> Path:
    import hashlib

    (root / "briefings").mkdir(parents=True)
    (root / "sources").mkdir()
    shutil.copytree(ROOT / "templates", root / "templates")
    (root / "sources" / "src-h.txt").write_text(HOSTILE_TEXT, encoding="utf-8")
    (root / "sources" / "src-h.yaml").write_text(
        "title: 'Hostile <b>source</b>'\npublished: 2024-11-03\npublisher: <i>Desk</i>\nreliability: B\n"
        f"url: https://example.org/{'averyveryverylongpathsegmentwithoutbreaks' * 5}?q=<y>\n"
        f"sha256: {hashlib.sha256(HOSTILE_TEXT.encode()).hexdigest()}\n", encoding="utf-8")
    (root / "briefings" / "hostile.yaml").write_text(HOSTILE_BRIEFING, encoding="utf-8")
    return root


def test_hostile_text_is_shown_as_text(tmp_path, capsys):
    root = hostile_repo(tmp_path / "repo")
    repo = load_repository(root)
    renderer = PdfRenderer(build_index(repo), root / "templates")
    html = renderer.html(renderer.plans["hostile"])
    assert "<script" not in html and "<img" not in html and "<svg" not in html and "<b>" not in html
    assert "javascript:" not in html and "example.org/x.png" not in html
    assert ("<title>&lt;script&gt;alert(1)&lt;/script&gt; and &#34;&gt;&lt;img src=x onerror=alert(2)&gt;"
            "</title>") in html
    pdf = tmp_path / "h.pdf"
    code, out, err = run(capsys, "pdf", "hostile", "--path", str(root), "-o", str(pdf))
    assert code == 0, err
    text = flat(pdftotext(pdf))
    assert text.startswith('TLP:CLEAR <script>alert(1)</script> and "><img src=x onerror=alert(2)> Marking')
    assert "By <b>Mallory</b>" in text
    assert "A link, an image and bold." in text  # the sanitised Markdown, as on the site
    assert "alert(4)" not in text
    assert "“the <script>alert(1)</script> plan” Hostile <b>source</b>, <i>Desk</i>, 2024-11-03. Grade B" in text
    assert pdfinfo(pdf)["Title"] == '<script>alert(1)</script> and "><img src=x onerror=alert(2)>'


def test_a_title_that_fills_pages_leaves_the_label_on_every_page(example, tmp_path, capsys):
    """The label does not wait for the cover line: a title that runs over pages has it too."""
    path = example.root / "briefings" / f"{EU}.yaml"
    text = path.read_text(encoding="utf-8")
    title = next(line for line in text.splitlines() if line.startswith("title: "))
    path.write_text(text.replace(title, "title: " + " ".join(["word"] * 2000), 1), encoding="utf-8")
    pdf = tmp_path / "long.pdf"
    assert run(capsys, "pdf", EU, "--path", str(example.root), "-o", str(pdf))[0] == 0
    count = int(pdfinfo(pdf)["Pages"])
    assert count > 2
    for page in range(1, count + 1):
        text = lines(pdftotext(pdf, page))
        assert (text[0], text[-1]) == ("TLP:CLEAR", "TLP:CLEAR"), page


def test_without_weasyprint_s_libraries_the_pdf_says_what_to_install(example, tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # (as when Pango is missing: it cannot be imported)
    code, out, err = run(capsys, "pdf", EU, "--path", str(example.root), "-o", str(tmp_path / "x.pdf"))
    assert (code, out) == (2, "")
    assert err.startswith("briefings: cannot make PDFs: WeasyPrint cannot start (")
    assert err.endswith("it needs Pango: on Debian, apt-get install libpango-1.0-0 libpangoft2-1.0-0 "
                        "fonts-dejavu-core\n")
    assert not (tmp_path / "x.pdf").exists()


def test_a_long_address_stays_on_the_page(tmp_path, capsys):
    root = hostile_repo(tmp_path / "repo")
    pdf = tmp_path / "h.pdf"
    assert run(capsys, "pdf", "hostile", "--path", str(root), "-o", str(pdf))[0] == 0
    box = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    width = float(re.search(r'<page width="([\d.]+)"', box).group(1))
    right = [float(x) for x in re.findall(r'xMax="([\d.]+)"', box)]
    assert right and max(right) <= width - 45  # within the right margin (18 mm, 51 pt)
    assert "averyveryverylongpath" in pdftotext(pdf)


@pytest.mark.parametrize("rule", [
    '@import url("http://127.0.0.1:9/x.css");',
    '@font-face { font-family: X; src: url("https://127.0.0.1:9/x.woff2"); } html { font-family: X; }',
    '@font-face { font-family: X; src: url("file:///etc/passwd"); } html { font-family: X; }',
])
def test_a_pdf_loads_nothing_but_its_templates_and_fonts(example, tmp_path, capsys, rule):
    css = example.root / "templates" / "pdf" / "briefing.css"
    css.write_text(rule + "\n" + css.read_text(encoding="utf-8"), encoding="utf-8")
    code, out, err = run(capsys, "pdf", EU, "--path", str(example.root), "-o", str(tmp_path / "x.pdf"))
    assert (code, out) == (2, "")
    assert err.startswith("briefings: the PDF's template or stylesheet asks for ")
    assert ("loads nothing from the network" in err) if "//127" in rule else ("/etc/passwd" in err)
    assert not (tmp_path / "x.pdf").exists()


def test_build_pdf_writes_each_briefings_pdf_beside_its_page(example, capsys, build_process):
    root, site = example.root, example.root / "site"
    code, out, err = run(capsys, "build", str(root), "-q", "--pdf")
    assert code == 0, err
    assert out.endswith("Each briefing's PDF is beside its page: briefings/<id>/<id>.pdf.\n")
    for briefing in (EU, DPRK):
        pdf = site / "briefings" / briefing / f"{briefing}.pdf"
        assert lines(pdftotext(pdf, 1))[0] == "TLP:CLEAR"
        page = (site / "briefings" / briefing / "index.html").read_text(encoding="utf-8")
        assert f'<a class="brf-pdf-link" href="../../briefings/{briefing}/{briefing}.pdf"' in page
    # a build without --pdf writes none, and links to none
    plain = example.root.parent / "plain"
    assert run(capsys, "build", str(root), "-q", "--site-dir", str(plain))[0] == 0
    assert list(plain.rglob("*.pdf")) == []
    assert "brf-pdf-link" not in (plain / "briefings" / EU / "index.html").read_text(encoding="utf-8")


def test_an_incremental_pdf_build_equals_a_clean_one(example, capsys, tmp_path):
    root, site = example.root, example.root / "site"

    def build(*options: str) -> None:
        code, out, err = run(capsys, "build", str(root), "-q", "--pdf", *options)
        assert code == 0, err

    build()
    kept = {b: os.stat(site / "briefings" / b / f"{b}.pdf").st_ino for b in (EU, DPRK)}
    before = tree(site)
    shutil.copytree(site, tmp_path / "previous", copy_function=os.link)  # the files the next build starts from
    edit_briefing(root)  # the DPRK briefing's summary
    build()
    assert tree(tmp_path / "previous") == before  # nothing was written into the previous site's files
    assert os.stat(site / "briefings" / EU / f"{EU}.pdf").st_ino == kept[EU]  # not written again
    assert os.stat(site / "briefings" / DPRK / f"{DPRK}.pdf").st_ino != kept[DPRK]
    assert "An edited first sentence." in pdftotext(site / "briefings" / DPRK / f"{DPRK}.pdf")
    build("--clean", "--site-dir", str(tmp_path / "clean"))
    assert tree(site) == tree(tmp_path / "clean")
    (root / "briefings" / f"{DPRK}.yaml").unlink()
    build()
    assert not (site / "briefings" / DPRK).exists()
    build("--clean", "--site-dir", str(tmp_path / "clean2"))
    assert tree(site) == tree(tmp_path / "clean2")


def test_a_stylesheet_weasyprint_cannot_use_stops_the_pdf(example, tmp_path, capsys):
    folder = example.root / "templates" / "pdf"
    (folder / "notes.txt").write_text("not a stylesheet\n", encoding="utf-8")
    template = folder / "briefing.html.j2"
    template.write_text(template.read_text(encoding="utf-8").replace(
        '<link rel="stylesheet" href="briefing.css">', '<link rel="stylesheet" href="notes.txt">'), encoding="utf-8")
    code, out, err = run(capsys, "pdf", EU, "--path", str(example.root), "-o", str(tmp_path / "x.pdf"))
    assert (code, out) == (2, "")
    assert err == (f"briefings: cannot make the PDF of '{EU}' from {folder}: Unsupported stylesheet type "
                   f"text/plain for {(folder / 'notes.txt').as_uri()}\n")
    assert not (tmp_path / "x.pdf").exists()


def test_a_broken_pdf_template_is_named_by_its_file_and_line(example, tmp_path, capsys):
    template = example.root / "templates" / "pdf" / "briefing.html.j2"
    text = template.read_text(encoding="utf-8")
    line = text[:text.index("<h1>")].count("\n") + 1
    template.write_text(text.replace("<h1>{{ briefing.title }}</h1>", "<h1>{{ briefing.titel }}</h1>"),
                        encoding="utf-8")
    code, out, err = run(capsys, "pdf", EU, "--path", str(example.root), "-o", str(tmp_path / "x.pdf"))
    assert (code, out) == (2, "")
    assert err == (f"briefings: cannot render the PDF: templates/pdf/briefing.html.j2:{line}: "
                   "'build_scripts.model.Briefing object' has no attribute 'titel'\n")
    code, out, err = run(capsys, "build", str(example.root), "-q", "--pdf")
    assert (code, out) == (1, "")
    assert err == (f"briefings: the site was not built: cannot render the PDF: templates/pdf/briefing.html.j2:{line}: "
                   "'build_scripts.model.Briefing object' has no attribute 'titel'; the previous site is unchanged\n")
    assert not (example.root / "site").exists()
    assert [p.name for p in example.root.iterdir() if p.name.startswith((".site", "site"))] == []  # (nor its staging)


def test_a_symbolic_link_is_not_written_through(example, tmp_path, capsys):
    mine = tmp_path / "mine.txt"
    mine.write_text("kept\n", encoding="utf-8")
    link = tmp_path / "link.pdf"
    link.symlink_to(mine)
    code, out, err = run(capsys, "pdf", EU, "--path", str(example.root), "-o", str(link))
    assert (code, out) == (2, "")
    assert err == (f"briefings: cannot write {link}: it is a symbolic link, which is not replaced; "
                   "name another file with -o\n")
    assert link.is_symlink() and mine.read_text(encoding="utf-8") == "kept\n"
