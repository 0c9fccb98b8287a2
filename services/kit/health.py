"""Readiness that tells the truth: can this process do its work right now?

Liveness is only "the process answers" (gRPC health's `LIVENESS` name on a service, the
gateway's `/livez`): an orchestrator restarts a process that fails it, so it never depends on
PostgreSQL or NATS, or one database outage would get every process killed. Readiness is every
dependency reachable. A `Readiness` checks them in the background, a few times a second
(never on a probe request), keeps what it found for probes to read, exports
`dovetail_dependency_up` and tells its listeners when readiness changes; a service's gRPC
health status (`""` and each service name) follows it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

import grpc
import psycopg
from grpc_health.v1 import health_pb2
from nats.aio.client import Client
from nats.errors import NoRespondersError
from nats.js import JetStreamContext
from psycopg_pool import AsyncConnectionPool

from services.kit.metrics import DEPENDENCY_UP
from services.kit.rpc import mark_serving

log = logging.getLogger("dovetail.health")

# A check round every CHECK_INTERVAL_S, each check given CHECK_TIMEOUT_S: readiness flips
# within interval + timeout (1.5 s) of a dependency going away or coming back.
CHECK_INTERVAL_S = 0.5
CHECK_TIMEOUT_S = 1.0
# The gRPC health name that answers SERVING while the process runs, whatever its dependencies
# (a liveness probe asks for it; "" and the service names are readiness).
LIVENESS = "liveness"

Check = Callable[[], Awaitable[None]]


class DependencyDown(Exception):
    """A dependency answered, but not as one that can do its part (the message says how)."""


def postgres_check(pool: AsyncConnectionPool, timeout: float = CHECK_TIMEOUT_S) -> Check:
    """`SELECT 1` through the process's own pool: the connections its work uses."""

    async def check() -> None:
        async with pool.connection(timeout=timeout) as conn:
            await conn.execute("SELECT 1")

    return check


class PostgresProbe:
    """Readiness's own connection to PostgreSQL: `check` runs `SELECT 1` on it, opening a new
    one when it is gone. A refused connection fails the check at once (a pool would wait out
    its timeout first, and a pool busy with work is not a database away)."""

    def __init__(self, database_url: str):
        self.database_url = database_url
        self._conn: psycopg.AsyncConnection | None = None

    async def check(self) -> None:
        if self._conn is None or self._conn.closed:
            self._conn = await psycopg.AsyncConnection.connect(self.database_url, autocommit=True)
        try:
            await self._conn.execute("SELECT 1")
        except BaseException:
            await self.close()  # timed out or broken: the next check starts afresh
            raise

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.close()


def nats_check(nc: Client, js: JetStreamContext | None = None) -> Check:
    """Connected, and a request answered: JetStream's account info with `js`, else the
    server's no-responders reply to a subject nobody serves.

    Not `nc.flush()`: a flush that times out leaves its PING's future cancelled in nats-py's
    queue of PONG waiters; when the late PONG comes, the read loop fails on that future and
    stops reading (nats-py 2.16), so the connection goes deaf until its own stale-connection
    pings give up minutes later. A request keeps its own bookkeeping: a reply that comes after
    the check gave up is dropped.
    """

    async def check() -> None:
        if not nc.is_connected:
            raise DependencyDown("reconnecting" if nc.is_reconnecting else "not connected")
        if js is not None:
            await js.account_info()
            return
        with contextlib.suppress(NoRespondersError):
            await nc.request(nc.new_inbox(), b"", timeout=CHECK_TIMEOUT_S)

    return check


def grpc_health_check(stub: Any) -> Check:
    """An upstream service's own gRPC health (its readiness) is SERVING; `stub`: a
    health_pb2_grpc.HealthStub on an aio channel (its type stubs declare no methods)."""

    async def check() -> None:
        try:
            reply = await stub.Check(health_pb2.HealthCheckRequest(service=""),
                                     timeout=CHECK_TIMEOUT_S)
        except grpc.aio.AioRpcError as error:
            raise DependencyDown(f"UNREACHABLE ({error.code().name})") from None
        if reply.status != health_pb2.HealthCheckResponse.SERVING:
            raise DependencyDown(health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status))

    return check


