"""A process killed in the middle of a delivery loses nothing: the next one sends it again
with the same webhook-id, and events published while no outbound runs wait in JetStream."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from dovetail.common.v1.types_pb2 import PageRequest
from dovetail.orders.v1 import orders_events_pb2 as orders
from dovetail.outbound.v1 import outbound_service_pb2 as pb
from infra.servers import free_port
from tests.helpers import eventually, ref
from tests.integration.outbound.conftest import ADMIN, new_order_id, stub

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[3]


class OutboundProcess:
    """`python -m services.outbound.main` on free ports, as `make up` runs it."""

    def __init__(self, settings, log: Path):
        self.port = free_port()
        self.env = {**os.environ, **settings.to_env(), "PYTHONUNBUFFERED": "1",
                    "DOVETAIL_OUTBOUND_PORT": str(self.port),
                    "DOVETAIL_OUTBOUND_METRICS_PORT": str(free_port()),
                    "DOVETAIL_OUTBOUND_RETRY_SCHEDULE_S": "0,0.5,0.5,0.5",
                    "DOVETAIL_OUTBOUND_POLL_S": "0.1"}
        self.log = log
        self.process: subprocess.Popen | None = None

    def spawn(self) -> None:
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen([sys.executable, "-m", "services.outbound.main"],
                                            env=self.env, cwd=ROOT, stdout=out,
                                            stderr=subprocess.STDOUT)

    async def start(self) -> None:
        self.spawn()
        channel, _ = stub(self.port)

        async def serving():
            assert self.process is not None and self.process.poll() is None, self.log.read_text()
            try:
                reply = await health_pb2_grpc.HealthStub(channel).Check(
                    health_pb2.HealthCheckRequest(service=""), timeout=1)
            except grpc.aio.AioRpcError:
                return False  # not listening yet
            return reply.status == health_pb2.HealthCheckResponse.SERVING

        try:
            await eventually(serving, timeout=60, interval=0.2)
        finally:
            await channel.close()

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()  # SIGKILL: no grace, no drain
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


async def test_a_delivery_cut_off_by_a_killed_process_is_sent_again(
        settings, orders_service, receivers, upstream, tmp_path):
    first = OutboundProcess(settings, tmp_path / "first.log")
    second = OutboundProcess(settings, tmp_path / "second.log")
    try:
        await first.start()
        channel, outbound = stub(first.port)
        reply = await outbound.CreateSubscription(pb.CreateSubscriptionRequest(
            url=f"{receivers.url}/hooks/crash", event_types=["order.placed"]), metadata=ADMIN)
        await channel.close()
        world = receivers.world
        world.secrets["crash"] = reply.secret
        world.held["crash"] = asyncio.Event()
        order_id = new_order_id()
        sent = await upstream.publish("orders", "placed", orders.OrderPlaced(
            order_id=order_id, channel="dovetail", external_id=ref("SHOP")), order_id)
        await asyncio.wait_for(world.arrived.wait(), 60)  # held: the process is mid-delivery

        first.kill()
        world.held["crash"].set()
        later_id = new_order_id()  # published while no outbound runs
        later = await upstream.publish("orders", "placed", orders.OrderPlaced(
            order_id=later_id, channel="dovetail", external_id=ref("SHOP")), later_id)
        await second.start()

        def received(oid: str) -> list[str]:
            return [w.headers["webhook-id"] for w in world.webhooks
                    if w.path == "/hooks/crash" and w.body["data"]["order_id"] == oid]

        async def both_sent():
            assert len(received(order_id)) == 2 and received(later_id)
            return True

        await eventually(both_sent, timeout=60)
        assert received(order_id) == [sent.event_id, sent.event_id]
        assert received(later_id) == [later.event_id]

        channel, outbound = stub(second.port)
        target = f"subscription:{reply.subscription.subscription_id}"

        async def logged():
            listed = await outbound.ListDeliveries(pb.ListDeliveriesRequest(
                target=target, page=PageRequest(page_size=10)), metadata=ADMIN)
            assert len(listed.deliveries) == 2
            assert all(d.status == pb.DELIVERY_STATUS_DELIVERED for d in listed.deliveries)
            return listed.deliveries

        log = await eventually(logged, timeout=30)
        await channel.close()
        # The killed try recorded nothing; the one that went through is the only try counted.
        assert {d.order_id: len(d.attempts) for d in log} == {order_id: 1, later_id: 1}
    finally:
        first.stop()
        second.stop()
