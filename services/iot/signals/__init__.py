"""Pure signal analytics of the iot service: machine state from current, energy, OEE, liveness.

numpy only; no I/O. Modules:

- ``traces``: labelled synthetic current traces (profiles in ``profiles``, defects) for tests
- ``calibration``: per-machine levels learnt from the signal (EM on a log-current histogram)
- ``classifier``: ``MachineStateClassifier`` (streaming) and ``classify`` (batch)
- ``energy`` / ``attribution``: kWh, CO2e, energy split over orders
- ``oee``, ``liveness``, ``downtime``, ``history``, ``intervals``
"""

from services.iot.signals.attribution import (
    EnergyAttribution,
    IdleEnergyRule,
    OperationRun,
    attribute_energy,
)
from services.iot.signals.calibration import Calibration, learn_calibration
from services.iot.signals.classifier import (
    Classification,
    MachineStateClassifier,
    classify,
    labels_from_changes,
)
from services.iot.signals.downtime import (
    Downtime,
    DowntimeStats,
    downtime_stats,
    downtimes_from_changes,
    factory_downtime_stats,
    with_reason,
)
from services.iot.signals.energy import PowerSeries, Supply, co2e_kg
from services.iot.signals.history import StateSpan, seconds_in, state_spans
from services.iot.signals.intervals import Span
from services.iot.signals.liveness import (
    Availability,
    AvailabilityChange,
    LivenessPolicy,
    MachineLiveness,
    ShiftContext,
)
from services.iot.signals.oee import Oee, ProductionCount, combine, day_window, machine_oee
from services.iot.signals.states import (
    UNKNOWN,
    CalibrationError,
    InvalidInterval,
    InvalidSamples,
    MachineState,
    SignalError,
    StateChange,
)
from services.iot.signals.thresholds import ClassifierConfig

__all__ = [
    "UNKNOWN",
    "Availability",
    "AvailabilityChange",
    "Calibration",
    "CalibrationError",
    "Classification",
    "ClassifierConfig",
    "Downtime",
    "DowntimeStats",
    "EnergyAttribution",
    "IdleEnergyRule",
    "InvalidInterval",
    "InvalidSamples",
    "LivenessPolicy",
    "MachineLiveness",
    "MachineState",
    "MachineStateClassifier",
    "Oee",
    "OperationRun",
    "PowerSeries",
    "ProductionCount",
    "ShiftContext",
    "SignalError",
    "Span",
    "StateChange",
    "StateSpan",
    "Supply",
    "attribute_energy",
    "classify",
    "co2e_kg",
    "combine",
    "day_window",
    "downtime_stats",
    "downtimes_from_changes",
    "factory_downtime_stats",
    "labels_from_changes",
    "learn_calibration",
    "machine_oee",
    "seconds_in",
    "state_spans",
    "with_reason",
]
