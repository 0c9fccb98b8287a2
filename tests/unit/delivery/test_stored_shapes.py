"""Delivery's events as they were stored before value objects (v1: plain JSON objects for
packages, destinations and places) still load, as values; new events are stored as v2."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
from eventsourcing.application import Application
from eventsourcing.persistence import StoredEvent

from services.delivery.application import DeliveryApplication
from services.delivery.domain import identity
from services.delivery.domain.order_facts import OrderFacts
from services.delivery.domain.shipment import Shipment
from services.delivery.domain.values import (
    CarrierEventCode,
    CarrierEventRecord,
    CarrierReport,
    Destination,
    Milestone,
    Package,
    Place,
)

pytestmark = pytest.mark.unit

SHIPMENT = "services.delivery.domain.shipment:Shipment"
FACTS = "services.delivery.domain.order_facts:OrderFacts"
WHEN = {"_type_": "datetime_iso", "_data_": "2026-12-01T08:00:00+00:00"}
ADDRESS = {"city": "Guangzhou", "region": "Guangdong", "country": "CN",
           "line1": "88 Tianhe Road", "line2": "", "postal_code": "510000"}
PARCEL = {"package_id": "1-1-1", "description": "panels", "weight_kg": 22.0,
          "length_mm": 1200.0, "width_mm": 600.0, "height_mm": 80.0, "volume_m3": 0.06}
DEPOT = {"city": "Foshan", "region": "Guangdong", "country": "CN", "description": "depot"}


def stored(aggregate_id: uuid.UUID, version: int, topic: str, state: dict) -> StoredEvent:
    return StoredEvent(aggregate_id, version, topic,
                       json.dumps({"timestamp": WHEN} | state).encode())


def v1_shipment(order_id: str) -> list[StoredEvent]:
    """A shipment's log exactly as the code before value objects wrote it."""
    sid = identity.shipment_id(order_id)
    return [
        stored(sid, 1, f"{SHIPMENT}.Opened", {
            "originator_topic": SHIPMENT, "order_id": order_id, "factory_id": "f1",
            "carrier": "sf-express", "tracking_number": "SF000000000001",
            "packages": [PARCEL], "destination": ADDRESS, "order_reference": "SHOP-1",
            "items": ["Wardrobe x 1"], "promised_date": "2026-12-20",
            "planned_pickup": "2026-12-01T10:00:00+00:00", "eta": "2026-12-02T10:00:00+00:00",
            "transit_seconds": 86400, "transit_learnt": False, "tracking_token": "t" * 43,
            "opened_at": "2026-12-01T08:00:00+00:00",
            "milestones": {"ORDER_PLACED": "2026-11-21T08:00:00+00:00"},
            "late": False, "at_risk": False}),
        stored(sid, 2, f"{SHIPMENT}.CarrierEventRecorded", {
            "order_id": order_id, "carrier": "sf-express", "tracking_number": "SF000000000001",
            "carrier_event_id": "ev-1", "code": "exception",
            "event_time": "2026-12-01T11:00:00+00:00", "place": DEPOT, "note": "wet box",
            "delay_minutes": 0, "applied": True, "status_after": "EXCEPTION",
            "recorded_at": "2026-12-01T11:00:01+00:00"}),
        stored(sid, 3, f"{SHIPMENT}.ExceptionReported", {
            "order_id": order_id, "code": "exception",
            "occurred_at": "2026-12-01T11:00:00+00:00", "message": "wet box", "place": DEPOT}),
        stored(sid, 4, f"{SHIPMENT}.MilestoneReached", {
            "order_id": order_id, "kind": "PICKED_UP",
            "reached_at": "2026-12-01T10:30:00+00:00", "place": {}}),
    ]


def v1_facts(order_id: str) -> list[StoredEvent]:
    fid = identity.order_facts_id(order_id)
    return [
        stored(fid, 1, f"{FACTS}.Started", {"originator_topic": FACTS, "order_id": order_id}),
        stored(fid, 2, f"{FACTS}.Placed", {
            "placed_at": "2026-11-21T08:00:00+00:00", "order_reference": "SHOP-1",
            "destination": ADDRESS, "items": ["Wardrobe x 1"], "promised_date": "2026-12-20"}),
        stored(fid, 3, f"{FACTS}.Configured", {
            "revision": 1, "packages": [PARCEL], "promised_date": ""}),
    ]


def test_a_shipment_stored_before_value_objects_loads_as_values_and_carries_on():
    app = DeliveryApplication()
    order_id = str(uuid.uuid4())
    app.recorder.insert_events(v1_shipment(order_id))

    shipment = app.repository.get(identity.shipment_id(order_id))

    assert isinstance(shipment, Shipment)
    assert shipment.destination == Destination(**ADDRESS)
    assert shipment.packages == (Package(**PARCEL),)
    assert shipment.carrier_events == [CarrierEventRecord(
        "ev-1", "exception", "2026-12-01T11:00:00+00:00", Place(**DEPOT), "wet box", True,
        "2026-12-01T11:00:01+00:00")]
    assert shipment.milestones["PICKED_UP"] == Milestone("2026-12-01T10:30:00+00:00", Place())
    assert shipment.tracking_view().destination_city == "Guangzhou"

    # New events go on after the old ones, stored as v2 with named values.
    at = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    shipment.record_carrier_event(CarrierReport(
        "ev-2", CarrierEventCode.IN_TRANSIT, at, Place(city="Shenzhen")), at)
    app.save(shipment)
    new = app.recorder.select_events(shipment.id, gt=4)
    state = json.loads(new[0].state)
    assert state["class_version"] == 2
    assert state["place"] == {"_type_": "delivery.place", "_data_": {
        "city": "Shenzhen", "region": "", "country": "", "description": ""}}
    again = app.repository.get(shipment.id)
    assert again.carrier_events[-1].place == Place(city="Shenzhen")
    assert again.milestones["IN_TRANSIT"].place == Place(city="Shenzhen")


def test_order_facts_stored_before_value_objects_load_as_values():
    app = DeliveryApplication()
    order_id = str(uuid.uuid4())
    app.recorder.insert_events(v1_facts(order_id))

    facts = app.repository.get(identity.order_facts_id(order_id))

    assert isinstance(facts, OrderFacts)
    assert facts.destination == Destination(**ADDRESS)
    assert facts.packages == (Package(**PARCEL),)
    assert app.carriers.choose(facts.destination, facts.packages).carrier == "sf-express"


def test_a_value_without_its_transcoding_is_refused_when_saved():
    bare = Application()  # no delivery transcodings: a Place cannot be stored
    facts = OrderFacts(order_id=str(uuid.uuid4()))
    facts.record_placed("2026-11-21T08:00:00+00:00", "SHOP-1", Destination(**ADDRESS), [], "")
    with pytest.raises(TypeError, match="Destination"):
        bare.save(facts)
