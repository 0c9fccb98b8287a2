"""The delivery service on real PostgreSQL and NATS: opening, carrier events over gRPC, lists, ETA."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import grpc
import pytest

from dovetail.delivery.v1 import delivery_events_pb2 as events
from dovetail.delivery.v1 import delivery_service_pb2 as pb
from tests.conftest import TEST_ADMIN_KEY
from tests.helpers import eventually, ref, stream_envelopes
from tests.integration.conftest import FACTORY_KEY, auth
from tests.integration.delivery.conftest import SF_KEY, WARDROBE, opened
from tests.integration.test_orders_service import violations

pytestmark = pytest.mark.integration
ADMIN = auth(TEST_ADMIN_KEY)


async def published(settings, name: str, message_type, order_id: str) -> list:
    found = []
    for _, envelope in await stream_envelopes(settings.nats_url, "delivery",
                                              f"dovetail.delivery.{name}"):
        body = message_type()
        envelope.body.Unpack(body)
        if body.order_id == order_id:
            found.append(body)
    return found


def record(shipment: pb.Shipment, code: int, at: datetime, event_id: str | None = None,
           **kw) -> pb.RecordCarrierEventRequest:
    request = pb.RecordCarrierEventRequest(
        carrier=shipment.carrier, tracking_number=shipment.tracking_number,
        carrier_event_id=event_id or ref("EV"), code=code, **kw)
    request.event_time.FromDatetime(at)
    return request


async def test_facts_arriving_in_any_order_open_one_shipment(bus, delivery_stub, settings):
    order_id = str(uuid.uuid4())
    await bus.produced(order_id, "f-any-order")
    await bus.configured(order_id)
    await bus.scheduled(order_id, "f-any-order", datetime.now(UTC))  # after production: ignored
    reference = await bus.placed(order_id)
    await bus.produced(order_id, "f-any-order")  # a repeat changes nothing

    shipment = await opened(delivery_stub, order_id)
    assert shipment.carrier == "sf-express" and shipment.tracking_number.startswith("SF")
    assert shipment.status == pb.SHIPMENT_STATUS_AWAITING_PICKUP
    assert shipment.factory_id == "f-any-order" and shipment.order_reference == reference
    assert shipment.destination.city == "Guangzhou" and len(shipment.packages) == 2
    assert len(shipment.tracking_token) >= 32 and shipment.items == ["Wardrobe x 1"]
    reached = [m.kind for m in shipment.milestones if m.HasField("reached_at")]
    assert reached == [pb.MILESTONE_KIND_ORDER_PLACED, pb.MILESTONE_KIND_IN_PRODUCTION,
                       pb.MILESTONE_KIND_PRODUCED]
    opened_events = await eventually(
        lambda: published(settings, "shipment_opened", events.ShipmentOpened, order_id))
    assert len(opened_events) == 1
    assert opened_events[0].tracking_token == shipment.tracking_token


async def test_a_wardrobe_goes_by_freight(bus, delivery_stub):
    order_id = await bus.ship(packages=WARDROBE)
    shipment = await opened(delivery_stub, order_id)
    assert shipment.carrier == "deppon" and shipment.tracking_number.startswith("DPK")


async def test_carrier_events_over_grpc_are_idempotent_and_ordered_by_event_time(
        bus, delivery_stub, settings):
    shipment = await opened(delivery_stub, await bus.ship())
    now = datetime.now(UTC)
    first = await delivery_stub.RecordCarrierEvent(
        record(shipment, pb.CARRIER_EVENT_CODE_PICKED_UP, now - timedelta(hours=5), "E-1"),
        metadata=ADMIN)
    again = await delivery_stub.RecordCarrierEvent(
        record(shipment, pb.CARRIER_EVENT_CODE_PICKED_UP, now - timedelta(hours=5), "E-1"),
        metadata=ADMIN)
    assert not first.duplicate and first.applied and again.duplicate
    assert first.status == pb.SHIPMENT_STATUS_PICKED_UP and first.order_id == shipment.order_id

    delivered = await delivery_stub.RecordCarrierEvent(
        record(shipment, pb.CARRIER_EVENT_CODE_DELIVERED, now - timedelta(hours=1)), metadata=ADMIN)
    late = await delivery_stub.RecordCarrierEvent(
        record(shipment, pb.CARRIER_EVENT_CODE_IN_TRANSIT, now), metadata=ADMIN)
    assert delivered.applied and delivered.status == pb.SHIPMENT_STATUS_DELIVERED
    assert not late.applied and late.status == pb.SHIPMENT_STATUS_DELIVERED

    got = (await delivery_stub.GetShipment(pb.GetShipmentRequest(shipment_id=shipment.shipment_id),
                                           metadata=ADMIN)).shipment
    assert [e.applied for e in got.events] == [True, True, False]
    assert got.status == pb.SHIPMENT_STATUS_DELIVERED and got.HasField("delivered_at")
    recorded = await eventually(lambda: published(
        settings, "carrier_event_recorded", events.CarrierEventRecorded, shipment.order_id))
    assert len(recorded) == 3
    done = await eventually(lambda: published(
        settings, "shipment_delivered", events.ShipmentDelivered, shipment.order_id))
    assert len(done) == 1 and done[0].on_time and done[0].transit_seconds == 4 * 3600


async def test_an_exception_moves_the_eta_and_flags_the_shipment(bus, delivery_stub, settings):
    shipment = await opened(delivery_stub, await bus.ship(promised=None))
    now = datetime.now(UTC)
    picked = await delivery_stub.RecordCarrierEvent(
        record(shipment, pb.CARRIER_EVENT_CODE_PICKED_UP, now - timedelta(minutes=30)),
        metadata=ADMIN)
    held = await delivery_stub.RecordCarrierEvent(
        record(shipment, pb.CARRIER_EVENT_CODE_EXCEPTION, now, note="held at Baiyun hub",
               delay_minutes=36 * 60), metadata=ADMIN)
    moved = held.eta.ToDatetime(tzinfo=UTC) - picked.eta.ToDatetime(tzinfo=UTC)
    assert moved == timedelta(hours=36) and held.status == pb.SHIPMENT_STATUS_EXCEPTION
    changes = await eventually(lambda: published(
        settings, "eta_changed", events.EtaChanged, shipment.order_id))
    assert [c.reason for c in changes] == ["picked up by the carrier",
                                          "exception reported by the carrier"]
    assert changes[-1].at_risk and changes[-1].previous_eta == picked.eta
    exceptions = await eventually(lambda: published(
        settings, "shipment_exception", events.ShipmentException, shipment.order_id))
    assert exceptions[0].message == "held at Baiyun hub"

    async def listed():
        reply = await delivery_stub.ListShipments(
            pb.ListShipmentsRequest(exception=True, at_risk=True, factory_id="f1",
                                    page=dict(page_size=200)), metadata=ADMIN)
        return [s for s in reply.shipments if s.shipment_id == shipment.shipment_id]

    [row] = await eventually(listed)
    assert row.last_exception == "held at Baiyun hub" and row.at_risk


async def test_transit_times_are_learnt_from_delivered_shipments(bus, delivery_stub):
    region = ref("Region")  # a lane nobody else uses: defaults until it has learnt
    now = datetime.now(UTC)
    for _ in range(3):
        shipment = await opened(delivery_stub, await bus.ship(region=region))
        assert shipment.eta.ToDatetime() - shipment.planned_pickup.ToDatetime() == timedelta(
            hours=60)  # sf-express default outside the regions it names
        for code, hours_ago in ((pb.CARRIER_EVENT_CODE_PICKED_UP, 12),
                                (pb.CARRIER_EVENT_CODE_DELIVERED, 2)):
            await delivery_stub.RecordCarrierEvent(
                record(shipment, code, now - timedelta(hours=hours_ago)), metadata=ADMIN)
    learnt = await opened(delivery_stub, await bus.ship(region=region))
    assert learnt.eta.ToDatetime() - learnt.planned_pickup.ToDatetime() == timedelta(hours=10)


async def test_list_shipments_filters_and_pages_and_factories_see_only_their_own(
        bus, delivery_stub):
    factory = "f1"  # FACTORY_KEY belongs to factory f1
    carrier_orders = [await bus.ship(factory_id=factory) for _ in range(3)]
    for order_id in carrier_orders:
        await opened(delivery_stub, order_id)

    async def pages(**filters):
        seen, token = [], ""
        while True:
            reply = await delivery_stub.ListShipments(
                pb.ListShipmentsRequest(page=dict(page_size=2, page_token=token), **filters),
                metadata=ADMIN)
            seen += reply.shipments
            token = reply.next_page_token
            if not token:
                return seen

    async def all_listed():
        listed = await pages(factory_id=factory, carrier="sf-express")
        return listed if set(carrier_orders) <= {s.order_id for s in listed} else None

    listed = await eventually(all_listed)
    assert len({s.shipment_id for s in listed}) == len(listed)
    assert all(s.factory_id == factory and s.carrier == "sf-express" for s in listed)
    assert not [s for s in await pages(carrier="no-such-carrier")]

    own = await delivery_stub.ListShipments(pb.ListShipmentsRequest(page=dict(page_size=200)),
                                            metadata=auth(FACTORY_KEY))
    assert own.shipments and all(s.factory_id == factory for s in own.shipments)
    assert all(not s.tracking_token and not s.destination.line1 for s in own.shipments)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await delivery_stub.ListShipments(pb.ListShipmentsRequest(factory_id="f2"),
                                          metadata=auth(FACTORY_KEY))
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_bad_carrier_events_are_refused_with_the_field(bus, delivery_stub):
    shipment = await opened(delivery_stub, await bus.ship())
    bad = record(shipment, pb.CARRIER_EVENT_CODE_UNSPECIFIED, datetime.now(UTC) + timedelta(days=1),
                 event_id="not ok!")
    bad.tracking_number = "?"
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await delivery_stub.RecordCarrierEvent(bad, metadata=ADMIN)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert set(violations(caught.value)) == {"tracking_number", "carrier_event_id", "code",
                                             "event_time"}
    unknown = record(shipment, pb.CARRIER_EVENT_CODE_PICKED_UP, datetime.now(UTC))
    unknown.tracking_number = "SF000000000000"
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await delivery_stub.RecordCarrierEvent(unknown, metadata=ADMIN)
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND


async def test_a_carrier_key_records_for_its_own_carrier_only(bus, delivery_stub):
    parcel = await opened(delivery_stub, await bus.ship())
    freight = await opened(delivery_stub, await bus.ship(packages=WARDROBE))
    now = datetime.now(UTC)
    ok = await delivery_stub.RecordCarrierEvent(
        record(parcel, pb.CARRIER_EVENT_CODE_PICKED_UP, now), metadata=auth(SF_KEY))
    assert ok.applied
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await delivery_stub.RecordCarrierEvent(
            record(freight, pb.CARRIER_EVENT_CODE_PICKED_UP, now), metadata=auth(SF_KEY))
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await delivery_stub.GetShipment(pb.GetShipmentRequest(order_id=parcel.order_id),
                                        metadata=auth(SF_KEY))
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_track_order_answers_the_same_for_unknown_and_malformed_tokens(
        bus, delivery_stub):
    shipment = await opened(delivery_stub, await bus.ship())
    view = (await delivery_stub.TrackOrder(pb.TrackOrderRequest(token=shipment.tracking_token),
                                           metadata=ADMIN)).tracking
    assert view.destination_city == "Guangzhou" and view.order_reference
    answers = []
    for token in (shipment.tracking_token[:-1] + ("A" if shipment.tracking_token[-1] != "A"
                                                  else "B"), "short", "", "x" * 500):
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await delivery_stub.TrackOrder(pb.TrackOrderRequest(token=token), metadata=ADMIN)
        answers.append((caught.value.code(), caught.value.details()))
    assert len(set(answers)) == 1 and answers[0][0] == grpc.StatusCode.NOT_FOUND


async def test_concurrent_carrier_events_are_all_kept_and_repeats_recorded_once(
        bus, delivery_stub):
    shipment = await opened(delivery_stub, await bus.ship())
    now = datetime.now(UTC)
    same = record(shipment, pb.CARRIER_EVENT_CODE_PICKED_UP, now - timedelta(hours=2), "E-SAME")
    hubs = [record(shipment, pb.CARRIER_EVENT_CODE_IN_TRANSIT, now - timedelta(minutes=60 - i))
            for i in range(6)]
    replies = await asyncio.gather(*[delivery_stub.RecordCarrierEvent(r, metadata=ADMIN)
                                     for r in [same] * 6 + hubs])
    assert sum(not r.duplicate for r in replies[:6]) == 1
    got = (await delivery_stub.GetShipment(pb.GetShipmentRequest(order_id=shipment.order_id),
                                           metadata=ADMIN)).shipment
    assert len(got.events) == 7 and got.status == pb.SHIPMENT_STATUS_IN_TRANSIT
    assert got.milestones[4].reached_at.ToDatetime(tzinfo=UTC) == now - timedelta(minutes=60)
