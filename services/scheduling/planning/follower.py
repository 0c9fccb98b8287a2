"""Keeps the in-memory network state by following the service's own notification log."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from services.kit.log_follower import LogWakeup, follow
from services.scheduling.application import SchedulingApplication
from services.scheduling.domain.network import NetworkState

log = logging.getLogger("dovetail.scheduling.state")


class StateFollower:
    """Replays our events onto ``state``; tells ``on_change`` what kind of change each was
    (and the event that made it)."""

    def __init__(self, app: SchedulingApplication, wakeup: LogWakeup, state: NetworkState,
                 on_change: Callable[..., None]):
        self.app = app
        self.wakeup = wakeup
        self.state = state
        self.on_change = on_change
        self.position = 0
        self.ready = asyncio.Event()  # set once the log as it was at start has been read
        self.advanced = asyncio.Event()  # set after every batch

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                head = await asyncio.to_thread(self.app.recorder.max_notification_id) or 0
                if self.position >= head:
                    self.ready.set()
                async for batch in follow(self.app, self.wakeup, self.position, 500, stop):
                    events = await asyncio.to_thread(
                        lambda b=batch: [self.app.mapper.to_domain_event(n) for n in b])
                    for event in events:
                        change = self.state.apply(event)
                        if change and self.ready.is_set():
                            self.on_change(change, event)
                    self.position = batch[-1].id
                    self.advanced.set()
                    if self.position >= head and not self.ready.is_set():
                        self.ready.set()
                        self.on_change("startup")
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("state follower interrupted; resuming", extra={"error": repr(exc)})
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 1.0)

    async def catch_up(self, timeout: float) -> bool:
        """Wait until the state holds every event recorded before this call."""
        head = await asyncio.to_thread(self.app.recorder.max_notification_id) or 0
        return await self.caught_up_with(lambda: self.position >= head, timeout)

    async def caught_up_with(self, position_check: Callable[[], bool], timeout: float) -> bool:
        """Wait until ``position_check()`` holds (e.g. our own plan has been applied)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not position_check():
            self.advanced.clear()
            left = deadline - loop.time()
            if left <= 0:
                return False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.advanced.wait(), left)
        return True
