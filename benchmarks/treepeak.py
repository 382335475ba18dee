"""Peak memory of a whole process tree, sampled from /proc.

    python benchmarks/treepeak.py -- briefings build path/to/repo

``wait4``'s ``ru_maxrss`` gives the largest single process of a tree, but a machine (or a
CI runner) must hold every process that is alive at the same moment: a build that waits
for its search indexer holds both. This samples the resident memory of the command and
all its descendants every 50 ms and reports the largest sum, next to the largest single
process. Resident sets added up count twice what two processes share (a forked copy
before it has written anything, the pages of a library both map): the proportional set
size (PSS, from ``/proc/PID/smaps_rollup``) counts a shared page once, split between the
processes that map it, and its sum is what the tree holds; both sums are printed.
Sampling can miss a spike shorter than the interval; ``ru_maxrss`` cannot, so it is
printed too.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        parent = int(stat[stat.rindex(")") + 2:].split()[1])
        tree.setdefault(parent, []).append(int(entry.name))
    return tree


def _rss(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def _pss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    return 0


def tree_rss(root: int) -> tuple[int, int, int]:
    """(sum, largest, proportional sum) resident bytes of ``root`` and its descendants right now."""
    tree, todo, total, largest, proportional = _children(), [root], 0, 0, 0
    while todo:
        pid = todo.pop()
        used = _rss(pid)
        total, largest, proportional = total + used, max(largest, used), proportional + _pss(pid)
        todo.extend(tree.get(pid, ()))
    return total, largest, proportional


class Sampler:
    """Samples a process tree in a thread until :meth:`stop`."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.pid, self.interval = pid, interval
        self.peak_sum = self.peak_single = self.peak_pss = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._done.is_set():
            total, largest, proportional = tree_rss(self.pid)
            self.peak_sum, self.peak_single = max(self.peak_sum, total), max(self.peak_single, largest)
            self.peak_pss = max(self.peak_pss, proportional)
            time.sleep(self.interval)

    def stop(self) -> tuple[int, int]:
        self._done.set()
        self._thread.join()
        return self.peak_sum, self.peak_single


def main(argv: list[str]) -> int:
    if "--" in argv:
        argv = argv[argv.index("--") + 1:]
    if not argv:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    started = time.perf_counter()
    process = subprocess.Popen(argv)
    sampler = Sampler(process.pid)
    _, status, usage = os.wait4(process.pid, 0)
    peak_sum, peak_single = sampler.stop()
    mib = 2**20
    print(f"{time.perf_counter() - started:.1f} s; whole tree peak {sampler.peak_pss / mib:.0f} MiB proportional "
          f"(PSS), {peak_sum / mib:.0f} MiB resident sets added up (sampled); "
          f"largest process {max(peak_single, usage.ru_maxrss * 1024) / mib:.0f} MiB (ru_maxrss)",
          file=sys.stderr)
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
