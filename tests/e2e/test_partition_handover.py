"""Two scheduling replicas plan two partitions side by side; killing one hands its partition
to the other within seconds, and no order is planned twice or lost.

The platform runs on servers of its own (a scheduling replica's durable consumers must not
share a stream with the session's other services): orders, configurator, iot, the gateway,
and scheduling twice, with the demo network split in two partitions.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import urllib.request

import httpx
import pytest

from infra.servers import NatsProcess, PostgresProcess, free_port
from services.kit.persistence import postgres_env
from services.kit.settings import Settings
from services.scheduling.application import SchedulingApplication
from services.scheduling.domain.network import NetworkState
from tests.conftest import TEST_ADMIN_KEY
from tests.e2e.conftest import Platform, ServiceProcess, wait_until_healthy
from tests.helpers import eventually, order_payload, ref
from webhook_signature import sign

pytestmark = pytest.mark.e2e
PARTITIONS = {"south": {"F-GZ-01", "F-FS-02"}, "east": {"F-DG-03", "F-ZS-04"}}
SPEC = "south=F-GZ-*,F-FS-*;east=F-DG-*,F-ZS-*"


def led(metrics_port: int) -> set[str]:
    """The partitions a scheduling replica says it plans (its Prometheus endpoint)."""
    try:
        text = urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=2).read()
    except OSError:
        return set()
    out = set()
    for line in text.decode().splitlines():
        if line.startswith("dovetail_scheduling_partition_leader{") and line.endswith(" 1.0"):
            out.add(line.split('partition="', 1)[1].split('"', 1)[0])
    return out


@pytest.fixture(scope="module")
async def partitioned(work_dir):
    from demo.factories import seed
    from infra.launcher import prepare

    home = work_dir / "partitions"
    pg = PostgresProcess(home / "pg" / "data", free_port()).start()
    nats = NatsProcess(home / "nats", free_port(), free_port()).start()
    services = ("orders", "configurator", "iot")
    ports = {n: free_port() for n in Settings().service_ports}
    replica_ports = (ports["scheduling"], free_port())
    base = Settings(home=home / "home", database_url=pg.url, nats_url=nats.url,
                    admin_key=TEST_ADMIN_KEY, log_format="json", service_ports=ports,
                    metrics_ports={n: free_port() for n in Settings().metrics_ports},
                    gateway_port=free_port(), services=(*services, "scheduling"),
                    # clients (the gateway, iot's seeding) balance over both replicas
                    service_targets={"scheduling": "ipv4:" + ",".join(
                        f"127.0.0.1:{p}" for p in replica_ports)})
    await prepare(base, demo=True)
    env = {**os.environ, **base.to_env(), "PYTHONUNBUFFERED": "1",
           "DOVETAIL_SCHEDULER_PARTITIONS": SPEC}
    logs = home / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    procs = {name: ServiceProcess(f"services.{name}.main", env, logs / f"{name}.log")
             for name in services}
    procs["gateway"] = ServiceProcess("gateway.main", env, logs / "gateway.log")
    replicas = {}
    for i in (0, 1):
        s = base.with_(service_ports={**base.service_ports, "scheduling": replica_ports[i]},
                       metrics_ports={**base.metrics_ports, "scheduling": free_port()})
        replicas[i] = s.metrics_ports["scheduling"]
        procs[f"scheduling-{i}"] = ServiceProcess(
            "services.scheduling.main", {**env, **s.to_env()}, logs / f"scheduling-{i}.log")
    for p in procs.values():
        p.start()
    platform = Platform(base, procs)
    try:
        try:
            await wait_until_healthy(platform)
        except TimeoutError:
            for log in sorted(logs.glob("*.log")):
                print(f"--- {log.name}\n" + "\n".join(log.read_text().splitlines()[-8:]))
            raise
        await seed(base)
        yield platform, replicas
    finally:
        for p in procs.values():
            p.stop()
        nats.stop()
        pg.stop()


async def place(platform: Platform, batch: str, count: int) -> list[str]:
    secret = platform.settings.webhook_secrets["dovetail"]
    ids = []
    async with httpx.AsyncClient(base_url=platform.base_url, timeout=30) as client:
        for i in range(count):
            payload = order_payload(f"{batch}-{i:03d}", promised_date="2027-03-31")
            # knobs need no router (only F-GZ-01 has one): both partitions can make these
            payload["items"][0]["options"].update(handle="knob", door_style="hinged", doors=4)
            body = json.dumps(payload).encode()
            r = await client.post("/webhooks/dovetail/orders", content=body, headers={
                "Dovetail-Signature": sign(secret, body), "Content-Type": "application/json"})
            assert r.status_code == 202, r.text
            ids.append(r.json()["order_id"])
    return ids


def plan_state(settings: Settings) -> NetworkState:
    """The plan as the scheduling event log records it, replayed from the start."""
    app = SchedulingApplication(env=postgres_env(settings.database_url, "scheduling", 1))
    state, start = NetworkState(), 1
    try:
        while batch := app.recorder.select_notifications(start, 1000):
            for n in batch:
                state.apply(app.mapper.to_domain_event(n))
            start = batch[-1].id + 1
    finally:
        app.close()
    return state


async def all_planned(settings: Settings, order_ids: list[str]) -> NetworkState:
    state = await asyncio.to_thread(plan_state, settings)
    missing = [o for o in order_ids if o not in state.planned_in]
    seen = [(o.status, o.partition, o.unplannable_reason) for o in map(state.orders.get, missing) if o]
    assert not missing, f"{len(missing)} orders not planned yet: {seen[:3]}"
    return state


def check_planned_once(state: NetworkState, order_ids: list[str]) -> None:
    """Every order in exactly one factory's plan, in the partition it was put in."""
    seen: dict[str, str] = {}
    for factory_id, plan in state.factory_plans.items():
        for op_id, row in plan.operations.items():
            assert op_id not in seen, f"{op_id} planned at {seen[op_id]} and {factory_id}"
            seen[op_id] = factory_id
            assert row.factory_id == factory_id
    for order_id in order_ids:
        order = state.orders[order_id]
        factories = {seen[op] for op in order.operation_ids}
        assert len(factories) == 1, (order_id, factories)
        assert factories <= PARTITIONS[order.partition], (order_id, order.partition, factories)


