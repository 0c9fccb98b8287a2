"""Small client helpers for iot scenarios: a factory, its machines, their telemetry."""

from __future__ import annotations

import time
import uuid

import numpy as np

from dovetail.common.v1 import types_pb2
from dovetail.iot.v1 import iot_events_pb2
from dovetail.iot.v1 import iot_service_pb2 as pb
from tests.helpers import stream_envelopes
from tests.integration.iot.conftest import ADMIN

ROUND_THE_CLOCK = pb.ShiftCalendar(weekly_shifts=[
    pb.WeeklyShift(weekday=d, start_minute=0, end_minute=1440, name="all day")
    for d in range(1, 8)])
SAW_LEVELS = dict(off_level_amperes=0.1, idle_level_amperes=8.0, running_level_amperes=20.0)
GRID = 0.58
WATTS_PER_AMP = 3 ** 0.5 * 400 * 0.85  # three-phase 400 V, power factor 0.85 (defaults)


async def register_factory(stub, tenant, calendar=ROUND_THE_CLOCK):
    return await stub.RegisterFactory(pb.RegisterFactoryRequest(
        factory_id=tenant.factory_id, name=f"Factory {tenant.factory_id}",
        location=pb.Location(latitude=23.1, longitude=113.3,
                             address=types_pb2.Address(city="Guangzhou", country="CN")),
        capacity_share_percent=60, shift_calendar=calendar,
        grid_emission_factor_kg_per_kwh=GRID, timezone="Asia/Shanghai"), metadata=ADMIN)


async def register_machine(stub, tenant, suffix: str | None = None, cnc: bool = False):
    machine_id = f"{tenant.factory_id}-{suffix or uuid.uuid4().hex[:6]}"
    request = pb.RegisterMachineRequest(
        factory_id=tenant.factory_id, machine_id=machine_id, name="panel saw",
        machine_type=types_pb2.MACHINE_TYPE_CNC_DRILL if cnc else types_pb2.MACHINE_TYPE_PANEL_SAW,
        speed_factor=1.1, rated_power_kw=18.0,
        sensor_kind=pb.SENSOR_KIND_CNC_CONTROLLER if cnc else pb.SENSOR_KIND_CURRENT_SENSOR,
        calibration=pb.SensorCalibration(**({} if cnc else SAW_LEVELS)))
    reply = await stub.RegisterMachine(request, metadata=tenant.auth)
    return reply.machine


def now_ms() -> int:
    return int(time.time() * 1000)


def current_batch(machine, timestamps_ms, amps, batch_id: str = "") -> pb.TelemetryBatch:
    rng = np.random.default_rng(len(timestamps_ms))
    noisy = np.asarray(amps, dtype=float) * (1 + 0.01 * rng.standard_normal(len(amps)))
    return pb.TelemetryBatch(
        factory_id=machine.factory_id, machine_id=machine.machine_id,
        batch_id=batch_id or uuid.uuid4().hex,
        current_samples=[pb.CurrentSample(timestamp_unix_ms=int(t), amperes=float(max(a, 0.0)))
                         for t, a in zip(timestamps_ms, noisy, strict=True)])


def seconds_back(count: int, end_ms: int | None = None, period_ms: int = 1000) -> list[int]:
    """`count` sample times ending at `end_ms` (now), oldest first."""
    end = now_ms() if end_ms is None else end_ms
    return [end - (count - 1 - i) * period_ms for i in range(count)]


async def stream(stub, tenant, *batches) -> pb.StreamTelemetryResponse:
    async def requests():
        for batch in batches:
            yield pb.StreamTelemetryRequest(batch=batch)

    return await stub.StreamTelemetry(requests(), metadata=tenant.auth)


async def state_changes(nats_url: str, machine_id: str) -> list:
    found = []
    for _, envelope in await stream_envelopes(nats_url, "iot",
                                              "dovetail.iot.machine_state_changed"):
        body = iot_events_pb2.MachineStateChanged()
        envelope.body.Unpack(body)
        if body.machine_id == machine_id:
            found.append(body)
    return found


def state_names(changes) -> list[str]:
    return [pb.MachineState.Name(c.to_state).removeprefix("MACHINE_STATE_") for c in changes]
