"""Tool life from the work itself: what each operation takes out of a blade, a bit or a trimmer.

Counted in scheduling, not iot: the work is scheduling's (the routing steps with their durations,
the cut lists of the orders it plans) and so is the future (the plan says which operations a
machine will run in the next shifts, which "change the blade within ~2 shifts" needs). iot sees
current, not metres.

- A factory sets a `ToolLimits` per tool type: which machine type wears it, what it is counted in
  (`m` of cut or band, or `h` of work) and its life; bad limits raise `InvalidArgument` naming the
  field.
- `work_of_cut_list` reads the cut list CSV the configurator issues (`length_mm`, `width_mm`,
  `edges`) into saw metres and edge-band metres: a part costs the saw one rip and one cross cut
  (length + width: shared cuts between neighbours are counted once per part, the board's trim cut
  not at all), and the edge bander the length of each banded edge (L1/L2 along the length,
  W1/W2 across).
- `ToolCounter` holds one fitted tool's use; `use_of` is what one operation takes from it.
- `forecast` walks the machine's planned operations from now: when the tool's life runs out, and
  in how many shifts, so the warning can be "change the blade within ~2 shifts" before it is due.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from services.kit.errors import Violations
from services.kit.words import N_

UNITS = ("m", "h")


@dataclass(frozen=True, slots=True)
class ToolLimit:
    """One tool type's life, set by the factory."""

    tool_type: str  # saw_blade, router_bit, drill_bit, edge_trimmer, ... (the factory's words)
    machine_type: str  # the machine that wears it
    unit: str  # "m": metres of cut (saws) or band (edge banders); "h": hours of work
    life: float
    warn_shifts: float = 2.0  # warn when the planned work uses it up within this many shifts


class ToolLimits:
    """A factory's tool life limits, validated as a whole (every bad field named at once)."""

    def __init__(self, limits: Sequence[ToolLimit]) -> None:
        v = Violations()
        seen: set[str] = set()
        for i, limit in enumerate(limits):
            at = f"limits[{i}]"
            v.check(bool(limit.tool_type.strip()), f"{at}.tool_type", N_("must not be empty"))
            v.check(limit.tool_type not in seen, f"{at}.tool_type", N_("is set twice"))
            v.check(bool(limit.machine_type.strip()), f"{at}.machine_type", N_("must not be empty"))
            v.check(limit.unit in UNITS, f"{at}.unit", N_("must be one of %(choices)s"),
                    choices=', '.join(UNITS))
            v.check(
                math.isfinite(limit.life) and limit.life > 0, f"{at}.life", N_("must be above zero")
            )
            v.check(
                math.isfinite(limit.warn_shifts) and 0 <= limit.warn_shifts <= 30,
                f"{at}.warn_shifts",
                N_("must be between 0 and 30"),
            )
            seen.add(limit.tool_type)
        v.raise_if_any()
        self.by_type: dict[str, ToolLimit] = {limit.tool_type: limit for limit in limits}

    def of_machine(self, machine_type: str) -> list[ToolLimit]:
        return [limit for limit in self.by_type.values() if limit.machine_type == machine_type]


@dataclass(frozen=True, slots=True)
class Work:
    """What one operation does to tools: metres sawn, metres of edge band, seconds of work."""

    saw_m: float = 0.0
    band_m: float = 0.0
    seconds: float = 0.0


def work_of_cut_list(csv_text: str) -> Work:
    """Saw and edge-band metres of a cut list as the configurator writes it (CSV, one part a row)."""
    saw_mm = band_mm = 0.0
    for row in csv.DictReader(io.StringIO(csv_text)):
        length, width = float(row["length_mm"]), float(row["width_mm"])
        saw_mm += length + width
        for edge in (row.get("edges") or "").split(","):
            name = edge.strip()[:1]
            band_mm += length if name == "L" else width if name == "W" else 0.0
    return Work(saw_m=saw_mm / 1000, band_m=band_mm / 1000)


def use_of(limit: ToolLimit, work: Work) -> float:
    """How much of `limit`'s unit an operation with `work` takes from the tool."""
    if limit.unit == "h":
        return work.seconds / 3600
    return work.band_m if limit.machine_type == "edge_bander" else work.saw_m


@dataclass(frozen=True, slots=True)
class PlannedWork:
    """One operation planned on the machine: when, and what it will do."""

    start: float  # unix s
    end: float
    work: Work


@dataclass(frozen=True, slots=True)
class ToolDue:
    """When a tool's life runs out under the plan, and how soon that is in shifts."""

    tool_id: str
    tool_type: str
    used: float
    life: float
    due_at: float | None  # None: the planned work does not use it up
    shifts_left: float  # shifts until due_at (inf when not due)
    change_now: bool  # within the factory's warn_shifts (or worn out already)

    @property
    def remaining_share(self) -> float:
        return max(0.0, 1 - self.used / self.life)


@dataclass
class ToolCounter:
    """One fitted tool and the use counted on it since it was fitted."""

    tool_id: str
    machine_id: str
    limit: ToolLimit
    used: float = 0.0

    def count(self, work: Work) -> None:
        """An operation done on the machine: its work counts on the tool."""
        self.used += use_of(self.limit, work)

    def replaced(self) -> None:
        self.used = 0.0

    def forecast(
        self, now: float, planned: Sequence[PlannedWork], shifts: Sequence[tuple[float, float]]
    ) -> ToolDue:
        """Walk the planned work from `now` (in time order) until the life runs out; count the
        shifts (start, end) that begin before then, the one under way included."""
        life, used, due_at = self.limit.life, self.used, None
        if used >= life:
            due_at = now
        for p in sorted(planned, key=lambda p: p.start):
            if due_at is not None:
                break
            if p.end <= now:
                continue
            take = use_of(self.limit, p.work)
            if used + take >= life:
                share = (life - used) / take if take else 0.0
                due_at = max(now, p.start + share * (p.end - p.start))
            used += take
        if due_at is None:
            shifts_left = math.inf
        else:
            shifts_left = float(sum(1 for a, b in shifts if b > now and a <= due_at))
        return ToolDue(
            self.tool_id,
            self.limit.tool_type,
            round(self.used, 3),
            life,
            due_at,
            shifts_left,
            shifts_left <= self.limit.warn_shifts,
        )


def counters_due(
    counters: Sequence[ToolCounter],
    now: float,
    planned: Mapping[str, Sequence[PlannedWork]],
    shifts: Sequence[tuple[float, float]],
) -> list[ToolDue]:
    """The tools whose planned work uses them up within their warning, soonest first."""
    due = [c.forecast(now, planned.get(c.machine_id, ()), shifts) for c in counters]
    return sorted((d for d in due if d.change_now), key=lambda d: d.due_at or now)
