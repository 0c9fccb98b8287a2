"""Validating what a carrier reports, before it reaches a shipment."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from services.delivery.domain.values import CarrierEventCode, CarrierReport, Place
from services.kit.errors import Violations
from services.kit.words import N_

EVENT_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$")
CARRIER_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
TRACKING_NUMBER_RE = re.compile(r"^[A-Za-z0-9-]{4,40}$")
# Carrier clocks drift; an event "from the future" beyond this is refused.
MAX_CLOCK_SKEW = timedelta(minutes=15)
OLDEST = datetime(2000, 1, 1, tzinfo=UTC)
MAX_DELAY_MINUTES = 60 * 24 * 30
CODES = ", ".join(c.value for c in CarrierEventCode)


def validate_carrier(v: Violations, carrier: str, tracking_number: str) -> None:
    v.check(bool(CARRIER_RE.match(carrier)), "carrier",
            N_("must be a carrier code such as 'sf-express'"))
    v.check(bool(TRACKING_NUMBER_RE.match(tracking_number)), "tracking_number",
            N_("must be 4 to 40 letters, digits or dashes"))


def parse_code(v: Violations, text: str, field: str = "code") -> CarrierEventCode | None:
    try:
        return CarrierEventCode(text.strip().lower())
    except ValueError:
        v.add(field, N_("'%(text)s' is not a carrier event code; use one of %(codes)s"),
              text=text, codes=CODES)
        return None


def parse_report(v: Violations, *, carrier_event_id: str, code: CarrierEventCode | None,
                 event_time: datetime | None, place: Place, note: str, delay_minutes: int,
                 now: datetime) -> CarrierReport | None:
    """A CarrierReport, or None with the reasons added to `v`."""
    v.check(bool(EVENT_ID_RE.match(carrier_event_id)), "carrier_event_id",
            N_("must be the carrier's event id: 1 to 128 letters, digits or ._:/-"))
    if code is None and not any(x.field == "code" for x in v.items):
        v.add("code", N_("is required; use one of %(codes)s"), codes=CODES)
    if event_time is None:
        v.add("event_time", N_("is required (when the carrier saw it happen)"))
    elif event_time.tzinfo is None:
        v.add("event_time", N_("must carry a time zone, e.g. 2026-12-01T08:00:00Z"))
    elif event_time > now + MAX_CLOCK_SKEW:
        v.add("event_time", N_("is in the future"))
    elif event_time < OLDEST:
        v.add("event_time", N_("is too far in the past"))
    v.check(len(note) <= 500, "note", N_("must be at most 500 characters"))
    for name in ("city", "region", "country", "description"):
        v.check(len(getattr(place, name)) <= 120, f"location.{name}",
                N_("must be at most 120 characters"))
    v.check(0 <= delay_minutes <= MAX_DELAY_MINUTES, "delay_minutes",
            N_("must be from 0 to %(n)s"), n=MAX_DELAY_MINUTES)
    if v.items or code is None or event_time is None:
        return None
    return CarrierReport(carrier_event_id=carrier_event_id, code=code,
                         event_time=event_time.astimezone(UTC), place=place, note=note.strip(),
                         delay_minutes=delay_minutes)
