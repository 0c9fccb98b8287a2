"""The lifecycle every service process shares (the composition roots call `serve`).

Starts, in order: PostgreSQL pools and the key store, the application, NATS and streams,
the relay, consumers and projections, the gRPC server and the metrics endpoint. A signal
sets the stop event; the gRPC server stops with a grace period, background tasks finish,
NATS drains and every resource is closed by the exit stack.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field

import grpc
from nats.aio.client import Client
from nats.js import JetStreamContext
from psycopg_pool import AsyncConnectionPool

from services.kit.auth import KeyStore
from services.kit.consumer import Consumer, Policy, Prepare
from services.kit.exposure import check_exposure
from services.kit.health import (
    PostgresProbe,
    Readiness,
    follow_in_grpc_health,
    nats_check,
    while_missing,
)
from services.kit.jetstream import connect, ensure_streams
from services.kit.leadership import Job, run_as_leader
from services.kit.log_follower import LogWakeup
from services.kit.persistence import RECONNECT_S, ServiceApplication, open_application
from services.kit.positions import ensure_positions_table
from services.kit.relay import IntegrationMapper, Relay
from services.kit.relay_process import RelayProcess
from services.kit.rpc import create_server, mark_serving
from services.kit.settings import Settings, SettingsError
from services.kit.tls import bind
from services.kit.warming import WARM_UP, WarmUp

log = logging.getLogger("dovetail.runtime")
GRACE_S = 5.0


@dataclass
class ConsumerSpec:
    upstream: str
    subjects: list[str]
    policy: Policy
    # >1: events of different upstream aggregates are applied this many at a time (each
    # aggregate's events still in order). Only for policies where events of different
    # aggregates never depend on each other's order (see Consumer).
    lanes: int = 1
    # A fetched batch applied in one transaction (runs of distinct upstream aggregates): for
    # policies that read only the aggregates they change (see Consumer). Lanes are then unused.
    batched: bool = False
    # Batched only: the context a run's policies are applied in, told the run's events first.
    prepare: Prepare | None = None


@dataclass
class ServiceParts:
    """What a service's composition root hands the runtime."""

    add_servicers: Callable[[grpc.aio.Server], Iterable[str]]
    roles: Mapping[str, Iterable[str]]
    # Batch methods whose servicer checks each item's text itself (see rpc.Gate).
    itemwise: Iterable[str] = ()
    # Methods that work without PostgreSQL; every other call is refused at once (UNAVAILABLE)
    # while the process cannot reach it.
    without_postgres: Iterable[str] = ()
    to_integration: IntegrationMapper | None = None
    # The relay in a process of its own (services/kit/relay_process.py), for a service whose
    # event loop is busy with other work (iot's intake); the runtime starts and watches it.
    relay_process: bool = False
    # Topics of the domain events to_integration publishes (lets the relay skip the rest in SQL).
    integration_topics: list[str] = field(default_factory=list)
    consumers: list[ConsumerSpec] = field(default_factory=list)
    # Long-running tasks (timers, intake): each gets the stop event; run on every replica.
    background: list[Job] = field(default_factory=list)
    # Tasks only one replica runs at a time (projections): name → job. The relay is one too.
    leader_jobs: dict[str, Job] = field(default_factory=dict)
    on_close: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    # Blocking work done once at start, in a thread (compiling kernels): readiness (gRPC
    # health "") stays NOT_SERVING until it is done, and `start` returns after it.
    warm_up: list[Callable[[], None]] = field(default_factory=list)


@dataclass
class Runtime:
    """Shared resources a composition root builds its parts from."""

    name: str
    settings: Settings
    app: ServiceApplication
    pool: AsyncConnectionPool
    keys: KeyStore
    nc: Client
    js: JetStreamContext
    wakeup: LogWakeup

    @property
    def schema(self) -> str:
        return self.name


@dataclass
class Running:
    """A service that is up: its bound port, and how to stop it."""

    port: int
    stop: asyncio.Event
    done: asyncio.Task
    runtime: Runtime
    # What its gRPC health (readiness) follows: PostgreSQL and NATS, checked in the background.
    readiness: Readiness


