"""Telemetry intake: the live picture of every machine, kept in memory, fed in batches.

Samples arrive over gRPC (StreamTelemetry) or NATS (`dovetail.telemetry.<factory>.<machine>`,
captured for replay by the limits-based stream DOVETAIL_TELEMETRY). NATS messages are taken a
loop turn's worth at a time (`take_messages`, at most `TURN_MESSAGES`), then the event loop goes
to the other jobs: a backlog of telemetry never holds back the jobs that save, relay and publish
state changes. Each batch is screened and fed to its machine's tracker; what comes out is small:
live-state changes (saved as events by a writer task, in batches), energy per minute (upserted
in batches), and the live status (a JetStream key-value bucket, `<factory>.<machine>`). A timer
evaluates liveness (OFFLINE, DOWN) of the machines not heard since its last turn.

Telemetry is best-effort by design: a state change detected in memory but not yet saved when the
process dies is detected again from the next samples; energy of the last second may be lost.
One intake replica owns a machine's stream: its classifier state lives here.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import itertools
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

import numpy as np
from google.protobuf import timestamp_pb2
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import KeyValueConfig, StorageType
from nats.js.errors import BucketNotFoundError, NotFoundError
from nats.js.kv import KeyValue
from prometheus_client import Counter, Gauge

from dovetail.iot.v1 import iot_service_pb2 as pb
from services.iot import wire as mapping
from services.iot.application import IotApplication
from services.iot.domain.calendar import shift_spans
from services.iot.domain.errors import FactoryNotRegistered, MachineNotRegistered
from services.iot.domain.health import HealthAssessment, assessment_of
from services.iot.domain.profiles import FactoryProfile, MachineProfile
from services.iot.domain.telemetry import IntakeLimits, Refusals, Rejection
from services.iot.domain.tracker import MachineInfo, MachineTracker, Outcome, Transition
from services.iot.domain.values import LiveState, valid_id
from services.iot.energy_ledger import EnergyLedger
from services.iot.settings import IotSettings
from services.iot.signals import LivenessPolicy, ShiftContext
from services.iot.views import IotViews
from services.kit.jetstream import TELEMETRY_SUBJECTS, publish_acked
from services.kit.words import Words

log = logging.getLogger("dovetail.iot.intake")

STATUS_BUCKET = "machine_status"
STATUS_BUCKET_BYTES = 256 << 20  # ~150 B a machine: room for far more than one fleet
QUEUE_GROUP = "iot-telemetry"
UNKNOWN_TTL_S = 5.0
# Telemetry messages taken per loop turn (~15 ms of work at one sample a message); then the
# state-change writer, the relay and the status job get the loop.
TURN_MESSAGES = 1000
# Messages held for the intake beyond this are dropped (telemetry is best-effort; a sender that
# asked for a summary gets none and resends).
INBOX_LIMIT = 500_000
SWEEP_CHUNK = 2000  # trackers looked at by the liveness timer between two loop turns
PUT_TIMEOUT_S = 5.0  # for the acks of a round of status puts
# State changes saved in one transaction at most: a fleet's backlog (40,000 changes after a
# burst) goes in transactions short enough to finish under load, each published as it commits.
WRITER_BATCH = 2000
SHIFT_LOOKAHEAD_S = 3600.0  # a factory's shift state is worked out this far ahead at most

SAMPLES = Counter("dovetail_iot_telemetry_samples_total", "Telemetry samples by outcome",
                  ["outcome"])
REJECTED = Counter("dovetail_iot_telemetry_rejected_total", "Refused telemetry samples",
                   ["reason"])
ACCEPTED = SAMPLES.labels("accepted")
STATE_CHANGES = Counter("dovetail_iot_state_changes_total", "Live-state changes", ["to_state"])
CHANGES_WAITING = Gauge("dovetail_iot_state_changes_waiting",
                        "Live-state changes detected and not yet handed to the writer")
DROPPED = Counter("dovetail_iot_telemetry_messages_dropped_total",
                  "Telemetry messages dropped: more were waiting than the intake holds")

# Every context a machine can be in (frozen values: one of each serves all machines).
_CONTEXTS = {(working, planned): ShiftContext(in_shift=working, has_work=working,
                                              planned_stop=planned)
             for working in (False, True) for planned in (False, True)}


@functools.lru_cache(maxsize=1024)
def _reason_bytes(reason: Words) -> bytes:
    """A live status's reason and its words, serialized (TelemetryIntake.status_bytes)."""
    english, words = mapping.reason_to_pb(reason)
    return pb.MachineStatus(reason=english, reason_words=words).SerializeToString()


