"""Outbound webhooks: events on JetStream → signed webhooks taken by a receiver, against raw POSTs.

`python -m load.bench_outbound [--events 2000] [--concurrency 16] [--rate 0]`

In the same run, on fresh embedded PostgreSQL and NATS, with one receiver process that checks
every Standard Webhooks signature (the `standardwebhooks` package) and notes when each arrived:
  baseline  the same signed bodies POSTed straight to the receiver by httpx, --concurrency at a
            time: webhooks/s, the ceiling of any sender on this machine;
  outbound  --events OrderPlaced envelopes published to JetStream at once (or --rate a second),
            one subscription to
            order.placed: the outbound service (in this process) queues each delivery with its
            tracking record, sends, records the try; webhooks/s from the first publish to the
            last arrival, and event time → arrival p50 / p95 / p99.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import grpc
import httpx
import nats

from dovetail.orders.v1 import orders_events_pb2 as orders
from dovetail.outbound.v1 import outbound_service_pb2 as pb
from dovetail.outbound.v1 import outbound_service_pb2_grpc as pb_grpc
from infra.servers import free_port
from load.bench_webhooks import percentile
from load.platform_harness import servers
from services.kit import runtime
from services.kit.auth import Principal
from services.kit.envelope import msg_id, subject, wrap
from services.outbound.application import OutboundApplication, new_secret
from services.outbound.main import build
from services.outbound.settings import OutboundSettings
from services.outbound.webhooks import signed_headers, webhook_body

RESULTS = Path(__file__).parent / "results"


def receiver_app(secrets: dict):
    """The receiver: verify each signature, note (webhook-id → arrival, event time)."""
    from standardwebhooks import Webhook

    seen: dict[str, tuple[float, float]] = {}
    refused: list[str] = []

    async def app(scope, receive_, send):
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive_()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        status, answer = 200, b"{}"
        if scope["path"] == "/stats":
            answer = json.dumps({"seen": seen, "refused": refused[-3:],
                                 "refusals": len(refused)}).encode()
        elif scope["path"] == "/reset":
            seen.clear()
            secrets["key"] = body.decode()
        else:
            headers = {k.decode(): v.decode() for k, v in scope["headers"]}
            try:
                event = Webhook(secrets["key"]).verify(body, headers)
                stamp = datetime.fromisoformat(event["timestamp"].replace("Z", "+00:00"))
                seen[headers["webhook-id"]] = (time.time(), stamp.timestamp())
            except Exception as exc:  # noqa: BLE001 - a refused signature is counted, 401
                refused.append(repr(exc))
                status = 401
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": answer})

    return app


def receive(port: int) -> None:
    """The receiver's own process."""
    import uvicorn

    uvicorn.run(receiver_app({}), host="127.0.0.1", port=port, log_level="warning",
                access_log=False)


async def reset(client: httpx.AsyncClient, url: str, secret: str) -> None:
    await client.post(f"{url}/reset", content=secret.encode())


async def stats(client: httpx.AsyncClient, url: str) -> dict:
    return (await client.get(f"{url}/stats")).json()


async def baseline(url: str, events: int, concurrency: int) -> dict:
    secret = new_secret()
    bodies = [(str(uuid.uuid4()), webhook_body("order.placed", datetime.now(UTC),
                                               {"order_id": str(uuid.uuid4())}))
              for _ in range(events)]
    async with httpx.AsyncClient(timeout=30) as client:
        await reset(client, url, secret)
        gate = asyncio.Semaphore(concurrency)

        async def post(message_id: str, body: str) -> None:
            async with gate:
                response = await client.post(
                    f"{url}/hooks", content=body.encode(),
                    headers=signed_headers(secret, message_id, body, datetime.now(UTC)))
                response.raise_for_status()

        started = time.perf_counter()
        await asyncio.gather(*(post(m, b) for m, b in bodies))
        spent = time.perf_counter() - started
        got = await stats(client, url)
    assert len(got["seen"]) == events and not got["refusals"], got["refused"]
    return {"webhooks_per_s": events / spent}


