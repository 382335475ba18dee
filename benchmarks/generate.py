"""Generate a synthetic but valid briefing repository for benchmarks.

The output is a repository like the project's own: ``briefings/<id>.yaml``,
``sources/<id>.txt`` with ``sources/<id>.yaml`` beside it, and the project's site
(its ``mkdocs.yml`` and ``templates/``, copied by :func:`install_site`), so both
``briefings check`` and ``briefings build`` run on it.

Briefings use every section. Actors and open questions are shared across briefings
as in a real repository: a few actors appear in many briefings and most in a few
(a Zipf-like draw from a pool that grows with the repository), and each question is
re-assessed by the briefings dated while it is open, so actor and question pages have
a history. A briefing page comes to about 1,500 words, as the project's examples do.

Every citation quotes an exact run of 6-14 words from one line of its source
(sometimes re-typed with straight quotes and hyphens where the source has
typographic ones, sometimes elided with ``...``), or names the ``lines`` it rests
on; every ``sha256`` matches, and no briefing cites a source whose marking is more
restrictive than its own. The same seed gives byte-identical output.

    python benchmarks/generate.py OUT_DIR --briefings 1000 --sources 3000
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import hashlib
import itertools
import json
import math
import random
import re
import shutil
import sys
import time
from pathlib import Path
from typing import Callable, Iterator

#: The project whose site configuration and templates a generated repository uses.
PROJECT = Path(__file__).resolve().parent.parent
#: The first line of a generated repository's mkdocs.yml: marks a folder this script may replace.
SITE_NAME = "site_name: Synthetic briefings"

ID_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

MARKINGS = ("TLP:CLEAR", "TLP:GREEN", "TLP:AMBER", "TLP:AMBER+STRICT", "TLP:RED")
LIKELIHOODS = (
    "almost no chance", "very unlikely", "unlikely", "roughly even chance",
    "likely", "very likely", "almost certain",
)
CONFIDENCES = ("low", "moderate", "high")
RESTRICTED_SHARE = 0.05  # of sources and of briefings; split GREEN:AMBER 3:2
LINES_SHARE = 0.08       # of citations: by line number instead of a quote
ELIDED_SHARE = 0.04      # of citations: a quote elided with "..."
NOTE_SHARE = 0.30        # of citations: with an analyst's note
ZIPF_S = 0.8             # skew of how often actors appear
QUESTIONS_PER_BRIEFING = 2.5   # on average (2-3)
ASSESSMENTS_PER_QUESTION = 6   # on average: the question pool is sized for this

# --- vocabulary (a few hundred words) -------------------------------------------------

NOUNS = (
    "agreement alliance ambassador analysis army assessment assistance authority "
    "border budget cabinet campaign ceasefire coalition commander commission "
    "committee conflict consensus convoy cooperation council crisis deal defence "
    "delegation deployment diplomat doctrine drone economy election embargo envoy "
    "escalation exercise export facility fleet force framework frontier government "
    "grain harbour initiative inspection intelligence investment leadership "
    "legislation logistics mandate mission militia minister missile negotiation "
    "network offensive official operation opposition parliament partnership "
    "pipeline policy port pressure proposal protest province reactor reform "
    "refinery region regime report reserve resolution revenue sanction satellite "
    "security settlement shipment shipping statement strategy strike summit "
    "supply talks tariff territory threat trade treaty troops truce vessel "
    "warning weapon withdrawal"
).split()
PLURALS = (
    "analysts battalions cargoes diplomats drones engineers envoys exercises "
    "factories flights investors jets lawmakers missiles officials observers "
    "partners refugees sanctions shipments soldiers talks tankers vessels voters "
    "workers"
).split()
VERBS = (
    "announced approved blocked condemned confirmed criticised delayed denied "
    "deployed discussed doubled endorsed expanded extended financed halted "
    "increased inspected launched monitored negotiated opposed postponed "
    "proposed rejected reinforced renewed reported restricted resumed reviewed "
    "secured signed strengthened supported suspended threatened tightened "
    "weakened welcomed withdrew"
).split()
ADJECTIVES = (
    "additional ambitious bilateral binding careful central cautious civilian "
    "coastal critical decisive direct domestic eastern economic emergency "
    "fragile formal gradual humanitarian informal joint key limited long-term "
    "maritime military modest multilateral naval northern nuclear official "
    "partial political provisional public rapid regional renewed secret "
    "significant southern strategic substantial sudden temporary unexpected "
    "western wider"
).split()
ADVERBS = (
    "abruptly again carefully cautiously clearly eventually formally gradually "
    "largely narrowly openly publicly quickly quietly rapidly reportedly "
    "repeatedly sharply steadily unexpectedly"
).split()
PREPOSITIONS = "across along around before beyond during near inside outside through within".split()
DETERMINERS = "the a another its their this every".split()
CONNECTIVES = "and but while although because so".split()
PLACES = (
    "Ankara Athens Baku Beijing Berlin Brussels Bucharest Cairo Canberra Delhi "
    "Geneva Hanoi Helsinki Jakarta Kyiv Lisbon London Madrid Manila Minsk Moscow "
    "Nairobi Oslo Ottawa Paris Pyongyang Riga Rome Seoul Singapore Stockholm "
    "Taipei Tallinn Tbilisi Tehran Tokyo Vienna Vilnius Warsaw Washington"
).split()
ORGS = (
    "NATO", "the European Union", "the United Nations", "ASEAN", "the African Union",
    "the IAEA", "the OSCE", "the World Bank", "the IMF", "the G7", "the Arctic Council",
    "the Security Council", "the European Commission", "the Red Cross",
)
MONTHS = (
    "January February March April May June July August September October "
    "November December"
).split()
SPEAKERS = ("a senior official", "a spokesperson", "the minister", "an envoy",
            "a diplomat", "a commander", "an adviser", "a negotiator")
NUMBERS = ("two", "three", "four", "five", "six", "dozens of", "hundreds of",
           "several", "12", "40", "250", "1,200")

PUBLISHERS = (
    "Northern Ledger", "Harbour Wire", "Meridian Post", "Continental Review",
    "Eastern Herald", "Atlas Monitor", "Baltic Dispatch", "Pacific Courier",
    "Civic Bulletin", "Frontier Times", "Global Brief", "Signal Daily",
)
TAGS = (
    "arctic", "baltic", "black-sea", "sahel", "korea", "taiwan", "iran", "ukraine",
    "caucasus", "balkans", "red-sea", "south-china-sea", "eu", "nato", "un", "asean",
    "sanctions", "energy", "cyber", "nuclear", "maritime", "migration", "elections",
    "trade", "terrorism", "space", "disinformation", "arms-control", "humanitarian",
    "critical-minerals",
)
TOPICS = (
    "sanctions relief", "arms deliveries", "the ceasefire", "border security",
    "grain exports", "energy supplies", "the naval mission", "nuclear inspections",
    "troop withdrawals", "the trade agreement", "election observers",
    "maritime patrols", "refugee returns", "the peace talks", "export controls",
    "drone production", "the pipeline project", "debt restructuring",
    "cyber defence", "port access", "air defence", "the security pact",
    "humanitarian corridors", "the fishing dispute", "satellite launches",
    "critical minerals", "the budget vote", "military exercises",
    "the prisoner exchange", "the investment screening law",
)
FIRST_NAMES = (
    "Adele Ahmed Aiko Alexei Amara Anders Ana Bruno Camille Chen Dario Elena Emeka "
    "Farid Greta Hana Ibrahim Ines Ivan Jae Joanna Kamal Katarzyna Lars Leila Luis "
    "Maya Mehmet Nadia Niko Olga Omar Paolo Priya Rafael Sofia Tomas Yusuf Zara Min"
).split()
LAST_NAMES = (
    "Abe Almeida Andersen Baker Bauer Costa Demir Dubois Eriksen Fischer Garcia "
    "Haddad Ivanova Jensen Kim Kowalski Larsen Lee Mendes Moreau Nakamura Novak "
    "Okafor Park Petrov Quinn Rossi Sato Schmidt Silva Tanaka Varga Wagner Weber "
    "Yilmaz Zhang Horvat Lindqvist Mwangi Santos"
).split()
ROLES = (
    "Foreign Minister", "Defence Minister", "Prime Minister", "President",
    "Chief of the General Staff", "Special Envoy", "Ambassador to the UN",
    "Trade Commissioner", "Energy Minister", "National Security Adviser",
    "Secretary General", "Director of Intelligence", "Interior Minister",
    "Spokesperson", "Chief Negotiator", "Navy Commander", "Finance Minister",
    "Opposition Leader", "Deputy Foreign Minister", "High Commissioner",
)
ANALYSTS = (
    "K. Analyst", "M. Okafor", "J. Lindqvist", "R. Santos", "T. Nakamura",
    "A. Haddad", "S. Novak", "L. Moreau", "P. Quinn", "D. Varga", "E. Mwangi",
    "H. Park",
)
QUESTION_VERBS = (
    "sign a ceasefire", "expand sanctions", "deploy additional troops",
    "resume nuclear talks", "close the border", "hold early elections",
    "supply air defence systems", "join the maritime mission",
    "restore grain exports", "withdraw its ambassador", "ratify the treaty",
    "lift the embargo", "open a new pipeline", "expel foreign diplomats",
    "announce a naval blockade", "conduct a missile test", "request IMF support",
    "recognise the provisional government", "renew the mandate",
    "suspend energy deliveries",
)
INDICATORS = (
    "troop movements near the border", "a change in official rhetoric",
    "new shipping insurance rates", "an emergency cabinet meeting",
    "satellite imagery of new construction", "a visit by a senior envoy",
    "unusual activity at the port", "a draft resolution at the UN",
    "new export licences", "a parliamentary vote", "diplomatic recalls",
    "increased drone flights", "a spike in state media coverage",
)

STRAIGHTEN = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"',
                            "\u2013": "-"})


def slug(text: str) -> str:
    """Lowercase *text* and reduce it to an ID (letters, digits, single hyphens)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# --- YAML output ------------------------------------------------------------------------