@functools.cache
def _state_pb(state: LiveState) -> int:
    return mapping.state_to_pb(state)


@functools.cache
def _machine_type_pb(name: str) -> int:
    return mapping.machine_type_to_pb(name)


def status_key(factory_id: str, machine_id: str) -> str:
    return f"{factory_id}.{machine_id}"


class TelemetryIntake:
    def __init__(self, app: IotApplication, views: IotViews, ledger: EnergyLedger,
                 nc: Client, js: JetStreamContext, settings: IotSettings,
                 telemetry_connection: Callable[[], Awaitable[Client]] | None = None):
        self.app = app
        # Telemetry comes over a connection of its own: on the service's connection the acks
        # of the relay's publishes and of the status puts queued behind a telemetry backlog.
        self.telemetry_connection = telemetry_connection
        self.views = views
        self.ledger = ledger
        self.nc = nc
        self.js = js
        self.settings = settings
        self.policy = LivenessPolicy(settings.offline_after_s, settings.down_grace_s)
        self.limits = IntakeLimits(int(settings.future_tolerance_s * 1000),
                                   int(settings.max_sample_age_s * 1000))
        self.trackers: dict[str, MachineTracker] = {}
        self.factories: dict[str, FactoryProfile] = {}
        self.stops: dict[str, dict[str, Any]] = {}
        self.accepted = 0
        self.refused = Refusals()
        self.kv = None
        self._unknown: dict[str, float] = {}
        self._shift: dict[str, tuple[float, bool]] = {}
        self._changes: asyncio.Queue[Transition] = asyncio.Queue()
        CHANGES_WAITING.set_function(self._changes.qsize)
        self._learnt: dict[str, Any] = {}
        self.wear_clock = settings.wear
        self._health: dict[str, HealthAssessment] = {}  # assessed, not yet kept
        # Per machine with assessments not yet kept: the windows its watch had seen before them.
        self._unkept: dict[str, int] = {}
        # New samples: status refreshed with a coming interval, longest waiting first.
        self._dirty: dict[str, None] = {}
        self._marked: set[str] = set()  # state changed: status put at once
        self._urgent = asyncio.Event()
        self._logged: dict[Rejection, float] = {}
        self._replies: set[asyncio.Task] = set()
        self._inbox: Inbox | None = None  # NATS telemetry waiting to be taken
        self.ready = asyncio.Event()

    # ---- lifecycle ----------------------------------------------------------------------

    async def prepare(self) -> None:
        """Status bucket, caches, and trackers of machines heard before (the telemetry stream
        is the kit's: services/kit/jetstream.py, made with every stream on start)."""
        self.kv = await status_bucket(self.js)
        await self.refresh()
        profiles = await self.views.all_machines()
        # One thread hop for the fleet's logs (a hop each took longer than the reads); the
        # application keeps them, a missing one too, so that no first change reads again.
        logs = await asyncio.to_thread(
            lambda: [self.app.state_log(p.machine_id) for p in profiles])
        for profile, log_ in zip(profiles, logs, strict=True):
            if profile.machine_id not in self.trackers:
                self._track(MachineInfo.from_profile(profile), log_)
        _settle_heap()
        self.ready.set()

    async def refresh(self) -> None:
        for profile in await self.views.all_factories():
            self.factories[profile.factory_id] = profile
        now_ms = int(time.time() * 1000)
        for row in await self.views.planned_stops(None, now_ms, now_ms + 366 * 86_400_000):
            self.stops[row["stop_id"]] = row
        self.stops = {k: s for k, s in self.stops.items() if s["end_ms"] > now_ms}

    async def run(self, stop: asyncio.Event) -> None:
        """Every job of the intake, until `stop`."""
        await self.prepare()
        jobs = [self._liveness(stop), self._writer(stop), self._energy(stop),
                self._statuses(stop), self._subscribe(stop), self._refresher(stop)]
        await asyncio.gather(*jobs)

    # ---- registry hooks (the servicer tells us at once) -----------------------------------

    def machine_changed(self, profile: MachineProfile) -> None:
        info = MachineInfo.from_profile(profile)
        self._unknown.pop(info.machine_id, None)
        tracker = self.trackers.get(info.machine_id)
        if tracker is None:
            self._track(info, None)
        else:
            tracker.update_info(info)
        self._mark(info.machine_id)

    def factory_changed(self, profile: FactoryProfile) -> None:
        self.factories[profile.factory_id] = profile
        self._shift.pop(profile.factory_id, None)

    def stop_declared(self, row: dict[str, Any]) -> None:
        self.stops[row["stop_id"]] = row

    def _track(self, info: MachineInfo, state_log) -> MachineTracker:
        restored = LiveState(state_log.state) if state_log is not None else LiveState.UNSPECIFIED
        since = state_log.since_ms if state_log is not None else 0
        tracker = MachineTracker(info, self.policy, self.limits, restored, since, time.time(),
                                 self.wear_clock)
        self.trackers[info.machine_id] = tracker
        self._mark(info.machine_id)
        return tracker

    async def _open(self, machine_id: str) -> MachineTracker | None:
        """A machine heard for the first time by this process (or unknown)."""
        if not valid_id(machine_id) or self._unknown.get(machine_id, 0.0) > time.monotonic():
            return None
        try:
            machine = await asyncio.to_thread(self.app.get_machine, machine_id)
            if machine.factory_id not in self.factories:
                factory = await asyncio.to_thread(self.app.get_factory, machine.factory_id)
                self.factory_changed(factory.profile)
            state_log = await asyncio.to_thread(self.app.state_log, machine_id)
        except (MachineNotRegistered, FactoryNotRegistered):
            self._unknown[machine_id] = time.monotonic() + UNKNOWN_TTL_S
            return None
        return self.trackers.get(machine_id) or self._track(
            MachineInfo.from_profile(machine.profile), state_log)

    # ---- intake -------------------------------------------------------------------------

    async def ingest(self, batch: pb.TelemetryBatch, scope: str | None) -> tuple[int, Refusals]:
        """Take one batch; `scope` is the factory the sender speaks for (key or subject)."""
        tracker = self.trackers.get(batch.machine_id) or await self._open(batch.machine_id)
        return self.take(tracker, batch, scope)

    def take(self, tracker: MachineTracker | None, batch: pb.TelemetryBatch,
             scope: str | None) -> tuple[int, Refusals]:
        """Take one batch for `tracker` (None: the machine is not known) and count it."""
        refusals = Refusals()
        return self._counted(self._take(tracker, batch, scope, time.time(), refusals), refusals)

    def _take(self, tracker: MachineTracker | None, batch: pb.TelemetryBatch, scope: str | None,
              now: float, refusals: Refusals) -> int:
        """Samples of `batch` accepted; refused ones are added to `refusals` (not counted)."""
        refusal = self._refusal(tracker, batch, scope)
        if refusal is not None:
            refusals.add(refusal[0], len(batch.current_samples) + len(batch.cnc_states),
                         refusal[1])
            return 0
        assert tracker is not None
        ctx = self.context(tracker, now)
        samples = batch.current_samples
        if len(samples) == 1 and not batch.cnc_states:  # live telemetry: one sample a message
            s = samples[0]
            out = tracker.take_sample(s.timestamp_unix_ms, s.amperes, s.voltage_v,
                                      s.power_factor, now, ctx)
            if out.refusals.counts:
                refusals.merge(out.refusals)
            self._apply(tracker, out)
            return out.accepted
        outcomes: list[Outcome] = []
        if batch.current_samples:
            rows = np.array([(s.timestamp_unix_ms, s.amperes, s.voltage_v, s.power_factor)
                             for s in batch.current_samples], dtype=np.float64)
            outcomes.append(tracker.take_current(rows[:, 0].astype(np.int64), rows[:, 1],
                                                 rows[:, 2], rows[:, 3], now, ctx))
        if batch.cnc_states:
            reports = batch.cnc_states
            outcomes.append(tracker.take_states(
                np.array([r.timestamp_unix_ms for r in reports], dtype=np.int64),
                [pb.MachineState.Name(r.state).removeprefix("MACHINE_STATE_") for r in reports],
                np.array([r.power_kw for r in reports], dtype=np.float64),
                [r.alarm_code for r in reports],
                np.array([r.part_count for r in reports], dtype=np.int64), now, ctx))
        accepted = 0
        for out in outcomes:
            accepted += out.accepted
            refusals.merge(out.refusals)
            self._apply(tracker, out)
        return accepted

    def _refusal(self, tracker: MachineTracker | None, batch: pb.TelemetryBatch,
                 scope: str | None) -> tuple[Rejection, str] | None:
        mid = batch.machine_id
        if tracker is None:
            return Rejection.UNKNOWN_MACHINE, f"machine {mid!r} is not registered"
        owner = tracker.info.factory_id
        for claimed in (batch.factory_id, scope):
            if claimed and claimed != owner:
                return (Rejection.WRONG_FACTORY,
                        f"machine {mid} belongs to factory {owner}, not {claimed}")
        if not tracker.info.active:
            return Rejection.UNKNOWN_MACHINE, f"machine {mid} is not active"
        if tracker.seen_batch(batch.batch_id):
            return Rejection.DUPLICATE_BATCH, f"batch {batch.batch_id} of {mid} was taken already"
        return None

    def _apply(self, tracker: MachineTracker, out: Outcome) -> None:
        info = tracker.info
        if out.energy_kwh:
            self.ledger.add(info.machine_id, info.factory_id, out.energy_kwh)
        for t in out.transitions:
            self._record(t)
        if out.learnt is not None:
            self._learnt[info.machine_id] = out.learnt
        if out.health is not None and tracker.wear is not None:
            assessed = assessment_of(tracker.wear, out.health)
            if assessed is not None:
                self._health[info.machine_id] = assessed
                self._unkept.setdefault(info.machine_id, tracker.wear.windows - 1)
        if out.accepted:
            self._dirty.setdefault(info.machine_id)

    def _counted(self, accepted: int, refusals: Refusals) -> tuple[int, Refusals]:
        self.accepted += accepted
        if accepted:
            ACCEPTED.inc(accepted)
        if refusals.counts:
            self.refused.merge(refusals)
            now = time.monotonic()
            for reason, count in refusals.counts.items():
                SAMPLES.labels("rejected").inc(count)
                REJECTED.labels(reason.value).inc(count)
                if now - self._logged.get(reason, -1e9) > 10.0:
                    self._logged[reason] = now
                    log.warning("telemetry refused", extra={
                        "reason": reason.value, "samples": count,
                        "detail": refusals.messages[reason]})
        return accepted, refusals

    def _record(self, t: Transition) -> None:
        self._changes.put_nowait(t)
        STATE_CHANGES.labels(t.to_state.value).inc()
        self._mark(t.machine_id)

    def _mark(self, machine_id: str) -> None:
        """The machine's state (or registration) changed: its status goes to the bucket now."""
        self._marked.add(machine_id)
        self._urgent.set()

    def context(self, tracker: MachineTracker, now: float) -> ShiftContext:
        """Shift, work and planned stop at `now`. Whether a machine has work is not known to iot
        (assignments stay in scheduling): a machine in its shift is taken to have work."""
        factory_id = tracker.info.factory_id
        cached = self._shift.get(factory_id)
        if cached is None or cached[0] <= now:
            cached = self._shift[factory_id] = _shift_at(self.factories.get(factory_id), now)
        planned = False
        if self.stops:
            now_ms, mid = now * 1000, tracker.info.machine_id
            planned = any(s["factory_id"] == factory_id and s["start_ms"] <= now_ms < s["end_ms"]
                          and (not s["machine_ids"] or mid in s["machine_ids"])
                          for s in self.stops.values())
        return _CONTEXTS[cached[1], planned]

    # ---- jobs -----------------------------------------------------------------------------

    def taken_up_to(self) -> float:
        """The time up to which every telemetry message that came over NATS has been taken
        (now, when none waits)."""
        now = time.time()
        return self._inbox.taken_up_to(now) if self._inbox is not None else now

    async def _liveness(self, stop: asyncio.Event) -> None:
        """Liveness of machines that fell silent, a chunk of the fleet between two loop turns.
        A machine heard less than `offline_after_s - tick` ago is left out: its tracker judged
        it with its last sample, and it cannot turn OFFLINE before the next turn.

        Machines are judged as of the time up to which the intake has taken every message
        (``Inbox.taken_up_to``), not the clock: when the intake falls behind, a machine whose
        samples wait in the inbox is not silent. (Judged by the clock, a fleet whose samples
        waited longer than ``offline_after_s`` turned OFFLINE and back with every sample
        taken: 60,000 state changes for the writer and the relay in two minutes, ahead of the
        real ones, and a capacity change for scheduling each.)"""
        while not stop.is_set():
            await _pause(stop, self.settings.tick)
            await self.sweep()

    async def sweep(self) -> None:
        """One turn of the liveness timer over the fleet (``_liveness``)."""
        trackers = list(self.trackers.values())
        quiet_s = max(self.settings.tick, self.settings.offline_after_s - self.settings.tick)
        for start in range(0, len(trackers), SWEEP_CHUNK):
            now = self.taken_up_to()
            recent = now - quiet_s
            for tracker in trackers[start:start + SWEEP_CHUNK]:
                heard = tracker.liveness.last_heard
                if heard is not None and heard > recent:
                    continue
                for t in tracker.evaluate(now, self.context(tracker, now)):
                    self._record(t)
            await asyncio.sleep(0)

    async def _writer(self, stop: asyncio.Event) -> None:
        """Live-state changes → MachineStateLog events, in batches, in order."""
        while not stop.is_set():
            try:
                first = await asyncio.wait_for(self._changes.get(), 0.5)
            except TimeoutError:
                first = None
            batch = [first] if first is not None else []
            while not self._changes.empty() and len(batch) < WRITER_BATCH:
                batch.append(self._changes.get_nowait())
            while batch:
                try:
                    await asyncio.to_thread(self.app.record_transitions, batch)
                    batch = []
                except Exception as exc:
                    log.warning("saving state changes failed; retrying", extra={
                        "changes": len(batch), "error": repr(exc)})
                    await _pause(stop, 1.0)
            await self._keep_learnt()
            await self._keep_health()

    async def _keep_learnt(self) -> None:
        learnt, self._learnt = self._learnt, {}
        for machine_id, calibration in learnt.items():
            try:
                machine = await asyncio.to_thread(self.app.keep_learnt_calibration, machine_id,
                                                  calibration)
                self.trackers[machine_id].update_info(MachineInfo.from_profile(machine.profile))
            except Exception as exc:  # noqa: BLE001 - learnt again on the next warm-up
                log.warning("keeping a learnt calibration failed", extra={
                    "machine": machine_id, "error": repr(exc)})

    async def _keep_health(self) -> None:
        """Assessments of wear windows that closed, kept on their machines (each machine decides
        whether one says something new, and publishes it then: MachineHealthAssessed)."""
        if not self._health:
            return
        assessed, self._health = self._health, {}
        for machine_id, health in assessed.items():
            try:
                kept = await asyncio.to_thread(self.app.keep_health, machine_id, health)
            except Exception as exc:  # noqa: BLE001 - the next window assesses it again
                log.warning("keeping a machine's health failed", extra={
                    "machine": machine_id, "error": repr(exc)})
                continue
            finally:
                if machine_id not in self._health:  # none assessed meanwhile
                    self._unkept.pop(machine_id, None)
            if health.before(kept.maintenance):
                self._maintained(machine_id, kept.maintenance.at_ms)  # type: ignore[union-attr]

    def windows_seen(self, machine_id: str) -> int:
        """Windows the machine's wear watch has assessed since it started and whose assessment
        the machine has been given (kept or found nothing new): the health read beside it takes
        them all in. 0 for a machine this replica has no watch of."""
        tracker = self.trackers.get(machine_id)
        if tracker is None or tracker.wear is None:
            return 0
        return min(tracker.wear.windows, self._unkept.get(machine_id, tracker.wear.windows))

    def _maintained(self, machine_id: str, at_ms: int) -> None:
        """The machine was serviced at `at_ms` (its record says so; this watch had not heard):
        its wear watch learns the new baseline from then. Whichever replica holds the watch
        learns it at its next assessment, after a restart too."""
        tracker = self.trackers.get(machine_id)
        if tracker is not None and tracker.wear is not None and \
                tracker.wear.since_s * 1000 < at_ms:
            tracker.wear.maintained(at_ms / 1000)
            log.info("wear watch restarted after maintenance", extra={
                "machine": machine_id, "at_ms": at_ms})

    async def _energy(self, stop: asyncio.Event) -> None:
        while True:
            # A large fleet's minute buckets go in fewer, larger statements (the row budget).
            await _pause(stop, max(self.settings.energy_flush_s,
                                   len(self.ledger.pending) / self.settings.energy_rows_per_s))
            try:
                await self.ledger.flush()
            except Exception as exc:  # noqa: BLE001 - kept, written with the next flush
                log.warning("writing energy failed; will retry", extra={"error": repr(exc)})
            if stop.is_set():
                return

    async def _statuses(self, stop: asyncio.Event) -> None:
        """Live status → key-value bucket: state changes at once (acknowledged puts, retried
        until stored), the rest (current, power, last sample) once per interval per machine,
        however many samples came in between, published without waiting for each PubAck: at
        16,000 machines an acknowledged put per machine per second costs more than the intake."""
        next_refresh = time.monotonic()
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._urgent.wait(),
                                       max(0.0, next_refresh - time.monotonic()))
            self._urgent.clear()
            urgent, self._marked = self._marked, set()
            if urgent and not await self._put_statuses(urgent):
                self._marked |= urgent
                await _pause(stop, 0.5)
            if time.monotonic() >= next_refresh:
                interval = self.settings.status_interval_s
                next_refresh = time.monotonic() + interval
                await self._publish_statuses(self._due(urgent, interval))

    def _due(self, urgent: set[str], interval: float) -> list[str]:
        """Machines whose figures go out this interval: at most the put budget's worth, those
        waiting longest first (a large fleet's figures age a few intervals; states do not)."""
        for machine_id in urgent:
            self._dirty.pop(machine_id, None)
        budget = max(1, int(self.settings.status_puts_per_s * interval))
        if len(self._dirty) <= budget:
            due, self._dirty = list(self._dirty), {}
            return due
        due = list(itertools.islice(self._dirty, budget))
        for machine_id in due:
            del self._dirty[machine_id]
        return due

    async def _put_statuses(self, machine_ids: set[str]) -> bool:
        """Statuses of machines whose state changed, stored in the bucket and acknowledged;
        False if any was not (the caller puts them all again). Published as the relay
        publishes, acks awaited together (kit.jetstream.publish_acked)."""
        prefix = f"$KV.{STATUS_BUCKET}."
        trackers = [t for t in (self.trackers.get(m) for m in machine_ids) if t is not None]
        try:
            results = await publish_acked(self.js, (
                (prefix + status_key(t.info.factory_id, t.info.machine_id),
                 self.status_bytes(t), None) for t in trackers), PUT_TIMEOUT_S)
        except Exception:  # noqa: BLE001 - NATS away or stalled: put again
            return False
        return not any(isinstance(r, BaseException) for r in results)

    async def _publish_statuses(self, machine_ids: list[str]) -> None:
        """Fresh figures of machines whose state did not change; a lost one is replaced by the
        next interval's (the state in the bucket came with an acknowledged put)."""
        prefix = f"$KV.{STATUS_BUCKET}."
        for i, machine_id in enumerate(machine_ids):
            t = self.trackers.get(machine_id)
            if t is not None:
                with contextlib.suppress(Exception):
                    await self.nc.publish(prefix + status_key(t.info.factory_id, machine_id),
                                          self.status_bytes(t))
            if i % 1000 == 999:
                await asyncio.sleep(0)  # let telemetry in between

    async def _subscribe(self, stop: asyncio.Event) -> None:
        """NATS telemetry, a loop turn's worth at a time: nats-py hands over every message it has
        parsed without returning to the loop, so one callback per message held the state-change
        jobs back as long as a backlog lasted; here the callback only queues."""
        inbox = self._inbox = Inbox(INBOX_LIMIT)
        nc = await self.telemetry_connection() if self.telemetry_connection else self.nc
        sub = await nc.subscribe(TELEMETRY_SUBJECTS, queue=QUEUE_GROUP, cb=inbox.put,
                                 pending_msgs_limit=INBOX_LIMIT, pending_bytes_limit=1 << 30)
        try:
            while not stop.is_set():
                if not inbox.messages:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(inbox.arrived.wait(), 0.5)
                    continue
                await self.take_messages(inbox.take(TURN_MESSAGES))
                await asyncio.sleep(0)  # the other jobs' turn
        finally:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()
            if nc is not self.nc:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(nc.drain(), 5)

    async def take_messages(self, messages: Sequence[Any]) -> int:
        """Take NATS telemetry messages (in arrival order) as one batch: one clock reading, one
        count, refusals merged; a message that cannot be taken is refused alone. Machines not
        yet tracked here are opened (a registry read) after the others, their messages in
        order. Returns the samples accepted."""
        now = time.time()
        refusals = Refusals()
        accepted = 0
        opening: list[tuple[Any, pb.TelemetryBatch | None, str, str]] = []
        for msg in messages:
            batch, factory_id, machine_id = self._decode(msg, refusals)
            if batch is None:
                continue
            tracker = self.trackers.get(machine_id)
            if tracker is None or opening:  # after an unknown machine, keep the order simple
                opening.append((msg, batch, factory_id, machine_id))
                continue
            accepted += self._take_message(msg, tracker, batch, factory_id, now, refusals)
        for msg, batch, factory_id, machine_id in opening:
            tracker = self.trackers.get(machine_id) or await self._open(machine_id)
            accepted += self._take_message(msg, tracker, batch, factory_id, time.time(),
                                           refusals)
        self._counted(accepted, refusals)
        return accepted

    def _decode(self, msg, refusals: Refusals) -> tuple[pb.TelemetryBatch | None, str, str]:
        """(batch, factory, machine) of a message, or (None, ...) once it is refused."""
        parts = msg.subject.split(".")
        batch = pb.TelemetryBatch()
        try:
            batch.ParseFromString(msg.data)
        except Exception:  # noqa: BLE001 - protobuf's DecodeError
            parts = []
        if len(parts) != 4:
            self._refuse_message(msg, refusals, Rejection.INVALID_VALUE, 1, f"{msg.subject}: "
                                 "not a TelemetryBatch on dovetail.telemetry.<factory>.<machine>")
            return None, "", ""
        factory_id, machine_id = parts[2], parts[3]
        if batch.machine_id and batch.machine_id != machine_id:
            self._refuse_message(msg, refusals, Rejection.WRONG_FACTORY,
                                 len(batch.current_samples) + len(batch.cnc_states),
                                 f"batch names machine {batch.machine_id} on the subject of "
                                 f"{machine_id}")
            return None, "", ""
        batch.factory_id = batch.factory_id or factory_id
        batch.machine_id = machine_id
        return batch, factory_id, machine_id

    def _take_message(self, msg, tracker: MachineTracker | None, batch: pb.TelemetryBatch,
                      scope: str, now: float, refusals: Refusals) -> int:
        own = Refusals() if msg.reply else refusals  # a sender asking gets its own summary
        try:
            accepted = self._take(tracker, batch, scope, now, own)
        except Exception as exc:  # noqa: BLE001 - one bad message never costs the others
            log.exception("telemetry message could not be taken", extra={
                "subject": msg.subject, "error": repr(exc)})
            own.add(Rejection.INVALID_VALUE, len(batch.current_samples) + len(batch.cnc_states),
                    f"{batch.machine_id}: the batch could not be taken ({type(exc).__name__})")
            accepted = 0
        if msg.reply:
            refusals.merge(own)
            self._respond(msg, accepted, own)
        return accepted

    def _refuse_message(self, msg, refusals: Refusals, reason: Rejection, count: int,
                        message: str) -> None:
        own = Refusals()
        own.add(reason, count, message)
        refusals.merge(own)
        if msg.reply:
            self._respond(msg, 0, own)

    def _respond(self, msg, accepted: int, refusals: Refusals) -> None:
        """The summary a sender asked for, sent without holding the batch up."""
        task = asyncio.get_running_loop().create_task(self._reply(msg, accepted, refusals))
        self._replies.add(task)
        task.add_done_callback(self._replies.discard)

    async def _reply(self, msg, accepted: int, refusals: Refusals) -> None:
        if msg.reply:
            with contextlib.suppress(Exception):
                await msg.respond(summary(1, accepted, refusals).SerializeToString())

    async def _refresher(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await _pause(stop, self.settings.refresh_s)
            with contextlib.suppress(Exception):
                await self.refresh()
            with contextlib.suppress(Exception):
                await self._refill()
            _settle_heap()  # trackers of machines registered since

    async def _refill(self) -> None:
        """The bucket lives in NATS's memory: a restarted NATS has lost it (made again) or holds
        fewer statuses than the intake knows machines; every machine's status is put again."""
        try:
            held = (await self.js.stream_info(f"KV_{STATUS_BUCKET}")).state.messages
        except NotFoundError:  # a restarted NATS keeps no memory stream
            self.kv, held = await status_bucket(self.js), 0
        if held < len(self.trackers):
            for machine_id in list(self.trackers):
                self._mark(machine_id)

    # ---- status -----------------------------------------------------------------------------

    def status_of(self, t: MachineTracker) -> pb.MachineStatus:
        """The machine's live status."""
        return pb.MachineStatus.FromString(self.status_bytes(t))

    def status_bytes(self, t: MachineTracker) -> bytes:
        """The machine's live status, serialized (built for every machine every status interval:
        enum values from small tables, the time from whole milliseconds, no datetime). Why it is
        in its state is words many machines share: serialized once per reason and appended (a
        protobuf message read from concatenated ones is their merge); copying the words into
        each status doubled its cost."""
        since = t.since_ms
        return pb.MachineStatus(
            machine_id=t.info.machine_id, factory_id=t.info.factory_id,
            machine_type=_machine_type_pb(t.info.machine_type), state=_state_pb(t.live),
            since=timestamp_pb2.Timestamp(seconds=since // 1000,
                                          nanos=since % 1000 * 1_000_000) if since else None,
            available=t.live.available, last_sample_unix_ms=t.last_sample_ms,
            current_amperes=t.amps, power_kw=t.power_kw, in_planned_stop=t.planned_stop,
        ).SerializeToString() + _reason_bytes(t.reason)

    async def status(self, factory_id: str, machine_id: str) -> pb.MachineStatus | None:
        tracker = self.trackers.get(machine_id)
        if tracker is not None:
            return self.status_of(tracker)
        with contextlib.suppress(Exception):
            entry = await self.kv.get(status_key(factory_id, machine_id))
            if entry.value:
                return pb.MachineStatus.FromString(entry.value)
        return None

    async def watch(self, factory_id: str | None, machine_ids: set[str]
                    ) -> AsyncIterator[tuple[pb.MachineStatus, bool]]:
        """Statuses from the bucket: the current ones (snapshot), then every change."""
        await self.ready.wait()
        watcher = await self.kv.watch(f"{factory_id}.*" if factory_id else ">")
        snapshot = True
        try:
            async for entry in watcher:
                if entry is None:
                    snapshot = False
                    continue
                if not entry.value:
                    continue
                status = pb.MachineStatus.FromString(entry.value)
                if not machine_ids or status.machine_id in machine_ids:
                    yield status, snapshot
        finally:
            with contextlib.suppress(Exception):
                await watcher.stop()


async def status_bucket(js: JetStreamContext, name: str = STATUS_BUCKET) -> KeyValue:
    """The live-status bucket, kept in memory. On file storage every put waited for its own
    fsync (the servers run `sync_interval: always`), and a fleet's puts, thousands a second,
    took the disk from the event stream: the relay's publishes of state changes were acked at
    ~300 a second, behind a backlog of a minute. Nothing is lost with it: the bucket holds the
    intake's memory, put again on start and refilled as a NATS restart empties it
    (`_refill`). A bucket found on file storage (made by an earlier version) is made again."""
    try:
        kv = await js.key_value(name)
        if (await kv.status()).stream_info.config.storage == StorageType.MEMORY:
            return kv
        await js.delete_key_value(name)
    except BucketNotFoundError:
        pass
    return await js.create_key_value(KeyValueConfig(
        bucket=name, history=1, storage=StorageType.MEMORY,
        max_bytes=STATUS_BUCKET_BYTES))


def summary(batches: int, accepted: int, refusals: Refusals,
            machine_ids: dict[Rejection, str] | None = None) -> pb.StreamTelemetryResponse:
    return pb.StreamTelemetryResponse(
        batches_received=batches, samples_accepted=accepted, samples_rejected=refusals.total,
        rejections=[pb.TelemetryRejection(
            reason=pb.TelemetryRejectionReason.Value(f"TELEMETRY_REJECTION_REASON_{r.value}"),
            machine_id=(machine_ids or {}).get(r, ""), count=c, message=refusals.messages[r])
            for r, c in refusals.counts.items()])


def _settle_heap() -> None:
    """Move what lives on (the fleet's trackers) out of the cyclic collector's full passes:
    at 16,000 machines, 645,000 objects, a full pass held the event loop ~190 ms (0.1 ms
    frozen). Collected first, so that no garbage is frozen; refcounting still frees them."""
    gc.collect()
    gc.freeze()


def _shift_at(factory: FactoryProfile | None, now: float) -> tuple[float, bool]:
    """(until when it holds, working): whether the factory is in a shift at `now`, which
    holds until the next shift edge (within the hour). Worked out per factory once an edge
    (a factory change drops it): at 1,600 factories, once a second each cost 3 % of the
    intake."""
    if factory is None or not factory.active:
        return now + SHIFT_LOOKAHEAD_S, False
    spans = shift_spans(factory.shift_calendar, factory.timezone, now,
                        now + SHIFT_LOOKAHEAD_S)
    edges = [edge for span in spans for edge in (span.start, span.end) if edge > now]
    return (min(edges, default=now + SHIFT_LOOKAHEAD_S),
            any(span.start <= now < span.end for span in spans))


class Inbox:
    """Messages nats-py hands over (one append each), taken by the intake a batch at a time."""

    def __init__(self, limit: int):
        self.messages: deque[Any] = deque()
        self.arrivals: deque[float] = deque()  # when each waiting message came (time.time())
        self.arrived = asyncio.Event()
        self.limit = limit

    async def put(self, msg) -> None:
        if len(self.messages) >= self.limit:
            DROPPED.inc()
            return
        self.messages.append(msg)
        self.arrivals.append(time.time())
        self.arrived.set()

    def take(self, most: int) -> list[Any]:
        """The oldest `most` messages (all, if fewer wait)."""
        waiting, arrivals = self.messages, self.arrivals
        if len(waiting) <= most:
            batch = list(waiting)
            waiting.clear()
            arrivals.clear()
        else:
            batch = [waiting.popleft() for _ in range(most)]
            for _ in range(most):
                arrivals.popleft()
        if not waiting:
            self.arrived.clear()
        return batch

    def taken_up_to(self, now: float) -> float:
        """Every message that came before this time has been taken: ``now`` when none waits,
        else when the oldest waiting one came."""
        arrivals = self.arrivals
        return min(now, arrivals[0]) if arrivals else now


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
