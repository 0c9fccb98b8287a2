"""An intake with no servers behind it, knowing factory F1 (open around the clock) and machines
calibrated from their profile's levels: what the unit tests of the live picture start from."""

from __future__ import annotations

from dovetail_factory.signals.profiles import PROFILES
from services.iot.domain.calendar import ShiftCalendar, WeeklyShift
from services.iot.domain.profiles import FactoryProfile, MachineProfile, SensorCalibration
from services.iot.energy_ledger import EnergyLedger
from services.iot.intake import TelemetryIntake
from services.iot.settings import IotSettings

FACTORY = "F1"


def intake_with(machines: dict[str, str], rated_power_kw: float = 12.0,
                settings: IotSettings | None = None) -> TelemetryIntake:
    """`machines`: machine id → profile (its type and calibration levels)."""
    intake = TelemetryIntake(None, None, EnergyLedger(None), None, None,
                             settings or IotSettings())
    intake.factory_changed(FactoryProfile(FACTORY, timezone="Asia/Shanghai",
                                          shift_calendar=ShiftCalendar(weekly_shifts=tuple(
                                              WeeklyShift(weekday=d, start_minute=0,
                                                          end_minute=1440)
                                              for d in range(1, 8)))))
    for machine_id, kind in machines.items():
        p = PROFILES[kind]
        intake.machine_changed(MachineProfile(
            machine_id, FACTORY, machine_type=kind, sensor_kind="current_sensor",
            rated_power_kw=rated_power_kw, calibration=SensorCalibration(
                off_level_amperes=p.off_amps, idle_level_amperes=p.idle_amps,
                running_level_amperes=p.running_amps)))
    return intake
