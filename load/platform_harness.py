"""Start a throwaway platform for a benchmark: embedded servers and service processes.

Everything lives in a temporary folder that goes with the run; set DOVETAIL_BENCH_KEEP_LOGS to a
folder to keep the service logs there.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from infra.launcher import ROOT
from infra.servers import NatsProcess, PostgresProcess, free_port
from services.kit.settings import Settings


@contextlib.contextmanager
def servers() -> Iterator[Settings]:
    """Fresh PostgreSQL and NATS in a temporary folder, on free ports."""
    with server_processes() as (settings, _):
        yield settings


@contextlib.contextmanager
def server_processes() -> Iterator[tuple[Settings, dict[str, int]]]:
    """As :func:`servers`, with the process ids of PostgreSQL (postmaster) and nats-server,
    for benchmarks that measure them."""
    with tempfile.TemporaryDirectory(prefix="dovetail-bench-") as tmp:
        home = Path(tmp)
        pg = PostgresProcess(home / "pg" / "data", free_port()).start()
        nats = NatsProcess(home / "nats", free_port(), free_port()).start()
        ports = {name: free_port() for name in Settings().service_ports}
        metrics = {name: free_port() for name in Settings().metrics_ports}
        settings = Settings(home=home, database_url=pg.url, nats_url=nats.url,
                            service_ports=ports, metrics_ports=metrics, gateway_port=free_port(),
                            log_level="WARNING", pool_size=10)
        try:
            yield settings, {"postgres": pg.process.pid, "nats-server": nats.process.pid}
        finally:
            nats.stop()
            pg.stop()
            keep = os.environ.get("DOVETAIL_BENCH_KEEP_LOGS")
            if keep and (home / "logs").is_dir():  # the folder goes; keep the service logs
                target = Path(keep) / f"logs_{time.strftime('%Y%m%dT%H%M%S')}"
                shutil.copytree(home / "logs", target)
                print(f"  service logs kept in {target}", file=sys.stderr)


@contextlib.contextmanager
def processes(settings: Settings, modules: list[str],
              env_extra: dict[str, str] | None = None) -> Iterator[list[subprocess.Popen]]:
    """Each module as `python -m module` with the platform's environment (and ``env_extra``),
    its output in `<home>/logs/<module>.log`; SIGTERM on the way out."""
    env = {**os.environ, **settings.to_env(), "PYTHONUNBUFFERED": "1", **(env_extra or {})}
    logs = settings.home / "logs"
    logs.mkdir(exist_ok=True)
    started = []
    try:
        for module in modules:
            argv = module.split()  # a module may carry its arguments
            started.append(subprocess.Popen(
                [sys.executable, "-m", *argv], env=env, cwd=ROOT, start_new_session=True,
                stdout=open(logs / f"{argv[0]}.log", "ab"), stderr=subprocess.STDOUT))  # noqa: SIM115
        yield started
    finally:
        for p in started:
            with contextlib.suppress(ProcessLookupError):
                p.send_signal(signal.SIGTERM)
        for p in started:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()


async def prepare(settings: Settings) -> None:
    """Streams and the admin key, as `make up` makes them; the benchmarks seed the demo
    factories (and use their keys), so the demo's keys stay."""
    from infra.launcher import prepare as prepare_platform

    await prepare_platform(settings, demo=True)


def wait_healthy(settings: Settings, timeout: float = 90) -> None:
    """Wait until the gateway's /healthz says every service answers; on a timeout, say which
    did not and show the end of each process log (the temporary folder goes with the run)."""
    started = time.monotonic()
    deadline = started + timeout
    url = f"http://127.0.0.1:{settings.gateway_port}/healthz"
    last = "no answer"
    next_note = started + 10
    while time.monotonic() < deadline:
        try:
            r = httpx.get(url, timeout=2)
            if r.status_code == 200:
                print(f"  platform healthy after {time.monotonic() - started:.0f} s",
                      file=sys.stderr, flush=True)
                return
            last = f"HTTP {r.status_code}: {r.text[:300]}"
        except httpx.HTTPError as exc:
            last = repr(exc)
        if time.monotonic() > next_note:
            print(f"  waiting for the platform ({time.monotonic() - started:.0f} s): {last}",
                  file=sys.stderr, flush=True)
            next_note += 10
        time.sleep(0.2)
    for log in sorted((settings.home / "logs").glob("*.log")):
        tail = log.read_text(errors="replace").splitlines()[-15:]
        print(f"--- {log.name} (last lines)\n" + "\n".join(tail), file=sys.stderr)
    raise TimeoutError(f"platform did not become healthy in {timeout:.0f} s: {last}")


def run(coro):
    return asyncio.run(coro)
