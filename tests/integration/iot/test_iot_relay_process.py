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
    found = []
    for child in psutil.Process(os.getpid()).children():
        try:
            cmdline = child.cmdline()
        except psutil.Error:  # gone, or a zombie not yet reaped
            continue
        if "services.kit.relay_process" in cmdline and "iot" in cmdline:
            found.append(child)
    return found


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
    # Every iot relay child of this process: in a whole run another package's iot service (same
    # database and streams) may run beside this package's, each with its relay child.
    async def children(other_than: frozenset[int] = frozenset()):
        return [p for p in relay_children() if p.pid not in other_than] or None

    tenant = await make_tenant()
    await register_factory(iot_stub, tenant)
    first = await register_machine(iot_stub, tenant, "K1")
    ours = {first.machine_id}

    async def published(count: int):
        ids = await registered(settings, ours)
        return ids if len(ids) >= count else None

    killed = await eventually(children, timeout=30)
    await eventually(lambda: published(1), timeout=30)

    for child in killed:  # no chance to record its position
        os.kill(child.pid, signal.SIGKILL)
    second = await register_machine(iot_stub, tenant, "K2")
    ours.add(second.machine_id)
    await eventually(lambda: children(frozenset(c.pid for c in killed)), timeout=30)
    ids = await eventually(lambda: published(2), timeout=30, interval=0.3)
    assert len(ids) == len(set(ids)) == 2  # each event once
    # the child's figures reach the service's own metrics
    assert metrics.RELAY_POSITION.labels("iot")._value.get() > 0
