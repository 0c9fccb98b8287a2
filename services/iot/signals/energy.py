"""Energy from current samples, CO2e, and attribution of a machine's energy to orders.

Power between two samples is taken to vary linearly (trapezoid rule), and that model is integrated
exactly, also for a partial interval: energy between any two instants is well defined. Two samples
further apart than ``max_gap_s`` bound a gap: nothing is integrated across it (its seconds are
reported as not covered), so a lost sensor never books phantom energy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from services.iot.signals.states import InvalidInterval, InvalidSamples

JOULES_PER_KWH = 3.6e6


@dataclass(frozen=True, slots=True)
class Supply:
    """Electrical supply of a machine: line-to-line volts for three-phase (P = √3·V·I·PF), line
    volts for single-phase (P = V·I·PF)."""

    volts: float = 400.0
    power_factor: float = 0.85
    three_phase: bool = True

    def watts(self, amps, volts=None, power_factor=None) -> np.ndarray:
        """Real power for currents, with optional per-sample voltage and power factor."""
        v = self.volts if volts is None else np.asarray(volts, dtype=np.float64)
        pf = self.power_factor if power_factor is None else np.asarray(power_factor, np.float64)
        phases = math.sqrt(3.0) if self.three_phase else 1.0
        return phases * v * pf * np.asarray(amps, dtype=np.float64)


@dataclass(frozen=True, slots=True)
class PowerSeries:
    """Power samples of one machine with their cumulative energy, ready for queries."""

    timestamps: np.ndarray
    watts: np.ndarray
    max_gap_s: float
    cumulative_j: np.ndarray
    cumulative_covered_s: np.ndarray

    @classmethod
    def from_samples(
        cls,
        timestamps,
        amps,
        supply: Supply = Supply(),
        max_gap_s: float = 10.0,
        volts=None,
        power_factor=None,
    ) -> PowerSeries:
        t = np.asarray(timestamps, dtype=np.float64)
        w = supply.watts(amps, volts, power_factor)
        if t.ndim != 1 or t.shape != np.shape(w):
            raise InvalidSamples("timestamps and amps must be 1-D arrays of equal length")
        if t.size > 1 and np.any(np.diff(t) <= 0):
            raise InvalidSamples("timestamps must increase strictly")
        dt = np.diff(t)
        valid = dt <= max_gap_s
        step_j = np.where(valid, 0.5 * (w[1:] + w[:-1]) * dt, 0.0)
        cumulative = np.concatenate(([0.0], np.cumsum(step_j)))
        covered = np.concatenate(([0.0], np.cumsum(np.where(valid, dt, 0.0))))
        return cls(t, w, max_gap_s, cumulative, covered)

    def energy_at(self, when) -> tuple[np.ndarray, np.ndarray]:
        """Cumulative joules and covered seconds from the first sample up to each instant."""
        q = np.asarray(when, dtype=np.float64)
        t, w = self.timestamps, self.watts
        if t.size < 2:
            return np.zeros_like(q), np.zeros_like(q)
        i = np.clip(np.searchsorted(t, q, side="right") - 1, 0, t.size - 2)
        dt = t[i + 1] - t[i]
        u = np.clip(q - t[i], 0.0, dt)
        valid = dt <= self.max_gap_s
        w_at = w[i] + (w[i + 1] - w[i]) * u / dt
        energy = self.cumulative_j[i] + np.where(valid, 0.5 * (w[i] + w_at) * u, 0.0)
        covered = self.cumulative_covered_s[i] + np.where(valid, u, 0.0)
        return energy, covered

    def kwh_between(self, start: float, end: float) -> float:
        """kWh consumed over [start, end]."""
        if end < start:
            raise InvalidInterval("interval ends before it starts")
        energy, _ = self.energy_at([start, end])
        return float(energy[1] - energy[0]) / JOULES_PER_KWH

    def kwh_per_interval(self, edges) -> np.ndarray:
        """kWh in each interval [edges[k], edges[k+1]) (e.g. 15-minute edges)."""
        energy, _ = self.energy_at(edges)
        return np.diff(energy) / JOULES_PER_KWH

    def covered_seconds_per_interval(self, edges) -> np.ndarray:
        """Seconds of each interval that samples cover (the rest fell in gaps or outside)."""
        _, covered = self.energy_at(edges)
        return np.diff(covered)


def co2e_kg(kwh, grid_kg_per_kwh: float):
    """CO2-equivalent (kg) of an energy use (kWh) at a grid emission factor (kg CO2e / kWh)."""
    return np.asarray(kwh) * grid_kg_per_kwh if np.ndim(kwh) else float(kwh) * grid_kg_per_kwh
