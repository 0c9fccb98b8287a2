"""REST for the schedule (admin): Gantt data per factory and machine, from scheduling."""

from __future__ import annotations

import time
from typing import Annotated

from litestar import Controller, get
from litestar.params import QueryParameter

from dovetail.common.v1 import types_pb2
from dovetail.scheduling.v1 import scheduling_service_pb2 as sch
from gateway import reads
from gateway.auth import admin_only
from gateway.deps import ServicesDep
from gateway.schemas.network import ScheduleRead

HOUR_MS = 3_600_000


def schedule_request(factory_id: str, hours_before: int, hours_after: int, now_ms: int
                     ) -> sch.GetScheduleRequest:
    return sch.GetScheduleRequest(factory_id=factory_id, window=types_pb2.TimeWindow(
        start_unix_ms=now_ms - hours_before * HOUR_MS, end_unix_ms=now_ms + hours_after * HOUR_MS))


class ScheduleController(Controller):
    path = "/api/v1/schedule"
    tags = ["schedule"]
    guards = [admin_only]
    security = [{"bearer": []}]

    @get("/", summary="Gantt data of the current plan: lanes per machine, bars per operation")
    async def get_schedule(
        self, services: ServicesDep,
        factory_id: Annotated[str, QueryParameter(max_length=64)] = "",
        hours_before: Annotated[int, QueryParameter(ge=0, le=24 * 14)] = 12,
        hours_after: Annotated[int, QueryParameter(ge=1, le=24 * 31)] = 72,
    ) -> ScheduleRead:
        now_ms = int(time.time() * 1000)
        reply = await services.call("scheduling", "GetSchedule",
                                    schedule_request(factory_id, hours_before, hours_after, now_ms))
        return reads.schedule(reply, now_ms)
