"""What the workspace reads and does through the services, always for one factory: the
factory's record, its machines and their states, its plan, an order's parts. Every lookup by
an id a browser sent is checked against the factory's own plan or machines first: another
factory's machine, operation, order or part is "not found" (404), never shown or acted on.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import grpc

from dovetail.common.v1 import types_pb2
from dovetail.configurator.v1 import configurator_service_pb2 as cfg
from dovetail.iot.v1 import iot_service_pb2 as iot
from dovetail.scheduling.v1 import scheduling_service_pb2 as sch
from gateway import reads
from gateway.catalogue_names import NO_NAMES, CatalogueNames, material_words
from gateway.deps import Services
from gateway.errors import ServiceError, from_grpc
from gateway.i18n import gettext as _
from gateway.workspace.printing import Part
from gateway.workspace.shift import (
    MachineQueue,
    QueuedOperation,
    Shift,
    WeeklyShift,
    current_shift,
    in_shift,
    zone_of,
)
from services.kit.auth import ACTOR_METADATA, FACTORY_METADATA

DAY_MS = 86_400_000
SCOPE_DAYS = 14  # how far from now an operation may lie and still be reported from here
FACTORY_TTL_S = 60.0
_factories: dict[str, tuple[float, iot.Factory]] = {}


class NotYours(ServiceError):
    """Not found for this factory (it may exist in another's)."""

    def __init__(self, what: str):
        super().__init__(404, what)


async def factory_record(services: Services, factory_id: str) -> iot.Factory:
    """The factory as iot keeps it (kept a minute: iot lists factories in pages, by id)."""
    kept = _factories.get(factory_id)
    if kept and kept[0] > time.monotonic():
        return kept[1]
    token = ""
    while True:
        reply = await services.call("iot", "ListFactories", iot.ListFactoriesRequest(
            page=types_pb2.PageRequest(page_size=500, page_token=token), include_inactive=True))
        for f in reply.factories:
            if f.factory_id == factory_id:
                _factories[factory_id] = (time.monotonic() + FACTORY_TTL_S, f)
                return f
        token = reply.next_page_token
        if not token:
            raise NotYours(_("factory %(id)s is not registered", id=factory_id))


def shift_of(factory: iot.Factory, now: datetime | None = None) -> Shift:
    shifts = [WeeklyShift(s.weekday, s.start_minute, s.end_minute, s.name)
              for s in factory.shift_calendar.weekly_shifts]
    return current_shift(shifts, zone_of(factory.timezone), now or datetime.now(UTC))


async def machines(services: Services, factory_id: str) -> list[dict]:
    """The factory's machines with their live state, in id order."""
    found, token = [], ""
    while True:
        reply = await services.call("iot", "ListMachines", iot.ListMachinesRequest(
            factory_id=factory_id, page=types_pb2.PageRequest(page_size=500, page_token=token)))
        states = {s.machine_id: s for s in reply.statuses}
        found += [{"machine": m, "status": states.get(m.machine_id)} for m in reply.machines]
        token = reply.next_page_token
        if not token:
            return sorted(found, key=lambda m: m["machine"].machine_id)


async def own_machine(services: Services, factory_id: str, machine_id: str) -> iot.Machine:
    for entry in await machines(services, factory_id):
        if entry["machine"].machine_id == machine_id:
            return entry["machine"]
    raise NotYours(_("no machine %(id)s in this factory", id=machine_id[:64]))


async def lanes(services: Services, factory_id: str, start_ms: int, end_ms: int
                ) -> list[sch.MachineLane]:
    reply = await services.call("scheduling", "GetSchedule", sch.GetScheduleRequest(
        factory_id=factory_id, window=types_pb2.TimeWindow(start_unix_ms=start_ms,
                                                           end_unix_ms=end_ms)))
    return [lane for lane in reply.lanes if lane.factory_id in ("", factory_id)]


def queued(bar: sch.GanttBar) -> QueuedOperation:
    return QueuedOperation(
        bar.operation_id, bar.order_id, bar.seq, bar.start_unix_ms, bar.end_unix_ms,
        reads.enum(sch.OperationStatus, bar.status, "OPERATION_STATUS_"),
        reads.schedule_risk(bar.risk), reads.said(bar.label, bar, "label_words"))


def queues(found: list[sch.MachineLane], shift: Shift) -> list[MachineQueue]:
    """Each machine's queue for this shift, in planned order."""
    result = []
    for lane in sorted(found, key=lambda lane: lane.machine_id):
        ops = sorted((queued(b) for b in lane.bars), key=lambda o: (o.start_ms, o.seq))
        result.append(MachineQueue(lane.machine_id, reads.machine_type(lane.machine_type),
                                   lane.available, [o for o in ops if in_shift(o, shift)]))
    return result


def scope_window(now_ms: int | None = None) -> tuple[int, int]:
    now_ms = now_ms or int(time.time() * 1000)
    return now_ms - SCOPE_DAYS * DAY_MS, now_ms + SCOPE_DAYS * DAY_MS


async def own_operation(services: Services, factory_id: str, operation_id: str
                        ) -> tuple[sch.MachineLane, sch.GanttBar]:
    """The operation in this factory's plan, and the lane (machine) it is planned on."""
    for lane in await lanes(services, factory_id, *scope_window()):
        for bar in lane.bars:
            if bar.operation_id == operation_id:
                return lane, bar
    raise NotYours(_("no operation %(id)s in this factory's plan", id=operation_id[:100]))


async def own_order_bars(services: Services, factory_id: str, order_id: str
                         ) -> list[tuple[sch.MachineLane, sch.GanttBar]]:
    """The order's operations planned in this factory (404 when it has none here)."""
    found = [(lane, bar) for lane in await lanes(services, factory_id, *scope_window())
             for bar in lane.bars if bar.order_id == order_id]
    if not found:
        raise NotYours(_("no order %(id)s in this factory's plan", id=order_id[:100]))
    return sorted(found, key=lambda lb: lb[1].seq)


REPORT_KINDS = {"start": sch.OPERATION_REPORT_KIND_STARTED,
                "finish": sch.OPERATION_REPORT_KIND_FINISHED,
                "scrap": sch.OPERATION_REPORT_KIND_SCRAPPED}


async def report(services: Services, factory_id: str, actor: str, operation_id: str,
                 kind: str, key: str, scrap_quantity: int, scrap_reason: str
                 ) -> sch.ReportOperationResponse:
    """ReportOperation as the SDK sends it, for this factory (named in the call's metadata):
    the same idempotency key is the same report, however often it arrives."""
    lane, _bar = await own_operation(services, factory_id, operation_id)
    request = sch.ReportOperationRequest(
        operation_id=operation_id, kind=REPORT_KINDS[kind], idempotency_key=key,
        machine_id=lane.machine_id, scrap_quantity=scrap_quantity, scrap_reason=scrap_reason)
    metadata = services.metadata + ((FACTORY_METADATA, factory_id), (ACTOR_METADATA, actor))
    try:
        return await services.stub("scheduling").ReportOperation(
            request, metadata=metadata, timeout=10)
    except grpc.aio.AioRpcError as error:
        raise from_grpc(error) from None


async def declare_stop(services: Services, factory_id: str, machine_id: str, start_ms: int,
                       end_ms: int, reason: str, key: str) -> iot.DeclarePlannedStopResponse:
    await own_machine(services, factory_id, machine_id)
    return await services.call("iot", "DeclarePlannedStop", iot.DeclarePlannedStopRequest(
        factory_id=factory_id, machine_ids=[machine_id], reason=reason, idempotency_key=key,
        window=types_pb2.TimeWindow(start_unix_ms=start_ms, end_unix_ms=end_ms)))


def part_url(base_url: str, order_id: str, barcode: str) -> str:
    return f"{base_url.rstrip('/')}/factory/parts/{order_id}/{barcode}"


@dataclass(frozen=True)
class OrderParts:
    order_id: str
    summary: str
    parts: list[Part]


async def order_parts(services: Services, factory_id: str, order_id: str, base_url: str,
                      names: CatalogueNames = NO_NAMES) -> OrderParts:
    """The parts of an order planned here, one per piece, each with its label's details and
    the operation it goes to next at this factory."""
    bars = await own_order_bars(services, factory_id, order_id)
    reply = await services.call("configurator", "GetOrderConfiguration",
                                cfg.GetOrderConfigurationRequest(order_id=order_id,
                                                                 include_labels=True))
    c = reply.configuration
    materials = {(p.line_id, p.name): material_words(p.material, names)
                 for line in c.lines for p in line.panels}
    open_ops = [b for _lane, b in bars if b.status in (sch.OPERATION_STATUS_PLANNED,
                                                       sch.OPERATION_STATUS_STARTED)]
    descriptions = {op.seq: reads.said(op.description, op, "description_words")
                    for op in c.routing}
    next_op = (f"{_('Next')}: {descriptions.get(open_ops[0].seq, open_ops[0].operation_id)}"
               if open_ops else "")
    parts = [Part(label.barcode, order_id, label.name, label.size,
                  materials.get((label.line_id, label.name), ""), label.edges, next_op,
                  part_url(base_url, order_id, label.barcode)) for label in c.labels]
    summary = "; ".join(reads.said(line.summary, line, "summary_words") for line in c.lines)
    return OrderParts(order_id, summary, parts)


async def own_part(services: Services, factory_id: str, order_id: str, barcode: str,
                   base_url: str, names: CatalogueNames = NO_NAMES) -> tuple[Part, OrderParts]:
    found = await order_parts(services, factory_id, order_id, base_url, names)
    for part in found.parts:
        if part.barcode == barcode:
            return part, found
    raise NotYours(_("no part %(id)s in order %(order)s", id=barcode[:100], order=order_id[:100]))


def tap_key() -> str:
    """A fresh idempotency key for one tap of one form: the form carries it, so a double tap
    (or a resent form) is one report."""
    return uuid.uuid4().hex


async def gather_home(services: Services, factory_id: str):
    factory = await factory_record(services, factory_id)
    shift = shift_of(factory)
    window = (shift.start_ms - DAY_MS, shift.end_ms)
    (found, plan_note), (listed, machine_note) = await asyncio.gather(
        _attempt(lanes(services, factory_id, *window)), _attempt(machines(services, factory_id)))
    return factory, shift, found or [], plan_note, listed or [], machine_note


async def _attempt(call):
    try:
        return await call, ""
    except ServiceError as exc:
        return None, exc.said
