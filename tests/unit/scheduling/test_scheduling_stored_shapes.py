"""Scheduling events stored before value objects (v1: plain JSON objects; written by that
code into data/scheduling_events_v1.json, with a factory plan's snapshot) load as values,
publish what they published, and live on beside the v2 events written today."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from eventsourcing.persistence import StoredEvent

from services.scheduling.application import SchedulingApplication
from services.scheduling.domain.capacity import FactoryCapacity
from services.scheduling.domain.ids import factory_key, factory_plan_key, pool_key
from services.scheduling.domain.network import NetworkState
from services.scheduling.domain.plans import PlanPublication, PublishedPlan, revise_factories
from services.scheduling.domain.pool import PoolOrder
from services.scheduling.domain.values import (
    DayShift,
    ObjectiveValues,
    OrderPlacement,
    PlannedStop,
    PlanRow,
    RoutingStep,
    ShiftException,
)
from services.scheduling.planning.feed import _Tables, _Writer
from services.scheduling.published import to_integration

pytestmark = pytest.mark.unit

V1 = json.loads((Path(__file__).parent / "data" / "scheduling_events_v1.json").read_text())
ORDER, FACTORY = "SHOP-10001", "F-GZ-01"
T = 1_796_000_000_000


def stored(item: dict) -> StoredEvent:
    return StoredEvent(uuid.UUID(item["originator_id"]), item["originator_version"],
                       item["topic"], json.dumps(item["state"]).encode())


def v1_events(kind: str) -> list[dict]:
    return [e for e in V1["events"] if e["topic"].split(":")[1].startswith(kind)]


def app_with_v1() -> SchedulingApplication:
    app = SchedulingApplication()
    app.recorder.insert_events([stored(e) for e in V1["events"]])
    return app


def v1_row(seq: int, start_ms: int, risk: str = "ON_TIME") -> PlanRow:
    kind, machine = {1: ("panel_saw", "saw"), 2: ("edge_bander", "edge"),
                     3: ("assembly", "asm")}[seq]
    return PlanRow(f"{ORDER}/op-{seq:02d}", ORDER, seq, FACTORY, f"{FACTORY}-{machine}", kind,
                   start_ms, start_ms + 3_600_000, 3600, 0, "oak" if seq == 2 else "", 0,
                   f"{kind} work", False, "PLANNED", "2026-12-20", risk)


REVISED_ROWS = [v1_row(1, T), v1_row(2, T + 5_400_000, "AT_RISK"),
                v1_row(3, T + 9_000_000, "AT_RISK")]


def test_a_v1_routing_loads_as_steps_and_a_new_configuration_is_stored_as_v2():
    app = app_with_v1()
    order = app.repository.get(pool_key(ORDER))
    assert isinstance(order, PoolOrder)
    assert order.routing[1] == RoutingStep(2, "edge_bander", 1800, "edge", "oak", 0, "edge:oak",
                                           "edge_bander work", "op-02")
    assert order.step(2).operation().setup_family == "edge:oak"
    assert order.operation_ids == [f"{ORDER}/op-01", f"{ORDER}/op-02", f"{ORDER}/op-03"]

    order.amend(2, "longer doors")
    order.configure(2, [RoutingStep(1, "panel_saw", 600)], "2026-12-24")
    app.save(order)
    [*_, new] = app.recorder.select_events(order.id)
    state = json.loads(new.state)
    assert state["class_version"] == 2
    assert state["routing"][0]["_type_"] == "scheduling.routing_step"
    assert app.repository.get(order.id).routing == (RoutingStep(1, "panel_saw", 600),)


def test_a_v1_calendar_loads_as_exceptions_and_stops_as_values():
    app = app_with_v1()
    registered, described = [e for e in app.events.get(factory_key(FACTORY))
                             if type(e).__name__ in ("Registered", "Described")]
    assert registered.exceptions == [
        ShiftException("2026-12-24", False, (DayShift(480, 720),)),
        ShiftException("2026-12-25", True, ())]
    factory = app.repository.get(factory_key(FACTORY))
    assert isinstance(factory, FactoryCapacity)
    assert factory.exceptions == (ShiftException("2026-12-25", True, ()),)
    assert factory.stops == {"stop-1": PlannedStop(("F-GZ-01-saw",), 1_797_000_000_000,
                                                   1_797_003_600_000, "blade change")}
    # the same record again is no change (a v1 calendar equals the values iot sends now)
    assert not factory.describe(name="Guangzhou 1", capacity_share=0.9, timezone="Asia/Shanghai",
                                weekly_shifts=[[d, 480, 1020] for d in range(1, 6)],
                                exceptions=[ShiftException("2026-12-25", True)], active=True,
                                source_version=5, city="Guangzhou", region="Guangdong")


def test_v1_factory_revisions_and_snapshot_load_as_rows_and_revise_on_as_v2():
    app = app_with_v1()
    plan = app.repository.get(factory_plan_key(FACTORY))
    assert list(plan.operations.values()) == REVISED_ROWS
    assert app.factory_rows_at(FACTORY, T) == [v1_row(1, T), v1_row(2, T + 3_600_000),
                                               v1_row(3, T + 7_200_000)]

    snapshotted = SchedulingApplication()
    snapshotted.snapshots.recorder.insert_events([stored(V1["factory_plan_snapshot"])])
    from_snapshot = snapshotted.repository.get(factory_plan_key(FACTORY))
    assert from_snapshot.operations == plan.operations and from_snapshot.version == plan.version

    later = [REVISED_ROWS[0], REVISED_ROWS[1], v1_row(3, T + 10_800_000, "LATE")]
    (revised,) = revise_factories({FACTORY: plan}, {FACTORY: later}, "plan-3", T + 40_000)
    app.save(revised)
    app.take_snapshot(revised.id)
    assert list(app.repository.get(revised.id).operations.values()) == later
    [snapshot] = app.snapshots.recorder.select_events(revised.id, desc=True, limit=1)
    stored_state = json.loads(snapshot.state)["state"]
    assert stored_state["class_version"] == 2
    row = stored_state["operations"][f"{ORDER}/op-03"]  # a row is an array of its fields
    assert row == {"_type_": "scheduling.plan_row", "_data_": [
        f"{ORDER}/op-03", ORDER, 3, FACTORY, f"{FACTORY}-asm", "assembly", T + 10_800_000,
        T + 14_400_000, 3600, 0, "", 0, "assembly work", False, "PLANNED", "2026-12-20", "LATE"]}


def test_the_v1_log_replays_into_the_planners_state_and_the_feed():
    app = app_with_v1()
    events = [app.mapper.to_domain_event(n) for n in app.recorder.select_notifications(1, 100)]
    whole = next(e for e in events if isinstance(e, PublishedPlan.Event))
    assert whole.operations == [v1_row(1, T), v1_row(2, T + 3_600_000), v1_row(3, T + 7_200_000)]
    assert whole.orders == [OrderPlacement(ORDER, 1, FACTORY, T, T + 10_800_000, "ON_TIME", 0,
                                           "2026-12-20")]

    events = [whole] + [e for e in events if e is not whole]  # as old stores hold them
    state = NetworkState()
    for e in events:
        state.apply(e)
    assert list(state.plan_rows.values()) == REVISED_ROWS
    assert state.planned_in == {ORDER: FACTORY}

    writer = _Writer(_Tables(0, {}))
    for e in events:
        writer.apply(e)
    kinds = [(r["operation_id"][-5:], r["kind"]) for r in writer.emitted]
    assert kinds[:3] == [("op-01", "ASSIGNED"), ("op-02", "ASSIGNED"), ("op-03", "ASSIGNED")]
    assert ("op-02", "RESCHEDULED") in kinds and ("op-03", "RESCHEDULED") in kinds
    assert writer.changes[f"{ORDER}/op-03"]["assignment"]["start_ms"] == T + 9_000_000


def test_v1_publications_load_with_their_objective_and_publish_what_they_did():
    app = app_with_v1()
    [published] = v1_events("PlanPublication.Published")
    plan = app.get_plan(uuid.UUID(published["originator_id"]))
    assert isinstance(plan, PlanPublication)
    assert plan.objective == ObjectiveValues(**published["state"]["objective"])

    [event] = app.events.get(plan.id)
    name, body = to_integration(event)
    assert name == "schedule_published"
    assert body.objective.makespan_seconds == 12600 and body.objective.operations_moved == 2
    assert (body.at_risk_count, body.operation_count) == (1, 3)

    [whole] = v1_events("PublishedPlan.Published")
    [old] = app.events.get(uuid.UUID(whole["originator_id"]))
    _, old_body = to_integration(old)
    assert (old_body.objective.makespan_seconds, old_body.on_time_count) == (10800, 1)


def test_a_registration_from_before_factories_had_an_address_loads():
    [registered] = [dict(e, state={k: v for k, v in e["state"].items()
                                   if k not in ("city", "region")})
                    for e in v1_events("FactoryCapacity.Registered")]
    app = SchedulingApplication()
    app.recorder.insert_events([stored(registered)])
    factory = app.repository.get(factory_key(FACTORY))
    assert (factory.city, factory.region, factory.name) == ("", "", "Guangzhou 1")
    assert factory.exceptions[0] == ShiftException("2026-12-24", False, (DayShift(480, 720),))