# A small block-style emitter: several times faster than yaml.safe_dump for these
# records. A string is written plain only when YAML 1.1 reads it back as the same
# string; anything else is double-quoted (a JSON string is a valid YAML one).

_PLAIN_START = re.compile(r"[A-Za-z(\u2018-\u201d\u2013]")
_RESERVED = {"yes", "no", "true", "false", "on", "off", "null", "y", "n"}


def _scalar(value: object) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool) or not isinstance(value, str):
        raise TypeError(f"unexpected value {value!r}")
    if (value and _PLAIN_START.match(value) and value.lower() not in _RESERVED
            and ": " not in value and " #" not in value and value.isprintable()
            and not value.endswith((":", " "))):
        return value
    return json.dumps(value, ensure_ascii=False)


def _emit_mapping(data: dict, indent: str, out: list[str]) -> None:
    for key, value in data.items():
        head = f"{indent}{_scalar(key)}:"
        if isinstance(value, dict):
            out.append(head)
            _emit_mapping(value, indent + "  ", out)
        elif isinstance(value, list):
            if not value:
                out.append(f"{head} []")
                continue
            out.append(head)
            for item in value:  # indentless sequence, as PyYAML writes it
                if isinstance(item, dict):
                    at = len(out)
                    _emit_mapping(item, indent + "  ", out)
                    out[at] = f"{indent}- {out[at][len(indent) + 2:]}"
                else:
                    out.append(f"{indent}- {_scalar(item)}")
        elif isinstance(value, str) and "\n" in value and value.endswith("\n") \
                and not value.endswith("\n\n") and not value.startswith(" ") \
                and all(ln.isprintable() and not ln.endswith(" ") for ln in value.split("\n")):
            out.append(f"{head} |")
            out.extend(f"{indent}  {ln}" if ln else "" for ln in value[:-1].split("\n"))
        else:
            out.append(f"{head} {_scalar(value)}")


