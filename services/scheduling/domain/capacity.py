"""The network's capacity as iot describes it: factories (share, shifts, planned stops) and
machines (type, speed, batching, whether they can be used right now).

iot publishes whole records after every change; a record is applied only when it is newer
than what we hold (its version), and a machine state only when it is newer (its time).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from eventsourcing.domain import Aggregate, event

from services.kit.words import N_, Words
from services.scheduling.domain.carbon import CarbonProfile, profile_from_record, profile_record
from services.scheduling.domain.ids import factory_key, machine_key
from services.scheduling.domain.tariffs import Tariff, tariff_from_record, tariff_record
from services.scheduling.domain.values import PlannedStop, ShiftException, exception_from_v1

MACHINE_TYPES = ("panel_saw", "edge_bander", "cnc_drill", "cnc_router", "sander", "paint_line",
                 "assembly", "packing")
# Each type as people call it (开料锯 / panel saw), where a refusal or an explanation names one
MACHINE_TYPE_WORDS = {"panel_saw": N_("panel saw"), "edge_bander": N_("edge bander"),
                      "cnc_drill": N_("CNC drill"), "cnc_router": N_("CNC router"),
                      "sander": N_("sander"), "paint_line": N_("paint line"),
                      "assembly": N_("assembly"), "packing": N_("packing")}


def machine_type_said(machine_type: str) -> Words | str:
    """A machine type in words people read; a type the network does not know as written."""
    known = MACHINE_TYPE_WORDS.get(machine_type)
    return Words(known) if known else machine_type


def machine_types_said(machine_types: Iterable[str]) -> Words:
    """Machine types one after the other ("CNC router, panel saw"), in the order of their codes."""
    return Words.listing([machine_type_said(t) for t in sorted(machine_types)])


class _FactoryRecord(Aggregate.Event):
    """What iot's record of a factory says (the events that take it carry it whole).

    v2: calendar exceptions are ShiftException values (v1 stored plain objects:
    {date, closed, shifts: [[start minute, end minute]]})."""

    class_version = 2
    name: str
    capacity_share: float
    timezone: str
    weekly_shifts: list[list[int]]
    exceptions: list[ShiftException]
    active: bool
    source_version: int
    city: str
    region: str

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["exceptions"] = [exception_from_v1(e) for e in state["exceptions"]]
        state.setdefault("city", "")  # records from before factories had an address
        state.setdefault("region", "")


class FactoryCapacity(Aggregate):
    """One factory's offer to the chain: the share of its capacity, its calendar, its stops."""

    class Registered(Aggregate.Created, _FactoryRecord):
        factory_id: str

    class Described(_FactoryRecord):
        pass

    @staticmethod
    def create_id(factory_id: str) -> uuid.UUID:
        return factory_key(factory_id)

    @event(Registered)
    def __init__(self, factory_id: str, name: str, capacity_share: float, timezone: str,
                 weekly_shifts: list[list[int]], exceptions: list[ShiftException], active: bool,
                 source_version: int, city: str = "", region: str = ""):
        self.factory_id = factory_id
        self.city = city
        self.region = region
        self.name = name
        self.capacity_share = capacity_share
        self.timezone = timezone
        self.weekly_shifts = weekly_shifts
        self.exceptions = tuple(exceptions)
        self.active = active
        self.source_version = source_version
        self.stops: dict[str, PlannedStop] = {}
        self.tariff: Tariff | None = None  # set by the chain (issue 21); none: energy unpriced
        self.tariff_set_at_ms = 0
        self.tariff_set_by = ""

    def describe(self, name: str, capacity_share: float, timezone: str,
                 weekly_shifts: list[list[int]], exceptions: list[ShiftException], active: bool,
                 source_version: int, city: str = "", region: str = "") -> bool:
        """Take iot's latest record of the factory; False when stale or unchanged."""
        if source_version and source_version <= self.source_version:
            return False
        same = (name, capacity_share, timezone, weekly_shifts, tuple(exceptions), active, city,
                region) == (self.name, self.capacity_share, self.timezone, self.weekly_shifts,
                            self.exceptions, self.active, self.city, self.region)
        if same:
            return False
        self._described(name=name, capacity_share=capacity_share, timezone=timezone,
                        weekly_shifts=weekly_shifts, exceptions=exceptions, active=active,
                        source_version=source_version, city=city, region=region)
        return True

    @event(Described)
    def _described(self, name: str, capacity_share: float, timezone: str,
                   weekly_shifts: list[list[int]], exceptions: list[ShiftException], active: bool,
                   source_version: int, city: str = "", region: str = "") -> None:
        self.city = city
        self.region = region
        self.name = name
        self.capacity_share = capacity_share
        self.timezone = timezone
        self.weekly_shifts = weekly_shifts
        self.exceptions = tuple(exceptions)
        self.active = active
        self.source_version = max(self.source_version, source_version)

    def declare_stop(self, stop_id: str, machine_ids: list[str], start_ms: int, end_ms: int,
                     reason: str, said: Words | None = None) -> bool:
        """A planned stop of the whole factory (no machine ids) or of some machines. One held
        already under another id (an accepted maintenance task, told back by iot) is no news."""
        if stop_id in self.stops or end_ms <= start_ms:
            return False
        if any(s.held_as(machine_ids, start_ms, end_ms) for s in self.stops.values()):
            return False
        if said is None:
            self._stop_declared(stop_id=stop_id, machine_ids=list(machine_ids),
                                start_ms=start_ms, end_ms=end_ms, reason=reason)
        else:
            self._stop_declared(stop_id=stop_id, machine_ids=list(machine_ids),
                                start_ms=start_ms, end_ms=end_ms, reason=reason, said=said)
        return True

    # `said` (the reason as words) only for a stop scheduling wrote (maintenance), and absent
    # from stops declared before words.
    @event("StopDeclared")
    def _stop_declared(self, stop_id: str, machine_ids: list[str], start_ms: int, end_ms: int,
                       reason: str, said: Words | None = None) -> None:
        self.stops[stop_id] = PlannedStop(tuple(machine_ids), start_ms, end_ms, reason,
                                          said=said)

    def move_stop(self, stop_id: str, start_ms: int, end_ms: int) -> bool:
        """A stop of ours planned for another window (an accepted maintenance task moved);
        False when it is there already, or not ours."""
        stop = self.stops.get(stop_id)
        if stop is None or end_ms <= start_ms or (stop.start_ms, stop.end_ms) == (start_ms,
                                                                                   end_ms):
            return False
        self._stop_moved(stop_id=stop_id, start_ms=start_ms, end_ms=end_ms)
        return True

    @event("StopMoved")
    def _stop_moved(self, stop_id: str, start_ms: int, end_ms: int) -> None:
        self.stops[stop_id] = self.stops[stop_id].now_in(start_ms, end_ms)

    def end_stop(self, stop_id: str, at_ms: int) -> bool:
        """A stop over before its planned end (maintenance reported done early): the machines
        are free from `at_ms`. False when it is over by then anyway, or not ours."""
        stop = self.stops.get(stop_id)
        if stop is None or at_ms >= stop.end_ms:
            return False
        self._stop_ended(stop_id=stop_id, at_ms=at_ms)
        return True

    @event("StopEnded")
    def _stop_ended(self, stop_id: str, at_ms: int) -> None:
        stop = self.stops[stop_id]
        self.stops[stop_id] = stop.now_in(stop.start_ms, max(stop.start_ms, at_ms))


    def set_tariff(self, tariff: Tariff | None, at_ms: int, by: str) -> bool:
        """The factory's time-of-use tariff and demand limit (None: cleared); False when it
        is the one already set. The tariff is checked before (tariffs.checked)."""
        if tariff == self.tariff:
            return False
        self._tariff_set(record=None if tariff is None else tariff_record(tariff), at_ms=at_ms,
                         by=by)
        return True

    @event("TariffSet")
    def _tariff_set(self, record: dict | None, at_ms: int, by: str) -> None:
        self.tariff = None if record is None else tariff_from_record(record)
        self.tariff_set_at_ms = at_ms
        self.tariff_set_by = by

    # An hourly CO2e profile of the factory's grid (issue 21, item 4); none: the annual factor.
    carbon_profile: CarbonProfile | None = None
    carbon_profile_set_at_ms = 0
    carbon_profile_set_by = ""

    def set_carbon_profile(self, profile: CarbonProfile | None, at_ms: int, by: str) -> bool:
        """The factory's hourly grid emission factors (None: cleared, the annual factor
        counts); False when it is the one already set. Checked before (carbon.checked_profile)."""
        if profile == self.carbon_profile:
            return False
        self._carbon_profile_set(record=None if profile is None else profile_record(profile),
                                 at_ms=at_ms, by=by)
        return True

    @event("CarbonProfileSet")
    def _carbon_profile_set(self, record: dict | None, at_ms: int, by: str) -> None:
        self.carbon_profile = None if record is None else profile_from_record(record)
        self.carbon_profile_set_at_ms = at_ms
        self.carbon_profile_set_by = by


