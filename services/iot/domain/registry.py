"""The registry: factories and their machines, as event-sourced aggregates over their profiles.

Every event carries the whole profile after it (services/iot/domain/profiles.py), so the
integration events (FactoryUpdated, MachineUpdated) can say what the thing looks like now
without reading anything else. Events stored before profiles were values hold them as plain
objects of the same fields: version 2 of each event reads them as profiles (``upcast_v1_v2``).
"""

from __future__ import annotations

import math
import uuid
from dataclasses import replace
from typing import Any, TypeVar

from eventsourcing.domain import Aggregate, event

from services.iot.domain.calendar import valid_zone, validate_calendar
from services.iot.domain.health import HealthAssessment, Maintenance, worth_recording
from services.iot.domain.profiles import FactoryProfile, MachineProfile, SensorCalibration
from services.iot.domain.values import (
    CNC_TYPES,
    MACHINE_TYPES,
    SENSOR_KINDS,
    from_plain,
    stable_id,
    valid_id,
)
from services.kit.errors import Violations
from services.kit.words import N_, Words

FACTORY_FIELDS = ("name", "location", "capacity_share_percent", "shift_calendar",
                  "grid_emission_factor_kg_per_kwh", "timezone", "active")
# What a factory may change about itself; the rest (its share, its grid factor) is the chain's.
FACTORY_SELF_FIELDS = ("name", "location", "shift_calendar", "timezone")
MACHINE_FIELDS = ("name", "machine_type", "speed_factor", "rated_power_kw", "sensor_kind",
                  "calibration", "batch_capacity", "active")
DEFAULT_TIMEZONE = "UTC"


def factory_key(factory_id: str) -> uuid.UUID:
    return stable_id("factory", factory_id)


def machine_key(machine_id: str) -> uuid.UUID:
    return stable_id("machine", machine_id)


P = TypeVar("P", FactoryProfile, MachineProfile)


def _changed(old: P, new: P, fields: list[str]) -> list[str]:
    return [f for f in fields if getattr(old, f) != getattr(new, f)]


def taking(stored: P, incoming: P, fields: list[str]) -> P:
    """The stored profile with the named fields taken from the incoming one."""
    return replace(stored, **{f: getattr(incoming, f) for f in fields})


def _profile_read_as(kind: type) -> Any:
    """``upcast_v1_v2`` of a registry event: a profile stored as a plain object becomes a value."""
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        if isinstance(state.get("profile"), dict):
            state["profile"] = from_plain(kind, state["profile"])
    return staticmethod(upcast_v1_v2)


class _Registered(Aggregate):
    """A factory or a machine: its whole profile, changed a field set at a time."""

    profile: Any

    def update(self, profile: Any, fields: list[str]) -> list[str]:
        """Record the fields of ``profile`` that differ; say which changed."""
        changed = _changed(self.profile, profile, fields)
        if changed:
            self._updated(profile=taking(self.profile, profile, changed), changed_fields=changed)
        return changed

    def _updated(self, profile: Any, changed_fields: list[str]) -> None:
        raise NotImplementedError  # each kind records its own Updated event


class Factory(_Registered):
    class Registered(Aggregate.Created):
        factory_id: str
        profile: FactoryProfile
        class_version = 2
        upcast_v1_v2 = _profile_read_as(FactoryProfile)

    class Updated(Aggregate.Event):
        profile: FactoryProfile
        changed_fields: list[str]
        class_version = 2
        upcast_v1_v2 = _profile_read_as(FactoryProfile)

    @staticmethod
    def create_id(factory_id: str, profile: FactoryProfile) -> uuid.UUID:
        return factory_key(factory_id)

    @event(Registered)
    def __init__(self, factory_id: str, profile: FactoryProfile):
        self.factory_id = factory_id
        self.profile = profile

    @event(Updated)
    def _updated(self, profile: FactoryProfile, changed_fields: list[str]) -> None:
        self.profile = profile

    @property
    def active(self) -> bool:
        return self.profile.active


