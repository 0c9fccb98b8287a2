"""A service's relay in a process of its own, started and watched by the service's runtime.

For a service whose event loop is busy with other work (iot's telemetry intake takes most of a
core at a chain's 16,000 machines): the relay reads the log, publishes a batch and gathers its
acks in turns of its own loop, and its reads run beside the intake, not behind it for the GIL.
The relay is the same `Relay`, under the same leadership lock as an in-process one (one relay a
service across replicas and versions), exactly once as before (`Nats-Msg-Id`, position after
the acks). It is woken by PostgreSQL's NOTIFY, which eventsourcing's recorder sends with every
insert, and polls besides.

The child reports what it published on its standard output, a JSON line a batch; the runtime
turns the lines into the service's own relay metrics, so they are served where they always were.
The child ends when told (SIGTERM), and by itself when its parent is gone.

    python -m services.kit.relay_process SERVICE APPLICATION TO_INTEGRATION [TOPIC ...]

(APPLICATION and TO_INTEGRATION as `module:name`; settings from DOVETAIL_*.)
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import logging
import os
import signal
import sys
from collections.abc import Callable, Sequence

import psycopg
from psycopg import sql
from psycopg_pool import AsyncConnectionPool

from services.kit.jetstream import connect
from services.kit.leadership import run_as_leader
from services.kit.log_follower import LogWakeup
from services.kit.persistence import RECONNECT_S, ServiceApplication, open_application
from services.kit.relay import Relay, RelayReport
from services.kit.settings import Settings

log = logging.getLogger("dovetail.relay")
RESTART_S = 1.0  # before a child that ended is started again
STOP_S = 10.0  # for a child to finish its batch and record its position after SIGTERM
PARENT_CHECK_S = 1.0
CHILD_POOL_SIZE = 2


def ref(obj: object) -> str:
    """`module:qualname` of a class or function, for the child to import."""
    return f"{obj.__module__}:{obj.__qualname__}"  # type: ignore[attr-defined]


def resolve(reference: str) -> object:
    module, _, name = reference.partition(":")
    obj: object = importlib.import_module(module)
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


class LineReport(RelayReport):
    """In the child: each batch's figures as a JSON line on stdout."""

    def __init__(self, service: str, out=None):
        super().__init__(service)
        self.out = out or sys.stdout

    def batch(self, position: int, published: int, lags: Sequence[float]) -> None:
        self.out.write(json.dumps({"position": position, "published": published,
                                   "lags": [round(x, 4) for x in lags]}) + "\n")
        self.out.flush()


def apply_line(report: RelayReport, line: bytes) -> None:
    """In the parent: a line of the child's into the service's relay metrics."""
    try:
        figures = json.loads(line)
        report.batch(int(figures["position"]), int(figures["published"]),
                     [float(x) for x in figures["lags"]])
    except (ValueError, KeyError, TypeError):
        log.warning("relay process said something unexpected", extra={
            "service": report.service, "line": line[:200].decode(errors="replace")})


class RelayProcess:
    """The runtime's side: starts the child, restarts it when it ends, stops it on `stop`."""

    def __init__(self, service: str, settings: Settings, application: type[ServiceApplication],
                 to_integration: Callable, topics: Sequence[str] = ()):
        self.service = service
        self.argv = [sys.executable, "-m", __name__, service, ref(application),
                     ref(to_integration), *topics]
        self.env = {**os.environ, **settings.to_env(),
                    "DOVETAIL_POOL_SIZE": str(CHILD_POOL_SIZE),
                    # the child imports what this process imported, from where it did
                    "PYTHONPATH": os.pathsep.join(p for p in sys.path if p),
                    "PYTHONUNBUFFERED": "1"}
        self.report = RelayReport(service)
        self.starts = 0

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.starts += 1
            child = await asyncio.create_subprocess_exec(
                *self.argv, env=self.env, stdout=asyncio.subprocess.PIPE)
            try:
                await self._follow(child, stop)
            finally:
                with contextlib.suppress(TimeoutError):
                    await _end(child)
            if not stop.is_set():
                log.warning("relay process ended; starting it again", extra={
                    "service": self.service, "exit": child.returncode})
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), RESTART_S)

    async def _follow(self, child: asyncio.subprocess.Process, stop: asyncio.Event) -> None:
        assert child.stdout is not None
        stopping = asyncio.ensure_future(stop.wait())
        try:
            while True:
                reading = asyncio.ensure_future(child.stdout.readline())
                await asyncio.wait({reading, stopping}, return_when=asyncio.FIRST_COMPLETED)
                if not reading.done():
                    reading.cancel()
                    return
                line = reading.result()
                if not line:
                    return  # the child ended
                apply_line(self.report, line)
        finally:
            stopping.cancel()


