"""`make up` keeps its own servers up (issue #17, item 1): kill -9 the embedded PostgreSQL,
then NATS; each is back within 10 s with nobody's hand on the keyboard, the console and the
launcher's log say so, readiness is false meanwhile, and the platform takes orders again.

The launcher runs as `make up` runs it, on shifted ports with a throwaway DOVETAIL_HOME.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import time

import httpx
import psycopg
import pytest

from infra.leftovers import seen
from load.launched import Readiness, launched
from tests.e2e.test_crash_recovery import post_until_accepted
from tests.helpers import eventually, order_payload, ref

pytestmark = pytest.mark.e2e

BACK_WITHIN_S = 10.0


async def _ready_again(readiness: Readiness, after: float) -> bool:
    return readiness.ready_again(after) is not None


async def test_make_up_restarts_a_killed_postgresql_then_a_killed_nats(work_dir):
    with launched(work_dir / "supervised" / "home") as up:
        readiness = Readiness(up.base_url)
        watching = asyncio.create_task(readiness.watch())
        try:
            await eventually(lambda: _ready_now(readiness), timeout=60, interval=0.2)
            killed = {"PostgreSQL": up.postmaster_pid(), "NATS": up.nats_pid()}
            for server, pid in killed.items():
                killed_at = time.monotonic()
                os.kill(pid, signal.SIGKILL)
                noticed = await asyncio.to_thread(
                    up.console.wait_for, f"^\\S+ {server} killed by SIGKILL", killed_at, 5)
                back_at, back = await asyncio.to_thread(
                    up.console.wait_for, f"^\\S+ {server} is back after", killed_at,
                    BACK_WITHIN_S)
                assert back_at - killed_at <= BACK_WITHIN_S, back
                assert noticed[1].split(" ", 1)[1] in up.log() and back.split(" ", 1)[1] in up.log()
                await eventually(lambda a=killed_at: _ready_again(readiness, a), timeout=60)
                assert readiness.unready_between(killed_at, readiness.ready_again(killed_at))
            assert up.postmaster_pid() != killed["PostgreSQL"] and up.nats_pid() != killed["NATS"]
            with psycopg.connect(up.settings.database_url, connect_timeout=5) as conn:
                assert conn.execute("SELECT 1").fetchone() == (1,)
            async with httpx.AsyncClient(base_url=up.base_url, timeout=15) as client:
                answer = await post_until_accepted(client, up.settings.webhook_secrets["dovetail"],
                                                   order_payload(ref("SUPERVISED")), attempts=300)
            assert answer["duplicate"] is False
        finally:
            watching.cancel()
            await asyncio.gather(watching, return_exceptions=True)
    assert up.process.returncode == 0, up.console.text()[-2000:]


async def _dead(pid: int) -> bool:
    process = seen(pid)
    return process is None or process.state == "Z"


async def _ready_now(readiness: Readiness) -> bool:
    return bool(readiness.samples) and readiness.samples[-1][1]


async def test_make_up_stops_with_the_reason_when_a_server_cannot_come_back(work_dir):
    with launched(work_dir / "gives-up" / "home") as up:
        # While the launcher is paused, NATS dies and another program takes its port.
        os.kill(up.process.pid, signal.SIGSTOP)
        try:
            nats_pid = up.nats_pid()
            os.kill(nats_pid, signal.SIGKILL)
            await eventually(lambda: _dead(nats_pid), timeout=10, interval=0.05)
            with socket.socket() as thief:
                thief.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers do
                # the dead server's sockets can hold the port a moment after it is gone
                await eventually(lambda: _bound(thief, up.settings.nats_port), timeout=10,
                                 interval=0.05)
                thief.listen()
                resumed_at = time.monotonic()
                os.kill(up.process.pid, signal.SIGCONT)
                await asyncio.to_thread(up.process.wait, 120)
        finally:
            if up.process.poll() is None:
                os.kill(up.process.pid, signal.SIGCONT)
    assert up.process.returncode == 3
    _, line = up.console.wait_for("Cannot keep Dovetail up", resumed_at, 10)
    assert ("NATS could not be restarted (5 tries in" in line
            and f"port {up.settings.nats_port} for NATS is already taken by another process" in line
            and line.endswith("Stopping everything rather than run half-alive.")), line
    assert "did not restart" in up.log() and line.split(" ", 1)[1] in up.log()
    assert up.console.wait_for("^Stopped. Data is kept in", resumed_at, 10)


async def _bound(sock: socket.socket, port: int) -> bool:
    try:
        sock.bind(("127.0.0.1", port))
    except OSError:
        return False
    return True
