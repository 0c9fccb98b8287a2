"""Whether a machine can take work: AVAILABLE, OFFLINE (silent) or DOWN (stopped in its shift).

Pure rules over what the caller tells them; ``now`` is always passed in.

- OFFLINE: no sample for longer than ``offline_after_s`` (default 10 s). The next sample clears it.
- DOWN: the machine is OFF while in its shift with work waiting and no planned stop, for longer than
  ``down_grace_s``. The grace runs from the later of the OFF onset and the moment those conditions
  were first seen to hold (a machine switched off overnight is not DOWN the instant its shift starts).
  Leaving OFF, or a declared planned stop, clears it.
- OFFLINE wins over DOWN: a silent machine tells nothing about its current.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from services.iot.signals.states import MachineState


class Availability(StrEnum):
    AVAILABLE = "available"
    OFFLINE = "offline"
    DOWN = "down"


@dataclass(frozen=True, slots=True)
class LivenessPolicy:
    offline_after_s: float = 10.0
    down_grace_s: float = 120.0


@dataclass(frozen=True, slots=True)
class ShiftContext:
    """What the factory's calendar and the schedule say about the machine at ``now``."""

    in_shift: bool
    has_work: bool
    planned_stop: bool = False


@dataclass(frozen=True, slots=True)
class AvailabilityChange:
    """The machine became ``availability`` at ``at``: for OFFLINE the last sample heard, for DOWN
    the onset of OFF, for AVAILABLE the evaluation time."""

    machine_id: str
    at: float
    availability: Availability
    previous: Availability
    reason: str


class MachineLiveness:
    """Availability of one machine from its samples, its current state and its shift context."""

    def __init__(self, machine_id: str, policy: LivenessPolicy | None = None) -> None:
        self.machine_id = machine_id
        self.policy = policy or LivenessPolicy()
        self.availability = Availability.OFFLINE  # until the first sample
        self.last_heard: float | None = None
        self.state: MachineState | None = None
        self.state_since: float | None = None
        self._context_since: float | None = None

    def heard(
        self, at: float, state: MachineState | None = None, since: float | None = None
    ) -> None:
        """A sample arrived at ``at``; ``state`` (with its onset ``since``) if the classifier knows."""
        self.last_heard = at if self.last_heard is None else max(self.last_heard, at)
        if state is not None and state != self.state:
            self.state, self.state_since = state, at if since is None else since

    def evaluate(self, now: float, context: ShiftContext) -> AvailabilityChange | None:
        """Apply the rules at ``now``; return the change, if availability changed."""
        new, at, reason = self._judge(now, context)
        if new == self.availability:
            return None
        change = AvailabilityChange(self.machine_id, at, new, self.availability, reason)
        self.availability = new
        return change

    def _judge(self, now: float, context: ShiftContext) -> tuple[Availability, float, str]:
        if self.last_heard is None or now - self.last_heard > self.policy.offline_after_s:
            since = now if self.last_heard is None else self.last_heard
            return Availability.OFFLINE, since, "no samples"
        stopped = self.state == MachineState.OFF
        expected = context.in_shift and context.has_work and not context.planned_stop
        if not expected:
            self._context_since = None
        elif self._context_since is None:
            self._context_since = now
        if stopped and expected:
            off_since = now if self.state_since is None else self.state_since
            grace_from = max(off_since, now if self._context_since is None else self._context_since)
            if now - grace_from >= self.policy.down_grace_s:
                return Availability.DOWN, off_since, "no current in shift"
        return Availability.AVAILABLE, now, "working" if not stopped else "stopped, not expected"
