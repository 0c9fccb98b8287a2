"""Group commit for order intake: concurrent PlaceOrder calls share one transaction.

Under load many shops post at once; writing each order in its own transaction makes every
request wait for its own fsync behind the event table's lock. The batcher takes whatever
requests are waiting (never waiting on purpose for more), writes them in one transaction,
and answers each only after that commit. With one request waiting, it is a plain write.
"""

from __future__ import annotations

import asyncio
import contextlib
from concurrent.futures import ThreadPoolExecutor

from services.orders.application import OrdersApplication, Placement, PlacementRequest

MAX_BATCH = 256


class IntakeBatcher:
    def __init__(self, app: OrdersApplication):
        self.app = app
        self.queue: asyncio.Queue[tuple[PlacementRequest, asyncio.Future]] = asyncio.Queue()
        # One writer: the event table is locked per insert anyway.
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="intake")

    async def place(self, request: PlacementRequest) -> Placement:
        future: asyncio.Future[Placement] = asyncio.get_running_loop().create_future()
        await self.queue.put((request, future))
        return await future

    async def place_many(self, requests: list[PlacementRequest]) -> list[Placement]:
        """Queue several at once (a PlaceOrders call); they usually share one transaction."""
        loop = asyncio.get_running_loop()
        futures = []
        for request in requests:
            future: asyncio.Future[Placement] = loop.create_future()
            self.queue.put_nowait((request, future))
            futures.append(future)
        return list(await asyncio.gather(*futures))

    async def run(self, stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        try:
            while not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    first = await asyncio.wait_for(self.queue.get(), 0.5)
                    batch = [first]
                    while len(batch) < MAX_BATCH and not self.queue.empty():
                        batch.append(self.queue.get_nowait())
                    await self._write(loop, batch)
        finally:
            while not self.queue.empty():
                _, future = self.queue.get_nowait()
                future.cancel()
            self.executor.shutdown(wait=False)

    async def _write(self, loop, batch) -> None:
        requests = [r for r, _ in batch]
        try:
            answers = await loop.run_in_executor(self.executor, self.app.place_orders, requests)
        except Exception as exc:  # noqa: BLE001 - every waiting caller gets the failure
            # Those queued behind this batch would each wait out the same outage in turn;
            # they hear of it now and retry (nothing of theirs was written).
            while not self.queue.empty():
                batch.append(self.queue.get_nowait())
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for (_, future), answer in zip(batch, answers, strict=True):
            if not future.done():
                future.set_result(answer)
