"""What a factory and a machine are, as frozen values: the profiles the registry records.

A profile is the whole description of a factory or machine; every registry event carries the
whole profile after it. Profiles turn into plain data (JSON objects of their fields) and back:
that plain shape is how they are stored in events (a transcoding) and in the read models, and it
is the shape the registry's events had when profiles were dicts, so old events read as new.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from services.iot.domain.calendar import ShiftCalendar


@dataclass(frozen=True)
class Address:
    line1: str = ""
    line2: str = ""
    city: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = ""


@dataclass(frozen=True)
class Location:
    latitude: float = 0.0
    longitude: float = 0.0
    address: Address = field(default_factory=Address)


@dataclass(frozen=True)
class FactoryProfile:
    factory_id: str
    name: str = ""
    location: Location = field(default_factory=Location)
    capacity_share_percent: float = 0.0  # of its capacity offered to the chain
    shift_calendar: ShiftCalendar = field(default_factory=ShiftCalendar)
    grid_emission_factor_kg_per_kwh: float = 0.0
    timezone: str = ""  # IANA; a registered factory always has one (UTC by default)
    active: bool = True
    registered_at: str = ""  # ISO 8601


@dataclass(frozen=True)
class SensorCalibration:
    """How a current sensor's readings become amperes and watts, and the levels (or thresholds)
    the classifier uses; levels left None are learnt from the signal (``learnt_at`` says when)."""

    current_scale: float = 1.0
    nominal_voltage_v: float = 400.0
    phases: int = 3
    default_power_factor: float = 0.85
    off_max_amperes: float | None = None
    idle_max_amperes: float | None = None
    overload_min_amperes: float | None = None
    off_level_amperes: float | None = None
    idle_level_amperes: float | None = None
    running_level_amperes: float | None = None
    learnt_at: str = ""

    @property
    def levels_known(self) -> bool:
        return self.running_level_amperes is not None


@dataclass(frozen=True)
class MachineProfile:
    machine_id: str
    factory_id: str
    name: str = ""
    machine_type: str = ""
    speed_factor: float = 1.0
    rated_power_kw: float = 0.0
    sensor_kind: str = ""  # cnc_controller | current_sensor
    calibration: SensorCalibration = field(default_factory=SensorCalibration)
    batch_capacity: int = 0
    active: bool = True
    registered_at: str = ""  # ISO 8601

    @property
    def cnc(self) -> bool:
        return self.sensor_kind == "cnc_controller"
