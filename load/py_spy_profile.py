"""Where a benchmark process spends its time: py-spy (pip install py-spy) samples it for a while
in the middle of the run, without pausing it, and the collapsed stacks are summarised.

Returns the functions with the most samples on top of the stack (self) and anywhere on it
(inclusive), and the raw stacks file for a flame graph.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path


class Profile:
    """``py-spy record`` of ``pid`` for ``seconds``, starting ``delay`` seconds from now."""

    def __init__(self, name: str, pid: int, delay: float, seconds: float, out: Path,
                 gil: bool = False, rate: int = 50):
        """``gil``: sample only the thread holding the GIL (where Python spends CPU, without
        the waits of idle threads)."""
        self.name, self.pid, self.out, self.seconds = name, pid, out, seconds
        self.gil, self.rate = gil, rate
        self.spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        self.error = ""
        self._timer = threading.Timer(delay, self._record)
        self._proc: subprocess.Popen | None = None

    def start(self) -> Profile:
        self._timer.start()
        return self

    def _record(self) -> None:
        try:
            self._proc = subprocess.Popen(
                [self.spy, "record", "--pid", str(self.pid), "--duration", str(int(self.seconds)),
                 "--rate", str(self.rate), "--nonblocking", "--threads", "--format", "raw",
                 "--output", str(self.out), *(["--gil"] if self.gil else [])],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        except OSError as exc:
            self.error = repr(exc)

    def summary(self, top: int = 15) -> dict:
        self._timer.cancel()
        if self._proc is not None:
            try:
                _, err = self._proc.communicate(timeout=self.seconds + 30)
                if self._proc.returncode:
                    self.error = err.decode(errors="replace")[-300:]
            except subprocess.TimeoutExpired:
                self._proc.kill()
        if not self.out.exists():
            return {"process": self.name, "error": self.error or "no profile recorded"}
        own: Counter = Counter()
        inclusive: Counter = Counter()
        threads: Counter = Counter()
        total = 0
        for line in self.out.read_text().splitlines():
            stack, _, n = line.rpartition(" ")
            if not n.isdigit():  # a frame whose text held a line break (a docstring)
                continue
            count = int(n)
            frames = stack.split(";")
            total += count
            threads[frames[0]] += count
            own[frames[-1]] += count
            for f in set(frames[1:]):
                inclusive[f] += count
        return {"process": self.name, "samples": total, "stacks_file": str(self.out),
                "threads": [(t, round(100 * n / total, 1)) for t, n in threads.most_common(6)],
                "self": [(f, round(100 * n / total, 1)) for f, n in own.most_common(top)],
                "inclusive": [(f, round(100 * n / total, 1)) for f, n in inclusive.most_common(top)]}
