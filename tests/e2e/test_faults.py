"""Faults under load (issue #9): while shops post a steady stream of signed orders, every
process is killed with SIGKILL in turn and restarted (as the launcher would), then NATS is
killed and restarted, then PostgreSQL (the gateway answers 503 meanwhile; shops retry).
Afterwards everything must reconcile: one order per accepted webhook, every relayed event on
JetStream exactly once, every configured order planned, nothing stuck.

The platform here has servers of its own (module scope): restarting the session's PostgreSQL
and NATS would pull them from under every other test.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx
import pytest

from gateway.channels import CACHE_TTL_S
from infra.launcher import SERVICE_ORDER, prepare
from infra.servers import NatsProcess, PostgresProcess, free_port
from services.kit.settings import SERVICE_PORTS, Settings
from tests.conftest import TEST_ADMIN_KEY
from tests.e2e.conftest import Platform, launch, wait_serving
from tests.e2e.reconcile import (
    PLANNED,
    Ledger,
    configured_at_most_once,
    left_out_of_plan,
    one_order_per_webhook,
    placed_once,
    settle,
)
from tests.e2e.test_crash_recovery import post_until_accepted
from tests.helpers import eventually, order_payload, ref

pytestmark = pytest.mark.e2e

SENDERS = 2
PAUSE_S = 0.3  # between two orders of one shop: a steady stream, not a flood
STEP = 10  # orders accepted between two faults (and after the last one)
AHEAD = 6  # orders shops post beyond what the test waits for
RESEND_EVERY = 7  # every so many orders a shop sends its webhook again
# A small wall cabinet: the demo network plans a few hundred within its horizon.
ITEMS = [{"line_id": "1", "product": "wall_cabinet", "quantity": 1,
          "options": {"width_mm": 400, "height_mm": 400, "depth_mm": 300, "doors": 1,
                      "shelves": 0, "board": "particleboard-18", "finish": "melamine-white"}}]
PROCESSES = (*SERVICE_ORDER, "gateway")


@dataclass
class Faulty:
    platform: Platform
    postgres: PostgresProcess
    nats: NatsProcess


@pytest.fixture(scope="module")
async def faulty(work_dir):
    from demo.factories import seed as seed_factories

    root = work_dir / "faults"
    postgres = PostgresProcess(root / "pg" / "data", free_port())
    nats_server = NatsProcess(root / "nats", free_port(), free_port())
    try:
        await asyncio.to_thread(postgres.start)
        await asyncio.to_thread(nats_server.start)
        settings = Settings(
            home=root / "home", database_url=postgres.url, nats_url=nats_server.url,
            admin_key=TEST_ADMIN_KEY, log_format="json", gateway_port=free_port(),
            service_ports={name: free_port() for name in SERVICE_PORTS},
            metrics_ports={name: free_port() for name in SERVICE_PORTS})
        await prepare(settings, demo=True)
        platform = await launch(settings, SERVICE_ORDER, root / "logs")
        try:
            await seed_factories(settings)  # capacity, so that configured orders get planned
            yield Faulty(platform, postgres, nats_server)
        finally:
            platform.stop()
    finally:
        nats_server.stop()
        postgres.stop()


class Answers(Counter):
    """What shops were answered (status codes, "no answer"), and when each was asked."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: dict[int | str, list[float]] = {}

    def __call__(self, answer: int | str, sent_at: float) -> None:
        self[answer] += 1
        self.sent.setdefault(answer, []).append(sent_at)

    def since(self, answer: int | str, moment: float) -> int:
        """How many requests sent at `moment` or later were answered `answer`."""
        return sum(1 for t in self.sent.get(answer, ()) if t >= moment)


@dataclass
class Shops:
    """Shops posting orders one after another, each retrying until it is answered 2xx.

    They post a few orders ahead of what the test waits for (`accept`), so the stream runs on
    through every fault, and the number of orders stays well within the network's capacity
    however long a restart takes.
    """

    platform: Platform
    batch: str
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    accepted: dict[str, set[str]] = field(default_factory=dict)
    answers: Answers = field(default_factory=Answers)
    numbers: itertools.count = field(default_factory=itertools.count)
    target: int = 0
    more: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self) -> None:
        secret = self.platform.settings.webhook_secrets["dovetail"]
        async with httpx.AsyncClient(base_url=self.platform.base_url, timeout=15) as client:
            await asyncio.gather(*[self._shop(client, secret) for _ in range(SENDERS)])

    async def _shop(self, client: httpx.AsyncClient, secret: str) -> None:
        while True:
            while len(self.accepted) >= self.target + AHEAD and not self.stop.is_set():
                self.more.clear()
                await self.more.wait()
            if self.stop.is_set():
                return
            payload = order_payload(f"{self.batch}-{next(self.numbers):05d}", items=ITEMS)
            sends = 2 if len(self.accepted) % RESEND_EVERY == 0 else 1
            for _ in range(sends):  # a resend must name the same order
                answer = await post_until_accepted(client, secret, payload, attempts=600,
                                                   answered=self.answers)
                self.accepted.setdefault(payload["external_id"], set()).add(answer["order_id"])
            await asyncio.sleep(PAUSE_S)

    async def accept(self, more: int) -> None:
        """Until `more` further orders were accepted."""
        self.target += more
        self.more.set()
        await eventually(lambda: _true(len(self.accepted) >= self.target), timeout=180,
                         interval=0.1)

    async def answered(self, answer: int | str, after: float = 0.0) -> None:
        """Until a request a shop sent `after` seconds from now or later was answered `answer`
        (a status code, or "no answer")."""
        moment = time.monotonic() + after
        await eventually(lambda: _true(self.answers.since(answer, moment) > 0), timeout=120,
                         interval=0.1)

    def finish(self) -> None:
        self.stop.set()
        self.more.set()


