"""Many machines changing state in one intake turn: every change reaches JetStream once, each
machine's in order (one writer round, one relay batch)."""

from __future__ import annotations

import asyncio

import nats
import pytest

from dovetail.iot.v1 import iot_events_pb2
from tests.helpers import eventually, stream_envelopes
from tests.integration.iot.scenario import (
    current_batch,
    register_factory,
    register_machine,
    seconds_back,
    state_names,
)

pytestmark = pytest.mark.integration

MACHINES = 40


async def test_a_fleet_changing_in_one_turn_publishes_each_change_once_in_order(
        iot_stub, make_tenant, settings):
    tenant = await make_tenant()
    await register_factory(iot_stub, tenant)
    machines = await asyncio.gather(*[register_machine(iot_stub, tenant, f"R{m:02d}")
                                      for m in range(MACHINES)])
    times = seconds_back(40)
    amps = [8.0] * 15 + [20.0] * 25  # idle, then cutting: two changes each
    nc = await nats.connect(settings.nats_url)
    try:
        for machine in machines:  # sent back to back: the intake takes them in one turn
            await nc.publish(f"dovetail.telemetry.{tenant.factory_id}.{machine.machine_id}",
                             current_batch(machine, times, amps).SerializeToString())
        await nc.flush()
    finally:
        await nc.close()
    ours = {m.machine_id for m in machines}

    async def all_published():
        found: dict[str, list] = {}
        ids = []
        for headers, envelope in await stream_envelopes(settings.nats_url, "iot",
                                                        "dovetail.iot.machine_state_changed"):
            body = iot_events_pb2.MachineStateChanged()
            envelope.body.Unpack(body)
            if body.machine_id in ours:
                found.setdefault(body.machine_id, []).append(body)
                ids.append(headers.get("Nats-Msg-Id"))
        done = len(found) == MACHINES and all(
            state_names(c)[-1:] == ["RUNNING"] for c in found.values())
        return (found, ids) if done else None

    found, ids = await eventually(all_published, timeout=60, interval=0.3)
    assert len(ids) == len(set(ids)) == 2 * MACHINES  # each change once on the stream
    for machine_id, changes in found.items():
        assert state_names(changes) == ["IDLE", "RUNNING"], machine_id
        assert changes[0].at.ToMilliseconds() < changes[1].at.ToMilliseconds()
