"""The NATS readiness check must not harm the connection it checks: when the server's answer
comes after the check gave up (a loaded event loop, a slow network), the connection keeps
working. A timed-out `nc.flush()` did not survive this: the late PONG stopped nats-py's read
loop and the connection went deaf."""

from __future__ import annotations

import asyncio
import contextlib
import time

import nats
import pytest

from infra.servers import free_port
from services.kit.health import nats_check

pytestmark = pytest.mark.integration


class SlowLink:
    """A TCP hop in front of a real nats-server; while `delay` > 0 what the server sends is
    held that long before the client gets it (what a busy link or loop does to a reply)."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.port = free_port()
        self.delay = 0.0
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task] = set()

    async def __aenter__(self) -> SlowLink:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        return self

    async def __aexit__(self, *exc) -> None:
        assert self._server is not None
        self._server.close()
        for pipe in self._pipes:
            pipe.cancel()
        await asyncio.gather(*self._pipes, return_exceptions=True)

    async def _serve(self, client_in: asyncio.StreamReader, client_out: asyncio.StreamWriter):
        server_in, server_out = await asyncio.open_connection("127.0.0.1", self.target_port)
        for pipe in (self._pipe(client_in, server_out, slow=False),
                     self._pipe(server_in, client_out, slow=True)):
            task = asyncio.create_task(pipe)
            self._pipes.add(task)
            task.add_done_callback(self._pipes.discard)

    async def _pipe(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter, slow: bool):
        with contextlib.suppress(ConnectionError):
            while chunk := await source.read(65536):
                if slow and self.delay:
                    await asyncio.sleep(self.delay)
                sink.write(chunk)
                await sink.drain()
        sink.close()


async def round_trip(nc, subject: str, timeout: float) -> bool:
    """A message published on this connection comes back to its own subscription."""
    sub = await nc.subscribe(subject)
    try:
        await nc.publish(subject, b"ping")
        await sub.next_msg(timeout=timeout)
        return True
    except nats.errors.TimeoutError:
        return False
    finally:
        with contextlib.suppress(Exception):
            await sub.unsubscribe()


@pytest.mark.parametrize("with_jetstream", [True, False], ids=["jetstream", "core"])
async def test_a_check_that_times_out_leaves_the_connection_working(nats_server,
                                                                    with_jetstream):
    async with SlowLink(nats_server.port) as link:
        nc = await nats.connect(f"nats://127.0.0.1:{link.port}", allow_reconnect=False)
        try:
            check = nats_check(nc, nc.jetstream() if with_jetstream else None)
            await check()  # through the link at full speed: the dependency is there

            link.delay = 0.6
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(check(), 0.2)  # what Readiness does to a slow check
            await asyncio.sleep(1.0)  # the late answer arrives after the check gave up
            link.delay = 0.0

            started = time.monotonic()
            assert await round_trip(nc, f"dovetail.test.{time.monotonic_ns()}", timeout=3), \
                "the connection stopped reading after a late answer to a check"
            await check()
            assert nc.is_connected
            print(f"round trip and check after the late answer: "
                  f"{time.monotonic() - started:.2f} s")
        finally:
            await nc.close()