class MachineCapacity(Aggregate):
    """One machine: what it does, how fast, and whether the scheduler may use it now."""

    @staticmethod
    def create_id(machine_id: str) -> uuid.UUID:
        return machine_key(machine_id)

    @event("Registered")
    def __init__(self, machine_id: str, factory_id: str, machine_type: str, speed: float,
                 batch_capacity: int, active: bool, source_version: int):
        self.machine_id = machine_id
        self.factory_id = factory_id
        self.machine_type = machine_type
        self.speed = speed
        self.batch_capacity = batch_capacity
        self.active = active
        self.source_version = source_version
        self.available = True
        self.state = ""
        self.state_at_ms = 0
        self.state_reason = ""
        self.learnt_kw: float | None = None  # running draw learnt from telemetry (issue 21)
        self.learnt_hours = 0.0

    def describe(self, factory_id: str, machine_type: str, speed: float, batch_capacity: int,
                 active: bool, source_version: int) -> bool:
        if source_version and source_version <= self.source_version:
            return False
        if (factory_id, machine_type, speed, batch_capacity, active) == (
                self.factory_id, self.machine_type, self.speed, self.batch_capacity, self.active):
            return False
        self._described(factory_id=factory_id, machine_type=machine_type, speed=speed,
                        batch_capacity=batch_capacity, active=active,
                        source_version=source_version)
        return True

    @event("Described")
    def _described(self, factory_id: str, machine_type: str, speed: float, batch_capacity: int,
                   active: bool, source_version: int) -> None:
        self.factory_id = factory_id
        self.machine_type = machine_type
        self.speed = speed
        self.batch_capacity = batch_capacity
        self.active = active
        self.source_version = max(self.source_version, source_version)

    def change_state(self, state: str, available: bool, at_ms: int, reason: str) -> bool:
        """A state iot observed. Only a newer one that changes availability counts (or the
        kind of unavailability): IDLE / RUNNING flips are not the scheduler's business."""
        if at_ms < self.state_at_ms:
            return False
        if available == self.available and (available or state == self.state):
            return False
        self._state_changed(state=state, available=available, at_ms=at_ms, reason=reason)
        return True

    @event("StateChanged")
    def _state_changed(self, state: str, available: bool, at_ms: int, reason: str) -> None:
        self.state = state
        self.available = available
        self.state_at_ms = at_ms
        self.state_reason = reason

    def learn_power(self, running_kw: float, hours: float) -> bool:
        """iot's estimate of the kW the machine draws while it runs, from ``hours`` of running
        samples; False when it moved less than 2 % (not worth an event or a re-plan)."""
        if running_kw <= 0 or hours <= 0:
            return False
        if self.learnt_kw is not None and abs(running_kw - self.learnt_kw) < 0.02 * self.learnt_kw:
            return False
        self._power_learnt(running_kw=running_kw, hours=hours)
        return True

    @event("PowerLearnt")
    def _power_learnt(self, running_kw: float, hours: float) -> None:
        self.learnt_kw = running_kw
        self.learnt_hours = hours
