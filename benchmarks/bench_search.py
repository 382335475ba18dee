"""Measure a reader's first search in a real browser: time to results and bytes transferred.

    python benchmarks/bench_search.py --briefings 5000 [--query minister]

Generates (or reuses) the synthetic repository, builds its site with ``briefings build``
unless it is already built, serves it over HTTP, opens the home page in Debian's
chromium, waits until the page is idle (Pagefind preloads its script, WebAssembly and
the metadata of each index part then), types the query and waits for the first result.
Types like a reader (``--delay`` ms between keys) and prints the time from the last key
press to the first result (and from the first key press), and every byte the search
fetched from the page load on (UI, script, WebAssembly, metadata, the index chunks of
the query and the results' fragments), next to the whole index size.
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
    parser.add_argument("--delay", type=int, default=120, help="milliseconds between key presses (default 120)")
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
    parts = 1 + len(list((site / "pagefind").glob("part-*")))
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            page = browser.new_page()
            fetched: list[tuple[str, int]] = []  # everything the search fetches, from the page load on
            page.on("requestfinished",
                    lambda request: fetched.append((request.url, request.sizes()["responseBodySize"]))
                    if "/pagefind/" in request.url else None)
            page.goto(base, timeout=120000)
            page.wait_for_load_state("networkidle", timeout=120000)
            for _ in range(600):  # Pagefind preloads when the page is idle: the metadata of each part
                if sum(url.endswith(".pf_meta") for url, _ in fetched) >= parts:
                    break
                page.wait_for_timeout(100)
            else:
                raise SystemExit("Pagefind did not preload its index metadata within a minute")
            page.wait_for_load_state("networkidle")
            preloaded = sum(size for _, size in fetched)
            box = page.locator(".pagefind-ui__search-input")
            box.wait_for(timeout=120000)
            start = time.perf_counter()
            box.press_sequentially(args.query, delay=args.delay)
            typed = time.perf_counter()
            page.locator(".pagefind-ui__result").first.wait_for(timeout=60000)
            done = time.perf_counter()
            seconds, after_typing = done - start, done - typed
            page.wait_for_load_state("networkidle")
            count = page.locator(".pagefind-ui__message").inner_text()
            browser.close()
    finally:
        server.shutdown()
    transferred = sum(size for _, size in fetched)
    figures = {
        "briefings": args.briefings, "pages": pages, "query": args.query,
        "typing_delay_ms": args.delay, "results_after_last_key_seconds": round(after_typing, 3),
        "results_after_first_key_seconds": round(seconds, 3), "transferred_bytes": transferred,
        "preloaded_bytes": preloaded, "requests": len(fetched), "index_parts": parts,
        "whole_index_bytes": index_bytes, "message": count,
    }
    print(json.dumps(figures, indent=2))
    print(f"targets: results <= 1 s after the query is typed ({'met' if after_typing <= 1 else 'NOT met'}), "
          f"transferred <= 1 MB ({'met' if transferred <= 1_000_000 else 'NOT met'})")
    print(f"reproduce: python benchmarks/bench_search.py --briefings {args.briefings} --query {args.query} "
          f"--delay {args.delay}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
