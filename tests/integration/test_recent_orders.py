"""Orders kept as last saved (services/kit/recent.py), on real PostgreSQL: what another replica
stored meanwhile is still read, a save from a stale copy is still refused, and a consumer's
batch reads its orders at once and saves two facts about one order together."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from eventsourcing.persistence import IntegrityError

from dovetail.configurator.v1 import configurator_events_pb2 as configurator
from dovetail.scheduling.v1 import scheduling_events_pb2 as scheduling
from services.kit.consumer import Consumer
from services.kit.envelope import wrap
from services.kit.persistence import open_application
from services.orders.application import OrdersApplication, PlacementRequest
from services.orders.domain.status import OrderStatus
from services.orders.domain.values import parse_order_content
from services.orders.policies import consumers
from tests.helpers import order_payload, ref

pytestmark = pytest.mark.integration

CONTENT = parse_order_content(order_payload())


@pytest.fixture
def replicas(settings):
    """Two orders applications on one schema, as two replicas of the service."""
    schema = f"recent_{uuid.uuid4().hex[:8]}"
    apps = [open_application(OrdersApplication, settings, schema) for _ in range(2)]
    yield apps
    for app in apps:
        app.close()


def place(app: OrdersApplication) -> uuid.UUID:
    [placement] = app.place_orders([PlacementRequest("dovetail", ref("R"), CONTENT,
                                                     datetime.now(UTC), "t")])
    return placement.order_id


def test_an_order_changed_by_another_replica_is_read_as_it_is_now(replicas):
    here, there = replicas
    order_id = place(here)  # kept here at version 1
    there.cancel_order(order_id, "changed mind")
    order = here.get_order(order_id)
    assert (order.status, order.version) == (OrderStatus.CANCELLED, 2)
    assert here.cancel_order(order_id, "again").version == 2  # nothing more to record


def test_a_save_from_a_stale_copy_is_refused_and_the_kept_order_is_untouched(replicas):
    here, there = replicas
    order_id = place(here)
    stale = here.get_order(order_id)
    there.cancel_order(order_id, "changed mind")
    stale.record_configured(1, 3, "configurator:1")
    with pytest.raises(IntegrityError):
        here.save(stale)
    assert here.get_order(order_id).status is OrderStatus.CANCELLED


def envelope(service: str, body, n: int):
    return wrap(service=service, body=body, aggregate_id=f"{service}-{n}", version=1,
                occurred_at=datetime.now(UTC), tenant="t", notification_id=n)


def test_a_batch_reads_its_orders_at_once_and_saves_facts_about_one_order_together(replicas):
    here, _ = replicas
    first, second = place(here), place(here)
    spec = next(s for s in consumers(here) if s.upstream == "scheduling")
    consumer = Consumer(name="orders", app=here, js=None, upstream="scheduling", subjects=[],
                        policy=spec.policy, batched=True, prepare=spec.prepare)
    scheduled = scheduling.OrderScheduled(order_id=str(first), factory_id="F-1")
    scheduled.planned_start.FromDatetime(datetime(2026, 12, 8, 8))
    held = scheduling.OrderUnplannable(order_id=str(second), reason="no factory", revision=1)
    moved = scheduling.OrderScheduled(order_id=str(first), factory_id="F-2")
    batch = [envelope("scheduling", scheduled, 1), envelope("scheduling", held, 2),
             envelope("scheduling", moved, 3)]
    assert consumer.apply_many(batch) == ["applied"] * 3
    assert here.get_order(first).factory_id == "F-2" and here.get_order(first).version == 3
    assert here.get_order(second).planning_issue == "no factory"
    assert consumer.apply_many(batch) == ["duplicate"] * 3
    configured = configurator.OrderConfigured(order_id=str(first), order_version=1)
    # a fact about an order that does not exist is refused, the rest of the batch applied
    unknown = configurator.OrderConfigured(order_id=str(uuid.uuid4()), order_version=1)
    spec = next(s for s in consumers(here) if s.upstream == "configurator")
    consumer = Consumer(name="orders", app=here, js=None, upstream="configurator", subjects=[],
                        policy=spec.policy, batched=True, prepare=spec.prepare)
    assert consumer.apply_many([envelope("configurator", unknown, 1),
                                envelope("configurator", configured, 2)]) == [
        "refused", "applied"]
    assert here.get_order(first).status is OrderStatus.SCHEDULED  # configured after: stale
