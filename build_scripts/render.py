"""Render records into pages through the Jinja2 templates of ``templates/pages``.

The core of the site, independent of MkDocs: :func:`render_pages` returns Markdown
documents (front matter, headings and HTML blocks) keyed by their path in the site.
Analyst Markdown is rendered and then sanitised; archived text is escaped.
"""

from __future__ import annotations

import calendar
import functools
import html
import re
import posixpath
import urllib.parse
import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, NamedTuple

import jinja2
import markdown as markdown_lib
import nh3
from markupsafe import Markup

from . import charts, model, reference, score
from .index import Passage, SiteIndex, timeline
from .model import Source, marking_rank
from .pagehtml import Toc, split_front_matter

#: The attribute of a tooltip: text that ``assets/javascripts/briefings.js`` shows as text.
TIP = "data-brf-tip"

#: What analyst Markdown may produce; everything else is removed (see the guide).
ALLOWED_TAGS = {
    "p", "br", "hr", "em", "strong", "b", "i", "code", "pre", "blockquote", "ul", "ol", "li",
    "a", "sub", "sup", "del", "abbr", "h3", "h4", "h5", "h6", "table", "thead", "tbody",
    "tr", "th", "td", "span",
}
#: No ``title`` anywhere: Material's ``content.tooltips`` shows a title as HTML. A Markdown link
#: title becomes ``data-brf-tip``, which the site's script shows as text (see ``_TipTitles``).
#: ``"*"``: what any tag may keep; it replaces nh3's default for every tag (``lang`` and ``title``).
ALLOWED_ATTRIBUTES = {"*": {"lang"}, "a": {"href", TIP}, "abbr": {TIP}, "th": {"align"}, "td": {"align"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


class RenderError(Exception):
    """A template could not be rendered; the message names the template file and line."""


def template_failure(exc: BaseException, root: Path) -> str | None:
    """``file:line: what went wrong`` for an error raised while rendering a template, the
    file shown relative to ``root``; ``None`` when no template is involved.

    Besides Jinja's own errors this covers what a template's code raises (a division by
    zero, a macro that calls itself for ever, a render stopped by the watchdog).
    """
    from .watchdog import RenderTimeout

    where = None
    if isinstance(exc, jinja2.TemplateSyntaxError) and exc.lineno:
        where = (exc.filename or exc.name or "?", exc.lineno)
    else:
        tb = exc.__traceback__
        while tb is not None:  # the innermost frame of a template file
            filename = tb.tb_frame.f_code.co_filename
            if filename.endswith((".j2", ".html", ".xml", ".md")) and Path(filename).is_file():
                where = (filename, tb.tb_lineno)
            tb = tb.tb_next
    if where is None:
        return None
    filename, line = where
    try:
        shown = Path(filename).resolve().relative_to(root.resolve())
    except ValueError:
        shown = Path(filename)
    if isinstance(exc, RenderTimeout):
        what = ("rendering was stopped after render_timeout seconds without progress (see the "
                "briefings plugin in mkdocs.yml): an endless or enormous loop in the template?")
    elif isinstance(exc, RecursionError):
        what = "a macro or include that calls itself without end (maximum recursion depth exceeded)"
    elif isinstance(exc, jinja2.TemplateError):
        what = exc.message or str(exc)
    else:
        what = f"{exc} ({type(exc).__name__})"
    return f"{shown}:{line}: {what}"


class Utf8Loader(jinja2.FileSystemLoader):
    """Jinja's file loader, with a file that is not UTF-8 reported by its path and line."""

    def get_source(self, environment, template):
        try:
            return super().get_source(environment, template)
        except UnicodeDecodeError as exc:
            pieces = jinja2.loaders.split_template_path(template)
            for folder in self.searchpath:
                path = Path(folder, *pieces)
                if path.is_file():
                    break
            data = exc.object if isinstance(exc.object, bytes) else b""
            line = data.count(b"\n", 0, exc.start) + 1
            column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
            raise jinja2.TemplateSyntaxError(
                f"the file is not UTF-8 text: byte 0x{data[exc.start]:02x} at column {column} "
                "cannot be read; save the template as UTF-8", line, template, str(path)) from None


@dataclass(frozen=True)
class Page:
    """A generated page: its path in the site (``briefings/x.md``), its front matter and HTML.

    A page is HTML (``html``) below its front matter (``front``), and no part of it goes
    through a Markdown converter; but the check reference, which is Markdown whole
    (``front`` is all of it, ``html`` is ``None``).
    """

    path: str
    front: str
    #: The date the page's content last changed (for the sitemap), when records say so.
    updated: str | None = None
    html: str | None = None
    #: The table of contents: nested entries (level, id, name, children).
    toc: list = field(default_factory=list)
    #: The page's first heading, as plain text.
    title: str | None = None

    @property
    def markdown(self) -> str:
        """What the site engine reads: the front matter and the title as a heading (it takes
        the page's title from there, as from any Markdown page), or the Markdown page."""
        if self.html is None or not self.title:
            return self.front
        return f"{self.front}# {markdown_text(self.title)}\n"

    @property
    def text(self) -> str:
        """The whole page as written: front matter, then its HTML (or its Markdown)."""
        return self.front if self.html is None else self.front + self.html


def sanitise(html_text: str) -> str:
    """Keep only the documented subset of HTML; links get ``rel="noopener noreferrer"``."""
    return nh3.clean(html_text, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                     url_schemes=ALLOWED_URL_SCHEMES, link_rel="noopener noreferrer",
                     strip_comments=True)


class _TipTitles(markdown_lib.treeprocessors.Treeprocessor):
    """A Markdown link title (``[x](url "title")``) becomes the link's tooltip, as text."""

    def run(self, root):
        for element in root.iter():
            if element.tag in ("a", "abbr") and "title" in element.attrib:
                element.set(TIP, element.attrib.pop("title"))


_MD = markdown_lib.Markdown(extensions=["tables", "sane_lists"], output_format="html")
_MD.treeprocessors.register(_TipTitles(_MD), "brf_tip_titles", 5)  # after the inline patterns (20)


def markdown_block(text: str | None) -> Markup:
    """Analyst Markdown as sanitised HTML."""
    if not text:
        return Markup("")
    return _markdown_block(text)


#: Text that Markdown would return as one plain paragraph: no markup character, no line
#: break, nothing at its start that opens a block (heading, list, quote, code).
_PLAIN = re.compile(r"(?![ \t]*(?:[#>+*=-]|\d+[.)]|\s{4}))[^\n\\`*_\[\]<>&!]*(?<![ \t])\Z")


@functools.lru_cache(maxsize=1 << 16)
def _markdown_block(text: str) -> Markup:  # a summary shows on several pages: convert it once
    if _PLAIN.match(text):  # most stances and events: skip the Markdown parser
        return Markup(f"<p>{text.strip()}</p>")
    _MD.reset()
    return Markup(sanitise(_MD.convert(text)))


def clear_caches() -> None:
    """Forget the Markdown converted so far (a finished build frees its memory)."""
    _markdown_block.cache_clear()


def markdown_inline(text: str | None) -> Markup:
    """Analyst Markdown for a single line: sanitised HTML without the paragraph."""
    rendered = str(markdown_block(text)).strip()
    if rendered.startswith("<p>") and rendered.endswith("</p>") and rendered.count("<p>") == 1:
        rendered = rendered[3:-4]
    return Markup(rendered)


#: The characters Python-Markdown lets a backslash escape, less ``>`` and ``.`` (harmless here).
_MD_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+!-])")


