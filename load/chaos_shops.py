"""Shops delivering signed order webhooks the way Shopify delivers its own (for `make chaos`).

Shopify waits 5 s for an answer and retries a delivery that timed out or was not answered 2xx,
with pauses that grow, sending the same order again (Shopify's schedule spans hours; here it is
compressed to seconds so that a fault run takes minutes). Now and then it delivers an order it
already delivered. Every attempt is kept, with when it was sent and answered and how, so that a
fault run can say what shops met in each fault window.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field

import httpx

from tests.helpers import order_payload
from webhook_signature import sign

RETRY_PAUSES = (0.25, 0.5, 1.0)  # then 1 s between tries
RESEND_EVERY = 7  # every so many orders a shop delivers again once accepted
TIMEOUT = "timeout"  # no answer within the shop's timeout
NO_ANSWER = "no answer"  # refused, reset, closed: nothing listened


@dataclass(frozen=True)
class Attempt:
    external_id: str
    sent: float  # monotonic
    answered: float  # monotonic: when the answer (or the failure) came
    outcome: int | str  # HTTP status, TIMEOUT or NO_ANSWER

    @property
    def ok(self) -> bool:
        return self.outcome in (200, 202)


@dataclass
class Shops:
    """`count` shops delivering `orders` orders between them, a `pause` between two orders of
    one shop; `allowed` (raised by the fault driver) caps how many orders have been begun."""

    base_url: str
    secret: str
    batch: str
    orders: int
    count: int = 4
    pause: float = 0.4
    timeout: float = 5.0
    give_up_after: float = 300.0  # a delivery still failing after this is abandoned
    allowed: int = 0
    attempts: list[Attempt] = field(default_factory=list)
    accepted: dict[str, set[str]] = field(default_factory=dict)
    abandoned: list[str] = field(default_factory=list)
    _numbers: itertools.count = field(default_factory=itertools.count)
    _more: asyncio.Event = field(default_factory=asyncio.Event)

    def allow(self, n: int) -> None:
        self.allowed = min(n, self.orders)
        self._more.set()

    async def run(self) -> None:
        limits = httpx.Limits(max_connections=self.count)
        async with httpx.AsyncClient(base_url=self.base_url, timeout=self.timeout,
                                     limits=limits) as client:
            await asyncio.gather(*[self._shop(client, i) for i in range(self.count)])

    async def _shop(self, client: httpx.AsyncClient, shop: int) -> None:
        while (n := next(self._numbers)) < self.orders:
            while n >= self.allowed:
                self._more.clear()
                await self._more.wait()
            payload = order_payload(f"{self.batch}-{shop}-{n:05d}")
            for _ in range(2 if n % RESEND_EVERY == 0 else 1):
                await self.deliver(client, payload)
            await asyncio.sleep(self.pause)

    async def deliver(self, client: httpx.AsyncClient, payload: dict) -> None:
        """Until answered 2xx, or `give_up_after` s of failures."""
        body = json.dumps(payload).encode()
        external_id = payload["external_id"]
        first = time.monotonic()
        for tried in itertools.count():
            sent = time.monotonic()
            outcome: int | str
            try:
                r = await client.post("/webhooks/dovetail/orders", content=body, headers={
                    "Dovetail-Signature": sign(self.secret, body),
                    "Content-Type": "application/json"})
                outcome = r.status_code
            except httpx.TimeoutException:
                outcome = TIMEOUT
            except httpx.TransportError:
                outcome = NO_ANSWER
            attempt = Attempt(external_id, sent, time.monotonic(), outcome)
            self.attempts.append(attempt)
            if attempt.ok:
                self.accepted.setdefault(external_id, set()).add(r.json()["order_id"])
                return
            if time.monotonic() - first > self.give_up_after:
                self.abandoned.append(external_id)
                return
            await asyncio.sleep(RETRY_PAUSES[min(tried, len(RETRY_PAUSES) - 1)])