async def _true(value: bool) -> bool:
    return value


async def inflict_faults(faulty: Faulty, shops: Shops, timeline: list[str]) -> None:
    platform = faulty.platform
    started = time.monotonic()

    def note(what: str) -> None:
        timeline.append(f"{time.monotonic() - started:6.1f}s {len(shops.accepted):4d} accepted"
                        f"  {what}")

    for name in PROCESSES:
        await shops.accept(STEP)
        note(f"kill -9 {name}")
        platform.processes[name].kill()
        if name == "orders":
            await shops.answered(503)  # the gateway cannot place orders: "retry later"
        elif name == "gateway":
            await shops.answered("no answer")
        else:
            await shops.accept(STEP // 2)  # work for it piles up while it is away
        platform.processes[name].start()  # the launcher restarts what died
        await wait_serving(platform, name)
        note(f"{name} serving again")

    await shops.accept(STEP)
    note("kill -9 NATS")
    faulty.nats.kill()
    await shops.accept(STEP // 2)  # orders are taken while NATS is away; relays catch up later
    await asyncio.to_thread(faulty.nats.start)
    note("NATS serving again")

    await shops.accept(STEP)
    note("kill -9 PostgreSQL")
    unanswered = shops.answers["no answer"]
    faulty.postgres.kill()
    # The gateway answers 503 and shops retry, also once its cached channel secrets expired.
    await shops.answered(503, after=CACHE_TTL_S + 1)
    note(f"gateway answers 503 ({shops.answers[503]} so far); starting PostgreSQL")
    await asyncio.to_thread(faulty.postgres.start)
    note("PostgreSQL serving again")
    assert shops.answers["no answer"] == unanswered, "the gateway left shops without an answer"

    await shops.accept(STEP)
    note("stop posting")
    shops.finish()


async def test_killing_every_process_and_restarting_nats_and_postgres_loses_nothing(faulty):
    platform = faulty.platform
    shops = Shops(platform, ref("FAULT"))
    timeline: list[str] = []
    sending = asyncio.create_task(shops.run())
    faults = asyncio.create_task(inflict_faults(faulty, shops, timeline))
    try:
        # A shop answered anything but 2xx / 503 fails the test at once, as does a fault step.
        done, _ = await asyncio.wait({sending, faults}, return_when=asyncio.FIRST_EXCEPTION)
        for task in done:
            task.result()
        await faults
        await sending  # the last orders are answered
    finally:
        for task in (faults, sending):  # on a failure, shops may be retrying against a
            task.cancel()               # platform that is down
        await asyncio.gather(faults, sending, return_exceptions=True)
        print("\n".join(["fault timeline:", *timeline, f"answers: {dict(shops.answers)}"]))

    # The shops were answered 2xx, 503 or not at all (while the gateway was down): no 5xx else.
    assert set(shops.answers) <= {200, 202, 503, "no answer"}, shops.answers
    orders = one_order_per_webhook(shops.accepted)
    assert len(orders) >= STEP * (len(PROCESSES) + 3)

    async with Ledger(platform.settings, SERVICE_ORDER) as ledger:
        await settle("every accepted order placed exactly once on the stream",
                     lambda: placed_once(platform.settings.nats_url, orders))
        await settle("every relayed event on JetStream exactly once", ledger.unrelayed)

        scheduling_log = platform.processes["scheduling"].log

        async def unplanned() -> list[str]:
            statuses = await ledger.order_statuses(orders.values())
            left_out = left_out_of_plan(scheduling_log)
            return [f"{order_id} is {status}" for order_id, status in statuses.items()
                    if status not in PLANNED and status != "REJECTED"
                    and not (status == "CONFIGURED" and order_id in left_out)]

        await settle("every configured order planned (or left out with a reason)", unplanned,
                     timeout=180)
        await settle("nothing stuck: consumers, relays, projections caught up", ledger.lagging)
        assert await configured_at_most_once(platform.settings.nats_url, orders.values()) == []
