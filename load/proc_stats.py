"""Peak memory and CPU of every process of a benchmark, sampled with psutil in a thread.

Each named process is followed with its descendants (PostgreSQL: the postmaster and its
backends). CPU is user + system seconds of the tree over the sampling window (processes
that ended in between are counted through their parent's children times when it reaped them);
memory is the tree's resident set at each sample, peak kept: RSS for single processes, PSS
(shared pages split between the processes sharing them) for trees, so PostgreSQL's shared
buffers are not counted once per backend.
"""

from __future__ import annotations

import threading
import time

import psutil


class ProcessSampler:
    """``watch(name, pid)`` then ``start()``; ``stop()`` returns one row per name."""

    def __init__(self, interval: float = 1.0):
        self.interval = interval
        self.pids: dict[str, int] = {}
        self.trees: dict[str, bool] = {}
        self.peak: dict[str, float] = {}
        self.cpu0: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self.series: dict[str, list[tuple[float, float]]] = {}  # (t, % of a core)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.started = 0.0

    def watch(self, name: str, pid: int, tree: bool = True) -> None:
        """Follow ``pid`` (with its descendants unless ``tree`` is False) as ``name``."""
        self.pids[name] = pid
        self.trees[name] = tree

    def _tree(self, pid: int, tree: bool) -> list[psutil.Process]:
        try:
            root = psutil.Process(pid)
            return [root, *root.children(recursive=True)] if tree else [root]
        except psutil.NoSuchProcess:
            return []

    def _cpu_of(self, procs: list[psutil.Process], tree: bool) -> float:
        total = 0.0
        for i, p in enumerate(procs):
            try:
                t = p.cpu_times()
            except psutil.Error:
                continue
            total += t.user + t.system
            if i == 0 and tree:  # children the root reaped
                total += t.children_user + t.children_system
        return total

    def _memory_of(self, procs: list[psutil.Process]) -> float:
        total = 0.0
        for p in procs:
            try:
                if len(procs) > 1:
                    total += p.memory_full_info().pss
                else:
                    total += p.memory_info().rss
            except psutil.Error:
                continue
        return total

    def sample(self, memory: bool = True) -> None:
        now = time.monotonic()
        for name, pid in self.pids.items():
            procs = self._tree(pid, self.trees[name])
            if not procs:
                continue
            cpu = self._cpu_of(procs, self.trees[name])
            self.cpu0.setdefault(name, cpu)
            last = self.cpu.get(name, self.cpu0[name])
            self.cpu[name] = max(cpu, last)
            self.series.setdefault(name, []).append(
                (now - self.started, 100 * (self.cpu[name] - last) / self.interval))
            if memory or name not in self.peak:  # PSS reads smaps: not every second
                self.peak[name] = max(self.peak.get(name, 0.0), self._memory_of(procs))

    def _loop(self) -> None:
        n = 0
        while not self._stop.wait(self.interval):
            n += 1
            self.sample(memory=n % 5 == 0)

    def start(self) -> ProcessSampler:
        self.started = time.monotonic()
        self.sample()
        self._thread = threading.Thread(target=self._loop, name="proc-sampler", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> list[dict]:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.sample()
        wall = max(1e-9, time.monotonic() - self.started)
        rows = []
        for name in self.pids:
            if name not in self.cpu:
                continue
            seconds = self.cpu[name] - self.cpu0[name]
            rows.append({"process": name, "cpu_s": round(seconds, 1),
                         "cpu_pct_of_core": round(100 * seconds / wall, 1),
                         "peak_memory_mb": round(self.peak[name] / 2**20, 1)})
        return rows


def table(rows: list[dict], wall_s: float) -> str:
    """The rows as a text table, busiest first, with the machine's whole CPU beside them."""
    lines = [f"{'process':<26} {'CPU s':>8} {'% of a core':>12} {'peak MB':>9}"]
    for r in sorted(rows, key=lambda r: -r["cpu_s"]):
        lines.append(f"{r['process']:<26} {r['cpu_s']:8.1f} {r['cpu_pct_of_core']:12.1f} "
                     f"{r['peak_memory_mb']:9.1f}")
    total = sum(r["cpu_s"] for r in rows)
    lines.append(f"{'all of them':<26} {total:8.1f} {100 * total / max(1e-9, wall_s):12.1f}"
                 f"   (of {psutil.cpu_count()} cores over {wall_s:.0f} s)")
    return "\n".join(lines)
