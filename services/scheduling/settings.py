"""The scheduler's own settings, read from DOVETAIL_SCHEDULER_* once in the composition root."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.kit.settings import SettingsError
from services.scheduling.domain.partitions import Partition, PartitionSpecError, parse

# Minutes between two operations of different setup families on one machine of a type.
DEFAULT_SETUP_MINUTES = {"edge_bander": 10, "paint_line": 20}


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a number") from None


def _zone(env: Mapping[str, str], name: str) -> str:
    raw = env.get(name, "").strip()
    if raw:
        try:
            ZoneInfo(raw)
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingsError(f"{name}={raw!r} is not an IANA time zone (e.g. Asia/Shanghai)") from None
    return raw


@dataclass(frozen=True)
class SchedulerSettings:
    time_limit_s: float = 3.0  # a full plan (CP-SAT after the greedy dispatch)
    repair_time_limit_s: float = 2.0  # re-plan after a machine goes down
    workers: int = 1  # CP-SAT workers: the machine is shared with every other service
    debounce_s: float = 0.25  # arrivals within this window are planned together
    # ... but a steady stream never waits longer than this (arrivals also gather while a
    # pass runs: at 50 orders/s into 20,000, an insert pass takes about half a second)
    max_batch_wait_s: float = 1.0
    horizon_days: int = 14
    replan_interval_s: float = 60.0  # rolling re-plan when work has progressed or slipped
    optimise_after_s: float = 20.0  # new orders are slotted in at once; all re-optimised after
    # ... this long without arrivals, and at least this often while they keep coming
    optimise_max_wait_s: float = 300.0
    # The optimisation sweeps the plan a window of factories a round, arrivals slotted in
    # between rounds (planning/sweep.py): the solver's time in one round, and the operations
    # a window holds (a round holds arrivals well under a second at these; with 4,000 and
    # 0.5 s, rounds took 1.6 s on average in a pipeline run on a loaded box).
    optimise_round_s: float = 0.3
    optimise_window_operations: int = 2000
    slip_tolerance_s: float = 900.0  # unstarted work this late triggers the rolling re-plan
    at_risk_hours: float = 4.0  # planned to end within this of the promise: at risk
    simulate_time_limit_max_s: float = 10.0
    # IANA zone promised dates are given in (the tenant's); empty: the finishing factory's zone.
    time_zone: str = ""
    setup_minutes: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_SETUP_MINUTES))
    # Parts of the network planned side by side, each by one replica (see domain.partitions).
    partitions: tuple[Partition, ...] = field(default_factory=lambda: parse(""))
    # The chain leader's energy trade-off (issue 21): minutes of lateness a plan may take per
    # CNY of energy it saves; 0 (the default): never trade lateness for energy.
    lateness_minutes_per_cny: float = 0.0

    @property
    def at_risk_ms(self) -> int:
        return int(self.at_risk_hours * 3_600_000)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SchedulerSettings:
        env = os.environ if env is None else env
        d = cls()
        return cls(
            time_limit_s=_float(env, "DOVETAIL_SCHEDULER_TIME_LIMIT_S", d.time_limit_s),
            repair_time_limit_s=_float(env, "DOVETAIL_SCHEDULER_REPAIR_TIME_LIMIT_S",
                                       d.repair_time_limit_s),
            workers=int(_float(env, "DOVETAIL_SCHEDULER_WORKERS", d.workers)),
            debounce_s=_float(env, "DOVETAIL_SCHEDULER_DEBOUNCE_S", d.debounce_s),
            max_batch_wait_s=_float(env, "DOVETAIL_SCHEDULER_MAX_BATCH_WAIT_S", d.max_batch_wait_s),
            horizon_days=int(_float(env, "DOVETAIL_SCHEDULER_HORIZON_DAYS", d.horizon_days)),
            replan_interval_s=_float(env, "DOVETAIL_SCHEDULER_REPLAN_INTERVAL_S",
                                     d.replan_interval_s),
            optimise_after_s=_float(env, "DOVETAIL_SCHEDULER_OPTIMISE_AFTER_S", d.optimise_after_s),
            optimise_max_wait_s=_float(env, "DOVETAIL_SCHEDULER_OPTIMISE_MAX_WAIT_S",
                                       d.optimise_max_wait_s),
            optimise_round_s=_float(env, "DOVETAIL_SCHEDULER_OPTIMISE_ROUND_S", d.optimise_round_s),
            optimise_window_operations=int(_float(env, "DOVETAIL_SCHEDULER_OPTIMISE_WINDOW_OPERATIONS",
                                                  d.optimise_window_operations)),
            slip_tolerance_s=_float(env, "DOVETAIL_SCHEDULER_SLIP_TOLERANCE_S", d.slip_tolerance_s),
            at_risk_hours=_float(env, "DOVETAIL_SCHEDULER_AT_RISK_HOURS", d.at_risk_hours),
            time_zone=_zone(env, "DOVETAIL_TIME_ZONE"),
            partitions=_partitions(env, "DOVETAIL_SCHEDULER_PARTITIONS"),
            lateness_minutes_per_cny=_not_negative(env, "DOVETAIL_SCHEDULER_LATENESS_MINUTES_PER_CNY"),
        )


def _partitions(env: Mapping[str, str], name: str) -> tuple[Partition, ...]:
    try:
        return parse(env.get(name, ""))
    except PartitionSpecError as exc:
        raise SettingsError(f"{name}: {exc}") from None


def _not_negative(env: Mapping[str, str], name: str) -> float:
    value = _float(env, name, 0.0)
    if not value >= 0:
        raise SettingsError(f"{name}={env.get(name)!r} must be 0 (never trade lateness for "
                            "energy) or more minutes per CNY")
    return value
