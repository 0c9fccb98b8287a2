"""Outbound against the session's real PostgreSQL and NATS, the receivers on a free port,
and upstream events published to JetStream as the other services' relays publish them."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime

import grpc
import nats
import pytest
from google.protobuf.message import Message

from dovetail.outbound.v1 import outbound_service_pb2_grpc as pb_grpc
from services.kit import runtime
from services.kit.envelope import msg_id, subject, wrap
from services.outbound.application import OutboundApplication
from services.outbound.main import build
from services.outbound.settings import OutboundSettings
from tests.conftest import TEST_ADMIN_KEY
from tests.integration.outbound.receivers import Receivers

ADMIN = (("authorization", f"Bearer {TEST_ADMIN_KEY}"),)
PUBLIC = "https://track.example.com"
# Three tries, 0.3 s apart: a test sees a whole schedule run out.
OUTBOUND = OutboundSettings(public_url=PUBLIC, retry_schedule_s=(0, 0.3, 0.3), poll_s=0.1,
                            request_timeout_s=5)


@pytest.fixture(scope="module")
async def outbound_service(settings, orders_service):  # orders_service: the test keys are added
    running = await runtime.start("outbound", settings, OutboundApplication,
                                  lambda rt: build(rt, OUTBOUND), port=0)
    yield running
    running.stop.set()
    await running.done


class Upstream:
    """Publishes integration events on `dovetail.<service>.<event>` with the relay's
    Nats-Msg-Id; notification ids far above any a test service reaches."""

    def __init__(self, js):
        self.js = js

    async def publish(self, service: str, event: str, body: Message, aggregate_id: str,
                      version: int = 1, occurred_at: datetime | None = None):
        notification_id = random.randrange(10**12, 10**15)
        envelope = wrap(service=service, body=body, aggregate_id=aggregate_id, version=version,
                        occurred_at=occurred_at or datetime.now(UTC), tenant="default",
                        notification_id=notification_id)
        await self.js.publish(subject(service, event), envelope.SerializeToString(),
                              headers={"Nats-Msg-Id": msg_id(service, notification_id)})
        return envelope


@pytest.fixture
async def upstream(settings):
    nc = await nats.connect(settings.nats_url)
    yield Upstream(nc.jetstream())
    await nc.drain()


@pytest.fixture
async def receivers():
    async with Receivers() as running:
        yield running


def new_order_id() -> str:
    return str(uuid.uuid4())


def stub(port: int):
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    return channel, pb_grpc.OutboundServiceStub(channel)
