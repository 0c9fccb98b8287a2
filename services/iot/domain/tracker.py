"""One machine's live picture, kept in memory from its telemetry (pure: no I/O, time passed in).

A tracker screens samples, feeds the current classifier (or takes a CNC controller's states),
integrates energy into minute buckets, keeps liveness, and turns all that into one live state.
It returns only real changes of that state (``Transition``); samples are never recorded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from services.iot.domain.profiles import MachineProfile, SensorCalibration
from services.iot.domain.telemetry import IntakeLimits, Refusals, Rejection, screen
from services.iot.domain.values import UNAVAILABLE, LiveState
from services.iot.signals import (
    Availability,
    AvailabilityChange,
    Calibration,
    CalibrationError,
    LivenessPolicy,
    MachineLiveness,
    MachineState,
    MachineStateClassifier,
    ShiftContext,
    SignalError,
    Supply,
)
from services.iot.signals.energy import JOULES_PER_KWH
from services.iot.signals.wear import MachineHealth
from services.iot.signals.wear_capture import MachineWear, WearClock
from services.kit.words import N_, Words

# Why a machine's live state changed, as words people read (services/kit/words.py): the
# gateway says them in the reader's language; `english()` is what machines read.
NO_TELEMETRY = Words(N_("no telemetry yet"))
RECORDED = Words(N_("recorded"))
CLASSIFIED = Words(N_("current classified"))
CONTROLLER_STATE = Words(N_("controller state"))
RESUMED = Words(N_("telemetry resumed"))
WORKING_AGAIN = Words(N_("working again"))
SILENT = N_("silent for more than %(seconds)s s")
NO_CURRENT = N_("no current for %(seconds)s s in shift with work")
CONTROLLER_ALARM = N_("controller alarm %(alarm)s")

MINUTE_MS = 60_000
MAX_GAP_S = 10.0  # no energy is integrated across a longer silence
RECENT_BATCHES = 256
# Estimated share of rated power by state, for CNC machines that do not report their power.
CNC_POWER_SHARE = {LiveState.OFF: 0.0, LiveState.IDLE: 0.25, LiveState.RUNNING: 0.8,
                   LiveState.OVERLOAD: 1.05, LiveState.DOWN: 0.0}
SIGNAL_STATES = {s.name: s for s in MachineState}


@dataclass(frozen=True)
class MachineInfo:
    """What the tracker needs to know about a registered machine."""

    machine_id: str
    factory_id: str
    machine_type: str
    cnc: bool
    rated_power_kw: float
    volts: float
    power_factor: float
    three_phase: bool
    current_scale: float
    calibration: Calibration | None
    active: bool = True

    @classmethod
    def from_profile(cls, p: MachineProfile) -> MachineInfo:
        c = p.calibration
        return cls(p.machine_id, p.factory_id, p.machine_type, p.cnc, p.rated_power_kw,
                   c.nominal_voltage_v, c.default_power_factor, c.phases == 3,
                   c.current_scale, calibration_from(c), p.active)

    @property
    def rated_amps(self) -> float:
        phases = math.sqrt(3.0) if self.three_phase else 1.0
        return self.rated_power_kw * 1000.0 / (phases * self.volts * self.power_factor)


def calibration_from(c: SensorCalibration) -> Calibration | None:
    """The classifier calibration a profile fixes: levels if set, else thresholds turned into
    levels (OFF at 0 A, each threshold halfway between its levels), else None (learn it)."""
    overload = c.overload_min_amperes
    levels: tuple[float, float, float]
    if (c.off_level_amperes is not None and c.idle_level_amperes is not None
            and c.running_level_amperes is not None):
        levels = (c.off_level_amperes, c.idle_level_amperes, c.running_level_amperes)
    elif c.off_max_amperes is not None and c.idle_max_amperes is not None:
        idle = 2.0 * c.off_max_amperes
        levels = (0.0, idle, 2.0 * c.idle_max_amperes - idle)
    else:
        return None
    try:
        return Calibration.from_levels(*levels, overload_amps=overload if (
            overload is not None and overload > levels[2]) else None)
    except CalibrationError:
        return None


@dataclass(frozen=True)
class Transition:
    """The machine's live state changed (the one thing recorded)."""

    machine_id: str
    factory_id: str
    machine_type: str
    from_state: LiveState
    to_state: LiveState
    at_ms: int
    reason: Words
    planned: bool = False


