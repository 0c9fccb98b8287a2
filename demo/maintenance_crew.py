"""A demo factory's maintenance crew (issue 22): it takes the maintenance the platform proposes
for its machines and reports it done, as the factory's people would in the workspace.

Every `poll_s` the crew lists its factory's tasks (ListMaintenance, with the factory's key):

- a task proposed `accept_after_s` ago or more is accepted where it was proposed
  (AcceptMaintenance), and its planned stop told to iot (DeclarePlannedStop, keyed by the
  stop's id, as the gateway does when a person accepts);
- an accepted task whose stop is over is reported done (ReportMaintenanceDone): the machine was
  serviced in the stop (demo/machines.py fits the wearing saw's new blade there), and iot's
  wear watch learns its new baseline.

A person who accepts or reports first in the workspace (/factory/maintenance/) simply goes
first; a factory left to people (DOVETAIL_DEMO_MANUAL_FACTORIES) has no crew. Times are in the
demo's hours (demo/wear.py DemoWear: an hour is `window_s` seconds).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

import grpc

from dovetail.common.v1 import types_pb2
from dovetail.iot.v1 import iot_service_pb2 as iot
from dovetail.iot.v1 import iot_service_pb2_grpc as iot_grpc
from dovetail.scheduling.v1 import scheduling_service_pb2 as pb

log = logging.getLogger("dovetail.scheduling.simulator.crew")


@dataclass(frozen=True)
class CrewPace:
    """How soon the crew takes a proposed task, and how often it looks (seconds)."""

    accept_after_s: float = 3.0
    poll_s: float = 3.0

    @classmethod
    def of_demo_hour(cls, hour_s: float) -> CrewPace:
        """The crew of a demo whose hour is `hour_s`: it takes a task within the hour, and
        looks every hour (at least every second, at most every half minute)."""
        return cls(accept_after_s=hour_s, poll_s=min(30.0, max(1.0, hour_s)))


def to_accept(tasks: Sequence[pb.MaintenanceTask], now_ms: int,
              pace: CrewPace) -> list[pb.MaintenanceTask]:
    """The proposed tasks the crew takes now."""
    wait_ms = pace.accept_after_s * 1000
    return [t for t in tasks if t.status == pb.MAINTENANCE_STATUS_PROPOSED
            and now_ms - t.proposed_at.ToMilliseconds() >= wait_ms]


def to_report_done(tasks: Sequence[pb.MaintenanceTask], now_ms: int) -> list[pb.MaintenanceTask]:
    """The accepted tasks whose stop is over: the machine was serviced in it."""
    return [t for t in tasks if t.status == pb.MAINTENANCE_STATUS_ACCEPTED
            and t.end.ToMilliseconds() <= now_ms]


class MaintenanceCrew:
    """One demo factory's crew, over the factory's channels to scheduling and iot."""

    def __init__(self, factory_id: str, metadata, pace: CrewPace):
        self.factory_id = factory_id
        self.metadata = metadata
        self.pace = pace

    async def run(self, scheduling, iot_channel: grpc.aio.Channel | None) -> None:
        """Until cancelled; an answer refused (a person went first) is only logged."""
        iot_stub = iot_grpc.IotServiceStub(iot_channel) if iot_channel is not None else None
        while True:
            await self.once(scheduling, iot_stub, int(time.time() * 1000))
            await asyncio.sleep(self.pace.poll_s)

    async def once(self, scheduling, iot_stub, now_ms: int) -> None:
        reply = await scheduling.ListMaintenance(pb.ListMaintenanceRequest(
            factory_id=self.factory_id), metadata=self.metadata, timeout=10)
        for task in to_accept(reply.tasks, now_ms, self.pace):
            with contextlib.suppress(grpc.aio.AioRpcError):
                accepted = (await scheduling.AcceptMaintenance(pb.AcceptMaintenanceRequest(
                    factory_id=self.factory_id, task_id=task.task_id), metadata=self.metadata,
                    timeout=10)).task
                log.info("%s accepted maintenance %s of %s", self.factory_id, task.task_id,
                         task.machine_id)
                if iot_stub is not None:
                    await self._stop_at_iot(iot_stub, accepted)
        for task in to_report_done(reply.tasks, now_ms):
            with contextlib.suppress(grpc.aio.AioRpcError):
                await scheduling.ReportMaintenanceDone(pb.ReportMaintenanceDoneRequest(
                    factory_id=self.factory_id, task_id=task.task_id), metadata=self.metadata,
                    timeout=10)
                log.info("%s serviced %s (maintenance %s done)", self.factory_id,
                         task.machine_id, task.task_id)

    async def _stop_at_iot(self, iot_stub, task: pb.MaintenanceTask) -> None:
        """The accepted stop at iot, as every planned stop is (best effort: it is for OEE and
        liveness; scheduling plans around the stop already)."""
        try:
            await iot_stub.DeclarePlannedStop(iot.DeclarePlannedStopRequest(
                factory_id=task.factory_id, machine_ids=[task.machine_id],
                reason=task.stop_reason, idempotency_key=task.stop_id,
                window=types_pb2.TimeWindow(start_unix_ms=task.start.ToMilliseconds(),
                                            end_unix_ms=task.end.ToMilliseconds())),
                metadata=self.metadata, timeout=10)
        except grpc.aio.AioRpcError as exc:
            log.warning("%s: the stop of %s not told to iot: %s", self.factory_id,
                        task.task_id, exc.details())