def _reason(exc: BaseException, timeout: float) -> str:
    if isinstance(exc, DependencyDown):
        return str(exc)
    if isinstance(exc, TimeoutError):
        return f"no answer within {timeout:g} s"
    return f"{type(exc).__name__}: {exc}".strip().rstrip(":")[:200]


class Readiness:
    """The dependencies of one process (`component`), checked in the background."""

    def __init__(self, component: str, checks: Mapping[str, Check],
                 interval: float = CHECK_INTERVAL_S, timeout: float = CHECK_TIMEOUT_S):
        if not checks:
            raise ValueError(f"{component}: readiness needs at least one dependency to check")
        self.component = component
        self.checks = dict(checks)
        self.interval = interval
        self.timeout = timeout
        # dependency → why it is missing; absent once a check passed.
        self.missing: dict[str, str] = dict.fromkeys(self.checks, "not checked yet")
        self._listeners: list[Callable[[bool], Awaitable[None]]] = []
        self._told = False  # what listeners last heard (nothing checked yet: not ready)
        self._telling = asyncio.Lock()  # one flip told at a time, in order

    @property
    def ready(self) -> bool:
        return not self.missing

    def status(self, dependency: str) -> str | None:
        """None while `dependency` is reachable, else why it is not."""
        return self.missing.get(dependency)

    def on_change(self, listener: Callable[[bool], Awaitable[None]]) -> None:
        """Await `listener(ready)` each time readiness flips."""
        self._listeners.append(listener)

    async def check_once(self) -> bool:
        """One round: every check at once, each within the timeout; True when all passed."""
        await asyncio.gather(*(self._check(name) for name in self.checks))
        return self.ready

    async def run(self, stop: asyncio.Event) -> None:
        """Check every `interval` until `stop` is set; each dependency on its own, so one that
        hangs until the timeout does not delay noticing another."""
        await asyncio.gather(*(self._keep_checking(name, stop) for name in self.checks))

    async def _keep_checking(self, name: str, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self._check(name)
            except Exception:  # a listener failing must not end the checks
                log.exception("readiness check failed", extra={"component": self.component,
                                                               "dependency": name})
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.interval)

    async def _check(self, name: str) -> None:
        try:
            await asyncio.wait_for(self.checks[name](), self.timeout)
        except Exception as exc:  # whatever stops a dependency answering makes it missing
            self._record(name, _reason(exc, self.timeout))
        else:
            self._record(name, None)
        async with self._telling:
            if self.ready != self._told:
                self._told = self.ready
                for listener in self._listeners:
                    await listener(self._told)

    def _record(self, name: str, reason: str | None) -> None:
        before = self.missing.get(name)
        if reason is None:
            self.missing.pop(name, None)
            if before is not None and before != "not checked yet":
                log.info("dependency back", extra={"component": self.component,
                                                   "dependency": name})
        else:
            self.missing[name] = reason
            if before is None:
                log.warning("dependency missing", extra={"component": self.component,
                                                         "dependency": name, "reason": reason})
        DEPENDENCY_UP.labels(self.component, name).set(0 if reason else 1)


def while_missing(readiness: Readiness, dependency: str,
                  served_anyway: Iterable[str] = ()) -> Callable[[str], str | None]:
    """For rpc.Gate: a call is refused at once (UNAVAILABLE) while `dependency` is missing,
    rather than waiting out its connect and lock timeouts; `served_anyway`: the methods that
    work without it."""
    anyway = frozenset(served_anyway)

    def unavailable(method: str) -> str | None:
        reason = readiness.status(dependency)
        if reason is None or method in anyway:
            return None
        return f"{dependency} unreachable ({reason}); retry later"

    return unavailable


async def follow_in_grpc_health(readiness: Readiness, health_servicer,
                                service_names: Iterable[str]) -> None:
    """Make the gRPC health of `""` and each service name follow `readiness`, and answer
    SERVING for `LIVENESS` while the server runs."""
    names = list(service_names)
    await health_servicer.set(LIVENESS, health_pb2.HealthCheckResponse.SERVING)

    async def follow(ready: bool) -> None:
        await mark_serving(health_servicer, names, ready)

    readiness.on_change(follow)
    await follow(readiness.ready)