async def test_two_replicas_plan_two_partitions_and_one_takes_over_when_the_other_dies(
        partitioned):
    platform, replicas = partitioned

    async def one_each():
        a, b = led(replicas[0]), led(replicas[1])
        return len(a) == 1 and len(b) == 1 and a | b == set(PARTITIONS) and (a, b)

    (first, second) = await eventually(one_each, timeout=60, interval=0.5)
    first_orders = await place(platform, ref("PART"), 12)
    state = await eventually(lambda: all_planned(platform.settings, first_orders),
                             timeout=120, interval=1.0)
    check_planned_once(state, first_orders)
    assert {state.orders[o].partition for o in first_orders} == set(PARTITIONS)  # both used

    # the replica planning "east" dies without a word
    victim = 0 if "east" in first else 1
    survivor = 1 - victim
    killed_at = time.monotonic()
    platform.processes[f"scheduling-{victim}"].kill()

    async def took_over():
        return led(replicas[survivor]) == set(PARTITIONS)

    await eventually(took_over, timeout=30, interval=0.2)
    handover_s = time.monotonic() - killed_at
    print(f"partition handed over {handover_s:.1f} s after the kill")
    assert handover_s <= 10, f"the partition was handed over after {handover_s:.1f} s"

    later = await place(platform, ref("PART-AFTER"), 12)
    state = await eventually(lambda: all_planned(platform.settings, first_orders + later),
                             timeout=120, interval=1.0)
    check_planned_once(state, first_orders + later)
    assert "east" in {state.orders[o].partition for o in later}  # planned by the survivor
