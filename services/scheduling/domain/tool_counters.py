"""A factory's tools (issue 22, item 2): the life limits it sets per tool type, and the use its
finished work has taken from each machine's fitted tools.

`FactoryTools` is one aggregate per factory. Its limits come whole from the factory
(`ToolLimits`, every bad field named); each finished operation counts on the tools its
machine type wears (`tool_life.use_of`), from the work the operation carries (`work_of_step`:
saw metres and edge-band metres from the routing's words, hours from its duration); a tool
changed in maintenance reported done starts again from zero. `due` forecasts, from the
machine's planned work and the factory's shifts, which tools run out within their warning.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Sequence

from eventsourcing.domain import Aggregate, event

from services.kit.words import N_, Words
from services.scheduling.domain.ids import NAMESPACE
from services.scheduling.domain.tool_life import (
    PlannedWork,
    ToolCounter,
    ToolDue,
    ToolLimit,
    ToolLimits,
    Work,
    use_of,
)

# The configurator's words for an operation (services/configurator/domain/order_routing.py):
# "cut 3 boards with 20 cuts (14.3 m)", "band 23.4 m of white-1.0 edge (12 edges)".
_SAW_M = re.compile(r"\((\d+(?:\.\d+)?) m\)")
_BAND_M = re.compile(r"^band (\d+(?:\.\d+)?) m\b")
SHIFT_MS = 8 * 3_600_000  # round-the-clock work counted in shifts of eight hours


def tools_key(factory_id: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"tools:{factory_id}")


def work_of_step(machine_type: str, description: str, duration_s: float) -> Work:
    """What one operation does to its machine's tools, from the routing's words and duration."""
    saw = _SAW_M.search(description) if machine_type == "panel_saw" else None
    band = _BAND_M.search(description) if machine_type == "edge_bander" else None
    return Work(
        saw_m=float(saw.group(1)) if saw else 0.0,
        band_m=float(band.group(1)) if band else 0.0,
        seconds=float(duration_s),
    )


def shifts_of(windows: Sequence[tuple[int, int]]) -> list[tuple[float, float]]:
    """Working windows (unix ms) as shifts (unix s): one per window, a long one (a factory
    working round the clock) cut into shifts of eight hours."""
    out: list[tuple[float, float]] = []
    for start, end in windows:
        at = start
        while at < end:
            step = end - at if end - at <= 12 * 3_600_000 else SHIFT_MS
            out.append((at / 1000, min(end, at + step) / 1000))
            at += step
    return out


# The usual tool types as texts of the gateway's catalogue (said in the reader's language; a
# factory's own type reads as written).
TOOL_NAMES = (N_("saw_blade"), N_("router_bit"), N_("drill_bit"), N_("edge_trimmer"))


def tool_words(due: ToolDue) -> Words:
    """Words people read; in English e.g. "saw_blade at 92 % of its life, change within ~2
    shifts"."""
    share = round(100 * min(1.0, due.used / due.life)) if due.life else 100
    if share >= 100 or due.shifts_left <= 0:
        return Words.of(N_("%(tool)s at %(share)s %% of its life, change now"),
                        tool=due.tool_type, share=share)
    n = f"{due.shifts_left:.0f}"
    return Words.of(N_("%(tool)s at %(share)s %% of its life, change within ~%(n)s shift")
                    if n == "1" else
                    N_("%(tool)s at %(share)s %% of its life, change within ~%(n)s shifts"),
                    tool=due.tool_type, share=share, n=n)


class FactoryTools(Aggregate):
    """One factory's tool life limits and the use counted on each machine's tools."""

    @staticmethod
    def create_id(factory_id: str) -> uuid.UUID:
        return tools_key(factory_id)

    @event("Opened")
    def __init__(self, factory_id: str):
        self.factory_id = factory_id
        self.limits: dict[str, ToolLimit] = {}
        self.used: dict[str, float] = {}  # "<machine id>|<tool type>" -> use since fitted
        self.limits_set_by = ""
        self.limits_set_at_ms = 0

    def set_limits(self, limits: ToolLimits, by: str, at_ms: int) -> bool:
        """The factory's limits, whole; False when they are the ones held."""
        if limits.by_type == self.limits:
            return False
        self._limits_set(
            limits=[
                [lim.tool_type, lim.machine_type, lim.unit, lim.life, lim.warn_shifts]
                for lim in limits.by_type.values()
            ],
            by=by,
            at_ms=at_ms,
        )
        return True

    @event("LimitsSet")
    def _limits_set(self, limits: list[list], by: str, at_ms: int) -> None:
        self.limits = {
            row[0]: ToolLimit(row[0], row[1], row[2], float(row[3]), float(row[4]))
            for row in limits
        }
        self.limits_set_by, self.limits_set_at_ms = by, at_ms

    def count(self, machine_id: str, machine_type: str, work: Work, operation_id: str) -> bool:
        """A finished operation's work on the machine's tools; False when it wears none."""
        taken = {
            lim.tool_type: use_of(lim, work)
            for lim in self.limits.values()
            if lim.machine_type == machine_type
        }
        taken = {k: round(v, 4) for k, v in taken.items() if v > 0}
        if not taken:
            return False
        self._counted(machine_id=machine_id, operation_id=operation_id, taken=taken)
        return True

    @event("WorkCounted")
    def _counted(self, machine_id: str, operation_id: str, taken: dict[str, float]) -> None:
        used = dict(self.used)
        for tool_type, amount in taken.items():
            key = f"{machine_id}|{tool_type}"
            used[key] = used.get(key, 0.0) + amount
        self.used = used

    def replace(self, machine_id: str, tool_type: str, at_ms: int) -> bool:
        """The tool was changed (maintenance reported done): its count starts again."""
        if not self.used.get(f"{machine_id}|{tool_type}"):
            return False
        self._replaced(machine_id=machine_id, tool_type=tool_type, at_ms=at_ms)
        return True

    @event("ToolReplaced")
    def _replaced(self, machine_id: str, tool_type: str, at_ms: int) -> None:
        self.used = {**self.used, f"{machine_id}|{tool_type}": 0.0}

    def counters(self, machine_id: str, machine_type: str) -> list[ToolCounter]:
        return [
            ToolCounter(
                f"{machine_id}|{lim.tool_type}",
                machine_id,
                lim,
                self.used.get(f"{machine_id}|{lim.tool_type}", 0.0),
            )
            for lim in self.limits.values()
            if lim.machine_type == machine_type
        ]

    def due(
        self,
        machine_id: str,
        machine_type: str,
        now_ms: int,
        planned: Sequence[PlannedWork],
        shifts: Sequence[tuple[float, float]],
    ) -> list[ToolDue]:
        """The machine's tools that its planned work uses up within their warning, soonest
        first."""
        found = [
            c.forecast(now_ms / 1000, planned, shifts)
            for c in self.counters(machine_id, machine_type)
        ]
        return sorted(
            (d for d in found if d.change_now),
            key=lambda d: d.due_at if d.due_at is not None else math.inf,
        )