@dataclass
class Outcome:
    accepted: int = 0
    refusals: Refusals = field(default_factory=Refusals)
    transitions: list[Transition] = field(default_factory=list)
    energy_kwh: dict[int, float] = field(default_factory=dict)  # minute start (ms) → kWh
    learnt: Calibration | None = None
    parts: int = 0
    health: MachineHealth | None = None  # a wear window closed (issue 22)


class MachineTracker:
    def __init__(self, info: MachineInfo, policy: LivenessPolicy, limits: IntakeLimits,
                 restored: LiveState = LiveState.UNSPECIFIED, restored_since_ms: int = 0,
                 now: float = 0.0, wear: WearClock | None = None):
        self.info = info
        self.policy = policy
        self.limits = limits
        self._supply = Supply(info.volts, info.power_factor, info.three_phase)
        self.classifier = None if info.cnc else MachineStateClassifier(
            info.machine_id, info.calibration, rated_amps=info.rated_amps)
        self.liveness = MachineLiveness(info.machine_id, policy)
        # the wear watch of a current-sensed machine: its classified samples, window by window
        self.wear = MachineWear(info.machine_id, wear) if wear and not info.cnc else None
        self.live, self.since_ms = restored, restored_since_ms
        self.signal: LiveState | None = None
        self.alarm = ""
        self.last_ms: int | None = None
        self._power: tuple[float, float] | None = None  # last (t s, W), for energy
        self._batch_ring: bytearray | None = None  # hashes of recent batch ids
        self._batch_next = self._batch_count = 0
        self._learnt_reported = info.calibration is not None
        self.amps = 0.0
        self.power_kw = 0.0
        self.last_sample_ms = 0
        self.planned_stop = False
        self.reason = NO_TELEMETRY if restored == LiveState.UNSPECIFIED else RECORDED
        self._restore(restored, restored_since_ms / 1000.0, now)

    def _restore(self, state: LiveState, since: float, now: float) -> None:
        """Carry the recorded state over a restart: silence after it still turns OFFLINE."""
        if state in (LiveState.UNSPECIFIED, LiveState.OFFLINE):
            return
        self.liveness.last_heard = now
        if state == LiveState.DOWN:
            self.liveness.availability = Availability.DOWN
            self.liveness.state, self.liveness.state_since = MachineState.OFF, since
            return
        self.liveness.availability = Availability.AVAILABLE
        self.signal = state
        self.liveness.state, self.liveness.state_since = SIGNAL_STATES[state.value], since

    def update_info(self, info: MachineInfo) -> None:
        """Registry changes: a new calibration restarts the classifier on it."""
        recalibrate = info.calibration != self.info.calibration and info.calibration is not None
        self.info = info
        self._supply = Supply(info.volts, info.power_factor, info.three_phase)
        if recalibrate and self.classifier is not None and not self._learnt_reported_by_us(info):
            self.classifier = MachineStateClassifier(info.machine_id, info.calibration,
                                                     rated_amps=info.rated_amps)
        self._learnt_reported = self._learnt_reported or info.calibration is not None

    def _learnt_reported_by_us(self, info: MachineInfo) -> bool:
        current = self.classifier.calibration if self.classifier is not None else None
        return current is not None and info.calibration is not None and np.allclose(
            current.levels, info.calibration.levels)

    # ---- intake ------------------------------------------------------------------------

    def seen_batch(self, batch_id: str) -> bool:
        """Remember a batch id; True if it was among the last ``RECENT_BATCHES`` (a repeat).

        Kept as 64-bit hashes in a 2 kB ring of bytes searched in C: the ids themselves (32
        characters from the SDK) in a set took ~30 kB per machine, half a gigabyte at 16,000
        machines. A hash found across two slots would need a 64-bit coincidence."""
        if not batch_id:
            return False
        key = hash(batch_id).to_bytes(8, "little", signed=True)
        ring = self._batch_ring
        if ring is None:
            ring = self._batch_ring = bytearray(8 * RECENT_BATCHES)
        elif ring.find(key, 0, 8 * self._batch_count) >= 0:
            return True
        at = 8 * self._batch_next
        ring[at:at + 8] = key
        self._batch_next = (self._batch_next + 1) % RECENT_BATCHES
        self._batch_count = min(self._batch_count + 1, RECENT_BATCHES)
        return False

    def take_current(self, ts_ms: np.ndarray, amps: np.ndarray, volts: np.ndarray,
                     pf: np.ndarray, now: float, ctx: ShiftContext) -> Outcome:
        out = Outcome()
        if self.info.cnc:
            out.refusals.add(Rejection.WRONG_SENSOR_KIND, ts_ms.size,
                             f"{self.info.machine_id} is a CNC machine: send state reports, "
                             "not current samples")
            return out
        valid = (amps >= 0) & (amps < 1e6)  # NaN and infinities fail these too
        sent_v, sent_pf = bool(volts.any()), bool(pf.any())
        if sent_v:
            valid &= (volts >= 0) & (volts < 1e6)
        if sent_pf:
            valid &= (pf >= 0) & (pf <= 1)
        keep = screen(self.info.machine_id, ts_ms, valid, self.last_ms, int(now * 1000),
                      self.limits, out.refusals)
        if not keep.any():
            return out
        if not keep.all():
            ts_ms, amps, volts, pf = ts_ms[keep], amps[keep], volts[keep], pf[keep]
        t_ms, x = ts_ms, amps * self.info.current_scale if self.info.current_scale != 1 else amps
        v = np.where(volts > 0, volts, self.info.volts) if sent_v else None
        p = np.where(pf > 0, pf, self.info.power_factor) if sent_pf else None
        t = t_ms / 1000.0
        assert self.classifier is not None
        before = self.classifier.state
        try:
            changes = self.classifier.feed(t, x)
        except SignalError as exc:
            out.refusals.add(Rejection.INVALID_VALUE, int(t.size), f"{self.info.machine_id}: {exc}")
            return out
        if self.wear is not None and self.wear.wants(float(t[-1])):
            self._watch_wear(t, x, before, changes, out)
        out.accepted = int(t.size)
        self._took(t_ms, now)
        self._wake(out, now, int(t_ms[0]), ctx)
        watts = self._supply.watts(x, v, p)
        self._integrate(t, watts, out)
        self.amps, self.power_kw = float(x[-1]), float(watts[-1]) / 1000.0
        for change in changes:
            self.signal = LiveState(change.state.name)
            self._emit(out, int(change.at * 1000), CLASSIFIED)
        self._heard(now)
        self._after_batch(out, now, ctx)
        return out

    def take_sample(self, ts_ms: int, amps: float, volts: float, pf: float, now: float,
                    ctx: ShiftContext) -> Outcome:
        """``take_current`` of one sample (live telemetry: one sample per machine per message),
        in plain floats; a sample that is not plainly good goes through ``take_current``, which
        screens it and words the refusal."""
        limits, now_ms = self.limits, int(now * 1000)
        if (self.info.cnc or self.classifier is None or not 0.0 <= amps < 1e6
                or not 0.0 <= volts < 1e6 or not 0.0 <= pf <= 1.0
                or (self.last_ms is not None and ts_ms <= self.last_ms)
                or ts_ms < now_ms - limits.max_age_ms
                or ts_ms > now_ms + limits.future_tolerance_ms):
            return self.take_current(np.array([ts_ms], dtype=np.int64), np.array([amps]),
                                     np.array([volts]), np.array([pf]), now, ctx)
        out = Outcome()
        info = self.info
        x = amps * info.current_scale if info.current_scale != 1 else amps
        t = ts_ms / 1000.0
        try:
            changes = self.classifier.feed_one(t, x)
        except SignalError as exc:
            out.refusals.add(Rejection.INVALID_VALUE, 1, f"{info.machine_id}: {exc}")
            return out
        out.accepted = 1
        if self.wear is not None:
            state = self.classifier.state
            out.health = self.wear.take(t, x, -1 if state is None else state)
        self.last_ms = self.last_sample_ms = ts_ms
        self._wake(out, now, ts_ms, ctx)
        supply = self._supply
        watts = (math.sqrt(3.0) if supply.three_phase else 1.0) * (
            volts if volts > 0 else supply.volts) * (pf if pf > 0 else supply.power_factor) * x
        prev = self._power
        if prev is not None and t - prev[0] <= MAX_GAP_S:
            self._segment(prev[0], prev[1], t, watts, out.energy_kwh)
        self._power = (t, watts)
        self.amps, self.power_kw = x, watts / 1000.0
        for change in changes:
            self.signal = LiveState(change.state.name)
            self._emit(out, int(change.at * 1000), CLASSIFIED)
        self._heard(now)
        self._after_batch(out, now, ctx)
        return out

    def take_states(self, ts_ms: np.ndarray, states: list[str], power_kw: np.ndarray,
                    alarms: list[str], parts: np.ndarray, now: float,
                    ctx: ShiftContext) -> Outcome:
        out = Outcome()
        if not self.info.cnc:
            out.refusals.add(Rejection.WRONG_SENSOR_KIND, ts_ms.size,
                             f"{self.info.machine_id} carries a current sensor: send current "
                             "samples, not controller states")
            return out
        valid = np.array([s in CNC_POWER_SHARE for s in states], dtype=bool)
        valid &= np.isfinite(power_kw) & (power_kw >= 0)
        keep = screen(self.info.machine_id, ts_ms, valid, self.last_ms, int(now * 1000),
                      self.limits, out.refusals)
        if not keep.any():
            return out
        idx = np.flatnonzero(keep)
        out.accepted = int(idx.size)
        t_ms = ts_ms[idx]
        self._took(t_ms, now)
        self._wake(out, now, int(t_ms[0]), ctx)
        kw = np.array([power_kw[i] if power_kw[i] > 0 else
                       CNC_POWER_SHARE[LiveState(states[i])] * self.info.rated_power_kw
                       for i in idx.tolist()])
        self._integrate(t_ms / 1000.0, kw * 1000.0, out)
        self.power_kw = float(kw[-1])
        for i in idx.tolist():
            state = LiveState(states[i])
            alarm = (alarms[i] or N_("controller reports DOWN")) if state == LiveState.DOWN else ""
            signal = LiveState.OFF if state == LiveState.DOWN else state
            if signal != self.signal or alarm != self.alarm:
                self.signal, self.alarm = signal, alarm
                self._emit(out, int(ts_ms[i]), Words.of(CONTROLLER_ALARM, alarm=alarm) if alarm
                           else CONTROLLER_STATE)
        out.parts = int(parts[idx].max(initial=0))
        self._heard(now)
        self._after_batch(out, now, ctx)
        return out

    def _watch_wear(self, t: np.ndarray, x: np.ndarray, before: MachineState | None,
                    changes: list, out: Outcome) -> None:
        """A batch's samples to the wear watch, each labelled with the state it was classified
        in (the state before the batch, then each change from its onset)."""
        assert self.wear is not None
        labels = np.full(t.size, -1 if before is None else int(before), dtype=np.int8)
        for change in changes:
            labels[t >= change.at] = int(change.state)
        out.health = self.wear.take_many(t, x, labels)

    def _took(self, t_ms: np.ndarray, now: float) -> None:
        self.last_ms = int(t_ms[-1])
        self.last_sample_ms = self.last_ms

    def _wake(self, out: Outcome, now: float, first_ms: int, ctx: ShiftContext) -> None:
        """A silent (or never heard) machine speaks: it is back from its first new sample, in the
        state it was in, before this batch's own changes are dated."""
        if self.liveness.last_heard is not None and (
                self.liveness.availability != Availability.OFFLINE):
            return
        self.liveness.heard(now)
        if self.liveness.evaluate(now, ctx) is not None:
            self._emit(out, first_ms, RESUMED)

    def _heard(self, now: float) -> None:
        state = None if self.signal is None else SIGNAL_STATES[self.signal.value]
        since = None
        if self.classifier is not None and self.classifier.state_since is not None:
            since = self.classifier.state_since
        self.liveness.heard(now, state, since)

    def _after_batch(self, out: Outcome, now: float, ctx: ShiftContext) -> None:
        out.transitions += self.evaluate(now, ctx)
        if (not self._learnt_reported and self.classifier is not None
                and self.classifier.calibration is not None
                and self.classifier.calibration.complete):
            out.learnt = self.classifier.calibration
            self._learnt_reported = True

    def _integrate(self, t: np.ndarray, watts: np.ndarray, out: Outcome) -> None:
        """Trapezoid rule (as signals.PowerSeries), split exactly at minute edges, in plain
        floats: batches are small and numpy's per-call cost would dominate."""
        prev = self._power
        if (prev is not None and t.size > 1 and math.floor(prev[0] / 60.0) == math.floor(
                float(t[-1]) / 60.0) and float(t[0]) - prev[0] <= MAX_GAP_S):
            dt = np.diff(t)
            if float(dt.max()) <= MAX_GAP_S:  # one minute, no gap: one vectorised sum
                key = math.floor(prev[0] / 60.0) * MINUTE_MS
                joules = 0.5 * (prev[1] + float(watts[0])) * (float(t[0]) - prev[0]) + float(
                    (0.5 * (watts[1:] + watts[:-1]) * dt).sum())
                out.energy_kwh[key] = out.energy_kwh.get(key, 0.0) + joules / JOULES_PER_KWH
                self._power = (float(t[-1]), float(watts[-1]))
                return
        for t1, w1 in zip(t.tolist(), watts.tolist(), strict=True):
            if prev is not None and t1 - prev[0] <= MAX_GAP_S:
                self._segment(prev[0], prev[1], t1, w1, out.energy_kwh)
            prev = (t1, w1)
        self._power = prev

    @staticmethod
    def _segment(t0: float, w0: float, t1: float, w1: float, kwh: dict[int, float]) -> None:
        a, wa = t0, w0
        while True:
            minute = math.floor(a / 60.0)
            edge = (minute + 1) * 60.0
            key = minute * MINUTE_MS
            if edge >= t1:
                kwh[key] = kwh.get(key, 0.0) + 0.5 * (wa + w1) * (t1 - a) / JOULES_PER_KWH
                return
            we = w0 + (w1 - w0) * (edge - t0) / (t1 - t0)
            kwh[key] = kwh.get(key, 0.0) + 0.5 * (wa + we) * (edge - a) / JOULES_PER_KWH
            a, wa = edge, we

    # ---- live state --------------------------------------------------------------------

    def evaluate(self, now: float, ctx: ShiftContext) -> list[Transition]:
        """Liveness at ``now`` (called after every batch and by the service's timer)."""
        self.planned_stop = ctx.planned_stop
        if self.liveness.last_heard is None:
            return []
        change = self.liveness.evaluate(now, ctx)
        if change is None:
            return []
        out = Outcome()
        self._emit(out, int(change.at * 1000), self._availability_reason(change))
        return out.transitions

    def _availability_reason(self, change: AvailabilityChange) -> Words:
        """Why availability changed, with the policy's seconds as an argument (a number)."""
        if change.availability == Availability.OFFLINE:
            return Words.of(SILENT, seconds=f"{self.policy.offline_after_s:g}")
        if change.availability == Availability.DOWN:
            return Words.of(NO_CURRENT, seconds=f"{self.policy.down_grace_s:g}")
        return RESUMED if change.previous == Availability.OFFLINE else WORKING_AGAIN

    def public_state(self) -> LiveState:
        if self.liveness.last_heard is None:
            return self.live
        availability = self.liveness.availability
        if availability == Availability.OFFLINE:
            return LiveState.OFFLINE
        if availability == Availability.DOWN or self.alarm:
            return LiveState.DOWN
        return self.signal or LiveState.UNSPECIFIED

    def _emit(self, out: Outcome, at_ms: int, reason: Words) -> None:
        new = self.public_state()
        if new == self.live:
            return
        at_ms = max(at_ms, self.since_ms)
        out.transitions.append(Transition(
            self.info.machine_id, self.info.factory_id, self.info.machine_type, self.live, new,
            at_ms, reason, planned=self.planned_stop and new in UNAVAILABLE))
        self.live, self.since_ms, self.reason = new, at_ms, reason
