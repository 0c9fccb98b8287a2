"""Maintenance placed where it costs least before the machine is expected to fail.

When iot's wear watch says a machine's failure horizon is near, or a tool's planned work uses it
up (`tool_life`), a maintenance task is proposed for that machine: `place` looks for a stretch of
`duration_ms` before `due_by_ms` (the predicted failure less a margin) that

1. does not cut into the machine's planned operations (a gap between them, or after the last);
2. costs least: the mean tariff price over the stretch (valley hours preferred), times a risk
   factor that grows towards `due_by_ms` (the later, the likelier the machine fails first);
3. ties go to the earlier stretch.

With no such gap before `due_by_ms` the task is placed at once and says which planned operations
it displaces (`displaces`): the factory decides. The factory then accepts it or moves it
(`MaintenanceProposal.moved`: still before the due time, still clear of planned operations, or
refused with the field named); an accepted task becomes a planned stop like any other
(`FactoryCapacity.declare_stop(stop_id, [machine_id], start_ms, end_ms, reason)`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from services.kit.errors import FieldViolation, InvalidArgument, Violations
from services.kit.words import N_

STEP_MS = 15 * 60_000
RISK_WEIGHT = 1.0  # the price of a stretch just before due_by counts double


@dataclass(frozen=True, slots=True)
class MaintenanceProposal:
    """A maintenance stop proposed for one machine."""

    machine_id: str
    reason: str  # "risk": wear foreseen by iot; "tool": a tool's life (tool_type in `detail`)
    detail: str
    start_ms: int
    end_ms: int
    due_by_ms: int
    displaces: tuple[str, ...] = ()  # planned operation ids it cuts into (none in a gap)
    accepted: bool = False

    def accepted_as_is(self) -> MaintenanceProposal:
        return replace(self, accepted=True)

    def moved(
        self, start_ms: int, busy: Sequence[tuple[str, int, int]], now_ms: int
    ) -> MaintenanceProposal:
        """The factory's move to `start_ms`: still before the due time, in the future, clear of
        the planned operations `busy` (id, start, end). Accepted once moved. A refusal names
        `start`, the field of the move (MoveMaintenanceRequest.start, the REST body's too)."""
        end_ms = start_ms + (self.end_ms - self.start_ms)
        v = Violations()
        v.check(start_ms >= now_ms, "start", N_("must not be in the past"))
        v.check(end_ms <= self.due_by_ms, "start",
                N_("must end before the machine is expected to fail"))
        clashes = [op for op, a, b in busy if a < end_ms and start_ms < b]
        v.check(not clashes, "start", N_("clashes with planned operations %(operations)s"),
                operations=", ".join(clashes))
        v.raise_if_any()
        return replace(self, start_ms=start_ms, end_ms=end_ms, displaces=(), accepted=True)


def place(
    machine_id: str,
    reason: str,
    detail: str,
    now_ms: int,
    due_by_ms: int,
    duration_ms: int,
    busy: Sequence[tuple[str, int, int]],
    price_at: Callable[[int], float],
) -> MaintenanceProposal:
    """The cheapest stretch of `duration_ms` clear of `busy` before `due_by_ms` (see module)."""
    if duration_ms <= 0:
        raise InvalidArgument(FieldViolation.of("duration_ms", N_("must be above zero")))
    planned = sorted((a, b, op) for op, a, b in busy if b > now_ms)
    best: tuple[float, int] | None = None
    start = now_ms
    while start + duration_ms <= due_by_ms:
        end = start + duration_ms
        clash = next((b for a, b, _ in planned if a < end and start < b), None)
        if clash is not None:
            start = max(start + STEP_MS, clash)  # jump past the operation in the way
            continue
        price = sum(price_at(t) for t in range(start, end, STEP_MS)) / max(
            1, -(-duration_ms // STEP_MS)
        )
        risk = 1 + RISK_WEIGHT * (start - now_ms) / max(1, due_by_ms - now_ms)
        cost = price * risk
        if best is None or cost < best[0] - 1e-9:
            best = (cost, start)
        start += STEP_MS
    if best is not None:
        return MaintenanceProposal(
            machine_id, reason, detail, best[1], best[1] + duration_ms, due_by_ms
        )
    end = now_ms + duration_ms
    displaced = tuple(op for a, b, op in planned if a < end and now_ms < b)
    return MaintenanceProposal(
        machine_id, reason, detail, now_ms, end, due_by_ms, displaces=displaced
    )