def markdown_text(value: object) -> Markup:
    """Plain text in a Markdown context (a heading): HTML-escaped, Markdown specials escaped."""
    escaped = html.escape(" ".join(str(value).split()), quote=False)
    return Markup(_MD_SPECIALS.sub(r"\\\1", escaped))


def page_url(path: str, directory_urls: bool) -> str:
    """The URL (relative to the site root) of the page at docs ``path``."""
    stem = path[:-3] if path.endswith(".md") else path
    if not directory_urls:
        return stem + ".html"
    if stem == "index":
        return ""
    if stem.endswith("/index"):
        return stem[: -len("index")]
    return stem + "/"


def to_root(path: str, directory_urls: bool) -> str:
    """The relative prefix that leads from the page at docs ``path`` to the site root."""
    depth = page_url(path, directory_urls).count("/")
    return "../" * depth


def relative_link(from_path: str, to_path: str, directory_urls: bool, anchor: str = "") -> str:
    """The shortest relative href from one page to another (MkDocs does not rewrite raw HTML)."""
    here, there = page_url(from_path, directory_urls), page_url(to_path, directory_urls)
    here_dir = (here if directory_urls else posixpath.dirname(here)).rstrip("/") or "."
    if directory_urls:
        href = posixpath.relpath(there.rstrip("/") or ".", here_dir)
        href = "./" if href == "." else href + "/"
    else:
        href = posixpath.relpath(there, here_dir)
    return href + (f"#{anchor}" if anchor else "")


