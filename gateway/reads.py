"""Service replies (protobuf) → the REST read schemas. Pure functions, no I/O."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache

from google.protobuf import json_format

from dovetail.common.v1 import types_pb2
from dovetail.configurator.v1 import configurator_service_pb2 as cfg
from dovetail.delivery.v1 import delivery_service_pb2 as dlv
from dovetail.iot.v1 import iot_service_pb2 as iot
from dovetail.orders.v1 import orders_service_pb2 as orders_pb
from dovetail.scheduling.v1 import scheduling_service_pb2 as sch
from gateway import i18n
from gateway.schemas.network import (
    BarRead,
    EnergyBucketRead,
    EnergyReportRead,
    FactoryRead,
    LaneRead,
    MachineRead,
    MachineStatusRead,
    OeeRead,
    ScheduleRead,
    ShipmentRead,
    WindowRead,
)
from gateway.schemas.order_detail import (
    BoardRead,
    ConfigurationRead,
    HistoryEntryRead,
    LineSpecRead,
    OrderHistoryRead,
    RejectionRead,
    RoutingStepRead,
    WordsRead,
)
from gateway.schemas.orders import Money
from gateway.workspace.maintenance import stop_note


def ts(message, field: str) -> str | None:
    """The Timestamp field as RFC 3339 text (as `ToJsonString` writes it), None when unset."""
    return timestamp_text(getattr(message, field)) if message.HasField(field) else None


@lru_cache(maxsize=4096)
def _day_text(days: int) -> str:
    return date.fromordinal(days + _EPOCH_ORDINAL).isoformat()


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def timestamp_text(t) -> str:
    """Same text as `Timestamp.ToJsonString` (tests compare them), in about half its time:
    lists write four of these per order."""
    days, rest = divmod(t.seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    n = t.nanos
    fraction = ("" if not n else f".{n // 1_000_000:03d}" if not n % 1_000_000
                else f".{n // 1000:06d}" if not n % 1000 else f".{n:09d}")
    return f"{_day_text(days)}T{hours:02d}:{minutes:02d}:{seconds:02d}{fraction}Z"


def day(d: types_pb2.Date) -> str:
    return f"{d.year:04d}-{d.month:02d}-{d.day:02d}"


def enum(enum_type, value: int, prefix: str) -> str:
    try:
        return enum_type.Name(value).removeprefix(prefix)
    except ValueError:
        return str(value)


def machine_type(value: int) -> str:
    return enum(types_pb2.MachineType, value, "MACHINE_TYPE_").lower()


def money(m: types_pb2.Money | None) -> Money | None:
    return Money(amount=m.amount, currency=m.currency) if m is not None and m.currency else None


def history(order_id: str, reply: orders_pb.GetOrderHistoryResponse) -> OrderHistoryRead:
    return OrderHistoryRead(order_id, [HistoryEntryRead(
        version=e.version, type=e.type, occurred_at=ts(e, "occurred_at"),
        status_after=enum(orders_pb.OrderStatus, e.status_after, "ORDER_STATUS_"),
        summary=e.summary, by=e.by, by_role=e.by_role,
        summary_words=words(e, "summary_words")) for e in reply.entries])


def words(message, name: str) -> WordsRead | None:
    """The words a service wrote in `message`'s field `name` (dovetail.common.v1.Words), for a
    REST client to render; None when the service wrote none."""
    return words_read(getattr(message, name)) if message.HasField(name) else None


def said(text: str, message, name: str) -> str:
    """`text` in the reader's language: the words in `message`'s field `name` said, or `text`
    as the service wrote it when it sent none."""
    return i18n.said_words(getattr(message, name)) if message.HasField(name) else text


def words_read(w: types_pb2.Words) -> WordsRead:
    return WordsRead(w.template, dict(w.args), {k: words_read(v) for k, v in w.said.items()})


def configuration(c: cfg.OrderConfiguration) -> ConfigurationRead:
    boards = [BoardRead(
        board_index=b.board_index, material=b.material, thickness_mm=b.thickness_mm,
        stock_length_mm=b.stock_length_mm, stock_width_mm=b.stock_width_mm,
        yield_percent=round(b.yield_percent, 2), panels=len(b.placements), cut_count=b.cut_count,
        svg_url=f"/api/v1/orders/{c.order_id}/boards/{b.board_index}",
        material_words=words(b, "material_words"))
        for b in c.nesting.boards]
    return ConfigurationRead(
        order_id=c.order_id,
        status=enum(cfg.ConfigurationStatus, c.status, "CONFIGURATION_STATUS_"),
        catalog_version=c.catalog_version, configured_at=ts(c, "configured_at"),
        lines=[LineSpecRead(line_id=li.line_id, product=li.product, quantity=li.quantity,
                            summary=li.summary,
                            options=json_format.MessageToDict(li.options),
                            panels=sum(p.quantity for p in li.panels),
                            summary_words=words(li, "summary_words")) for li in c.lines],
        boards_used=c.nesting.boards_used, yield_percent=round(c.nesting.yield_percent, 2),
        boards=boards,
        routing=[RoutingStepRead(operation_id=r.operation_id, seq=r.seq,
                                 machine_type=machine_type(r.machine_type),
                                 duration_seconds=r.duration_seconds, description=r.description,
                                 description_words=words(r, "description_words"))
                 for r in c.routing],
        price=money(c.price.total) if c.HasField("price") else None,
        rejection_reasons=[RejectionRead(line_id=r.line_id, parameter=r.parameter,
                                         message=r.message, suggestion=r.suggestion,
                                         message_words=words(r, "message_words"),
                                         suggestion_words=words(r, "suggestion_words"))
                           for r in c.rejection_reasons])


def factory(f: iot.Factory) -> FactoryRead:
    return FactoryRead(
        factory_id=f.factory_id, name=f.name, capacity_share_percent=f.capacity_share_percent,
        grid_emission_factor_kg_per_kwh=f.grid_emission_factor_kg_per_kwh, timezone=f.timezone,
        active=f.active, latitude=f.location.latitude, longitude=f.location.longitude)


def machine(m: iot.Machine, s: iot.MachineStatus | None) -> MachineRead:
    s = s or iot.MachineStatus()
    return MachineRead(
        machine_id=m.machine_id, factory_id=m.factory_id, name=m.name,
        machine_type=machine_type(m.machine_type), rated_power_kw=m.rated_power_kw,
        speed_factor=m.speed_factor, state=enum(iot.MachineState, s.state, "MACHINE_STATE_"),
        since=ts(s, "since"), available=s.available, reason=s.reason,
        power_kw=round(s.power_kw, 3), reason_said=i18n.said_or_written(s.reason, s.reason_words),
        reason_words=words(s, "reason_words"))


def machine_status(s: iot.MachineStatus) -> MachineStatusRead:
    return MachineStatusRead(
        machine_id=s.machine_id, factory_id=s.factory_id, machine_type=machine_type(s.machine_type),
        state=enum(iot.MachineState, s.state, "MACHINE_STATE_"), since=ts(s, "since"),
        available=s.available, reason=s.reason, power_kw=round(s.power_kw, 3),
        current_amperes=round(s.current_amperes, 3), in_planned_stop=s.in_planned_stop,
        reason_said=i18n.said_or_written(s.reason, s.reason_words),
        reason_words=words(s, "reason_words"))


def oee(scope: str, r: iot.OeeReport) -> OeeRead:
    return OeeRead(scope=scope, day=day(r.day), availability=round(r.availability, 4),
                   performance=round(r.performance, 4), quality=round(r.quality, 4),
                   oee=round(r.oee, 4), run_seconds=r.run_seconds,
                   planned_production_seconds=r.planned_production_seconds)


def energy(scope: str, r: iot.GetEnergyResponse) -> EnergyReportRead:
    return EnergyReportRead(scope=scope, kwh=round(r.kwh, 3), kg_co2e=round(r.kg_co2e, 3),
                            buckets=[EnergyBucketRead(
                                start=datetime.fromtimestamp(b.start_unix_ms / 1000, UTC).isoformat(),
                                kwh=round(b.kwh, 3), kg_co2e=round(b.kg_co2e, 3))
                                for b in r.buckets])


def schedule_risk(value: int) -> str:
    """ON_TIME, AT_RISK or LATE; "" where the order has no promised date to be late for (the
    wire's unset value is not shown as the word UNSPECIFIED)."""
    return "" if value == sch.SCHEDULE_RISK_UNSPECIFIED else enum(
        sch.ScheduleRisk, value, "SCHEDULE_RISK_")


def lane(lane: sch.MachineLane) -> LaneRead:
    return LaneRead(
        machine_id=lane.machine_id, factory_id=lane.factory_id,
        machine_type=machine_type(lane.machine_type), available=lane.available,
        bars=[BarRead(operation_id=b.operation_id, order_id=b.order_id, seq=b.seq,
                      start_ms=b.start_unix_ms, end_ms=b.end_unix_ms,
                      status=enum(sch.OperationStatus, b.status, "OPERATION_STATUS_"),
                      risk=schedule_risk(b.risk),
                      frozen=b.frozen, label=said(b.label, b, "label_words"),
                      label_words=words(b, "label_words")) for b in lane.bars],
        unavailable=[WindowRead(start_ms=w.start_unix_ms, end_ms=w.end_unix_ms,
                                reason=enum(sch.UnavailabilityReason, w.reason,
                                            "UNAVAILABILITY_REASON_"), note=w.note,
                                note_said=stop_note(w))
                     for w in lane.unavailable])


def schedule_of_factories(replies: list[sch.GetScheduleResponse], now_ms: int,
                          factories: list[str], next_cursor: str | None) -> ScheduleRead:
    """One answer from one GetSchedule per factory (the plan of the first reply names it)."""
    first = replies[0] if replies else sch.GetScheduleResponse()
    return ScheduleRead(plan_id=first.plan_id, published_at=ts(first, "published_at"),
                        now_ms=now_ms, lanes=[lane(la) for r in replies for la in r.lanes],
                        factories=factories, next_cursor=next_cursor)


def shipment(s: dlv.Shipment) -> ShipmentRead:
    return ShipmentRead(
        shipment_id=s.shipment_id, order_id=s.order_id, order_reference=s.order_reference,
        factory_id=s.factory_id, carrier=s.carrier, tracking_number=s.tracking_number,
        status=enum(dlv.ShipmentStatus, s.status, "SHIPMENT_STATUS_"), eta=ts(s, "eta"),
        late=s.late, at_risk=s.at_risk, last_exception=s.last_exception,
        opened_at=ts(s, "opened_at"), delivered_at=ts(s, "delivered_at"),
        destination_city=s.destination.city)
