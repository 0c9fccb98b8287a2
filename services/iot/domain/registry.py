"""The registry: factories and their machines, as event-sourced aggregates over plain profiles.

A profile is the whole description of a factory or machine as plain data; every event carries the
whole profile after it, so the integration events (FactoryUpdated, MachineUpdated) can say what the
thing looks like now without reading anything else.
"""

from __future__ import annotations

import math
import uuid
from typing import Any

from eventsourcing.domain import Aggregate, event

from services.iot.domain.calendar import valid_zone, validate_calendar
from services.iot.domain.values import (
    CNC_TYPES,
    MACHINE_TYPES,
    SENSOR_KINDS,
    stable_id,
    valid_id,
)
from services.kit.errors import Violations

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


class Factory(Aggregate):
    @staticmethod
    def create_id(factory_id: str, profile: dict[str, Any]) -> uuid.UUID:
        return factory_key(factory_id)

    @event("Registered")
    def __init__(self, factory_id: str, profile: dict[str, Any]):
        self.factory_id = factory_id
        self.profile = profile

    def update(self, profile: dict[str, Any], fields: list[str]) -> list[str]:
        """Record the fields of ``profile`` that differ; say which changed."""
        changed = [f for f in fields if self.profile.get(f) != profile.get(f)]
        if changed:
            self._updated(profile={**self.profile, **{f: profile[f] for f in changed}},
                          changed_fields=changed)
        return changed

    @event("Updated")
    def _updated(self, profile: dict[str, Any], changed_fields: list[str]) -> None:
        self.profile = profile

    @property
    def active(self) -> bool:
        return bool(self.profile.get("active", True))


class Machine(Aggregate):
    @staticmethod
    def create_id(machine_id: str, profile: dict[str, Any]) -> uuid.UUID:
        return machine_key(machine_id)

    @event("Registered")
    def __init__(self, machine_id: str, profile: dict[str, Any]):
        self.machine_id = machine_id
        self.profile = profile

    def update(self, profile: dict[str, Any], fields: list[str]) -> list[str]:
        changed = [f for f in fields if self.profile.get(f) != profile.get(f)]
        if changed:
            self._updated(profile={**self.profile, **{f: profile[f] for f in changed}},
                          changed_fields=changed)
        return changed

    @event("Updated")
    def _updated(self, profile: dict[str, Any], changed_fields: list[str]) -> None:
        self.profile = profile

    @property
    def factory_id(self) -> str:
        return self.profile["factory_id"]

    def learn_levels(self, off: float, idle: float, running: float, learnt_at: str) -> bool:
        """Keep levels the classifier learnt from the signal, so a restart need not warm up."""
        calibration = dict(self.profile["calibration"])
        if calibration.get("running_level_amperes") is not None:
            return False  # set by the factory, or learnt before
        calibration.update(off_level_amperes=off, idle_level_amperes=idle,
                           running_level_amperes=running, learnt_at=learnt_at)
        return bool(self.update({**self.profile, "calibration": calibration}, ["calibration"]))


# ---- validation of profiles --------------------------------------------------------------

def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)


def validate_factory(p: dict[str, Any]) -> dict[str, Any]:
    """A factory profile checked and completed with defaults; InvalidArgument lists problems."""
    v = Violations()
    v.check(valid_id(p.get("factory_id", "")), "factory_id",
            "must be 1-64 letters, digits, '-' or '_'")
    name = (p.get("name") or "").strip()
    v.check(0 < len(name) <= 200, "name", "must be 1-200 characters")
    location = p.get("location") or {}
    lat, lon = location.get("latitude", 0.0), location.get("longitude", 0.0)
    v.check(_finite(lat) and -90 <= lat <= 90, "location.latitude", "must be from -90 to 90")
    v.check(_finite(lon) and -180 <= lon <= 180, "location.longitude", "must be from -180 to 180")
    share = p.get("capacity_share_percent", 0.0)
    v.check(_finite(share) and 0 <= share <= 100, "capacity_share_percent",
            "must be from 0 to 100")
    grid = p.get("grid_emission_factor_kg_per_kwh", 0.0)
    v.check(_finite(grid) and 0 <= grid <= 5, "grid_emission_factor_kg_per_kwh",
            "must be from 0 to 5 kg CO2e per kWh")
    tz = p.get("timezone") or DEFAULT_TIMEZONE
    v.check(valid_zone(tz), "timezone", "must be an IANA zone such as Asia/Shanghai")
    calendar = p.get("shift_calendar") or {}
    validate_calendar(v, calendar)
    v.raise_if_any()
    return {"factory_id": p["factory_id"], "name": name, "location": location,
            "capacity_share_percent": float(share), "shift_calendar": {
                "weekly_shifts": calendar.get("weekly_shifts", []),
                "exceptions": calendar.get("exceptions", [])},
            "grid_emission_factor_kg_per_kwh": float(grid), "timezone": tz,
            "active": bool(p.get("active", True))}