async def _end(child: asyncio.subprocess.Process) -> None:
    """SIGTERM, time to record its position, then SIGKILL (at once if we are cancelled)."""
    if child.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            child.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(child.wait(), STOP_S)
    except (TimeoutError, asyncio.CancelledError):
        with contextlib.suppress(ProcessLookupError):
            child.kill()
        raise


# ---- the child --------------------------------------------------------------------------------

async def listen(database_url: str, channel: str, wakeup: LogWakeup,
                 stop: asyncio.Event) -> None:
    """Wake the relay at every NOTIFY of the service's recorder; reconnect when PostgreSQL
    goes away (the relay polls meanwhile)."""
    while not stop.is_set():
        try:
            async with await psycopg.AsyncConnection.connect(database_url,
                                                             autocommit=True) as conn:
                await conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
                wakeup.notify()  # anything recorded before we listened
                async for _ in conn.notifies():
                    wakeup.notify()
                    if stop.is_set():
                        return
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - PostgreSQL away: polling covers it
            log.warning("listening for the log failed; retrying", extra={"error": repr(exc)})
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), RECONNECT_S)


async def _watch_parent(parent: int, stop: asyncio.Event) -> None:
    while not stop.is_set():
        if os.getppid() != parent:
            log.warning("the service process is gone; the relay process ends")
            stop.set()
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), PARENT_CHECK_S)


async def relay_main(service: str, application: type[ServiceApplication],
                     to_integration: Callable, topics: Sequence[str], settings: Settings,
                     parent: int) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with contextlib.AsyncExitStack() as stack:
        pool = AsyncConnectionPool(settings.database_url, min_size=1,
                                   max_size=settings.pool_size, kwargs={"autocommit": True},
                                   open=False, check=AsyncConnectionPool.check_connection,
                                   reconnect_timeout=RECONNECT_S)
        await pool.open(wait=True, timeout=30)
        stack.push_async_callback(pool.close)
        app = await asyncio.to_thread(open_application, application, settings, service)
        stack.callback(app.close)
        nc = await connect(settings.nats_url, name=f"dovetail-{service}-relay")
        stack.push_async_callback(_drain, nc)
        wakeup = LogWakeup()
        wakeup.bind(loop)
        relay = Relay(service=service, app=app, js=nc.jetstream(), pool=pool, wakeup=wakeup,
                      to_integration=to_integration, schema=service, tenant=settings.tenant,
                      topics=topics, report=LineReport(service))
        channel = app.recorder.channel_name  # type: ignore[attr-defined]
        tasks = [asyncio.create_task(listen(settings.database_url, channel, wakeup, stop)),
                 asyncio.create_task(_watch_parent(parent, stop))]
        try:
            await run_as_leader(settings.database_url, f"dovetail:{service}:relay", relay.run,
                                stop)
        finally:
            stop.set()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)


async def _drain(nc) -> None:
    with contextlib.suppress(Exception):
        await asyncio.wait_for(nc.drain(), 5)


def main(argv: list[str] | None = None) -> None:
    from services.kit.logs import configure_logging

    args = sys.argv[1:] if argv is None else argv
    if len(args) < 3:
        raise SystemExit(__doc__)
    service, application, to_integration, *topics = args
    settings = Settings.from_env()
    configure_logging(f"{service}-relay", settings.log_level, settings.log_format)
    app_class = resolve(application)
    assert isinstance(app_class, type) and issubclass(app_class, ServiceApplication)
    mapper = resolve(to_integration)
    assert callable(mapper)
    parent = os.getppid()
    asyncio.run(relay_main(service, app_class, mapper, topics, settings, parent))


if __name__ == "__main__":
    main()
