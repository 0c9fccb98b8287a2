"""On real PostgreSQL: a plan made before an order's work started is never recorded after
it (it could move the order to another factory), and the factory goes on reporting."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from dovetail.scheduling.v1 import scheduling_service_pb2 as pb
from services.scheduling.application import StalePlan
from services.scheduling.domain.outcome import PlanOutcome
from services.scheduling.domain.values import OrderPlacement
from tests.integration.scheduling.conftest import in_its_factory
from tests.integration.scheduling.test_scheduling_service import key_of, plan_orders, report

pytestmark = pytest.mark.integration


async def test_a_plan_made_before_work_started_is_refused(scheduling, network, settings):
    placed = await plan_orders(settings, 1)
    order_id = next(iter(placed))
    app, state, stub = scheduling.runtime.app, scheduling.runtime.state, scheduling.stub

    async def made_then_started(factory_id: str):
        """A plan moving the order to the other factory, made from the planner's view now;
        while it is worked out, the factory holding the order starts it (all done again
        when a re-plan had moved the order before the start: in_its_factory)."""
        made_at = await asyncio.to_thread(app.recorder.max_notification_id)
        other = network[1] if factory_id == network[0] else network[0]
        moved = plan_moving(state, order_id, factory_id, other)
        await report(stub, key_of(factory_id, network), f"{order_id}/op-01",
                     pb.OPERATION_REPORT_KIND_STARTED, "race-start-1")
        return made_at, moved

    factory_id, (made_at, moved) = await in_its_factory(scheduling, order_id, made_then_started)
    with pytest.raises(StalePlan) as stale:
        await asyncio.to_thread(app.publish_plan, moved, made_at)
    assert stale.value.order_ids == {order_id}

    # nothing was recorded: the order is still the factory's, which reports the rest of it
    # (started work keeps its order where it started: no re-plan moves it now)
    key = key_of(factory_id, network)
    done = await report(stub, key, f"{order_id}/op-01", pb.OPERATION_REPORT_KIND_FINISHED,
                        "race-finish-1")
    assert done.status == pb.OPERATION_STATUS_FINISHED
    second = await report(stub, key, f"{order_id}/op-02", pb.OPERATION_REPORT_KIND_STARTED,
                          "race-start-2")
    assert second.status == pb.OPERATION_STATUS_STARTED


def plan_moving(state, order_id: str, from_factory: str, to_factory: str) -> PlanOutcome:
    """The published plan as the planner's state holds it, with the order moved to
    ``to_factory``."""
    plan = state.plan
    rows = list(state.plan_rows.values())
    orders = [OrderPlacement(o.order_id, o.revision, o.factory_id, o.planned_start_ms,
                             o.planned_end_ms, o.risk, 0, o.promised_date)
              for o in map(state.orders.get, {r.order_id for r in rows})]
    return PlanOutcome(
        status="FEASIBLE", objective=plan.objective,
        operations=[replace(r, factory_id=to_factory,
                            machine_id=r.machine_id.replace(from_factory, to_factory, 1))
                    if r.order_id == order_id else r for r in rows],
        orders=[replace(o, factory_id=to_factory) if o.order_id == order_id else o
                for o in orders],
        moved_operation_ids=[], affected_factory_ids=[from_factory, to_factory],
        previous_plan_id=str(plan.id), published_at_ms=plan.published_at_ms, trigger="test")
