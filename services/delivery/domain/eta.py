"""When a shipment arrives: planned production end + transit time, moved by what carriers say.

Transit time per lane (carrier, destination country and region) is learnt from delivered
shipments as a moving average; until a lane has MIN_OBSERVATIONS deliveries the carrier
rule's default applies. An ETA past the end of the promised day is late; one within
AT_RISK_MARGIN of it, or moved by an open exception, is at risk.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from services.delivery.domain.carriers import CarrierRule
from services.delivery.domain.values import CarrierEventCode

PICKUP_LEAD = timedelta(hours=2)
AT_RISK_MARGIN = timedelta(hours=24)
MIN_OBSERVATIONS = 3
# Later deliveries weigh 1/WINDOW at least: the lane follows a carrier that changes.
WINDOW = 20
# An ETA moved by less than this is not news.
MIN_MOVE = timedelta(minutes=5)
OUT_FOR_DELIVERY_WITHIN = timedelta(hours=6)
DEFAULT_DELAY = {
    CarrierEventCode.FAILED_ATTEMPT: timedelta(hours=24),
    CarrierEventCode.EXCEPTION: timedelta(hours=24),
}


@dataclass(frozen=True)
class LaneStats:
    """What delivered shipments taught us about one lane."""

    count: int = 0
    mean_seconds: float = 0.0

    def observe(self, seconds: float) -> LaneStats:
        count = self.count + 1
        weight = 1.0 / min(count, WINDOW)
        return LaneStats(count, self.mean_seconds + weight * (seconds - self.mean_seconds))

    @property
    def trusted(self) -> bool:
        return self.count >= MIN_OBSERVATIONS


@dataclass(frozen=True)
class Transit:
    duration: timedelta
    learnt: bool


def transit(rule: CarrierRule, region: str, lane: LaneStats | None) -> Transit:
    if lane is not None and lane.trusted:
        return Transit(timedelta(seconds=round(lane.mean_seconds)), learnt=True)
    return Transit(timedelta(hours=rule.default_transit_hours(region)), learnt=False)


def planned_pickup(planned_end: datetime | None, produced_at: datetime) -> datetime:
    """Booked for the planned end of production, never before the goods exist."""
    ready = produced_at if planned_end is None else max(planned_end, produced_at)
    return ready + PICKUP_LEAD


def deadline(promised: date | None) -> datetime | None:
    """The end of the promised day (UTC)."""
    return None if promised is None else datetime.combine(
        promised + timedelta(days=1), time.min, UTC)


@dataclass(frozen=True)
class Outlook:
    late: bool
    at_risk: bool


def outlook(eta: datetime | None, promised: date | None, troubled: bool) -> Outlook:
    end = deadline(promised)
    if eta is None or end is None:
        return Outlook(late=False, at_risk=troubled)
    late = eta >= end
    return Outlook(late=late, at_risk=not late and (troubled or end - eta < AT_RISK_MARGIN))


@dataclass(frozen=True)
class EtaMove:
    eta: datetime
    reason: str


def after_carrier_event(current: datetime | None, code: CarrierEventCode, at: datetime,
                        transit_time: timedelta, delay_minutes: int = 0) -> EtaMove | None:
    """The ETA once a carrier event is applied; None when it does not move it."""
    delay = timedelta(minutes=delay_minutes)
    if code is CarrierEventCode.PICKED_UP:
        move = EtaMove(at + transit_time + delay, "picked up by the carrier")
    elif code is CarrierEventCode.IN_TRANSIT:
        floor = at + transit_time / 4  # not yet there: some way is always left
        base = current if current is not None and current > floor else floor
        move = EtaMove(base + delay, "delayed in transit" if delay else "in transit")
    elif code is CarrierEventCode.OUT_FOR_DELIVERY:
        move = EtaMove(at + min(OUT_FOR_DELIVERY_WITHIN, transit_time) + delay,
                       "out for delivery")
    elif code in DEFAULT_DELAY:
        base = max(current or at, at)
        label = "delivery attempt failed" if code is CarrierEventCode.FAILED_ATTEMPT \
            else "exception reported by the carrier"
        move = EtaMove(base + (delay or DEFAULT_DELAY[code]), label)
    else:
        return None  # delivered or returned: the journey is over
    if current is not None and abs(move.eta - current) < MIN_MOVE:
        return None
    return move
