"""Synthetic telemetry for a factory's own machines, for trying the chain out before the
sensors are fitted: current-sensor machines replay labelled traces of their machine type
(dovetail_factory.signals.traces), CNC machines cycle their controller states.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator

import numpy as np

from dovetail.iot.v1 import iot_service_pb2 as pb
from dovetail_factory.models import Machine
from dovetail_factory.signals.profiles import PROFILES
from dovetail_factory.signals.traces import generate_trace

TRACE_SECONDS = 3600.0
CNC_CYCLE = (("IDLE", 20), ("RUNNING", 60), ("IDLE", 10), ("RUNNING", 90))


def _current_trace(machine: Machine, period_s: float, seed: int) -> Iterator[float]:
    """Amperes of a labelled trace of the machine's type, looped; a plain walk when the type
    has no current profile."""
    if machine.machine_type in PROFILES:
        trace = generate_trace(machine.machine_type, duration_s=TRACE_SECONDS, period_s=period_s,
                               seed=seed, machine_id=machine.machine_id)
        amps = [float(a) for a in trace.amps]
    else:
        rng = np.random.default_rng(seed)
        levels = np.repeat(rng.choice([0.5, 8.0, 20.0], size=120), 30)
        amps = [float(max(0.0, a)) for a in levels * (1 + 0.05 * rng.standard_normal(len(levels)))]
    return itertools.cycle(amps)


def _cnc_states() -> Iterator[tuple[str, int]]:
    parts = 0
    for state, seconds in itertools.cycle(CNC_CYCLE):
        if state == "RUNNING":
            parts += 1
        for _ in range(seconds):
            yield state, parts


class SyntheticFloor:
    """One batch per machine per tick, stamped with the time of the tick."""

    def __init__(self, machines: list[Machine], factory_id: str = "", period_s: float = 1.0,
                 seed: int = 0):
        self.factory_id = factory_id
        self.machines = [m for m in machines if m.active]
        self.currents = {m.machine_id: _current_trace(m, period_s, seed + i)
                         for i, m in enumerate(self.machines) if m.sensor != "cnc_controller"}
        self.cnc = {m.machine_id: _cnc_states() for m in self.machines
                    if m.sensor == "cnc_controller"}
        self.rated = {m.machine_id: m.rated_power_kw for m in self.machines}

    def tick(self, now_ms: int) -> list[pb.TelemetryBatch]:
        batches = []
        for machine_id, amps in self.currents.items():
            batch = pb.TelemetryBatch(factory_id=self.factory_id, machine_id=machine_id,
                                      batch_id=uuid.uuid4().hex)
            batch.current_samples.add(timestamp_unix_ms=now_ms, amperes=next(amps))
            batches.append(batch)
        for machine_id, states in self.cnc.items():
            state, parts = next(states)
            share = 0.75 if state == "RUNNING" else 0.2
            batch = pb.TelemetryBatch(factory_id=self.factory_id, machine_id=machine_id,
                                      batch_id=uuid.uuid4().hex)
            batch.cnc_states.add(timestamp_unix_ms=now_ms,
                                 state=pb.MachineState.Value(f"MACHINE_STATE_{state}"),
                                 program="O1000" if state == "RUNNING" else "",
                                 power_kw=share * (self.rated[machine_id] or 5.0),
                                 part_count=parts)
            batches.append(batch)
        return batches
