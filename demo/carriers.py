"""Demo carriers for `make up`: every open shipment travels to the customer's door.

Polls ListShipments (admin key) for shipments on their way and, at DOVETAIL_DEMO_SPEEDUP
times real pace (default 60: a simulated hour passes in a minute), posts each one's next
carrier event as a signed webhook to the gateway, exactly as a carrier would:
picked_up → in_transit → out_for_delivery → delivered (one shipment in five is held at a hub
on the way, which moves its ETA). Event ids are derived from the shipment and its progress,
so a restart re-posts at most one event, which the service answers as a duplicate.

A carrier with no `carrier-<name>` secret in DOVETAIL_WEBHOOK_SECRETS gets its events
recorded over gRPC (RecordCarrierEvent, admin key) instead, so the demo still completes.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import signal
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import grpc
import httpx

from dovetail.delivery.v1 import delivery_service_pb2 as pb
from dovetail.delivery.v1 import delivery_service_pb2_grpc as pb_grpc
from services.kit.rpc import KEEPALIVE_OPTIONS
from services.kit.settings import Settings
from services.kit.tls import client_channel
from webhook_signature import sign

log = logging.getLogger("dovetail.delivery.simulator")
POLL_S = 2.0
DEMO_PREFIX = "demo-"
ON_THE_WAY = [pb.SHIPMENT_STATUS_AWAITING_PICKUP, pb.SHIPMENT_STATUS_PICKED_UP,
              pb.SHIPMENT_STATUS_IN_TRANSIT, pb.SHIPMENT_STATUS_OUT_FOR_DELIVERY,
              pb.SHIPMENT_STATUS_EXCEPTION, pb.SHIPMENT_STATUS_FAILED_ATTEMPT]


@dataclass(frozen=True)
class Leg:
    code: str
    # Simulated time after the previous step.
    after: timedelta
    where: str
    note: str = ""
    delay_minutes: int = 0


SMOOTH = (Leg("picked_up", timedelta(minutes=30), "factory gate"),
          Leg("in_transit", timedelta(hours=1), "regional hub"),
          Leg("out_for_delivery", timedelta(hours=1), "delivery station"),
          Leg("delivered", timedelta(minutes=30), "customer"))
HELD = SMOOTH[:1] + (Leg("exception", timedelta(minutes=40), "regional hub",
                         "held at the hub: sorting backlog", delay_minutes=90),) + SMOOTH[1:]


def journey(shipment_id: str) -> tuple[Leg, ...]:
    """One shipment in five is held at a hub; which one is fixed by its id."""
    return HELD if hashlib.sha256(shipment_id.encode()).digest()[0] % 5 == 0 else SMOOTH


def next_leg(shipment: pb.Shipment, now: datetime, speedup: float) -> tuple[int, Leg] | None:
    """The leg due now, with its index; None when nothing is due (or the journey is over)."""
    legs = journey(shipment.shipment_id)
    done = [e for e in shipment.events if e.carrier_event_id.startswith(DEMO_PREFIX)]
    if len(done) >= len(legs):
        return None
    last = max([e.recorded_at.ToDatetime(tzinfo=UTC) for e in done]
               or [shipment.opened_at.ToDatetime(tzinfo=UTC)])
    leg = legs[len(done)]
    return (len(done), leg) if now - last >= leg.after / speedup else None


def carrier_event(shipment: pb.Shipment, step: int, leg: Leg, now: datetime) -> dict:
    city = shipment.destination.city if leg.code in ("out_for_delivery", "delivered") else ""
    return {"event_id": f"{DEMO_PREFIX}{shipment.shipment_id}-{step}-{leg.code}",
            "tracking_number": shipment.tracking_number, "code": leg.code,
            "event_time": now.isoformat(), "note": leg.note, "delay_minutes": leg.delay_minutes,
            "location": {"city": city, "country": shipment.destination.country,
                         "description": f"{shipment.carrier} {leg.where}"}}


class DemoCarriers:
    def __init__(self, settings: Settings, speedup: float):
        self.settings = settings
        self.speedup = speedup
        self.metadata = (("authorization", f"Bearer {settings.admin_key}"),)
        self.gateway = f"http://{settings.grpc_host}:{settings.gateway_port}"
        self._warned: set[str] = set()

    async def run(self, stop: asyncio.Event) -> None:
        async with (client_channel(self.settings, self.settings.service_address("delivery"),
                                   KEEPALIVE_OPTIONS) as channel,
                    httpx.AsyncClient(base_url=self.gateway, timeout=10) as http):
            stub = pb_grpc.DeliveryServiceStub(channel)
            while not stop.is_set():
                try:
                    await self.tick(stub, http)
                except (grpc.aio.AioRpcError, httpx.HTTPError) as exc:
                    log.warning("demo carriers: platform not reachable yet (%s)", exc)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), POLL_S)

    async def tick(self, stub, http: httpx.AsyncClient) -> None:
        now = datetime.now(UTC)
        async for shipment in self.on_the_way(stub):
            due = next_leg(shipment, now, self.speedup)
            if due is not None:
                await self.report(stub, http, shipment, carrier_event(shipment, *due, now))

    async def on_the_way(self, stub):
        token = ""
        while True:
            reply = await stub.ListShipments(pb.ListShipmentsRequest(
                statuses=ON_THE_WAY, page=dict(page_size=200, page_token=token)),
                metadata=self.metadata, timeout=10)
            for shipment in reply.shipments:
                yield shipment
            token = reply.next_page_token
            if not token:
                return

    async def report(self, stub, http: httpx.AsyncClient, shipment: pb.Shipment,
                     event: dict) -> None:
        secret = self.settings.webhook_secrets.get(f"carrier-{shipment.carrier}")
        if secret is None:
            await self.record_over_grpc(stub, shipment.carrier, event)
            return
        body = json.dumps(event).encode()
        response = await http.post(f"/webhooks/carriers/{shipment.carrier}", content=body,
                                   headers={"Dovetail-Signature": sign(secret, body),
                                            "Content-Type": "application/json"})
        if response.status_code >= 300:
            log.warning("demo carrier event refused: %s %s", response.status_code, response.text)
        else:
            log.info("%s %s %s", shipment.carrier, shipment.tracking_number, event["code"])

    async def record_over_grpc(self, stub, carrier: str, event: dict) -> None:
        if carrier not in self._warned:
            self._warned.add(carrier)
            log.warning("no webhook secret carrier-%s: recording its demo events over gRPC", carrier)
        request = pb.RecordCarrierEventRequest(
            carrier=carrier, tracking_number=event["tracking_number"],
            carrier_event_id=event["event_id"],
            code=pb.CarrierEventCode.Value(f"CARRIER_EVENT_CODE_{event['code'].upper()}"),
            note=event["note"], delay_minutes=event["delay_minutes"],
            location=pb.CarrierLocation(**event["location"]))
        request.event_time.FromDatetime(datetime.fromisoformat(event["event_time"]))
        await stub.RecordCarrierEvent(request, metadata=self.metadata, timeout=10)


def speedup_from(env) -> float:
    raw = env.get("DOVETAIL_DEMO_SPEEDUP", "60")
    try:
        value = float(raw)
    except ValueError:
        raise SystemExit(f"DOVETAIL_DEMO_SPEEDUP={raw!r} is not a number") from None
    if value <= 0:
        raise SystemExit("DOVETAIL_DEMO_SPEEDUP must be above 0")
    return value


def main() -> None:
    from services.kit.logs import configure_logging

    settings = Settings.from_env()
    configure_logging("delivery-simulator", settings.log_level, settings.log_format)
    carriers = DemoCarriers(settings, speedup_from(os.environ))

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await carriers.run(stop)

    asyncio.run(run())


if __name__ == "__main__":
    main()