CALIBRATION_DEFAULTS = {"current_scale": 1.0, "nominal_voltage_v": 400.0, "phases": 3,
                        "default_power_factor": 0.85}
CALIBRATION_OPTIONAL = ("off_max_amperes", "idle_max_amperes", "overload_min_amperes",
                        "off_level_amperes", "idle_level_amperes", "running_level_amperes")


def validate_machine(p: dict[str, Any]) -> dict[str, Any]:
    """A machine profile checked and completed with defaults."""
    v = Violations()
    v.check(valid_id(p.get("machine_id", "")), "machine_id",
            "must be 1-64 letters, digits, '-' or '_'")
    v.check(valid_id(p.get("factory_id", "")), "factory_id", "must name a factory")
    machine_type = p.get("machine_type", "")
    v.check(machine_type in MACHINE_TYPES, "machine_type",
            f"must be one of {', '.join(MACHINE_TYPES)}")
    speed = p.get("speed_factor") or 1.0
    v.check(_finite(speed) and 0.1 <= speed <= 10, "speed_factor", "must be from 0.1 to 10")
    power = p.get("rated_power_kw", 0.0)
    v.check(_finite(power) and 0 < power <= 5000, "rated_power_kw",
            "must be above 0 and at most 5000 kW")
    kind = p.get("sensor_kind") or ("cnc_controller" if machine_type in CNC_TYPES
                                    else "current_sensor")
    v.check(kind in SENSOR_KINDS, "sensor_kind", "must be CNC_CONTROLLER or CURRENT_SENSOR")
    batch = p.get("batch_capacity", 0) or 0
    v.check(isinstance(batch, int) and 0 <= batch <= 1000, "batch_capacity",
            "must be from 0 to 1000")
    calibration = _calibration(v, p.get("calibration") or {})
    name = (p.get("name") or p.get("machine_id") or "").strip()
    v.check(len(name) <= 200, "name", "must be at most 200 characters")
    v.raise_if_any()
    return {"machine_id": p["machine_id"], "factory_id": p["factory_id"], "name": name,
            "machine_type": machine_type, "speed_factor": float(speed),
            "rated_power_kw": float(power), "sensor_kind": kind, "calibration": calibration,
            "batch_capacity": batch, "active": bool(p.get("active", True))}


def _calibration(v: Violations, raw: dict[str, Any]) -> dict[str, Any]:
    c = {k: (raw.get(k) or d) for k, d in CALIBRATION_DEFAULTS.items()}
    f = "calibration"
    v.check(_finite(c["current_scale"]) and 0 < c["current_scale"] <= 10_000,
            f"{f}.current_scale", "must be above 0")
    v.check(_finite(c["nominal_voltage_v"]) and 0 < c["nominal_voltage_v"] <= 50_000,
            f"{f}.nominal_voltage_v", "must be above 0")
    v.check(c["phases"] in (1, 3), f"{f}.phases", "must be 1 or 3")
    v.check(_finite(c["default_power_factor"]) and 0 < c["default_power_factor"] <= 1,
            f"{f}.default_power_factor", "must be above 0 and at most 1")
    for key in CALIBRATION_OPTIONAL:
        value = raw.get(key)
        c[key] = None if value is None else value
        if value is not None:
            v.check(_finite(value) and value >= 0, f"{f}.{key}", "must be a current in A, ≥ 0")
    levels = [c["off_level_amperes"], c["idle_level_amperes"], c["running_level_amperes"]]
    if any(x is not None for x in levels):
        v.check(all(x is not None for x in levels) and levels[0] < levels[1] < levels[2],
                f"{f}.running_level_amperes",
                "levels go together and must rise: off < idle < running")
    thresholds = [c["off_max_amperes"], c["idle_max_amperes"]]
    if any(x is not None for x in thresholds):
        v.check(all(x is not None for x in thresholds) and 2 * thresholds[0] < thresholds[1],
                f"{f}.idle_max_amperes",
                "off_max and idle_max go together; idle_max must exceed twice off_max")
    if c["overload_min_amperes"] is not None and levels[2] is not None:
        v.check(c["overload_min_amperes"] > levels[2], f"{f}.overload_min_amperes",
                "must lie above the running level")
    c["learnt_at"] = raw.get("learnt_at") or ""
    return c

