"""The fence between recording shop-floor progress and publishing a plan.

The planner solves from a snapshot of the network state while factories keep reporting. A
plan saved after a STARTED report but worked out before it may move that order to another
factory (the factory is then refused the order's remaining operations) or move the started
operation. So the planner checks its plan against every report recorded so far and saves it
with the fence held alone; reports are recorded with it shared. A report therefore either
is recorded before the check (and the plan is made to agree with it) or after the plan is
saved (and is checked against that plan).

Reports (shared) and the planner (alone) are all in this process's event loop; the work
they hold the fence for runs in a thread and keeps the fence until that thread has ended,
even when the caller is cancelled (a cancelled await does not stop a thread that may still
commit). A planner waiting for the fence goes before reports that arrive after it, so a
steady stream of reports cannot starve it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

T = TypeVar("T")


class ProgressFence:
    def __init__(self) -> None:
        self._reports = 0  # reports being recorded (threads running)
        self._publishing = False
        self._publishers_waiting = 0
        self._pending: set[asyncio.Future] = set()  # threads run by the publisher
        self._release_after_pending = False
        self._waiters: list[asyncio.Future] = []

    async def report(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` in a thread, never while a plan is being checked and saved."""
        await self._wait_until(lambda: not self._publishing and not self._publishers_waiting)
        self._reports += 1
        task = asyncio.ensure_future(asyncio.to_thread(fn, *args))
        task.add_done_callback(self._report_done)
        return await asyncio.shield(task)

    @contextlib.asynccontextmanager
    async def publishing(self) -> AsyncIterator[None]:
        """Hold the fence alone: no report is recorded until the block is left and the
        threads started in it with :meth:`run` have ended."""
        self._publishers_waiting += 1
        try:
            await self._wait_until(lambda: not self._publishing and not self._reports)
        finally:
            self._publishers_waiting -= 1
            self._wake()
        self._publishing = True
        try:
            yield
        finally:
            if self._pending:
                self._release_after_pending = True
            else:
                self._release_publishing()

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` in a thread; inside :meth:`publishing`, the fence stays held until
        the thread has ended."""
        if not self._publishing:
            return await asyncio.to_thread(fn, *args)
        task = asyncio.ensure_future(asyncio.to_thread(fn, *args))
        self._pending.add(task)
        task.add_done_callback(self._run_done)
        return await asyncio.shield(task)

    # --- internals ----------------------------------------------------------------------

    async def _wait_until(self, ready: Callable[[], bool]) -> None:
        loop = asyncio.get_running_loop()
        while not ready():
            waiter = loop.create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            finally:
                with contextlib.suppress(ValueError):
                    self._waiters.remove(waiter)

    def _wake(self) -> None:
        waiters, self._waiters = self._waiters, []
        for w in waiters:
            if not w.done():
                w.set_result(None)

    def _report_done(self, task: asyncio.Future) -> None:
        self._reports -= 1
        self._wake()
        if not task.cancelled():
            task.exception()  # retrieved: the caller may have stopped waiting

    def _run_done(self, task: asyncio.Future) -> None:
        self._pending.discard(task)
        if not task.cancelled():
            task.exception()
        if not self._pending and self._release_after_pending:
            self._release_publishing()

    def _release_publishing(self) -> None:
        self._publishing = False
        self._release_after_pending = False
        self._wake()
