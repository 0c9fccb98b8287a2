"""A cap on live-update streams: each holds JetStream consumers and a task for as long as the
browser keeps it open, so one key or session may hold a few, and the gateway a bounded number.
Beyond either cap the answer is 503 with Retry-After (the browser's EventSource retries).
"""

from __future__ import annotations

import contextlib
import weakref
from collections import Counter
from collections.abc import AsyncGenerator, AsyncIterator

from gateway.errors import ServiceError

RETRY_AFTER_S = 10


class StreamSlots:
    def __init__(self, per_holder: int, total: int):
        self.per_holder = per_holder
        self.total = total
        self.held: Counter[str] = Counter()

    @property
    def open(self) -> int:
        return sum(self.held.values())

    def take(self, holder: str) -> StreamSlot:
        """A slot for `holder` (a key or a session), or ServiceError(503) when none is free."""
        if self.held[holder] >= self.per_holder:
            raise ServiceError(503, f"this key or session already has {self.per_holder} live "
                               "streams open; close one first",
                               headers={"Retry-After": str(RETRY_AFTER_S)})
        if self.open >= self.total:
            raise ServiceError(503, "the gateway has as many live streams open as it serves; "
                               "retry later", headers={"Retry-After": str(RETRY_AFTER_S)})
        self.held[holder] += 1
        return StreamSlot(self, holder)


class StreamSlot:
    def __init__(self, slots: StreamSlots, holder: str):
        self.slots, self.holder, self.taken = slots, holder, True

    def give_back(self) -> None:
        """Idempotent: called when the stream ends, and again if the response never started."""
        if self.taken:
            self.taken = False
            self.slots.held[self.holder] -= 1
            if self.slots.held[self.holder] <= 0:
                del self.slots.held[self.holder]

    def holding(self, messages: AsyncGenerator) -> AsyncIterator:
        """`messages`, giving the slot back when the stream ends or the client goes away, or
        when the response is dropped before its first message (the stream never started)."""
        stream = self._relay(messages)
        weakref.finalize(stream, self.give_back)
        return stream

    async def _relay(self, messages: AsyncGenerator) -> AsyncIterator:
        try:
            async with contextlib.aclosing(messages):
                async for message in messages:
                    yield message
        finally:
            self.give_back()
