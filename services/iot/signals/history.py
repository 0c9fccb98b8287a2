"""State history of one machine: spans in each state, from its confirmed changes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from services.iot.signals.intervals import Span, intersect, total_seconds
from services.iot.signals.states import MachineState, StateChange


@dataclass(frozen=True, slots=True)
class StateSpan:
    """The machine was in ``state`` over ``span``."""

    state: MachineState
    span: Span


def state_spans(changes: Sequence[StateChange], until: float) -> list[StateSpan]:
    """Spans between consecutive changes; the last state lasts until ``until``."""
    ordered = sorted(changes, key=lambda c: c.at)
    ends = [c.at for c in ordered[1:]] + [until]
    return [
        StateSpan(c.state, Span(c.at, max(end, c.at)))
        for c, end in zip(ordered, ends, strict=True)
        if end > c.at
    ]


def seconds_in(
    spans: Sequence[StateSpan],
    states: set[MachineState] | frozenset[MachineState],
    within: Sequence[Span] | None = None,
) -> float:
    """Time spent in any of ``states``, optionally only inside ``within``."""
    chosen = [s.span for s in spans if s.state in states]
    return total_seconds(intersect(chosen, within) if within is not None else chosen)
