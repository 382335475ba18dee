"""The forecast record's charts, drawn at build time as inline SVG.

A question's estimate over time (:func:`estimate_chart`) and the calibration of the seven
ICD 203 terms (:func:`calibration_chart`). No script and no external request: each part
carries a ``brf-chart__*`` class whose colours the stylesheet takes from its custom
properties (light, dark and print), every text is escaped, and the same figures give the
same bytes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from markupsafe import Markup, escape

from .model import LIKELIHOOD_BANDS, LIKELIHOOD_MIDPOINTS, LIKELIHOOD_RANGES
from .score import Line

WIDTH = 640
#: Roughly how wide a date (YYYY-MM-DD) is at the charts' 12px; labels closer than that are left out.
DATE_LABEL_WIDTH = 66
LABEL_GAP = 12
#: The calibration chart's terms, over one or two lines.
TERM_LINES = {"almost no chance": ("almost", "no chance"), "very unlikely": ("very", "unlikely"),
              "unlikely": ("unlikely",), "roughly even chance": ("roughly", "even chance"),
              "likely": ("likely",), "very likely": ("very", "likely"), "almost certain": ("almost", "certain")}


def _n(value: float) -> str:
    """A coordinate: at most one decimal, no trailing zero."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _svg(name: str, height: int, title: str, desc: str, parts: Iterable[str]) -> Markup:
    """The chart ``name``: an image whose accessible name is ``title`` and whose description
    ``desc`` (both escaped here) gives its figures in words."""
    head = (f'<svg class="brf-chart brf-chart--{name}" viewBox="0 0 {WIDTH} {height}" role="img" '
            f'aria-labelledby="brf-{name}-title brf-{name}-desc" xmlns="http://www.w3.org/2000/svg">\n'
            f'<title id="brf-{name}-title">{escape(title)}</title>\n<desc id="brf-{name}-desc">{escape(desc)}</desc>\n')
    return Markup(head + "".join(parts) + "</svg>")


def _percent_grid(top: float, bottom: float, left: float, right: float) -> list[str]:
    """Grid lines at 0, 25, 50, 75 and 100%, labelled on the left."""
    parts = []
    for tick in (0, 25, 50, 75, 100):
        y = bottom - (bottom - top) * tick / 100
        parts.append(f'<line class="brf-chart__grid" x1="{_n(left)}" x2="{_n(right)}" y1="{_n(y)}" y2="{_n(y)}"/>\n'
                     f'<text class="brf-chart__tick" x="{_n(left - 6)}" y="{_n(y + 4)}" text-anchor="end">'
                     f'{tick}%</text>\n')
    return parts


def _band_text(term: str) -> str:
    return f"{term} ({LIKELIHOOD_BANDS[term]})"


def describe(line: Line) -> str:
    """The estimate chart's figures in words: each likelihood from its date, and the resolution."""
    steps = "; ".join(f"{_band_text(a.likelihood)} from {a.date}" for a in line.assessments)
    end = f"open, last assessed {line.assessments[-1].date}" if line.resolution is None else resolved_label(line)
    return f"{steps}; {end}. The table below gives the same figures."


def resolved_label(line: Line) -> str:
    """What the resolution's mark says: ``resolved no, 2024-11-08``."""
    assert line.resolution is not None
    outcome = line.resolution.outcome
    return f"{'annulled' if outcome == 'annulled' else 'resolved ' + outcome}, {line.resolution.date}"


def _date_labels(ticks: list[tuple[float, dt.date]], right_edge: bool) -> list[tuple[float, dt.date, str]]:
    """The dates to label (x, date, anchor): the first and the last always, between them
    those that keep clear of their neighbours."""
    def extent(x: float, anchor: str) -> tuple[float, float]:
        return {"start": (x, x + DATE_LABEL_WIDTH), "end": (x - DATE_LABEL_WIDTH, x),
                "middle": (x - DATE_LABEL_WIDTH / 2, x + DATE_LABEL_WIDTH / 2)}[anchor]

    first = (ticks[0][0], ticks[0][1], "start")
    if len(ticks) == 1:
        return [first]
    last = (ticks[-1][0], ticks[-1][1], "end" if right_edge else "middle")
    kept = [first]
    last_from = extent(last[0], last[2])[0]
    for x, date in ticks[1:-1]:
        low, high = extent(x, "middle")
        if low - extent(kept[-1][0], kept[-1][2])[1] >= LABEL_GAP and last_from - high >= LABEL_GAP:
            kept.append((x, date, "middle"))
    return kept + [last]


