"""The demo factory network `make up` runs: a chain of small factories around Guangzhou.

Shared by the iot service's demo seed (registers factories, machines and their keys), the
factory simulators (telemetry and shop-floor progress) and the carrier simulator. The keys
are development defaults, printed by `make up`, like the admin key.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Weekly shifts as (weekday 0=Monday, start minute, end minute) in factory local time.
TWO_SHIFTS = tuple((day, start, end) for day in range(6)
                   for start, end in ((8 * 60, 12 * 60), (13 * 60, 17 * 60 + 30)))
ROUND_THE_CLOCK = tuple((day, 0, 24 * 60) for day in range(7))


@dataclass(frozen=True)
class DemoMachine:
    machine_id: str
    machine_type: str  # panel_saw, edge_bander, cnc_drill, cnc_router, sander, paint_line, assembly, packing
    speed_factor: float
    rated_power_kw: float
    cnc: bool  # True: reports its own state; False: clamp-on current sensor
    rated_amps: float = 0.0


@dataclass(frozen=True)
class DemoFactory:
    factory_id: str
    name: str
    city: str
    latitude: float
    longitude: float
    capacity_share_percent: int
    grid_kg_co2e_per_kwh: float
    shifts: tuple[tuple[int, int, int], ...]
    machines: tuple[DemoMachine, ...] = field(default_factory=tuple)

    @property
    def dev_key(self) -> str:
        return f"dvt_factory_{self.factory_id.lower().replace('-', '_')}_dev"


def _line(prefix: str, speed: float, *, paint: bool, router: bool = False) -> tuple[DemoMachine, ...]:
    machines = [
        DemoMachine(f"{prefix}-SAW1", "panel_saw", speed, 18.0, cnc=False, rated_amps=32),
        DemoMachine(f"{prefix}-EB1", "edge_bander", speed, 15.0, cnc=False, rated_amps=28),
        DemoMachine(f"{prefix}-DRL1", "cnc_drill", speed, 9.0, cnc=True),
        DemoMachine(f"{prefix}-SND1", "sander", 1.0, 7.5, cnc=False, rated_amps=14),
        DemoMachine(f"{prefix}-ASM1", "assembly", 1.0, 2.0, cnc=False, rated_amps=6),
        DemoMachine(f"{prefix}-ASM2", "assembly", 0.9, 2.0, cnc=False, rated_amps=6),
        DemoMachine(f"{prefix}-PCK1", "packing", 1.0, 3.0, cnc=False, rated_amps=8),
    ]
    if paint:
        machines.append(DemoMachine(f"{prefix}-PNT1", "paint_line", 1.0, 22.0, cnc=False,
                                    rated_amps=40))
    if router:
        machines.append(DemoMachine(f"{prefix}-RTR1", "cnc_router", speed, 12.0, cnc=True))
    return tuple(machines)


DEMO_FACTORIES: tuple[DemoFactory, ...] = (
    DemoFactory("F-GZ-01", "Tianhe Panel Works", "Guangzhou", 23.13, 113.32, 80, 0.58,
                TWO_SHIFTS, _line("F-GZ-01", 1.1, paint=True, router=True)),
    DemoFactory("F-FS-02", "Shunde Cabinet Co.", "Foshan", 22.84, 113.27, 60, 0.58,
                TWO_SHIFTS, _line("F-FS-02", 1.0, paint=True)),
    DemoFactory("F-DG-03", "Dongguan Home Furnishing", "Dongguan", 23.02, 113.75, 50, 0.58,
                ROUND_THE_CLOCK, _line("F-DG-03", 0.9, paint=False)),
    DemoFactory("F-ZS-04", "Zhongshan Woodcraft", "Zhongshan", 22.52, 113.39, 40, 0.58,
                TWO_SHIFTS, _line("F-ZS-04", 0.8, paint=True)),
)