async def start(name: str, settings: Settings, application: type[ServiceApplication],
                build: Callable[[Runtime], ServiceParts], *, port: int | None = None,
                metrics_port: int | None = None) -> Running:
    """Start a service in this event loop; `port=0` binds a free port (tests)."""
    check_exposure(settings)
    stack = contextlib.AsyncExitStack()
    stop = asyncio.Event()
    try:
        pool = AsyncConnectionPool(settings.database_url, min_size=1, max_size=settings.pool_size,
                                   kwargs={"autocommit": True}, open=False,
                                   # After a PostgreSQL restart, stale connections are replaced
                                   # on checkout instead of failing a request.
                                   check=AsyncConnectionPool.check_connection,
                                   reconnect_timeout=RECONNECT_S)
        await pool.open(wait=True, timeout=30)
        stack.push_async_callback(pool.close)
        # Readiness asks PostgreSQL through a connection of its own (the gate refuses calls
        # while the database is away: a pool busy with work must not look like that).
        probe = PostgresProbe(settings.database_url)
        stack.push_async_callback(probe.close)
        keys = KeyStore(pool)
        await keys.ensure_schema()
        await ensure_positions_table(pool, name)
        app = await asyncio.to_thread(open_application, application, settings, name)
        stack.callback(app.close)
        nc = await connect(settings.nats_url, name=f"dovetail-{name}")
        stack.push_async_callback(_drain, nc)
        js = nc.jetstream()
        await ensure_streams(js, replicas=settings.stream_replicas, limits=settings.streams)
        wakeup = LogWakeup()
        wakeup.bind(asyncio.get_running_loop())
        app.on_recorded = wakeup.notify
        runtime = Runtime(name, settings, app, pool, keys, nc, js, wakeup)
        parts = build(runtime)
        warming = WarmUp(name, parts.warm_up)
        warmed = asyncio.create_task(warming.run(), name=f"{name}:warm-up")
        for close in parts.on_close:
            stack.push_async_callback(close)

        tasks: list[asyncio.Task] = []
        leader_jobs = dict(parts.leader_jobs)
        if parts.to_integration is not None and parts.relay_process:
            child = RelayProcess(name, settings, application, parts.to_integration,
                                 parts.integration_topics)
            tasks.append(asyncio.create_task(child.run(stop), name=f"{name}:relay-process"))
        elif parts.to_integration is not None:
            relay = Relay(service=name, app=app, js=js, pool=pool, wakeup=wakeup,
                          to_integration=parts.to_integration, schema=name, tenant=settings.tenant,
                          topics=parts.integration_topics)
            leader_jobs["relay"] = relay.run
        for job_name, job in leader_jobs.items():
            tasks.append(asyncio.create_task(
                run_as_leader(settings.database_url, f"dovetail:{name}:{job_name}", job, stop),
                name=f"{name}:{job_name}"))
        for job in parts.background:
            tasks.append(asyncio.create_task(job(stop)))

        checks = {"postgres": probe.check, "nats": nats_check(nc, js)}
        if parts.warm_up:
            checks[WARM_UP] = warming.check
        readiness = Readiness(name, checks)
        await readiness.check_once()
        server, health, service_names = create_server(
            service=name, keys=keys, roles=parts.roles, add_servicers=parts.add_servicers,
            itemwise=parts.itemwise,
            unavailable=while_missing(readiness, "postgres", parts.without_postgres))
        bind_port = settings.service_ports[name] if port is None else port
        bound = bind(server, f"{settings.grpc_host}:{bind_port}", settings)
        await server.start()
        await follow_in_grpc_health(readiness, health, service_names)
        if metrics_port:
            from prometheus_client import start_http_server

            start_http_server(metrics_port, addr=settings.grpc_host)
        # Answering (liveness) while warming, ready once warm: told at once, not a round later.
        # Consumers start warm too: their first event does not compile beside the warm-up.
        await warmed
        if parts.warm_up:
            await readiness.check_once()
        for spec in parts.consumers:
            consumer = Consumer(name=name, app=app, js=js, upstream=spec.upstream,
                                subjects=spec.subjects, policy=spec.policy, lanes=spec.lanes,
                                batched=spec.batched, prepare=spec.prepare)
            tasks.append(asyncio.create_task(consumer.run(stop), name=consumer.durable))
        log.info("serving", extra={"service": name, "port": bound})
        checking = asyncio.create_task(readiness.run(stop), name=f"{name}:readiness")
    except BaseException:
        await stack.aclose()
        raise

    async def run_until_stopped() -> None:
        try:
            await stop.wait()
        finally:
            checking.cancel()  # before NOT_SERVING, so a last check round cannot undo it
            await asyncio.gather(checking, return_exceptions=True)
            await mark_serving(health, service_names, False)
            await server.stop(GRACE_S)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await stack.aclose()
            log.info("stopped", extra={"service": name})

    done = asyncio.create_task(run_until_stopped(), name=f"{name}:lifecycle")
    return Running(bound, stop, done, runtime, readiness)


async def _drain(nc: Client) -> None:
    with contextlib.suppress(Exception):
        await asyncio.wait_for(nc.drain(), 5)


def main(name: str, application: type[ServiceApplication],
         build: Callable[[Runtime], ServiceParts]) -> None:
    """Run a service as a process until SIGTERM / SIGINT."""
    from services.kit.logs import configure_logging

    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        raise SystemExit(f"Cannot start {name}: {exc}") from None
    configure_logging(name, settings.log_level, settings.log_format)
    if not settings.database_url or not settings.nats_url:
        raise SystemExit("DOVETAIL_DATABASE_URL and DOVETAIL_NATS_URL must be set "
                         "(`make up` sets them for every service)")

    async def run() -> None:
        running = await start(name, settings, application, build,
                              metrics_port=settings.metrics_ports.get(name))
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, running.stop.set)
        await running.done

    try:
        asyncio.run(run())
    except SettingsError as exc:
        raise SystemExit(f"Cannot start {name}: {exc}") from None
