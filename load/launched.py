"""`make up` as an operator runs it, on shifted ports: the launcher as a process with a throwaway
DOVETAIL_HOME, its console read line by line, the process ids of what it started.

Used by the fault run (`load/chaos.py`, `make chaos`) and the e2e test of supervision
(tests/e2e/test_supervised_servers.py), which kill what the launcher started and watch it
come back with nobody's hand on the keyboard.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from infra.credentials import local_secrets
from infra.launcher import ROOT, available_services
from infra.leftovers import pids, seen
from infra.servers import NatsProcess, PostgresProcess, free_port
from services.kit.settings import SERVICE_PORTS, Settings

UP_LINE = "Dovetail is up."


def shifted_env(home: Path) -> dict[str, str]:
    """The environment of a launcher whose every port is a free one and whose data is under
    `home`; nothing inherited from DOVETAIL_* (it would point the launcher elsewhere)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOVETAIL_")}
    env.update({"DOVETAIL_HOME": str(home), "PYTHONUNBUFFERED": "1",
                "DOVETAIL_POSTGRES_PORT": str(free_port()),
                "DOVETAIL_NATS_PORT": str(free_port()),
                "DOVETAIL_NATS_MONITOR_PORT": str(free_port()),
                "DOVETAIL_GATEWAY_PORT": str(free_port())})
    for name in SERVICE_PORTS:
        env[f"DOVETAIL_{name.upper()}_PORT"] = str(free_port())
        env[f"DOVETAIL_{name.upper()}_METRICS_PORT"] = str(free_port())
    return env


@dataclass
class Console:
    """What the launcher printed, each line with the monotonic time it was read."""

    lines: list[tuple[float, str]] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)

    def add(self, line: str) -> None:
        with self.changed:
            self.lines.append((time.monotonic(), line.rstrip("\n")))
            self.changed.notify_all()

    def find(self, pattern: str, after: float = 0.0) -> tuple[float, str] | None:
        """The first line read at `after` or later that matches `pattern` (a regex)."""
        with self.changed:
            for at, line in self.lines:
                if at >= after and re.search(pattern, line):
                    return at, line
        return None

    def wait_for(self, pattern: str, after: float, timeout: float,
                 process: subprocess.Popen | None = None) -> tuple[float, str]:
        """The first line matching `pattern` read at `after` or later, within `timeout` s."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while (found := self.find(pattern, after)) is None:
                left = deadline - time.monotonic()
                if left <= 0 or (process is not None and process.poll() is not None):
                    tail = "\n  ".join(line for _, line in self.lines[-25:])
                    raise TimeoutError(f"no console line matching {pattern!r} within "
                                       f"{timeout:.0f} s; the console ends:\n  {tail}")
                self.changed.wait(min(left, 0.5))
        return found

    def text(self) -> str:
        with self.changed:
            return "\n".join(line for _, line in self.lines)


@dataclass
class Launched:
    """The launcher running; its settings as the platform's clients need them."""

    home: Path
    process: subprocess.Popen
    console: Console
    settings: Settings

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.gateway_port}"

    def postmaster_pid(self) -> int:
        return _first_line_pid(self.home / "postgres" / "data" / "postmaster.pid")

    def nats_pid(self) -> int:
        return _first_line_pid(self.home / "nats" / "nats.pid")

    def child_pid(self, module: str) -> int:
        """The process the launcher runs as `python -m <module>` (e.g. services.orders.main)."""
        for pid in pids():
            process = seen(pid)
            if process and process.ppid == self.process.pid and module in process.argv:
                return pid
        raise LookupError(f"the launcher runs no {module}")

    def log(self) -> str:
        """DOVETAIL_HOME/logs/launcher.log: what the supervisor wrote."""
        path = self.home / "logs" / "launcher.log"
        return path.read_text() if path.exists() else ""


def _first_line_pid(path: Path) -> int:
    return int(path.read_text().split("\n", 1)[0])


@contextlib.contextmanager
def launched(home: Path, timeout: float = 300.0) -> Iterator[Launched]:
    """`python -m infra.launcher` on shifted ports under `home`, until it says it is up; on the
    way out, stopped as Ctrl-C stops it (SIGTERM; SIGKILL if it hangs)."""
    home.mkdir(parents=True, exist_ok=True)
    env = shifted_env(home)
    console = Console()
    process = subprocess.Popen([sys.executable, "-m", "infra.launcher"], env=env, cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True)
    copy = open(home / "console.log", "a")  # noqa: SIM115 - closed by the reader

    def read() -> None:
        assert process.stdout is not None
        with copy:
            for line in process.stdout:
                copy.write(line)
                copy.flush()
                console.add(line)

    reader = threading.Thread(target=read, name="launcher-console", daemon=True)
    reader.start()
    try:
        console.wait_for(re.escape(UP_LINE), 0.0, timeout, process)
        s = local_secrets(Settings.from_env(env)).settings
        settings = s.with_(
            database_url=PostgresProcess(home / "postgres" / "data", s.postgres_port).url,
            nats_url=NatsProcess(home / "nats", s.nats_port, s.nats_monitor_port).url,
            services=tuple(available_services()))
        yield Launched(home, process, console, settings)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(90)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        reader.join(10)


@dataclass
class Readiness:
    """The gateway's readiness (`/healthz`: 200 ready, anything else or no answer: not),
    sampled every `interval` s while `watch()` runs, each sample with its monotonic time."""

    base_url: str
    interval: float = 0.1
    samples: list[tuple[float, bool]] = field(default_factory=list)

    async def watch(self) -> None:
        import asyncio

        import httpx

        async with httpx.AsyncClient(base_url=self.base_url, timeout=1.0) as client:
            while True:
                at = time.monotonic()
                try:
                    ready = (await client.get("/healthz")).status_code == 200
                except httpx.HTTPError:
                    ready = False
                self.samples.append((at, ready))
                await asyncio.sleep(self.interval)

    def flips(self, after: float = 0.0) -> list[tuple[float, bool]]:
        """When readiness changed (time, new value), from `after` on."""
        out: list[tuple[float, bool]] = []
        last: bool | None = None
        for at, ready in self.samples:
            if at >= after and ready != last and last is not None:
                out.append((at, ready))
            last = ready
        return out

    def unready_between(self, start: float, end: float) -> bool:
        return any(not ready for at, ready in self.samples if start <= at <= end)

    def ready_again(self, after: float) -> float | None:
        """The first time readiness was true after having been false, from `after` on."""
        seen_down = False
        for at, ready in self.samples:
            if at < after:
                continue
            if not ready:
                seen_down = True
            elif seen_down:
                return at
        return None