class Machine(_Registered):
    class Registered(Aggregate.Created):
        machine_id: str
        profile: MachineProfile
        class_version = 2
        upcast_v1_v2 = _profile_read_as(MachineProfile)

    class Updated(Aggregate.Event):
        profile: MachineProfile
        changed_fields: list[str]
        class_version = 2
        upcast_v1_v2 = _profile_read_as(MachineProfile)

    @staticmethod
    def create_id(machine_id: str, profile: MachineProfile) -> uuid.UUID:
        return machine_key(machine_id)

    @event(Registered)
    def __init__(self, machine_id: str, profile: MachineProfile):
        self.machine_id = machine_id
        self.profile = profile

    @event(Updated)
    def _updated(self, profile: MachineProfile, changed_fields: list[str]) -> None:
        self.profile = profile

    @property
    def factory_id(self) -> str:
        return self.profile.factory_id

    # What the machine draws while it runs, learnt from its telemetry (issue 21); set on
    # replay by PowerLearnt (machines registered before it have none).
    running_kw: float | None = None

    def learn_power(self, running_kw: float, running_hours: float, at_ms: int) -> bool:
        """Keep the running draw learnt from telemetry: the first figure, then one that moved
        by 2 % or more (smaller moves are noise, not worth a re-plan downstream)."""
        if not running_kw > 0 or not running_hours > 0:
            return False
        known = self.running_kw
        if known is not None and abs(running_kw - known) < 0.02 * known:
            return False
        self._power_learnt(machine_id=self.machine_id, factory_id=self.profile.factory_id,
                           machine_type=self.profile.machine_type, running_kw=running_kw,
                           running_hours=running_hours, at_ms=at_ms)
        return True

    @event("PowerLearnt")
    def _power_learnt(self, machine_id: str, factory_id: str, machine_type: str,
                      running_kw: float, running_hours: float, at_ms: int) -> None:
        self.running_kw = running_kw

    # The last health its wear watch assessed worth keeping (issue 22); None until one was, and
    # again after maintenance until the watch has a new baseline to judge against.
    health: HealthAssessment | None = None
    # Its last maintenance reported done (issue 22); None: none known.
    maintenance: Maintenance | None = None

    def assess_health(self, health: HealthAssessment) -> bool:
        """Keep a new health assessment when it says something new (`worth_recording`). A
        recorded alarm holds until maintenance: an assessment without it (a wear watch that
        restarted and learnt a worn machine as its baseline) is not kept; nor is one judged on
        a baseline from before the last maintenance (`HealthAssessment.before`)."""
        if health.before(self.maintenance):
            return False
        known = self.health
        if known is not None and known.alarm and not health.alarm:
            return False
        if not worth_recording(known, health):
            return False
        self._health_assessed(
            machine_id=self.machine_id, factory_id=self.profile.factory_id, at_ms=health.at_ms,
            score=health.score,
            horizon_s=health.horizon_s if math.isfinite(health.horizon_s) else None,
            confidence=health.confidence, alarm=health.alarm,
            explanation=list(health.explanation), baseline_from_ms=health.baseline_from_ms,
            said=list(health.explanation_words))
        return True

    # `said` (the explanation as words) is absent from assessments kept before words.
    @event("HealthAssessed")
    def _health_assessed(self, machine_id: str, factory_id: str, at_ms: int, score: float,
                         horizon_s: float | None, confidence: float, alarm: bool,
                         explanation: list[str], baseline_from_ms: int = 0,
                         said: list[Words] | None = None) -> None:
        self.health = HealthAssessment(at_ms, score, math.inf if horizon_s is None else horizon_s,
                                       confidence, alarm, tuple(explanation), baseline_from_ms,
                                       tuple(said or ()))

    def maintained(self, task_id: str, at_ms: int, by: str) -> bool:
        """Maintenance reported done at `at_ms` (scheduling's MaintenanceDone): the alarm and
        health go, and only a wear watch that learnt its baseline since may say again. False
        for a report known already, or older than the last one."""
        known = self.maintenance
        if known is not None and (known.task_id == task_id or known.at_ms >= at_ms):
            return False
        self._maintained(machine_id=self.machine_id, factory_id=self.profile.factory_id,
                         task_id=task_id, at_ms=at_ms, by=by)
        return True

    @event("Maintained")
    def _maintained(self, machine_id: str, factory_id: str, task_id: str, at_ms: int,
                    by: str) -> None:
        self.maintenance = Maintenance(task_id, at_ms, by)
        self.health = None

    def learn_levels(self, off: float, idle: float, running: float, learnt_at: str) -> bool:
        """Keep levels the classifier learnt from the signal, so a restart need not warm up."""
        calibration = self.profile.calibration
        if calibration.levels_known:
            return False  # set by the factory, or learnt before
        learnt = replace(calibration, off_level_amperes=off, idle_level_amperes=idle,
                         running_level_amperes=running, learnt_at=learnt_at)
        return bool(self.update(replace(self.profile, calibration=learnt), ["calibration"]))


# ---- validation of profiles --------------------------------------------------------------

def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)


def validate_factory(p: FactoryProfile) -> FactoryProfile:
    """A factory profile checked and completed with defaults; InvalidArgument names every
    problem by its field path."""
    v = Violations()
    v.check(valid_id(p.factory_id), "factory_id", N_("must be 1-64 letters, digits, '-' or '_'"))
    name = (p.name or "").strip()
    v.check(0 < len(name) <= 200, "name", N_("must be 1-200 characters"))
    lat, lon = p.location.latitude, p.location.longitude
    v.check(_finite(lat) and -90 <= lat <= 90, "location.latitude", N_("must be from -90 to 90"))
    v.check(_finite(lon) and -180 <= lon <= 180, "location.longitude",
            N_("must be from -180 to 180"))
    share = p.capacity_share_percent
    v.check(_finite(share) and 0 <= share <= 100, "capacity_share_percent",
            N_("must be from 0 to 100"))
    grid = p.grid_emission_factor_kg_per_kwh
    v.check(_finite(grid) and 0 <= grid <= 5, "grid_emission_factor_kg_per_kwh",
            N_("must be from 0 to 5 kg CO2e per kWh"))
    tz = p.timezone or DEFAULT_TIMEZONE
    v.check(valid_zone(tz), "timezone", N_("must be an IANA zone such as Asia/Shanghai"))
    validate_calendar(v, p.shift_calendar)
    v.raise_if_any()
    return replace(p, name=name, capacity_share_percent=float(share),
                   grid_emission_factor_kg_per_kwh=float(grid), timezone=tz,
                   active=bool(p.active))


