"""Nominal current profiles of the non-CNC machines in a furniture factory.

Levels are typical line currents (A) of three-phase 400 V machines (single-phase for hand tools and
packing); the trace generator draws from them, and the fixed-threshold baseline uses them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class MachineProfile:
    """How a machine type draws current and how its work alternates.

    Durations are mean seconds of one spell in that state; ``overload_chance`` is the probability
    that a running spell is followed by an overload (a jam, a blunt tool, a thick stack).
    """

    machine_type: str
    off_amps: float
    idle_amps: float
    running_amps: float
    overload_amps: float
    rated_amps: float
    idle_noise: float = 0.03
    running_noise: float = 0.06
    running_spread: float = 0.10
    inrush_factor: float = 6.0
    inrush_tau_s: float = 0.6
    mean_off_s: float = 300.0
    mean_idle_s: float = 40.0
    mean_running_s: float = 60.0
    mean_overload_s: float = 10.0
    overload_chance: float = 0.08
    off_chance: float = 0.06

    @property
    def sensor_full_scale_amps(self) -> float:
        """Range of the clamp-on sensor fitted to this machine (twice the rated current)."""
        return 2.0 * self.rated_amps


PROFILES: dict[str, MachineProfile] = {
    p.machine_type: p
    for p in (
        MachineProfile("panel_saw", 0.10, 8.0, 20.0, 31.0, 25.0, mean_running_s=45.0),
        MachineProfile(
            "edge_bander",
            0.30,
            12.0,
            18.0,
            27.0,
            22.0,
            idle_noise=0.02,
            running_noise=0.05,
            running_spread=0.06,
            inrush_factor=4.0,
            mean_idle_s=30.0,
            mean_running_s=90.0,
        ),
        MachineProfile(
            "sander",
            0.05,
            6.0,
            14.0,
            21.5,
            17.0,
            running_noise=0.08,
            mean_running_s=70.0,
            overload_chance=0.10,
        ),
        MachineProfile(
            "paint_line",
            0.40,
            10.0,
            25.0,
            37.0,
            30.0,
            running_noise=0.04,
            inrush_factor=3.0,
            mean_off_s=600.0,
            mean_idle_s=60.0,
            mean_running_s=240.0,
            overload_chance=0.05,
            off_chance=0.03,
        ),
        MachineProfile(
            "assembly",
            0.02,
            0.8,
            3.0,
            4.6,
            3.6,
            idle_noise=0.05,
            running_noise=0.10,
            running_spread=0.12,
            inrush_factor=3.0,
            mean_idle_s=25.0,
            mean_running_s=20.0,
        ),
        MachineProfile(
            "packing",
            0.05,
            1.5,
            4.0,
            6.0,
            4.8,
            running_noise=0.07,
            inrush_factor=4.0,
            mean_idle_s=35.0,
            mean_running_s=30.0,
        ),
    )
}
