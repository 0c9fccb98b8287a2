"""Reading the pool at chain scale (issue 15). Configured orders arriving in a consumer batch
are looked up in the pool with one query, so a new order is not read alone; an order
scheduling already holds (cancelled before it was configured, amended, configured again) is
read and kept right, also when it is stored by another writer while the batch is applied.
A plan reads the orders it places with one query too."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from eventsourcing.persistence import IntegrityError

from dovetail.common.v1 import types_pb2
from dovetail.configurator.v1 import configurator_events_pb2 as configurator
from services.kit.consumer import Consumer
from services.kit.envelope import wrap
from services.kit.persistence import open_application
from services.scheduling.application import SchedulingApplication
from services.scheduling.domain.ids import pool_key
from services.scheduling.domain.outcome import PlanOutcome
from services.scheduling.domain.pool import PLANNABLE, WITHDRAWN, PoolOrder
from services.scheduling.domain.values import ObjectiveValues, OrderPlacement
from services.scheduling.policies import consumers
from tests.integration.scheduling.conftest import routing

pytestmark = pytest.mark.integration


@pytest.fixture
def app(settings):
    application = open_application(SchedulingApplication, settings,
                                   f"sched_batch_{uuid.uuid4().hex[:8]}")
    yield application
    application.close()


def configured(order_id: str, n: int, revision: int = 1):
    body = configurator.OrderConfigured(
        order_id=order_id, catalog_version=1, order_version=revision,
        promised_date=types_pb2.Date(year=2026, month=12, day=20), routing=routing())
    return wrap(service="configurator", body=body, aggregate_id=f"cfg-{order_id}-{revision}",
                version=1, occurred_at=datetime.now(UTC), tenant="t", notification_id=n)


def consumer(app: SchedulingApplication) -> Consumer:
    spec = consumers(app)[0]
    assert spec.upstream == "configurator"
    return Consumer(name="scheduling", app=app, js=None, upstream=spec.upstream,
                    subjects=spec.subjects, policy=spec.policy, batched=spec.batched,
                    prepare=spec.prepare)


def pool_order(app: SchedulingApplication, order_id: str) -> PoolOrder:
    order = app.repository.get(pool_key(order_id))
    assert isinstance(order, PoolOrder)
    return order


def reads_of(app: SchedulingApplication) -> list[uuid.UUID]:
    """The aggregates the application reads one by one from now on."""
    reads: list[uuid.UUID] = []
    get = app.repository.get

    def counting(aggregate_id, *args, **kwargs):
        reads.append(aggregate_id)
        return get(aggregate_id, *args, **kwargs)

    app.repository.get = counting  # type: ignore[method-assign]
    return reads


def test_new_orders_of_a_batch_are_not_read_one_by_one(app):
    c = consumer(app)
    cancelled, amended = "o-cancelled", "o-amended"
    app.save(*app.record_cancelled(cancelled, "customer changed their mind"))
    app.save(*app.record_configured(amended, "t", 1, [], "2026-12-20"))
    app.save(*app.record_amended(amended, 2, "a drawer more"))
    new = [f"o-new-{i}" for i in range(5)]
    reads = reads_of(app)
    batch = [configured(o, n) for n, o in enumerate(new, start=1)]
    batch += [configured(cancelled, 6), configured(amended, 7, revision=2)]
    assert c.apply_many(batch) == ["applied"] * 7
    # only the two orders the pool held were read
    assert set(reads) == {pool_key(cancelled), pool_key(amended)}
    for order_id in new:
        order = pool_order(app, order_id)
        assert (order.status, order.revision, len(order.routing)) == (PLANNABLE, 1, 3)
    assert pool_order(app, cancelled).status == WITHDRAWN  # a late configuration ignored
    assert (pool_order(app, amended).status, pool_order(app, amended).revision) == (PLANNABLE, 2)
    assert app.tracked_among("configurator", range(1, 8)) == set(range(1, 8))


def test_an_order_stored_meanwhile_fails_the_batch_and_one_at_a_time_reads_it(app):
    c = consumer(app)
    stored_among = app.stored_among

    def cancelled_meanwhile(keys):
        found = stored_among(keys)
        # the orders consumer withdraws o-2 after the batch looked: the pool did not have it
        app.save(*app.record_cancelled("o-2", "cancelled meanwhile"))
        return found

    app.stored_among = cancelled_meanwhile  # type: ignore[method-assign]
    batch = [configured("o-1", 1), configured("o-2", 2)]
    with pytest.raises(IntegrityError):
        c.apply_many(batch)
    assert app.tracked_among("configurator", [1, 2]) == set()  # nothing of the batch saved
    app.stored_among = stored_among  # type: ignore[method-assign]
    assert [c.apply(e) for e in batch] == ["applied", "applied"]
    assert pool_order(app, "o-1").status == PLANNABLE
    assert pool_order(app, "o-2").status == WITHDRAWN
    # outside a batch an order is read as before
    reads = reads_of(app)
    app.record_configured("o-3", "t", 1, [], "")
    assert reads == [pool_key("o-3")]


def test_a_plan_reads_the_orders_it_places_at_once(app):
    for order_id in ("p-1", "p-2", "p-3"):
        app.save(*app.record_configured(order_id, "t", 1, [], "2026-12-20"))
    app.save(*app.record_cancelled("p-3", "gone"))
    rows = [OrderPlacement(o, 1, "F-1", 1_000, 2_000 + i, "ON_TIME", 0, "2026-12-20")
            for i, o in enumerate(("p-1", "p-2", "p-3", "p-unknown"))]
    outcome = PlanOutcome("FEASIBLE", ObjectiveValues(0.0, 0, 0, 0), [], rows, [], ["F-1"])
    reads = reads_of(app)
    plan_id = app.publish_plan(outcome)
    assert reads == []  # not one order read alone
    assert [pool_order(app, o).factory_id for o in ("p-1", "p-2", "p-3")] == ["F-1", "F-1", ""]
    assert pool_order(app, "p-2").planned_end_ms == 2_001
    assert app.get_plan(plan_id).order_count == 2  # the cancelled and the unknown left out
