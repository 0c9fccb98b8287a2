"""How scheduling follows the other services: configured orders join the planning pool,
cancelled and amended ones leave it, and iot's registry and machine states are the
network's capacity. Each policy collects the events it causes; the consumer saves them
with the upstream event's tracking record.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager

from eventsourcing.application import ProcessingEvent

from dovetail.common.v1 import types_pb2
from dovetail.common.v1.envelope_pb2 import EventEnvelope
from dovetail.configurator.v1 import configurator_events_pb2 as configurator
from dovetail.iot.v1 import iot_events_pb2 as iot
from dovetail.iot.v1 import iot_service_pb2 as iot_pb
from dovetail.orders.v1 import orders_events_pb2 as orders
from dovetail.scheduling.v1 import scheduling_events_pb2 as scheduling
from services.kit.envelope import body_as
from services.kit.errors import InvalidArgument, Violations
from services.kit.runtime import ConsumerSpec
from services.kit.words import N_
from services.kit.words_pb import words_of
from services.scheduling.application import SchedulingApplication
from services.scheduling.domain.boards import BoardsDue
from services.scheduling.domain.network import NetworkState
from services.scheduling.domain.values import DayShift, RoutingStep, ShiftException

Handler = Callable[[EventEnvelope, ProcessingEvent], None]


def _ms(ts) -> int:
    return ts.seconds * 1000 + ts.nanos // 1_000_000


def _date(d, present: bool) -> str:
    return f"{d.year:04d}-{d.month:02d}-{d.day:02d}" if present and d.year else ""


def machine_type(value: int, field: str) -> str:
    if not value:
        raise InvalidArgument(Violations.one(field, N_("machine type is unspecified")))
    return types_pb2.MachineType.Name(value).removeprefix("MACHINE_TYPE_").lower()


def routing_of(body: configurator.OrderConfigured) -> list[RoutingStep]:
    steps = []
    for i, op in enumerate(sorted(body.routing, key=lambda op: op.seq)):
        steps.append(RoutingStep(
            seq=op.seq or i + 1, routing_operation_id=op.operation_id,
            machine_type=machine_type(op.machine_type, f"routing[{i}].machine_type"),
            duration_s=max(1, op.duration_seconds), setup_family=op.setup_family,
            setup_key=op.setup_key, min_wait_after_s=max(0, op.min_wait_after_seconds),
            batch_key=op.batch_key, description=op.description,
            description_words=words_of(op.description_words)
            if op.HasField("description_words") else None))
    if len({s.seq for s in steps}) != len(steps):
        raise InvalidArgument(Violations.one("routing", N_("operations repeat a seq")))
    return steps


def factory_record(f: iot_pb.Factory, registered: bool = False) -> dict:
    return {
        "name": f.name, "capacity_share": (f.capacity_share_percent or 100.0) / 100.0,
        "city": f.location.address.city, "region": f.location.address.region,
        "timezone": f.timezone,
        "weekly_shifts": [[s.weekday, s.start_minute, s.end_minute]
                          for s in f.shift_calendar.weekly_shifts if s.weekday],
        "exceptions": [ShiftException(_date(e.date, True), e.closed,
                                      tuple(DayShift(w.start_minute, w.end_minute)
                                            for w in e.shifts))
                       for e in f.shift_calendar.exceptions if e.date.year],
        # a registration is an activation, whatever a registry leaves unset
        "active": f.active or registered, "source_version": f.version,
    }


def boards_due(w: configurator.BoardWait) -> BoardsDue:
    """A batch's wait as scheduling keeps it: "particleboard-18 melamine-white 2800×2070",
    its day, the orders it holds."""
    decor = f" {w.decor}" if w.decor else ""
    return BoardsDue(f"{w.material}{decor} {w.length_mm}×{w.width_mm}", w.until_date,
                     tuple(w.order_ids))


def machine_record(m: iot_pb.Machine, registered: bool = False) -> dict:
    return {"factory_id": m.factory_id,
            "machine_type": machine_type(m.machine_type, "machine.machine_type"),
            "speed": m.speed_factor or 1.0, "batch_capacity": max(1, m.batch_capacity),
            "active": m.active or registered, "source_version": m.version}


def _dispatch(table: dict[type, Handler]) -> Handler:
    by_name = {t.DESCRIPTOR.full_name: h for t, h in table.items()}

    def policy(envelope: EventEnvelope, processing: ProcessingEvent) -> None:
        handler = by_name.get(envelope.type)
        if handler is not None:  # events scheduling does not follow are only tracked
            handler(envelope, processing)

    return policy


def _on(message_type, act: Callable[[object, EventEnvelope], list]) -> tuple[type, Handler]:
    def handle(envelope: EventEnvelope, processing: ProcessingEvent) -> None:
        processing.collect_events(*act(body_as(envelope, message_type), envelope))

    return message_type, handle


def consumers(app: SchedulingApplication, network: NetworkState | None = None,
              setup_minutes: Mapping[str, int] | None = None) -> list[ConsumerSpec]:
    """``network``: the planner's state, where a cutting batch finds its factory's saws and
    their started work (without it batches are not placed as saw operations)."""

    def configured(b, env) -> list:
        if not b.routing:
            return []  # nothing to make (or a configurator that does not route yet)
        return app.record_configured(b.order_id, env.tenant, b.order_version, routing_of(b),
                                     _date(b.promised_date, b.HasField("promised_date")))

    def boards(b, env) -> list:
        """A cutting batch nested, or its waits moved by stock (issue 20): the saw work of
        the orders on short sheets waits, each until its own boards, and the batch is placed
        as one operation on a saw of its factory."""
        changed = app.record_boards_awaited(list(b.order_ids), b.factory_id, b.batch,
                                            b.revision, _ms(b.nested_at),
                                            [boards_due(w) for w in b.waits])
        if network is None:
            return changed
        return changed + app.place_cutting_batch(
            b.factory_id, b.batch, b.revision, list(b.order_ids), int(time.time() * 1000),
            network, setup_minutes or {}, {o.order_id: o for o in changed})

    def rejected(b, env) -> list:
        reason = "; ".join(f"{r.parameter}: {r.message}" for r in b.reasons)
        return app.record_rejected(b.order_id, b.order_version, reason)

    def stop(b, env) -> list:
        return app.record_planned_stop(b.factory_id, b.stop_id, list(b.machine_ids),
                                       b.window.start_unix_ms, b.window.end_unix_ms, b.reason)

    def state(b, env) -> list:
        at = _ms(b.at) if b.HasField("at") else _ms(env.occurred_at)
        return app.record_machine_state(b.machine_id, iot_pb.MachineState.Name(b.to_state),
                                        b.available, at, b.reason)

    def read_together(envelopes: list[EventEnvelope]) -> AbstractContextManager[None]:
        """A batch's configured orders looked up in the pool at once (see the application)."""
        name = configurator.OrderConfigured.DESCRIPTOR.full_name
        return app.pool_orders_read_together(
            [body_as(e, configurator.OrderConfigured).order_id for e in envelopes
             if e.type == name])

    def health(b, env) -> list:
        """iot's wear watch (issue 22): an alarm proposes a maintenance task."""
        at = _ms(b.assessed_at) if b.HasField("assessed_at") else _ms(env.occurred_at)
        failure = _ms(b.failure_expected_by) if b.HasField("failure_expected_by") else 0
        since = _ms(b.baseline_since) if b.HasField("baseline_since") else 0
        return app.record_health_assessed(b.machine_id, b.factory_id, b.alarm, at, failure,
                                          b.horizon_hours, list(b.explanation), since,
                                          [words_of(w) for w in b.explanation_words])

    def finished(b, env) -> list:
        """Scheduling's own finished operations count on the machine's tools (issue 22)."""
        return app.record_operation_finished(
            b.factory_id, b.machine_id, machine_type(b.machine_type, "machine_type"),
            b.operation_id, _ms(b.finished_at) if b.HasField("finished_at")
            else _ms(env.occurred_at))

    return [
        ConsumerSpec("configurator", ["dovetail.configurator.order_configured",
                                      "dovetail.configurator.configuration_rejected",
                                      "dovetail.configurator.board_batch_planned"],
                     _dispatch(dict([_on(configurator.OrderConfigured, configured),
                                     _on(configurator.ConfigurationRejected, rejected),
                                     _on(configurator.BoardBatchPlanned, boards)])),
                     batched=True, prepare=read_together),
        ConsumerSpec("orders", ["dovetail.orders.cancelled", "dovetail.orders.amended"],
                     _dispatch(dict([
                         _on(orders.OrderCancelled,
                             lambda b, env: app.record_cancelled(b.order_id, b.reason)),
                         _on(orders.OrderAmended,
                             lambda b, env: app.record_amended(b.order_id, b.revision, b.reason)),
                     ]))),
        ConsumerSpec("iot", ["dovetail.iot.factory_registered", "dovetail.iot.factory_updated",
                             "dovetail.iot.machine_registered", "dovetail.iot.machine_updated",
                             "dovetail.iot.machine_state_changed",
                             "dovetail.iot.planned_stop_declared",
                             "dovetail.iot.machine_power_learnt",
                             "dovetail.iot.machine_health_assessed"],
                     _dispatch(dict([
                         _on(iot.FactoryRegistered, lambda b, env: app.record_factory(
                             b.factory.factory_id, **factory_record(b.factory, True))),
                         _on(iot.FactoryUpdated, lambda b, env: app.record_factory(
                             b.factory.factory_id, **factory_record(b.factory))),
                         _on(iot.MachineRegistered, lambda b, env: app.record_machine(
                             b.machine.machine_id, **machine_record(b.machine, True))),
                         _on(iot.MachineUpdated, lambda b, env: app.record_machine(
                             b.machine.machine_id, **machine_record(b.machine))),
                         _on(iot.MachineStateChanged, state),
                         _on(iot.PlannedStopDeclared, stop),
                         _on(iot.MachinePowerLearnt, lambda b, env: app.record_machine_power(
                             b.machine_id, b.running_kw, b.running_hours)),
                         _on(iot.MachineHealthAssessed, health),
                     ]))),
        ConsumerSpec("scheduling", ["dovetail.scheduling.operation_finished"],
                     _dispatch(dict([_on(scheduling.OperationFinished, finished)]))),
    ]