def text_fragment_url(url: str, passage_text: str) -> str:
    """``url`` with a text fragment (``#:~:text=``) that highlights the passage."""
    words = passage_text.split()
    if not words:
        return url

    def enc(part: list[str]) -> str:
        return urllib.parse.quote(" ".join(part), safe="").replace("-", "%2D")

    fragment = enc(words) if len(words) <= 8 else f"{enc(words[:4])},{enc(words[-4:])}"
    return f"{url.split('#')[0]}#:~:text={fragment}"


def source_text_html(source: Source, passages: list[Passage], link: Callable[..., str]) -> Markup:
    """The archived text, escaped, with each cited passage wrapped in ``.quoted``.

    Overlapping passages are split at every boundary; each passage's id sits on the
    element that starts it, and links back to the briefings that cite it follow its end.
    """
    text = source.text or ""
    starts: dict[int, list[Passage]] = {}
    ends: dict[int, list[Passage]] = {}
    spans: list[tuple[int, int]] = []
    for passage in passages:
        starts.setdefault(passage.spans[0][0], []).append(passage)
        ends.setdefault(passage.spans[-1][1], []).append(passage)
        spans.extend(passage.spans)
    cuts = sorted({0, len(text), *(s for s, _ in spans), *(e for _, e in spans)})
    out: list[str] = []
    for a, b in zip(cuts, cuts[1:]):
        chunk = html.escape(text[a:b], quote=False)
        if any(s <= a and b <= e for s, e in spans):
            opening = [p for p in starts.get(a, [])]
            if opening:
                first, *others = opening
                inner = chunk
                for other in others:
                    inner = f'<span class="quoted" id="{other.id}">{inner}</span>'
                out.append(f'<mark class="quoted" id="{first.id}">{inner}</mark>')
            else:
                out.append(f'<mark class="quoted">{chunk}</mark>')
        else:
            out.append(chunk)
        for passage in ends.get(b, []):
            out.append(_backrefs(passage, link))
    return Markup("".join(out))


def _backrefs(passage: Passage, link: Callable[..., str]) -> str:
    refs = []
    seen = set()
    for cite in passage.cited_by:
        key = (cite.briefing.id, cite.number)
        if key in seen:
            continue
        seen.add(key)
        tip = html.escape(f"Cited in {cite.briefing.title} [{cite.number}]")  # a tooltip, never a title
        href = link(f"briefings/{cite.briefing.id}.md", f"cite-{cite.number}")
        refs.append(f'<a class="brf-backref" href="{href}" {TIP}="{tip}" aria-description="{tip}">'
                    f'↩\u2009{cite.number}</a>')
    return f'<sup class="brf-backrefs">{" ".join(refs)}</sup>'


def grade(cite) -> str:
    """A citation's Admiralty grade: its source's reliability letter and its own credibility
    digit (``B2``); one of them alone when the other is not recorded, or ``""``."""
    return (cite.source.reliability or "") + (cite.citation.credibility or "")


