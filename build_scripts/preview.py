"""What ``briefings serve`` keeps between rebuilds, so that a save rebuilds only what changed.

A rebuild is an incremental build (see :mod:`.cache`) from the previous one, held in
memory rather than in the build cache: records load from a cache of unchanged files
(:class:`.repo.LoadCache`), a page is rendered again only when the records it shows
changed (or it lists everything), and built again only when its content changed.

The check searches again only for the quotes, and in the texts, that changed
(:class:`.checks.Found`); a page planned as before, none of whose records changed, keeps
the key of its records; and between saves, what lives on is exempted from the cyclic
garbage collector (:meth:`Preview.settle`).

A save is shown in two passes: first the pages of the saved files themselves (the page
the analyst is looking at), then every other page that shows them (actors, questions,
sources, the indexes), in a second rebuild that ``briefings serve`` starts at once.

The preview searches with Material's search, whose index holds the pages the engine
built: the entries of the pages a rebuild did not build again are kept from before.
"""

from __future__ import annotations

import gc
import json
import os
import threading
from pathlib import Path

import jinja2

from .cache import Built, depends_key
from .checks import Found
from .repo import LoadCache


def page_of(key: str) -> str:
    """The page of a record file: briefings/x.yaml -> briefings/x.md, sources/x -> sources/x.md."""
    return (key[:-len(".yaml")] if key.endswith(".yaml") else key) + ".md"


class Compiled(jinja2.BytecodeCache):
    """The theme's compiled templates, kept between rebuilds: the engine makes a new Jinja
    environment for each build, and compiling Material's templates takes most of a second.
    (A template whose source changed compiles anew: Jinja checks each one's checksum.)"""

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self.code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


class Preview:
    def __init__(self) -> None:
        self.compiled = Compiled()
        self.cache = LoadCache()
        self.mapped: dict = {}  # source text -> its quote map
        self.found = Found()  # what the check found of each quote in each source text
        self.writer: threading.Thread | None = None
        #: Warnings shown already (by ``briefings serve`` or an earlier rebuild): shown once.
        self.reported: set = set()
        self.reset()

    def reset(self) -> None:
        """Forget the previous rebuild: the next builds every page."""
        self.wait()
        #: What the previous rebuild made of each generated page (``None``: none before).
        self.built: dict[str, Built] | None = None
        self.nav: str | None = None  # ... and the hash of its navigation
        self.files: dict = {}
        self.env = None
        self.search_docs: list[dict] | None = None
        self.rendered = 0
        self.rebuilt: set[str] = set()
        #: Each page's plan and the key of its records, as the last rebuild that planned
        #: its pages found them, and the records loaded anew since.
        self.depends: dict[str, tuple] = {}
        self.changed: set[str] = set()
        #: The saved files of a first pass, whose other pages wait for the second.
        self.carry: set[str] = set()

    @staticmethod
    def settle() -> None:
        """Between saves: collect what the rebuilds left, then exempt what lives on (the
        records, the pages, the engine's state: millions of objects) from the cyclic
        garbage collector, whose full passes over it would otherwise cost a rebuild most
        of a second. Collecting first keeps nothing frozen that is already garbage."""
        gc.unfreeze()
        gc.collect()
        gc.freeze()

    def first_pass(self) -> set[str] | None:
        """The pages a first pass builds (those of the saved files), or ``None`` when this
        rebuild builds every page that changed (a second pass, or nothing was saved)."""
        if self.carry or not self.cache.changed or self.built is None:
            self.carry = set()
            return None
        self.carry = set(self.cache.changed)
        return {page_of(key) for key in self.carry}

    def file(self, path: str, make):
        """The page's file, kept from one rebuild to the next (making 5,000 MkDocs files
        anew costs a second of path parsing on every save)."""
        file = self.files.get(path)
        if file is None:
            file = self.files[path] = make()
        return file

    def wait(self) -> None:
        """Let the search index of the previous rebuild finish writing."""
        if self.writer is not None:
            self.writer.join()
            self.writer = None

    def merge_search_index(self, path: Path) -> None:
        """Keep the search entries of the pages a rebuild did not build again.

        The merged index is written in the background: the changed page is ready (and the
        browser reloads) without waiting for the whole index to be serialised.
        """
        self.wait()
        if not path.is_file():
            return
        data = json.loads(path.read_text(encoding="utf-8"))
        if self.search_docs is None:
            self.search_docs = data.get("docs", [])
            return
        kept = [doc for doc in self.search_docs if doc.get("location", "").split("#")[0] not in self.rebuilt]
        data["docs"] = self.search_docs = kept + data.get("docs", [])
        if self.carry:  # the second pass follows at once and writes the whole index
            return

        def write() -> None:
            staging = path.with_name(path.name + ".new")
            staging.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
            os.replace(staging, path)

        self.writer = threading.Thread(target=write, name="search-index", daemon=True)
        self.writer.start()


class DependsKeys:
    """Each page's :func:`.cache.depends_key`. The preview keeps them from one rebuild to
    the next: a page planned as before, none of whose records loaded anew since (in this
    rebuild, or in one that failed before it planned its pages), has the key it had
    (hashing the records of every page, some of which show thousands, would cost a
    rebuild a fifth of a second)."""

    def __init__(self, preview) -> None:
        self.preview = preview
        self.before = preview.depends if preview is not None else {}
        self.changed = preview.changed if preview is not None else set()
        self.now: dict[str, tuple] = {}

    def get(self, plan, title: str | None, digests) -> str | None:
        if plan.depends is None:
            return None
        planned = (plan.template, plan.marking, str(plan.updated), title, plan.depends, plan.shows)
        was = self.before.get(plan.path)
        if was is not None and was[0] == planned and plan.depends.isdisjoint(self.changed):
            key = was[1]
        else:
            key = depends_key(plan, title, digests)
        if self.preview is not None:
            self.now[plan.path] = (planned, key)
        return key

    def done(self) -> None:
        if self.preview is not None:
            self.preview.depends, self.preview.changed = self.now, set()
