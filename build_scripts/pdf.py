"""Briefings as PDF documents: ``briefings pdf ID`` and ``briefings build --pdf``.

A briefing's PDF is rendered from HTML and CSS (``templates/pdf/``) with WeasyPrint, from
the data its site page shows (:func:`.render.plan_pages`: its numbered citations, its
successor, the sources the build publishes), with the same sanitising Markdown conversion
(the ``md`` and ``mdi`` filters of :func:`.render.environment`). The TLP label of the
briefing heads and foots every page (FIRST TLP 2.0), citations are numbered endnotes, and
the document's metadata carries its title, authors and marking. The PDF is tagged (its
headings, lists and tables marked for screen readers).

The PDF loads nothing from the network: every URL WeasyPrint asks for goes through
:class:`LocalFiles`, which hands it only files of the PDF templates' folder and of the
system's fonts folder. Two renders of the same briefing give the same bytes: the PDF's
dates are the briefing's as-of date, and its identifier is derived from its content.
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import os
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from importlib import metadata
from pathlib import Path
from typing import NamedTuple

from .index import SiteIndex
from .render import PagePlan, Utf8Loader, environment, plan_pages, template_failure, to_root
from .site import errors_logged
from .sitedir import KEPT, replace_file

#: The template of a briefing's PDF, in ``templates/pdf/``.
TEMPLATE = "briefing.html.j2"
#: Where the fonts the stylesheet may name live (Debian's font packages install there).
FONTS = Path("/usr/share/fonts")
#: The libraries whose versions change the bytes of a PDF.
LIBRARIES = ("weasyprint", "pydyf", "tinycss2", "cssselect2", "tinyhtml5", "fonttools", "pyphen")


class PdfError(Exception):
    """A PDF could not be made; the message says why and what to do."""


def engine_versions() -> dict[str, str]:
    """The versions of the libraries that make the PDFs (for the build cache's key)."""
    found = {}
    for name in LIBRARIES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "-"
    return found


def pdf_path(briefing_id: str) -> str:
    """Where a briefing's PDF lies in the site: ``briefings/<id>/<id>.pdf``."""
    return f"briefings/{briefing_id}/{briefing_id}.pdf"


def pdf_href(page_path: str, briefing_id: str, directory_urls: bool = True) -> str:
    """The link from the page at docs ``page_path`` to the PDF of ``briefing_id``."""
    return to_root(page_path, directory_urls) + pdf_path(briefing_id)


def _weasyprint():
    """WeasyPrint, or :class:`PdfError` saying what it needs (Pango is a system library)."""
    try:
        import weasyprint
    except (ImportError, OSError) as exc:
        raise PdfError(f"cannot make PDFs: WeasyPrint cannot start ({str(exc).splitlines()[0] if str(exc) else exc}); "
                       "it needs Pango: on Debian, apt-get install libpango-1.0-0 libpangoft2-1.0-0 "
                       "fonts-dejavu-core") from None
    return weasyprint


def _fetcher_class():
    """:class:`LocalFiles`, made once WeasyPrint is imported (only when a PDF is made)."""
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

    class LocalFiles(URLFetcher):
        """Hands WeasyPrint files of ``allowed`` folders (``file:`` URLs) and nothing else:
        any other request stops the render with a message naming the URL."""

        def __init__(self, allowed: Iterable[Path]) -> None:
            super().__init__(allowed_protocols=("file",), allow_redirects=False, fail_on_errors=True)
            self.allowed = [folder.resolve() for folder in allowed]

        def fetch(self, url, headers=None):
            parsed = urllib.parse.urlsplit(url)
            if parsed.scheme != "file" or parsed.netloc not in ("", "localhost"):
                raise FatalURLFetchingError(
                    f"the PDF's template or stylesheet asks for {url!r}: a PDF loads nothing from the "
                    "network; use a file of templates/pdf/ or a font of /usr/share/fonts/")
            path = Path(urllib.request.url2pathname(parsed.path)).resolve()
            if not any(path.is_relative_to(folder) for folder in self.allowed):
                raise FatalURLFetchingError(
                    f"the PDF's template or stylesheet asks for {path}: a PDF may load only files of "
                    "templates/pdf/ and fonts of /usr/share/fonts/")
            try:
                data = path.read_bytes()
            except OSError as exc:
                hint = (" (install the Debian package that holds the font, such as fonts-dejavu-core "
                        "and fonts-dejavu-extra)" if path.is_relative_to(FONTS.resolve()) else "")
                raise FatalURLFetchingError(f"cannot read {path}: {exc.strerror or exc}{hint}") from None
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(path.as_uri(), data, {"Content-Type": kind})

    return LocalFiles


class Rendered(NamedTuple):
    """A briefing's PDF: its bytes, how many pages it has, and the marking it carries."""

    data: bytes
    pages: int
    marking: str


class PdfRenderer:
    """Renders briefings of ``index`` to PDF through ``templates/pdf/`` (``templates``: the
    folder that holds ``pages/`` and ``pdf/``)."""

    def __init__(self, index: SiteIndex, templates: Path) -> None:
        self.index = index
        self.folder = templates / "pdf"
        if not (self.folder / TEMPLATE).is_file():
            raise PdfError(f"no PDF template: {self.folder / TEMPLATE} does not exist; copy templates/pdf/ "
                           "of this project into the repository")
        self.templates = templates
        self.env = environment(templates).overlay(loader=Utf8Loader(str(self.folder)))
        self.plans = {plan.context["briefing"].id: plan for plan in plan_pages(index)
                      if plan.template == "briefing.md.j2"}

    def html(self, plan: PagePlan) -> str:
        """The briefing's document as HTML (what the PDF is made from)."""
        try:
            return self.env.get_template(TEMPLATE).render(index=self.index, marking=plan.marking, **plan.context)
        except Exception as exc:  # what the template's own code raised, too
            where = template_failure(exc, self.templates.parent)
            raise PdfError(f"cannot render the PDF: {where or f'{self.folder / TEMPLATE}: {exc}'}") from None

    def pdf(self, briefing_id: str, page: str | None = None) -> Rendered:
        """The PDF of the briefing ``briefing_id`` (one the index holds); ``page``: its
        :meth:`html`, when already made."""
        weasyprint = _weasyprint()
        plan = self.plans[briefing_id]
        page = self.html(plan) if page is None else page
        fetcher = _fetcher_class()([self.folder, FONTS])
        # (the errors WeasyPrint logs: a stylesheet or font it cannot use; it goes on without
        # them, but a PDF made without its stylesheet is no PDF to publish)
        with errors_logged(logging.getLogger("weasyprint")) as failed:
            try:
                document = weasyprint.HTML(string=page, base_url=self.folder.resolve().as_uri() + "/",
                                           url_fetcher=fetcher).render()
                data = document.write_pdf(pdf_identifier=identifier(page), pdf_tags=True)
            except weasyprint.urls.FatalURLFetchingError as exc:
                raise PdfError(str(exc.__cause__ or exc)) from None
        if failed:
            raise PdfError(f"cannot make the PDF of '{briefing_id}' from {self.folder}: {failed[0]}")
        return Rendered(data, len(document.pages), plan.marking)


def identifier(page: str) -> bytes:
    """The PDF's identifier: a hash of the HTML it is made from (the same content, the
    same bytes; and a PDF in a site tells which content it was made from)."""
    return hashlib.blake2b(page.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest().encode()


def made_from(pdf: Path, page: str) -> bool:
    """Whether the PDF file ``pdf`` was made from the HTML ``page`` (its trailer holds the
    :func:`identifier`)."""
    try:
        with pdf.open("rb") as handle:
            handle.seek(max(0, handle.seek(0, os.SEEK_END) - 4096))
            tail = handle.read()
    except OSError:
        return False
    return b"(" + identifier(page) + b")" in tail


def renderers(repo, max_marking: str, templates: Path) -> dict[str, PdfRenderer]:
    """For each marking up to ``max_marking`` that a briefing of ``repo`` carries, the renderer
    of the briefings so marked: it cross-references only what is marked at most that (a PDF
    holds nothing above its own label; a question's count of assessments counts no more)."""
    from .index import build_index
    from .model import TLP_ORDER, marking_rank

    ceiling = marking_rank(max_marking)
    carried = {b.marking for b in repo.briefings if marking_rank(b.marking) <= ceiling}
    return {marking: PdfRenderer(build_index(repo, marking), templates) for marking in TLP_ORDER if marking in carried}


def write_site_pdfs(repo, max_marking: str, templates: Path, site: Path,
                    advance: Callable[[], None] = lambda: None) -> set[str]:
    """Write ``briefings/<id>/<id>.pdf`` into ``site`` for every briefing of the checked
    ``repo`` a build up to ``max_marking`` publishes; returns their paths in the site. A PDF
    already there that was made from the same HTML (the site an incremental build starts
    from) is kept."""
    written = set()
    for marking, renderer in renderers(repo, max_marking, templates).items():
        for briefing_id, plan in renderer.plans.items():
            if plan.marking != marking:
                continue  # (its PDF is made from the index of its own marking)
            name = pdf_path(briefing_id)
            target = site / name
            page = renderer.html(plan)
            if not made_from(target, page):
                replace_file(target, renderer.pdf(briefing_id, page).data)
            written.add(name)
            advance()
    return written




def output_target(root: Path, output: Path | None, briefing_id: str) -> Path:
    """Where ``briefings pdf`` writes: ``output`` (a folder: ``<id>.pdf`` in it), else
    ``<id>.pdf`` in the current folder. Refused (:class:`PdfError`): a folder that does not
    exist, one of the repository's :data:`.sitedir.KEPT` folders, and a file that is not a PDF."""
    target = Path(output) if output is not None else Path(f"{briefing_id}.pdf")
    if target.is_dir():
        target = target / f"{briefing_id}.pdf"
    folder = target.parent
    if not folder.is_dir():
        raise PdfError(f"cannot write {target}: the folder {folder} does not exist; create it first, "
                       "or name another file with -o")
    where = folder.resolve() / target.name
    for name in KEPT:
        kept = (root / name).resolve()
        if where.is_relative_to(kept):
            raise PdfError(f"cannot write {target}: it is inside {name}/ of the repository, which holds "
                           f"{'the records' if name in ('briefings', 'sources') else 'what the site is made of'}; "
                           "write the PDF elsewhere (-o FILE)")
    if target.is_symlink() or (target.exists() and not target.is_file()):
        what = "a symbolic link" if target.is_symlink() else "not a regular file"
        raise PdfError(f"cannot write {target}: it is {what}, which is not replaced; name another file with -o")
    if target.exists():
        try:
            with target.open("rb") as existing:
                head = existing.read(5)
        except OSError as exc:
            raise PdfError(f"cannot write {target}: {exc.strerror or exc}") from None
        if head != b"%PDF-":
            raise PdfError(f"cannot write {target}: it exists and is not a PDF, so it is not replaced; "
                           "name another file with -o")
    return target


def briefing_pdf(repo, briefing_id: str, templates: Path, max_marking: str | None = None) -> Rendered:
    """The PDF of one briefing of the checked ``repo``, as a build up to ``max_marking`` would
    publish it, holding nothing marked above its own label. Refused (:class:`PdfError`): an
    unknown id (naming the closest), and a briefing marked above ``max_marking``."""
    from .model import marking_rank
    from .schema import closest

    found = next((b for b in repo.briefings if b.id == briefing_id), None)
    if found is None:
        guess = closest(briefing_id, [b.id for b in repo.briefings])
        raise PdfError(f"unknown briefing '{briefing_id}'" + (f"; did you mean '{guess}'?" if guess else
                       ": the id is the name of its file in briefings/, without .yaml"))
    if max_marking is not None and marking_rank(found.marking) > marking_rank(max_marking):
        raise PdfError(f"briefing '{briefing_id}' is marked {found.marking}, above --max-marking {max_marking}: "
                       "its PDF is not written")
    return renderers(repo, found.marking, templates)[found.marking].pdf(briefing_id)
