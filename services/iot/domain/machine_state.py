"""A machine's state log: every real change of its live state, and its downtime intervals.

Only confirmed changes are recorded (samples never are). Entering DOWN or OFFLINE opens a
downtime; leaving it closes the downtime (``DowntimeRecorded``). A factory may give the reason of
a downtime, open or closed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from typing import Any

from eventsourcing.domain import Aggregate, event

from services.iot.domain.errors import DowntimeUnknown
from services.iot.domain.values import UNAVAILABLE, LiveState, from_plain, stable_id
from services.kit.words import N_, Words

KEEP_DOWNTIMES = 500  # the most recent downtimes whose reason can still be set


def state_log_key(machine_id: str) -> uuid.UUID:
    return stable_id("machine-state", machine_id)


def downtime_id(machine_id: str, start_ms: int) -> str:
    return str(stable_id("downtime", machine_id, str(start_ms)))


@dataclass(frozen=True)
class Downtime:
    """A spell of a machine in DOWN or OFFLINE, and what the factory says caused it."""

    downtime_id: str
    machine_id: str
    factory_id: str
    state: str  # a LiveState value
    start_ms: int
    end_ms: int = 0  # 0 while it lasts
    category: str = "unspecified"
    note: str = ""
    planned: bool = False


class MachineStateLog(Aggregate):
    # Version 2: downtimes are Downtime values (snapshots of version 1 hold plain objects).
    class_version = 2

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["downtimes"] = {
            key: d if isinstance(d, Downtime) else from_plain(Downtime, {
                **d, "downtime_id": key, "machine_id": state["machine_id"],
                "factory_id": state["factory_id"]})
            for key, d in state["downtimes"].items()}

    @staticmethod
    def create_id(machine_id: str, factory_id: str, machine_type: str) -> uuid.UUID:
        return state_log_key(machine_id)

    @event("Opened")
    def __init__(self, machine_id: str, factory_id: str, machine_type: str):
        self.machine_id = machine_id
        self.factory_id = factory_id
        self.machine_type = machine_type
        self.state = LiveState.UNSPECIFIED.value  # plain text: snapshots keep it so
        self.since_ms = 0
        self.open_downtime = ""
        self.downtimes: dict[str, Downtime] = {}

    def change(self, to: LiveState, at_ms: int, reason: Words, planned: bool = False) -> bool:
        """Record a change to ``to`` at ``at_ms`` (never before the last one) and why, as words
        and their English; False if no change."""
        if to.value == self.state:
            return False
        at_ms = max(at_ms, self.since_ms)
        previous_ms = at_ms - self.since_ms if self.since_ms else 0
        closing = self.open_downtime
        opening = downtime_id(self.machine_id, at_ms) if to in UNAVAILABLE else ""
        self._changed(**self._who, from_state=self.state, to_state=to.value, at_ms=at_ms,
                      reason=reason.english(), available=to.available,
                      previous_state_ms=previous_ms, opened_downtime=opening, planned=planned,
                      said=reason)
        if closing:
            d = self.downtimes[closing]
            self._downtime_recorded(**self._who, downtime_id=closing, state=d.state,
                                    start_ms=d.start_ms, end_ms=at_ms, category=d.category,
                                    note=d.note, planned=d.planned)
        return True

    # `reason` is the English; `said` the same as words (absent from changes kept before words,
    # whose reason reads as written).
    @event("StateChanged")
    def _changed(self, machine_id: str, factory_id: str, machine_type: str, from_state: str, to_state: str, at_ms: int, reason: str, available: bool,
                 previous_state_ms: int, opened_downtime: str, planned: bool,
                 said: Words | None = None) -> None:
        self.state, self.since_ms = to_state, at_ms
        if opened_downtime:
            self.downtimes[opened_downtime] = Downtime(
                opened_downtime, machine_id, factory_id, to_state, at_ms, planned=planned)
            while len(self.downtimes) > KEEP_DOWNTIMES:
                self.downtimes.pop(next(iter(self.downtimes)))
        self.open_downtime = opened_downtime

    @event("DowntimeRecorded")
    def _downtime_recorded(self, machine_id: str, factory_id: str, machine_type: str,
                           downtime_id: str, state: str, start_ms: int, end_ms: int,
                           category: str, note: str, planned: bool) -> None:
        found = self.downtimes.get(downtime_id)
        if found is not None:
            self.downtimes[downtime_id] = replace(found, end_ms=end_ms)

    def set_downtime_reason(self, downtime_id: str, category: str, note: str) -> Downtime:
        found = self.downtimes.get(downtime_id)
        if found is None:
            raise DowntimeUnknown(Words.of(N_("machine %(machine_id)s has no downtime "
                                              "%(downtime_id)s (or it is too old to change)"),
                machine_id=self.machine_id, downtime_id=downtime_id))
        if (found.category, found.note) != (category, note):
            self._reason_set(**self._who, downtime_id=downtime_id, category=category, note=note)
        return self.downtimes[downtime_id]

    @event("DowntimeReasonSet")
    def _reason_set(self, machine_id: str, factory_id: str, machine_type: str, downtime_id: str, category: str, note: str) -> None:
        self.downtimes[downtime_id] = replace(self.downtimes[downtime_id], category=category,
                                              note=note)

    @property
    def _who(self) -> dict[str, str]:
        """Every event names its machine, so the relay and projections need nothing else."""
        return {"machine_id": self.machine_id, "factory_id": self.factory_id,
                "machine_type": self.machine_type}