async def through_outbound(settings, url: str, events: int, concurrency: int,
                           rate: float = 0) -> dict:
    config = OutboundSettings(poll_s=0.05, concurrency=concurrency)
    running = await runtime.start("outbound", settings, OutboundApplication,
                                  lambda rt: build(rt, config), port=0)
    await running.runtime.keys.add(settings.admin_key, Principal("admin"))
    admin = (("authorization", f"Bearer {settings.admin_key}"),)
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{running.port}") as channel:
            reply = await pb_grpc.OutboundServiceStub(channel).CreateSubscription(
                pb.CreateSubscriptionRequest(url=f"{url}/hooks", event_types=["order.placed"]),
                metadata=admin)
        nc = await nats.connect(settings.nats_url)
        js = nc.jetstream()
        async with httpx.AsyncClient(timeout=30) as client:
            await reset(client, url, reply.secret)
            started = time.time()
            acks = []
            for i in range(events):
                if rate:  # paced: event i leaves at started + i / rate
                    await asyncio.sleep(max(0.0, started + i / rate - time.time()))
                order_id = str(uuid.uuid4())
                envelope = wrap(service="orders", body=orders.OrderPlaced(
                    order_id=order_id, channel="bench", external_id=f"B{i}", revision=1),
                    aggregate_id=order_id, version=1, occurred_at=datetime.now(UTC),
                    tenant="default", notification_id=i + 1)
                acks.append(await js.publish_async(
                    subject("orders", "placed"), envelope.SerializeToString(),
                    headers={"Nats-Msg-Id": msg_id("orders", i + 1)}))
            await asyncio.gather(*acks)
            deadline = time.time() + 600
            while time.time() < deadline:
                got = await stats(client, url)
                if len(got["seen"]) >= events:
                    break
                await asyncio.sleep(0.25)
        await nc.close()
    finally:
        running.stop.set()
        await running.done
    arrivals = [a for a, _ in got["seen"].values()]
    delays = [a - stamp for a, stamp in got["seen"].values()]
    assert len(arrivals) == events and not got["refusals"], (len(arrivals), got["refused"])
    return {"webhooks_per_s": events / (max(arrivals) - started),
            "delay_p50_s": percentile(delays, 0.50), "delay_p95_s": percentile(delays, 0.95),
            "delay_p99_s": percentile(delays, 0.99)}


async def main(events: int, concurrency: int, rate: float) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    receiver = multiprocessing.get_context("spawn").Process(target=receive, args=(port,),
                                                            daemon=True)
    receiver.start()
    try:
        async with httpx.AsyncClient() as client:
            for _ in range(100):
                try:
                    await client.get(f"{url}/stats")
                    break
                except httpx.HTTPError:
                    await asyncio.sleep(0.1)
        with servers() as settings:
            settings = settings.with_(admin_key="dvt_admin_bench_" + uuid.uuid4().hex)
            base = await baseline(url, events, concurrency)
            ours = await through_outbound(settings, url, events, concurrency, rate)
    finally:
        receiver.terminate()
        receiver.join(10)
    print(f"events {events}, concurrency {concurrency}, "
          f"{'at once' if not rate else f'{rate:g}/s'}")
    print(f"baseline  raw signed POSTs (httpx)      {base['webhooks_per_s']:8.0f} webhooks/s")
    print(f"outbound  JetStream → store → webhook   {ours['webhooks_per_s']:8.0f} webhooks/s"
          f"   ratio {ours['webhooks_per_s'] / base['webhooks_per_s']:.2f}")
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"outbound_{time.strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(json.dumps({"events": events, "concurrency": concurrency, "rate": rate,
                                "baseline": base, "outbound": ours}, indent=2))
    print(f"wrote {path}")
    print(f"          event → arrival p50 {ours['delay_p50_s'] * 1000:.0f} ms, "
          f"p95 {ours['delay_p95_s'] * 1000:.0f} ms, p99 {ours['delay_p99_s'] * 1000:.0f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rate", type=float, default=0, help="events/s (0: all at once)")
    args = parser.parse_args()
    asyncio.run(main(args.events, args.concurrency, args.rate))
