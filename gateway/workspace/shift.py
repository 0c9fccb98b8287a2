"""This shift and its queues, in the factory's own time (pure: no I/O).

A shift is one of the factory's weekly shifts (iot's calendar, local minutes of a weekday);
a factory without a calendar works round the clock, so its "shift" is its local day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gateway import i18n

DEFAULT_ZONE = "Asia/Shanghai"
OPEN = ("PLANNED", "STARTED")


@dataclass(frozen=True)
class WeeklyShift:
    weekday: int  # 1 = Monday … 7 = Sunday, as iot's calendar counts
    start_minute: int
    end_minute: int  # past 1440 runs into the next day
    name: str = ""


@dataclass(frozen=True)
class Shift:
    start: datetime
    end: datetime
    name: str

    @property
    def start_ms(self) -> int:
        return int(self.start.timestamp() * 1000)

    @property
    def end_ms(self) -> int:
        return int(self.end.timestamp() * 1000)


@dataclass
class QueuedOperation:
    operation_id: str
    order_id: str
    seq: int
    start_ms: int
    end_ms: int
    status: str  # PLANNED, STARTED, FINISHED, SCRAPPED
    risk: str  # ON_TIME, AT_RISK, LATE, or "" without a promised date
    label: str = ""

    @property
    def at_risk(self) -> bool:
        return self.risk in ("AT_RISK", "LATE")


@dataclass
class MachineQueue:
    machine_id: str
    machine_type: str
    available: bool
    operations: list[QueuedOperation] = field(default_factory=list)

    @property
    def next(self) -> QueuedOperation | None:
        """What the machine does next: the running operation, else the first planned one."""
        running = [o for o in self.operations if o.status == "STARTED"]
        planned = [o for o in self.operations if o.status == "PLANNED"]
        found = running or planned
        return found[0] if found else None

    @property
    def at_risk(self) -> list[QueuedOperation]:
        return [o for o in self.operations if o.at_risk and o.status in OPEN]


def zone_of(name: str) -> ZoneInfo:
    """The factory's zone; Asia/Shanghai when it names none or one that does not exist."""
    try:
        return ZoneInfo(name or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


def current_shift(shifts: list[WeeklyShift], zone: ZoneInfo, now: datetime) -> Shift:
    """The shift running at `now`, else the next to start within a week; the local day when
    the factory has no calendar."""
    local = now.astimezone(zone)
    if not shifts:
        start = local.replace(hour=0, minute=0, second=0, microsecond=0)
        return Shift(start, start + timedelta(days=1), "")
    candidates = []
    for offset in range(-1, 8):  # yesterday's night shift may still run
        day = (local + timedelta(days=offset)).date()
        for s in shifts:
            if s.weekday != day.isoweekday():
                continue
            midnight = datetime(day.year, day.month, day.day, tzinfo=zone)
            start = midnight + timedelta(minutes=s.start_minute)
            end = midnight + timedelta(minutes=max(s.end_minute, s.start_minute + 1))
            if end > local:
                candidates.append(Shift(start, end, s.name))
    running = [s for s in candidates if s.start <= local]
    if running:
        return min(running, key=lambda s: s.start)
    return min(candidates, key=lambda s: s.start) if candidates else current_shift([], zone, now)


def in_shift(op: QueuedOperation, shift: Shift) -> bool:
    """An operation belongs to this shift's queue when it overlaps it, or is still open from
    before it (started, or planned and not yet begun)."""
    if op.end_ms > shift.start_ms and op.start_ms < shift.end_ms:
        return True
    return op.status in OPEN and op.start_ms < shift.start_ms


def local_time(ms: int, zone: ZoneInfo, with_day: bool = False) -> str:
    """A time as people of the factory read it: "14:05", or with its day in the reader's
    language ("5 Dec 14:05", "12月5日 14:05"); the zone is named once beside it by the page."""
    moment = datetime.fromtimestamp(ms / 1000, UTC).astimezone(zone)
    return i18n.day_time(moment) if with_day else moment.strftime("%H:%M")