def dump_yaml(data: dict) -> str:
    """*data* (str keys; str, date, list and dict values) as a block-style YAML document."""
    out: list[str] = []
    _emit_mapping(data, "", out)
    return "\n".join(out) + "\n"


# --- prose ------------------------------------------------------------------------------

class Prose:
    """English-looking sentences from the fixed vocabulary, driven by one RNG."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        rand = rng.random

        def c(seq: tuple | list) -> str:  # rng.choice, without its overhead
            return seq[int(rand() * len(seq))]

        self.forms: list[Callable[[], str]] = [
            lambda: f"The {c(ADJECTIVES)} {c(NOUNS)} {c(VERBS)} {c(DETERMINERS)} "
                    f"{c(NOUNS)} {c(PREPOSITIONS)} {c(PLACES)}.",
            lambda: f"{c(PLACES)} {c(VERBS)} {c(DETERMINERS)} {c(ADJECTIVES)} {c(NOUNS)}, "
                    f"{c(CONNECTIVES)} {c(DETERMINERS)} {c(NOUNS)} {c(VERBS)} {c(ADVERBS)}.",
            lambda: f"According to {c(ORGS)}, {c(DETERMINERS)} {c(NOUNS)} {c(VERBS)} "
                    f"{c(NUMBERS)} {c(PLURALS)} {c(PREPOSITIONS)} {c(MONTHS)}.",
            lambda: f"{c(PLURALS).capitalize()} {c(ADVERBS)} {c(VERBS)} the {c(ADJECTIVES)} "
                    f"{c(NOUNS)} {c(PREPOSITIONS)} the {c(NOUNS)} in {c(PLACES)}.",
            lambda: f"The {c(NOUNS)} was {c(ADVERBS)} {c(VERBS)} by {c(ORGS)} "
                    f"{c(CONNECTIVES)} {c(PLURALS)} {c(VERBS)} {c(DETERMINERS)} {c(NOUNS)}.",
            # typographic forms: curly quotes, apostrophes, en dashes
            lambda: f"Officials in {c(PLACES)} said the {c(NOUNS)} was \u201c{c(ADJECTIVES)} "
                    f"and {c(ADJECTIVES)}\u201d and {c(VERBS)} the {c(NOUNS)}.",
            lambda: f"{c(PLACES)}\u2019s {c(NOUNS)} {c(VERBS)} the {c(NOUNS)} \u2013 a "
                    f"{c(ADJECTIVES)} {c(NOUNS)} \u2013 {c(PREPOSITIONS)} {c(PLACES)}.",
            lambda: f"\u201cWe {c(VERBS)} the {c(ADJECTIVES)} {c(NOUNS)} {c(ADVERBS)},\u201d "
                    f"{c(SPEAKERS)} told reporters in {c(PLACES)}.",
            lambda: f"It\u2019s {c(ADVERBS)} clear that the {c(NOUNS)} {c(VERBS)} "
                    f"{c(DETERMINERS)} {c(ADJECTIVES)} {c(NOUNS)} {c(PREPOSITIONS)} {c(MONTHS)}.",
        ]
        # plain forms are weighted three times as heavily as typographic ones
        self.weighted = self.forms[:5] * 3 + self.forms[5:]
        self.pick = c

    def sentence(self) -> str:
        return self.pick(self.weighted)()

    def sentences(self, n: int) -> str:
        return " ".join(self.sentence() for _ in range(n))

    def clause(self) -> str:
        """A short sentence for stances, judgments and events (no typography)."""
        return self.forms[self.rng.randrange(5)]()

    def clauses(self, n: int) -> str:
        return " ".join(self.clause() for _ in range(n))

    def headline(self) -> str:
        c = self.pick
        return f"{c(PLACES)} {c(VERBS)} {c(ADJECTIVES)} {c(NOUNS)} {c(PREPOSITIONS)} {c(PLACES)}"

    def fill_pool(self, n: int) -> None:
        """Draw *n* sentences for archived texts to reuse, as wire copy does (it is fast)."""
        pool = [self.sentence() for _ in range(n)]
        choices = self.rng.choices

        def stream() -> Iterator[str]:
            while True:
                yield from choices(pool, k=64)

        self.stream = stream()

    def text(self, target_bytes: int, headline: str) -> str:
        """An archived text: headline, then paragraphs of 1-3 lines (each ≤ 400 chars)."""
        rand = self.rng.random
        stream = self.stream
        out = [headline, ""]
        size = len(headline) + 2
        pending = next(stream)
        while size < target_bytes:
            for _ in range(1 + int(rand() * 3)):
                line = pending
                for pending in stream:
                    if len(line) + len(pending) >= 400 or (len(line) > 150 and rand() < 0.4):
                        break
                    line = f"{line} {pending}"
                out.append(line)
                size += len(line.encode("utf-8")) + 1
            out.append("")
            size += 1
        out.pop()  # no blank line after the last paragraph
        return "\n".join(out) + "\n"


# --- the generator ----------------------------------------------------------------------

def _random_date(rng: random.Random, start: dt.date, days: int) -> dt.date:
    return start + dt.timedelta(days=rng.randrange(days))


def _markings(rng: random.Random, n: int) -> list[int]:
    """Marking level per item: ~5% restricted (GREEN:AMBER 3:2), the rest CLEAR."""
    restricted = round(n * RESTRICTED_SHARE)
    amber = max(1, restricted * 2 // 5) if restricted >= 2 else 0
    green = restricted - amber
    levels = [1] * green + [2] * amber + [0] * (n - restricted)
    rng.shuffle(levels)
    return levels


class _Zipf:
    """Draws from a list with weight 1/rank**s: a few items often, most rarely."""

    def __init__(self, items: list, rng: random.Random, s: float = ZIPF_S) -> None:
        self.items = items
        self.rng = rng
        self.cum = list(itertools.accumulate(1 / (rank + 1) ** s for rank in range(len(items))))

    def sample(self, k: int) -> list:
        """*k* distinct items (fewer when the list is shorter)."""
        k = min(k, len(self.items))
        picked: dict[int, None] = {}
        while len(picked) < k:
            for item in self.rng.choices(range(len(self.items)), cum_weights=self.cum, k=k):
                picked.setdefault(item, None)
        return [self.items[i] for i in list(picked)[:k]]


def _actor_pool(rng: random.Random, n: int) -> list[dict]:
    """*n* actors with distinct names (a middle initial once the plain names run out)."""
    names = [f"{f} {l}" for f in FIRST_NAMES for l in LAST_NAMES]
    rng.shuffle(names)
    initials = [f"{f} {chr(65 + i)}. {l}" for i in range(26) for f in FIRST_NAMES for l in LAST_NAMES]
    if n > len(names):
        names += rng.sample(initials, min(n - len(names), len(initials)))
    affiliations = [f"Government of {p}" for p in PLACES] + [o.removeprefix("the ") for o in ORGS]
    return [{"id": slug(name), "name": name, "role": rng.choice(ROLES),
             "affiliation": rng.choice(affiliations)} for name in names[:n]]


class _Questions:
    """Open questions, each open for a while; a briefing re-assesses those open on its date."""

    def __init__(self, rng: random.Random, n: int, start: dt.date, days: int) -> None:
        self.rng = rng
        pool: dict[str, tuple[dt.date, dt.date, str]] = {}
        for i in range(n):
            opened = _random_date(rng, start, days)
            life = rng.randint(400, 1000) if rng.random() < 0.1 else rng.randint(45, 300)
            closes = opened + dt.timedelta(days=life)
            for attempt in range(50):
                place, verb = rng.choice(PLACES), rng.choice(QUESTION_VERBS)
                by = f"{MONTHS[closes.month - 1]} {closes.year}"
                qid = slug(f"{place} {verb} {by}") + (f"-{i}" if attempt == 49 else "")
                if qid not in pool:
                    pool[qid] = (opened, closes, f"Will {place} {verb} before {by}?")
                    break
        self.items = sorted(((o, c, qid, text) for qid, (o, c, text) in pool.items()))
        self.opens = [item[0] for item in self.items]
        self.longest = max((c - o for o, c, _, _ in self.items), default=dt.timedelta(0))

    def open_on(self, date: dt.date, k: int) -> list[tuple[str, str, dt.date]]:
        """*k* questions (id, wording, closing date) open on *date*, or the nearest ones."""
        lo = bisect.bisect_left(self.opens, date - self.longest)
        hi = bisect.bisect_right(self.opens, date)
        active = [i for i in range(lo, hi) if self.items[i][1] >= date]
        if len(active) < k:
            near = sorted(range(len(self.items)), key=lambda i: (abs((self.opens[i] - date).days), i))
            active += [i for i in near[:3 * k] if i not in active]
        picked = self.rng.sample(active, min(k, len(active)))
        return [(self.items[i][2], self.items[i][3], self.items[i][1]) for i in picked]


class _Cycle:
    """Endless walk over a shuffled list of source indices, so citations cover them all."""

    def __init__(self, items: list[int], rng: random.Random) -> None:
        self.items = items[:]
        rng.shuffle(self.items)
        self.pos = 0

    def take(self) -> int:
        item = self.items[self.pos]
        self.pos = (self.pos + 1) % len(self.items)
        return item


def _prepare_out(out: Path) -> None:
    """Create *out*, or clear a previous synthetic repository there; refuse anything else."""
    if out.exists() and any(out.iterdir()):
        mk = out / "mkdocs.yml"
        if not (mk.is_file() and mk.read_text(encoding="utf-8").startswith(SITE_NAME)):
            raise FileExistsError(f"{out} is not empty and is not a synthetic repository")
        for sub in ("briefings", "sources", "docs", "templates", "site"):
            shutil.rmtree(out / sub, ignore_errors=True)
    for sub in ("briefings", "sources"):
        (out / sub).mkdir(parents=True, exist_ok=True)


def install_site(out: Path, project: Path = PROJECT) -> None:
    """Give the repository at *out* the project's site: its mkdocs.yml and templates/.

    The mkdocs.yml is the project's own but for its first line (``site_name``), which
    marks the folder as synthetic. Run again to pick up changes to the project's site.
    """
    out = Path(out)
    config = (project / "mkdocs.yml").read_text(encoding="utf-8")
    if not config.startswith("site_name:"):
        raise ValueError(f"{project / 'mkdocs.yml'} does not start with site_name:")
    config = SITE_NAME + config[config.index("\n"):]
    (out / "mkdocs.yml").write_text(config, encoding="utf-8", newline="\n")
    shutil.rmtree(out / "templates", ignore_errors=True)
    shutil.copytree(project / "templates", out / "templates",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


def generate(out: Path, briefings: int, sources: int, citations_per_briefing: int = 10,
             seed: int = 0) -> dict:
    """Write a synthetic repository into *out* and return counts of what was written.

    Same arguments, same bytes. *out* must be empty, absent, or an earlier output of
    this generator (which is then replaced).
    """
    if briefings < 0 or sources < 1 or citations_per_briefing < 0:
        raise ValueError("need briefings >= 0, sources >= 1, citations_per_briefing >= 0")
    out = Path(out)
    _prepare_out(out)
    rng = random.Random(seed)
    prose = Prose(rng)
    prose.fill_pool(max(2000, 10 * sources))
    start = dt.date(2022, 1, 1)
    span = 3 * 365
    actors = _Zipf(_actor_pool(rng, max(40, briefings // 2)), rng)
    questions = _Questions(rng, max(8, round(briefings * QUESTIONS_PER_BRIEFING / ASSESSMENTS_PER_QUESTION)),
                           start, span + 45)
    counts = {"briefings": briefings, "sources": sources, "citations": 0,
              "straightened_quotes": 0, "elided_quotes": 0, "lines_citations": 0,
              "actors": 0, "questions": 0, "max_briefings_per_actor": 0,
              "max_assessments_per_question": 0, "bytes": 0}

    # sources ------------------------------------------------------------------------
    src_ids: list[str] = []
    src_dates: list[dt.date] = []
    src_lines: list[list[tuple[int, str]]] = []  # per source: (line number, text) after the headline
    src_levels = _markings(rng, sources)
    for i in range(sources):
        publisher = rng.choice(PUBLISHERS)
        published = _random_date(rng, start, span)
        headline = prose.headline()
        sid = f"{slug(publisher)}-{published.isoformat()}-{i:05d}"
        text = prose.text(rng.randint(3300, 4100), headline)
        data = text.encode("utf-8")
        meta = {
            "title": headline,
            "published": published,
            "retrieved": published + dt.timedelta(days=rng.randint(0, 3)),
            "publisher": publisher,
            "url": f"https://example.org/{slug(publisher)}/{published.year}/{slug(headline)}-{i}",
            "language": "en",
            "reliability": rng.choice("AABBBBCCCDEF"),
            "marking": MARKINGS[src_levels[i]],
            "sha256": hashlib.sha256(data).hexdigest(),
        }
        meta_text = dump_yaml(meta)
        (out / "sources" / f"{sid}.txt").write_bytes(data)
        (out / "sources" / f"{sid}.yaml").write_bytes(meta_text.encode("utf-8"))
        counts["bytes"] += len(data) + len(meta_text.encode("utf-8"))
        src_ids.append(sid)
        src_dates.append(published)
        src_lines.append([(n, ln) for n, ln in enumerate(text.split("\n"), 1) if ln and n > 2])

    # which sources each briefing level draws from ------------------------------------
    brf_levels = _markings(rng, briefings)
    by_level = {lvl: [i for i in range(sources) if src_levels[i] == lvl] for lvl in (0, 1, 2)}
    cycles = {lvl: _Cycle(ids, rng) for lvl, ids in by_level.items() if ids}
    # a restricted briefing takes at least half its citations from its own level's
    # sources, more when that is needed for every restricted source to be cited
    own_share = {}
    for lvl in (1, 2):
        nb = brf_levels.count(lvl)
        need = math.ceil(len(by_level[lvl]) / nb) if nb else 0
        own_share[lvl] = min(citations_per_briefing, max(math.ceil(citations_per_briefing / 2), need))

    def pick_sources(level: int, k: int) -> list[int]:
        # CLEAR sources always exist: at most ~5% of sources are restricted
        own = own_share.get(level, k) if level in cycles else 0
        picked = [cycles[level if j < own else 0].take() for j in range(k)]
        rng.shuffle(picked)
        return picked

    def cite(si: int) -> dict:
        lineno, line = rng.choice(src_lines[si])
        counts["citations"] += 1
        roll = rng.random()
        if roll < LINES_SHARE:  # the paragraph, or the line, by number
            counts["lines_citations"] += 1
            found: dict = {"source": src_ids[si], "lines": str(lineno)}
        else:
            words = line.split(" ")  # every sentence has >= 6 words
            n = rng.randint(6, min(14, len(words)))
            at = rng.randrange(len(words) - n + 1)
            quote = " ".join(words[at:at + n])
            rest = len(words) - (at + n)
            if roll < LINES_SHARE + ELIDED_SHARE and rest >= 4:  # "first words ... later words"
                skip = rng.randint(1, rest - 3)
                k = rng.randint(3, min(8, rest - skip + 1))
                later = at + n + skip - 1
                quote += " ... " + " ".join(words[later:later + k])
                counts["elided_quotes"] += 1
            straight = quote.translate(STRAIGHTEN)
            if straight != quote and rng.random() < 0.5:
                quote = straight
                counts["straightened_quotes"] += 1
            found = {"source": src_ids[si], "quote": quote}
        if rng.random() < NOTE_SHARE:
            found["note"] = prose.clause()
        return found

    # briefings ----------------------------------------------------------------------
    actor_briefings: dict[str, int] = {}
    question_assessments: dict[str, int] = {}
    records: list[tuple[str, dict]] = []
    for b in range(briefings):
        level = brf_levels[b]
        cited = pick_sources(level, citations_per_briefing)
        newest = max((src_dates[s] for s in cited), default=start)
        date = newest + dt.timedelta(days=rng.randint(0, 45))

        # section sizes, then hand every cited source to one item (each position gets one)
        n_pos = min(rng.randint(3, 5), citations_per_briefing)
        n_kj = rng.randint(4, 6)
        n_oq = rng.randint(2, 3)
        n_tl = rng.randint(4, 7)
        slots: list[list[int]] = [[] for _ in range(n_pos + n_kj + n_oq + n_tl)]
        for j, si in enumerate(cited):
            slots[j if j < n_pos else rng.randrange(len(slots))].append(si)
        pos_slots = slots[:n_pos]
        kj_slots = slots[n_pos:n_pos + n_kj]
        oq_slots = slots[n_pos + n_kj:n_pos + n_kj + n_oq]
        tl_slots = slots[n_pos + n_kj + n_oq:]

        def cites_of(slot: list[int]) -> dict:
            return {"cites": [cite(s) for s in slot]} if slot else {}

        def item_date(slot: list[int]) -> dt.date:
            return min((src_dates[s] for s in slot), default=date)

        tags = rng.sample(TAGS, rng.randint(1, 4))
        key_actors = actors.sample(rng.randint(4, 7))
        for a in key_actors:
            actor_briefings[a["id"]] = actor_briefings.get(a["id"], 0) + 1
        speakers = rng.sample(key_actors, min(n_pos, len(key_actors)))
        speakers += [rng.choice(key_actors) for _ in range(n_pos - len(speakers))]
        picked_q = questions.open_on(date, n_oq)
        for qid, _, _ in picked_q:
            question_assessments[qid] = question_assessments.get(qid, 0) + 1
        record = {
            "title": prose.headline(),
            "date": date,
            "status": rng.choices(("published", "draft", "superseded"), (80, 12, 8))[0],
            "marking": MARKINGS[level],
            "authors": rng.sample(ANALYSTS, rng.randint(1, 2)),
            "tags": tags,
            "summary": _summary(prose, rng, key_actors),
            "key_actors": key_actors,
            "positions": [
                {"actor": speaker["id"], "on": rng.choice(TOPICS),
                 "stance": prose.clauses(rng.randint(2, 3)), "date": item_date(slot), **cites_of(slot)}
                for speaker, slot in zip(speakers, pos_slots)
            ],
            # a judgment with no citation rests on the briefing's assumption (SPEC 3)
            **({"assumptions": [{"id": "premise", "assumption": prose.clauses(2)}]}
               if not all(kj_slots) else {}),
            "key_judgments": [
                {"judgment": prose.clauses(rng.randint(2, 4)), "likelihood": rng.choice(LIKELIHOODS),
                 "confidence": rng.choice(CONFIDENCES), **(cites_of(slot) or {"assumptions": ["premise"]})}
                for slot in kj_slots
            ],
            "open_questions": [
                {"id": qid, "question": qtext,
                 "status": (rng.choices(("open", "resolved", "dropped"), (40, 40, 20))[0]
                            if (closes - date).days < 30 else "open"),
                 "likelihood": rng.choice(LIKELIHOODS), "confidence": rng.choice(CONFIDENCES),
                 "assessment": _assessment(prose, rng),
                 "indicators": rng.sample(INDICATORS, rng.randint(2, 4)), **cites_of(slot)}
                for (qid, qtext, closes), slot in zip(picked_q, oq_slots)
            ],
            "timeline": sorted(
                ({"date": item_date(slot), "event": prose.clauses(rng.randint(1, 3)), **cites_of(slot)}
                 for slot in tl_slots),
                key=lambda e: e["date"]),
        }
        records.append((f"{tags[0]}-{slug(rng.choice(NOUNS))}-{b:05d}", record))
    _keep_the_line(records, prose, rng)
    for bid, record in records:
        text = dump_yaml(record).encode("utf-8")
        (out / "briefings" / f"{bid}.yaml").write_bytes(text)
        counts["bytes"] += len(text)

    install_site(out)
    counts["actors"] = len(actor_briefings)
    counts["questions"] = len(question_assessments)
    counts["max_briefings_per_actor"] = max(actor_briefings.values(), default=0)
    counts["max_assessments_per_question"] = max(question_assessments.values(), default=0)
    return counts


def _keep_the_line(records: list[tuple[str, dict]], prose: Prose, rng: random.Random) -> None:
    """Make the records keep the rules across briefings (SPEC 3), in date order: a
    likelihood that moved since the question's previous assessment (drafts skipped) says
    why; a resolved question has its resolution and stays resolved; a superseded briefing
    names a later one (or is published when there is none)."""
    ordered = sorted(records, key=lambda r: (r[1]["date"], r[0]))
    line: dict[str, list[tuple[dt.date, str]]] = {}   # question -> (date, likelihood) of non-drafts
    settled: dict[str, tuple[dt.date, dict]] = {}      # question -> (date, resolution) of a non-draft
    for n, (_, record) in enumerate(ordered):
        date, draft = record["date"], record["status"] == "draft"
        if record["status"] == "superseded":
            later = [bid for bid, other in ordered[n + 1:] if other["date"] > date]
            if later:
                record["superseded_by"] = rng.choice(later[:20])
            else:
                record["status"] = "published"
        for question in record["open_questions"]:
            qid = question["id"]
            before = [likelihood for when, likelihood in line.get(qid, []) if when < date]
            if before and before[-1] != question["likelihood"]:
                question["change"] = {"from": before[-1], "reason": prose.sentences(1)}
            if qid in settled and settled[qid][0] <= date:  # (a later briefing of the same day too)
                question["status"], question["resolution"] = "resolved", dict(settled[qid][1])
            elif question["status"] == "resolved":
                question["resolution"] = {"date": date, "outcome": rng.choice(("yes", "no", "annulled"))}
            if not draft:
                line.setdefault(qid, []).append((date, question["likelihood"]))
                if question["status"] == "resolved" and qid not in settled:
                    settled[qid] = (date, question["resolution"])


def _summary(prose: Prose, rng: random.Random, key_actors: list[dict]) -> str:
    """Two paragraphs, the first led by the bottom line; often a list; sometimes a link."""
    first = prose.sentences(rng.randint(4, 6))
    if rng.random() < 0.5:
        first = f"**Bottom line:** {first}"
    second = prose.sentences(rng.randint(3, 5))
    name = rng.choice(key_actors)["name"]
    if rng.random() < 0.3:
        second += f" See the [statement by {name}](https://example.org/statements/{slug(name)})."
    else:
        second += f" *{name}* has not commented."
    text = f"{first}\n\n{second}\n"
    if rng.random() < 0.5:
        text += f"\n{prose.sentences(rng.randint(2, 4))}\n"
    if rng.random() < 0.5:
        text += "\n" + "".join(f"- {prose.clause()}\n" for _ in range(rng.randint(2, 4)))
    return text


def _assessment(prose: Prose, rng: random.Random) -> str:
    """A paragraph of reasoning, often a second one or a list of what changed."""
    text = f"**{rng.choice(('Unchanged', 'Raised', 'Lowered'))}.** {prose.sentences(rng.randint(3, 5))}\n"
    roll = rng.random()
    if roll < 0.5:
        text += f"\n{prose.sentences(rng.randint(2, 4))}\n"
    elif roll < 0.8:
        text += "\n" + "".join(f"- {prose.clause()}\n" for _ in range(rng.randint(2, 3)))
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="output directory (created; replaced if synthetic)")
    parser.add_argument("--briefings", type=int, default=1000)
    parser.add_argument("--sources", type=int, default=None, help="default: 3 x briefings")
    parser.add_argument("--citations", type=int, default=10, help="citations per briefing")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    sources = args.sources if args.sources is not None else 3 * args.briefings
    started = time.perf_counter()
    try:
        counts = generate(args.out, args.briefings, sources, args.citations, args.seed)
    except (FileExistsError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    elapsed = time.perf_counter() - started
    print(", ".join(f"{k}={v}" for k, v in counts.items()) + f" in {elapsed:.2f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
