"""The demo carriers of `make up` take every open shipment to the door through signed webhooks."""

from __future__ import annotations

import asyncio

import pytest

from demo.carriers import DemoCarriers, journey
from dovetail.delivery.v1 import delivery_service_pb2 as pb
from tests.conftest import TEST_ADMIN_KEY
from tests.helpers import eventually
from tests.integration.conftest import auth
from tests.integration.delivery.conftest import opened

pytestmark = pytest.mark.integration


async def test_demo_carriers_deliver_open_shipments(bus, delivery_stub, delivery_service, site,
                                                    delivery_settings):
    shipments = [await opened(delivery_stub, await bus.ship()) for _ in range(3)]
    settings = delivery_settings.with_(
        gateway_port=site.base_url.port,
        service_ports={**delivery_settings.service_ports, "delivery": delivery_service.port})
    stop = asyncio.Event()
    carriers = asyncio.create_task(DemoCarriers(settings, speedup=10**6).run(stop))
    try:
        for shipment in shipments:
            async def delivered(shipment_id=shipment.shipment_id):
                got = await delivery_stub.GetShipment(
                    pb.GetShipmentRequest(shipment_id=shipment_id), metadata=auth(TEST_ADMIN_KEY))
                return got.shipment if got.shipment.status == pb.SHIPMENT_STATUS_DELIVERED else None

            done = await eventually(delivered, timeout=90)
            codes = [pb.CarrierEventCode.Name(e.code).removeprefix("CARRIER_EVENT_CODE_").lower()
                     for e in done.events]
            assert codes == [leg.code for leg in journey(done.shipment_id)]
            assert all(e.applied for e in done.events)
    finally:
        stop.set()
        await carriers
