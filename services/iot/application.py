"""The iot application: the registry, machine state logs, planned stops, operation runs.

Load → act → save; no wire types. Telemetry never comes here sample by sample: the intake
(services/iot/intake.py) keeps the live picture in memory and hands over only state changes.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, TypeVar

from eventsourcing.application import AggregateNotFoundError, ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder

from services.iot.domain.calendar import (
    CalendarException,
    ShiftCalendar,
    ShiftWindow,
    WeeklyShift,
)
from services.iot.domain.errors import (
    ChangedByOthers,
    DowntimeUnknown,
    FactoryInactive,
    FactoryNotRegistered,
    MachineNotRegistered,
    MachineOfAnotherFactory,
    RegisteredOtherwise,
    VersionMoved,
)
from services.iot.domain.health import HealthAssessment, Maintenance
from services.iot.domain.machine_state import Downtime, MachineStateLog, state_log_key
from services.iot.domain.operations import (
    OperationRun,
    PlannedStop,
    operation_key,
    planned_stop_key,
)
from services.iot.domain.profiles import (
    Address,
    FactoryProfile,
    Location,
    MachineProfile,
    SensorCalibration,
)
from services.iot.domain.registry import (
    Factory,
    Machine,
    factory_key,
    machine_key,
    taking,
    validate_factory,
    validate_machine,
)
from services.iot.domain.tracker import Transition
from services.iot.domain.values import DOWNTIME_CATEGORIES, valid_id
from services.iot.signals import Calibration
from services.kit.errors import InvalidArgument, Violations
from services.kit.persistence import ServiceApplication
from services.kit.stored_values import register_values
from services.kit.words import N_, Words

MAX_RETRIES = 10
A = TypeVar("A", bound=Aggregate)


@dataclass(frozen=True)
class HealthKept:
    """What a machine made of an assessment: kept or not, and its last maintenance."""

    kept: bool
    maintenance: Maintenance | None


# The values inside iot's stored events and snapshots, by their stored names (persistent).
STORED_VALUES = {
    FactoryProfile: "iot.factory_profile", Location: "iot.location", Address: "iot.address",
    ShiftCalendar: "iot.shift_calendar", WeeklyShift: "iot.weekly_shift",
    CalendarException: "iot.calendar_exception", ShiftWindow: "iot.shift_window",
    MachineProfile: "iot.machine_profile", SensorCalibration: "iot.sensor_calibration",
    Downtime: "iot.downtime"}


class IotApplication(ServiceApplication):
    name = "iot"
    # A busy machine changes state thousands of times a week: load it from a snapshot.
    snapshotting_intervals = {MachineStateLog: 100}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Each machine's state log as last saved here; None: known to have none yet.
        self._logs: dict[str, MachineStateLog | None] = {}
        self._logs_lock = threading.Lock()

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_values(transcoder, STORED_VALUES)

    # ---- registry ----------------------------------------------------------------------

    def register_factory(self, draft: FactoryProfile) -> tuple[Factory, bool]:
        profile = validate_factory(draft)
        existing = self._find(Factory, factory_key(profile.factory_id))
        if existing is None:
            profile = replace(profile, registered_at=_now_iso())
            factory = Factory(factory_id=profile.factory_id, profile=profile)
            try:
                self.save(factory)
                return factory, False
            except IntegrityError:
                existing = self.get_factory(profile.factory_id)
        if _same(existing.profile, profile):
            return existing, True
        raise RegisteredOtherwise(Words.of(N_("factory %(factory_id)s is registered with other "
                                              "details; change it with UpdateFactory"),
            factory_id=profile.factory_id))

    def get_factory(self, factory_id: str) -> Factory:
        found = self._find(Factory, factory_key(factory_id))
        if found is None:
            raise FactoryNotRegistered(Words.of(N_("factory %(factory_id)s is not registered"),
                factory_id=factory_id))
        return found

    def update_factory(self, factory_id: str, incoming: FactoryProfile, fields: list[str],
                       expected_version: int) -> Factory:
        def act(factory: Factory) -> None:
            _check_version(factory, expected_version, f"factory {factory_id}")
            merged = validate_factory(taking(factory.profile, incoming, fields))
            factory.update(merged, fields)

        return self._change(lambda: self.get_factory(factory_id), act)

    def register_machine(self, draft: MachineProfile) -> tuple[Machine, bool]:
        profile = validate_machine(draft)
        factory = self.get_factory(profile.factory_id)
        if not factory.active:
            raise FactoryInactive(Words.of(N_("factory %(factory_id)s is not active"),
                factory_id=factory.factory_id))
        existing = self._find(Machine, machine_key(profile.machine_id))
        if existing is None:
            profile = replace(profile, registered_at=_now_iso())
            machine = Machine(machine_id=profile.machine_id, profile=profile)
            try:
                self.save(machine)
            except IntegrityError:
                existing = self.get_machine(profile.machine_id)
            else:
                self._no_log_yet(profile.machine_id)
                return machine, False
        if existing.factory_id != profile.factory_id:
            raise MachineOfAnotherFactory(Words.of(N_("machine %(machine_id)s belongs to another "
                                                      "factory"),
                machine_id=profile.machine_id))
        if _same(existing.profile, profile):
            return existing, True
        raise RegisteredOtherwise(Words.of(N_("machine %(machine_id)s is registered with other "
                                              "details; change it with UpdateMachine"),
            machine_id=profile.machine_id))

    def get_machine(self, machine_id: str) -> Machine:
        found = self._find(Machine, machine_key(machine_id)) if valid_id(machine_id) else None
        if found is None:
            raise MachineNotRegistered(Words.of(N_("machine %(machine_id)s is not registered"),
                machine_id=machine_id))
        return found

    def update_machine(self, machine_id: str, incoming: MachineProfile, fields: list[str],
                       expected_version: int) -> Machine:
        def act(machine: Machine) -> None:
            _check_version(machine, expected_version, f"machine {machine_id}")
            merged = validate_machine(taking(machine.profile, incoming, fields))
            machine.update(merged, fields)

        return self._change(lambda: self.get_machine(machine_id), act)

    def keep_learnt_calibration(self, machine_id: str, calibration: Calibration) -> Machine:
        off, idle, running = (float(x) for x in calibration.levels)
        return self._change(lambda: self.get_machine(machine_id),
                            lambda m: m.learn_levels(off, idle, running, _now_iso()))

    def keep_learnt_power(self, machine_id: str, running_kw: float, hours: float,
                          at_ms: int) -> bool:
        """A machine's running draw learnt from its samples (power_learning.py); True when
        the machine recorded it (a change worth telling scheduling)."""
        changed: list[bool] = []
        self._change(lambda: self.get_machine(machine_id),
                     lambda m: changed.append(m.learn_power(running_kw, hours, at_ms)))
        return bool(changed and changed[-1])

    def keep_health(self, machine_id: str, health: HealthAssessment) -> HealthKept:
        """A machine's health from its wear watch: whether the machine recorded it (it says
        something new: an alarm raised, the score or horizon moved), and its last maintenance
        (the watch learns afresh from it when its baseline is older)."""
        changed: list[bool] = []
        machine = self._change(lambda: self.get_machine(machine_id),
                               lambda m: changed.append(m.assess_health(health)))
        return HealthKept(bool(changed and changed[-1]), machine.maintenance)

    def record_maintained(self, machine_id: str, task_id: str, at_ms: int,
                          by: str) -> Machine | None:
        """Maintenance reported done on a machine (scheduling's MaintenanceDone): the machine
        to save when it records it; None for one known already or a machine not registered."""
        machine = self._find(Machine, machine_key(machine_id)) if valid_id(machine_id) else None
        if machine is None or not machine.maintained(task_id, at_ms, by):
            return None
        return machine

    # ---- planned stops, downtime ------------------------------------------------------

    def declare_planned_stop(self, factory_id: str, machine_ids: list[str], start_ms: int,
                             end_ms: int, reason: str, idempotency_key: str
                             ) -> tuple[PlannedStop, bool]:
        v = Violations()
        v.check(end_ms > start_ms > 0, "window", N_("must have a start and an end after it"))
        v.check(len(reason) <= 500, "reason", N_("must be at most 500 characters"))
        v.check(len(machine_ids) <= 1000, "machine_ids", N_("at most 1000 machines"))
        v.raise_if_any()
        self.get_factory(factory_id)
        for machine_id in machine_ids:
            if self.get_machine(machine_id).factory_id != factory_id:
                raise InvalidArgument(Violations.one(
                    "machine_ids", N_("machine %(machine_id)s is not a machine of %(factory_id)s"),
                    machine_id=machine_id, factory_id=factory_id))
        key = idempotency_key or uuid.uuid4().hex
        existing = self._find(PlannedStop, planned_stop_key(factory_id, key))
        if existing is not None:
            return existing, True
        stop = PlannedStop(factory_id=factory_id, idempotency_key=key,
                           machine_ids=sorted(set(machine_ids)), start_ms=start_ms,
                           end_ms=end_ms, reason=reason)
        try:
            self.save(stop)
        except IntegrityError:
            return self.repository.get(planned_stop_key(factory_id, key)), True
        return stop, False

    def replan_stop(self, factory_id: str, idempotency_key: str, start_ms: int, end_ms: int
                    ) -> PlannedStop | None:
        """A stop declared under `idempotency_key` now planned for another window (scheduling's
        maintenance task moved): the stop to save, or None when it is not declared here (yet)
        or has that window already."""
        stop = self._find(PlannedStop, planned_stop_key(factory_id, idempotency_key))
        return stop if stop is not None and stop.replan(start_ms, end_ms) else None

    def end_stop(self, factory_id: str, idempotency_key: str, at_ms: int) -> PlannedStop | None:
        """A stop declared under `idempotency_key` over at `at_ms` (its maintenance reported
        done): the stop to save when that is before its planned end, else None."""
        stop = self._find(PlannedStop, planned_stop_key(factory_id, idempotency_key))
        if stop is None or at_ms >= stop.end_ms:
            return None
        return stop if stop.replan(stop.start_ms, max(stop.start_ms, at_ms)) else None

    def set_downtime_reason(self, machine_id: str, downtime_id: str, category: str,
                            note: str) -> Downtime:
        v = Violations()
        v.check(category in DOWNTIME_CATEGORIES[1:], "category", N_("must name a category"))
        v.check(len(note) <= 500, "note", N_("must be at most 500 characters"))
        v.raise_if_any()
        for _ in range(MAX_RETRIES):
            log = self.state_log(machine_id)
            if log is None:
                raise DowntimeUnknown(Words.of(N_("machine %(machine_id)s has no recorded "
                                                  "downtime"),
                    machine_id=machine_id))
            kept = _kept(log)
            found = log.set_downtime_reason(downtime_id, category, note)
            if self._saved({machine_id: log}, {machine_id: (log, kept)}):
                return found
        raise ChangedByOthers(Words.of(N_("machine %(machine_id)s is being changed by others; try "
                                          "again"),
            machine_id=machine_id))

    # ---- state changes from the intake -------------------------------------------------

    def state_log(self, machine_id: str) -> MachineStateLog | None:
        """The machine's state log, None if it has none yet. Kept after the first read, a
        missing one too: at 16,000 machines the first changes of a fleet read a log each
        (16,000 reads, ~4 ms each beside a busy intake), and the state changes queued behind
        them for a minute. A log saved meanwhile by another process makes the next save here
        conflict, which forgets it and reads it again."""
        with self._logs_lock:
            if machine_id in self._logs:
                return self._logs[machine_id]
        found = self._find(MachineStateLog, state_log_key(machine_id))
        with self._logs_lock:
            self._logs.setdefault(machine_id, found)
        return found

    def _no_log_yet(self, machine_id: str) -> None:
        """A machine just registered here has no state log: its first change reads none."""
        with self._logs_lock:
            self._logs.setdefault(machine_id, None)

    def _forget_log(self, machine_id: str) -> None:
        with self._logs_lock:
            self._logs.pop(machine_id, None)

    def record_transitions(self, transitions: Iterable[Transition]) -> int:
        """Save a batch of live-state changes in one transaction; retried on a conflict."""
        transitions = list(transitions)
        for _ in range(MAX_RETRIES):
            logs: dict[str, MachineStateLog] = {}
            before: dict[str, tuple[MachineStateLog, dict[str, Any]]] = {}  # as they were
            for t in transitions:
                log = logs.get(t.machine_id) or self.state_log(t.machine_id)
                if log is None:
                    log = MachineStateLog(machine_id=t.machine_id, factory_id=t.factory_id,
                                          machine_type=t.machine_type)
                elif t.machine_id not in logs:
                    before[t.machine_id] = (log, _kept(log))
                log.change(t.to_state, t.at_ms, t.reason, t.planned)
                logs[t.machine_id] = log
            if self._saved(logs, before):
                with self._logs_lock:
                    self._logs.update(logs)
                return len(transitions)
        raise ChangedByOthers(Words.of(N_("machine state logs are being changed by another writer")))

    def _saved(self, logs: dict[str, MachineStateLog],
               before: dict[str, tuple[MachineStateLog, dict[str, Any]]]) -> bool:
        """Save changed state logs; False on a conflict. The kept logs were changed in place:
        if the save fails they are put back as they were (``before``), or a retry would find
        the change made already and save nothing; on a conflict (another writer saved one)
        they are forgotten and read again. (Forgetting them on any failure made the retry
        read every log of the round: at 16,000 machines a round failed once under load read
        16,000 logs one by one, and the writer fell a minute behind and failed again.)"""
        try:
            self.save(*logs.values())
        except BaseException as exc:
            if isinstance(exc, IntegrityError):
                for machine_id in logs:
                    self._forget_log(machine_id)
                return False
            for log, kept in before.values():
                _restore(log, kept)
            raise
        return True

    def _take_snapshots(self, processing_event: ProcessingEvent) -> None:
        """Snapshots of the aggregates saved, from their state in memory, all in one write.
        The library reads each aggregate back from the database to snapshot it: a busy
        fleet's writer round took a read per machine reaching its interval."""
        reached = {}
        for e in processing_event.events:
            aggregate = processing_event.aggregates.get(e.originator_id)
            interval = self.snapshotting_intervals.get(type(aggregate))
            if interval and e.originator_version % interval == 0:
                reached[e.originator_id] = aggregate
        due = [getattr(type(a), "Snapshot", type(self).snapshot_class).take(a)
               for a in reached.values()]
        if due and self.snapshots is not None:
            self.snapshots.put(due)

    # ---- scheduling's operation facts (policies) ----------------------------------------

    def operation_run(self, operation_id: str, order_id: str, factory_id: str,
                      machine_id: str) -> OperationRun:
        found = self._find(OperationRun, operation_key(operation_id))
        return found or OperationRun(operation_id=operation_id, order_id=order_id,
                                     factory_id=factory_id, machine_id=machine_id)

    # ---- helpers ------------------------------------------------------------------------

    def _find(self, kind: type[A], aggregate_id: uuid.UUID) -> A | None:
        try:
            found = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        return found if isinstance(found, kind) else None

    def _change(self, load: Callable[[], A], act: Callable[[A], Any]) -> A:
        for _ in range(MAX_RETRIES):
            aggregate = load()
            act(aggregate)
            try:
                self.save(aggregate)
                return aggregate
            except IntegrityError:
                continue
        raise ChangedByOthers(Words.of(N_("being changed by others; try again")))


def _check_version(aggregate: Aggregate, expected: int, what: str) -> None:
    if expected and aggregate.version != expected:
        raise VersionMoved(Words.of(N_("%(what)s is at version %(version)s, not %(expected)s: "
                                       "read it again and retry"),
            what=what, version=aggregate.version, expected=expected))


def _same(stored: FactoryProfile | MachineProfile,
          incoming: FactoryProfile | MachineProfile) -> bool:
    """Same registration, leaving aside when it was made and levels learnt since."""
    learnt = isinstance(stored, MachineProfile) and bool(stored.calibration.learnt_at)
    return _comparable(stored, learnt) == _comparable(incoming, learnt)


LEARNT = {"learnt_at": "", "off_level_amperes": None, "idle_level_amperes": None,
          "running_level_amperes": None}


def _comparable(profile: FactoryProfile | MachineProfile,
                learnt: bool) -> FactoryProfile | MachineProfile:
    out = replace(profile, registered_at="")
    if learnt and isinstance(out, MachineProfile):
        out = replace(out, calibration=replace(out.calibration, **LEARNT))
    return out


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


def _kept(log: MachineStateLog) -> dict[str, Any]:
    """What ``_restore`` needs to put a state log back as it is now (its attributes; the
    downtimes' dict is changed in place, its values are frozen)."""
    return {**log.__dict__, "downtimes": dict(log.downtimes), "_pending_events": []}


def _restore(log: MachineStateLog, kept: dict[str, Any]) -> None:
    log.__dict__.clear()
    log.__dict__.update(kept)
