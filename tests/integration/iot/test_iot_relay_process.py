"""iot's relay runs in a process of its own (its event loop is the intake's): the service starts
it, starts it again when it dies, and every event still reaches JetStream once."""

from __future__ import annotations

import os
import signal

import psutil
import pytest

from dovetail.iot.v1 import iot_events_pb2
from services.kit import metrics
from tests.helpers import eventually, stream_envelopes
from tests.integration.iot.scenario import register_factory, register_machine

pytestmark = pytest.mark.integration


def relay_children() -> list[psutil.Process]:
    return [p for p in psutil.Process(os.getpid()).children()
            if "services.kit.relay_process" in p.cmdline() and "iot" in p.cmdline()]


async def registered(settings, machine_ids: set[str]) -> list[str]:
    """Msg ids of the MachineRegistered events of `machine_ids` on the stream."""
    out = []
    for headers, envelope in await stream_envelopes(settings.nats_url, "iot",
                                                    "dovetail.iot.machine_registered"):
        body = iot_events_pb2.MachineRegistered.FromString(envelope.body.value)
        if body.machine.machine_id in machine_ids:
            out.append(headers.get("Nats-Msg-Id"))
    return out


async def test_a_killed_relay_process_is_started_again_and_publishes_each_event_once(
        iot_stub, make_tenant, settings):
    async def one_child(other_than: int | None = None):
        found = [p for p in relay_children() if p.pid != other_than]
        return found if len(found) == 1 else None

    tenant = await make_tenant()
    await register_factory(iot_stub, tenant)
    first = await register_machine(iot_stub, tenant, "K1")
    ours = {first.machine_id}

    async def published(count: int):
        ids = await registered(settings, ours)
        return ids if len(ids) >= count else None

    [child] = await eventually(one_child, timeout=30)
    await eventually(lambda: published(1), timeout=30)

    os.kill(child.pid, signal.SIGKILL)  # no chance to record its position
    second = await register_machine(iot_stub, tenant, "K2")
    ours.add(second.machine_id)
    await eventually(lambda: one_child(other_than=child.pid), timeout=30)
    ids = await eventually(lambda: published(2), timeout=30, interval=0.3)
    assert len(ids) == len(set(ids)) == 2  # each event once
    # the child's figures reach the service's own metrics
    assert metrics.RELAY_POSITION.labels("iot")._value.get() > 0