def grades_legend(cites) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The reliability letters and credibility digits that ``cites`` show, each with its
    meaning, in the scale's order: what a page's legend of grades explains."""
    letters = {c.source.reliability for c in cites if c.source.reliability}
    digits = {c.citation.credibility for c in cites if c.citation.credibility}
    return ([(k, v) for k, v in model.RELIABILITY_MEANINGS.items() if k in letters],
            [(k, v) for k, v in model.CREDIBILITY_MEANINGS.items() if k in digits])


def latest_with(assessments, attribute: str):
    """The newest ``(briefing, question)`` of ``assessments`` (newest first) whose question
    has ``attribute`` (criteria, resolves_by, resolution); ``None`` when none has it."""
    return next(((b, q) for b, q in assessments if getattr(q, attribute) is not None), None)


class Month(NamedTuple):
    key: str  # 2025-02, or "undated"
    label: str  # February 2025


def groupby_month(briefings) -> list[tuple[Month, list]]:
    """Consecutive briefings grouped by the month of their date (they come sorted)."""
    groups: list[tuple[Month, list]] = []
    for briefing in briefings:
        date = briefing.date
        month = (Month(f"{date.year:04d}-{date.month:02d}", f"{calendar.month_name[date.month]} {date.year}")
                 if date else Month("undated", "Undated"))
        if not groups or groups[-1][0] != month:
            groups.append((month, []))
        groups[-1][1].append(briefing)
    return groups


#: The most items ``range()`` gives a template: a loop inside one call (``range(10**13) | sum``)
#: runs in C, where the watchdog cannot stop it.
MAX_RANGE = 100_000


def bounded_range(*args: int) -> range:
    """``range`` for templates, refused beyond :data:`MAX_RANGE` items."""
    items = range(*args)
    if len(items) > MAX_RANGE:
        raise OverflowError(f"range() of {len(items):,} items: a template may ask for at most {MAX_RANGE:,}")
    return items


def environment(templates: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=Utf8Loader(str(templates / "pages")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # a new environment is made when a template changes
    )
    env.filters["md"] = markdown_block
    env.filters["mdi"] = markdown_inline
    env.filters["mdtext"] = markdown_text
    env.filters["groupby_month"] = groupby_month
    env.filters["slug"] = lambda value: str(value).lower().replace(":", "-").replace("+", "-").replace(" ", "-")
    env.filters["yaml_str"] = lambda value: '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
    env.globals.update(
        range=bounded_range,
        LIKELIHOODS=model.LIKELIHOODS, LIKELIHOOD_BANDS=model.LIKELIHOOD_BANDS,
        LIKELIHOOD_RANGES=model.LIKELIHOOD_RANGES, RELIABILITY_MEANINGS=model.RELIABILITY_MEANINGS, CREDIBILITY_MEANINGS=model.CREDIBILITY_MEANINGS,
        TLP_ORDER=model.TLP_ORDER, text_fragment_url=text_fragment_url, timeline=timeline,
        grade=grade, grades_legend=grades_legend, latest_with=latest_with,
        estimate_line=score.line, estimate_chart=charts.estimate_chart, calibration_chart=charts.calibration_chart,
    )
    return env


def _highest(markings: list[str]) -> str:
    return max(markings, key=marking_rank) if markings else "TLP:CLEAR"


def _newest(dates: list) -> object:
    known = [d for d in dates if d]
    return max(known) if known else None


@dataclass(frozen=True)
class PagePlan:
    """A page to render: its template and context, and the record files it shows.

    ``depends`` names the files (``briefings/<id>.yaml``, ``sources/<id>``) whose change
    changes the page; ``None`` for pages that list everything (the indexes).
    """

    path: str
    template: str
    marking: str
    updated: object
    context: dict
    depends: frozenset[str] | None
    #: Markdown to convert (the check reference), rather than HTML.
    markdown: bool = False
    #: What the page shows that none of ``depends`` holds (how many briefings assessed each
    #: of a briefing's questions), as text: part of its key too.
    shows: tuple[str, ...] = ()


def _briefing_key(briefing) -> str:
    return briefing.loc.file


def plan_pages(index: SiteIndex) -> list[PagePlan]:
    """Every generated page of the site, not yet rendered."""
    plans: list[PagePlan] = []

    def plan(path, template, marking, updated=None, depends=None, shows=(), **context):
        plans.append(PagePlan(path, template, marking, updated, context,
                              frozenset(depends) if depends is not None else None, shows=tuple(shows)))

    shown_by: dict[str, frozenset[str]] = {}

    def shown(briefing) -> frozenset[str]:
        """A briefing's file and its sources' (whose titles its citations show)."""
        found = shown_by.get(briefing.id)
        if found is None:
            found = shown_by[briefing.id] = frozenset(
                {_briefing_key(briefing), *(f"sources/{c.source.id}" for c in index.by_briefing[briefing.id])})
        return found

    record = score.score(index.briefings)  # (a public build's index holds what it publishes only)
    scored = {q.id: q for q in record.questions}
    newest = _newest([b.date for b in index.briefings])
    plan("index.md", "home.md.j2", _highest([b.marking for b in index.briefings]), newest)
    plan("briefings/index.md", "briefings.md.j2", _highest([b.marking for b in index.briefings]), newest)
    for briefing in index.briefings:
        cites = index.by_briefing[briefing.id]
        # the page names its successor and the briefings it supersedes by their titles, but not
        # one marked above it (the notice then says "a later briefing", without a link); it
        # depends on each of them either way (an edit of its marking changes the page)
        successor, supersedes = index.successor(briefing), index.supersedes.get(briefing.id, [])
        linked = {_briefing_key(b) for b in (successor, *supersedes) if b is not None}
        rank = marking_rank(briefing.marking)
        if successor is not None and marking_rank(successor.marking) > rank:
            successor = None
        supersedes = [b for b in supersedes if marking_rank(b.marking) <= rank]
        # (of the other briefings that assess its questions, the page shows how many there are)
        assessed = [f"{q.id}: {len(index.questions[q.id].assessments)}" for q in briefing.open_questions
                    if q.id in index.questions]
        plan(f"briefings/{briefing.id}.md", "briefing.md.j2", briefing.marking, briefing.date,
             {_briefing_key(briefing), *(f"sources/{c.source.id}" for c in cites), *linked}, assessed,
             briefing=briefing, cites_list=cites, successor=successor, supersedes=supersedes)
    # (the sources index shows each source's metadata, and how often it is cited: an edit of a
    # briefing that cites as before leaves it as it was)
    plan("sources/index.md", "sources.md.j2", _highest([s.marking for s in index.sources.values()]),
         _newest([s.retrieved or s.published for s in index.sources.values()]),
         {f"sources/{source_id}" for source_id in index.sources},
         [f"{source_id}: {index.passages.cited(source_id)}" for source_id in index.sources])
    for source in index.sources.values():
        citing = index.briefings_citing(source.id)
        # the page names the briefings that cite the source: it is marked as the highest of them
        plan(f"sources/{source.id}.md", "source.md.j2", _highest([source.marking, *(b.marking for b in citing)]),
             _newest([source.retrieved or source.published, *(b.date for b in citing)]),
             {f"sources/{source.id}", *(_briefing_key(b) for b in citing)},
             source=source, passages=index.passages.of(source.id), citing=citing)
    plan("actors/index.md", "actors.md.j2",
         _highest([b.marking for e in index.actors.values() for b in e.briefings]), newest)
    for entry in index.actors.values():
        plan(f"actors/{entry.id}.md", "actor.md.j2", _highest([b.marking for b in entry.briefings]),
             _newest([b.date for b in entry.briefings]), set().union(*map(shown, entry.briefings)), entry=entry)
    plan("questions/index.md", "questions.md.j2",
         _highest([b.marking for e in index.questions.values() for b, _ in e.assessments]), newest)
    for qentry in index.questions.values():
        plan(f"questions/{qentry.id}.md", "question.md.j2", _highest([b.marking for b, _ in qentry.assessments]),
             _newest([b.date for b, _ in qentry.assessments]),
             set().union(*(shown(b) for b, _ in qentry.assessments)), entry=qentry,
             scored=scored.get(qentry.id))
    plan("tags/index.md", "tags.md.j2", _highest([b.marking for b in index.briefings]), newest)
    assessing = [b for b in index.briefings if b.open_questions]
    plan("track-record/index.md", "track-record.md.j2", _highest([b.marking for b in assessing]),
         _newest([b.date for b in assessing]), {_briefing_key(b) for b in assessing}, record=record)
    plan("guide/checks.md", "checks.md.j2", "TLP:CLEAR", None, frozenset(),
         reference=Markup(reference.markdown()))
    plans[-1] = dataclasses.replace(plans[-1], markdown=True)
    return plans


class Renderer:
    """Renders planned pages through the templates of ``templates/pages``."""

    def __init__(self, index: SiteIndex, templates: Path, directory_urls: bool = True,
                 env: jinja2.Environment | None = None):
        self.index = index
        self.templates = templates
        self.directory_urls = directory_urls
        self.env = env or environment(templates)

    def render(self, plan: PagePlan) -> Page:
        index, path, directory_urls = self.index, plan.path, self.directory_urls
        prefix = to_root(path, directory_urls)

        def link(to: str, anchor: str = "") -> str:
            if to == path:
                return f"#{anchor}" if anchor else "./"
            href = prefix + page_url(to, directory_urls)
            return (href or "./") + (f"#{anchor}" if anchor else "")

        toc = Toc()
        try:
            text = self.env.get_template(plan.template).render(
                index=index, link=link, marking=plan.marking, page_path=path, toc=toc,
                source_text=lambda source: source_text_html(source, index.passages.get(source.id, []), link),
                **plan.context)
        except jinja2.TemplateNotFound as exc:
            raise RenderError(f"{self.templates / 'pages' / str(exc.name)}: template not found") from None
        except Exception as exc:  # what the template's own code raised, too
            where = template_failure(exc, self.templates.parent)
            if where is None:
                where = f"{self.templates / 'pages' / plan.template}: {exc} ({type(exc).__name__})"
            raise RenderError(where) from None
        updated = str(plan.updated) if plan.updated else None
        if plan.markdown:
            return Page(path, text, updated)
        front, body = split_front_matter(text)
        return Page(path, front, updated, body, toc.tokens(), toc.title_text)


def render_pages(index: SiteIndex, templates: Path, directory_urls: bool = True) -> list[Page]:
    """Every generated page of the site, rendered through the templates."""
    renderer = Renderer(index, templates, directory_urls)
    return [renderer.render(plan) for plan in plan_pages(index)]
