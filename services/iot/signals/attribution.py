"""Attribution of a machine's energy to the orders whose operations ran on it.

Time is cut at every operation start and end. The energy of each slice goes in equal parts to the
operations running in it (two orders sharing a paint line for ten minutes each pay half of those
ten minutes); slices with no operation follow the ``IdleEnergyRule``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from services.iot.signals.energy import JOULES_PER_KWH, PowerSeries
from services.iot.signals.states import InvalidInterval


class IdleEnergyRule(StrEnum):
    """Where energy drawn while no operation runs goes.

    UNATTRIBUTED: to the machine's overhead (no order pays for idling) — the default.
    PRO_RATA: shared over the orders in proportion to the energy their operations drew.
    NEXT_OPERATION: to the order of the next operation to start (warm-up and set-up serve it);
        energy after the last operation stays unattributed.
    """

    UNATTRIBUTED = "unattributed"
    PRO_RATA = "pro_rata"
    NEXT_OPERATION = "next_operation"


@dataclass(frozen=True, slots=True)
class OperationRun:
    """An operation of an order that ran on the machine from ``start`` to ``end``."""

    order_id: str
    start: float
    end: float

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InvalidInterval(f"operation of {self.order_id} ends before it starts")


@dataclass(frozen=True)
class EnergyAttribution:
    """kWh of a window split over orders; ``sum(by_order) + unattributed_kwh == total_kwh``."""

    by_order: dict[str, float]
    unattributed_kwh: float
    total_kwh: float

    def co2e_by_order(self, grid_kg_per_kwh: float) -> dict[str, float]:
        return {order: kwh * grid_kg_per_kwh for order, kwh in self.by_order.items()}


def attribute_energy(
    power: PowerSeries,
    operations: Sequence[OperationRun],
    start: float,
    end: float,
    rule: IdleEnergyRule = IdleEnergyRule.UNATTRIBUTED,
) -> EnergyAttribution:
    """Split the kWh of [start, end] over the orders of ``operations``."""
    if end < start:
        raise InvalidInterval("window ends before it starts")
    runs = [op for op in operations if op.end > start and op.start < end and op.end > op.start]
    cuts = np.unique(
        np.clip([start, end, *(x for op in runs for x in (op.start, op.end))], start, end)
    )
    energy = np.diff(power.energy_at(cuts)[0]) / JOULES_PER_KWH
    op_from = np.searchsorted(cuts, [max(op.start, start) for op in runs])
    op_to = np.searchsorted(cuts, [min(op.end, end) for op in runs])
    active = np.zeros(cuts.size, dtype=np.int64)
    np.add.at(active, op_from, 1)
    np.add.at(active, op_to, -1)
    active = np.cumsum(active)[:-1]
    share = np.divide(energy, active, out=np.zeros_like(energy), where=active > 0)
    cum_share = np.concatenate(([0.0], np.cumsum(share)))
    by_order: dict[str, float] = defaultdict(float)
    for op, i, j in zip(runs, op_from.tolist(), op_to.tolist(), strict=True):
        by_order[op.order_id] += float(cum_share[j] - cum_share[i])
    idle = active == 0
    unattributed = float(energy[idle].sum())
    if rule is IdleEnergyRule.PRO_RATA:
        unattributed = _pro_rata(by_order, unattributed)
    elif rule is IdleEnergyRule.NEXT_OPERATION:
        unattributed = _to_next_operation(by_order, runs, cuts, energy, idle)
    return EnergyAttribution(dict(by_order), unattributed, float(energy.sum()))


def _pro_rata(by_order: dict[str, float], idle_kwh: float) -> float:
    attributed = sum(by_order.values())
    if attributed <= 0.0:
        return idle_kwh
    for order in by_order:
        by_order[order] += idle_kwh * by_order[order] / attributed
    return 0.0


def _to_next_operation(by_order, runs, cuts, energy, idle) -> float:
    if not runs:
        return float(energy[idle].sum())
    starts = np.array([op.start for op in runs])
    order_ids = [op.order_id for op in runs]
    by_start = np.argsort(starts, kind="stable")
    left = 0.0
    for k in np.flatnonzero(idle).tolist():
        nxt = np.searchsorted(starts[by_start], cuts[k + 1], side="left")
        if nxt < starts.size:
            by_order[order_ids[by_start[nxt]]] += float(energy[k])
        else:
            left += float(energy[k])
    return left