def validate_machine(p: MachineProfile) -> MachineProfile:
    """A machine profile checked and completed with defaults (a sensor kind from its type,
    calibration defaults); InvalidArgument names every problem by its field path."""
    v = Violations()
    v.check(valid_id(p.machine_id), "machine_id", N_("must be 1-64 letters, digits, '-' or '_'"))
    v.check(valid_id(p.factory_id), "factory_id", N_("must name a factory"))
    machine_type = p.machine_type
    v.check(machine_type in MACHINE_TYPES, "machine_type",
            N_("must be one of %(choices)s"), choices=', '.join(MACHINE_TYPES))
    speed = p.speed_factor or 1.0
    v.check(_finite(speed) and 0.1 <= speed <= 10, "speed_factor", N_("must be from 0.1 to 10"))
    power = p.rated_power_kw
    v.check(_finite(power) and 0 < power <= 5000, "rated_power_kw",
            N_("must be above 0 and at most 5000 kW"))
    kind = p.sensor_kind or ("cnc_controller" if machine_type in CNC_TYPES
                             else "current_sensor")
    v.check(kind in SENSOR_KINDS, "sensor_kind", N_("must be CNC_CONTROLLER or CURRENT_SENSOR"))
    batch = p.batch_capacity or 0
    v.check(isinstance(batch, int) and 0 <= batch <= 1000, "batch_capacity",
            N_("must be from 0 to 1000"))
    calibration = _calibration(v, p.calibration)
    name = (p.name or p.machine_id or "").strip()
    v.check(len(name) <= 200, "name", N_("must be at most 200 characters"))
    v.raise_if_any()
    return replace(p, name=name, speed_factor=float(speed), rated_power_kw=float(power),
                   sensor_kind=kind, calibration=calibration, batch_capacity=batch,
                   active=bool(p.active))


CALIBRATION_OPTIONAL = ("off_max_amperes", "idle_max_amperes", "overload_min_amperes",
                        "off_level_amperes", "idle_level_amperes", "running_level_amperes")


def _calibration(v: Violations, raw: SensorCalibration) -> SensorCalibration:
    unset = SensorCalibration()  # zero on the wire is unset: it takes the default
    c = replace(raw, current_scale=raw.current_scale or unset.current_scale,
                nominal_voltage_v=raw.nominal_voltage_v or unset.nominal_voltage_v,
                phases=raw.phases or unset.phases,
                default_power_factor=raw.default_power_factor or unset.default_power_factor)
    f = "calibration"
    v.check(_finite(c.current_scale) and 0 < c.current_scale <= 10_000,
            f"{f}.current_scale", N_("must be above 0"))
    v.check(_finite(c.nominal_voltage_v) and 0 < c.nominal_voltage_v <= 50_000,
            f"{f}.nominal_voltage_v", N_("must be above 0"))
    v.check(c.phases in (1, 3), f"{f}.phases", N_("must be 1 or 3"))
    v.check(_finite(c.default_power_factor) and 0 < c.default_power_factor <= 1,
            f"{f}.default_power_factor", N_("must be above 0 and at most 1"))
    for key in CALIBRATION_OPTIONAL:
        value = getattr(c, key)
        if value is not None:
            v.check(_finite(value) and value >= 0, f"{f}.{key}", N_("must be a current in A, ≥ 0"))
    off, idle, running = c.off_level_amperes, c.idle_level_amperes, c.running_level_amperes
    if off is not None or idle is not None or running is not None:
        v.check(off is not None and idle is not None and running is not None
                and off < idle < running, f"{f}.running_level_amperes",
                N_("levels go together and must rise: off < idle < running"))
    off_max, idle_max = c.off_max_amperes, c.idle_max_amperes
    if off_max is not None or idle_max is not None:
        v.check(off_max is not None and idle_max is not None and 2 * off_max < idle_max,
                f"{f}.idle_max_amperes",
                N_("off_max and idle_max go together; idle_max must exceed twice off_max"))
    if c.overload_min_amperes is not None and running is not None:
        v.check(c.overload_min_amperes > running, f"{f}.overload_min_amperes",
                N_("must lie above the running level"))
    return replace(c, learnt_at=c.learnt_at or "")
