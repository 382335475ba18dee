"""Measure a reader's first search in a real browser: time to results and bytes transferred.

    python benchmarks/bench_search.py --briefings 5000 [--query minister]

Generates (or reuses) the synthetic repository, builds its site with ``briefings build``
unless it is already built, serves it over HTTP, opens the home page in Debian's
chromium, types the query and waits for the first result. Prints the time from the
first key press to the first result and the bytes the search fetched (Pagefind's
script, WebAssembly and the index chunks of the query), next to the whole index size.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--briefings", type=int, default=1000)
    parser.add_argument("--query", default="minister")
    parser.add_argument("--repo", type=Path, help="default: benchmarks/results/repo-N")
    parser.add_argument("--rebuild", action="store_true", help="build the site even if it exists")
    args = parser.parse_args()

    repo = args.repo or HERE / "results" / f"repo-{args.briefings}"
    if not (repo / "briefings").is_dir():
        print(f"generating {repo} ...", flush=True)
        generate(repo, args.briefings, args.briefings * 3)
    site = repo / "site"
    if args.rebuild or not (site / "pagefind" / "pagefind-ui.js").is_file():
        print("building the site ...", flush=True)
        start = time.perf_counter()
        subprocess.run(["briefings", "build", str(repo)], check=True)
        print(f"built in {time.perf_counter() - start:.0f} s", flush=True)

    from playwright.sync_api import sync_playwright

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    index_bytes = sum(p.stat().st_size for p in (site / "pagefind").rglob("*") if p.is_file())
    pages = sum(1 for _ in site.rglob("*.html"))
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            page = browser.new_page()
            page.goto(base, timeout=120000)
            page.wait_for_load_state("networkidle", timeout=120000)
            fetched: list[tuple[str, int]] = []
            page.on("requestfinished",
                    lambda request: fetched.append((request.url, request.sizes()["responseBodySize"])))
            box = page.locator(".pagefind-ui__search-input")
            box.wait_for(timeout=120000)
            start = time.perf_counter()
            box.press_sequentially(args.query, delay=0)
            page.locator(".pagefind-ui__result").first.wait_for(timeout=60000)
            seconds = time.perf_counter() - start
            page.wait_for_load_state("networkidle")
            count = page.locator(".pagefind-ui__message").inner_text()
            browser.close()
    finally:
        server.shutdown()
    transferred = sum(size for _, size in fetched)
    figures = {
        "briefings": args.briefings, "pages": pages, "query": args.query,
        "first_results_seconds": round(seconds, 3), "transferred_bytes": transferred,
        "requests": len(fetched), "whole_index_bytes": index_bytes, "message": count,
    }
    print(json.dumps(figures, indent=2))
    print(f"targets: first results <= 1 s ({'met' if seconds <= 1 else 'NOT met'}), "
          f"transferred <= 1 MB ({'met' if transferred <= 1_000_000 else 'NOT met'})")
    print(f"reproduce: python benchmarks/bench_search.py --briefings {args.briefings} --query {args.query}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
