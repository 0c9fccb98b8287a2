"""REST for the schedule (admin): Gantt data per factory and machine, from scheduling.

One factory at a time (`factory_id`), or a small page of factories in id order (`limit` ≤ 10,
`cursor`): a chain has 1,600 factories and 16,000 machines, more than one answer should hold.
"""

from __future__ import annotations

import asyncio
import time
from typing import Annotated

from litestar import Controller, get
from litestar.exceptions import ValidationException
from litestar.params import QueryParameter

from dovetail.common.v1 import types_pb2
from dovetail.iot.v1 import iot_service_pb2 as iot
from dovetail.scheduling.v1 import scheduling_service_pb2 as sch
from gateway import reads
from gateway.auth import planning
from gateway.deps import Services, ServicesDep
from gateway.errors import ServiceError
from gateway.schemas.network import ScheduleRead

HOUR_MS = 3_600_000
MAX_FACTORIES = 10  # per answer when no factory is named


def schedule_request(factory_id: str, hours_before: int, hours_after: int, now_ms: int
                     ) -> sch.GetScheduleRequest:
    return sch.GetScheduleRequest(factory_id=factory_id, window=types_pb2.TimeWindow(
        start_unix_ms=now_ms - hours_before * HOUR_MS, end_unix_ms=now_ms + hours_after * HOUR_MS))


async def factory_page(services: Services, limit: int, cursor: str | None
                       ) -> tuple[list[str], str | None]:
    """Ids of one page of the network's factories, and the cursor of the next page."""
    try:
        reply = await services.call("iot", "ListFactories", iot.ListFactoriesRequest(
            page=dict(page_size=limit, page_token=cursor or "")))
    except ServiceError as exc:
        if exc.status_code == 422 and cursor:  # the token is the one thing we pass on as given
            raise ValidationException("bad cursor", extra=[
                {"key": "cursor", "message": "is not a cursor this endpoint gave out"}]) from None
        raise
    return [f.factory_id for f in reply.factories], reply.next_page_token or None


async def schedule_of(services: Services, factories: list[str], hours_before: int,
                      hours_after: int, next_cursor: str | None = None) -> ScheduleRead:
    """The lanes of these factories, one GetSchedule each (a factory's lanes, never all)."""
    now_ms = int(time.time() * 1000)
    replies = await asyncio.gather(*(services.call(
        "scheduling", "GetSchedule", schedule_request(f, hours_before, hours_after, now_ms))
        for f in factories))
    return reads.schedule_of_factories(replies, now_ms, factories, next_cursor)


class ScheduleController(Controller):
    path = "/api/v1/schedule"
    tags = ["schedule"]
    guards = [planning]
    security = [{"bearer": []}]

    @get("/", summary="Gantt data of the current plan for one factory, or a page of factories")
    async def get_schedule(
        self, services: ServicesDep,
        factory_id: Annotated[str | None, QueryParameter(
            min_length=1, max_length=64, description="one factory's lanes")] = None,
        limit: Annotated[int, QueryParameter(
            ge=1, le=MAX_FACTORIES, description="factories per page without factory_id")] = 5,
        cursor: Annotated[str | None, QueryParameter(
            min_length=1, max_length=500, description="next_cursor of the previous page")] = None,
        hours_before: Annotated[int, QueryParameter(ge=0, le=24 * 14)] = 12,
        hours_after: Annotated[int, QueryParameter(ge=1, le=24 * 31)] = 72,
    ) -> ScheduleRead:
        if factory_id is not None:
            if cursor is not None:
                raise ValidationException("cursor with factory_id", extra=[
                    {"key": "cursor", "message": "pages factories: not with factory_id"}])
            return await schedule_of(services, [factory_id], hours_before, hours_after)
        factories, next_cursor = await factory_page(services, limit, cursor)
        return await schedule_of(services, factories, hours_before, hours_after, next_cursor)
