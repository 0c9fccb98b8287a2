"""iot's domain events → the integration events other services read on JetStream.

Contracts scheduling depends on (keep stable): FactoryRegistered, FactoryUpdated,
MachineRegistered, MachineUpdated (whole thing after the change), MachineStateChanged with the
`available` flag, PlannedStopDeclared, MachineHealthAssessed.
"""

from __future__ import annotations

from typing import Any

from google.protobuf.message import Message

from dovetail.common.v1 import types_pb2
from dovetail.iot.v1 import iot_events_pb2 as events
from services.iot import wire
from services.iot.domain.machine_state import Downtime, MachineStateLog
from services.iot.domain.operations import PlannedStop
from services.iot.domain.registry import Factory, Machine
from services.kit.words_pb import words_or_none, words_pb


def to_integration(event: Any) -> tuple[str, Message] | None:
    """(subject event name, body) for events others need; None for internal ones."""
    name = type(event).__name__
    version, at = event.originator_version, event.timestamp
    if isinstance(event, Factory.Event) and name in ("Registered", "Updated"):
        factory = wire.factory_profile_to_pb(event.profile, version, at)
        if name == "Registered":
            return "FactoryRegistered", events.FactoryRegistered(factory=factory)
        return "FactoryUpdated", events.FactoryUpdated(factory=factory,
                                                       changed_fields=event.changed_fields)
    if isinstance(event, Machine.Event) and name in ("Registered", "Updated"):
        machine = wire.machine_profile_to_pb(event.profile, version, at)
        if name == "Registered":
            return "MachineRegistered", events.MachineRegistered(machine=machine)
        return "MachineUpdated", events.MachineUpdated(machine=machine,
                                                       changed_fields=event.changed_fields)
    if isinstance(event, Machine.Event) and name == "PowerLearnt":
        return "MachinePowerLearnt", events.MachinePowerLearnt(
            machine_id=event.machine_id, factory_id=event.factory_id,
            machine_type=wire.machine_type_to_pb(event.machine_type) if event.machine_type else 0,
            running_kw=event.running_kw,
            running_hours=event.running_hours, learnt_at=wire.timestamp(event.at_ms / 1000))
    if isinstance(event, Machine.Event) and name == "HealthAssessed":
        return "MachineHealthAssessed", health_assessed(event)
    if isinstance(event, MachineStateLog.Event):
        return _state_event(name, event)
    if isinstance(event, PlannedStop.Event) and name == "Declared":
        return "PlannedStopDeclared", events.PlannedStopDeclared(
            stop_id=str(event.originator_id), factory_id=event.factory_id,
            machine_ids=event.machine_ids, reason=event.reason,
            window=types_pb2.TimeWindow(start_unix_ms=event.start_ms, end_unix_ms=event.end_ms))
    return None  # operation runs stay inside


def health_assessed(event: Any) -> events.MachineHealthAssessed:
    """The wear watch's assessment as scheduling reads it (issue 22)."""
    body = events.MachineHealthAssessed(
        machine_id=event.machine_id, factory_id=event.factory_id,
        assessed_at=wire.timestamp(event.at_ms / 1000), score=event.score,
        horizon_hours=(event.horizon_s or 0.0) / 3600, confidence=event.confidence,
        alarm=event.alarm, explanation=event.explanation,
        explanation_words=[words_pb(w) for w in getattr(event, "said", None) or ()])
    if event.horizon_s is not None:
        body.failure_expected_by.CopyFrom(wire.timestamp(event.at_ms / 1000 + event.horizon_s))
    since = getattr(event, "baseline_from_ms", 0)  # unknown in events kept before it was said
    if since:
        body.baseline_since.CopyFrom(wire.timestamp(since / 1000))
    return body


def _state_event(name: str, event: Any) -> tuple[str, Message] | None:
    if name == "StateChanged":
        body = events.MachineStateChanged(
            machine_id=event.machine_id, factory_id=event.factory_id,
            machine_type=wire.machine_type_to_pb(event.machine_type),
            from_state=wire.state_to_pb(event.from_state),
            to_state=wire.state_to_pb(event.to_state), at=wire.timestamp(event.at_ms / 1000),
            reason=event.reason, available=event.available,
            previous_state_ms=event.previous_state_ms,
            # a change kept before words has none: its reason reads as written
            reason_words=words_or_none(getattr(event, "said", None)))
        return "MachineStateChanged", body
    if name == "DowntimeRecorded":
        return "DowntimeRecorded", events.DowntimeRecorded(downtime=wire.downtime_to_pb(Downtime(
            event.downtime_id, event.machine_id, event.factory_id, event.state, event.start_ms,
            event.end_ms, event.category, event.note, event.planned)))
    if name == "DowntimeReasonSet":
        return "DowntimeReasonSet", events.DowntimeReasonSet(
            downtime_id=event.downtime_id, machine_id=event.machine_id,
            factory_id=event.factory_id, category=wire.category_to_pb(event.category),
            note=event.note)
    return None
