"""Plain, typed values the SDK hands back: assignments, reports, machines, telemetry, KPIs.

Protobuf stays behind the SDK; these are what a factory program works with.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from dovetail.common.v1 import types_pb2
from dovetail.iot.v1 import iot_service_pb2 as iot_pb
from dovetail.scheduling.v1 import scheduling_service_pb2 as sched_pb
from dovetail_factory.i18n import gettext
from dovetail_factory.words import say


def _name(enum, value: int, prefix: str) -> str:
    try:
        return enum.Name(value).removeprefix(prefix)
    except ValueError:
        return "UNSPECIFIED"


def risk_name(value: int) -> str:
    """ON_TIME, AT_RISK or LATE; "" for an operation whose order has no promised date (the
    wire's unset value), not the word UNSPECIFIED."""
    return _name(sched_pb.ScheduleRisk, value, "SCHEDULE_RISK_").replace("UNSPECIFIED", "")


def machine_type_name(value: int) -> str:
    """`panel_saw` for MACHINE_TYPE_PANEL_SAW."""
    return _name(types_pb2.MachineType, value, "MACHINE_TYPE_").lower()


def machine_type_value(name: str) -> int:
    try:
        return types_pb2.MachineType.Value(f"MACHINE_TYPE_{name.strip().upper()}")
    except ValueError:
        known = ", ".join(n.removeprefix("MACHINE_TYPE_").lower()
                          for n in types_pb2.MachineType.keys()[1:])
        raise ValueError(f"unknown machine type {name!r}: use one of {known}") from None


def _time(stamp) -> datetime | None:
    if not stamp.seconds and not stamp.nanos:
        return None
    return stamp.ToDatetime(tzinfo=UTC)


def _ms_time(ms: int) -> datetime | None:
    return datetime.fromtimestamp(ms / 1000, UTC) if ms else None


def _date(d) -> str:
    return f"{d.year:04d}-{d.month:02d}-{d.day:02d}" if d.year else ""


class ReportKind(StrEnum):
    """What happened to an operation on the shop floor."""

    STARTED = "STARTED"
    FINISHED = "FINISHED"
    SCRAPPED = "SCRAPPED"

    @classmethod
    def parse(cls, text: str | ReportKind) -> ReportKind:
        """Accepts `start`, `started`, `finish`, `scrap`… in any case."""
        if isinstance(text, ReportKind):
            return text
        word = text.strip().upper()
        found = {"START": cls.STARTED, "FINISH": cls.FINISHED, "SCRAP": cls.SCRAPPED}.get(word)
        if found is None and word in cls.__members__:
            found = cls[word]
        if found is None:
            raise ValueError(f"unknown report kind {text!r}: use start, finish or scrap")
        return found

    @property
    def pb(self) -> int:
        return sched_pb.OperationReportKind.Value(f"OPERATION_REPORT_KIND_{self.value}")


@dataclass(frozen=True)
class Assignment:
    """An operation the scheduler gave one of this factory's machines."""

    operation_id: str
    order_id: str
    seq: int
    machine_id: str
    machine_type: str
    planned_start: datetime | None
    planned_end: datetime | None
    duration_seconds: int
    setup_seconds: int = 0
    setup_key: str = ""
    description: str = ""
    status: str = "PLANNED"  # PLANNED, STARTED, FINISHED, SCRAPPED
    risk: str = ""  # ON_TIME, AT_RISK, LATE
    promised_date: str = ""
    plan_id: str = ""

    @classmethod
    def from_pb(cls, a: sched_pb.Assignment) -> Assignment:
        return cls(
            operation_id=a.operation_id, order_id=a.order_id, seq=a.seq, machine_id=a.machine_id,
            machine_type=machine_type_name(a.machine_type), planned_start=_time(a.planned_start),
            planned_end=_time(a.planned_end), duration_seconds=a.duration_seconds,
            setup_seconds=a.setup_seconds, setup_key=a.setup_key, description=a.description,
            status=_name(sched_pb.OperationStatus, a.status, "OPERATION_STATUS_"),
            risk=risk_name(a.risk),
            promised_date=_date(a.promised_date), plan_id=a.plan_id)

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        for k in ("planned_start", "planned_end"):
            out[k] = out[k].isoformat() if out[k] else None
        return out

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Assignment:
        d = dict(d)
        for k in ("planned_start", "planned_end"):
            d[k] = datetime.fromisoformat(d[k]) if d.get(k) else None
        return cls(**d)


@dataclass(frozen=True)
class AssignmentChange:
    """One entry of the factory's assignment feed."""

    sequence: int
    kind: str  # ASSIGNED, RESCHEDULED, WITHDRAWN, PROGRESSED
    assignment: Assignment
    live: bool  # False while the server replays, True for changes as they happen
    changed_at: datetime | None

    @classmethod
    def from_pb(cls, item: sched_pb.SubscribeAssignmentsResponse) -> AssignmentChange:
        return cls(sequence=item.sequence,
                   kind=_name(sched_pb.AssignmentChangeKind, item.kind, "ASSIGNMENT_CHANGE_KIND_"),
                   assignment=Assignment.from_pb(item.assignment), live=item.live,
                   changed_at=_time(item.changed_at))


@dataclass(frozen=True)
class ReportReceipt:
    """The server's answer to a report; `duplicate` when the same key was reported before."""

    operation_id: str
    order_id: str
    status: str
    duplicate: bool
    idempotency_key: str


@dataclass(frozen=True)
class MachineStatus:
    """A machine's live state as iot sees it."""

    machine_id: str
    machine_type: str
    state: str  # OFF, IDLE, RUNNING, OVERLOAD, DOWN, OFFLINE, UNSPECIFIED (never heard)
    since: datetime | None
    available: bool
    reason: str = ""  # in English, for programs and logs
    current_amperes: float = 0.0
    power_kw: float = 0.0
    last_sample: datetime | None = None
    in_planned_stop: bool = False
    # the reason as iot wrote it for people (words.say says it in the chosen language);
    # None from a service older than words
    reason_words: types_pb2.Words | None = None

    def reason_said(self) -> str:
        """The reason in the language chosen with `i18n.use`: iot's words, else the English
        reason (said whole when it is a text of the catalogue)."""
        if self.reason_words is not None and self.reason_words.template:
            return say(self.reason_words)
        return gettext(self.reason) if self.reason else ""

    @classmethod
    def from_pb(cls, s: iot_pb.MachineStatus) -> MachineStatus:
        return cls(machine_id=s.machine_id, machine_type=machine_type_name(s.machine_type),
                   state=_name(iot_pb.MachineState, s.state, "MACHINE_STATE_"),
                   since=_time(s.since), available=s.available, reason=s.reason,
                   current_amperes=s.current_amperes, power_kw=s.power_kw,
                   last_sample=_ms_time(s.last_sample_unix_ms),
                   in_planned_stop=s.in_planned_stop,
                   reason_words=s.reason_words if s.HasField("reason_words") else None)


@dataclass(frozen=True)
class Machine:
    """A machine of the factory's registry, with its live status when listed."""

    machine_id: str
    factory_id: str
    name: str
    machine_type: str
    speed_factor: float
    rated_power_kw: float
    sensor: str  # current_sensor or cnc_controller
    active: bool
    version: int
    status: MachineStatus | None = None

    @classmethod
    def from_pb(cls, m: iot_pb.Machine, status: iot_pb.MachineStatus | None = None) -> Machine:
        return cls(machine_id=m.machine_id, factory_id=m.factory_id, name=m.name,
                   machine_type=machine_type_name(m.machine_type), speed_factor=m.speed_factor,
                   rated_power_kw=m.rated_power_kw,
                   sensor=_name(iot_pb.SensorKind, m.sensor_kind, "SENSOR_KIND_").lower(),
                   active=m.active, version=m.version,
                   status=MachineStatus.from_pb(status) if status is not None else None)


@dataclass(frozen=True)
class Shift:
    """A weekly shift in the factory's local time: weekday 1 = Monday … 7 = Sunday, minutes
    after midnight (an end past 1440 runs over midnight)."""

    weekday: int
    start_minute: int
    end_minute: int
    name: str = ""

    @classmethod
    def parse(cls, text: str) -> list[Shift]:
        """`mon-fri 08:00-12:00` or `sat 08:00-17:30` → one shift per day."""
        days_text, _, hours = text.strip().partition(" ")
        names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        first, _, last = days_text.lower().partition("-")
        days = range(names.index(first[:3]) + 1, names.index((last or first)[:3]) + 2)
        start, _, end = hours.strip().partition("-")

        def minute(hhmm: str) -> int:
            h, _, m = hhmm.partition(":")
            return int(h) * 60 + int(m or 0)

        return [cls(d, minute(start), minute(end)) for d in days]

    def to_pb(self) -> iot_pb.WeeklyShift:
        return iot_pb.WeeklyShift(weekday=self.weekday, start_minute=self.start_minute,
                                  end_minute=self.end_minute, name=self.name)


@dataclass(frozen=True)
class Factory:
    factory_id: str
    name: str
    timezone: str
    capacity_share_percent: float
    shifts: list[Shift]
    version: int

    @classmethod
    def from_pb(cls, f: iot_pb.Factory) -> Factory:
        return cls(factory_id=f.factory_id, name=f.name, timezone=f.timezone,
                   capacity_share_percent=f.capacity_share_percent,
                   shifts=[Shift(s.weekday, s.start_minute, s.end_minute, s.name)
                           for s in f.shift_calendar.weekly_shifts], version=f.version)


@dataclass(frozen=True)
class CurrentSample:
    """One reading of a clamp-on current sensor."""

    machine_id: str
    timestamp_ms: int
    amperes: float
    voltage: float | None = None
    power_factor: float | None = None


@dataclass
class TelemetryResult:
    """What a send or flush achieved. Batches that could not be sent stay buffered."""

    batches_sent: int = 0
    samples_accepted: int = 0
    samples_rejected: int = 0
    # Samples of batches the server had already taken (a resend after a broken link).
    samples_duplicate: int = 0
    batches_buffered: int = 0
    batches_dropped: int = 0  # the buffer was full: oldest batches dropped
    link_down: bool = False
    rejections: list[str] = field(default_factory=list)

    def add(self, other: TelemetryResult) -> None:
        self.batches_sent += other.batches_sent
        self.samples_accepted += other.samples_accepted
        self.samples_rejected += other.samples_rejected
        self.samples_duplicate += other.samples_duplicate
        self.batches_dropped += other.batches_dropped
        self.batches_buffered = other.batches_buffered
        self.link_down = other.link_down
        self.rejections += [r for r in other.rejections if r not in self.rejections]


@dataclass(frozen=True)
class EnergyReport:
    kwh: float
    kg_co2e: float
    buckets: list[tuple[datetime, float, float]]  # (start, kWh, kg CO2e)


@dataclass(frozen=True)
class OeeDay:
    day: date
    machine_id: str  # empty for the whole factory
    availability: float
    performance: float
    quality: float
    oee: float
    run_seconds: int
    downtime_seconds: int
    good_count: int
    scrap_count: int

    @classmethod
    def from_pb(cls, r: iot_pb.OeeReport) -> OeeDay:
        return cls(day=date(r.day.year, r.day.month, r.day.day), machine_id=r.machine_id,
                   availability=r.availability, performance=r.performance, quality=r.quality,
                   oee=r.oee, run_seconds=r.run_seconds, downtime_seconds=r.downtime_seconds,
                   good_count=r.good_count, scrap_count=r.scrap_count)


@dataclass(frozen=True)
class ScheduledOperation:
    """One bar of the factory's current plan (GetSchedule)."""

    operation_id: str
    order_id: str
    seq: int
    machine_id: str
    start: datetime | None
    end: datetime | None
    status: str
    risk: str