def estimate_chart(line: Line) -> Markup:
    """A step chart of ``line`` (which has assessments): for each assessment, its ICD 203
    band shaded and its midpoint as the line, held until the next one; a resolution is a
    vertical line at the right edge, labelled with its outcome and date."""
    left, right, top, bottom = 48.0, 610.0, 36.0, 216.0
    first, end = line.assessments[0].date, line.end
    span = (end - first).days

    def x(date: dt.date) -> float:
        return left + (right - left) * (date - first).days / span

    def y(probability: float) -> float:
        return bottom - (bottom - top) * probability

    parts = _percent_grid(top, bottom, left, right)
    path, dots = [], []
    for assessment, until in line.held():
        x0, x1 = x(assessment.date), x(until)
        low, high = LIKELIHOOD_RANGES[assessment.likelihood]
        mid = y(LIKELIHOOD_MIDPOINTS[assessment.likelihood])
        parts.append(f'<rect class="brf-chart__band" x="{_n(x0)}" y="{_n(y(high / 100))}" width="{_n(x1 - x0)}" '
                     f'height="{_n(max(y(low / 100) - y(high / 100), 2))}"/>\n')
        path.append(f"M{_n(x0)} {_n(mid)}" if not path else f"V{_n(mid)}")
        path.append(f"H{_n(x1)}")
        dots.append(f'<circle class="brf-chart__dot" cx="{_n(x0)}" cy="{_n(mid)}" r="4">'
                    f'<title>{assessment.date}: {escape(_band_text(assessment.likelihood))}</title></circle>\n')
    parts.append(f'<path class="brf-chart__line" d="{" ".join(path)}"/>\n')
    parts.extend(dots)
    dates = sorted({a.date for a in line.assessments} | ({end} if line.resolution is not None else set()))
    ticks = [(x(date), date) for date in dates]
    for tick_x, _ in ticks:
        parts.append(f'<line class="brf-chart__axis" x1="{_n(tick_x)}" x2="{_n(tick_x)}" '
                     f'y1="{_n(bottom)}" y2="{_n(bottom + 5)}"/>\n')
    for tick_x, date, anchor in _date_labels(ticks, line.resolution is not None):
        parts.append(f'<text class="brf-chart__tick" x="{_n(tick_x)}" y="{_n(bottom + 19)}" '
                     f'text-anchor="{anchor}">{date}</text>\n')
    if line.resolution is not None:
        outcome = line.resolution.outcome
        parts.append(f'<line class="brf-chart__resolution" x1="{_n(right)}" x2="{_n(right)}" y1="{_n(top - 14)}" '
                     f'y2="{_n(bottom)}"/>\n<text class="brf-chart__resolution-label" x="{_n(right)}" '
                     f'y="{_n(top - 20)}" text-anchor="end">{escape(resolved_label(line))}</text>\n')
        if outcome in ("yes", "no"):
            parts.append(f'<circle class="brf-chart__outcome" cx="{_n(right)}" cy="{_n(y(1.0 if outcome == "yes" else 0.0))}" '
                         f'r="5"><title>outcome: {outcome}</title></circle>\n')
    return _svg("estimate", 244, f"Estimate over time: {line.question}", describe(line), parts)


def calibration_chart(calibration: list[tuple[str, int, int]]) -> Markup:
    """For each term of ``calibration`` (term, assessments, how many came true): its band
    shaded, and as a dot the share of its assessments whose question came true."""
    top, bottom = 20.0, 260.0
    parts = _percent_grid(top, bottom, 48, 630)

    def y(percent: float) -> float:
        return bottom - (bottom - top) * percent / 100

    for number, (term, n, yes) in enumerate(calibration):
        x = 90 + number * 80
        low, high = LIKELIHOOD_RANGES[term]
        parts.append(f'<rect class="brf-chart__band" x="{x - 18}" y="{_n(y(high))}" width="36" '
                     f'height="{_n(max(y(low) - y(high), 2))}"><title>{escape(term)}: {low}-{high}%</title></rect>\n')
        if n:
            parts.append(f'<circle class="brf-chart__dot" cx="{x}" cy="{_n(y(100 * yes / n))}" r="6">'
                         f'<title>{escape(term)}: {yes} of {n} came true</title></circle>\n')
        words = "".join(f'<tspan x="{x}" dy="{0 if i == 0 else 14}">{escape(word)}</tspan>'
                        for i, word in enumerate(TERM_LINES[term]))
        parts.append(f'<text class="brf-chart__label" x="{x}" y="282" text-anchor="middle">{words}</text>\n'
                     f'<text class="brf-chart__count" x="{x}" y="322" text-anchor="middle">n={n}</text>\n')
    desc = "; ".join(f"{term} ({LIKELIHOOD_BANDS[term]}): " + (f"{yes} of {n} came true" if n else "not used")
                     for term, n, yes in calibration)
    return _svg("calibration", 330, "Calibration of the seven likelihood terms",
                f"Each ICD 203 term's band of probability, against the share of the assessments made with it "
                f"whose question came true: {desc}. The table below gives the same figures.", parts)
