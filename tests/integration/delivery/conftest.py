"""The delivery service in this process, a gateway in front of it, and upstream facts to feed it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from datetime import UTC, datetime, timedelta

import grpc
import nats
import pytest

from dovetail.configurator.v1 import configurator_events_pb2 as configurator
from dovetail.configurator.v1 import configurator_service_pb2 as configurator_pb
from dovetail.delivery.v1 import delivery_service_pb2 as pb
from dovetail.delivery.v1 import delivery_service_pb2_grpc as pb_grpc
from dovetail.orders.v1 import orders_events_pb2 as orders
from dovetail.scheduling.v1 import scheduling_events_pb2 as scheduling
from services.delivery.application import DeliveryApplication
from services.delivery.main import build
from services.kit import runtime
from services.kit.auth import Principal
from services.kit.envelope import subject, wrap
from tests.conftest import TEST_ADMIN_KEY
from tests.helpers import eventually, ref
from tests.integration.conftest import auth
from webhook_signature import sign

CARRIER_SECRETS = {"carrier-sf-express": "whsec_test_sf_express",
                   "carrier-deppon": "whsec_test_deppon",
                   "carrier-global-freight": "whsec_test_global_freight"}
SF_KEY = "dvt_channel_test_carrier_sf"
PARCELS = [configurator_pb.Package(package_id="P1", description="6 panels", weight_kg=24.0,
                                   length_mm=1300, width_mm=600, height_mm=90, volume_m3=0.07),
           configurator_pb.Package(package_id="P2", description="hardware", weight_kg=3.0,
                                   length_mm=400, width_mm=300, height_mm=150, volume_m3=0.02)]
WARDROBE = [configurator_pb.Package(package_id=f"W{i}", description="panels", weight_kg=29.0,
                                    length_mm=2440, width_mm=620, height_mm=110)
            for i in range(5)]


@pytest.fixture(scope="session")
def delivery_settings(settings):
    return settings.with_(webhook_secrets={**settings.webhook_secrets, **CARRIER_SECRETS})


@pytest.fixture(scope="session")
async def delivery_service(delivery_settings, orders_service):
    running = await runtime.start("delivery", delivery_settings, DeliveryApplication, build, port=0)
    keys = running.runtime.keys
    await keys.add(TEST_ADMIN_KEY, Principal("admin"))
    await keys.add(SF_KEY, Principal("channel", "carrier-sf-express"))
    yield running
    running.stop.set()
    await running.done


@pytest.fixture(scope="session")
async def delivery_stub(delivery_service):
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{delivery_service.port}")
    yield pb_grpc.DeliveryServiceStub(channel)
    await channel.close()


@contextlib.asynccontextmanager
async def served_gateway(settings, targets: dict[str, str]):
    """A gateway in front of `targets` (service → address), served by uvicorn in this loop:
    an HTTP client on it."""
    import httpx
    import uvicorn

    from gateway.app import create_app
    from infra.servers import free_port

    port = free_port()
    app = create_app(settings, targets)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())

    async def started():
        return server.started

    await eventually(started, timeout=90, interval=0.02)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        yield client
    server.should_exit = True
    await task


@pytest.fixture(scope="session")
async def site(delivery_settings, orders_service, delivery_service):
    """The gateway with orders and delivery behind it."""
    async with served_gateway(delivery_settings, {
            "orders": f"127.0.0.1:{orders_service.port}",
            "delivery": f"127.0.0.1:{delivery_service.port}"}) as client:
        yield client


@pytest.fixture(scope="session")
async def bus(settings):
    nc = await nats.connect(settings.nats_url)
    yield Upstream(nc.jetstream())
    await nc.close()


class Upstream:
    """Publishes what orders, the configurator and scheduling would say about an order."""

    def __init__(self, js):
        self.js = js

    async def publish(self, service: str, name: str, body, order_id: str) -> None:
        # Far above any real log position, so these never collide with a relay's msg ids.
        notification_id = 10**12 + uuid.uuid4().int % 10**12
        envelope = wrap(service=service, body=body, aggregate_id=order_id, version=1,
                        occurred_at=datetime.now(UTC), tenant="default",
                        notification_id=notification_id)
        await self.js.publish(subject(service, name), envelope.SerializeToString(),
                              headers={"Nats-Msg-Id": f"{service}:{notification_id}"})

    async def placed(self, order_id: str, *, reference: str | None = None, city="Guangzhou",
                     region="Guangdong", country="CN", promised=(2026, 12, 20)) -> str:
        reference = reference or ref("SHOP")
        body = orders.OrderPlaced(order_id=order_id, channel="dovetail", external_id=reference,
                                  revision=1, tenant="default")
        body.placed_at.FromDatetime(datetime.now(UTC) - timedelta(days=5))
        if promised:
            body.promised_date.year, body.promised_date.month, body.promised_date.day = promised
        body.customer.name, body.customer.email = "Li Wei", "li.wei@example.com"
        body.customer.phone = "+86 20 5555 0101"
        a = body.customer.address
        a.line1, a.city, a.region, a.postal_code, a.country = (
            "88 Tianhe Road", city, region, "510000", country)
        body.items.add(line_id="1", product="wardrobe", quantity=1)
        await self.publish("orders", "placed", body, order_id)
        return reference

    async def configured(self, order_id: str, packages=PARCELS, revision: int = 1) -> None:
        body = configurator.OrderConfigured(order_id=order_id, order_version=revision,
                                            catalog_version=1, packages=packages)
        await self.publish("configurator", "order_configured", body, order_id)

    async def scheduled(self, order_id: str, factory_id: str, planned_end: datetime) -> None:
        body = scheduling.OrderScheduled(order_id=order_id, factory_id=factory_id, plan_id="p")
        body.planned_end.FromDatetime(planned_end)
        await self.publish("scheduling", "order_scheduled", body, order_id)

    async def produced(self, order_id: str, factory_id: str, at: datetime | None = None) -> None:
        body = scheduling.OrderProduced(order_id=order_id, factory_id=factory_id)
        body.produced_at.FromDatetime(at or datetime.now(UTC))
        await self.publish("scheduling", "order_produced", body, order_id)

    async def ship(self, order_id: str | None = None, *, factory_id: str = "f1",
                   packages=PARCELS, produced_at: datetime | None = None, **placed) -> str:
        """Every fact that opens a shipment; returns the order id."""
        order_id = order_id or str(uuid.uuid4())
        await self.placed(order_id, **placed)
        await self.configured(order_id, packages)
        await self.scheduled(order_id, factory_id, datetime.now(UTC))
        await self.produced(order_id, factory_id, produced_at)
        return order_id


async def opened(stub, order_id: str) -> pb.Shipment:
    async def found():
        try:
            reply = await stub.GetShipment(pb.GetShipmentRequest(order_id=order_id),
                                           metadata=auth(TEST_ADMIN_KEY))
        except grpc.aio.AioRpcError as error:
            assert error.code() == grpc.StatusCode.NOT_FOUND, error
            return None
        return reply.shipment

    return await eventually(found)


def carrier_post(settings, carrier: str, payload: dict, *, secret: str | None = None,
                 timestamp: int | None = None) -> dict:
    body = json.dumps(payload).encode()
    signature = sign(secret or settings.webhook_secrets[f"carrier-{carrier}"], body, timestamp)
    return {"content": body, "headers": {"Dovetail-Signature": signature,
                                         "Content-Type": "application/json"}}


def carrier_event(shipment: pb.Shipment, code: str, at: datetime | None = None,
                  event_id: str | None = None, **extra) -> dict:
    return {"event_id": event_id or ref("EV"), "tracking_number": shipment.tracking_number,
            "code": code, "event_time": (at or datetime.now(UTC)).isoformat(), **extra}


async def post_event(site, settings, shipment: pb.Shipment, code: str, **kw):
    return await site.post(f"/webhooks/carriers/{shipment.carrier}",
                           **carrier_post(settings, shipment.carrier,
                                          carrier_event(shipment, code, **kw)))

