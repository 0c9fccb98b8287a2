"""Machine states read from a current signal, and the errors of the signals domain."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class MachineState(IntEnum):
    """What a current-sensed machine is doing; ordered by the current it draws."""

    OFF = 0
    IDLE = 1
    RUNNING = 2
    OVERLOAD = 3


UNKNOWN = -1
"""Label for samples before the first state was confirmed."""

PRODUCTIVE_STATES = frozenset({MachineState.RUNNING, MachineState.OVERLOAD})


@dataclass(frozen=True, slots=True)
class StateChange:
    """A confirmed change of machine state.

    ``at`` is the timestamp of the first sample in the new state (the onset); ``detected_at`` is the
    timestamp of the sample that confirmed it (onset + dwell + filter delay). ``previous`` is None
    for the first state a classifier confirms.
    """

    machine_id: str
    at: float
    state: MachineState
    previous: MachineState | None
    detected_at: float


class SignalError(ValueError):
    """Base of the named errors of the signals domain."""


class InvalidSamples(SignalError):
    """Samples that cannot be used: shapes differ, timestamps go backwards, values not finite."""


class CalibrationError(SignalError):
    """A calibration that cannot be learnt or that is inconsistent."""


class InvalidInterval(SignalError):
    """An interval whose end is before its start, or other malformed time spans."""
